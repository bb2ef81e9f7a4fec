//! `kustomize.toolkit.fluxcd.io/v1`: the Kustomization kind, and the small kustomize
//! types (patches, selectors, images, CEL health checks, dependencies) that HelmRelease
//! reuses.
//!
//! ```
//! use gitops_core::api::{self, kustomize::Kustomization, Validate};
//!
//! let value = serde_json::json!({
//!     "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
//!     "kind": "Kustomization",
//!     "metadata": {"name": "apps", "namespace": "flux-system"},
//!     "spec": {
//!         "interval": "10m",
//!         "prune": true,
//!         "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
//!         "path": "./apps"
//!     }
//! });
//! let ks: Kustomization = api::parse(&value)?;
//! assert_eq!(ks.spec.retry_interval(), "10m");
//! assert_eq!(ks.spec.deletion_policy().as_str(), "MirrorPrune");
//! ks.validate()?;
//! assert_eq!(serde_json::to_value(&ks)?, value);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;

mod kustomization;
mod status;
mod types;

#[cfg(test)]
pub(crate) mod tests;

pub use kustomization::{
    BuildMetadataOption, CrossNamespaceSourceReference, Decryption, DecryptionProvider,
    DeletionPolicy, Kustomization, KustomizationSpec, PostBuild, SourceKind, SubstituteReference,
    SubstituteStrategy, ValuesKind,
};
pub use status::{HISTORY_MAX_SIZE, KustomizationStatus, Snapshot};
pub use types::{
    CommonMetadata, CustomHealthCheck, DependencyReference, IgnoreRule, Image, Patch,
    ResourceInventory, ResourceRef, Selector,
};

use super::meta::KubeConfigReference;
use super::validate::{Validate, ValidationError, Validator};

/// The CustomResourceDefinitions of this module's kinds.
pub fn crds() -> Vec<CustomResourceDefinition> {
    vec![super::crd::finalize(
        Kustomization::crd(),
        super::crd::FLUX_ANNOTATIONS,
    )]
}

impl Validate for Kustomization {
    fn validate(&self) -> Result<(), ValidationError> {
        let mut v = Validator::new();
        let spec = &self.spec;
        v.duration("spec.interval", Some(&spec.interval));
        v.duration("spec.retryInterval", spec.retry_interval.as_deref());
        v.duration("spec.timeout", spec.timeout.as_deref());
        v.length(
            "spec.namePrefix",
            spec.name_prefix.as_deref(),
            Some(1),
            Some(200),
        );
        v.length(
            "spec.nameSuffix",
            spec.name_suffix.as_deref(),
            Some(1),
            Some(200),
        );
        v.length(
            "spec.targetNamespace",
            spec.target_namespace.as_deref(),
            Some(1),
            Some(63),
        );
        if let Some(refs) = spec
            .post_build
            .as_ref()
            .and_then(|p| p.substitute_from.as_ref())
        {
            for (i, r) in refs.iter().enumerate() {
                v.length(
                    &format!("spec.postBuild.substituteFrom[{i}].name"),
                    Some(&r.name),
                    Some(1),
                    Some(253),
                );
            }
        }
        validate_kube_config(&mut v, "spec.kubeConfig", spec.kube_config.as_ref());
        v.finish("Kustomization", self.metadata.name.as_deref().unwrap_or(""))
    }
}

/// The CEL rules of `kubeConfig`: exactly one of `configMapRef` and `secretRef`.
pub(crate) fn validate_kube_config(
    v: &mut Validator,
    field: &str,
    kube_config: Option<&KubeConfigReference>,
) {
    let Some(kc) = kube_config else { return };
    if kc.config_map_ref.is_some() == kc.secret_ref.is_some() {
        v.error(
            field,
            "Invalid value: \"object\": exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified",
        );
    }
}
