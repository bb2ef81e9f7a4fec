//! Pure tests of the plan engine: inventory ids, staged order, annotations, prune
//! eligibility, drift normalisation and the managed-fields cleanup patch.

use gitops_core::api::kustomize::{ResourceInventory, ResourceRef};
use gitops_core::ssa::cleanup::{self, CleanupOptions, PatchOp};
use gitops_core::ssa::plan::{PlannedAction, PruneAction};
use gitops_core::ssa::{
    Action, ChangeSet, ChangeSetEntry, GroupKind, LiveSet, Owner, PlanOptions, Stage, drift,
    inventory, order, plan,
};
use gitops_core::{Object, ObjectId, ResourceSet};
use serde_json::{Value, json};

fn obj(v: Value) -> Object {
    Object::from_value(v).expect("object")
}

fn objects(yaml: &str) -> Vec<Object> {
    ResourceSet::from_yaml_str(yaml, "test.yaml")
        .expect("parses")
        .into_iter()
        .collect()
}

fn opts() -> PlanOptions {
    PlanOptions::new(Owner::kustomize_controller(), "apps", "flux-system")
}

#[test]
fn ssa_inventory_ids_and_stale_set() {
    let objs = objects(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: default}\n---\n\
         apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}\n---\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: 'system:reader'}\n",
    );
    let inv = inventory::from_objects(&objs);
    let ids: Vec<&str> = inv.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "default_web_apps_Deployment",
            "_apps__Namespace",
            "_system__reader_rbac.authorization.k8s.io_ClusterRole"
        ]
    );
    assert_eq!(inv.entries[0].version, "v1");
    let parsed = inventory::parse_id("_system__reader_rbac.authorization.k8s.io_ClusterRole")
        .expect("parses");
    assert_eq!(
        parsed,
        ObjectId::new(
            "rbac.authorization.k8s.io",
            "ClusterRole",
            "",
            "system:reader"
        )
    );

    let entry = |id: &str| ResourceRef {
        id: id.into(),
        version: "v1".into(),
    };
    let old = ResourceInventory {
        entries: vec![
            entry("default_web_apps_Deployment"),
            entry("default_web__Service"),
            entry("_apps__Namespace"),
            entry("default_cfg__ConfigMap"),
            entry("_hook_admissionregistration.k8s.io_ValidatingWebhookConfiguration"),
        ],
    };
    let new = ResourceInventory {
        entries: vec![entry("default_web_apps_Deployment")],
    };
    let stale: Vec<String> = inventory::diff(&old, &new)
        .expect("diff")
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    assert_eq!(
        stale,
        [
            "Namespace/apps",
            "ConfigMap/default/cfg",
            "Service/default/web",
            "ValidatingWebhookConfiguration/hook"
        ]
    );
    assert!(
        inventory::diff(
            &ResourceInventory {
                entries: vec![entry("bad")]
            },
            &new
        )
        .is_err()
    );

    let mut merged = new.clone();
    inventory::merge(
        &mut merged,
        &inventory::diff(&old, &new).expect("diff")[..1],
    );
    inventory::merge(
        &mut merged,
        &inventory::diff(&old, &new).expect("diff")[..1],
    );
    assert_eq!(merged.entries.len(), 2);
}

