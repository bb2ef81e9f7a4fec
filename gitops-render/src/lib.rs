//! Artifact trees to Kubernetes objects.
//!
//! Kustomize builds ([`kustomize`]), a Flux Kustomization's generated build ([`flux`]), and — with their issues — Helm chart rendering,
//! post-build variable substitution, SOPS decryption and image setters, each producing a
//! [`gitops_core::ResourceSet`] identical to what the reference Go tools produce.
//!
//! **May depend on:** `gitops-core` and `gitops-gotmpl` within the workspace (never on
//! `gitops-sources` or `gitops-canary`). It does no network I/O.

pub mod flux;
/// Helm chart rendering: the values layer (`--set` parsers, coalescing).
pub mod helm;
pub mod kustomize;
pub mod postbuild;
pub mod sops;

pub use gitops_core as core;
