//! A folder of files for the unit tests of the session's parts (a fresh one per test name and
//! process).

use std::path::PathBuf;

/// Writes `files` (path, text) into a fresh temp folder named after `name`; its real path.
pub fn temp_app(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hotnode-unit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (path, text) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    dir.canonicalize().unwrap()
}
