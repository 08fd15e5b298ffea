//! Code of hotnode's own spliced into a module: parsed into the module's arena from source text
//! (shorter and plainer than building the nodes by hand), with its spans emptied. They were
//! offsets into the snippet, and the code generator would take them for places in the module
//! (printing the module's comments inside it, mapping it to the wrong lines).

use oxc::allocator::{Allocator, Vec as ArenaVec};
use oxc::ast::ast::{Argument, Expression, FunctionBody, Statement};
use oxc::ast::builder::AstBuilder;
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

/// `callee(argument, "text")`: a call of one of the runtime's globals, at `span`.
pub fn runtime_call<'a>(
    allocator: &'a Allocator,
    callee: &str,
    span: Span,
    argument: Expression<'a>,
    text: &str,
) -> Expression<'a> {
    let ast = AstBuilder::new(allocator);
    let text = Expression::new_string_literal(SPAN, allocator.alloc_str(text), None, &ast);
    let arguments = ArenaVec::from_iter_in([Argument::from(argument), Argument::from(text)], &allocator);
    let callee = Expression::new_identifier(span, allocator.alloc_str(callee), &ast);
    Expression::new_call_expression(span, callee, None, arguments, false, &ast)
}

/// The body of `function () { text }`: for code that is valid only inside a function (`return`,
/// `this`, `arguments`, `new.target`).
pub fn function_body<'a>(allocator: &'a Allocator, text: &str) -> oxc::allocator::Box<'a, FunctionBody<'a>> {
    let text = allocator.alloc_str(&format!("(function () {{ {text}\n}});"));
    let mut program = Parser::new(allocator, text, SourceType::mjs()).parse().program;
    let Some(Statement::ExpressionStatement(statement)) = program.body.pop() else {
        unreachable!("a function body snippet parses as one statement")
    };
    let Expression::ParenthesizedExpression(parenthesized) = statement.unbox().expression else {
        unreachable!("a parenthesized function")
    };
    let Expression::FunctionExpression(function) = parenthesized.unbox().expression else {
        unreachable!("a function expression")
    };
    let mut body = function.unbox().body.expect("a function with a body");
    NoSpans.visit_function_body(&mut body);
    body
}

/// The one statement of `text`, valid inside a function.
pub fn statement_in_function<'a>(allocator: &'a Allocator, text: &str) -> Statement<'a> {
    function_body(allocator, text).statements.pop().expect("a snippet is one statement")
}
