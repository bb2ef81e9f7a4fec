//! Server-side apply and `metadata.managedFields`, as the API server's field manager does
//! them (the semantics of sigs.k8s.io/structured-merge-diff, written anew here).
//!
//! - [`fieldpath`]: field paths, sets of them, and the `FieldsV1` form.
//! - [`typed`]: field sets, merge, comparison and removal over an object's type
//!   ([`crate::typeschema`]).
//! - [`updater`]: ownership after updates and applies; conflicts; pruning of fields an
//!   applier stopped sending.
//! - [`entries`]: `managedFields` entries, manager identifiers, sorting, the cap of ten
//!   update managers.
//!
//! The entry points are [`track_update`] (every create, update and patch) and [`apply`]
//! (`PATCH` with `application/apply-patch+yaml`). Both work on objects without
//! `managedFields` and write the new entries into the result.
//!
//! Two kubectl upgrade paths are kept: an apply by the manager `kubectl` that conflicts
//! only on fields listed in the `kubectl.kubernetes.io/last-applied-configuration`
//! annotation goes through (client-side to server-side apply), and such an apply keeps
//! that annotation in step with what it applied.

pub mod entries;
pub mod fieldpath;
pub mod typed;
pub mod updater;

use serde_json::{Map, Value};

pub use fieldpath::{PathElement, Set};
pub use typed::Typed;
pub use updater::{Conflicts, Managers, Updater, VersionedSet};

use crate::status::{Reason, Status, StatusCause, StatusDetails};

/// The annotation of client-side apply.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Errors of field management.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManagedError {
    /// A `managedFields` entry or `FieldsV1` document is malformed.
    #[error("invalid managedFields: {0}")]
    FieldsV1(String),
    /// The object does not fit its type (e.g. a list item without its key field).
    #[error("{0}")]
    Typed(String),
    /// An apply changes fields other managers own.
    #[error("apply conflicts")]
    Conflicts(Conflicts),
}

impl ManagedError {
    /// The API server's answer: 409 Conflict with `FieldManagerConflict` causes, or 500
    /// for objects the typed merge cannot handle.
    pub fn to_status(&self, what: &str) -> Status {
        match self {
            ManagedError::Conflicts(c) => {
                let causes =
                    c.0.iter()
                        .map(|x| StatusCause {
                            reason: "FieldManagerConflict".into(),
                            message: format!("conflict with {}", entries::describe(&x.manager)),
                            field: fieldpath::path_string(&x.path),
                        })
                        .collect();
                Status {
                    code: 409,
                    reason: Reason::Conflict,
                    message: c.message(entries::describe),
                    details: Some(StatusDetails {
                        causes,
                        ..Default::default()
                    }),
                }
            }
            ManagedError::Typed(m) => Status {
                code: 500,
                reason: Reason::Unknown,
                message: format!("failed to create typed patch object ({what}): {m}"),
                details: None,
            },
            ManagedError::FieldsV1(m) => Status::bad_request(format!("invalid managedFields: {m}")),
        }
    }
}

/// Which endpoint a write came through; it decides which fields can be owned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// The object itself; `status_subresource`: the kind has a `/status` subresource, so
    /// `status` is not owned here.
    Main {
        /// Whether the kind has a status subresource.
        status_subresource: bool,
    },
    /// The `/status` subresource: only `status` is owned.
    Status,
    /// The `/scale` subresource (the replicas of the parent object).
    Scale,
}

impl Endpoint {
    fn subresource(self) -> &'static str {
        match self {
            Endpoint::Main { .. } => "",
            Endpoint::Status => "status",
            Endpoint::Scale => "scale",
        }
    }

    fn filter(self, set: Set) -> Set {
        let status = PathElement::Field("status".into());
        match self {
            Endpoint::Main {
                status_subresource: false,
            } => set,
            Endpoint::Main {
                status_subresource: true,
            }
            | Endpoint::Scale => {
                let mut s = set;
                s.members.remove(&status);
                s.children.remove(&status);
                s
            }
            Endpoint::Status => {
                let mut s = Set::new();
                if set.members.contains(&status) {
                    s.members.insert(status.clone());
                }
                if let Some(c) = set.children.get(&status) {
                    s.children.insert(status, c.clone());
                }
                s
            }
        }
    }
}

/// Everything a write needs besides the objects.
pub struct Context<'t> {
    /// The kind's type.
    pub typed: Typed<'t>,
    /// Where the write came in.
    pub endpoint: Endpoint,
    /// The object's apiVersion.
    pub api_version: &'t str,
    /// The time stamped on changed entries (RFC 3339).
    pub now: String,
}

fn without_managed_fields(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    v
}

/// Strips the server-owned fields from every manager (dropping managers left empty) and
/// writes the entries into `obj`.
fn set_managed_fields(obj: &mut Value, managers: &mut Managers, times: &mut entries::Times) {
    for vs in managers.values_mut() {
        vs.set = entries::strip_meta(std::mem::take(&mut vs.set));
    }
    managers.retain(|_, vs| !vs.set.is_empty());
    times.retain(|k, _| managers.contains_key(k));
    entries::cap_updaters(managers, times);
    let Some(root) = obj.as_object_mut() else {
        return;
    };
    let meta = root
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(m) = meta.as_object_mut() {
        if managers.is_empty() {
            m.remove("managedFields");
        } else {
            m.insert("managedFields".into(), entries::encode(managers, times));
        }
    }
}

