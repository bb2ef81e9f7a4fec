//! The pure plan: desired objects + live objects + the previous inventory → what the
//! executor will do, stage by stage, and what prune will delete.
//!
//! Whether an existing object changes is only known after the server's dry-run (the
//! server adds defaults and keeps other managers' fields), so an existing, not skipped
//! object is planned as [`PlannedAction::Apply`]; the executor dry-runs it and compares
//! with [`super::drift::has_drifted`].

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::api::kustomize::ResourceInventory;
use crate::{Object, ObjectId, ResourceSet, object};

use super::cleanup::{self, CleanupError, CleanupPatch};
use super::drift;
use super::inventory::{self, InventoryError, ObjectRef};
use super::order::{self, Stage};
use super::policy::{ApplyOptions, DeleteOptions, Owner};

/// Why a plan could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// A desired object lacks `apiVersion`, `kind` or `metadata.name`.
    #[error("object #{index} ({subject}) is not a Kubernetes object: {source}")]
    InvalidObject {
        /// Position in the desired list.
        index: usize,
        /// What could be read of its identity.
        subject: String,
        /// The missing field.
        source: object::Error,
    },
    /// Two desired objects have the same identity.
    #[error("{0} is defined more than once")]
    Duplicate(ObjectId),
    /// The previous inventory has an unreadable entry.
    #[error("previous inventory: {0}")]
    Inventory(#[from] InventoryError),
    /// A live object's managed fields could not be read.
    #[error("{0}")]
    Cleanup(#[from] CleanupError),
}

/// Live objects by identity: what the cluster has now.
pub trait LiveObjects {
    /// The live object with this identity.
    fn live(&self, id: &ObjectId) -> Option<&Object>;
}

/// The simplest [`LiveObjects`]: a map by identity.
pub type LiveSet = HashMap<ObjectId, Object>;

impl LiveObjects for HashMap<ObjectId, Object> {
    fn live(&self, id: &ObjectId) -> Option<&Object> {
        self.get(id)
    }
}

impl LiveObjects for BTreeMap<ObjectId, Object> {
    fn live(&self, id: &ObjectId) -> Option<&Object> {
        self.get(id)
    }
}

impl LiveObjects for ResourceSet {
    fn live(&self, id: &ObjectId) -> Option<&Object> {
        self.get(id)
    }
}

/// Inputs of a plan besides the objects.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// Field manager and label prefix.
    pub owner: Owner,
    /// Name of the owning Kustomization (the `<group>/name` label).
    pub name: String,
    /// Namespace of the owning Kustomization (the `<group>/namespace` label).
    pub namespace: String,
    /// Apply behaviour.
    pub apply: ApplyOptions,
    /// Prune behaviour.
    pub delete: DeleteOptions,
    /// Whether stale objects are pruned (`spec.prune`).
    pub prune: bool,
}

impl PlanOptions {
    /// kustomize-controller's options for the Kustomization `name`/`namespace`, prune on.
    pub fn new(owner: Owner, name: &str, namespace: &str) -> Self {
        let apply = ApplyOptions::flux(&owner);
        let delete = DeleteOptions::flux(&owner, name, namespace);
        PlanOptions {
            owner,
            name: name.into(),
            namespace: namespace.into(),
            apply,
            delete,
            prune: true,
        }
    }
}

/// What will be done to one desired object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlannedAction {
    /// It does not exist: it will be created.
    Create,
    /// It exists: it will be dry-run and applied only if it drifted (or was cleaned).
    Apply,
    /// It is left alone (`reconcile: disabled`, `ssa: Ignore`, or `ssa: IfNotPresent`
    /// and present).
    Skip,
}

/// One desired object of a stage.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedObject {
    /// The object as it will be applied (owner labels set, normalised).
    pub object: Object,
    /// What will be done.
    pub action: PlannedAction,
    /// The metadata cleanup to patch onto the live object first, if any.
    pub cleanup: Option<CleanupPatch>,
    /// Whether an immutable-field error recreates the object (`force`).
    pub recreate_on_immutable: bool,
}

/// One stage of the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedStage {
    /// Which stage.
    pub stage: Stage,
    /// Its objects in apply order.
    pub objects: Vec<PlannedObject>,
}

/// What prune will do to a stale object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PruneAction {
    /// It carries our owner labels and no opt-out: it will be deleted.
    Delete,
    /// It lost our owner labels or opted out: it is left alone.
    Skip,
    /// It is already gone (reported as deleted).
    Gone,
}

