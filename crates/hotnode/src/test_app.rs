//! A folder of files for the unit tests of the session's parts (a fresh one per test name and
//! process), removed when the test is done with it.

use std::path::{Path, PathBuf};

/// A test's app folder (its real path); removed on drop.
pub struct TempApp(PathBuf);

impl std::ops::Deref for TempApp {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes `files` (path, text) into a fresh temp folder named after `name`.
pub fn temp_app(name: &str, files: &[(&str, &str)]) -> TempApp {
    let dir = std::env::temp_dir().join(format!("hotnode-unit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (path, text) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    TempApp(dir.canonicalize().unwrap())
}
