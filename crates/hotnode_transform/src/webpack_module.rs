//! `module` in an ES module written for webpack. webpack gives every module a `module` object,
//! ES modules too, and webpack's documented recipe reads `module.hot` (NestJS's:
//! `if (module.hot) { module.hot.accept(); ... }`); node gives an ES module none, so the recipe
//! throws `ReferenceError: module is not defined in ES module scope`. An ES module that uses a
//! `module` it does not declare, other than to ask `typeof module` or read `module.exports` (a
//! dual-format check: `typeof module !== "undefined" && module.exports`, which must take node's
//! way), gets hotnode's: each reference is renamed to [`WEBPACK_MODULE`], a parameter the runtime
//! passes (`{ id, hot }`). Such a use throws under node, so no code that runs under node changes.

use std::cell::Cell;

use oxc::allocator::{Allocator, TakeIn};
use oxc::ast::ast::{Expression, IdentifierReference, Program, Statement, StaticMemberExpression, UnaryExpression};
use oxc::ast_visit::{Visit, VisitMut, walk, walk_mut};
use oxc::semantic::Scoping;
use oxc::str::Ident;
use oxc::syntax::operator::UnaryOperator;
use oxc::syntax::scope::{ScopeFlags, ScopeId};
use oxc::syntax::symbol::{SymbolFlags, SymbolId};

use crate::snippet;

/// The name the runtime binds the module object to.
pub const WEBPACK_MODULE: &str = "__hotnode_module__";

/// webpack compiles `import.meta.webpackHot` to the text `module.hot`. Where a function or block
/// around it declares a `module` of its own (an error handler's `(err, { module, moduleId })`,
/// webpack's documented signature), that text names the declared one: there it is `module.hot`
/// here too. (An import named `module` does not count: webpack compiles its reads away.)
pub fn webpack_hot_in_scope<'a>(program: &mut Program<'a>, allocator: &'a Allocator, scoping: &Scoping) {
    let mut rewrite = ShadowedHot { allocator, scoping, scopes: Vec::new() };
    rewrite.visit_program(program);
}

struct ShadowedHot<'s, 'a> {
    allocator: &'a Allocator,
    scoping: &'s Scoping,
    scopes: Vec<ScopeId>,
}

impl<'a> VisitMut<'a> for ShadowedHot<'_, 'a> {
    fn enter_scope(&mut self, _: ScopeFlags, scope_id: &Cell<Option<ScopeId>>) {
        if let Some(id) = scope_id.get() {
            self.scopes.push(id);
        }
    }

    fn leave_scope(&mut self) {
        self.scopes.pop();
    }

    fn visit_expression(&mut self, it: &mut Expression<'a>) {
        if let Expression::StaticMemberExpression(member) = it
            && member.property.name.as_str() == "webpackHot"
            && matches!(&member.object, Expression::ImportMeta(_))
            && let Some(&scope) = self.scopes.last()
            && self.scoping.find_binding(scope, Ident::from("module")).is_some_and(|symbol| {
                !is_ambient(self.scoping, symbol)
                    && self.scoping.symbol_scope_id(symbol) != self.scoping.root_scope_id()
            })
        {
            let span = member.span;
            let Statement::ExpressionStatement(mut statement) = snippet::statement(self.allocator, "module.hot;")
            else {
                unreachable!("a snippet expression statement")
            };
            let mut replacement = statement.expression.take_in(&self.allocator);
            if let Expression::StaticMemberExpression(hot) = &mut replacement {
                hot.span = span;
            }
            *it = replacement;
            return;
        }
        walk_mut::walk_expression(self, it);
    }
}

/// Renames the free `module` of an ES module that uses it as webpack's (see above); whether it
/// did.
pub fn give_webpack_module(program: &mut Program<'_>, scoping: &Scoping) -> bool {
    let declared = scoping.get_root_binding(Ident::from("module")).is_some_and(|s| is_ambient(scoping, s));
    if !declared && !scoping.root_unresolved_references().contains_key("module") {
        return false;
    }
    let mut uses = Uses { scoping, all: 0, node_safe: 0 };
    uses.visit_program(program);
    if uses.all == uses.node_safe {
        return false;
    }
    Rename { scoping }.visit_program(program);
    true
}

/// A `module` the module does not declare: unresolved, or only declared for the type checker
/// (`declare const module: any;`, as NestJS's recipe writes it in TypeScript). A reference
/// without an id is one hotnode wrote (`ShadowedHot`), naming a declared `module`.
fn is_free_module(scoping: &Scoping, id: &IdentifierReference<'_>) -> bool {
    id.name.as_str() == "module"
        && id.reference_id.get().is_some_and(|reference| {
            scoping.get_reference(reference).symbol_id().is_none_or(|symbol| is_ambient(scoping, symbol))
        })
}

