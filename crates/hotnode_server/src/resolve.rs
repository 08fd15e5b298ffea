//! Specifier resolution as Node does it (oxc_resolver), plus the TypeScript conveniences users
//! expect from their tooling: `.js` naming a `.ts` file, extensionless specifiers, tsconfig
//! `paths`. A resolved file is an *app module* (hotnode runs it) unless its real path is inside
//! `node_modules`; packages and builtins are *externals* that Node loads itself.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use oxc_resolver::{PackageType, ResolveOptions, Resolver as OxcResolver, TsConfig, TsconfigDiscovery};

/// What a specifier names, from one importer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An app module, by absolute real path.
    App(PathBuf),
    /// Loaded by Node: `node:fs`, or the file URL of a package file.
    External(String),
    /// Cannot be resolved; the message names the specifier and the importer.
    Missing(String),
}

/// Which `require`/`import` conditions apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Import,
    Require,
}

pub struct Resolver {
    esm: OxcResolver,
    cjs: OxcResolver,
    /// App modules must be under it (see `project_root`); `None`: anywhere.
    root: Option<PathBuf>,
    /// The user's `--conditions`.
    conditions: Vec<String>,
    /// Whether "module-sync" is among the conditions (see `for_node`).
    module_sync: bool,
}

/// Node's words for a specifier that names nothing: a package that is not installed anywhere
/// above the importer, or a module (a relative path, or a subpath of an installed package).
fn not_found(importer: &Path, specifier: &str) -> String {
    let importer_text = importer.display();
    let bare = !(specifier.starts_with('.') || specifier.starts_with('/') || specifier.starts_with("file:"));
    if bare {
        let mut parts = specifier.splitn(3, '/');
        let package = match (parts.next(), parts.next()) {
            (Some(scope), Some(name)) if scope.starts_with('@') => format!("{scope}/{name}"),
            (Some(name), _) => name.to_string(),
            _ => specifier.to_string(),
        };
        let installed = importer.ancestors().any(|dir| dir.join("node_modules").join(&package).is_dir());
        if !installed {
            return format!("Cannot find package '{package}' imported from {importer_text}");
        }
        return format!("Cannot find module '{specifier}' imported from {importer_text}");
    }
    // A path: node names the file it looked for.
    let wanted = match specifier.strip_prefix("file://") {
        Some(path) => PathBuf::from(path),
        None => importer.parent().unwrap_or(Path::new("/")).join(specifier),
    };
    format!("Cannot find module '{}' imported from {importer_text}", normalize(&wanted).display())
}

/// `a/./b/../c` as `a/c`, without touching the file system (node's URL resolution).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A relative specifier that names something that is there but is no module: a symlink loop,
/// a folder without an index, a FIFO. Says what it is, where Node would only say "not found".
fn not_loadable(importer: &Path, specifier: &str) -> Option<String> {
    if !specifier.starts_with("./") && !specifier.starts_with("../") {
        return None;
    }
    // Joined by components, so the message names `/app/loop.js`, not `/app/./loop.js`.
    let mut path = importer.parent()?.to_path_buf();
    for component in Path::new(specifier).components() {
        match component {
            std::path::Component::ParentDir => {
                path.pop();
            }
            std::path::Component::Normal(name) => path.push(name),
            _ => {}
        }
    }
    std::fs::symlink_metadata(&path).ok()?;
    let what = match std::fs::metadata(&path) {
        Err(err) => format!("cannot be opened ({err})"),
        Ok(meta) if meta.is_dir() => "is a folder with no index module".into(),
        Ok(meta) if !meta.is_file() => "is not a regular file".into(),
        Ok(_) => return None,
    };
    Some(format!("Cannot load '{specifier}' imported from {}: {} {what}", importer.display(), path.display()))
}

