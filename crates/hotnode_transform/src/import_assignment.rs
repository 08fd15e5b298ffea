//! Assigning to an imported binding throws a `TypeError` ("Assignment to constant variable."):
//! import bindings are immutable. The module-runner form leaves such an assignment as one to an
//! undeclared name, a `ReferenceError` in strict code; so its writes are found while the
//! semantic scoping still knows which names are imports, and each assignment (or `++`/`--`) is
//! replaced after the module-runner transform by its right-hand side, then the `TypeError`.

use std::collections::HashSet;

use oxc::allocator::{Allocator, TakeIn};
use oxc::ast::ast::{AssignmentTarget, Expression, IdentifierReference, Program, SimpleAssignmentTarget, Statement};
use oxc::ast_visit::{Visit, VisitMut, walk_mut};
use oxc::semantic::Scoping;
use oxc::span::Span;

use crate::snippet;

/// The spans of the identifiers that write an imported binding.
pub fn find_import_writes(program: &Program<'_>, scoping: &Scoping) -> HashSet<Span> {
    let mut finder = Finder { scoping, writes: HashSet::new() };
    finder.visit_program(program);
    finder.writes
}

struct Finder<'s> {
    scoping: &'s Scoping,
    writes: HashSet<Span>,
}

impl<'a> Visit<'a> for Finder<'_> {
    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        let Some(reference_id) = it.reference_id.get() else { return };
        let reference = self.scoping.get_reference(reference_id);
        if reference.is_write()
            && let Some(symbol) = reference.symbol_id()
            && self.scoping.symbol_flags(symbol).is_import()
        {
            self.writes.insert(it.span);
        }
    }
}

/// Replaces every assignment and update of a binding `writes` names (see [`find_import_writes`]).
pub fn throw_on_import_writes<'a>(program: &mut Program<'a>, allocator: &'a Allocator, writes: &HashSet<Span>) {
    if !writes.is_empty() {
        Replacer { allocator, writes }.visit_program(program);
    }
}

struct Replacer<'s, 'a> {
    allocator: &'a Allocator,
    writes: &'s HashSet<Span>,
}

impl<'a> Replacer<'_, 'a> {
    fn writes_import(&self, target: &SimpleAssignmentTarget<'a>) -> bool {
        matches!(target, SimpleAssignmentTarget::AssignmentTargetIdentifier(id) if self.writes.contains(&id.span))
    }

    /// `(value, (() => { throw new TypeError(...) })())`; without a value, `0` stands first.
    fn then_throw(&self, value: Option<Expression<'a>>) -> Expression<'a> {
        let snippet = "(0, (() => { throw new TypeError(\"Assignment to constant variable.\"); })());";
        let Statement::ExpressionStatement(mut statement) = snippet::statement(self.allocator, snippet) else {
            unreachable!()
        };
        if let (Some(value), Expression::ParenthesizedExpression(parenthesized)) = (value, &mut statement.expression)
            && let Expression::SequenceExpression(sequence) = &mut parenthesized.expression
        {
            sequence.expressions[0] = value;
        }
        statement.expression.take_in(&self.allocator)
    }
}

impl<'a> VisitMut<'a> for Replacer<'_, 'a> {
    fn visit_expression(&mut self, expr: &mut Expression<'a>) {
        walk_mut::walk_expression(self, expr);
        let value = match expr {
            Expression::AssignmentExpression(assignment) => match &assignment.left {
                AssignmentTarget::AssignmentTargetIdentifier(id) if self.writes.contains(&id.span) => {
                    assignment.right.take_in(&self.allocator)
                }
                _ => return,
            },
            Expression::UpdateExpression(update) if self.writes_import(&update.argument) => {
                *expr = self.then_throw(None);
                return;
            }
            _ => return,
        };
        *expr = self.then_throw(Some(value));
    }
}
