//! What changed, and what must go with it, so that no save is lost: a batch of file events
//! becomes the list of modules whose new code goes out. It owns the rules that decide that:
//! a read counts only if it saw a whole file; a file that does not load is reported once per
//! content and applied at its next good save (with the importers whose update failed on it); a
//! deleted module is said only if it stays gone; a read that looks cut short waits a moment
//! for its writer; what a failed update left unapplied goes again with a change below it, and
//! a save of it retries it even unchanged.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hotnode_server::protocol::FailedModule;
use hotnode_server::store::{self, LoadError, ModuleStore, Refresh};
use hotnode_server::watch::{Batch, Change, Stamp, WriterEvents};

/// How long a module's file must stay deleted before hotnode says so.
const DELETED_GRACE: Duration = Duration::from_millis(300);

/// How long a suspect read (see [`ChangeSet::refresh`]) waits for another event of its file
/// before it is taken as it is.
const SUSPECT_GRACE: Duration = Duration::from_millis(50);

/// What a batch brought.
#[derive(Debug, Default)]
pub struct Refreshed {
    /// Modules whose new code goes out (each once), in the order they were found.
    pub changed: Vec<PathBuf>,
    /// Files that failed to load, not reported in this form before.
    pub broken: Vec<LoadError>,
    /// Files that had failed to load and load again.
    pub mended: Vec<PathBuf>,
    /// Files that restart the app (a config, a switched link, a `--watch-path` file) among those
    /// that came while the batch was read: not read as modules, the caller restarts for them
    /// (see [`crate::files::AppFiles::refresh`]).
    pub restart_for: Batch,
}

#[derive(Default)]
pub struct ChangeSet {
    /// Files that failed to load, with the message last reported (reported once per content).
    broken: HashMap<PathBuf, String>,
    /// Modules whose file was deleted, with when to say so if it is still gone.
    deleted: HashMap<PathBuf, Instant>,
    /// Modules a failed update left unapplied (see [`Self::note_outcome`]).
    unapplied: Vec<PathBuf>,
    /// Modules whose last read looked cut short, with when to take it as it is.
    suspect: HashMap<PathBuf, Instant>,
    /// Suspect modules whose grace ended: their next read is taken as it is.
    as_is: HashSet<PathBuf>,
}

/// Reads `paths` and keeps only the reads that saw a whole file: no writer was at work on the
/// file, nor touched it, between the read's start and a sync of the watcher after all of them
/// (a formatter rewriting the file in place right after the save that brought it has truncated
/// it by then). A dropped read's file comes again with its writer's close.
pub fn read_whole<'a>(
    paths: impl IntoIterator<Item = &'a Path>,
    writers: &mut impl WriterEvents,
) -> HashMap<PathBuf, Result<String, LoadError>> {
    let mut reads: HashMap<PathBuf, (Stamp, Result<String, LoadError>)> =
        paths.into_iter().map(|path| (path.to_path_buf(), (writers.stamp(path), store::read_source(path)))).collect();
    if !reads.is_empty() {
        writers.sync();
        reads.retain(|path, (stamp, _)| writers.still(path, *stamp));
    }
    reads.into_iter().map(|(path, (_, read))| (path, read)).collect()
}

