//! `/openapi/v3` index and per-group-version documents generated from kubernetes-validate.

use std::collections::BTreeSet;

use gitops_devcluster::openapi::{self, OpenApi};
use serde_json::{Value, json};

const EXPECTED: &[&str] = &[
    "api/v1",
    "apis/admissionregistration.k8s.io/v1",
    "apis/apiextensions.k8s.io/v1",
    "apis/apps/v1",
    "apis/autoscaling/v1",
    "apis/autoscaling/v2",
    "apis/batch/v1",
    "apis/coordination.k8s.io/v1",
    "apis/discovery.k8s.io/v1",
    "apis/events.k8s.io/v1",
    "apis/networking.k8s.io/v1",
    "apis/policy/v1",
    "apis/rbac.authorization.k8s.io/v1",
    "apis/scheduling.k8s.io/v1",
    "apis/storage.k8s.io/v1",
];

#[test]
fn index_lists_every_group_version_with_hashed_urls() {
    let index = openapi::v3_index();
    let paths = index["paths"].as_object().expect("paths");
    let keys: Vec<&str> = paths.keys().map(String::as_str).collect();
    assert_eq!(keys, EXPECTED);
    for (p, entry) in paths {
        let url = entry["serverRelativeURL"].as_str().expect("url");
        let prefix = format!("/openapi/v3/{p}?hash=");
        assert!(url.starts_with(&prefix), "{url}");
        let hash = &url[prefix.len()..];
        assert_eq!(hash.len(), 64);
        assert!(
            hash.chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
        assert_eq!(OpenApi::default().hash(p), Some(hash));
    }
}

fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["components"]["schemas"]
        .get(name)
        .unwrap_or_else(|| panic!("schema {name} missing"))
}

#[test]
fn configmap_schema_and_patch_operation() {
    let doc = openapi::v3_group_version("", "v1").expect("core v1");
    assert_eq!(doc["openapi"], "3.0.0");
    let cm = schema(&doc, "io.k8s.api.core.v1.ConfigMap");
    assert_eq!(
        cm["x-kubernetes-group-version-kind"],
        json!([{"group": "", "kind": "ConfigMap", "version": "v1"}])
    );
    assert_eq!(cm["properties"]["data"]["type"], "object");
    assert_eq!(
        cm["properties"]["kind"],
        json!({"description": cm["properties"]["kind"]["description"], "type": "string"})
    );
    assert_eq!(
        cm["properties"]["metadata"]["allOf"],
        json!([{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}])
    );
    let meta = schema(&doc, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    let owners = &meta["properties"]["ownerReferences"];
    assert_eq!(owners["x-kubernetes-patch-merge-key"], "uid");
    assert_eq!(owners["x-kubernetes-patch-strategy"], "merge");
    assert_eq!(owners["x-kubernetes-list-type"], "map");
    assert_eq!(owners["x-kubernetes-list-map-keys"], json!(["uid"]));

    let patch = &doc["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"]["patch"];
    assert_eq!(
        patch["x-kubernetes-group-version-kind"],
        json!({"group": "", "version": "v1", "kind": "ConfigMap"})
    );
    assert_eq!(patch["x-kubernetes-action"], "patch");
    let params: BTreeSet<&str> = patch["parameters"]
        .as_array()
        .expect("params")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(
        params,
        BTreeSet::from(["dryRun", "fieldManager", "fieldValidation", "force"])
    );
    let content: Vec<&str> = patch["requestBody"]["content"]
        .as_object()
        .expect("content")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        content,
        [
            "application/apply-patch+yaml",
            "application/json-patch+json",
            "application/merge-patch+json",
            "application/strategic-merge-patch+json"
        ]
    );
    // Cluster-scoped kinds have no namespace segment; namespaced kinds have an all-namespaces list.
    assert!(doc["paths"]["/api/v1/namespaces/{name}"]["patch"].is_object());
    assert_eq!(
        doc["paths"]["/api/v1/configmaps"]["get"]["x-kubernetes-action"],
        "list"
    );
}