impl Resolver {
    /// `conditions` are the user's extra `--conditions` (node's flag), applied to both kinds.
    /// Node's own are "node", "node-addons", "module-sync" (Node 20.19+ and 22.10+, where
    /// `require()` loads ES modules: a package's one build for both kinds; older nodes lack it)
    /// and "import" or "require".
    pub fn new(conditions: &[String]) -> Self {
        let (esm, cjs) = resolvers(conditions, true);
        Self { esm, cjs, root: None, conditions: conditions.to_vec(), module_sync: true }
    }

    /// The conditions of the node that runs the app: "module-sync" only where `require()` loads
    /// ES modules (`process.features.require_module`), as node decides. True if this changed them.
    pub fn follow_node(&mut self, require_module: bool) -> bool {
        if self.module_sync == require_module {
            return false;
        }
        (self.esm, self.cjs) = resolvers(&self.conditions, require_module);
        self.module_sync = require_module;
        true
    }

    /// Only files under `root` are app modules; an import of one outside it is an error.
    pub fn with_root(self, root: PathBuf) -> Self {
        Self { root: Some(root), ..self }
    }

    pub fn resolve(&self, importer: &Path, specifier: &str, kind: ImportKind) -> Target {
        if let Some(builtin) = builtin(specifier) {
            return Target::External(builtin);
        }
        let resolver = match kind {
            ImportKind::Import => &self.esm,
            ImportKind::Require => &self.cjs,
        };
        match resolver.resolve_file(importer, specifier) {
            Ok(resolution) => match (classify_for(kind, resolution.into_path_buf()), &self.root) {
                (Target::App(path), Some(root)) if !path.starts_with(root) => Target::Missing(format!(
                    "Cannot load '{specifier}' imported from {}: {} is outside the project root {} (hotnode serves only the project's files; --root widens it)",
                    importer.display(),
                    path.display(),
                    root.display()
                )),
                (target, _) => target,
            },
            Err(oxc_resolver::ResolveError::Builtin { resolved, .. }) => Target::External(resolved),
            Err(oxc_resolver::ResolveError::NotFound(_)) => {
                Target::Missing(not_loadable(importer, specifier).unwrap_or_else(|| not_found(importer, specifier)))
            }
            Err(err) => {
                Target::Missing(format!("Cannot resolve '{specifier}' imported from {}: {err}", importer.display()))
            }
        }
    }

    /// Where a file or folder would have to appear for `specifier` to resolve from `importer`:
    /// the path it names, or the package's folder in the project's `node_modules` (an install).
    /// Other specifiers (tsconfig `paths`, `#imports`) are taken to be near the importer.
    pub fn missing_location(&self, importer: &Path, specifier: &str) -> PathBuf {
        let dir = importer.parent().unwrap_or(importer);
        if specifier.starts_with("./") || specifier.starts_with("../") || specifier == "." || specifier == ".." {
            return normalize(&dir.join(specifier));
        }
        if let Some(path) = specifier.strip_prefix("file://") {
            return PathBuf::from(path);
        }
        if specifier.starts_with('/') {
            return PathBuf::from(specifier);
        }
        if specifier.starts_with('#') || specifier.contains(':') {
            return dir.to_path_buf();
        }
        let mut parts = specifier.split('/');
        let package = match (parts.next(), parts.next()) {
            (Some(scope), Some(name)) if scope.starts_with('@') => format!("{scope}/{name}"),
            (Some(name), _) => name.to_string(),
            _ => return dir.to_path_buf(),
        };
        let base = self.root.as_deref().unwrap_or(dir);
        base.join("node_modules").join(package)
    }

    /// Whether `.js`/`.ts`/`.jsx`/`.tsx` files in `dir` are ES modules (nearest package.json
    /// `"type"`), as Node decides.
    pub fn package_is_esm(&self, file: &Path) -> bool {
        find_package_type(&self.esm, file) == Some(PackageType::Module)
    }

