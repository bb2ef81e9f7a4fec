//! `spec.service.trafficPolicy`: the Istio DestinationRule traffic policy Flagger puts on
//! the generated primary and canary DestinationRules (connection pool, load balancing,
//! outlier detection, upstream TLS). Only the fields in Flagger's CRD schema are modelled.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::schema;
use crate::api::validate::Validator;

/// Traffic policy of the generated DestinationRules.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrafficPolicy {
    /// Load-balancing algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancerSettings>,
    /// Connection pool limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPoolSettings>,
    /// Ejection of unhealthy hosts from the load-balancing pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier_detection: Option<OutlierDetection>,
    /// TLS settings for connections to the upstream service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsSettings>,
}

impl TrafficPolicy {
    pub(super) fn validate_into(&self, v: &mut Validator, path: &str) {
        let Some(lb) = &self.load_balancer else {
            return;
        };
        let path = format!("{path}.loadBalancer");
        let hash_ok = lb.consistent_hash.as_ref().map(|h| {
            let set = [
                ("httpHeaderName", h.http_header_name.is_some()),
                ("httpCookie", h.http_cookie.is_some()),
                ("useSourceIp", h.use_source_ip.is_some()),
                (
                    "httpQueryParameterName",
                    h.http_query_parameter_name.is_some(),
                ),
            ];
            schema::one_of_rule(&set, true)
        });
        match (lb.simple.is_some(), hash_ok) {
            (true, None) => {}
            (false, Some(None)) => {}
            (false, Some(Some(msg))) => v.error(format!("{path}.consistentHash"), msg),
            (true, Some(None)) => v.error(
                &path,
                "Invalid value: only one of simple, consistentHash may be set",
            ),
            (true, Some(Some(_))) => {}
            (false, None) => v.error(
                &path,
                "Required value: one of simple, consistentHash must be set",
            ),
        }
    }
}

/// Load-balancing settings: a simple algorithm or consistent hashing.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerSettings {
    /// A simple algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simple: Option<SimpleLb>,
    /// Consistent (sticky) hashing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consistent_hash: Option<ConsistentHashLb>,
    /// Locality-weighted load balancing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality_lb_setting: Option<LocalityLbSetting>,
    /// Warm-up duration of new endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup_duration_secs: Option<String>,
}

/// Simple load-balancing algorithms.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum SimpleLb {
    /// Round robin.
    #[serde(rename = "ROUND_ROBIN")]
    RoundRobin,
    /// Fewest active requests.
    #[serde(rename = "LEAST_CONN")]
    LeastConn,
    /// Random host.
    #[serde(rename = "RANDOM")]
    Random,
    /// Forward to the original destination.
    #[serde(rename = "PASSTHROUGH")]
    Passthrough,
    /// Fewest requests (power of two choices).
    #[serde(rename = "LEAST_REQUEST")]
    LeastRequest,
}

/// Consistent-hash load balancing: the hash key.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsistentHashLb {
    /// Hash on this HTTP header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub http_header_name: Option<String>,
    /// Hash on this HTTP cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_cookie: Option<HttpCookie>,
    /// Hash on the source IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_source_ip: Option<bool>,
    /// Hash on this query parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub http_query_parameter_name: Option<String>,
    /// Minimum number of virtual nodes of the hash ring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::integer")]
    pub minimum_ring_size: Option<u64>,
}

/// The cookie of cookie-based consistent hashing.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct HttpCookie {
    /// Name of the cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub name: Option<String>,
    /// Path of the cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub path: Option<String>,
    /// Lifetime of the cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
}

/// Locality-weighted load balancing.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct LocalityLbSetting {
    /// Traffic distribution weights per originating locality (exclusive with `failover`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribute: Option<Vec<LocalityDistribute>>,
    /// Enable locality load balancing for this DestinationRule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Region failover (exclusive with `distribute`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover: Option<Vec<LocalityFailover>>,
}

/// Distribution of traffic from one locality.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct LocalityDistribute {
    /// Originating locality, `/`-separated (`region/zone/subzone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub from: Option<String>,
    /// Weights per upstream locality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::integer_map")]
    pub to: Option<BTreeMap<String, u32>>,
}

