//! Reconcilers that compose the gitops crates over a Kubernetes client.
//!
//! Source, Kustomization, HelmRelease, notification, image automation and canary
//! controllers, built on kube-runtime.
//!
//! **May depend on:** every library crate of the workspace; it is the only crate that
//! wires kube-runtime controllers.
//!
//! **Status:** the controllers arrive with the controllers issue.
pub use gitops_core as core;
