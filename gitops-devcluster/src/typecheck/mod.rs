//! Typed decoding of request objects against compiled [`crate::typeschema`] types, worded
//! as the real API server words it. Pure: no I/O, no locks.
//!
//! - [`decode_builtin`]: what decoding a body into the kind's Go struct does
//!   (sigs.k8s.io/json, case-sensitive): a value of the wrong JSON type is the Go decoder's
//!   `json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type
//!   int32`; quantities, int-or-strings and times use their own unmarshallers; unknown
//!   fields are dropped and their paths (`spec.template.spec.containers[0].foo`) returned for
//!   `fieldValidation` reporting.
//! - [`decode_custom`]: what the CRD handler does to a custom resource: structural pruning
//!   of unknown fields (kept under `x-kubernetes-preserve-unknown-fields`; `apiVersion`,
//!   `kind` and `metadata` of embedded resources are kept, `metadata` decoded as
//!   ObjectMeta), removal of non-nullable nulls and structural defaulting (`default`).
//! - [`validate_custom`]: the CRD's OpenAPI validation (kube-openapi wording through
//!   apiextensions' field errors): `type`, `nullable`, `enum`, `required`, numeric bounds,
//!   `multipleOf`, string lengths, `pattern`, item and property counts. Not checked:
//!   `format`, `uniqueItems`, `oneOf`/`anyOf`/`allOf`/`not`
//!   and CEL `x-kubernetes-validations`; objects a real cluster rejects for those are
//!   accepted.
//!
//! Each walk visits a value once; paths are built in one reused buffer.
//!
//! ```
//! use gitops_devcluster::{typecheck, typeschema};
//! use serde_json::json;
//!
//! let t = typeschema::builtin("apps", "v1", "Deployment").expect("built-in");
//! let mut d = json!({"spec": {"replicas": 2, "foo": 1}});
//! let unknown = typecheck::decode_builtin(&t.types, t.root, &mut d, true).expect("decodes");
//! assert_eq!(unknown, ["spec.foo"]);
//! assert_eq!(d, json!({"spec": {"replicas": 2}}));
//! let err = typecheck::decode_builtin(&t.types, t.root, &mut json!({"spec": {"replicas": "2"}}), true)
//!     .expect_err("wrong type");
//! assert_eq!(
//!     err.to_string(),
//!     "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"
//! );
//! ```

mod go;
mod prune;
mod schema;

use std::fmt;

use serde_json::Value;

use crate::typeschema::{TypeId, Types};

pub use schema::SchemaError;

/// At most this many unknown fields are reported (sigs.k8s.io/json's limit).
pub const MAX_UNKNOWN_FIELDS: usize = 100;

/// Errors of this module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TypecheckError {
    /// The body cannot be decoded into the kind's type; the text is the Go decoder's (or a
    /// custom unmarshaller's) message.
    #[error("{0}")]
    Decode(String),
    /// The `fieldValidation` parameter is none of `Ignore`, `Warn`, `Strict`.
    #[error("fieldValidation: Unsupported value: {}: supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"", crate::field_error::go_quote(.0))]
    Directive(String),
}

/// What to do with unknown (and duplicate) fields: the `fieldValidation` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Directive {
    /// Drop them silently.
    Ignore,
    /// Drop them and send one `Warning` header each (the default when the parameter is
    /// absent, apiserver `handlers/rest.go` `fieldValidation`).
    #[default]
    Warn,
    /// Reject the request (400 `strict decoding error: …`).
    Strict,
}

impl Directive {
    /// Parses the parameter; absent or empty means [`Directive::Warn`].
    pub fn parse(raw: Option<&str>) -> Result<Self, TypecheckError> {
        match raw.unwrap_or("") {
            "" | "Warn" => Ok(Self::Warn),
            "Ignore" => Ok(Self::Ignore),
            "Strict" => Ok(Self::Strict),
            other => Err(TypecheckError::Directive(other.to_string())),
        }
    }

    /// Whether unknown field paths must be collected.
    pub fn tracks_unknown(self) -> bool {
        self != Self::Ignore
    }
}

/// The strict decoding error text for unknown field paths:
/// `strict decoding error: unknown field "spec.foo", unknown field "spec.bar"`.
pub fn strict_error(unknown: &[String]) -> String {
    let mut s = String::from("strict decoding error: ");
    for (i, p) in unknown.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&unknown_field(p));
    }
    s
}

/// One unknown-field message, `unknown field "spec.foo"` (also the warning text).
pub fn unknown_field(path: &str) -> String {
    format!("unknown field {}", crate::field_error::go_quote(path))
}

/// Decodes a built-in kind's object in place as the Go JSON decoder would: returns the
/// paths of the unknown fields it dropped (collected only when `track_unknown`), or the
/// decoder's error for the first value of a wrong type.
pub fn decode_builtin(
    types: &Types,
    root: TypeId,
    obj: &mut Value,
    track_unknown: bool,
) -> Result<Vec<String>, TypecheckError> {
    let mut d = go::GoDecoder::new(types, track_unknown);
    d.walk(obj, root)?;
    Ok(d.into_unknown())
}

/// Prunes and defaults a custom resource in place per its structural schema: returns the
/// sorted paths of the pruned unknown fields (when `track_unknown`), or a decoding error
/// for malformed `metadata`.
pub fn decode_custom(
    types: &Types,
    root: TypeId,
    obj: &mut Value,
    track_unknown: bool,
) -> Result<Vec<String>, TypecheckError> {
    prune::Pruner::new(types, track_unknown, true).run(obj, root)
}

/// [`decode_custom`] without defaulting, for a server-side apply configuration (defaults
/// belong to the merged object, not to the applier's fields).
pub fn prune_custom(
    types: &Types,
    root: TypeId,
    obj: &mut Value,
    track_unknown: bool,
) -> Result<Vec<String>, TypecheckError> {
    prune::Pruner::new(types, track_unknown, false).run(obj, root)
}

/// Validates a (pruned) custom resource against its schema; empty when valid.
pub fn validate_custom(types: &Types, root: TypeId, obj: &Value) -> Vec<SchemaError> {
    schema::Validator::new(types).run(obj, root)
}

/// Appends `key` to a dotted path.
fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

/// Appends `[i]` to a path.
fn push_index(path: &mut String, i: usize) {
    use fmt::Write;
    let _ = write!(path, "[{i}]");
}

/// A float as Go's `%v` prints it (`2`, `1.5`, `1e+21`).
pub fn go_float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{f:.0}")
    } else if f.is_finite() && (f.abs() >= 1e21 || (f != 0.0 && f.abs() < 1e-4)) {
        let s = format!("{f:e}");
        // Rust: 1e21, 1.5e-7; Go: 1e+21, 1.5e-07.
        match s.split_once('e') {
            Some((m, e)) => {
                let (sign, digits) = e.strip_prefix('-').map_or(("+", e), |d| ("-", d));
                format!("{m}e{sign}{digits:0>2}")
            }
            None => s,
        }
    } else {
        f.to_string()
    }
}

/// A JSON value as apimachinery's field errors print a bad value (`"x"`, `5`, `true`,
/// JSON with sorted keys for objects and arrays).
pub fn go_value(v: &Value) -> String {
    match v {
        Value::String(s) => crate::field_error::go_quote(s),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => n
                .as_u64()
                .map_or_else(|| go_float(n.as_f64().unwrap_or(0.0)), |u| u.to_string()),
        },
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        other => sorted_json(other),
    }
}

fn sorted_json(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), sorted_json(&m[k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(sorted_json).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
