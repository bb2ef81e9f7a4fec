//! Property tests: random operation sequences against a model; parsers never panic.

use std::collections::BTreeMap;

use gitops_devcluster::field_selector::FieldSelector;
use gitops_devcluster::path::{ApiPath, Query};
use gitops_devcluster::selector::LabelSelector;
use gitops_devcluster::store::{
    DeleteOptions, DeleteOutcome, ListParams, ResourceType, Store, StoreOptions, WriteOptions,
};
use gitops_devcluster::watch::{EventType, WatchParams};
use proptest::prelude::*;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
enum Op {
    Create {
        ns: u8,
        name: u8,
        val: u8,
        finalizer: bool,
        dry: bool,
    },
    Update {
        ns: u8,
        name: u8,
        val: u8,
        stale: bool,
        dry: bool,
    },
    Delete {
        ns: u8,
        name: u8,
        dry: bool,
    },
    Finalize {
        ns: u8,
        name: u8,
    },
    List {
        ns: Option<u8>,
        limit: u8,
        label: Option<u8>,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..2u8, 0..4u8, 0..3u8, any::<bool>(), any::<bool>()).prop_map(
            |(ns, name, val, finalizer, dry)| Op::Create {
                ns,
                name,
                val,
                finalizer,
                dry
            }
        ),
        (0..2u8, 0..4u8, 0..3u8, any::<bool>(), any::<bool>()).prop_map(
            |(ns, name, val, stale, dry)| Op::Update {
                ns,
                name,
                val,
                stale,
                dry
            }
        ),
        (0..2u8, 0..4u8, any::<bool>()).prop_map(|(ns, name, dry)| Op::Delete { ns, name, dry }),
        (0..2u8, 0..4u8).prop_map(|(ns, name)| Op::Finalize { ns, name }),
        (
            proptest::option::of(0..2u8),
            0..4u8,
            proptest::option::of(0..3u8)
        )
            .prop_map(|(ns, limit, label)| Op::List { ns, limit, label }),
    ]
}

/// Model entry: (value label, has finalizer, being deleted).
type Model = BTreeMap<(String, String), (u8, bool, bool)>;

fn names(ns: u8, name: u8) -> (String, String) {
    (format!("ns{ns}"), format!("o{name}"))
}

