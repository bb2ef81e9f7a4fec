//! The Kustomization kind (`kustomize.toolkit.fluxcd.io/v1`): builds a path of a source
//! artifact with kustomize, post-processes it and applies it with server-side apply,
//! pruning and health checking the result.

use std::collections::BTreeMap;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::status::KustomizationStatus;
use super::types::{
    CommonMetadata, CustomHealthCheck, DependencyReference, IgnoreRule, Image, Patch,
};
use crate::api::meta::{
    DURATION_PATTERN, KubeConfigReference, LocalObjectReference, NamespacedObjectKindReference,
};
use crate::duration::Duration;

/// Desired state of a Kustomization: which source path to build, how to transform the
/// result and how to apply, prune and health check it.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "kustomize.toolkit.fluxcd.io",
    version = "v1",
    kind = "Kustomization",
    namespaced,
    status = "KustomizationStatus",
    shortname = "ks",
    category = "all",
    category = "fluxcd",
    category = "fluxcd-appliers",
    derive = "PartialEq",
    doc = "A Flux Kustomization: applies a kustomize build of a source artifact.",
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#,
    printcolumn = r#"{"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name":"Status","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].message"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct KustomizationSpec {
    /// Kustomize build metadata added to the built objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_metadata: Option<Vec<BuildMetadataOption>>,
    /// Labels and annotations set on every applied object, overriding existing keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub common_metadata: Option<CommonMetadata>,
    /// Paths of kustomize Components, relative to `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<String>>,
    /// Decryption of SOPS-encrypted objects before they are applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decryption: Option<Decryption>,
    /// What happens to the applied objects when the Kustomization is deleted
    /// (default [`DeletionPolicy::MirrorPrune`], see [`KustomizationSpec::deletion_policy`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_policy: Option<DeletionPolicy>,
    /// Kustomizations that must be ready before this one is reconciled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<Vec<DependencyReference>>,
    /// Recreate objects whose patch fails because of an immutable field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false))]
    pub force: Option<bool>,
    /// CEL expressions deciding the health of custom resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_exprs: Option<Vec<CustomHealthCheck>>,
    /// Objects whose health is assessed after applying (ignored when `wait` is set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_checks: Option<Vec<NamespacedObjectKindReference>>,
    /// Fields disregarded by drift detection and apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore: Option<Vec<IgnoreRule>>,
    /// Drop components that do not exist in the source instead of failing the build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_missing_components: Option<bool>,
    /// Image name, tag and digest overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<Image>>,
    /// Reconciliation interval.
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub interval: String,
    /// Kubeconfig of a remote cluster to apply to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-validations" = [
        {
            "message": "exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified",
            "rule": "has(self.configMapRef) || has(self.secretRef)"
        },
        {
            "message": "exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified",
            "rule": "!has(self.configMapRef) || !has(self.secretRef)"
        }
    ]))]
    pub kube_config: Option<KubeConfigReference>,
    /// Prefix added to the names of all objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 200))]
    pub name_prefix: Option<String>,
    /// Suffix added to the names of all objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 200))]
    pub name_suffix: Option<String>,
    /// Strategic-merge and JSON 6902 patches applied to the build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patches: Option<Vec<Patch>>,
    /// Directory in the artifact to build; the artifact root when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Variable substitution on the built manifests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_build: Option<PostBuild>,
    /// Garbage-collect objects that are no longer in the build.
    pub prune: bool,
    /// Interval between retries after a failed reconciliation; `interval` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub retry_interval: Option<String>,
    /// Service account impersonated when applying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    /// The source whose artifact is built.
    pub source_ref: CrossNamespaceSourceReference,
    /// Stop reconciling (already started reconciliations finish).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    /// Namespace set on (or overriding) every namespaced object of the build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 63))]
    pub target_namespace: Option<String>,
    /// Timeout of build, apply and health checks; see [`KustomizationSpec::timeout`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub timeout: Option<String>,
    /// Health check every applied object (replaces `healthChecks`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<bool>,
}

/// Kinds of kustomize build metadata that can be added to the built objects.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum BuildMetadataOption {
    /// `config.kubernetes.io/origin` annotations naming the file each object came from.
    #[serde(rename = "originAnnotations")]
    OriginAnnotations,
    /// Annotations naming the transformers that modified each object.
    #[serde(rename = "transformerAnnotations")]
    TransformerAnnotations,
}

/// What happens to the applied objects when a Kustomization is deleted.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum DeletionPolicy {
    /// Delete the objects when `prune` is true, orphan them otherwise.
    #[default]
    MirrorPrune,
    /// Delete the objects.
    Delete,
    /// Delete the objects and wait until they are gone.
    WaitForTermination,
    /// Leave the objects in the cluster.
    Orphan,
}

impl DeletionPolicy {
    /// The policy as written in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            DeletionPolicy::MirrorPrune => "MirrorPrune",
            DeletionPolicy::Delete => "Delete",
            DeletionPolicy::WaitForTermination => "WaitForTermination",
            DeletionPolicy::Orphan => "Orphan",
        }
    }
}

/// A reference to the source a Kustomization builds, possibly in another namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CrossNamespaceSourceReference {
    /// API version of the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind of the source.
    pub kind: SourceKind,
    /// Name of the source.
    pub name: String,
    /// Namespace of the source; the Kustomization's namespace when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl std::fmt::Display for CrossNamespaceSourceReference {
    /// `Kind/name`, or `Kind/namespace/name` when the namespace is set.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.namespace.as_deref().filter(|ns| !ns.is_empty()) {
            Some(ns) => write!(f, "{}/{ns}/{}", self.kind.as_str(), self.name),
            None => write!(f, "{}/{}", self.kind.as_str(), self.name),
        }
    }
}

