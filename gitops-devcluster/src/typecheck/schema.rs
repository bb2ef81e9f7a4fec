//! OpenAPI validation of custom resources as kube-openapi's `SchemaValidator` reports it,
//! converted to field errors as apiextensions-apiserver does
//! (`pkg/apiserver/validation/validation.go` `kubeOpenAPIResultToFieldErrors`):
//! type → `Invalid value: "string": spec.x in body must be of type integer: "string"`,
//! `required` → `Required value`, `enum` → `Unsupported value: …: supported values: …`,
//! `maxLength` → `Too long: may not be more than N bytes`, `maxItems`/`maxProperties` →
//! `Too many: N: must have at most M items`, the others `Invalid value: <v>: <message>`.

use std::fmt;

use serde_json::{Map, Value};

use super::{go_float, go_value, push_index, push_key};
use crate::field_error::go_quote;
use crate::typeschema::{Atom, Scalar, TypeId, Types};

const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// A field error of schema validation (apimachinery `field.Error`, including the
/// `FieldValueTooMany` type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The field path, e.g. `spec.replicas`.
    pub field: String,
    /// The `causes[].reason`, e.g. `FieldValueTypeInvalid`.
    pub cause: &'static str,
    /// The text after the field path (`ErrorBody`), e.g. `Required value`.
    pub body: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body)
    }
}

impl SchemaError {
    fn new(field: &str, cause: &'static str, body: String) -> Self {
        Self {
            field: field.to_string(),
            cause,
            body,
        }
    }

    fn invalid(field: &str, value: &str, detail: &str) -> Self {
        Self::new(
            field,
            "FieldValueInvalid",
            format!("Invalid value: {value}: {detail}"),
        )
    }
}

/// One validation pass.
pub(super) struct Validator<'t> {
    types: &'t Types,
    errors: Vec<SchemaError>,
    path: String,
}

/// The JSON type kube-openapi infers for data (`schemaInfoForType`).
fn data_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::String(_) => "string",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn num(kw: &Map<String, Value>, key: &str) -> Option<f64> {
    kw.get(key).and_then(Value::as_f64)
}

fn count(kw: &Map<String, Value>, key: &str) -> Option<u64> {
    kw.get(key)
        .and_then(|v| v.as_u64().or_else(|| v.as_f64().map(|f| f as u64)))
}

