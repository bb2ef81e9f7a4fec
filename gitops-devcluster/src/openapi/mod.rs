//! `/openapi/v3`: the index of group-versions and one OpenAPI 3.0 document per group-version.
//!
//! kubectl 1.32 downloads these on every `apply`/`create` (field validation: it looks for a
//! PATCH operation carrying the object's `x-kubernetes-group-version-kind` and a
//! `fieldValidation` parameter), computes client-side strategic merge patches from
//! `components.schemas` (`x-kubernetes-patch-merge-key`/`-strategy`) and `kubectl explain`
//! reads the schema descriptions. The schemas of the built-in kinds are generated from
//! kubernetes-validate's v1.33 definitions by `scripts/gen-openapi.py` into `builtin.json`;
//! the paths are built here. Custom resources are added with [`OpenApi::register_crd`].
//!
//! Wiring: `GET /openapi/v3` → [`OpenApi::index`]; `GET /openapi/v3/<prefix>` (e.g.
//! `api/v1`, `apis/apps/v1`, query `hash` ignored or compared with [`OpenApi::hash`]) →
//! [`OpenApi::document`] (`None` → 404). Serve with `Content-Type: application/json`.

mod crd;
mod paths;

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

use serde::Deserialize;
use serde_json::{Map, Value, json};

pub use crd::CrdVersionSchema;

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
pub enum OpenApiError {
    /// The CustomResourceDefinition lacks a field the document needs.
    #[error("CustomResourceDefinition is missing {0}")]
    MissingField(&'static str),
}

/// One served resource of a group-version.
#[derive(Debug, Clone, Deserialize)]
pub struct Resource {
    /// Kind, e.g. `ConfigMap`.
    pub kind: String,
    /// Plural resource name, e.g. `configmaps`.
    pub plural: String,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
    /// Name of its schema in `components.schemas`.
    pub schema: String,
    /// Name of its list schema in `components.schemas`.
    #[serde(rename = "listSchema")]
    pub list_schema: String,
}

#[derive(Debug, Deserialize)]
struct GroupVersion {
    group: String,
    version: String,
    resources: Vec<Resource>,
}

#[derive(Debug, Deserialize)]
struct Builtin {
    #[serde(rename = "groupVersions")]
    group_versions: Vec<GroupVersion>,
    schemas: Map<String, Value>,
}

/// Schemas every document carries for its operations.
const META_EXTRA: &[&str] = &[
    "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
    "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent",
];

fn builtin() -> &'static Builtin {
    static B: OnceLock<Builtin> = OnceLock::new();
    B.get_or_init(|| {
        serde_json::from_str(include_str!("builtin.json")).unwrap_or_else(|_| Builtin {
            group_versions: Vec::new(),
            schemas: Map::new(),
        })
    })
}

/// All generated component schemas of the built-in kinds (and the meta types they use),
/// keyed like the real server (`io.k8s.api.core.v1.ConfigMap`).
pub fn builtin_schemas() -> &'static Map<String, Value> {
    &builtin().schemas
}

/// The `/openapi/v3/<prefix>` path of a group-version: `api/v1` or `apis/<group>/<version>`.
pub fn prefix(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// The hash a document is announced with in the index (uppercase hex; changes whenever the
/// document does, which is all HTTP caches in clients need).
pub fn hash(doc: &Value) -> String {
    let text = doc.to_string();
    let mut out = String::new();
    for seed in [0u8, 1, 2, 3] {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        seed.hash(&mut h);
        text.hash(&mut h);
        out.push_str(&format!("{:016X}", h.finish()));
    }
    out
}

/// Adds to `out` every schema reachable through `$ref` from `roots`, looking in `sources`.
pub(crate) fn closure(
    roots: &[&str],
    sources: &[&Map<String, Value>],
    out: &mut Map<String, Value>,
) {
    let mut todo: Vec<String> = roots.iter().map(|s| (*s).to_owned()).collect();
    while let Some(name) = todo.pop() {
        if out.contains_key(&name) {
            continue;
        }
        let Some(schema) = sources.iter().find_map(|m| m.get(&name)) else {
            continue;
        };
        let mut refs = BTreeSet::new();
        collect_refs(schema, &mut refs);
        out.insert(name, schema.clone());
        todo.extend(refs.into_iter().filter(|r| !out.contains_key(r)));
    }
}

fn collect_refs(v: &Value, acc: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("$ref", Value::String(r)) => {
                        acc.insert(r.rsplit('/').next().unwrap_or_default().to_owned());
                    }
                    _ => collect_refs(x, acc),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, acc)),
        _ => {}
    }
}

