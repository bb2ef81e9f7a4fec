//! Typed decoding of request objects: what the real API server does when it decodes a
//! body into the kind's Go type (built-in kinds) or prunes and validates it against the
//! CRD's structural schema (custom resources). The walks are in [`crate::typecheck`].
//!
//! [`decode_typed`] runs on every create, update, patch and apply, after the body became a
//! JSON object and before defaults:
//! - built-in kinds: a field of the wrong type is rejected with 400 `Deployment in version
//!   "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct
//!   field DeploymentSpec.spec.replicas of type int32`;
//! - custom resources: unknown fields are pruned, `default`s applied, then the schema is
//!   checked: 422 `Widget.example.com "w" is invalid: spec.size: Invalid value: "string":
//!   spec.size in body must be of type integer: "string"` (CEL `x-kubernetes-validations`
//!   and `format` are not checked);
//! - unknown fields are dropped and reported per `fieldValidation` (apiserver
//!   `handlers/rest.go`): `Strict` → 400 `… cannot be handled as a Deployment: strict
//!   decoding error: unknown field "spec.foo"`, `Warn` (also when the parameter is absent,
//!   as Helm 3 sends it) → one `Warning: 299 - "unknown field \"spec.foo\""` header each,
//!   `Ignore` → silent.

// `Status` is the reply itself, built once per failed request; boxing it buys nothing.
#![allow(clippy::result_large_err)]

use hyper::Response;
use hyper::header::HeaderValue;
use serde_json::Value;

use super::{Body, State};
use crate::field_error::{FieldError, FieldErrorType, aggregate, go_quote};
use crate::path::Query;
use crate::registry::ResourceInfo;
use crate::status::{GroupResource, Reason, Status, StatusCause, StatusDetails};
use crate::typecheck::{self, Directive, SchemaError, TypecheckError};
use crate::typeschema::TypeRef;

/// Decodes `obj` (a JSON object of `info`'s kind) in place: drops unknown fields, rejects
/// wrong types; returns the warnings to send (`Warn` mode).
pub(crate) fn decode_typed(
    state: &State,
    info: &ResourceInfo,
    q: &Query,
    obj: &mut Value,
) -> Result<Vec<String>, Status> {
    let Some(ty) = state.kind_type(&info.group, &info.version, &info.kind) else {
        Directive::parse(q.field_validation.as_deref()).map_err(|e| directive_error(&e))?;
        return Ok(Vec::new());
    };
    let warnings = decode_with(&ty, info, q, obj, true)?;
    validate(&ty, info, obj)?;
    Ok(warnings)
}

/// For server-side apply: decodes an apply configuration like [`decode_typed`] (wrong
/// types, unknown fields per `fieldValidation`) but applies no CRD `default`s and no
/// schema validation: those belong to the merged object ([`finish_custom`]).
pub(crate) fn decode_apply_config(
    state: &State,
    info: &ResourceInfo,
    q: &Query,
    config: &mut Value,
) -> Result<Vec<String>, Status> {
    let Some(ty) = state.kind_type(&info.group, &info.version, &info.kind) else {
        Directive::parse(q.field_validation.as_deref()).map_err(|e| directive_error(&e))?;
        return Ok(Vec::new());
    };
    decode_with(&ty, info, q, config, false)
}

/// For server-side apply: prunes, defaults and validates a merged custom resource (no-op
/// for built-in kinds); 422 Invalid when the schema rejects it.
pub(crate) fn finish_custom(
    state: &State,
    info: &ResourceInfo,
    obj: &mut Value,
) -> Result<(), Status> {
    if info.crd.is_none() {
        return Ok(());
    }
    let Some(ty) = state.kind_type(&info.group, &info.version, &info.kind) else {
        return Ok(());
    };
    typecheck::decode_custom(&ty.types, ty.root, obj, false)
        .map_err(|e| cannot_handle(info, &e.to_string()))?;
    validate(&ty, info, obj)
}

