//! The runtime's own checks, so `cargo test` runs them too: its unit tests (`node --test`),
//! its types (`tsc -p runtime`, with the TypeScript the examples' lockfile installs), and the
//! agreement of what both sides of the protocol define apart (the session's variables, the
//! waits of a restart that must nest in hotnode's exit grace).

mod support;

use std::process::Command;

use hotnode_server::protocol::{EXIT_GRACE, RESTART_ACK_WAIT, RESTART_DISPOSE_WAIT, env};

#[test]
fn runtime_node_tests_pass() {
    let root = support::repo_root();
    // The files by name: what `node --test` makes of a folder differs between node versions.
    let mut files: Vec<String> = std::fs::read_dir(root.join("runtime/test"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".test.mjs"))
        .map(|name| format!("runtime/test/{name}"))
        .collect();
    files.sort();
    assert!(files.len() >= 6, "{files:?}");
    // TAP on every node version (node 23 and later default to the spec reporter).
    let output = Command::new("node")
        .args(["--test", "--test-reporter=tap"])
        .args(&files)
        .current_dir(&root)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "runtime tests failed");
    assert!(stdout.contains("# fail 0"), "{stdout}");
}

#[test]
fn the_runtime_type_checks() {
    let node_modules = support::examples_node_modules();
    let root = support::repo_root();
    let output = Command::new("node")
        .arg(node_modules.join("typescript/bin/tsc"))
        .args(["-p", "runtime", "--pretty", "false"])
        .current_dir(&root)
        .output()
        .expect("node runs tsc");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "tsc -p runtime found problems:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn both_sides_name_the_same_variables_and_the_restart_waits_nest() {
    let root = support::repo_root();
    let script = "import('./runtime/protocol.mjs').then((p) => console.log(JSON.stringify({ \
                  env: Object.values(p.ENV), ack: p.RESTART_ACK_WAIT_MS, dispose: p.RESTART_DISPOSE_WAIT_MS })))";
    let output = Command::new("node").args(["-e", script]).current_dir(&root).output().expect("node runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let runtime: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut theirs: Vec<&str> = runtime["env"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let mut ours = env::ALL.to_vec();
    theirs.sort();
    ours.sort();
    assert_eq!(theirs, ours);
    assert_eq!(runtime["ack"].as_u64(), Some(RESTART_ACK_WAIT.as_millis() as u64));
    assert_eq!(runtime["dispose"].as_u64(), Some(RESTART_DISPOSE_WAIT.as_millis() as u64));
    assert!(RESTART_ACK_WAIT + RESTART_DISPOSE_WAIT < EXIT_GRACE);
}
