//! Dry-run diff for `gitops diff kustomization` (`fluxcd/pkg: ssa/manager_diff.go`,
//! `fluxcd/flux2: internal/build/diff.go`).

use serde_json::Value;

use super::{ManagerError, ResourceManager, dry_run_error, is_immutable, message};
use crate::Object;
use crate::ssa::changeset::{Action, ChangeSetEntry};
use crate::ssa::policy::ApplyOptions;
use crate::ssa::{drift, ignore};
use crate::yaml;

/// The diff of one object.
#[derive(Clone, Debug, PartialEq)]
pub struct DiffEntry {
    /// `created` (or would be recreated), `configured` (drifted), `unchanged` or `skipped`.
    pub change: ChangeSetEntry,
    /// The live object (`configured` only), `managedFields` removed, Secret data masked.
    pub live: Option<Value>,
    /// The dry-run result (`configured` only), prepared like `live`.
    pub merged: Option<Value>,
}

impl DiffEntry {
    /// The live object as YAML (go-yaml style), for a unified diff.
    pub fn live_yaml(&self) -> Option<String> {
        self.live.as_ref().map(yaml::to_string)
    }

    /// The dry-run result as YAML (go-yaml style), for a unified diff.
    pub fn merged_yaml(&self) -> Option<String> {
        self.merged.as_ref().map(yaml::to_string)
    }
}

/// The diff of a set of objects: one entry per object that could be dry-run, and the
/// errors of the others (the diff goes on past an error, as `flux diff` does).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DiffReport {
    /// Per object, in input order.
    pub entries: Vec<DiffEntry>,
    /// Failures, each naming its object.
    pub errors: Vec<ManagerError>,
}

impl DiffReport {
    /// Whether an object would be created or changed (`flux diff` exit code 1).
    pub fn changed(&self) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(e.change.action, Action::Created | Action::Configured))
    }
}

impl ResourceManager {
    /// Dry-runs each object and compares it with the live one. Objects excluded by
    /// `opts` (or `IfNotPresent` and present) are `skipped`; an immutable-field error
    /// with force counts as `created`.
    pub async fn diff(&self, objects: &[Object], opts: &ApplyOptions) -> DiffReport {
        let mut report = DiffReport::default();
        for object in objects {
            match self.diff_one(object, opts).await {
                Ok(entry) => report.entries.push(entry),
                Err(e) => report.errors.push(e),
            }
        }
        report
    }

    async fn diff_one(
        &self,
        object: &Object,
        opts: &ApplyOptions,
    ) -> Result<DiffEntry, ManagerError> {
        let id = object.id();
        let subject = id.to_string();
        let plain = |action| DiffEntry {
            change: ChangeSetEntry::new(id.clone(), object.version(), action),
            live: None,
            merged: None,
        };
        let target = self
            .target_of(&id, object.version(), object.api_version())
            .await?;
        Self::require_namespace(&target, object)?;
        let live = self
            .get(&target, object.namespace(), object.name())
            .await
            .map_err(|e| ManagerError::Query {
                subject: subject.clone(),
                message: message(&e),
            })?;
        if opts.skips(object.as_value(), live.as_ref()) {
            return Ok(plain(Action::Skipped));
        }
        let mut dry = match self.apply_patch(&target, object, true).await {
            Ok(v) => v,
            Err(e) if is_immutable(&e) && opts.recreates(object.as_value(), live.as_ref()) => {
                return Ok(plain(Action::Created));
            }
            Err(e) => return Err(dry_run_error(object, &e)),
        };
        let Some(mut live) = live else {
            return Ok(plain(Action::Created));
        };
        let rv = dry
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        if rv.is_empty() {
            return Ok(plain(Action::Created));
        }
        let rules = &opts.drift_ignore_rules;
        if !rules.has_drifted(&live, &dry) {
            return Ok(plain(Action::Unchanged));
        }
        let ignored: Vec<String> = rules
            .paths_for(&dry)
            .into_iter()
            .map(String::from)
            .collect();
        let ignored: Vec<&str> = ignored.iter().map(String::as_str).collect();
        ignore::remove_paths(&mut live, &ignored);
        ignore::remove_paths(&mut dry, &ignored);
        drift::prepare_diff_pair(&mut live, &mut dry);
        Ok(DiffEntry {
            change: ChangeSetEntry::new(id, object.version(), Action::Configured),
            live: Some(live),
            merged: Some(dry),
        })
    }
}
