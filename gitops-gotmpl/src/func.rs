//! Template functions: Go signatures and a registry callers extend.
//!
//! Go checks every argument of a function against its parameter type before the call
//! (`wrong type for value; expected string; got float64`), converts template constants to
//! the parameter's type (`expected integer; found 1.5`), and reports a function's error
//! result as `error calling NAME: MESSAGE`. A [`Func`] therefore carries its Go parameter
//! types ([`Ty`]); the executor does the checks and conversions, so an implementation
//! receives arguments that already have the declared types (an `Int` parameter always
//! gets [`Value::Int`], an `Any` parameter gets whatever was passed, nil included).

use std::collections::HashMap;
use std::rc::Rc;

use crate::value::{ListType, MapType, Value};

/// A Go parameter type of a template function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// `interface {}`: any value, nil included.
    Any,
    /// `string`.
    String,
    /// `int`.
    Int,
    /// `int64`.
    Int64,
    /// `float64`.
    Float64,
    /// `bool`.
    Bool,
    /// `[]string`.
    StringSlice,
    /// `[]interface {}`.
    List,
    /// `map[string]interface {}` (named map types with that underlying type are accepted,
    /// as Go's assignability rules allow).
    Map,
    /// `[]byte`.
    Bytes,
    /// A named struct type, e.g. `time.Time` or `sprig.certificate`: only an
    /// [`Object`](crate::Object) whose type name is this one is accepted; a constant gets
    /// Go's `can't handle "x" for arg of type time.Time`.
    Named(&'static str),
}

impl Ty {
    /// The Go spelling used in error messages.
    pub fn go_name(self) -> &'static str {
        match self {
            Ty::Any => "interface {}",
            Ty::String => "string",
            Ty::Int => "int",
            Ty::Int64 => "int64",
            Ty::Float64 => "float64",
            Ty::Bool => "bool",
            Ty::StringSlice => "[]string",
            Ty::List => "[]interface {}",
            Ty::Map => "map[string]interface {}",
            Ty::Bytes => "[]uint8",
            Ty::Named(name) => name,
        }
    }

    /// Whether a nil argument becomes this type's zero value (nil slices and maps) rather
    /// than an error (`invalid value; expected string`).
    pub fn nillable(self) -> bool {
        matches!(self, Ty::Any | Ty::StringSlice | Ty::List | Ty::Map | Ty::Bytes)
    }

    /// The zero value given for a nil argument of a nillable type.
    pub fn zero(self) -> Value {
        match self {
            Ty::StringSlice => Value::List(Rc::new(Vec::new()), ListType::String),
            Ty::List => Value::List(Rc::new(Vec::new()), ListType::Interface),
            Ty::Map => Value::typed_map(Default::default(), MapType::Interface),
            Ty::Bytes => Value::Bytes(Rc::from(Vec::new())),
            _ => Value::Nil,
        }
    }

    /// Whether a (non-constant) value of this dynamic type may be passed, by Go's
    /// assignability rules.
    pub fn accepts(self, v: &Value) -> bool {
        if let (Ty::Named(name), Value::Object(o)) = (self, v) {
            return o.type_name() == name;
        }
        matches!(
            (self, v),
            (Ty::Any, _)
                | (Ty::String, Value::String(_))
                | (Ty::Int, Value::Int(_))
                | (Ty::Int64, Value::Int64(_))
                | (Ty::Float64, Value::Float(_))
                | (Ty::Bool, Value::Bool(_))
                | (Ty::StringSlice, Value::List(_, ListType::String))
                | (Ty::List, Value::List(_, ListType::Interface))
                | (Ty::Map, Value::Map(_, MapType::Interface | MapType::Named(_)))
                | (Ty::Bytes, Value::Bytes(_))
        )
    }
}

/// What a function implementation returns: its result, or the message of its error
/// result (or of its panic), which the executor reports as `error calling NAME: …`.
pub type FuncResult = Result<Value, String>;

/// A function implementation; arguments arrive checked and converted (see the module).
pub type NativeFn = Rc<dyn Fn(&[Value]) -> FuncResult>;

/// A function implementation that needs the template engine (Helm's `include`, `tpl`).
pub type EngineFn = Rc<dyn Fn(&mut dyn Engine, &[Value]) -> FuncResult>;

/// Why [`Engine::execute_text`] failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextError {
    /// The text did not parse (the message is Go's parse error).
    Parse(String),
    /// Executing it failed (the message is Go's execution error).
    Exec(String),
}

/// What a function written with [`Func::with_engine`] can ask of the running engine.
pub trait Engine {
    /// Executes the template `name` with `data` as dot, into a string (Go's
    /// `ExecuteTemplate`, with its message for an unknown name:
    /// `template: no template "x" associated with template "root"`).
    fn execute_template(&mut self, name: &str, data: &Value) -> Result<String, String>;
    /// Parses `text` as a new template, named like the set's root template, in a copy of
    /// the running set (so its `define`s do not leak), and executes it with `data`.
    fn execute_text(&mut self, text: &str, data: &Value) -> Result<String, TextError>;
    /// A counter shared by the whole execution (nested executions included), e.g. Helm's
    /// per-name count of nested `include`s.
    fn counter(&mut self, key: &str) -> &mut i64;
}

