//! The one re-export point for Kubernetes types.
//!
//! Every crate of the workspace reaches `k8s-openapi` and `kube-core` through here, so a
//! version bump happens in one place. Library crates never pick a Kubernetes version
//! feature of `k8s-openapi`; binaries and dev-dependencies do.

pub use k8s_openapi;
pub use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
pub use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
pub use kube::core as kube_core;
pub use kube::core::{CustomResourceExt, Resource, ResourceExt};
