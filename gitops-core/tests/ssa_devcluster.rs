//! The apply executor against a devcluster: staged apply with CRDs, drift detection,
//! `kubectl edit` reversal, immutable fields and force, per-object annotations, prune
//! with the owner-label check, and the dry-run diff.
#![cfg(feature = "kube")]

use std::time::Duration;

use gitops_core::ssa::manager::{ManagerError, ResourceManager};
use gitops_core::ssa::policy::DeleteOptions;
use gitops_core::ssa::{Action, ApplyOptions, ChangeSet, Owner, inventory, plan};
use gitops_core::{Object, ResourceSet};
use gitops_devcluster::{DevCluster, Options};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams};
use serde_json::{Value, json};

const CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget}
  scope: Namespaced
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
              size: {type: integer}
";

fn app(image: &str, port: u16) -> String {
    format!(
        "{CRD}---
apiVersion: v1
kind: Namespace
metadata:
  name: apps
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
spec:
  replicas: 1
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
      - name: web
        image: {image}
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: apps
spec:
  selector: {{app: web}}
  ports:
  - port: {port}
    targetPort: 80
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
  namespace: apps
spec:
  size: 3
"
    )
}

fn owner() -> Owner {
    Owner::kustomize_controller()
}

fn prepared(yaml: &str) -> Vec<Object> {
    let set = ResourceSet::from_yaml_str(yaml, "app.yaml").expect("parses");
    plan::prepare(set.objects(), &owner(), "apps", "flux-system").expect("prepares")
}

fn opts() -> ApplyOptions {
    let mut o = ApplyOptions::flux(&owner());
    o.wait_interval = Duration::from_millis(100);
    o.wait_timeout = Duration::from_secs(10);
    o
}

fn lines(cs: &ChangeSet) -> Vec<String> {
    cs.entries.iter().map(ToString::to_string).collect()
}

fn api(
    client: &kube::Client,
    group: &str,
    version: &str,
    kind: &str,
    plural: &str,
    ns: &str,
) -> Api<DynamicObject> {
    let ar =
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural);
    Api::namespaced_with(client.clone(), ns, &ar)
}

async fn live(a: &Api<DynamicObject>, name: &str) -> Option<Value> {
    a.get_opt(name)
        .await
        .expect("get")
        .map(|o| serde_json::to_value(o).expect("json"))
}

