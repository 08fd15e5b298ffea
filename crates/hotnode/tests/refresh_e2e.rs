//! Refresh: in an app with no accept code, an edit that changes only function bodies applies in
//! the same process (the functions the app registered run the new code, its state stays); an
//! edit that changes more, or changes a function that ran while the app started, restarts and
//! says why; `--no-refresh` restarts.

mod support;

use support::{TempApp, body_with, free_port, hotnode_with_env};

fn pid_of(body: &str) -> String {
    body.split_whitespace().last().unwrap().to_string()
}

/// A server with no HMR code: routes registered at start from a routes module, a service class
/// whose one instance is made at start, and a counter in the entry's scope.
fn unmodified_server(name: &str) -> TempApp {
    TempApp::new(
        name,
        &[
            ("package.json", r#"{ "type": "module" }"#),
            (
                "main.js",
                "import http from 'node:http';\nimport { routes, setup } from './routes.js';\nlet hits = 0;\nconst table = new Map();\nsetup(table);\nconst server = http.createServer((req, res) => {\n  hits++;\n  const route = table.get(req.url) ?? routes.missing;\n  res.end(`${route(req)} #${hits} pid ${process.pid}`);\n});\nserver.listen(Number(process.env.PORT), () => console.log('LISTENING'));\n",
            ),
            (
                "routes.js",
                "import { Users } from './users.js';\nconst users = new Users();\nexport const routes = {\n  list(req) { return users.all().join(','); },\n  missing: (req) => 'no route ' + req.url,\n};\nexport function setup(table) {\n  table.set('/users', routes.list);\n}\n",
            ),
            (
                "users.js",
                "export class Users {\n  constructor() { this.names = ['ann']; }\n  all() { return this.names; }\n}\n",
            ),
        ],
    )
}

#[test]
fn a_handler_a_method_and_a_class_method_take_new_bodies_in_the_running_app() {
    let app = unmodified_server("refresh-bodies");
    let port = free_port();
    let mut run = hotnode_with_env(&app, &["main.js"], &[("PORT", &port.to_string())]);
    run.expect("LISTENING");
    let pid = pid_of(&body_with(port, "/users", "ann #1"));

    // An object's method, registered at start by reference: the registered one runs the new body.
    app.write("routes.js", &app.read("routes.js").replace("join(',')", "join(' + ')"));
    let line = run.expect("routes.js changed");
    assert!(line.contains("refreshed 1 function"), "{line}");
    let body = body_with(port, "/users", "ann #2");
    assert_eq!(pid_of(&body), pid, "the same process");

    // A class method: the instance made at start runs the new body, and keeps its fields.
    app.write(
        "users.js",
        &app.read("users.js").replace("return this.names;", "return this.names.map((n) => n.toUpperCase());"),
    );
    run.expect("users.js changed");
    assert_eq!(pid_of(&body_with(port, "/users", "ANN #3")), pid);

    // An arrow function in the entry's own server callback: the counter in its scope goes on.
    app.write("main.js", &app.read("main.js").replace("`${route(req)} #${hits}", "`${route(req)} hit ${hits}"));
    run.expect("main.js changed");
    assert_eq!(pid_of(&body_with(port, "/users", "ANN hit 4")), pid);

    assert!(!run.output().contains("restarting"), "no restart:\n{}", run.output());
}

#[test]
fn an_edit_of_what_ran_at_start_or_outside_bodies_restarts_and_says_why() {
    let app = unmodified_server("refresh-restarts");
    let port = free_port();
    let mut run = hotnode_with_env(&app, &["main.js"], &[("PORT", &port.to_string())]);
    run.expect("LISTENING");
    let first = pid_of(&body_with(port, "/users", "ann #1"));

    // setup() ran while the app started: a new body would not redo what it did.
    app.write(
        "routes.js",
        &app.read("routes.js").replace("table.set('/users', routes.list);", "table.set('/people', routes.list);"),
    );
    let line = run.expect("restarting");
    assert!(line.contains("function setup ran while the app started"), "{line}");
    run.expect("LISTENING");
    let second = pid_of(&body_with(port, "/people", "ann #1"));
    assert_ne!(second, first, "a new process");

    // A constant outside any function.
    app.write("users.js", &app.read("users.js").replace("['ann']", "['bob']"));
    let line = run.expect("restarting");
    assert!(line.contains("the edit changes code outside the functions hotnode can refresh"), "{line}");
    run.expect("LISTENING");
    assert_ne!(pid_of(&body_with(port, "/people", "bob #1")), second);
}

#[test]
fn no_refresh_restarts_on_a_body_edit() {
    let app = unmodified_server("refresh-off");
    let port = free_port();
    let mut run = hotnode_with_env(&app, &["--no-refresh", "main.js"], &[("PORT", &port.to_string())]);
    run.expect("LISTENING");
    let first = pid_of(&body_with(port, "/users", "ann #1"));
    app.write("users.js", &app.read("users.js").replace("return this.names;", "return ['zed'];"));
    run.expect("restarting");
    run.expect("LISTENING");
    assert_ne!(pid_of(&body_with(port, "/users", "zed #1")), first);
}

#[test]
fn a_refreshed_function_throws_with_its_own_file_and_line() {
    // TypeScript, CommonJS: the new body's frames map to the edited file's lines.
    let app = TempApp::new(
        "refresh-stack",
        &[
            (
                "main.ts",
                "import http from 'node:http';\nimport { answer } from './answer';\nconst server = http.createServer((req, res) => {\n  try {\n    res.end(`ok ${answer(req.url ?? '')}`);\n  } catch (err) {\n    res.end(String((err as Error).stack).split('\\n').slice(0, 2).join(' | '));\n  }\n});\nserver.listen(Number(process.env.PORT), () => console.log('LISTENING'));\n",
            ),
            ("answer.ts", "export function answer(url: string): string {\n  return url.toUpperCase();\n}\n"),
        ],
    );
    let port = free_port();
    let mut run = hotnode_with_env(&app, &["main.ts"], &[("PORT", &port.to_string())]);
    run.expect("LISTENING");
    body_with(port, "/x", "ok /X");
    app.write(
        "answer.ts",
        "export function answer(url: string): string {\n  const typed: number = 1;\n  // two lines further down now\n  if (url === '/boom') throw new Error('boom at ' + typed);\n  return url.toLowerCase();\n}\n",
    );
    run.expect("answer.ts changed");
    body_with(port, "/X", "ok /x");
    let body = body_with(port, "/boom", "Error: boom at 1");
    let at = app.dir.join("answer.ts");
    assert!(body.contains(&format!("at answer ({}:4:", at.display())), "{body}");
}

#[test]
fn a_default_exported_class_and_a_commonjs_object_of_handlers_are_refreshed() {
    let app = TempApp::new(
        "refresh-shapes",
        &[
            (
                "main.ts",
                "import http from 'node:http';\nimport Greeter from './greeter';\nconst handlers = require('./handlers.cjs');\nconst greeter = new Greeter('ann');\nconst server = http.createServer((req, res) => {\n  res.end(`${greeter.greet()} ${handlers.status(req)} pid ${process.pid}`);\n});\nserver.listen(Number(process.env.PORT), () => console.log('LISTENING'));\n",
            ),
            (
                "greeter.ts",
                "export default class {\n  constructor(private readonly name: string) {}\n  greet(): string {\n    return `hello ${this.name}`;\n  }\n}\n",
            ),
            ("handlers.cjs", "module.exports = {\n  status(req) {\n    return 'ok';\n  },\n};\n"),
        ],
    );
    let port = free_port();
    let mut run = hotnode_with_env(&app, &["main.ts"], &[("PORT", &port.to_string())]);
    run.expect("LISTENING");
    let pid = pid_of(&body_with(port, "/", "hello ann ok"));
    app.write("greeter.ts", &app.read("greeter.ts").replace("`hello ${this.name}`", "`hi ${this.name}`"));
    run.expect("greeter.ts changed: refreshed 1 function");
    assert_eq!(pid_of(&body_with(port, "/", "hi ann ok")), pid);
    app.write("handlers.cjs", &app.read("handlers.cjs").replace("return 'ok';", "return 'fine ' + req.method;"));
    run.expect("handlers.cjs changed: refreshed 1 function");
    assert_eq!(pid_of(&body_with(port, "/", "hi ann fine GET")), pid);
}
