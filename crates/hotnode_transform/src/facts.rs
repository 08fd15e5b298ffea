//! The static facts of a module that the server needs before the module runs: what it imports
//! (to resolve and prefetch in one round trip), what it `require`s (so CommonJS `require` can
//! stay synchronous), which specifiers its hot API names (so `accept("./dep.js")` resolves
//! exactly like the import of that dependency), and what it exports (so the runtime checks the
//! names its importers import before any module of a graph runs, as node's linker does).

use std::collections::HashMap;

use oxc::ast::ast::*;
use oxc::ast_visit::{Visit, walk};

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StaticImport {
    pub specifier: String,
    /// Imported binding names (`default`, `*` for a namespace or a star re-export); empty for a
    /// side-effect import.
    pub names: Vec<String>,
    /// The import attributes of each declaration that imports the specifier, when any has some
    /// (node checks them against what the module is: `with { type: "json" }`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<ImportAttributes>,
}

/// One declaration's import attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportAttributes {
    /// Written with the removed `assert` keyword instead of `with`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub assert: bool,
    /// `(key, value)` in the order written; empty for a declaration without attributes.
    pub entries: Vec<(String, String)>,
}

impl ImportAttributes {
    fn of(clause: Option<&WithClause<'_>>) -> Self {
        let Some(clause) = clause else { return Self::default() };
        let entries = clause
            .with_entries
            .iter()
            .map(|entry| {
                let key = match &entry.key {
                    ImportAttributeKey::Identifier(name) => name.name.to_string(),
                    ImportAttributeKey::StringLiteral(literal) => literal.value.to_string(),
                };
                (key, entry.value.value.to_string())
            })
            .collect();
        Self { assert: clause.keyword == WithClauseKeyword::Assert, entries }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModuleFacts {
    /// `import`/`export ... from` declarations left after type-only imports were removed.
    pub imports: Vec<StaticImport>,
    /// `import("...")` with a string (or substitution-free template) argument.
    pub dynamic_imports: Vec<String>,
    /// `require("...")` calls with a string argument.
    pub requires: Vec<String>,
    /// Specifiers named by `import.meta.hot`/`import.meta.webpackHot`/`module.hot`
    /// `accept(...)`/`decline(...)`.
    pub hot_specifiers: Vec<String>,
    /// `import.meta.resolve("...")` with a string argument: resolved in advance, as node
    /// resolves an `import`, so the call answers synchronously with node's answer.
    pub meta_resolves: Vec<String>,
    /// The ES module awaits at its top level: it evaluates asynchronously.
    pub top_level_await: bool,
    /// The source phase (`import source`, `import.source()`), which only some nodes parse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_phase: Option<crate::import_phase::SourcePhase>,
    /// What an ES module exports (left empty for other formats).
    pub exports: ModuleExports,
}

/// An ES module's exports by name, as the language's `ResolveExport` needs them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModuleExports {
    /// `(exported, local)`: names bound in the module itself (`*default*` for an anonymous
    /// default export).
    pub local: Vec<(String, String)>,
    /// `(exported, specifier, imported)`: names that stand for another module's (`*` for its
    /// namespace, as in `export * as ns from`), also an imported binding exported again.
    pub indirect: Vec<(String, String, String)>,
    /// The specifiers of `export * from`.
    pub stars: Vec<String>,
}

impl ModuleFacts {
    pub fn collect(program: &Program<'_>) -> Self {
        let mut collector = Collector::default();
        collector.visit_program(program);
        // `export { a }` of an imported `a` stands for the other module's binding; imports are
        // hoisted, so this is known only at the end.
        let mut facts = collector.facts;
        for (exported, local) in collector.exported_locals {
            match collector.import_bindings.get(&local) {
                Some((specifier, imported)) => {
                    facts.exports.indirect.push((exported, specifier.clone(), imported.clone()))
                }
                None => facts.exports.local.push((exported, local)),
            }
        }
        facts
    }
}

#[derive(Default)]
struct Collector {
    facts: ModuleFacts,
    /// Local name -> (specifier, imported name, `*` for a namespace).
    import_bindings: HashMap<String, (String, String)>,
    /// `(exported, local)` of the module's own export declarations.
    exported_locals: Vec<(String, String)>,
    /// Each import's attributes per declaration (aligned with `facts.imports`).
    attribute_clauses: Vec<Vec<ImportAttributes>>,
}

impl Collector {
    fn add_import(
        &mut self,
        specifier: &str,
        names: impl IntoIterator<Item = String>,
        clause: Option<&WithClause<'_>>,
    ) {
        let names: Vec<String> = names.into_iter().collect();
        let attributes = ImportAttributes::of(clause);
        let index = match self.facts.imports.iter().position(|i| i.specifier == specifier) {
            Some(index) => index,
            None => {
                let import =
                    StaticImport { specifier: specifier.to_string(), names: Vec::new(), attributes: Vec::new() };
                self.facts.imports.push(import);
                self.attribute_clauses.push(Vec::new());
                self.facts.imports.len() - 1
            }
        };
        let existing = &mut self.facts.imports[index];
        for n in names {
            if !existing.names.contains(&n) {
                existing.names.push(n);
            }
        }
        // Kept only when some declaration of the specifier has attributes: none at all is the
        // common case, and says the same.
        let clauses = &mut self.attribute_clauses[index];
        clauses.push(attributes);
        existing.attributes =
            if clauses.iter().any(|c| c.assert || !c.entries.is_empty()) { clauses.clone() } else { Vec::new() };
    }
}

fn string_value<'a>(expr: &Expression<'a>) -> Option<String> {
    match expr {
        Expression::StringLiteral(s) => Some(s.value.to_string()),
        Expression::TemplateLiteral(t) => t.single_quasi().map(|s| s.to_string()),
        _ => None,
    }
}

