//! The kustomization file (`kustomization.yaml`, `Kustomization`): every field of
//! kustomize v5's `types.Kustomization`, read strictly (an unknown field is an error, as in
//! kustomize).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The file names kustomize looks for, in its order.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// A kustomization or component file.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Kustomization {
    /// `kustomize.config.k8s.io/v1beta1` (or `v1alpha1` for components); may be absent.
    #[serde(default)]
    pub api_version: Option<String>,
    /// `Kustomization` or `Component`; absent means `Kustomization`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Metadata of the kustomization itself (only its name is meaningful).
    #[serde(default)]
    pub metadata: Option<Value>,
    /// OpenAPI schema file for custom types (`path`) or a built-in version.
    #[serde(default)]
    pub openapi: Option<BTreeMap<String, String>>,
    /// Prefix added to every name.
    #[serde(default)]
    pub name_prefix: Option<String>,
    /// Suffix added to every name.
    #[serde(default)]
    pub name_suffix: Option<String>,
    /// Namespace set on every namespaced object.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Labels added to metadata, selectors and templates.
    #[serde(default)]
    pub common_labels: Option<BTreeMap<String, String>>,
    /// Labels with control over selectors and templates.
    #[serde(default)]
    pub labels: Option<Vec<Label>>,
    /// Annotations added to metadata (and templates).
    #[serde(default)]
    pub common_annotations: Option<BTreeMap<String, String>>,
    /// Strategic merge patches: file paths or inline YAML.
    #[serde(default)]
    pub patches_strategic_merge: Option<Vec<String>>,
    /// JSON 6902 patches with their targets.
    #[serde(default)]
    pub patches_json6902: Option<Vec<Patch>>,
    /// Patches of either kind, with optional target selectors.
    #[serde(default)]
    pub patches: Option<Vec<Patch>>,
    /// Image name/tag/digest overrides.
    #[serde(default)]
    pub images: Option<Vec<Image>>,
    /// Deprecated alias of `images`.
    #[serde(default)]
    pub image_tags: Option<Vec<Image>>,
    /// Replacements: inline or from files (`path`).
    #[serde(default)]
    pub replacements: Option<Vec<Value>>,
    /// Replica count overrides.
    #[serde(default)]
    pub replicas: Option<Vec<Replica>>,
    /// Variables (deprecated in favour of replacements).
    #[serde(default)]
    pub vars: Option<Vec<Var>>,
    /// Output ordering.
    #[serde(default)]
    pub sort_options: Option<SortOptions>,
    /// Resource files, directories and kustomizations.
    #[serde(default)]
    pub resources: Option<Vec<String>>,
    /// Component directories.
    #[serde(default)]
    pub components: Option<Vec<String>>,
    /// CRD files whose schemas extend name references and merge keys.
    #[serde(default)]
    pub crds: Option<Vec<String>>,
    /// Deprecated alias of `resources`.
    #[serde(default)]
    pub bases: Option<Vec<String>>,
    /// ConfigMap generators.
    #[serde(default)]
    pub config_map_generator: Option<Vec<GeneratorArgs>>,
    /// Secret generators.
    #[serde(default)]
    pub secret_generator: Option<Vec<GeneratorArgs>>,
    /// Options of the Helm chart inflation.
    #[serde(default)]
    pub helm_globals: Option<Value>,
    /// Helm charts to inflate.
    #[serde(default)]
    pub helm_charts: Option<Vec<Value>>,
    /// Deprecated Helm chart inflation generator configs.
    #[serde(default)]
    pub helm_chart_inflation_generator: Option<Vec<Value>>,
    /// Options for all generators of this kustomization.
    #[serde(default)]
    pub generator_options: Option<GeneratorOptions>,
    /// Transformer configuration files (field specs).
    #[serde(default)]
    pub configurations: Option<Vec<String>>,
    /// Generator plugin configs (files, directories or inline).
    #[serde(default)]
    pub generators: Option<Vec<String>>,
    /// Transformer plugin configs (files, directories or inline).
    #[serde(default)]
    pub transformers: Option<Vec<String>>,
    /// Validator plugin configs.
    #[serde(default)]
    pub validators: Option<Vec<String>>,
    /// `originAnnotations`, `transformerAnnotations`, `managedByLabel`.
    #[serde(default)]
    pub build_metadata: Option<Vec<String>>,
}

/// An entry of `labels`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Label {
    /// The labels.
    #[serde(default)]
    pub pairs: BTreeMap<String, String>,
    /// Also add them to selectors (and templates).
    #[serde(default)]
    pub include_selectors: bool,
    /// Also add them to templates (without selectors).
    #[serde(default)]
    pub include_templates: bool,
    /// Extra field specs to add them to.
    #[serde(default)]
    pub fields: Option<Vec<Value>>,
}