/// One stale object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedDelete {
    /// The object.
    pub target: ObjectRef,
    /// What will be done.
    pub action: PruneAction,
}

/// The plan: stages in apply order, the prune list in deletion order and the inventory
/// the Kustomization will record.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Non-empty stages in apply order.
    pub stages: Vec<PlannedStage>,
    /// Stale objects in deletion order (reverse apply order); empty without prune.
    pub prune: Vec<PlannedDelete>,
    /// The new inventory (every desired object, skipped ones included).
    pub inventory: ResourceInventory,
}

impl Plan {
    /// All planned objects in apply order.
    pub fn objects(&self) -> impl Iterator<Item = &PlannedObject> {
        self.stages.iter().flat_map(|s| s.objects.iter())
    }

    /// The stale objects that will be deleted.
    pub fn deletions(&self) -> impl Iterator<Item = &ObjectRef> {
        self.prune
            .iter()
            .filter(|p| p.action == PruneAction::Delete)
            .map(|p| &p.target)
    }
}

/// Validates the desired objects, rejects duplicates, sets the owner labels and
/// normalises them: what kustomize-controller does before `ApplyAllStaged`.
pub fn prepare(
    objects: &[Object],
    owner: &Owner,
    name: &str,
    namespace: &str,
) -> Result<Vec<Object>, PlanError> {
    let mut seen = HashSet::with_capacity(objects.len());
    let mut out = Vec::with_capacity(objects.len());
    for (index, o) in objects.iter().enumerate() {
        o.validate_identity()
            .map_err(|source| PlanError::InvalidObject {
                index,
                subject: o.id().to_string(),
                source,
            })?;
        if !seen.insert(o.id()) {
            return Err(PlanError::Duplicate(o.id()));
        }
        let mut o = o.clone();
        drift::normalize(&mut o);
        out.push(o);
    }
    owner.set_labels(&mut out, name, namespace);
    Ok(out)
}

/// The plan for one prepared object given its live state.
pub fn plan_object(
    object: Object,
    live: Option<&Object>,
    opts: &ApplyOptions,
    field_manager: &str,
) -> Result<PlannedObject, CleanupError> {
    let live_value = live.map(Object::as_value);
    let recreate_on_immutable = opts.recreates(object.as_value(), live_value);
    if opts.skips(object.as_value(), live_value) {
        return Ok(PlannedObject {
            object,
            action: PlannedAction::Skip,
            cleanup: None,
            recreate_on_immutable,
        });
    }
    let Some(live) = live else {
        return Ok(PlannedObject {
            object,
            action: PlannedAction::Create,
            cleanup: None,
            recreate_on_immutable,
        });
    };
    let cleanup = cleanup::cleanup_patch(
        object.as_value(),
        live.as_value(),
        &opts.cleanup,
        field_manager,
    )?;
    Ok(PlannedObject {
        object,
        action: PlannedAction::Apply,
        cleanup,
        recreate_on_immutable,
    })
}

/// What prune does to a stale object given its live state.
pub fn prune_action(live: Option<&Object>, opts: &DeleteOptions) -> PruneAction {
    match live {
        None => PruneAction::Gone,
        Some(l) if opts.may_delete(l.as_value()) => PruneAction::Delete,
        Some(_) => PruneAction::Skip,
    }
}

/// Plans an apply of `desired` over `live`, pruning what `previous` had and `desired`
/// has not (when `opts.prune`).
pub fn plan(
    desired: &[Object],
    live: &impl LiveObjects,
    previous: Option<&ResourceInventory>,
    opts: &PlanOptions,
) -> Result<Plan, PlanError> {
    let prepared = prepare(desired, &opts.owner, &opts.name, &opts.namespace)?;
    let inventory = inventory::from_objects(&prepared);
    let mut stages = Vec::new();
    for (stage, objects) in order::staged(&prepared, &opts.apply.custom_stage_kinds) {
        let planned = objects
            .into_iter()
            .map(|o| {
                let l = live.live(&o.id());
                plan_object(o, l, &opts.apply, &opts.owner.field_manager)
            })
            .collect::<Result<Vec<_>, _>>()?;
        stages.push(PlannedStage {
            stage,
            objects: planned,
        });
    }
    let mut prune = Vec::new();
    if opts.prune
        && let Some(previous) = previous
    {
        let mut stale = inventory::diff(previous, &inventory)?;
        stale.reverse();
        for target in stale {
            let action = prune_action(live.live(&target.id), &opts.delete);
            prune.push(PlannedDelete { target, action });
        }
    }
    Ok(Plan {
        stages,
        prune,
        inventory,
    })
}
