//! `spec.service` of a Canary: the generated Kubernetes services and the Istio routing
//! options (HTTP match, retries, rewrite, header operations, CORS) of the generated
//! VirtualService.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::gateway::{HttpRequestMirrorFilter, ParentReference};
use super::schema;
use super::traffic_policy::TrafficPolicy;
use crate::api::validate::Validator;

/// Default of `spec.service.portName`.
pub const DEFAULT_PORT_NAME: &str = "http";

/// How Flagger generates the ClusterIP services and the mesh or ingress routing objects.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CanaryService {
    /// Name of the generated apex service (default: the target's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Port of the generated services.
    #[schemars(schema_with = "schema::number")]
    pub port: i32,
    /// Port name of the generated services (default `http`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_name: Option<String>,
    /// Application protocol of the port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<String>,
    /// Traffic distribution preference of the generated services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_distribution: Option<TrafficDistribution>,
    /// Container port number or name the services target (default: `port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::int_or_string")]
    pub target_port: Option<IntOrString>,
    /// Add every container port of the target to the generated services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_discovery: Option<bool>,
    /// Generate headless services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headless: Option<bool>,
    /// HTTP or gRPC request timeout of the generated route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Timeout of one request to a backend (Gateway API only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend_timeout: Option<String>,
    /// App Mesh mesh name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mesh_name: Option<String>,
    /// App Mesh backends of the generated virtual nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backends: Option<Vec<String>>,
    /// Hosts of the generated VirtualService or HTTPRoute (default: the service name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts: Option<Vec<String>>,
    /// Generate a delegate VirtualService (no hosts, no gateways).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation: Option<bool>,
    /// Match conditions of the generated route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#match: Option<Vec<HttpMatchRequest>>,
    /// Retry policy of the generated route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<HttpRetry>,
    /// URI and authority rewrite of the generated route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<HttpRewrite>,
    /// Request mirroring filters of the generated HTTPRoute (Gateway API).
    /// (Flagger's schema puts `required: [backendRef]` on the array rather than its items.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("required" = ["backendRef"]))]
    pub mirror: Option<Vec<HttpRequestMirrorFilter>>,
    /// Header operations of the generated route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Headers>,
    /// Istio gateways of the generated VirtualService (default: the mesh gateway).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateways: Option<Vec<String>>,
    /// Parent Gateways of the generated HTTPRoute (Gateway API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 32))]
    pub gateway_refs: Option<Vec<ParentReference>>,
    /// CORS policy of the generated VirtualService.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors_policy: Option<CorsPolicy>,
    /// Traffic policy of the generated DestinationRules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<TrafficPolicy>,
    /// Labels and annotations for the apex service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apex: Option<CustomMetadata>,
    /// Labels and annotations for the primary service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<CustomMetadata>,
    /// Labels and annotations for the canary service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<CustomMetadata>,
    /// Metadata keys Flagger leaves alone on the objects it generates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmanaged_metadata: Option<UnmanagedMetadata>,
}

impl CanaryService {
    /// The port name, `http` when unset or empty.
    pub fn port_name(&self) -> &str {
        match self.port_name.as_deref() {
            Some(name) if !name.is_empty() => name,
            _ => DEFAULT_PORT_NAME,
        }
    }

    /// The target port, `port` when unset.
    pub fn target_port(&self) -> IntOrString {
        self.target_port
            .clone()
            .unwrap_or(IntOrString::Int(self.port))
    }

    pub(super) fn validate_into(&self, v: &mut Validator, path: &str) {
        for (i, m) in self.r#match.iter().flatten().enumerate() {
            m.validate_into(v, &format!("{path}.match[{i}]"));
        }
        if let Some(refs) = &self.gateway_refs {
            if refs.len() > 32 {
                v.error(
                    format!("{path}.gatewayRefs"),
                    format!("Too many: {}: must have at most 32 items", refs.len()),
                );
            }
            for (i, r) in refs.iter().enumerate() {
                r.validate_into(v, &format!("{path}.gatewayRefs[{i}]"));
            }
        }
        for (i, m) in self.mirror.iter().flatten().enumerate() {
            m.backend_ref
                .validate_into(v, &format!("{path}.mirror[{i}].backendRef"));
        }
        if let Some(cors) = &self.cors_policy {
            for (i, o) in cors.allow_origins.iter().flatten().enumerate() {
                let set = [
                    ("exact", o.exact.is_some()),
                    ("prefix", o.prefix.is_some()),
                    ("regex", o.regex.is_some()),
                ];
                if let Some(msg) = schema::one_of_rule(&set, true) {
                    v.error(format!("{path}.corsPolicy.allowOrigins[{i}]"), msg);
                }
            }
        }
        if let Some(policy) = &self.traffic_policy {
            policy.validate_into(v, &format!("{path}.trafficPolicy"));
        }
    }
}

/// Traffic distribution preference of a Service.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum TrafficDistribution {
    /// Prefer endpoints topologically close to the client.
    PreferClose,
    /// Prefer endpoints in the client's zone.
    PreferSameZone,
    /// Prefer endpoints on the client's node.
    PreferSameNode,
}

