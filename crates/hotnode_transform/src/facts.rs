//! The static facts of a module that the server needs before the module runs: what it imports
//! (to resolve and prefetch in one round trip), what it `require`s (so CommonJS `require` can
//! stay synchronous), and which specifiers its hot API names (so `accept("./dep.js")` resolves
//! exactly like the import of that dependency).

use oxc::ast::ast::*;
use oxc::ast_visit::{Visit, walk};

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StaticImport {
    pub specifier: String,
    /// Imported binding names (`default`, `*` for a namespace or a star re-export); empty for a
    /// side-effect import.
    pub names: Vec<String>,
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
}

impl ModuleFacts {
    pub fn collect(program: &Program<'_>) -> Self {
        let mut collector = Collector::default();
        collector.visit_program(program);
        collector.facts
    }
}

#[derive(Default)]
struct Collector {
    facts: ModuleFacts,
}

impl Collector {
    fn add_import(&mut self, specifier: &str, names: impl IntoIterator<Item = String>) {
        let names: Vec<String> = names.into_iter().collect();
        if let Some(existing) = self.facts.imports.iter_mut().find(|i| i.specifier == specifier) {
            for n in names {
                if !existing.names.contains(&n) {
                    existing.names.push(n);
                }
            }
        } else {
            self.facts.imports.push(StaticImport { specifier: specifier.to_string(), names });
        }
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
        let names = it.specifiers.iter().flatten().filter_map(|s| match s {
            ImportDeclarationSpecifier::ImportSpecifier(s) if !s.import_kind.is_type() => {
                Some(s.imported.name().to_string())
            }
            ImportDeclarationSpecifier::ImportSpecifier(_) => None,
            ImportDeclarationSpecifier::ImportDefaultSpecifier(_) => Some("default".into()),
            ImportDeclarationSpecifier::ImportNamespaceSpecifier(_) => Some("*".into()),
        });
        let names: Vec<String> = names.collect();
        self.add_import(it.source.value.as_str(), names);
    }

    fn visit_export_from_declaration(&mut self, it: &ExportFromDeclaration<'a>) {
        if it.export_kind.is_type() {
            return;
        }
        let names: Vec<String> =
            it.specifiers.iter().filter(|s| !s.export_kind.is_type()).map(|s| s.local.name().to_string()).collect();
        self.add_import(it.source.value.as_str(), names);
    }

    fn visit_export_all_declaration(&mut self, it: &ExportAllDeclaration<'a>) {
        if it.export_kind.is_type() {
            return;
        }
        self.add_import(it.source.value.as_str(), ["*".to_string()]);
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
