//! Waiting for objects to become Current, as kustomize-controller's health check does
//! (`fluxcd/pkg ssa/manager_wait.go` `WaitForSetWithContext` over the kstatus poller).
//!
//! # Flow
//! 1. Every `interval` (the first time at once), each object is read with a GET through the
//!    dynamic API (its resource found by discovery from its group and kind; the version of
//!    `apiVersion` is ignored, as Flux's REST mapper picks the preferred one) and judged by
//!    [`HealthCheckExprs::status`]: Flux's Job rule, a matching `healthCheckExprs` entry, or
//!    kstatus. A missing object is NotFound; a read or evaluation error makes it Unknown.
//! 2. All Current → `Ok(())`.
//! 3. With `fail_fast`, any Failed object ends the wait; without it, the wait also ends once
//!    every object is Failed or Current. Either way the error is
//!    [`HealthError::Stalled`]: `failed early due to stalled resources: [Deployment/default/web
//!    status: 'Failed']`.
//! 4. At the timeout: [`HealthError::Timeout`], listing every object that is not Current:
//!    `timeout waiting for: [Deployment/default/podinfo status: 'InProgress']`. The
//!    [`NotReady`] entries also carry kstatus' message.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use kube::api::{Api, DynamicObject, ListParams};
use kube::discovery::{ApiCapabilities, ApiResource, Scope};
use serde_json::Value;

use super::builtin::label_selector;
use super::{
    HealthCheckExprs, HealthError, NotReady, Status, StatusResult, group_of, pod_controller_status,
};
use crate::ObjectId;

/// An object to wait for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ObjectRef {
    /// `group/version` or `v1`.
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Namespace, empty for cluster-scoped objects.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl ObjectRef {
    /// A reference from its parts.
    pub fn new(
        api_version: impl Into<String>,
        kind: impl Into<String>,
        namespace: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        ObjectRef {
            api_version: api_version.into(),
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// The reference of an object (its `apiVersion`, `kind`, namespace and name).
    pub fn of(obj: &crate::Object) -> Self {
        Self::new(obj.api_version(), obj.kind(), obj.namespace(), obj.name())
    }

    /// Its [`ObjectId`].
    pub fn id(&self) -> ObjectId {
        ObjectId::new(
            group_of(&self.api_version),
            &self.kind,
            &self.namespace,
            &self.name,
        )
    }
}

impl fmt::Display for ObjectRef {
    /// `Kind/namespace/name`, or `Kind/name` when cluster-scoped (Flux's `FmtObjMetadata`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.id(), f)
    }
}

/// Options of [`wait_for`].
#[derive(Debug)]
pub struct WaitOptions {
    /// How long to wait in total (a Kustomization's `spec.timeout`).
    pub timeout: Duration,
    /// How often to read the objects (kustomize-controller uses 5s).
    pub interval: Duration,
    /// Stop as soon as an object is Failed (Flux's default; off with the
    /// `DisableFailFastBehavior` feature gate).
    pub fail_fast: bool,
    /// The Kustomization's compiled `healthCheckExprs`.
    pub exprs: HealthCheckExprs,
    /// Jobs with `spec.ttlSecondsAfterFinished`: NotFound counts as Current for them, since
    /// the TTL controller deletes them once finished (Flux's `JobsWithTTL`).
    pub jobs_with_ttl: Vec<ObjectRef>,
}

impl Default for WaitOptions {
    /// Flux's `DefaultWaitOptions` (5s interval, 60s timeout), with fail-fast.
    fn default() -> Self {
        WaitOptions {
            timeout: Duration::from_secs(60),
            interval: Duration::from_secs(5),
            fail_fast: true,
            exprs: HealthCheckExprs::default(),
            jobs_with_ttl: Vec::new(),
        }
    }
}

/// The status of one object at one poll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectStatus {
    /// The object.
    pub object: ObjectRef,
    /// Its status and message.
    pub result: StatusResult,
    /// The read or evaluation error that made it Unknown.
    pub error: Option<String>,
}

impl ObjectStatus {
    fn not_ready(&self) -> NotReady {
        NotReady {
            id: self.object.to_string(),
            status: self.result.status,
            message: self.result.message.clone(),
            error: self.error.clone(),
        }
    }
}

/// Waits until every object is Current (see the module documentation for the flow and the
/// errors).
pub async fn wait_for(
    client: &kube::Client,
    objects: &[ObjectRef],
    opts: &WaitOptions,
) -> Result<(), HealthError> {
    wait_for_with(client, objects, opts, |_| {}).await
}

