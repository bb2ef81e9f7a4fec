//! Workload simulation (opt-in, [`crate::Options::simulate_workloads`]): the controllers
//! of a healthy one-node cluster, reduced to what health checks observe.
//!
//! - **Deployments** own one ReplicaSet per pod template, named
//!   `<deployment>-<pod-template-hash>` ([`pod_template_hash`]: ten characters of
//!   `bcdfghjklmnpqrstvwxz2456789`), labelled `pod-template-hash`, controlled through an
//!   ownerReference (`controller`, `blockOwnerDeletion`), annotated with
//!   `deployment.kubernetes.io/revision` (also set on the Deployment; a new template takes
//!   the next revision). Old ReplicaSets are scaled to 0 at once and pruned beyond
//!   `revisionHistoryLimit`. The Deployment's status (observedGeneration, replicas,
//!   updated/ready/available/unavailable counts, conditions `Available` and `Progressing`
//!   with Kubernetes' reasons and messages) is computed from its ReplicaSets, so
//!   `kubectl rollout status` and `helm --wait` complete.
//! - **ReplicaSets, StatefulSets, DaemonSets** report all pods at once and ready once the
//!   generation has existed for [`crate::Options::workload_delay`] (DaemonSets on one
//!   node; StatefulSets with `currentRevision`/`updateRevision` = `<name>-<hash>`).
//! - **Jobs** start at once (`startTime`, `active`) and after the delay complete
//!   (`succeeded`, `completionTime`, conditions `SuccessCriteriaMet` and `Complete`).
//!
//! # Making a workload fail
//! The annotation `devcluster.gitops.dev/fail: "true"` ([`FAIL_ANNOTATION`]) makes a
//! workload fail after the delay: a Deployment gets `Progressing=False` with reason
//! `ProgressDeadlineExceeded` and `Available=False` (`kubectl rollout status` exits
//! non-zero: `deployment "x" exceeded its progress deadline`); a Job gets `Failed`
//! (reason `BackoffLimitExceeded`); ReplicaSets, StatefulSets and DaemonSets never
//! become ready. A Deployment's annotations are copied onto its ReplicaSets, as
//! Kubernetes does.
//!
//! # How it runs
//! One task on the server's runtime follows the store through watch cursors (one per
//! kind, [`Store::poll`] after each [`Store::subscribe`] wake-up), so the work per commit is
//! proportional to the events, never a full scan. Each changed object is synced under the
//! store lock: its controller's view is computed from the live object and written back
//! as a status update (`keep_generation`, so no generation bump), which watchers see as
//! MODIFIED events. Writes that change nothing are no-ops in the store, so the loop
//! settles. Timers wake objects whose delay has passed. Pods, ControllerRevisions and
//! Nodes are not simulated.

mod deployment;
mod workloads;

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use serde_json::Value;
use thiserror::Error;
use tokio::time::Instant;

pub use deployment::{POD_TEMPLATE_HASH, REVISION};
pub use workloads::{
    daemonset_status, job_status, pod_template_hash, replicaset_status, statefulset_status,
};

use crate::server::State;
use crate::store::{GenerationPolicy, ResourceType, Store, StoreError, WriteOptions};
use crate::watch::{EventType, WatchCursor, WatchEvent, WatchParams};
use workloads::{fails, generation, meta_str};

/// The annotation that makes a simulated workload fail (value `"true"`).
pub const FAIL_ANNOTATION: &str = "devcluster.gitops.dev/fail";

/// Failures of a simulated controller's write (the object is retried on its next event).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SimulateError {
    /// The store refused a write.
    #[error("simulated controller write failed: {0}")]
    Store(#[from] StoreError),
}

/// The simulated kinds; deployments sort last so their ReplicaSets settle first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kind {
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    Job,
    Deployment,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::ReplicaSet,
        Kind::StatefulSet,
        Kind::DaemonSet,
        Kind::Job,
        Kind::Deployment,
    ];

    pub(crate) fn resource_type(self) -> ResourceType {
        let (group, resource, kind) = match self {
            Kind::ReplicaSet => ("apps", "replicasets", "ReplicaSet"),
            Kind::StatefulSet => ("apps", "statefulsets", "StatefulSet"),
            Kind::DaemonSet => ("apps", "daemonsets", "DaemonSet"),
            Kind::Job => ("batch", "jobs", "Job"),
            Kind::Deployment => ("apps", "deployments", "Deployment"),
        };
        ResourceType::namespaced(group, "v1", resource, kind)
            .with_generation(GenerationPolicy::for_builtin(group, resource))
    }
}

