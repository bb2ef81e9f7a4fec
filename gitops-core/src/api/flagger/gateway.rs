//! Gateway API references in a Canary's service: the parent Gateways of the generated
//! HTTPRoute (`gatewayRefs`) and request mirroring (`mirror`), with the Gateway API's
//! validation rules.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::api::validate::Validator;

/// Pattern of an API group (empty for the core group).
pub const GROUP_PATTERN: &str =
    r"^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
/// Pattern of a kind.
pub const KIND_PATTERN: &str = r"^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$";
/// Pattern of a namespace (DNS label).
pub const NAMESPACE_PATTERN: &str = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
/// Pattern of a section (listener) name (DNS subdomain).
pub const SECTION_NAME_PATTERN: &str =
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

/// Default group of a parent reference.
pub const DEFAULT_PARENT_GROUP: &str = "gateway.networking.k8s.io";
/// Default kind of a parent reference.
pub const DEFAULT_PARENT_KIND: &str = "Gateway";
/// Default kind of a backend reference.
pub const DEFAULT_BACKEND_KIND: &str = "Service";

/// A parent (usually a Gateway) the generated HTTPRoute attaches to.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParentReference {
    /// API group of the parent (default `gateway.networking.k8s.io`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 253), regex(pattern = GROUP_PATTERN), extend("default" = "gateway.networking.k8s.io"))]
    pub group: Option<String>,
    /// Kind of the parent (default `Gateway`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63), regex(pattern = KIND_PATTERN), extend("default" = "Gateway"))]
    pub kind: Option<String>,
    /// Namespace of the parent; defaults to the route's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63), regex(pattern = NAMESPACE_PATTERN))]
    pub namespace: Option<String>,
    /// Name of the parent.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Listener name within the parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253), regex(pattern = SECTION_NAME_PATTERN))]
    pub section_name: Option<String>,
    /// Network port within the parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<i32>,
}

impl ParentReference {
    /// The group, `gateway.networking.k8s.io` when unset.
    pub fn group(&self) -> &str {
        self.group.as_deref().unwrap_or(DEFAULT_PARENT_GROUP)
    }

    /// The kind, `Gateway` when unset.
    pub fn kind(&self) -> &str {
        self.kind.as_deref().unwrap_or(DEFAULT_PARENT_KIND)
    }

    pub(super) fn validate_into(&self, v: &mut Validator, path: &str) {
        v.length(
            &format!("{path}.group"),
            self.group.as_deref(),
            None,
            Some(253),
        );
        v.pattern(
            &format!("{path}.group"),
            self.group.as_deref(),
            GROUP_PATTERN,
        );
        kind_namespace_name(
            v,
            path,
            self.kind.as_deref(),
            self.namespace.as_deref(),
            &self.name,
        );
        v.length(
            &format!("{path}.sectionName"),
            self.section_name.as_deref(),
            Some(1),
            Some(253),
        );
        v.pattern(
            &format!("{path}.sectionName"),
            self.section_name.as_deref(),
            SECTION_NAME_PATTERN,
        );
        v.range(
            &format!("{path}.port"),
            self.port.map(i64::from),
            Some(1),
            Some(65535),
        );
    }
}

/// A request-mirroring filter: requests are copied to `backendRef`, responses dropped.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = super::schema::drop_required)]
pub struct HttpRequestMirrorFilter {
    /// Where mirrored requests are sent.
    pub backend_ref: BackendObjectReference,
}

/// A reference to a backend (usually a Service).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [{
    "message": "Must have port for Service reference",
    "rule": "(size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true"
}]))]
pub struct BackendObjectReference {
    /// API group of the backend (default: the core group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 253), regex(pattern = GROUP_PATTERN), extend("default" = ""))]
    pub group: Option<String>,
    /// Kind of the backend (default `Service`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63), regex(pattern = KIND_PATTERN), extend("default" = "Service"))]
    pub kind: Option<String>,
    /// Name of the backend.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Namespace of the backend; defaults to the route's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63), regex(pattern = NAMESPACE_PATTERN))]
    pub namespace: Option<String>,
    /// Port of the backend; required for a Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<i32>,
}

impl BackendObjectReference {
    /// The group, empty (core) when unset.
    pub fn group(&self) -> &str {
        self.group.as_deref().unwrap_or("")
    }

    /// The kind, `Service` when unset.
    pub fn kind(&self) -> &str {
        self.kind.as_deref().unwrap_or(DEFAULT_BACKEND_KIND)
    }

    pub(super) fn validate_into(&self, v: &mut Validator, path: &str) {
        v.length(
            &format!("{path}.group"),
            self.group.as_deref(),
            None,
            Some(253),
        );
        v.pattern(
            &format!("{path}.group"),
            self.group.as_deref(),
            GROUP_PATTERN,
        );
        kind_namespace_name(
            v,
            path,
            self.kind.as_deref(),
            self.namespace.as_deref(),
            &self.name,
        );
        v.range(
            &format!("{path}.port"),
            self.port.map(i64::from),
            Some(1),
            Some(65535),
        );
        if self.group().is_empty() && self.kind() == DEFAULT_BACKEND_KIND && self.port.is_none() {
            v.error(
                path,
                "Invalid value: \"object\": Must have port for Service reference",
            );
        }
    }
}

fn kind_namespace_name(
    v: &mut Validator,
    path: &str,
    kind: Option<&str>,
    namespace: Option<&str>,
    name: &str,
) {
    v.length(&format!("{path}.kind"), kind, Some(1), Some(63));
    v.pattern(&format!("{path}.kind"), kind, KIND_PATTERN);
    v.length(&format!("{path}.name"), Some(name), Some(1), Some(253));
    v.length(&format!("{path}.namespace"), namespace, Some(1), Some(63));
    v.pattern(&format!("{path}.namespace"), namespace, NAMESPACE_PATTERN);
}
