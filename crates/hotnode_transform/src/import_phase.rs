//! Import phases (`import defer * as ns`, `import source x`, `import.defer()`,
//! `import.source()`) are proposals oxc parses. No node hotnode supports parses `defer`: it is a
//! SyntaxError with V8's words (the token after `import`'s phase word, or the phase word of
//! `import.defer(...)`). `source` depends on the node: Node 24 parses it and has no source phase
//! for a JavaScript module (a SyntaxError at link time, or a rejected `import.source()`), Node
//! 20 and 22 do not parse it. So the transform takes the source phase out and says what each
//! node does: a static source import leaves the declaration and names its specifier (the runtime
//! fails the link), `import.source(x)` becomes `__hotnode_import_source__(x, url)`, and the
//! words a node without it would say come along.

use oxc::allocator::{Allocator, TakeIn};
use oxc::ast::ast::{Expression, ImportDeclaration, ImportExpression, ImportPhase, Program, Statement};
use oxc::ast_visit::{Visit, VisitMut, walk, walk_mut};
use oxc::diagnostics::OxcDiagnostic;
use oxc::span::Span;

use crate::snippet;

/// The runtime's global that answers `import.source()` (see `runtime/source-phase.mjs`).
const IMPORT_SOURCE: &str = "__hotnode_import_source__";

/// The source phase in a module, for the runtime to fail as the running node does.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourcePhase {
    /// V8's SyntaxError where the node does not parse it, at the first use.
    pub unsupported: String,
    /// Specifiers of static `import source` declarations (a link error where it parses).
    pub imports: Vec<String>,
}

/// What the phases of `program` mean: `defer` errors, and the source phase used, if any.
pub struct PhaseCheck {
    pub errors: Vec<OxcDiagnostic>,
    pub source_phase: Option<SourcePhase>,
}

pub fn check_import_phases(program: &Program<'_>, source: &str) -> PhaseCheck {
    let mut finder = Finder { source, errors: Vec::new(), source_phase: None };
    finder.visit_program(program);
    PhaseCheck { errors: finder.errors, source_phase: finder.source_phase }
}

/// Takes the source phase out of `program` (after `check_import_phases` found some).
pub fn lower_source_phase<'a>(program: &mut Program<'a>, allocator: &'a Allocator, url: &str) {
    program.body.retain(|statement| {
        !matches!(statement, Statement::ImportDeclaration(declaration) if declaration.phase == Some(ImportPhase::Source))
    });
    SourceCalls { allocator, url }.visit_program(program);
}

struct Finder<'s> {
    source: &'s str,
    errors: Vec<OxcDiagnostic>,
    source_phase: Option<SourcePhase>,
}

impl Finder<'_> {
    /// The token at `from` (after white space): V8's "Unexpected identifier 'x'" or
    /// "Unexpected token 'x'", and where it is.
    fn unexpected_at(&self, from: usize) -> (String, Span) {
        let rest = &self.source[from.min(self.source.len())..];
        let start = from + (rest.len() - rest.trim_start().len());
        let rest = &self.source[start..];
        let word_len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).unwrap_or(rest.len());
        if word_len > 0 {
            (
                format!("Unexpected identifier '{}'", &rest[..word_len]),
                Span::new(start as u32, (start + word_len) as u32),
            )
        } else {
            let len = rest.chars().next().map_or(0, char::len_utf8);
            (format!("Unexpected token '{}'", &rest[..len]), Span::new(start as u32, (start + len) as u32))
        }
    }

    /// The offset just after the first `word` at or after `from`.
    fn after_word(&self, from: usize, word: &str) -> usize {
        self.source[from..].find(word).map_or(from, |at| from + at + word.len())
    }

    fn uses_source_phase(&mut self, message: String) -> &mut SourcePhase {
        self.source_phase.get_or_insert_with(|| SourcePhase { unsupported: message, imports: Vec::new() })
    }
}

impl<'a> Visit<'a> for Finder<'_> {
    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        if let Some(phase) = it.phase {
            let after_import = self.after_word(it.span.start as usize, "import");
            let word = if phase == ImportPhase::Defer { "defer" } else { "source" };
            let (message, span) = self.unexpected_at(self.after_word(after_import, word));
            if phase == ImportPhase::Defer {
                self.errors.push(OxcDiagnostic::error(message).with_label(span));
            } else {
                let specifier = it.source.value.to_string();
                self.uses_source_phase(message).imports.push(specifier);
            }
        }
        walk::walk_import_declaration(self, it);
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        if let Some(phase) = it.phase {
            let (message, span) = self.unexpected_at(self.after_word(it.span.start as usize, "."));
            if phase == ImportPhase::Defer {
                self.errors.push(OxcDiagnostic::error(message).with_label(span));
            } else {
                self.uses_source_phase(message);
            }
        }
        walk::walk_import_expression(self, it);
    }
}

struct SourceCalls<'s, 'a> {
    allocator: &'a Allocator,
    url: &'s str,
}

impl<'a> VisitMut<'a> for SourceCalls<'_, 'a> {
    fn visit_expression(&mut self, expr: &mut Expression<'a>) {
        walk_mut::walk_expression(self, expr);
        if !matches!(expr, Expression::ImportExpression(import) if import.phase == Some(ImportPhase::Source)) {
            return;
        }
        let Expression::ImportExpression(import) = expr.take_in(&self.allocator) else { unreachable!() };
        let ImportExpression { span, source, .. } = import.unbox();
        *expr = snippet::runtime_call(self.allocator, IMPORT_SOURCE, span, source, self.url);
    }
}