/// `import.meta.hot`, `import.meta.webpackHot` or `module.hot`.
fn is_hot_object(expr: &Expression<'_>) -> bool {
    matches!(expr, Expression::StaticMemberExpression(member) if is_hot_member(member))
}

fn is_hot_member(member: &StaticMemberExpression<'_>) -> bool {
    match (&member.object, member.property.name.as_str()) {
        (Expression::ImportMeta(_), "hot" | "webpackHot") => true,
        (Expression::Identifier(id), "hot") => id.name.as_str() == "module",
        _ => false,
    }
}

impl<'a> Visit<'a> for Collector {
    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        if it.import_kind.is_type() {
            return;
        }
        let specifier = it.source.value.to_string();
        for s in it.specifiers.iter().flatten() {
            let (local, imported) = match s {
                ImportDeclarationSpecifier::ImportSpecifier(s) if !s.import_kind.is_type() => {
                    (s.local.name.to_string(), s.imported.name().to_string())
                }
                ImportDeclarationSpecifier::ImportSpecifier(_) => continue,
                ImportDeclarationSpecifier::ImportDefaultSpecifier(s) => (s.local.name.to_string(), "default".into()),
                ImportDeclarationSpecifier::ImportNamespaceSpecifier(s) => (s.local.name.to_string(), "*".into()),
            };
            self.import_bindings.insert(local, (specifier.clone(), imported));
        }
        let names = it.specifiers.iter().flatten().filter_map(|s| match s {
            ImportDeclarationSpecifier::ImportSpecifier(s) if !s.import_kind.is_type() => {
                Some(s.imported.name().to_string())
            }
            ImportDeclarationSpecifier::ImportSpecifier(_) => None,
            ImportDeclarationSpecifier::ImportDefaultSpecifier(_) => Some("default".into()),
            ImportDeclarationSpecifier::ImportNamespaceSpecifier(_) => Some("*".into()),
        });
        let names: Vec<String> = names.collect();
        self.add_import(it.source.value.as_str(), names, it.with_clause.as_deref());
    }

    fn visit_export_from_declaration(&mut self, it: &ExportFromDeclaration<'a>) {
        if it.export_kind.is_type() {
            return;
        }
        let values = it.specifiers.iter().filter(|s| !s.export_kind.is_type());
        let names: Vec<String> = values.clone().map(|s| s.local.name().to_string()).collect();
        for s in values {
            let indirect = (s.exported.name().to_string(), it.source.value.to_string(), s.local.name().to_string());
            self.facts.exports.indirect.push(indirect);
        }
        self.add_import(it.source.value.as_str(), names, it.with_clause.as_deref());
    }

    fn visit_export_named_declaration(&mut self, it: &ExportNamedDeclaration<'a>) {
        if !it.export_kind.is_type() {
            for s in it.specifiers.iter().filter(|s| !s.export_kind.is_type()) {
                self.exported_locals.push((s.exported.name().to_string(), s.local.name().to_string()));
            }
        }
        walk::walk_export_named_declaration(self, it);
    }

    fn visit_export_declaration(&mut self, it: &ExportDeclaration<'a>) {
        let names: Vec<String> = match &it.declaration {
            Declaration::VariableDeclaration(declaration) => declaration
                .declarations
                .iter()
                .flat_map(|d| d.id.get_binding_identifiers())
                .map(|id| id.name.to_string())
                .collect(),
            Declaration::FunctionDeclaration(function) => function.id.iter().map(|id| id.name.to_string()).collect(),
            Declaration::ClassDeclaration(class) => class.id.iter().map(|id| id.name.to_string()).collect(),
            _ => Vec::new(),
        };
        for name in names {
            self.exported_locals.push((name.clone(), name));
        }
        walk::walk_export_declaration(self, it);
    }

    fn visit_export_default_declaration(&mut self, it: &ExportDefaultDeclaration<'a>) {
        let local = match &it.declaration {
            ExportDefaultDeclarationKind::FunctionDeclaration(f) => f.id.as_ref().map(|id| id.name.to_string()),
            ExportDefaultDeclarationKind::ClassDeclaration(c) => c.id.as_ref().map(|id| id.name.to_string()),
            _ => None,
        };
        self.facts.exports.local.push(("default".into(), local.unwrap_or_else(|| "*default*".into())));
        walk::walk_export_default_declaration(self, it);
    }

    fn visit_export_all_declaration(&mut self, it: &ExportAllDeclaration<'a>) {
        if it.export_kind.is_type() {
            return;
        }
        match &it.exported {
            Some(name) => {
                let indirect = (name.name().to_string(), it.source.value.to_string(), "*".to_string());
                self.facts.exports.indirect.push(indirect);
            }
            None => self.facts.exports.stars.push(it.source.value.to_string()),
        }
        self.add_import(it.source.value.as_str(), ["*".to_string()], it.with_clause.as_deref());
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        if let Some(s) = string_value(&it.source)
            && !self.facts.dynamic_imports.contains(&s)
        {
            self.facts.dynamic_imports.push(s);
        }
        walk::walk_import_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        match &it.callee {
            Expression::Identifier(id) if id.name.as_str() == "require" && it.arguments.len() == 1 => {
                if let Some(s) = it.arguments[0].as_expression().and_then(string_value)
                    && !self.facts.requires.contains(&s)
                {
                    self.facts.requires.push(s);
                }
            }
            Expression::StaticMemberExpression(member)
                if member.property.name.as_str() == "resolve" && matches!(member.object, Expression::ImportMeta(_)) =>
            {
                if let Some(s) = it.arguments.first().and_then(Argument::as_expression).and_then(string_value)
                    && !self.facts.meta_resolves.contains(&s)
                {
                    self.facts.meta_resolves.push(s);
                }
            }
            Expression::StaticMemberExpression(member)
                if matches!(member.property.name.as_str(), "accept" | "decline") && is_hot_object(&member.object) =>
            {
                if let Some(first) = it.arguments.first().and_then(Argument::as_expression) {
                    let specs = match first {
                        Expression::ArrayExpression(array) => {
                            array.elements.iter().filter_map(|e| e.as_expression().and_then(string_value)).collect()
                        }
                        other => string_value(other).into_iter().collect::<Vec<_>>(),
                    };
                    for s in specs {
                        if !self.facts.hot_specifiers.contains(&s) {
                            self.facts.hot_specifiers.push(s);
                        }
                    }
                }
            }
            _ => {}
        }
        walk::walk_call_expression(self, it);
    }
}
