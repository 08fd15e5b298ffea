//! hotnode's own end-to-end scenarios: what the conformance cases do not cover (the process
//! contract, stack traces, bad input, restarts bounded in time).

mod support;

use std::time::{Duration, Instant};

use support::{TempApp, hotnode};

const ESM: &str = r#"{ "type": "module" }"#;

#[test]
fn argv_is_what_plain_node_gives_and_node_options_pass_through() {
    let app = TempApp::new(
        "argv",
        &[
            ("package.json", ESM),
            (
                "main.js",
                "console.log('OUT argv ' + JSON.stringify(process.argv.slice(1)));\nconsole.log('OUT execArgv ' + JSON.stringify(process.execArgv));\nsetInterval(() => {}, 1000);\n",
            ),
        ],
    );
    let mut run = hotnode(&app, &["--no-warnings", "main.js", "--port", "3000", "-q"]);
    let entry = app.dir.join("main.js");
    run.expect(&format!("OUT argv [\"{}\",\"--port\",\"3000\",\"-q\"]", entry.display()));
    run.expect("OUT execArgv [\"--no-warnings\"]");
}

#[test]
fn stack_traces_point_at_the_typescript_source() {
    let app = TempApp::new(
        "stack",
        &[
            ("package.json", ESM),
            (
                "main.ts",
                "import { fail } from \"./lib.js\";\ntry { fail(); } catch (e) { console.log('OUT ' + (e as Error).stack!.split('\\n')[1].trim()); }\nsetInterval(() => {}, 1000);\nimport.meta.hot?.accept(\"./lib.js\", (m: any) => { try { m.fail(); } catch (e) { console.log('OUT ' + (e as Error).stack!.split('\\n')[1].trim()); } });\n",
            ),
            (
                "lib.ts",
                "interface Options { strict: boolean }\nconst options: Options = { strict: true };\nexport function fail(): never {\n  throw new Error(\"from lib \" + options.strict);\n}\n",
            ),
        ],
    );
    let mut run = hotnode(&app, &["main.ts"]);
    let line = run.expect("OUT at");
    assert!(line.contains("lib.ts:4:9"), "{line}");
    // After a hot update the positions are those of the new source.
    app.write("lib.ts", "// a comment line\ninterface Options { strict: boolean }\nconst options: Options = { strict: true };\nexport function fail(): never {\n  throw new Error(\"from lib \" + options.strict);\n}\n");
    let line = run.expect("OUT at");
    assert!(line.contains("lib.ts:5:9"), "{line}");
    // The first line of a module maps exactly too (nothing is prepended on its line).
    let first_line = "export function fail(): never { throw new Error(\"first\"); }\n";
    app.write("lib.ts", first_line);
    let column = first_line.find("new Error").unwrap() + 1;
    let line = run.expect("OUT at");
    assert!(line.contains(&format!("lib.ts:1:{column}")), "{line}");
}

#[test]
fn sigterm_reaches_the_app_and_its_exit_code_is_hotnodes() {
    let app = TempApp::new(
        "sigterm",
        &[
            ("package.json", ESM),
            (
                "main.js",
                "process.on('SIGTERM', () => { console.log('OUT got SIGTERM'); process.exit(7); });\nconsole.log('OUT ready');\nsetInterval(() => {}, 1000);\n",
            ),
        ],
    );
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT ready");
    run.signal(libc::SIGTERM);
    run.expect("OUT got SIGTERM");
    assert_eq!(run.wait_exit(Duration::from_secs(10)), Some(7));
}

#[test]
fn an_app_that_exits_cleanly_ends_hotnode_with_code_zero() {
    let app = TempApp::new("clean-exit", &[("package.json", ESM), ("main.js", "console.log('OUT done');\n")]);
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT done");
    assert_eq!(run.wait_exit(Duration::from_secs(10)), Some(0));
}

