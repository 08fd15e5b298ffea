//! CommonJS apps end to end: TypeScript compiled as CommonJS (`import`/`export` in a
//! CommonJS-format file) with the NestJS HMR recipe, requires hotnode cannot know in advance,
//! and the terminal lines of the webpack face.

mod support;

use support::{TempApp, hotnode};

/// `"module": "commonjs"` and no `"type"`: `.ts` files are CommonJS, as in every NestJS app.
const TSCONFIG_COMMONJS: &str =
    r#"{ "compilerOptions": { "module": "commonjs", "target": "es2021", "esModuleInterop": true } }"#;

#[test]
fn the_nestjs_recipe_rebootstraps_a_commonjs_typescript_server_in_process() {
    let app = TempApp::new(
        "nest-recipe",
        &[
            ("package.json", r#"{ "name": "nest-recipe", "private": true }"#),
            ("tsconfig.json", TSCONFIG_COMMONJS),
            (
                "src/main.ts",
                r#"import http from "node:http";
import { greeting } from "./greeting";
declare const module: any;

async function bootstrap() {
  const app = http.createServer((_req, res) => res.end(greeting()));
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", () => resolve()));
  console.log(`OUT serving ${greeting()} pid=${process.pid}`);
  if (module.hot) {
    module.hot.accept();
    module.hot.dispose(() => {
      app.close();
      console.log("OUT closed");
    });
  }
}
bootstrap();
"#,
            ),
            ("src/greeting.ts", "export const greeting = (): string => \"hello\";\n"),
        ],
    );
    let mut run = hotnode(&app, &["src/main.ts"]);
    let first = run.expect("OUT serving hello");
    let pid = first.split("pid=").nth(1).unwrap().to_string();
    app.write("src/greeting.ts", "export const greeting = (): string => \"bonjour\";\n");
    run.expect_each(&["OUT closed", &format!("OUT serving bonjour pid={pid}"), "greeting.ts changed"]);
    let output = run.output();
    assert!(output.find("OUT closed") < output.find("OUT serving bonjour"), "dispose ran before the new bootstrap");
}

#[test]
fn a_computed_require_of_a_module_hotnode_sent_is_hot_and_any_other_still_loads() {
    let app = TempApp::new(
        "computed-require",
        &[
            ("package.json", r#"{ "name": "computed-require", "private": true }"#),
            (
                "main.js",
                r#"const plugins = ["./a", "./b"];
require("./a"); // a is also named statically, so hotnode sent it
const loaded = plugins.map((p) => require(p));
console.log("OUT boot " + loaded.join(","));
setInterval(() => {}, 1000);
module.hot.accept(["./a"], () => console.log("OUT a now " + require(plugins[0])));
"#,
            ),
            ("a.js", "module.exports = 'a1';\n"),
            ("b.js", "module.exports = 'b1';\n"),
        ],
    );
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT boot a1,b1");
    app.write("a.js", "module.exports = 'a2';\n");
    run.expect("OUT a now a2");
}

#[test]
fn an_abort_in_auto_mode_restarts_and_says_why() {
    let app = TempApp::new(
        "cjs-decline",
        &[
            ("package.json", r#"{ "name": "cjs-decline", "private": true }"#),
            (
                "main.js",
                "const db = require('./db');\nmodule.hot.decline('./db');\nconsole.log('OUT boot ' + db.url);\nsetInterval(() => {}, 1000);\n",
            ),
            ("db.js", "exports.url = 'pg://one';\n"),
        ],
    );
    let mut run = hotnode(&app, &["main.js"]);
    run.expect("OUT boot pg://one");
    app.write("db.js", "exports.url = 'pg://two';\n");
    run.expect("restarting: main.js declined updates of db.js");
    run.expect("OUT boot pg://two");
}
