//! `plan_refresh` on pairs of versions of a module: which edits are body-only, and the code that
//! compiles the new bodies (snapshotted with its blank runs shown as line numbers, so that the
//! places of the functions are part of the snapshot).

use hotnode_transform::{ModuleFormat, RefreshPlan, TransformOptions, plan_refresh, transform};

fn transformed(source: &str, format: ModuleFormat) -> String {
    let name = if format == ModuleFormat::Cjs { "/app/m.cjs" } else { "/app/m.js" };
    let mut options = TransformOptions::new(name, format!("file://{name}"), format);
    options.refresh = true;
    transform(source, &options).expect("transforms").code
}

fn plan(old: &str, new: &str, format: ModuleFormat) -> Option<RefreshPlan> {
    plan_refresh(&transformed(old, format), &transformed(new, format), format)
}

/// Each non-blank line of each chunk, with its line number (the function wrapper's two lines
/// first).
fn visible(plan: &RefreshPlan) -> String {
    let mut out = String::new();
    for chunk in &plan.chunks {
        out.push_str(&format!("slots {:?}\n", chunk.slots));
        for (i, line) in chunk.code.lines().enumerate() {
            if !line.trim().is_empty() {
                out.push_str(&format!("{:>3}| {}\n", i + 1, line.trim_end()));
            }
        }
    }
    out
}

const SERVER: &str = r#"import { db } from "./db.js";
let hits = 0;
app.get("/", (req, res) => {
  hits++;
  res.send("hello " + hits);
});
export async function list(req) {
  return db.all();
}
export class Users {
  find(id) { return db.get(id); }
  static of(x) { return new Users(x); }
}
"#;

#[test]
fn an_edit_of_a_handler_body_replaces_that_handler_only() {
    let new = SERVER.replace("\"hello \"", "\"hi there \"");
    let plan = plan(SERVER, &new, ModuleFormat::Esm).expect("body-only");
    insta::assert_snapshot!(visible(&plan));
}

#[test]
fn the_new_functions_keep_their_lines_in_the_new_code() {
    let new = SERVER
        .replace("  hits++;\n", "  hits++;\n  // counted\n  console.log(hits);\n")
        .replace("db.get(id)", "db.get(Number(id))");
    let plan = plan(SERVER, &new, ModuleFormat::Esm).expect("body-only");
    let code = transformed(&new, ModuleFormat::Esm);
    let new_lines: Vec<&str> = code.lines().collect();
    let chunk = &plan.chunks[0];
    assert_eq!(chunk.slots.len(), 2);
    for (i, line) in chunk.code.lines().enumerate().skip(2) {
        let text = line.trim();
        if text.is_empty() || text.starts_with('(') || text.starts_with('}') || text.starts_with(']') {
            continue;
        }
        assert!(
            new_lines[i - 2].contains(text),
            "line {} of the chunk is {text:?}, the code's is {:?}",
            i + 1,
            new_lines[i - 2]
        );
    }
    insta::assert_snapshot!(visible(&plan));
}

#[test]
fn a_method_and_a_static_method_compile_as_object_methods() {
    let new = SERVER.replace("db.get(id)", "db.get(id, 1)").replace("new Users(x)", "new Users(x, 2)");
    insta::assert_snapshot!(visible(&plan(SERVER, &new, ModuleFormat::Esm).expect("body-only")));
}

#[test]
fn an_edit_outside_the_bodies_is_not_a_refresh() {
    for new in [
        SERVER.replace("let hits = 0;", "let hits = 1;"),
        SERVER.replace("(req, res) =>", "(req, res, next) =>"),
        SERVER.replace("app.get(\"/\"", "app.get(\"/home\""),
        SERVER.replace("export async function list(req) {", "export async function list(req) {\n}\nfunction extra() {"),
        SERVER.replace("import { db } from \"./db.js\";", "import { db, other } from \"./db.js\";"),
    ] {
        assert_eq!(plan(SERVER, &new, ModuleFormat::Esm), None, "{new}");
    }
}

#[test]
fn an_edit_inside_a_function_without_a_slot_is_not_a_refresh() {
    let old = "function* ids() { yield 1; }\nexport const f = () => 1;\n";
    assert_eq!(plan(old, &old.replace("yield 1", "yield 2"), ModuleFormat::Esm), None);
    let block = "{ function inner() { return 1; } }\nexport const f = () => 1;\n";
    assert_eq!(plan(block, &block.replace("return 1", "return 2"), ModuleFormat::Esm), None);
}

#[test]
fn an_unchanged_module_is_a_refresh_of_nothing() {
    let plan = plan(SERVER, SERVER, ModuleFormat::Esm).expect("the same skeleton");
    assert!(plan.chunks.is_empty());
}

#[test]
fn in_a_sloppy_module_class_methods_stay_strict() {
    let old = "class A { m() { return this; } }\nfunction f() { return this; }\nmodule.exports = { A, f };\n";
    let new = old
        .replace("return this; } }", "return [this]; } }")
        .replace("return this; }\nmodule", "return [this]; }\nmodule");
    let plan = plan(old, &new, ModuleFormat::Cjs).expect("body-only");
    assert_eq!(plan.chunks.len(), 2);
    insta::assert_snapshot!(visible(&plan));
}
