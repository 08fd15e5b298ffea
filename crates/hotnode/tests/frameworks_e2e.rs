//! Real frameworks, installed from the npm registry (`examples/package-lock.json`): each example
//! app runs under hotnode, a route's source is edited, and the next request gets the new
//! response from the same process.

mod support;

use std::time::{Duration, Instant};

use support::{Load, Running, TempApp, free_port, hotnode_with_env, http_get};

/// The pid in a response ("... pid 1234 ...").
fn pid_in(body: &str) -> u32 {
    let after = body.split("pid ").nth(1).unwrap_or_else(|| panic!("no pid in {body:?}"));
    after.trim_start().split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
}

/// Requests `path` until the body contains `marker`; the body and how long it took.
fn poll_until(port: u16, path: &str, marker: &str, timeout: Duration) -> (String, Duration) {
    poll_for(port, path, timeout, &format!("a response with {marker:?}"), |body| body.contains(marker))
}

/// Requests `path` until `done` takes the body (`what` says what was awaited, for the failure).
fn poll_for(port: u16, path: &str, timeout: Duration, what: &str, done: impl Fn(&str) -> bool) -> (String, Duration) {
    let started = Instant::now();
    loop {
        if let Ok(body) = http_get(port, path)
            && done(&body)
        {
            return (body, started.elapsed());
        }
        assert!(started.elapsed() < timeout, "no {what} on {path} within {timeout:?}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn start(app: &TempApp, args: &[&str]) -> (Running, u16) {
    let port = free_port();
    let run = hotnode_with_env(app, args, &[("PORT", &port.to_string())]);
    (run, port)
}

/// The scenario every routes-accepting server must pass: under a continuous load, three edits
/// of the route's source; each is served by the same process, and no request fails, so the
/// listening socket was never closed.
fn route_edits_are_hot_under_load(example: &str, file: &str, text: &str) {
    let app = TempApp::copy_of_example(example);
    let (mut run, port) = start(&app, &["src/main.ts"]);
    run.expect_within("listening on", Duration::from_secs(20));
    let (first, _) = poll_until(port, "/", text, Duration::from_secs(5));
    let pid = pid_in(&first);
    let user = http_get(port, "/users/7").unwrap();
    assert!(user.contains(r#""id":7"#) && user.contains("user 7"), "{user}");

    let load = Load::start(port, 2, 100_000);
    std::thread::sleep(Duration::from_millis(200));
    let source = app.read(file);
    assert!(source.contains(text), "{file} should contain {text:?}");
    for edit in 1..=3 {
        let new_text = text.replace("Hello", &format!("Hello v{edit}"));
        app.write(file, &source.replace(text, &new_text));
        let line = run.expect(&format!("{} changed", file.rsplit('/').next().unwrap()));
        assert!(line.contains("accepted by"), "{line}");
        let (body, took) = poll_until(port, "/", &new_text, Duration::from_secs(5));
        assert_eq!(pid_in(&body), pid, "the same process serves the new route");
        eprintln!("{example}: edit {edit} served {took:?} after the write ({line})");
    }
    let report = load.stop();
    assert!(
        report.failed.is_empty(),
        "{} of {} requests failed: {:?}",
        report.failed.len(),
        report.ok,
        &report.failed[..1]
    );
    assert!(report.ok > 10, "the load ran ({} requests)", report.ok);
    assert!(report.bodies.iter().all(|body| pid_in(body) == pid), "every request was served by pid {pid}");
    // Other routes still work after the updates.
    assert!(http_get(port, "/users/8").unwrap().contains("user 8"));
}

#[test]
fn express_route_edits_are_hot_under_load() {
    route_edits_are_hot_under_load("express-server", "src/routes.ts", "Hello from express");
}

#[test]
fn fastify_route_edits_are_hot_under_load() {
    route_edits_are_hot_under_load("fastify-server", "src/routes.ts", "Hello from fastify");
}

#[test]
fn hono_route_edits_are_hot_under_load() {
    route_edits_are_hot_under_load("hono-server", "src/routes.tsx", "Hello from hono");
}

#[test]
fn hono_jsx_component_edit_is_hot() {
    let app = TempApp::copy_of_example("hono-server");
    let (mut run, port) = start(&app, &["src/main.ts"]);
    run.expect_within("listening on", Duration::from_secs(20));
    let (page, _) = poll_until(port, "/page", "<h1>hotnode</h1>", Duration::from_secs(5));
    assert!(page.contains("Rendered with hono/jsx"), "{page}");
    app.write("src/page.tsx", &app.read("src/page.tsx").replace("Rendered with", "Drawn by"));
    run.expect("page.tsx changed");
    let (page2, _) = poll_until(port, "/page", "Drawn by hono/jsx", Duration::from_secs(5));
    assert_eq!(pid_in(&page2), pid_in(&page));
}

#[test]
fn an_edit_of_the_entry_restarts_cleanly_on_the_same_port() {
    let app = TempApp::copy_of_example("express-server");
    let (mut run, port) = start(&app, &["src/main.ts"]);
    run.expect_within("listening on", Duration::from_secs(20));
    let (body, _) = poll_until(port, "/", "Hello from express", Duration::from_secs(5));
    let old_pid = pid_in(&body);

    // main.ts accepts its routes, not itself: an edit of it cannot be applied hot.
    let main = app.read("src/main.ts");
    app.write("src/main.ts", &main.replace("express listening on", "express (edited) listening on"));
    let written = Instant::now();
    run.expect("restarting");
    // The old process's dispose handler closed the port before the new process took it.
    run.expect_each(&[&format!("express closed port {port}"), "express (edited) listening on"]);
    let (body, _) = poll_until(port, "/", "Hello from express", Duration::from_secs(10));
    let new_pid = pid_in(&body);
    assert_ne!(new_pid, old_pid, "a restart is a new process");
    assert!(!support::process_alive(old_pid as i32), "the old process is gone");
    eprintln!("express: restart served {:?} after the write", written.elapsed());
}

#[test]
fn nest_dependency_injection_works_and_an_edit_rebootstraps_in_process() {
    let app = TempApp::copy_of_example("nest-server");
    app.write("restart-trigger.txt", "0");
    let (mut run, port) = start(&app, &["--watch-path", "restart-trigger.txt", "src/main.ts"]);
    run.expect_within("nest listening on", Duration::from_secs(20));
    // CatsController gets CatsService through its constructor's parameter type alone, which
    // only emitDecoratorMetadata records: a wrong transform leaves `this.cats` undefined.
    let cat = http_get(port, "/cats/2").unwrap();
    assert!(cat.contains(r#""name":"Felix""#), "{cat}");
    let (body, _) = poll_until(port, "/", "Hello from nest", Duration::from_secs(5));
    let pid = pid_in(&body);

    let mut hot = nest_rebootstraps(&app, &mut run, port, pid, "Hello from nest");

    let mut restarts = Vec::new();
    let mut pid = pid;
    for edit in 1..=2 {
        let written = Instant::now();
        app.write("restart-trigger.txt", &edit.to_string());
        let (body, _) =
            poll_for(port, "/", Duration::from_secs(20), "new process after the restart", |body| pid_in(body) != pid);
        pid = pid_in(&body);
        restarts.push(written.elapsed());
        run.expect("nest listening on");
    }
    hot.sort();
    restarts.sort();
    eprintln!("nest: edit -> new response: hot re-bootstrap {hot:?}, restart {restarts:?}");
    assert!(hot[1] * 2 < restarts[0], "a hot re-bootstrap ({hot:?}) takes a fraction of a restart ({restarts:?})");
}

#[test]
fn a_nest_es_module_app_with_the_documented_recipe_rebootstraps_in_process() {
    // As the NestJS 12 CLI makes an app (`"type": "module"`, `await bootstrap()`), with NestJS's
    // recipe (`declare const module: any; if (module.hot) { ... }`), which needs webpack's
    // `module` in an ES module.
    let app = TempApp::copy_of_example("nest-esm-server");
    let (mut run, port) = start(&app, &["src/main.ts"]);
    run.expect_within("nest listening on", Duration::from_secs(20));
    let cat = http_get(port, "/cats/2").unwrap();
    assert!(cat.contains(r#""name":"Felix""#), "{cat}");
    let (body, _) = poll_until(port, "/", "Hello from nest (ES modules)", Duration::from_secs(5));
    let pid = pid_in(&body);
    let hot = nest_rebootstraps(&app, &mut run, port, pid, "Hello from nest (ES modules)");
    eprintln!("nest (ES modules): edit -> new response {hot:?}");
}

/// Three edits of the example's service, each served by a re-bootstrap in process `pid` (the
/// recipe's self-accept up in main.ts); injection still works after them. The times from each
/// write to its new response.
fn nest_rebootstraps(app: &TempApp, run: &mut support::Running, port: u16, pid: u32, greeting: &str) -> Vec<Duration> {
    let service = app.read("src/cats.service.ts");
    let mut hot = Vec::new();
    for edit in 1..=3 {
        let text = format!("Hello v{edit} from nest");
        let written = Instant::now();
        app.write("src/cats.service.ts", &service.replace(greeting, &text));
        let (body, _) = poll_until(port, "/", &text, Duration::from_secs(10));
        hot.push(written.elapsed());
        assert_eq!(pid_in(&body), pid, "re-bootstrapped in the same process");
        let line = run.expect("cats.service.ts changed");
        assert!(line.contains("accepted by src/main.ts"), "{line}");
    }
    assert!(http_get(port, "/cats/1").unwrap().contains("Tom"), "injection still works after updates");
    hot
}
