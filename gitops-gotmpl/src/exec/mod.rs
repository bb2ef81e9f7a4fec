//! Executing parsed templates with Go's semantics: dot and variables, field and method
//! access, function calls with Go's argument checks, control structures, and Go's error
//! messages (`template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE`).

mod builtins;

use std::collections::HashMap;
use std::rc::Rc;

use crate::func::{Engine, Func, TextError, Ty};
use crate::parse::{Arg, Branch, BranchKind, Command, List, Node, Pipe, Tree};
use crate::template::{MissingKey, Templates};
use crate::value::{ListType, MapType, Value};
use crate::{Error, ErrorKind};

/// An evaluated value as the executor tracks it: Go distinguishes the invalid value (no
/// value at all, printed `<no value>`) from a nil held in an `interface {}` (a map entry
/// or slice element), and reports the static type `interface {}` for values read out of
/// such containers.
#[derive(Clone, Debug)]
pub(crate) enum R {
    /// No value (`reflect.Value{}`).
    Invalid,
    /// A value; `true` when it is held in an `interface {}`.
    Val(Value, bool),
}

impl R {
    pub(crate) fn concrete(v: Value) -> R {
        if v.is_nil() { R::Invalid } else { R::Val(v, false) }
    }

    fn in_iface(v: Value) -> R {
        R::Val(v, true)
    }

    /// What Go's pipelines do after each command: dig into `interface {}`.
    fn unwrap_iface(self) -> R {
        match self {
            R::Val(Value::Nil, _) | R::Invalid => R::Invalid,
            R::Val(v, _) => R::Val(v, false),
        }
    }

    pub(crate) fn value(&self) -> Value {
        match self {
            R::Invalid => Value::Nil,
            R::Val(v, _) => v.clone(),
        }
    }

    /// Whether it is nil or invalid (after `indirectInterface`).
    pub(crate) fn is_nil(&self) -> bool {
        matches!(self, R::Invalid | R::Val(Value::Nil, _))
    }

    fn truth(&self) -> bool {
        match self {
            R::Invalid => false,
            R::Val(v, _) => v.truthy(),
        }
    }

    fn static_type(&self) -> String {
        match self {
            R::Invalid => "<nil>".into(),
            R::Val(_, true) => "interface {}".into(),
            R::Val(v, false) => v.type_name(),
        }
    }
}

fn elem_of_list(t: ListType, v: Value) -> R {
    match t {
        ListType::Interface => R::in_iface(v),
        _ => R::concrete(v),
    }
}

fn elem_of_map(t: MapType, v: Value) -> R {
    match t {
        MapType::String => R::concrete(v),
        _ => R::in_iface(v),
    }
}

/// Execution limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum nesting of `{{template}}` calls (Go: 100000), also applied to nested
    /// engine calls (`include`, `tpl`).
    pub max_depth: usize,
    /// Maximum bytes written by one execution, nested executions included.
    pub max_output: usize,
    /// Maximum evaluation steps (nodes walked and commands evaluated) of one execution.
    pub max_steps: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_depth: 100_000, max_output: 256 << 20, max_steps: 100_000_000 }
    }
}

/// State shared by an execution and every execution nested in it.
#[derive(Default)]
pub(crate) struct Shared {
    steps: u64,
    written: usize,
    nesting: usize,
    counters: HashMap<String, i64>,
}

