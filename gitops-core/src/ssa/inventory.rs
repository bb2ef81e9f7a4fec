//! Flux inventories: `status.inventory.entries[]{id, v}` of a Kustomization.
//!
//! The id is cli-utils' `ObjMetadata.String()`: `<namespace>_<name>_<group>_<kind>`, with
//! an empty namespace for cluster-scoped objects (`_apps__Namespace`) and an empty group
//! for the core group (`default_web__Service`); a `:` in the name of an RBAC object is
//! written `__`. Parsing follows `ParseObjMetadata`: the namespace ends at the first `_`,
//! kind and group are the last two fields, `__` in the name is read back as `:`.

use std::collections::HashSet;

use crate::api::kustomize::{ResourceInventory, ResourceRef};
use crate::{Object, ObjectId};

use super::changeset::ChangeSet;
use super::order;

/// Why an inventory could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InventoryError {
    /// An entry id does not have four `_`-separated fields.
    #[error(
        "unable to parse stored object metadata: '{0}' (expected '<namespace>_<name>_<group>_<kind>')"
    )]
    InvalidId(String),
}

/// An object known by identity and version only: an inventory entry, a stale object to
/// prune, a health-check target.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    /// Group, kind, namespace and name.
    pub id: ObjectId,
    /// Version without group (`v1`).
    pub version: String,
}

impl ObjectRef {
    /// A reference from its parts.
    pub fn new(id: ObjectId, version: impl Into<String>) -> Self {
        ObjectRef {
            id,
            version: version.into(),
        }
    }

    /// The reference of an object.
    pub fn of(object: &Object) -> Self {
        ObjectRef {
            id: object.id(),
            version: object.version().to_string(),
        }
    }

    /// `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.id.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.id.group, self.version)
        }
    }

    /// The inventory entry of this reference.
    pub fn to_entry(&self) -> ResourceRef {
        ResourceRef {
            id: format_id(&self.id),
            version: self.version.clone(),
        }
    }
}

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

fn is_rbac(id: &ObjectId) -> bool {
    id.group == RBAC_GROUP
        && matches!(
            id.kind.as_str(),
            "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding"
        )
}

/// The inventory id of an object: `<namespace>_<name>_<group>_<kind>`.
pub fn format_id(id: &ObjectId) -> String {
    let name = if is_rbac(id) {
        id.name.replace(':', "__")
    } else {
        id.name.clone()
    };
    format!("{}_{}_{}_{}", id.namespace, name, id.group, id.kind)
}

/// Parses an inventory id the way cli-utils' `ParseObjMetadata` does.
pub fn parse_id(s: &str) -> Result<ObjectId, InventoryError> {
    let err = || InventoryError::InvalidId(s.to_string());
    let (namespace, rest) = s.split_once('_').ok_or_else(err)?;
    let (rest, kind) = rest.rsplit_once('_').ok_or_else(err)?;
    let (name, group) = rest.rsplit_once('_').ok_or_else(err)?;
    Ok(ObjectId::new(
        group,
        kind,
        namespace,
        name.replace("__", ":"),
    ))
}

/// Parses one inventory entry.
pub fn parse_entry(entry: &ResourceRef) -> Result<ObjectRef, InventoryError> {
    Ok(ObjectRef {
        id: parse_id(&entry.id)?,
        version: entry.version.clone(),
    })
}

/// The inventory of a set of objects, in their order.
pub fn from_objects(objects: &[Object]) -> ResourceInventory {
    ResourceInventory {
        entries: objects
            .iter()
            .map(|o| ObjectRef::of(o).to_entry())
            .collect(),
    }
}

/// The inventory of a change set (kustomize-controller's `AddChangeSet`: every entry,
/// skipped ones included, so that skipped objects are never pruned).
pub fn from_change_set(set: &ChangeSet) -> ResourceInventory {
    ResourceInventory {
        entries: set
            .entries
            .iter()
            .map(|e| ResourceRef {
                id: e.inventory_id(),
                version: e.version.clone(),
            })
            .collect(),
    }
}

/// The entries as references, in Flux's apply order.
pub fn list(inventory: &ResourceInventory) -> Result<Vec<ObjectRef>, InventoryError> {
    let mut refs = inventory
        .entries
        .iter()
        .map(parse_entry)
        .collect::<Result<Vec<_>, _>>()?;
    refs.sort_by(|a, b| order::compare_ids(&a.id, &b.id));
    Ok(refs)
}

/// The stale objects: entries of `old` whose object is not in `new`, in Flux's apply order
/// (prune deletes them in reverse). Versions come from `old`.
pub fn diff(
    old: &ResourceInventory,
    new: &ResourceInventory,
) -> Result<Vec<ObjectRef>, InventoryError> {
    let keep: HashSet<ObjectId> = new
        .entries
        .iter()
        .map(|e| parse_id(&e.id))
        .collect::<Result<_, _>>()?;
    let mut stale = Vec::new();
    let mut seen = HashSet::new();
    for entry in &old.entries {
        let r = parse_entry(entry)?;
        if !keep.contains(&r.id) && seen.insert(r.id.clone()) {
            stale.push(r);
        }
    }
    stale.sort_by(|a, b| order::compare_ids(&a.id, &b.id));
    Ok(stale)
}

/// Adds `refs` that are not yet in `inventory` (kustomize-controller's `Merge`, used to
/// keep tracking objects whose deletion failed).
pub fn merge(inventory: &mut ResourceInventory, refs: &[ObjectRef]) {
    let mut seen: HashSet<String> = inventory.entries.iter().map(|e| e.id.clone()).collect();
    for r in refs {
        let entry = r.to_entry();
        if seen.insert(entry.id.clone()) {
            inventory.entries.push(entry);
        }
    }
}

/// The stale objects whose deletion was not confirmed (neither `deleted` nor `skipped`
/// in the prune's change set): kustomize-controller merges them back into the inventory
/// so the next reconciliation retries them.
pub fn unsettled(stale: &[ObjectRef], prune: &ChangeSet) -> Vec<ObjectRef> {
    use super::changeset::Action;
    stale
        .iter()
        .filter(|r| {
            !prune
                .entries
                .iter()
                .any(|e| e.id == r.id && matches!(e.action, Action::Deleted | Action::Skipped))
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        let cases = [
            (
                ObjectId::new("apps", "Deployment", "default", "podinfo"),
                "default_podinfo_apps_Deployment",
            ),
            (
                ObjectId::new("", "Namespace", "", "apps"),
                "_apps__Namespace",
            ),
            (
                ObjectId::new("", "Service", "default", "web"),
                "default_web__Service",
            ),
            (
                ObjectId::new(
                    "rbac.authorization.k8s.io",
                    "ClusterRole",
                    "",
                    "system:admin",
                ),
                "_system__admin_rbac.authorization.k8s.io_ClusterRole",
            ),
        ];
        for (id, text) in cases {
            assert_eq!(format_id(&id), text);
            assert_eq!(parse_id(text).expect("parses"), id);
        }
        assert!(parse_id("nounderscore").is_err());
        assert!(parse_id("a_b").is_err());
    }
}
