//! The apply executor (feature `kube`): Flux's `ResourceManager` over a `kube::Client`.
//!
//! - [`ResourceManager::apply_all_staged`]: definitions, classes, custom kinds, the rest;
//!   per object a forced server-side **dry-run** apply, comparison with the live object
//!   ([`super::drift::has_drifted`]), metadata cleanup ([`super::cleanup`]) and a real
//!   forced apply only for what changed; definitions and classes are waited on.
//!   Immutable-field errors recreate the object when forced, else fail naming it.
//! - [`ResourceManager::delete_all`]: prune in reverse order, re-checking the owner labels
//!   and opt-outs on the live object.
//! - [`ResourceManager::diff`]: the dry-run result against the live object per object,
//!   for `gitops diff kustomization`.
//!
//! Resources are found through discovery (cached per group/version/kind; a kind that is
//! not served yet is looked up again on the next use). One manager can serve every
//! Kustomization of a cluster: the owner labels are set by [`crate::ssa::plan::prepare`].
//!
//! Errors name the object as Flux does (`Deployment/default/web dry-run failed
//! (Invalid): …`); a staged apply or a prune that fails part-way returns the entries done
//! so far with the error ([`ApplyFailure`]).

mod apply;
mod delete;
mod diff;

use std::collections::HashMap;
use std::sync::Mutex;

use kube::core::params::{DeleteParams, GetParams, Patch, PatchParams};
use kube::core::{ApiResource, DynamicObject, GroupVersionKind, Request, Resource as _};
use serde_json::Value;

pub use diff::{DiffEntry, DiffReport};

use super::changeset::ChangeSet;
use super::policy::Owner;
use crate::{Object, ObjectId};

/// Why an apply, prune, wait or diff failed. Every variant names the object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ManagerError {
    /// The API server does not serve the object's kind.
    #[error(
        "{subject} dry-run failed: no matches for kind \"{kind}\" in version \"{api_version}\""
    )]
    UnknownKind {
        /// `Kind/ns/name`.
        subject: String,
        /// `apiVersion` of the object.
        api_version: String,
        /// Kind of the object.
        kind: String,
    },
    /// Discovery or a read of the live object failed.
    #[error("{subject} query failed: {message}")]
    Query {
        /// `Kind/ns/name`.
        subject: String,
        /// The API server's message.
        message: String,
    },
    /// The dry-run apply failed; `reason` is the API reason (`Invalid`, `Conflict`,
    /// `FieldManagerConflict`…) or empty.
    #[error("{subject} dry-run failed{}: {message}", if reason.is_empty() { String::new() } else { format!(" ({reason})") })]
    DryRun {
        /// `Kind/ns/name`.
        subject: String,
        /// API reason.
        reason: String,
        /// The API server's message.
        message: String,
    },
    /// The dry-run apply found no namespace or a missing namespace.
    #[error("{subject} {} {message}", if *namespace_missing { "namespace not specified:" } else { "not found:" })]
    NotFound {
        /// `Kind/ns/name`.
        subject: String,
        /// Whether the object has no namespace.
        namespace_missing: bool,
        /// The API server's message.
        message: String,
    },
    /// Removing other managers' fields failed.
    #[error("{subject} metadata.managedFields cleanup failed: {message}")]
    Cleanup {
        /// `Kind/ns/name`.
        subject: String,
        /// The cause.
        message: String,
    },
    /// The apply failed after a successful dry-run.
    #[error("{subject} apply failed: {message}")]
    Apply {
        /// `Kind/ns/name`.
        subject: String,
        /// The API server's message.
        message: String,
    },
    /// Deleting an object to recreate it (immutable field change with force) failed.
    #[error("{subject} immutable field detected, failed to delete object: {message}")]
    Recreate {
        /// `Kind/ns/name`.
        subject: String,
        /// The cause.
        message: String,
    },
    /// Definitions or classes did not become ready in time.
    #[error("timeout waiting for: [{}]", pending.join(", "))]
    WaitTimeout {
        /// `Kind/ns/name status: '…'` of each object not ready.
        pending: Vec<String>,
    },
    /// Some deletions failed (Flux's aggregate: one `…;` per failure).
    #[error("delete failed, errors: {}", errors.iter().map(|e| format!("{e};")).collect::<String>())]
    Delete {
        /// `Kind/ns/name delete failed: …` per failed object.
        errors: Vec<String>,
    },
}

