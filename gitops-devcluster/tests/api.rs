//! Integration tests of the pure API core: store, lists, watches, Status bodies.

use gitops_devcluster::field_selector::{FieldSupport, supported_fields};
use gitops_devcluster::path::{ApiPath, Query};
use gitops_devcluster::status::success_deleted;
use gitops_devcluster::store::{
    DeleteOptions, DeleteOutcome, GenerationPolicy, ListParams, ResourceType, Store, StoreOptions,
    WriteOptions,
};
use gitops_devcluster::watch::{EventType, WatchError, WatchParams};
use serde_json::{Value, json};

fn cm() -> ResourceType {
    ResourceType::namespaced("", "v1", "configmaps", "ConfigMap")
}

fn deploy() -> ResourceType {
    ResourceType::namespaced("apps", "v1", "deployments", "Deployment")
        .with_generation(GenerationPolicy::SpecOrAnnotations)
}

fn store() -> Store {
    Store::new(StoreOptions {
        clock: || 1_767_225_600,
        seed: 7,
        ..Default::default()
    })
}

fn obj(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}, "data": {"k": "v"}})
}

const W: WriteOptions = WriteOptions {
    dry_run: false,
    keep_generation: false,
};
const DRY: WriteOptions = WriteOptions {
    dry_run: true,
    keep_generation: false,
};

#[test]
fn create_sets_server_fields_and_conflicts_on_duplicate() {
    let mut s = store();
    let o = s
        .create(&cm(), "default", obj("x", json!({})), &W)
        .expect("create");
    let m = &o["metadata"];
    assert_eq!(m["resourceVersion"], "2");
    assert_eq!(m["namespace"], "default");
    assert_eq!(m["creationTimestamp"], "2026-01-01T00:00:00Z");
    assert_eq!(m["uid"].as_str().map(str::len), Some(36));
    assert!(
        m.get("generation").is_none(),
        "ConfigMaps have no generation"
    );
    let e = s
        .create(&cm(), "default", obj("x", json!({})), &W)
        .expect_err("dup");
    assert_eq!(
        e.to_status().to_json(),
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
            "message":"configmaps \"x\" already exists","reason":"AlreadyExists",
            "details":{"name":"x","kind":"configmaps"},"code":409})
    );
    let d = s
        .create(
            &deploy(),
            "default",
            json!({"metadata": {"name": "web"}, "spec": {"replicas": 1}}),
            &W,
        )
        .expect("create");
    assert_eq!(d["metadata"]["generation"], 1);
}

#[test]
fn create_validation_and_generate_name() {
    let mut s = store();
    let e = s
        .create(&cm(), "default", json!({"metadata": {}}), &W)
        .expect_err("no name");
    assert_eq!(
        e.to_status().message,
        "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required"
    );
    assert_eq!(e.to_status().code, 422);
    let o = s
        .create(
            &cm(),
            "default",
            json!({"metadata": {"generateName": "web-"}}),
            &W,
        )
        .expect("create");
    let name = o["metadata"]["name"].as_str().expect("name");
    assert!(name.starts_with("web-") && name.len() == 9, "{name}");
    let e = s
        .create(
            &cm(),
            "default",
            json!({"metadata": {"name": "a", "namespace": "other"}}),
            &W,
        )
        .expect_err("ns");
    assert_eq!(
        e.to_status().message,
        "the namespace of the provided object does not match the namespace sent on the request"
    );
    let e = s
        .create(
            &cm(),
            "default",
            json!({"metadata": {"name": "a", "resourceVersion": "5"}}),
            &W,
        )
        .expect_err("rv");
    assert_eq!(e.to_status().code, 500);
}

#[test]
fn get_not_found_and_too_large_rv() {
    let s = store();
    let e = s
        .get(&deploy(), "default", "web", None)
        .expect_err("missing");
    assert_eq!(e.to_status().message, "deployments.apps \"web\" not found");
    assert_eq!(
        e.to_status().to_json()["details"],
        json!({"name": "web", "group": "apps", "kind": "deployments"})
    );
    let e = s
        .get(&cm(), "default", "x", Some("99"))
        .expect_err("future");
    assert_eq!(
        e.to_status().message,
        "Too large resource version: 99, current: 1"
    );
    assert_eq!(e.to_status().code, 504);
}

