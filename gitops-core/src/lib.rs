//! The vocabulary every gitops crate shares.
//!
//! - [`Object`], [`ObjectId`] and [`ResourceSet`]: unstructured Kubernetes objects, their
//!   identity (`Kind/namespace/name`) and ordered collections read from multi-document YAML.
//! - [`yaml`]: a YAML reader with go-yaml's scalar resolution and an emitter that prints
//!   byte for byte what go-yaml v2 (through `sigs.k8s.io/yaml`) prints — the format of
//!   `kubectl kustomize`, Helm's `toYaml` and `flux create … --export`.
//! - [`api`]: the Flux and Flagger custom resources as Rust types, with their CRDs.
//! - [`duration`], [`revision`], [`conditions`]: Go durations, Flux revision strings and
//!   kstatus conditions.
//! - [`k8s`]: the one re-export point for Kubernetes types.
//! - [`merge`]: strategic merge (kyaml's `merge2`) with the built-in Kubernetes merge keys
//!   and custom OpenAPI layers, shared by kustomize and the dev cluster's API server.
//! - [`ssa`]: the plan and apply engine (Flux's server-side apply semantics): inventory,
//!   staged order, change sets, drift, cleanup, `plan`; the executor behind feature `kube`.
//! - [`health`]: kstatus health rules, CEL `healthCheckExprs` and (feature `kube`) the
//!   wait poller, as Flux's kustomize-controller checks health.
//!
//! **May depend on:** no other workspace crate. Without the `kube` feature it has no
//! tokio, no HTTP and no kube client; `kube-core`/`k8s-openapi` types are fine.
//!
//! ```
//! use gitops_core::{ResourceSet, yaml};
//!
//! let set = ResourceSet::from_yaml_str(
//!     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: default\ndata:\n  enabled: 'yes'\n",
//!     "cm.yaml",
//! )?;
//! assert_eq!(set.objects()[0].id().to_string(), "ConfigMap/default/app");
//! assert_eq!(
//!     yaml::to_string(set.objects()[0].as_value()),
//!     "apiVersion: v1\ndata:\n  enabled: \"yes\"\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: default\n",
//! );
//! # Ok::<(), gitops_core::resource_set::Error>(())
//! ```

pub mod api;
pub mod conditions;
pub mod duration;
pub mod hash;
pub mod health;
pub mod k8s;
pub mod merge;
pub mod object;
pub mod resource_set;
pub mod revision;
pub mod ssa;
pub use gitops_yaml as yaml;

pub use object::{Object, ObjectId};
pub use resource_set::ResourceSet;
