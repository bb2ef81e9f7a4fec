//! Flux sources to reproducible artifacts.
//!
//! `GitRepository`, `OCIRepository`, `Bucket`, `HelmRepository` and `HelmChart` specs are
//! turned into tar.gz artifacts with Flux's normalisation, digests and revision strings,
//! kept in an artifact store with Flux's layout.
//!
//! **May depend on:** `gitops-core` only within the workspace (never on `gitops-render` or
//! `gitops-canary`), plus the network clients a fetch needs.
//!
//! **Status:** the fetchers arrive with the sources issue; the API types they consume
//! already live in [`gitops_core::api::source`].
pub use gitops_core as core;
