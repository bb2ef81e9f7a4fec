//! The runtime every Flux-compatible reconciler here shares: kstatus conditions and
//! their summary ([`status`]), status writes through the status subresource with
//! server-side apply ([`patch`]), the `finalizers.fluxcd.io` finalizer ([`finalizer`]),
//! Kubernetes Events and Flux event webhooks ([`events`]), requeue intervals, failure
//! backoff and trigger gating ([`requeue`]), Flux's Prometheus metrics ([`metrics`]),
//! scratch directories ([`workdir`]), and leader election on a Lease ([`leader`]).
//!
//! A reconciler built on it follows Flux's flow:
//! 1. deleted → clean up, drop the finalizer; missing finalizer → add it;
//! 2. suspended → do nothing until the spec changes;
//! 3. mark `Reconciling` ([`status::Conditions::progressing`]) and, for a new generation
//!    or a new `reconcile.fluxcd.io/requestedAt`, write that status at once;
//! 4. do the work; mark the outcome conditions; summarise `Ready`
//!    ([`status::Conditions::summarize`]); echo the request into
//!    `lastHandledReconcileAt`; write the status ([`patch::apply_status`]);
//! 5. requeue at the interval on success, with backoff on failure.

pub mod events;
pub mod finalizer;
pub mod leader;
pub mod metrics;
pub mod patch;
pub mod requeue;
pub mod status;
pub mod workdir;

use std::fmt;

use gitops_core::k8s::ObjectMeta;

/// The finalizer every Flux controller puts on the objects it reconciles.
pub const FINALIZER: &str = "finalizers.fluxcd.io";
/// The annotation whose new value asks for an immediate reconciliation.
pub const REQUESTED_AT_ANNOTATION: &str = "reconcile.fluxcd.io/requestedAt";

/// Why a reconciliation could not even record its outcome (API or storage failures).
/// Failures of the work itself (a fetch, a build) are recorded in the object's status
/// instead and are not errors of this type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ControllerError {
    /// A Kubernetes API call failed.
    #[error("{object}: {action}: {source}")]
    Kube {
        /// The object concerned (`Kind/namespace/name`).
        object: String,
        /// What was being done.
        action: &'static str,
        /// The client error.
        #[source]
        source: kube::Error,
    },
    /// An object could not be serialised.
    #[error("{object}: serialising: {source}")]
    Serialize {
        /// The object concerned.
        object: String,
        /// The serde error.
        #[source]
        source: serde_json::Error,
    },
    /// The artifact storage failed.
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    /// A controller's watch failed for good.
    #[error("{controller} controller: {message}")]
    Controller {
        /// Which controller.
        controller: &'static str,
        /// What happened.
        message: String,
    },
}

/// The identity of a reconciled object: `Kind/namespace/name`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    /// The kind, e.g. `GitRepository`.
    pub kind: String,
    /// The namespace.
    pub namespace: String,
    /// The name.
    pub name: String,
}

impl ObjectKey {
    /// The key of an object of `kind` with metadata `meta`.
    pub fn new(kind: &str, meta: &ObjectMeta) -> ObjectKey {
        ObjectKey {
            kind: kind.to_string(),
            namespace: meta.namespace.clone().unwrap_or_default(),
            name: meta.name.clone().unwrap_or_default(),
        }
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
    }
}

/// A Secret's `data` with its `stringData` merged over it (the API server folds
/// `stringData` into `data` on write; a Secret read back may still carry both).
pub fn secret_data(
    secret: gitops_core::k8s::k8s_openapi::api::core::v1::Secret,
) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut data: std::collections::BTreeMap<String, Vec<u8>> = secret
        .data
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.0))
        .collect();
    for (k, v) in secret.string_data.unwrap_or_default() {
        data.insert(k, v.into_bytes());
    }
    data
}

/// The value of `reconcile.fluxcd.io/requestedAt`, if set.
pub fn requested_at(meta: &ObjectMeta) -> Option<&str> {
    meta.annotations
        .as_ref()?
        .get(REQUESTED_AT_ANNOTATION)
        .map(String::as_str)
}

/// `spec.interval` as a duration; `fallback` when it does not parse or is zero.
pub fn interval_of(text: &str, fallback: std::time::Duration) -> std::time::Duration {
    text.parse::<gitops_core::duration::Duration>()
        .ok()
        .and_then(|d| d.to_std())
        .filter(|d| !d.is_zero())
        .unwrap_or(fallback)
}
