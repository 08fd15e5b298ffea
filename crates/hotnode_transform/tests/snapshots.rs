//! Fixture snapshots: each file in `fixtures/` is transformed with options chosen by its name
//! (`.cjs` is CommonJS, `.json` JSON, names containing `decorators` enable legacy decorators
//! with metadata, names containing `refresh` get refresh slots) and the output code and facts are snapshotted. The inline source map is
//! checked separately (it is base64 and would make the snapshots unreadable).

use std::path::Path;

use hotnode_transform::{ModuleFormat, TransformOptions, transform};

fn options_for(path: &Path) -> TransformOptions {
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some("cjs" | "cts") => ModuleFormat::Cjs,
        Some("json") => ModuleFormat::Json,
        _ => ModuleFormat::Esm,
    };
    let name = path.file_name().unwrap().to_str().unwrap();
    let mut options = TransformOptions::new(format!("/app/{name}"), format!("file:///app/{name}"), format);
    if name.contains("decorators") {
        options.legacy_decorators = true;
        options.decorator_metadata = true;
    }
    options.refresh = name.contains("refresh");
    options
}

fn without_source_map(code: &str) -> String {
    code.lines().filter(|l| !l.starts_with("//# sourceMappingURL=")).collect::<Vec<_>>().join("\n")
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/*.*", |path| {
        let source = std::fs::read_to_string(path).unwrap();
        let out = transform(&source, &options_for(path)).expect("fixture transforms");
        let snapshot =
            format!("{}\n----- facts -----\n{}", without_source_map(&out.code), serde_json_pretty(&out.facts));
        insta::assert_snapshot!(snapshot);
    });
}

fn serde_json_pretty<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap()
}