fn flag(kw: &Map<String, Value>, key: &str) -> bool {
    kw.get(key).and_then(Value::as_bool) == Some(true)
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

impl<'t> Validator<'t> {
    pub(super) fn new(types: &'t Types) -> Self {
        Self {
            types,
            errors: Vec::new(),
            path: String::new(),
        }
    }

    pub(super) fn run(mut self, obj: &Value, root: TypeId) -> Vec<SchemaError> {
        self.walk(obj, root);
        self.errors
    }

    fn walk(&mut self, v: &Value, id: TypeId) {
        let types = self.types;
        if types.name(id) == Some(OBJECT_META) {
            // Metadata is checked by ObjectMeta validation, not the CRD schema.
            return;
        }
        let node = types.get(id);
        let kw = &node.keywords;
        let expected: Vec<&str> = if matches!(node.atom, Atom::Scalar(Scalar::IntOrString))
            && flag(kw, "x-kubernetes-int-or-string")
        {
            vec!["integer", "string"]
        } else {
            kw.get("type").and_then(Value::as_str).into_iter().collect()
        };
        let path = self.path.clone();
        let actual = data_type(v);
        let type_ok = match actual {
            "null" => expected.is_empty() || flag(kw, "nullable"),
            _ if expected.is_empty() => true,
            "number" => {
                expected.contains(&"number")
                    || (expected.contains(&"integer")
                        && v.as_f64().is_some_and(|f| f.fract() == 0.0))
            }
            "integer" => expected.contains(&"integer") || expected.contains(&"number"),
            t => expected.contains(&t),
        };
        if !type_ok {
            self.errors.push(SchemaError::new(
                &path,
                "FieldValueTypeInvalid",
                format!(
                    "Invalid value: {}: {path} in body must be of type {}: {}",
                    go_quote(actual),
                    expected.join(","),
                    go_quote(actual)
                ),
            ));
        }
        if let Some(Value::Array(allowed)) = kw.get("enum")
            && !v.is_null()
            && !allowed.iter().any(|a| json_eq(a, v))
        {
            let values: Vec<String> = allowed
                .iter()
                .map(|a| {
                    go_quote(
                        a.as_str()
                            .map_or_else(|| a.to_string(), str::to_string)
                            .as_str(),
                    )
                })
                .collect();
            self.errors.push(SchemaError::new(
                &path,
                "FieldValueNotSupported",
                format!(
                    "Unsupported value: {}: supported values: {}",
                    go_value(v),
                    values.join(", ")
                ),
            ));
        }
        if !type_ok {
            return;
        }
        match v {
            Value::String(s) => self.string(&path, s, kw),
            Value::Number(_) => self.number(&path, v, kw),
            Value::Array(items) => {
                self.items(&path, items, kw);
                if let Atom::List(l) = &node.atom {
                    let len = self.path.len();
                    for (i, item) in items.iter().enumerate() {
                        push_index(&mut self.path, i);
                        self.walk(item, l.elem);
                        self.path.truncate(len);
                    }
                }
            }
            Value::Object(obj) => {
                self.properties(&path, obj.len() as u64, kw);
                if let Atom::Map(m) = &node.atom {
                    let len = self.path.len();
                    for (key, val) in obj {
                        if let Some(child) = m.field(key) {
                            push_key(&mut self.path, key);
                            self.walk(val, child);
                            self.path.truncate(len);
                        }
                    }
                }
                if let Some(Value::Array(required)) = kw.get("required") {
                    for r in required.iter().filter_map(Value::as_str) {
                        if !obj.contains_key(r) {
                            let mut p = path.clone();
                            push_key(&mut p, r);
                            self.errors.push(SchemaError::new(
                                &p,
                                "FieldValueRequired",
                                "Required value".into(),
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn string(&mut self, path: &str, s: &str, kw: &Map<String, Value>) {
        let chars = s.chars().count() as u64;
        if let Some(max) = count(kw, "maxLength")
            && chars > max
        {
            let detail = format!("may not be more than {}", plural(max, "byte", "bytes"));
            self.errors.push(SchemaError::new(
                path,
                "FieldValueTooLong",
                format!("Too long: {detail}"),
            ));
        }
        if let Some(min) = count(kw, "minLength")
            && chars < min
        {
            let msg = format!("{path} in body should be at least {min} chars long");
            self.errors
                .push(SchemaError::invalid(path, &go_quote(s), &msg));
        }
        if let Some(pattern) = kw.get("pattern").and_then(Value::as_str)
            && pattern_matches(pattern, s) == Some(false)
        {
            let msg = format!("{path} in body should match '{pattern}'");
            self.errors
                .push(SchemaError::invalid(path, &go_quote(s), &msg));
        }
    }

    fn number(&mut self, path: &str, v: &Value, kw: &Map<String, Value>) {
        let Some(x) = v.as_f64() else { return };
        let shown = go_value(v);
        if let Some(max) = num(kw, "maximum") {
            let exclusive = flag(kw, "exclusiveMaximum");
            if x > max || (exclusive && x == max) {
                let rel = if exclusive {
                    "less than"
                } else {
                    "less than or equal to"
                };
                let msg = format!("{path} in body should be {rel} {}", go_float(max));
                self.errors.push(SchemaError::invalid(path, &shown, &msg));
            }
        }
        if let Some(min) = num(kw, "minimum") {
            let exclusive = flag(kw, "exclusiveMinimum");
            if x < min || (exclusive && x == min) {
                let rel = if exclusive {
                    "greater than"
                } else {
                    "greater than or equal to"
                };
                let msg = format!("{path} in body should be {rel} {}", go_float(min));
                self.errors.push(SchemaError::invalid(path, &shown, &msg));
            }
        }
        if let Some(m) = num(kw, "multipleOf")
            && m > 0.0
            && !is_multiple_of(x, m)
        {
            let msg = format!("{path} in body should be a multiple of {}", go_float(m));
            self.errors.push(SchemaError::invalid(path, &shown, &msg));
        }
    }

    fn items(&mut self, path: &str, items: &[Value], kw: &Map<String, Value>) {
        let n = items.len() as u64;
        if let Some(min) = count(kw, "minItems")
            && n < min
        {
            let msg = format!("{path} in body should have at least {min} items");
            self.errors
                .push(SchemaError::invalid(path, &n.to_string(), &msg));
        }
        if let Some(max) = count(kw, "maxItems")
            && n > max
        {
            let detail = format!("must have at most {}", plural(max, "item", "items"));
            self.errors.push(SchemaError::new(
                path,
                "FieldValueTooMany",
                format!("Too many: {n}: {detail}"),
            ));
        }
    }

    fn properties(&mut self, path: &str, n: u64, kw: &Map<String, Value>) {
        if let Some(min) = count(kw, "minProperties")
            && n < min
        {
            let msg = format!("{path} in body should have at least {min} properties");
            self.errors
                .push(SchemaError::invalid(path, &n.to_string(), &msg));
        }
        if let Some(max) = count(kw, "maxProperties")
            && n > max
        {
            let detail = format!("must have at most {}", plural(max, "item", "items"));
            self.errors.push(SchemaError::new(
                path,
                "FieldValueTooMany",
                format!("Too many: {n}: {detail}"),
            ));
        }
    }
}

/// kube-openapi's `MultipleOf`: the quotient (`1/factor*data` for factors below 1) must be
/// a JSON integer up to a relative error of 1e-9 (go-openapi `IsFloat64AJSONInteger`), so
/// `0.07` is a multiple of `0.01` although `0.07 / 0.01` is `7.000000000000001`.
fn is_multiple_of(data: f64, factor: f64) -> bool {
    let mult = if factor < 1.0 {
        1.0 / factor * data
    } else {
        data / factor
    };
    const MAX_JSON_FLOAT: f64 = 9_007_199_254_740_991.0;
    if !mult.is_finite() || mult.abs() > MAX_JSON_FLOAT {
        return false;
    }
    // Go truncates toward zero (`uint64(f)`); trunc keeps that for negatives too.
    let whole = mult.trunc();
    if mult == whole {
        return true;
    }
    if whole == 0.0 {
        return false;
    }
    (mult - whole).abs() / (mult.abs() + whole.abs()) < 1e-9
}

/// Whether `s` matches the ECMA/RE2 `pattern` (`None` when the pattern does not compile;
/// the CRD's author then gets no check, as a structural schema with an unsupported
/// pattern would not have been accepted by a real server). Compiled patterns are cached.
fn pattern_matches(pattern: &str, s: &str) -> Option<bool> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<String, Option<regex_lite::Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if cache.len() > 4096 {
        cache.clear();
    }
    let re = cache
        .entry(pattern.to_string())
        .or_insert_with(|| regex_lite::Regex::new(pattern).ok());
    re.as_ref().map(|r| r.is_match(s))
}