#[test]
fn no_restart_keeps_the_old_code_running() {
    let app = TempApp::new(
        "no-restart",
        &[
            ("package.json", ESM),
            (
                "main.js",
                "import { v } from './dep.js';\nconsole.log('OUT boot ' + v);\nsetInterval(() => {}, 1000);\nglobalThis.tick = setInterval(() => {}, 1000);\nprocess.stdin;\n",
            ),
            ("dep.js", "export const v = 1;\n"),
        ],
    );
    let mut run = hotnode(&app, &["--no-restart", "main.js"]);
    run.expect("OUT boot 1");
    app.write("dep.js", "export const v = 2;\n");
    run.expect("keeping the old code running (--no-restart)");
    std::thread::sleep(Duration::from_millis(500));
    assert!(!run.output().contains("OUT boot 2"), "{}", run.output());
}

#[test]
fn bad_files_are_reported_and_the_app_keeps_running() {
    let app = TempApp::new(
        "bad-input",
        &[
            ("package.json", ESM),
            (
                "main.js",
                "import { v } from './dep.js';\nconsole.log('OUT boot ' + v);\nsetInterval(() => {}, 1000);\nimport.meta.hot.accept('./dep.js', (m) => console.log('OUT now ' + m.v));\n",
            ),
            ("dep.js", "export const v = 1;\n"),
        ],
    );
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT boot 1");
    app.write_bytes("dep.js", &[0xff, 0xfe, 0x00, 0x81, b'\n']);
    run.expect("dep.js is not UTF-8 text");
    app.write("dep.js", "export const v = ;\n");
    run.expect("dep.js:1:18");
    run.expect("> 1 | export const v = ;");
    app.write("dep.js", "export const v = 3;\n");
    run.expect("OUT now 3");
    assert!(!run.output().contains("panicked"), "{}", run.output());
}

#[test]
fn a_missing_entry_is_a_clear_error() {
    let app = TempApp::new("no-entry", &[("package.json", ESM)]);
    let mut run = hotnode(&app, &["src/nope.ts"]);
    run.expect("cannot find the entry module src/nope.ts");
    assert_eq!(run.wait_exit(Duration::from_secs(5)), Some(1));
}

#[test]
fn a_restart_does_not_wait_forever_for_a_hung_dispose_handler() {
    let app = TempApp::new(
        "hung-dispose",
        &[
            ("package.json", ESM),
            (
                "main.js",
                "import { v } from './dep.js';\nconsole.log('OUT boot ' + v);\nsetInterval(() => {}, 1000);\nimport.meta.hot.dispose(() => new Promise(() => {}));\n",
            ),
            ("dep.js", "export const v = 1;\n"),
        ],
    );
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT boot 1");
    let edited = Instant::now();
    app.write("dep.js", "export const v = 2;\n");
    run.expect("OUT boot 2");
    let took = edited.elapsed();
    assert!(took < Duration::from_secs(6), "restart took {took:?}");
}

