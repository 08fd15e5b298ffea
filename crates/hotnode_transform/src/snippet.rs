//! Code of hotnode's own spliced into a module: parsed into the module's arena from source text
//! (shorter and plainer than building the nodes by hand), with its spans emptied. They were
//! offsets into the snippet, and the code generator would take them for places in the module
//! (printing the module's comments inside it, mapping it to the wrong lines).

use oxc::allocator::Allocator;
use oxc::ast::ast::Statement;
use oxc::ast_visit::VisitMut;
use oxc::parser::Parser;
use oxc::span::{SPAN, SourceType, Span};

/// The one statement of `text`.
pub fn statement<'a>(allocator: &'a Allocator, text: &str) -> Statement<'a> {
    let text = allocator.alloc_str(text);
    let mut program = Parser::new(allocator, text, SourceType::mjs()).parse().program;
    let mut statement = program.body.pop().expect("a snippet is one statement");
    NoSpans.visit_statement(&mut statement);
    statement
}

struct NoSpans;

impl<'a> VisitMut<'a> for NoSpans {
    fn visit_span(&mut self, span: &mut Span) {
        *span = SPAN;
    }
}
