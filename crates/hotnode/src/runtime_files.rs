//! The JS runtime ships inside the binary and is written once per version to a cache folder,
//! where node loads it from. The folder name carries a hash of the files, so two hotnode
//! versions never share (or half-overwrite) a runtime.

use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};

use hotnode_server::private_fs;

const FILES: &[(&str, &str)] = &[
    ("main.mjs", include_str!("../../../runtime/main.mjs")),
    ("app-files.mjs", include_str!("../../../runtime/app-files.mjs")),
    ("assemble.mjs", include_str!("../../../runtime/assemble.mjs")),
    ("attributes.mjs", include_str!("../../../runtime/attributes.mjs")),
    ("channel.mjs", include_str!("../../../runtime/channel.mjs")),
    ("code-cache.mjs", include_str!("../../../runtime/code-cache.mjs")),
    ("commonjs.mjs", include_str!("../../../runtime/commonjs.mjs")),
    ("create-require.mjs", include_str!("../../../runtime/create-require.mjs")),
    ("engine.mjs", include_str!("../../../runtime/engine.mjs")),
    ("errors.mjs", include_str!("../../../runtime/errors.mjs")),
    ("eval-source.mjs", include_str!("../../../runtime/eval-source.mjs")),
    ("events.mjs", include_str!("../../../runtime/events.mjs")),
    ("helpers.mjs", include_str!("../../../runtime/helpers.mjs")),
    ("hot-context.mjs", include_str!("../../../runtime/hot-context.mjs")),
    ("hot-hook.mjs", include_str!("../../../runtime/hot-hook.mjs")),
    ("link.mjs", include_str!("../../../runtime/link.mjs")),
    ("module-record.mjs", include_str!("../../../runtime/module-record.mjs")),
    ("namespace.mjs", include_str!("../../../runtime/namespace.mjs")),
    ("node-loaders.mjs", include_str!("../../../runtime/node-loaders.mjs")),
    ("node-loaders-thread.mjs", include_str!("../../../runtime/node-loaders-thread.mjs")),
    ("stack.mjs", include_str!("../../../runtime/stack.mjs")),
    ("planner.mjs", include_str!("../../../runtime/planner.mjs")),
    ("processes.mjs", include_str!("../../../runtime/processes.mjs")),
    ("prompt.mjs", include_str!("../../../runtime/prompt.mjs")),
    ("refresh.mjs", include_str!("../../../runtime/refresh.mjs")),
    ("protocol.mjs", include_str!("../../../runtime/protocol.mjs")),
    ("registry.mjs", include_str!("../../../runtime/registry.mjs")),
    ("resolve-url.mjs", include_str!("../../../runtime/resolve-url.mjs")),
    ("source-phase.mjs", include_str!("../../../runtime/source-phase.mjs")),
    ("source-maps.mjs", include_str!("../../../runtime/source-maps.mjs")),
    ("sync-channel.mjs", include_str!("../../../runtime/sync-channel.mjs")),
    ("sync-channel-worker.mjs", include_str!("../../../runtime/sync-channel-worker.mjs")),
    ("status.mjs", include_str!("../../../runtime/status.mjs")),
    ("update.mjs", include_str!("../../../runtime/update.mjs")),
    ("webpack-ids.mjs", include_str!("../../../runtime/webpack-ids.mjs")),
];

/// The runtime's entry file, written out if this version's folder does not exist yet.
pub fn materialize() -> io::Result<PathBuf> {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    FILES.hash(&mut hasher);
    let dir = cache_root().join(format!("runtime-{}-{:016x}", env!("CARGO_PKG_VERSION"), hasher.finish()));
    let main = dir.join("main.mjs");
    // node runs these files: each start checks them against the ones built in (a quarter of a
    // megabyte, read in well under a millisecond), and a folder that differs is written again.
    if main.is_file() {
        if is_intact(&dir) {
            return Ok(main);
        }
        std::fs::remove_dir_all(&dir)?;
    }
    let root = dir.parent().unwrap_or(Path::new("/"));
    private_fs::create_dir_all(root)?;
    private_fs::make_private(root)?;
    // Written beside and renamed into place, so a concurrent hotnode never sees half a runtime.
    let staging = dir.with_extension(format!("tmp{}", std::process::id()));
    private_fs::create_dir_all(&staging)?;
    for (name, text) in FILES {
        private_fs::write(&staging.join(name), text.as_bytes())?;
    }
    match std::fs::rename(&staging, &dir) {
        Ok(()) => {}
        Err(_) if main.is_file() => {
            let _ = std::fs::remove_dir_all(&staging);
        }
        Err(err) => return Err(err),
    }
    Ok(main)
}

/// Whether every runtime file in `dir` is the one built in, and only this user can change them.
fn is_intact(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let private = std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o022 == 0);
    private
        && FILES.iter().all(|(name, text)| std::fs::read(dir.join(name)).is_ok_and(|bytes| bytes == text.as_bytes()))
}

/// hotnode's folder for what it keeps between runs: `$HOTNODE_CACHE_DIR`, else the user's
/// cache folder.
pub fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("HOTNODE_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("hotnode")
}

/// What tells this build of hotnode from every other: its version, and the size and time of
/// its executable (a rebuild of the same version may transform differently). Transform cache
/// entries of one build are never read by another.
pub fn build_id() -> String {
    let exe = std::env::current_exe().and_then(std::fs::metadata);
    let (size, modified) = match exe {
        Ok(meta) => {
            let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            (meta.len(), modified.map_or(0, |d| d.as_nanos()))
        }
        Err(_) => (0, 0),
    };
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (size, modified, FILES).hash(&mut hasher);
    format!("{}-{:016x}", env!("CARGO_PKG_VERSION"), hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_runtime_file_is_written_again_before_node_runs_it() {
        let root = std::env::temp_dir().join(format!("hotnode-runtime-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        // SAFETY: no other thread of this test binary reads HOTNODE_CACHE_DIR.
        unsafe { std::env::set_var("HOTNODE_CACHE_DIR", &root) };
        let main = materialize().unwrap();
        std::fs::write(&main, "console.log('tampered')").unwrap();
        let again = materialize().unwrap();
        assert_eq!(again, main);
        assert_eq!(std::fs::read_to_string(&main).unwrap(), FILES[0].1);
        unsafe { std::env::remove_var("HOTNODE_CACHE_DIR") };
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn every_runtime_module_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../runtime");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with(".mjs"))
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = FILES.iter().map(|(name, _)| name.to_string()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded, "runtime/*.mjs and runtime_files::FILES differ");
    }
}
