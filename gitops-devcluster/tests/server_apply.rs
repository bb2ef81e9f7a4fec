//! Server-side apply and managedFields with the real clients: kubectl (`apply
//! --server-side`, `--force-conflicts`, the client-side to server-side upgrade, `diff`)
//! and kube-rs (`Patch::Apply` with conflicts and force).

mod support;

use serde_json::{Value, json};

fn managers(obj: &Value) -> Vec<(String, String)> {
    obj["metadata"]["managedFields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["manager"].as_str().unwrap_or("").to_string(),
                        e["operation"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  labels: {app: web, tier: front}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80}]
";

#[test]
fn kubectl_server_side_apply_conflicts_force_and_removal() {
    let env = support::start();
    let f = env.file("d.yaml", DEPLOY);
    let out = env.ok(&["apply", "--server-side", "-f", &f]);
    assert!(
        out.contains("deployment.apps/web serverside-applied"),
        "{out}"
    );
    let d = env.json(&["get", "deploy", "web"]);
    assert_eq!(managers(&d), [("kubectl".to_string(), "Apply".to_string())]);
    let fields = &d["metadata"]["managedFields"][0]["fieldsV1"];
    assert!(
        fields["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"]["f:ports"]
            .get("k:{\"containerPort\":80,\"protocol\":\"TCP\"}")
            .is_some(),
        "{fields}"
    );
    // Re-applying the same configuration is a no-op for ownership and the object.
    let rv = d["metadata"]["resourceVersion"].clone();
    env.ok(&["apply", "--server-side", "-f", &f]);
    assert_eq!(
        env.json(&["get", "deploy", "web"])["metadata"]["resourceVersion"],
        rv
    );

    // Another manager owning replicas makes kubectl's change conflict.
    env.ok(&[
        "patch",
        "deploy",
        "web",
        "--type=merge",
        "-p",
        r#"{"spec":{"replicas":5}}"#,
        "--field-manager=autoscaler",
    ]);
    let scaled = env.json(&["get", "deploy", "web"]);
    assert!(
        managers(&scaled)
            .iter()
            .any(|(m, op)| m == "autoscaler" && op == "Update"),
        "{:?}",
        managers(&scaled)
    );
    let f3 = env.file("d3.yaml", &DEPLOY.replace("replicas: 2", "replicas: 3"));
    let err = env.fail(&["apply", "--server-side", "-f", &f3]);
    assert!(err.contains("Apply failed with 1 conflict: conflict with \"autoscaler\" using apps/v1: .spec.replicas"), "{err}");
    env.ok(&["apply", "--server-side", "--force-conflicts", "-f", &f3]);
    assert_eq!(env.json(&["get", "deploy", "web"])["spec"]["replicas"], 3);

    // Fields the applier stops sending are removed.
    let f4 = env.file(
        "d4.yaml",
        &DEPLOY
            .replace("replicas: 2", "replicas: 3")
            .replace(", tier: front", ""),
    );
    env.ok(&["apply", "--server-side", "-f", &f4]);
    let d = env.json(&["get", "deploy", "web"]);
    assert_eq!(d["metadata"]["labels"], json!({"app": "web"}));

    // diff (server-side dry run) shows a pending change and changes nothing.
    let f5 = env.file(
        "d5.yaml",
        &DEPLOY
            .replace("nginx:1.27", "nginx:1.28")
            .replace("replicas: 2", "replicas: 3")
            .replace(", tier: front", ""),
    );
    let out = env.run(&["diff", "--server-side", "-f", &f5]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("+      - image: nginx:1.28") && text.contains("-      - image: nginx:1.27"),
        "{text}"
    );
    assert_eq!(
        env.json(&["get", "deploy", "web"])["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.27"
    );
}

#[test]
fn kubectl_client_side_then_server_side_apply() {
    let env = support::start();
    let f = env.file("d.yaml", DEPLOY);
    env.ok(&["apply", "-f", &f]);
    let d = env.json(&["get", "deploy", "web"]);
    assert_eq!(
        managers(&d),
        [(
            "kubectl-client-side-apply".to_string(),
            "Update".to_string()
        )]
    );
    // kubectl's upgrade path: fields listed in the last-applied annotation don't conflict.
    let f2 = env.file("d2.yaml", &DEPLOY.replace("replicas: 2", "replicas: 4"));
    let out = env.ok(&["apply", "--server-side", "-f", &f2]);
    assert!(out.contains("serverside-applied"), "{out}");
    let d = env.json(&["get", "deploy", "web"]);
    assert_eq!(d["spec"]["replicas"], 4);
    let last: Value = serde_json::from_str(
        d["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
            .as_str()
            .expect("kept"),
    )
    .expect("json");
    assert_eq!(
        last["spec"]["replicas"], 4,
        "the annotation follows the applied configuration"
    );
}

const CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: routes.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: routes, singular: route, kind: Route}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              hosts:
                type: array
                x-kubernetes-list-type: set
                items: {type: string}
              backends:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  properties:
                    name: {type: string}
                    weight: {type: integer}
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_rs_apply_on_custom_resources_merges_list_items_per_manager() {
    let env = support::start();
    let crd = env.file("crd.yaml", CRD);
    tokio::task::block_in_place(|| env.ok(&["apply", "--server-side", "-f", &crd]));
    let client = env.handle.client().expect("client");
    let gvk = kube::api::GroupVersionKind::gvk("example.com", "v1", "Route");
    let ar = kube::api::ApiResource::from_gvk_with_plural(&gvk, "routes");
    let api: kube::Api<kube::api::DynamicObject> =
        kube::Api::namespaced_with(client, "default", &ar);
    let route = |backends: Value, hosts: Value| {
        json!({"apiVersion": "example.com/v1", "kind": "Route", "metadata": {"name": "r"},
            "spec": {"backends": backends, "hosts": hosts}})
    };
    let pp = |m: &str| kube::api::PatchParams::apply(m);
    api.patch(
        "r",
        &pp("alice"),
        &kube::api::Patch::Apply(route(json!([{"name": "a", "weight": 1}]), json!(["x.com"]))),
    )
    .await
    .expect("alice applies");
    api.patch(
        "r",
        &pp("bob"),
        &kube::api::Patch::Apply(route(json!([{"name": "b", "weight": 2}]), json!(["y.com"]))),
    )
    .await
    .expect("bob applies other items without conflict");
    let got = api.get("r").await.expect("get");
    assert_eq!(
        got.data["spec"]["backends"],
        json!([{"name": "a", "weight": 1}, {"name": "b", "weight": 2}])
    );
    assert_eq!(got.data["spec"]["hosts"], json!(["x.com", "y.com"]));

    // Changing alice's item conflicts for bob, unless forced.
    let err = api
        .patch(
            "r",
            &pp("bob"),
            &kube::api::Patch::Apply(route(
                json!([{"name": "a", "weight": 9}, {"name": "b", "weight": 2}]),
                json!(["y.com"]),
            )),
        )
        .await
        .expect_err("conflict");
    match err {
        kube::Error::Api(s) => {
            assert_eq!(s.code, 409);
            assert_eq!(
                s.message,
                "Apply failed with 1 conflict: conflict with \"alice\": .spec.backends[name=\"a\"].weight"
            );
        }
        other => panic!("{other}"),
    }
    api.patch(
        "r",
        &pp("bob").force(),
        &kube::api::Patch::Apply(route(
            json!([{"name": "a", "weight": 9}, {"name": "b", "weight": 2}]),
            json!(["y.com"]),
        )),
    )
    .await
    .expect("forced");
    // alice drops her item: it stays, because bob now owns it; her host goes.
    api.patch(
        "r",
        &pp("alice"),
        &kube::api::Patch::Apply(route(json!([]), json!([]))),
    )
    .await
    .expect("alice applies less");
    let got = api.get("r").await.expect("get");
    assert_eq!(
        got.data["spec"]["backends"],
        json!([{"name": "a", "weight": 9}, {"name": "b", "weight": 2}])
    );
    assert_eq!(got.data["spec"]["hosts"], json!(["y.com"]));
    // Apply without a field manager is refused.
    let status = api
        .patch(
            "r",
            &kube::api::PatchParams::default(),
            &kube::api::Patch::Apply(route(json!([]), json!([]))),
        )
        .await
        .expect_err("manager required");
    assert!(
        status
            .to_string()
            .contains("fieldManager: Required value: is required for apply patch"),
        "{status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_rs_typed_apply_creates_updates_and_tracks_updaters() {
    use k8s_openapi::api::core::v1::ConfigMap;
    let env = support::start();
    let client = env.handle.client().expect("client");
    let api: kube::Api<ConfigMap> = kube::Api::namespaced(client, "default");
    let cm = |data: Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": data});
    let created = api
        .patch(
            "c",
            &kube::api::PatchParams::apply("ctl"),
            &kube::api::Patch::Apply(cm(json!({"a": "1"}))),
        )
        .await
        .expect("apply creates");
    assert_eq!(
        created
            .data
            .as_ref()
            .and_then(|d| d.get("a"))
            .map(String::as_str),
        Some("1")
    );
    // A merge patch by another manager adds a key; it's that manager's now.
    api.patch(
        "c",
        &kube::api::PatchParams {
            field_manager: Some("editor".into()),
            ..Default::default()
        },
        &kube::api::Patch::Merge(json!({"data": {"b": "2"}})),
    )
    .await
    .expect("merge patch");
    let got = api.get("c").await.expect("get");
    let mf = got.metadata.managed_fields.expect("managed fields");
    let names: Vec<(String, String)> = mf
        .iter()
        .map(|e| {
            (
                e.manager.clone().unwrap_or_default(),
                e.operation.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("ctl".to_string(), "Apply".to_string()),
            ("editor".to_string(), "Update".to_string())
        ]
    );
    assert_eq!(
        mf[1].fields_v1.as_ref().map(|f| f.0.clone()),
        Some(json!({"f:data": {"f:b": {}}}))
    );
    // Dry-run apply changes nothing.
    let dry = api
        .patch(
            "c",
            &kube::api::PatchParams::apply("ctl").dry_run(),
            &kube::api::Patch::Apply(cm(json!({"a": "9"}))),
        )
        .await
        .expect("dry run");
    assert_eq!(
        dry.data
            .as_ref()
            .and_then(|d| d.get("a"))
            .map(String::as_str),
        Some("9")
    );
    let got = api.get("c").await.expect("get");
    assert_eq!(
        got.data
            .as_ref()
            .and_then(|d| d.get("a"))
            .map(String::as_str),
        Some("1")
    );
}