/// Kinds of sources a Kustomization can build.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum SourceKind {
    /// `source.toolkit.fluxcd.io` OCIRepository.
    #[serde(rename = "OCIRepository")]
    OciRepository,
    /// `source.toolkit.fluxcd.io` GitRepository.
    #[default]
    GitRepository,
    /// `source.toolkit.fluxcd.io` Bucket.
    Bucket,
    /// `source.toolkit.fluxcd.io` ExternalArtifact.
    ExternalArtifact,
}

impl SourceKind {
    /// The kind as written in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::OciRepository => "OCIRepository",
            SourceKind::GitRepository => "GitRepository",
            SourceKind::Bucket => "Bucket",
            SourceKind::ExternalArtifact => "ExternalArtifact",
        }
    }
}

/// Decryption of encrypted objects in the build.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Decryption {
    /// Decryption engine.
    pub provider: DecryptionProvider,
    /// Secret holding the decryption keys (PGP, age, cloud KMS credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalObjectReference>,
    /// Service account used to authenticate with cloud KMS services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
}

/// Decryption engines.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum DecryptionProvider {
    /// Mozilla SOPS.
    #[default]
    #[serde(rename = "sops")]
    Sops,
}

/// Variable substitution performed on the built manifests.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PostBuild {
    /// Inline variables; they take precedence over `substituteFrom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substitute: Option<BTreeMap<String, String>>,
    /// ConfigMaps and Secrets whose data keys are variables, later ones winning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substitute_from: Option<Vec<SubstituteReference>>,
    /// When substitution runs (default [`SubstituteStrategy::WithVariables`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substitute_strategy: Option<SubstituteStrategy>,
}

/// When variable substitution runs.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum SubstituteStrategy {
    /// Only when at least one variable is defined.
    #[default]
    WithVariables,
    /// Always, so that `${var:=default}` expressions apply without any variable.
    Always,
}

/// A ConfigMap or Secret providing substitution variables.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubstituteReference {
    /// Kind of the referent.
    pub kind: ValuesKind,
    /// Name of the referent, in the Kustomization's namespace.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Tolerate a missing referent (as if it were empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = false))]
    pub optional: Option<bool>,
}

/// Kinds of objects that provide variables or values.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum ValuesKind {
    /// A Secret.
    Secret,
    /// A ConfigMap.
    #[default]
    ConfigMap,
}

impl ValuesKind {
    /// The kind as written in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ValuesKind::Secret => "Secret",
            ValuesKind::ConfigMap => "ConfigMap",
        }
    }
}

impl KustomizationSpec {
    /// The retry interval: `retryInterval`, or `interval` when absent.
    pub fn retry_interval(&self) -> &str {
        self.retry_interval.as_deref().unwrap_or(&self.interval)
    }

    /// The timeout kustomize-controller applies to build, apply and health checks:
    /// `timeout`, or `interval` minus 30s when absent, and never less than 30s.
    pub fn timeout(&self) -> Result<Duration, crate::duration::ParseError> {
        let floor = Duration::from_secs(30);
        let duration = match self.timeout.as_deref() {
            Some(t) => t.parse::<Duration>()?,
            None => {
                let interval = self.interval.parse::<Duration>()?;
                Duration::from_nanos(interval.as_nanos().saturating_sub(floor.as_nanos()))
            }
        };
        Ok(duration.max(floor))
    }

    /// The deletion policy, [`DeletionPolicy::MirrorPrune`] when absent.
    pub fn deletion_policy(&self) -> DeletionPolicy {
        self.deletion_policy.unwrap_or_default()
    }

    /// Whether applied objects are deleted when the Kustomization is deleted, after
    /// resolving [`DeletionPolicy::MirrorPrune`] against `prune`.
    pub fn deletes_on_removal(&self) -> bool {
        match self.deletion_policy() {
            DeletionPolicy::MirrorPrune => self.prune,
            DeletionPolicy::Delete | DeletionPolicy::WaitForTermination => true,
            DeletionPolicy::Orphan => false,
        }
    }

    /// The substitution strategy, [`SubstituteStrategy::WithVariables`] when absent.
    pub fn substitute_strategy(&self) -> SubstituteStrategy {
        self.post_build
            .as_ref()
            .and_then(|p| p.substitute_strategy)
            .unwrap_or_default()
    }

    /// Whether the Kustomization is suspended.
    pub fn suspended(&self) -> bool {
        self.suspend.unwrap_or(false)
    }

    /// Whether every applied object is health checked.
    pub fn waits(&self) -> bool {
        self.wait.unwrap_or(false)
    }

    /// Whether objects are recreated on immutable-field errors.
    pub fn forces(&self) -> bool {
        self.force.unwrap_or(false)
    }

    /// The path to build: `path`, or the artifact root (`""`) when absent.
    pub fn path(&self) -> &str {
        self.path.as_deref().unwrap_or("")
    }

    /// The dependencies (empty when absent).
    pub fn depends_on(&self) -> &[DependencyReference] {
        self.depends_on.as_deref().unwrap_or(&[])
    }
}

impl Kustomization {
    /// The namespace of the source: `sourceRef.namespace`, or the Kustomization's own.
    pub fn source_namespace(&self) -> Option<&str> {
        self.spec
            .source_ref
            .namespace
            .as_deref()
            .filter(|ns| !ns.is_empty())
            .or(self.metadata.namespace.as_deref())
    }
}