/// [`wait_for`], calling `observe` with the statuses of all objects after every poll (for
/// progress output).
pub async fn wait_for_with(
    client: &kube::Client,
    objects: &[ObjectRef],
    opts: &WaitOptions,
    mut observe: impl FnMut(&[ObjectStatus]),
) -> Result<(), HealthError> {
    if objects.is_empty() {
        return Ok(());
    }
    let deadline = tokio::time::Instant::now() + opts.timeout;
    let mut reader = Reader::new(client);
    loop {
        let mut statuses = Vec::with_capacity(objects.len());
        for obj in objects {
            let mut status = reader.status(obj, &opts.exprs).await;
            if status.result.status == Status::NotFound && opts.jobs_with_ttl.contains(obj) {
                status.result =
                    StatusResult::new(Status::Current, "Job deleted after it finished (TTL)");
            }
            statuses.push(status);
        }
        observe(&statuses);
        let all_current = statuses.iter().all(|s| s.result.status == Status::Current);
        if all_current {
            return Ok(());
        }
        let any_failed = statuses.iter().any(|s| s.result.status == Status::Failed);
        let terminal = statuses
            .iter()
            .all(|s| matches!(s.result.status, Status::Failed | Status::Current));
        if (opts.fail_fast && any_failed) || terminal {
            let failed = statuses
                .iter()
                .filter(|s| s.result.status == Status::Failed)
                .map(ObjectStatus::not_ready);
            return Err(HealthError::Stalled {
                failed: failed.collect(),
            });
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            let pending = statuses
                .iter()
                .filter(|s| s.result.status != Status::Current)
                .map(ObjectStatus::not_ready);
            return Err(HealthError::Timeout {
                pending: pending.collect(),
            });
        }
        tokio::time::sleep(opts.interval.min(deadline - now)).await;
    }
}

/// Reads the status of one object once (NotFound when it does not exist, Unknown with the
/// error when it cannot be read or judged).
pub async fn read_status(
    client: &kube::Client,
    object: &ObjectRef,
    exprs: &HealthCheckExprs,
) -> ObjectStatus {
    Reader::new(client).status(object, exprs).await
}

/// Reads objects through the dynamic API, caching discovery per group and kind.
struct Reader<'c> {
    client: &'c kube::Client,
    resources: HashMap<(String, String), (ApiResource, ApiCapabilities)>,
}

impl<'c> Reader<'c> {
    fn new(client: &'c kube::Client) -> Self {
        Reader {
            client,
            resources: HashMap::new(),
        }
    }

    async fn status(&mut self, object: &ObjectRef, exprs: &HealthCheckExprs) -> ObjectStatus {
        let unknown = |error: String| ObjectStatus {
            object: object.clone(),
            result: StatusResult::new(Status::Unknown, ""),
            error: Some(error),
        };
        let live = match self.get(object).await {
            Ok(Some(live)) => live,
            Ok(None) => {
                return ObjectStatus {
                    object: object.clone(),
                    result: StatusResult::new(Status::NotFound, "Resource not found"),
                    error: None,
                };
            }
            Err(e) => return unknown(e),
        };
        let mut result = match exprs.status(&live) {
            Ok(result) => result,
            Err(e) => return unknown(e.to_string()),
        };
        // cli-utils' StatefulSet and ReplicaSet readers also look at the Pods.
        let group = group_of(&object.api_version);
        let pod_controller =
            group == "apps" && matches!(object.kind.as_str(), "StatefulSet" | "ReplicaSet");
        if result.status == Status::InProgress
            && pod_controller
            && !exprs.matches(&object.api_version, &object.kind)
        {
            match self.pods(&live).await {
                Ok(pods) => result = pod_controller_status(result, &pods),
                Err(e) => return unknown(e),
            }
        }
        ObjectStatus {
            object: object.clone(),
            result,
            error: None,
        }
    }

    /// The Pods selected by a controller's `spec.selector`, in its namespace.
    async fn pods(&self, live: &Value) -> Result<Vec<Value>, String> {
        let selector =
            label_selector(live, "spec.selector").ok_or_else(|| "no selector found".to_string())?;
        let pods = ApiResource {
            group: String::new(),
            version: "v1".into(),
            api_version: "v1".into(),
            kind: "Pod".into(),
            plural: "pods".into(),
        };
        let ns = live["metadata"]["namespace"].as_str().unwrap_or_default();
        let api: Api<DynamicObject> = Api::namespaced_with(self.client.clone(), ns, &pods);
        let list = api
            .list(&ListParams::default().labels(&selector))
            .await
            .map_err(|e| e.to_string())?;
        list.items
            .iter()
            .map(|p| serde_json::to_value(p).map_err(|e| e.to_string()))
            .collect()
    }

    async fn resource(
        &mut self,
        object: &ObjectRef,
    ) -> Result<(ApiResource, ApiCapabilities), String> {
        let group = group_of(&object.api_version).to_string();
        let key = (group.clone(), object.kind.clone());
        if let Some(found) = self.resources.get(&key) {
            return Ok(found.clone());
        }
        let no_match = || {
            format!(
                "no matches for kind \"{}\" in group \"{group}\"",
                object.kind
            )
        };
        let api_group = kube::discovery::group(self.client, &group)
            .await
            .map_err(|e| match e {
                kube::Error::Api(status) if status.is_not_found() => no_match(),
                other => other.to_string(),
            })?;
        let found = api_group
            .recommended_kind(&object.kind)
            .ok_or_else(no_match)?;
        self.resources.insert(key, found.clone());
        Ok(found)
    }

    async fn get(&mut self, object: &ObjectRef) -> Result<Option<Value>, String> {
        let (resource, caps) = self.resource(object).await?;
        let api: Api<DynamicObject> = match caps.scope {
            Scope::Namespaced => {
                Api::namespaced_with(self.client.clone(), &object.namespace, &resource)
            }
            Scope::Cluster => Api::all_with(self.client.clone(), &resource),
        };
        match api.get_opt(&object.name).await {
            Ok(Some(live)) => serde_json::to_value(&live)
                .map(Some)
                .map_err(|e| e.to_string()),
            Ok(None) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
}