#[test]
fn ssa_order_stages_and_kind_order() {
    let objs = objects(
        "apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata: {name: hook}\n---\n\
         apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: b}\n---\n\
         apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: a}\n---\n\
         apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: b}\n---\n\
         apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast}\n---\n\
         apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n---\n\
         apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\n---\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: a}\n---\n\
         apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa, namespace: a}\n",
    );
    let custom = GroupKind::parse_set("example.com/Widget").expect("parses");
    let stages = order::staged(&objs, &custom);
    let shown: Vec<(Stage, Vec<String>)> = stages
        .iter()
        .map(|(s, l)| (*s, l.iter().map(|o| o.id().to_string()).collect()))
        .collect();
    assert_eq!(
        shown,
        [
            (
                Stage::Definitions,
                vec![
                    "CustomResourceDefinition/widgets.example.com".to_string(),
                    "Namespace/b".into(),
                    "ClusterRole/reader".into()
                ]
            ),
            (Stage::Classes, vec!["StorageClass/fast".into()]),
            (Stage::Custom, vec!["Widget/a/w".into()]),
            (
                Stage::Resources,
                vec![
                    "ServiceAccount/a/sa".into(),
                    "ConfigMap/a/cfg".into(),
                    "Service/b/web".into(),
                    "Deployment/b/web".into(),
                    "MutatingWebhookConfiguration/hook".into(),
                ]
            ),
        ]
    );
    assert!(Stage::Definitions.waits() && Stage::Classes.waits() && !Stage::Resources.waits());
    // Without the custom stage the Widget is an unlisted kind: after Deployment, before webhooks.
    let rest = order::staged(&objs, &Default::default());
    let last: Vec<String> = rest
        .last()
        .expect("stage")
        .1
        .iter()
        .map(|o| o.id().kind)
        .collect();
    assert_eq!(
        last,
        [
            "ServiceAccount",
            "ConfigMap",
            "Service",
            "Deployment",
            "Widget",
            "MutatingWebhookConfiguration"
        ]
    );
    let mut ids: Vec<ObjectId> = objs.iter().map(Object::id).collect();
    order::sort_ids_for_deletion(&mut ids);
    assert_eq!(
        ids.first().map(|i| i.kind.as_str()),
        Some("MutatingWebhookConfiguration")
    );
    assert_eq!(
        ids.last().map(|i| i.kind.as_str()),
        Some("CustomResourceDefinition")
    );
    assert_eq!(
        GroupKind::parse_set("Secret,apps/Deployment")
            .expect("parses")
            .len(),
        2
    );
}

#[test]
fn ssa_changeset_lines_and_summary() {
    let mut cs = ChangeSet::new();
    cs.add(ChangeSetEntry::new(
        ObjectId::new("apps", "Deployment", "default", "podinfo"),
        "v1",
        Action::Configured,
    ));
    cs.add(ChangeSetEntry::new(
        ObjectId::new("", "Namespace", "", "apps"),
        "v1",
        Action::Unchanged,
    ));
    cs.add(ChangeSetEntry::new(
        ObjectId::new("", "Service", "default", "web"),
        "v1",
        Action::Created,
    ));
    assert_eq!(
        cs.to_string(),
        "Deployment/default/podinfo configured\nNamespace/apps unchanged\nService/default/web created"
    );
    assert_eq!(
        cs.changes_log(),
        "Deployment/default/podinfo configured\nService/default/web created"
    );
    assert_eq!(cs.summary().get(&Action::Unchanged), Some(&1));
    assert_eq!(cs.to_map().get("Namespace/apps"), Some(&Action::Unchanged));
    assert_eq!(
        inventory::from_change_set(&cs).entries[1].id,
        "_apps__Namespace"
    );
    assert!(cs.has_changes());
}

#[test]
fn ssa_plan_annotations_and_owner_labels() {
    let desired = objects(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: once, namespace: default, annotations: {kustomize.toolkit.fluxcd.io/ssa: IfNotPresent}}\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fresh, namespace: default, annotations: {kustomize.toolkit.fluxcd.io/ssa: ifnotpresent}}\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ignored, namespace: default, annotations: {kustomize.toolkit.fluxcd.io/ssa: Ignore}}\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata: {name: off, namespace: default, labels: {kustomize.toolkit.fluxcd.io/reconcile: disabled}}\n---\n\
         apiVersion: v1\nkind: Service\nmetadata: {name: forced, namespace: default, annotations: {kustomize.toolkit.fluxcd.io/force: enabled}}\n---\n\
         apiVersion: v1\nkind: Service\nmetadata: {name: plain, namespace: default}\n",
    );
    let mut live = LiveSet::default();
    for name in ["once", "ignored", "off"] {
        let o = obj(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}}),
        );
        live.insert(o.id(), o);
    }
    let p = plan(&desired, &live, None, &opts()).expect("plans");
    let actions: Vec<(String, PlannedAction, bool)> = p
        .objects()
        .map(|o| {
            (
                o.object.name().to_string(),
                o.action,
                o.recreate_on_immutable,
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("fresh".to_string(), PlannedAction::Create, false),
            ("ignored".into(), PlannedAction::Skip, false),
            ("off".into(), PlannedAction::Skip, false),
            ("once".into(), PlannedAction::Skip, false),
            ("forced".into(), PlannedAction::Create, true),
            ("plain".into(), PlannedAction::Create, false),
        ]
    );
    let first = &p.objects().next().expect("object").object;
    assert_eq!(
        first.label("kustomize.toolkit.fluxcd.io/name"),
        Some("apps")
    );
    assert_eq!(
        first.label("kustomize.toolkit.fluxcd.io/namespace"),
        Some("flux-system")
    );
    assert_eq!(
        p.inventory.entries.len(),
        6,
        "skipped objects stay in the inventory"
    );
    let dup = objects(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    );
    assert_eq!(
        plan(&dup, &live, None, &opts())
            .expect_err("duplicate")
            .to_string(),
        "ConfigMap/a is defined more than once"
    );
    let nameless = [obj(
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": "x"}}),
    )];
    assert!(
        plan(&nameless, &live, None, &opts())
            .expect_err("invalid")
            .to_string()
            .contains("metadata.name")
    );
}

