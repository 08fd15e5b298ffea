//! The module store: every app module hotnode has read, transformed once per content, with its
//! specifiers resolved and its payload serialized, keyed by absolute path. A save that leaves
//! the content as it was changes nothing. The modules a fetch needs are read and transformed on
//! all cores, and their transforms are taken from (and stored in) the disk cache; a re-read
//! after a save transforms on the spot, off the cache, since an edit is new content.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::resolve::{ImportKind, Resolver, Target};
use crate::transform_cache::TransformCache;

mod build;
mod load_error;
mod walk;

use build::{Previous, content_hash};
pub use load_error::{LoadError, read_source};
use walk::Walk;

pub struct StoredModule {
    /// The payload as the runtime receives it, serialized once.
    pub json: Arc<str>,
    /// App modules loaded statically (imports and requires): sent along with this module.
    pub static_deps: Vec<PathBuf>,
    /// Where files would have to appear for the specifiers that did not resolve (see
    /// `Resolver::missing_location`): watched, so that their appearance is seen.
    missing: Vec<PathBuf>,
    /// The paths its relative specifiers name, before resolution follows symbolic links.
    named: Vec<PathBuf>,
    hash: u64,
}

/// Modules to send: their paths and serialized payloads (in the same order), and the modules
/// that failed to load.
#[derive(Default)]
pub struct Closure {
    pub paths: Vec<PathBuf>,
    pub payloads: Vec<Arc<str>>,
    pub failures: Vec<LoadError>,
}

/// What re-reading a file found.
pub enum Refresh {
    /// Same content as the stored version (or the file is not a stored module).
    Unchanged,
    Changed,
    Failed(LoadError),
}

pub struct ModuleStore {
    resolver: Resolver,
    modules: HashMap<PathBuf, StoredModule>,
    /// The modules with an import that did not resolve.
    unresolved: HashSet<PathBuf>,
    cache: TransformCache,
    /// Modules get refresh slots, and a new version that changes only function bodies carries
    /// how to put them in the running instance (`hotnode_transform::plan_refresh`).
    refresh: bool,
}

/// Whether a build may use the disk cache.
#[derive(Clone, Copy)]
enum Caching {
    Use,
    Skip,
}

impl ModuleStore {
    pub fn new(resolver: Resolver) -> Self {
        Self::with_cache(resolver, TransformCache::disabled())
    }

    pub fn with_cache(resolver: Resolver, cache: TransformCache) -> Self {
        Self { resolver, modules: HashMap::new(), unresolved: HashSet::new(), cache, refresh: true }
    }

    /// `--no-refresh`: no slots, no refresh plans (before the first module is built).
    pub fn set_refresh(&mut self, refresh: bool) {
        self.refresh = refresh;
    }

    /// The app has started: the disk cache may write now.
    /// The node that runs the app said whether its `require()` loads ES modules: resolution
    /// follows it (see `Resolver::follow_node`), and what was resolved otherwise is built again.
    pub fn follow_node(&mut self, require_module: bool) {
        if self.resolver.follow_node(require_module) {
            self.modules.clear();
            self.unresolved.clear();
        }
    }

    pub fn app_started(&self) {
        self.cache.start_writing();
    }

    pub fn contains(&self, path: &Path) -> bool {
        self.modules.contains_key(path)
    }

    pub fn get(&self, path: &Path) -> Option<&StoredModule> {
        self.modules.get(path)
    }

    pub fn resolve(&self, importer: Option<&Path>, specifier: &str) -> Target {
        match importer {
            Some(importer) => self.resolver.resolve(importer, specifier, ImportKind::Import),
            None => {
                let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
                self.resolver.resolve(&cwd.join("[entry]"), specifier, ImportKind::Import)
            }
        }
    }

    /// The stored module, reading and transforming it if it is not stored yet.
    pub fn load(&mut self, path: &Path) -> Result<&StoredModule, LoadError> {
        if !self.modules.contains_key(path) {
            let module = self.read_and_build(path)?;
            self.put(path.to_path_buf(), module);
        }
        Ok(&self.modules[path])
    }

    /// Takes a stored module's file as read again after a change (`read` is `read_source`'s,
    /// taken by the caller, which decides between the read and this whether it is whole). On
    /// failure the stored version stays, so the next good save is compared against what the
    /// app runs.
    pub fn refresh(&mut self, path: &Path, read: Result<String, LoadError>) -> Refresh {
        let Some(stored) = self.modules.get(path) else {
            return Refresh::Unchanged;
        };
        let source = match read {
            Ok(source) => source,
            Err(err) => return Refresh::Failed(err),
        };
        if content_hash(&source) == stored.hash {
            return Refresh::Unchanged;
        }
        let previous = Previous::of(stored);
        match self.build(path, &source, Caching::Skip, previous.as_ref()) {
            Ok(module) => {
                self.put(path.to_path_buf(), module);
                Refresh::Changed
            }
            Err(err) => Refresh::Failed(err),
        }
    }

    /// Stored modules that load `path` statically. A scan of the store: only for the rare
    /// file that failed at its first load and was then fixed, never on a plain save.
    /// The files that decide how `path` loads (see `Resolver::config_files_of`).
    pub fn config_files_of(&self, path: &Path) -> Vec<PathBuf> {
        self.resolver.config_files_of(path)
    }

    /// A config file changed: everything resolved or built is forgotten, to be built again as
    /// the next start asks for it.
    pub fn forget_all(&mut self) {
        self.resolver.clear_cache();
        self.modules.clear();
        self.unresolved.clear();
    }

