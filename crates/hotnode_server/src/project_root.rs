//! The project root: the folder whose files hotnode serves as the app's code. Found as Vite
//! finds its workspace root: the nearest folder above the entry that declares a workspace
//! (`pnpm-workspace.yaml`, `lerna.json`, a `package.json` with `workspaces`), so a monorepo's
//! packages are all in; else the entry's package (the nearest `package.json`); else the entry's
//! own folder. A file outside it is not sent to the runtime: the runtime only ever receives
//! code of files of the project, read by hotnode.

use std::path::{Path, PathBuf};

/// The root for `entry` (an absolute path to a file).
pub fn find(entry: &Path) -> PathBuf {
    // A package's script as the entry (`hotnode node_modules/.bin/fastify start src/app.ts`)
    // serves the project that installed the package, not the package.
    let start = entry
        .ancestors()
        .find(|dir| dir.file_name().is_some_and(|name| name == "node_modules"))
        .and_then(Path::parent)
        .unwrap_or_else(|| entry.parent().unwrap_or(entry));
    if let Some(workspace) = start.ancestors().find(|dir| declares_workspace(dir)) {
        return workspace.to_path_buf();
    }
    start.ancestors().find(|dir| dir.join("package.json").is_file()).unwrap_or(start).to_path_buf()
}

fn declares_workspace(dir: &Path) -> bool {
    if dir.join("pnpm-workspace.yaml").is_file() || dir.join("lerna.json").is_file() {
        return true;
    }
    std::fs::read_to_string(dir.join("package.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .is_some_and(|package| package.get("workspaces").is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("hotnode-root-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn a_packages_script_as_the_entry_serves_the_project_that_installed_it() {
        let dir = tree(
            "package-script",
            &[("package.json", "{}"), ("node_modules/cli/package.json", "{}"), ("node_modules/cli/bin/cli.js", "")],
        );
        assert_eq!(find(&dir.join("node_modules/cli/bin/cli.js")), dir);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_workspace_above_the_entry_wins_over_its_package() {
        let dir = tree(
            "workspace",
            &[
                ("package.json", r#"{ "workspaces": ["apps/*", "packages/*"] }"#),
                ("apps/api/package.json", "{}"),
                ("apps/api/src/main.ts", ""),
            ],
        );
        assert_eq!(find(&dir.join("apps/api/src/main.ts")), dir);
        let pnpm =
            tree("pnpm", &[("pnpm-workspace.yaml", ""), ("apps/api/package.json", "{}"), ("apps/api/main.js", "")]);
        assert_eq!(find(&pnpm.join("apps/api/main.js")), pnpm);
        std::fs::remove_dir_all(dir).unwrap();
        std::fs::remove_dir_all(pnpm).unwrap();
    }

    #[test]
    fn without_a_workspace_the_package_of_the_entry_is_the_root() {
        let dir = tree("package", &[("package.json", "{}"), ("src/server/main.ts", "")]);
        assert_eq!(find(&dir.join("src/server/main.ts")), dir);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
