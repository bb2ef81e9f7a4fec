//! Values as Go templates see them: Go's dynamic types, kept precisely enough that `%T`,
//! `typeOf`, `kindOf`, comparisons and the argument checks of typed functions behave as
//! in Go.
//!
//! Helm hands templates `map[string]interface{}` trees whose numbers are `float64` (values
//! files) or `int64` (`--set`); template constants are `int` or `float64`; Sprig returns
//! `int64`, `[]string`, `[]interface{}`, `map[string]interface{}` and more. Each of those
//! is a distinct [`Value`] variant or tag, so a function taking `string` refuses a
//! `float64` with Go's message (`wrong type for value; expected string; got float64`).
//!
//! Containers are reference-counted: copying a value never copies a tree. Maps are
//! shared and mutable as Go's are (Sprig's `set`, `unset` and `merge` change the map every
//! holder sees: `{{ $_ := set $d "k" 1 }}` is how charts build dictionaries).

use std::cell::{Ref, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

/// A map with string keys in Go's (byte-wise) order: Go sorts keys when printing and when
/// ranging, so a sorted map is both faithful and cheap.
pub type Map = BTreeMap<String, Value>;

/// The element type of a Go slice value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListType {
    /// `[]interface {}` (Sprig's `list`, YAML and JSON arrays).
    Interface,
    /// `[]string` (`splitList`, `keys`, `regexFindAll`, `sortAlpha`, …).
    String,
    /// `[]int` (`until`, `untilStep`).
    Int,
    /// `[][]interface {}` (`chunk`).
    Lists,
}

/// The type of a Go map value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MapType {
    /// `map[string]interface {}` (`dict`, YAML and JSON objects).
    Interface,
    /// `map[string]string` (Helm's `.Chart.Annotations`, `.Files` helpers).
    String,
    /// A named map type, printed by `%T`/`typeOf` with this name (Helm's `.Values` is
    /// `chartutil.Values` in Helm 3 and `common.Values` in Helm 4).
    Named(&'static str),
}

/// A Go value.
#[derive(Clone, Default)]
pub enum Value {
    /// The nil interface: a missing map key, an unset value, `nil`. At the top of an
    /// action it prints `<no value>`; through `fmt` it prints `<nil>`.
    #[default]
    Nil,
    /// `bool`.
    Bool(bool),
    /// `int` (template constants, `len`, Sprig's `atoi`, …).
    Int(i64),
    /// `int64` (Sprig's arithmetic, `--set` numbers, `int64`).
    Int64(i64),
    /// `uint64` (e.g. a semver's `Major`).
    Uint64(u64),
    /// `float64` (numbers from YAML or JSON, float constants, `float64`).
    Float(f64),
    /// `string`.
    String(Rc<str>),
    /// `[]byte`.
    Bytes(Rc<[u8]>),
    /// A slice.
    List(Rc<Vec<Value>>, ListType),
    /// A map with string keys, shared by every copy of the value.
    Map(Rc<RefCell<Map>>, MapType),
    /// Anything with fields and methods (Helm's `.Files`, `.Capabilities`, a semver
    /// version, a certificate, a `time.Time`).
    Object(Rc<dyn Object>),
}

/// A Go value with fields and methods, provided by the embedder or a function.
pub trait Object {
    /// The Go type as `%T` prints it, e.g. `*chart.Metadata`, `time.Time`.
    fn type_name(&self) -> &str;
    /// The kind `kindOf` reports: `struct`, `ptr`, `map`, …
    fn kind(&self) -> &str {
        if self.type_name().starts_with('*') { "ptr" } else { "struct" }
    }
    /// A field by name (`.Name`); `None` when the type has no such field or method.
    fn field(&self, name: &str) -> Option<Value>;
    /// Calls the method `name` with `args`; `None` when there is no such method (then
    /// [`Object::field`] is tried). Methods with a result and an error return `Err`.
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let _ = (name, args);
        None
    }
    /// Whether `name` is a method (a method used without arguments is still called).
    fn has_method(&self, name: &str) -> bool {
        let _ = name;
        false
    }
    /// How `fmt`'s `%v` prints it (a `String()` method, or Go's struct form `{a b}`).
    fn format(&self) -> String;
    /// Whether it counts as true in `if` (structs always do; nil pointers do not).
    fn truthy(&self) -> bool {
        true
    }
    /// How `encoding/json` (and so `toJson`/`toYaml`) marshals it; `None` marshals the
    /// [`Object::format`] text as a string.
    fn json(&self) -> Option<ObjectJson> {
        None
    }
}

