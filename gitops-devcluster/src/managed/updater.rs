//! Field ownership bookkeeping for updates and applies (structured-merge-diff's
//! `Updater`): who owns which fields after a write, which writes conflict, and which
//! fields an applier's new configuration stops setting.
//!
//! - An **update** (create, replace, patch) gives its manager every field it added or
//!   changed; fields it removed leave every owner.
//! - An **apply** merges the configuration into the live object, makes the manager own
//!   exactly the configuration's fields, fails with [`Conflicts`] when it changes a field
//!   another manager owns (unless forced, which takes the field away from that manager),
//!   and removes fields the manager applied last time and no longer applies, unless
//!   another manager still owns them.

use std::collections::BTreeMap;

use serde_json::Value;

use super::ManagedError;
use super::fieldpath::{Path, Set, path_string};
use super::typed::{Comparison, Typed};

/// The fields one manager owns and the API version it wrote them in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionedSet {
    /// The owned fields.
    pub set: Set,
    /// The apiVersion the manager used.
    pub api_version: String,
    /// Whether the fields were applied (server-side apply) rather than updated.
    pub applied: bool,
}

/// Managers by identifier (see [`super::entries`]).
pub type Managers = BTreeMap<String, VersionedSet>;

/// One conflicting field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The manager identifier owning the field.
    pub manager: String,
    /// The field.
    pub path: Path,
}

/// Conflicts of an apply, in manager then path order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflicts(pub Vec<Conflict>);

impl Conflicts {
    fn from_managers(conflicts: &Managers) -> Self {
        let mut out = Vec::new();
        for (manager, vs) in conflicts {
            for path in vs.set.paths() {
                out.push(Conflict {
                    manager: manager.clone(),
                    path,
                });
            }
        }
        Conflicts(out)
    }

    /// The conflicts whose paths are not in `allowed`.
    pub fn without(&self, allowed: &Set) -> Conflicts {
        Conflicts(
            self.0
                .iter()
                .filter(|c| !allowed.has(&c.path))
                .cloned()
                .collect(),
        )
    }

    /// The conflicting paths as a set.
    pub fn to_set(&self) -> Set {
        let mut s = Set::new();
        for c in &self.0 {
            s.insert(&c.path);
        }
        s
    }

    /// The API server's message: `Apply failed with 1 conflict: conflict with "m": .a.b`, or
    /// per manager (sorted) `conflicts with "m":` and `- .a.b` lines.
    pub fn message(&self, describe: impl Fn(&str) -> String) -> String {
        if let [c] = self.0.as_slice() {
            return format!(
                "Apply failed with 1 conflict: conflict with {}: {}",
                describe(&c.manager),
                path_string(&c.path)
            );
        }
        let mut by_manager: BTreeMap<&str, Vec<&Path>> = BTreeMap::new();
        for c in &self.0 {
            by_manager.entry(&c.manager).or_default().push(&c.path);
        }
        let mut lines = Vec::new();
        for (m, paths) in by_manager {
            lines.push(format!("conflicts with {}:", describe(m)));
            lines.extend(paths.into_iter().map(|p| format!("- {}", path_string(p))));
        }
        format!(
            "Apply failed with {} conflicts: {}",
            self.0.len(),
            lines.join("\n")
        )
    }
}

/// Computes ownership changes for writes of one kind.
pub struct Updater<'t> {
    /// The kind's type.
    pub typed: Typed<'t>,
    /// Removes fields no manager may own on this endpoint (`status` on the main resource
    /// of a kind with a status subresource, everything but `status` on `/status`).
    pub ignore: &'t dyn Fn(Set) -> Set,
}

