use std::path::Path;

use base64::Engine as _;
use oxc::allocator::{Allocator, TakeIn};
use oxc::ast::ast::{Expression, Program, Statement};
use oxc::codegen::{Codegen, CodegenOptions};
use oxc::diagnostics::OxcDiagnostic;
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::SourceType;
use oxc::transformer::{HelperLoaderMode, JsxRuntime, Transformer};
use oxc::transformer_plugins::ModuleRunnerTransform;

use crate::code_frame::{Location, code_frame, locate};
use crate::commonjs_import::route_dynamic_imports;
use crate::default_and_namespace::split_default_and_namespace;
use crate::default_export::name_default_export;
use crate::direct_eval::route_direct_evals;
use crate::export_getters::{exported_declarations, map_export_getters};
use crate::facts::{ModuleExports, ModuleFacts};
use crate::import_assignment::{find_import_writes, throw_on_import_writes};
use crate::import_phase::{check_import_phases, lower_source_phase};
use crate::import_spans::map_import_reads;
use crate::import_steps::{has_top_level_await, step_imports};
use crate::options::{ModuleFormat, TransformOptions};
use crate::refresh_slots::add_refresh_slots;
use crate::standard_decorators::reject_standard_decorators;
use crate::webpack_module::{give_webpack_module, webpack_hot_in_scope};

/// A module ready for the runtime: the function body (with `//# sourceURL` and an inline,
/// wrapper-shifted source map) and its static facts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Transformed {
    pub code: String,
    pub facts: ModuleFacts,
    /// The form `code` is in: the input format, except that a CommonJS-format file written with
    /// `import`/`export` syntax comes out as [`ModuleFormat::CjsInterop`].
    pub format: ModuleFormat,
}

/// One problem found in a module, located in the original source.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub message: String,
    pub location: Option<Location>,
    /// A code frame around `location` (empty when there is no location).
    pub frame: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TransformError {
    /// The source does not parse or violates an early error; all problems found are kept.
    #[error("{}", first_message(.0))]
    Syntax(Vec<Diagnostic>),
    #[error("cannot target Node.js: {0}")]
    Target(String),
}

fn first_message(diagnostics: &[Diagnostic]) -> &str {
    diagnostics.first().map_or("syntax error", |d| d.message.as_str())
}

impl TransformError {
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Self::Syntax(d) => d,
            Self::Target(_) => &[],
        }
    }
}

/// No syntax is lowered: what the node running the app does not parse must fail there as it
/// does without hotnode (`using` on Node 20 and 22), and what it parses must run natively
/// (`using` on Node 24). Only TypeScript, JSX and legacy decorators are compiled away.
const NODE_TARGET: &str = "esnext";