/// What `encoding/json` makes of an [`Object`].
#[derive(Clone)]
pub enum ObjectJson {
    /// A struct: its exported fields in declaration order, with their JSON names
    /// (`omitempty` fields already left out when empty).
    Struct(Vec<(String, Value)>),
    /// Any other value (a named slice marshals as its items).
    Value(Value),
}

/// The methods of a named map type, as Go declares them on e.g. Helm's
/// `type Values map[string]interface{}` (`.Values.AsMap`) or `type files map[string][]byte`
/// (`.Files.Get`). Register them with [`crate::Templates::map_methods`]; a method wins
/// over a map key of the same name, as in Go.
pub trait MapMethods {
    /// Whether the type has the method `name`.
    fn has_method(&self, name: &str) -> bool;
    /// Calls the method `name` on `map` (the receiver) with `args`.
    fn call(&self, map: &Value, name: &str, args: &[Value]) -> Result<Value, String>;
}

impl Value {
    /// A `string`.
    pub fn str(s: impl Into<Rc<str>>) -> Value {
        Value::String(s.into())
    }

    /// An `[]interface {}`.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(items), ListType::Interface)
    }

    /// A `[]string`.
    pub fn string_list(items: impl IntoIterator<Item = String>) -> Value {
        Value::List(Rc::new(items.into_iter().map(Value::str).collect()), ListType::String)
    }

    /// A `map[string]interface {}`.
    pub fn map(m: Map) -> Value {
        Value::typed_map(m, MapType::Interface)
    }

    /// A map of type `t`.
    pub fn typed_map(m: Map, t: MapType) -> Value {
        Value::Map(Rc::new(RefCell::new(m)), t)
    }

    /// Go's reflect kind name (`kindOf`): `string`, `int`, `int64`, `float64`, `bool`,
    /// `slice`, `map`, `struct`, `ptr`, or `invalid` for nil.
    pub fn kind(&self) -> &str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Uint64(_) => "uint64",
            Value::Float(_) => "float64",
            Value::String(_) => "string",
            Value::Bytes(_) | Value::List(..) => "slice",
            Value::Map(..) => "map",
            Value::Object(o) => o.kind(),
        }
    }

    /// The Go type as `%T` and `typeOf` print it (`<nil>` for nil).
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".into(),
            Value::Bytes(_) => "[]uint8".into(),
            Value::List(_, ListType::Interface) => "[]interface {}".into(),
            Value::List(_, ListType::String) => "[]string".into(),
            Value::List(_, ListType::Int) => "[]int".into(),
            Value::List(_, ListType::Lists) => "[][]interface {}".into(),
            Value::Map(_, MapType::Interface) => "map[string]interface {}".into(),
            Value::Map(_, MapType::String) => "map[string]string".into(),
            Value::Map(_, MapType::Named(n)) => (*n).into(),
            Value::Object(o) => o.type_name().into(),
            other => other.kind().into(),
        }
    }

    /// Go's truth (`if`, `with`, `and`, `or`, `not`): false, 0, nil, and empty strings,
    /// slices and maps are false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) => *i != 0,
            Value::Uint64(u) => *u != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(l, _) => !l.is_empty(),
            Value::Map(m, _) => !m.borrow().is_empty(),
            Value::Object(o) => o.truthy(),
        }
    }

    /// The string, when this is a `string`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The items, when this is a slice (not `[]byte`).
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l, _) => Some(l),
            _ => None,
        }
    }

    /// The map, borrowed, when this is one. Do not hold the borrow across calls that may
    /// change the map (a function given the same map).
    pub fn as_map(&self) -> Option<Ref<'_, Map>> {
        match self {
            Value::Map(m, _) => Some(m.borrow()),
            _ => None,
        }
    }

    /// A copy of the map's entries (values shared), when this is a map.
    pub fn map_entries(&self) -> Option<Vec<(String, Value)>> {
        self.as_map().map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }

    /// Whether this is the nil interface.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// A value from JSON as Go's `encoding/json` decodes into `interface{}`: numbers are
    /// `float64`, arrays `[]interface {}`, objects `map[string]interface {}`.
    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => Value::str(s.as_str()),
            serde_json::Value::Array(a) => Value::list(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => {
                Value::map(o.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect())
            }
        }
    }

    /// The JSON form, as Go's `encoding/json` marshals the value: integers as integers,
    /// floats in Go's shortest form (integral floats without a fraction), `[]byte` as
    /// base64, objects through [`Object::format`] as strings. Non-finite floats are an
    /// error in Go; they become `null` here, callers that must fail check first.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Nil => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) | Value::Int64(i) => J::from(*i),
            Value::Uint64(u) => J::from(*u),
            Value::Float(f) => float_json(*f),
            Value::String(s) => J::String(s.to_string()),
            Value::Bytes(b) => {
                use base64::Engine as _;
                J::String(base64::engine::general_purpose::STANDARD.encode(b))
            }
            Value::List(l, _) => J::Array(l.iter().map(Value::to_json).collect()),
            Value::Map(m, _) => J::Object(m.borrow().iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
            Value::Object(o) => J::String(o.format()),
        }
    }
}

