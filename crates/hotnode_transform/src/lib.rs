//! Source text in, hotnode module form out. Pure: no I/O, no global state.
//!
//! One call to [`transform`] turns an app module (JavaScript, TypeScript, JSX, JSON) into the
//! body of the function the runtime evaluates, with a source map pointing at the original file,
//! and the static facts the server needs to prefetch and resolve its dependencies.

mod code_frame;
mod commonjs_import;
mod default_and_namespace;
mod default_export;
mod direct_eval;
mod export_getters;
mod facts;
mod import_assignment;
mod import_phase;
mod import_spans;
mod import_steps;
mod options;
mod pipeline;
mod refresh_plan;
mod refresh_slots;
mod snippet;
mod standard_decorators;
mod webpack_module;

pub use code_frame::{Location, code_frame, locate};
pub use facts::{ImportAttributes, ModuleExports, ModuleFacts, StaticImport};
pub use import_phase::SourcePhase;
pub use options::{JsxSettings, ModuleFormat, TransformOptions};
pub use pipeline::{Diagnostic, TransformError, Transformed, transform};
pub use refresh_plan::{RefreshChunk, RefreshPlan, plan_refresh};
