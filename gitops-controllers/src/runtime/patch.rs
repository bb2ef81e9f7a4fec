//! Status writes: the whole status an owner computes, server-side applied to the status
//! subresource under the controller's field manager (forced, as Flux's patcher owns its
//! conditions), so fields the controller stops sending are removed.

use kube::api::{Api, Patch, PatchParams};
use kube::core::NamespaceResourceScope;
use kube::{Resource, ResourceExt};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{ControllerError, ObjectKey};

/// Applies `status` to the status subresource of `obj` as field manager `manager`;
/// returns the object as stored.
pub async fn apply_status<K>(
    api: &Api<K>,
    obj: &K,
    status: Value,
    manager: &str,
) -> Result<K, ControllerError>
where
    K: Resource<DynamicType = (), Scope = NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
{
    let name = obj.name_any();
    let body = json!({
        "apiVersion": K::api_version(&()),
        "kind": K::kind(&()),
        "metadata": {"name": name},
        "status": status,
    });
    api.patch_status(
        &name,
        &PatchParams::apply(manager).force(),
        &Patch::Apply(&body),
    )
    .await
    .map_err(|source| ControllerError::Kube {
        object: ObjectKey::new(&K::kind(&()), obj.meta()).to_string(),
        action: "patching status",
        source,
    })
}
