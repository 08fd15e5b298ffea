//! Whether a new version of a module differs from the running one only inside the bodies of
//! functions with refresh slots (`refresh_slots.rs`), and if so, the code that compiles the new
//! bodies in the running module's scope.
//!
//! Both versions are the transform's output. Each is cut into its skeleton (the code with each
//! guarded function's body replaced by a marker) and the bodies; equal skeletons mean the edit
//! touched bodies only. The new functions are then written out at the very places they have in
//! the new code, everything else blanked and the line breaks kept, inside an array literal:
//! evaluated, it gives the new functions, and a position in them is the same position of the new
//! code (whose source map the runtime then uses for their stack frames). The bracket and the
//! parentheses go where blanks were, except the opening one of each function, which goes just
//! before it (only positions on a function's first line move, by one or two columns).

use oxc::allocator::Allocator;
use oxc::ast::ast::{
    ArrowFunctionBody, ArrowFunctionExpression, BinaryExpression, Expression, Function, FunctionBody, MethodDefinition,
    ObjectProperty, Statement,
};
use oxc::ast_visit::{Visit, walk};
use oxc::parser::Parser;
use oxc::semantic::ScopeFlags;
use oxc::span::{GetSpan, SourceType, Span};

use crate::options::ModuleFormat;
use crate::refresh_slots::SLOTS;

/// New bodies to put in place: evaluate each chunk's code in the module's scope (it gives an
/// array of functions) and put the functions in the chunk's slots, in order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RefreshPlan {
    pub chunks: Vec<RefreshChunk>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RefreshChunk {
    pub slots: Vec<u32>,
    /// What each function is called, for messages: `handler`, `Users.find`, `an arrow function`.
    pub names: Vec<String>,
    pub code: String,
}

/// A guarded function found in a version of the module.
struct Guarded {
    slot: u32,
    name: String,
    /// The text kept when it is compiled again: the function, or the method without `static`.
    keep: Span,
    /// Blanked inside `keep`: the `static` of a static method.
    drop_prefix: u32,
    body: Span,
    guard: Span,
    /// Class methods are strict also in a sloppy module.
    strict: bool,
    /// How the kept text becomes an expression of the function.
    wrap: Wrap,
}

enum Wrap {
    /// `(function ...)`, `(async (a) => ...)`.
    Parens,
    /// `({ m() {...} })["m"]`.
    Method(String),
}

struct Version {
    /// The code up to its `//# sourceURL` trailer.
    code: String,
    guarded: Vec<Guarded>,
    sloppy: bool,
}

/// `None` when the new version changes more than guarded bodies (or does not parse).
pub fn plan_refresh(old: &str, new: &str, format: ModuleFormat) -> Option<RefreshPlan> {
    if format == ModuleFormat::Json || !new.contains(SLOTS) {
        return None;
    }
    let old = Version::read(old, format)?;
    let new = Version::read(new, format)?;
    if old.guarded.len() != new.guarded.len() || old.skeleton() != new.skeleton() {
        return None;
    }
    let changed: Vec<&Guarded> = old
        .guarded
        .iter()
        .zip(&new.guarded)
        .filter(|(a, b)| old.text(a.body) != new.text(b.body))
        .map(|(_, b)| b)
        .collect();
    let (strict, plain): (Vec<&Guarded>, Vec<&Guarded>) = changed.into_iter().partition(|g| g.strict && new.sloppy);
    let chunks = [(plain, false), (strict, true)]
        .into_iter()
        .filter(|(functions, _)| !functions.is_empty())
        .map(|(functions, strict)| RefreshChunk {
            slots: functions.iter().map(|g| g.slot).collect(),
            names: functions.iter().map(|g| g.name.clone()).collect(),
            code: new.write_out(&functions, strict),
        })
        .collect();
    Some(RefreshPlan { chunks })
}

impl Version {
    fn read(code: &str, format: ModuleFormat) -> Option<Version> {
        let code = &code[..code.find("\n//# sourceURL=").map_or(code.len(), |at| at + 1)];
        // Parsed as what it is: the body of the function the runtime makes of it.
        let (prefix, source_type) = match format {
            ModuleFormat::Esm => ("async function* __hotnode__() {", SourceType::mjs()),
            _ => ("function __hotnode__() {", SourceType::cjs()),
        };
        let wrapped = format!("{prefix}{code}\n}}");
        let allocator = Allocator::default();
        let parsed = Parser::new(&allocator, &wrapped, source_type).parse();
        if parsed.panicked || !parsed.diagnostics.is_empty() {
            return None;
        }
        let Some(Statement::FunctionDeclaration(function)) = parsed.program.body.first() else { return None };
        let body = function.body.as_ref()?;
        let sloppy =
            format == ModuleFormat::Cjs && !body.directives.iter().any(|d| d.directive.as_str() == "use strict");
        let mut finder = Finder { guarded: Vec::new(), shift: prefix.len() as u32, code };
        finder.visit_function_body(body);
        Some(Version { code: code.to_string(), guarded: finder.guarded, sloppy })
    }

    fn text(&self, span: Span) -> &str {
        &self.code[span.start as usize..span.end as usize]
    }

    fn skeleton(&self) -> String {
        let mut out = String::with_capacity(self.code.len());
        let mut at = 0;
        for g in &self.guarded {
            out.push_str(&self.code[at..g.body.start as usize]);
            out.push_str(&format!("{{#{}}}", g.slot));
            at = g.body.end as usize;
        }
        out.push_str(&self.code[at..]);
        out
    }