#[test]
fn update_optimistic_concurrency_and_noop() {
    let mut s = store();
    let o = s
        .create(&cm(), "default", obj("x", json!({})), &W)
        .expect("create");
    let mut stale = o.clone();
    stale["data"]["k"] = json!("v2");
    let (u, created) = s
        .update(&cm(), "default", "x", stale.clone(), &W)
        .expect("update");
    assert!(!created);
    assert_eq!(u["metadata"]["resourceVersion"], "3");
    assert_eq!(u["metadata"]["uid"], o["metadata"]["uid"]);
    let e = s
        .update(&cm(), "default", "x", stale, &W)
        .expect_err("stale");
    assert_eq!(
        e.to_status().message,
        "Operation cannot be fulfilled on configmaps \"x\": the object has been modified; please apply your changes to the latest version and try again"
    );
    assert_eq!(e.to_status().reason.as_str(), "Conflict");
    // Empty resourceVersion = unconditional; identical content = no-op (same RV).
    let mut unconditional = u.clone();
    unconditional["metadata"]
        .as_object_mut()
        .expect("meta")
        .remove("resourceVersion");
    let (same, _) = s
        .update(&cm(), "default", "x", unconditional, &W)
        .expect("noop");
    assert_eq!(same["metadata"]["resourceVersion"], "3");
    assert_eq!(s.revision(), 3);
    let e = s
        .update(&cm(), "default", "y", obj("y", json!({})), &W)
        .expect_err("missing");
    assert_eq!(e.to_status().code, 404);
    let e = s
        .update(&cm(), "default", "x", obj("z", json!({})), &W)
        .expect_err("name");
    assert_eq!(
        e.to_status().message,
        "the name of the object (z) does not match the name on the URL (x)"
    );
}

#[test]
fn generation_bumps_per_policy() {
    let mut s = store();
    let d = s
        .create(
            &deploy(),
            "ns",
            json!({"metadata": {"name": "web"}, "spec": {"replicas": 1}}),
            &W,
        )
        .expect("create");
    let mut d2 = d.clone();
    d2["metadata"]["labels"] = json!({"a": "b"});
    let (d2, _) = s.update(&deploy(), "ns", "web", d2, &W).expect("labels");
    assert_eq!(d2["metadata"]["generation"], 1, "labels do not bump");
    let mut d3 = d2.clone();
    d3["metadata"]["annotations"] = json!({"a": "b"});
    let (d3, _) = s
        .update(&deploy(), "ns", "web", d3, &W)
        .expect("annotations");
    assert_eq!(
        d3["metadata"]["generation"], 2,
        "Deployment annotations bump"
    );
    let mut d4 = d3.clone();
    d4["spec"]["replicas"] = json!(3);
    d4["metadata"]["generation"] = json!(40);
    let (d4, _) = s.update(&deploy(), "ns", "web", d4, &W).expect("spec");
    assert_eq!(
        d4["metadata"]["generation"], 3,
        "client cannot set generation"
    );
    let mut st = d4.clone();
    st["status"] = json!({"observedGeneration": 3});
    let keep = WriteOptions {
        keep_generation: true,
        ..W
    };
    let (st, _) = s.update(&deploy(), "ns", "web", st, &keep).expect("status");
    assert_eq!(st["metadata"]["generation"], 3);
}

