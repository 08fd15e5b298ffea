//! The runtime's own unit tests (`node --test runtime/test`), so `cargo test` runs them too.

mod support;

use std::process::Command;

#[test]
fn runtime_node_tests_pass() {
    let root = support::repo_root();
    let output = Command::new("node").args(["--test", "runtime/test/"]).current_dir(&root).output().expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "runtime tests failed");
    assert!(stdout.contains("# fail 0"), "{stdout}");
}
