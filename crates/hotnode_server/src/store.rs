//! The module store: every app module hotnode has read, transformed once per content, with its
//! specifiers resolved and its payload serialized, keyed by absolute path. A save that leaves
//! the content as it was changes nothing. The modules a fetch needs are read and transformed on
//! all cores, and their transforms are taken from (and stored in) the disk cache; a re-read
//! after a save transforms on the spot, off the cache, since an edit is new content.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use hotnode_transform::{JsxSettings, ModuleFormat, TransformError, TransformOptions, transform};

use crate::protocol::{ModulePayload, TargetJson};
use crate::resolve::{ImportKind, Resolver, Target, file_url};
use crate::transform_cache::{CacheKey, TransformCache};

pub struct StoredModule {
    /// The payload as the runtime receives it, serialized once.
    pub json: Arc<str>,
    /// App modules loaded statically (imports and requires): sent along with this module.
    pub static_deps: Vec<PathBuf>,
    /// Some specifier did not resolve: a file appearing later may change that.
    has_unresolved: bool,
    hash: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {}: {source}", .path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{} is not UTF-8 text (a binary file, or another encoding)", .path.display())]
    NotText { path: PathBuf },
    #[error("{} is not a regular file", .path.display())]
    NotAFile { path: PathBuf },
    #[error("{}", describe_transform_error(.path, .error))]
    Transform { path: PathBuf, error: TransformError },
    /// The transform itself failed on this input (a bug to report, not the user's fault).
    #[error("{}: hotnode could not transform this file ({message}); please report it", .path.display())]
    Internal { path: PathBuf, message: String },
}

fn describe_transform_error(path: &Path, error: &TransformError) -> String {
    match error.diagnostics().first() {
        Some(d) => match d.location {
            Some(loc) => format!("{}:{}:{}: {}", path.display(), loc.line, loc.column, d.message),
            None => format!("{}: {}", path.display(), d.message),
        },
        None => format!("{}: {error}", path.display()),
    }
}

impl LoadError {
    pub fn path(&self) -> &Path {
        match self {
            Self::Read { path, .. }
            | Self::NotText { path }
            | Self::NotAFile { path }
            | Self::Transform { path, .. }
            | Self::Internal { path, .. } => path,
        }
    }

    /// The code frame, for syntax errors.
    pub fn frame(&self) -> Option<&str> {
        match self {
            Self::Transform { error, .. } => error.diagnostics().first().map(|d| d.frame.as_str()),
            _ => None,
        }
    }