fn decode_with(
    ty: &TypeRef,
    info: &ResourceInfo,
    q: &Query,
    obj: &mut Value,
    defaults: bool,
) -> Result<Vec<String>, Status> {
    let directive =
        Directive::parse(q.field_validation.as_deref()).map_err(|e| directive_error(&e))?;
    let track = directive.tracks_unknown();
    let decoded = match (info.crd.is_some(), defaults) {
        (true, true) => typecheck::decode_custom(&ty.types, ty.root, obj, track),
        (true, false) => typecheck::prune_custom(&ty.types, ty.root, obj, track),
        (false, _) => typecheck::decode_builtin(&ty.types, ty.root, obj, track),
    };
    let unknown = decoded.map_err(|e| cannot_handle(info, &e.to_string()))?;
    match directive {
        _ if unknown.is_empty() => Ok(Vec::new()),
        Directive::Strict => Err(cannot_handle(info, &typecheck::strict_error(&unknown))),
        Directive::Warn => Ok(unknown
            .iter()
            .map(|p| typecheck::unknown_field(p))
            .collect()),
        Directive::Ignore => Ok(Vec::new()),
    }
}

/// Schema validation of a custom resource (none for built-in kinds here).
fn validate(ty: &TypeRef, info: &ResourceInfo, obj: &Value) -> Result<(), Status> {
    if info.crd.is_none() {
        return Ok(());
    }
    let errors = typecheck::validate_custom(&ty.types, ty.root, obj);
    if errors.is_empty() {
        return Ok(());
    }
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    Err(invalid(&info.group, &info.kind, name, &errors))
}

/// 400 `<Kind> in version "<v>" cannot be handled as a <Kind>: <cause>` (apiserver
/// `transformDecodeError`).
fn cannot_handle(info: &ResourceInfo, cause: &str) -> Status {
    Status::bad_request(format!(
        "{} in version {} cannot be handled as a {}: {cause}",
        info.kind,
        go_quote(&info.version),
        info.kind
    ))
}

/// 422 for an unsupported `fieldValidation` value (apimachinery `ValidateFieldValidation`).
fn directive_error(e: &TypecheckError) -> Status {
    let value = match e {
        TypecheckError::Directive(v) => v.as_str(),
        _ => "",
    };
    let err = FieldError {
        kind: FieldErrorType::NotSupported,
        field: "fieldValidation".into(),
        bad_value: Some(go_quote(value)),
        detail: "supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"".into(),
    };
    Status::invalid("meta.k8s.io", "CreateOptions", "", &[err])
}

/// 422 Invalid with one cause per schema error (`details.kind` is the Kind).
fn invalid(group: &str, kind: &str, name: &str, errors: &[SchemaError]) -> Status {
    let gk = GroupResource::new(group, kind);
    let causes = errors
        .iter()
        .map(|e| StatusCause {
            reason: e.cause.into(),
            message: e.body.clone(),
            field: e.field.clone(),
        })
        .collect();
    Status {
        code: 422,
        reason: Reason::Invalid,
        message: format!("{gk} {} is invalid: {}", go_quote(name), aggregate(errors)),
        details: Some(StatusDetails {
            name: name.into(),
            group: group.into(),
            kind: kind.into(),
            causes,
            ..Default::default()
        }),
    }
}

/// The value of one `Warning` header: `299 - "<text>"` (RFC 7234 §5.5, what client-go
/// parses and kubectl prints as `Warning: <text>`).
pub(crate) fn warning_header(text: &str) -> String {
    format!("299 - {}", go_quote(text))
}

/// Adds `Warning: 299 - "<text>"` headers to a response (duplicates once).
pub(crate) fn add_warnings(mut resp: Response<Body>, warnings: &[String]) -> Response<Body> {
    // A set: a body of unknown fields can carry hundreds of thousands of them.
    let mut seen = std::collections::HashSet::new();
    for w in warnings {
        if !seen.insert(w.as_str()) {
            continue;
        }
        if let Ok(v) = HeaderValue::from_bytes(warning_header(w).as_bytes()) {
            resp.headers_mut().append(hyper::header::WARNING, v);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_are_sent_once_each_in_order() {
        let warnings: Vec<String> = ["b", "a", "b", "c", "a"].map(String::from).to_vec();
        let resp = add_warnings(Response::new(super::super::full("")), &warnings);
        let got: Vec<&str> = resp
            .headers()
            .get_all(hyper::header::WARNING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert_eq!(got, ["299 - \"b\"", "299 - \"a\"", "299 - \"c\""]);
    }
}
