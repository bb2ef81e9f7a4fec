//! Adding and removing a finalizer with a merge patch guarded by the object's
//! `resourceVersion` (a concurrent change makes the patch fail with 409 and the
//! reconciliation is retried), keeping every other finalizer.
//!
//! Flow: a live object without the finalizer gets it before any work ([`ensure`]); an
//! object being deleted is cleaned up by the reconciler, then released ([`remove`]).
//! Guarantee: cleanup runs at least once before the object disappears, as long as the
//! finalizer was added; it may run more than once.

use kube::api::{Api, Patch, PatchParams};
use kube::core::NamespaceResourceScope;
use kube::{Resource, ResourceExt};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::{ControllerError, ObjectKey};

async fn set<K>(
    api: &Api<K>,
    obj: &K,
    finalizers: Vec<String>,
    action: &'static str,
) -> Result<K, ControllerError>
where
    K: Resource<DynamicType = (), Scope = NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
{
    let patch =
        json!({"metadata": {"finalizers": finalizers, "resourceVersion": obj.resource_version()}});
    api.patch(
        &obj.name_any(),
        &PatchParams::default(),
        &Patch::Merge(&patch),
    )
    .await
    .map_err(|source| ControllerError::Kube {
        object: ObjectKey::new(&K::kind(&()), obj.meta()).to_string(),
        action,
        source,
    })
}

/// Adds `finalizer` to `obj` unless present; returns the updated object when it patched.
pub async fn ensure<K>(api: &Api<K>, obj: &K, finalizer: &str) -> Result<Option<K>, ControllerError>
where
    K: Resource<DynamicType = (), Scope = NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
{
    if obj.finalizers().iter().any(|f| f == finalizer) {
        return Ok(None);
    }
    let mut list = obj.finalizers().to_vec();
    list.push(finalizer.to_string());
    set(api, obj, list, "adding finalizer").await.map(Some)
}

/// Removes `finalizer` from `obj` if present. A gone object is not an error.
pub async fn remove<K>(api: &Api<K>, obj: &K, finalizer: &str) -> Result<(), ControllerError>
where
    K: Resource<DynamicType = (), Scope = NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
{
    if !obj.finalizers().iter().any(|f| f == finalizer) {
        return Ok(());
    }
    let list: Vec<String> = obj
        .finalizers()
        .iter()
        .filter(|f| *f != finalizer)
        .cloned()
        .collect();
    match set(api, obj, list, "removing finalizer").await {
        Ok(_) => Ok(()),
        Err(ControllerError::Kube {
            source: kube::Error::Api(status),
            ..
        }) if status.code == 404 => Ok(()),
        Err(e) => Err(e),
    }
}
