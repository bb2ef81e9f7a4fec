//! Staged apply (`fluxcd/pkg: ssa/manager_apply.go` `ApplyAll`, `ApplyAllStaged`).

use std::time::Instant;

use futures_util::{StreamExt as _, TryStreamExt as _};
use serde_json::Value;

use super::{
    ApplyFailure, ManagerError, ResourceManager, Target, dry_run_error, is_immutable, message,
    status,
};
use crate::Object;
use crate::ssa::changeset::{Action, ChangeSet, ChangeSetEntry};
use crate::ssa::ignore;
use crate::ssa::order;
use crate::ssa::plan::{self, PlannedAction};
use crate::ssa::policy::ApplyOptions;
use tokio::time::sleep;

/// The outcome of the dry-run phase for one object.
struct Checked {
    entry: ChangeSetEntry,
    apply: Option<(Target, Object)>,
}

/// The entry of a server response (falling back to the desired object); cluster-scoped
/// objects never carry a namespace in their entry.
fn entry_of(value: &Value, fallback: &Object, namespaced: bool, action: Action) -> ChangeSetEntry {
    let (mut id, version) = match Object::from_value(value.clone()) {
        Ok(o) if !o.kind().is_empty() && !o.name().is_empty() => (o.id(), o.version().to_string()),
        _ => (fallback.id(), fallback.version().to_string()),
    };
    if !namespaced {
        id.namespace.clear();
    }
    ChangeSetEntry::new(id, version, action)
}

impl ResourceManager {
    /// Applies `objects` in stages: definitions (then waited on), classes (then waited
    /// on), custom stage kinds, the rest. On failure the entries of the completed stages
    /// come back with the error.
    pub async fn apply_all_staged(
        &self,
        objects: &[Object],
        opts: &ApplyOptions,
    ) -> Result<ChangeSet, ApplyFailure> {
        let mut changes = ChangeSet::new();
        for (stage, list) in order::staged(objects, &opts.custom_stage_kinds) {
            let cs = match self.apply_all(&list, opts).await {
                Ok(cs) => cs,
                Err(error) => return Err(ApplyFailure { changes, error }),
            };
            changes.append(cs.clone());
            if stage.waits()
                && let Err(error) = self.wait_ready(&cs, opts).await
            {
                return Err(ApplyFailure { changes, error });
            }
        }
        Ok(changes)
    }

    /// Dry-runs every object (sorted in apply order; up to
    /// [`ResourceManager::with_concurrency`] at a time), then applies those that are new or
    /// drifted (or whose metadata was cleaned), in order. Nothing is applied when a
    /// dry-run fails.
    pub async fn apply_all(
        &self,
        objects: &[Object],
        opts: &ApplyOptions,
    ) -> Result<ChangeSet, ManagerError> {
        let mut sorted = objects.to_vec();
        order::sort_objects(&mut sorted);
        let checked: Vec<Checked> = futures_util::stream::iter(sorted)
            .map(|object| self.check(object, opts))
            .buffered(self.concurrency)
            .try_collect()
            .await?;
        let mut changes = ChangeSet::new();
        for c in checked {
            if let Some((target, object)) = &c.apply {
                self.apply_patch(target, object, false)
                    .await
                    .map_err(|e| ManagerError::Apply {
                        subject: object.id().to_string(),
                        message: message(&e),
                    })?;
            }
            changes.add(c.entry);
        }
        Ok(changes)
    }

    /// Applies one object (dry-run, compare, apply if needed).
    pub async fn apply(
        &self,
        object: &Object,
        opts: &ApplyOptions,
    ) -> Result<ChangeSetEntry, ManagerError> {
        let cs = self.apply_all(std::slice::from_ref(object), opts).await?;
        cs.entries
            .into_iter()
            .next()
            .ok_or_else(|| ManagerError::Apply {
                subject: object.id().to_string(),
                message: "no result".into(),
            })
    }

