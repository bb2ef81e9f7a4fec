//! `buildMetadata`: origin annotations, transformer annotations and the managed-by label.
//!
//! As in kustomize, when the top kustomization lists any `buildMetadata` option, every
//! resource carries `config.kubernetes.io/origin` during the build: `path:` of the file it
//! was read from (relative to the build's root kustomization, composed through nested
//! `resources:` and `components:` directories), or `configuredIn`/`configuredBy` of the
//! generator that made it. Each transformer instance then appends its own origin to
//! `alpha.config.kubernetes.io/transformations` of every resource (whether it changed the
//! resource or not). At the end the annotations the top kustomization did not ask for are
//! removed, and `managedByLabel` sets `app.kubernetes.io/managed-by`.

use serde_json::{Map, Value};

use super::Error;
use super::kustomization::Kustomization;
use super::loader::Dir;
use super::resource::ResMap;

/// The origin annotation.
pub const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";
/// The transformations annotation.
pub const TRANSFORMATIONS_ANNOTATION: &str = "alpha.config.kubernetes.io/transformations";
/// The managed-by label `managedByLabel` sets.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// Its value: what `kubectl kustomize` (v1.32, whose embedded kustomize reports no
/// release version) prints.
pub const MANAGED_BY_VALUE: &str = "kustomize-(devel)";

/// The generator or transformer config an [`Origin`] names (`configuredBy`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfiguredBy {
    /// `apiVersion` of the config (`builtin` for kustomization fields).
    pub api_version: String,
    /// `kind` of the config.
    pub kind: String,
    /// `metadata.name` of the config (may be empty).
    pub name: String,
    /// `metadata.namespace` of the config (may be empty).
    pub namespace: String,
}

impl ConfiguredBy {
    /// A builtin plugin configured by a kustomization field.
    pub fn builtin(kind: &str) -> Self {
        ConfiguredBy {
            api_version: "builtin".into(),
            kind: kind.into(),
            ..Default::default()
        }
    }

    /// The id of a plugin config object.
    pub fn of_config(config: &Value) -> Self {
        let text = |p: &str| {
            config
                .pointer(p)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        ConfiguredBy {
            api_version: text("/apiVersion"),
            kind: text("/kind"),
            name: text("/metadata/name"),
            namespace: text("/metadata/namespace"),
        }
    }
}

/// kustomize's `resource.Origin` (remote `repo`/`ref` never occur: remote bases are refused).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// The file a resource was read from.
    pub path: String,
    /// The file holding the generator or transformer config.
    pub configured_in: String,
    /// The generator or transformer config.
    pub configured_by: Option<ConfiguredBy>,
}

impl Origin {
    /// The origin of a resource read from `path`.
    pub fn file(path: String) -> Self {
        Origin {
            path,
            ..Default::default()
        }
    }

    /// The origin of a generator or transformer configured in `configured_in`.
    pub fn configured(configured_in: String, by: ConfiguredBy) -> Self {
        Origin {
            path: String::new(),
            configured_in,
            configured_by: Some(by),
        }
    }

    /// The annotation text (kyaml's marshalling of the struct: empty fields omitted).
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, "");
        out
    }

    /// Writes the fields, the first line prefixed by `first` (`"- "` in a list) and the
    /// others indented to match.
    fn write(&self, out: &mut String, first: &str) {
        let indent = " ".repeat(first.len());
        let mut lines: Vec<String> = Vec::new();
        if !self.path.is_empty() {
            lines.push(format!("path: {}", scalar(&self.path)));
        }
        if !self.configured_in.is_empty() {
            lines.push(format!("configuredIn: {}", scalar(&self.configured_in)));
        }
        if let Some(by) = &self.configured_by {
            let fields = [
                ("apiVersion", &by.api_version),
                ("kind", &by.kind),
                ("name", &by.name),
                ("namespace", &by.namespace),
            ];
            let present: Vec<_> = fields.iter().filter(|(_, v)| !v.is_empty()).collect();
            if present.is_empty() {
                lines.push("configuredBy: {}".into());
            } else {
                lines.push("configuredBy:".into());
                lines.extend(present.iter().map(|(k, v)| format!("  {k}: {}", scalar(v))));
            }
        }
        if lines.is_empty() {
            out.push_str(first);
            out.push_str("{}\n");
            return;
        }
        for (i, line) in lines.iter().enumerate() {
            out.push_str(if i == 0 { first } else { &indent });
            out.push_str(line);
            out.push('\n');
        }
    }
}

/// A scalar as the YAML printer writes it (quoted when plain text would not read back).
fn scalar(text: &str) -> String {
    gitops_core::yaml::to_string(&Value::String(text.to_string()))
        .trim_end_matches('\n')
        .to_string()
}

