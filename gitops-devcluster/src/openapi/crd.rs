//! OpenAPI schemas of custom resources, named like the real server
//! (`stable.example.com`/`v1`/`CronTab` → `com.example.stable.v1.CronTab`).

use serde_json::{Value, json};

use super::{OpenApiError, Resource};

const META: &str = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.";

/// The schema of one served version of a CRD.
#[derive(Debug, Clone)]
pub struct CrdVersionSchema {
    /// Version name.
    pub version: String,
    /// The resource entry used to build paths.
    pub(super) resource: Resource,
    /// The object schema with `x-kubernetes-group-version-kind` and `metadata` → ObjectMeta.
    pub schema: Value,
    /// The list schema.
    pub list_schema: Value,
    /// The object type compiled from `schema`, for apply and decoding.
    pub types: crate::typeschema::TypeRef,
}

/// A registered CRD.
#[derive(Debug, Clone)]
pub(super) struct CrdEntry {
    pub(super) name: String,
    pub(super) group: String,
    pub(super) kind: String,
    pub(super) versions: Vec<CrdVersionSchema>,
}

fn reversed(group: &str) -> String {
    group.split('.').rev().collect::<Vec<_>>().join(".")
}

fn str_at<'a>(v: &'a Value, path: &[&str], what: &'static str) -> Result<&'a str, OpenApiError> {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_str)
        .ok_or(OpenApiError::MissingField(what))
}

impl CrdEntry {
    pub(super) fn from_crd(crd: &Value) -> Result<Self, OpenApiError> {
        let group = str_at(crd, &["spec", "group"], "spec.group")?.to_owned();
        let kind = str_at(crd, &["spec", "names", "kind"], "spec.names.kind")?.to_owned();
        let plural = str_at(crd, &["spec", "names", "plural"], "spec.names.plural")?.to_owned();
        let name = crd
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("{plural}.{group}"), str::to_owned);
        let namespaced = crd.pointer("/spec/scope").and_then(Value::as_str) != Some("Cluster");
        let list_kind = crd
            .pointer("/spec/names/listKind")
            .and_then(Value::as_str)
            .map_or_else(|| format!("{kind}List"), str::to_owned);
        let versions = crd
            .pointer("/spec/versions")
            .and_then(Value::as_array)
            .ok_or(OpenApiError::MissingField("spec.versions"))?;
        let mut out = Vec::new();
        for v in versions {
            if v.get("served").and_then(Value::as_bool) == Some(false) {
                continue;
            }
            let version = str_at(v, &["name"], "spec.versions[].name")?.to_owned();
            let prefix = format!("{}.{version}", reversed(&group));
            let schema_name = format!("{prefix}.{kind}");
            let list_name = format!("{prefix}.{list_kind}");
            let mut schema = v
                .pointer("/schema/openAPIV3Schema")
                .cloned()
                .unwrap_or_else(
                    || json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}),
                );
            if let Value::Object(m) = &mut schema {
                let props = m.entry("properties").or_insert_with(|| json!({}));
                if let Value::Object(p) = props {
                    p.insert("apiVersion".into(), json!({"type": "string", "description": "APIVersion defines the versioned schema of this representation of an object."}));
                    p.insert("kind".into(), json!({"type": "string", "description": "Kind is a string value representing the REST resource this object represents."}));
                    p.insert("metadata".into(), json!({"allOf": [{"$ref": format!("{META}ObjectMeta")}],
                        "description": "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"}));
                }
                m.insert(
                    "x-kubernetes-group-version-kind".into(),
                    json!([{"group": group, "version": version, "kind": kind}]),
                );
            }
            let list_schema = json!({
                "description": format!("{list_kind} is a list of {kind}"),
                "type": "object",
                "required": ["items"],
                "properties": {
                    "apiVersion": {"type": "string"},
                    "items": {"type": "array", "items": {"$ref": format!("#/components/schemas/{schema_name}")}},
                    "kind": {"type": "string"},
                    "metadata": {"allOf": [{"$ref": format!("{META}ListMeta")}]},
                },
                "x-kubernetes-group-version-kind": [{"group": group, "version": version, "kind": list_kind}],
            });
            let types = crate::typeschema::custom(&schema);
            out.push(CrdVersionSchema {
                version,
                types,
                resource: Resource {
                    kind: kind.clone(),
                    plural: plural.clone(),
                    namespaced,
                    schema: schema_name,
                    list_schema: list_name,
                },
                schema,
                list_schema,
            });
        }
        Ok(CrdEntry {
            name,
            group,
            kind,
            versions: out,
        })
    }
}
