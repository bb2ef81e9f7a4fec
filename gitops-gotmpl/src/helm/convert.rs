//! The functions Helm's `funcMap()` adds over Sprig, with Helm v4.1's signatures and error
//! behaviour:
//!
//! - `toYaml` (`sigs.k8s.io/yaml.Marshal`: through JSON, then go-yaml v2; the final newline
//!   trimmed; errors give `""`), `mustToYaml` (errors fail the template), `toYamlPretty`;
//! - `fromYaml`, `fromJson`, `fromToml` (errors go into the `Error` key of the result map;
//!   `fromJson "null"` is a nil map),
//!   `fromYamlArray`, `fromJsonArray` (errors become the only item);
//! - `toJson` (errors give `""`), `mustToJson`, `toToml` (errors give their text; see
//!   [`super::toml`]);
//! - `required` (nil or `""` fails with the message), `fail`, both wrapped in Helm's
//!   `HELM_ERR_START…HELM_ERR_END` markers that Helm's error cleanup extracts;
//! - `lookup` (template mode: an empty map) and `getHostByName` (DNS lookups disabled,
//!   Helm's default: `""`).

use crate::func::{Func, Funcs, Ty};
use crate::gojson::{self, MARSHAL, Target};
use crate::value::{Map, Value};

/// Helm's markers around `required`/`fail` messages (`warnWrap`).
pub const WARN_START: &str = "HELM_ERR_START";
/// See [`WARN_START`].
pub const WARN_END: &str = "HELM_ERR_END";

fn warn_wrap(msg: &str) -> String {
    format!("{WARN_START}{msg}{WARN_END}")
}

/// `sigs.k8s.io/yaml.Marshal(v)` with the final newline trimmed, or its error.
pub fn to_yaml(v: &Value) -> Result<String, String> {
    let json =
        gojson::marshal(v, MARSHAL).map_err(|e| format!("error marshaling into JSON: {e}"))?;
    // go-yaml v2 refuses to read back C1 controls, DEL and U+FFFE/U+FFFF.
    if let Some(c) = json
        .chars()
        .find(|&c| matches!(c as u32, 0x7f..=0x84 | 0x86..=0x9f | 0xfffe | 0xffff))
    {
        let _ = c;
        return Err(
            "error converting JSON to YAML: yaml: control characters are not allowed".into(),
        );
    }
    let tree: serde_json::Value =
        serde_json::from_str(&json).map_err(|e| format!("error converting JSON to YAML: {e}"))?;
    let out = gitops_yaml::emit::to_string(&tree);
    Ok(out.strip_suffix('\n').unwrap_or(&out).to_string())
}

/// libyaml's scanner messages (go-yaml v2 reports their line only from the second line on).
const SCANNER_ERRORS: &[&str] = &[
    "mapping values are not allowed in this context",
    "found character that cannot start any token",
    "could not find expected ':'",
    "found unexpected end of stream",
    "block sequence entries are not allowed in this context",
];

/// The first YAML document of `text` as JSON, as `sigs.k8s.io/yaml` converts it (YAML 1.1,
/// go-yaml v2's error texts prefixed `error converting YAML to JSON: `); `None` when empty.
pub fn yaml_to_json(text: &str) -> Result<Option<serde_json::Value>, String> {
    let opts = gitops_yaml::load::LoadOptions::with_schema(gitops_yaml::load::Schema::GoYamlV2);
    let docs = gitops_yaml::load_documents(text, &opts).map_err(|e| {
        let msg = match &e {
            // go-yaml v2 names no line for scanner errors on the first line
            gitops_yaml::load::Error::Syntax {
                go_line: 1,
                message,
                ..
            } if SCANNER_ERRORS.contains(&message.as_str()) => {
                format!("yaml: {message}")
            }
            // a parser error on the first line: go-yaml names none
            gitops_yaml::load::Error::Syntax {
                go_line: 0,
                message,
                ..
            } => format!("yaml: {message}"),
            gitops_yaml::load::Error::Syntax {
                go_line, message, ..
            } => {
                format!("yaml: line {go_line}: {message}")
            }
            // JSON's refusals (`.inf`, `.nan`) come from sigs.k8s.io/yaml's json.Marshal
            gitops_yaml::load::Error::Value { message, .. } if message.starts_with("json: ") => {
                message.clone()
            }
            other => format!("yaml: {other}"),
        };
        format!("error converting YAML to JSON: {msg}")
    })?;
    Ok(docs.into_iter().next().map(|d| d.value))
}

