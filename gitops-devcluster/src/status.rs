//! Kubernetes `Status` error bodies, worded as the real API server words them.
//!
//! Every failure the devcluster reports is a [`Status`]; [`Status::to_json`] gives the body
//! (`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",…}`) and
//! [`Status::code`] the HTTP status code. Constructors mirror apimachinery's
//! `pkg/api/errors/errors.go` (`NewNotFound`, `NewAlreadyExists`, `NewConflict`, …), and
//! field errors mirror `pkg/util/validation/field/errors.go`.

use std::fmt;

use serde_json::{Map, Value, json};

pub use crate::field_error::{FieldError, FieldErrorType, aggregate, go_quote};

/// The message of an optimistic-concurrency conflict (apimachinery `OptimisticLockErrorMsg`).
pub const OPTIMISTIC_LOCK_MSG: &str =
    "the object has been modified; please apply your changes to the latest version and try again";

/// A group and a resource (plural), printed as `deployments.apps` or `configmaps`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupResource {
    /// API group, empty for the core group.
    pub group: String,
    /// Resource plural (or, for some messages, the Kind), e.g. `deployments`.
    pub resource: String,
}

impl GroupResource {
    /// Builds a group-resource pair.
    pub fn new(group: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            resource: resource.into(),
        }
    }
}

impl fmt::Display for GroupResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.resource)
        } else {
            write!(f, "{}.{}", self.resource, self.group)
        }
    }
}

/// The machine-readable `reason` of a failure Status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// 400.
    BadRequest,
    /// 403.
    Forbidden,
    /// 404.
    NotFound,
    /// 405.
    MethodNotAllowed,
    /// 406.
    NotAcceptable,
    /// 409, the name is taken.
    AlreadyExists,
    /// 409, a precondition or optimistic lock failed.
    Conflict,
    /// 410, generic.
    Gone,
    /// 410, a resourceVersion or continue token is too old.
    Expired,
    /// 413.
    RequestEntityTooLarge,
    /// 415.
    UnsupportedMediaType,
    /// 422.
    Invalid,
    /// 500.
    InternalError,
    /// 504.
    Timeout,
    /// 429.
    TooManyRequests,
    /// 503.
    ServiceUnavailable,
    /// No reason (`""`, omitted): what the server sends for errors that are not API
    /// statuses (500).
    Unknown,
}

impl Reason {
    /// The string sent in `reason`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::BadRequest => "BadRequest",
            Reason::Forbidden => "Forbidden",
            Reason::NotFound => "NotFound",
            Reason::MethodNotAllowed => "MethodNotAllowed",
            Reason::NotAcceptable => "NotAcceptable",
            Reason::AlreadyExists => "AlreadyExists",
            Reason::Conflict => "Conflict",
            Reason::Gone => "Gone",
            Reason::Expired => "Expired",
            Reason::RequestEntityTooLarge => "RequestEntityTooLarge",
            Reason::UnsupportedMediaType => "UnsupportedMediaType",
            Reason::Invalid => "Invalid",
            Reason::InternalError => "InternalError",
            Reason::Timeout => "Timeout",
            Reason::TooManyRequests => "TooManyRequests",
            Reason::ServiceUnavailable => "ServiceUnavailable",
            Reason::Unknown => "",
        }
    }
}

/// One entry of `details.causes`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusCause {
    /// Machine-readable cause, e.g. `FieldValueInvalid` (omitted when empty).
    pub reason: String,
    /// Human-readable text (omitted when empty).
    pub message: String,
    /// The field path, e.g. `spec.replicas` (omitted when empty).
    pub field: String,
}

/// `details` of a Status; empty strings are omitted like Go's `omitempty`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusDetails {
    /// Object name.
    pub name: String,
    /// API group.
    pub group: String,
    /// Resource plural (NotFound, AlreadyExists, Conflict) or Kind (Invalid).
    pub kind: String,
    /// Object uid (successful deletes).
    pub uid: String,
    /// Field-level causes.
    pub causes: Vec<StatusCause>,
    /// Suggested client retry delay.
    pub retry_after_seconds: Option<i32>,
}

/// A failure `Status` (apimachinery `metav1.Status`) with its HTTP code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// HTTP status code, also sent as `code`.
    pub code: u16,
    /// `reason`.
    pub reason: Reason,
    /// `message`.
    pub message: String,
    /// `details`, absent when `None`.
    pub details: Option<StatusDetails>,
}

fn details(name: &str, group: &str, kind: &str) -> Option<StatusDetails> {
    Some(StatusDetails {
        name: name.into(),
        group: group.into(),
        kind: kind.into(),
        ..Default::default()
    })
}

