//! test262's module tests (tc39/test262: `language/module-code`, `import`, `export`,
//! `expressions/dynamic-import`, `expressions/import.meta`, and every `language` test flagged
//! `module`) under node and under hotnode, through `tests/test262/run`. A long variant, run on
//! demand with a checkout of test262:
//!
//!   HOTNODE_TEST262=/path/to/test262 cargo test --release --test test262 -- --nocapture
//!
//! It fails when hotnode fails a test that node passes and that is not in
//! `tests/test262/known-failures.txt` (what hotnode does not do like node yet, each line a
//! test), and names the listed tests that pass now, so the list only shrinks.

mod support;

use std::collections::BTreeSet;
use std::process::Command;

#[test]
fn hotnode_passes_every_module_test_node_passes_but_the_known_ones() {
    let Some(test262) = std::env::var_os("HOTNODE_TEST262") else {
        println!("HOTNODE_TEST262 is not set: test262 not run (see the comment at the top of this file)");
        return;
    };
    let root = support::repo_root();
    let results = std::env::temp_dir().join(format!("hotnode-test262-{}.json", std::process::id()));
    let output = Command::new("python3")
        .arg(root.join("tests/test262/run"))
        .arg("--test262")
        .arg(&test262)
        .args(["--hotnode", env!("CARGO_BIN_EXE_hotnode"), "--show", "0", "--json"])
        .arg(&results)
        .output()
        .expect("python3 runs the test262 runner");
    println!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let all: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&results).expect("the runner wrote its results")).unwrap();
    let _ = std::fs::remove_file(&results);
    let passed = |tool: &str, r: &serde_json::Value| r[tool][0].as_bool() == Some(true);
    let failing: BTreeSet<String> = all
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| passed("node", r) && !passed("hotnode", r))
        .map(|(test, _)| test.clone())
        .collect();
    let known_text = std::fs::read_to_string(root.join("tests/test262/known-failures.txt")).unwrap();
    let known: BTreeSet<String> =
        known_text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(String::from).collect();
    let fixed: Vec<&String> =
        known.iter().filter(|t| all.get(t.as_str()).is_some_and(|r| passed("hotnode", r))).collect();
    if !fixed.is_empty() {
        println!(
            "pass now (take them off known-failures.txt):\n  {}",
            fixed.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  ")
        );
    }
    let new: Vec<&String> = failing.difference(&known).collect();
    assert!(
        new.is_empty(),
        "hotnode fails {} test262 tests that node passes and that are not known:\n  {}",
        new.len(),
        new.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  ")
    );
}
