//! Field selectors as apimachinery parses them (`pkg/fields/selector.go`) and as the API
//! server checks them per kind (`ConvertFieldLabel`).
//!
//! Terms are `field=value`, `field==value` or `field!=value`, joined by `,` (AND); `\`
//! escapes `\`, `,` and `=` in values. Every kind accepts `metadata.name` and
//! `metadata.namespace`; [`supported_fields`] lists the extra fields of built-in kinds. An
//! unsupported field is a 400 whose text depends on the kind: kinds without a converter
//! say `"spec.x" is not a known field selector: only "metadata.name", "metadata.namespace"`,
//! kinds with one (and CRDs) say `field label not supported: spec.x`.

use serde_json::Value;
use thiserror::Error;

use crate::status::Status;

/// A field selector error; messages are apimachinery's.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FieldSelectorError {
    /// A term is not `a=b`, `a==b` or `a!=b`.
    #[error("invalid selector: '{selector}'; can't understand '{term}'")]
    Syntax {
        /// The whole selector.
        selector: String,
        /// The offending term.
        term: String,
    },
    /// A bad `\` escape.
    #[error("invalid field selector: invalid escape sequence: {0}")]
    Escape(String),
    /// An unescaped `,` or `=` in a value (Go prints the rune as a number).
    #[error("invalid field selector: unescaped character in value: {0}")]
    Unescaped(u32),
    /// The kind has no converter and the field is not `metadata.*`.
    #[error(
        "\"{0}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
    )]
    NotKnown(String),
    /// The kind's converter rejects the field.
    #[error("field label not supported: {0}")]
    NotSupported(String),
}

impl FieldSelectorError {
    /// The 400 BadRequest Status the API server answers with.
    pub fn to_status(&self) -> Status {
        Status::bad_request(self.to_string())
    }
}

/// Comparison of a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldOp {
    /// `=` or `==`.
    Equals,
    /// `!=`.
    NotEquals,
}

/// One `field op value` term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldTerm {
    /// Field path such as `metadata.name`.
    pub field: String,
    /// Operator.
    pub op: FieldOp,
    /// Unescaped value.
    pub value: String,
}

/// A parsed field selector (empty = everything).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldSelector {
    /// Terms, sorted as Go sorts the raw terms.
    pub terms: Vec<FieldTerm>,
}

/// Which field selectors a resource accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldSupport {
    /// Only `metadata.name`/`metadata.namespace`, with the default converter's message.
    Default,
    /// A per-kind converter: these fields plus `metadata.*`, else `field label not supported`.
    Fields(&'static [&'static str]),
}

/// The extra field selectors of built-in resources (KK `pkg/apis/*/v1/conversion.go`,
/// partly from memory); CRDs should pass `FieldSupport::Fields(&[])` (plus their
/// `selectableFields`, not yet supported).
pub fn supported_fields(group: &str, resource: &str) -> FieldSupport {
    const POD: &[&str] = &[
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.podIPs",
        "status.nominatedNodeName",
    ];
    const EVENT: &[&str] = &[
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    ];
    match (group, resource) {
        ("", "pods") => FieldSupport::Fields(POD),
        ("", "namespaces") => FieldSupport::Fields(&["status.phase", "name"]),
        ("", "secrets") => FieldSupport::Fields(&["type"]),
        ("", "events") => FieldSupport::Fields(EVENT),
        ("", "nodes") => FieldSupport::Fields(&["spec.unschedulable"]),
        ("", "replicationcontrollers") => FieldSupport::Fields(&["status.replicas"]),
        ("apps", "replicasets") => FieldSupport::Fields(&["status.replicas"]),
        ("batch", "jobs") => FieldSupport::Fields(&["status.successful"]),
        ("events.k8s.io", "events") => FieldSupport::Fields(EVENT),
        _ => FieldSupport::Default,
    }
}

fn split_terms(s: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut cur = String::new();
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
        } else if c == '\\' {
            cur.push(c);
            escaped = true;
        } else if c == ',' {
            terms.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    terms.push(cur);
    terms
}

fn split_term(term: &str) -> Option<(String, FieldOp, String)> {
    let mut escaped = false;
    for (i, c) in term.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        if c == '\\' {
            escaped = true;
            continue;
        }
        for (op, kind) in [
            ("!=", FieldOp::NotEquals),
            ("==", FieldOp::Equals),
            ("=", FieldOp::Equals),
        ] {
            if term[i..].starts_with(op) {
                return Some((
                    term[..i].to_string(),
                    kind,
                    term[i + op.len()..].to_string(),
                ));
            }
        }
    }
    None
}

