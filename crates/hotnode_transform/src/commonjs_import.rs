//! `import()` in a CommonJS module. The module's code runs as the body of a function the
//! runtime compiles, and V8 resolves a native `import()` there against the runtime's own file,
//! not the module's: `import("./lib.mjs")` in `main.js` looked for the runtime's `lib.mjs`. So
//! each `import(source, options)` becomes `__hotnode_dynamic_import__(source, options)`, a
//! function the runtime hands the module, which resolves from the module as node does (and
//! serves app modules hot).

use oxc::allocator::{Allocator, ArenaVec, TakeIn};
use oxc::ast::ast::{Argument, Expression, ImportExpression, Program};
use oxc::ast::builder::AstBuilder;
use oxc::ast_visit::{VisitMut, walk_mut};

/// The name the runtime gives the function (a parameter of the module's wrapper).
pub(crate) const DYNAMIC_IMPORT: &str = "__hotnode_dynamic_import__";

pub fn route_dynamic_imports<'a>(program: &mut Program<'a>, allocator: &'a Allocator) {
    DynamicImports { allocator, ast: AstBuilder::new(allocator) }.visit_program(program);
}

struct DynamicImports<'a> {
    allocator: &'a Allocator,
    ast: AstBuilder<'a>,
}

impl<'a> VisitMut<'a> for DynamicImports<'a> {
    fn visit_expression(&mut self, expr: &mut Expression<'a>) {
        walk_mut::walk_expression(self, expr);
        if !matches!(expr, Expression::ImportExpression(_)) {
            return;
        }
        let Expression::ImportExpression(import) = expr.take_in(&self.allocator) else { unreachable!() };
        let ImportExpression { span, source, options, .. } = import.unbox();
        let callee = Expression::new_identifier(span, DYNAMIC_IMPORT, &self.ast);
        let arguments =
            ArenaVec::from_iter_in(std::iter::once(source).chain(options).map(Argument::from), &self.allocator);
        *expr = Expression::new_call_expression(span, callee, None, arguments, false, &self.ast);
    }
}