pub fn transform(source: &str, options: &TransformOptions) -> Result<Transformed, TransformError> {
    if options.format == ModuleFormat::Json {
        return json_module(source, options);
    }
    let allocator = Allocator::default();
    let source_type = source_type_for(&options.path, options.format);
    let parsed = Parser::new(&allocator, source, source_type).parse();
    if !parsed.diagnostics.is_empty() {
        return Err(syntax_error(source, &parsed.diagnostics));
    }
    let format = match options.format {
        ModuleFormat::Cjs if parsed.module_record.has_module_syntax && options.detect_module => ModuleFormat::Esm,
        ModuleFormat::Cjs if parsed.module_record.has_module_syntax => ModuleFormat::CjsInterop,
        format => format,
    };
    let mut program = parsed.program;
    let phases = check_import_phases(&program, source);
    if !phases.errors.is_empty() {
        return Err(syntax_error(source, &phases.errors));
    }
    if phases.source_phase.is_some() {
        lower_source_phase(&mut program, &allocator, &options.url);
    }
    if !options.legacy_decorators {
        let decorators = reject_standard_decorators(&program);
        if !decorators.is_empty() {
            return Err(syntax_error(source, &decorators));
        }
    }

    let semantic = SemanticBuilder::new().with_check_syntax_error(true).with_enum_eval(true).build(&program);
    if !semantic.diagnostics.is_empty() {
        return Err(syntax_error(source, &semantic.diagnostics));
    }
    let scoping = semantic.semantic.into_scoping();

    let transform_options = oxc_options(options)?;
    let transformed =
        Transformer::new(&allocator, &options.path, &transform_options).build_with_scoping(scoping, &mut program);
    if !transformed.diagnostics.is_empty() {
        return Err(syntax_error(source, &transformed.diagnostics));
    }
    let mut scoping = Some(transformed.scoping);

    // After TypeScript elided type-only imports and JSX added its runtime import, before the
    // module form hides the declarations.
    let mut facts = ModuleFacts::collect(&program);
    facts.source_phase = phases.source_phase;
    facts.top_level_await = format == ModuleFormat::Esm && has_top_level_await(&program);
    if format == ModuleFormat::Esm
        && let Some(scoping) = scoping.as_ref()
    {
        // A walk of the whole module, for what few modules write: only where the text is there.
        if source.contains("webpackHot") {
            webpack_hot_in_scope(&mut program, &allocator, scoping);
        }
        give_webpack_module(&mut program, scoping);
    }

    if matches!(format, ModuleFormat::Esm | ModuleFormat::CjsInterop) {
        let scoping = scoping.take().expect("scoping is set above");
        let import_writes = find_import_writes(&program, &scoping);
        let declarations = exported_declarations(&facts.exports, &scoping);
        split_default_and_namespace(&mut program, &allocator);
        ModuleRunnerTransform::new().transform(&allocator, &mut program, scoping);
        throw_on_import_writes(&mut program, &allocator, &import_writes);
        map_import_reads(&mut program);
        map_export_getters(&mut program, &declarations);
    }
    if matches!(format, ModuleFormat::Esm | ModuleFormat::CjsInterop) {
        name_default_export(&mut program, &allocator);
    }
    if format == ModuleFormat::CjsInterop {
        make_imports_synchronous(&mut program, &allocator);
    }
    if format == ModuleFormat::Esm {
        step_imports(&mut program, &allocator, facts.top_level_await);
    }
    if format == ModuleFormat::Cjs {
        route_dynamic_imports(&mut program, &allocator);
    }
    let import_function = if format == ModuleFormat::Cjs {
        crate::commonjs_import::DYNAMIC_IMPORT
    } else {
        "__vite_ssr_dynamic_import__"
    };
    route_direct_evals(&mut program, &allocator, import_function);
    // Last: the guards go into the bodies as they will run, and no pass after rewrites the
    // evaluator's direct `eval` (new bodies are already in module form).
    if options.refresh {
        add_refresh_slots(&mut program, &allocator);
    }
    // A `#!` line is allowed only at the very start of a file; the code becomes a function
    // body (after a `"use strict"` line for ES modules), where it is a syntax error.
    program.hashbang = None;

    let generated = Codegen::new()
        .with_options(CodegenOptions { source_map_path: Some(options.path.clone()), ..CodegenOptions::default() })
        .with_scoping(scoping)
        .build(&program);
    // ES modules are strict; the directive gets a line of its own so the map shifts by whole
    // lines and every column stays exact.
    let (mut code, prefix_lines) = if matches!(format, ModuleFormat::Esm | ModuleFormat::CjsInterop) {
        (format!("\"use strict\";\n{}", generated.code), 1)
    } else {
        (generated.code, 0)
    };
    if let Some(mut map) = generated.map {
        map.set_sources([options.url.as_str()]);
        append_trailer(&mut code, options.wrapper_header_lines + prefix_lines, &options.url, &map.to_json_string());
    }
    Ok(Transformed { code, facts, format })
}

/// In a CommonJS-format module an `import` is a synchronous `require` (so the module has run
/// when its requirer continues): the module-runner form's hoisted
/// `const x = await __vite_ssr_import__(...)` lose their `await`. Dynamic `import()` stays
/// asynchronous.
fn make_imports_synchronous<'a>(program: &mut Program<'a>, allocator: &'a Allocator) {
    for statement in program.body.iter_mut() {
        let Statement::VariableDeclaration(declaration) = statement else { continue };
        for declarator in declaration.declarations.iter_mut() {
            let Some(init) = &mut declarator.init else { continue };
            let Expression::AwaitExpression(awaited) = init else { continue };
            let Expression::CallExpression(call) = &awaited.argument else { continue };
            if !matches!(&call.callee, Expression::Identifier(id) if id.name == "__vite_ssr_import__") {
                continue;
            }
            let call = awaited.argument.take_in(&allocator);
            *init = call;
        }
    }
}

