//! `source.toolkit.fluxcd.io/v1`: the sources that source-controller turns into
//! artifacts.
//!
//! | kind | module | produces |
//! |---|---|---|
//! | [`GitRepository`] | [`git`], [`git_ref`] | a tarball of a Git checkout |
//! | [`OCIRepository`] | [`oci`] | a layer of an OCI artifact |
//! | [`Bucket`] | [`bucket`] | a tarball of the objects in an object-storage bucket |
//! | [`HelmRepository`] | [`helm_repository`] | the repository index (HTTP type) |
//! | [`HelmChart`] | [`helm_chart`] | a packaged chart from a HelmRepository, GitRepository or Bucket |
//!
//! Defaults the API server applies (`timeout: 60s`, `provider: generic`, `version: '*'`,
//! …) are in the CRD schemas and in accessor methods; reading never fills them in.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;

pub mod bucket;
pub mod common;
pub mod git;
pub mod git_ref;
pub mod helm_chart;
pub mod helm_repository;
pub mod oci;

pub use bucket::{Bucket, BucketProvider, BucketSTSSpec, BucketSpec, BucketStatus, StsProvider};
pub use common::{
    API_VERSION, AccessFrom, GROUP, NamespaceSelector, OIDCIdentityMatch, OciProvider, VERSION,
    VerificationProvider,
};
pub use git::{
    GitCheckout, GitProvider, GitRepository, GitRepositoryInclude, GitRepositoryRef,
    GitRepositorySpec, GitRepositoryStatus, GitRepositoryVerification, GitVerificationMode,
};
pub use helm_chart::{
    HelmChart, HelmChartSourceKind, HelmChartSpec, HelmChartStatus, HelmChartVerification,
    LocalHelmChartSourceReference, ReconcileStrategy,
};
pub use helm_repository::{
    HelmRepository, HelmRepositorySpec, HelmRepositoryStatus, HelmRepositoryType,
};
pub use oci::{
    LayerOperation, OCILayerSelector, OCIRepository, OCIRepositoryRef, OCIRepositorySpec,
    OCIRepositoryStatus, OCIRepositoryVerification, OciReference,
};

/// The CustomResourceDefinitions of the source kinds, by kind name.
pub fn crds() -> Vec<CustomResourceDefinition> {
    [
        Bucket::crd(),
        GitRepository::crd(),
        HelmChart::crd(),
        HelmRepository::crd(),
        OCIRepository::crd(),
    ]
    .into_iter()
    .map(|crd| crate::api::crd::finalize(crd, crate::api::crd::FLUX_ANNOTATIONS))
    .collect()
}
