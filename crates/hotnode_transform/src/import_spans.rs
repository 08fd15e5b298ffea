//! The module-runner form reads an imported binding `a` as `__vite_ssr_import_0__.a`, a member
//! expression that keeps `a`'s span but whose parts have none, and the code generator maps a
//! member expression only through its parts: a TDZ error or a call there was placed by the
//! source map at whatever came before on the line. Giving the parts the span of the name they
//! replace maps them to it.

use oxc::ast::ast::{Expression, MemberExpression, Program};
use oxc::ast_visit::{VisitMut, walk_mut};

/// Runs after the module-runner transform.
pub fn map_import_reads(program: &mut Program<'_>) {
    ImportReads.visit_program(program);
}

struct ImportReads;

/// The import object the transform wrote in place of a name (it has no span of its own; a
/// namespace import's own name, renamed, keeps the span it had in the source).
fn is_import_binding(expression: &Expression<'_>) -> bool {
    matches!(expression, Expression::Identifier(id)
        if id.span.is_empty() && id.name.starts_with("__vite_ssr_import_") && id.name.ends_with("__"))
}

impl<'a> VisitMut<'a> for ImportReads {
    fn visit_member_expression(&mut self, it: &mut MemberExpression<'a>) {
        match it {
            MemberExpression::StaticMemberExpression(member)
                if !member.span.is_empty() && is_import_binding(&member.object) =>
            {
                let span = member.span;
                if let Expression::Identifier(object) = &mut member.object {
                    object.span = span;
                }
                member.property.span = span;
            }
            MemberExpression::ComputedMemberExpression(member)
                if !member.span.is_empty() && is_import_binding(&member.object) =>
            {
                let span = member.span;
                if let Expression::Identifier(object) = &mut member.object {
                    object.span = span;
                }
            }
            _ => {}
        }
        walk_mut::walk_member_expression(self, it);
    }
}
