//! The standby process: once the app has started, the next start's node process loads the
//! app's code (and takes each update) without running it; a restart tells it to run. It must
//! run exactly the code on disk, be a fresh process, and give way where it does not fit.

mod support;

use support::{TempApp, hotnode};

fn pid_after(line: &str, marker: &str) -> String {
    let at = line.find(marker).unwrap_or_else(|| panic!("no {marker:?} in {line:?}")) + marker.len();
    line[at..].split_whitespace().next().unwrap().to_string()
}

fn app(name: &str) -> TempApp {
    TempApp::new(
        name,
        &[
            ("package.json", r#"{ "type": "module" }"#),
            (
                "main.js",
                "import { value } from './value.js';\nimport { other } from './other.js';\nglobalThis.count = (globalThis.count ?? 0) + 1;\nconsole.log(`RUN ${value} ${other} pid ${process.pid} count ${globalThis.count}`);\nsetInterval(() => {}, 1 << 30);\n",
            ),
            ("value.js", "export const value = 'v1';\n"),
            ("other.js", "export const other = 'o1';\n"),
        ],
    )
}

#[test]
fn a_restart_runs_in_the_standby_with_every_change_made_while_it_waited() {
    let app = app("standby-restart");
    let mut run = hotnode(&app, &["--verbose", "main.js"]);
    run.expect("RUN v1 o1");
    let standby = pid_after(&run.expect("standby process"), "standby process ");
    // Nothing accepts: each edit restarts; the standby took the edit in while it waited.
    app.write("other.js", "export const other = 'o2';\n");
    let line = run.expect("RUN v1 o2");
    assert_eq!(pid_after(&line, "pid "), standby, "the standby ran the app:\n{}", run.output());
    assert!(line.ends_with("count 1"), "a fresh process: {line}");
    let next = pid_after(&run.expect("standby process"), "standby process ");
    app.write("value.js", "export const value = 'v2';\n");
    let line = run.expect("RUN v2 o2");
    assert_eq!(pid_after(&line, "pid "), next);
}

#[test]
fn a_change_of_how_modules_load_starts_a_new_process_instead() {
    let app = app("standby-config");
    let mut run = hotnode(&app, &["--verbose", "main.js"]);
    run.expect("RUN v1 o1");
    let standby = pid_after(&run.expect("standby process"), "standby process ");
    app.write("package.json", r#"{ "type": "module", "version": "1.0.1" }"#);
    let line = run.expect("RUN v1 o1");
    assert_ne!(pid_after(&line, "pid "), standby, "the standby loaded by the old package.json:\n{}", run.output());
}

#[test]
fn no_standby_starts_each_restart_afresh() {
    let app = app("standby-off");
    let mut run = hotnode(&app, &["--verbose", "--no-standby", "main.js"]);
    run.expect("RUN v1 o1");
    app.write("value.js", "export const value = 'v2';\n");
    run.expect("RUN v2 o1");
    assert!(!run.output().contains("standby process"), "{}", run.output());
}

/// Which start's process saved the session's code cache last (hotnode's session folder is
/// under `tmp`, the TMPDIR the test gives it), once one has.
fn code_cache_saved_by(tmp: &std::path::Path) -> Option<String> {
    std::fs::read_dir(tmp)
        .into_iter()
        .flatten()
        .flatten()
        .find_map(|session| std::fs::read_to_string(session.path().join("code-cache/saved-by")).ok())
}

/// Waits until a start other than `before`'s has saved the code cache; returns which.
fn wait_for_save(run: &support::Running, tmp: &std::path::Path, before: Option<&str>) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        match code_cache_saved_by(tmp) {
            Some(by) if Some(by.as_str()) != before => return by,
            _ => {}
        }
        assert!(std::time::Instant::now() < deadline, "no code cache saved:\n{}", run.output());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_restart_compiles_the_unchanged_modules_from_the_code_cache_the_app_saved() {
    let app = app("standby-code-cache");
    let tmp = app.dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut run = support::hotnode_with_env(&app, &["--verbose", "main.js"], &[("TMPDIR", tmp.to_str().unwrap())]);
    run.expect("RUN v1 o1");
    let first = wait_for_save(&run, &tmp, None);
    // The first start compiled from source; the restart's process takes the two modules the
    // edit left as they were from the cache, and compiles the edited one.
    assert!(!run.output().contains("compiled from the code cache"), "{}", run.output());
    app.write("main.js", &std::fs::read_to_string(app.dir.join("main.js")).unwrap().replace("RUN", "RAN"));
    run.expect("RAN v1 o1");
    run.expect("2 of 3 modules compiled from the code cache");
    // And the next restart too, from what that process saved again (with its new main.js).
    wait_for_save(&run, &tmp, Some(&first));
    app.write("value.js", "export const value = 'v2';\n");
    run.expect("RAN v2 o1");
    run.expect("2 of 3 modules compiled from the code cache");
}
