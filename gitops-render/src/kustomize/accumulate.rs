//! The build pipeline: kustomize's `KustTarget` — accumulate a kustomization's resources,
//! generators, components and transformers, recursively, then finish at the top.

use gitops_core::{Object, ResourceSet};
use serde_json::Value;

use super::build_metadata::{self, Origin};
use super::fieldspec::TransformerConfig;
use super::kustomization::{self, Kustomization};
use super::loader::{self, Dir};
use super::resource::{ResMap, Resource};
use super::{Error, Options, fs, generate, patch, replacement, sort, transform};

/// What a kustomization build has gathered so far.
#[derive(Debug, Default)]
pub struct Accumulator {
    /// The resources.
    pub resmap: ResMap,
    /// Field specs of the built-in transformers, extended by `configurations` and `crds`.
    pub config: TransformerConfig,
    /// `vars` declared so far.
    pub vars: Vec<kustomization::Var>,
    /// When `buildMetadata` asks for origins: the directory of the kustomization being
    /// transformed, relative to the build's root kustomization (`""` at the top).
    pub origin: Option<String>,
    /// The file name of the kustomization being transformed (`kustomization.yaml`, …).
    pub kust_file: String,
    /// The schema strategic merges use: one for the whole build, set by the top
    /// kustomization's `openapi` field or the first one below it (kyaml's global state).
    pub openapi: patch::OpenApiState,
}

impl Accumulator {
    fn new() -> Self {
        Accumulator {
            resmap: ResMap::new(),
            // Each level starts empty, as kustomize's accumulator; `TransformerConfig::load`
            // brings the built-in specs with the level's own configurations.
            config: TransformerConfig::default(),
            vars: Vec::new(),
            origin: None,
            kust_file: String::new(),
            openapi: patch::OpenApiState::default(),
        }
    }

    /// Takes over a child kustomization's result.
    fn merge(&mut self, child: Accumulator) -> Result<(), Error> {
        self.resmap.append_all(child.resmap)?;
        self.config.merge(child.config);
        self.vars.extend(child.vars);
        self.openapi = child.openapi;
        Ok(())
    }
}

/// Builds `dir` into the final resource set.
pub fn build(fs: &dyn fs::Fs, dir: &str, options: &Options) -> Result<ResourceSet, Error> {
    let dir = fs::clean(dir).ok_or_else(|| loader::Error::Escapes {
        referrer: String::new(),
        path: dir.to_string(),
    })?;
    let mut stack = Vec::new();
    let mut acc = Accumulator::new();
    let dir = Dir {
        fs,
        path: &dir,
        options,
    };
    let loaded = load_kustomization(dir)?;
    // kustomize tracks origins through the whole build when the top kustomization lists
    // any `buildMetadata` option (nested kustomizations inherit the top's list).
    let build_metadata = loaded.0.build_metadata.clone().unwrap_or_default();
    let origin = if build_metadata.is_empty() {
        None
    } else {
        Some("")
    };
    let k = accumulate_loaded(dir, loaded, &mut acc, &mut stack, false, origin)?;
    generate::add_hash_suffixes(&mut acc.resmap)?;
    transform::fix_name_references(&mut acc)?;
    replacement::resolve_vars(&mut acc)?;
    drop_local_config(&mut acc.resmap);
    build_metadata::finish(&mut acc.resmap, &build_metadata);
    sort::validate(k.sort_options.as_ref()).map_err(Error::SortOptions)?;
    let mut resources = acc.resmap.into_resources();
    sort::order(&mut resources, options.reorder, k.sort_options.as_ref());
    Ok(resources.into_iter().map(|r| r.object).collect())
}

/// How deep kustomization directories of plugin configs may nest (a guard against
/// cycles through `generators:`/`transformers:`, which the build stack does not see).
const MAX_CONFIG_DEPTH: usize = 16;

