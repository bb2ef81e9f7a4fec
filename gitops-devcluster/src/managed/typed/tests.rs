use serde_json::json;

use super::*;
use crate::typeschema::builtin;

fn deploy() -> crate::typeschema::TypeRef {
    builtin("apps", "v1", "Deployment").expect("deployment type")
}

fn fields(set: &Set) -> Vec<String> {
    set.paths().iter().map(|p| path_string(p)).collect()
}

#[test]
fn field_set_of_a_deployment() {
    let t = deploy();
    let typed = Typed::new(&t.types, t.root);
    let d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
            "template": {"spec": {"containers": [{"name": "c", "image": "nginx",
                "ports": [{"containerPort": 80}]}]}}}});
    let set = typed.to_set(&d).expect("set");
    let f = fields(&set);
    for want in [
        ".apiVersion",
        ".metadata.labels.app",
        ".spec.replicas",
        ".spec.selector",
        ".spec.template.spec.containers[name=\"c\"]",
        ".spec.template.spec.containers[name=\"c\"].image",
        ".spec.template.spec.containers[name=\"c\"].ports[containerPort=80,protocol=\"TCP\"]",
    ] {
        assert!(f.contains(&want.to_string()), "{want} missing from {f:?}");
    }
    assert!(
        !f.contains(&".spec".to_string()),
        "named fields with children are not members"
    );
    assert!(
        !f.iter().any(|p| p.starts_with(".spec.selector.")),
        "atomic selector is one leaf"
    );
}

#[test]
fn merge_keeps_live_items_and_applies_config_order() {
    let t = deploy();
    let typed = Typed::new(&t.types, t.root);
    let live = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "a", "image": "a:1", "imagePullPolicy": "Always"}, {"name": "b", "image": "b:1"}]}}}});
    let cfg = json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "c:1"}, {"name": "a", "image": "a:2"}]}}}});
    let m = typed.merge(&live, &cfg).expect("merges");
    let names: Vec<&str> = m["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["c", "a", "b"]);
    assert_eq!(
        m["spec"]["template"]["spec"]["containers"][1],
        json!({"name": "a", "image": "a:2", "imagePullPolicy": "Always"})
    );
    let dup =
        json!({"spec": {"template": {"spec": {"containers": [{"name": "x"}, {"name": "x"}]}}}});
    assert!(
        typed.merge(&live, &dup).is_err(),
        "duplicate keys in a configuration are refused"
    );
    let nokey = json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}});
    let err = typed.to_set(&nokey).expect_err("missing key");
    assert!(
        err.to_string().contains("omits key field \"name\""),
        "{err}"
    );
}

#[test]
fn compare_and_remove() {
    let t = deploy();
    let typed = Typed::new(&t.types, t.root);
    let a = json!({"metadata": {"labels": {"x": "1", "y": "2"}}, "spec": {"replicas": 1}});
    let b = json!({"metadata": {"labels": {"x": "1", "z": "3"}}, "spec": {"replicas": 2, "paused": true}});
    let c = typed.compare(Some(&a), Some(&b)).expect("compares");
    assert_eq!(fields(&c.added), [".metadata.labels.z", ".spec.paused"]);
    assert_eq!(fields(&c.modified), [".spec.replicas"]);
    assert_eq!(fields(&c.removed), [".metadata.labels.y"]);
    let created = typed.compare(None, Some(&b)).expect("compares");
    assert!(
        fields(&created.added).contains(&".metadata.labels".to_string()),
        "new maps are added as a whole"
    );
    let mut rm = Set::new();
    rm.insert(&[
        PathElement::Field("metadata".into()),
        PathElement::Field("labels".into()),
        PathElement::Field("x".into()),
    ]);
    rm.insert(&[
        PathElement::Field("spec".into()),
        PathElement::Field("replicas".into()),
    ]);
    assert_eq!(
        typed.remove(&a, &rm),
        json!({"metadata": {"labels": {"y": "2"}}})
    );
    let named = typed.with_named_fields(&rm);
    assert!(named.has(&[PathElement::Field("spec".into())]));
    assert!(named.has(&[
        PathElement::Field("metadata".into()),
        PathElement::Field("labels".into())
    ]));
}
