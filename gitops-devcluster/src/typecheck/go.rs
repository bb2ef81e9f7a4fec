//! The Go JSON decoder's view of a built-in kind (sigs.k8s.io/json, the fork of
//! `encoding/json` the API server decodes with): type errors name the innermost struct
//! and the chain of struct field names (`DeploymentSpec.spec.replicas`, no list indices
//! or map keys); strict-mode unknown field paths name every step
//! (`spec.template.spec.containers[0].foo`, map keys included).

use serde_json::Value;

use super::{MAX_UNKNOWN_FIELDS, TypecheckError, push_index, push_key};
use crate::typeschema::{Atom, MapType, Scalar, TypeId, Types};

const QUANTITY: &str = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const INT_OR_STRING: &str = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
const TIME: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.Time";
const MICRO_TIME: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime";

/// `resource.ErrFormatWrong`.
pub(super) const QUANTITY_FORMAT: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/// `resource.ErrSuffix`.
pub(super) const QUANTITY_SUFFIX: &str = "unable to parse quantity's suffix";

/// One decoding pass over an object.
pub(super) struct GoDecoder<'t> {
    types: &'t Types,
    track: bool,
    unknown: Vec<String>,
    /// Strict path of the value being decoded.
    path: String,
    /// Struct field names from the root (Go's `errorContext.FieldStack`).
    fields: String,
    /// The struct holding the current field (Go's `errorContext.Struct`).
    owner: Option<TypeId>,
}

/// The JSON kind of a value as Go's errors name it (`UnmarshalTypeError.Value`).
fn what(v: &Value) -> String {
    match v {
        Value::String(_) => "string".into(),
        Value::Number(_) => "number".into(),
        Value::Bool(_) => "bool".into(),
        Value::Array(_) => "array".into(),
        Value::Object(_) => "object".into(),
        Value::Null => "null".into(),
    }
}

