//! A direct `eval` runs in the module's scope, but V8 resolves an `import()` in the evaluated
//! code from the script that compiled the module (the runtime's). Each direct eval's source
//! goes through the runtime first: `eval(__hotnode_eval_source__(src, "<import function>"))`,
//! which turns the `import(` calls of that code into calls of the module's own import function,
//! in scope there. The callee stays `eval`, so the call stays a direct eval.

use oxc::allocator::{Allocator, TakeIn};
use oxc::ast::ast::{Argument, CallExpression, Expression, Program};
use oxc::ast_visit::{VisitMut, walk_mut};
use oxc::span::SPAN;

use crate::snippet;

/// The runtime's global that rewrites the source (see `runtime/eval-source.mjs`).
const EVAL_SOURCE: &str = "__hotnode_eval_source__";

/// `import_function`: the name of the module's import function (a parameter of its wrapper).
pub fn route_direct_evals<'a>(program: &mut Program<'a>, allocator: &'a Allocator, import_function: &str) {
    DirectEvals { allocator, import_function }.visit_program(program);
}

struct DirectEvals<'s, 'a> {
    allocator: &'a Allocator,
    import_function: &'s str,
}

impl<'a> VisitMut<'a> for DirectEvals<'_, 'a> {
    fn visit_call_expression(&mut self, call: &mut CallExpression<'a>) {
        walk_mut::walk_call_expression(self, call);
        if !matches!(&call.callee, Expression::Identifier(id) if id.name == "eval") {
            return;
        }
        let Some(first) = call.arguments.first_mut() else { return };
        if matches!(first, Argument::SpreadElement(_)) {
            return;
        }
        let source = first.to_expression_mut().take_in(&self.allocator);
        *first = Argument::from(snippet::runtime_call(self.allocator, EVAL_SOURCE, SPAN, source, self.import_function));
    }
}
