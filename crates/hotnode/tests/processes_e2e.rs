//! One session, many processes: cluster workers and forked children run under the runtime,
//! take every update with their own live graph, talk through custom events, and restart
//! together when an update cannot be applied hot.

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use support::{Load, TempApp, free_port, hotnode, hotnode_with_env, http_get, process_alive};

/// The pid in a response of the cluster example ("Hello from worker 123 (request #4)").
fn worker_pid(body: &str) -> Option<u32> {
    body.split("worker ").nth(1)?.split_whitespace().next()?.parse().ok()
}

/// Requests until every worker in `pids` has answered with `marker` (round robin spreads them).
fn wait_until_all_serve(port: u16, pids: &BTreeSet<u32>, marker: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = BTreeSet::new();
    while seen != *pids {
        assert!(Instant::now() < deadline, "not every worker serves {marker:?}: only {seen:?} of {pids:?}");
        if let Ok(body) = http_get(port, "/")
            && body.contains(marker)
        {
            seen.extend(worker_pid(&body));
        }
    }
}

#[test]
fn a_handler_edit_reaches_both_cluster_workers_under_load_without_a_failed_request() {
    let app = TempApp::copy_of("cluster", &support::fixture("cluster-server"));
    let port = free_port();
    let port_text = port.to_string();
    let mut run = hotnode_with_env(&app, &["--verbose", "src/main.ts"], &[("PORT", &port_text), ("WORKERS", "2")]);
    // The custom event round trip: each worker's `worker:ready` reaches the primary, whose
    // `primary:welcome` reaches the workers; hotnode prints each event with --verbose.
    run.expect("welcomed by primary");
    run.expect("welcomed by primary");
    for event in ["custom event worker:ready from process", "custom event primary:welcome from process"] {
        run.line_with(event);
    }

    let load = Load::start(port, 2, 200_000);
    std::thread::sleep(Duration::from_millis(300));
    let routes = app.read("src/routes.ts");
    let mut pids = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while pids.len() < 2 {
        assert!(Instant::now() < deadline, "both workers should answer");
        pids.extend(http_get(port, "/").ok().as_deref().and_then(worker_pid));
    }
    const EDITS: usize = 10;
    for edit in 1..=EDITS {
        app.write("src/routes.ts", &routes.replace("Hello from", &format!("Hello v{edit} from")));
        let line = run.expect("routes.ts changed");
        assert!(line.contains("in 2 of 3 processes"), "the line counts the processes that took it: {line}");
        wait_until_all_serve(port, &pids, &format!("Hello v{edit} from"));
    }
    let report = load.stop();
    assert!(report.ok > 100, "the load ran: {} requests", report.ok);
    assert!(
        report.failed.is_empty(),
        "{} of {} requests failed: {:?}",
        report.failed.len(),
        report.ok,
        &report.failed[..report.failed.len().min(5)]
    );
    let served_by: BTreeSet<u32> = report.bodies.iter().filter_map(|b| worker_pid(b)).collect();
    assert_eq!(served_by, pids, "the same two workers served every request: none restarted");
    println!("{} requests during {EDITS} updates, none failed", report.ok);
}