/// The managers an update starts from: the request's own `managedFields` when it sets
/// them (a reset when `[]`), else the live object's (subresources always use the live
/// object's).
fn managers_for_update(
    ctx: &Context<'_>,
    live: Option<&Value>,
    new: &Value,
) -> (Managers, entries::Times) {
    let from_live = || {
        live.and_then(|l| entries::decode(l).ok())
            .unwrap_or_default()
    };
    if ctx.endpoint == Endpoint::Status {
        return from_live();
    }
    let requested = new.pointer("/metadata/managedFields");
    if entries::is_reset(requested) {
        return Default::default();
    }
    match entries::decode(new) {
        Ok((m, t)) if !m.is_empty() => (m, t),
        _ => from_live(),
    }
}

/// Records an update (create, replace, patch) by `manager` in `new`'s `managedFields`.
pub fn track_update(
    ctx: &Context<'_>,
    live: Option<&Value>,
    new: &mut Value,
    manager: &str,
) -> Result<(), ManagedError> {
    let (mut managers, mut times) = managers_for_update(ctx, live, new);
    let old = live
        .map(without_managed_fields)
        .unwrap_or_else(|| Value::Object(Map::new()));
    let stripped = without_managed_fields(new);
    let id = entries::identifier(
        manager,
        "Update",
        ctx.api_version,
        ctx.endpoint.subresource(),
    );
    let ignore = |s: Set| ctx.endpoint.filter(s);
    let updater = Updater {
        typed: ctx.typed,
        ignore: &ignore,
    };
    if updater.update(&old, &stripped, ctx.api_version, &mut managers, &id)? {
        times.insert(id, ctx.now.clone());
    }
    set_managed_fields(new, &mut managers, &mut times);
    Ok(())
}

/// A server-side apply of `config` by `manager` over `live` (`None`: the object is
/// created). Returns the new object with its `managedFields`.
pub fn apply(
    ctx: &Context<'_>,
    live: Option<&Value>,
    config: &Value,
    manager: &str,
    force: bool,
) -> Result<Value, ManagedError> {
    let (managers, mut times) = live
        .and_then(|l| entries::decode(l).ok())
        .unwrap_or_default();
    let old = live
        .map(without_managed_fields)
        .unwrap_or_else(|| Value::Object(Map::new()));
    let config = without_managed_fields(config);
    let id = entries::identifier(
        manager,
        "Apply",
        ctx.api_version,
        ctx.endpoint.subresource(),
    );
    let ignore = |s: Set| ctx.endpoint.filter(s);
    let updater = Updater {
        typed: ctx.typed,
        ignore: &ignore,
    };
    let mut result = managers.clone();
    let mut new = match updater.apply(&old, &config, ctx.api_version, &mut result, &id, force) {
        Err(ManagedError::Conflicts(c)) if manager == "kubectl" => {
            let allowed = last_applied_set(ctx, live);
            let rest = c.without(&allowed);
            if !rest.0.is_empty() || allowed.is_empty() {
                return Err(ManagedError::Conflicts(rest));
            }
            result = managers.clone();
            updater.apply(&old, &config, ctx.api_version, &mut result, &id, true)?
        }
        other => other?,
    };
    // lastAppliedUpdater looks at the applied result, not the live object: an annotation
    // the configuration brings (or the apply removed) decides.
    if manager == "kubectl"
        && new
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(LAST_APPLIED))
            .is_some()
    {
        sync_last_applied(&mut new, &config);
    }
    if new != old || !times.contains_key(&id) {
        times.insert(id, ctx.now.clone());
    }
    set_managed_fields(&mut new, &mut result, &mut times);
    Ok(new)
}

/// The fields the client-side apply annotation lists (empty when absent or unreadable).
fn last_applied_set(ctx: &Context<'_>, live: Option<&Value>) -> Set {
    let text = live
        .and_then(|l| l.pointer("/metadata/annotations"))
        .and_then(|a| a.get(LAST_APPLIED))
        .and_then(Value::as_str);
    text.and_then(|t| serde_json::from_str::<Value>(t).ok())
        .and_then(|v| ctx.typed.to_set(&v).ok())
        .map(|s| ctx.endpoint.filter(s))
        .unwrap_or_default()
}

/// Writes `config` (without the annotation itself) into the last-applied annotation.
fn sync_last_applied(obj: &mut Value, config: &Value) {
    let mut cfg = config.clone();
    if let Some(a) = cfg
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        a.remove(LAST_APPLIED);
    }
    let text = cfg.to_string();
    if let Some(a) = obj
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        a.insert(LAST_APPLIED.into(), Value::String(text));
    }
}

#[cfg(test)]
mod tests;
