//! The Canary kind (`flagger.app/v1beta1`): which workload Flagger manages, how its traffic
//! is routed ([`CanaryService`]) and how a new revision is analysed ([`CanaryAnalysis`]).

use std::collections::BTreeMap;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::analysis::CanaryAnalysis;
use super::schema;
use super::service::CanaryService;
use super::status::CanaryStatus;
use crate::api::validate::{Validate, ValidationError, Validator};

/// Default of `spec.progressDeadlineSeconds`.
pub const DEFAULT_PROGRESS_DEADLINE_SECONDS: i32 = 600;

/// The desired state of a Canary: the target workload, its routing and its analysis.
// The printer columns repeat `type_`/`priority` items, which clippy mistakes for duplicates.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "flagger.app",
    version = "v1beta1",
    kind = "Canary",
    plural = "canaries",
    namespaced,
    status = "CanaryStatus",
    category = "all",
    printcolumn(name = "Status", type_ = "string", json_path = ".status.phase"),
    printcolumn(name = "Weight", type_ = "string", json_path = ".status.canaryWeight"),
    printcolumn(
        name = "Suspended",
        type_ = "boolean",
        json_path = ".spec.suspend",
        priority = 1
    ),
    printcolumn(
        name = "FailedChecks",
        type_ = "string",
        json_path = ".status.failedChecks",
        priority = 1
    ),
    printcolumn(
        name = "Interval",
        type_ = "string",
        json_path = ".spec.analysis.interval",
        priority = 1
    ),
    printcolumn(
        name = "Mirror",
        type_ = "boolean",
        json_path = ".spec.analysis.mirror",
        priority = 1
    ),
    printcolumn(
        name = "StepWeight",
        type_ = "string",
        json_path = ".spec.analysis.stepWeight",
        priority = 1
    ),
    printcolumn(
        name = "StepWeights",
        type_ = "string",
        json_path = ".spec.analysis.stepWeights",
        priority = 1
    ),
    printcolumn(
        name = "MaxWeight",
        type_ = "string",
        json_path = ".spec.analysis.maxWeight",
        priority = 1
    ),
    printcolumn(
        name = "LastTransitionTime",
        type_ = "string",
        json_path = ".status.lastTransitionTime"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct CanarySpec {
    /// Traffic management provider for this canary; overrides Flagger's `-mesh-provider` flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<MeshProvider>,
    /// Metrics server address for this canary; overrides Flagger's `-metrics-server` flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_server: Option<String>,
    /// The workload Flagger manages (Deployment, DaemonSet, or Service for Knative).
    pub target_ref: TargetReference,
    /// The autoscaler of the target (HorizontalPodAutoscaler or KEDA ScaledObject).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaler_ref: Option<AutoscalerReference>,
    /// The NGINX Ingress used for traffic shifting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_ref: Option<IngressReference>,
    /// The APISIX route used for traffic shifting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_ref: Option<RouteReference>,
    /// The Gloo Upstream whose settings are copied to the upstreams Flagger generates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_ref: Option<UpstreamReference>,
    /// How the ClusterIP services and the mesh or ingress routing objects are generated.
    /// Always written (Go has no `omitempty` on it).
    #[serde(default)]
    #[schemars(transform = schema::drop_default)]
    pub service: CanaryService,
    /// How a new revision is analysed. Required by the CRD; the Go type keeps it optional.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required)]
    pub analysis: Option<CanaryAnalysis>,
    /// Seconds a rollout may take to make progress before the canary fails (default 600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::number")]
    pub progress_deadline_seconds: Option<i32>,
    /// Promote without analysis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_analysis: Option<bool>,
    /// Revert the mutated resources to their original state when the canary is deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revert_on_deletion: Option<bool>,
    /// Suspend the canary: no new runs start, and a running analysis pauses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
}

/// A traffic management provider (`spec.provider`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum MeshProvider {
    /// Apache APISIX.
    #[serde(rename = "apisix")]
    Apisix,
    /// AWS App Mesh.
    #[serde(rename = "appmesh")]
    AppMesh,
    /// AWS App Mesh, `v1beta2` API.
    #[serde(rename = "appmesh:v1beta2")]
    AppMeshV1beta2,
    /// Contour.
    #[serde(rename = "contour")]
    Contour,
    /// Gateway API `v1`.
    #[serde(rename = "gatewayapi:v1")]
    GatewayApiV1,
    /// Gateway API `v1beta1`.
    #[serde(rename = "gatewayapi:v1beta1")]
    GatewayApiV1beta1,
    /// Gloo Edge.
    #[serde(rename = "gloo")]
    Gloo,
    /// Istio.
    #[serde(rename = "istio")]
    Istio,
    /// Knative Serving.
    #[serde(rename = "knative")]
    Knative,
    /// Plain Kubernetes services (blue/green without traffic shifting).
    #[serde(rename = "kubernetes")]
    Kubernetes,
    /// Kuma.
    #[serde(rename = "kuma")]
    Kuma,
    /// Linkerd.
    #[serde(rename = "linkerd")]
    Linkerd,
    /// NGINX Ingress.
    #[serde(rename = "nginx")]
    Nginx,
    /// Open Service Mesh.
    #[serde(rename = "osm")]
    Osm,
    /// Skipper.
    #[serde(rename = "skipper")]
    Skipper,
    /// SMI `v1alpha1`.
    #[serde(rename = "smi:v1alpha1")]
    SmiV1alpha1,
    /// SMI `v1alpha2`.
    #[serde(rename = "smi:v1alpha2")]
    SmiV1alpha2,
    /// SMI `v1alpha3`.
    #[serde(rename = "smi:v1alpha3")]
    SmiV1alpha3,
    /// Traefik.
    #[serde(rename = "traefik")]
    Traefik,
}

