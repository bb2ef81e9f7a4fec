//! `configMapGenerator`, `secretGenerator`, `generatorOptions` and the content-hash name
//! suffix.
//!
//! Each generator entry makes one ConfigMap or Secret (kustomize's
//! `api/internal/generators`): data from env files, literals and files, labels,
//! annotations and `immutable` from the entry's `options` over the kustomization's
//! `generatorOptions`. The object then joins the build by its behaviour (kustomize's
//! `appendReplaceOrMerge`): `create` appends, `merge` and `replace` take over an existing
//! resource found by its current or any previous id. At the top of the build,
//! [`add_hash_suffixes`] appends the content hash to the names of generated resources.
//!
//! `generators:` entries may be built-in `ConfigMapGenerator`/`SecretGenerator` configs
//! (inline ones first, then files and kustomization directories, which are accumulated
//! like bases: input order, local-config objects kept, no hash suffixes).
//!
//! As in kustomize v5: a bare `KEY` line of an env file gives an empty value (the process
//! environment is never read), keys are not validated, non-UTF-8 files go to ConfigMap
//! `binaryData`, and the content hash ignores the name (kustomize looks it up under a
//! key that never exists). Generated resources carry their origin for `buildMetadata:
//! [originAnnotations]` (see `build_metadata`).
//!
//! `helmCharts` (and the deprecated `helmChartInflationGenerator`) are inflated by this
//! crate's Helm engine after the Secrets (see `helm`), when [`Options::enable_helm`] is
//! set; otherwise they fail before any generator runs, as kubectl's do without
//! `--enable-helm`.
//!
//! Limits: other generator plugins (exec, container, Go, or built-in kinds other than the
//! three above) are errors naming the config file.
//!
//! [`Options::enable_helm`]: crate::kustomize::Options::enable_helm

mod hash;
mod helm;
mod kv;
mod plugins;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use base64::Engine as _;
use gitops_core::Object;
use serde_json::{Map, Value};

use super::accumulate::Accumulator;
use super::build_metadata::{self, ConfiguredBy, Origin};
use super::kustomization::{GeneratorArgs, GeneratorOptions, Kustomization};
use super::loader::Dir;
use super::resource::{Behavior, ResId, ResMap, Resource};

pub use hash::content_hash;

/// Why a generator failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A referenced file could not be loaded.
    #[error(transparent)]
    Load(#[from] super::loader::Error),
    /// A generator entry without a name.
    #[error("{dir}: a {kind} generator entry must have a name")]
    MissingName {
        /// The kustomization directory.
        dir: String,
        /// `configMapGenerator` or `secretGenerator`.
        kind: &'static str,
    },
    /// A literal that is not `key=value`.
    #[error("{dir}: invalid literal source {literal}, expected key=value")]
    Literal {
        /// The kustomization directory.
        dir: String,
        /// The literal as written.
        literal: String,
    },
    /// A `files` entry that is not `[key=]path`.
    #[error("{dir}: file source '{entry}': {message}")]
    FileSource {
        /// The kustomization directory.
        dir: String,
        /// The entry as written.
        entry: String,
        /// What is wrong.
        message: String,
    },
    /// A key given twice in one generator.
    #[error("{dir}: configmap {name} illegally repeats the key `{key}`")]
    RepeatedKey {
        /// The kustomization directory.
        dir: String,
        /// The generated object's name.
        name: String,
        /// The key.
        key: String,
    },
    /// `create` (or no behaviour) for an id that already exists.
    #[error("{dir}: id {id} exists; behavior must be merge or replace")]
    Exists {
        /// The kustomization directory.
        dir: String,
        /// The generated object's id.
        id: Box<ResId>,
    },
    /// `merge` or `replace` without an existing resource.
    #[error("{dir}: id {id} does not exist; cannot merge or replace")]
    Missing {
        /// The kustomization directory.
        dir: String,
        /// The generated object's id.
        id: Box<ResId>,
    },
    /// A `generators:` entry that is not a built-in ConfigMap or Secret generator config.
    #[error("{file}: {message}")]
    Plugin {
        /// The config file (or the kustomization directory for inline configs).
        file: String,
        /// What is wrong.
        message: String,
    },
    /// `helmCharts` (or the deprecated `helmChartInflationGenerator`) without
    /// `--enable-helm` ([`Options::enable_helm`](crate::kustomize::Options::enable_helm)).
    #[error(
        "{dir}: trouble configuring builtin HelmChartInflationGenerator with config: `\n{config}`: must specify --enable-helm"
    )]
    Helm {
        /// The kustomization directory.
        dir: String,
        /// The chart's config (with `helmGlobals`) as YAML, as kubectl prints it.
        config: String,
    },
    /// A chart that could not be configured, found, loaded or rendered.
    #[error("{dir}: HelmChartInflationGenerator: chart '{chart}': {message}")]
    HelmChart {
        /// The kustomization directory.
        dir: String,
        /// The chart's name.
        chart: String,
        /// What failed (Helm's message for rendering errors).
        message: String,
    },
    /// `merge` or `replace` matching several resources.
    #[error("{dir}: found multiple objects that could accept merge of {id}")]
    Ambiguous {
        /// The kustomization directory.
        dir: String,
        /// The generated object's id.
        id: Box<ResId>,
    },
}