    /// Whether some module names a path through `link` (the link itself, with another
    /// extension as TypeScript writes it, or a path inside a linked folder).
    pub fn named_through(&self, link: &Path) -> bool {
        let stem = link.with_extension("");
        self.modules.values().flat_map(|m| &m.named).any(|p| p.starts_with(link) || p.with_extension("") == stem)
    }

    /// Keeps `unresolved` with `modules`, so nothing on an update's path walks every module.
    fn put(&mut self, path: PathBuf, module: StoredModule) {
        if module.missing.is_empty() {
            self.unresolved.remove(&path);
        } else {
            self.unresolved.insert(path.clone());
        }
        self.modules.insert(path, module);
    }

    /// Whether an import that did not resolve may resolve to `path` (it names `path`, `path`
    /// without its extension, or a folder above it).
    pub fn awaits(&self, path: &Path) -> bool {
        let stem = path.with_extension("");
        let modules = self.unresolved.iter().filter_map(|p| self.modules.get(p));
        modules.flat_map(|m| &m.missing).any(|at| *at == path || *at == stem || path.starts_with(at))
    }

    /// Where files would have to appear for an import that failed to resolve.
    pub fn missing_locations(&self) -> Vec<PathBuf> {
        let modules = self.unresolved.iter().filter_map(|p| self.modules.get(p));
        let mut all: Vec<PathBuf> = modules.flat_map(|m| m.missing.iter().cloned()).collect();
        all.sort();
        all.dedup();
        all
    }

    /// The modules under `dir`.
    pub fn paths_under(&self, dir: &Path) -> Vec<PathBuf> {
        self.modules.keys().filter(|p| p.starts_with(dir)).cloned().collect()
    }

    pub fn importers_of(&self, path: &Path) -> Vec<PathBuf> {
        self.modules.iter().filter(|(_, m)| m.static_deps.iter().any(|d| d == path)).map(|(p, _)| p.clone()).collect()
    }

    /// Whether `module` loads one of `paths` statically, directly or through other modules.
    /// Walks `module`'s static closure: only for a module a failed update left unapplied.
    pub fn depends_on(&self, module: &Path, paths: &[PathBuf]) -> bool {
        let mut seen = HashSet::new();
        let mut stack = vec![module];
        while let Some(path) = stack.pop() {
            let Some(stored) = self.modules.get(path) else { continue };
            for dep in &stored.static_deps {
                if paths.contains(dep) {
                    return true;
                }
                if seen.insert(dep.as_path()) {
                    stack.push(dep);
                }
            }
        }
        false
    }

    /// A file appeared: specifiers that did not resolve may now. Rebuilds the modules that had
    /// one (and forgets the resolver's cached misses); returns those whose payload changed.
    pub fn retry_unresolved(&mut self) -> Vec<PathBuf> {
        let candidates: Vec<PathBuf> = self.unresolved.iter().cloned().collect();
        // Also with no module waiting: a lookup that missed earlier (by a version since replaced,
        // or a start that crashed) is cached, and a module loaded later would be told the same
        // (the fuzzer found it: a folder deleted, a crashed start, the folder back, then an
        // import of a file in it failed).
        self.resolver.clear_cache();
        if candidates.is_empty() {
            return Vec::new();
        }
        let mut changed = Vec::new();
        for path in candidates {
            let Ok(source) = read_source(&path) else { continue };
            let Ok(module) = self.build(&path, &source, Caching::Skip, None) else { continue };
            if self.modules.get(&path).is_some_and(|old| old.json != module.json) {
                self.put(path.clone(), module);
                changed.push(path);
            }
        }
        changed
    }

    /// `root` and every app module it loads statically that is not in `sent`, each once (added
    /// to `sent`) and in import order, and the modules that failed to load (each once).
    pub fn closure(&mut self, root: &Path, sent: &mut HashSet<PathBuf>) -> Closure {
        let mut failed = self.load_reachable(root, sent);
        let mut out = Closure::default();
        let mut stack = vec![root.to_path_buf()];
        while let Some(path) = stack.pop() {
            if sent.contains(&path) {
                continue;
            }
            if let Some(failure) = failed.get_mut(&path) {
                out.failures.extend(failure.take());
                continue;
            }
            match self.load(&path) {
                Ok(module) => {
                    out.payloads.push(Arc::clone(&module.json));
                    stack.extend(module.static_deps.iter().rev().cloned());
                    sent.insert(path.clone());
                    out.paths.push(path);
                }
                Err(err) => {
                    out.failures.push(err);
                    failed.insert(path, None);
                }
            }
        }
        out
    }

    /// Reads and builds, on all cores, every module reachable from `root` through static
    /// imports that is neither stored nor in `sent`. Returns the ones that failed.
    fn load_reachable(&mut self, root: &Path, sent: &HashSet<PathBuf>) -> HashMap<PathBuf, Option<LoadError>> {
        let walk = Walk { store: self, sent, seen: Mutex::default(), built: Mutex::default() };
        rayon::scope(|scope| walk.visit(scope, root.to_path_buf()));
        let built = walk.built.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut failed = HashMap::new();
        for (path, result) in built {
            match result {
                Ok(module) => {
                    self.put(path, module);
                }
                Err(err) => {
                    failed.insert(path, Some(err));
                }
            }
        }
        failed
    }

    fn read_and_build(&self, path: &Path) -> Result<StoredModule, LoadError> {
        let source = read_source(path)?;
        self.build(path, &source, Caching::Use, None)
    }
}

#[cfg(test)]
mod tests;
