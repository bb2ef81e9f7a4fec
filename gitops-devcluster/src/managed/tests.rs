use serde_json::{Value, json};

use super::*;
use crate::typeschema::builtin;

fn ctx(t: &crate::typeschema::TypeRef) -> Context<'_> {
    Context {
        typed: Typed::new(&t.types, t.root),
        endpoint: Endpoint::Main {
            status_subresource: true,
        },
        api_version: "apps/v1",
        now: "2026-11-27T10:00:00Z".into(),
    }
}

fn deployment(replicas: i64, image: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": image}]}}}})
}

fn managers(obj: &Value) -> Vec<(String, String)> {
    obj["metadata"]["managedFields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["manager"].as_str().unwrap_or("").into(),
                        e["operation"].as_str().unwrap_or("").into(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn apply_conflicts_with_another_applier_until_forced() {
    let t = builtin("apps", "v1", "Deployment").expect("type");
    let c = ctx(&t);
    let first = apply(&c, None, &deployment(1, "nginx:1"), "alice", false).expect("creates");
    assert_eq!(
        managers(&first),
        [("alice".to_string(), "Apply".to_string())]
    );
    let err =
        apply(&c, Some(&first), &deployment(3, "nginx:1"), "bob", false).expect_err("conflict");
    let status = err.to_status("default/web");
    assert_eq!(status.code, 409);
    assert_eq!(
        status.message,
        "Apply failed with 1 conflict: conflict with \"alice\": .spec.replicas"
    );
    // Same values are shared ownership, not conflicts.
    let shared = apply(&c, Some(&first), &deployment(1, "nginx:1"), "bob", false).expect("shares");
    assert_eq!(managers(&shared).len(), 2);
    let forced = apply(&c, Some(&first), &deployment(3, "nginx:2"), "bob", true).expect("forced");
    assert_eq!(forced["spec"]["replicas"], 3);
    let alice = &forced["metadata"]["managedFields"][0];
    assert_eq!(alice["manager"], "alice");
    assert!(
        alice["fieldsV1"]["f:spec"].get("f:replicas").is_none(),
        "forced fields leave their old owner"
    );
}

#[test]
fn apply_removes_fields_the_applier_stopped_sending() {
    let t = builtin("apps", "v1", "Deployment").expect("type");
    let c = ctx(&t);
    let mut cfg = deployment(1, "nginx");
    cfg["metadata"]["labels"] = json!({"a": "1", "b": "2"});
    let live = apply(&c, None, &cfg, "alice", false).expect("creates");
    cfg["metadata"]["labels"] = json!({"a": "1"});
    let next = apply(&c, Some(&live), &cfg, "alice", false).expect("applies");
    assert_eq!(next["metadata"]["labels"], json!({"a": "1"}));
    // A field another manager also owns stays.
    let mut other = deployment(1, "nginx");
    other["metadata"]["labels"] = json!({"a": "1"});
    let both = apply(&c, Some(&next), &other, "bob", false).expect("bob shares a");
    cfg["metadata"]
        .as_object_mut()
        .expect("meta")
        .remove("labels");
    let after = apply(&c, Some(&both), &cfg, "alice", false).expect("applies");
    assert_eq!(after["metadata"]["labels"], json!({"a": "1"}));
}

#[test]
fn updates_take_ownership_and_status_is_not_owned_on_the_main_resource() {
    let t = builtin("apps", "v1", "Deployment").expect("type");
    let c = ctx(&t);
    let live = apply(&c, None, &deployment(1, "nginx"), "alice", false).expect("creates");
    let mut new = live.clone();
    new["spec"]["replicas"] = json!(5);
    new["status"] = json!({"replicas": 5});
    track_update(&c, Some(&live), &mut new, "hpa").expect("tracks");
    let entries = new["metadata"]["managedFields"]
        .as_array()
        .expect("entries");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["manager"], "hpa");
    assert_eq!(entries[1]["operation"], "Update");
    assert_eq!(
        entries[1]["fieldsV1"],
        json!({"f:spec": {"f:replicas": {}}})
    );
    assert!(entries[0]["fieldsV1"]["f:spec"].get("f:replicas").is_none());
    // Resetting managedFields with [] clears them.
    let mut reset = new.clone();
    reset["metadata"]["managedFields"] = json!([]);
    let before = reset.clone();
    track_update(&c, Some(&new), &mut reset, "x").expect("tracks");
    assert!(reset["metadata"].get("managedFields").is_none(), "{before}");
}

#[test]
fn kubectl_upgrades_from_client_side_apply() {
    let t = builtin("apps", "v1", "Deployment").expect("type");
    let c = ctx(&t);
    let cfg = deployment(2, "nginx");
    let mut live = cfg.clone();
    live["metadata"]["annotations"] = json!({LAST_APPLIED: cfg.to_string()});
    track_update(&c, None, &mut live, "kubectl-client-side-apply").expect("tracks");
    let upgraded =
        apply(&c, Some(&live), &deployment(3, "nginx"), "kubectl", false).expect("no conflict");
    assert_eq!(upgraded["spec"]["replicas"], 3);
    let annotation: Value = serde_json::from_str(
        upgraded["metadata"]["annotations"][LAST_APPLIED]
            .as_str()
            .expect("kept"),
    )
    .expect("json");
    assert_eq!(annotation["spec"]["replicas"], 3);
    let err = apply(&c, Some(&live), &deployment(3, "nginx"), "someone", false)
        .expect_err("other managers conflict");
    assert!(
        err.to_status("x")
            .message
            .contains("\"kubectl-client-side-apply\" using apps/v1")
    );
}

#[test]
fn kubectl_apply_syncs_the_last_applied_annotation_of_the_result() {
    let t = builtin("apps", "v1", "Deployment").expect("type");
    let c = ctx(&t);
    // A configuration exported with a stale annotation: the created object gets the
    // configuration it was applied from.
    let mut cfg = deployment(1, "nginx:2");
    cfg["metadata"]["annotations"] = json!({LAST_APPLIED: "{\"stale\":true}"});
    let created = apply(&c, None, &cfg, "kubectl", false).expect("creates");
    let text = created["metadata"]["annotations"][LAST_APPLIED]
        .as_str()
        .expect("annotation");
    let recorded: Value = serde_json::from_str(text).expect("json");
    assert_eq!(
        recorded["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:2"
    );
    assert!(
        recorded["metadata"]
            .get("annotations")
            .is_none_or(|a| a.get(LAST_APPLIED).is_none())
    );
    // Dropping the annotation from the configuration removes it (kubectl owns it).
    let next = apply(
        &c,
        Some(&created),
        &deployment(1, "nginx:2"),
        "kubectl",
        false,
    )
    .expect("applies");
    assert!(
        next["metadata"]["annotations"].get(LAST_APPLIED).is_none(),
        "{}",
        next["metadata"]
    );
}