/// Runs the kustomization's generators into `acc` (behaviours create/merge/replace):
/// ConfigMaps first, then Secrets, each in file order, then the Helm charts, then the
/// `generators:` entries (built-in generator configs only; `generatorOptions` do not
/// apply to them).
pub fn run(k: &Kustomization, dir: Dir<'_>, acc: &mut Accumulator) -> Result<(), Error> {
    // kustomize configures every generator before running any, so a chart fails first.
    let charts = helm::configure(k, dir)?;
    let global = k.generator_options.as_ref();
    for args in k.config_map_generator.iter().flatten() {
        let resource = generate(args, global, dir, "ConfigMap")?;
        absorb(&mut acc.resmap, resource, dir)?;
    }
    for args in k.secret_generator.iter().flatten() {
        let resource = generate(args, global, dir, "Secret")?;
        absorb(&mut acc.resmap, resource, dir)?;
    }
    let from = acc.resmap.len();
    for chart in &charts {
        for resource in helm::generate(chart, dir)? {
            absorb(&mut acc.resmap, resource, dir)?;
        }
    }
    if let Some(origin) = acc.origin.as_deref().filter(|_| !charts.is_empty()) {
        let origin = Origin::configured(
            build_metadata::join(origin, &acc.kust_file),
            ConfiguredBy::builtin("HelmChartInflationGenerator"),
        );
        build_metadata::set_origin(&mut acc.resmap, from, &origin, false);
    }
    if let Some(entries) = k.generators.as_deref() {
        for (kind, args) in plugins::configs(entries, dir)? {
            let resource = generate(&args, None, dir, &kind)?;
            absorb(&mut acc.resmap, resource, dir)?;
        }
    }
    Ok(())
}

/// Appends the content hash to the names of generated resources that want it.
pub fn add_hash_suffixes(resmap: &mut ResMap) -> Result<(), Error> {
    for r in resmap
        .resources_mut()
        .iter_mut()
        .filter(|r| r.needs_hash_suffix)
    {
        let hash = content_hash(&r.object);
        r.remember_id();
        let name = format!("{}-{hash}", r.object.name());
        r.object.set_name(&name);
    }
    Ok(())
}

