//! The Kustomization reconciler (`kustomize.toolkit.fluxcd.io/v1`), as kustomize-controller
//! reconciles: source artifact → build (generated kustomization, SOPS, post-build
//! substitution) → staged server-side apply → prune → health checks → status.
//!
//! - [`depends`]: `spec.dependsOn` readiness, with Flux's messages.
//! - [`history`]: `status.history` snapshots.

pub mod depends;
pub mod history;