impl Updater<'_> {
    /// Shared step of updates and applies: takes changed fields away from other managers
    /// (conflicts unless `force`), drops removed fields from every manager.
    fn update_managers(
        &self,
        old: &Value,
        new: &Value,
        managers: &mut Managers,
        workflow: &str,
        force: bool,
    ) -> Result<Comparison, ManagedError> {
        let mut compare = self.typed.compare(Some(old), Some(new))?;
        compare.added = (self.ignore)(compare.added);
        compare.modified = (self.ignore)(compare.modified);
        compare.removed = (self.ignore)(compare.removed);
        let changed = compare.modified.union(&compare.added);
        let mut conflicts = Managers::new();
        for (manager, vs) in managers.iter() {
            if manager == workflow {
                continue;
            }
            let c = vs.set.intersection(&changed);
            if !c.is_empty() {
                conflicts.insert(
                    manager.clone(),
                    VersionedSet {
                        set: c,
                        ..vs.clone()
                    },
                );
            }
        }
        if !force && !conflicts.is_empty() {
            return Err(ManagedError::Conflicts(Conflicts::from_managers(
                &conflicts,
            )));
        }
        for (manager, c) in &conflicts {
            if let Some(vs) = managers.get_mut(manager) {
                vs.set = vs.set.difference(&c.set);
            }
        }
        if !compare.removed.is_empty() {
            for (manager, vs) in managers.iter_mut() {
                if manager != workflow {
                    vs.set = vs.set.difference(&compare.removed);
                }
            }
        }
        managers.retain(|_, vs| !vs.set.is_empty());
        Ok(compare)
    }

    /// An update by `manager` from `old` to `new`: the manager gains what it added or
    /// changed. Never conflicts. Returns whether the manager gained any field (its entry's
    /// time then changes).
    pub fn update(
        &self,
        old: &Value,
        new: &Value,
        api_version: &str,
        managers: &mut Managers,
        manager: &str,
    ) -> Result<bool, ManagedError> {
        let compare = self.update_managers(old, new, managers, manager, true)?;
        let gained = compare.modified.union(&compare.added);
        let prev = managers
            .remove(manager)
            .map(|vs| vs.set)
            .unwrap_or_default();
        let set = (self.ignore)(prev.difference(&compare.removed).union(&gained));
        if !set.is_empty() {
            managers.insert(
                manager.to_string(),
                VersionedSet {
                    set,
                    api_version: api_version.to_string(),
                    applied: false,
                },
            );
        }
        Ok(!gained.is_empty())
    }

    /// An apply of `config` by `manager` over `live`: the new object, with `managers`
    /// updated. Fails with [`ManagedError::Conflicts`] unless `force`.
    pub fn apply(
        &self,
        live: &Value,
        config: &Value,
        api_version: &str,
        managers: &mut Managers,
        manager: &str,
        force: bool,
    ) -> Result<Value, ManagedError> {
        let merged = self.typed.merge(live, config)?;
        let last = managers.get(manager).map(|vs| vs.set.clone());
        let set = (self.ignore)(self.typed.to_set(config)?);
        managers.insert(
            manager.to_string(),
            VersionedSet {
                set,
                api_version: api_version.to_string(),
                applied: true,
            },
        );
        let new = match last.filter(|l| !l.is_empty()) {
            Some(last) => self.prune(&merged, managers, &last)?,
            None => merged,
        };
        let mut trial = managers.clone();
        self.update_managers(live, &new, &mut trial, manager, force)?;
        *managers = trial;
        Ok(new)
    }

    /// Removes the fields `last` (the manager's previous applied set) had and nobody owns
    /// any more (structured-merge-diff `prune`, `addBackOwnedItems`,
    /// `addBackDanglingItems`).
    fn prune(
        &self,
        merged: &Value,
        managers: &Managers,
        last: &Set,
    ) -> Result<Value, ManagedError> {
        let t = &self.typed;
        let last = t.with_named_fields(last);
        let pruned = t.remove(merged, &last);
        let mut owned = Set::new();
        for vs in managers.values() {
            owned.union_with(&vs.set);
        }
        let merged_set = t.with_named_fields(&t.to_set(merged)?);
        let pruned_set = t.with_named_fields(&t.to_set(&pruned)?);
        let owned = t.with_named_fields(&owned);
        let pruned = t.remove(merged, &merged_set.difference(&pruned_set.union(&owned)));
        let pruned_set = t.with_named_fields(&t.to_set(&pruned)?);
        Ok(t.remove(
            merged,
            &merged_set.difference(&pruned_set).intersection(&last),
        ))
    }
}