#[test]
fn dry_run_changes_nothing() {
    let mut s = store();
    let o = s
        .create(&cm(), "default", obj("x", json!({})), &DRY)
        .expect("dry create");
    assert!(
        o["metadata"].get("resourceVersion").is_none(),
        "dry-run create has no resourceVersion"
    );
    assert!(o["metadata"]["uid"].is_string());
    assert_eq!(s.revision(), 1);
    assert!(s.get(&cm(), "default", "x", None).is_err());
    let live = s
        .create(&cm(), "default", obj("x", json!({})), &W)
        .expect("create");
    let mut changed = live.clone();
    changed["data"]["k"] = json!("other");
    let (u, _) = s
        .update(&cm(), "default", "x", changed, &DRY)
        .expect("dry update");
    assert_eq!(u["data"]["k"], "other");
    assert_eq!(
        u["metadata"]["resourceVersion"], live["metadata"]["resourceVersion"],
        "dry-run update carries the live RV"
    );
    let del = DeleteOptions {
        dry_run: true,
        ..Default::default()
    };
    assert!(matches!(
        s.delete(&cm(), "default", "x", &del),
        Ok(DeleteOutcome::Deleted(_))
    ));
    assert_eq!(
        s.get(&cm(), "default", "x", None).expect("still there"),
        live
    );
    assert_eq!(s.revision(), 2);
}

#[test]
fn delete_with_finalizers_and_preconditions() {
    let mut s = store();
    let o = s
        .create(
            &cm(),
            "default",
            json!({"metadata": {"name": "x", "finalizers": ["example.com/f"]}}),
            &W,
        )
        .expect("create");
    let uid = o["metadata"]["uid"].as_str().expect("uid").to_string();
    let bad = DeleteOptions {
        precondition_uid: Some("nope".into()),
        ..Default::default()
    };
    let e = s.delete(&cm(), "default", "x", &bad).expect_err("uid");
    assert_eq!(
        e.to_status().message,
        format!(
            "Operation cannot be fulfilled on ConfigMap \"x\": the UID in the precondition (nope) does not match the UID in record ({uid}). The object might have been deleted and then recreated"
        )
    );
    let pending = match s
        .delete(&cm(), "default", "x", &DeleteOptions::default())
        .expect("delete")
    {
        DeleteOutcome::Pending(p) => p,
        other => panic!("expected pending, got {other:?}"),
    };
    assert_eq!(
        pending["metadata"]["deletionTimestamp"],
        "2026-01-01T00:00:00Z"
    );
    assert_eq!(pending["metadata"]["deletionGracePeriodSeconds"], 0);
    assert!(s.get(&cm(), "default", "x", None).is_ok());
    let mut cleared = pending.clone();
    cleared["metadata"]["finalizers"] = json!([]);
    let (fin, _) = s
        .update(&cm(), "default", "x", cleared, &W)
        .expect("finalize");
    assert!(fin["metadata"]["deletionTimestamp"].is_string());
    assert!(
        s.get(&cm(), "default", "x", None).is_err(),
        "removing the last finalizer deletes"
    );
    assert_eq!(s.count(&cm()), 0);
    let e = s
        .delete(&cm(), "default", "x", &DeleteOptions::default())
        .expect_err("gone");
    assert_eq!(e.to_status().code, 404);
    assert_eq!(
        success_deleted(&cm().group_resource(), "x", "u1"),
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"x","kind":"configmaps","uid":"u1"}})
    );
    let o = s
        .create(&cm(), "default", obj("y", json!({})), &W)
        .expect("create");
    let orphan = DeleteOptions {
        propagation_policy: Some("Orphan".into()),
        ..Default::default()
    };
    let p = s.delete(&cm(), "default", "y", &orphan).expect("orphan");
    assert_eq!(p.object()["metadata"]["finalizers"], json!(["orphan"]));
    assert_ne!(
        p.object()["metadata"]["resourceVersion"],
        o["metadata"]["resourceVersion"]
    );
}

