//! File watching that never hands over a half-written file: a file counts as changed when its
//! writer closes it (close-after-write) or when it is renamed into place, never on a bare
//! modify. There is no quiet period: the session takes every event already queued into one
//! batch, and the events that arrive while it reads and transforms that batch join it (the
//! work is the window), so a save of several files becomes one update and a single save pays
//! no debounce.
//!
//! A file can also be half-written when hotnode reads it after an earlier save's close: a
//! formatter rewriting it in place right after the editor's save has already truncated it.
//! The watcher keeps the files whose writer is still at work (a modify seen, its close not
//! yet) and counts every event of each file; [`FileWatcher::sync`] makes both current: it
//! writes a marker file and waits for its event, which the kernel queues after the events of
//! everything that happened before it. A read taken between [`FileWatcher::stamp`] and `sync`
//! is whole only if [`FileWatcher::still`] says no writer touched the file in between; else it
//! is dropped, and that writer's close brings the file again.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind, RenameMode};
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

/// How long [`FileWatcher::sync`] waits for its marker before going on without it: a watcher
/// that falls behind must slow an update down, never stop it. The marker's event comes within a
/// millisecond on a quiet machine; on a loaded 2-core one (a test suite in parallel beside a
/// build) it took over 200 ms, and a sync that gave up then let a formatter's half-written file
/// through as a syntax error (CI, Node 24 run, saves_e2e): the wait is long enough for that.
const SYNC_TIMEOUT: Duration = Duration::from_secs(2);

/// What the event thread shares with the reader: files with a writer at work, and how many
/// markers have come through.
#[derive(Default)]
struct Shared {
    state: Mutex<SharedState>,
    marker_seen: Condvar,
}

#[derive(Default)]
struct SharedState {
    writing: HashSet<PathBuf>,
    /// Events seen per file: a read is whole if none came while it was taken.
    events: HashMap<PathBuf, u64>,
    /// Paths removed or renamed away since the watcher last looked: a watched folder among them
    /// lost its watch with it (inotify watches an inode), so it is watched again when it returns.
    gone: Vec<PathBuf>,
    markers: u64,
}

impl SharedState {
    /// What a writer did to `paths`: every event of a writer counts (hotnode's own reads, an
    /// open, access or close-nowrite, must not); a new file, a write or a truncate leaves the
    /// file half-written until a close, rename or removal. (A write's event comes after the
    /// write, so a file created and written in one go counts as being written from its
    /// creation.)
    fn note(&mut self, kind: &EventKind, paths: &[PathBuf]) {
        let writing = match kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write))
            | EventKind::Modify(ModifyKind::Name(_))
            | EventKind::Remove(_) => Some(false),
            EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_)) => return,
            EventKind::Create(_) | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any) => Some(true),
            _ => None,
        };
        if matches!(
            kind,
            EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(RenameMode::From | RenameMode::Both))
        ) {
            self.gone.extend(paths.first().cloned());
        }
        for path in paths {
            *self.events.entry(path.clone()).or_default() += 1;
            match writing {
                Some(true) => {
                    self.writing.insert(path.clone());
                }
                Some(false) => {
                    self.writing.remove(path);
                }
                None => {}
            }
        }
    }
}

/// A file's event count when a read of it began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp(pub u64);

pub struct FileWatcher {
    inner: notify::RecommendedWatcher,
    dirs: HashSet<PathBuf>,
    shared: Arc<Shared>,
    marker: PathBuf,
    markers_written: u64,
}