/// A template function: its Go parameter types and its implementation.
#[derive(Clone)]
pub struct Func {
    /// Fixed parameters.
    pub params: Vec<Ty>,
    /// The type of the `...` parameter, for variadic functions.
    pub variadic: Option<Ty>,
    /// The implementation.
    pub call: NativeFn,
    /// The implementation for functions that need the engine; when set, the executor
    /// calls it instead of [`Func::call`].
    pub engine: Option<EngineFn>,
}

impl std::fmt::Debug for Func {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Func").field("params", &self.params).field("variadic", &self.variadic).finish()
    }
}

impl Func {
    /// A function with fixed parameters.
    pub fn new(params: &[Ty], call: impl Fn(&[Value]) -> FuncResult + 'static) -> Func {
        Func { params: params.to_vec(), variadic: None, call: Rc::new(call), engine: None }
    }

    /// A function with fixed parameters that needs the running engine (see [`Engine`]).
    pub fn with_engine(params: &[Ty], call: impl Fn(&mut dyn Engine, &[Value]) -> FuncResult + 'static) -> Func {
        Func {
            params: params.to_vec(),
            variadic: None,
            call: Rc::new(|_| Err("this function needs a running template engine".into())),
            engine: Some(Rc::new(call)),
        }
    }

    /// A function with fixed parameters followed by `...variadic`.
    pub fn variadic(params: &[Ty], variadic: Ty, call: impl Fn(&[Value]) -> FuncResult + 'static) -> Func {
        Func { params: params.to_vec(), variadic: Some(variadic), call: Rc::new(call), engine: None }
    }

    /// The parameter type of argument `i`, `None` past the end of a fixed list.
    pub fn param(&self, i: usize) -> Option<Ty> {
        self.params.get(i).copied().or(self.variadic)
    }

    /// Go's arity check message when `n` arguments are given, `None` when `n` fits.
    pub fn arity_error(&self, name: &str, n: usize) -> Option<String> {
        let fixed = self.params.len();
        match self.variadic {
            Some(_) if n < fixed => Some(format!("wrong number of args for {name}: want at least {fixed} got {n}")),
            None if n != fixed => Some(format!("wrong number of args for {name}: want {fixed} got {n}")),
            _ => None,
        }
    }
}

/// Functions by name. Later insertions replace earlier ones, so callers override
/// (Helm replaces Sprig's `env` and `expandenv` with functions returning "", and
/// `lookup` with its cluster lookup).
#[derive(Clone, Debug, Default)]
pub struct Funcs {
    map: HashMap<String, Func>,
}

impl Funcs {
    /// No functions (the builtins `and`, `or`, `not`, `len`, … are always there).
    pub fn new() -> Funcs {
        Funcs::default()
    }

    /// Adds or replaces `name`.
    pub fn insert(&mut self, name: &str, f: Func) -> &mut Funcs {
        self.map.insert(name.to_string(), f);
        self
    }

    /// Adds every function of `other`, replacing same-named ones.
    pub fn extend(&mut self, other: Funcs) -> &mut Funcs {
        self.map.extend(other.map);
        self
    }

    /// The function `name`.
    pub fn get(&self, name: &str) -> Option<&Func> {
        self.map.get(name)
    }

    /// Whether `name` is defined.
    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// The names, unordered.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignability_follows_go() {
        assert!(Ty::String.accepts(&Value::str("x")));
        assert!(!Ty::String.accepts(&Value::Float(1.0)));
        assert!(!Ty::Int.accepts(&Value::Int64(1)));
        assert!(Ty::Map.accepts(&Value::typed_map(Default::default(), MapType::Named("chartutil.Values"))));
        assert!(!Ty::StringSlice.accepts(&Value::list(vec![])));
        assert!(Ty::Any.accepts(&Value::Nil));
        assert!(Ty::Map.nillable() && !Ty::String.nillable());
    }

    #[test]
    fn arity_messages() {
        let f = Func::new(&[Ty::Int, Ty::String], |_| Ok(Value::Nil));
        assert_eq!(f.arity_error("indent", 1).as_deref(), Some("wrong number of args for indent: want 2 got 1"));
        assert_eq!(f.arity_error("indent", 2), None);
        let v = Func::variadic(&[Ty::Any], Ty::Any, |_| Ok(Value::Nil));
        assert_eq!(
            v.arity_error("default", 0).as_deref(),
            Some("wrong number of args for default: want at least 1 got 0")
        );
        assert_eq!(v.arity_error("default", 5), None);
    }
}