thread_local! {
    static CONFIG_DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The plugin configs a kustomization directory named by `generators:` or
/// `transformers:` holds: kustomize accumulates it like a base (no hash suffixes, no
/// name-reference fixes, local-config objects kept), in input order. `origin` is the
/// directory relative to the build's root when origins are tracked.
pub(crate) fn plugin_configs(
    dir: Dir<'_>,
    path: &str,
    origin: Option<&str>,
) -> Result<Vec<Value>, Error> {
    let depth = CONFIG_DEPTH.with(std::cell::Cell::get);
    if depth >= MAX_CONFIG_DEPTH {
        return Err(Error::Cycle(path.to_string()));
    }
    CONFIG_DEPTH.with(|d| d.set(depth + 1));
    let mut acc = Accumulator::new();
    let built = accumulate_target(dir.sub(path), &mut acc, &mut Vec::new(), false, origin);
    CONFIG_DEPTH.with(|d| d.set(depth));
    built?;
    Ok(acc
        .resmap
        .into_resources()
        .into_iter()
        .map(|r| r.object.into_value())
        .collect())
}

/// `config.kubernetes.io/local-config: "true"` objects are not part of the output.
fn drop_local_config(resmap: &mut ResMap) {
    resmap
        .resources_mut()
        .retain(|r| r.object.annotation("config.kubernetes.io/local-config") != Some("true"));
}

/// Loads the kustomization of `dir` (or generates one) and accumulates it into `acc`;
/// `origin` is its directory relative to the build's root when origins are tracked.
fn accumulate_target(
    dir: Dir<'_>,
    acc: &mut Accumulator,
    stack: &mut Vec<String>,
    is_component: bool,
    origin: Option<&str>,
) -> Result<Kustomization, Error> {
    let loaded = load_kustomization(dir)?;
    accumulate_loaded(dir, loaded, acc, stack, is_component, origin)
}

/// Accumulates a loaded kustomization (and its file name) into `acc`.
fn accumulate_loaded(
    dir: Dir<'_>,
    (k, kust_file): (Kustomization, String),
    acc: &mut Accumulator,
    stack: &mut Vec<String>,
    is_component: bool,
    origin: Option<&str>,
) -> Result<Kustomization, Error> {
    if stack.iter().any(|d| d == dir.path) {
        return Err(Error::Cycle(dir.path.to_string()));
    }
    stack.push(dir.path.to_string());
    if is_component && !k.is_component() {
        return Err(Error::Unsupported(format!(
            "expected kind 'Component' for path '{}' but got '{}'",
            dir.label(),
            k.kind.as_deref().unwrap_or("Kustomization")
        )));
    }
    if !is_component && k.is_component() {
        return Err(Error::Unsupported(format!(
            "expected kind != 'Component' for path '{}'",
            dir.label()
        )));
    }
    acc.openapi.configure(&k, dir, stack.len() == 1)?;
    let resources: Vec<String> = k
        .bases
        .iter()
        .flatten()
        .chain(k.resources.iter().flatten())
        .cloned()
        .collect();
    accumulate_resources(dir, &resources, acc, stack, origin)?;
    let configured = TransformerConfig::load(dir, &k)?;
    acc.config.merge(configured);
    // Generators read where they are configured (origins of inflated Helm charts).
    acc.origin = origin.map(str::to_string);
    acc.kust_file.clone_from(&kust_file);
    match build_metadata::generator_view(&k, dir, origin, &kust_file)? {
        Some(view) => generate::run(&view, dir, acc)?,
        None => generate::run(&k, dir, acc)?,
    }
    for component in k.components.iter().flatten() {
        let path = dir.resolve(component)?;
        let sub_origin = origin.map(|o| build_metadata::join(o, component));
        accumulate_target(dir.sub(&path), acc, stack, true, sub_origin.as_deref())?;
    }
    acc.origin = origin.map(str::to_string);
    acc.kust_file = kust_file;
    run_transformers(&k, dir, acc)?;
    run_validators(&k, dir, acc)?;
    replacement::merge_vars(k.vars.as_deref().unwrap_or(&[]), acc)?;
    stack.pop();
    Ok(k)
}

/// The built-in transformers in kustomize's order, then `transformers:` plugins. When
/// origins are tracked, each transformer instance kustomize would configure is recorded
/// in the transformations annotation of every resource.
fn run_transformers(k: &Kustomization, dir: Dir<'_>, acc: &mut Accumulator) -> Result<(), Error> {
    let configured_in = acc
        .origin
        .as_deref()
        .map(|o| build_metadata::join(o, &acc.kust_file));
    let note = |acc: &mut Accumulator, kind: &str, count: usize| {
        if let Some(at) = &configured_in {
            build_metadata::add_builtin_transformations(&mut acc.resmap, at, kind, count);
        }
    };
    let set = |s: &Option<String>| usize::from(s.as_deref().is_some_and(|s| !s.is_empty()));
    let mut openapi = std::mem::take(&mut acc.openapi);
    let merged = patch::strategic_merge_stage_with(k, dir, acc, &mut openapi);
    acc.openapi = openapi;
    merged?;
    note(
        acc,
        "PatchStrategicMergeTransformer",
        usize::from(len(&k.patches_strategic_merge) > 0),
    );
    note(acc, "PatchTransformer", len(&k.patches));
    transform::namespace(k, acc)?;
    note(acc, "NamespaceTransformer", set(&k.namespace));
    transform::prefix_suffix(k, acc)?;
    note(acc, "PrefixTransformer", set(&k.name_prefix));
    note(acc, "SuffixTransformer", set(&k.name_suffix));
    transform::labels(k, acc)?;
    let common_labels = k.common_labels.as_ref().is_some_and(|m| !m.is_empty());
    let label_runs = if len(&k.labels) > 0 || common_labels {
        len(&k.labels) + 1
    } else {
        0
    };
    note(acc, "LabelTransformer", label_runs);
    transform::annotations(k, acc)?;
    note(
        acc,
        "AnnotationsTransformer",
        usize::from(k.common_annotations.as_ref().is_some_and(|m| !m.is_empty())),
    );
    patch::json6902_stage(k, dir, acc)?;
    note(acc, "PatchJson6902Transformer", len(&k.patches_json6902));
    transform::replicas(k, acc)?;
    note(acc, "ReplicaCountTransformer", len(&k.replicas));
    transform::images(k, acc)?;
    note(
        acc,
        "ImageTagTransformer",
        len(&k.images) + len(&k.image_tags),
    );
    replacement::replacements_stage(k, dir, acc)?;
    note(
        acc,
        "ReplacementTransformer",
        usize::from(len(&k.replacements) > 0),
    );
    transform::plugins(k, dir, acc)?;
    Ok(())
}

/// Number of entries of an optional list.
fn len<T>(list: &Option<Vec<T>>) -> usize {
    list.as_ref().map_or(0, Vec::len)
}

/// The kustomization of `dir` and its file name.
/// `validators:`: kustomize runs each config like a transformer on a copy of the
/// resources and fails when it changed them (the `validated-by` label aside). Only
/// built-in configs can run here; others are refused as `kubectl kustomize` refuses
/// external plugins.
fn run_validators(k: &Kustomization, dir: Dir<'_>, acc: &Accumulator) -> Result<(), Error> {
    let Some(validators) = k.validators.as_ref().filter(|v| !v.is_empty()) else {
        return Ok(());
    };
    let only = Kustomization {
        transformers: Some(validators.clone()),
        ..Kustomization::default()
    };
    let mut copy = Accumulator {
        resmap: acc.resmap.clone(),
        config: acc.config.clone(),
        vars: acc.vars.clone(),
        origin: None,
        kust_file: acc.kust_file.clone(),
        openapi: patch::OpenApiState::default(),
    };
    transform::plugins(&only, dir, &mut copy)?;
    for r in copy.resmap.resources_mut() {
        let Some(Value::Object(meta)) = r.object.as_map_mut().get_mut("metadata") else {
            continue;
        };
        if let Some(Value::Object(labels)) = meta.get_mut("labels") {
            labels.shift_remove("validated-by");
        }
    }
    let changed = copy.resmap.len() != acc.resmap.len()
        || copy
            .resmap
            .resources()
            .iter()
            .zip(acc.resmap.resources())
            .any(|(a, b)| a.object != b.object);
    if changed {
        return Err(Error::Unsupported(format!(
            "{}: validator shouldn't modify the resource map",
            dir.label()
        )));
    }
    Ok(())
}

fn load_kustomization(dir: Dir<'_>) -> Result<(Kustomization, String), Error> {
    let found: Vec<&str> = kustomization::FILE_NAMES
        .iter()
        .copied()
        .filter(|name| {
            fs::join(dir.path, name).is_some_and(|p| dir.fs.exists(&p) && !dir.fs.is_dir(&p))
        })
        .collect();
    match found.as_slice() {
        [name] => {
            let (path, text) = dir.read(name)?;
            Ok((Kustomization::parse(&text, &path)?, name.to_string()))
        }
        [] if dir.options.generate_if_missing => Ok((
            generated_kustomization(dir)?,
            kustomization::FILE_NAMES[0].to_string(),
        )),
        [] => Err(Error::MissingKustomization(dir.label())),
        _ => Err(Error::Unsupported(format!(
            "Found multiple kustomization files under: {}",
            dir.label()
        ))),
    }
}

/// Flux's generated kustomization: every YAML file in the directory, and every
/// sub-directory (itself built the same way), in name order.
fn generated_kustomization(dir: Dir<'_>) -> Result<Kustomization, Error> {
    let entries = dir
        .fs
        .read_dir(dir.path)
        .map_err(|source| loader::Error::Fs {
            referrer: dir.label(),
            path: ".".into(),
            source,
        })?;
    let mut resources = Vec::new();
    for name in entries {
        let path = fs::join(dir.path, &name).unwrap_or_default();
        if dir.fs.is_dir(&path) {
            if !name.starts_with('.') {
                resources.push(name);
            }
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            resources.push(name);
        }
    }
    Ok(Kustomization {
        resources: Some(resources),
        ..Kustomization::default()
    })
}

fn accumulate_resources(
    dir: Dir<'_>,
    paths: &[String],
    acc: &mut Accumulator,
    stack: &mut Vec<String>,
    origin: Option<&str>,
) -> Result<(), Error> {
    for rel in paths {
        let path = dir.resolve(rel)?;
        if dir.fs.is_dir(&path) {
            let mut child = Accumulator::new();
            child.openapi = std::mem::take(&mut acc.openapi);
            let sub_origin = origin.map(|o| build_metadata::join(o, rel));
            accumulate_target(
                dir.sub(&path),
                &mut child,
                stack,
                false,
                sub_origin.as_deref(),
            )?;
            acc.merge(child)?;
        } else {
            let (path, text) = dir.read(rel)?;
            let from = acc.resmap.len();
            for object in read_objects(&text, &path)? {
                acc.openapi.note_object(&object);
                acc.resmap
                    .append(Resource::new(object, Some(path.clone())))?;
            }
            if let Some(origin) = origin {
                let file_origin = Origin::file(build_metadata::join(origin, rel));
                build_metadata::set_origin(&mut acc.resmap, from, &file_origin, true);
            }
        }
    }
    Ok(())
}

/// The objects of a resource file; `kind: List` (any `*List` with `items`) is expanded.
pub fn read_objects(text: &str, path: &str) -> Result<Vec<Object>, Error> {
    let set =
        ResourceSet::from_yaml_str(text, path).or_else(|err| lists_only(text, path).ok_or(err))?;
    let mut out = Vec::new();
    for object in set {
        let is_list = object.kind().ends_with("List")
            && object.as_value().get("items").is_some_and(Value::is_array);
        if is_list {
            if let Some(Value::Array(items)) = object.as_value().get("items") {
                for item in items {
                    let item = Object::from_value(item.clone()).map_err(|source| {
                        gitops_core::resource_set::Error::Object {
                            file: path.to_string(),
                            document: 1,
                            line: 1,
                            source,
                        }
                    })?;
                    out.push(item);
                }
            }
        } else {
            out.push(object);
        }
    }
    Ok(out)
}

/// A file of only `*List` documents (which may lack `metadata.name`).
fn lists_only(text: &str, path: &str) -> Option<ResourceSet> {
    let docs = gitops_core::yaml::load_documents(text, &Default::default()).ok()?;
    let mut set = ResourceSet::new();
    for doc in docs.into_iter().filter(|d| !d.value.is_null()) {
        let object = Object::from_value(doc.value).ok()?;
        if !object.kind().ends_with("List") {
            return None;
        }
        set.push(object);
    }
    let _ = path;
    Some(set)
}
