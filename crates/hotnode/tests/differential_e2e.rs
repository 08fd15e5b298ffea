//! Differential tests: the same program run by `node` and by `hotnode`, on the node on PATH,
//! stdout and exit status compared exactly. Each folder of `tests/differential/` is one program
//! whose entry is its `main.*`; it prints what it observes and exits 0. (hotnode also runs
//! TypeScript, which node may refuse: a case in TypeScript is compared only where this node
//! strips types itself, else its output is checked against the JavaScript twin's lines.)
//!
//! Other node versions: `PATH=/path/to/node-22/bin:$PATH cargo test --test differential_e2e`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::TempApp;

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    cases
}

fn entry_of(case: &Path) -> String {
    std::fs::read_dir(case)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|name| name.starts_with("main."))
        .unwrap_or_else(|| panic!("{} has no main.*", case.display()))
}

/// (stdout, exit code) of `program entry` in `dir`, ended after 60 s if it has not.
fn run(program: &str, dir: &Path, entry: &str) -> (String, Option<i32>) {
    let output = Command::new("timeout")
        .args(["60", program, entry])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    (String::from_utf8_lossy(&output.stdout).into_owned(), output.status.code())
}

/// Whether this node runs `.ts`/`.cts`/`.mts` files itself (type stripping on by default).
fn node_strips_types() -> bool {
    let output = Command::new("node").args(["-p", "process.features.typescript"]).output().unwrap();
    let said = String::from_utf8_lossy(&output.stdout);
    matches!(said.trim(), "strip" | "transform")
}

#[test]
fn node_and_hotnode_print_the_same() {
    let mut compared = 0;
    let mut differ = Vec::new();
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let entry = entry_of(&case);
        let is_typescript = [".ts", ".cts", ".mts"].iter().any(|ext| entry.ends_with(ext));
        let app = TempApp::copy_of(&format!("diff-{name}"), &case);
        let hot = run(env!("CARGO_BIN_EXE_hotnode"), &app.dir, &entry);
        if is_typescript && !node_strips_types() {
            let expected = std::fs::read_to_string(case.join("expected.txt")).unwrap_or_else(|_| {
                panic!("{name}: a TypeScript case needs expected.txt for nodes without type stripping")
            });
            if hot != (expected, Some(0)) {
                differ.push(format!("{name} (against expected.txt)\n  hotnode: {hot:?}"));
            }
            compared += 1;
            continue;
        }
        let node = run("node", &app.dir, &entry);
        assert_eq!(node.1, Some(0), "{name}: a case must exit 0 under node:\n{}", node.0);
        if node != hot {
            differ.push(format!("{name}\n  node:    {node:?}\n  hotnode: {hot:?}"));
        }
        compared += 1;
    }
    assert!(compared >= 3, "{compared} cases");
    assert!(differ.is_empty(), "node and hotnode differ:\n{}", differ.join("\n"));
}