    /// Vite's error payload: `{message, stack, id, frame, loc: {file, line, column}}`.
    pub fn to_vite_error(&self) -> serde_json::Value {
        let file = self.path().display().to_string();
        let loc = match self {
            Self::Transform { error, .. } => error.diagnostics().first().and_then(|d| d.location),
            _ => None,
        };
        serde_json::json!({
            "message": self.to_string(),
            "stack": "",
            "id": file,
            "frame": self.frame().unwrap_or(""),
            "loc": loc.map(|l| serde_json::json!({ "file": file, "line": l.line, "column": l.column })),
        })
    }
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
    cache: TransformCache,
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
        Self { resolver, modules: HashMap::new(), cache }
    }

    /// The app has started: the disk cache may write now.
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
            self.modules.insert(path.to_path_buf(), module);
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
        match self.build(path, &source, Caching::Skip) {
            Ok(module) => {
                self.modules.insert(path.to_path_buf(), module);
                Refresh::Changed
            }
            Err(err) => Refresh::Failed(err),
        }
    }

    /// Stored modules that load `path` statically. A scan of the store: only for the rare
    /// file that failed at its first load and was then fixed, never on a plain save.
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
        let candidates: Vec<PathBuf> =
            self.modules.iter().filter(|(_, m)| m.has_unresolved).map(|(p, _)| p.clone()).collect();
        if candidates.is_empty() {
            return Vec::new();
        }
        self.resolver.clear_cache();
        let mut changed = Vec::new();
        for path in candidates {
            let Ok(source) = read_source(&path) else { continue };
            let Ok(module) = self.build(&path, &source, Caching::Skip) else { continue };
            if self.modules.get(&path).is_some_and(|old| old.json != module.json) {
                self.modules.insert(path.clone(), module);
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
                    self.modules.insert(path, module);
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
        self.build(path, &source, Caching::Use)
    }

    fn build(&self, path: &Path, source: &str, caching: Caching) -> Result<StoredModule, LoadError> {
        let url = file_url(path);
        let mut options = TransformOptions::new(path, url.clone(), self.format_of(path));
        self.apply_tsconfig(path, &mut options);
        // The key is only worked out where the cache is used: a save's re-read pays nothing for it.
        let key = match caching {
            Caching::Use => Some(CacheKey::of(source, &options)),
            Caching::Skip => None,
        };
        let out = match key.and_then(|key| self.cache.get(key)) {
            Some(out) => out,
            None => {
                // A panic in the transform on some input must not take the session down with it.
                let out = std::panic::catch_unwind(|| transform(source, &options))
                    .map_err(|panic| LoadError::Internal { path: path.to_path_buf(), message: panic_message(&*panic) })?
                    .map_err(|error| LoadError::Transform { path: path.to_path_buf(), error })?;
                if let Some(key) = key {
                    self.cache.put(key, &out);
                }
                out
            }
        };

        let mut deps = BTreeMap::new();
        let mut names = BTreeMap::new();
        let mut static_deps = Vec::new();
        let facts = &out.facts;
        // `import` in a CommonJS-format module is a `require` (TypeScript's CommonJS output).
        let import_kind = if out.format == ModuleFormat::CjsInterop { ImportKind::Require } else { ImportKind::Import };
        let imports = facts.imports.iter().map(|i| (i.specifier.as_str(), import_kind, true));
        let requires = facts.requires.iter().map(|s| (s.as_str(), ImportKind::Require, true));
        let lazy =
            facts.dynamic_imports.iter().chain(&facts.hot_specifiers).map(|s| (s.as_str(), ImportKind::Import, false));
        for (specifier, kind, is_static) in imports.chain(requires).chain(lazy) {
            if deps.contains_key(specifier) {
                continue;
            }
            let target = self.resolver.resolve(path, specifier, kind);
            if let (Target::App(dep), true) = (&target, is_static)
                && !static_deps.contains(dep)
            {
                static_deps.push(dep.clone());
            }
            deps.insert(specifier.to_string(), target_json(target));
        }
        for import in &facts.imports {
            names.insert(import.specifier.clone(), import.names.clone());
        }
        let id = path.to_string_lossy();
        let payload =
            ModulePayload { id: &id, url: &url, format: out.format, code: &out.code, deps: &deps, names: &names };
        let json: Arc<str> = serde_json::to_string(&payload).expect("payloads serialize").into();
        let has_unresolved = deps.values().any(|t| matches!(t, TargetJson::Error { .. }));
        Ok(StoredModule { json, static_deps, has_unresolved, hash: content_hash(source) })
    }

    fn format_of(&self, path: &Path) -> ModuleFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some("mjs" | "mts") => ModuleFormat::Esm,
            Some("cjs" | "cts") => ModuleFormat::Cjs,
            Some("json") => ModuleFormat::Json,
            _ if self.resolver.package_is_esm(path) => ModuleFormat::Esm,
            _ => ModuleFormat::Cjs,
        }
    }

    fn apply_tsconfig(&self, path: &Path, options: &mut TransformOptions) {
        let Some(tsconfig) = self.resolver.tsconfig_for(path) else {
            return;
        };
        let c = &tsconfig.compiler_options;
        options.legacy_decorators = c.experimental_decorators.unwrap_or(false);
        options.decorator_metadata = c.emit_decorator_metadata.unwrap_or(false);
        options.jsx = JsxSettings {
            classic: c.jsx.as_deref() == Some("react"),
            development: c.jsx.as_deref() == Some("react-jsxdev"),
            factory: c.jsx_factory.clone(),
            fragment_factory: c.jsx_fragment_factory.clone(),
            import_source: c.jsx_import_source.clone(),
        };
    }
}

/// The parallel part of [`ModuleStore::closure`]: a task per module, each spawning its
/// dependencies' tasks, so a wide import tree keeps every core busy.
struct Walk<'a> {
    store: &'a ModuleStore,
    sent: &'a HashSet<PathBuf>,
    seen: Mutex<HashSet<PathBuf>>,
    built: Mutex<Vec<(PathBuf, Result<StoredModule, LoadError>)>>,
}