/// An app whose main forks worker.ts, which accepts its job.ts and reports to the parent.
fn fork_app(name: &str) -> TempApp {
    TempApp::new(
        name,
        &[
            ("package.json", r#"{ "name": "fork", "private": true, "type": "module" }"#),
            (
                "main.ts",
                r#"import { fork } from "node:child_process";
const child = fork(new URL("./worker.ts", import.meta.url));
child.on("message", (m) => console.log(`OUT parent ${process.pid} got ${JSON.stringify(m)}`));
import.meta.hot?.dispose(() => console.log(`OUT parent ${process.pid} disposed`));
"#,
            ),
            (
                "worker.ts",
                r#"import { job } from "./job.ts";
process.send?.({ pid: process.pid, job: job() });
import.meta.hot?.accept("./job.ts", (m) => process.send?.({ pid: process.pid, job: m?.job() }));
setInterval(() => {}, 1 << 30);
"#,
            ),
            ("job.ts", "export const job = () => \"one\";\n"),
        ],
    )
}

/// The parent's and the child's pids from the parent's line about a message of the child.
fn parent_and_child(line: &str) -> (i32, i32) {
    let parent = line.split("parent ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    let child = line.split("\"pid\":").nth(1).unwrap().split(',').next().unwrap().parse().unwrap();
    (parent, child)
}

fn wait_gone(pids: &[i32], what: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|&pid| process_alive(pid)) {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_forked_child_is_hot_and_an_update_it_cannot_take_restarts_the_whole_app() {
    let app = fork_app("fork");
    let mut run = hotnode(&app, &["main.ts"]);
    run.expect_each(&["\"job\":\"one\"", "started worker.ts"]);
    let (parent, child) = parent_and_child(&run.line_with("\"job\":\"one\""));
    run.line_with(&format!("forked process {child} started worker.ts"));

    app.write("job.ts", "export const job = () => \"two\";\n");
    run.expect_each(&[
        &format!("got {{\"pid\":{child},\"job\":\"two\"}}"),
        "job.ts changed: re-evaluated 1 module in 1 of 2 processes",
    ]);
    assert!(run.output().contains(&format!("OUT parent {parent} got")), "the parent was not restarted");

    // worker.ts is the child's entry and accepts nothing: the child cannot take it hot, so the
    // app restarts from the process hotnode started (whose dispose runs), and forks again.
    app.write("worker.ts", &app.read("worker.ts").replace("job: job()", "job: `${job()}!`"));
    run.expect_each(&[
        &format!("no module accepts the update (worker.ts) in forked process {child}"),
        &format!("OUT parent {parent} disposed"),
        "\"job\":\"two!\"",
    ]);
    let output = run.output();
    assert!(output.find(" disposed") < output.find("\"two!\""), "the old parent was disposed before the new one ran");
    let (new_parent, new_child) = parent_and_child(&run.line_with("\"job\":\"two!\""));
    assert_ne!(new_parent, parent, "a new parent process");
    wait_gone(&[parent, child], "the first start's processes are still running");

    // hotnode leaves no forked process behind when it stops.
    run.signal(libc::SIGTERM);
    assert!(run.wait_exit(Duration::from_secs(10)).is_some(), "hotnode exits");
    wait_gone(&[new_parent, new_child], "a process outlived hotnode");
}

#[test]
fn a_forked_child_ends_when_hotnode_is_killed() {
    let app = fork_app("fork-kill");
    let mut run = hotnode(&app, &["main.ts"]);
    let (parent, child) = parent_and_child(&run.expect("\"job\":\"one\""));
    // No chance to clean up: the kernel ends the process hotnode started, and the forked one
    // sees its connection to hotnode close.
    run.signal(libc::SIGKILL);
    run.child.wait().unwrap();
    wait_gone(&[parent, child], "a process outlived a killed hotnode");
}

#[test]
fn an_edit_no_process_can_take_restarts_the_cluster_on_the_same_port() {
    let app = TempApp::copy_of("cluster-restart", &support::fixture("cluster-server"));
    let port = free_port();
    let port_text = port.to_string();
    let mut run = hotnode_with_env(&app, &["src/main.ts"], &[("PORT", &port_text), ("WORKERS", "2")]);
    run.expect("welcomed by primary");
    run.expect("welcomed by primary");
    let mut before = BTreeSet::new();
    while before.len() < 2 {
        before.extend(http_get(port, "/").ok().as_deref().and_then(worker_pid));
    }
    // main.ts is every process's entry and accepts nothing.
    app.write("src/main.ts", &format!("{}// edited\n", app.read("src/main.ts")));
    run.expect("restarting: no module accepts the update (src/main.ts)");
    run.expect("welcomed by primary");
    run.expect("welcomed by primary");
    let mut after = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while after.len() < 2 {
        assert!(Instant::now() < deadline, "two new workers should serve the port");
        after.extend(http_get(port, "/").ok().as_deref().and_then(worker_pid));
    }
    assert!(before.is_disjoint(&after), "new workers: {before:?} then {after:?}");
    let before: Vec<i32> = before.into_iter().map(|pid| pid as i32).collect();
    wait_gone(&before, "a worker of the first start is still running");
}