fn is_ambient(scoping: &Scoping, symbol: SymbolId) -> bool {
    scoping.symbol_flags(symbol).contains(SymbolFlags::Ambient)
}

/// The free `module` references, and those of them node runs without throwing (`typeof module`,
/// `module.exports`, which only run guarded).
struct Uses<'s> {
    scoping: &'s Scoping,
    all: usize,
    node_safe: usize,
}

impl<'a> Visit<'a> for Uses<'_> {
    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        if is_free_module(self.scoping, it) {
            self.all += 1;
        }
    }

    fn visit_unary_expression(&mut self, it: &UnaryExpression<'a>) {
        if it.operator == UnaryOperator::Typeof
            && let Expression::Identifier(id) = &it.argument
            && is_free_module(self.scoping, id)
        {
            self.node_safe += 1;
        }
        walk::walk_unary_expression(self, it);
    }

    fn visit_static_member_expression(&mut self, it: &StaticMemberExpression<'a>) {
        if it.property.name.as_str() == "exports"
            && let Expression::Identifier(id) = &it.object
            && is_free_module(self.scoping, id)
        {
            self.node_safe += 1;
        }
        walk::walk_static_member_expression(self, it);
    }
}

struct Rename<'s> {
    scoping: &'s Scoping,
}

impl<'a> VisitMut<'a> for Rename<'_> {
    fn visit_identifier_reference(&mut self, it: &mut IdentifierReference<'a>) {
        if is_free_module(self.scoping, it) {
            it.name = Ident::from(WEBPACK_MODULE);
        }
        walk_mut::walk_identifier_reference(self, it);
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::options::{ModuleFormat, TransformOptions};
    use crate::pipeline::transform;

    fn esm(source: &str) -> String {
        esm_at("/app/a.js", source)
    }

    fn esm_at(path: &str, source: &str) -> String {
        let options = TransformOptions::new(PathBuf::from(path), format!("file://{path}"), ModuleFormat::Esm);
        let code = transform(source, &options).unwrap().code;
        code[..code.find("//# sourceURL").unwrap_or(code.len())].to_string()
    }

    #[test]
    fn an_es_module_reading_module_hot_gets_the_module_object() {
        let code = esm("if (module.hot) { module.hot.accept(); module.hot.dispose(() => console.log(module.id)); }\n");
        assert!(!code.contains("module.hot") && code.contains("__hotnode_module__.hot"), "{code}");
        assert!(code.contains("__hotnode_module__.id"), "{code}");
        let optional = esm("module?.hot?.accept();\nconsole.log(typeof module);\n");
        assert!(
            optional.contains("__hotnode_module__?.hot") && optional.contains("typeof __hotnode_module__"),
            "{optional}"
        );
    }

    #[test]
    fn import_meta_webpack_hot_names_a_module_declared_around_it_as_webpacks_text_does() {
        let code = esm(
            "import.meta.webpackHot.accept(function handler(err, { module }) { import.meta.webpackHot.data.x = 1; module.hot.accept(handler); });\n",
        );
        assert!(code.contains("module.hot.data.x = 1"), "{code}");
        assert!(code.contains("__vite_ssr_import_meta__.webpackHot.accept(function handler"), "{code}");
        let imported =
            esm("import module from './m.js';\nfunction f() { import.meta.webpackHot.accept(); }\nf(module);\n");
        assert!(imported.contains("__vite_ssr_import_meta__.webpackHot.accept()"), "{imported}");
    }

    #[test]
    fn a_module_declared_only_for_the_type_checker_is_webpacks() {
        let code = esm_at("/app/main.ts", "declare const module: any;\nif (module.hot) { module.hot.accept(); }\n");
        assert!(code.contains("__hotnode_module__.hot.accept()"), "{code}");
    }

    #[test]
    fn other_es_modules_and_declared_modules_are_left_as_node_runs_them() {
        let id = esm("export default module.id;\n");
        assert!(id.contains("__hotnode_module__.id"), "{id}");
        let value = esm("export default module;\n");
        assert!(value.contains("__hotnode_module__"), "{value}");
        let untouched = esm("console.log(typeof module, typeof module !== 'undefined' && module.exports);\n");
        assert!(!untouched.contains("__hotnode_module__"), "{untouched}");
        let declared = esm("const module = { hot: 1 };\nconsole.log(module.hot);\n");
        assert!(!declared.contains("__hotnode_module__"), "{declared}");
    }
}