/// A float as JSON: integral values within 2^53 as integers (what Go's encoder prints for
/// `float64(3)` is `3`), others as floats.
fn float_json(f: f64) -> serde_json::Value {
    if !f.is_finite() {
        return serde_json::Value::Null;
    }
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        return serde_json::Value::from(f as i64);
    }
    serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => write!(f, "nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Int64(i) => write!(f, "int64({i})"),
            Value::Uint64(u) => write!(f, "uint64({u})"),
            Value::Float(x) => write!(f, "float64({x})"),
            Value::String(s) => write!(f, "{s:?}"),
            Value::Bytes(b) => write!(f, "[]byte({b:?})"),
            Value::List(l, t) => write!(f, "{t:?}{:?}", l.as_slice()),
            Value::Map(m, t) => write!(f, "{t:?}{:?}", m.borrow()),
            Value::Object(o) => write!(f, "{}({})", o.type_name(), o.format()),
        }
    }
}

impl PartialEq for Value {
    /// Structural equality with Go's types: `Int(1) != Int64(1)`, `Float(NaN) != itself`.
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) | (Value::Int64(a), Value::Int64(b)) => a == b,
            (Value::Uint64(a), Value::Uint64(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Bytes(a), Value::Bytes(b)) => a == b,
            (Value::List(a, s), Value::List(b, t)) => s == t && a == b,
            (Value::Map(a, s), Value::Map(b, t)) => s == t && (Rc::ptr_eq(a, b) || *a.borrow() == *b.borrow()),
            (Value::Object(a), Value::Object(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::str(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn go_types_and_truth() {
        assert_eq!(Value::Int(1).type_name(), "int");
        assert_eq!(Value::Int64(1).type_name(), "int64");
        assert_eq!(Value::string_list(vec!["a".into()]).type_name(), "[]string");
        assert_eq!(Value::map(Map::new()).type_name(), "map[string]interface {}");
        assert_eq!(Value::Nil.type_name(), "<nil>");
        assert_eq!(Value::Nil.kind(), "invalid");
        assert!(!Value::list(vec![]).truthy() && Value::list(vec![Value::Nil]).truthy());
        assert!(!Value::Float(0.0).truthy() && !Value::str("").truthy());
        assert_ne!(Value::Int(1), Value::Int64(1));
    }

    #[test]
    fn json_round_trip_follows_encoding_json() {
        let j = serde_json::json!({"a": [1, 2.5, "x", null, true], "b": {}});
        let v = Value::from_json(&j);
        assert_eq!(v.as_map().unwrap()["a"].as_list().unwrap()[0], Value::Float(1.0));
        assert_eq!(v.to_json(), j);
    }
}
