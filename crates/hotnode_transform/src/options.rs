use std::path::PathBuf;

/// How Node would run a file: decided by the server from the extension and the nearest
/// `package.json` `"type"`, because the transform must not read files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModuleFormat {
    Esm,
    Cjs,
    /// Output only: a CommonJS-format file written with `import`/`export` (TypeScript with
    /// `"module": "commonjs"`, code written for webpack). It is in the module-runner form with
    /// synchronous imports, run in Node's CommonJS wrapper, as TypeScript and esbuild compile it.
    #[serde(rename = "cjs-interop")]
    CjsInterop,
    Json,
}

/// JSX settings from tsconfig (`jsx`, `jsxFactory`, `jsxFragmentFactory`, `jsxImportSource`).
/// Pragmas in the file (`@jsx`, `@jsxRuntime`, ...) take precedence over these.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsxSettings {
    /// `true` for tsconfig `"jsx": "react"` (classic `React.createElement`).
    pub classic: bool,
    /// `true` for `react-jsxdev`.
    pub development: bool,
    pub factory: Option<String>,
    pub fragment_factory: Option<String>,
    pub import_source: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TransformOptions {
    /// Absolute path of the file: selects the syntax (TS, JSX) and names the source map's source.
    pub path: PathBuf,
    /// The module's URL, written as `//# sourceURL=` so stack traces name the original file.
    pub url: String,
    pub format: ModuleFormat,
    pub jsx: JsxSettings,
    /// tsconfig `experimentalDecorators`.
    pub legacy_decorators: bool,
    /// tsconfig `emitDecoratorMetadata` (only with legacy decorators, as in TypeScript).
    pub decorator_metadata: bool,
    /// A CommonJS-format `.js` file of a package without `"type"`: module syntax makes it an ES
    /// module, as node detects it (a TypeScript file stays CommonJS with ES syntax, as tsc's
    /// `module: commonjs` output).
    pub detect_module: bool,
    /// Lines the runtime's function wrapper puts before the body (`new AsyncFunction(...)`
    /// adds two): the source map is shifted by as many lines so positions stay exact.
    pub wrapper_header_lines: u32,
    /// Give the module's functions refresh slots (`refresh_slots.rs`), so that an edit of their
    /// bodies alone applies in the running app (`--no-refresh` turns it off).
    pub refresh: bool,
}

impl TransformOptions {
    pub fn new(path: impl Into<PathBuf>, url: impl Into<String>, format: ModuleFormat) -> Self {
        Self {
            path: path.into(),
            url: url.into(),
            format,
            jsx: JsxSettings::default(),
            legacy_decorators: false,
            decorator_metadata: false,
            detect_module: false,
            wrapper_header_lines: 2,
            refresh: false,
        }
    }
}
