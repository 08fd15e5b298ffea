//! Transform results kept on disk, so that a start after the first skips the transform of every
//! file whose content and options are unchanged.
//!
//! An entry is keyed by a 128-bit hash of the file's source and its complete transform options
//! (which include the path and URL the output names), and lives in a folder of its own per
//! hotnode build: a new build never reads an older one's output. Entries are written once,
//! atomically (a temporary file renamed into place), on a thread of their own, and only once the
//! app has started (see [`TransformCache::start_writing`]): on two cores, writing two thousand
//! files while node evaluates the app slowed the first start by more than the cache saves the
//! next. An entry that cannot be read or decoded is a miss. The cache is an optimisation only:
//! every failure of it falls back to transforming.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{self, Sender};
use std::time::{Duration, SystemTime};

use hotnode_transform::{TransformOptions, Transformed};
use xxhash_rust::xxh3::Xxh3;

/// Entries wait at most this long for the app to start before they are written anyway.
const WRITE_DELAY_LIMIT: Duration = Duration::from_secs(5);
/// Folders of other builds untouched for this long are removed when a cache opens.
const OTHER_BUILDS_KEPT_FOR: Duration = Duration::from_secs(24 * 60 * 60);
const BUILD_PREFIX: &str = "transforms-";

/// Which entry a transform result is stored under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheKey(u128);

impl CacheKey {
    pub fn of(source: &str, options: &TransformOptions) -> Self {
        let mut hasher = Xxh3::new();
        // Debug of the options covers every field, and each build has its own folder, so a
        // field added later cannot be forgotten here.
        hasher.update(format!("{options:?}").as_bytes());
        hasher.update(&[0]);
        hasher.update(source.as_bytes());
        Self(hasher.digest128())
    }

    fn file_in(&self, dir: &Path) -> PathBuf {
        let hex = format!("{:032x}", self.0);
        dir.join(&hex[..2]).join(&hex[2..])
    }
}

enum Write {
    Entry(PathBuf, Vec<u8>),
    /// The app has started: write what waits, and each entry from now on.
    Start,
}

pub struct TransformCache {
    dir: Option<PathBuf>,
    writer: Mutex<Option<Sender<Write>>>,
}

impl TransformCache {
    /// A cache that stores nothing (`--no-cache`).
    pub fn disabled() -> Self {
        Self { dir: None, writer: Mutex::new(None) }
    }

