//! Unstructured Kubernetes objects ([`Object`]) and their identity ([`ObjectId`]).
//!
//! An [`Object`] keeps its keys in the order they were read (serde_json with
//! `preserve_order`), so a render can be printed in input order when that matters and
//! sorted by the emitter when it is printed the go-yaml way.

use std::fmt;

use serde_json::{Map, Value};

/// Why a value is not a Kubernetes object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The value is not a mapping.
    #[error("an object must be a mapping, found {found}")]
    NotAMapping {
        /// The JSON type that was found.
        found: &'static str,
    },
    /// A required string field is missing or not a string.
    #[error("missing or invalid field '{field}'")]
    MissingField {
        /// Path of the field, e.g. `metadata.name`.
        field: &'static str,
    },
    /// An inventory id does not have the `<ns>_<name>_<group>_<kind>` form.
    #[error("invalid inventory id '{0}': expected '<namespace>_<name>_<group>_<kind>'")]
    InventoryId(String),
}

/// The identity of an object: group, kind, namespace and name.
///
/// Displayed as `Kind/namespace/name` (or `Kind/name` when cluster-scoped), the subject
/// format of Flux's change sets, events and logs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ObjectId {
    /// API group, empty for the core group.
    pub group: String,
    /// Kind, e.g. `Deployment`.
    pub kind: String,
    /// Namespace, empty for cluster-scoped objects.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl ObjectId {
    /// An id from its parts.
    pub fn new(
        group: impl Into<String>,
        kind: impl Into<String>,
        namespace: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        ObjectId {
            group: group.into(),
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// The Flux inventory id: `<namespace>_<name>_<group>_<kind>`.
    pub fn inventory_id(&self) -> String {
        format!(
            "{}_{}_{}_{}",
            self.namespace, self.name, self.group, self.kind
        )
    }

    /// Parses a Flux inventory id (`<namespace>_<name>_<group>_<kind>`).
    ///
    /// Names and namespaces cannot contain `_`, but groups and kinds are parsed from the
    /// right so that the split is unambiguous.
    pub fn from_inventory_id(id: &str) -> Result<Self, Error> {
        let mut parts = id.rsplitn(3, '_');
        let (Some(kind), Some(group), Some(rest)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::InventoryId(id.to_string()));
        };
        let Some((namespace, name)) = rest.split_once('_') else {
            return Err(Error::InventoryId(id.to_string()));
        };
        if kind.is_empty() || name.is_empty() {
            return Err(Error::InventoryId(id.to_string()));
        }
        Ok(ObjectId::new(group, kind, namespace, name))
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{}", self.kind, self.name)
        } else {
            write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// An unstructured Kubernetes object: a JSON mapping with `apiVersion`, `kind` and
/// `metadata`, keys in their original order.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    value: Value,
}

impl Object {
    /// Wraps a mapping. Only the shape is checked; use [`Object::validate_identity`] to
    /// require `apiVersion`, `kind` and `metadata.name`.
    pub fn from_value(value: Value) -> Result<Self, Error> {
        match value {
            Value::Object(_) => Ok(Object { value }),
            other => Err(Error::NotAMapping {
                found: json_type(&other),
            }),
        }
    }

    /// Requires the fields that identify an object: `apiVersion`, `kind`, `metadata.name`.
    pub fn validate_identity(&self) -> Result<(), Error> {
        if self.api_version().is_empty() {
            return Err(Error::MissingField {
                field: "apiVersion",
            });
        }
        if self.kind().is_empty() {
            return Err(Error::MissingField { field: "kind" });
        }
        if self.name().is_empty() {
            return Err(Error::MissingField {
                field: "metadata.name",
            });
        }
        Ok(())
    }

    /// The object as a JSON value.
    pub fn as_value(&self) -> &Value {
        &self.value
    }

    /// The object as a JSON value, consuming it.
    pub fn into_value(self) -> Value {
        self.value
    }

    /// The object's top-level mapping.
    pub fn as_map(&self) -> &Map<String, Value> {
        match &self.value {
            Value::Object(map) => map,
            _ => unreachable!("Object always holds a mapping"),
        }
    }

    /// The object's top-level mapping, mutably.
    pub fn as_map_mut(&mut self) -> &mut Map<String, Value> {
        match &mut self.value {
            Value::Object(map) => map,
            _ => unreachable!("Object always holds a mapping"),
        }
    }

    fn str_field(&self, key: &str) -> &str {
        self.value.get(key).and_then(Value::as_str).unwrap_or("")
    }

    fn meta_str(&self, key: &str) -> &str {
        self.value
            .get("metadata")
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// `apiVersion`, or `""`.
    pub fn api_version(&self) -> &str {
        self.str_field("apiVersion")
    }

    /// `kind`, or `""`.
    pub fn kind(&self) -> &str {
        self.str_field("kind")
    }

    /// The API group: the part of `apiVersion` before `/`, empty for the core group.
    pub fn group(&self) -> &str {
        self.api_version().rsplit_once('/').map_or("", |(g, _)| g)
    }

    /// The API version without its group (`v1` of `apps/v1`).
    pub fn version(&self) -> &str {
        let av = self.api_version();
        av.rsplit_once('/').map_or(av, |(_, v)| v)
    }

    /// `metadata.name`, or `""`.
    pub fn name(&self) -> &str {
        self.meta_str("name")
    }

    /// `metadata.namespace`, or `""`.
    pub fn namespace(&self) -> &str {
        self.meta_str("namespace")
    }

    /// The object's identity.
    pub fn id(&self) -> ObjectId {
        ObjectId::new(self.group(), self.kind(), self.namespace(), self.name())
    }

    /// `metadata.labels[key]`.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.string_map("labels")
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
    }

    /// `metadata.annotations[key]`.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.string_map("annotations")
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
    }

    fn string_map(&self, field: &str) -> Option<&Map<String, Value>> {
        self.value.get("metadata")?.get(field)?.as_object()
    }

    fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        let map = self.as_map_mut();
        let meta = map
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if !meta.is_object() {
            *meta = Value::Object(Map::new());
        }
        match meta {
            Value::Object(m) => m,
            _ => unreachable!("Object always holds a mapping"),
        }
    }

    fn string_map_mut(&mut self, field: &str) -> &mut Map<String, Value> {
        let meta = self.metadata_mut();
        let entry = meta
            .entry(field)
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        match entry {
            Value::Object(m) => m,
            _ => unreachable!("Object always holds a mapping"),
        }
    }

    /// Sets `metadata.name`.
    pub fn set_name(&mut self, name: &str) {
        self.metadata_mut()
            .insert("name".into(), Value::String(name.into()));
    }

    /// Sets `metadata.namespace`; an empty namespace removes the field.
    pub fn set_namespace(&mut self, namespace: &str) {
        if namespace.is_empty() {
            self.metadata_mut().remove("namespace");
        } else {
            self.metadata_mut()
                .insert("namespace".into(), Value::String(namespace.into()));
        }
    }

    /// Sets `metadata.labels[key]`.
    pub fn set_label(&mut self, key: &str, value: &str) {
        self.string_map_mut("labels")
            .insert(key.into(), Value::String(value.into()));
    }

    /// Sets `metadata.annotations[key]`.
    pub fn set_annotation(&mut self, key: &str, value: &str) {
        self.string_map_mut("annotations")
            .insert(key.into(), Value::String(value.into()));
    }

    /// Removes `metadata.annotations[key]`; returns the old value.
    pub fn remove_annotation(&mut self, key: &str) -> Option<Value> {
        let meta = self.value.get_mut("metadata")?.as_object_mut()?;
        let annotations = meta.get_mut("annotations")?.as_object_mut()?;
        let old = annotations.shift_remove(key);
        if annotations.is_empty() {
            meta.shift_remove("annotations");
        }
        old
    }
}

