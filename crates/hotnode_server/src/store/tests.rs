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
    let expected: Vec<String> = ["main.ts", "a.ts", "b.ts"].iter().map(|f| dir.join(f).display().to_string()).collect();
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
    let dir = app("disk-cache", &[("package.json", r#"{"type":"module"}"#), ("a.ts", "export const a: number = 1;\n")]);
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
fn a_file_with_several_problems_shows_each_with_its_location_and_frame() {
    let dir = app("problems", &[("package.json", r#"{"type":"module"}"#), ("a.js", "const y;\nconst z;\n")]);
    let path = dir.join("a.js");
    let err = ModuleStore::new(Resolver::new(&[])).load(&path).err().expect("does not parse");
    let message = err.to_string();
    assert!(message.contains("a.js:1:7: Missing initializer in const declaration"), "{message}");
    let frame = err.frame().unwrap();
    assert!(frame.contains("> 1 | const y;"), "{frame}");
    assert!(frame.contains("a.js:2:7: Missing initializer in const declaration"), "{frame}");
    assert!(frame.contains("> 2 | const z;"), "{frame}");
    // Vite's payload carries them too.
    assert_eq!(err.to_vite_error()["frame"].as_str(), Some(frame.as_str()));
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

/// node detects an ES module by its syntax in a `.js` file of a package without `"type"` (and
/// warns), or with no package.json at all (silently); not where the package says "commonjs",
/// and not in TypeScript (tsc's `module: commonjs` output).
#[test]
fn module_syntax_makes_an_es_module_only_in_a_typeless_packages_js() {
    let esm = "export const x = 1;\n";
    let typeless = app(
        "typeless",
        &[("package.json", r#"{"name":"t"}"#), ("a.js", esm), ("b.ts", esm), ("c.js", "module.exports = 1;\n")],
    );
    let commonjs = app("explicit-commonjs", &[("package.json", r#"{"type":"commonjs"}"#), ("a.js", esm)]);
    let unpackaged = app("no-package-json", &[("a.js", esm)]);
    let mut store = ModuleStore::new(Resolver::new(&[]));
    store.load(&unpackaged.join("a.js")).unwrap();
    let payload_of = payload(&store, &unpackaged.join("a.js"));
    assert_eq!((&payload_of["format"], payload_of.get("typelessPackage")), (&serde_json::json!("esm"), None));
    for (file, format) in [
        (typeless.join("a.js"), "esm"),
        (typeless.join("b.ts"), "cjs-interop"),
        (typeless.join("c.js"), "cjs"),
        (commonjs.join("a.js"), "cjs-interop"),
    ] {
        store.load(&file).unwrap();
        let payload = payload(&store, &file);
        assert_eq!(payload["format"], format, "{}", file.display());
        let warned = payload.get("typelessPackage").and_then(|p| p.as_str()).map(String::from);
        let expected = (format == "esm").then(|| typeless.join("package.json").to_string_lossy().into_owned());
        assert_eq!(warned, expected, "{}", file.display());
    }
    std::fs::remove_dir_all(typeless).unwrap();
    std::fs::remove_dir_all(commonjs).unwrap();
    std::fs::remove_dir_all(unpackaged).unwrap();
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
