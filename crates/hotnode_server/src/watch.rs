//! File watching that never hands over a half-written file: a file counts as changed when its
//! writer closes it (close-after-write) or when it is renamed into place, never on a bare
//! modify. Events are batched: a batch closes after a short quiet period, so a save of several
//! files becomes one update without a fixed debounce on the latency of every save.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
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
    /// Batches go to `sink`. `quiet` is how long no event must arrive for a batch to close;
    /// `max_wait` bounds a batch that keeps growing.
    pub fn new(
        sink: impl Fn(Batch) + Send + 'static,
        quiet: Duration,
        max_wait: Duration,
    ) -> Result<Self, WatchError> {
        let (tx, rx) = mpsc::channel::<(PathBuf, Change)>();
        let inner = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            let Ok(event) = event else { return };
            let change = match event.kind {
                EventKind::Access(AccessKind::Close(AccessMode::Write)) => Change::Written,
                EventKind::Modify(ModifyKind::Name(RenameMode::To)) => Change::Written,
                EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => {
                    if let Some(from) = event.paths.first() {
                        let _ = tx.send((from.clone(), Change::Removed));
                    }
                    if let Some(to) = event.paths.get(1) {
                        let _ = tx.send((to.clone(), Change::Written));
                    }
                    return;
                }
                EventKind::Modify(ModifyKind::Name(RenameMode::From)) | EventKind::Remove(_) => {
                    Change::Removed
                }
                _ => return,
            };
            for path in event.paths {
                let _ = tx.send((path, change));
            }
        })
        .map_err(|source| WatchError {
            path: PathBuf::new(),
            source,
        })?;
        std::thread::Builder::new()
            .name("hotnode-batch".into())
            .spawn(move || batch_loop(&rx, &sink, quiet, max_wait))
            .expect("spawning a thread");
        Ok(Self {
            inner,
            dirs: HashSet::new(),
        })
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
            .map_err(|source| WatchError {
                path: dir.to_path_buf(),
                source,
            })?;
        self.dirs.insert(dir.to_path_buf());
        Ok(())
    }
}

fn batch_loop(
    rx: &mpsc::Receiver<(PathBuf, Change)>,
    sink: &dyn Fn(Batch),
    quiet: Duration,
    max_wait: Duration,
) {
    while let Ok(first) = rx.recv() {
        let opened = Instant::now();
        let mut order = vec![first.0.clone()];
        let mut last: HashMap<PathBuf, Change> = HashMap::from([first]);
        loop {
            let left = max_wait.saturating_sub(opened.elapsed());
            match rx.recv_timeout(quiet.min(left)) {
                Ok((path, change)) => {
                    if last.insert(path.clone(), change).is_none() {
                        order.push(path);
                    }
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
            if left.is_zero() {
                break;
            }
        }
        let batch = order
            .into_iter()
            .map(|path| {
                let change = last[&path];
                (path, change)
            })
            .collect();
        sink(batch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

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
        let mut watcher = FileWatcher::new(
            move |batch| tx.lock().unwrap().send(batch).unwrap(),
            Duration::from_millis(5),
            Duration::from_millis(100),
        )
        .unwrap();
        watcher.watch_folder_of(&file).unwrap();
        // A truncate-then-write save in chunks with a pause: nothing may be reported before close.
        let mut handle = std::fs::File::create(&file).unwrap();
        handle.write_all(b"export const a = ").unwrap();
        std::thread::sleep(Duration::from_millis(60));
        assert!(
            rx.try_recv().is_err(),
            "reported before the writer closed the file"
        );
        handle.write_all(b"1;\n").unwrap();
        drop(handle);
        let batch = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(batch, vec![(file.clone(), Change::Written)]);
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "export const a = 1;\n"
        );
        // An atomic save: write a temp file, rename it over.
        let temp = dir.join(".a.js.tmp");
        std::fs::write(&temp, "two").unwrap();
        std::fs::rename(&temp, &file).unwrap();
        let mut seen: Vec<(PathBuf, Change)> = Vec::new();
        while let Ok(batch) = rx.recv_timeout(Duration::from_millis(500)) {
            seen.extend(batch);
        }
        assert!(seen.contains(&(file.clone(), Change::Written)), "{seen:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