impl ChangeSet {
    /// Re-reads the files of `batch` the app depends on. `crashed`: the app waits for a change,
    /// and any file written beside its modules is one (it may have crashed on that import).
    ///
    /// A read judged whole can still be cut short: the kernel makes a truncate or a write
    /// visible before it queues its event, so a writer preempted between the two (a formatter
    /// rewriting the file in place right after the save) is not seen by the watcher's sync. A
    /// read that is empty, or that does not load, is therefore suspect: it waits
    /// [`SUSPECT_GRACE`] for another event of its file, whose read replaces it; if none comes,
    /// it is taken as it is (see [`Self::suspects_due`]): a file emptied on purpose applies,
    /// an error is shown, a moment later. A good save pays nothing.
    pub fn refresh(
        &mut self,
        batch: Batch,
        store: &mut ModuleStore,
        writers: &mut impl WriterEvents,
        crashed: bool,
    ) -> Refreshed {
        let mut out = Refreshed::default();
        let stored = batch.iter().map(|(p, _)| p.as_path()).filter(|p| store.contains(p) && p.exists());
        let mut reads = read_whole(stored, writers);
        let mut appeared = false;
        for (path, change) in batch {
            let known = store.contains(&path) || self.broken.contains_key(&path);
            if !known {
                // A file appeared that may satisfy an import that failed.
                if change == Change::Written {
                    appeared = true;
                    if crashed {
                        push_once(&mut out.changed, path);
                    }
                }
                continue;
            }
            if change == Change::Removed && !path.exists() {
                // Said only if it is still gone a moment later: an editor that renames the old
                // file away before writing the new one (vim) has not deleted anything.
                self.deleted.entry(path).or_insert_with(|| Instant::now() + DELETED_GRACE);
                continue;
            }
            self.deleted.remove(&path);
            // A module's file back after a deletion: an import of it that failed may resolve now.
            if change == Change::Written && store.awaits(&path) {
                appeared = true;
            }
            if !store.contains(&path) {
                // A file that failed at its first load: the update of its importers failed on
                // it, so they go again (the file travels with them as a new dependency).
                self.broken.remove(&path);
                for importer in store.importers_of(&path) {
                    push_once(&mut out.changed, importer);
                }
                push_once(&mut out.changed, path);
                continue;
            }
            let as_is = self.as_is.remove(&path);
            let Some(read) = reads.remove(&path) else {
                // Being written (or gone again since the event): its next event brings it.
                continue;
            };
            if !as_is && read.as_ref().is_ok_and(|text| text.is_empty()) {
                self.suspect.insert(path, Instant::now() + SUSPECT_GRACE);
                continue;
            }
            let refresh = store.refresh(&path, read);
            if !as_is && matches!(refresh, Refresh::Failed(_)) {
                self.suspect.insert(path, Instant::now() + SUSPECT_GRACE);
                continue;
            }
            self.suspect.remove(&path);
            match refresh {
                Refresh::Unchanged => {
                    if self.broken.remove(&path).is_some() {
                        out.mended.push(path.clone());
                    }
                    // A save of a module whose update failed retries it, even as it was (what
                    // it threw on may have been outside the code).
                    if self.unapplied.contains(&path) {
                        push_once(&mut out.changed, path);
                    }
                }
                Refresh::Changed => {
                    if self.broken.remove(&path).is_some() {
                        out.mended.push(path.clone());
                    }
                    push_once(&mut out.changed, path);
                }
                Refresh::Failed(err) => out.broken.extend(self.newly_broken(err)),
            }
        }
        if appeared {
            for path in store.retry_unresolved() {
                push_once(&mut out.changed, path);
            }
        }
        // Only for the batch `suspects_due` made (a module forgotten since is no longer read).
        self.as_is.clear();
        out
    }

    /// Whether `path` failed to load (the app waits for its next good save).
    pub fn is_broken(&self, path: &Path) -> bool {
        self.broken.contains_key(path)
    }

    /// A file failed to load: the error, unless this very message was reported already.
    pub fn newly_broken(&mut self, err: LoadError) -> Option<LoadError> {
        let message = err.to_string();
        if self.broken.get(err.path()).is_some_and(|m| *m == message) {
            return None;
        }
        self.broken.insert(err.path().to_path_buf(), message);
        Some(err)
    }

    /// `changed`, with what a failed update left unapplied where this change is below it (a
    /// fix of what it failed on). An unrelated update does not retry it.
    pub fn with_retries(&self, mut changed: Vec<PathBuf>, store: &ModuleStore) -> Vec<PathBuf> {
        let retry: Vec<PathBuf> = self.unapplied.iter().filter(|u| store.depends_on(u, &changed)).cloned().collect();
        for path in retry {
            push_once(&mut changed, path);
        }
        changed
    }

    /// What a process applied of an update. What failed stays unapplied (all of the update's
    /// changes when no boundary accepted it, else the modules that failed), so a fix of what it
    /// failed on brings it in; a clean update of them clears them.
    pub fn note_outcome(
        &mut self,
        changed: &[String],
        reevaluated: &[String],
        accepted: &[String],
        failed: &[FailedModule],
    ) {
        if failed.is_empty() {
            self.unapplied.retain(|p| !changed.iter().chain(reevaluated).any(|c| Path::new(c) == p));
            return;
        }
        let left: Vec<&String> = match accepted.is_empty() {
            true => changed.iter().collect(),
            false => failed.iter().map(|f| &f.id).collect(),
        };
        for path in left {
            push_once(&mut self.unapplied, PathBuf::from(path));
        }
    }

    /// When the next deletion is due to be said, or the next suspect read to be taken.
    pub fn deadline(&self) -> Option<Instant> {
        self.deleted.values().chain(self.suspect.values()).copied().min()
    }

    /// Suspect modules whose grace is over with no newer event: read again (a batch of them),
    /// their read is taken as it is.
    pub fn suspects_due(&mut self, now: Instant) -> Batch {
        self.take_suspects(|at| at <= now)
    }