fn rv(v: &Option<Value>) -> String {
    v.as_ref()
        .and_then(|v| v.pointer("/metadata/resourceVersion"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn ssa_devcluster_apply_drift_and_kubectl_edit() {
    let handle = DevCluster::start(Options::default()).expect("starts");
    let client = handle.client().expect("client");
    let m = ResourceManager::new(client.clone(), owner()).with_concurrency(4);

    let cs = m
        .apply_all_staged(&prepared(&app("nginx:1", 80)), &opts())
        .await
        .expect("applies");
    assert_eq!(
        lines(&cs),
        [
            "CustomResourceDefinition/widgets.example.com created",
            "Namespace/apps created",
            "Service/apps/web created",
            "Deployment/apps/web created",
            "Widget/apps/w created",
        ]
    );
    let deploy = api(&client, "apps", "v1", "Deployment", "deployments", "apps");
    let svc = api(&client, "", "v1", "Service", "services", "apps");
    let widget = api(&client, "example.com", "v1", "Widget", "widgets", "apps");
    let d = live(&deploy, "web").await;
    assert_eq!(
        d.as_ref()
            .and_then(|d| d.pointer("/metadata/labels/kustomize.toolkit.fluxcd.io~1name")),
        Some(&json!("apps"))
    );
    let before = (
        rv(&d),
        rv(&live(&svc, "web").await),
        rv(&live(&widget, "w").await),
    );

    // Re-apply: nothing written.
    let cs = m
        .apply_all_staged(&prepared(&app("nginx:1", 80)), &opts())
        .await
        .expect("re-applies");
    assert!(
        cs.entries.iter().all(|e| e.action == Action::Unchanged),
        "{cs}"
    );
    let after = (
        rv(&live(&deploy, "web").await),
        rv(&live(&svc, "web").await),
        rv(&live(&widget, "w").await),
    );
    assert_eq!(
        before, after,
        "unchanged objects keep their resourceVersion"
    );

    // One change: only the Deployment is configured.
    let cs = m
        .apply_all_staged(&prepared(&app("nginx:2", 80)), &opts())
        .await
        .expect("applies a change");
    assert_eq!(cs.changes_log(), "Deployment/apps/web configured");
    let d = live(&deploy, "web").await;
    assert_eq!(
        d.as_ref()
            .and_then(|d| d.pointer("/spec/template/spec/containers/0/image")),
        Some(&json!("nginx:2"))
    );

    // `kubectl edit`: another manager changes replicas and adds a label; the next apply reverts both.
    let edit = json!({"metadata": {"labels": {"edited": "yes"}}, "spec": {"replicas": 5}});
    let pp = PatchParams {
        field_manager: Some("kubectl-edit".into()),
        ..Default::default()
    };
    deploy
        .patch("web", &pp, &Patch::Merge(&edit))
        .await
        .expect("kubectl edit");
    let cs = m
        .apply_all_staged(&prepared(&app("nginx:2", 80)), &opts())
        .await
        .expect("reverts drift");
    assert_eq!(cs.changes_log(), "Deployment/apps/web configured");
    let d = live(&deploy, "web").await.expect("deployment");
    assert_eq!(d.pointer("/spec/replicas"), Some(&json!(1)));
    assert_eq!(
        d.pointer("/metadata/labels/edited"),
        None,
        "the edited label is removed"
    );
    let managers: Vec<&str> = d["metadata"]["managedFields"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["manager"].as_str()).collect())
        .unwrap_or_default();
    assert!(!managers.contains(&"kubectl-edit"), "{managers:?}");
    let cs = m
        .apply_all_staged(&prepared(&app("nginx:2", 80)), &opts())
        .await
        .expect("converged");
    assert!(!cs.has_changes(), "{cs}");
}

/// The devcluster does not enforce immutable fields of built-in kinds (Job templates,
/// Service clusterIPs) yet; a precondition conflict (a stale `metadata.uid`, 409) is an
/// immutable error for Flux too, so it drives the same recreate path.
#[tokio::test(flavor = "multi_thread")]
async fn ssa_devcluster_immutable_fields_and_force() {
    let handle = DevCluster::start(Options::default()).expect("starts");
    let client = handle.client().expect("client");
    let m = ResourceManager::new(client.clone(), owner());
    let job = |image: &str, force: bool| {
        let ann = if force {
            "\n  annotations: {kustomize.toolkit.fluxcd.io/force: Enabled}"
        } else {
            ""
        };
        prepared(&format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  namespace: default{ann}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: m\n        image: {image}\n"
        ))
    };
    m.apply_all_staged(&job("tool:1", false), &opts())
        .await
        .expect("creates");
    let jobs = api(&client, "batch", "v1", "Job", "jobs", "default");
    let uid = |v: &Option<Value>| v.as_ref().and_then(|v| v.pointer("/metadata/uid")).cloned();
    let first = uid(&live(&jobs, "migrate").await);

    let err = m
        .apply_all_staged(&job("tool:2", false), &opts())
        .await
        .expect_err("immutable");
    let text = err.to_string();
    assert!(
        text.starts_with("Job/default/migrate dry-run failed (Invalid): Job.batch \"migrate\" is invalid: spec.template: "),
        "{text}"
    );
    assert!(matches!(err.error, ManagerError::DryRun { .. }));
    assert!(err.changes.is_empty());

    let cs = m
        .apply_all_staged(&job("tool:2", true), &opts())
        .await
        .expect("recreates");
    assert_eq!(cs.changes_log(), "Job/default/migrate created");
    let recreated = live(&jobs, "migrate").await;
    assert_ne!(uid(&recreated), first, "a new object");
    assert_eq!(
        recreated
            .as_ref()
            .and_then(|j| j.pointer("/spec/template/spec/containers/0/image")),
        Some(&json!("tool:2"))
    );

    let mut forced = opts();
    forced.force = true;
    let cs = m
        .apply_all_staged(&job("tool:3", false), &forced)
        .await
        .expect("recreates with spec.force");
    assert_eq!(cs.changes_log(), "Job/default/migrate created");
    let cs = m
        .apply_all_staged(&job("tool:3", false), &opts())
        .await
        .expect("applies");
    assert_eq!(cs.to_string(), "Job/default/migrate unchanged");
}

#[tokio::test(flavor = "multi_thread")]
async fn ssa_devcluster_annotations_prune_and_diff() {
    let handle = DevCluster::start(Options::default()).expect("starts");
    let client = handle.client().expect("client");
    let m = ResourceManager::new(client.clone(), owner());
    let cms = |value: &str| {
        prepared(&format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: once\n  namespace: default\n  annotations: {{kustomize.toolkit.fluxcd.io/ssa: IfNotPresent}}\ndata: {{k: {value}}}\n---\n\
             apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ignored\n  namespace: default\n  annotations: {{kustomize.toolkit.fluxcd.io/ssa: Ignore}}\ndata: {{k: {value}}}\n---\n\
             apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n  namespace: default\ndata: {{k: {value}}}\n---\n\
             apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stale-owned\n  namespace: default\n---\n\
             apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stale-disowned\n  namespace: default\n"
        ))
    };
    let cs = m
        .apply_all_staged(&cms("a"), &opts())
        .await
        .expect("applies");
    assert_eq!(
        lines(&cs),
        [
            "ConfigMap/default/ignored skipped",
            "ConfigMap/default/once created",
            "ConfigMap/default/plain created",
            "ConfigMap/default/stale-disowned created",
            "ConfigMap/default/stale-owned created",
        ]
    );
    let cm = api(&client, "", "v1", "ConfigMap", "configmaps", "default");
    assert!(
        live(&cm, "ignored").await.is_none(),
        "Ignore: never created"
    );
    let cs = m
        .apply_all_staged(&cms("b"), &opts())
        .await
        .expect("applies");
    assert_eq!(
        cs.get(&prepared_id("once")).map(|e| e.action),
        Some(Action::Skipped)
    );
    assert_eq!(
        live(&cm, "once")
            .await
            .and_then(|v| v.pointer("/data/k").cloned()),
        Some(json!("a")),
        "IfNotPresent: left alone"
    );
    assert_eq!(
        live(&cm, "plain")
            .await
            .and_then(|v| v.pointer("/data/k").cloned()),
        Some(json!("b"))
    );

    // Dry-run diff: a change and a new object are reported, nothing is written.
    let mut desired = cms("c");
    desired.truncate(3);
    desired.extend(prepared("apiVersion: v1\nkind: Secret\nmetadata: {name: new, namespace: default}\nstringData: {p: s}\n"));
    let rv_before = rv(&live(&cm, "plain").await);
    let report = m.diff(&desired, &opts()).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.changed());
    let actions: Vec<String> = report
        .entries
        .iter()
        .map(|e| e.change.to_string())
        .collect();
    assert_eq!(
        actions,
        [
            "ConfigMap/default/once skipped",
            "ConfigMap/default/ignored skipped",
            "ConfigMap/default/plain configured",
            "Secret/default/new created"
        ]
    );
    let plain = &report.entries[2];
    assert!(plain.live_yaml().expect("live").contains("  k: b\n"));
    assert!(plain.merged_yaml().expect("merged").contains("  k: c\n"));
    assert!(
        !plain
            .merged_yaml()
            .expect("merged")
            .contains("managedFields")
    );
    assert_eq!(
        rv(&live(&cm, "plain").await),
        rv_before,
        "diff writes nothing"
    );
    let same = m.diff(&cms("b")[2..3], &opts()).await;
    assert!(!same.changed() && same.entries[0].change.action == Action::Unchanged);

    // Prune: the stale objects are those of the old inventory missing from the new one;
    // the one whose owner label was removed is skipped.
    let old_inventory = inventory::from_change_set(&cs);
    let new_cs = m
        .apply_all_staged(&cms("b")[..3], &opts())
        .await
        .expect("applies");
    let stale =
        inventory::diff(&old_inventory, &inventory::from_change_set(&new_cs)).expect("diff");
    let disown = json!({"metadata": {"labels": {"kustomize.toolkit.fluxcd.io/name": null}}});
    cm.patch(
        "stale-disowned",
        &PatchParams::default(),
        &Patch::Merge(&disown),
    )
    .await
    .expect("disowns");
    let pruned = m
        .delete_all(
            &stale,
            &DeleteOptions::flux(&owner(), "apps", "flux-system"),
        )
        .await
        .expect("prunes");
    assert_eq!(
        lines(&pruned),
        [
            "ConfigMap/default/stale-owned deleted",
            "ConfigMap/default/stale-disowned skipped"
        ]
    );
    assert!(live(&cm, "stale-owned").await.is_none());
    assert!(
        live(&cm, "stale-disowned").await.is_some(),
        "objects without our owner labels are never deleted"
    );
    assert!(inventory::unsettled(&stale, &pruned).is_empty());
    let nons = prepared("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nons}\n");
    let err = m
        .apply_all_staged(&nons, &opts())
        .await
        .expect_err("no namespace");
    assert!(
        err.to_string()
            .starts_with("ConfigMap/nons namespace not specified: "),
        "{err}"
    );
    let unknown = prepared(
        "apiVersion: example.com/v9\nkind: Gadget\nmetadata: {name: g, namespace: default}\n",
    );
    let err = m
        .apply_all_staged(&unknown, &opts())
        .await
        .expect_err("unknown kind");
    assert_eq!(
        err.to_string(),
        "Gadget/default/g dry-run failed: no matches for kind \"Gadget\" in version \"example.com/v9\""
    );
    let again = m
        .delete_all(
            &stale,
            &DeleteOptions::flux(&owner(), "apps", "flux-system"),
        )
        .await
        .expect("prunes");
    assert_eq!(
        lines(&again),
        [
            "ConfigMap/default/stale-owned deleted",
            "ConfigMap/default/stale-disowned skipped"
        ]
    );
}

