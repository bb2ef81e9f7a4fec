//! The object store: JSON objects keyed by (group, resource, namespace, name), versioned
//! by one global, strictly increasing `resourceVersion`.
//!
//! # Model
//! - Every committed write (create, update, delete, delete-marking) takes the next
//!   revision, stamps it as `metadata.resourceVersion` (a decimal string), appends one
//!   event to the [`EventLog`] and wakes watchers through a `tokio::sync::watch` channel
//!   ([`Store::subscribe`]). Dry runs and no-op updates take no revision.
//! - Each key keeps its recent versions (multi-version, like etcd) for as long as the event
//!   log retains them, so lists at an older revision (`resourceVersionMatch=Exact`, `limit`
//!   with a `resourceVersion`, `continue` tokens) read a consistent snapshot. Revisions at
//!   or below [`Store::compacted_revision`] are gone: such reads fail with 410 Expired.
//! - The store is synchronous and single-threaded; the server wraps it in a mutex and
//!   waits on [`Store::subscribe`] outside the lock.
//!
//! Writes are in `write.rs`, lists in `list.rs`, watches in [`crate::watch`].

mod list;
mod meta;
mod write;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;
use thiserror::Error;

pub(crate) use list::validate_list_options;
pub use list::{ListParams, ListResult};
pub use meta::{rfc3339, system_clock};
pub use write::{DeleteOptions, DeleteOutcome, WriteOptions};

use crate::status::{FieldError, GroupResource, Status};
use crate::watch::{EventLog, EventType};

/// When `metadata.generation` is set and bumped (facts #8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenerationPolicy {
    /// The kind has no generation (ConfigMap, Secret, Service, Namespace, Pod, …).
    None,
    /// 1 on create, +1 when `spec` changes (most workloads, Ingress, CRD).
    Spec,
    /// +1 when `spec` or `metadata.annotations` change (Deployment).
    SpecOrAnnotations,
    /// +1 when anything outside `metadata` changes (custom resources).
    NonMetadata,
}

impl GenerationPolicy {
    /// The policy of a built-in resource (facts #8, KK registry strategies; partly from
    /// memory): Deployment bumps on spec or annotations; ReplicaSet, StatefulSet,
    /// DaemonSet, Job, CronJob, Ingress, NetworkPolicy, PodDisruptionBudget, HPA and CRD on
    /// spec; everything else has no generation. Custom resources use [`Self::NonMetadata`].
    pub fn for_builtin(group: &str, resource: &str) -> Self {
        match (group, resource) {
            ("apps", "deployments") => Self::SpecOrAnnotations,
            ("apps", "replicasets" | "statefulsets" | "daemonsets")
            | ("batch", "jobs" | "cronjobs")
            | ("networking.k8s.io", "ingresses" | "networkpolicies")
            | ("policy", "poddisruptionbudgets")
            | ("autoscaling", "horizontalpodautoscalers")
            | ("apiextensions.k8s.io", "customresourcedefinitions") => Self::Spec,
            _ => Self::None,
        }
    }
}

/// What the store needs to know about a resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// API group (empty = core).
    pub group: String,
    /// Storage version, used in bookmarks' `apiVersion`.
    pub version: String,
    /// Plural, e.g. `deployments`.
    pub resource: String,
    /// Kind, e.g. `Deployment`.
    pub kind: String,
    /// Namespace-scoped or cluster-scoped.
    pub namespaced: bool,
    /// Generation behaviour.
    pub generation: GenerationPolicy,
    /// A PUT of a missing object creates it (Service, custom resources do not; kept opt-in).
    pub allow_create_on_update: bool,
}

impl ResourceType {
    /// A namespaced type without generation, e.g. `ResourceType::namespaced("", "v1", "configmaps", "ConfigMap")`.
    pub fn namespaced(group: &str, version: &str, resource: &str, kind: &str) -> Self {
        Self {
            group: group.into(),
            version: version.into(),
            resource: resource.into(),
            kind: kind.into(),
            namespaced: true,
            generation: GenerationPolicy::None,
            allow_create_on_update: false,
        }
    }

    /// A cluster-scoped type without generation.
    pub fn cluster(group: &str, version: &str, resource: &str, kind: &str) -> Self {
        Self {
            namespaced: false,
            ..Self::namespaced(group, version, resource, kind)
        }
    }

    /// Sets the generation policy.
    pub fn with_generation(mut self, policy: GenerationPolicy) -> Self {
        self.generation = policy;
        self
    }

    /// `group/version` or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The group-resource used in error messages (`deployments.apps`).
    pub fn group_resource(&self) -> GroupResource {
        GroupResource::new(&self.group, &self.resource)
    }
}

