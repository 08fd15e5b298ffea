//! How an ES module waits for its imports, so that modules evaluate in node's order and, when
//! nothing is asynchronous, synchronously. The module-runner form awaits each hoisted import
//! (`const m = await __vite_ssr_import__(...)`): every module then takes microtask turns, so a
//! module with top-level await holds up its sibling instead of letting it run while it waits.
//!
//! After this pass each hoisted import asks for the dependency and takes its bindings at once;
//! only when the answer is not there yet (a package node still has to load) does the module
//! stop: `const m = __vite_ssr_import__(...) ?? (yield)`. After the last import,
//! `__hotnode_deps_ready__() || (yield)` stops it until its asynchronous dependencies have
//! evaluated. The runtime compiles a module as a generator function, which it drives, and a
//! module with top-level await as an async function, where each `yield` is
//! `await __hotnode_wait__()`.

use oxc::allocator::{Allocator, TakeIn, Vec as ArenaVec};
use oxc::ast::ast::{Argument, Expression, LogicalOperator, Program, Statement};
use oxc::ast::ast::{
    ArrowFunctionExpression, AwaitExpression, ForOfStatement, Function, VariableDeclaration, VariableDeclarationKind,
};
use oxc::ast::builder::AstBuilder;
use oxc::ast_visit::Visit;
use oxc::span::SPAN;

const IMPORT: &str = "__vite_ssr_import__";
const EXPORT_ALL: &str = "__vite_ssr_exportAll__";
/// Runtime parameters: whether every dependency has evaluated, and (top-level await) what to
/// await instead of a `yield`.
const DEPS_READY: &str = "__hotnode_deps_ready__";
const WAIT: &str = "__hotnode_wait__";

/// Whether the module awaits at its top level (`await`, `for await`, `await using`): it is then an async
/// module, evaluated as an async function. Runs before the module-runner transform, whose
/// hoisted imports are awaits too.
pub fn has_top_level_await(program: &Program<'_>) -> bool {
    let mut finder = TopLevelAwait { found: false };
    finder.visit_program(program);
    finder.found
}

struct TopLevelAwait {
    found: bool,
}

impl<'a> Visit<'a> for TopLevelAwait {
    fn visit_await_expression(&mut self, it: &AwaitExpression<'a>) {
        self.found = true;
        oxc::ast_visit::walk::walk_await_expression(self, it);
    }
    fn visit_variable_declaration(&mut self, it: &VariableDeclaration<'a>) {
        self.found |= it.kind == VariableDeclarationKind::AwaitUsing;
        oxc::ast_visit::walk::walk_variable_declaration(self, it);
    }
    fn visit_for_of_statement(&mut self, it: &ForOfStatement<'a>) {
        self.found |= it.r#await;
        oxc::ast_visit::walk::walk_for_of_statement(self, it);
    }
    // Awaits inside functions are theirs.
    fn visit_function(&mut self, _: &Function<'a>, _: oxc::semantic::ScopeFlags) {}
    fn visit_arrow_function_expression(&mut self, _: &ArrowFunctionExpression<'a>) {}
}

/// Runs after the module-runner transform, on an ES module (not a CommonJS-format one).
pub fn step_imports<'a>(program: &mut Program<'a>, allocator: &'a Allocator, top_level_await: bool) {
    let ast = AstBuilder::new(allocator);
    let stop = |ast: &AstBuilder<'a>| {
        if top_level_await {
            let wait = Expression::new_call_expression(
                SPAN,
                Expression::new_identifier(SPAN, WAIT, ast),
                None,
                ArenaVec::new_in(&allocator),
                false,
                ast,
            );
            Expression::new_await_expression(SPAN, wait, ast)
        } else {
            Expression::new_yield_expression(SPAN, false, None, ast)
        }
    };
    let mut last_import = None;
    for (at, statement) in program.body.iter_mut().enumerate() {
        if let Some(init) = hoisted_import(statement) {
            let Expression::AwaitExpression(awaited) = init.take_in(&allocator) else { unreachable!() };
            let call = awaited.unbox().argument;
            *init = Expression::new_logical_expression(SPAN, call, LogicalOperator::Coalesce, stop(&ast), &ast);
            last_import = Some(at);
        } else if is_export_all(statement) {
            last_import = Some(at);
        }
    }
    let Some(last) = last_import else { return };
    let ready = Expression::new_call_expression(
        SPAN,
        Expression::new_identifier(SPAN, DEPS_READY, &ast),
        None,
        ArenaVec::new_in(&allocator),
        false,
        &ast,
    );
    let wait = Expression::new_logical_expression(SPAN, ready, LogicalOperator::Or, stop(&ast), &ast);
    program.body.insert(last + 1, Statement::new_expression_statement(SPAN, wait, &ast));
}

/// The `await __vite_ssr_import__(...)` of a hoisted import declaration.
fn hoisted_import<'s, 'a>(statement: &'s mut Statement<'a>) -> Option<&'s mut Expression<'a>> {
    let Statement::VariableDeclaration(declaration) = statement else { return None };
    let [declarator] = declaration.declarations.as_mut_slice() else { return None };
    let init = declarator.init.as_mut()?;
    let Expression::AwaitExpression(awaited) = &*init else { return None };
    let Expression::CallExpression(call) = &awaited.argument else { return None };
    matches!(&call.callee, Expression::Identifier(id) if id.name == IMPORT).then_some(init)
}

fn is_export_all(statement: &Statement<'_>) -> bool {
    let Statement::ExpressionStatement(expression) = statement else { return false };
    let Expression::CallExpression(call) = &expression.expression else { return false };
    matches!(&call.callee, Expression::Identifier(id) if id.name == EXPORT_ALL)
        && matches!(call.arguments.first(), Some(Argument::Identifier(_)))
}