fn rv_of(v: &Value) -> u64 {
    v["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn cm() -> ResourceType {
    ResourceType::namespaced("", "v1", "configmaps", "ConfigMap")
}

fn body(name: &str, val: u8, finalizer: bool) -> Value {
    let mut o = json!({"metadata": {"name": name, "labels": {"v": val.to_string()}}, "data": {"v": val.to_string()}});
    if finalizer {
        o["metadata"]["finalizers"] = json!(["example.com/keep"]);
    }
    o
}

fn check_list(
    store: &Store,
    model: &Model,
    ns: Option<u8>,
    limit: u8,
    label: Option<u8>,
) -> Result<(), TestCaseError> {
    let ns = ns.map(|n| format!("ns{n}"));
    let labels = match label {
        Some(l) => LabelSelector::parse(&format!("v={l}"))
            .map_err(|e| TestCaseError::fail(e.to_string()))?,
        None => LabelSelector::default(),
    };
    let mut got = Vec::new();
    let mut token = None;
    let mut list_rv = None;
    loop {
        let p = ListParams {
            namespace: ns.clone(),
            labels: labels.clone(),
            limit: i64::from(limit),
            continue_token: token,
            ..Default::default()
        };
        let page = store
            .list(&cm(), &p)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(limit == 0 || page.items.len() <= usize::from(limit));
        if let Some(rv) = &list_rv {
            prop_assert_eq!(rv, &page.resource_version);
        }
        list_rv = Some(page.resource_version.clone());
        for i in &page.items {
            let k = (
                i["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                i["metadata"]["name"].as_str().unwrap_or("").to_string(),
            );
            got.push((k, i["data"]["v"].as_str().unwrap_or("").to_string()));
        }
        token = page.continue_token;
        if token.is_none() {
            break;
        }
    }
    let want: Vec<_> = model
        .iter()
        .filter(|(k, _)| ns.as_ref().is_none_or(|n| &k.0 == n))
        .filter(|(_, (v, _, _))| label.is_none_or(|l| l == *v))
        .map(|(k, (v, _, _))| (k.clone(), v.to_string()))
        .collect();
    prop_assert_eq!(got, want);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_operations_match_model(ops in proptest::collection::vec(op(), 1..60)) {
        let mut store = Store::new(StoreOptions { history: 1_000, seed: 11, ..Default::default() });
        let (_, mut cursor) = store.watch(&cm(), &WatchParams { resource_version: Some("1".into()), ..Default::default() })
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut model: Model = BTreeMap::new();
        let mut last_rv = store.revision();
        let w = |dry| WriteOptions { dry_run: dry, ..Default::default() };
        for op in ops {
            let before = store.revision();
            match op {
                Op::Create { ns, name, val, finalizer, dry } => {
                    let (n, o) = names(ns, name);
                    let r = store.create(&cm(), &n, body(&o, val, finalizer), &w(dry));
                    prop_assert_eq!(r.is_ok(), !model.contains_key(&(n.clone(), o.clone())));
                    if let (Ok(v), false) = (&r, dry) {
                        prop_assert!(rv_of(v) > last_rv);
                        model.insert((n, o), (val, finalizer, false));
                    }
                }
                Op::Update { ns, name, val, stale, dry } => {
                    let (n, o) = names(ns, name);
                    let Ok(live) = store.get(&cm(), &n, &o, None) else {
                        prop_assert!(!model.contains_key(&(n.clone(), o.clone())));
                        continue;
                    };
                    let mut b = live.clone();
                    b["data"]["v"] = json!(val.to_string());
                    b["metadata"]["labels"]["v"] = json!(val.to_string());
                    if stale {
                        b["metadata"]["resourceVersion"] = json!((rv_of(&live) - 1).to_string());
                    }
                    let r = store.update(&cm(), &n, &o, b, &w(dry));
                    prop_assert_eq!(r.is_err(), stale);
                    if let (Ok((v, _)), false) = (&r, dry)
                        && let Some(e) = model.get_mut(&(n, o))
                    {
                        if e.0 != val { prop_assert!(rv_of(v) > last_rv); } else { prop_assert_eq!(rv_of(v), rv_of(&live)); }
                        e.0 = val;
                    }
                }
                Op::Delete { ns, name, dry } => {
                    let (n, o) = names(ns, name);
                    let r = store.delete(&cm(), &n, &o, &DeleteOptions { dry_run: dry, ..Default::default() });
                    let key = (n, o);
                    match (r, model.get_mut(&key)) {
                        (Err(_), None) => {}
                        (Ok(DeleteOutcome::Pending(_)), Some(e)) => { prop_assert!(e.1); if !dry { e.2 = true; } }
                        (Ok(DeleteOutcome::Deleted(_)), Some(e)) => { prop_assert!(!e.1); if !dry { model.remove(&key); } }
                        (r, m) => prop_assert!(false, "delete {:?} vs model {:?}", r, m),
                    }
                }
                Op::Finalize { ns, name } => {
                    let (n, o) = names(ns, name);
                    if let Ok(live) = store.get(&cm(), &n, &o, None) {
                        let mut b = live.clone();
                        b["metadata"]["finalizers"] = json!([]);
                        store.update(&cm(), &n, &o, b, &w(false)).map_err(|e| TestCaseError::fail(e.to_string()))?;
                        let key = (n, o);
                        if let Some(e) = model.get_mut(&key) {
                            if e.2 { model.remove(&key); } else { e.1 = false; }
                        }
                    }
                }
                Op::List { ns, limit, label } => check_list(&store, &model, ns, limit, label)?,
            }
            prop_assert!(store.revision() >= before);
            last_rv = store.revision();
        }
        check_list(&store, &model, None, 0, None)?;
        // Replaying the watch rebuilds the same state; revisions strictly increase.
        let mut replay: BTreeMap<(String, String), String> = BTreeMap::new();
        let mut prev = 1;
        for e in store.poll(&mut cursor).map_err(|e| TestCaseError::fail(e.to_string()))? {
            let rv = rv_of(&e.object);
            prop_assert!(rv > prev, "event rv {} after {}", rv, prev);
            prev = rv;
            let k = (e.object["metadata"]["namespace"].as_str().unwrap_or("").to_string(), e.object["metadata"]["name"].as_str().unwrap_or("").to_string());
            match e.event_type {
                EventType::Deleted => { replay.remove(&k); }
                _ => { replay.insert(k, e.object["data"]["v"].as_str().unwrap_or("").to_string()); }
            }
        }
        let want: BTreeMap<_, _> = model.iter().map(|(k, v)| (k.clone(), v.0.to_string())).collect();
        prop_assert_eq!(replay, want);
    }

    #[test]
    fn parsers_never_panic(s in "\\PC{0,40}") {
        let _ = ApiPath::parse(&s);
        let _ = Query::parse(&s);
        let _ = LabelSelector::parse(&s);
        let _ = FieldSelector::parse(&s);
    }

    #[test]
    fn selector_like_inputs_never_panic(s in "[a-z0-9=!<>(),. /_\\\\-]{0,30}|(in|notin|[a-z]|[=!(),<> ]){0,12}") {
        if let Ok(sel) = LabelSelector::parse(&s) {
            let _ = sel.matches_object(&json!({"metadata": {"labels": {"a": "1", "in": "x"}}}));
        }
        if let Ok(sel) = FieldSelector::parse(&s) {
            let _ = sel.matches_object(&json!({"metadata": {"name": "a"}}));
        }
    }

    #[test]
    fn path_like_inputs_never_panic(parts in proptest::collection::vec("api|apis|v1|apps|namespaces|watch|x|status|openapi|v3|%2F|%zz|", 0..9)) {
        let p = format!("/{}", parts.join("/"));
        let _ = ApiPath::parse(&p);
        let _ = Query::parse(&parts.join("&"));
    }
}