/// Store errors; [`StoreError::to_status`] gives the API server's answer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// 404.
    #[error("{gr} \"{name}\" not found")]
    NotFound {
        /// Resource.
        gr: GroupResource,
        /// Name.
        name: String,
    },
    /// 409 AlreadyExists; `message` overrides the default text when set.
    #[error("{gr} \"{name}\" already exists")]
    AlreadyExists {
        /// Resource.
        gr: GroupResource,
        /// Name.
        name: String,
    },
    /// 409 Conflict `Operation cannot be fulfilled on <gr> "<name>": <cause>`.
    #[error("Operation cannot be fulfilled on {gr} \"{name}\": {cause}")]
    Conflict {
        /// Resource (or group + Kind for delete preconditions).
        gr: GroupResource,
        /// Name.
        name: String,
        /// Cause text.
        cause: String,
    },
    /// 403 Forbidden `<gr> "<name>" is forbidden: <cause>`.
    #[error("{gr} \"{name}\" is forbidden: {cause}")]
    Forbidden {
        /// Resource.
        gr: GroupResource,
        /// Name.
        name: String,
        /// Cause text.
        cause: String,
    },
    /// 422 Invalid on `<Kind>.<group> "<name>"`.
    #[error("{kind} \"{name}\" is invalid")]
    Invalid {
        /// Group of the kind.
        group: String,
        /// Kind.
        kind: String,
        /// Name.
        name: String,
        /// Field errors.
        errors: Vec<FieldError>,
    },
    /// 400 with free text.
    #[error("{0}")]
    BadRequest(String),
    /// 410 Expired with free text.
    #[error("{0}")]
    Expired(String),
    /// 500 `Internal error occurred: <cause>`.
    #[error("Internal error occurred: {0}")]
    Internal(String),
    /// 504 `Too large resource version`.
    #[error("Too large resource version: {requested}, current: {current}")]
    TooLargeResourceVersion {
        /// Requested revision.
        requested: u64,
        /// Current revision.
        current: u64,
    },
}

impl StoreError {
    /// The Status body and code the API server answers with.
    pub fn to_status(&self) -> Status {
        match self {
            Self::NotFound { gr, name } => Status::not_found(gr, name),
            Self::AlreadyExists { gr, name } => Status::already_exists(gr, name),
            Self::Conflict { gr, name, cause } => Status::conflict(gr, name, cause),
            Self::Forbidden { gr, name, cause } => Status::forbidden(gr, name, cause),
            Self::Invalid {
                group,
                kind,
                name,
                errors,
            } => Status::invalid(group, kind, name, errors),
            Self::BadRequest(m) => Status::bad_request(m.clone()),
            Self::Expired(m) => Status::expired(m.clone()),
            Self::Internal(m) => Status::internal(m),
            Self::TooLargeResourceVersion { requested, current } => {
                Status::too_large_resource_version(*requested, *current)
            }
        }
    }
}

/// Store settings.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How many events (and so revisions) stay readable: the watch window and the window
    /// of snapshot reads. At least 1.
    pub history: usize,
    /// Creating a namespaced object requires its Namespace (`("", "namespaces")`) to exist
    /// (404 `namespaces "x" not found`) and not be terminating (403).
    pub require_namespaces: bool,
    /// Seconds since the Unix epoch, for `creationTimestamp`/`deletionTimestamp`.
    pub clock: fn() -> u64,
    /// Seed of the uid / generateName generator (0 = from the clock).
    pub seed: u64,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            history: 10_000,
            require_namespaces: false,
            clock: system_clock,
            seed: 0,
        }
    }
}

/// One stored version of a key; `object: None` is a deletion tombstone.
#[derive(Debug, Clone)]
pub(crate) struct Version {
    pub(crate) rv: u64,
    pub(crate) object: Option<Arc<Value>>,
}

/// (namespace, name); namespace is empty for cluster-scoped objects.
pub(crate) type ObjKey = (String, String);

/// The in-memory object store. See the module docs.
#[derive(Debug)]
pub struct Store {
    pub(crate) rv: u64,
    pub(crate) data: BTreeMap<(String, String), BTreeMap<ObjKey, Vec<Version>>>,
    pub(crate) log: EventLog,
    pub(crate) opts: StoreOptions,
    pub(crate) rng: u64,
    pub(crate) notify: tokio::sync::watch::Sender<u64>,
    /// The uid handed out by [`Store::assign_uid`] for the next create.
    pub(crate) pending_uid: Option<String>,
    /// Persistence: the data directory every commit is logged to ([`crate::persist`]).
    pub(crate) journal: Option<crate::persist::Journal>,
}

impl Default for Store {
    fn default() -> Self {
        Self::new(StoreOptions::default())
    }
}

/// The version of `versions` visible at revision `rv`.
pub(crate) fn version_at(versions: &[Version], rv: u64) -> Option<&Arc<Value>> {
    versions
        .iter()
        .rev()
        .find(|v| v.rv <= rv)
        .and_then(|v| v.object.as_ref())
}

impl Store {
    /// An empty store at revision 1 (as if one write happened, so `"0"` never names a state).
    pub fn new(opts: StoreOptions) -> Self {
        let seed = if opts.seed == 0 {
            meta::clock_seed()
        } else {
            opts.seed
        };
        let history = opts.history.max(1);
        Self {
            rv: 1,
            data: BTreeMap::new(),
            log: EventLog::new(history, 1),
            opts,
            rng: seed | 1,
            notify: tokio::sync::watch::channel(1).0,
            pending_uid: None,
            journal: None,
        }
    }

