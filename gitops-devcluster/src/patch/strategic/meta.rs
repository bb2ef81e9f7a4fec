//! The patch metadata a strategic merge consults: per field its patch strategies
//! (`merge`, `replace`, `retainKeys`) and merge key, read from the served OpenAPI schemas
//! of the built-in kinds ([`crate::openapi::builtin_schemas`]), whose
//! `x-kubernetes-patch-strategy`/`x-kubernetes-patch-merge-key` are the Go struct tags the
//! API server's `PatchMetaFromStruct` reads.
//!
//! A field the schema does not know gets no strategy: its maps merge, its lists are
//! replaced (the API server fails such patches with a 500; the decoder rejects or drops
//! the unknown field afterwards anyway).

use serde_json::{Map, Value};

/// A type of the schema (a resolved component schema, `None` when unknown) and the
/// component schemas its references name.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ty<'a> {
    schema: Option<&'a Value>,
    all: &'a Map<String, Value>,
}

impl Default for Ty<'static> {
    fn default() -> Self {
        Ty {
            schema: None,
            all: schemas(),
        }
    }
}

/// What the schema says about one field.
#[derive(Debug, Clone, Default)]
pub(super) struct FieldMeta<'a> {
    /// The type of the field's value (of its elements when it is a list).
    pub ty: Ty<'a>,
    /// The comma-separated `x-kubernetes-patch-strategy`, split (`[""]` when absent).
    pub strategies: Vec<&'a str>,
    /// `x-kubernetes-patch-merge-key` (`""` when absent).
    pub merge_key: &'a str,
}

fn schemas() -> &'static Map<String, Value> {
    crate::openapi::builtin_schemas()
}

/// Follows `$ref` and `allOf: [{$ref}]` to the component schema of `all` they name.
fn resolve(mut v: &'static Value, all: &'static Map<String, Value>) -> Option<&'static Value> {
    for _ in 0..16 {
        let target = v
            .get("$ref")
            .or_else(|| v.get("allOf")?.as_array()?.first()?.get("$ref"));
        let Some(r) = target else { return Some(v) };
        let name = r.as_str()?.strip_prefix("#/components/schemas/")?;
        v = all.get(name)?;
    }
    None
}

impl Ty<'static> {
    /// The root type of an object of `api_version` and `kind` (unknown when the kind is not
    /// a built-in one).
    pub fn root(api_version: &str, kind: &str) -> Self {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let schema = crate::openapi::builtin_resources(group, version)
            .and_then(|rs| rs.iter().find(|r| r.kind == kind))
            .and_then(|r| schemas().get(&r.schema));
        Ty {
            schema,
            all: schemas(),
        }
    }

    /// The metadata of `field` of a map of this type.
    pub fn field(self, field: &str) -> FieldMeta<'static> {
        let Some(s) = self.schema else {
            return FieldMeta::unknown();
        };
        let prop = s
            .get("properties")
            .and_then(|p| p.get(field))
            .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()));
        let Some(prop) = prop else {
            return FieldMeta::unknown();
        };
        let strategies = prop
            .get("x-kubernetes-patch-strategy")
            .and_then(Value::as_str)
            .unwrap_or("")
            .split(',')
            .collect();
        let merge_key = prop
            .get("x-kubernetes-patch-merge-key")
            .and_then(Value::as_str)
            .unwrap_or("");
        let value = match prop.get("type").and_then(Value::as_str) {
            Some("array") => prop.get("items"),
            _ => Some(prop),
        };
        FieldMeta {
            ty: Ty {
                schema: value.and_then(|v| resolve(v, self.all)),
                all: self.all,
            },
            strategies,
            merge_key,
        }
    }
}

impl FieldMeta<'static> {
    fn unknown() -> Self {
        FieldMeta {
            ty: Ty::default(),
            strategies: vec![""],
            merge_key: "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_struct_tags_from_the_served_schemas() {
        let deploy = Ty::root("apps/v1", "Deployment");
        let pod = deploy
            .field("spec")
            .ty
            .field("template")
            .ty
            .field("spec")
            .ty;
        let containers = pod.field("containers");
        assert_eq!(
            (containers.strategies.clone(), containers.merge_key),
            (vec!["merge"], "name")
        );
        let ports = containers.ty.field("ports");
        assert_eq!(ports.merge_key, "containerPort");
        let volumes = pod.field("volumes");
        assert_eq!(volumes.strategies, vec!["merge", "retainKeys"]);
        let strategy = deploy.field("spec").ty.field("strategy");
        assert_eq!(strategy.strategies, vec!["retainKeys"]);
        let fin = deploy.field("metadata").ty.field("finalizers");
        assert_eq!((fin.strategies, fin.merge_key), (vec!["merge"], ""));
        let labels = deploy.field("metadata").ty.field("labels").ty.field("app");
        assert_eq!(labels.strategies, vec![""]);
        assert!(
            Ty::root("example.com/v1", "Foo")
                .field("spec")
                .ty
                .schema
                .is_none()
        );
    }
}
