use base64::Engine as _;
use hotnode_transform::{Location, ModuleFormat, TransformError, TransformOptions, transform};

fn esm(name: &str) -> TransformOptions {
    TransformOptions::new(format!("/app/{name}"), format!("file:///app/{name}"), ModuleFormat::Esm)
}

#[test]
fn syntax_error_is_located_with_a_frame() {
    let err = transform("export const a = 1;\nexport const price = 20 +;\n", &esm("price.js")).unwrap_err();
    let TransformError::Syntax(diagnostics) = &err else { panic!("expected a syntax error") };
    let first = &diagnostics[0];
    assert_eq!(first.location, Some(Location { line: 2, column: 26 }));
    assert!(first.frame.contains("> 2 | export const price = 20 +;"), "{}", first.frame);
    assert!(first.frame.contains("|                          ^"), "{}", first.frame);
}

#[test]
fn early_errors_are_reported_like_syntax_errors() {
    let err = transform("let a = 1;\nlet a = 2;\n", &esm("dup.js")).unwrap_err();
    let first = &err.diagnostics()[0];
    assert!(first.message.contains("`a`"), "{}", first.message);
    assert!(first.location.is_some());
}

#[test]
fn import_phases_are_syntax_errors_with_v8s_words() {
    let cases = [
        ("import defer * as ns from \"./a.js\";\n", "Unexpected token '*'", 14),
        ("const x = 1;\nimport.defer(\"./a.js\");\n", "Unexpected identifier 'defer'", 8),
    ];
    for (source, message, column) in cases {
        let err = transform(source, &esm("phase.js")).unwrap_err();
        let first = &err.diagnostics()[0];
        assert_eq!(first.message, message, "{source}");
        assert_eq!(first.location.map(|l| l.column), Some(column), "{source}");
    }
    // `defer` as a default import's name is no phase.
    assert!(transform("import defer from \"./a.js\";\nconsole.log(defer);\n", &esm("name.js")).is_ok());
}

/// The source phase is left to the runtime, with the words of a node that does not parse it.
#[test]
fn the_source_phase_goes_to_the_runtime_with_v8s_words() {
    let out =
        transform("import source wasm from \"./a.wasm\";\nimport.source(\"./b.js\");\n", &esm("phase.js")).unwrap();
    let phase = out.facts.source_phase.expect("the source phase is reported");
    assert_eq!(phase.unsupported, "Unexpected identifier 'wasm'");
    assert_eq!(phase.imports, ["./a.wasm"]);
    assert!(out.code.contains("__hotnode_import_source__(\"./b.js\", \"file:///app/phase.js\")"), "{}", out.code);
    assert!(!out.code.contains("a.wasm"), "{}", out.code);
    let out = transform("import.source(\"./b.js\");\n", &esm("call.js")).unwrap();
    assert_eq!(out.facts.source_phase.unwrap().unsupported, "Unexpected identifier 'source'");
}

#[test]
fn standard_decorators_are_reported_with_what_to_do() {
    let source = "function logged(value: unknown) { return value; }\n\nclass A {\n  @logged\n  m() {}\n}\n";
    let options = TransformOptions::new("/app/a.ts", "file:///app/a.ts", ModuleFormat::Esm);
    let err = transform(source, &options).unwrap_err();
    let first = &err.diagnostics()[0];
    assert!(first.message.contains("Standard (TC39) decorators"), "{}", first.message);
    assert!(first.message.contains("experimentalDecorators"), "{}", first.message);
    assert_eq!(first.location, Some(Location { line: 4, column: 3 }));
    // With legacy decorators on, the same code transforms.
    let mut legacy = options.clone();
    legacy.legacy_decorators = true;
    assert!(transform(source, &legacy).is_ok());
}

#[test]
fn invalid_json_is_a_located_syntax_error() {
    let options = TransformOptions::new("/app/d.json", "file:///app/d.json", ModuleFormat::Json);
    let err = transform("{\n  \"a\": 1,\n}\n", &options).unwrap_err();
    assert_eq!(err.diagnostics()[0].location.map(|l| l.line), Some(3));
}

#[test]
fn commonjs_format_with_esm_syntax_imports_synchronously() {
    let options = TransformOptions::new("/app/a.ts", "file:///app/a.ts", ModuleFormat::Cjs);
    let source = "import { b } from './b.js';\nexport const a = b;\nexport const later = () => import('./c.js');\n";
    let out = transform(source, &options).unwrap();
    assert_eq!(out.format, ModuleFormat::CjsInterop);
    assert!(out.code.contains("const __vite_ssr_import_0__ = __vite_ssr_import__(\"./b.js\""), "{}", out.code);
    assert!(!out.code.contains("await __vite_ssr_import__"), "{}", out.code);
    assert!(out.code.contains("__vite_ssr_dynamic_import__(\"./c.js\")"), "{}", out.code);
}

fn decoded_map(code: &str) -> serde_json::Value {
    let data = code
        .lines()
        .find_map(|l| l.strip_prefix("//# sourceMappingURL=data:application/json;charset=utf-8;base64,"))
        .expect("an inline source map");
    serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(data).unwrap()).unwrap()
}

#[test]
fn source_map_is_shifted_by_the_wrapper_header_and_the_strict_directive() {
    let source = "const a: number = 1;\nexport { a };\n";
    let out = transform(source, &esm("a.ts")).unwrap();
    assert!(out.code.starts_with("\"use strict\";\n"));
    let map = decoded_map(&out.code);
    assert_eq!(map["sources"][0], "file:///app/a.ts");
    let leading = |m: &serde_json::Value| m["mappings"].as_str().unwrap().chars().take_while(|c| *c == ';').count();
    let mut unwrapped = esm("a.ts");
    unwrapped.wrapper_header_lines = 0;
    let unwrapped_map = decoded_map(&transform(source, &unwrapped).unwrap().code);
    // The wrapper's two lines come on top of the generated code's own unmapped lines, which
    // include the "use strict" line.
    assert_eq!(leading(&map), leading(&unwrapped_map) + 2);
    assert!(leading(&unwrapped_map) >= 1);
}
