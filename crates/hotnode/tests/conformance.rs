//! The public behaviour scenarios (`shared/conformance/cases/esm`) against the built binary,
//! through the shared runner, which exits non-zero on any failure.

mod support;

use std::process::Command;

#[test]
fn esm_conformance_cases_pass() {
    let shared = support::shared_dir();
    let output = Command::new("python3")
        .arg(shared.join("conformance/run"))
        .args(["--tool", "hotnode", "--jobs", "2"])
        .arg(shared.join("conformance/cases/esm"))
        .env("HOTNODE_BIN", env!("CARGO_BIN_EXE_hotnode"))
        .output()
        .expect("python3 runs the conformance runner");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "conformance cases failed:\n{stdout}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}