impl Status {
    /// 400 BadRequest with a free-text message and no details.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            code: 400,
            reason: Reason::BadRequest,
            message: message.into(),
            details: None,
        }
    }

    /// 404 for a path the server does not serve.
    pub fn not_found_path() -> Self {
        Self {
            code: 404,
            reason: Reason::NotFound,
            message: "the server could not find the requested resource".into(),
            details: Some(StatusDetails::default()),
        }
    }

    /// 404 `configmaps "x" not found`.
    pub fn not_found(gr: &GroupResource, name: &str) -> Self {
        Self {
            code: 404,
            reason: Reason::NotFound,
            message: format!("{gr} {} not found", go_quote(name)),
            details: details(name, &gr.group, &gr.resource),
        }
    }

    /// 409 `configmaps "x" already exists`.
    pub fn already_exists(gr: &GroupResource, name: &str) -> Self {
        Self {
            code: 409,
            reason: Reason::AlreadyExists,
            message: format!("{gr} {} already exists", go_quote(name)),
            details: details(name, &gr.group, &gr.resource),
        }
    }

    /// 409 `Operation cannot be fulfilled on configmaps "x": <cause>`.
    pub fn conflict(gr: &GroupResource, name: &str, cause: &str) -> Self {
        Self {
            code: 409,
            reason: Reason::Conflict,
            message: format!(
                "Operation cannot be fulfilled on {gr} {}: {cause}",
                go_quote(name)
            ),
            details: details(name, &gr.group, &gr.resource),
        }
    }

    /// 409 optimistic-lock conflict (stale `resourceVersion` on update).
    pub fn conflict_modified(gr: &GroupResource, name: &str) -> Self {
        Self::conflict(gr, name, OPTIMISTIC_LOCK_MSG)
    }

    /// 403 `configmaps "x" is forbidden: <cause>`.
    pub fn forbidden(gr: &GroupResource, name: &str, cause: &str) -> Self {
        let message = if name.is_empty() {
            format!("{gr} is forbidden: {cause}")
        } else {
            format!("{gr} {} is forbidden: {cause}", go_quote(name))
        };
        Self {
            code: 403,
            reason: Reason::Forbidden,
            message,
            details: details(name, &gr.group, &gr.resource),
        }
    }

    /// 405 `<verb> is not supported on resources of kind "<resource.group>"`.
    pub fn method_not_supported(gr: &GroupResource, verb: &str) -> Self {
        Self {
            code: 405,
            reason: Reason::MethodNotAllowed,
            message: format!(
                "{verb} is not supported on resources of kind {}",
                go_quote(&gr.to_string())
            ),
            details: details("", &gr.group, &gr.resource),
        }
    }

    /// 410 `Expired` (too old resourceVersion or continue token).
    pub fn expired(message: impl Into<String>) -> Self {
        Self {
            code: 410,
            reason: Reason::Expired,
            message: message.into(),
            details: None,
        }
    }

    /// 410 `Gone`.
    pub fn gone(message: impl Into<String>) -> Self {
        Self {
            code: 410,
            reason: Reason::Gone,
            message: message.into(),
            details: None,
        }
    }

    /// 413 `Request entity too large: <message>`.
    pub fn too_large(message: &str) -> Self {
        Self {
            code: 413,
            reason: Reason::RequestEntityTooLarge,
            message: format!("Request entity too large: {message}"),
            details: None,
        }
    }

    /// 415 `the body of the request was in an unknown format - accepted media types include: …`.
    pub fn unsupported_media_type(accepted: &[&str]) -> Self {
        Self {
            code: 415,
            reason: Reason::UnsupportedMediaType,
            message: format!(
                "the body of the request was in an unknown format - accepted media types include: {}",
                accepted.join(", ")
            ),
            details: None,
        }
    }

    /// 422 `Deployment.apps "web" is invalid: …` (`kind` is the Kind, not the plural).
    pub fn invalid(group: &str, kind: &str, name: &str, errors: &[FieldError]) -> Self {
        let gk = GroupResource::new(group, kind);
        let causes = errors
            .iter()
            .map(|e| StatusCause {
                reason: e.kind.cause().into(),
                message: e.body(),
                field: e.field.clone(),
            })
            .collect();
        Self {
            code: 422,
            reason: Reason::Invalid,
            message: format!("{gk} {} is invalid: {}", go_quote(name), aggregate(errors)),
            details: Some(StatusDetails {
                causes,
                ..details(name, group, kind).unwrap_or_default()
            }),
        }
    }

    /// 500 `Internal error occurred: <cause>`.
    pub fn internal(cause: &str) -> Self {
        Self {
            code: 500,
            reason: Reason::InternalError,
            message: format!("Internal error occurred: {cause}"),
            details: Some(StatusDetails {
                causes: vec![StatusCause {
                    message: cause.into(),
                    ..Default::default()
                }],
                ..Default::default()
            }),
        }
    }

    /// 504 `Too large resource version: X, current: Y` (cause `ResourceVersionTooLarge`).
    pub fn too_large_resource_version(requested: u64, current: u64) -> Self {
        Self {
            code: 504,
            reason: Reason::Timeout,
            message: format!("Too large resource version: {requested}, current: {current}"),
            details: Some(StatusDetails {
                causes: vec![StatusCause {
                    reason: "ResourceVersionTooLarge".into(),
                    message: "Too large resource version".into(),
                    field: String::new(),
                }],
                retry_after_seconds: Some(1),
                ..Default::default()
            }),
        }
    }

    /// The JSON body, fields in the order the API server writes them.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("kind".into(), json!("Status"));
        m.insert("apiVersion".into(), json!("v1"));
        m.insert("metadata".into(), json!({}));
        m.insert("status".into(), json!("Failure"));
        m.insert("message".into(), json!(self.message));
        if self.reason != Reason::Unknown {
            m.insert("reason".into(), json!(self.reason.as_str()));
        }
        if let Some(d) = &self.details {
            m.insert("details".into(), details_json(d));
        }
        m.insert("code".into(), json!(self.code));
        Value::Object(m)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Status {}

