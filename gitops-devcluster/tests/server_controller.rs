//! A kube-rs `Controller` reconciling a custom resource against a devcluster: it watches
//! the CRD's objects and the ConfigMaps it owns, applies a ConfigMap per object (server-side
//! apply, owner reference) and writes the object's status through the status subresource;
//! a `reflector` store follows the same objects.

mod support;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use serde_json::json;

const CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: greetings.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: greetings, singular: greeting, kind: Greeting}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              message: {type: string}
          status:
            type: object
            properties:
              observedMessage: {type: string}
";

#[derive(Debug, thiserror::Error)]
#[error(transparent)]
struct ReconcileError(#[from] kube::Error);

struct Ctx {
    client: kube::Client,
    ar: ApiResource,
}

async fn reconcile(obj: Arc<DynamicObject>, ctx: Arc<Ctx>) -> Result<Action, ReconcileError> {
    let ns = obj.metadata.namespace.clone().unwrap_or_default();
    let name = obj.metadata.name.clone().unwrap_or_default();
    let message = obj.data["spec"]["message"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let owner = json!({"apiVersion": "example.com/v1", "kind": "Greeting", "name": name,
        "uid": obj.metadata.uid, "controller": true, "blockOwnerDeletion": true});
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": format!("{name}-greeting"), "ownerReferences": [owner]},
        "data": {"message": message}});
    let cms: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ns);
    cms.patch(
        &format!("{name}-greeting"),
        &PatchParams::apply("greeter").force(),
        &Patch::Apply(cm),
    )
    .await?;
    let api: Api<DynamicObject> = Api::namespaced_with(ctx.client.clone(), &ns, &ctx.ar);
    let status = json!({"apiVersion": "example.com/v1", "kind": "Greeting", "metadata": {"name": name},
        "status": {"observedMessage": message}});
    api.patch_status(
        &name,
        &PatchParams::apply("greeter").force(),
        &Patch::Apply(status),
    )
    .await?;
    Ok(Action::await_change())
}

fn error_policy(_: Arc<DynamicObject>, _: &ReconcileError, _: Arc<Ctx>) -> Action {
    Action::requeue(Duration::from_millis(200))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_rs_controller_reconciles_a_custom_resource() {
    let env = support::start();
    let crd = env.file("crd.yaml", CRD);
    tokio::task::block_in_place(|| env.ok(&["apply", "-f", &crd]));
    let client = env.handle.client().expect("client");
    let gvk = GroupVersionKind::gvk("example.com", "v1", "Greeting");
    let ar = ApiResource::from_gvk_with_plural(&gvk, "greetings");
    let greetings: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &ar);
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");

    let writer = reflector::store::Writer::<DynamicObject>::new(ar.clone());
    let reader = writer.as_reader();
    let reflect = watcher(greetings.clone(), watcher::Config::default())
        .default_backoff()
        .reflect(writer)
        .applied_objects()
        .for_each(|_| async {});
    let reflect = tokio::spawn(reflect);

    let ctx = Arc::new(Ctx {
        client: client.clone(),
        ar: ar.clone(),
    });
    let controller =
        Controller::new_with(greetings.clone(), watcher::Config::default(), ar.clone())
            .owns_with(cms.clone(), (), watcher::Config::default())
            .run(reconcile, error_policy, ctx)
            .for_each(|_| async {});
    let controller = tokio::spawn(controller);

    let g = |msg: &str| json!({"apiVersion": "example.com/v1", "kind": "Greeting", "metadata": {"name": "hello"}, "spec": {"message": msg}});
    greetings
        .patch("hello", &PatchParams::apply("user"), &Patch::Apply(g("hi")))
        .await
        .expect("create greeting");
    let observed = |want: &'static str| {
        let greetings = greetings.clone();
        let cms = cms.clone();
        async move {
            for _ in 0..100 {
                let st = greetings.get("hello").await.ok().and_then(|o| {
                    o.data["status"]["observedMessage"]
                        .as_str()
                        .map(String::from)
                });
                let cm = cms.get_opt("hello-greeting").await.ok().flatten();
                let data = cm
                    .and_then(|c| c.data)
                    .and_then(|d| d.get("message").cloned());
                if st.as_deref() == Some(want) && data.as_deref() == Some(want) {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            false
        }
    };
    assert!(
        observed("hi").await,
        "the controller reconciled the new object"
    );
    greetings
        .patch(
            "hello",
            &PatchParams::apply("user"),
            &Patch::Apply(g("bye")),
        )
        .await
        .expect("update greeting");
    assert!(
        observed("bye").await,
        "the controller reconciled the change"
    );
    let cached = reader.get(&reflector::ObjectRef::new_with("hello", ar.clone()).within("default"));
    assert!(cached.is_some(), "the reflector store follows the objects");
    // The user's manager owns the spec, the controller's owns the status.
    let obj = greetings.get("hello").await.expect("get");
    let mf = obj.metadata.managed_fields.unwrap_or_default();
    assert!(
        mf.iter().any(|e| e.manager.as_deref() == Some("greeter")
            && e.subresource.as_deref() == Some("status"))
    );
    assert!(
        mf.iter()
            .any(|e| e.manager.as_deref() == Some("user") && e.subresource.is_none())
    );
    // Deleting the owner garbage-collects the owned ConfigMap.
    greetings
        .delete("hello", &Default::default())
        .await
        .expect("delete");
    let mut gone = false;
    for _ in 0..100 {
        if cms.get_opt("hello-greeting").await.expect("get").is_none() {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gone, "owned ConfigMap collected");
    controller.abort();
    reflect.abort();
}
