//! [`ResourceSet`]: an ordered collection of objects, read from multi-document YAML.

use std::fmt;

use crate::object::{self, Object, ObjectId};
use crate::yaml::{self, LoadOptions};

/// Why a YAML stream could not be read as objects. Every variant names the file, the
/// document (from 1) and the line (from 1).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The YAML itself is invalid.
    #[error("{file}: {source}")]
    Yaml {
        /// The file (or other origin) of the stream.
        file: String,
        /// What the reader reported, with document and line.
        source: yaml::load::Error,
    },
    /// A document is not a Kubernetes object.
    #[error("{file}: document {document}, line {line}: {source}")]
    Object {
        /// The file (or other origin) of the stream.
        file: String,
        /// Document number, from 1.
        document: usize,
        /// Line where the document starts, from 1.
        line: usize,
        /// What is wrong with the object.
        source: object::Error,
    },
}

/// An ordered collection of objects.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResourceSet {
    objects: Vec<Object>,
}

impl ResourceSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads every non-empty document of a YAML stream as an object (go-yaml v3 scalar
    /// rules). `file` names the origin in errors.
    pub fn from_yaml_str(text: &str, file: &str) -> Result<Self, Error> {
        Self::from_yaml_str_with(text, file, &LoadOptions::default())
    }

    /// Like [`ResourceSet::from_yaml_str`] with explicit reader options.
    pub fn from_yaml_str_with(
        text: &str,
        file: &str,
        options: &LoadOptions,
    ) -> Result<Self, Error> {
        let documents = yaml::load_documents(text, options).map_err(|source| Error::Yaml {
            file: file.to_string(),
            source,
        })?;
        let mut objects = Vec::with_capacity(documents.len());
        for doc in documents {
            if doc.value.is_null() {
                continue;
            }
            let located = |source| Error::Object {
                file: file.to_string(),
                document: doc.index,
                line: doc.line,
                source,
            };
            let object = Object::from_value(doc.value).map_err(located)?;
            object.validate_identity().map_err(located)?;
            objects.push(object);
        }
        Ok(ResourceSet { objects })
    }

    /// The objects, in order.
    pub fn objects(&self) -> &[Object] {
        &self.objects
    }

    /// The objects, mutably.
    pub fn objects_mut(&mut self) -> &mut Vec<Object> {
        &mut self.objects
    }

    /// Number of objects.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether the set has no objects.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// Appends an object.
    pub fn push(&mut self, object: Object) {
        self.objects.push(object);
    }

    /// The object with the given id, if any.
    pub fn get(&self, id: &ObjectId) -> Option<&Object> {
        self.objects.iter().find(|o| &o.id() == id)
    }

    /// Iterates over the objects.
    pub fn iter(&self) -> std::slice::Iter<'_, Object> {
        self.objects.iter()
    }

    /// Prints the set as `kubectl kustomize` does: each object through the go-yaml v2
    /// emitter, documents separated by `---` lines.
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        for (i, object) in self.objects.iter().enumerate() {
            if i > 0 {
                out.push_str("---\n");
            }
            out.push_str(&yaml::to_string(object.as_value()));
        }
        out
    }
}

impl FromIterator<Object> for ResourceSet {
    fn from_iter<I: IntoIterator<Item = Object>>(iter: I) -> Self {
        ResourceSet {
            objects: iter.into_iter().collect(),
        }
    }
}

impl IntoIterator for ResourceSet {
    type Item = Object;
    type IntoIter = std::vec::IntoIter<Object>;

    fn into_iter(self) -> Self::IntoIter {
        self.objects.into_iter()
    }
}

impl<'a> IntoIterator for &'a ResourceSet {
    type Item = &'a Object;
    type IntoIter = std::slice::Iter<'a, Object>;

    fn into_iter(self) -> Self::IntoIter {
        self.objects.iter()
    }
}

impl fmt::Display for ResourceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_yaml())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_objects_in_order_and_skips_empty_documents() {
        let text = "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n# nothing\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: a\n";
        let set = ResourceSet::from_yaml_str(text, "all.yaml").expect("valid");
        let ids: Vec<String> = set.iter().map(|o| o.id().to_string()).collect();
        assert_eq!(ids, ["Namespace/a", "ConfigMap/a/b"]);
    }

    #[test]
    fn errors_name_file_document_and_line() {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n";
        let err = ResourceSet::from_yaml_str(text, "app/cm.yaml").expect_err("no name");
        assert_eq!(
            err.to_string(),
            "app/cm.yaml: document 2, line 6: missing or invalid field 'metadata.name'"
        );
        let err = ResourceSet::from_yaml_str("a: [1\n", "bad.yaml").expect_err("syntax");
        assert!(
            err.to_string().starts_with("bad.yaml: document 1, line "),
            "{err}"
        );
        let err = ResourceSet::from_yaml_str("- 1\n", "list.yaml").expect_err("not a mapping");
        assert_eq!(
            err.to_string(),
            "list.yaml: document 1, line 1: an object must be a mapping, found a sequence"
        );
    }
}
