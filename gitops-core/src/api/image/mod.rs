//! `image.toolkit.fluxcd.io/v1`: [`ImageRepository`] and [`ImagePolicy`]
//! (image-reflector-controller) and [`ImageUpdateAutomation`] (image-automation-controller).
//!
//! An ImageRepository scans the tags of a container image repository, an ImagePolicy picks
//! the latest of those tags by a rule (semver range, alphabetical or numerical order), and an
//! ImageUpdateAutomation writes the picked images into the setter-marked fields of the YAML
//! in a Git repository and commits and pushes the change.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

mod automation;
mod git;
mod policy;
mod repository;

pub use automation::{
    CrossNamespaceSourceReference, ImageUpdateAutomation, ImageUpdateAutomationSpec,
    ImageUpdateAutomationStatus, SourceKind, UpdateStrategy, UpdateStrategyName,
};
pub use git::{
    CommitSpec, CommitUser, DEFAULT_COMMIT_MESSAGE, GitCheckoutSpec, GitRepositoryRef, GitSpec,
    PushSpec, SigningKey, SigningKeyType,
};
pub use policy::{
    AlphabeticalPolicy, ImagePolicy, ImagePolicyChoice, ImagePolicySpec, ImagePolicyStatus,
    NumericalPolicy, ReflectionPolicy, SelectedPolicy, SemVerPolicy, SortOrder, TagFilter,
};
pub use repository::{
    AccessFrom, DEFAULT_EXCLUSION_LIST, ImageRepository, ImageRepositorySpec,
    ImageRepositoryStatus, NamespaceSelector, RegistryProvider, ScanResult,
};

/// The API group of this module's kinds.
pub const GROUP: &str = "image.toolkit.fluxcd.io";

/// The CustomResourceDefinitions of ImageRepository, ImagePolicy and ImageUpdateAutomation.
pub fn crds() -> Vec<CustomResourceDefinition> {
    use super::crd::{FLUX_ANNOTATIONS, finalize};
    // Flux sets the substitute annotation on the image-automation CRD, not on the
    // image-reflector ones.
    vec![
        finalize(ImageRepository::crd(), &[]),
        finalize(ImagePolicy::crd(), &[]),
        finalize(ImageUpdateAutomation::crd(), FLUX_ANNOTATIONS),
    ]
}

/// Schema transform for Go fields without `omitempty` that may be absent on input: serde needs
/// `#[serde(default)]` for them, but controller-gen writes no `default:` into the schema.
fn no_default(schema: &mut schemars::Schema) {
    schema.remove("default");
}

/// An image reference: repository name, tag and optionally the digest.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct ImageRef {
    /// The image name without tag, e.g. `ghcr.io/stefanprodan/podinfo`.
    pub name: String,
    /// The tag.
    pub tag: String,
    /// The digest (`sha256:…`), when reflected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

impl std::fmt::Display for ImageRef {
    /// `name:tag`, plus `@digest` when the digest is known.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.name, self.tag)?;
        match self.digest.as_deref() {
            Some(digest) if !digest.is_empty() => write!(f, "@{digest}"),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_ref_display() {
        let mut r = ImageRef {
            name: "ghcr.io/org/app".into(),
            tag: "1.2.3".into(),
            digest: None,
        };
        assert_eq!(r.to_string(), "ghcr.io/org/app:1.2.3");
        r.digest = Some("sha256:abc".into());
        assert_eq!(r.to_string(), "ghcr.io/org/app:1.2.3@sha256:abc");
    }
}
