//! A direct `eval` runs in the module's scope, but V8 resolves an `import()` in the evaluated
//! code from the script that compiled the module (the runtime's). Each direct eval's source
//! goes through the runtime first: `eval(__hotnode_eval_source__(src, "<import function>"))`,
//! which turns the `import(` calls of that code into calls of the module's own import function,
//! in scope there. The callee stays `eval`, so the call stays a direct eval.

use oxc::allocator::{Allocator, TakeIn, Vec as ArenaVec};
use oxc::ast::ast::{Argument, CallExpression, Expression};
use oxc::ast::builder::AstBuilder;
use oxc::ast_visit::{VisitMut, walk_mut};
use oxc::span::SPAN;

/// The runtime's global that rewrites the source (see `runtime/eval-source.mjs`).
const EVAL_SOURCE: &str = "__hotnode_eval_source__";

/// `import_function`: the name of the module's import function (a parameter of its wrapper).
pub fn route_direct_evals<'a>(
    program: &mut oxc::ast::ast::Program<'a>,
    allocator: &'a Allocator,
    import_function: &str,
) {
    DirectEvals { allocator, ast: AstBuilder::new(allocator), import_function }.visit_program(program);
}

struct DirectEvals<'s, 'a> {
    allocator: &'a Allocator,
    ast: AstBuilder<'a>,
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
        let name = self.allocator.alloc_str(self.import_function);
        let name = Expression::new_string_literal(SPAN, name, None, &self.ast);
        let arguments = ArenaVec::from_iter_in([Argument::from(source), Argument::from(name)], &self.allocator);
        let callee = Expression::new_identifier(SPAN, EVAL_SOURCE, &self.ast);
        *first = Argument::from(Expression::new_call_expression(SPAN, callee, None, arguments, false, &self.ast));
    }
}