    /// Whether node detects the format of the `.js` file `file` by its syntax: its package.json
    /// says no `"type"` (`Some(that package.json)`: node warns when it finds module syntax), or
    /// it has no package.json at all (`Some(None)`: node detects without a word).
    pub fn detects_format(&self, file: &Path) -> Option<Option<PathBuf>> {
        let resolution = self.esm.resolve_file(file, &format!("./{}", file.file_name()?.to_str()?)).ok()?;
        match resolution.package_json() {
            Some(package) => package.r#type().is_none().then(|| Some(package.path().to_path_buf())),
            None => Some(None),
        }
    }

    /// The files that decide how `file` is resolved and transformed: its package.json (`"type"`,
    /// `"imports"`, the packages it names), its tsconfig and the local ones it extends.
    pub fn config_files_of(&self, file: &Path) -> Vec<PathBuf> {
        let mut configs = Vec::new();
        if let Some(name) = file.file_name().and_then(|n| n.to_str())
            && let Ok(resolution) = self.esm.resolve_file(file, &format!("./{name}"))
            && let Some(package) = resolution.package_json()
        {
            configs.push(package.path().to_path_buf());
        }
        if let Some(tsconfig) = self.tsconfig_for(file) {
            configs.push(tsconfig.path.clone());
            configs.extend(local_extends(&tsconfig.path));
        }
        configs
    }

    /// Forgets cached file system lookups (a file appeared that an earlier lookup missed).
    pub fn clear_cache(&self) {
        self.esm.clear_cache();
    }

    /// The tsconfig that governs `file`, if any.
    pub fn tsconfig_for(&self, file: &Path) -> Option<Arc<TsConfig>> {
        self.esm.find_tsconfig(file).ok().flatten()
    }
}

/// The tsconfig files `tsconfig` extends by a relative path, read from its text (the merged
/// config the resolver keeps no longer names them), followed through their own `extends`.
fn local_extends(tsconfig: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut queue = vec![tsconfig.to_path_buf()];
    while let Some(config) = queue.pop() {
        let Ok(text) = std::fs::read_to_string(&config) else { continue };
        // tsconfig allows comments and trailing commas: only the `extends` strings are wanted.
        let Some(at) = text.find("\"extends\"") else { continue };
        let rest = &text[at + 9..];
        let end = rest.find(['}', ']']).map_or(rest.len(), |e| e + 1).min(rest.len());
        for part in rest[..end].split('"').skip(1).step_by(2) {
            if part.starts_with('.') {
                let dir = config.parent().unwrap_or(Path::new("/"));
                let mut path = normalize(&dir.join(part));
                if path.extension().is_none() {
                    path.set_extension("json");
                }
                if !found.contains(&path) && path != tsconfig {
                    found.push(path.clone());
                    queue.push(path);
                }
            }
        }
    }
    found
}

