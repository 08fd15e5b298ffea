//! Import phases (`import defer * as ns`, `import source x`, `import.defer()`,
//! `import.source()`) are proposals oxc parses and node does not run: Node 20 and 22 do not
//! parse them, and Node 24 parses source imports but has no source phase for a JavaScript
//! module. Each is a SyntaxError, with V8's message where V8 does not parse it (the token after
//! `import`'s phase word, or the phase word of `import.defer(...)`).

use oxc::ast::ast::{ImportDeclaration, ImportExpression, Program};
use oxc::ast_visit::{Visit, walk};
use oxc::diagnostics::OxcDiagnostic;
use oxc::span::Span;

/// A diagnostic per phase import in `program`.
pub fn reject_import_phases(program: &Program<'_>, source: &str) -> Vec<OxcDiagnostic> {
    let mut finder = Finder { source, diagnostics: Vec::new() };
    finder.visit_program(program);
    finder.diagnostics
}

struct Finder<'s> {
    source: &'s str,
    diagnostics: Vec<OxcDiagnostic>,
}

impl Finder<'_> {
    /// The token at `from` (after white space): V8's "Unexpected identifier 'x'" or
    /// "Unexpected token 'x'".
    fn unexpected_at(&mut self, from: usize) {
        let rest = &self.source[from.min(self.source.len())..];
        let start = from + (rest.len() - rest.trim_start().len());
        let rest = &self.source[start..];
        let word_len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).unwrap_or(rest.len());
        let (message, len) = if word_len > 0 {
            (format!("Unexpected identifier '{}'", &rest[..word_len]), word_len)
        } else {
            let len = rest.chars().next().map_or(0, char::len_utf8);
            (format!("Unexpected token '{}'", &rest[..len]), len)
        };
        self.diagnostics.push(OxcDiagnostic::error(message).with_label(Span::new(start as u32, (start + len) as u32)));
    }

    /// The offset just after the first `word` at or after `from`.
    fn after_word(&self, from: usize, word: &str) -> usize {
        self.source[from..].find(word).map_or(from, |at| from + at + word.len())
    }
}

impl<'a> Visit<'a> for Finder<'_> {
    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        if let Some(phase) = it.phase {
            let after_import = self.after_word(it.span.start as usize, "import");
            let word = if matches!(phase, oxc::ast::ast::ImportPhase::Defer) { "defer" } else { "source" };
            let after_phase = self.after_word(after_import, word);
            self.unexpected_at(after_phase);
        }
        walk::walk_import_declaration(self, it);
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        if it.phase.is_some() {
            let after_dot = self.after_word(it.span.start as usize, ".");
            self.unexpected_at(after_dot);
        }
        walk::walk_import_expression(self, it);
    }
}
