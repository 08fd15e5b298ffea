//! webpack's own hot test cases (`tests/webpack-hotcases/`: 45 of webpack's `test/hotCases`,
//! those that need no bundling), each run under hotnode by its harness as webpack's harness
//! runs them: every case passes except those `expected-failures.txt` names with a reason, and
//! each of those still fails (a fixed one must leave the list).

mod support;

use std::collections::BTreeMap;
use std::process::Command;

use support::{npm_installed, repo_root};

#[test]
fn webpacks_hot_cases_pass_except_the_named_ones() {
    let dir = repo_root().join("tests/webpack-hotcases");
    npm_installed("tests/webpack-hotcases");
    let output = Command::new("node")
        .arg("run.mjs")
        .args(["--hotnode", env!("CARGO_BIN_EXE_hotnode"), "--jobs", "2", "--json"])
        .current_dir(&dir)
        .output()
        .expect("node runs the hot cases");
    assert!(output.status.success(), "run.mjs failed: {}", String::from_utf8_lossy(&output.stderr));
    let results: BTreeMap<String, (bool, String)> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|v| {
            let name = v["name"].as_str().unwrap_or_default().to_string();
            (name, (v["ok"].as_bool() == Some(true), v["why"].as_str().unwrap_or_default().to_string()))
        })
        .collect();
    let expected = std::fs::read_to_string(dir.join("expected-failures.txt")).unwrap();
    let known: Vec<&str> = expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once(':').map(|(name, _)| name.trim()))
        .collect();
    assert!(results.len() >= 45, "only {} cases ran:\n{}", results.len(), String::from_utf8_lossy(&output.stdout));
    let failing: Vec<String> = results
        .iter()
        .filter(|(name, (ok, _))| !ok && !known.contains(&name.as_str()))
        .map(|(name, (_, why))| format!("{name}: {why}"))
        .collect();
    assert!(failing.is_empty(), "webpack hot cases that fail under hotnode:\n{}", failing.join("\n"));
    let fixed: Vec<&&str> = known.iter().filter(|name| results.get(**name).is_some_and(|(ok, _)| *ok)).collect();
    assert!(fixed.is_empty(), "these pass now: take them out of expected-failures.txt: {fixed:?}");
    let passed = results.values().filter(|(ok, _)| *ok).count();
    eprintln!("webpack hot cases: {passed} of {} pass", results.len());
}