    async fn check(&self, object: Object, opts: &ApplyOptions) -> Result<Checked, ManagerError> {
        let id = object.id();
        let subject = id.to_string();
        let target = self
            .target_of(&id, object.version(), object.api_version())
            .await?;
        Self::require_namespace(&target, &object)?;
        let mut live = match self.get(&target, object.namespace(), object.name()).await {
            Ok(live) => live,
            // As Flux: an account that may apply but not read (RBAC) goes on to the
            // dry-run, whose error (if any) is the one reported.
            Err(e) if status(&e).is_some_and(|s| s.code == 403) => None,
            Err(e) => {
                return Err(ManagerError::Query {
                    subject: subject.clone(),
                    message: message(&e),
                });
            }
        };
        let live_obj = live.clone().and_then(|v| Object::from_value(v).ok());
        let planned = plan::plan_object(object, live_obj.as_ref(), opts, &self.owner.field_manager)
            .map_err(|e| ManagerError::Cleanup {
                subject: subject.clone(),
                message: e.to_string(),
            })?;
        let object = planned.object;
        if planned.action == PlannedAction::Skip {
            let entry = match &live {
                Some(l) => entry_of(l, &object, target.namespaced, Action::Skipped),
                None => entry_of(&Value::Null, &object, target.namespaced, Action::Skipped),
            };
            return Ok(Checked { entry, apply: None });
        }
        let dry = match self.apply_patch(&target, &object, true).await {
            Ok(v) => v,
            Err(e) if live.is_some() && planned.recreate_on_immutable && is_immutable(&e) => {
                self.recreate(&target, &object, opts).await?;
                live = None;
                self.apply_patch(&target, &object, true)
                    .await
                    .map_err(|e| dry_run_error(&object, &e))?
            }
            Err(e) => return Err(dry_run_error(&object, &e)),
        };
        let mut patched = false;
        if let (Some(cleanup), Some(_)) = (&planned.cleanup, &live) {
            let cleaned = self
                .merge_patch(
                    &target,
                    object.namespace(),
                    object.name(),
                    &cleanup.to_merge_patch(),
                )
                .await
                .map_err(|e| ManagerError::Cleanup {
                    subject: subject.clone(),
                    message: message(&e),
                })?;
            live = Some(cleaned);
            patched = true;
        }
        let rules = &opts.drift_ignore_rules;
        let drifted = match &live {
            Some(l) => rules.has_drifted(l, &dry),
            None => true,
        };
        if !patched && !drifted {
            return Ok(Checked {
                entry: entry_of(&dry, &object, target.namespaced, Action::Unchanged),
                apply: None,
            });
        }
        let created = dry
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty);
        let entry = entry_of(
            &dry,
            &object,
            target.namespaced,
            if created {
                Action::Created
            } else {
                Action::Configured
            },
        );
        let mut payload = object;
        if let Some(l) = live.as_ref().filter(|_| !created && !rules.is_empty()) {
            let resolutions = rules.drifted_paths(l, &dry, &self.owner.field_manager);
            if !resolutions.is_empty() {
                let mut v = payload.clone().into_value();
                ignore::resolve(&mut v, &resolutions);
                payload = Object::from_value(v).unwrap_or(payload);
            }
        }
        Ok(Checked {
            entry,
            apply: Some((target, payload)),
        })
    }

    /// Deletes the live object (immutable field change with force) and waits until it
    /// is gone.
    async fn recreate(
        &self,
        target: &Target,
        object: &Object,
        opts: &ApplyOptions,
    ) -> Result<(), ManagerError> {
        let subject = object.id().to_string();
        let fail = |m: String| ManagerError::Recreate {
            subject: subject.clone(),
            message: m,
        };
        self.delete(target, object.namespace(), object.name(), "Background")
            .await
            .map_err(|e| fail(message(&e)))?;
        let start = Instant::now();
        loop {
            match self.get(target, object.namespace(), object.name()).await {
                Ok(None) => return Ok(()),
                Ok(Some(_)) if start.elapsed() < opts.wait_timeout => {
                    sleep(
                        opts.wait_interval
                            .min(std::time::Duration::from_millis(500)),
                    )
                    .await
                }
                Ok(Some(_)) => {
                    return Err(fail("timeout waiting for the object to be deleted".into()));
                }
                Err(e) => return Err(fail(message(&e))),
            }
        }
    }

    /// Polls the objects of a change set until each is ready: a CRD `Established`, a
    /// Namespace not `Terminating`, anything else present. Skipped entries are not waited
    /// on (an ignored object may not exist).
    pub async fn wait_ready(
        &self,
        set: &ChangeSet,
        opts: &ApplyOptions,
    ) -> Result<(), ManagerError> {
        let start = Instant::now();
        loop {
            let mut pending = Vec::new();
            for e in set.entries.iter().filter(|e| e.action != Action::Skipped) {
                let api_version = if e.id.group.is_empty() {
                    e.version.clone()
                } else {
                    format!("{}/{}", e.id.group, e.version)
                };
                let target = self.target_of(&e.id, &e.version, &api_version).await?;
                let live = self
                    .get(&target, &e.id.namespace, &e.id.name)
                    .await
                    .map_err(|err| ManagerError::Query {
                        subject: e.subject.clone(),
                        message: message(&err),
                    })?;
                if let Some(state) = not_ready(&e.id.kind, live.as_ref()) {
                    pending.push(format!("{} status: '{state}'", e.subject));
                }
            }
            if pending.is_empty() {
                return Ok(());
            }
            if start.elapsed() >= opts.wait_timeout {
                return Err(ManagerError::WaitTimeout { pending });
            }
            sleep(opts.wait_interval).await;
        }
    }
}

/// `None` when ready, else the kstatus-like state (`NotFound`, `InProgress`, `Terminating`).
fn not_ready(kind: &str, live: Option<&Value>) -> Option<&'static str> {
    let Some(live) = live else {
        return Some("NotFound");
    };
    match kind {
        "CustomResourceDefinition" => {
            let established = live
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .is_some_and(|cs| {
                    cs.iter().any(|c| {
                        c.get("type").and_then(Value::as_str) == Some("Established")
                            && c.get("status").and_then(Value::as_str) == Some("True")
                    })
                });
            (!established).then_some("InProgress")
        }
        "Namespace" => (live.pointer("/status/phase").and_then(Value::as_str)
            == Some("Terminating"))
        .then_some("Terminating"),
        _ => None,
    }
}