impl<'a> Walk<'a> {
    fn visit<'s>(&'s self, scope: &rayon::Scope<'s>, path: PathBuf)
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

fn target_json(target: Target) -> TargetJson {
    match target {
        Target::App(path) => TargetJson::App { id: path.to_string_lossy().into_owned() },
        Target::External(external) => TargetJson::External { external },
        Target::Missing(error) => TargetJson::Error { error },
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// A module's text. Only a regular file is read: a FIFO or a device named `x.js` would block
/// the read or never end. Text with a NUL byte in its first 8 KB is binary (git's test), even
/// when it happens to be valid UTF-8.
pub fn read_source(path: &Path) -> Result<String, LoadError> {
    let read_error = |source| LoadError::Read { path: path.to_path_buf(), source };
    let metadata = std::fs::metadata(path).map_err(read_error)?;
    if !metadata.is_file() {
        return Err(LoadError::NotAFile { path: path.to_path_buf() });
    }
    let bytes = std::fs::read(path).map_err(read_error)?;
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err(LoadError::NotText { path: path.to_path_buf() });
    }
    String::from_utf8(bytes).map_err(|_| LoadError::NotText { path: path.to_path_buf() })
}

fn content_hash(source: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    source.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("hotnode-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let dir = dir.canonicalize().unwrap();
        for (path, text) in files {
            std::fs::write(dir.join(path), text).unwrap();
        }
        dir
    }

    fn payload(store: &ModuleStore, path: &Path) -> serde_json::Value {
        serde_json::from_str(&store.get(path).unwrap().json).unwrap()
    }

    #[test]
    fn closure_sends_each_static_dependency_once() {
        let dir = app(
            "closure",
            &[
                ("package.json", r#"{"type":"module"}"#),
                ("main.ts", "import { a } from './a.js';\nimport('./lazy.js');\nexport { a };\n"),
                ("a.ts", "import { b } from './b.js';\nexport const a = b;\n"),
                ("b.ts", "import './a.js';\nexport const b = 1;\n"),
                ("lazy.ts", "export {};\n"),
            ],
        );
        let mut store = ModuleStore::new(Resolver::new(&[]));
        let mut sent = HashSet::new();
        let closure = store.closure(&dir.join("main.ts"), &mut sent);
        assert!(closure.failures.is_empty());
        assert_eq!(closure.paths.len(), closure.payloads.len());
        let ids: Vec<String> = closure
            .payloads
            .iter()
            .map(|p| serde_json::from_str::<serde_json::Value>(p).unwrap()["id"].as_str().unwrap().to_string())
            .collect();
        let expected: Vec<String> =
            ["main.ts", "a.ts", "b.ts"].iter().map(|f| dir.join(f).display().to_string()).collect();
        assert_eq!(ids, expected, "static closure in import order, lazy import left out");
        let main = payload(&store, &dir.join("main.ts"));
        assert_eq!(main["deps"]["./a.js"]["id"], dir.join("a.ts").display().to_string());
        assert_eq!(main["deps"]["./lazy.js"]["id"], dir.join("lazy.ts").display().to_string());
        assert_eq!(main["format"], "esm");
        let again = store.closure(&dir.join("main.ts"), &mut sent);
        assert!(again.payloads.is_empty(), "nothing is sent twice");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_wide_closure_loaded_on_all_cores_keeps_import_order_and_names_each_failure_once() {
        let mut files: Vec<(String, String)> = vec![("package.json".into(), r#"{"type":"module"}"#.into())];
        let imports: String = (0..40).map(|i| format!("import './m{i}.js';\n")).collect();
        files.push(("main.js".into(), format!("{imports}import './broken.js';\n")));
        for i in 0..40 {
            // Every module also imports the broken one and its neighbour: shared dependencies
            // reached from many tasks at once.
            files.push((format!("m{i}.js"), format!("import './m{}.js';\nimport './broken.js';\n", (i + 1) % 40)));
        }
        files.push(("broken.js".into(), "export const = ;\n".into()));
        let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let dir = app("wide", &borrowed);
        let mut store = ModuleStore::new(Resolver::new(&[]));
        let mut sent = HashSet::new();
        let closure = store.closure(&dir.join("main.js"), &mut sent);
        let mut expected = vec![dir.join("main.js")];
        expected.extend((0..40).map(|i| dir.join(format!("m{i}.js"))));
        assert_eq!(closure.paths, expected, "depth-first import order, as a sequential walk gives");
        assert_eq!(closure.failures.len(), 1, "the broken module is reported once");
        assert_eq!(closure.failures[0].path(), dir.join("broken.js"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_second_store_takes_unchanged_files_from_the_disk_cache_and_transforms_edited_ones() {
        let dir =
            app("disk-cache", &[("package.json", r#"{"type":"module"}"#), ("a.ts", "export const a: number = 1;\n")]);
        let path = dir.join("a.ts");
        let cache_root = dir.join("cache");
        let mut first = ModuleStore::with_cache(Resolver::new(&[]), TransformCache::open(&cache_root, "test"));
        first.load(&path).unwrap();
        first.app_started();
        let entries = || -> Vec<PathBuf> {
            let build = cache_root.join("transforms-test");
            let Ok(folders) = std::fs::read_dir(&build) else { return Vec::new() };
            folders
                .flatten()
                .flat_map(|f| std::fs::read_dir(f.path()).into_iter().flatten().flatten())
                .map(|e| e.path())
                .collect()
        };
        for _ in 0..200 {
            if !entries().is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let [entry] = entries().try_into().expect("one entry written");
        // Marks the stored output: a store that shows the mark read it instead of transforming.
        let stored = std::fs::read_to_string(&entry).unwrap();
        std::fs::write(&entry, stored.replace("const a = 1", "const a = 1 /* from the cache */")).unwrap();

        let mut second = ModuleStore::with_cache(Resolver::new(&[]), TransformCache::open(&cache_root, "test"));
        second.load(&path).unwrap();
        assert!(payload(&second, &path)["code"].as_str().unwrap().contains("from the cache"));

        std::fs::write(&path, "export const a: number = 2;\n").unwrap();
        let mut third = ModuleStore::with_cache(Resolver::new(&[]), TransformCache::open(&cache_root, "test"));
        third.load(&path).unwrap();
        let code = payload(&third, &path)["code"].as_str().unwrap().to_string();
        assert!(code.contains("const a = 2") && !code.contains("from the cache"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_save_that_changes_nothing_does_nothing_and_a_bad_save_keeps_the_running_version() {
        let dir = app("refresh", &[("package.json", r#"{"type":"module"}"#), ("a.js", "export const a = 1;\n")]);
        let path = dir.join("a.js");
        let mut store = ModuleStore::new(Resolver::new(&[]));
        store.load(&path).unwrap();
        std::fs::write(&path, "export const a = 1;\n").unwrap();
        assert!(matches!(store.refresh(&path, read_source(&path)), Refresh::Unchanged));
        std::fs::write(&path, "export const a = ;\n").unwrap();
        assert!(matches!(store.refresh(&path, read_source(&path)), Refresh::Failed(LoadError::Transform { .. })));
        assert!(payload(&store, &path)["code"].as_str().unwrap().contains("const a = 1"));
        std::fs::write(&path, "export const a = 2;\n").unwrap();
        assert!(matches!(store.refresh(&path, read_source(&path)), Refresh::Changed));
        assert!(payload(&store, &path)["code"].as_str().unwrap().contains("const a = 2"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn importers_and_dependencies_follow_static_imports_through_cycles() {
        let dir = app(
            "depends",
            &[
                ("package.json", r#"{"type":"module"}"#),
                ("main.js", "import './a.js';\n"),
                ("a.js", "import './b.js';\n"),
                ("b.js", "import './a.js';\nimport './c.js';\n"),
                ("c.js", "export {};\n"),
                ("other.js", "export {};\n"),
            ],
        );
        let [main, a, b, c, other] = ["main.js", "a.js", "b.js", "c.js", "other.js"].map(|f| dir.join(f));
        let mut store = ModuleStore::new(Resolver::new(&[]));
        store.closure(&main, &mut HashSet::new());
        store.load(&other).unwrap();
        assert!(store.depends_on(&main, std::slice::from_ref(&c)));
        assert!(store.depends_on(&a, std::slice::from_ref(&a)), "through the cycle");
        assert!(!store.depends_on(&main, std::slice::from_ref(&other)));
        assert!(!store.depends_on(&c, std::slice::from_ref(&main)));
        assert_eq!(store.importers_of(&c), vec![b.clone()]);
        let mut importers_of_a = store.importers_of(&a);
        importers_of_a.sort();
        let mut expected = vec![main.clone(), b.clone()];
        expected.sort();
        assert_eq!(importers_of_a, expected);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_file_that_appears_satisfies_an_import_that_failed() {
        let dir = app("appear", &[("package.json", r#"{"type":"module"}"#), ("main.js", "import './later.js';\n")]);
        let main = dir.join("main.js");
        let mut store = ModuleStore::new(Resolver::new(&[]));
        store.load(&main).unwrap();
        assert!(payload(&store, &main)["deps"]["./later.js"]["error"].as_str().unwrap().contains("Cannot find module"));
        assert!(store.retry_unresolved().is_empty(), "nothing changed yet");
        std::fs::write(dir.join("later.js"), "export {};\n").unwrap();
        assert_eq!(store.retry_unresolved(), vec![main.clone()]);
        assert_eq!(payload(&store, &main)["deps"]["./later.js"]["id"], dir.join("later.js").display().to_string());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn format_follows_the_package_type_and_the_extension() {
        let dir = app(
            "format",
            &[
                ("package.json", r#"{"type":"commonjs"}"#),
                ("a.js", "module.exports = 1;\n"),
                ("b.mjs", "export default 1;\n"),
                ("c.json", "{}"),
            ],
        );
        let mut store = ModuleStore::new(Resolver::new(&[]));
        for (file, format) in [("a.js", "cjs"), ("b.mjs", "esm"), ("c.json", "json")] {
            store.load(&dir.join(file)).unwrap();
            assert_eq!(payload(&store, &dir.join(file))["format"], format, "{file}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