/// A patch: a file (`path`) or inline text (`patch`), with an optional target.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Patch {
    /// Path of the patch file.
    #[serde(default)]
    pub path: Option<String>,
    /// Inline patch text.
    #[serde(default)]
    pub patch: Option<String>,
    /// Which resources to patch.
    #[serde(default)]
    pub target: Option<Selector>,
    /// `allowNameChange`, `allowKindChange`.
    #[serde(default)]
    pub options: Option<BTreeMap<String, bool>>,
}

/// A resource selector (`target`): regular expressions on group, version, kind, name and
/// namespace, and label/annotation selectors.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Selector {
    /// API group.
    #[serde(default)]
    pub group: Option<String>,
    /// API version.
    #[serde(default)]
    pub version: Option<String>,
    /// Kind.
    #[serde(default)]
    pub kind: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Label selector (`a=b,c!=d`, set-based too).
    #[serde(default)]
    pub label_selector: Option<String>,
    /// Annotation selector.
    #[serde(default)]
    pub annotation_selector: Option<String>,
}

/// An `images` entry.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Image {
    /// Image name to match.
    #[serde(default)]
    pub name: String,
    /// Replacement name.
    #[serde(default)]
    pub new_name: Option<String>,
    /// Replacement tag.
    #[serde(default)]
    pub new_tag: Option<String>,
    /// Replacement digest.
    #[serde(default)]
    pub digest: Option<String>,
    /// Suffix appended to the tag.
    #[serde(default)]
    pub tag_suffix: Option<String>,
}

/// A `replicas` entry.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Replica {
    /// Name of the workload.
    pub name: String,
    /// Replica count.
    pub count: i64,
}

/// A `vars` entry.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Var {
    /// Variable name (`$(NAME)`).
    pub name: String,
    /// The object holding the value.
    pub objref: Value,
    /// The field holding the value (default `metadata.name`).
    #[serde(default)]
    pub fieldref: Option<Value>,
}

/// `sortOptions`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SortOptions {
    /// `legacy` or `fifo`.
    #[serde(default)]
    pub order: Option<String>,
    /// Kinds first and last for the legacy order.
    #[serde(default)]
    pub legacy_sort_options: Option<LegacySortOptions>,
}

/// `sortOptions.legacySortOptions`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LegacySortOptions {
    /// Kinds put first, in order.
    #[serde(default)]
    pub order_first: Vec<String>,
    /// Kinds put last, in order.
    #[serde(default)]
    pub order_last: Vec<String>,
}

/// A `configMapGenerator` or `secretGenerator` entry.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GeneratorArgs {
    /// Name of the generated object.
    #[serde(default)]
    pub name: Option<String>,
    /// Namespace of the generated object.
    #[serde(default)]
    pub namespace: Option<String>,
    /// `create` (default), `merge` or `replace`.
    #[serde(default)]
    pub behavior: Option<String>,
    /// `key=value` literals.
    #[serde(default)]
    pub literals: Option<Vec<String>>,
    /// Files (`[key=]path`).
    #[serde(default)]
    pub files: Option<Vec<String>>,
    /// Env files.
    #[serde(default)]
    pub envs: Option<Vec<String>>,
    /// Deprecated single env file.
    #[serde(default)]
    pub env: Option<String>,
    /// Per-generator options.
    #[serde(default)]
    pub options: Option<GeneratorOptions>,
    /// Secret type (secretGenerator only).
    #[serde(default, rename = "type")]
    pub type_: Option<String>,
}

/// `generatorOptions` (and per-generator `options`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GeneratorOptions {
    /// Labels on generated objects.
    #[serde(default)]
    pub labels: Option<BTreeMap<String, String>>,
    /// Annotations on generated objects.
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Do not append the content hash to names.
    #[serde(default)]
    pub disable_name_suffix_hash: Option<bool>,
    /// Mark generated objects immutable.
    #[serde(default)]
    pub immutable: Option<bool>,
}

/// Why a kustomization file could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Not YAML.
    #[error("{file}: {source}")]
    Yaml {
        /// The file.
        file: String,
        /// The reader's error (document and line).
        source: gitops_core::yaml::load::Error,
    },
    /// A field is unknown or has the wrong type.
    #[error("invalid Kustomization in {file}: field '{path}': {message}")]
    Field {
        /// The file.
        file: String,
        /// Path of the field.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl Kustomization {
    /// Reads a kustomization file's text. kustomize converts it to JSON with
    /// `sigs.k8s.io/yaml` (go-yaml v2: YAML 1.1 scalars, the last duplicate key wins) and
    /// decodes that strictly; so do we.
    pub fn parse(text: &str, file: &str) -> Result<Self, Error> {
        let options =
            gitops_core::yaml::LoadOptions::with_schema(gitops_core::yaml::Schema::GoYamlV2);
        let docs =
            gitops_core::yaml::load_documents(text, &options).map_err(|source| Error::Yaml {
                file: file.to_string(),
                source,
            })?;
        let mut value = docs
            .into_iter()
            .map(|d| d.value)
            .find(|v| !v.is_null())
            .unwrap_or(Value::Object(Default::default()));
        canonical_keys(&mut value);
        serde_path_to_error::deserialize(&value).map_err(|e| Error::Field {
            file: file.to_string(),
            path: e.path().to_string(),
            message: e.into_inner().to_string(),
        })
    }

    /// Whether this is a `Component`.
    pub fn is_component(&self) -> bool {
        self.kind.as_deref() == Some("Component")
    }
}