impl FileWatcher {
    /// Each finished write, rename into place or removal goes to `sink` as it happens, on
    /// notify's thread; the receiver batches them with [`Batcher`] (no extra thread hop).
    /// `private_dir` is a folder only hotnode writes to: [`Self::sync`] writes its marker there.
    pub fn new(private_dir: &Path, sink: impl Fn(PathBuf, Change) + Send + 'static) -> Result<Self, WatchError> {
        let shared = Arc::new(Shared::default());
        let marker = private_dir.join("watch-marker");
        let (events_shared, events_marker) = (Arc::clone(&shared), marker.clone());
        let inner = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            let Ok(event) = event else { return };
            if event.paths.first() == Some(&events_marker) {
                if let EventKind::Access(AccessKind::Close(AccessMode::Write)) = event.kind
                    && let Ok(mut state) = events_shared.state.lock()
                {
                    state.markers += 1;
                    events_shared.marker_seen.notify_all();
                }
                return;
            }
            if let Ok(mut state) = events_shared.state.lock() {
                state.note(&event.kind, &event.paths);
            }
            let change = match event.kind {
                EventKind::Access(AccessKind::Close(AccessMode::Write)) => Change::Written,
                // A folder made (or made again: a `git checkout`, an `rm -rf` and a copy): the
                // session watches what it needs in it and reads its modules again.
                EventKind::Create(CreateKind::Folder) => Change::Written,
                // A symbolic link made (`ln -sfn config.prod.ts config.ts`): no writer closes it.
                EventKind::Create(_) if event.paths.first().is_some_and(|p| p.is_symlink()) => Change::Written,
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
        let mut watcher = Self { inner, dirs: HashSet::new(), shared, marker, markers_written: 0 };
        watcher.watch_folder_of(&watcher.marker.clone())?;
        Ok(watcher)
    }

    /// Folders that went away (or a folder above them did) are no longer watched: watched again
    /// when a module in them is read or sent.
    fn forget_gone(&mut self) {
        let gone = match self.shared.state.lock() {
            Ok(mut state) if !state.gone.is_empty() => std::mem::take(&mut state.gone),
            _ => return,
        };
        // Also a folder back already: the watch went with the old one (another inode).
        for path in gone {
            self.dirs.retain(|dir| !dir.starts_with(&path));
        }
    }

    /// Waits until every file event that happened before this call has been seen, so that
    /// [`Self::being_written`] tells about reads taken before it.
    pub fn sync(&mut self) {
        if std::fs::write(&self.marker, b"").is_err() {
            return;
        }
        self.markers_written += 1;
        let deadline = Instant::now() + SYNC_TIMEOUT;
        let Ok(mut state) = self.shared.state.lock() else { return };
        while state.markers < self.markers_written {
            let now = Instant::now();
            if now >= deadline {
                return;
            }
            match self.shared.marker_seen.wait_timeout(state, deadline - now) {
                Ok((next, _)) => state = next,
                Err(_) => return,
            }
        }
    }

    /// Taken before reading `path`; see [`Self::still`].
    pub fn stamp(&self, path: &Path) -> Stamp {
        Stamp(self.shared.state.lock().map_or(0, |state| state.events.get(path).copied().unwrap_or(0)))
    }

    /// After [`Self::sync`]: whether a read of `path` begun at `stamp` saw a whole file, that is
    /// no writer was at work on it and no event of it came since. When it says no, an event of
    /// the file (its writer's close) is on its way.
    pub fn still(&self, path: &Path, stamp: Stamp) -> bool {
        self.shared
            .state
            .lock()
            .is_ok_and(|state| !state.writing.contains(path) && state.events.get(path).copied().unwrap_or(0) == stamp.0)
    }

    /// Watches a path given with `--watch-path`: a folder recursively, a file through its folder.
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
        self.watch_folder(dir)
    }