/// Labels and annotations added to a generated object.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct CustomMetadata {
    /// Labels to add.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Annotations to add.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// Metadata keys Flagger neither adds, removes nor changes.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct UnmanagedMetadata {
    /// Annotation keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Vec<String>>,
    /// Label keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
}

/// Rewrite of the URI and authority of forwarded requests.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct HttpRewrite {
    /// Replacement for the path (or the matched prefix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub uri: Option<String>,
    /// Replacement for the Authority/Host header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub authority: Option<String>,
    /// Path modification (Gateway API): `ReplaceFullPath` or `ReplacePrefixMatch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub r#type: Option<String>,
}

impl HttpRewrite {
    /// The Gateway API path modification: `ReplacePrefixMatch` when so set, otherwise
    /// `ReplaceFullPath`.
    pub fn rewrite_type(&self) -> &str {
        match self.r#type.as_deref() {
            Some("ReplacePrefixMatch") => "ReplacePrefixMatch",
            _ => "ReplaceFullPath",
        }
    }
}

/// Retry policy for HTTP requests.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpRetry {
    /// Number of retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<i32>,
    /// Timeout per attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_try_timeout: Option<String>,
    /// Conditions under which a retry takes place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub retry_on: Option<String>,
}

/// Header operations on requests and responses.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct Headers {
    /// Operations on the request headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<HeaderOperations>,
    /// Operations on the response headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<HeaderOperations>,
}

/// Set, add and remove operations on headers.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct HeaderOperations {
    /// Headers to overwrite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string_map")]
    pub set: Option<BTreeMap<String, String>>,
    /// Headers to append to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string_map")]
    pub add: Option<BTreeMap<String, String>>,
    /// Headers to remove.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string_array")]
    pub remove: Option<Vec<String>>,
}

/// Conditions a request must meet for a route to apply (Istio `HTTPMatchRequest`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpMatchRequest {
    /// Name of the match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub name: Option<String>,
    /// Match on the URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<StringMatch>,
    /// Match on the URI scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<StringMatch>,
    /// Match on the HTTP method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<StringMatch>,
    /// Match on the authority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<StringMatch>,
    /// Match on headers (lower-case names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, StringMatch>>,
    /// Port on the host being addressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::integer")]
    pub port: Option<u32>,
    /// Labels of the source workloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string_map")]
    pub source_labels: Option<BTreeMap<String, String>>,
    /// Gateways the match applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string_array")]
    pub gateways: Option<Vec<String>>,
    /// Match on query parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_params: Option<BTreeMap<String, StringMatch>>,
    /// Match the URI case-insensitively.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_uri_case: Option<bool>,
    /// Headers that must not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub without_headers: Option<BTreeMap<String, StringMatch>>,
    /// Namespace of the source workloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub source_namespace: Option<String>,
}

impl HttpMatchRequest {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        let single = [
            ("uri", &self.uri),
            ("scheme", &self.scheme),
            ("method", &self.method),
            ("authority", &self.authority),
        ];
        for (name, m) in single {
            if let Some(m) = m {
                m.validate_into(v, &format!("{path}.{name}"));
            }
        }
        let maps = [
            ("headers", &self.headers),
            ("queryParams", &self.query_params),
            ("withoutHeaders", &self.without_headers),
        ];
        for (name, map) in maps {
            for (key, m) in map.iter().flatten() {
                m.validate_into(v, &format!("{path}.{name}.{key}"));
            }
        }
    }
}

/// An Istio string match: at most one of `exact`, `prefix` and `regex`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[schemars(extend("oneOf" = schema::at_most_one_of_exact_prefix_regex()))]
pub struct StringMatch {
    /// Exact match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub exact: Option<String>,
    /// Prefix match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub prefix: Option<String>,
    /// RE2 regular expression match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub regex: Option<String>,
}

impl StringMatch {
    fn validate_into(&self, v: &mut Validator, path: &str) {
        let set = [
            ("exact", self.exact.is_some()),
            ("prefix", self.prefix.is_some()),
            ("regex", self.regex.is_some()),
        ];
        if let Some(msg) = schema::one_of_rule(&set, false) {
            v.error(path, msg);
        }
    }
}

/// Cross-Origin Resource Sharing policy of the generated VirtualService.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CorsPolicy {
    /// Allowed origins (exact strings; deprecated by Istio in favour of `allowOrigins`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string_array")]
    pub allow_origin: Option<Vec<String>>,
    /// Allowed origins as string matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_origins: Option<Vec<OriginMatch>>,
    /// Allowed HTTP methods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string_array")]
    pub allow_methods: Option<Vec<String>>,
    /// Allowed request headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string_array")]
    pub allow_headers: Option<Vec<String>>,
    /// Headers browsers may read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string_array")]
    pub expose_headers: Option<Vec<String>>,
    /// How long a preflight response may be cached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<String>,
    /// Whether credentials are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_credentials: Option<bool>,
}

/// An allowed CORS origin: exactly one of `exact`, `prefix` and `regex`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[schemars(extend("oneOf" = [
    { "required": ["exact"] },
    { "required": ["prefix"] },
    { "required": ["regex"] }
]))]
pub struct OriginMatch {
    /// Exact match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub exact: Option<String>,
    /// Prefix match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub prefix: Option<String>,
    /// RE2 regular expression match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub regex: Option<String>,
}