fn unescape(s: &str) -> Result<String, FieldSelectorError> {
    if !s.contains(['\\', ',', '=']) {
        return Ok(s.to_string());
    }
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ ('\\' | ',' | '=')) => out.push(e),
                Some(e) => return Err(FieldSelectorError::Escape(format!("\\{e}"))),
                None => return Err(FieldSelectorError::Escape("\\".into())),
            },
            ',' | '=' => return Err(FieldSelectorError::Unescaped(c as u32)),
            c => out.push(c),
        }
    }
    Ok(out)
}

impl FieldSelector {
    /// Parses the `fieldSelector` query parameter (syntax only).
    pub fn parse(selector: &str) -> Result<Self, FieldSelectorError> {
        let mut parts = split_terms(selector);
        parts.sort();
        let mut terms = Vec::new();
        for part in parts.iter().filter(|p| !p.is_empty()) {
            let (field, op, rhs) = split_term(part).ok_or_else(|| FieldSelectorError::Syntax {
                selector: selector.to_string(),
                term: part.clone(),
            })?;
            terms.push(FieldTerm {
                field,
                op,
                value: unescape(&rhs)?,
            });
        }
        Ok(Self { terms })
    }

    /// Parses and checks every field against what the resource supports.
    pub fn parse_for(selector: &str, support: FieldSupport) -> Result<Self, FieldSelectorError> {
        let s = Self::parse(selector)?;
        s.check(support)?;
        Ok(s)
    }

    /// Checks every field against what the resource supports.
    pub fn check(&self, support: FieldSupport) -> Result<(), FieldSelectorError> {
        for t in &self.terms {
            let f = t.field.as_str();
            if f == "metadata.name" || f == "metadata.namespace" {
                continue;
            }
            match support {
                FieldSupport::Default => return Err(FieldSelectorError::NotKnown(t.field.clone())),
                FieldSupport::Fields(list) if !list.contains(&f) => {
                    return Err(FieldSelectorError::NotSupported(t.field.clone()));
                }
                FieldSupport::Fields(_) => {}
            }
        }
        Ok(())
    }

    /// True when it selects everything.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether an object satisfies every term; a missing field reads as `""`.
    pub fn matches_object(&self, obj: &Value) -> bool {
        self.terms.iter().all(|t| {
            let v = field_value(obj, &t.field);
            match t.op {
                FieldOp::Equals => v == t.value,
                FieldOp::NotEquals => v != t.value,
            }
        })
    }
}

/// The string value a field selector compares: strings as is, booleans and numbers
/// printed, missing as `""`. `name` (legacy, namespaces) reads `metadata.name`; `source`
/// (events) reads `source.component`.
pub fn field_value(obj: &Value, field: &str) -> String {
    let path = match field {
        "name" => "metadata.name",
        "source" => "source.component",
        f => f,
    };
    let mut cur = obj;
    for part in path.split('.') {
        match cur.get(part) {
            Some(v) => cur = v,
            None => return String::new(),
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.get("ip").or(Some(i)).and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(","),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_and_match() {
        let s = FieldSelector::parse("metadata.name=web,metadata.namespace!=kube-system")
            .expect("parses");
        assert!(s.matches_object(&json!({"metadata": {"name": "web", "namespace": "default"}})));
        assert!(
            !s.matches_object(&json!({"metadata": {"name": "web", "namespace": "kube-system"}}))
        );
        let s = FieldSelector::parse("metadata.name==a\\,b").expect("parses");
        assert_eq!(s.terms[0].value, "a,b");
        assert!(FieldSelector::parse("").expect("parses").is_empty());
    }

    #[test]
    fn errors_match_apimachinery() {
        let e = |s: &str| FieldSelector::parse(s).expect_err("fails").to_string();
        assert_eq!(e("foo"), "invalid selector: 'foo'; can't understand 'foo'");
        assert_eq!(
            e("a=b\\x"),
            "invalid field selector: invalid escape sequence: \\x"
        );
        assert_eq!(
            e("a=b=c"),
            "invalid field selector: unescaped character in value: 61"
        );
        let e = FieldSelector::parse_for("spec.x=1", supported_fields("", "configmaps"))
            .expect_err("fails");
        assert_eq!(
            e.to_string(),
            "\"spec.x\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        );
        let e = FieldSelector::parse_for("spec.x=1", supported_fields("", "secrets"))
            .expect_err("fails");
        assert_eq!(e.to_string(), "field label not supported: spec.x");
        assert!(FieldSelector::parse_for("type=Opaque", supported_fields("", "secrets")).is_ok());
    }

    #[test]
    fn extra_fields() {
        let pod = json!({"spec": {"nodeName": "n1", "hostNetwork": true}, "status": {"phase": "Running"}});
        let s = FieldSelector::parse("spec.nodeName=n1,spec.hostNetwork=true,status.phase=Running")
            .expect("parses");
        assert!(s.matches_object(&pod));
    }
}