/// Failover from one region to another.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct LocalityFailover {
    /// Originating region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub from: Option<String>,
    /// Region to fail over to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub to: Option<String>,
}

/// Connection pool limits (HTTP only in Flagger's schema).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct ConnectionPoolSettings {
    /// HTTP connection pool settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpSettings>,
}

/// HTTP connection pool settings.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpSettings {
    /// Whether HTTP/1.1 connections are upgraded to HTTP/2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h2_upgrade_policy: Option<H2UpgradePolicy>,
    /// Maximum pending HTTP requests to a destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "http1MaxPendingRequests")]
    pub http1_max_pending_requests: Option<i32>,
    /// Maximum requests to a backend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "http2MaxRequests")]
    pub http2_max_requests: Option<i32>,
    /// Idle timeout of pooled connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<String>,
    /// Maximum requests per connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_requests_per_connection: Option<i32>,
    /// Maximum outstanding retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<i32>,
}

/// HTTP/2 upgrade policy.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum H2UpgradePolicy {
    /// Use the mesh-wide default.
    #[serde(rename = "DEFAULT")]
    Default,
    /// Do not upgrade.
    #[serde(rename = "DO_NOT_UPGRADE")]
    DoNotUpgrade,
    /// Upgrade.
    #[serde(rename = "UPGRADE")]
    Upgrade,
}

/// Ejection of unhealthy hosts.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OutlierDetection {
    /// Minimum ejection duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_ejection_time: Option<String>,
    /// 5xx errors before a host is ejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "consecutive5xxErrors")]
    #[schemars(schema_with = "schema::integer")]
    pub consecutive_5xx_errors: Option<u32>,
    /// Errors before a host is ejected (deprecated by Istio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_errors: Option<i32>,
    /// Gateway errors (502, 503, 504) before a host is ejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_gateway_errors: Option<i32>,
    /// Locally originated failures before ejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_local_origin_failures: Option<i32>,
    /// Time between ejection sweeps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// Maximum percentage of ejected hosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ejection_percent: Option<i32>,
    /// Minimum percentage of healthy hosts for outlier detection to be active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_health_percent: Option<i32>,
    /// Distinguish local-origin failures from external errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_external_local_origin_errors: Option<bool>,
}

/// TLS settings for connections to the upstream service.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TlsSettings {
    /// TLS mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<TlsMode>,
    /// Client certificate file (mode `MUTUAL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub client_certificate: Option<String>,
    /// Private key file (mode `MUTUAL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub private_key: Option<String>,
    /// CA certificates file to verify the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub ca_certificates: Option<String>,
    /// Accepted subject alternative names of the server certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string_array")]
    pub subject_alt_names: Option<Vec<String>>,
    /// SNI presented during the handshake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::istio_string")]
    pub sni: Option<String>,
}

/// Upstream TLS modes.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum TlsMode {
    /// No TLS.
    #[serde(rename = "DISABLE")]
    Disable,
    /// TLS to the upstream.
    #[serde(rename = "SIMPLE")]
    Simple,
    /// Mutual TLS with given certificates.
    #[serde(rename = "MUTUAL")]
    Mutual,
    /// Mutual TLS with Istio's certificates.
    #[serde(rename = "ISTIO_MUTUAL")]
    IstioMutual,
}

/// Adds the `oneOf` of `loadBalancer` (a simple algorithm, or a consistent hash with exactly
/// one key). Its second branch names a property, which kube's structural rewriter would
/// hoist, so it is added to the finished schema.
pub(super) fn patch_load_balancer_schema(schema: &mut serde_json::Value) {
    let path = ["spec", "service", "trafficPolicy", "loadBalancer"];
    if let Some(node) = super::schema_at(schema, &path) {
        node.insert(
            "oneOf".to_string(),
            serde_json::json!([
                { "required": ["simple"] },
                {
                    "properties": { "consistentHash": { "oneOf": [
                        { "required": ["httpHeaderName"] },
                        { "required": ["httpCookie"] },
                        { "required": ["useSourceIp"] },
                        { "required": ["httpQueryParameterName"] }
                    ] } },
                    "required": ["consistentHash"]
                }
            ]),
        );
    }
}