    /// The array of `functions` at their places in the code, everything else blank.
    fn write_out(&self, functions: &[&Guarded], strict: bool) -> String {
        let mut out = String::with_capacity(self.code.len() + 64);
        // Two lines before the code, as the runtime's function wrapper has (the source map
        // counts them).
        out.push_str(if strict { "(() => { \"use strict\"; return [\n\n" } else { "[\n\n" });
        let mut at = 0;
        for g in functions {
            blank(&mut out, &self.code[at..g.keep.start as usize]);
            out.push_str(match g.wrap {
                Wrap::Parens => "(",
                Wrap::Method(_) => "({",
            });
            let drop_end = g.keep.start + g.drop_prefix;
            blank(&mut out, &self.code[g.keep.start as usize..drop_end as usize]);
            out.push_str(&self.code[drop_end as usize..g.guard.start as usize]);
            blank(&mut out, self.text(g.guard));
            out.push_str(&self.code[g.guard.end as usize..g.keep.end as usize]);
            match &g.wrap {
                Wrap::Parens => out.push_str("),"),
                Wrap::Method(key) => {
                    out.push_str("})[");
                    out.push_str(key);
                    out.push_str("],");
                }
            }
            at = g.keep.end as usize;
        }
        blank(&mut out, &self.code[at..]);
        out.push_str(if strict { "\n]; })()" } else { "\n]" });
        out
    }
}

/// `text` as blanks: line breaks kept, any other character a space per UTF-16 unit (V8's
/// columns).
fn blank(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => out.push(c),
            c => {
                for _ in 0..c.len_utf16() {
                    out.push(' ');
                }
            }
        }
    }
}

struct Finder<'c> {
    guarded: Vec<Guarded>,
    /// The length of the wrapper put before the code to parse it.
    shift: u32,
    code: &'c str,
}

impl Finder<'_> {
    fn at(&self, span: Span) -> Span {
        Span::new(span.start - self.shift, span.end - self.shift)
    }

    #[allow(clippy::too_many_arguments)]
    fn found(
        &mut self,
        body: &FunctionBody,
        name: String,
        keep: Span,
        drop_prefix: u32,
        strict: bool,
        wrap: Wrap,
    ) -> bool {
        let Some(slot) = body.statements.first().and_then(guard_slot) else { return false };
        let guard = self.at(body.statements[0].span());
        let keep = self.at(keep);
        let body = self.at(body.span);
        self.guarded.push(Guarded { slot, name, keep, drop_prefix, body, guard, strict, wrap });
        true
    }
}

/// `N` of a guard `if (__hotnode_r__[N] !== 2 && ...) ...`.
fn guard_slot(statement: &Statement) -> Option<u32> {
    let Statement::IfStatement(guard) = statement else { return None };
    let Expression::LogicalExpression(both) = &guard.test else { return None };
    let Expression::BinaryExpression(test) = &both.left else { return None };
    let BinaryExpression { left: Expression::ComputedMemberExpression(member), .. } = &**test else { return None };
    let Expression::Identifier(object) = &member.object else { return None };
    let Expression::NumericLiteral(n) = &member.expression else { return None };
    (object.name == SLOTS).then_some(n.value as u32)
}

impl<'a> Visit<'a> for Finder<'_> {
    fn visit_function(&mut self, function: &Function<'a>, flags: ScopeFlags) {
        if let Some(body) = &function.body
            && self.found(body, function_name(function), function.span, 0, false, Wrap::Parens)
        {
            return;
        }
        walk::walk_function(self, function, flags);
    }

    fn visit_arrow_function_expression(&mut self, arrow: &ArrowFunctionExpression<'a>) {
        if let ArrowFunctionBody::FunctionBody(body) = &arrow.body
            && self.found(body, "an arrow function".to_string(), arrow.span, 0, false, Wrap::Parens)
        {
            return;
        }
        walk::walk_arrow_function_expression(self, arrow);
    }

    fn visit_method_definition(&mut self, method: &MethodDefinition<'a>) {
        if let (Some(body), Some(key)) = (&method.value.body, method.key.static_name()) {
            let drop_prefix = if method.r#static {
                let text = &self.code[self.at(method.span).start as usize..];
                if text.starts_with("static") { 6 } else { 0 }
            } else {
                0
            };
            let name = format!("method {key}");
            let key = serde_json::to_string(&key).expect("a string serializes");
            if self.found(body, name, method.span, drop_prefix, true, Wrap::Method(key)) {
                return;
            }
        }
        walk::walk_method_definition(self, method);
    }

    fn visit_object_property(&mut self, property: &ObjectProperty<'a>) {
        if property.method
            && let (Expression::FunctionExpression(function), Some(key)) = (&property.value, property.key.static_name())
            && let Some(body) = &function.body
        {
            let name = format!("method {key}");
            let key = serde_json::to_string(&key).expect("a string serializes");
            if self.found(body, name, property.span, 0, false, Wrap::Method(key)) {
                return;
            }
        }
        walk::walk_object_property(self, property);
    }
}

fn function_name(function: &Function) -> String {
    function.id.as_ref().map_or_else(|| "an anonymous function".to_string(), |id| format!("function {}", id.name))
}