    /// The cache of build `build` under `root`. Folders of other builds that have not been used
    /// for a day are removed in the background.
    pub fn open(root: &Path, build: &str) -> Self {
        let dir = root.join(format!("{BUILD_PREFIX}{build}"));
        let (root, own) = (root.to_path_buf(), dir.clone());
        let _ = std::thread::Builder::new().name("hotnode-cache-prune".into()).spawn(move || {
            // Entries go into subfolders, which leaves this folder's time alone: it is set here,
            // so that another build sees this one as in use.
            let _ = crate::private_fs::create_dir_all(&own);
            let _ = crate::private_fs::make_private(&root);
            let _ = crate::private_fs::make_private(&own);
            let _ = std::fs::File::open(&own).and_then(|f| f.set_modified(SystemTime::now()));
            remove_other_builds(&root, &own);
        });
        Self { dir: Some(dir), writer: Mutex::new(None) }
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    pub fn get(&self, key: CacheKey) -> Option<Transformed> {
        let bytes = std::fs::read(key.file_in(self.dir.as_ref()?)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores a result (later, on the writer thread). An existing entry is left as it is.
    pub fn put(&self, key: CacheKey, transformed: &Transformed) {
        let Some(dir) = &self.dir else { return };
        let Ok(bytes) = serde_json::to_vec(transformed) else { return };
        self.send(Write::Entry(key.file_in(dir), bytes));
    }

    /// The app has started: stored results are written from now on.
    pub fn start_writing(&self) {
        if self.dir.is_some() {
            self.send(Write::Start);
        }
    }

    fn send(&self, write: Write) {
        let Ok(mut writer) = self.writer.lock() else { return };
        let _ = writer.get_or_insert_with(spawn_writer).send(write);
    }
}

fn spawn_writer() -> Sender<Write> {
    let (tx, rx) = mpsc::channel::<Write>();
    let _ = std::thread::Builder::new().name("hotnode-cache-writer".into()).spawn(move || {
        let deadline = std::time::Instant::now() + WRITE_DELAY_LIMIT;
        let mut waiting = Vec::new();
        loop {
            match rx.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())) {
                Ok(Write::Entry(file, bytes)) => waiting.push((file, bytes)),
                Ok(Write::Start) | Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
        for (file, bytes) in waiting {
            let _ = write_entry(&file, &bytes);
        }
        for write in rx {
            if let Write::Entry(file, bytes) = write {
                let _ = write_entry(&file, &bytes);
            }
        }
    });
    tx
}

fn write_entry(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if file.exists() {
        return Ok(());
    }
    let folder = file.parent().unwrap_or(Path::new("."));
    crate::private_fs::create_dir_all(folder)?;
    // Written beside and renamed into place: a reader, or another hotnode writing the same
    // entry, never sees half of one.
    let staging = folder.join(format!(".tmp-{}-{:?}", std::process::id(), std::thread::current().id()));
    crate::private_fs::write(&staging, bytes)?;
    std::fs::rename(&staging, file).inspect_err(|_| {
        let _ = std::fs::remove_file(&staging);
    })
}

fn remove_other_builds(root: &Path, own: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let path = entry.path();
        let is_other_build = path != own && entry.file_name().to_string_lossy().starts_with(BUILD_PREFIX);
        let unused = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| now.duration_since(t).unwrap_or_default() > OTHER_BUILDS_KEPT_FOR);
        if is_other_build && unused {
            let _ = std::fs::remove_dir_all(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotnode_transform::{ModuleFormat, transform};

    fn temp_root(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("hotnode-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn wait_for_entry(cache: &TransformCache, key: CacheKey) -> Option<Transformed> {
        for _ in 0..200 {
            if let Some(found) = cache.get(key) {
                return Some(found);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        None
    }

    /// Removes a test's cache root; the cache's prune thread may still be making its own
    /// folder there (CI saw the removal meet a folder made meanwhile: "Directory not empty").
    fn remove_tree(root: &Path) {
        for _ in 0..100 {
            if std::fs::remove_dir_all(root).is_ok() || !root.exists() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("could not remove {}", root.display());
    }

    #[test]
    fn a_stored_result_comes_back_whole_and_only_for_the_same_source_and_options() {
        let root = temp_root("roundtrip");
        let cache = TransformCache::open(&root, "test");
        let options = TransformOptions::new("/app/a.ts", "file:///app/a.ts", ModuleFormat::Esm);
        let source = "import { b } from './b.js';\nexport const a: number = b;\n";
        let key = CacheKey::of(source, &options);
        let transformed = transform(source, &options).unwrap();
        assert!(cache.get(key).is_none());
        cache.put(key, &transformed);
        std::thread::sleep(Duration::from_millis(50));
        assert!(cache.get(key).is_none(), "nothing is written before the app has started");
        cache.start_writing();
        assert_eq!(wait_for_entry(&cache, key), Some(transformed));

        let edited = CacheKey::of("export const a = 2;\n", &options);
        let elsewhere =
            CacheKey::of(source, &TransformOptions::new("/app/c.ts", "file:///app/c.ts", ModuleFormat::Esm));
        let mut decorators = options.clone();
        decorators.legacy_decorators = true;
        for other in [edited, elsewhere, CacheKey::of(source, &decorators)] {
            assert_ne!(other, key);
            assert!(cache.get(other).is_none());
        }
        remove_tree(&root);
    }

    #[test]
    fn a_damaged_entry_is_a_miss_and_a_disabled_cache_stores_nothing() {
        let root = temp_root("damaged");
        let cache = TransformCache::open(&root, "test");
        let key = CacheKey::of("x", &TransformOptions::new("/a.js", "file:///a.js", ModuleFormat::Esm));
        let file = key.file_in(cache.dir().unwrap());
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, b"{\"code\":\"trunc").unwrap();
        assert!(cache.get(key).is_none());

        let disabled = TransformCache::disabled();
        disabled.start_writing();
        disabled.put(key, &transform("x", &TransformOptions::new("/a.js", "file:///a.js", ModuleFormat::Esm)).unwrap());
        assert!(disabled.get(key).is_none());
        remove_tree(&root);
    }

    #[test]
    fn folders_of_other_builds_go_when_unused_for_a_day() {
        let root = temp_root("prune");
        let old = root.join(format!("{BUILD_PREFIX}old"));
        let recent = root.join(format!("{BUILD_PREFIX}recent"));
        let unrelated = root.join("runtime-0.1.0-abc");
        for dir in [&old, &recent, &unrelated] {
            std::fs::create_dir_all(dir).unwrap();
        }
        let two_days_ago = SystemTime::now() - Duration::from_secs(2 * 24 * 60 * 60);
        std::fs::File::open(&old).unwrap().set_modified(two_days_ago).unwrap();
        std::fs::File::open(&unrelated).unwrap().set_modified(two_days_ago).unwrap();
        remove_other_builds(&root, &root.join(format!("{BUILD_PREFIX}own")));
        assert!(!old.exists());
        assert!(recent.exists() && unrelated.exists());
        remove_tree(&root);
    }
}
