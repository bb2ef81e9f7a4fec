//! Flagger's progressive-delivery API, `flagger.app/v1beta1`: [`Canary`], [`MetricTemplate`]
//! and [`AlertProvider`].
//!
//! Flagger's CRDs are written by hand rather than generated, so their schemas have quirks
//! the types reproduce on purpose: Go `int` fields are `type: number`, Istio strings carry
//! the non-standard `format: string`, Istio string matches are constrained with
//! `oneOf`/`not`/`anyOf`, several Go fields are absent from the schema (and so pruned by
//! the API server) and are therefore absent here too.
//!
//! | file | contents |
//! |---|---|
//! | [`canary`] | the Canary kind, its spec and object references |
//! | [`service`] | `spec.service`: ports, Istio routing (match, retries, headers, CORS), Gateway API refs |
//! | [`gateway`] | Gateway API parent and backend references (`gatewayRefs`, `mirror`) |
//! | [`traffic_policy`] | `spec.service.trafficPolicy`: Istio DestinationRule traffic policy |
//! | [`analysis`] | `spec.analysis`: steps, metrics, webhooks, alerts, A/B match |
//! | [`session_affinity`] | `spec.analysis.sessionAffinity` |
//! | [`status`] | Canary status and phases |
//! | [`metric_template`] | the MetricTemplate kind |
//! | [`alert_provider`] | the AlertProvider kind |

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, JSONSchemaProps,
};
use kube::CustomResourceExt;

pub mod alert_provider;
pub mod analysis;
pub mod canary;
pub mod gateway;
pub mod metric_template;
pub mod service;
pub mod session_affinity;
pub mod status;
pub mod traffic_policy;

mod schema;
#[cfg(test)]
mod tests;

pub use alert_provider::{
    AlertProvider, AlertProviderSpec, AlertProviderStatus, AlertProviderType,
};
pub use analysis::{CanaryAlert, CanaryAnalysis, CanaryMetric, CanaryWebhook, HookType};
pub use canary::{Canary, CanarySpec, DeploymentStrategy, MeshProvider};
pub use metric_template::{
    MetricProviderType, MetricTemplate, MetricTemplateProvider, MetricTemplateSpec,
    MetricTemplateStatus,
};
pub use service::CanaryService;
pub use session_affinity::SessionAffinity;
pub use status::{CanaryCondition, CanaryPhase, CanaryStatus};

/// The API group of Flagger's kinds.
pub const GROUP: &str = "flagger.app";
/// The API version of Flagger's kinds.
pub const VERSION: &str = "v1beta1";
/// The `apiVersion` of Flagger's kinds.
pub const API_VERSION: &str = "flagger.app/v1beta1";

/// The annotation Flagger's Helm chart puts on its CRDs so that `helm uninstall` keeps them.
const CRD_ANNOTATIONS: &[(&str, &str)] = &[("helm.sh/resource-policy", "keep")];

/// The CustomResourceDefinitions of Canary, MetricTemplate and AlertProvider, as Flagger
/// ships them.
pub fn crds() -> Vec<CustomResourceDefinition> {
    vec![
        finish(Canary::crd(), canary::patch_schema),
        finish(MetricTemplate::crd(), metric_template::patch_schema),
        finish(AlertProvider::crd(), alert_provider::patch_schema),
    ]
}

/// Applies the common finalisation and then a kind-specific schema patch for the schema
/// keywords a derived schema cannot express (for example `oneOf` branches that name
/// properties, which kube's structural rewriter would otherwise hoist).
fn finish(
    crd: CustomResourceDefinition,
    patch: fn(&mut serde_json::Value),
) -> CustomResourceDefinition {
    let mut crd = super::crd::finalize(crd, CRD_ANNOTATIONS);
    for version in &mut crd.spec.versions {
        let Some(schema) = version
            .schema
            .as_mut()
            .and_then(|s| s.open_api_v3_schema.as_mut())
        else {
            continue;
        };
        let Ok(mut value) = serde_json::to_value(&*schema) else {
            continue;
        };
        patch(&mut value);
        if let Ok(patched) = serde_json::from_value::<JSONSchemaProps>(value) {
            *schema = patched;
        }
    }
    crd
}

/// The schema node at a path of property names (`["spec", "service"]`), if present.
fn schema_at<'a>(
    schema: &'a mut serde_json::Value,
    path: &[&str],
) -> Option<&'a mut serde_json::Map<String, serde_json::Value>> {
    let mut node = schema;
    for name in path {
        node = node.get_mut("properties")?.get_mut(*name)?;
    }
    node.as_object_mut()
}