#[test]
fn ssa_plan_prune_eligibility() {
    let desired =
        objects("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep, namespace: default}\n");
    let owned = json!({"kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"});
    let mut live = LiveSet::default();
    let mut add = |kind: &str, name: &str, meta: Value| {
        let mut m = json!({"name": name, "namespace": "default"});
        if let (Some(m), Some(extra)) = (m.as_object_mut(), meta.as_object()) {
            m.extend(extra.clone());
        }
        let o = obj(json!({"apiVersion": "v1", "kind": kind, "metadata": m}));
        live.insert(o.id(), o);
    };
    add("ConfigMap", "owned", json!({"labels": owned}));
    add(
        "ConfigMap",
        "adopted",
        json!({"labels": {"kustomize.toolkit.fluxcd.io/name": "other", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}}),
    );
    add("ConfigMap", "unlabelled", json!({}));
    add(
        "Secret",
        "kept",
        json!({"labels": owned, "annotations": {"kustomize.toolkit.fluxcd.io/prune": "Disabled"}}),
    );
    add("Service", "owned", json!({"labels": owned}));
    let entry = |id: &str| ResourceRef {
        id: id.into(),
        version: "v1".into(),
    };
    let previous = ResourceInventory {
        entries: [
            "default_keep__ConfigMap",
            "default_owned__ConfigMap",
            "default_adopted__ConfigMap",
            "default_unlabelled__ConfigMap",
            "default_kept__Secret",
            "default_owned__Service",
            "default_gone__ConfigMap",
        ]
        .into_iter()
        .map(entry)
        .collect(),
    };
    let p = plan(&desired, &live, Some(&previous), &opts()).expect("plans");
    let prune: Vec<(String, PruneAction)> = p
        .prune
        .iter()
        .map(|d| (d.target.id.to_string(), d.action))
        .collect();
    assert_eq!(
        prune,
        [
            ("Service/default/owned".to_string(), PruneAction::Delete),
            ("Secret/default/kept".into(), PruneAction::Skip),
            ("ConfigMap/default/unlabelled".into(), PruneAction::Skip),
            ("ConfigMap/default/owned".into(), PruneAction::Delete),
            ("ConfigMap/default/gone".into(), PruneAction::Gone),
            ("ConfigMap/default/adopted".into(), PruneAction::Skip),
        ]
    );
    assert_eq!(p.deletions().count(), 2);
    let mut no_prune = opts();
    no_prune.prune = false;
    assert!(
        plan(&desired, &live, Some(&previous), &no_prune)
            .expect("plans")
            .prune
            .is_empty()
    );
}

#[test]
fn ssa_drift_normalisation() {
    let mut d = obj(
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [{"name": "app", "ports": [{"containerPort": 80}]}]}}}, "status": {"replicas": 1}}),
    );
    drift::normalize(&mut d);
    assert_eq!(
        d.as_value()
            .pointer("/spec/template/spec/containers/0/ports/0/protocol"),
        Some(&json!("TCP"))
    );
    assert!(d.as_value().get("status").is_none());
    let mut s = obj(
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"k": "v"}, "data": {"a": "Yg=="}}),
    );
    drift::normalize(&mut s);
    assert_eq!(
        s.as_value().get("data"),
        Some(&json!({"a": "Yg==", "k": "dg=="}))
    );
    assert!(s.as_value().get("stringData").is_none());

    let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c", "resourceVersion": "5", "uid": "u", "managedFields": [{"manager": "a"}], "creationTimestamp": "2024-01-01T00:00:00Z"},
        "data": {"k": "v"}});
    let mut dry = live.clone();
    dry["metadata"]["resourceVersion"] = json!("5");
    dry["metadata"]["managedFields"] = json!([{"manager": "b"}]);
    dry["metadata"]["labels"] = json!({});
    assert!(
        !drift::has_drifted(&live, &dry),
        "metadata bookkeeping and empty labels are not drift"
    );
    let mut status_only = dry.clone();
    status_only["status"] = json!({"x": 1});
    assert!(!drift::has_drifted(&live, &status_only));
    let mut changed = dry.clone();
    changed["data"]["k"] = json!("w");
    assert!(drift::has_drifted(&live, &changed));
    let mut labelled = dry.clone();
    labelled["metadata"]["labels"] = json!({"a": "b"});
    assert!(drift::has_drifted(&live, &labelled));
    let mut created = dry.clone();
    created["metadata"]["resourceVersion"] = json!("");
    assert!(drift::has_drifted(&live, &created));

    let mut l = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"managedFields": []}, "data": {"same": "YQ==", "changed": "YQ==", "old": "YQ=="}});
    let mut m = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {}, "data": {"same": "YQ==", "changed": "Yg==", "new": "YQ=="}});
    drift::prepare_diff_pair(&mut l, &mut m);
    assert_eq!(
        l["data"],
        json!({"same": "***", "changed": "*** (before)", "old": "***"})
    );
    assert_eq!(
        m["data"],
        json!({"same": "***", "changed": "*** (after)", "new": "***"})
    );
    assert!(l["metadata"].get("managedFields").is_none());
}