    /// The current (latest committed) revision.
    pub fn revision(&self) -> u64 {
        self.rv
    }

    /// The newest revision that can no longer be read or watched from; reads and watches
    /// need a revision `>=` this one.
    pub fn compacted_revision(&self) -> u64 {
        self.log.compacted()
    }

    /// A receiver that sees the latest revision after every commit; watchers await
    /// `changed()` and then [`Store::poll`] their cursor.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.notify.subscribe()
    }

    /// GET: the current object. `resource_version` `None`/`""`/`"0"` = latest; `"N"` =
    /// not older than N (N beyond the current revision → 504 TooLargeResourceVersion).
    pub fn get(
        &self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
        resource_version: Option<&str>,
    ) -> Result<Value, StoreError> {
        if let Some(rv) = parse_rv(resource_version)?
            && rv > self.rv
        {
            return Err(StoreError::TooLargeResourceVersion {
                requested: rv,
                current: self.rv,
            });
        }
        self.current(rt, namespace, name)
            .map(|o| Value::clone(o))
            .ok_or_else(|| StoreError::NotFound {
                gr: rt.group_resource(),
                name: name.into(),
            })
    }

    /// The current object, shared.
    pub(crate) fn current(
        &self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
    ) -> Option<&Arc<Value>> {
        let ns = if rt.namespaced { namespace } else { "" };
        self.data
            .get(&(rt.group.clone(), rt.resource.clone()))?
            .get(&(ns.to_string(), name.to_string()))?
            .last()?
            .object
            .as_ref()
    }

    /// Number of live objects of a resource (all namespaces).
    pub fn count(&self, rt: &ResourceType) -> usize {
        self.data
            .get(&(rt.group.clone(), rt.resource.clone()))
            .map(|m| {
                m.values()
                    .filter(|v| v.last().is_some_and(|v| v.object.is_some()))
                    .count()
            })
            .unwrap_or(0)
    }

    /// Records a committed change: next revision, stamped RV, history, event, wake-up.
    /// Returns the stored object (for deletes: the final state with the deletion's RV).
    /// With persistence the change is made durable first; if that fails nothing changes.
    pub(crate) fn commit(
        &mut self,
        rt: &ResourceType,
        key: ObjKey,
        mut object: Value,
        event: EventType,
    ) -> Result<Arc<Value>, StoreError> {
        let rv = self.rv + 1;
        meta::set_str(&mut object, "resourceVersion", &rv.to_string());
        self.journal_append(rv, rt, &key, &object, event)?;
        self.rv = rv;
        let object = Arc::new(object);
        let versions = self
            .data
            .entry((rt.group.clone(), rt.resource.clone()))
            .or_default()
            .entry(key.clone())
            .or_default();
        let prev = versions.last().and_then(|v| v.object.clone());
        let stored = if event == EventType::Deleted {
            None
        } else {
            Some(object.clone())
        };
        versions.push(Version { rv, object: stored });
        let popped = self.log.push(crate::watch::LoggedEvent {
            rv,
            group: rt.group.clone(),
            resource: rt.resource.clone(),
            namespace: key.0.clone(),
            name: key.1.clone(),
            event,
            object: object.clone(),
            prev,
        });
        let compacted = self.log.compacted();
        for e in popped {
            self.prune(&e.group, &e.resource, (e.namespace, e.name), compacted);
        }
        self.notify.send_replace(rv);
        self.journal_committed();
        Ok(object)
    }

    /// Drops versions no reader can ask for any more.
    fn prune(&mut self, group: &str, resource: &str, key: ObjKey, compacted: u64) {
        let gr = (group.to_string(), resource.to_string());
        let Some(map) = self.data.get_mut(&gr) else {
            return;
        };
        let Some(versions) = map.get_mut(&key) else {
            return;
        };
        let keep_from = versions
            .iter()
            .rposition(|v| v.rv <= compacted)
            .unwrap_or(0);
        versions.drain(..keep_from);
        if versions
            .first()
            .is_some_and(|v| v.rv <= compacted && v.object.is_none())
        {
            versions.remove(0);
        }
        if versions.is_empty() {
            map.remove(&key);
        }
    }
}

/// Parses a `resourceVersion` parameter: `None`/`""`/`"0"` → `None`, else the number.
pub(crate) fn parse_rv(rv: Option<&str>) -> Result<Option<u64>, StoreError> {
    match rv {
        None | Some("") | Some("0") => Ok(None),
        Some(s) => s.parse::<u64>().map(Some).map_err(|_| {
            StoreError::BadRequest(format!(
                "resourceVersion: Invalid value: \"{s}\": strconv.ParseUint: parsing \"{s}\": invalid syntax"
            ))
        }),
    }
}