#[test]
fn deployment_schema_has_ssa_and_smp_extensions() {
    let doc = openapi::v3_group_version("apps", "v1").expect("apps v1");
    let d = schema(&doc, "io.k8s.api.apps.v1.Deployment");
    assert_eq!(
        d["x-kubernetes-group-version-kind"],
        json!([{"group": "apps", "kind": "Deployment", "version": "v1"}])
    );
    let pod_spec = schema(&doc, "io.k8s.api.core.v1.PodSpec");
    let containers = &pod_spec["properties"]["containers"];
    assert_eq!(containers["type"], "array");
    assert_eq!(containers["x-kubernetes-list-type"], "map");
    assert_eq!(containers["x-kubernetes-list-map-keys"], json!(["name"]));
    assert_eq!(containers["x-kubernetes-patch-merge-key"], "name");
    assert_eq!(containers["x-kubernetes-patch-strategy"], "merge");
    let ports = &schema(&doc, "io.k8s.api.core.v1.Container")["properties"]["ports"];
    assert_eq!(
        ports["x-kubernetes-list-map-keys"],
        json!(["containerPort", "protocol"])
    );
    let selector = schema(&doc, "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector");
    assert_eq!(selector["x-kubernetes-map-type"], "atomic");
    assert!(
        doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status"]["patch"]
            .is_object()
    );
}

fn walk<'a>(v: &'a Value, refs: &mut Vec<&'a str>, types: &mut Vec<&'a Value>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match k.as_str() {
                    "$ref" => refs.extend(x.as_str()),
                    "type" if !x.is_object() => types.push(x),
                    _ => {}
                }
                walk(x, refs, types);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| walk(x, refs, types)),
        _ => {}
    }
}

#[test]
fn every_ref_resolves_and_types_are_openapi_3_0() {
    for (group, version) in openapi::builtin_group_versions() {
        let doc = openapi::v3_group_version(&group, &version).expect("doc");
        let (mut refs, mut types) = (Vec::new(), Vec::new());
        walk(&doc, &mut refs, &mut types);
        for r in refs {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("odd ref {r}"));
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "{group}/{version}: {name} unresolved"
            );
        }
        for t in types {
            assert!(t.is_string(), "{group}/{version}: type {t}");
        }
    }
    assert!(openapi::v3_group_version("example.com", "v1").is_none());
}

#[test]
fn crd_group_versions_join_the_index() {
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
            "versions": [
                {"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {"type": "object",
                    "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}}},
                {"name": "v0", "served": false, "storage": false}
            ]}
    });
    let mut api = OpenApi::default();
    api.register_crd(&crd).expect("registers");
    let index = api.index();
    assert!(
        index["paths"]["apis/example.com/v1"]["serverRelativeURL"]
            .as_str()
            .expect("url")
            .starts_with("/openapi/v3/apis/example.com/v1?hash=")
    );
    assert!(index["paths"].get("apis/example.com/v0").is_none());
    let doc = api.document("apis/example.com/v1").expect("doc");
    let w = &doc["components"]["schemas"]["com.example.v1.Widget"];
    assert_eq!(
        w["x-kubernetes-group-version-kind"],
        json!([{"group": "example.com", "version": "v1", "kind": "Widget"}])
    );
    assert_eq!(
        w["properties"]["spec"]["properties"]["size"]["type"],
        "integer"
    );
    assert!(
        doc["components"]["schemas"]["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"].is_object()
    );
    let patch =
        &doc["paths"]["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"]["patch"];
    assert_eq!(patch["x-kubernetes-group-version-kind"]["kind"], "Widget");
    assert!(
        patch["requestBody"]["content"]
            .get("application/strategic-merge-patch+json")
            .is_none()
    );
    assert!(
        patch["requestBody"]["content"]
            .get("application/merge-patch+json")
            .is_some()
    );

    let before = api.hash("apis/example.com/v1").expect("hash").to_owned();
    let mut changed = crd.clone();
    changed["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
        ["color"] = json!({"type": "string"});
    api.register_crd(&changed).expect("re-registers");
    assert_ne!(api.hash("apis/example.com/v1").expect("hash"), before);
    api.unregister_crd("widgets.example.com");
    assert!(api.document("apis/example.com/v1").is_none());
    assert!(api.register_crd(&json!({"spec": {}})).is_err());
}
