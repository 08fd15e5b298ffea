//! The parallel part of loading a fetch's closure.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;

use super::{LoadError, ModuleStore, StoredModule};

/// The walk of [`ModuleStore::closure`]: a task per module, each spawning its
/// dependencies' tasks, so a wide import tree keeps every core busy.
pub(super) struct Walk<'a> {
    pub(super) store: &'a ModuleStore,
    pub(super) sent: &'a HashSet<PathBuf>,
    pub(super) seen: Mutex<HashSet<PathBuf>>,
    pub(super) built: Mutex<Vec<(PathBuf, Result<StoredModule, LoadError>)>>,
}

impl<'a> Walk<'a> {
    pub(super) fn visit<'s>(&'s self, scope: &rayon::Scope<'s>, path: PathBuf)
    where
        'a: 's,
    {
        let first_visit = self.seen.lock().is_ok_and(|mut seen| seen.insert(path.clone()));
        if !first_visit || self.sent.contains(&path) {
            return;
        }
        let deps = match self.store.modules.get(&path) {
            Some(module) => module.static_deps.clone(),
            None => {
                let result = self.store.read_and_build(&path);
                let deps = result.as_ref().map(|m| m.static_deps.clone()).unwrap_or_default();
                if let Ok(mut built) = self.built.lock() {
                    built.push((path, result));
                }
                deps
            }
        };
        for dep in deps {
            scope.spawn(move |scope| self.visit(scope, dep));
        }
    }
}