type ObjRef = (Kind, String, String);

/// When an object's current generation becomes ready.
struct Readiness {
    uid: String,
    generation: i64,
    due: Instant,
}

/// The simulator's memory (owned by its one task).
struct Simulator {
    delay: Duration,
    readiness: HashMap<ObjRef, Readiness>,
    timers: BinaryHeap<Reverse<(Instant, ObjRef)>>,
    /// Deployment (namespace, name) → the ReplicaSets it controls.
    owned: HashMap<(String, String), BTreeSet<String>>,
    /// ReplicaSet (namespace, name) → its controlling Deployment.
    owner_of: HashMap<(String, String), String>,
}

/// The Deployment named by a controller ownerReference, if any.
fn controller_deployment(obj: &Value) -> Option<String> {
    obj.pointer("/metadata/ownerReferences")?
        .as_array()?
        .iter()
        .find(|r| {
            r["controller"] == Value::Bool(true)
                && r["kind"] == "Deployment"
                && r["apiVersion"] == "apps/v1"
        })
        .and_then(|r| r["name"].as_str())
        .map(str::to_string)
}

fn controlled_by(rs: &Value, uid: &str) -> bool {
    rs.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|refs| {
            refs.iter()
                .any(|r| r["controller"] == Value::Bool(true) && r["uid"] == uid)
        })
}

fn now_rfc3339() -> String {
    crate::store::rfc3339(crate::store::system_clock())
}

impl Simulator {
    fn new(delay: Duration) -> Self {
        Self {
            delay,
            readiness: HashMap::new(),
            timers: BinaryHeap::new(),
            owned: HashMap::new(),
            owner_of: HashMap::new(),
        }
    }

    fn link(&mut self, ns: &str, rs: &str, owner: Option<String>) {
        let key = (ns.to_string(), rs.to_string());
        if let Some(old) = self.owner_of.remove(&key)
            && let Some(set) = self.owned.get_mut(&(ns.to_string(), old))
        {
            set.remove(rs);
        }
        if let Some(o) = owner {
            self.owned
                .entry((ns.to_string(), o.clone()))
                .or_default()
                .insert(rs.to_string());
            self.owner_of.insert(key, o);
        }
    }

    /// Records one event and marks what it makes stale.
    fn note(&mut self, kind: Kind, e: &WatchEvent, dirty: &mut BTreeSet<ObjRef>) {
        let ns = meta_str(&e.object, "namespace").to_string();
        let name = meta_str(&e.object, "name").to_string();
        let owner = controller_deployment(&e.object);
        let deleted = e.event_type == EventType::Deleted;
        if kind == Kind::ReplicaSet {
            if let Some(o) = self.owner_of.get(&(ns.clone(), name.clone())).cloned() {
                dirty.insert((Kind::Deployment, ns.clone(), o));
            }
            if let Some(o) = &owner {
                dirty.insert((Kind::Deployment, ns.clone(), o.clone()));
            }
            self.link(&ns, &name, if deleted { None } else { owner });
        }
        let r = (kind, ns, name);
        if deleted {
            self.readiness.remove(&r);
            if kind == Kind::Deployment {
                self.owned.remove(&(r.1.clone(), r.2.clone()));
            }
        } else {
            dirty.insert(r);
        }
    }

    /// Whether `obj`'s current generation has existed for the delay (starting the clock
    /// on a new object or generation).
    fn ready(&mut self, r: &ObjRef, obj: &Value, now: Instant) -> bool {
        let (uid, generation) = (meta_str(obj, "uid"), generation(obj));
        match self.readiness.get(r) {
            Some(x) if x.uid == uid && x.generation == generation => now >= x.due,
            _ => {
                let due = now + self.delay;
                self.readiness.insert(
                    r.clone(),
                    Readiness {
                        uid: uid.to_string(),
                        generation,
                        due,
                    },
                );
                self.timers.push(Reverse((due, r.clone())));
                self.delay.is_zero()
            }
        }
    }

    fn sync_all(&mut self, store: &mut Store, dirty: BTreeSet<ObjRef>) {
        let now = Instant::now();
        for r in dirty {
            // A refused write is retried on the object's next event or timer.
            let _ = self.sync(store, &r, now);
        }
    }

