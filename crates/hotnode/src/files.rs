//! The app's files as the session sees them: the module store (what each process can be sent),
//! the watcher over the folders of the modules sent, and the change set that turns the
//! watcher's batches into the modules whose new code goes out.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use hotnode_server::store::{LoadError, ModuleStore};
use hotnode_server::watch::{Batch, Change, FileWatcher};

use crate::app_process::Launch;
use crate::changes::{ChangeSet, Refreshed, push_once};
use crate::peers::Delivered;
use crate::report::Reporter;

pub struct AppFiles {
    pub store: ModuleStore,
    pub changes: ChangeSet,
    watcher: FileWatcher,
    /// Files that decide how modules load (package.json, tsconfig and what it extends, `.env`
    /// files node reads): a change of one restarts the app with everything resolved afresh.
    configs: HashSet<PathBuf>,
    /// Folders whose modules' config files are known.
    config_dirs: HashSet<PathBuf>,
}

impl AppFiles {
    /// Waits until the watcher has delivered every file event that happened before this call
    /// (`module.hot.check()` takes in every change already written to disk).
    pub fn catch_up(&mut self) {
        self.watcher.sync();
    }

    /// Watches the `--watch-path` paths from the start; module folders as modules are sent. Every
    /// file event goes to `sink`.
    pub fn open(
        store: ModuleStore,
        launch: &Launch,
        sink: impl Fn(PathBuf, Change) + Send + 'static,
    ) -> anyhow::Result<Self> {
        // The socket's folder is private to this session: the watcher's marker file goes there.
        let private_dir = launch.socket.parent().unwrap_or(Path::new("/tmp"));
        let mut watcher = FileWatcher::new(private_dir, sink)?;
        for path in &launch.watch {
            watcher.watch_path(path)?;
        }
        for (folder, recursive) in launch.hot_hook_restart.watch_roots() {
            // A folder that is not there is no error: hot-hook's default names `.env`, which an
            // app may not have.
            let _ = if recursive { watcher.watch_path(&folder) } else { watcher.watch_folder_of(&folder.join("-")) };
        }
        let mut configs = HashSet::new();
        for file in launch.env_files() {
            watcher.watch_folder_of(&file)?;
            configs.insert(file);
        }
        Ok(Self { store, changes: ChangeSet::default(), watcher, configs, config_dirs: HashSet::new() })
    }

    /// Re-reads what `batch` names, then what `more` brings (files written while this was read
    /// and transformed: the work is the window), until it brings nothing. `crashed`: the app
    /// waits for a change (see [`ChangeSet::refresh`]). What `more` brings that `restarts`
    /// says restarts the app is not read: it comes back in `restart_for` (the second half of
    /// `ln -sfn`, a link made again, came in this window and was taken for a file that is no
    /// module: the switch was lost).
    pub fn refresh(
        &mut self,
        mut batch: Batch,
        crashed: bool,
        mut more: impl FnMut() -> Batch,
        restarts: impl Fn(&Self, &Path) -> bool,
    ) -> Refreshed {
        let mut all = Refreshed::default();
        while !batch.is_empty() {
            self.follow_new_folders(&mut batch);
            let refreshed = self.changes.refresh(batch, &mut self.store, &mut self.watcher, crashed);
            for path in refreshed.changed {
                push_once(&mut all.changed, path);
            }
            all.broken.extend(refreshed.broken);
            all.mended.extend(refreshed.mended);
            self.watch_missing();
            let (restart_for, next): (Batch, Batch) = more().into_iter().partition(|(p, _)| restarts(self, p));
            all.restart_for.extend(restart_for);
            batch = next;
        }
        all
    }

    /// A folder appeared in a watched one (made, made again by a `git checkout` or a copy, moved
    /// back): the folders of modules under it are watched again (the old watch went with the
    /// old folder) and those modules read again, as their files may have been written before
    /// the watch; and a missing import may now have a folder to appear in.
    fn follow_new_folders(&mut self, batch: &mut Batch) {
        // A stored module is a file: only other paths are asked of the file system (a save of a
        // module costs no extra system call).
        let folders: Vec<PathBuf> = batch
            .iter()
            .filter(|(p, change)| *change == Change::Written && !self.store.contains(p) && p.is_dir())
            .map(|(p, _)| p.clone())
            .collect();
        if folders.is_empty() {
            return;
        }
        for folder in &folders {
            for module in self.store.paths_under(folder) {
                let _ = self.watcher.watch_folder_of(&module);
                if !batch.iter().any(|(p, _)| *p == module) {
                    batch.push((module, Change::Written));
                }
            }
        }
        self.watch_missing();
    }

    /// Watches, for each import that did not resolve, the nearest existing folder on the way to
    /// where its file would be, so that the file (or a folder toward it) appearing is seen.
    pub fn watch_missing(&mut self) {
        for location in self.store.missing_locations() {
            if let Some(existing) = location.ancestors().find(|dir| dir.is_dir()) {
                let _ = self.watcher.watch_folder(existing);
            }
        }
    }

    /// A config file changed: what was resolved and built goes, and each folder's config files
    /// are looked up again as modules are sent (an `extends` may name another file now).
    pub fn forget_all(&mut self) {
        self.store.forget_all();
        self.config_dirs.clear();
    }

    /// Whether `path` decides how modules load (see `configs`).
    pub fn is_config(&self, path: &Path) -> bool {
        self.configs.contains(path)
    }

    /// A file node loaded around hotnode: its folder is watched, so its change is seen.
    pub fn watch_unserved(&mut self, path: &Path) -> Result<(), hotnode_server::watch::WatchError> {
        self.watcher.watch_folder_of(path)
    }

    /// After modules went to a process: their folders are watched, so their next save is seen;
    /// the ones that failed to load are watched too (the importer's import fails on them and
    /// applies at their next good save) and returned when not reported yet.
    pub fn track(&mut self, delivered: Delivered, reporter: &Reporter) -> Vec<LoadError> {
        for path in &delivered.sent {
            if let Err(err) = self.watcher.watch_folder_of(path) {
                reporter.warn(&err.to_string());
            }
            // Once per folder: its modules share their package.json and tsconfig (a lookup per
            // module cost 80 ms of a 2,000-module start).
            if let Some(dir) = path.parent()
                && self.config_dirs.insert(dir.to_path_buf())
            {
                for config in self.store.config_files_of(path) {
                    if !self.configs.contains(&config) {
                        let _ = self.watcher.watch_folder_of(&config);
                        self.configs.insert(config);
                    }
                }
            }
        }
        let mut broken = Vec::new();
        for failure in delivered.failures {
            let _ = self.watcher.watch_folder_of(failure.path());
            broken.extend(self.changes.newly_broken(failure));
        }
        self.watch_missing();
        broken
    }
}
