//! An embedded in-memory Kubernetes API server for local runs, examples and tests.
//!
//! It speaks the real HTTP API on loopback so that `kubectl`, `helm` and `kube::Client`
//! accept it; it is the default target of `gitops up` and never a production cluster.
//!
//! **May depend on:** `gitops-core` within the workspace (it reuses the structured merge
//! code for server-side apply).
//!
//! **Status:** the server arrives with the devcluster issue.
pub use gitops_core as core;
