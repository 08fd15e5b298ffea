//! App files reached through node's own loaders (a package's `import()` and `require()`, a
//! worker thread, a package's script as the entry) are hotnode's hot instances.

mod support;

use support::{TempApp, hotnode};

const LOADER: (&str, &str) = ("node_modules/loader/package.json", r#"{ "name": "loader", "main": "index.js" }"#);
const LOADER_CODE: (&str, &str) = (
    "node_modules/loader/index.js",
    "const { pathToFileURL } = require('node:url');\nexports.importFile = (file) => import(pathToFileURL(file).href);\nexports.requireFile = (file) => require(file);\n",
);

#[test]
fn a_module_a_package_imports_is_hot_where_it_accepts_and_restarts_the_app_where_it_does_not() {
    let app = TempApp::new(
        "package-imports",
        &[
            ("package.json", r#"{ "type": "module" }"#),
            LOADER,
            LOADER_CODE,
            (
                "main.ts",
                "import { importFile, requireFile } from 'loader';\nconst routes = await importFile(new URL('./routes.ts', import.meta.url).pathname);\nconst legacy = requireFile(new URL('./legacy.cts', import.meta.url).pathname);\nconsole.log('OUT boot ' + routes.hello() + ' ' + legacy.kind);\nsetInterval(() => console.log('OUT now ' + routes.hello()), 200);\n",
            ),
            ("routes.ts", "export const hello = (): string => 'one';\nimport.meta.hot?.accept();\n"),
            ("legacy.cts", "exports.kind = 'cjs' as string;\n"),
        ],
    );
    let mut run = hotnode(&app, &["main.ts"]);
    run.expect("OUT boot one cjs");
    // It accepts itself: the package's binding of it takes the new version, no restart.
    app.write("routes.ts", "export const hello = (): string => 'two';\nimport.meta.hot?.accept();\n");
    run.expect("routes.ts changed: re-evaluated 1 module");
    run.expect("OUT now two");
    app.write("legacy.cts", "exports.kind = 'cjs v2' as string;\n");
    run.expect("restarting: no module accepts the update (legacy.cts)");
    run.expect("OUT boot two cjs v2");
    assert!(!run.output().contains("restarting: no module accepts the update (routes.ts)"));
}

#[test]
fn a_typescript_worker_thread_runs_under_hotnode_and_a_change_it_cannot_take_restarts_the_app() {
    let app = TempApp::new(
        "worker-thread",
        &[
            ("package.json", r#"{ "type": "module" }"#),
            (
                "main.ts",
                "import { Worker } from 'node:worker_threads';\nconst worker = new Worker(new URL('./worker.ts', import.meta.url), { workerData: 20 });\nworker.on('message', (m: string) => console.log('OUT worker says ' + m));\nsetInterval(() => {}, 1000);\n",
            ),
            (
                "worker.ts",
                "import { parentPort, workerData } from 'node:worker_threads';\nimport { twice } from './math.ts';\nparentPort!.postMessage(String(twice(workerData as number)));\nsetInterval(() => {}, 1000);\n",
            ),
            ("math.ts", "export const twice = (n: number): number => n * 2;\n"),
        ],
    );
    let mut run = hotnode(&app, &["main.ts"]);
    run.expect("OUT worker says 40");
    app.write("math.ts", "export const twice = (n: number): number => n * 3;\n");
    run.expect("restarting: no module accepts the update (math.ts -> worker.ts) in worker thread");
    run.expect("OUT worker says 60");
}

#[test]
fn a_packages_script_as_the_entry_is_node_s_main_module_and_the_app_file_it_loads_is_hot() {
    let app = TempApp::new(
        "package-script",
        &[
            ("package.json", r#"{ "type": "commonjs" }"#),
            ("node_modules/cli/package.json", r#"{ "name": "cli", "bin": "cli.js" }"#),
            (
                "node_modules/cli/cli.js",
                "#!/usr/bin/env node\nconst path = require('node:path');\nconsole.log('OUT main ' + (require.main === module));\nconst app = require(path.resolve(process.argv[2]));\nconsole.log('OUT app ' + app.name);\nsetInterval(() => {}, 1000);\n",
            ),
            ("app.ts", "export const name: string = 'first';\n"),
        ],
    );
    let mut run = hotnode(&app, &["node_modules/cli/cli.js", "app.ts"]);
    run.expect("OUT main true");
    run.expect("OUT app first");
    app.write("app.ts", "export const name: string = 'second';\n");
    run.expect("restarting: no module accepts the update (app.ts)");
    run.expect("OUT app second");
}

#[test]
fn a_file_a_hook_of_the_apps_loads_is_watched_and_its_change_restarts_the_app() {
    let app = TempApp::new(
        "app-hooks",
        &[
            ("package.json", r#"{ "type": "module" }"#),
            (
                "hooks.js",
                "import module from 'node:module';\nconst source = `import { readFileSync } from 'node:fs'; import { fileURLToPath } from 'node:url';\nexport async function load(url, context, next) {\n  if (url.endsWith('.txt')) return { format: 'module', source: 'export default ' + JSON.stringify(readFileSync(fileURLToPath(url), 'utf8').trim()), shortCircuit: true };\n  return next(url, context);\n}`;\nmodule.register('data:text/javascript,' + encodeURIComponent(source));\n",
            ),
            (
                "main.js",
                "import './hooks.js';\nconst { default: text } = await import('./note.txt');\nconsole.log('OUT note ' + text);\nsetInterval(() => {}, 1000);\n",
            ),
            ("note.txt", "first\n"),
        ],
    );
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT note first");
    run.expect("note.txt was loaded by node's loader (a module hook the app registered)");
    app.write("note.txt", "second\n");
    run.expect("note.txt changed (node loaded it, not hotnode)");
    run.expect("OUT note second");
}
