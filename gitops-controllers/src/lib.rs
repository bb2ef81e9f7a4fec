//! Reconcilers that compose the gitops crates over a Kubernetes client.
//!
//! Source, Kustomization, HelmRelease, notification, image automation and canary
//! controllers, built on kube-runtime.
//!
//! **May depend on:** every library crate of the workspace; it is the only crate that
//! wires kube-runtime controllers.
//!
//! - [`runtime`]: what every reconciler shares (conditions, status patches, finalizer,
//!   events, requeue and backoff).
//! - [`storage`]: the artifact storage and its HTTP server.
//! - [`artifacts`]: artifacts fetched by consumers, unpacked in memory and shared by digest.
//! - [`source`]: GitRepository, OCIRepository and Bucket reconcilers and [`source::run_sources`].
//! - [`manager`]: the selected controllers over one client, behind leader election.
pub use gitops_core as core;

pub mod artifacts;
pub mod kustomize;
pub mod manager;
pub mod runtime;
pub mod source;
pub mod storage;