#[test]
fn circular_imports_and_tsconfig_paths_update_hot() {
    let app = TempApp::new(
        "cycles-paths",
        &[
            ("package.json", ESM),
            ("tsconfig.json", r#"{ "compilerOptions": { "baseUrl": ".", "paths": { "@lib/*": ["src/lib/*"] } } }"#),
            (
                "src/main.ts",
                "import { a, callB } from \"./a.js\";\nimport { util } from \"@lib/util\";\nconsole.log(\"OUT boot \" + a + \" \" + callB() + \" \" + util());\nsetInterval(() => {}, 1000);\nimport.meta.hot.accept([\"./a.js\", \"@lib/util\"], ([ma, mu]: any[]) => console.log(\"OUT upd \" + (ma && ma.a) + \" \" + (mu && mu.util()) + \" \" + callB()));\n",
            ),
            (
                "src/a.ts",
                "import { b } from \"./b.js\";\nexport const a = \"a1\";\nexport function callB() { return b(); }\n",
            ),
            ("src/b.ts", "import { a } from \"./a.js\";\nexport function b() { return \"b sees \" + a; }\n"),
            ("src/lib/util.ts", "export const util = () => \"util1\";\n"),
        ],
    );
    let mut run = hotnode(&app, &["src/main.ts"]);
    run.expect("OUT boot a1 b sees a1 util1");
    app.write("src/lib/util.ts", "export const util = () => \"util2\";\n");
    run.expect("OUT upd undefined util2 b sees a1");
    app.write(
        "src/a.ts",
        "import { b } from \"./b.js\";\nexport const a = \"a2\";\nexport function callB() { return b(); }\n",
    );
    run.expect("OUT upd a2 undefined b sees a2");
    app.write("src/b.ts", "import { a } from \"./a.js\";\nexport function b() { return \"b2 sees \" + a; }\n");
    run.expect("OUT upd a2 undefined b2 sees a2");
}

#[test]
fn an_app_that_crashed_on_a_missing_import_starts_when_the_file_appears() {
    let app = TempApp::new(
        "missing-import",
        &[
            ("package.json", ESM),
            (
                "main.js",
                "import { v } from './later.js';\nconsole.log('OUT boot ' + v);\nsetInterval(() => {}, 1000);\n",
            ),
        ],
    );
    let mut run = hotnode(&app, &["main.js"]);
    run.expect(&format!("Cannot find module '{}'", app.dir.join("later.js").display()));
    run.expect("waiting for a change");
    app.write("later.js", "export const v = 'here';\n");
    run.expect("OUT boot here");
}

#[test]
fn a_change_under_a_watch_path_restarts_the_app_after_dispose() {
    let app = TempApp::new(
        "watch-path",
        &[
            ("package.json", ESM),
            ("config/app.txt", "alpha\n"),
            (
                "main.js",
                "import fs from 'node:fs';\nconsole.log('OUT boot ' + fs.readFileSync('config/app.txt', 'utf8').trim());\nsetInterval(() => {}, 1000);\nimport.meta.hot.dispose(() => console.log('OUT disposed'));\n",
            ),
        ],
    );
    let mut run = hotnode(&app, &["--watch-path", "config", "main.js"]);
    run.expect("OUT boot alpha");
    app.write("config/app.txt", "beta\n");
    run.expect_each(&["config/app.txt changed (--watch-path)", "OUT disposed"]);
    run.expect("OUT boot beta");
}

/// A file node loads itself (a computed `require`, which hotnode cannot serve synchronously) is
/// named once, and a change of it restarts the app instead of going unseen.
#[test]
fn a_computed_require_gets_hotnodes_instance_transformed_and_hot() {
    let app = TempApp::new(
        "computed-require",
        &[
            ("package.json", r#"{"type":"commonjs"}"#),
            ("plugins/extra.ts", "module.exports = 'one' as string;\n"),
            (
                "main.js",
                "const name = ['plugins', 'extra'].join('/');\nconsole.log('OUT plugin ' + require('./' + name));\nsetInterval(() => {}, 1000);\n",
            ),
        ],
    );
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT plugin one");
    app.write("plugins/extra.ts", "module.exports = 'two' as string;\n");
    // An edge like any require's: main.js does not accept, so the app restarts by the chain.
    run.expect("restarting: no module accepts the update (plugins/extra.ts -> main.js)");
    run.expect("OUT plugin two");
}

#[test]
fn a_module_added_by_an_edit_in_a_new_folder_is_watched_too() {
    let app = TempApp::new(
        "new-folder",
        &[
            ("package.json", ESM),
            (
                "main.js",
                "import { routes } from './routes.js';\nconsole.log('OUT boot ' + routes());\nsetInterval(() => {}, 1000);\nimport.meta.hot.accept('./routes.js', (m) => console.log('OUT routes ' + m.routes()));\n",
            ),
            ("routes.js", "export const routes = () => 'none';\n"),
        ],
    );
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT boot none");
    app.write("handlers/users.js", "export const users = 'users v1';\n");
    app.write("routes.js", "import { users } from './handlers/users.js';\nexport const routes = () => users;\n");
    run.expect("OUT routes users v1");
    app.write("handlers/users.js", "export const users = 'users v2';\n");
    run.expect("OUT routes users v2");
}

/// Transform cache entries (not the runtime folder, which shares the cache root), written whole.
fn cache_entries(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let builds = std::fs::read_dir(root).into_iter().flatten().flatten();
    let builds = builds.filter(|b| b.file_name().to_string_lossy().starts_with("transforms-"));
    let folders = builds.flat_map(|b| std::fs::read_dir(b.path()).into_iter().flatten().flatten());
    let files = folders.flat_map(|f| std::fs::read_dir(f.path()).into_iter().flatten().flatten());
    // Not an entry being written (staged beside it, then renamed): counting one let the test
    // mark a file that never became an entry (CI, a loaded machine).
    files.filter(|e| !e.file_name().to_string_lossy().starts_with(".tmp-")).map(|e| e.path()).collect()
}

#[test]
fn a_start_fills_the_transform_cache_the_next_start_reads_it_and_no_cache_leaves_it_alone() {
    let app = TempApp::new(
        "disk-cache",
        &[
            ("package.json", ESM),
            ("main.ts", "import { a } from './a.js';\nconsole.log('OUT a ' + a);\nsetInterval(() => {}, 1000);\n"),
            ("a.ts", "export const a: number = 1;\n"),
        ],
    );
    let cache = TempApp::new("disk-cache-root", &[]);
    let env = [("HOTNODE_CACHE_DIR", cache.dir.to_str().unwrap())];

    let mut run = support::hotnode_with_env(&app, &["--no-cache", "main.ts"], &env);
    run.expect("OUT a 1");
    run.expect("started main.ts");
    drop(run);
    assert!(cache_entries(&cache.dir).is_empty(), "--no-cache writes no entry");

    let mut run = support::hotnode_with_env(&app, &["main.ts"], &env);
    run.expect("OUT a 1");
    run.expect("started main.ts");
    let deadline = Instant::now() + Duration::from_secs(10);
    while cache_entries(&cache.dir).len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(run);
    let entries = cache_entries(&cache.dir);
    assert_eq!(entries.len(), 2, "one entry per module, written once the app has started");

    // A mark in the stored output of a.ts shows that the next start reads it instead of
    // transforming the file again.
    let marked = entries.iter().find(|e| std::fs::read_to_string(e).unwrap().contains("const a = 1")).unwrap();
    let text = std::fs::read_to_string(marked).unwrap();
    std::fs::write(marked, text.replace("const a = 1", "const a = 41")).unwrap();
    let mut run = support::hotnode_with_env(&app, &["main.ts"], &env);
    run.expect("OUT a 41");
    drop(run);

    // A changed file has another key: it is transformed afresh.
    app.write("a.ts", "export const a: number = 2;\n");
    let mut run = support::hotnode_with_env(&app, &["main.ts"], &env);
    run.expect("OUT a 2");
}

#[test]
fn env_files_and_node_options_work_as_with_node() {
    let app = TempApp::new(
        "habits",
        &[
            ("package.json", ESM),
            (".env", "GREETING=from-dotenv\n# a comment\nQUOTED=\"two words\"\n"),
            ("preload.cjs", "console.log('OUT preloaded by NODE_OPTIONS');\n"),
            (
                "main.js",
                "console.log(`OUT env ${process.env.GREETING} ${process.env.QUOTED}`);\nsetInterval(() => {}, 1000);\n",
            ),
        ],
    );
    let preload = app.dir.join("preload.cjs");
    let node_options = format!("--require {}", preload.display());
    let mut run = support::hotnode_with_env(&app, &["--env-file=.env", "main.js"], &[("NODE_OPTIONS", &node_options)]);
    run.expect_each(&["OUT preloaded by NODE_OPTIONS", "OUT env from-dotenv two words"]);
}

#[test]
fn a_node_too_old_or_not_node_at_all_is_a_clear_error() {
    let app = TempApp::new(
        "old-node",
        &[
            ("package.json", ESM),
            ("main.js", "console.log('OUT ran');\nsetInterval(() => {}, 1000);\n"),
            // A node 18 that cannot run the runtime: it ends before saying hello.
            ("node18", "#!/bin/sh\necho v18.19.0\nexit 1\n"),
            // A node 18 that runs it: the runtime's hello gives its version away.
            (
                "fake18.mjs",
                "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '18.20.0' } });\n",
            ),
            ("runs18", "#!/bin/sh\nexec node --import \"$(dirname \"$0\")/fake18.mjs\" \"$@\"\n"),
            ("notnode", "#!/bin/sh\necho hello\n"),
        ],
    );
    for script in ["node18", "runs18", "notnode"] {
        let path = app.dir.join(script);
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    }
    for (node, message) in [
        ("./node18", "hotnode needs Node.js 20 or later; ./node18 is v18.19.0"),
        ("./runs18", "hotnode needs Node.js 20 or later; ./runs18 is v18.20.0"),
        ("./notnode", "./notnode does not look like Node.js"),
        ("./nowhere/node", "cannot run node (./nowhere/node)"),
    ] {
        let mut run = hotnode(&app, &["--node", node, "main.js"]);
        assert_eq!(run.wait_exit(Duration::from_secs(10)), Some(1), "{node}: {}", run.output());
        let output = run.final_output();
        assert!(output.contains(message), "{node}: {output}");
    }
}

#[test]
fn an_import_of_a_package_that_is_not_installed_names_the_package_and_the_importer() {
    let app = TempApp::new(
        "missing-package",
        &[
            ("package.json", ESM),
            ("main.js", "import \"./lib.js\";\nsetInterval(() => {}, 1000);\n"),
            ("lib.js", "import pad from \"left-padx\";\nexport default pad;\n"),
        ],
    );
    let mut run = hotnode(&app, &["main.js"]);
    let line = run.expect("Cannot find package");
    let lib = app.dir.join("lib.js");
    assert_eq!(
        line,
        format!("Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'left-padx' imported from {}", lib.display())
    );
    // Found while loading the graph, before any of it runs: no frame of the app's (node shows
    // only its loader's).
    run.expect("app exited with code 1; waiting for a change");
    assert!(!run.output().contains("registry.mjs"), "no runtime frame: {}", run.output());
    // The fix is a save away.
    app.write("lib.js", "export default (s) => s;\nconsole.log('OUT fixed');\n");
    run.expect("OUT fixed");
}

#[test]
fn an_uncaught_error_at_start_shows_the_typescript_line_in_esm_and_commonjs() {
    let lib = "interface A { x: number }\nconst a: A = { x: 1 };\nexport function boom(): never {\n  throw new Error(\"boom \" + a.x);\n}\n";
    let app = TempApp::new(
        "uncaught-ts",
        &[
            ("package.json", ESM),
            ("lib.ts", lib),
            ("main.ts", "import { boom } from \"./lib.js\";\nboom();\n"),
            ("legacy.cts", &format!("{}boom();\n", lib.replace("export function", "function"))),
        ],
    );
    // An ES module's frames show its URL, a CommonJS module's its path, as node prints them;
    // the caller's column is the callee's, as node places a call.
    for (entry, caller, scheme) in [("main.ts", "main.ts:2:1", "file://"), ("legacy.cts", "legacy.cts:6:1", "")] {
        let file = if entry == "main.ts" { "lib.ts" } else { "legacy.cts" };
        let mut run = hotnode(&app, &[entry]);
        // node's echo of the throwing line is the TypeScript line, then the mapped stack.
        run.expect(&format!("{}:4", app.dir.join(file).display()));
        run.expect("  throw new Error(\"boom \" + a.x);");
        run.expect(&format!("at boom ({scheme}{}:4:9)", app.dir.join(file).display()));
        run.expect(&format!("{scheme}{}", app.dir.join(caller).display()));
        run.expect("app exited with code 1; waiting for a change");
    }
}

#[test]
fn a_syntax_error_fixed_back_to_the_running_code_is_confirmed() {
    let app = TempApp::new(
        "mended",
        &[
            ("package.json", ESM),
            ("main.js", "import './m.js';\nconsole.log('OUT up');\nsetInterval(() => {}, 1000);\n"),
            ("m.js", "export const v = 1;\nimport.meta.hot.accept();\n"),
        ],
    );
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT up");
    app.write("m.js", "export const v = (;\n");
    run.expect("the app keeps running");
    // Back to the code that runs: no update follows, so hotnode says the error is over.
    app.write("m.js", "export const v = 1;\nimport.meta.hot.accept();\n");
    run.expect("m.js is good again");
}
