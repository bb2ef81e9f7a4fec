//! The result of an apply or prune: one [`ChangeSetEntry`] per object, printed as Flux
//! prints them (`Deployment/default/podinfo configured`), the common currency for logs,
//! events, inventories and the CLI (`fluxcd/pkg: ssa/changeset.go`).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::inventory;
use crate::ObjectId;

/// What the engine did to one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The object did not exist and was created.
    Created,
    /// The object existed and was changed.
    Configured,
    /// The object existed and matched the desired state: nothing was written.
    Unchanged,
    /// The object was deleted (or was already gone).
    Deleted,
    /// The object was left alone (annotations, missing owner labels).
    Skipped,
    /// The outcome is unknown (the request failed).
    Unknown,
}

impl Action {
    /// The lowercase word Flux prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Configured => "configured",
            Action::Unchanged => "unchanged",
            Action::Deleted => "deleted",
            Action::Skipped => "skipped",
            Action::Unknown => "unknown",
        }
    }

    /// Whether the action changed the cluster (kustomize-controller's `HasChanged`:
    /// everything but `skipped` and `unchanged`).
    pub fn has_changed(self) -> bool {
        !matches!(self, Action::Skipped | Action::Unchanged)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome for one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeSetEntry {
    /// The object's identity.
    pub id: ObjectId,
    /// The version part of the object's `apiVersion` (the inventory's `v`).
    pub version: String,
    /// `Kind/namespace/name` (`Kind/name` when cluster-scoped).
    pub subject: String,
    /// What was done.
    pub action: Action,
}

impl ChangeSetEntry {
    /// An entry for `id` at `version`.
    pub fn new(id: ObjectId, version: impl Into<String>, action: Action) -> Self {
        let subject = id.to_string();
        ChangeSetEntry {
            id,
            version: version.into(),
            subject,
            action,
        }
    }

    /// The Flux inventory id of the object.
    pub fn inventory_id(&self) -> String {
        inventory::format_id(&self.id)
    }
}

impl fmt::Display for ChangeSetEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.subject, self.action)
    }
}

/// The entries of an apply or prune, in the order they were processed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// One entry per object.
    pub entries: Vec<ChangeSetEntry>,
}

impl ChangeSet {
    /// An empty change set.
    pub fn new() -> Self {
        ChangeSet::default()
    }

    /// Appends one entry.
    pub fn add(&mut self, entry: ChangeSetEntry) {
        self.entries.push(entry);
    }

    /// Appends all entries of `other`.
    pub fn append(&mut self, other: ChangeSet) {
        self.entries.extend(other.entries);
    }

    /// Whether the set has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether any entry changed the cluster (created, configured, deleted, unknown).
    pub fn has_changes(&self) -> bool {
        self.entries.iter().any(|e| e.action.has_changed())
    }

    /// The lines of the entries that changed the cluster: the message of
    /// kustomize-controller's apply and prune events (empty when nothing changed).
    pub fn changes_log(&self) -> String {
        let lines: Vec<String> = self
            .entries
            .iter()
            .filter(|e| e.action.has_changed())
            .map(ToString::to_string)
            .collect();
        lines.join("\n")
    }

    /// Subject → action (Flux's `ToMap`, logged after an apply).
    pub fn to_map(&self) -> BTreeMap<String, Action> {
        self.entries
            .iter()
            .map(|e| (e.subject.clone(), e.action))
            .collect()
    }

    /// Action → subjects (Flux's `ToGroupedMap`).
    pub fn to_grouped_map(&self) -> BTreeMap<Action, Vec<String>> {
        let mut map: BTreeMap<Action, Vec<String>> = BTreeMap::new();
        for e in &self.entries {
            map.entry(e.action).or_default().push(e.subject.clone());
        }
        map
    }

    /// How many entries have each action.
    pub fn summary(&self) -> BTreeMap<Action, usize> {
        let mut map = BTreeMap::new();
        for e in &self.entries {
            *map.entry(e.action).or_insert(0) += 1;
        }
        map
    }

    /// The entry of `id`, if any.
    pub fn get(&self, id: &ObjectId) -> Option<&ChangeSetEntry> {
        self.entries.iter().find(|e| &e.id == id)
    }
}

impl fmt::Display for ChangeSet {
    /// One `Kind/ns/name action` line per entry, no trailing newline (Flux's `String()`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl FromIterator<ChangeSetEntry> for ChangeSet {
    fn from_iter<I: IntoIterator<Item = ChangeSetEntry>>(iter: I) -> Self {
        ChangeSet {
            entries: iter.into_iter().collect(),
        }
    }
}