fn source_type_for(path: &Path, format: ModuleFormat) -> SourceType {
    let by_extension = SourceType::from_path(path).unwrap_or_else(|_| SourceType::mjs());
    let is_plain_extension = matches!(path.extension().and_then(|e| e.to_str()), Some("js" | "jsx" | "ts" | "tsx"));
    match format {
        // `.js`/`.ts` take their module kind from package.json, which the server read.
        ModuleFormat::Esm if is_plain_extension => by_extension.with_module(true),
        // Parsed unambiguously so ESM syntax in a CommonJS-format file is detected, not an error.
        ModuleFormat::Cjs if is_plain_extension => by_extension.with_unambiguous(true),
        _ => by_extension,
    }
}

fn oxc_options(options: &TransformOptions) -> Result<oxc::transformer::TransformOptions, TransformError> {
    let mut oxc_options =
        oxc::transformer::TransformOptions::from_target(NODE_TARGET).map_err(TransformError::Target)?;
    oxc_options.cwd = options.path.parent().map(Path::to_path_buf).unwrap_or_default();
    // Helpers (decorators) come from the runtime's `babelHelpers`, not from an npm package the
    // app may not have.
    oxc_options.helper_loader.mode = HelperLoaderMode::External;
    oxc_options.decorator.legacy = options.legacy_decorators;
    oxc_options.decorator.emit_decorator_metadata = options.legacy_decorators && options.decorator_metadata;
    let jsx = &options.jsx;
    oxc_options.jsx.runtime = if jsx.classic { JsxRuntime::Classic } else { JsxRuntime::Automatic };
    oxc_options.jsx.development = jsx.development;
    oxc_options.jsx.pragma.clone_from(&jsx.factory);
    oxc_options.jsx.pragma_frag.clone_from(&jsx.fragment_factory);
    oxc_options.jsx.import_source.clone_from(&jsx.import_source);
    Ok(oxc_options)
}

/// `//# sourceURL` names the module in stack traces and the debugger; the inline map points
/// back at the original source. The map is shifted down by the lines the runtime's function
/// wrapper adds before the body.
fn append_trailer(code: &mut String, shift_lines: u32, url: &str, map_json: &str) {
    let shift = ";".repeat(shift_lines as usize);
    let key = "\"mappings\":\"";
    let shifted = match map_json.find(key) {
        Some(at) => {
            let split = at + key.len();
            format!("{}{shift}{}", &map_json[..split], &map_json[split..])
        }
        None => map_json.to_string(),
    };
    if !code.ends_with('\n') {
        code.push('\n');
    }
    code.push_str("//# sourceURL=");
    code.push_str(url);
    code.push_str("\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,");
    code.push_str(&base64::engine::general_purpose::STANDARD.encode(shifted));
    code.push('\n');
}

/// A JSON module has one export, `default`, the parsed document. It is validated here so a
/// broken save is reported with a code frame like any syntax error, and parsed by V8's
/// `JSON.parse` at run time (faster than evaluating it as an object literal).
fn json_module(source: &str, options: &TransformOptions) -> Result<Transformed, TransformError> {
    let text = source.strip_prefix('\u{feff}').unwrap_or(source);
    if let Err(err) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        let location = Location { line: err.line() as u32, column: err.column().max(1) as u32 };
        return Err(TransformError::Syntax(vec![Diagnostic {
            message: format!("invalid JSON: {err}"),
            location: Some(location),
            frame: code_frame(source, location),
        }]));
    }
    let literal = serde_json::to_string(text).expect("a string always serializes");
    let code = format!(
        "Object.defineProperty(__vite_ssr_exports__, \"default\", {{ enumerable: true, configurable: true, value: JSON.parse({literal}) }});\n//# sourceURL={}\n",
        options.url
    );
    let exports = ModuleExports { local: vec![("default".into(), "*default*".into())], ..ModuleExports::default() };
    Ok(Transformed { code, facts: ModuleFacts { exports, ..ModuleFacts::default() }, format: ModuleFormat::Json })
}

fn syntax_error(source: &str, diagnostics: &[OxcDiagnostic]) -> TransformError {
    let converted = diagnostics
        .iter()
        .map(|d| {
            let offset = d.labels.first().map(|l| l.offset() as usize);
            let location = offset.map(|o| locate(source, o));
            let mut message = d.message.to_string();
            if let Some(help) = &d.help {
                message.push_str(&format!(" ({help})"));
            }
            Diagnostic { message, location, frame: location.map(|l| code_frame(source, l)).unwrap_or_default() }
        })
        .collect();
    TransformError::Syntax(converted)
}
