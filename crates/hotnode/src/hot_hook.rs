//! hot-hook's `restart` option, for its users: `"hotHook": { "restart": [globs] }` in the working
//! folder's package.json (where hot-hook reads it) names files whose change restarts the app
//! (files read, not imported: `.env` for dotenv, a config file). As in hot-hook, it is `[".env"]`
//! where `hotHook` is given without it. (`boundaries` is the runtime's, `runtime/hot-hook.mjs`;
//! `ignore` is not followed: it would drop saves of app files silently, and packages are not
//! watched anyway.)

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct RestartFiles {
    dir: PathBuf,
    globs: Vec<String>,
}

impl RestartFiles {
    /// Read from `dir`'s package.json; none where it has no `hotHook`.
    pub fn read(dir: &Path) -> Self {
        let text = std::fs::read_to_string(dir.join("package.json")).unwrap_or_default();
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else { return Self::default() };
        let Some(hot_hook) = json.get("hotHook") else { return Self::default() };
        let globs = match hot_hook.get("restart").and_then(|r| r.as_array()) {
            Some(list) => {
                list.iter().filter_map(|g| g.as_str()).map(|g| g.trim_start_matches("./").to_string()).collect()
            }
            None => vec![".env".to_string()],
        };
        Self { dir: dir.to_path_buf(), globs }
    }

    /// The folders to watch for them, and whether recursively: a literal file's folder, a
    /// pattern's folder before its first wildcard (recursively, for a `**`).
    pub fn watch_roots(&self) -> Vec<(PathBuf, bool)> {
        self.globs
            .iter()
            .map(|glob| {
                let literal: Vec<&str> = glob.split('/').take_while(|s| !s.contains(['*', '?'])).collect();
                let base = self.dir.join(literal.join("/"));
                if literal.len() == glob.split('/').count() {
                    (base.parent().unwrap_or(&self.dir).to_path_buf(), false)
                } else {
                    (base, glob.contains("**"))
                }
            })
            .collect()
    }

    pub fn matches(&self, path: &Path) -> bool {
        let Ok(relative) = path.strip_prefix(&self.dir) else { return false };
        let Some(relative) = relative.to_str() else { return false };
        self.globs.iter().any(|glob| glob_matches(glob.as_bytes(), relative.as_bytes()))
    }
}

/// `*` within a folder, `**` across folders, `?` one character.
fn glob_matches(glob: &[u8], path: &[u8]) -> bool {
    match glob {
        [] => path.is_empty(),
        [b'*', b'*', b'/', rest @ ..] => {
            glob_matches(rest, path)
                || path.iter().enumerate().any(|(i, c)| *c == b'/' && glob_matches(rest, &path[i + 1..]))
        }
        [b'*', b'*', rest @ ..] => (0..=path.len()).any(|i| glob_matches(rest, &path[i..])),
        [b'*', rest @ ..] => {
            (0..=path.len()).take_while(|&i| i == 0 || path[i - 1] != b'/').any(|i| glob_matches(rest, &path[i..]))
        }
        [b'?', rest @ ..] => path.first().is_some_and(|c| *c != b'/') && glob_matches(rest, &path[1..]),
        [c, rest @ ..] => path.first() == Some(c) && glob_matches(rest, &path[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_hot_hooks_do() {
        assert!(glob_matches(b".env", b".env"));
        assert!(!glob_matches(b".env", b".env.local"));
        assert!(glob_matches(b"config/*.json", b"config/app.json"));
        assert!(!glob_matches(b"config/*.json", b"config/deep/app.json"));
        assert!(glob_matches(b"config/**/*.json", b"config/deep/app.json"));
        assert!(glob_matches(b"config/**/*.json", b"config/app.json"));
        assert!(glob_matches(b".env.?", b".env.a"));
    }

    #[test]
    fn restart_files_are_read_from_package_json_with_hot_hooks_default() {
        let dir = std::env::temp_dir().join(format!("hotnode-hot-hook-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("package.json"), r#"{ "hotHook": { "boundaries": [] } }"#).unwrap();
        let files = RestartFiles::read(&dir);
        assert!(files.matches(&dir.join(".env")));
        std::fs::write(dir.join("package.json"), r#"{ "hotHook": { "restart": ["./config/**/*.yml"] } }"#).unwrap();
        let files = RestartFiles::read(&dir);
        assert!(files.matches(&dir.join("config/a/b.yml")) && !files.matches(&dir.join(".env")));
        assert_eq!(files.watch_roots(), vec![(dir.join("config"), true)]);
        std::fs::write(dir.join("package.json"), r#"{ "name": "plain" }"#).unwrap();
        assert!(!RestartFiles::read(&dir).matches(&dir.join(".env")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