/// `sigs.k8s.io/yaml.Unmarshal(text, &target)` for a map or slice target: YAML 1.1 as Helm
/// reads values (first document only), numbers as `float64`.
pub fn from_yaml(text: &str, target: Target) -> Result<Value, String> {
    let value = yaml_to_json(text)?.map_or(Value::Nil, |v| Value::from_json(&v));
    let kind = match &value {
        Value::Nil => return Ok(Value::Nil),
        Value::Map(..) => "object",
        Value::List(..) => "array",
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        _ => "number",
    };
    let (want, ty) = match target {
        Target::Map => ("object", "map[string]interface {}"),
        Target::List => ("array", "[]interface {}"),
        Target::Any => return Ok(value),
    };
    if kind != want {
        return Err(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {kind} into Go value of type {ty}"
        ));
    }
    Ok(value)
}

/// Texts up to this size are remembered by [`from_yaml_memo`].
const MEMO_MAX_TEXT: usize = 64 * 1024;
/// The remembered texts' total size; the memo starts over past it.
const MEMO_MAX_TOTAL: usize = 4 * 1024 * 1024;

thread_local! {
    /// `fromYaml` results by text: charts parse the same `include` output over and over
    /// (once per template and per item of a range). Parsing is pure, so a deep copy of the
    /// earlier result is the same value the parse would give.
    static FROM_YAML_MEMO: std::cell::RefCell<(usize, std::collections::HashMap<String, Value>)> =
        std::cell::RefCell::new((0, std::collections::HashMap::new()));
}

/// `fromYaml`: [`from_yaml`] into a map, errors in the `Error` key, memoized by text.
fn from_yaml_memo(text: &str) -> Value {
    if text.len() > MEMO_MAX_TEXT {
        return map_or_error(from_yaml(text, Target::Map));
    }
    if let Some(v) =
        FROM_YAML_MEMO.with(|m| m.borrow().1.get(text).map(crate::sprig::dicts::deep_copy))
    {
        return v;
    }
    let v = map_or_error(from_yaml(text, Target::Map));
    FROM_YAML_MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if m.0 + text.len() > MEMO_MAX_TOTAL {
            *m = (0, std::collections::HashMap::new());
        }
        m.0 += text.len();
        m.1.insert(text.to_string(), crate::sprig::dicts::deep_copy(&v));
    });
    v
}

/// A map result carrying `Error` as Helm's `from…` functions return it.
fn map_or_error(r: Result<Value, String>) -> Value {
    match r {
        Ok(v @ Value::Map(..)) => v,
        Ok(_) => Value::map(Map::new()),
        Err(e) => Value::map(Map::from([("Error".to_string(), Value::str(e))])),
    }
}

/// A list result carrying the error as its only item.
fn list_or_error(r: Result<Value, String>) -> Value {
    match r {
        Ok(v @ Value::List(..)) => v,
        Ok(_) => Value::list(Vec::new()),
        Err(e) => Value::list(vec![Value::str(e)]),
    }
}

