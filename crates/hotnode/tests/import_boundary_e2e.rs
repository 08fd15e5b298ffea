//! hot-hook's API: a module the app imports with `import(x, import.meta.hot?.boundary)` takes an
//! edit with no accept code anywhere (its next `import()` runs the new code, in the same process,
//! and the update line says so); package.json's `hotHook` boundaries and restart files; a package
//! that asks for `import.meta.hot`; the messages to a parent listening over IPC.

mod support;

use support::{TempApp, body_with, free_port, hotnode_with_env};

#[test]
fn a_module_imported_as_a_boundary_runs_its_new_code_at_the_next_import() {
    let app = TempApp::new(
        "import-boundary",
        &[
            ("package.json", r#"{ "type": "module" }"#),
            (
                "main.js",
                "import http from 'node:http';\nconst server = http.createServer(async (req, res) => {\n  const { handle } = await import('./handler.js', import.meta.hot?.boundary);\n  const { extra } = await import('./extra.js', { with: { hot: 'true' } });\n  res.end(`${handle()} ${extra} pid ${process.pid}`);\n});\nserver.listen(Number(process.env.PORT), () => console.log('LISTENING'));\n",
            ),
            ("handler.js", "import { word } from './word.js';\nexport function handle() { return `hello ${word}`; }\n"),
            ("word.js", "export const word = 'world';\n"),
            ("extra.js", "export const extra = 'x1';\n"),
        ],
    );
    let port = free_port();
    let mut run = hotnode_with_env(&app, &["main.js"], &[("PORT", &port.to_string())]);
    run.expect("LISTENING");
    let first = body_with(port, "/", "hello world x1");
    let pid = first.split_whitespace().last().unwrap().to_string();

    app.write("handler.js", "import { word } from './word.js';\nexport function handle() { return `hi ${word}`; }\n");
    let line = run.expect("handler.js changed");
    assert!(line.contains("the next import() of handler.js runs the new code"), "{line}");
    assert!(body_with(port, "/", "hi world x1").ends_with(&pid), "the same process");

    // A module below the boundary: re-evaluated, and the boundary imported afresh.
    app.write("word.js", "export const word = 'there';\n");
    run.expect("word.js changed");
    assert!(body_with(port, "/", "hi there x1").ends_with(&pid));

    // The attribute written out, as hot-hook's users may.
    app.write("extra.js", "export const extra = 'x2';\n");
    run.expect("extra.js changed");
    assert!(body_with(port, "/", "hi there x2").ends_with(&pid));
    assert!(!run.output().contains("starting the app again"), "no restart:\n{}", run.output());
}

#[test]
fn package_json_hot_hook_boundaries_make_a_plain_import_a_boundary() {
    // As AdonisJS lists its controllers: `"hotHook": { "boundaries": [...] }`; the app's import()
    // carries no marker.
    let app = TempApp::new(
        "hot-hook-config",
        &[
            ("package.json", r#"{ "type": "module", "hotHook": { "boundaries": ["./app/controllers/**/*.js"] } }"#),
            (
                "main.js",
                "import http from 'node:http';\nconst server = http.createServer(async (req, res) => {\n  const { default: Users } = await import('./app/controllers/users.js');\n  res.end(`${new Users().index()} pid ${process.pid}`);\n});\nserver.listen(Number(process.env.PORT), () => console.log('LISTENING'));\n",
            ),
            ("app/controllers/users.js", "export default class Users { index() { return 'users v1'; } }\n"),
        ],
    );
    let port = free_port();
    let mut run = hotnode_with_env(&app, &["main.js"], &[("PORT", &port.to_string())]);
    run.expect("LISTENING");
    let pid = body_with(port, "/", "users v1").split_whitespace().last().unwrap().to_string();
    app.write("app/controllers/users.js", "export default class Users { index() { return 'users v2'; } }\n");
    let line = run.expect("users.js changed");
    assert!(line.contains("the next import() of app/controllers/users.js runs the new code"), "{line}");
    assert!(body_with(port, "/", "users v2").ends_with(&pid), "the same process");
}

#[test]
fn a_package_that_asks_for_import_meta_hot_gets_one_and_re_imports_as_under_hot_hook() {
    // AdonisJS's container (@adonisjs/fold) keeps a controller it imported unless `"hot" in
    // import.meta` in its own module, as under hot-hook's loader, which gives packages one too.
    let app = TempApp::new(
        "package-hot",
        &[
            ("package.json", r#"{ "type": "module", "hotHook": { "boundaries": ["./controllers/*.js"] } }"#),
            ("node_modules/container/package.json", r#"{ "name": "container", "type": "module", "main": "index.js" }"#),
            (
                "node_modules/container/index.js",
                "export function lazy(importFn) {\n  let cached = null;\n  return async () => {\n    if (!cached || \"hot\" in import.meta) cached = (await importFn()).default;\n    return cached;\n  };\n}\nexport const sees = typeof import.meta.hot?.boundary;\n",
            ),
            ("node_modules/plain/package.json", r#"{ "name": "plain", "type": "module", "main": "index.js" }"#),
            ("node_modules/plain/index.js", "export const hot = typeof import.meta.hot;\n"),
            (
                "main.js",
                "import http from 'node:http';\nimport { lazy, sees } from 'container';\nimport { hot } from 'plain';\nconst users = lazy(() => import('./controllers/users.js'));\nconst server = http.createServer(async (req, res) => {\n  const Users = await users();\n  res.end(`${new Users().index()} ${sees} ${hot} pid ${process.pid}`);\n});\nserver.listen(Number(process.env.PORT), () => console.log('LISTENING'));\n",
            ),
            ("controllers/users.js", "export default class Users { index() { return 'users v1'; } }\n"),
        ],
    );
    let port = free_port();
    let mut run = hotnode_with_env(&app, &["main.js"], &[("PORT", &port.to_string())]);
    run.expect("LISTENING");
    // Only a package that asks whether it has one has one.
    let pid = body_with(port, "/", "users v1 object undefined").split_whitespace().last().unwrap().to_string();
    app.write(
        "controllers/users.js",
        "import { hot } from 'plain';\nexport default class Users { index() { return `users v2 ${hot}`; } }\n",
    );
    run.expect("users.js changed");
    assert!(body_with(port, "/", "users v2 undefined").ends_with(&pid), "the same process");
}

#[test]
fn a_parent_listening_over_ipc_hears_hot_hooks_messages() {
    // hot-hook's runner (and AdonisJS's dev server) fork the app with an IPC channel and listen
    // for `hot-hook:invalidated` and `hot-hook:full-reload`; run under hotnode, the app still
    // tells them.
    let app = TempApp::new(
        "hot-hook-ipc",
        &[
            ("package.json", r#"{ "type": "module" }"#),
            (
                "main.js",
                "import './handler.js';\nimport { top } from './other.js';\nconsole.log('APP ' + top);\nsetInterval(() => {}, 1 << 30);\n",
            ),
            ("handler.js", "console.log('HANDLER h1');\nimport.meta.hot.accept();\n"),
            ("other.js", "export const top = 1;\n"),
            (
                "parent.cjs",
                "const { spawn } = require('node:child_process');\nconst child = spawn(process.env.HOTNODE, ['main.js'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });\nchild.on('message', (m) => console.log('PARENT GOT ' + m.type + ' ' + JSON.stringify(m.paths ?? [m.path]).replaceAll(process.cwd(), '.')));\n",
            ),
        ],
    );
    let mut command = std::process::Command::new("node");
    command.arg("parent.cjs").current_dir(&app.dir).env("HOTNODE", env!("CARGO_BIN_EXE_hotnode"));
    let mut run = support::run_command(command);
    run.expect("APP 1");
    // A hot update: the parent hears which file was replaced.
    app.write("handler.js", "console.log('HANDLER h2');\nimport.meta.hot.accept();\n");
    run.expect("HANDLER h2");
    run.expect(r#"PARENT GOT hot-hook:invalidated ["./handler.js"]"#);
    // An edit nothing takes: the app restarts, and the parent hears why.
    app.write("other.js", "export const top = 2;\n");
    run.expect(r#"PARENT GOT hot-hook:full-reload ["./other.js"]"#);
    run.expect("APP 2");
}

#[test]
fn hot_hooks_restart_files_restart_the_app_when_they_change() {
    // Files the app reads, not imports: a change of one restarts it (`.env` when `hotHook` does
    // not say, as in hot-hook).
    let app = TempApp::new(
        "hot-hook-restart",
        &[
            ("package.json", r#"{ "type": "module", "hotHook": { "restart": ["config/*.json", ".env"] } }"#),
            (
                "main.js",
                "import fs from 'node:fs';\nconst config = JSON.parse(fs.readFileSync('config/app.json', 'utf8'));\nconst env = fs.readFileSync('.env', 'utf8').trim();\nconsole.log(`APP ${config.name} ${env}`);\nsetInterval(() => {}, 1 << 30);\n",
            ),
            ("config/app.json", r#"{ "name": "first" }"#),
            (".env", "MODE=a\n"),
        ],
    );
    let mut run = support::hotnode(&app, &["main.js"]);
    run.expect("APP first MODE=a");
    app.write("config/app.json", r#"{ "name": "second" }"#);
    run.expect("restarting: config/app.json changed");
    run.expect("APP second MODE=a");
    app.write(".env", "MODE=b\n");
    run.expect("APP second MODE=b");
}