    /// Watches `dir` itself, not recursively.
    pub fn watch_folder(&mut self, dir: &Path) -> Result<(), WatchError> {
        self.forget_gone();
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

/// File events not yet taken: each path once, with its last change, in first-seen order.
#[derive(Default)]
pub struct Batcher {
    order: Vec<PathBuf>,
    last: HashMap<PathBuf, Change>,
}

impl Batcher {
    pub fn add(&mut self, path: PathBuf, change: Change) {
        if self.last.insert(path.clone(), change).is_none() {
            self.order.push(path);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
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

/// What a read of a whole file needs of the watcher (see the module's comment). The session's
/// change set takes it as a trait, so its rule is tested without inotify.
pub trait WriterEvents {
    /// Taken before reading `path`.
    fn stamp(&self, path: &Path) -> Stamp;
    /// Makes [`Self::still`] current for every read taken before this call.
    fn sync(&mut self);
    /// Whether no writer touched `path` since `stamp` (nor is at work on it now).
    fn still(&self, path: &Path, stamp: Stamp) -> bool;
}

impl WriterEvents for FileWatcher {
    fn stamp(&self, path: &Path) -> Stamp {
        FileWatcher::stamp(self, path)
    }
    fn sync(&mut self) {
        FileWatcher::sync(self)
    }
    fn still(&self, path: &Path, stamp: Stamp) -> bool {
        FileWatcher::still(self, path, stamp)
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
        let private = temp_dir("close-private");
        let mut watcher =
            FileWatcher::new(&private, move |path, change| tx.lock().unwrap().send((path, change)).unwrap()).unwrap();
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
        assert!(
            !seen.iter().any(|(path, _)| path.starts_with(&private)),
            "the marker folder is hotnode's own: {seen:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::remove_dir_all(&private).unwrap();
    }

    #[test]
    fn a_read_is_whole_only_if_no_writer_touched_the_file_until_sync() {
        let dir = temp_dir("writing");
        let private = temp_dir("writing-private");
        let file = dir.join("a.js");
        std::fs::write(&file, "export const a = 1;\n").unwrap();
        let mut watcher = FileWatcher::new(&private, |_, _| {}).unwrap();
        watcher.watch_folder_of(&file).unwrap();
        watcher.sync();
        let whole_now = |watcher: &mut FileWatcher, act: &mut dyn FnMut()| {
            let stamp = watcher.stamp(&file);
            act();
            watcher.sync();
            watcher.still(&file, stamp)
        };
        assert!(whole_now(&mut watcher, &mut || {}));
        // A save in place has truncated the file and written half of it: a reader taking it now
        // must learn, after sync, that the writer is not done.
        let mut handle = std::fs::File::create(&file).unwrap();
        handle.write_all(b"export const a = ").unwrap();
        assert!(!whole_now(&mut watcher, &mut || {}));
        // The writer finishes between the read and the sync: the read may have been half.
        assert!(!whole_now(&mut watcher, &mut || {
            handle.write_all(b"2;\n").unwrap();
            handle.sync_all().unwrap();
        }));
        drop(handle);
        watcher.sync();
        assert!(whole_now(&mut watcher, &mut || {}));
        // A truncate alone counts too (a formatter's open with O_TRUNC, before it writes).
        let handle = std::fs::OpenOptions::new().write(true).truncate(true).open(&file).unwrap();
        assert!(!whole_now(&mut watcher, &mut || {}));
        drop(handle);
        watcher.sync();
        assert!(whole_now(&mut watcher, &mut || {}));
        // A new file is being written from its creation (its first write's event comes after the
        // write).
        let created = dir.join("b.js");
        let handle = std::fs::File::create(&created).unwrap();
        watcher.sync();
        assert!(!watcher.still(&created, watcher.stamp(&created)));
        drop(handle);
        watcher.sync();
        assert!(watcher.still(&created, watcher.stamp(&created)));
        // hotnode's own reads are not a writer's work.
        assert!(whole_now(&mut watcher, &mut || {
            std::fs::read(&file).unwrap();
        }));
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::remove_dir_all(&private).unwrap();
    }

    #[test]
    fn a_batch_keeps_each_path_once_with_its_last_change() {
        let mut batcher = Batcher::default();
        assert!(batcher.is_empty());
        batcher.add("a".into(), Change::Written);
        batcher.add("b".into(), Change::Removed);
        batcher.add("a".into(), Change::Removed);
        batcher.add("b".into(), Change::Written);
        assert_eq!(batcher.take(), vec![("a".into(), Change::Removed), ("b".into(), Change::Written)]);
        assert!(batcher.is_empty());
    }
}
