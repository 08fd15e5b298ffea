use base64::Engine as _;
use hotnode_transform::{Location, ModuleFormat, TransformError, TransformOptions, transform};

fn esm(name: &str) -> TransformOptions {
    TransformOptions::new(
        format!("/app/{name}"),
        format!("file:///app/{name}"),
        ModuleFormat::Esm,
    )
}

#[test]
fn syntax_error_is_located_with_a_frame() {
    let err = transform(
        "export const a = 1;\nexport const price = 20 +;\n",
        &esm("price.js"),
    )
    .unwrap_err();
    let TransformError::Syntax(diagnostics) = &err else {
        panic!("expected a syntax error")
    };
    let first = &diagnostics[0];
    assert_eq!(
        first.location,
        Some(Location {
            line: 2,
            column: 26
        })
    );
    assert!(
        first.frame.contains("> 2 | export const price = 20 +;"),
        "{}",
        first.frame
    );
    assert!(
        first.frame.contains("|                          ^"),
        "{}",
        first.frame
    );
}

#[test]
fn early_errors_are_reported_like_syntax_errors() {
    let err = transform("let a = 1;\nlet a = 2;\n", &esm("dup.js")).unwrap_err();
    let first = &err.diagnostics()[0];
    assert!(first.message.contains("`a`"), "{}", first.message);
    assert!(first.location.is_some());
}

#[test]
fn invalid_json_is_a_located_syntax_error() {
    let options = TransformOptions::new("/app/d.json", "file:///app/d.json", ModuleFormat::Json);
    let err = transform("{\n  \"a\": 1,\n}\n", &options).unwrap_err();
    assert_eq!(err.diagnostics()[0].location.map(|l| l.line), Some(3));
}

#[test]
fn commonjs_format_with_esm_syntax_runs_as_esm() {
    let options = TransformOptions::new("/app/a.ts", "file:///app/a.ts", ModuleFormat::Cjs);
    let out = transform(
        "import { b } from './b.js';\nexport const a = b;\n",
        &options,
    )
    .unwrap();
    assert_eq!(out.format, ModuleFormat::Esm);
    assert!(out.code.contains("__vite_ssr_import__(\"./b.js\""));
}

#[test]
fn source_map_is_shifted_by_the_wrapper_header() {
    let out = transform("const a: number = 1;\nexport { a };\n", &esm("a.ts")).unwrap();
    let url = out
        .code
        .lines()
        .find_map(|l| {
            l.strip_prefix("//# sourceMappingURL=data:application/json;charset=utf-8;base64,")
        })
        .unwrap();
    let json = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(url)
            .unwrap(),
    )
    .unwrap();
    let map: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        map["mappings"].as_str().unwrap().starts_with(";;"),
        "{json}"
    );
    assert_eq!(map["sources"][0], "file:///app/a.ts");
    let mut unshifted = esm("a.ts");
    unshifted.wrapper_header_lines = 0;
    let out = transform("const a: number = 1;\nexport { a };\n", &unshifted).unwrap();
    assert!(
        !out.code
            .contains("sourceMappingURL=data:application/json;charset=utf-8;base64,Ozs")
    );
}
