//! `notification.toolkit.fluxcd.io`: [`Alert`] and [`Provider`] (`v1beta3`, spec only, no
//! status) and [`Receiver`] (`v1`).
//!
//! Alerts forward the events of Flux objects to a Provider (Slack, a Git forge's commit
//! status, a generic webhook, …); Receivers expose an incoming webhook that asks Flux
//! objects to reconcile.

use std::collections::BTreeMap;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, CustomResourceSubresources,
};
use kube::CustomResourceExt;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::validate::Validator;

mod alert;
mod oidc;
mod provider;
mod receiver;

pub use alert::{Alert, AlertSpec, EventSeverity};
pub use oidc::{DEFAULT_OIDC_AUDIENCE, OidcProvider, OidcValidation, OidcVariable};
pub use provider::{COMMIT_STATUS_PROVIDERS, Provider, ProviderSpec, ProviderType};
pub use receiver::{
    Receiver, ReceiverResource, ReceiverSpec, ReceiverStatus, ReceiverType, WEBHOOK_PATH_PREFIX,
    webhook_path,
};

/// The API group of this module's kinds.
pub const GROUP: &str = "notification.toolkit.fluxcd.io";

/// The CustomResourceDefinitions of Alert, Provider and Receiver.
pub fn crds() -> Vec<CustomResourceDefinition> {
    use super::crd::{FLUX_ANNOTATIONS, finalize};
    vec![
        without_status(finalize(Alert::crd(), FLUX_ANNOTATIONS)),
        without_status(finalize(Provider::crd(), FLUX_ANNOTATIONS)),
        finalize(Receiver::crd(), FLUX_ANNOTATIONS),
    ]
}

/// controller-gen writes `subresources: {}` for kinds without a status; kube-derive leaves the
/// field out.
fn without_status(mut crd: CustomResourceDefinition) -> CustomResourceDefinition {
    for version in &mut crd.spec.versions {
        version
            .subresources
            .get_or_insert_with(CustomResourceSubresources::default);
    }
    crd
}

/// The kinds of Flux objects an Alert can watch and a Receiver can notify.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum ResourceKind {
    /// `source.toolkit.fluxcd.io` Bucket.
    Bucket,
    /// `source.toolkit.fluxcd.io` GitRepository.
    GitRepository,
    /// `kustomize.toolkit.fluxcd.io` Kustomization.
    Kustomization,
    /// `helm.toolkit.fluxcd.io` HelmRelease.
    HelmRelease,
    /// `source.toolkit.fluxcd.io` HelmChart.
    HelmChart,
    /// `source.toolkit.fluxcd.io` HelmRepository.
    HelmRepository,
    /// `image.toolkit.fluxcd.io` ImageRepository.
    ImageRepository,
    /// `image.toolkit.fluxcd.io` ImagePolicy.
    ImagePolicy,
    /// `image.toolkit.fluxcd.io` ImageUpdateAutomation.
    ImageUpdateAutomation,
    /// `source.toolkit.fluxcd.io` OCIRepository.
    #[serde(rename = "OCIRepository")]
    OciRepository,
    /// `source.extensions.fluxcd.io` ArtifactGenerator.
    ArtifactGenerator,
    /// `source.toolkit.fluxcd.io` ExternalArtifact.
    ExternalArtifact,
}

impl ResourceKind {
    /// The kind as written in the API (`OCIRepository`, `GitRepository`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Bucket => "Bucket",
            ResourceKind::GitRepository => "GitRepository",
            ResourceKind::Kustomization => "Kustomization",
            ResourceKind::HelmRelease => "HelmRelease",
            ResourceKind::HelmChart => "HelmChart",
            ResourceKind::HelmRepository => "HelmRepository",
            ResourceKind::ImageRepository => "ImageRepository",
            ResourceKind::ImagePolicy => "ImagePolicy",
            ResourceKind::ImageUpdateAutomation => "ImageUpdateAutomation",
            ResourceKind::OciRepository => "OCIRepository",
            ResourceKind::ArtifactGenerator => "ArtifactGenerator",
            ResourceKind::ExternalArtifact => "ExternalArtifact",
        }
    }
}

/// A reference to Flux objects of one kind, by name (`*` for all) and optionally in another
/// namespace or narrowed by labels (notification `v1.CrossNamespaceObjectReference`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CrossNamespaceObjectReference {
    /// API version of the referent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind of the referent.
    pub kind: ResourceKind,
    /// Name of the referent; `*` selects every object of the kind.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Namespace of the referent; defaults to the referrer's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub namespace: Option<String>,
    /// Labels the referents must carry (only with `name: '*'`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_labels: Option<BTreeMap<String, String>>,
}

impl CrossNamespaceObjectReference {
    /// Checks the length limits of `name` and `namespace`; `path` is the reference's field path.
    pub(crate) fn validate_into(&self, v: &mut Validator, path: &str) {
        v.length(
            &format!("{path}.name"),
            Some(&self.name),
            Some(1),
            Some(253),
        );
        v.length(
            &format!("{path}.namespace"),
            self.namespace.as_deref(),
            Some(1),
            Some(253),
        );
    }
}

/// Helpers for the round-trip tests of this module's kinds.
#[cfg(test)]
pub(crate) mod test_support {
    use serde::{Serialize, de::DeserializeOwned};
    use serde_json::Value;

    /// All YAML documents of `text` with the given `apiVersion` and `kind`.
    pub fn docs(text: &str, api_version: &str, kind: &str) -> Vec<Value> {
        let docs: Vec<Value> = serde_saphyr::from_multiple(text).expect("parse YAML");
        docs.into_iter()
            .filter(|d| d["apiVersion"] == api_version && d["kind"] == kind)
            .collect()
    }

    /// Reads `value` as `T` and asserts that writing it back gives `value` again.
    pub fn round_trip<T: DeserializeOwned + Serialize>(value: &Value) -> T {
        let typed: T = crate::api::parse(value).unwrap_or_else(|e| panic!("{e}\n{value:#}"));
        let back = serde_json::to_value(&typed).expect("serialise");
        assert_eq!(&back, value, "round trip changed the object");
        typed
    }

    /// Every object with `apiVersion`/`kind` in the YAML files of the shared corpus, with the
    /// file it came from; `None` when the corpus is absent.
    pub fn corpus_objects(api_version: &str, kind: &str) -> Option<Vec<(String, Value)>> {
        let root =
            std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
        if !root.is_dir() {
            return None;
        }
        let needle = format!("kind: {kind}");
        let mut out = Vec::new();
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if !path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                if !text.contains(api_version) || !text.contains(&needle) {
                    continue;
                }
                // Templates and other non-YAML files are not objects; skip what does not parse.
                let Ok(docs) = serde_saphyr::from_multiple::<Value>(&text) else {
                    continue;
                };
                for doc in docs {
                    if doc["apiVersion"] == api_version && doc["kind"] == kind {
                        out.push((path.display().to_string(), doc));
                    }
                }
            }
        }
        Some(out)
    }
}