/// The entry's options over the kustomization's (kustomize's
/// `MergeGlobalOptionsIntoLocal`): local labels and annotations win, the flags are or-ed.
fn effective_options(
    local: Option<&GeneratorOptions>,
    global: Option<&GeneratorOptions>,
) -> GeneratorOptions {
    let mut opts = local.cloned().unwrap_or_default();
    let Some(global) = global else { return opts };
    for (mine, theirs) in [
        (&mut opts.labels, &global.labels),
        (&mut opts.annotations, &global.annotations),
    ] {
        if let Some(theirs) = theirs {
            let mine = mine.get_or_insert_with(BTreeMap::new);
            for (k, v) in theirs {
                mine.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    if global.disable_name_suffix_hash == Some(true) {
        opts.disable_name_suffix_hash = Some(true);
    }
    if global.immutable == Some(true) {
        opts.immutable = Some(true);
    }
    opts
}

/// Makes the object of one generator entry.
fn generate(
    args: &GeneratorArgs,
    global: Option<&GeneratorOptions>,
    dir: Dir<'_>,
    kind: &str,
) -> Result<Resource, Error> {
    let name = args.name.as_deref().unwrap_or("");
    if name.is_empty() {
        let kind = if kind == "Secret" {
            "secretGenerator"
        } else {
            "configMapGenerator"
        };
        return Err(Error::MissingName {
            dir: dir.label(),
            kind,
        });
    }
    let opts = effective_options(args.options.as_ref(), global);
    let mut metadata = Map::new();
    metadata.insert("name".into(), Value::String(name.to_string()));
    if let Some(ns) = args.namespace.as_deref().filter(|ns| !ns.is_empty()) {
        metadata.insert("namespace".into(), Value::String(ns.to_string()));
    }
    for (field, map) in [("labels", &opts.labels), ("annotations", &opts.annotations)] {
        if let Some(map) = map.as_ref().filter(|m| !m.is_empty()) {
            let m: Map<String, Value> = map
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            metadata.insert(field.into(), Value::Object(m));
        }
    }
    let mut root = Map::new();
    root.insert("apiVersion".into(), Value::String("v1".into()));
    root.insert("kind".into(), Value::String(kind.to_string()));
    root.insert("metadata".into(), Value::Object(metadata));
    let mut pairs = kv::load(args, name, dir)?;
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    if kind == "Secret" {
        let type_ = args
            .type_
            .as_deref()
            .filter(|t| !t.is_empty())
            .unwrap_or("Opaque");
        root.insert("type".into(), Value::String(type_.to_string()));
        let data: Map<String, Value> = pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(encode_base64(v.as_bytes()))))
            .collect();
        root.insert("data".into(), Value::Object(data));
    } else {
        let mut data = Map::new();
        let mut binary = Map::new();
        for (k, v) in pairs {
            match v {
                kv::Bytes::Text(s) => data.insert(k, Value::String(s)),
                kv::Bytes::Binary(b) => binary.insert(k, Value::String(encode_base64(&b))),
            };
        }
        if !data.is_empty() {
            root.insert("data".into(), Value::Object(data));
        }
        if !binary.is_empty() {
            root.insert("binaryData".into(), Value::Object(binary));
        }
    }
    if opts.immutable == Some(true) {
        root.insert("immutable".into(), Value::Bool(true));
    }
    let object = Object::from_value(Value::Object(root)).map_err(|_| Error::MissingName {
        dir: dir.label(),
        kind: if kind == "Secret" {
            "secretGenerator"
        } else {
            "configMapGenerator"
        },
    })?;
    let mut resource = Resource::new(object, None);
    resource.behavior = match args.behavior.as_deref() {
        Some("merge") => Behavior::Merge,
        Some("replace") => Behavior::Replace,
        _ => Behavior::Create,
    };
    resource.needs_hash_suffix = opts.disable_name_suffix_hash != Some(true);
    Ok(resource)
}

/// Base64 as kustomize writes it: standard alphabet, and when the text is 70 characters
/// or longer, broken into lines of 70, each ending in `\n`.
fn encode_base64(bytes: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    if encoded.len() < 70 {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 70 + 1);
    for chunk in encoded.as_bytes().chunks(70) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out
}

/// Whether two ids are the same for kustomize's `ResId.Equals`: same group, version, kind
/// and name, and the same effective namespace (`""` meaning `default`).
fn same_id(a: &ResId, b: &ResId) -> bool {
    let ns = |id: &ResId| {
        if id.namespace.is_empty() {
            "default".to_string()
        } else {
            id.namespace.clone()
        }
    };
    a.group == b.group
        && a.version == b.version
        && a.kind == b.kind
        && a.name == b.name
        && ns(a) == ns(b)
}

/// Adds a generated resource to the build by its behaviour.
fn absorb(resmap: &mut ResMap, mut new: Resource, dir: Dir<'_>) -> Result<(), Error> {
    let id = Box::new(new.id());
    let matches: Vec<usize> = resmap
        .resources()
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.previous_ids
                .iter()
                .chain(std::iter::once(&r.id()))
                .any(|p| same_id(p, &id))
        })
        .map(|(i, _)| i)
        .collect();
    let index = match (matches.as_slice(), new.behavior) {
        ([], Behavior::Create) => {
            resmap.resources_mut().push(new);
            return Ok(());
        }
        ([], _) => {
            return Err(Error::Missing {
                dir: dir.label(),
                id,
            });
        }
        ([_], Behavior::Create) => {
            return Err(Error::Exists {
                dir: dir.label(),
                id,
            });
        }
        ([i], _) => *i,
        _ => {
            return Err(Error::Ambiguous {
                dir: dir.label(),
                id,
            });
        }
    };
    let resources = resmap.resources_mut();
    let old = &resources[index];
    merge_metadata(&mut new.object, &old.object);
    if new.behavior == Behavior::Merge {
        for field in ["data", "binaryData"] {
            merge_data(
                new.object.as_map_mut(),
                old.object.as_value().get(field),
                field,
            );
        }
    }
    new.previous_ids = old.previous_ids.clone();
    new.origin = old.origin.clone();
    new.needs_hash_suffix = new.needs_hash_suffix && old.needs_hash_suffix;
    resources[index] = new;
    Ok(())
}