    /// Every suspect module, grace or not (`module.hot.check()` takes in what is on disk now).
    pub fn every_suspect(&mut self) -> Batch {
        self.take_suspects(|_| true)
    }

    fn take_suspects(&mut self, due: impl Fn(Instant) -> bool) -> Batch {
        let due: Vec<PathBuf> = self.suspect.iter().filter(|(_, at)| due(**at)).map(|(p, _)| p.clone()).collect();
        for path in &due {
            self.suspect.remove(path);
            self.as_is.insert(path.clone());
        }
        due.into_iter().map(|path| (path, Change::Written)).collect()
    }

    /// Deleted modules whose grace is over and that are still gone.
    pub fn deleted_for_good(&mut self, now: Instant) -> Vec<PathBuf> {
        let due: Vec<PathBuf> = self.deleted.iter().filter(|(_, at)| **at <= now).map(|(p, _)| p.clone()).collect();
        for path in &due {
            self.deleted.remove(path);
        }
        due.into_iter().filter(|p| !p.exists()).collect()
    }
}

pub fn push_once<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use hotnode_server::resolve::Resolver;

    use super::*;
    use crate::test_app::{TempApp, temp_app};

    /// Writer events as a test says they happened.
    #[derive(Default)]
    struct FakeWriters {
        /// Files a writer touched while they were read.
        touched: Vec<PathBuf>,
        counts: HashMap<PathBuf, u64>,
        syncs: usize,
    }

    impl WriterEvents for FakeWriters {
        fn stamp(&self, path: &Path) -> Stamp {
            Stamp(self.counts.get(path).copied().unwrap_or(0))
        }
        fn sync(&mut self) {
            self.syncs += 1;
            for path in &self.touched {
                *self.counts.entry(path.clone()).or_default() += 1;
            }
        }
        fn still(&self, path: &Path, stamp: Stamp) -> bool {
            self.stamp(path) == stamp
        }
    }

    /// The app's files, with the store holding `main.js` and what it loads.
    fn app(name: &str, files: &[(&str, &str)]) -> (TempApp, ModuleStore) {
        let dir = temp_app(&format!("changes-{name}"), files);
        let mut store = ModuleStore::new(Resolver::new(&[]));
        store.closure(&dir.join("main.js"), &mut Default::default());
        (dir, store)
    }

    fn written(path: &Path) -> Batch {
        vec![(path.to_path_buf(), Change::Written)]
    }

    #[test]
    fn a_read_a_writer_touched_is_dropped_until_its_next_event() {
        let (dir, mut store) = app("whole", &[("main.js", "import './a.js';"), ("a.js", "export const a = 1;")]);
        let a = dir.join("a.js");
        std::fs::write(&a, "export const a = 2;").unwrap();
        let mut changes = ChangeSet::default();
        let mut writers = FakeWriters { touched: vec![a.clone()], ..Default::default() };
        assert!(changes.refresh(written(&a), &mut store, &mut writers, false).changed.is_empty());
        writers.touched.clear();
        assert_eq!(changes.refresh(written(&a), &mut store, &mut writers, false).changed, [a]);
        assert_eq!(writers.syncs, 2, "one sync per batch");
    }

    #[test]
    fn a_broken_file_is_reported_once_per_content_and_its_fix_brings_it() {
        let (dir, mut store) = app("broken", &[("main.js", "import './a.js';"), ("a.js", "export const a = 1;")]);
        let a = dir.join("a.js");
        let mut changes = ChangeSet::default();
        let mut writers = FakeWriters::default();
        std::fs::write(&a, "export const = ;").unwrap();
        let first = changes.refresh(written(&a), &mut store, &mut writers, false);
        assert_eq!((first.changed.len(), first.broken.len()), (0, 0), "suspect: its writer may be at work");
        let due = changes.suspects_due(changes.deadline().unwrap());
        assert_eq!(due, written(&a));
        let first = changes.refresh(due, &mut store, &mut writers, false);
        assert_eq!((first.changed.len(), first.broken.len()), (0, 1));
        changes.refresh(written(&a), &mut store, &mut writers, false);
        let due = changes.suspects_due(changes.deadline().unwrap());
        let again = changes.refresh(due, &mut store, &mut writers, false);
        assert!(again.broken.is_empty(), "the same error is said once");
        std::fs::write(&a, "export const a = 3;").unwrap();
        assert_eq!(changes.refresh(written(&a), &mut store, &mut writers, false).changed, [a]);
        assert_eq!(changes.deadline(), None);
    }

    #[test]
    fn an_empty_read_waits_for_its_writer_and_a_newer_read_replaces_it() {
        let (dir, mut store) =
            app("empty-then-whole", &[("main.js", "import './a.js';"), ("a.js", "export const a = 1;")]);
        let a = dir.join("a.js");
        let mut changes = ChangeSet::default();
        let mut writers = FakeWriters::default();
        // A formatter truncated the file; its write's event is late.
        std::fs::write(&a, "").unwrap();
        assert!(changes.refresh(written(&a), &mut store, &mut writers, false).changed.is_empty());
        assert!(changes.deadline().is_some());
        std::fs::write(&a, "export const a = 2;").unwrap();
        assert_eq!(changes.refresh(written(&a), &mut store, &mut writers, false).changed, std::slice::from_ref(&a));
        assert_eq!(changes.deadline(), None, "the whole read replaced the suspect one");
    }

    #[test]
    fn an_empty_save_with_no_writer_after_it_applies_after_the_grace() {
        let (dir, mut store) = app("emptied", &[("main.js", "import './a.js';"), ("a.js", "export const a = 1;")]);
        let a = dir.join("a.js");
        let mut changes = ChangeSet::default();
        let mut writers = FakeWriters::default();
        std::fs::write(&a, "").unwrap();
        assert!(changes.refresh(written(&a), &mut store, &mut writers, false).changed.is_empty());
        let due = changes.deadline().unwrap();
        assert!(changes.suspects_due(due - SUSPECT_GRACE).is_empty(), "not before its grace");
        let due = changes.suspects_due(due);
        assert_eq!(changes.refresh(due, &mut store, &mut writers, false).changed, std::slice::from_ref(&a));
        assert_eq!(changes.deadline(), None);
    }

    #[test]
    fn what_a_failed_update_left_goes_again_with_a_fix_below_it_and_with_its_own_save() {
        let (dir, mut store) = app(
            "unapplied",
            &[
                ("main.js", "import './a.js'; import './c.js';"),
                ("a.js", "import './b.js';"),
                ("b.js", ""),
                ("c.js", ""),
            ],
        );
        let (a, b, c) = (dir.join("a.js"), dir.join("b.js"), dir.join("c.js"));
        let mut changes = ChangeSet::default();
        let failed = [FailedModule { id: b.display().to_string(), message: "boom".into(), stack: String::new() }];
        changes.note_outcome(&[a.display().to_string()], &[], &[], &failed);
        assert_eq!(changes.with_retries(vec![b.clone()], &store), [b.clone(), a.clone()]);
        assert_eq!(changes.with_retries(vec![c.clone()], &store), [c], "an unrelated change does not retry it");
        // Saved as it was: retried.
        let mut writers = FakeWriters::default();
        assert_eq!(changes.refresh(written(&a), &mut store, &mut writers, false).changed, std::slice::from_ref(&a));
        changes.note_outcome(&[a.display().to_string()], &[], &[], &[]);
        assert!(changes.refresh(written(&a), &mut store, &mut writers, false).changed.is_empty());
    }

    #[test]
    fn a_deletion_is_said_only_if_it_lasts() {
        let (dir, mut store) = app("deleted", &[("main.js", "import './a.js';"), ("a.js", "")]);
        let a = dir.join("a.js");
        let mut changes = ChangeSet::default();
        let mut writers = FakeWriters::default();
        std::fs::remove_file(&a).unwrap();
        changes.refresh(vec![(a.clone(), Change::Removed)], &mut store, &mut writers, false);
        let due = changes.deadline().unwrap();
        std::fs::write(&a, "").unwrap();
        assert!(changes.deleted_for_good(due).is_empty(), "back in time: nothing to say");
        std::fs::remove_file(&a).unwrap();
        changes.refresh(vec![(a.clone(), Change::Removed)], &mut store, &mut writers, false);
        assert_eq!(changes.deleted_for_good(changes.deadline().unwrap()), [a]);
        assert_eq!(changes.deadline(), None);
    }

    #[test]
    fn a_new_file_restarts_a_crashed_app_and_satisfies_an_import_that_failed() {
        let (dir, mut store) = app("appeared", &[("main.js", "import './later.js';")]);
        let later = dir.join("later.js");
        std::fs::write(&later, "").unwrap();
        let mut changes = ChangeSet::default();
        let mut writers = FakeWriters::default();
        let running = changes.refresh(written(&later), &mut store, &mut writers, false);
        assert_eq!(running.changed, [dir.join("main.js")], "the importer resolves anew");
        let other = dir.join("notes.txt");
        std::fs::write(&other, "").unwrap();
        let crashed = changes.refresh(written(&other), &mut store, &mut writers, true);
        assert_eq!(crashed.changed, [other]);
    }
}
