//! Prune (`fluxcd/pkg: ssa/manager_delete.go` `DeleteAll`).

use serde_json::Value;

use super::{ApplyFailure, ManagerError, ResourceManager, message};
use crate::ObjectId;
use crate::ssa::changeset::{Action, ChangeSet, ChangeSetEntry};
use crate::ssa::inventory::ObjectRef;
use crate::ssa::order;
use crate::ssa::policy::DeleteOptions;

impl ResourceManager {
    /// Deletes the stale objects in reverse apply order. Each live object is read first:
    /// gone → `deleted`; without every owner label of `opts.inclusions`, or matching
    /// `opts.exclusions` → `skipped`; else deleted with `opts.propagation_policy`. A kind
    /// the server no longer serves counts as deleted. Failures are collected (entries
    /// `unknown`) and returned together after all objects were tried.
    pub async fn delete_all(
        &self,
        stale: &[ObjectRef],
        opts: &DeleteOptions,
    ) -> Result<ChangeSet, ApplyFailure> {
        let mut refs = stale.to_vec();
        refs.sort_by(|a, b| order::compare_ids(&b.id, &a.id));
        let mut changes = ChangeSet::new();
        let mut errors = Vec::new();
        for r in &refs {
            let (action, error) = self.delete_one(r, opts).await;
            changes.add(ChangeSetEntry::new(r.id.clone(), r.version.clone(), action));
            if let Some(e) = error {
                errors.push(e);
            }
        }
        if errors.is_empty() {
            Ok(changes)
        } else {
            Err(ApplyFailure {
                changes,
                error: ManagerError::Delete { errors },
            })
        }
    }

    async fn delete_one(&self, r: &ObjectRef, opts: &DeleteOptions) -> (Action, Option<String>) {
        let subject = r.id.to_string();
        let target = match self.target_of(&r.id, &r.version, &r.api_version()).await {
            Ok(t) => t,
            Err(ManagerError::UnknownKind { .. }) => return (Action::Deleted, None),
            Err(e) => return (Action::Unknown, Some(e.to_string())),
        };
        let ObjectId {
            namespace, name, ..
        } = &r.id;
        let live = match self.get(&target, namespace, name).await {
            Ok(None) => return (Action::Deleted, None),
            Ok(Some(live)) => live,
            Err(e) => {
                return (
                    Action::Unknown,
                    Some(format!("{subject} query failed: {}", message(&e))),
                );
            }
        };
        if !may_delete(&live, opts) {
            return (Action::Skipped, None);
        }
        match self
            .delete(&target, namespace, name, &opts.propagation_policy)
            .await
        {
            Ok(()) => (Action::Deleted, None),
            Err(e) => (
                Action::Unknown,
                Some(format!("{subject} delete failed: {}", message(&e))),
            ),
        }
    }
}

fn may_delete(live: &Value, opts: &DeleteOptions) -> bool {
    opts.may_delete(live)
}