fn prepared_id(name: &str) -> gitops_core::ObjectId {
    gitops_core::ObjectId::new("", "ConfigMap", "default", name)
}

#[tokio::test(flavor = "multi_thread")]
async fn ssa_devcluster_drift_ignore_rules() {
    use gitops_core::api::kustomize::IgnoreRule;
    use gitops_core::ssa::ignore::IgnoreRules;
    let handle = DevCluster::start(Options::default()).expect("starts");
    let client = handle.client().expect("client");
    let m = ResourceManager::new(client.clone(), owner());
    let deployment = |image: &str| {
        prepared(&format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: default}}\nspec:\n  replicas: 1\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers:\n      - {{name: web, image: '{image}'}}\n"
        ))
    };
    m.apply_all_staged(&deployment("nginx:1"), &opts())
        .await
        .expect("creates");
    let deploy = api(
        &client,
        "apps",
        "v1",
        "Deployment",
        "deployments",
        "default",
    );
    let scale = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 4}});
    deploy
        .patch(
            "web",
            &PatchParams::apply("hpa").force(),
            &Patch::Apply(&scale),
        )
        .await
        .expect("hpa scales");

    let mut ignoring = opts();
    ignoring.drift_ignore_rules = IgnoreRules::compile(&[IgnoreRule {
        paths: vec!["/spec/replicas".into()],
        target: None,
    }])
    .expect("compiles");
    let cs = m
        .apply_all_staged(&deployment("nginx:1"), &ignoring)
        .await
        .expect("applies");
    assert_eq!(cs.to_string(), "Deployment/default/web unchanged");
    let cs = m
        .apply_all_staged(&deployment("nginx:2"), &ignoring)
        .await
        .expect("applies");
    assert_eq!(cs.to_string(), "Deployment/default/web configured");
    let d = live(&deploy, "web").await.expect("deployment");
    assert_eq!(
        d.pointer("/spec/replicas"),
        Some(&json!(4)),
        "the ignored field keeps its live value"
    );
    assert_eq!(
        d.pointer("/spec/template/spec/containers/0/image"),
        Some(&json!("nginx:2"))
    );
    let report = m.diff(&deployment("nginx:2"), &ignoring).await;
    assert!(!report.changed(), "{:?}", report.entries);

    let cs = m
        .apply_all_staged(&deployment("nginx:2"), &opts())
        .await
        .expect("applies");
    assert_eq!(cs.to_string(), "Deployment/default/web configured");
    assert_eq!(
        live(&deploy, "web")
            .await
            .and_then(|d| d.pointer("/spec/replicas").cloned()),
        Some(json!(1))
    );
}