impl MeshProvider {
    /// The provider as written in `spec.provider`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Apisix => "apisix",
            Self::AppMesh => "appmesh",
            Self::AppMeshV1beta2 => "appmesh:v1beta2",
            Self::Contour => "contour",
            Self::GatewayApiV1 => "gatewayapi:v1",
            Self::GatewayApiV1beta1 => "gatewayapi:v1beta1",
            Self::Gloo => "gloo",
            Self::Istio => "istio",
            Self::Knative => "knative",
            Self::Kubernetes => "kubernetes",
            Self::Kuma => "kuma",
            Self::Linkerd => "linkerd",
            Self::Nginx => "nginx",
            Self::Osm => "osm",
            Self::Skipper => "skipper",
            Self::SmiV1alpha1 => "smi:v1alpha1",
            Self::SmiV1alpha2 => "smi:v1alpha2",
            Self::SmiV1alpha3 => "smi:v1alpha3",
            Self::Traefik => "traefik",
        }
    }
}

/// A reference to an object in the canary's namespace whose kind is one of `K`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KindReference<K> {
    /// API version of the referent.
    pub api_version: String,
    /// Kind of the referent.
    pub kind: K,
    /// Name of the referent.
    pub name: String,
}

/// `spec.targetRef`: the managed workload.
pub type TargetReference = KindReference<TargetKind>;
/// `spec.ingressRef`: the NGINX Ingress.
pub type IngressReference = KindReference<IngressKind>;
/// `spec.routeRef`: the APISIX route.
pub type RouteReference = KindReference<RouteKind>;

/// Kinds a canary can target.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum TargetKind {
    /// An `apps/v1` DaemonSet.
    DaemonSet,
    /// An `apps/v1` Deployment.
    #[default]
    Deployment,
    /// A Knative Service (`serving.knative.dev/v1`).
    Service,
}

/// The kind of `spec.ingressRef`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum IngressKind {
    /// A `networking.k8s.io/v1` Ingress.
    #[default]
    Ingress,
}

/// The kind of `spec.routeRef`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum RouteKind {
    /// An APISIX route (`apisix.apache.org/v2`).
    #[default]
    ApisixRoute,
}

/// The kind of `spec.upstreamRef`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum UpstreamKind {
    /// A Gloo Upstream (`gloo.solo.io/v1`).
    #[default]
    Upstream,
}

/// Kinds of autoscaler a canary can reference.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum AutoscalerKind {
    /// An `autoscaling/v2` HorizontalPodAutoscaler.
    #[default]
    HorizontalPodAutoscaler,
    /// A KEDA ScaledObject (`keda.sh/v1alpha1`).
    ScaledObject,
}

/// `spec.upstreamRef`: a Gloo Upstream, possibly in another namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamReference {
    /// API version of the referent.
    pub api_version: String,
    /// Kind of the referent.
    pub kind: UpstreamKind,
    /// Name of the referent.
    pub name: String,
    /// Namespace of the referent; defaults to the canary's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// `spec.autoscalerRef`: the autoscaler Flagger copies for the primary workload.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AutoscalerReference {
    /// API version of the autoscaler.
    pub api_version: String,
    /// Kind of the autoscaler.
    pub kind: AutoscalerKind,
    /// Name of the autoscaler.
    pub name: String,
    /// Queries for the primary's scaler, by trigger id (KEDA ScaledObjects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_scaler_queries: Option<BTreeMap<String, String>>,
    /// Replica bounds that override the copied autoscaler's for the primary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_scaler_replicas: Option<ScalerReplicas>,
}