fn build_document(
    group: &str,
    version: &str,
    resources: &[Resource],
    extra: &Map<String, Value>,
    smp: bool,
) -> Value {
    let mut schemas = Map::new();
    let mut roots: Vec<&str> = META_EXTRA.to_vec();
    for r in resources {
        roots.push(&r.schema);
        roots.push(&r.list_schema);
    }
    closure(&roots, &[extra, builtin_schemas()], &mut schemas);
    let mut paths = BTreeMap::new();
    for r in resources {
        paths::add_resource(&mut paths, group, version, r, smp);
    }
    let title = if group.is_empty() {
        "Kubernetes".to_owned()
    } else {
        format!("Kubernetes {group}")
    };
    json!({
        "openapi": "3.0.0",
        "info": {"title": title, "version": format!("{version}")},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

/// The resources and schemas of one CRD group-version.
type CrdGroupVersion = (Vec<Resource>, Map<String, Value>);

/// A built document and its hash.
#[derive(Debug, Clone)]
struct Doc {
    doc: Arc<Value>,
    hash: String,
}

fn builtin_docs() -> &'static BTreeMap<String, Doc> {
    static D: OnceLock<BTreeMap<String, Doc>> = OnceLock::new();
    D.get_or_init(|| {
        builtin()
            .group_versions
            .iter()
            .map(|gv| {
                let doc = build_document(&gv.group, &gv.version, &gv.resources, &Map::new(), true);
                let h = hash(&doc);
                (
                    prefix(&gv.group, &gv.version),
                    Doc {
                        doc: Arc::new(doc),
                        hash: h,
                    },
                )
            })
            .collect()
    })
}

/// The built-in resources of a group-version as the generated table lists them.
pub fn builtin_resources(group: &str, version: &str) -> Option<&'static [Resource]> {
    builtin()
        .group_versions
        .iter()
        .find(|gv| gv.group == group && gv.version == version)
        .map(|gv| gv.resources.as_slice())
}

/// `(group, version)` of every built-in group-version with a document.
pub fn builtin_group_versions() -> Vec<(String, String)> {
    builtin()
        .group_versions
        .iter()
        .map(|gv| (gv.group.clone(), gv.version.clone()))
        .collect()
}

/// The `/openapi/v3` index of the built-in group-versions.
pub fn v3_index() -> Value {
    OpenApi::default().index()
}

/// The OpenAPI 3.0 document of a built-in group-version (`""`/`v1` is the core group).
pub fn v3_group_version(group: &str, version: &str) -> Option<Value> {
    builtin_docs()
        .get(&prefix(group, version))
        .map(|d| (*d.doc).clone())
}

/// The OpenAPI state of a server: the built-in documents plus registered CRDs.
#[derive(Debug, Clone, Default)]
pub struct OpenApi {
    /// CRD name → its group and per-version schemas.
    crds: BTreeMap<String, crd::CrdEntry>,
    /// Documents of CRD group-versions, rebuilt on every registration change.
    crd_docs: BTreeMap<String, Doc>,
}

impl OpenApi {
    /// Registers (or replaces) the served versions of a CustomResourceDefinition object;
    /// its group-versions then appear in the index with a new hash.
    pub fn register_crd(&mut self, crd: &Value) -> Result<(), OpenApiError> {
        let entry = crd::CrdEntry::from_crd(crd)?;
        self.crds.insert(entry.name.clone(), entry);
        self.rebuild();
        Ok(())
    }

    /// Removes a CRD by its object name (`plural.group`); unknown names are ignored.
    pub fn unregister_crd(&mut self, name: &str) {
        if self.crds.remove(name).is_some() {
            self.rebuild();
        }
    }

    fn rebuild(&mut self) {
        let mut by_gv: BTreeMap<(String, String), CrdGroupVersion> = BTreeMap::new();
        for entry in self.crds.values() {
            for v in &entry.versions {
                let slot = by_gv
                    .entry((entry.group.clone(), v.version.clone()))
                    .or_default();
                slot.0.push(v.resource.clone());
                slot.1.insert(v.resource.schema.clone(), v.schema.clone());
                slot.1
                    .insert(v.resource.list_schema.clone(), v.list_schema.clone());
            }
        }
        self.crd_docs = by_gv
            .into_iter()
            .filter(|((g, v), _)| builtin_resources(g, v).is_none())
            .map(|((g, v), (resources, schemas))| {
                let doc = build_document(&g, &v, &resources, &schemas, false);
                let h = hash(&doc);
                (
                    prefix(&g, &v),
                    Doc {
                        doc: Arc::new(doc),
                        hash: h,
                    },
                )
            })
            .collect();
    }

    fn lookup(&self, prefix: &str) -> Option<&Doc> {
        builtin_docs()
            .get(prefix)
            .or_else(|| self.crd_docs.get(prefix))
    }

    /// `GET /openapi/v3`: `{"paths": {"apis/apps/v1": {"serverRelativeURL": "/openapi/v3/apis/apps/v1?hash=…"}}}`.
    pub fn index(&self) -> Value {
        let mut paths = Map::new();
        for (p, d) in builtin_docs().iter().chain(self.crd_docs.iter()) {
            paths.insert(
                p.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{p}?hash={}", d.hash)}),
            );
        }
        json!({ "paths": paths })
    }

    /// The document at `/openapi/v3/<prefix>` (`prefix` like `api/v1`, `apis/apps/v1`).
    pub fn document(&self, prefix: &str) -> Option<Arc<Value>> {
        self.lookup(prefix.trim_matches('/'))
            .map(|d| Arc::clone(&d.doc))
    }

    /// The current hash of the document at `prefix` (for `?hash=` redirects and ETags).
    pub fn hash(&self, prefix: &str) -> Option<&str> {
        self.lookup(prefix.trim_matches('/'))
            .map(|d| d.hash.as_str())
    }

    /// The object type of a kind: built-in, or compiled from a registered CRD's schema.
    pub fn kind_type(
        &self,
        group: &str,
        version: &str,
        kind: &str,
    ) -> Option<crate::typeschema::TypeRef> {
        if let Some(t) = crate::typeschema::builtin(group, version, kind) {
            return Some(t);
        }
        self.crds
            .values()
            .filter(|c| c.group == group && c.kind == kind)
            .flat_map(|c| c.versions.iter())
            .find(|v| v.version == version)
            .map(|v| v.types.clone())
    }

    /// The document of a group-version, built-in or from a registered CRD.
    pub fn group_version(&self, group: &str, version: &str) -> Option<Value> {
        self.lookup(&prefix(group, version))
            .map(|d| (*d.doc).clone())
    }
}