fn find_package_type(resolver: &OxcResolver, file: &Path) -> Option<PackageType> {
    // Resolving the file itself yields the nearest package.json through the resolver's cache.
    let resolution = resolver.resolve_file(file, &format!("./{}", file.file_name()?.to_str()?)).ok()?;
    resolution.package_json().and_then(|p| p.r#type())
}

fn resolvers(conditions: &[String], module_sync: bool) -> (OxcResolver, OxcResolver) {
    let sync: &[&str] = if module_sync { &["module-sync"] } else { &[] };
    let esm = OxcResolver::new(options(&[&["node", "node-addons"], sync, &["import"]].concat(), conditions));
    let cjs = esm.clone_with_options(options(&[&["node", "node-addons"], sync, &["require"]].concat(), conditions));
    (esm, cjs)
}

fn options(base: &[&str], extra: &[String]) -> ResolveOptions {
    let mut condition_names: Vec<String> = base.iter().map(|s| (*s).to_string()).collect();
    condition_names.extend(extra.iter().cloned());
    ResolveOptions {
        condition_names,
        tsconfig: Some(TsconfigDiscovery::Auto),
        extensions: [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".json", ".node"]
            .map(String::from)
            .to_vec(),
        extension_alias: vec![
            (".js".into(), vec![".ts".into(), ".tsx".into(), ".js".into(), ".jsx".into()]),
            (".mjs".into(), vec![".mts".into(), ".mjs".into()]),
            (".cjs".into(), vec![".cts".into(), ".cjs".into()]),
        ],
        main_fields: vec!["main".into()],
        builtin_modules: true,
        symlinks: true,
        ..ResolveOptions::default()
    }
}

fn builtin(specifier: &str) -> Option<String> {
    if specifier.starts_with("node:") {
        return Some(specifier.to_string());
    }
    None
}

/// Extensions hotnode loads; node's ES module loader knows no others (a module hook of the app's
/// may: a `.txt` or `.css` loader), so an `import` of another file is node's to load or refuse.
/// `require` compiles any other extension as JavaScript, as node does; an addon is node's.
fn classify_for(kind: ImportKind, path: PathBuf) -> Target {
    let extension = path.extension().and_then(|e| e.to_str());
    let hotnodes =
        matches!(extension, None | Some("js" | "mjs" | "cjs" | "ts" | "mts" | "cts" | "jsx" | "tsx" | "json"));
    if extension == Some("node") || (kind == ImportKind::Import && !hotnodes) {
        return Target::External(file_url(&path));
    }
    classify(path)
}

fn classify(path: PathBuf) -> Target {
    if path.components().any(|c| c.as_os_str() == "node_modules") {
        Target::External(file_url(&path))
    } else {
        Target::App(path)
    }
}

/// `file://` URL of an absolute path, encoded as Node's `pathToFileURL` does (the WHATWG path
/// percent-encode set, plus `%`), so `import.meta.url` compares equal to it.
pub fn file_url(path: &Path) -> String {
    let mut out = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            0..=0x20 | 0x7f..=0xff | b'"' | b'#' | b'<' | b'>' | b'?' | b'`' | b'{' | b'}' | b'%' => {
                out.push_str(&format!("%{byte:02X}"))
            }
            _ => out.push(byte as char),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_package_is_named_as_a_package_and_a_missing_file_as_a_module() {
        let dir = std::env::temp_dir().join(format!("hotnode-resolve-missing-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("node_modules/present")).unwrap();
        let importer = dir.join("main.js");
        std::fs::write(&importer, "").unwrap();
        let resolver = Resolver::new(&[]);
        let message = |specifier: &str| match resolver.resolve(&importer, specifier, ImportKind::Import) {
            Target::Missing(message) => message.replace(&dir.display().to_string(), "<dir>"),
            other => panic!("{specifier} resolved: {other:?}"),
        };
        assert_eq!(message("left-padx"), "Cannot find package 'left-padx' imported from <dir>/main.js");
        assert_eq!(message("@scope/gone/sub"), "Cannot find package '@scope/gone' imported from <dir>/main.js");
        assert_eq!(message("present/nothing"), "Cannot find module 'present/nothing' imported from <dir>/main.js");
        assert_eq!(message("./later.js"), "Cannot find module '<dir>/later.js' imported from <dir>/main.js");
        assert_eq!(message("./sub/../other.js"), "Cannot find module '<dir>/other.js' imported from <dir>/main.js");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_config_files_of_a_module_are_its_package_json_its_tsconfig_and_what_that_extends() {
        let dir = std::env::temp_dir().join(format!("hotnode-resolve-configs-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::create_dir_all(dir.join("config")).unwrap();
        std::fs::write(dir.join("package.json"), r#"{ "type": "module" }"#).unwrap();
        std::fs::write(dir.join("tsconfig.json"), "{\n  // the base\n  \"extends\": \"./config/base\",\n}\n").unwrap();
        std::fs::write(dir.join("config/base.json"), r#"{ "extends": ["./strict.json"], "compilerOptions": {} }"#)
            .unwrap();
        std::fs::write(dir.join("config/strict.json"), r#"{ "compilerOptions": { "strict": true } }"#).unwrap();
        std::fs::write(dir.join("src/main.ts"), "").unwrap();
        let configs = Resolver::new(&[]).config_files_of(&dir.join("src/main.ts"));
        let expected = ["package.json", "tsconfig.json", "config/base.json", "config/strict.json"].map(|f| dir.join(f));
        assert_eq!(configs, expected);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_specifier_is_looked_for_where_its_file_or_package_would_appear() {
        let resolver = Resolver::new(&[]).with_root(PathBuf::from("/app"));
        let importer = Path::new("/app/src/routes.ts");
        let at = |specifier: &str| resolver.missing_location(importer, specifier);
        assert_eq!(at("./users/handler.ts"), Path::new("/app/src/users/handler.ts"));
        assert_eq!(at("../lib/./x.js"), Path::new("/app/lib/x.js"));
        assert_eq!(at("left-pad"), Path::new("/app/node_modules/left-pad"));
        assert_eq!(at("@scope/pkg/sub/path"), Path::new("/app/node_modules/@scope/pkg"));
        assert_eq!(at("#config"), Path::new("/app/src"));
        assert_eq!(at("/abs/file.js"), Path::new("/abs/file.js"));
    }

    /// An `import` of a file node's ES module loader does not know is node's (or an app hook's);
    /// `require` compiles it as JavaScript, as node does; an addon is always node's.
    #[test]
    fn files_of_other_extensions_are_nodes_to_import() {
        let dir = std::env::temp_dir().join(format!("hotnode-resolve-extensions-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for file in ["main.js", "note.txt", "addon.node", "lib.ts"] {
            std::fs::write(dir.join(file), "").unwrap();
        }
        let resolver = Resolver::new(&[]);
        let importer = dir.join("main.js");
        let is_app = |specifier: &str, kind| matches!(resolver.resolve(&importer, specifier, kind), Target::App(_));
        assert!(!is_app("./note.txt", ImportKind::Import));
        assert!(is_app("./note.txt", ImportKind::Require));
        assert!(!is_app("./addon.node", ImportKind::Require));
        assert!(is_app("./lib.ts", ImportKind::Import));
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// A package's "module-sync" build serves both `import` and `require`, as in node: one
    /// instance of it, not one per kind.
    #[test]
    fn module_sync_serves_import_and_require() {
        let dir = std::env::temp_dir().join(format!("hotnode-resolve-module-sync-{}", std::process::id()));
        let package = dir.join("node_modules/dual");
        std::fs::create_dir_all(&package).unwrap();
        let exports =
            r#"{"name":"dual","exports":{"module-sync":"./sync.mjs","import":"./esm.mjs","require":"./cjs.cjs"}}"#;
        std::fs::write(package.join("package.json"), exports).unwrap();
        for file in ["sync.mjs", "esm.mjs", "cjs.cjs"] {
            std::fs::write(package.join(file), "").unwrap();
        }
        let importer = dir.join("main.js");
        std::fs::write(&importer, "").unwrap();
        let mut resolver = Resolver::new(&[]);
        let file = |resolver: &Resolver, kind| match resolver.resolve(&importer, "dual", kind) {
            Target::External(url) => url.rsplit('/').next().unwrap().to_string(),
            other => panic!("resolved to {other:?}"),
        };
        assert_eq!(file(&resolver, ImportKind::Import), "sync.mjs");
        assert_eq!(file(&resolver, ImportKind::Require), "sync.mjs");
        // A node whose require() does not load ES modules has no "module-sync".
        assert!(resolver.follow_node(false));
        assert_eq!(file(&resolver, ImportKind::Import), "esm.mjs");
        assert_eq!(file(&resolver, ImportKind::Require), "cjs.cjs");
        assert!(!resolver.follow_node(false));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn file_urls_match_node_pathtofileurl() {
        assert_eq!(file_url(Path::new("/app/src/a b#c.ts")), "file:///app/src/a%20b%23c.ts");
        assert_eq!(file_url(Path::new("/app/é.js")), "file:///app/%C3%A9.js");
    }
}
