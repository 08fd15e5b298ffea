//! hotnode as a Node developer gets it: the npm packages built by `npm/pack` (the main package
//! `hotnode-hmr` and the platform package holding this machine's binary), installed from their
//! tarballs into an app and run with `npx hotnode`; and the package's types, compiled with tsc.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use support::{TempApp, examples_node_modules, free_port, http_get, repo_root, run_command};

fn run_ok(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{command:?} failed ({}):\n{text}", output.status);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The tarballs `npm/pack` makes of the binary under test: (main, platform).
fn pack(out: &Path) -> (PathBuf, PathBuf) {
    let stdout = run_ok(
        Command::new(repo_root().join("npm/pack")).args(["--binary", env!("CARGO_BIN_EXE_hotnode"), "--out"]).arg(out),
    );
    let tarballs: Vec<PathBuf> = stdout.lines().map(PathBuf::from).collect();
    let [main, platform] = &tarballs[..] else { panic!("npm/pack prints two tarballs:\n{stdout}") };
    for tarball in [main, platform] {
        assert!(tarball.is_file(), "{}", tarball.display());
    }
    assert!(main.file_name().unwrap().to_string_lossy().starts_with("hotnode-hmr-0"), "{}", main.display());
    let platform_name = format!("hotnode-hmr-{}-", platform_of_this_machine());
    assert!(platform.file_name().unwrap().to_string_lossy().starts_with(&platform_name), "{}", platform.display());
    (main.clone(), platform.clone())
}

/// npm's name of this machine's platform, as the platform packages are named.
fn platform_of_this_machine() -> String {
    let os = if cfg!(target_os = "macos") { "darwin" } else { std::env::consts::OS };
    let cpu = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{os}-{cpu}")
}

/// `npm install` of tarballs into `app`, offline: the packages need nothing from the registry
/// (the platform packages of other machines are optional and are left out).
fn npm_install(app: &TempApp, tarballs: &[&Path]) {
    run_ok(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--offline"])
            .args(tarballs)
            .current_dir(&app.dir),
    );
}

#[test]
fn the_packed_tarballs_install_and_npx_hotnode_runs_an_app_with_hot_updates() {
    let app = TempApp::copy_of("npm-app", &support::fixture("hello-server"));
    let packed = TempApp::new("npm-pack", &[]);
    let (main, platform) = pack(&packed.dir);
    npm_install(&app, &[&main, &platform]);
    assert!(app.dir.join("node_modules/.bin/hotnode").exists(), "npm linked the bin");
    for shipped in ["client.d.ts", "hot.d.ts", "README.md", "package.json", "bin/hotnode.js"] {
        assert!(app.dir.join("node_modules/hotnode-hmr").join(shipped).is_file(), "the package ships {shipped}");
    }
    let platform_dir = app.dir.join("node_modules").join(format!("hotnode-hmr-{}", platform_of_this_machine()));
    assert!(platform_dir.join("bin/hotnode").is_file(), "the platform package ships the binary");

    let port = free_port();
    let mut npx = Command::new("npx");
    npx.args(["hotnode", "src/main.ts"]).current_dir(&app.dir).env("PORT", port.to_string());
    let mut run = run_command(npx);
    run.expect_within("listening on", Duration::from_secs(30));
    let before = http_get(port, "/").unwrap();
    assert!(before.contains("Hello, world!"), "{before}");
    app.write("src/greeting.ts", &app.read("src/greeting.ts").replace("Hello", "Hi"));
    run.expect("greeting.ts changed");
    let after = http_get(port, "/").unwrap();
    assert!(after.contains("Hi, world!"), "{after}");
    let pid = |body: &str| -> i32 { body.split("pid ").nth(1).unwrap().trim_end_matches([')', '\n']).parse().unwrap() };
    assert_eq!(pid(&before), pid(&after), "the same process");

    // Ctrl-C in a terminal reaches the whole group: npx, the launcher, hotnode, the app; all
    // end, the app by the one signal (hotnode takes the launcher's copy as the same request).
    run.signal_group(libc::SIGINT);
    assert!(run.wait_end(Duration::from_secs(10)).is_some(), "npx hotnode ends on SIGINT");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while support::process_alive(pid(&after)) {
        assert!(std::time::Instant::now() < deadline, "the app ended with npx");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn without_its_platform_package_the_command_says_what_to_install() {
    let app = TempApp::new("npm-no-platform", &[("package.json", r#"{ "name": "app", "private": true }"#)]);
    let packed = TempApp::new("npm-pack-main", &[]);
    let (main, _) = pack(&packed.dir);
    npm_install(&app, &[&main]);
    let output = Command::new("npx").args(["hotnode", "main.js"]).current_dir(&app.dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let wanted = format!("the package hotnode-hmr-{} is not installed", platform_of_this_machine());
    assert!(stderr.contains(&wanted), "{stderr}");
}

/// A TypeScript project whose `node_modules` holds the package's files as they ship (`npm/`),
/// typescript and @types/node (from the examples' lockfile).
fn types_project(name: &str, files: &[(&str, &str)]) -> TempApp {
    let installed = examples_node_modules();
    let app = TempApp::new(name, files);
    let modules = app.dir.join("node_modules");
    std::fs::create_dir_all(modules.join("@types")).unwrap();
    std::os::unix::fs::symlink(repo_root().join("npm/hotnode-hmr"), modules.join("hotnode-hmr")).unwrap();
    std::os::unix::fs::symlink(installed.join("typescript"), modules.join("typescript")).unwrap();
    std::os::unix::fs::symlink(installed.join("@types/node"), modules.join("@types/node")).unwrap();
    app
}

/// tsc's output and whether it passed.
fn tsc(app: &TempApp, project: &str) -> (bool, String) {
    let output = Command::new("node")
        .arg(app.dir.join("node_modules/typescript/bin/tsc"))
        .args(["-p", project, "--pretty", "false"])
        .current_dir(&app.dir)
        .output()
        .unwrap();
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
}

const ESM_USAGE: &str = r#"/// <reference types="hotnode-hmr/client" />
import type { ModuleNamespace, ViteHotContext, UpdatePayload } from "hotnode-hmr/hot";
import { value } from "./dep.js";

declare module "hotnode-hmr/hot" {
  interface CustomEventMap {
    "cache:flush": { keys: string[] };
  }
}

const hot: ViteHotContext | undefined = import.meta.hot;
export const seen: string[] = [String(value)];

if (import.meta.hot) {
  const data: { count?: number } = import.meta.hot.data;
  data.count = (data.count ?? 0) + 1;
  import.meta.hot.accept();
  import.meta.hot.accept((mod) => seen.push(String(mod?.seen)));
  import.meta.hot.accept("./dep.js", (mod: ModuleNamespace | undefined) => seen.push(String(mod?.value)));
  import.meta.hot.accept(["./dep.js", "./other.js"], ([dep, other]) => seen.push(String(dep?.value), String(other)));
  import.meta.hot.accept("./dep.js", async () => {
    await Promise.resolve();
  });
  import.meta.hot.acceptExports(["seen"], () => {});
  import.meta.hot.acceptExports("seen");
  import.meta.hot.dispose(async (d) => {
    d.saved = seen.length;
  });
  import.meta.hot.prune(() => {});
  import.meta.hot.decline();
  import.meta.hot.invalidate();
  import.meta.hot.invalidate("because");
  const off = import.meta.hot.on("vite:beforeUpdate", (payload: UpdatePayload) => {
    for (const update of payload.updates) seen.push(update.path, update.acceptedPath, update.type);
  });
  off();
  import.meta.hot.on("vite:afterUpdate", (p) => seen.push(String(p.updates.length)));
  import.meta.hot.on("vite:beforePrune", (p) => seen.push(...p.paths));
  import.meta.hot.on("vite:beforeFullReload", (p) => seen.push(p.type, p.path ?? "", p.triggeredBy ?? ""));
  import.meta.hot.on("vite:error", (p) => seen.push(p.err.message, p.err.stack, p.err.frame ?? "", String(p.err.loc?.line)));
  import.meta.hot.on("vite:invalidate", (p) => seen.push(p.path, p.message ?? ""));
  import.meta.hot.on("cache:flush", (p) => seen.push(...p.keys));
  import.meta.hot.send("cache:flush", { keys: ["a"] });
  import.meta.hot.off("cache:flush", () => {});
  import.meta.hot.on("my:untyped", (anything) => seen.push(anything.whatever));
}
import.meta.dynoHot?.accept();
import.meta.webpackHot?.accept("./dep.js", (ids) => seen.push(String(ids[0])));
void hot;
"#;

const CJS_USAGE: &str = r#"/// <reference types="hotnode-hmr/client" />
import type { ApplyOptions, HotStatus, ModuleId } from "hotnode-hmr/hot";

const log: string[] = [];
if (module.hot) {
  const active: boolean = module.hot.active;
  const data: { count?: number } | undefined = module.hot.data;
  log.push(String(active), String(data?.count));
  module.hot.accept();
  module.hot.accept((err, { moduleId }) => log.push(err.message, String(moduleId)));
  module.hot.accept("./dep", (outdated: ModuleId[]) => log.push(...outdated.map(String)));
  module.hot.accept(["./dep", "./other"], () => {}, (err, { moduleId, dependencyId }) => log.push(err.message, String(moduleId), String(dependencyId)));
  module.hot.decline();
  module.hot.decline("./dep");
  module.hot.decline(["./dep", "./other"]);
  const handler = (d: any) => {
    d.count = 1;
  };
  module.hot.dispose(handler);
  module.hot.addDisposeHandler(handler);
  module.hot.removeDisposeHandler(handler);
  module.hot.invalidate();
  const status: HotStatus = module.hot.status();
  module.hot.status((s) => log.push(s));
  const onStatus = async (s: HotStatus) => {
    log.push(s);
  };
  module.hot.addStatusHandler(onStatus);
  module.hot.removeStatusHandler(onStatus);
  const options: ApplyOptions = {
    ignoreUnaccepted: true,
    ignoreDeclined: true,
    ignoreErrored: true,
    onAccepted: (e) => log.push(e.type, String(e.moduleId), ...e.outdatedModules.map(String), ...Object.keys(e.outdatedDependencies)),
    onDeclined: (e) => log.push(e.type, String(e.parentId), ...e.chain.map(String)),
    onUnaccepted: (e) => log.push(e.type, ...e.chain.map(String)),
    onDisposed: (e) => log.push(e.type, String(e.moduleId)),
    onErrored: (e) => {
      log.push(e.type, e.error.message);
      if (e.type === "accept-errored") log.push(String(e.dependencyId));
      if (e.type === "self-accept-error-handler-errored") log.push(e.originalError.message);
    },
  };
  void module.hot.check(true).then((ids: ModuleId[] | null) => log.push(String(ids?.length)));
  void module.hot.check().then(() => module.hot!.apply(options)).then((ids) => log.push(String(ids.length)));
  log.push(status);
}
export { log };
"#;

const TSCONFIG: &str = r#"{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "noEmit": true,
    "types": ["node"]
  },
  "include": ["src"]
}"#;

#[test]
fn the_types_cover_both_apis_and_reject_wrong_use() {
    let app = types_project(
        "types",
        &[
            ("package.json", r#"{ "type": "module" }"#),
            ("tsconfig.json", TSCONFIG),
            ("src/main.ts", ESM_USAGE),
            ("src/dep.ts", "export const value = 1;\n"),
            ("src/other.ts", "export const other = 2;\n"),
            ("src/legacy.cts", CJS_USAGE),
        ],
    );
    let (ok, output) = tsc(&app, "tsconfig.json");
    assert!(ok, "the usage files compile:\n{output}");

    // The test can fail: each wrong use, in a file of its own, is an error in that file.
    let wrong = [
        ("wrong-accept.ts", "import.meta.hot?.accept(42);"),
        ("wrong-payload.ts", "import.meta.hot?.on(\"vite:beforePrune\", (p) => p.updates);"),
        ("wrong-custom.ts", "import \"./main.js\";\nimport.meta.hot?.send(\"cache:flush\", { keys: 1 });"),
        ("wrong-status.cts", "const s: \"busy\" = module.hot!.status();"),
        ("wrong-handler.cts", "module.hot?.accept(\"./dep\", () => {}, 7);"),
    ];
    for (file, line) in wrong {
        app.write(&format!("src/{file}"), &format!("{line}\nexport {{}};\n"));
    }
    let (ok, output) = tsc(&app, "tsconfig.json");
    assert!(!ok, "wrong uses should not compile");
    for (file, line) in wrong {
        assert!(output.contains(&format!("src/{file}(")), "{line:?} should be an error:\n{output}");
    }
    assert!(!output.contains("src/main.ts(") && !output.contains("src/legacy.cts("), "{output}");
}

#[test]
fn the_types_need_no_node_types_and_go_in_tsconfig_types_too() {
    let app = types_project(
        "types-bare",
        &[
            ("package.json", r#"{ "type": "module" }"#),
            (
                "tsconfig.json",
                r#"{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true, "noEmit": true, "types": ["hotnode-hmr/client"] }, "include": ["src"] }"#,
            ),
            (
                "src/main.ts",
                "import.meta.hot?.accept(\"./dep.js\", (mod) => { void mod?.value; });\nimport.meta.hot?.dispose((data) => { data.x = 1; });\nexport {};\n",
            ),
            ("src/dep.ts", "export const value = 1;\n"),
            ("src/legacy.cts", "module.hot?.accept();\nmodule.hot?.dispose((data) => { data.x = 1; });\n"),
        ],
    );
    let (ok, output) = tsc(&app, "tsconfig.json");
    assert!(ok, "compiles with only hotnode-hmr/client in types:\n{output}");
}