/// A staged apply or prune that failed part-way: the entries done so far and the error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct ApplyFailure {
    /// What was done before the failure.
    pub changes: ChangeSet,
    /// The failure.
    #[source]
    pub error: ManagerError,
}

/// Applies, prunes and diffs objects on one cluster as one owner.
pub struct ResourceManager {
    client: kube::Client,
    owner: Owner,
    resources: Mutex<HashMap<GvkKey, (ApiResource, bool)>>,
    concurrency: usize,
}

/// Discovery cache key: group, version, kind.
type GvkKey = (String, String, String);

/// Where one object lives: its resource and whether it is namespaced.
struct Target {
    resource: ApiResource,
    namespaced: bool,
}

impl ResourceManager {
    /// A manager applying as `owner` (field manager and owner label prefix).
    pub fn new(client: kube::Client, owner: Owner) -> Self {
        ResourceManager {
            client,
            owner,
            resources: Mutex::new(HashMap::new()),
            concurrency: 1,
        }
    }

    /// How many objects are dry-run and compared at once (kustomize-controller's
    /// `--concurrent-ssa`, default 4 there; 1 here as in Flux's library). At least 1.
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// The owner.
    pub fn owner(&self) -> &Owner {
        &self.owner
    }

    /// The client.
    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    /// Forgets the discovery cache (after CRDs were removed or changed scope).
    pub fn forget_discovery(&self) {
        if let Ok(mut m) = self.resources.lock() {
            m.clear();
        }
    }

