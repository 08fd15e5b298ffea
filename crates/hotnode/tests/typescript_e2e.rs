//! TypeScript projects as they are: tsconfig `extends`, `baseUrl`, `paths`, `.js` specifiers
//! naming `.ts` files, `.mts`/`.cts`, JSX settings and legacy decorators; and a monorepo whose
//! app imports a workspace package by its source.

mod support;

use std::process::Command;

use support::{TempApp, hotnode};

const MAIN: &str = r#"import { double } from "@lib/math";
import { shout } from "utils/strings";
import { esmOnly } from "./helper.mjs";
import legacy from "./legacy.cjs";
import { render } from "./view.js";
import { describe } from "./decorated.js";

function report(): void {
  console.log(`OUT ${double(2)} ${shout("hi")} ${esmOnly()} ${legacy.version} ${render()} ${describe()}`);
}
report();
setInterval(() => {}, 1000);
import.meta.hot?.accept(["@lib/math", "utils/strings", "./helper.mjs", "./legacy.cjs", "./view.js", "./decorated.js"], report);
"#;

const DECORATED: &str = r#"function tag(label: string) {
  return (target: any) => {
    target.label = label;
  };
}
function upper(_target: object, _key: string, descriptor: PropertyDescriptor): void {
  const original = descriptor.value;
  descriptor.value = function (this: unknown, ...args: unknown[]) {
    return String(original.apply(this, args)).toUpperCase();
  };
}

@tag("svc1")
export class Service {
  @upper
  name(): string {
    return "svc";
  }
}

export function describe(): string {
  return `${(Service as any).label}:${new Service().name()}`;
}
"#;

const VIEW: &str = r#"// The factory named by tsconfig's jsxFactory (classic JSX).
function h(tag: string, _props: unknown, ...children: unknown[]): string {
  return `<${tag}>${children.join("")}</${tag}>`;
}
export const render = (): string => <b>{"bold1"}</b>;
"#;

#[test]
fn a_typescript_project_as_it_is_updates_hot() {
    let app = TempApp::new(
        "ts-project",
        &[
            ("package.json", r#"{ "type": "module" }"#),
            (
                "tsconfig.base.json",
                r#"{ "compilerOptions": { "experimentalDecorators": true, "jsx": "react", "jsxFactory": "h", "strict": true } }"#,
            ),
            (
                "tsconfig.json",
                r#"{
  // tsconfig.json is JSONC: comments and trailing commas are fine.
  "extends": "./tsconfig.base.json",
  "compilerOptions": { "baseUrl": "src", "paths": { "@lib/*": ["lib/*"] }, },
}"#,
            ),
            ("src/main.ts", MAIN),
            ("src/lib/math.ts", "export const double = (n: number): number => n * 2;\n"),
            (
                "src/utils/strings.ts",
                "export function shout(s: string): string {\n  return s.toUpperCase() + \"!\";\n}\n",
            ),
            ("src/helper.mts", "export const esmOnly = (): string => \"mts1\";\n"),
            ("src/legacy.cts", "const version: number = 1;\nexport = { version };\n"),
            ("src/view.tsx", VIEW),
            ("src/decorated.ts", DECORATED),
        ],
    );
    let mut run = hotnode(&app, &["src/main.ts"]);
    run.expect("OUT 4 HI! mts1 1 <b>bold1</b> svc1:SVC");

    let edits: [(&str, &str, &str, &str); 6] = [
        ("src/lib/math.ts", "n * 2", "n * 3", "OUT 6 HI! mts1 1 <b>bold1</b> svc1:SVC"),
        ("src/utils/strings.ts", "\"!\"", "\"?\"", "OUT 6 HI? mts1 1 <b>bold1</b> svc1:SVC"),
        ("src/helper.mts", "mts1", "mts2", "OUT 6 HI? mts2 1 <b>bold1</b> svc1:SVC"),
        ("src/legacy.cts", "= 1", "= 2", "OUT 6 HI? mts2 2 <b>bold1</b> svc1:SVC"),
        ("src/view.tsx", "<b>{\"bold1\"}</b>", "<i>{\"it2\"}</i>", "OUT 6 HI? mts2 2 <i>it2</i> svc1:SVC"),
        ("src/decorated.ts", "svc1", "svc2", "OUT 6 HI? mts2 2 <i>it2</i> svc2:SVC"),
    ];
    for (file, from, to, expected) in edits {
        let source = app.read(file);
        assert!(source.contains(from), "{file}: {from}");
        app.write(file, &source.replace(from, to));
        let name = file.rsplit('/').next().unwrap();
        let changed = format!("{name} changed: re-evaluated 1 module, accepted by src/main.ts");
        run.expect_each(&[&changed, expected]);
    }
}

#[test]
fn a_workspace_package_imported_by_source_updates_hot_across_packages() {
    let app = TempApp::new(
        "monorepo",
        &[
            ("package.json", r#"{ "name": "acme", "private": true, "workspaces": ["packages/*", "apps/*"] }"#),
            ("tsconfig.base.json", r#"{ "compilerOptions": { "strict": true, "module": "NodeNext" } }"#),
            (
                "packages/shared/package.json",
                r#"{ "name": "@acme/shared", "version": "1.0.0", "type": "module", "exports": { ".": "./src/index.ts", "./format": "./src/format.ts" } }"#,
            ),
            ("packages/shared/tsconfig.json", r#"{ "extends": "../../tsconfig.base.json" }"#),
            (
                "packages/shared/src/index.ts",
                "export { format } from \"./format.js\";\nexport const version: string = \"shared1\";\n",
            ),
            ("packages/shared/src/format.ts", "export const format = (s: string): string => `[${s}]`;\n"),
            (
                "apps/api/package.json",
                r#"{ "name": "@acme/api", "version": "1.0.0", "type": "module", "dependencies": { "@acme/shared": "*" } }"#,
            ),
            ("apps/api/tsconfig.json", r#"{ "extends": "../../tsconfig.base.json" }"#),
            (
                "apps/api/src/main.ts",
                "import { format, version } from \"@acme/shared\";\nconst report = () => console.log(\"OUT \" + format(version));\nreport();\nsetInterval(() => {}, 1000);\nimport.meta.hot?.accept(\"@acme/shared\", report);\n",
            ),
        ],
    );
    // npm links the workspace packages into node_modules (no registry needed).
    let npm = Command::new("npm")
        .args(["install", "--offline", "--no-audit", "--no-fund"])
        .current_dir(&app.dir)
        .output()
        .unwrap();
    assert!(npm.status.success(), "{}", String::from_utf8_lossy(&npm.stderr));
    assert!(app.dir.join("node_modules/@acme/shared").is_symlink(), "npm linked the workspace package");

    let mut run = hotnode(&app, &["apps/api/src/main.ts"]);
    run.expect("OUT [shared1]");
    // Through the package's index, and one module further down.
    app.write(
        "packages/shared/src/index.ts",
        "export { format } from \"./format.js\";\nexport const version: string = \"shared2\";\n",
    );
    run.expect_each(&[
        "packages/shared/src/index.ts changed: re-evaluated 1 module, accepted by apps/api/src/main.ts",
        "OUT [shared2]",
    ]);
    app.write("packages/shared/src/format.ts", "export const format = (s: string): string => `<${s}>`;\n");
    run.expect_each(&["packages/shared/src/format.ts changed: re-evaluated 2 modules", "OUT <shared2>"]);
}
