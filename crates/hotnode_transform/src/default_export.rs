//! `export default` of an anonymous function or class, as the language has it: the value is
//! named "default", and `export default function () {}` is a hoisted declaration (a circular
//! importer may call it before the module's body has run). The module-runner form writes both
//! as `const __vite_ssr_export_default__ = <value>`, which names the value after the constant
//! and leaves the function in its temporal dead zone until that line runs.

use oxc::allocator::{Allocator, TakeIn};
use oxc::ast::ast::{
    BindingIdentifier, BindingPattern, Expression, FunctionType, ObjectPropertyKind, Program, Statement,
};
use oxc::ast::builder::AstBuilder;

use crate::snippet;

/// The constant the module-runner form declares for a default export that has no name.
const DEFAULT: &str = "__vite_ssr_export_default__";

/// Runs after the module-runner transform.
pub fn name_default_export<'a>(program: &mut Program<'a>, allocator: &'a Allocator) {
    let Some(at) = program.body.iter().position(declares_default) else { return };
    let Statement::VariableDeclaration(declaration) = &mut program.body[at] else { return };
    let Some(init) = declaration.declarations[0].init.as_mut() else { return };
    match init {
        // Unparenthesized, an anonymous function here was written as a declaration (an
        // expression after `export default` would need parentheses): it becomes one again,
        // hoisted, and is named "default" before anything else runs.
        Expression::FunctionExpression(function) if function.id.is_none() => {
            let Expression::FunctionExpression(mut function) = init.take_in(&allocator) else { unreachable!() };
            function.r#type = FunctionType::FunctionDeclaration;
            let span = function.span;
            function.id = Some(BindingIdentifier::new(span, DEFAULT, &AstBuilder::new(allocator)));
            program.body[at] = Statement::FunctionDeclaration(function);
            let rename = snippet::statement(
                allocator,
                "Object.defineProperty(__vite_ssr_export_default__, \"name\", { value: \"default\" });",
            );
            program.body.insert(0, rename);
        }
        // Any other anonymous function or class: named "default" by being a property of that
        // name, which names it before its static blocks run.
        _ if is_anonymous_definition(init) => {
            let value = init.take_in(&allocator);
            let Statement::ExpressionStatement(mut wrapper) =
                snippet::statement(allocator, "({ default: 0 }).default;")
            else {
                unreachable!()
            };
            if let Some(property) = default_property_value(&mut wrapper.expression) {
                *property = value;
                *init = wrapper.expression.take_in(&allocator);
            }
        }
        _ => {}
    }
}

fn declares_default(statement: &Statement<'_>) -> bool {
    let Statement::VariableDeclaration(declaration) = statement else { return false };
    let [declarator] = declaration.declarations.as_slice() else { return false };
    matches!(&declarator.id, BindingPattern::BindingIdentifier(id) if id.name == DEFAULT)
}

/// A function, arrow function or class without a name of its own (in parentheses or not).
fn is_anonymous_definition(expression: &Expression<'_>) -> bool {
    match expression {
        Expression::ParenthesizedExpression(inner) => is_anonymous_definition(&inner.expression),
        Expression::FunctionExpression(function) => function.id.is_none(),
        Expression::ClassExpression(class) => class.id.is_none(),
        Expression::ArrowFunctionExpression(_) => true,
        _ => false,
    }
}

/// The `0` in the snippet `({ default: 0 }).default`.
fn default_property_value<'s, 'a>(expression: &'s mut Expression<'a>) -> Option<&'s mut Expression<'a>> {
    let Expression::StaticMemberExpression(member) = expression else { return None };
    let Expression::ParenthesizedExpression(parenthesized) = &mut member.object else { return None };
    let Expression::ObjectExpression(object) = &mut parenthesized.expression else { return None };
    let Some(ObjectPropertyKind::ObjectProperty(property)) = object.properties.first_mut() else { return None };
    Some(&mut property.value)
}
