//! How hotnode and the app end: signals reach the app once and hotnode exits with the app's
//! code; an app that will not stop is killed after a grace period; the app exiting on its own
//! ends hotnode with its code, except a crash, which waits for a change; no node process
//! outlives hotnode. (Forked processes and hung dispose handlers on restart: processes_e2e and
//! cli_e2e.)

mod support;

use std::time::{Duration, Instant};

use support::{TempApp, hotnode, process_alive};

const ESM: &str = r#"{ "type": "module" }"#;

fn app(name: &str, main: &str) -> TempApp {
    TempApp::new(name, &[("package.json", ESM), ("main.js", main)])
}

fn pid_in(line: &str) -> i32 {
    line.split_whitespace().last().unwrap().parse().unwrap()
}

fn wait_gone(pid: i32) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while process_alive(pid) {
        assert!(Instant::now() < deadline, "node process {pid} outlived hotnode");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_reaches_the_app_once_and_hotnode_exits_with_its_code() {
    let app = app(
        "sigint",
        "let count = 0;\nprocess.on('SIGINT', () => { count += 1; console.log(`GOT SIGINT ${count}`); setTimeout(() => process.exit(3), 200); });\nconsole.log(`READY ${process.pid}`);\nsetInterval(() => {}, 1 << 30);\n",
    );
    let mut run = hotnode(&app, &["main.js"]);
    let pid = pid_in(&run.expect("READY"));
    // A terminal sends Ctrl-C to the whole foreground group: hotnode must not send it again.
    run.signal_group(libc::SIGINT);
    run.expect("GOT SIGINT 1");
    assert_eq!(run.wait_exit(Duration::from_secs(10)), Some(3));
    let output = run.final_output();
    assert!(!output.contains("GOT SIGINT 2"), "the app got Ctrl-C twice:\n{output}");
    wait_gone(pid);
}

#[test]
fn a_signal_to_the_group_reaches_a_busy_app_once() {
    // The event loop is busy 400 ms of every 500: the runtime says late that it got the signal.
    let app = app(
        "sigint-busy",
        "let count = 0;\nprocess.on('SIGINT', () => { count += 1; console.log(`GOT SIGINT ${count}`); setTimeout(() => process.exit(3), 1500); });\nsetInterval(() => { const end = Date.now() + 400; while (Date.now() < end); }, 500);\nconsole.log(`READY ${process.pid}`);\n",
    );
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("READY");
    std::thread::sleep(Duration::from_millis(700));
    run.signal_group(libc::SIGINT);
    run.expect("GOT SIGINT 1");
    assert_eq!(run.wait_exit(Duration::from_secs(10)), Some(3));
    let output = run.final_output();
    assert!(!output.contains("GOT SIGINT 2"), "the app got the signal twice:\n{output}");
}

#[test]
fn an_app_without_a_handler_ends_by_the_signal_and_hotnode_says_so_in_its_code() {
    let app = app("sigint-default", "console.log(`READY ${process.pid}`);\nsetInterval(() => {}, 1 << 30);\n");
    for to_group in [false, true] {
        let mut run = hotnode(&app, &["main.js"]);
        let pid = pid_in(&run.expect("READY"));
        if to_group {
            run.signal_group(libc::SIGINT);
        } else {
            run.signal(libc::SIGINT);
        }
        // 128 + SIGINT, as a shell reports a process a signal ended.
        assert_eq!(run.wait_exit(Duration::from_secs(10)), Some(130), "to the group: {to_group}");
        wait_gone(pid);
    }
}

#[test]
fn an_app_that_ignores_sigterm_is_killed_after_the_grace_period() {
    let app = app(
        "stubborn",
        "process.on('SIGTERM', () => console.log('IGNORING SIGTERM'));\nconsole.log(`READY ${process.pid}`);\nsetInterval(() => {}, 1 << 30);\n",
    );
    let mut run = hotnode(&app, &["main.js"]);
    let pid = pid_in(&run.expect("READY"));
    let sent = Instant::now();
    run.signal(libc::SIGTERM);
    run.expect("IGNORING SIGTERM");
    assert_eq!(run.wait_exit(Duration::from_secs(15)), Some(128 + libc::SIGKILL));
    let took = sent.elapsed();
    assert!(took < Duration::from_secs(8), "stopping took {took:?}");
    run.expect("did not exit in time; killing it");
    wait_gone(pid);
}

#[test]
fn a_crash_waits_for_a_change_and_a_clean_exit_ends_hotnode_with_its_code() {
    let app = app("exit-codes", "console.log(`RUN ${process.pid}`);\nprocess.exitCode = 4;\n");
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("RUN");
    // A crash (a non-zero code) waits: the developer's next save starts the app again.
    run.expect("app exited with code 4; waiting for a change");
    std::thread::sleep(Duration::from_millis(300));
    assert!(run.child.try_wait().unwrap().is_none(), "hotnode ended after a crash");
    app.write("main.js", "console.log(`RUN ${process.pid}`);\nprocess.exitCode = 0;\n");
    run.expect("starting the app again");
    run.expect("RUN");
    // Code 0 is the app's own decision: hotnode ends with it.
    assert_eq!(run.wait_exit(Duration::from_secs(10)), Some(0));
}

#[test]
fn a_signal_while_waiting_for_a_change_ends_hotnode() {
    let app = app("crashed-signal", "throw new Error('boom');\n");
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("waiting for a change");
    run.signal(libc::SIGTERM);
    assert_eq!(run.wait_exit(Duration::from_secs(10)), Some(128 + libc::SIGTERM));
}

#[test]
fn killing_hotnode_leaves_no_node_process() {
    let app = app("killed", "console.log(`READY ${process.pid}`);\nsetInterval(() => {}, 1 << 30);\n");
    let mut run = hotnode(&app, &["main.js"]);
    let pid = pid_in(&run.expect("READY"));
    run.signal(libc::SIGKILL);
    run.child.wait().unwrap();
    wait_gone(pid);
}

#[test]
fn killing_hotnode_ends_what_the_app_started_even_processes_that_resist() {
    let app = TempApp::new(
        "killed-with-children",
        &[
            ("package.json", ESM),
            // Ignores SIGTERM: only the SIGKILL after the grace ends it.
            ("stubborn.js", "process.on('SIGTERM', () => {});\nsetInterval(() => {}, 1000);\n"),
            (
                "main.js",
                "import { spawn } from 'node:child_process';\nconst file = new URL('./stubborn.js', import.meta.url).pathname;\nconst child = spawn(process.execPath, [file], { stdio: 'ignore' });\n// Its own session and process group, as a daemon makes itself.\nconst daemon = spawn(process.execPath, [file], { stdio: 'ignore', detached: true });\ndaemon.unref();\nsetTimeout(() => console.log(`PIDS ${child.pid} ${daemon.pid} ${process.pid}`), 300);\nsetInterval(() => {}, 1000);\n",
            ),
        ],
    );
    let mut run = hotnode(&app, &["main.js"]);
    let line = run.expect("PIDS");
    let pids: Vec<i32> = line.split_whitespace().skip(1).map(|p| p.parse().unwrap()).collect();
    run.signal(libc::SIGKILL);
    run.child.wait().unwrap();
    for pid in pids {
        wait_gone(pid);
    }
}

#[test]
fn what_the_app_spawned_ends_with_each_restart_and_with_hotnode() {
    let app = TempApp::new(
        "left-behind",
        &[
            ("package.json", r#"{ "type": "module" }"#),
            ("svc.js", "process.on('SIGTERM', () => process.exit(0));\nsetInterval(() => {}, 1000);\n"),
            (
                "main.js",
                "import { spawn } from 'node:child_process';\nimport { v } from './value.js';\nconst svc = spawn(process.execPath, [new URL('./svc.js', import.meta.url).pathname], { stdio: 'ignore' });\nconsole.log(`SVC v${v} ${svc.pid}`);\nsetInterval(() => {}, 1000);\n",
            ),
            ("value.js", "export const v = 1;\n"),
        ],
    );
    let mut run = hotnode(&app, &["main.js"]);
    let first = pid_in(&run.expect("SVC v1"));
    app.write("value.js", "export const v = 2;\n");
    let second = pid_in(&run.expect("SVC v2"));
    assert_ne!(first, second);
    // The first start's service went with its app.
    wait_gone(first);
    run.signal_group(libc::SIGINT);
    run.wait_exit(Duration::from_secs(10));
    wait_gone(second);
}

#[test]
fn a_restart_runs_the_apps_own_sigterm_shutdown_after_the_dispose_handlers() {
    let app = TempApp::new(
        "graceful-restart",
        &[
            ("package.json", r#"{ "type": "module" }"#),
            (
                "main.js",
                "import { v } from './value.js';\nconsole.log(`UP v${v}`);\nimport.meta.hot.dispose(() => console.log('DISPOSED'));\nprocess.on('SIGTERM', () => { console.log('SHUTDOWN'); setTimeout(() => process.exit(0), 100); });\nsetInterval(() => {}, 1000);\n",
            ),
            ("value.js", "export const v = 1;\n"),
        ],
    );
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("UP v1");
    app.write("value.js", "export const v = 2;\n");
    // As node --watch: the app's own shutdown runs (after hotnode's dispose handlers).
    run.expect("DISPOSED");
    run.expect("SHUTDOWN");
    run.expect("UP v2");
    let output = run.output();
    assert!(output.find("DISPOSED") < output.find("SHUTDOWN"), "{output}");
    assert!(!output.contains("killing it"), "{output}");
}

#[test]
fn an_ipc_channel_from_hotnodes_parent_reaches_the_app() {
    // A tool that forks its server with an IPC channel (AdonisJS's `ace serve`, a test runner)
    // and runs it under hotnode: the app's process.send reaches that tool, as without hotnode.
    let app = TempApp::new(
        "ipc-parent",
        &[
            ("package.json", ESM),
            ("main.js", "process.send({ hello: 'from the app' });\nsetTimeout(() => process.exit(0), 200);\n"),
            (
                "parent.cjs",
                "const { spawn } = require('node:child_process');\nconst child = spawn(process.env.HOTNODE, ['main.js'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });\nchild.on('message', (m) => console.log('PARENT GOT ' + JSON.stringify(m)));\nchild.on('exit', (code) => console.log('PARENT SAW EXIT ' + code));\n",
            ),
        ],
    );
    let mut command = std::process::Command::new("node");
    command.arg("parent.cjs").current_dir(&app.dir).env("HOTNODE", env!("CARGO_BIN_EXE_hotnode"));
    let mut run = support::run_command(command);
    run.expect(r#"PARENT GOT {"hello":"from the app"}"#);
    run.expect("PARENT SAW EXIT 0");
}
