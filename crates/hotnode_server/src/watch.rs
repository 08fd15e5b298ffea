//! File watching that never hands over a half-written file: a file counts as changed when its
//! writer closes it (close-after-write) or when it is renamed into place, never on a bare
//! modify. Events are batched: a batch closes after a short quiet period, so a save of several
//! files becomes one update without a fixed debounce on the latency of every save.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
use notify::{EventKind, RecursiveMode, Watcher as _};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Written,
    Removed,
}

/// One closed batch: each path once, with its last change.
pub type Batch = Vec<(PathBuf, Change)>;

#[derive(Debug, thiserror::Error)]
#[error("cannot watch {path}: {source}")]
pub struct WatchError {
    path: PathBuf,
    source: notify::Error,
}

pub struct FileWatcher {
    inner: notify::RecommendedWatcher,
    dirs: HashSet<PathBuf>,
}

impl FileWatcher {
    /// Each finished write, rename into place or removal goes to `sink` as it happens, on
    /// notify's thread; the receiver batches them with [`Batcher`] (no extra thread hop).
    pub fn new(sink: impl Fn(PathBuf, Change) + Send + 'static) -> Result<Self, WatchError> {
        let inner = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            let Ok(event) = event else { return };
            let change = match event.kind {
                EventKind::Access(AccessKind::Close(AccessMode::Write)) => Change::Written,
                EventKind::Modify(ModifyKind::Name(RenameMode::To)) => Change::Written,
                EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => {
                    if let Some(from) = event.paths.first() {
                        sink(from.clone(), Change::Removed);
                    }
                    if let Some(to) = event.paths.get(1) {
                        sink(to.clone(), Change::Written);
                    }
                    return;
                }
                EventKind::Modify(ModifyKind::Name(RenameMode::From)) | EventKind::Remove(_) => Change::Removed,
                _ => return,
            };
            for path in event.paths {
                sink(path, change);
            }
        })
        .map_err(|source| WatchError { path: PathBuf::new(), source })?;
        Ok(Self { inner, dirs: HashSet::new() })
    }

    /// Watches a path given with `--watch`: a folder recursively, a file through its folder.
    pub fn watch_path(&mut self, path: &Path) -> Result<(), WatchError> {
        if path.is_dir() {
            self.inner
                .watch(path, RecursiveMode::Recursive)
                .map_err(|source| WatchError { path: path.to_path_buf(), source })
        } else {
            self.watch_folder_of(path)
        }
    }

    /// Watches the folder of `file` (not recursively: only folders that hold modules the app
    /// loaded are watched, so a large `node_modules` costs nothing).
    pub fn watch_folder_of(&mut self, file: &Path) -> Result<(), WatchError> {
        let Some(dir) = file.parent() else {
            return Ok(());
        };
        if self.dirs.contains(dir) {
            return Ok(());
        }
        self.inner
            .watch(dir, RecursiveMode::NonRecursive)
            .map_err(|source| WatchError { path: dir.to_path_buf(), source })?;
        self.dirs.insert(dir.to_path_buf());
        Ok(())
    }
}

/// Collects file events into one batch: each path once, with its last change, in first-seen
/// order. A batch closes after `quiet` without a further event, or `max_wait` after it opened.
pub struct Batcher {
    order: Vec<PathBuf>,
    last: HashMap<PathBuf, Change>,
    opened: Instant,
    pub quiet: Duration,
    pub max_wait: Duration,
}

impl Batcher {
    pub fn new(quiet: Duration, max_wait: Duration) -> Self {
        Self { order: Vec::new(), last: HashMap::new(), opened: Instant::now(), quiet, max_wait }
    }

    pub fn add(&mut self, path: PathBuf, change: Change) {
        if self.order.is_empty() {
            self.opened = Instant::now();
        }
        if self.last.insert(path.clone(), change).is_none() {
            self.order.push(path);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// How long to wait for another event before closing the batch (zero: close it now).
    pub fn wait(&self) -> Duration {
        self.quiet.min(self.max_wait.saturating_sub(self.opened.elapsed()))
    }

    pub fn take(&mut self) -> Batch {
        let last = std::mem::take(&mut self.last);
        std::mem::take(&mut self.order)
            .into_iter()
            .map(|path| {
                let change = last[&path];
                (path, change)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::mpsc;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("hotnode-watch-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn reports_a_file_once_its_writer_closed_it() {
        let dir = temp_dir("close");
        let file = dir.join("a.js");
        std::fs::write(&file, "old").unwrap();
        let (tx, rx) = mpsc::channel();
        let tx = std::sync::Mutex::new(tx);
        let mut watcher =
            FileWatcher::new(move |path, change| tx.lock().unwrap().send((path, change)).unwrap()).unwrap();
        watcher.watch_folder_of(&file).unwrap();
        // A truncate-then-write save in chunks with a pause: nothing may be reported before close.
        let mut handle = std::fs::File::create(&file).unwrap();
        handle.write_all(b"export const a = ").unwrap();
        std::thread::sleep(Duration::from_millis(60));
        assert!(rx.try_recv().is_err(), "reported before the writer closed the file");
        handle.write_all(b"1;\n").unwrap();
        drop(handle);
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), (file.clone(), Change::Written));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "export const a = 1;\n");
        // An atomic save: write a temp file, rename it over.
        let temp = dir.join(".a.js.tmp");
        std::fs::write(&temp, "two").unwrap();
        std::fs::rename(&temp, &file).unwrap();
        let seen: Vec<(PathBuf, Change)> =
            std::iter::from_fn(|| rx.recv_timeout(Duration::from_millis(500)).ok()).collect();
        assert!(seen.contains(&(file.clone(), Change::Written)), "{seen:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_batch_keeps_each_path_once_with_its_last_change() {
        let mut batcher = Batcher::new(Duration::from_millis(1), Duration::from_millis(50));
        assert!(batcher.is_empty());
        batcher.add("a".into(), Change::Written);
        batcher.add("b".into(), Change::Removed);
        batcher.add("a".into(), Change::Removed);
        batcher.add("b".into(), Change::Written);
        assert!(batcher.wait() <= Duration::from_millis(1));
        assert_eq!(batcher.take(), vec![("a".into(), Change::Removed), ("b".into(), Change::Written)]);
        assert!(batcher.is_empty());
    }
}
