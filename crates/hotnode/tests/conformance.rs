//! The public behaviour scenarios (`shared/conformance/cases`: the ES module and the CommonJS
//! / webpack cases) against the built binary, through the shared runner, which exits non-zero
//! on any failure. Each folder is its own test, so both run in parallel and fail separately.

mod support;

use std::process::Command;

fn run_cases(folder: &str) {
    let shared = support::shared_dir();
    let output = Command::new("python3")
        .arg(shared.join("conformance/run"))
        .args(["--tool", "hotnode", "--jobs", "2"])
        .arg(shared.join("conformance/cases").join(folder))
        .env("HOTNODE_BIN", env!("CARGO_BIN_EXE_hotnode"))
        .output()
        .expect("python3 runs the conformance runner");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "conformance cases in {folder} failed:\n{stdout}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

#[test]
fn esm_conformance_cases_pass() {
    run_cases("esm");
}

#[test]
fn cjs_conformance_cases_pass() {
    run_cases("cjs");
}
