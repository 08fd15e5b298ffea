//! Refresh slots: the functions of a module whose body an edit can replace in the running app
//! without running the module again (see docs/REFRESH.md).
//!
//! A function qualifies when it is written in the module's own scope (its top level, a call's
//! argument there, an object literal's value or method there, a method of a class declared
//! there), so that code compiled in that scope later sees the same bindings it does. Each gets
//! slot `N` and, as the first statement of its body, a guard:
//!
//! ```js
//! if (__hotnode_r__[N] !== 2 && __hotnode_r__.enter(N)) return __hotnode_r__.call(N, this, arguments, new.target);
//! ```
//!
//! Slot `N` reads 2 once the function has run (`enter` notes whether that was while the app
//! started), and holds the new function once an edit replaced the body (`enter` is true then):
//! the old function, the one a framework registered, then runs the new code. The guard is
//! short on purpose: every function of every module carries it, and its text is sent, parsed
//! and compiled at each start. The module's first statement makes the
//! slots and an evaluator of code in the module's scope (a direct `eval`, where the new bodies
//! are compiled):
//!
//! ```js
//! const __hotnode_r__ = __hotnode_refresh__(COUNT, (__hotnode_code__) => eval(__hotnode_code__));
//! ```
//!
//! Left out (an edit of one restarts, or is taken by an `accept`): generators, getters and
//! setters, constructors and field initializers (what they did is in the objects they made),
//! methods using `super` or private names (their new code could not compile outside the class),
//! arrow functions with destructured parameters (their arguments cannot be passed on as they
//! came), and anything inside a block, a loop or another function (its scope is not the
//! module's).

use oxc::allocator::{Allocator, TakeIn};
use oxc::ast::ast::{
    Argument, ArrowFunctionBody, ArrowFunctionExpression, BindingPattern, BlockStatement, CallExpression, Class,
    ClassElement, Expression, ForInStatement, ForOfStatement, ForStatement, FormalParameters, Function, FunctionBody,
    IdentifierReference, IfStatement, MethodDefinitionKind, ObjectProperty, PrivateIdentifier, Program, PropertyKey,
    PropertyKind, Statement, Super, SwitchStatement, TryStatement, VariableDeclarator, WithStatement,
};
use oxc::ast_visit::{Visit, VisitMut, walk_mut};
use oxc::semantic::ScopeFlags;
use oxc::span::GetSpan;
use oxc::str::Ident;

use crate::snippet;

/// The slots' name in the module, read by the guards (and by `refresh_plan`).
pub const SLOTS: &str = "__hotnode_r__";
/// The parameter of the module's function that makes the slots (the runtime's `refresh.mjs`).
pub const MAKE_SLOTS: &str = "__hotnode_refresh__";

/// Adds the guards and the prologue; returns how many slots the module has.
pub fn add_refresh_slots<'a>(program: &mut Program<'a>, allocator: &'a Allocator) -> u32 {
    let mut slots = Slots { allocator, count: 0, class_name: None, declared_as: None };
    for statement in program.body.iter_mut() {
        slots.visit_statement(statement);
    }
    if slots.count > 0 {
        let prologue =
            format!("const {SLOTS} = {MAKE_SLOTS}({}, (__hotnode_code__) => eval(__hotnode_code__));", slots.count);
        program.body.insert(0, snippet::statement(allocator, &prologue));
    }
    slots.count
}

struct Slots<'a> {
    allocator: &'a Allocator,
    count: u32,
    /// The name of a class expression being walked, when its methods could name it (the name
    /// is not in the module's scope unless the expression is a declarator's value of that name).
    class_name: Option<Ident<'a>>,
    /// The variable a class expression about to be walked is the value of.
    declared_as: Option<Ident<'a>>,
}

/// How a guarded function passes its call on (the runtime's `Slots.call`).
enum Pass {
    /// `this`, `arguments` and `new.target`: plain functions.
    Construct,
    /// `this` and `arguments`: methods and async functions (never called with `new`).
    Apply,
    /// An arrow function's parameters, by name (`[a, b, ...c]`; its `this` is the module's).
    Names(String),
}

impl<'a> Slots<'a> {
    fn guard(&mut self, body: &mut FunctionBody<'a>, pass: Pass) {
        let n = self.count;
        self.count += 1;
        let passed = match pass {
            Pass::Construct => "this, arguments, new.target".to_string(),
            Pass::Apply => "this, arguments".to_string(),
            Pass::Names(names) => format!("null, [{names}]"),
        };
        let text = format!("if ({SLOTS}[{n}] !== 2 && {SLOTS}.enter({n})) return {SLOTS}.call({n}, {passed});");
        body.statements.insert(0, snippet::statement_in_function(self.allocator, &text));
    }

    fn method_qualifies(&self, function: &Function<'a>) -> bool {
        !function.generator
            && function.body.as_ref().is_some_and(|body| {
                let mut found = ClassOnly { name: self.class_name, found: false };
                found.visit_function_body(body);
                !found.found
            })
    }
}

/// The parameters of an arrow function as arguments (`a, b, ...c`), if each is a plain name.
fn argument_names(params: &FormalParameters) -> Option<String> {
    let mut names = Vec::new();
    for param in &params.items {
        let BindingPattern::BindingIdentifier(id) = &param.pattern else { return None };
        names.push(id.name.to_string());
    }
    if let Some(rest) = &params.rest {
        let BindingPattern::BindingIdentifier(id) = &rest.rest.argument else { return None };
        names.push(format!("...{}", id.name));
    }
    Some(names.join(", "))
}