fn str_arg(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// Registers the functions of this module.
pub(super) fn register(f: &mut Funcs) {
    f.insert(
        "toYaml",
        Func::new(&[Ty::Any], |a| {
            Ok(Value::str(to_yaml(&a[0]).unwrap_or_default()))
        }),
    );
    f.insert(
        "mustToYaml",
        Func::new(&[Ty::Any], |a| to_yaml(&a[0]).map(Value::str)),
    );
    f.insert(
        "toYamlPretty",
        Func::new(&[Ty::Any], |a| {
            Ok(Value::str(
                super::pretty::to_yaml_pretty(&a[0]).unwrap_or_default(),
            ))
        }),
    );
    f.insert(
        "fromYaml",
        Func::new(&[Ty::String], |a| Ok(from_yaml_memo(str_arg(&a[0])))),
    );
    f.insert(
        "fromYamlArray",
        Func::new(&[Ty::String], |a| {
            Ok(list_or_error(from_yaml(str_arg(&a[0]), Target::List)))
        }),
    );
    f.insert(
        "toJson",
        Func::new(&[Ty::Any], |a| {
            Ok(Value::str(
                gojson::marshal(&a[0], MARSHAL).unwrap_or_default(),
            ))
        }),
    );
    f.insert(
        "mustToJson",
        Func::new(&[Ty::Any], |a| {
            gojson::marshal(&a[0], MARSHAL).map(Value::str)
        }),
    );
    f.insert(
        "fromJson",
        Func::new(&[Ty::String], |a| {
            // Go: `m := map{}; json.Unmarshal(s, &m)` — `null` makes m nil, a type error
            // keeps what was decoded, and the error goes into m["Error"].
            Ok(
                match gojson::unmarshal_partial(str_arg(&a[0]), Target::Map) {
                    (v, None) => v,
                    (v, Some(e)) => {
                        let mut m = v.as_map().map(|m| m.clone()).unwrap_or_default();
                        m.insert("Error".into(), Value::str(e));
                        Value::map(m)
                    }
                },
            )
        }),
    );
    f.insert(
        "fromJsonArray",
        Func::new(&[Ty::String], |a| {
            Ok(
                match gojson::unmarshal_partial(str_arg(&a[0]), Target::List) {
                    (v, None) => v,
                    (_, Some(e)) => Value::list(vec![Value::str(e)]),
                },
            )
        }),
    );
    f.insert(
        "toToml",
        Func::new(&[Ty::Any], |a| {
            if a[0].is_nil() {
                // BurntSushi's encoder panics on a nil interface (not an encoding error).
                return Err("reflect: call of reflect.Value.Type on zero Value".into());
            }
            Ok(Value::str(
                super::toml::to_toml(&a[0]).unwrap_or_else(|e| e),
            ))
        }),
    );
    f.insert(
        "fromToml",
        Func::new(&[Ty::String], |a| {
            Ok(map_or_error(super::toml::from_toml(str_arg(&a[0]))))
        }),
    );
    f.insert(
        "required",
        Func::new(&[Ty::String, Ty::Any], |a| match &a[1] {
            Value::Nil => Err(warn_wrap(str_arg(&a[0]))),
            Value::String(s) if s.is_empty() => Err(warn_wrap(str_arg(&a[0]))),
            v => Ok(v.clone()),
        }),
    );
    f.insert(
        "fail",
        Func::new(&[Ty::String], |a| Err(warn_wrap(str_arg(&a[0])))),
    );
    f.insert(
        "lookup",
        Func::new(&[Ty::String, Ty::String, Ty::String, Ty::String], |_| {
            Ok(Value::map(Map::new()))
        }),
    );
    f.insert(
        "getHostByName",
        Func::new(&[Ty::String], |_| Ok(Value::str(""))),
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[Value]) -> Result<Value, String> {
        let mut f = Funcs::new();
        register(&mut f);
        (f.get(name).unwrap().call)(args)
    }

    #[test]
    fn to_yaml_goes_through_json() {
        let v = Value::from_json(&serde_json::json!({"b": [1, "yes"], "a": 1.5}));
        assert_eq!(
            call("toYaml", &[v]).unwrap(),
            Value::str("a: 1.5\nb:\n- 1\n- \"yes\"")
        );
        assert_eq!(
            call("toYaml", &[Value::Float(f64::NAN)]).unwrap(),
            Value::str("")
        );
        assert_eq!(
            call("mustToYaml", &[Value::Float(f64::NAN)]).unwrap_err(),
            "error marshaling into JSON: json: unsupported value: NaN"
        );
    }

    #[test]
    fn from_yaml_reads_yaml_1_1_and_reports_errors_in_the_map() {
        let m = call("fromYaml", &[Value::str("a: yes\nb: 0755\n")]).unwrap();
        assert_eq!(m.as_map().unwrap()["a"], Value::Bool(true));
        assert_eq!(m.as_map().unwrap()["b"], Value::Float(493.0));
        let e = call("fromYaml", &[Value::str("- 1\n")]).unwrap();
        assert_eq!(
            e.as_map().unwrap()["Error"],
            Value::str(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}"
            )
        );
        let l = call("fromYamlArray", &[Value::str("a: 1")]).unwrap();
        assert_eq!(l.as_list().unwrap().len(), 1);
    }

    #[test]
    fn required_rejects_nil_and_empty_strings_only() {
        assert_eq!(
            call("required", &[Value::str("x!"), Value::Nil]).unwrap_err(),
            "HELM_ERR_STARTx!HELM_ERR_END"
        );
        assert!(call("required", &[Value::str("x"), Value::str("")]).is_err());
        assert_eq!(
            call("required", &[Value::str("x"), Value::Int(0)]).unwrap(),
            Value::Int(0)
        );
        assert_eq!(
            call("required", &[Value::str("x"), Value::Bool(false)]).unwrap(),
            Value::Bool(false)
        );
    }
}
