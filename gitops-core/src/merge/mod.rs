//! Structured merges of unstructured Kubernetes objects.
//!
//! - [`strategic::merge`]: a strategic merge patch, as kustomize's kyaml `merge2` applies
//!   it — maps merge recursively, `null` deletes, `$patch: delete|replace|merge`, lists of
//!   known types merge by their merge keys, other lists are replaced.
//! - [`Schema`]: where the merge keys come from — [`Schema::builtin`] (a table generated
//!   by `gitops-core/scripts/gen-merge-keys.py` from Kubernetes' OpenAPI definitions),
//!   with custom OpenAPI documents ([`CustomDoc`]) layered on top ([`Schema::push`]) as a
//!   kustomization's `openapi: {path: …}` does.
//!
//! ```
//! use std::sync::Arc;
//! use gitops_core::merge::{CustomDoc, Layer, Schema, strategic};
//! use serde_json::json;
//!
//! let doc = CustomDoc::parse(r#"{"definitions": {"com.example.v1.Foo": {
//!   "x-kubernetes-group-version-kind": [{"group": "example.com", "version": "v1", "kind": "Foo"}],
//!   "properties": {"items": {"type": "array", "x-kubernetes-patch-strategy": "merge",
//!     "x-kubernetes-patch-merge-key": "id"}}}}}"#)?;
//! let mut schema = Schema::builtin();
//! schema.push(Layer::Custom(Arc::new(doc)));
//! let dest = json!({"apiVersion": "example.com/v1", "kind": "Foo", "items": [{"id": "a", "v": 1}]});
//! let patch = json!({"items": [{"id": "b", "v": 2}]});
//! let merged = strategic::merge(dest, &patch, &schema)?.expect("not deleted");
//! assert_eq!(merged["items"], json!([{"id": "b", "v": 2}, {"id": "a", "v": 1}]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod schema;
mod schema_table;
pub mod strategic;

pub use schema::{CustomDoc, Layer, Schema, SchemaError};
pub use strategic::MergeError;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
