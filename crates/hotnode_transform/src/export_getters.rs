//! The module-runner form exports a binding through a getter the transform writes
//! (`get() { return a; }`). A circular importer that reads `a` before it is initialized gets its
//! ReferenceError from inside that getter, and node prints the source line of where an uncaught
//! error was thrown: with no mapping, the getter's generated line. Mapping the getter's `a` to the
//! declaration of `a` makes that line the module's own, where the binding is declared.

use std::collections::HashMap;

use oxc::ast::ast::{Argument, Expression, ObjectPropertyKind, Program, PropertyKey, ReturnStatement, Statement};
use oxc::semantic::Scoping;
use oxc::span::Span;

use crate::facts::ModuleExports;

/// The declaration span of each exported local binding, by exported name. Runs before the
/// module-runner transform, while the scoping still knows the module's bindings.
pub fn exported_declarations(exports: &ModuleExports, scoping: &Scoping) -> HashMap<String, Span> {
    exports
        .local
        .iter()
        .filter_map(|(exported, local)| {
            let symbol = scoping.get_root_binding(local.as_str().into())?;
            Some((exported.clone(), scoping.symbol_span(symbol)))
        })
        .collect()
}

/// Runs after the module-runner transform.
pub fn map_export_getters(program: &mut Program<'_>, declarations: &HashMap<String, Span>) {
    if declarations.is_empty() {
        return;
    }
    for statement in program.body.iter_mut() {
        let Some((name, returned)) = export_getter(statement) else { continue };
        let Some(span) = declarations.get(&name) else { continue };
        // V8 places the error at the `return`, the code generator maps the name: both.
        returned.span = *span;
        if let Some(Expression::Identifier(id)) = &mut returned.argument {
            id.span = *span;
        }
    }
}

/// `Object.defineProperty(__vite_ssr_exports__, "name", { ..., get() { return <expr>; } })`:
/// the name and the `return`.
fn export_getter<'s, 'a>(statement: &'s mut Statement<'a>) -> Option<(String, &'s mut ReturnStatement<'a>)> {
    let Statement::ExpressionStatement(statement) = statement else { return None };
    let Expression::CallExpression(call) = &mut statement.expression else { return None };
    let [Argument::Identifier(target), Argument::StringLiteral(name), Argument::ObjectExpression(descriptor)] =
        call.arguments.as_mut_slice()
    else {
        return None;
    };
    if target.name != "__vite_ssr_exports__" {
        return None;
    }
    let name = name.value.to_string();
    for property in descriptor.properties.iter_mut() {
        let ObjectPropertyKind::ObjectProperty(property) = property else { continue };
        if !matches!(&property.key, PropertyKey::StaticIdentifier(key) if key.name == "get") {
            continue;
        }
        let Expression::FunctionExpression(getter) = &mut property.value else { continue };
        let body = getter.body.as_mut()?;
        let Some(Statement::ReturnStatement(returned)) = body.statements.first_mut() else { continue };
        return Some((name, returned));
    }
    None
}