impl TryFrom<Value> for Object {
    type Error = Error;

    fn try_from(value: Value) -> Result<Self, Error> {
        Object::from_value(value)
    }
}

impl From<Object> for Value {
    fn from(object: Object) -> Value {
        object.value
    }
}

/// The JSON type name of a value, for messages.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a sequence",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn id_and_accessors() {
        let obj = Object::from_value(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "prod", "labels": {"app": "web"}}
        }))
        .expect("mapping");
        assert_eq!(obj.group(), "apps");
        assert_eq!(obj.version(), "v1");
        assert_eq!(obj.id().to_string(), "Deployment/prod/web");
        assert_eq!(obj.id().inventory_id(), "prod_web_apps_Deployment");
        assert_eq!(obj.label("app"), Some("web"));
        let ns = Object::from_value(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}}),
        )
        .expect("mapping");
        assert_eq!(ns.id().to_string(), "Namespace/prod");
        assert_eq!(ns.id().inventory_id(), "_prod__Namespace");
    }

    #[test]
    fn inventory_ids_parse_back() {
        for id in [
            "prod_web_apps_Deployment",
            "_prod__Namespace",
            "default_x_networking.k8s.io_Ingress",
        ] {
            assert_eq!(
                ObjectId::from_inventory_id(id).expect(id).inventory_id(),
                id
            );
        }
        assert!(ObjectId::from_inventory_id("nope").is_err());
    }

    #[test]
    fn setters_create_metadata() {
        let mut obj =
            Object::from_value(json!({"apiVersion": "v1", "kind": "ConfigMap"})).expect("mapping");
        assert_eq!(
            obj.validate_identity(),
            Err(Error::MissingField {
                field: "metadata.name"
            })
        );
        obj.set_name("cm");
        obj.set_namespace("default");
        obj.set_label("a", "b");
        obj.set_annotation("c", "d");
        assert_eq!(
            obj.as_value()["metadata"],
            json!({"name": "cm", "namespace": "default", "labels": {"a": "b"}, "annotations": {"c": "d"}})
        );
        assert_eq!(obj.remove_annotation("c"), Some(json!("d")));
        assert!(obj.as_value()["metadata"].get("annotations").is_none());
        assert!(Object::from_value(json!([1])).is_err());
    }
}