#[derive(Clone, Copy)]
enum At<'t> {
    Arg(&'t Arg),
    Cmd(&'t Command),
    Pipe(&'t Pipe),
    Node(&'t Node),
}

impl At<'_> {
    fn pos(&self) -> usize {
        match self {
            At::Arg(a) => a.pos(),
            At::Cmd(c) => c.pos,
            At::Pipe(p) => p.pos,
            At::Node(n) => match n {
                Node::Text { pos, .. }
                | Node::Action { pos, .. }
                | Node::Template { pos, .. }
                | Node::Break { pos }
                | Node::Continue { pos } => *pos,
                Node::Branch(b) => b.pos,
            },
        }
    }

    fn context(&self) -> String {
        match self {
            At::Arg(a) => a.to_string(),
            At::Cmd(c) => c.to_string(),
            At::Pipe(p) => p.to_string(),
            At::Node(n) => n.to_string(),
        }
    }
}

enum Flow {
    Normal,
    Break,
    Continue,
}

type Res<T> = Result<T, Error>;

pub(crate) struct State<'t, 'e> {
    tree: &'t Tree,
    set: &'e Templates,
    shared: &'e mut Shared,
    out: &'e mut String,
    vars: Vec<(String, R)>,
    depth: usize,
    node: Option<At<'t>>,
}

/// Executes `tree` of `set` with `data`, appending to `out` (Go's `Template.Execute`).
pub(crate) fn execute(set: &Templates, tree: &Tree, data: &Value, shared: &mut Shared, out: &mut String) -> Res<()> {
    let dot = R::concrete(data.clone());
    let mut st = State { tree, set, shared, out, vars: vec![("$".into(), dot.clone())], depth: 0, node: None };
    st.walk_list(&dot, &tree.root).map(|_| ())
}

/// Executes the template `name` of `set` at the top level.
pub(crate) fn execute_top(set: &Templates, name: &str, data: &Value) -> Res<String> {
    let mut shared = Shared::default();
    let mut out = String::new();
    let Some(tree) = set.tree(name) else {
        return Err(Error {
            kind: ErrorKind::Exec,
            message: format!(
                "template: no template {} associated with template {}",
                crate::fmt::quote(name),
                crate::fmt::quote(set.name())
            ),
        });
    };
    stacker::maybe_grow(64 * 1024, 4 << 20, || execute(set, &tree, data, &mut shared, &mut out))?;
    Ok(out)
}

impl<'t> State<'t, '_> {
    fn at(&mut self, n: At<'t>) {
        self.node = Some(n);
    }

    fn errorf<T>(&self, msg: impl std::fmt::Display) -> Res<T> {
        let name = &self.tree.name;
        let message = match self.node {
            None => format!("template: {name}: {msg}"),
            Some(n) => format!(
                "template: {}: executing {} at <{}>: {msg}",
                self.tree.location(n.pos()),
                crate::fmt::quote(name),
                n.context()
            ),
        };
        Err(Error { kind: ErrorKind::Exec, message })
    }

    fn limit<T>(&self, msg: String) -> Res<T> {
        Err(Error { kind: ErrorKind::Limit, message: format!("template: {}: {msg}", self.tree.name) })
    }

    fn step(&mut self) -> Res<()> {
        self.shared.steps += 1;
        let max = self.set.limits().max_steps;
        if self.shared.steps > max {
            return self.limit(format!("execution stopped after {max} steps (the step budget)"));
        }
        Ok(())
    }

    fn write(&mut self, s: &str) -> Res<()> {
        self.shared.written += s.len();
        let max = self.set.limits().max_output;
        if self.shared.written > max {
            return self.limit(format!("output exceeds the limit of {max} bytes"));
        }
        self.out.push_str(s);
        Ok(())
    }

    // ----- walking -----

    fn walk_list(&mut self, dot: &R, list: &'t List) -> Res<Flow> {
        for n in list {
            match self.walk(dot, n)? {
                Flow::Normal => {}
                f => return Ok(f),
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &R, node: &'t Node) -> Res<Flow> {
        self.step()?;
        match node {
            Node::Text { text, .. } => {
                self.write(text)?;
            }
            Node::Action { pipe, .. } => {
                let val = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.at(At::Node(node));
                    let s = match &val {
                        R::Invalid => "<no value>".to_string(),
                        R::Val(v, _) => crate::fmt::format_value(v),
                    };
                    self.write(&s)?;
                }
            }
            Node::Branch(b) => {
                return stacker::maybe_grow(64 * 1024, 1 << 20, || match b.kind {
                    BranchKind::Range => self.walk_range(dot, node, b),
                    _ => self.walk_if_or_with(dot, b),
                });
            }
            Node::Template { name, pipe, .. } => self.walk_template(dot, node, name, pipe.as_deref())?,
            Node::Break { .. } => return Ok(Flow::Break),
            Node::Continue { .. } => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn walk_if_or_with(&mut self, dot: &R, b: &'t Branch) -> Res<Flow> {
        let mark = self.vars.len();
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let r = if val.truth() {
            if b.kind == BranchKind::With { self.walk_list(&val, &b.list) } else { self.walk_list(dot, &b.list) }
        } else if let Some(e) = &b.else_list {
            self.walk_list(dot, e)
        } else {
            Ok(Flow::Normal)
        };
        self.vars.truncate(mark);
        r
    }

    fn walk_range(&mut self, dot: &R, node: &'t Node, b: &'t Branch) -> Res<Flow> {
        self.at(At::Node(node));
        let outer = self.vars.len();
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let mark = self.vars.len();
        let r = self.range_items(dot, b, val, mark);
        self.vars.truncate(outer);
        r.map(|_| Flow::Normal)
    }

    fn range_items(&mut self, dot: &R, b: &'t Branch, val: R, mark: usize) -> Res<()> {
        let v = val.value();
        let mut ran = false;
        match &v {
            Value::List(items, t) => {
                for (i, x) in items.iter().enumerate() {
                    ran = true;
                    if self.one_iteration(b, R::concrete(Value::Int(i as i64)), elem_of_list(*t, x.clone()), mark)? {
                        break;
                    }
                }
            }
            Value::Bytes(bytes) => {
                for (i, x) in bytes.iter().enumerate() {
                    ran = true;
                    if self.one_iteration(
                        b,
                        R::concrete(Value::Int(i as i64)),
                        R::concrete(Value::Int(*x as i64)),
                        mark,
                    )? {
                        break;
                    }
                }
            }
            Value::Map(m, t) => {
                // Keys sorted once, values read as the loop reaches them: a body may change
                // the map (Go reads each entry at its turn too).
                let keys: Vec<String> = m.borrow().keys().cloned().collect();
                for k in keys {
                    let Some(x) = m.borrow().get(&k).cloned() else { continue };
                    ran = true;
                    if self.one_iteration(b, R::concrete(Value::str(k.as_str())), elem_of_map(*t, x), mark)? {
                        break;
                    }
                }
            }
            Value::Int(_) | Value::Int64(_) | Value::Uint64(_) => {
                if b.pipe.decl.len() > 1 {
                    return self.errorf(format!(
                        "can't use {} to iterate over more than one variable",
                        crate::fmt::format_value(&v)
                    ));
                }
                let n: u64 = match v {
                    Value::Int(i) | Value::Int64(i) => i.max(0) as u64,
                    Value::Uint64(u) => u,
                    _ => 0,
                };
                for i in 0..n {
                    ran = true;
                    let e = match v {
                        Value::Int(_) => Value::Int(i as i64),
                        Value::Int64(_) => Value::Int64(i as i64),
                        _ => Value::Uint64(i),
                    };
                    if self.one_iteration(b, R::Invalid, R::concrete(e), mark)? {
                        break;
                    }
                }
            }
            Value::Nil => {}
            other => {
                return self.errorf(format!("range can't iterate over {}", crate::fmt::format_value(other)));
            }
        }
        if !ran && let Some(e) = &b.else_list {
            self.walk_list(dot, e)?;
        }
        Ok(())
    }

    /// One pass of a range body; true on `{{break}}`.
    fn one_iteration(&mut self, b: &'t Branch, index: R, elem: R, mark: usize) -> Res<bool> {
        self.step()?;
        let decl = &b.pipe.decl;
        if !decl.is_empty() {
            if b.pipe.is_assign {
                if decl.len() > 1 {
                    self.set_var(&decl[0], index.clone())?;
                } else {
                    self.set_var(&decl[0], elem.clone())?;
                }
            } else {
                self.set_top_var(1, elem.clone());
            }
        }
        if decl.len() > 1 {
            if b.pipe.is_assign {
                self.set_var(&decl[1], elem.clone())?;
            } else {
                self.set_top_var(2, index);
            }
        }
        let r = self.walk_list(&elem, &b.list);
        self.vars.truncate(mark);
        Ok(matches!(r?, Flow::Break))
    }

    fn walk_template(&mut self, dot: &R, node: &'t Node, name: &str, pipe: Option<&'t Pipe>) -> Res<()> {
        self.at(At::Node(node));
        let Some(tree) = self.set.tree(name) else {
            return self.errorf(format!("template {} not defined", crate::fmt::quote(name)));
        };
        let max = self.set.limits().max_depth;
        if self.depth >= max || self.shared.nesting >= max {
            return self.errorf(format!("exceeded maximum template depth ({max})"));
        }
        let new_dot = match pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => R::Invalid,
        };
        self.shared.nesting += 1;
        let depth = self.depth + 1;
        let set = self.set;
        let r = stacker::maybe_grow(64 * 1024, 4 << 20, || {
            let mut st = State {
                tree: &tree,
                set,
                shared: &mut *self.shared,
                out: &mut *self.out,
                vars: vec![("$".into(), new_dot.clone())],
                depth,
                node: None,
            };
            st.walk_list(&new_dot, &tree.root).map(|_| ())
        });
        self.shared.nesting -= 1;
        r
    }

    // ----- variables -----

    fn set_var(&mut self, name: &str, v: R) -> Res<()> {
        for (n, val) in self.vars.iter_mut().rev() {
            if n == name {
                *val = v;
                return Ok(());
            }
        }
        self.errorf(format!("undefined variable: {name}"))
    }

    fn set_top_var(&mut self, n: usize, v: R) {
        let len = self.vars.len();
        if let Some(slot) = len.checked_sub(n).and_then(|i| self.vars.get_mut(i)) {
            slot.1 = v;
        }
    }

    fn var_value(&self, name: &str) -> Res<R> {
        for (n, val) in self.vars.iter().rev() {
            if n == name {
                return Ok(val.clone());
            }
        }
        self.errorf(format!("undefined variable: {name}"))
    }

    // ----- evaluation -----

    fn eval_pipeline(&mut self, dot: &R, pipe: &'t Pipe) -> Res<R> {
        self.at(At::Pipe(pipe));
        let mut value: Option<R> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, value.take())?;
            value = Some(v.unwrap_iface());
        }
        let value = value.unwrap_or(R::Invalid);
        for var in &pipe.decl {
            if pipe.is_assign {
                self.set_var(var, value.clone())?;
            } else {
                self.vars.push((var.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], fin: &Option<R>) -> Res<()> {
        if args.len() > 1 || fin.is_some() {
            return self.errorf(format!("can't give argument to non-function {}", args[0]));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &R, cmd: &'t Command, fin: Option<R>) -> Res<R> {
        self.step()?;
        let first = &cmd.args[0];
        match first {
            Arg::Field { ident, .. } => {
                self.at(At::Arg(first));
                return self.eval_field_chain(dot, dot.clone(), first, ident, &cmd.args, fin);
            }
            Arg::Chain { node, fields, .. } => {
                return self.eval_chain(dot, first, node, fields, &cmd.args, fin);
            }
            Arg::Identifier { name, .. } => {
                return self.eval_function(dot, first, name, At::Cmd(cmd), &cmd.args, fin);
            }
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &fin)?;
                return stacker::maybe_grow(64 * 1024, 1 << 20, || self.eval_pipeline(dot, p));
            }
            Arg::Variable { ident, .. } => {
                return self.eval_variable(dot, first, ident, &cmd.args, fin);
            }
            _ => {}
        }
        self.at(At::Arg(first));
        self.not_a_function(&cmd.args, &fin)?;
        match first {
            Arg::Bool { val, .. } => Ok(R::concrete(Value::Bool(*val))),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => self.errorf("nil is not a command"),
            Arg::Number { num, .. } => self.ideal_constant(num),
            Arg::String { text, .. } => Ok(R::concrete(Value::String(text.clone()))),
            _ => self.errorf(format!("can't evaluate command {}", crate::fmt::quote(&first.to_string()))),
        }
    }

    fn ideal_constant(&self, n: &crate::parse::Number) -> Res<R> {
        let t = &n.text;
        let is_hex_int =
            t.len() > 2 && t.starts_with('0') && matches!(t.as_bytes()[1], b'x' | b'X') && !t.contains(['p', 'P']);
        let is_rune = t.starts_with('\'');
        if n.is_complex {
            return self.errorf(format!("complex constant {t} is not supported"));
        }
        if n.is_float && !is_hex_int && !is_rune && t.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(R::concrete(Value::Float(n.float)));
        }
        if n.is_int {
            return Ok(R::concrete(Value::Int(n.int)));
        }
        if n.is_uint {
            return self.errorf(format!("{t} overflows int"));
        }
        Ok(R::Invalid)
    }

    fn eval_chain(
        &mut self,
        dot: &R,
        chain: &'t Arg,
        node: &'t Arg,
        fields: &'t [String],
        args: &'t [Arg],
        fin: Option<R>,
    ) -> Res<R> {
        self.at(At::Arg(chain));
        if let Arg::Nil { .. } = node {
            return self.errorf(format!("indirection through explicit nil in {chain}"));
        }
        let pipe = self.eval_arg_value(dot, node)?;
        self.eval_field_chain(dot, pipe, chain, fields, args, fin)
    }

    fn eval_variable(&mut self, dot: &R, var: &'t Arg, ident: &'t [String], args: &'t [Arg], fin: Option<R>) -> Res<R> {
        self.at(At::Arg(var));
        let value = self.var_value(&ident[0])?;
        if ident.len() == 1 {
            self.not_a_function(args, &fin)?;
            return Ok(value);
        }
        self.eval_field_chain(dot, value, var, &ident[1..], args, fin)
    }

    fn eval_field_chain(
        &mut self,
        dot: &R,
        mut receiver: R,
        node: &'t Arg,
        ident: &'t [String],
        args: &'t [Arg],
        fin: Option<R>,
    ) -> Res<R> {
        let n = ident.len();
        for name in &ident[..n - 1] {
            receiver = self.eval_field(dot, name, node, &[], None, receiver)?;
        }
        self.eval_field(dot, &ident[n - 1], node, args, fin, receiver)
    }

    fn eval_field(
        &mut self,
        dot: &R,
        name: &str,
        node: &'t Arg,
        args: &'t [Arg],
        fin: Option<R>,
        receiver: R,
    ) -> Res<R> {
        let (v, _) = match &receiver {
            R::Invalid => {
                if self.set.missing_key_option() == MissingKey::Error {
                    return self.errorf(format!("nil data; no entry for key {}", crate::fmt::quote(name)));
                }
                return Ok(R::Invalid);
            }
            R::Val(Value::Nil, _) => {
                return self.errorf(format!("nil pointer evaluating interface {{}}.{name}"));
            }
            R::Val(v, iface) => (v.clone(), *iface),
        };
        let typ = receiver.static_type();
        let has_args = args.len() > 1 || fin.is_some();
        match &v {
            Value::Object(o) => {
                if o.has_method(name) {
                    return self.call_method(dot, o.clone(), name, node, args, fin, &typ);
                }
                if let Some(f) = o.field(name) {
                    if has_args {
                        return self.errorf(format!("{name} has arguments but cannot be invoked as function"));
                    }
                    return Ok(if f.is_nil() { R::in_iface(f) } else { R::concrete(f) });
                }
                if has_args {
                    return self.call_method(dot, o.clone(), name, node, args, fin, &typ);
                }
            }
            Value::Map(m, t) => {
                if let MapType::Named(type_name) = t {
                    if let Some(mm) = self.set.map_methods_of(type_name).filter(|mm| mm.has_method(name)) {
                        return self.call_map_method(dot, &*mm, &v, name, node, args, fin);
                    }
                }
                if has_args {
                    return self.errorf(format!("{name} is not a method but has arguments"));
                }
                let found = m.borrow().get(name).cloned();
                return match found {
                    Some(x) => Ok(elem_of_map(*t, x)),
                    None => match self.set.missing_key_option() {
                        MissingKey::Default => Ok(R::Invalid),
                        MissingKey::Zero => Ok(match t {
                            MapType::String => R::concrete(Value::str("")),
                            _ => R::in_iface(Value::Nil),
                        }),
                        MissingKey::Error => {
                            self.errorf(format!("map has no entry for key {}", crate::fmt::quote(name)))
                        }
                    },
                };
            }
            _ => {}
        }
        self.errorf(format!("can't evaluate field {name} in type {typ}"))
    }

    /// A method of a named map type (see [`crate::MapMethods`]); out of [`Self::eval_field`]
    /// to keep that recursive frame small.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn call_map_method(
        &mut self,
        dot: &R,
        mm: &dyn crate::value::MapMethods,
        receiver: &Value,
        name: &str,
        node: &'t Arg,
        args: &'t [Arg],
        fin: Option<R>,
    ) -> Res<R> {
        let mut argv = Vec::new();
        for a in args.iter().skip(1) {
            argv.push(self.eval_arg(dot, Ty::Any, a)?);
        }
        if let Some(f) = fin {
            argv.push(f.value());
        }
        match mm.call(receiver, name, &argv) {
            Err(e) => {
                self.at(At::Arg(node));
                self.errorf(format!("error calling {name}: {e}"))
            }
            Ok(r) => Ok(if r.is_nil() { R::in_iface(r) } else { R::concrete(r) }),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn call_method(
        &mut self,
        dot: &R,
        o: Rc<dyn crate::value::Object>,
        name: &str,
        node: &'t Arg,
        args: &'t [Arg],
        fin: Option<R>,
        typ: &str,
    ) -> Res<R> {
        let mut argv = Vec::new();
        for a in args.iter().skip(1) {
            argv.push(self.eval_arg(dot, Ty::Any, a)?);
        }
        if let Some(f) = fin {
            argv.push(f.value());
        }
        match o.call(name, &argv) {
            None => self.errorf(format!("can't evaluate field {name} in type {typ}")),
            Some(Err(e)) => {
                self.at(At::Arg(node));
                self.errorf(format!("error calling {name}: {e}"))
            }
            Some(Ok(v)) => Ok(if v.is_nil() { R::in_iface(v) } else { R::concrete(v) }),
        }
    }

    fn eval_function(
        &mut self,
        dot: &R,
        ident: &'t Arg,
        name: &str,
        node: At<'t>,
        args: &'t [Arg],
        fin: Option<R>,
    ) -> Res<R> {
        self.at(At::Arg(ident));
        let set = self.set;
        if let Some(f) = set.get_func(name) {
            return self.eval_call(dot, f, name, node, args, fin);
        }
        if let Some(f) = builtins::typed(name) {
            return self.eval_call(dot, &f, name, node, args, fin);
        }
        if builtins::is_reflective(name) {
            return self.eval_builtin(dot, name, node, args, fin);
        }
        self.errorf(format!("{} is not a defined function", crate::fmt::quote(name)))
    }

    fn eval_call(&mut self, dot: &R, f: &Func, name: &str, node: At<'t>, args: &'t [Arg], fin: Option<R>) -> Res<R> {
        let rest = if args.is_empty() { args } else { &args[1..] };
        let num_in = rest.len() + usize::from(fin.is_some());
        let fixed = f.params.len();
        match f.variadic {
            Some(_) if num_in < fixed => {
                return self
                    .errorf(format!("wrong number of args for {name}: want at least {fixed} got {}", rest.len()));
            }
            None if num_in != fixed => {
                return self.errorf(format!("wrong number of args for {name}: want {fixed} got {num_in}"));
            }
            _ => {}
        }
        let mut argv = Vec::with_capacity(num_in);
        for (i, a) in rest.iter().enumerate() {
            let ty = f.param(i).unwrap_or(Ty::Any);
            argv.push(self.eval_arg(dot, ty, a)?);
        }
        if let Some(fv) = fin {
            let ty = if f.variadic.is_some() && num_in > fixed {
                f.variadic.unwrap_or(Ty::Any)
            } else {
                f.params.get(num_in - 1).copied().unwrap_or(Ty::Any)
            };
            argv.push(self.validate_type(fv, ty)?);
        }
        let result = match &f.engine {
            Some(e) => {
                let e = e.clone();
                let set = self.set;
                let mut ctx = EngineCtx { set, shared: &mut *self.shared };
                stacker::maybe_grow(64 * 1024, 4 << 20, || e(&mut ctx, &argv))
            }
            None => (f.call)(&argv),
        };
        match result {
            Ok(v) => Ok(if v.is_nil() { R::in_iface(v) } else { R::concrete(v) }),
            Err(e) => {
                if let Some((_, limit)) = e.split_once(LIMIT_MARK) {
                    return Err(Error { kind: ErrorKind::Limit, message: limit.to_string() });
                }
                self.at(node);
                self.errorf(format!("error calling {name}: {e}"))
            }
        }
    }

    /// Evaluates an argument for a parameter of type `ty` (Go's `evalArg`).
    fn eval_arg(&mut self, dot: &R, ty: Ty, arg: &'t Arg) -> Res<Value> {
        self.at(At::Arg(arg));
        match arg {
            Arg::Dot { .. }
            | Arg::Field { .. }
            | Arg::Variable { .. }
            | Arg::Pipe(_)
            | Arg::Identifier { .. }
            | Arg::Chain { .. } => {
                let v = self.eval_arg_value(dot, arg)?;
                return self.validate_type(v, ty);
            }
            Arg::Nil { .. } => {
                if ty.nillable() {
                    return Ok(ty.zero());
                }
                return self.errorf(format!("cannot assign nil to {}", ty.go_name()));
            }
            _ => {}
        }
        match (ty, arg) {
            (Ty::Bool, Arg::Bool { val, .. }) => Ok(Value::Bool(*val)),
            (Ty::Bool, _) => self.errorf(format!("expected bool; found {arg}")),
            (Ty::Float64, Arg::Number { num, .. }) if num.is_float && !num.is_complex => Ok(Value::Float(num.float)),
            (Ty::Float64, _) => self.errorf(format!("expected float; found {arg}")),
            (Ty::Int, Arg::Number { num, .. }) if num.is_int => Ok(Value::Int(num.int)),
            (Ty::Int64, Arg::Number { num, .. }) if num.is_int => Ok(Value::Int64(num.int)),
            (Ty::Int | Ty::Int64, _) => self.errorf(format!("expected integer; found {arg}")),
            (Ty::String, Arg::String { text, .. }) => Ok(Value::String(text.clone())),
            (Ty::String, _) => self.errorf(format!("expected string; found {arg}")),
            (Ty::Any, _) => Ok(self.eval_constant(arg)?.value()),
            _ => self.errorf(format!("can't handle {arg} for arg of type {}", ty.go_name())),
        }
    }

    fn eval_constant(&mut self, arg: &'t Arg) -> Res<R> {
        self.at(At::Arg(arg));
        match arg {
            Arg::Bool { val, .. } => Ok(R::concrete(Value::Bool(*val))),
            Arg::Number { num, .. } => self.ideal_constant(num),
            Arg::String { text, .. } => Ok(R::concrete(Value::String(text.clone()))),
            _ => self.errorf(format!("can't handle assignment of {arg} to empty interface argument")),
        }
    }

    /// Evaluates a non-constant operand as a value (what a `reflect.Value` parameter gets).
    fn eval_arg_value(&mut self, dot: &R, arg: &'t Arg) -> Res<R> {
        self.at(At::Arg(arg));
        match arg {
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => Ok(R::Invalid),
            Arg::Field { ident, .. } => {
                self.at(At::Arg(arg));
                self.eval_field_chain(dot, dot.clone(), arg, ident, &[], None)
            }
            Arg::Variable { ident, .. } => self.eval_variable(dot, arg, ident, &[], None),
            Arg::Pipe(p) => stacker::maybe_grow(64 * 1024, 1 << 20, || self.eval_pipeline(dot, p)),
            Arg::Identifier { name, .. } => self.eval_function(dot, arg, name, At::Arg(arg), &[], None),
            Arg::Chain { node, fields, .. } => self.eval_chain(dot, arg, node, fields, &[], None),
            _ => self.eval_constant(arg),
        }
    }

    /// Go's `validateType`: checks a value against a parameter type.
    fn validate_type(&self, v: R, ty: Ty) -> Res<Value> {
        match v {
            R::Invalid => {
                if ty.nillable() {
                    return Ok(ty.zero());
                }
                self.errorf(format!("invalid value; expected {}", ty.go_name()))
            }
            R::Val(v, iface) => {
                if ty == Ty::Any || (ty.accepts(&v) && !v.is_nil()) {
                    return Ok(v);
                }
                let got = if iface && v.is_nil() { "interface {}".to_string() } else { v.type_name() };
                self.errorf(format!("wrong type for value; expected {}; got {got}", ty.go_name()))
            }
        }
    }

    fn eval_builtin(&mut self, dot: &R, name: &str, node: At<'t>, args: &'t [Arg], fin: Option<R>) -> Res<R> {
        let rest = if args.is_empty() { args } else { &args[1..] };
        let num_in = rest.len() + usize::from(fin.is_some());
        let (fixed, variadic) = builtins::arity(name);
        if variadic && num_in < fixed {
            return self.errorf(format!("wrong number of args for {name}: want at least {fixed} got {}", rest.len()));
        }
        if !variadic && num_in != fixed {
            return self.errorf(format!("wrong number of args for {name}: want {fixed} got {num_in}"));
        }
        if name == "and" || name == "or" {
            let mut v = R::Invalid;
            for a in rest {
                v = self.eval_arg_value(dot, a)?;
                if v.truth() == (name == "or") {
                    return Ok(v);
                }
            }
            if let Some(f) = fin {
                v = f;
            }
            return Ok(v);
        }
        let mut argv = Vec::with_capacity(num_in);
        for a in rest {
            argv.push(self.eval_arg_value(dot, a)?);
        }
        if let Some(f) = fin {
            argv.push(f);
        }
        let result = if name == "call" {
            let callee = rest.first().map_or_else(|| "".to_string(), |a| a.to_string());
            builtins::call(&callee, &argv)
        } else {
            builtins::reflective(name, &argv)
        };
        match result {
            Ok(v) => Ok(v),
            Err(e) => {
                self.at(node);
                self.errorf(format!("error calling {name}: {e}"))
            }
        }
    }
}

/// Errors of nested executions that hit a limit travel through function results with
/// this prefix, so the outer execution stops with a limit error rather than wrapping it.
const LIMIT_MARK: &str = "\u{0}limit\u{0}";

struct EngineCtx<'e> {
    set: &'e Templates,
    shared: &'e mut Shared,
}

impl EngineCtx<'_> {
    fn run(&mut self, set: &Templates, tree: &Tree, data: &Value) -> Result<String, Error> {
        let max = set.limits().max_depth;
        if self.shared.nesting >= max {
            return Err(Error {
                kind: ErrorKind::Limit,
                message: format!("template: {}: exceeded maximum template depth ({max})", tree.name),
            });
        }
        self.shared.nesting += 1;
        let mut out = String::new();
        let r = stacker::maybe_grow(64 * 1024, 4 << 20, || execute(set, tree, data, self.shared, &mut out));
        self.shared.nesting -= 1;
        r.map(|_| out)
    }
}

fn engine_err(e: Error) -> String {
    match e.kind {
        ErrorKind::Limit => format!("{LIMIT_MARK}{}", e.message),
        _ => e.message,
    }
}

impl Engine for EngineCtx<'_> {
    fn execute_template(&mut self, name: &str, data: &Value) -> Result<String, String> {
        let set = self.set;
        let Some(tree) = set.tree(name) else {
            return Err(format!(
                "template: no template {} associated with template {}",
                crate::fmt::quote(name),
                crate::fmt::quote(set.name())
            ));
        };
        self.run(set, &tree, data).map_err(engine_err)
    }

    fn execute_text(&mut self, text: &str, data: &Value) -> Result<String, TextError> {
        let mut copy = self.set.clone();
        let name = copy.name().to_string();
        copy.parse(&name, text).map_err(|e| TextError::Parse(e.message))?;
        let Some(tree) = copy.tree(&name) else {
            return Err(TextError::Exec(format!("template: {}: empty template", name)));
        };
        self.run(&copy, &tree, data).map_err(|e| TextError::Exec(engine_err(e)))
    }

    fn counter(&mut self, key: &str) -> &mut i64 {
        self.shared.counters.entry(key.to_string()).or_insert(0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn interface_nil_is_not_the_invalid_value() {
        assert!(matches!(R::in_iface(Value::Nil).unwrap_iface(), R::Invalid));
        assert!(matches!(R::concrete(Value::Nil), R::Invalid));
        assert_eq!(R::in_iface(Value::Int(1)).static_type(), "interface {}");
        assert_eq!(R::in_iface(Value::Int(1)).unwrap_iface().static_type(), "int");
        assert!(R::in_iface(Value::Nil).is_nil() && !R::in_iface(Value::Nil).truth());
    }

    #[test]
    fn steps_are_shared_by_nested_templates() {
        let mut t = Templates::new("t");
        t.set_limits(Limits { max_steps: 30, ..Limits::default() });
        t.parse("t", r#"{{define "x"}}{{range 10}}.{{end}}{{end}}{{template "x"}}{{template "x"}}"#).unwrap();
        let e = t.execute("t", &Value::Nil).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Limit);
        t.set_limits(Limits { max_steps: 500, ..Limits::default() });
        assert_eq!(t.execute("t", &Value::Nil).unwrap(), ".".repeat(20));
    }
}
