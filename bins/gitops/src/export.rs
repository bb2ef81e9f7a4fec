//! Printing objects the way `flux create … --export` prints them, and a small
//! builder that serialises fields with Go's `encoding/json` rules (`omitempty`).
//!
//! flux marshals its Go structs with `sigs.k8s.io/yaml` (JSON → go-yaml v2) and then
//! applies `resourceToString`: it drops `  creationTimestamp: null\n` and `status: {}\n`
//! and trims white space; `printExport` prints `---` before the object. Objects are
//! built here directly as JSON values so that every string flux accepts (even one a
//! typed API enum would reject, e.g. `--event-severity=warn`) prints as flux prints it.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::gostr::trim_space;

/// The YAML of `value` as sigs.k8s.io/yaml prints it.
pub fn to_yaml(value: &Value) -> String {
    gitops_core::yaml::to_string(value)
}

/// flux's `resourceToString` (cmd/flux/export.go).
pub fn resource_to_string(yaml: &str) -> String {
    let data = yaml.replacen("  creationTimestamp: null\n", "", 1);
    let data = data.replacen("status: {}\n", "", 1);
    trim_space(&data).to_string()
}

/// flux's `printExport`: `---`, the object, a newline.
pub fn print_export(object: &Value) -> String {
    format!("---\n{}\n", resource_to_string(&to_yaml(object)))
}

/// The manifest of a generated secret (`sourcesecret.secretToManifest`): `---` and the
/// object, not trimmed.
pub fn secret_manifest(secret: &Value) -> String {
    let data = to_yaml(secret);
    let data = data.replacen("  creationTimestamp: null\n", "", 1);
    let data = data.replacen("status: {}\n", "", 1);
    format!("---\n{data}")
}

/// A JSON object filled with Go's serialisation rules.
#[derive(Debug, Default, Clone)]
pub struct Obj(Map<String, Value>);

impl Obj {
    /// An empty object.
    pub fn new() -> Self {
        Obj(Map::new())
    }

    /// A field without `omitempty`: always present.
    pub fn set(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0.insert(key.to_string(), value.into());
        self
    }

    /// A string field with `omitempty`.
    pub fn str(self, key: &str, value: &str) -> Self {
        if value.is_empty() {
            self
        } else {
            self.set(key, value)
        }
    }

    /// A bool field with `omitempty`.
    pub fn flag(self, key: &str, value: bool) -> Self {
        if value { self.set(key, true) } else { self }
    }

    /// A pointer or struct-pointer field with `omitempty`.
    pub fn opt(self, key: &str, value: Option<impl Into<Value>>) -> Self {
        match value {
            Some(v) => self.set(key, v),
            None => self,
        }
    }

    /// A slice field with `omitempty` (nil and empty slices are left out).
    pub fn list(self, key: &str, values: Vec<Value>) -> Self {
        if values.is_empty() {
            self
        } else {
            self.set(key, Value::Array(values))
        }
    }

    /// A `map[string]string` field with `omitempty`.
    pub fn map(self, key: &str, values: &BTreeMap<String, String>) -> Self {
        if values.is_empty() {
            return self;
        }
        let m: Map<String, Value> = values
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect();
        self.set(key, Value::Object(m))
    }
}

impl From<Obj> for Value {
    fn from(o: Obj) -> Value {
        Value::Object(o.0)
    }
}

/// A `meta.LocalObjectReference`.
pub fn local_ref(name: &str) -> Obj {
    Obj::new().set("name", name)
}

/// A `meta.LocalObjectReference` pointer set only when `name` is not empty.
pub fn local_ref_opt(name: &str) -> Option<Obj> {
    (!name.is_empty()).then(|| local_ref(name))
}

/// A complete object: `apiVersion`, `kind`, `metadata` (name, namespace, labels) and
/// `spec`, as flux's `export*` helpers build it.
pub fn object(
    api_version: &str,
    kind: &str,
    name: &str,
    namespace: &str,
    labels: &BTreeMap<String, String>,
    spec: Obj,
) -> Value {
    Obj::new()
        .set("apiVersion", api_version)
        .set("kind", kind)
        .set("metadata", metadata(name, namespace, labels))
        .set("spec", spec)
        .into()
}

/// `metav1.ObjectMeta` with name, namespace and labels.
pub fn metadata(name: &str, namespace: &str, labels: &BTreeMap<String, String>) -> Obj {
    Obj::new()
        .str("name", name)
        .str("namespace", namespace)
        .map("labels", labels)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn resource_to_string_strips_like_flux() {
        let yaml = "apiVersion: v1\nkind: X\nmetadata:\n  creationTimestamp: null\n  name: a\nspec: {}\nstatus: {}\n";
        assert_eq!(
            resource_to_string(yaml),
            "apiVersion: v1\nkind: X\nmetadata:\n  name: a\nspec: {}"
        );
    }

    #[test]
    fn omitempty_rules() {
        let v: Value = Obj::new()
            .set("always", "")
            .str("empty", "")
            .str("full", "x")
            .flag("no", false)
            .flag("yes", true)
            .list("none", vec![])
            .map("labels", &BTreeMap::new())
            .opt("ptr", None::<Obj>)
            .into();
        assert_eq!(
            v,
            serde_json::json!({"always": "", "full": "x", "yes": true})
        );
    }
}

/// `gitops crds`: every CRD as a YAML document.
pub fn crds() -> Result<String, String> {
    let mut text = String::new();
    for crd in gitops_core::api::crds() {
        let value = serde_json::to_value(&crd).map_err(|e| e.to_string())?;
        text.push_str("---\n");
        text.push_str(&to_yaml(&value));
    }
    Ok(text)
}