impl<'a> VisitMut<'a> for Slots<'a> {
    fn visit_function(&mut self, function: &mut Function<'a>, _flags: ScopeFlags) {
        if function.generator || function.span.is_empty() {
            return;
        }
        let pass = if function.r#async { Pass::Apply } else { Pass::Construct };
        if let Some(body) = function.body.as_mut() {
            self.guard(body, pass);
        }
    }

    fn visit_arrow_function_expression(&mut self, arrow: &mut ArrowFunctionExpression<'a>) {
        if arrow.span.is_empty() {
            return;
        }
        let Some(names) = argument_names(&arrow.params) else { return };
        if arrow.body.is_expression() {
            // `(c) => expr` becomes `(c) => { guard; return expr; }`.
            let expression = arrow.body.take_in(&self.allocator).into_expression();
            let mut body = snippet::function_body(self.allocator, "return 0;");
            if let Some(Statement::ReturnStatement(ret)) = body.statements.first_mut() {
                ret.span = expression.span();
                ret.argument = Some(expression);
            }
            arrow.body = ArrowFunctionBody::FunctionBody(body);
        }
        if let ArrowFunctionBody::FunctionBody(body) = &mut arrow.body {
            self.guard(body, Pass::Names(names));
        }
    }

    fn visit_class(&mut self, class: &mut Class<'a>) {
        // A class expression's own name is in scope only inside it: its methods may not name it
        // (unless it is the name of the variable it is assigned to, see `visit_variable_declarator`).
        let hidden = match (&class.id, self.declared_as.take()) {
            (Some(id), declared) if class.is_expression() && declared.as_ref() != Some(&id.name) => Some(id.name),
            _ => None,
        };
        let outer = std::mem::replace(&mut self.class_name, hidden);
        for element in class.body.body.iter_mut() {
            let ClassElement::MethodDefinition(method) = element else { continue };
            if method.kind != MethodDefinitionKind::Method
                || method.computed
                || matches!(method.key, PropertyKey::PrivateIdentifier(_))
                || method.span.is_empty()
                || !self.method_qualifies(&method.value)
            {
                continue;
            }
            if let Some(body) = method.value.body.as_mut() {
                self.guard(body, Pass::Apply);
            }
        }
        self.class_name = outer;
    }

    fn visit_variable_declarator(&mut self, declarator: &mut VariableDeclarator<'a>) {
        // `let C = class C { ... }` (legacy decorators' output): there the inner name is the outer one.
        if let (Some(Expression::ClassExpression(_)), BindingPattern::BindingIdentifier(id)) =
            (&declarator.init, &declarator.id)
        {
            self.declared_as = Some(id.name);
        }
        walk_mut::walk_variable_declarator(self, declarator);
        self.declared_as = None;
    }

    fn visit_object_property(&mut self, property: &mut ObjectProperty<'a>) {
        match property.kind {
            PropertyKind::Get | PropertyKind::Set => {}
            PropertyKind::Init if property.method => {
                let Expression::FunctionExpression(function) = &mut property.value else { return };
                if property.computed || property.span.is_empty() || !self.method_qualifies(function) {
                    return;
                }
                if let Some(body) = function.body.as_mut() {
                    self.guard(body, Pass::Apply);
                }
            }
            PropertyKind::Init => {
                if !property.computed {
                    self.visit_expression(&mut property.value);
                }
            }
        }
    }

    fn visit_call_expression(&mut self, call: &mut CallExpression<'a>) {
        // The module form's own export getters (`Object.defineProperty(__vite_ssr_exports__, ...)`).
        if matches!(call.arguments.first(), Some(Argument::Identifier(id)) if id.name == "__vite_ssr_exports__") {
            return;
        }
        walk_mut::walk_call_expression(self, call);
    }

    // Scopes other than the module's: what is declared inside is not in scope where new code
    // is compiled.
    fn visit_block_statement(&mut self, _: &mut BlockStatement<'a>) {}
    fn visit_if_statement(&mut self, _: &mut IfStatement<'a>) {}
    fn visit_for_statement(&mut self, _: &mut ForStatement<'a>) {}
    fn visit_for_in_statement(&mut self, _: &mut ForInStatement<'a>) {}
    fn visit_for_of_statement(&mut self, _: &mut ForOfStatement<'a>) {}
    fn visit_switch_statement(&mut self, _: &mut SwitchStatement<'a>) {}
    fn visit_try_statement(&mut self, _: &mut TryStatement<'a>) {}
    fn visit_with_statement(&mut self, _: &mut WithStatement<'a>) {}
}

/// Whether a method's body uses what only compiles inside its class: `super`, a private name,
/// or the name of the class expression it is in.
struct ClassOnly<'a> {
    name: Option<Ident<'a>>,
    found: bool,
}

impl<'a> Visit<'a> for ClassOnly<'a> {
    fn visit_super(&mut self, _: &Super) {
        self.found = true;
    }
    fn visit_private_identifier(&mut self, _: &PrivateIdentifier<'a>) {
        self.found = true;
    }
    fn visit_identifier_reference(&mut self, id: &IdentifierReference<'a>) {
        if self.name.is_some_and(|name| id.name == name) {
            self.found = true;
        }
    }
}