    /// Resolves group/version/kind through discovery (cached). `Ok(None)` when the kind
    /// is not served.
    async fn target(
        &self,
        group: &str,
        version: &str,
        kind: &str,
    ) -> Result<Option<Target>, kube::Error> {
        let key = (group.to_string(), version.to_string(), kind.to_string());
        if let Some((ar, namespaced)) = self
            .resources
            .lock()
            .ok()
            .and_then(|m| m.get(&key).cloned())
        {
            return Ok(Some(Target {
                resource: ar,
                namespaced,
            }));
        }
        let gvk = GroupVersionKind::gvk(group, version, kind);
        match kube::discovery::pinned_kind(&self.client, &gvk).await {
            Ok((ar, caps)) => {
                let namespaced = caps.scope == kube::discovery::Scope::Namespaced;
                if let Ok(mut m) = self.resources.lock() {
                    m.insert(key, (ar.clone(), namespaced));
                }
                Ok(Some(Target {
                    resource: ar,
                    namespaced,
                }))
            }
            Err(kube::Error::Discovery(_)) => Ok(None),
            Err(e) if status(&e).is_some_and(|s| s.code == 404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn target_of(
        &self,
        id: &ObjectId,
        version: &str,
        api_version: &str,
    ) -> Result<Target, ManagerError> {
        match self.target(&id.group, version, &id.kind).await {
            Ok(Some(t)) => Ok(t),
            Ok(None) => Err(ManagerError::UnknownKind {
                subject: id.to_string(),
                api_version: api_version.to_string(),
                kind: id.kind.clone(),
            }),
            Err(e) => Err(ManagerError::Query {
                subject: id.to_string(),
                message: message(&e),
            }),
        }
    }

    /// Flux's error for a namespaced object without a namespace (the request is never sent).
    fn require_namespace(target: &Target, object: &Object) -> Result<(), ManagerError> {
        if target.namespaced && object.namespace().is_empty() {
            return Err(ManagerError::NotFound {
                subject: object.id().to_string(),
                namespace_missing: true,
                message: "the server could not find the requested resource".into(),
            });
        }
        Ok(())
    }

    fn url(target: &Target, namespace: &str) -> String {
        let ns = (target.namespaced && !namespace.is_empty()).then_some(namespace);
        DynamicObject::url_path(&target.resource, ns)
    }

    /// GET; `Ok(None)` on 404.
    async fn get(
        &self,
        target: &Target,
        namespace: &str,
        name: &str,
    ) -> Result<Option<Value>, kube::Error> {
        let req = Request::new(Self::url(target, namespace))
            .get(name, &GetParams::default())
            .map_err(kube::Error::BuildRequest)?;
        match self.client.request::<Value>(req).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Forced server-side apply (dry-run when `dry_run`).
    async fn apply_patch(
        &self,
        target: &Target,
        object: &Object,
        dry_run: bool,
    ) -> Result<Value, kube::Error> {
        let mut pp = PatchParams::apply(&self.owner.field_manager).force();
        pp.dry_run = dry_run;
        let req = Request::new(Self::url(target, object.namespace()))
            .patch(object.name(), &pp, &Patch::Apply(object.as_value()))
            .map_err(kube::Error::BuildRequest)?;
        self.client.request::<Value>(req).await
    }

    /// A JSON merge patch as our field manager.
    async fn merge_patch(
        &self,
        target: &Target,
        namespace: &str,
        name: &str,
        patch: &Value,
    ) -> Result<Value, kube::Error> {
        let pp = PatchParams {
            field_manager: Some(self.owner.field_manager.clone()),
            ..Default::default()
        };
        let req = Request::new(Self::url(target, namespace))
            .patch(name, &pp, &Patch::Merge(patch))
            .map_err(kube::Error::BuildRequest)?;
        self.client.request::<Value>(req).await
    }

    /// DELETE with a propagation policy; 404 counts as done.
    async fn delete(
        &self,
        target: &Target,
        namespace: &str,
        name: &str,
        propagation: &str,
    ) -> Result<(), kube::Error> {
        let mut dp = DeleteParams::background();
        dp.propagation_policy = match propagation {
            "Foreground" => Some(kube::core::params::PropagationPolicy::Foreground),
            "Orphan" => Some(kube::core::params::PropagationPolicy::Orphan),
            _ => Some(kube::core::params::PropagationPolicy::Background),
        };
        let req = Request::new(Self::url(target, namespace))
            .delete(name, &dp)
            .map_err(kube::Error::BuildRequest)?;
        match self.client.request_text(req).await {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

fn status(e: &kube::Error) -> Option<&kube::core::Status> {
    match e {
        kube::Error::Api(s) => Some(s),
        _ => None,
    }
}

fn is_not_found(e: &kube::Error) -> bool {
    status(e).is_some_and(|s| s.code == 404 || s.reason == "NotFound")
}

/// Flux's `IsImmutableError` on a client error ([`crate::ssa::policy::is_immutable_error`]).
fn is_immutable(e: &kube::Error) -> bool {
    let (code, reason) = status(e).map_or((0, ""), |s| (s.code, s.reason.as_str()));
    crate::ssa::policy::is_immutable_error(code, reason, &message(e))
}

/// The API server's message, or the client error's text.
fn message(e: &kube::Error) -> String {
    match status(e) {
        Some(s) if !s.message.is_empty() => s.message.clone(),
        _ => e.to_string(),
    }
}

/// The error of a failed dry-run, worded as Flux's `DryRunErr`.
fn dry_run_error(object: &Object, e: &kube::Error) -> ManagerError {
    let subject = object.id().to_string();
    if is_not_found(e) {
        return ManagerError::NotFound {
            subject,
            namespace_missing: object.namespace().is_empty(),
            message: message(e),
        };
    }
    let mut reason = status(e).map(|s| s.reason.clone()).unwrap_or_default();
    if let Some(s) = status(e)
        && s.details
            .as_ref()
            .is_some_and(|d| d.causes.iter().any(|c| c.reason == "FieldManagerConflict"))
    {
        reason = "FieldManagerConflict".into();
    }
    ManagerError::DryRun {
        subject,
        reason,
        message: message(e),
    }
}
