//! TC39's standard decorators (TypeScript 5 without `experimentalDecorators`) are not
//! transformed: oxc implements TypeScript's legacy ones only, and left in the output a decorator
//! is V8's "Invalid or unexpected token" with no line. Each one is reported instead, located,
//! with what to do.

use oxc::ast::ast::{Decorator, Program};
use oxc::ast_visit::Visit;
use oxc::diagnostics::OxcDiagnostic;

/// A diagnostic per decorator in `program` (call only when legacy decorators are off).
pub fn reject_standard_decorators(program: &Program<'_>) -> Vec<OxcDiagnostic> {
    let mut finder = Finder { diagnostics: Vec::new() };
    finder.visit_program(program);
    finder.diagnostics
}

struct Finder {
    diagnostics: Vec<OxcDiagnostic>,
}

impl<'a> Visit<'a> for Finder {
    fn visit_decorator(&mut self, it: &Decorator<'a>) {
        self.diagnostics.push(
            OxcDiagnostic::error("Standard (TC39) decorators are not supported by hotnode yet")
                .with_help("set \"experimentalDecorators\": true in tsconfig.json to use TypeScript's decorators")
                .with_label(it.span),
        );
    }
}