/// Go's `encoding/json`, which kustomize reads the file with, matches field names
/// case-insensitively (`nameprefix` is `namePrefix`, `newtag` is `newTag`); rename the
/// keys of the file's typed mappings (not of free-form maps such as label pairs) to ours.
fn canonical_keys(value: &mut Value) {
    rename_fields::<Kustomization>(value);
    let Value::Object(map) = value else { return };
    each(map.get_mut("labels"), |label| {
        rename_fields::<Label>(label);
        each(label.get_mut("fields"), |spec| {
            rename_keys(spec, &FIELD_SPEC_FIELDS.map(String::from))
        });
    });
    for key in ["patches", "patchesJson6902"] {
        each(map.get_mut(key), |p| {
            rename_fields::<Patch>(p);
            if let Some(target) = p.get_mut("target") {
                rename_fields::<Selector>(target);
            }
        });
    }
    for key in ["images", "imageTags"] {
        each(map.get_mut(key), rename_fields::<Image>);
    }
    each(map.get_mut("replicas"), rename_fields::<Replica>);
    each(map.get_mut("vars"), rename_fields::<Var>);
    for key in ["configMapGenerator", "secretGenerator"] {
        each(map.get_mut(key), |g| {
            rename_fields::<GeneratorArgs>(g);
            if let Some(options) = g.get_mut("options") {
                rename_fields::<GeneratorOptions>(options);
            }
        });
    }
    if let Some(options) = map.get_mut("generatorOptions") {
        rename_fields::<GeneratorOptions>(options);
    }
    if let Some(sort) = map.get_mut("sortOptions") {
        rename_fields::<SortOptions>(sort);
        if let Some(legacy) = sort.get_mut("legacySortOptions") {
            rename_fields::<LegacySortOptions>(legacy);
        }
    }
}

/// Applies `f` to every element of a sequence.
fn each(list: Option<&mut Value>, mut f: impl FnMut(&mut Value)) {
    if let Some(Value::Array(items)) = list {
        items.iter_mut().for_each(&mut f);
    }
}

/// The fields of a field spec (kustomize's `types.FieldSpec`).
const FIELD_SPEC_FIELDS: [&str; 5] = ["group", "version", "kind", "path", "create"];

/// Renames the keys of `value` that match a field of `T` only case-insensitively.
fn rename_fields<T: Serialize + Default>(value: &mut Value) {
    let Ok(Value::Object(known)) = serde_json::to_value(T::default()) else {
        return;
    };
    let names: Vec<String> = known.keys().cloned().collect();
    rename_keys(value, &names);
}

/// Renames the keys of `value` that match one of `names` only case-insensitively.
fn rename_keys(value: &mut Value, names: &[String]) {
    let Value::Object(map) = value else { return };
    let renames: Vec<(String, String)> = map
        .keys()
        .filter(|k| !names.contains(*k))
        .filter_map(|k| {
            names
                .iter()
                .find(|c| c.eq_ignore_ascii_case(k))
                .map(|c| (k.clone(), c.clone()))
        })
        .collect();
    for (from, to) in renames {
        if let Some(v) = map.shift_remove(&from) {
            map.entry(to).or_insert(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_errors_naming_the_field() {
        let err = Kustomization::parse(
            "resources: [a.yaml]\nresourcez: []\n",
            "k/kustomization.yaml",
        )
        .expect_err("unknown");
        assert!(err.to_string().contains("k/kustomization.yaml"), "{err}");
        assert!(err.to_string().contains("resourcez"), "{err}");
        let k = Kustomization::parse("namePrefix: p-\nresources: [a.yaml]\n", "k").expect("valid");
        assert_eq!(k.name_prefix.as_deref(), Some("p-"));
        let k = Kustomization::parse("nameprefix: q-\n", "k").expect("case-insensitive like Go");
        assert_eq!(k.name_prefix.as_deref(), Some("q-"));
        let k = Kustomization::parse("images:\n- name: nginx\n  newtag: \"1.0\"\n", "k")
            .expect("nested too");
        assert_eq!(
            k.images.as_ref().and_then(|i| i[0].new_tag.as_deref()),
            Some("1.0")
        );
        let err = Kustomization::parse("images:\n- name: nginx\n  foo: 1\n", "k")
            .expect_err("unknown nested");
        assert!(err.to_string().contains("foo"), "{err}");
        let k = Kustomization::parse("commonLabels:\n  NamePrefix: x\n", "k")
            .expect("free-form maps kept");
        assert!(
            k.common_labels
                .is_some_and(|l| l.contains_key("NamePrefix"))
        );
    }
}