/// Replica bounds of the primary's autoscaler.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScalerReplicas {
    /// Minimum replicas (at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "min_one_integer")]
    pub min_replicas: Option<i32>,
    /// Maximum replicas (at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "min_one_integer")]
    pub max_replicas: Option<i32>,
}

fn min_one_integer(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "integer", "minimum": 1 })
}

/// The release strategy a canary's analysis describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeploymentStrategy {
    /// Progressive traffic shifting (`stepWeight`, `stepWeights`, `maxWeight`).
    Canary,
    /// Iterations without match conditions.
    BlueGreen,
    /// Iterations with HTTP match conditions.
    AbTesting,
}

impl DeploymentStrategy {
    /// The strategy's name as Flagger reports it (`canary`, `blue-green`, `ab-testing`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Canary => "canary",
            Self::BlueGreen => "blue-green",
            Self::AbTesting => "ab-testing",
        }
    }
}

impl Canary {
    /// `spec.progressDeadlineSeconds`, 600 when unset.
    pub fn progress_deadline_seconds(&self) -> i32 {
        self.spec
            .progress_deadline_seconds
            .unwrap_or(DEFAULT_PROGRESS_DEADLINE_SECONDS)
    }

    /// The apex service name: `spec.service.name`, else the target's name.
    pub fn apex_service_name(&self) -> &str {
        match self.spec.service.name.as_deref() {
            Some(name) if !name.is_empty() => name,
            _ => &self.spec.target_ref.name,
        }
    }

    /// The apex, primary (`<apex>-primary`) and canary (`<apex>-canary`) service names.
    pub fn service_names(&self) -> (String, String, String) {
        let apex = self.apex_service_name();
        (
            apex.to_string(),
            format!("{apex}-primary"),
            format!("{apex}-canary"),
        )
    }

    /// Whether the analysis is skipped: `spec.skipAnalysis`, or no analysis at all.
    pub fn skips_analysis(&self) -> bool {
        self.spec.analysis.is_none() || self.spec.skip_analysis.unwrap_or(false)
    }

    /// Whether the canary is suspended.
    pub fn is_suspended(&self) -> bool {
        self.spec.suspend.unwrap_or(false)
    }

    /// The release strategy: A/B testing with match conditions and iterations, blue/green
    /// with iterations only, progressive canary otherwise.
    pub fn deployment_strategy(&self) -> DeploymentStrategy {
        let Some(analysis) = &self.spec.analysis else {
            return DeploymentStrategy::Canary;
        };
        let iterations = analysis.iterations.unwrap_or(0) > 0;
        let has_match = analysis.r#match.as_ref().is_some_and(|m| !m.is_empty());
        match (iterations, has_match) {
            (true, true) => DeploymentStrategy::AbTesting,
            (true, false) => DeploymentStrategy::BlueGreen,
            _ => DeploymentStrategy::Canary,
        }
    }
}

impl Validate for Canary {
    fn validate(&self) -> Result<(), ValidationError> {
        let mut v = Validator::new();
        if let Some(replicas) = self
            .spec
            .autoscaler_ref
            .as_ref()
            .and_then(|a| a.primary_scaler_replicas.as_ref())
        {
            let path = "spec.autoscalerRef.primaryScalerReplicas";
            v.range(
                &format!("{path}.minReplicas"),
                replicas.min_replicas.map(i64::from),
                Some(1),
                None,
            );
            v.range(
                &format!("{path}.maxReplicas"),
                replicas.max_replicas.map(i64::from),
                Some(1),
                None,
            );
        }
        self.spec.service.validate_into(&mut v, "spec.service");
        match &self.spec.analysis {
            Some(analysis) => analysis.validate_into(&mut v, "spec.analysis"),
            None => v.error("spec.analysis", "Required value"),
        }
        let name = self.metadata.name.as_deref().unwrap_or_default();
        v.finish("Canary", name)
    }
}

/// Adds the schema keywords of the Canary CRD that a derived schema cannot carry.
pub(super) fn patch_schema(schema: &mut serde_json::Value) {
    super::traffic_policy::patch_load_balancer_schema(schema);
    super::analysis::patch_analysis_schema(schema);
}
