//! Resolution and watching never go stale: an import written before its file, a package
//! installed after hotnode said it is missing, a folder deleted and made again.

mod support;

use support::{TempApp, hotnode};

const ESM: &str = r#"{ "type": "module" }"#;
const MAIN: &str = "import { routes } from './routes.js';\nconsole.log('OUT boot ' + routes());\nsetInterval(() => {}, 1000);\nimport.meta.hot.accept('./routes.js', (m) => console.log('OUT routes ' + m.routes()));\n";

#[test]
fn an_import_written_before_its_file_in_a_new_folder_applies_once_the_file_is_there() {
    let app = TempApp::new(
        "import-first",
        &[("package.json", ESM), ("main.js", MAIN), ("routes.js", "export const routes = () => 'none';\n")],
    );
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT boot none");
    // The usual order: the import first, then the file, in a folder that does not exist yet.
    app.write("routes.js", "import { users } from './users/handler.js';\nexport const routes = () => users;\n");
    run.expect("Cannot find module");
    app.write("users/handler.js", "export const users = 'users v1';\n");
    run.expect("OUT routes users v1");
    app.write("users/handler.js", "export const users = 'users v2';\n");
    run.expect("OUT routes users v2");
}

#[test]
fn a_package_installed_after_it_was_missing_applies() {
    let app = TempApp::new(
        "install-later",
        &[("package.json", ESM), ("main.js", MAIN), ("routes.js", "export const routes = () => 'none';\n")],
    );
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT boot none");
    app.write("routes.js", "import pad from 'left-pad-later';\nexport const routes = () => pad('x');\n");
    run.expect("Cannot find package 'left-pad-later'");
    app.write("node_modules/left-pad-later/package.json", r#"{ "name": "left-pad-later", "main": "index.js" }"#);
    app.write("node_modules/left-pad-later/index.js", "module.exports = (s) => '  ' + s;\n");
    run.expect("OUT routes   x");
}

#[test]
fn a_folder_deleted_and_made_again_is_watched_again() {
    let app = TempApp::new(
        "folder-again",
        &[
            ("package.json", ESM),
            ("main.js", MAIN),
            ("routes.js", "import { feature } from './feature/index.js';\nexport const routes = () => feature;\n"),
            ("feature/index.js", "export const feature = 'feature v1';\n"),
        ],
    );
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT boot feature v1");
    // A `git checkout` of a branch without the folder, and back, with other content.
    std::fs::remove_dir_all(app.dir.join("feature")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    app.write("feature/index.js", "export const feature = 'feature v2';\n");
    run.expect("OUT routes feature v2");
    // Its next save is seen too.
    app.write("feature/index.js", "export const feature = 'feature v3';\n");
    run.expect("OUT routes feature v3");
}

#[test]
fn a_change_of_tsconfig_or_package_json_or_an_env_file_restarts_the_app_with_it_applied() {
    let app = TempApp::new(
        "configs",
        &[
            ("package.json", r##"{ "type": "module", "imports": { "#flag": "./flag-a.ts" } }"##),
            ("tsconfig.json", r#"{ "extends": "./tsconfig.base.json" }"#),
            ("tsconfig.base.json", r#"{ "compilerOptions": { "paths": { "@cfg": ["./cfg-a.ts"] } } }"#),
            ("cfg-a.ts", "export const cfg: string = 'cfg a';\n"),
            ("cfg-b.ts", "export const cfg: string = 'cfg b';\n"),
            ("flag-a.ts", "export const flag: string = 'flag a';\n"),
            ("flag-b.ts", "export const flag: string = 'flag b';\n"),
            (".env", "GREETING=hello\n"),
            (
                "main.ts",
                "import { cfg } from '@cfg';\nimport { flag } from '#flag';\nconsole.log(`OUT ${cfg} ${flag} ${process.env.GREETING}`);\nsetInterval(() => {}, 1000);\n",
            ),
        ],
    );
    let mut run = hotnode(&app, &["--env-file=.env", "main.ts"]);
    run.expect("OUT cfg a flag a hello");
    // What the root tsconfig extends, by a relative path.
    app.write("tsconfig.base.json", r#"{ "compilerOptions": { "paths": { "@cfg": ["./cfg-b.ts"] } } }"#);
    run.expect("restarting: tsconfig.base.json changed (it decides how modules load)");
    run.expect("OUT cfg b flag a hello");
    app.write("package.json", r##"{ "type": "module", "imports": { "#flag": "./flag-b.ts" } }"##);
    run.expect("restarting: package.json changed (it decides how modules load)");
    run.expect("OUT cfg b flag b hello");
    app.write(".env", "GREETING=hi\n");
    run.expect("restarting: .env changed (it decides how modules load)");
    run.expect("OUT cfg b flag b hi");
}

/// An app whose `config.js` is a link to `config.dev.js` (or `config.prod.js`); `main.js`
/// imports it (and `imports`) and prints `OUT config <which>`.
fn linked_config_app(name: &str, imports: &str, more: &[(&str, &str)]) -> TempApp {
    let main = format!(
        "import {{ config }} from './config.js';\n{imports}console.log('OUT config ' + config);\nsetInterval(() => {{}}, 1000);\n"
    );
    let mut files = vec![
        ("package.json", ESM),
        ("config.dev.js", "export const config = 'dev';\n"),
        ("config.prod.js", "export const config = 'prod';\n"),
        ("main.js", main.as_str()),
    ];
    files.extend_from_slice(more);
    let app = TempApp::new(name, &files);
    std::os::unix::fs::symlink("config.dev.js", app.dir.join("config.js")).unwrap();
    app
}

/// `ln -sfn target config.js`: the link removed and made again.
fn switch_link(app: &TempApp, target: &str) {
    let link = app.dir.join("config.js");
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(target, &link).unwrap();
}

#[test]
fn a_switched_symbolic_link_loads_what_it_names_now() {
    let app = linked_config_app("symlink", "", &[]);
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT config dev");
    switch_link(&app, "config.prod.js");
    run.expect("config.js changed (a symbolic link: what it names now loads)");
    run.expect("OUT config prod");
}

#[test]
fn a_link_switched_back_while_the_app_restarts_for_its_first_switch_restarts_it_again() {
    let app = linked_config_app("symlink-twice", "", &[]);
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT config dev");
    switch_link(&app, "config.prod.js");
    run.expect("config.js changed (a symbolic link: what it names now loads)");
    // Switched back while the restart is under way: before its new process has asked for any
    // module (hotnode forgot the old ones, so no module named the link at that moment).
    switch_link(&app, "config.dev.js");
    run.expect("OUT config dev");
}

#[test]
fn a_link_switched_while_hotnode_reads_a_saved_module_restarts_the_app() {
    // A module large enough that reading and transforming its save takes a while: the link's
    // events come while it is read (they once joined that batch as a file no module is, and the
    // switch was lost).
    let big: String = (0..20_000).map(|i| format!("export function f{i}(a) {{ return a + {i}; }}\n")).collect();
    let app = linked_config_app("symlink-in-window", "import './big.js';\n", &[("big.js", &big)]);
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT config dev");
    app.write("big.js", &format!("{big}export const edited = 1;\n"));
    std::thread::sleep(std::time::Duration::from_millis(5));
    switch_link(&app, "config.prod.js");
    run.expect("OUT config prod");
}

#[test]
fn a_deleted_file_is_reported_only_when_a_running_process_holds_it() {
    let app = TempApp::new(
        "deleted-words",
        &[
            ("package.json", ESM),
            (
                "main.js",
                "import './old.js';\nimport './kept.js';\nconsole.log('OUT v1');\nsetInterval(() => {}, 1000);\n",
            ),
            ("old.js", "export {};\n"),
            ("kept.js", "export {};\n"),
        ],
    );
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT v1");
    // The entry changes (a restart) and no longer imports old.js: the new process never loads it.
    app.write("main.js", "import './kept.js';\nconsole.log('OUT v2');\nsetInterval(() => {}, 1000);\n");
    run.expect("OUT v2");
    std::fs::remove_file(app.dir.join("old.js")).unwrap();
    std::fs::remove_file(app.dir.join("kept.js")).unwrap();
    run.expect("kept.js was deleted");
    // Both would be said in the same moment: a little while for the output to come through.
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!run.output().contains("old.js was deleted"), "{}", run.output());
}
