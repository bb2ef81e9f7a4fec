//! YAML the way the Go tools read and write it.
//!
//! **May depend on:** nothing in the workspace. `gitops-core` re-exports it as
//! `gitops_core::yaml`; `gitops-gotmpl` prints Helm's `toYaml` and reads values with it.
//!
//! - [`load`]: a reader over `granit-parser` events that resolves plain scalars the way
//!   go-yaml does (v3 for kustomize and Flux objects, v2/YAML 1.1 for Helm values), expands
//!   anchors and merge keys within an alias budget, and reports file, document and line.
//! - [`emit`]: a printer that writes what go-yaml v2's emitter writes after
//!   `sigs.k8s.io/yaml` turned a value into JSON: sorted keys, quoting, folding, block
//!   scalars. `kubectl kustomize`, Helm's `toYaml` and `flux create … --export` all print
//!   through it.

pub mod emit;
mod goparse;
pub mod load;
pub mod resolve;

pub use emit::to_string;
pub use load::{Document, LoadOptions, Schema, load_documents};
