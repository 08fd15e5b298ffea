//! The behaviour scenarios (the ES module and the CommonJS / webpack cases) against the built
//! binary, through the scenario runner. The repository carries its own copy of both in
//! `tests/conformance` (taken from the project's shared conformance folder), so a fresh clone
//! alone runs them; a test says when that copy and the shared folder beside the repository
//! differ. Each folder of cases is its own test, so both run in parallel and fail separately.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

fn conformance_dir() -> PathBuf {
    support::repo_root().join("tests/conformance")
}

fn run_cases(cases: &Path) {
    let dir = conformance_dir();
    let output = Command::new("python3")
        .arg(dir.join("run"))
        // Cases without a timeout of their own get more than the runner's 5 s a step: a loaded
        // two-core machine can take seconds to start node.
        .args(["--tool", "hotnode", "--jobs", "2", "--timeout", "20"])
        .arg(cases)
        .env("HOTNODE_BIN", env!("CARGO_BIN_EXE_hotnode"))
        .output()
        .expect("python3 runs the conformance runner");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "conformance cases in {} failed:\n{stdout}", cases.display());
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

#[test]
fn esm_conformance_cases_pass() {
    run_cases(&conformance_dir().join("cases/esm"));
}

#[test]
fn cjs_conformance_cases_pass() {
    run_cases(&conformance_dir().join("cases/cjs"));
}

/// Cases hotnode adds beside the shared ones (the shared folder is not ours to write): the same
/// format and runner, kept apart so the copy of the shared folder stays exactly that.
#[test]
fn hotnodes_own_cases_pass() {
    run_cases(&support::repo_root().join("tests/conformance-extra"));
}

/// Every file below `dir`, relative to it, with its bytes.
fn files_below(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "__pycache__") {
                    stack.push(path);
                }
            } else {
                out.push((path.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The copy in the repository is the shared one: a case added or changed there (or here) is
/// named, so it is brought over on purpose. Without the shared folder (a clone alone) there is
/// nothing to compare.
#[test]
fn the_repository_copy_of_the_cases_is_the_shared_one() {
    let Some(shared) = support::shared_dir() else {
        println!("no shared folder beside the repository: nothing to compare");
        return;
    };
    let ours = files_below(&conformance_dir());
    let theirs = files_below(&shared.join("conformance"));
    let differ: Vec<String> = {
        let mut names: Vec<&PathBuf> = ours.iter().chain(&theirs).map(|(p, _)| p).collect();
        names.sort();
        names.dedup();
        names
            .into_iter()
            .filter(|name| ours.iter().find(|(p, _)| p == *name) != theirs.iter().find(|(p, _)| p == *name))
            .map(|name| name.display().to_string())
            .collect()
    };
    assert!(
        differ.is_empty(),
        "tests/conformance differs from {}/conformance in: {}\n(copy the shared folder over, or say in the \
         change why the repository's copy departs from it)",
        shared.display(),
        differ.join(", ")
    );
}
