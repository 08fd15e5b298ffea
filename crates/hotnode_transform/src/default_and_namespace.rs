//! `import x, * as ns from "m"` binds both names. The module-runner form keeps only the
//! namespace when a declaration ends with one, and leaves `x` undeclared; so such a declaration
//! is split first into `import * as ns from "m"` and `import x from "m"` (the same module,
//! evaluated once; the bindings keep their symbols, so every reference to `x` is rewritten).

use oxc::allocator::{Allocator, CloneIn};
use oxc::ast::ast::{ImportDeclarationSpecifier, ModuleDeclaration, Program, Statement};

/// Runs before the module-runner transform.
pub fn split_default_and_namespace<'a>(program: &mut Program<'a>, allocator: &'a Allocator) {
    let mut at = 0;
    while at < program.body.len() {
        if let Some(default_import) = split_off_default(&mut program.body[at], allocator) {
            program.body.insert(at + 1, default_import);
            at += 1;
        }
        at += 1;
    }
}

/// The default import of a default-and-namespace declaration as a declaration of its own; the
/// original keeps the namespace.
fn split_off_default<'a>(statement: &mut Statement<'a>, allocator: &'a Allocator) -> Option<Statement<'a>> {
    let Statement::ImportDeclaration(declaration) = statement else { return None };
    let specifiers = declaration.specifiers.as_mut()?;
    let [
        ImportDeclarationSpecifier::ImportDefaultSpecifier(_),
        ImportDeclarationSpecifier::ImportNamespaceSpecifier(_),
    ] = specifiers.as_slice()
    else {
        return None;
    };
    let mut default_only = declaration.clone_in_with_semantic_ids(allocator);
    declaration.specifiers.as_mut()?.remove(0);
    default_only.specifiers.as_mut()?.pop();
    Some(Statement::from(ModuleDeclaration::ImportDeclaration(default_only)))
}
