//! Flux sources to reproducible artifacts.
//!
//! `GitRepository`, `OCIRepository`, `Bucket`, `HelmRepository` and `HelmChart` specs are
//! turned into tar.gz artifacts with Flux's normalisation, digests and revision strings,
//! kept in an artifact store with Flux's layout.
//!
//! - [`artifact`]: packing a directory into Flux's reproducible tar.gz, digests, ignore
//!   rules, safe unpacking.
//! - [`store`]: the artifact store (Flux's path layout, atomic writes, retention) and its
//!   HTTP server.
//! - [`semver`]: version constraints as Masterminds/semver v3 (Flux's and Helm's) reads them.
//! - [`git`]: Git repositories to commits and artifacts.
//! - [`oci`]: Flux OCI artifacts: pull, push, list.
//! - [`helm`]: Helm repositories (HTTP index and OCI) and chart downloads.
//! - [`bucket`]: S3-compatible buckets.
//! - [`tls`]: the process-wide TLS provider every client here uses.
//!
//! **May depend on:** `gitops-core` only within the workspace (never on `gitops-render` or
//! `gitops-canary`), plus the network clients a fetch needs.
pub use gitops_core as core;

pub mod artifact;
pub mod bucket;
pub mod git;
pub mod helm;
pub mod oci;
pub use gitops_semver as semver;
pub mod store;
pub mod tls;
pub mod transport;