    fn sync(&mut self, store: &mut Store, r: &ObjRef, now: Instant) -> Result<(), SimulateError> {
        let (kind, ns, name) = r;
        let rt = kind.resource_type();
        let Ok(obj) = store.get(&rt, ns, name, None) else {
            return Ok(());
        };
        if !meta_str(&obj, "deletionTimestamp").is_empty() {
            return Ok(());
        }
        let ready = self.ready(r, &obj, now);
        let status = match kind {
            Kind::ReplicaSet => Some(replicaset_status(&obj, ready)),
            Kind::StatefulSet => Some(statefulset_status(&obj, ready)),
            Kind::DaemonSet => Some(daemonset_status(&obj, ready)),
            Kind::Job => job_status(&obj, ready, &now_rfc3339()),
            Kind::Deployment => return self.sync_deployment(store, &obj, ready),
        };
        match status {
            Some(s) if obj.get("status") != Some(&s) => {
                let mut next = obj;
                next["status"] = s;
                let opts = WriteOptions {
                    keep_generation: true,
                    ..WriteOptions::default()
                };
                store.update(&rt, ns, name, next, &opts)?;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn sync_deployment(
        &mut self,
        store: &mut Store,
        d: &Value,
        ready: bool,
    ) -> Result<(), SimulateError> {
        let ns = meta_str(d, "namespace").to_string();
        let name = meta_str(d, "name").to_string();
        let uid = meta_str(d, "uid");
        let rs_type = Kind::ReplicaSet.resource_type();
        let owned: Vec<Value> = self
            .owned
            .get(&(ns.clone(), name.clone()))
            .into_iter()
            .flatten()
            .filter_map(|rs| store.get(&rs_type, &ns, rs, None).ok())
            .filter(|rs| controlled_by(rs, uid) && meta_str(rs, "deletionTimestamp").is_empty())
            .collect();
        let out = deployment::sync(store, d, owned, ready && fails(d), &now_rfc3339())?;
        if let Some(rs) = out.created {
            self.link(&ns, &rs, Some(name));
        }
        for rs in out.deleted {
            self.link(&ns, &rs, None);
        }
        Ok(())
    }

    /// Marks every object whose timer has fired.
    fn due(&mut self, dirty: &mut BTreeSet<ObjRef>) {
        let now = Instant::now();
        while self.timers.peek().is_some_and(|Reverse((t, _))| *t <= now) {
            if let Some(Reverse((_, r))) = self.timers.pop() {
                dirty.insert(r);
            }
        }
    }
}

/// Starts a cursor per kind, noting the current objects as synthetic ADDED events.
fn start_cursors(
    sim: &mut Simulator,
    store: &Store,
    dirty: &mut BTreeSet<ObjRef>,
) -> Vec<(Kind, WatchCursor)> {
    let mut cursors = Vec::new();
    for k in Kind::ALL {
        if let Ok((events, c)) = store.watch(&k.resource_type(), &WatchParams::default()) {
            for e in &events {
                sim.note(k, e, dirty);
            }
            cursors.push((k, c));
        }
    }
    cursors
}

/// Runs the simulated controllers over `state` until `shutdown` changes (see the module
/// docs). Spawned by [`crate::DevCluster::start`] when simulation is on.
pub async fn run(
    state: Arc<State>,
    delay: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut sim = Simulator::new(delay);
    let (mut cursors, mut changes) = {
        let mut store = state.store.lock().unwrap_or_else(PoisonError::into_inner);
        let mut dirty = BTreeSet::new();
        let cursors = start_cursors(&mut sim, &store, &mut dirty);
        sim.sync_all(&mut store, dirty);
        (cursors, store.subscribe())
    };
    loop {
        let next = sim.timers.peek().map(|Reverse((t, _))| *t);
        let timer = async move {
            match next {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending::<()>().await,
            }
        };
        let mut dirty = BTreeSet::new();
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            () = timer => sim.due(&mut dirty),
            _ = shutdown.changed() => return,
        }
        let mut store = state.store.lock().unwrap_or_else(PoisonError::into_inner);
        let mut expired = false;
        for (kind, cursor) in &mut cursors {
            match store.poll(cursor) {
                Ok(events) => {
                    for e in &events {
                        sim.note(*kind, e, &mut dirty);
                    }
                }
                Err(_) => expired = true,
            }
        }
        if expired {
            // Fell out of the event log's window: start over from the current state.
            cursors = start_cursors(&mut sim, &store, &mut dirty);
        }
        sim.sync_all(&mut store, dirty);
    }
}

/// Spawns [`run`] on `rt` when `opts.simulate_workloads` is set.
pub fn spawn(
    opts: &crate::Options,
    state: &Arc<State>,
    shutdown: &tokio::sync::watch::Receiver<bool>,
    rt: &tokio::runtime::Handle,
) {
    if opts.simulate_workloads {
        rt.spawn(run(state.clone(), opts.workload_delay, shutdown.clone()));
    }
}