/// `filepath.Join(base, rel)`: joined and lexically cleaned; leading `..` are kept.
pub fn join(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let absolute = base.starts_with('/') || (base.is_empty() && rel.starts_with('/'));
    for part in base.split('/').chain(rel.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) if base.is_empty() && rel.is_empty() => String::new(),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

fn annotations_mut(object: &mut gitops_core::Object) -> Option<&mut Map<String, Value>> {
    let Some(Value::Object(meta)) = object.as_map_mut().get_mut("metadata") else {
        return None;
    };
    let entry = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if entry.is_null() {
        *entry = Value::Object(Map::new());
    }
    entry.as_object_mut()
}

/// Sets the origin annotation on the resources of `resmap` from index `from` on: on all
/// of them (`overwrite`, for resources read from a file) or on those without one
/// (kustomize's `AddOriginAnnotation` for generated resources).
pub fn set_origin(resmap: &mut ResMap, from: usize, origin: &Origin, overwrite: bool) {
    let text = origin.to_yaml();
    for r in resmap.resources_mut().iter_mut().skip(from) {
        if let Some(annotations) = annotations_mut(&mut r.object)
            && (overwrite || !annotations.contains_key(ORIGIN_ANNOTATION))
        {
            annotations.insert(ORIGIN_ANNOTATION.into(), Value::String(text.clone()));
        }
    }
}

/// Records one transformer run on every resource (kustomize's `AddTransformerAnnotation`):
/// a resource without an origin takes the transformer's origin (it made the resource),
/// the others get it appended to their transformations.
pub fn add_transformation(resmap: &mut ResMap, origin: &Origin) {
    let as_origin = origin.to_yaml();
    let mut item = String::new();
    origin.write(&mut item, "- ");
    for r in resmap.resources_mut() {
        let Some(annotations) = annotations_mut(&mut r.object) else {
            continue;
        };
        if !annotations.contains_key(ORIGIN_ANNOTATION) {
            annotations.insert(ORIGIN_ANNOTATION.into(), Value::String(as_origin.clone()));
            continue;
        }
        let mut list = annotations
            .get(TRANSFORMATIONS_ANNOTATION)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        list.push_str(&item);
        annotations.insert(TRANSFORMATIONS_ANNOTATION.into(), Value::String(list));
    }
}

/// Records `count` runs of the builtin transformer `kind` configured in `configured_in`.
pub fn add_builtin_transformations(
    resmap: &mut ResMap,
    configured_in: &str,
    kind: &str,
    count: usize,
) {
    if count == 0 {
        return;
    }
    let origin = Origin::configured(configured_in.to_string(), ConfiguredBy::builtin(kind));
    for _ in 0..count {
        add_transformation(resmap, &origin);
    }
}

/// The end of the build: the managed-by label when asked for, and the annotations the
/// top kustomization's `buildMetadata` does not keep removed. Like kustomize (which
/// rewrites every resource's annotations here), an empty or null `annotations` goes and
/// non-string annotation values become strings.
pub fn finish(resmap: &mut ResMap, options: &[String]) {
    let keep_origin = options.iter().any(|o| o == "originAnnotations");
    let keep_transformations = options.iter().any(|o| o == "transformerAnnotations");
    let managed_by = options.iter().any(|o| o == "managedByLabel");
    for r in resmap.resources_mut() {
        if managed_by && let Some(Value::Object(meta)) = r.object.as_map_mut().get_mut("metadata") {
            let labels = meta
                .entry("labels")
                .or_insert_with(|| Value::Object(Map::new()));
            if labels.is_null() {
                *labels = Value::Object(Map::new());
            }
            if let Some(labels) = labels.as_object_mut() {
                labels.insert(
                    MANAGED_BY_LABEL.into(),
                    Value::String(MANAGED_BY_VALUE.into()),
                );
            }
        }
        let Some(Value::Object(meta)) = r.object.as_map_mut().get_mut("metadata") else {
            continue;
        };
        if meta.get("annotations").is_some_and(Value::is_null) {
            meta.shift_remove("annotations");
        }
        let Some(Value::Object(annotations)) = meta.get_mut("annotations") else {
            continue;
        };
        if !keep_origin {
            annotations.shift_remove(ORIGIN_ANNOTATION);
        }
        if !keep_transformations {
            annotations.shift_remove(TRANSFORMATIONS_ANNOTATION);
        }
        if annotations.is_empty() {
            meta.shift_remove("annotations");
            continue;
        }
        for value in annotations.values_mut() {
            if !value.is_string() {
                *value = Value::String(annotation_text(value));
            }
        }
    }
}

/// The file a plugin config from a kustomization directory was read from: the `path` of
/// its origin annotation (kustomize's `OriginFromCustomPlugin`; empty without one).
pub fn origin_path(config: &Value) -> String {
    let text = config
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(ORIGIN_ANNOTATION))
        .and_then(Value::as_str)
        .unwrap_or("");
    let docs = gitops_core::yaml::load_documents(text, &Default::default()).unwrap_or_default();
    docs.into_iter()
        .find_map(|d| {
            d.value
                .get("path")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_default()
}

/// Whether a `generators:`/`transformers:` entry is an inline config rather than a path
/// (kustomize tries to read the entry as resources first: multi-line text, or a flow
/// mapping on one line).
pub fn is_inline(entry: &str) -> bool {
    entry.contains('\n') || entry.trim_start().starts_with('{')
}

/// `generators:` entries in kustomize's order: inline configs first, then paths.
fn inline_first(entries: &[String]) -> Vec<String> {
    let (inline, paths): (Vec<&String>, Vec<&String>) = entries.iter().partition(|e| is_inline(e));
    inline.into_iter().chain(paths).cloned().collect()
}

/// Adds the origin annotation to a generator config's `options.annotations` unless it
/// merges into an existing resource (which keeps its own origin, as in kustomize).
fn annotate_generator_config(config: &mut Value, origin: &Origin) {
    let Value::Object(map) = config else { return };
    if map.get("behavior").and_then(Value::as_str) == Some("merge") {
        return;
    }
    let options = map
        .entry("options")
        .or_insert_with(|| Value::Object(Map::new()));
    if options.is_null() {
        *options = Value::Object(Map::new());
    }
    let Value::Object(options) = options else {
        return;
    };
    let annotations = options
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if annotations.is_null() {
        *annotations = Value::Object(Map::new());
    }
    if let Value::Object(annotations) = annotations {
        annotations.insert(ORIGIN_ANNOTATION.into(), Value::String(origin.to_yaml()));
    }
}

/// The kustomization `generate::run` should see, if it differs from `k`: `generators:`
/// inline configs before paths (kustomize's order), and, when origins are tracked
/// (`origin` being the kustomization's directory relative to the build's root), each
/// generator that creates or replaces a resource carrying its origin annotation in its
/// options; config files are inlined for that (paths inside them stay relative to the
/// kustomization, as for files).
pub fn generator_view(
    k: &Kustomization,
    dir: Dir<'_>,
    origin: Option<&str>,
    kust_file: &str,
) -> Result<Option<Kustomization>, Error> {
    let entries = k.generators.as_deref().unwrap_or(&[]);
    let ordered = inline_first(entries);
    let Some(origin) = origin else {
        return Ok((ordered.as_slice() != entries).then(|| Kustomization {
            generators: Some(ordered),
            ..k.clone()
        }));
    };
    let mut view = k.clone();
    let kust_path = join(origin, kust_file);
    for (list, kind) in [
        (&mut view.config_map_generator, "ConfigMapGenerator"),
        (&mut view.secret_generator, "SecretGenerator"),
    ] {
        for args in list
            .iter_mut()
            .flatten()
            .filter(|a| a.behavior.as_deref() != Some("merge"))
        {
            let text = Origin::configured(kust_path.clone(), ConfiguredBy::builtin(kind)).to_yaml();
            let options = args.options.get_or_insert_with(Default::default);
            options
                .annotations
                .get_or_insert_with(Default::default)
                .insert(ORIGIN_ANNOTATION.into(), text);
        }
    }
    let mut generators = Vec::new();
    for entry in ordered {
        let (configured_in, text) = if is_inline(&entry) {
            (kust_path.clone(), entry.clone())
        } else {
            let path = dir.resolve(&entry)?;
            if dir.fs.is_dir(&path) {
                let sub_origin = join(origin, &entry);
                let mut configs = super::accumulate::plugin_configs(dir, &path, Some(&sub_origin))?;
                for config in &mut configs {
                    let origin =
                        Origin::configured(origin_path(config), ConfiguredBy::of_config(config));
                    annotate_generator_config(config, &origin);
                }
                if !configs.is_empty() {
                    generators.push(gitops_core::yaml::emit::to_string_documents(configs.iter()));
                }
                continue;
            }
            let (_, text) = dir.read(&entry)?;
            (join(origin, &entry), text)
        };
        // Configs that do not parse are left for the generator to report.
        let Ok(docs) = gitops_core::yaml::load_documents(&text, &Default::default()) else {
            generators.push(entry);
            continue;
        };
        let mut configs: Vec<Value> = docs
            .into_iter()
            .map(|d| d.value)
            .filter(|v| !v.is_null())
            .collect();
        for config in &mut configs {
            let origin = Origin::configured(configured_in.clone(), ConfiguredBy::of_config(config));
            annotate_generator_config(config, &origin);
        }
        if !configs.is_empty() {
            generators.push(gitops_core::yaml::emit::to_string_documents(configs.iter()));
        }
    }
    view.generators = k.generators.as_ref().map(|_| generators);
    Ok(Some(view))
}

/// A non-string annotation value as kustomize rewrites it (the scalar's text; mappings,
/// sequences and nulls become empty).
fn annotation_text(value: &Value) -> String {
    match value {
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Null | Value::Array(_) | Value::Object(_) => String::new(),
    }
}

#[cfg(test)]
mod plugin_tests;
#[cfg(test)]
mod tests;