#[test]
fn delete_collection_by_selector() {
    let mut s = store();
    for (n, app) in [("a", "x"), ("b", "y"), ("c", "x")] {
        s.create(&cm(), "default", obj(n, json!({"app": app})), &W)
            .expect("create");
    }
    let q = Query::parse("labelSelector=app%3Dx").expect("query");
    let p = ListParams::from_query(&q, Some("default"), FieldSupport::Default).expect("params");
    let gone = s
        .delete_collection(&cm(), &p, &DeleteOptions::default())
        .expect("deletecollection");
    assert_eq!(gone.len(), 2);
    let names: Vec<Value> = s
        .list(&cm(), &ListParams::default())
        .expect("list")
        .items
        .iter()
        .map(|i| i["metadata"]["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("b")]);
}

#[test]
fn list_selectors_namespaces_and_kind_list_body() {
    let mut s = store();
    s.create(&cm(), "a", obj("one", json!({"tier": "fe"})), &W)
        .expect("create");
    s.create(&cm(), "b", obj("two", json!({"tier": "be"})), &W)
        .expect("create");
    s.create(&cm(), "b", obj("three", json!({})), &W)
        .expect("create");
    let list = |q: &str, ns: Option<&str>| {
        let q = Query::parse(q).expect("query");
        let p = ListParams::from_query(&q, ns, FieldSupport::Default).expect("params");
        s.list(&cm(), &p)
            .expect("list")
            .items
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(list("", None), ["one", "three", "two"]);
    assert_eq!(list("", Some("b")), ["three", "two"]);
    assert_eq!(
        list("labelSelector=tier+notin+(fe)", None),
        ["three", "two"]
    );
    assert_eq!(list("fieldSelector=metadata.namespace%3Da", None), ["one"]);
    assert_eq!(
        list(
            "fieldSelector=metadata.name!%3Dtwo&labelSelector=tier",
            None
        ),
        ["one"]
    );
    let q = Query::parse("fieldSelector=spec.x%3D1").expect("query");
    let e =
        ListParams::from_query(&q, None, supported_fields("", "configmaps")).expect_err("field");
    assert_eq!(
        e.to_status().message,
        "\"spec.x\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
    );
    let body = s
        .list(
            &cm(),
            &ListParams {
                namespace: Some("a".into()),
                ..Default::default()
            },
        )
        .expect("list")
        .to_json(&cm());
    assert_eq!(body["kind"], "ConfigMapList");
    assert_eq!(body["apiVersion"], "v1");
    assert_eq!(body["metadata"], json!({"resourceVersion": "4"}));
}

#[test]
fn paging_reads_a_consistent_snapshot() {
    let mut s = store();
    for i in 0..5 {
        s.create(&cm(), "default", obj(&format!("o{i}"), json!({})), &W)
            .expect("create");
    }
    let p1 = s
        .list(
            &cm(),
            &ListParams {
                limit: 2,
                ..Default::default()
            },
        )
        .expect("page 1");
    assert_eq!(p1.items.len(), 2);
    assert_eq!(p1.remaining_item_count, Some(3));
    assert_eq!(p1.resource_version, "6");
    // Writes between pages are invisible to the paged list.
    s.delete(&cm(), "default", "o3", &DeleteOptions::default())
        .expect("delete");
    s.create(&cm(), "default", obj("o9", json!({})), &W)
        .expect("create");
    let p2 = s
        .list(
            &cm(),
            &ListParams {
                limit: 2,
                continue_token: p1.continue_token.clone(),
                ..Default::default()
            },
        )
        .expect("page 2");
    let names: Vec<&str> = p2
        .items
        .iter()
        .filter_map(|i| i["metadata"]["name"].as_str())
        .collect();
    assert_eq!(names, ["o2", "o3"]);
    assert_eq!(p2.resource_version, "6");
    let p3 = s
        .list(
            &cm(),
            &ListParams {
                limit: 2,
                continue_token: p2.continue_token.clone(),
                ..Default::default()
            },
        )
        .expect("page 3");
    assert_eq!(p3.items.len(), 1);
    assert!(p3.continue_token.is_none());
    let e = s
        .list(
            &cm(),
            &ListParams {
                continue_token: Some("garbage!".into()),
                ..Default::default()
            },
        )
        .expect_err("bad token");
    assert_eq!(e.to_status().code, 400);
    let e = s
        .list(
            &cm(),
            &ListParams {
                continue_token: p1.continue_token.clone(),
                resource_version: Some("3".into()),
                ..Default::default()
            },
        )
        .expect_err("rv + continue");
    assert_eq!(
        e.to_status().message,
        "specifying resource version is not allowed when using continue"
    );
}

#[test]
fn expired_continue_and_exact_list_are_410() {
    let mut s = Store::new(StoreOptions {
        history: 3,
        seed: 1,
        ..Default::default()
    });
    for i in 0..3 {
        s.create(&cm(), "default", obj(&format!("o{i}"), json!({})), &W)
            .expect("create");
    }
    let p1 = s
        .list(
            &cm(),
            &ListParams {
                limit: 1,
                ..Default::default()
            },
        )
        .expect("page 1");
    let exact = ListParams {
        resource_version: Some("2".into()),
        resource_version_match: Some("Exact".into()),
        ..Default::default()
    };
    assert_eq!(
        s.list(&cm(), &exact).expect("exact").items.len(),
        1,
        "snapshot at revision 2 has one object"
    );
    for i in 3..8 {
        s.create(&cm(), "default", obj(&format!("o{i}"), json!({})), &W)
            .expect("create");
    }
    let e = s
        .list(
            &cm(),
            &ListParams {
                limit: 1,
                continue_token: p1.continue_token,
                ..Default::default()
            },
        )
        .expect_err("expired");
    let st = e.to_status();
    assert_eq!((st.code, st.reason.as_str()), (410, "Expired"));
    assert_eq!(
        st.message,
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter."
    );
    let e = s.list(&cm(), &exact).expect_err("exact expired");
    assert_eq!(
        e.to_status().message,
        "The resourceVersion for the provided list is too old."
    );
}

#[test]
fn list_option_validation_messages() {
    let s = store();
    let e = s
        .list(
            &cm(),
            &ListParams {
                resource_version_match: Some("NotOlderThan".into()),
                ..Default::default()
            },
        )
        .expect_err("rvm without rv");
    assert_eq!(
        e.to_status().message,
        "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"
    );
    let q = Query::parse("watch=1&sendInitialEvents=true&allowWatchBookmarks=true").expect("query");
    let p = WatchParams::from_query(&q, None, FieldSupport::Default).expect("params");
    let e = s.watch(&cm(), &p).expect_err("needs NotOlderThan");
    assert_eq!(e.to_status().code, 422);
    assert!(e.to_status().message.ends_with(
        "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"
    ));
}

#[test]
fn watch_from_rv_with_selector_transitions() {
    let mut s = store();
    let a = s
        .create(&cm(), "default", obj("a", json!({"app": "x"})), &W)
        .expect("create");
    let q = Query::parse(&format!(
        "watch=true&labelSelector=app%3Dx&resourceVersion={}",
        s.revision()
    ))
    .expect("q");
    let p = WatchParams::from_query(&q, Some("default"), FieldSupport::Default).expect("params");
    let (initial, mut cur) = s.watch(&cm(), &p).expect("watch");
    assert!(initial.is_empty(), "RV given: no synthetic events");
    s.create(&cm(), "default", obj("b", json!({"app": "y"})), &W)
        .expect("create b");
    s.create(&cm(), "other", obj("c", json!({"app": "x"})), &W)
        .expect("create c");
    let mut a2 = a.clone();
    a2["metadata"]["labels"] = json!({"app": "z"});
    let (a2, _) = s.update(&cm(), "default", "a", a2, &W).expect("relabel a");
    let b = s.get(&cm(), "default", "b", None).expect("b");
    let mut b2 = b.clone();
    b2["metadata"]["labels"] = json!({"app": "x"});
    s.update(&cm(), "default", "b", b2, &W).expect("relabel b");
    s.delete(&cm(), "default", "b", &DeleteOptions::default())
        .expect("delete b");
    let events = s.poll(&mut cur).expect("poll");
    let got: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|e| {
            (
                e.event_type.as_str(),
                e.object["metadata"]["name"].as_str().unwrap_or(""),
                e.object["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "DELETED",
                "a",
                a2["metadata"]["resourceVersion"].as_str().unwrap_or("")
            ),
            ("ADDED", "b", "6"),
            ("DELETED", "b", "7")
        ]
    );
    assert_eq!(cur.rv, 7);
    assert!(s.poll(&mut cur).expect("poll").is_empty());
    assert!(cur.bookmark().is_none(), "bookmarks not requested");
    let line = events[1].to_line();
    assert!(line.starts_with("{\"type\":\"ADDED\",\"object\":{") && line.ends_with("}\n"));
}

#[test]
fn watch_unset_rv_sends_current_state_then_changes() {
    let mut s = store();
    s.create(&cm(), "default", obj("a", json!({})), &W)
        .expect("create");
    let (initial, mut cur) = s
        .watch(
            &cm(),
            &WatchParams {
                allow_bookmarks: true,
                ..Default::default()
            },
        )
        .expect("watch");
    assert_eq!(initial.len(), 1);
    assert_eq!(initial[0].event_type, EventType::Added);
    let mut rx = s.subscribe();
    s.create(&cm(), "default", obj("b", json!({})), &W)
        .expect("create");
    assert!(rx.has_changed().expect("sender alive"));
    assert_eq!(*rx.borrow_and_update(), 3);
    let ev = s.poll(&mut cur).expect("poll");
    assert_eq!(ev.len(), 1);
    let bm = cur.bookmark().expect("bookmark");
    assert_eq!(
        bm.to_json(),
        json!({"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"3"}}})
    );
}

#[test]
fn watch_list_ends_initial_events_with_bookmark() {
    let mut s = store();
    let d = deploy();
    s.create(&d, "default", json!({"metadata": {"name": "web"}}), &W)
        .expect("create");
    let q =
        Query::parse("watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true")
            .expect("q");
    let p = WatchParams::from_query(&q, None, FieldSupport::Default).expect("params");
    let (initial, _) = s.watch(&d, &p).expect("watch");
    assert_eq!(initial.len(), 2);
    assert_eq!(initial[0].event_type, EventType::Added);
    assert_eq!(
        initial[1].to_json(),
        json!({"type":"BOOKMARK","object":{"kind":"Deployment","apiVersion":"apps/v1",
            "metadata":{"resourceVersion":"2","annotations":{"k8s.io/initial-events-end":"true"}}}})
    );
}

#[test]
fn watch_too_old_is_410_expired_event() {
    let mut s = Store::new(StoreOptions {
        history: 2,
        seed: 3,
        ..Default::default()
    });
    for i in 0..5 {
        s.create(&cm(), "default", obj(&format!("o{i}"), json!({})), &W)
            .expect("create");
    }
    let p = WatchParams {
        resource_version: Some("2".into()),
        ..Default::default()
    };
    let e = s.watch(&cm(), &p).expect_err("too old");
    assert!(matches!(
        e,
        WatchError::Expired {
            requested: 2,
            compacted: 4
        }
    ));
    assert_eq!(
        e.to_event().to_json(),
        json!({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
            "message":"too old resource version: 2 (4)","reason":"Expired","code":410}})
    );
    let p = WatchParams {
        resource_version: Some("4".into()),
        ..Default::default()
    };
    let (_, mut cur) = s.watch(&cm(), &p).expect("in window");
    assert_eq!(s.poll(&mut cur).expect("poll").len(), 2);
    let p = WatchParams {
        resource_version: Some("6".into()),
        ..Default::default()
    };
    let (_, mut lagging) = s.watch(&cm(), &p).expect("current");
    for i in 5..9 {
        s.create(&cm(), "default", obj(&format!("o{i}"), json!({})), &W)
            .expect("create");
    }
    assert!(matches!(
        s.poll(&mut lagging),
        Err(WatchError::Expired { requested: 6, .. })
    ));
    let p = WatchParams {
        resource_version: Some("999".into()),
        ..Default::default()
    };
    assert_eq!(
        s.watch(&cm(), &p).expect_err("future").to_status().code,
        504
    );
}

#[test]
fn namespace_lifecycle_guard() {
    let mut s = Store::new(StoreOptions {
        require_namespaces: true,
        seed: 5,
        ..Default::default()
    });
    let e = s
        .create(&cm(), "missing", obj("x", json!({})), &W)
        .expect_err("no ns");
    assert_eq!(e.to_status().message, "namespaces \"missing\" not found");
    let ns = ResourceType::cluster("", "v1", "namespaces", "Namespace");
    s.create(
        &ns,
        "",
        json!({"metadata": {"name": "team", "finalizers": ["kubernetes"]}}),
        &W,
    )
    .expect("ns");
    s.create(&cm(), "team", obj("x", json!({})), &W)
        .expect("create in ns");
    s.delete(&ns, "", "team", &DeleteOptions::default())
        .expect("terminate");
    let e = s
        .create(&cm(), "team", obj("y", json!({})), &W)
        .expect_err("terminating");
    assert_eq!(e.to_status().code, 403);
    assert_eq!(
        e.to_status().message,
        "configmaps \"y\" is forbidden: unable to create new content in namespace team because it is being terminated"
    );
}

#[test]
fn unknown_paths_are_404_descriptors() {
    for p in [
        "/",
        "/foo",
        "/apis/apps/v1/namespaces/a/b/c/d/e",
        "/api/v1/%zz",
    ] {
        assert_eq!(ApiPath::parse(p), ApiPath::NotFound, "{p}");
    }
}

#[test]
fn rollout_status_style_watch_by_field_selector() {
    let mut s = store();
    let d = deploy();
    s.create(
        &d,
        "default",
        json!({"metadata": {"name": "web"}, "spec": {"replicas": 1}}),
        &W,
    )
    .expect("create");
    s.create(
        &d,
        "default",
        json!({"metadata": {"name": "api"}, "spec": {"replicas": 1}}),
        &W,
    )
    .expect("create");
    let q =
        Query::parse("fieldSelector=metadata.name%3Dweb&limit=500&resourceVersion=0").expect("q");
    let list = s
        .list(
            &d,
            &ListParams::from_query(&q, Some("default"), FieldSupport::Default).expect("params"),
        )
        .expect("list");
    assert_eq!(list.items.len(), 1);
    let q = Query::parse(&format!(
        "allowWatchBookmarks=true&fieldSelector=metadata.name%3Dweb&resourceVersion={}&timeoutSeconds=600&watch=true",
        list.resource_version
    ))
    .expect("q");
    assert_eq!(q.timeout_seconds, Some(600));
    let p = WatchParams::from_query(&q, Some("default"), FieldSupport::Default).expect("params");
    let (initial, mut cur) = s.watch(&d, &p).expect("watch");
    assert!(initial.is_empty());
    for name in ["api", "web"] {
        let mut o = s.get(&d, "default", name, None).expect("get");
        o["status"] = json!({"observedGeneration": 1});
        s.update(
            &d,
            "default",
            name,
            o,
            &WriteOptions {
                keep_generation: true,
                ..W
            },
        )
        .expect("status");
    }
    let ev = s.poll(&mut cur).expect("poll");
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].event_type, EventType::Modified);
    assert_eq!(ev[0].object["metadata"]["name"], "web");
    assert_eq!(ev[0].object["metadata"]["generation"], 1);
    assert_eq!(
        cur.bookmark().expect("bookmark").object["metadata"]["resourceVersion"],
        "5"
    );
}

#[test]
fn builtin_generation_table() {
    assert_eq!(
        GenerationPolicy::for_builtin("apps", "deployments"),
        GenerationPolicy::SpecOrAnnotations
    );
    assert_eq!(
        GenerationPolicy::for_builtin("networking.k8s.io", "ingresses"),
        GenerationPolicy::Spec
    );
    for r in [
        "configmaps",
        "secrets",
        "services",
        "namespaces",
        "pods",
        "serviceaccounts",
    ] {
        assert_eq!(
            GenerationPolicy::for_builtin("", r),
            GenerationPolicy::None,
            "{r}"
        );
    }
}