/// kustomize's `CopyMergeMetaDataFieldsFrom`: labels and annotations of `old` under
/// those of `new`, and `old`'s name and namespace.
fn merge_metadata(new: &mut Object, old: &Object) {
    for field in ["labels", "annotations"] {
        let old_map = old
            .as_value()
            .get("metadata")
            .and_then(|m| m.get(field))
            .and_then(Value::as_object);
        let new_map = new
            .as_value()
            .get("metadata")
            .and_then(|m| m.get(field))
            .and_then(Value::as_object);
        let mut merged = old_map.cloned().unwrap_or_default();
        for (k, v) in new_map.into_iter().flatten() {
            merged.insert(k.clone(), v.clone());
        }
        if let Some(Value::Object(meta)) = new.as_map_mut().get_mut("metadata") {
            if merged.is_empty() {
                meta.shift_remove(field);
            } else {
                meta.insert(field.into(), Value::Object(merged));
            }
        }
    }
    new.set_name(old.name());
    new.set_namespace(old.namespace());
}

/// kustomize's `MergeDataMapFrom`: `old`'s entries under the new ones, all as strings; an
/// empty result removes the field.
fn merge_data(new: &mut Map<String, Value>, old: Option<&Value>, field: &str) {
    let mut merged = Map::new();
    let new_map = new.get(field).and_then(Value::as_object).cloned();
    for (k, v) in old
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .chain(new_map.iter().flatten())
    {
        merged.insert(k.clone(), Value::String(scalar_text(v)));
    }
    if merged.is_empty() {
        new.shift_remove(field);
    } else {
        new.insert(field.into(), Value::Object(merged));
    }
}

/// The text of a scalar as kyaml's `GetDataMap` sees it.
fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}