fn entry(manager: &str, op: &str, fields: Value) -> Value {
    json!({"manager": manager, "operation": op, "apiVersion": "apps/v1", "fieldsType": "FieldsV1", "fieldsV1": fields})
}

#[test]
fn ssa_cleanup_patch_hands_kubectl_fields_to_us() {
    let opts = CleanupOptions::flux(&Owner::kustomize_controller());
    let desired = json!({"metadata": {"name": "web"}});
    let live = json!({"kind": "Deployment", "metadata": {"name": "web", "namespace": "default",
    "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "keep": "x"},
    "managedFields": [
        entry("kustomize-controller", "Apply", json!({"f:spec": {"f:replicas": {}}})),
        entry("kubectl-edit", "Update", json!({"f:metadata": {"f:labels": {"f:edited": {}}}, "f:spec": {"f:replicas": {}}})),
        entry("kube-controller-manager", "Update", json!({"f:status": {}})),
        {"manager": "kubectl-edit", "operation": "Update", "subresource": "status", "fieldsType": "FieldsV1", "fieldsV1": {}},
        entry("before-first-apply", "Update", json!({"f:spec": {"f:paused": {}}})),
    ]}});
    let patch = cleanup::cleanup_patch(&desired, &live, &opts, "kustomize-controller")
        .expect("computes")
        .expect("needed");
    assert_eq!(
        patch.ops[0],
        PatchOp::Remove(
            "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration".into()
        )
    );
    let PatchOp::ReplaceManagedFields(entries) = &patch.ops[1] else {
        panic!("managed fields op")
    };
    let managers: Vec<&str> = entries
        .iter()
        .map(|e| e["manager"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        managers,
        [
            "kube-controller-manager",
            "kubectl-edit",
            "kustomize-controller"
        ]
    );
    assert_eq!(entries[2]["operation"], "Apply");
    assert_eq!(
        entries[2]["fieldsV1"],
        json!({"f:spec": {"f:replicas": {}, "f:paused": {}}, "f:metadata": {"f:labels": {"f:edited": {}}}})
    );
    let jp = patch.to_json_patch();
    assert_eq!(jp[1]["op"], "replace");
    assert_eq!(jp[1]["path"], "/metadata/managedFields");
    let mp = patch.to_merge_patch();
    assert_eq!(
        mp["metadata"]["annotations"],
        json!({"kubectl.kubernetes.io/last-applied-configuration": null})
    );
    assert_eq!(
        mp["metadata"]["managedFields"].as_array().map(Vec::len),
        Some(3)
    );

    // Without an Apply entry of ours, the first match is renamed.
    let only_kubectl =
        json!({"metadata": {"managedFields": [entry("kubectl", "Apply", json!({"f:data": {}}))]}});
    let p = cleanup::cleanup_patch(&desired, &only_kubectl, &opts, "kustomize-controller")
        .expect("computes")
        .expect("needed");
    let PatchOp::ReplaceManagedFields(entries) = &p.ops[0] else {
        panic!("managed fields op")
    };
    assert_eq!(entries[0]["manager"], "kustomize-controller");
    assert_eq!(entries[0]["fieldsV1"], json!({"f:data": {}}));

    // Nothing to clean, or `ssa: Merge`.
    let clean =
        json!({"metadata": {"managedFields": [entry("kustomize-controller", "Apply", json!({}))]}});
    assert_eq!(
        cleanup::cleanup_patch(&desired, &clean, &opts, "kustomize-controller").expect("computes"),
        None
    );
    let merge = json!({"metadata": {"annotations": {"kustomize.toolkit.fluxcd.io/ssa": "merge"}}});
    assert_eq!(
        cleanup::cleanup_patch(&merge, &live, &opts, "kustomize-controller").expect("computes"),
        None
    );
}

#[test]
fn ssa_immutable_error_patterns() {
    use gitops_core::ssa::policy::is_immutable_error;
    assert!(is_immutable_error(
        422,
        "Invalid",
        "Job.batch \"m\" is invalid: spec.template: Invalid value: field is immutable"
    ));
    assert!(is_immutable_error(
        409,
        "Conflict",
        "Operation cannot be fulfilled"
    ));
    assert!(is_immutable_error(
        400,
        "BadRequest",
        "admission webhook denied: spec.foo is immutable"
    ));
    assert!(is_immutable_error(
        500,
        "",
        "cannot change immutable\tfield spec.x"
    ));
    assert!(!is_immutable_error(500, "InternalError", "etcd timeout"));
    assert!(!is_immutable_error(
        404,
        "NotFound",
        "namespaces \"x\" not found"
    ));
}

#[test]
fn ssa_ignore_rules_selectors_and_resolutions() {
    use gitops_core::api::kustomize::{IgnoreRule, Selector};
    use gitops_core::ssa::ignore::{IgnoreRules, Resolution, remove_paths};
    let rules = IgnoreRules::compile(&[
        IgnoreRule {
            paths: vec![
                "/spec/replicas".into(),
                "/spec/template/spec/containers/0/image".into(),
            ],
            target: Some(Selector {
                kind: Some("Deploy.*".into()),
                label_selector: Some("app in (web,api),!legacy".into()),
                ..Default::default()
            }),
        },
        IgnoreRule {
            paths: vec!["/data/token".into()],
            target: None,
        },
    ])
    .expect("compiles");
    let live = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "resourceVersion": "3", "labels": {"app": "web"}, "managedFields": [
            {"manager": "kustomize-controller", "operation": "Apply", "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {"f:image": {}}}}}}}},
            {"manager": "hpa", "operation": "Apply", "fieldsV1": {"f:spec": {"f:replicas": {}}}}]},
        "spec": {"replicas": 5, "template": {"spec": {"containers": [{"name": "app", "image": "live:2"}]}}}});
    let mut dry = live.clone();
    dry["spec"]["replicas"] = json!(1);
    dry["spec"]["template"]["spec"]["containers"][0]["image"] = json!("git:1");
    assert_eq!(
        rules.paths_for(&dry),
        [
            "/spec/replicas",
            "/spec/template/spec/containers/0/image",
            "/data/token"
        ]
    );
    assert!(
        !rules.has_drifted(&live, &dry),
        "only ignored fields differ"
    );
    assert!(gitops_core::ssa::drift::has_drifted(&live, &dry));
    let res = rules.drifted_paths(&live, &dry, "kustomize-controller");
    assert_eq!(
        res,
        [
            Resolution::Strip("/spec/replicas".into()),
            Resolution::Adopt(
                "/spec/template/spec/containers/0/image".into(),
                Some(json!("live:2"))
            ),
        ]
    );
    let mut payload = json!({"spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "app", "image": "git:1"}]}}}});
    gitops_core::ssa::ignore::resolve(&mut payload, &res);
    assert_eq!(
        payload,
        json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "live:2"}]}}}})
    );

    let mut legacy = dry.clone();
    legacy["metadata"]["labels"]["legacy"] = json!("true");
    assert_eq!(rules.paths_for(&legacy), ["/data/token"]);
    let mut doc = json!({"a": {"b~c/d": 1, "e": [1, 2]}});
    remove_paths(&mut doc, &["/a/b~0c~1d", "/a/e/0", "/missing/x"]);
    assert_eq!(doc, json!({"a": {"e": [2]}}));
    let bad = IgnoreRules::compile(&[IgnoreRule {
        paths: vec![],
        target: Some(Selector {
            name: Some("(".into()),
            ..Default::default()
        }),
    }]);
    assert!(
        bad.expect_err("invalid")
            .to_string()
            .contains("invalid name regex")
    );
}