fn details_json(d: &StatusDetails) -> Value {
    let mut m = Map::new();
    for (k, v) in [
        ("name", &d.name),
        ("group", &d.group),
        ("kind", &d.kind),
        ("uid", &d.uid),
    ] {
        if !v.is_empty() {
            m.insert(k.into(), json!(v));
        }
    }
    if !d.causes.is_empty() {
        let causes = d
            .causes
            .iter()
            .map(|c| {
                let mut cm = Map::new();
                for (k, v) in [
                    ("reason", &c.reason),
                    ("message", &c.message),
                    ("field", &c.field),
                ] {
                    if !v.is_empty() {
                        cm.insert(k.into(), json!(v));
                    }
                }
                Value::Object(cm)
            })
            .collect();
        m.insert("causes".into(), Value::Array(causes));
    }
    if let Some(s) = d.retry_after_seconds {
        m.insert("retryAfterSeconds".into(), json!(s));
    }
    Value::Object(m)
}

/// The `Status` a successful immediate delete returns:
/// `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{…}}`.
pub fn success_deleted(gr: &GroupResource, name: &str, uid: &str) -> Value {
    let d = StatusDetails {
        name: name.into(),
        group: gr.group.clone(),
        kind: gr.resource.clone(),
        uid: uid.into(),
        ..Default::default()
    };
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details_json(&d)})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_core_omits_group() {
        let s = Status::not_found(&GroupResource::new("", "configmaps"), "x");
        assert_eq!(
            s.to_json(),
            json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
                "message":"configmaps \"x\" not found","reason":"NotFound",
                "details":{"name":"x","kind":"configmaps"},"code":404})
        );
    }

    #[test]
    fn conflict_qualified() {
        let s = Status::conflict_modified(&GroupResource::new("apps", "deployments"), "web");
        assert_eq!(
            s.message,
            "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again"
        );
        assert_eq!(s.code, 409);
    }

    #[test]
    fn invalid_one_and_many() {
        let one = [FieldError::required(
            "metadata.name",
            "name or generateName is required",
        )];
        let s = Status::invalid("", "ConfigMap", "", &one);
        assert_eq!(
            s.message,
            "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required"
        );
        let many = [
            FieldError {
                kind: FieldErrorType::Invalid,
                field: "spec.replicas".into(),
                bad_value: Some("-1".into()),
                detail: "must be greater than or equal to 0".into(),
            },
            FieldError::required("spec.template.spec.containers[0].image", ""),
        ];
        let s = Status::invalid("apps", "Deployment", "web", &many);
        assert_eq!(
            s.message,
            "Deployment.apps \"web\" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.template.spec.containers[0].image: Required value]"
        );
        let j = s.to_json();
        assert_eq!(j["details"]["kind"], "Deployment");
        assert_eq!(
            j["details"]["causes"][0],
            json!({"reason":"FieldValueInvalid","message":"Invalid value: -1: must be greater than or equal to 0","field":"spec.replicas"})
        );
    }

    #[test]
    fn codes() {
        assert_eq!(
            Status::too_large("limit is 3145728").message,
            "Request entity too large: limit is 3145728"
        );
        assert_eq!(
            Status::unsupported_media_type(&["application/json"]).code,
            415
        );
        assert_eq!(
            Status::internal("boom").to_json()["details"]["causes"][0]["message"],
            "boom"
        );
        assert_eq!(Status::expired("x").to_json()["reason"], "Expired");
        assert_eq!(Status::gone("x").code, 410);
        assert_eq!(Status::too_large_resource_version(9, 5).code, 504);
        assert_eq!(Status::not_found_path().to_json()["details"], json!({}));
    }
}
