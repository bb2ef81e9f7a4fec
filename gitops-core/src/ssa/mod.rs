//! The plan and apply engine: Flux's server-side apply semantics (`fluxcd/pkg/ssa` as
//! kustomize-controller drives it), written as pure values plus one executor.
//!
//! Pure (always compiled):
//! - [`inventory`]: Flux inventory entries `{id, v}` with ids `<ns>_<name>_<group>_<kind>`,
//!   built from objects or change sets, and the stale set `old − new`.
//! - [`order`]: the apply stages (definitions, classes, custom kinds, the rest) and Flux's
//!   kind order; deletion runs in the reverse order.
//! - [`changeset`]: [`ChangeSet`] entries `Kind/ns/name created|configured|…`.
//! - [`policy`]: the per-object annotations (`kustomize.toolkit.fluxcd.io/ssa`, `/force`,
//!   `/prune`, `/reconcile`) and the owner labels.
//! - [`drift`]: normalisation of desired objects and the drift decision between a live
//!   object and a dry-run result.
//! - [`ignore`]: drift-ignore rules (`spec.ignore`): JSON pointers left out of the
//!   comparison and kept as they are live.
//! - [`cleanup`]: the metadata patch that hands `kubectl` / `before-first-apply` fields to
//!   our field manager and drops the last-applied annotation.
//! - [`plan`](mod@plan): desired + live + old inventory → staged [`Plan`] with the prune set.
//!
//! Executor (feature `kube`): `manager::ResourceManager` runs the plan against a cluster:
//! dry-run, compare, apply only what changed, wait for definitions, recreate on immutable
//! fields when forced, prune with the owner-label check, diff for `gitops diff`.
//!
//! ```
//! use gitops_core::ResourceSet;
//! use gitops_core::ssa::{Owner, PlanOptions, plan, LiveSet};
//!
//! let desired = ResourceSet::from_yaml_str(
//!     "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n---\n\
//!      apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: apps\n",
//!     "all.yaml",
//! )?;
//! let opts = PlanOptions::new(Owner::kustomize_controller(), "apps", "flux-system");
//! let plan = plan(desired.objects(), &LiveSet::default(), None, &opts)?;
//! assert_eq!(plan.stages[0].objects[0].object.id().to_string(), "Namespace/apps");
//! assert_eq!(plan.inventory.entries[1].id, "apps_cfg__ConfigMap");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod changeset;
pub mod cleanup;
pub mod drift;
pub mod ignore;
pub mod inventory;
pub mod order;
pub mod plan;
pub mod policy;

#[cfg(feature = "kube")]
pub mod manager;

pub use changeset::{Action, ChangeSet, ChangeSetEntry};
pub use inventory::ObjectRef;
pub use order::{GroupKind, Stage};
pub use plan::{LiveObjects, LiveSet, Plan, PlanError, PlanOptions, plan};
pub use policy::{ApplyOptions, Owner};
