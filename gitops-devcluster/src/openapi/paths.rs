//! The `paths` of a group-version document, shaped like kube-apiserver's: list/create/
//! deletecollection on the collection, get/replace/patch/delete on the item, the same for
//! `/status` when the kind has a status, each with `x-kubernetes-action` and
//! `x-kubernetes-group-version-kind`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Resource;

const META: &str = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.";

fn query(name: &str, description: &str, ty: &str) -> Value {
    json!({"name": name, "in": "query", "description": description, "schema": {"type": ty, "uniqueItems": true}})
}

fn path_param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "path", "description": description, "required": true,
           "schema": {"type": "string", "uniqueItems": true}})
}

fn write_params(patch: bool) -> Vec<Value> {
    let mut v = vec![
        query(
            "dryRun",
            "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed",
            "string",
        ),
        query(
            "fieldManager",
            "fieldManager is a name associated with the actor or entity that is making these changes.",
            "string",
        ),
        query(
            "fieldValidation",
            "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict",
            "string",
        ),
    ];
    if patch {
        v.push(query("force", "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people.", "boolean"));
    }
    v
}

fn list_params() -> Vec<Value> {
    [
        ("allowWatchBookmarks", "boolean"),
        ("continue", "string"),
        ("fieldSelector", "string"),
        ("labelSelector", "string"),
        ("limit", "integer"),
        ("resourceVersion", "string"),
        ("resourceVersionMatch", "string"),
        ("sendInitialEvents", "boolean"),
        ("timeoutSeconds", "integer"),
        ("watch", "boolean"),
    ]
    .iter()
    .map(|(n, t)| query(n, "", t))
    .collect()
}

fn response(schema_ref: &str) -> Value {
    json!({"200": {"description": "OK", "content": {
        "application/json": {"schema": {"$ref": schema_ref}},
        "application/yaml": {"schema": {"$ref": schema_ref}},
        "application/vnd.kubernetes.protobuf": {"schema": {"$ref": schema_ref}}
    }}, "401": {"description": "Unauthorized"}})
}

fn body(schema_ref: &str) -> Value {
    json!({"content": {"*/*": {"schema": {"$ref": schema_ref}}}, "required": true})
}

fn patch_body(smp: bool) -> Value {
    let patch = json!({"schema": {"$ref": format!("{META}Patch")}});
    let mut content = serde_json::Map::new();
    content.insert("application/apply-patch+yaml".into(), patch.clone());
    content.insert("application/json-patch+json".into(), patch.clone());
    content.insert("application/merge-patch+json".into(), patch.clone());
    if smp {
        content.insert("application/strategic-merge-patch+json".into(), patch);
    }
    json!({"content": content, "required": true})
}

fn camel(s: &str) -> String {
    s.split(['.', '-'])
        .next()
        .map(|first| {
            let mut c = first.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

/// Adds the operations of one resource to `paths`.
pub(super) fn add_resource(
    paths: &mut BTreeMap<String, Value>,
    group: &str,
    version: &str,
    r: &Resource,
    smp: bool,
) {
    let base = if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    };
    let gvk = json!({"group": group, "version": version, "kind": r.kind});
    let obj = format!("#/components/schemas/{}", r.schema);
    let list = format!("#/components/schemas/{}", r.list_schema);
    let status_ref = format!("{META}Status");
    let id_gv = format!(
        "{}{}",
        if group.is_empty() {
            "Core".to_owned()
        } else {
            camel(group)
        },
        camel(version)
    );
    let scope = if r.namespaced { "Namespaced" } else { "" };
    let kind = &r.kind;
    let op = |verb: &str, action: &str, id: String, resp: &str, extra: Value| -> Value {
        let mut o = json!({
            "tags": [format!("{}_{version}", if group.is_empty() { "core" } else { group })],
            "description": format!("{verb} {kind}"),
            "operationId": id,
            "responses": response(resp),
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": gvk,
        });
        if let (Value::Object(m), Value::Object(e)) = (&mut o, extra) {
            m.extend(e);
        }
        o
    };
    let ns_part = if r.namespaced {
        "/namespaces/{namespace}"
    } else {
        ""
    };
    let mut common = vec![query(
        "pretty",
        "If 'true', then the output is pretty printed.",
        "string",
    )];
    if r.namespaced {
        common.push(path_param(
            "namespace",
            "object name and auth scope, such as for teams and projects",
        ));
    }
    let collection = format!("{base}{ns_part}/{}", r.plural);
    paths.insert(
        collection.clone(),
        json!({
            "get": op("list or watch objects of kind", "list", format!("list{id_gv}{scope}{kind}"), &list, json!({"parameters": list_params()})),
            "post": op("create a", "post", format!("create{id_gv}{scope}{kind}"), &obj,
                json!({"parameters": write_params(false), "requestBody": body(&obj)})),
            "delete": op("delete collection of", "deletecollection", format!("deleteCollection{id_gv}{scope}{kind}"), &status_ref,
                json!({"parameters": list_params(), "requestBody": body(&format!("{META}DeleteOptions"))})),
            "parameters": common,
        }),
    );
    let mut item_common = common.clone();
    item_common.push(path_param("name", &format!("name of the {kind}")));
    let item_ops = |sub: &str| -> Value {
        let suffix = if sub.is_empty() {
            String::new()
        } else {
            camel(sub)
        };
        let mut m = json!({
            "get": op("read the specified", "get", format!("read{id_gv}{scope}{kind}{suffix}"), &obj, json!({})),
            "put": op("replace the specified", "put", format!("replace{id_gv}{scope}{kind}{suffix}"), &obj,
                json!({"parameters": write_params(false), "requestBody": body(&obj)})),
            "patch": op("partially update the specified", "patch", format!("patch{id_gv}{scope}{kind}{suffix}"), &obj,
                json!({"parameters": write_params(true), "requestBody": patch_body(smp)})),
            "parameters": item_common.clone(),
        });
        if sub.is_empty() {
            m["delete"] = op(
                "delete a",
                "delete",
                format!("delete{id_gv}{scope}{kind}"),
                &status_ref,
                json!({"parameters": [query("dryRun", "", "string"), query("gracePeriodSeconds", "", "integer"),
                    query("propagationPolicy", "", "string")], "requestBody": {"content": {"*/*": {"schema": {"$ref": format!("{META}DeleteOptions")}}}}}),
            );
        }
        m
    };
    paths.insert(format!("{collection}/{{name}}"), item_ops(""));
    if has_status(&r.schema) {
        paths.insert(format!("{collection}/{{name}}/status"), item_ops("status"));
    }
    if r.namespaced {
        paths.insert(
            format!("{base}/{}", r.plural),
            json!({
                "get": op("list or watch objects of kind", "list", format!("list{id_gv}{kind}ForAllNamespaces"), &list,
                    json!({"parameters": list_params()})),
            }),
        );
    }
}

fn has_status(schema: &str) -> bool {
    super::builtin_schemas()
        .get(schema)
        .and_then(|s| s.get("properties"))
        .is_some_and(|p| p.get("status").is_some())
}
