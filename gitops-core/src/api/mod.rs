//! The Flux and Flagger custom resources as Rust types.
//!
//! | module | group/version | kinds |
//! |---|---|---|
//! | [`source`] | `source.toolkit.fluxcd.io/v1` | GitRepository, OCIRepository, Bucket, HelmRepository, HelmChart |
//! | [`kustomize`] | `kustomize.toolkit.fluxcd.io/v1` | Kustomization |
//! | [`helm`] | `helm.toolkit.fluxcd.io/v2` | HelmRelease |
//! | [`notification`] | `notification.toolkit.fluxcd.io/v1beta3`, `/v1` | Alert, Provider; Receiver |
//! | [`image`] | `image.toolkit.fluxcd.io/v1` | ImageRepository, ImagePolicy, ImageUpdateAutomation |
//! | [`flagger`] | `flagger.app/v1beta1` | Canary, MetricTemplate, AlertProvider |
//!
//! Every type serialises exactly the fields Flux's Go types serialise (`omitempty` is
//! `skip_serializing_if`), so an object read and written back keeps every field, and
//! [`crds`] generates the CustomResourceDefinitions from the same types. Defaults that
//! the API server applies are in the CRD schemas and in accessor methods; they are never
//! injected while reading, so nothing is added on a round trip either.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use serde::de::DeserializeOwned;

pub mod crd;
pub mod flagger;
pub mod helm;
pub mod image;
pub mod kustomize;
pub mod meta;
pub mod notification;
pub mod source;
pub mod validate;

pub use validate::{Validate, ValidationError};

/// The CustomResourceDefinitions of every kind in the compatibility contract, in a
/// stable order (by group, then kind).
pub fn crds() -> Vec<CustomResourceDefinition> {
    let mut all = Vec::new();
    all.extend(source::crds());
    all.extend(kustomize::crds());
    all.extend(helm::crds());
    all.extend(notification::crds());
    all.extend(image::crds());
    all.extend(flagger::crds());
    all
}

/// Lower-case hex SHA-256 of `data` (Flux's hashed names: receiver paths, release names).
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

/// Why a value could not be read as an API type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// A field has the wrong type or an unknown enum value.
    #[error("{kind}: field '{path}': {message}")]
    Field {
        /// The kind that was being read.
        kind: String,
        /// Path of the offending field, e.g. `spec.ref.branch`.
        path: String,
        /// What serde reported.
        message: String,
    },
}

/// Reads a JSON value (e.g. an [`crate::Object`]'s content) as the API type `T`, naming the
/// offending field on error.
pub fn parse<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T, ParseError> {
    let kind = value
        .get("kind")
        .and_then(|k| k.as_str())
        .unwrap_or("object")
        .to_string();
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        ParseError::Field {
            kind,
            path,
            message: err.into_inner().to_string(),
        }
    })
}