fn short_name(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// The Go type name of a type as `reflect.Type.String()` prints it (`int32`,
/// `v1.DeploymentSpec`, `[]v1.Container`, `map[string]string`).
pub(super) fn go_type(types: &Types, id: TypeId) -> String {
    if let Some(name) = types.name(id) {
        match name {
            QUANTITY => return "resource.Quantity".into(),
            INT_OR_STRING => return "intstr.IntOrString".into(),
            _ => {}
        }
        if matches!(types.atom(id), Atom::Map(_) | Atom::Scalar(_)) {
            let mut parts = name.rsplit('.');
            let ty = parts.next().unwrap_or(name);
            let pkg = parts.next().unwrap_or("");
            // Named string types (v1.Protocol…) are not told apart from strings by the
            // schema: print only struct and well-known types qualified.
            if matches!(types.atom(id), Atom::Map(_)) || name == TIME || name == MICRO_TIME {
                return format!("{pkg}.{ty}");
            }
        }
    }
    let node = types.get(id);
    let format = node
        .keywords
        .get("format")
        .and_then(Value::as_str)
        .unwrap_or("");
    match &node.atom {
        Atom::Scalar(Scalar::String) if format == "byte" => "[]uint8".into(),
        Atom::Scalar(Scalar::String) => "string".into(),
        Atom::Scalar(Scalar::Integer) => match format {
            "int32" => "int32".into(),
            "int64" => "int64".into(),
            _ => "int".into(),
        },
        Atom::Scalar(Scalar::Number) => "float64".into(),
        Atom::Scalar(Scalar::Boolean) => "bool".into(),
        Atom::Scalar(Scalar::IntOrString) => "intstr.IntOrString".into(),
        Atom::Scalar(Scalar::Any) => "resource.Quantity".into(),
        Atom::List(l) => format!("[]{}", go_type(types, l.elem)),
        Atom::Map(m) if m.fields.is_empty() => {
            format!(
                "map[string]{}",
                m.elem
                    .map_or_else(|| "interface {}".into(), |e| go_type(types, e))
            )
        }
        Atom::Map(_) => "struct".into(),
        Atom::Deduced | Atom::Untyped => "interface {}".into(),
    }
}

impl<'t> GoDecoder<'t> {
    pub(super) fn new(types: &'t Types, track: bool) -> Self {
        Self {
            types,
            track,
            unknown: Vec::new(),
            path: String::new(),
            fields: String::new(),
            owner: None,
        }
    }

    /// Starts below a strict path prefix (an embedded ObjectMeta), with a fresh Go context.
    pub(super) fn with_prefix(types: &'t Types, track: bool, prefix: &str) -> Self {
        Self {
            path: prefix.to_string(),
            ..Self::new(types, track)
        }
    }

    pub(super) fn into_unknown(self) -> Vec<String> {
        self.unknown
    }

    fn type_error(&self, v: &Value, id: TypeId) -> TypecheckError {
        self.type_error_what(&what(v), id)
    }

    fn type_error_what(&self, what: &str, id: TypeId) -> TypecheckError {
        let ty = go_type(self.types, id);
        let msg = match self.owner {
            Some(owner) if !self.fields.is_empty() => {
                let owner = self.types.name(owner).map_or("", short_name);
                format!(
                    "json: cannot unmarshal {what} into Go struct field {owner}.{} of type {ty}",
                    self.fields
                )
            }
            _ => format!("json: cannot unmarshal {what} into Go value of type {ty}"),
        };
        TypecheckError::Decode(msg)
    }

    /// Decodes `v` as type `id`.
    pub(super) fn walk(&mut self, v: &mut Value, id: TypeId) -> Result<(), TypecheckError> {
        let types = self.types;
        if v.is_null() {
            return Ok(());
        }
        match types.atom(id) {
            Atom::Deduced | Atom::Untyped => Ok(()),
            Atom::Scalar(s) => self.scalar(v, id, *s),
            Atom::List(l) => {
                let Value::Array(items) = v else {
                    return Err(self.type_error(v, id));
                };
                let len = self.path.len();
                for (i, item) in items.iter_mut().enumerate() {
                    if self.track {
                        push_index(&mut self.path, i);
                    }
                    let r = self.walk(item, l.elem);
                    self.path.truncate(len);
                    r?;
                }
                Ok(())
            }
            Atom::Map(m) => {
                if !v.is_object() {
                    return Err(self.type_error(v, id));
                }
                self.object(v, id, m)
            }
        }
    }

    fn object(&mut self, v: &mut Value, id: TypeId, m: &MapType) -> Result<(), TypecheckError> {
        let Value::Object(obj) = v else { return Ok(()) };
        let is_struct = !m.fields.is_empty();
        // A set: an object can carry hundreds of thousands of unknown keys.
        let mut dropped: std::collections::HashSet<String> = std::collections::HashSet::new();
        let (path_len, fields_len, owner) = (self.path.len(), self.fields.len(), self.owner);
        for (key, val) in obj.iter_mut() {
            let (child, named) = match m.fields.get(key.as_str()) {
                Some(&f) => (Some(f), true),
                None => (m.elem, false),
            };
            let Some(child) = child else {
                // Strategic-merge directives left by the (kyaml) SMP engine: the real
                // server's SMP consumes them, so they never reach decoding.
                if is_smp_directive(key) {
                    dropped.insert(key.clone());
                    continue;
                }
                if self.track && self.unknown.len() < MAX_UNKNOWN_FIELDS {
                    let mut p = self.path.clone();
                    push_key(&mut p, key);
                    self.unknown.push(p);
                }
                dropped.insert(key.clone());
                continue;
            };
            if named && val.is_null() {
                // Go leaves the zero value, which `omitempty` drops on the way out.
                dropped.insert(key.clone());
                continue;
            }
            if self.track {
                push_key(&mut self.path, key);
            }
            if named && is_struct {
                push_key(&mut self.fields, key);
                self.owner = Some(id);
            }
            let r = self.walk(val, child);
            self.path.truncate(path_len);
            self.fields.truncate(fields_len);
            self.owner = owner;
            r?;
        }
        if !dropped.is_empty() {
            obj.retain(|k, _| !dropped.contains(k));
        }
        Ok(())
    }

    fn scalar(&mut self, v: &mut Value, id: TypeId, s: Scalar) -> Result<(), TypecheckError> {
        let name = self.types.name(id);
        let keywords = &self.types.get(id).keywords;
        match s {
            Scalar::String => {
                if name == Some(TIME) || name == Some(MICRO_TIME) {
                    // metav1.Time's own UnmarshalJSON: no struct context in the message.
                    return match v {
                        Value::String(_) => Ok(()),
                        other => Err(TypecheckError::Decode(format!(
                            "json: cannot unmarshal {} into Go value of type string",
                            what(other)
                        ))),
                    };
                }
                match v {
                    Value::String(text) => {
                        if keywords.get("format").and_then(Value::as_str) == Some("byte") {
                            check_base64(text)?;
                        }
                        Ok(())
                    }
                    other => Err(self.type_error(other, id)),
                }
            }
            Scalar::Boolean => match v {
                Value::Bool(_) => Ok(()),
                other => Err(self.type_error(other, id)),
            },
            Scalar::Number => match v {
                Value::Number(_) => Ok(()),
                other => Err(self.type_error(other, id)),
            },
            Scalar::Integer => match v {
                Value::Number(n) => {
                    let bits = match keywords.get("format").and_then(Value::as_str) {
                        Some("int32") => 32,
                        _ => 64,
                    };
                    if fits(n, bits) {
                        Ok(())
                    } else {
                        Err(self.type_error_what(&format!("number {n}"), id))
                    }
                }
                other => Err(self.type_error(other, id)),
            },
            Scalar::IntOrString => match v {
                Value::String(_) => Ok(()),
                Value::Number(n) if fits(n, 32) => Ok(()),
                Value::Number(n) => Err(TypecheckError::Decode(format!(
                    "json: cannot unmarshal number {n} into Go value of type int32"
                ))),
                other => Err(TypecheckError::Decode(format!(
                    "json: cannot unmarshal {} into Go value of type int32",
                    what(other)
                ))),
            },
            Scalar::Any => {
                if name != Some(QUANTITY) {
                    return Ok(());
                }
                match v {
                    Value::String(q) => check_quantity(q.trim()),
                    Value::Number(_) => Ok(()),
                    _ => Err(TypecheckError::Decode(QUANTITY_FORMAT.into())),
                }
            }
        }
    }
}

/// `$setElementOrder/…`, `$deleteFromPrimitiveList/…`, `$retainKeys`, `$patch`.
fn is_smp_directive(key: &str) -> bool {
    key.starts_with("$setElementOrder/")
        || key.starts_with("$deleteFromPrimitiveList/")
        || key == "$retainKeys"
        || key == "$patch"
}

/// Whether a JSON number decodes into a Go signed integer of `bits` bits.
fn fits(n: &serde_json::Number, bits: u32) -> bool {
    match n.as_i64() {
        Some(i) if bits == 32 => i32::try_from(i).is_ok(),
        Some(_) => true,
        None => false,
    }
}

/// `base64.StdEncoding.Decode` as Go's decoder runs it on `[]byte` fields (CR/LF skipped,
/// padding required, offsets into the raw text).
fn check_base64(text: &str) -> Result<(), TypecheckError> {
    base64_error(text.as_bytes()).map_or(Ok(()), |at| {
        Err(TypecheckError::Decode(format!(
            "illegal base64 data at input byte {at}"
        )))
    })
}

fn base64_error(src: &[u8]) -> Option<usize> {
    let valid = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
    let newline = |b: u8| b == b'\n' || b == b'\r';
    let mut si = 0;
    loop {
        let mut j = 0;
        while j < 4 {
            if si == src.len() {
                return if j == 0 { None } else { Some(si - j) };
            }
            let b = src[si];
            si += 1;
            if valid(b) {
                j += 1;
                continue;
            }
            if newline(b) {
                continue;
            }
            if b != b'=' || j < 2 {
                return Some(si - 1);
            }
            if j == 2 {
                while si < src.len() && newline(src[si]) {
                    si += 1;
                }
                if si == src.len() {
                    return Some(src.len());
                }
                if src[si] != b'=' {
                    return Some(si - 1);
                }
                si += 1;
            }
            while si < src.len() && newline(src[si]) {
                si += 1;
            }
            return (si < src.len()).then_some(si);
        }
    }
}

/// `resource.ParseQuantity`'s format checks.
pub(super) fn check_quantity(q: &str) -> Result<(), TypecheckError> {
    let wrong = || Err(TypecheckError::Decode(QUANTITY_FORMAT.into()));
    let body = q.strip_prefix(['+', '-']).unwrap_or(q);
    let num_len = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (num, suffix) = body.split_at(num_len);
    if num.is_empty() || !num.bytes().any(|b| b.is_ascii_digit()) || num.matches('.').count() > 1 {
        return wrong();
    }
    let letters = suffix
        .find(|c: char| !"eEinumkKMGTP".contains(c))
        .unwrap_or(suffix.len());
    let tail = &suffix[letters..];
    let tail_ok = {
        let digits = tail.strip_prefix(['+', '-']).unwrap_or(tail);
        digits.bytes().all(|b| b.is_ascii_digit())
    };
    if !tail_ok {
        return wrong();
    }
    let known = matches!(
        suffix,
        "" | "n"
            | "u"
            | "m"
            | "k"
            | "M"
            | "G"
            | "T"
            | "P"
            | "E"
            | "Ki"
            | "Mi"
            | "Gi"
            | "Ti"
            | "Pi"
            | "Ei"
    );
    let exponent = suffix
        .strip_prefix(['e', 'E'])
        .map(|e| e.strip_prefix(['+', '-']).unwrap_or(e))
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    if known || exponent {
        Ok(())
    } else {
        Err(TypecheckError::Decode(QUANTITY_SUFFIX.into()))
    }
}
