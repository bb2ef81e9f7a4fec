//! Property tests of server-side apply: random sequences of applies by several managers
//! keep `managedFields` consistent with the object and with what each manager applied.

use gitops_devcluster::managed::{self, Context, Endpoint, ManagedError, Set, Typed, entries};
use gitops_devcluster::typeschema::{TypeRef, builtin};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const MANAGERS: [&str; 3] = ["alice", "bob", "carol"];

#[derive(Debug, Clone)]
struct Step {
    manager: usize,
    force: bool,
    labels: Vec<(usize, u8)>,
    replicas: Option<u8>,
    containers: Vec<(usize, u8)>,
    finalizers: Vec<usize>,
}

fn step() -> impl Strategy<Value = Step> {
    (
        0..MANAGERS.len(),
        any::<bool>(),
        proptest::collection::vec((0usize..3, 0u8..2), 0..3),
        proptest::option::of(0u8..3),
        proptest::collection::vec((0usize..3, 0u8..2), 0..3),
        proptest::collection::vec(0usize..3, 0..3),
    )
        .prop_map(
            |(manager, force, labels, replicas, containers, finalizers)| Step {
                manager,
                force,
                labels,
                replicas,
                containers,
                finalizers,
            },
        )
}

fn config(s: &Step) -> Value {
    let mut labels = Map::new();
    for (k, v) in &s.labels {
        labels.insert(format!("l{k}"), json!(format!("v{v}")));
    }
    let mut meta = json!({"name": "web", "namespace": "default"});
    if !labels.is_empty() {
        meta["labels"] = Value::Object(labels);
    }
    let mut fins: Vec<String> = s
        .finalizers
        .iter()
        .map(|f| format!("example.com/f{f}"))
        .collect();
    fins.dedup();
    if !fins.is_empty() {
        meta["finalizers"] = json!(fins);
    }
    let mut spec = Map::new();
    if let Some(r) = s.replicas {
        spec.insert("replicas".into(), json!(r));
    }
    let mut seen = std::collections::BTreeSet::new();
    let containers: Vec<Value> = s
        .containers
        .iter()
        .filter(|(n, _)| seen.insert(*n))
        .map(|(n, img)| json!({"name": format!("c{n}"), "image": format!("img:{img}")}))
        .collect();
    if !containers.is_empty() {
        spec.insert(
            "template".into(),
            json!({"spec": {"containers": containers}}),
        );
    }
    let mut obj = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta});
    if !spec.is_empty() {
        obj["spec"] = Value::Object(spec);
    }
    obj
}

fn value_at<'v>(obj: &'v Value, path: &[managed::PathElement]) -> Option<&'v Value> {
    let mut cur = obj;
    for pe in path {
        cur = match pe {
            managed::PathElement::Field(f) => cur.get(f)?,
            managed::PathElement::Key(k) => {
                let key: Value = serde_json::from_str(k).ok()?;
                cur.as_array()?.iter().find(|item| {
                    key.as_object()
                        .is_some_and(|m| m.iter().all(|(k, v)| item.get(k) == Some(v)))
                })?
            }
            managed::PathElement::Value(v) => {
                let want: Value = serde_json::from_str(v).ok()?;
                cur.as_array()?.iter().find(|x| **x == want)?
            }
            managed::PathElement::Index(i) => cur.as_array()?.get(*i)?,
        };
    }
    Some(cur)
}

fn owned(obj: &Value) -> Vec<(String, Set)> {
    let (m, _) = entries::decode(obj).expect("managedFields decode");
    m.into_iter().map(|(id, vs)| (id, vs.set)).collect()
}

fn run(steps: &[Step], t: &TypeRef) -> Result<(), TestCaseError> {
    let ctx = Context {
        typed: Typed::new(&t.types, t.root),
        endpoint: Endpoint::Main {
            status_subresource: true,
        },
        api_version: "apps/v1",
        now: "2026-11-27T10:00:00Z".into(),
    };
    let mut live: Option<Value> = None;
    for s in steps {
        let cfg = config(s);
        let manager = MANAGERS[s.manager];
        match managed::apply(&ctx, live.as_ref(), &cfg, manager, s.force) {
            Ok(new) => {
                // Every owned field exists in the object.
                for (id, set) in owned(&new) {
                    for p in set.paths() {
                        prop_assert!(
                            value_at(&new, &p).is_some(),
                            "{id} owns missing {p:?} in {new}"
                        );
                    }
                }
                // The applier owns exactly what it applied (minus server-only fields).
                let mine = owned(&new)
                    .into_iter()
                    .find(|(id, _)| id.contains(&format!("\"{manager}\"")))
                    .map(|(_, s)| s);
                let want = entries::strip_meta(ctx.typed.to_set(&cfg).expect("set"));
                let mut st = want.clone();
                st.children
                    .remove(&managed::PathElement::Field("status".into()));
                prop_assert_eq!(mine.unwrap_or_default().normalized(), st.normalized());
                // Applied values are in the object.
                for p in want.paths() {
                    prop_assert_eq!(
                        value_at(&new, &p).cloned(),
                        value_at(&cfg, &p).cloned().or(value_at(&new, &p).cloned())
                    );
                }
                // Applying the same configuration again changes nothing.
                let again =
                    managed::apply(&ctx, Some(&new), &cfg, manager, false).expect("idempotent");
                prop_assert_eq!(&again, &new);
                live = Some(new);
            }
            Err(ManagedError::Conflicts(c)) => {
                prop_assert!(!s.force, "forced applies never conflict");
                prop_assert!(!c.0.is_empty());
                // Each conflict is a field another manager owns with a different value.
                let l = live.as_ref().expect("conflicts need a live object");
                for conflict in &c.0 {
                    let quoted = format!("\"{manager}\"");
                    prop_assert!(
                        !conflict.manager.contains(&quoted),
                        "own fields never conflict"
                    );
                    prop_assert_ne!(value_at(l, &conflict.path), value_at(&cfg, &conflict.path));
                }
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn applies_keep_managed_fields_consistent(steps in proptest::collection::vec(step(), 1..8)) {
        let t = builtin("apps", "v1", "Deployment").expect("type");
        run(&steps, &t)?;
    }

    #[test]
    fn arbitrary_fields_v1_never_panic(text in ".{0,200}") {
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            let _ = Set::from_fields_v1(&v);
        }
        let obj = json!({"metadata": {"managedFields": [{"manager": "m", "operation": "Apply", "fieldsType": "FieldsV1", "fieldsV1": text}]}});
        let _ = entries::decode(&obj);
    }
}
