//! The build pipeline: kustomize's `KustTarget` — accumulate a kustomization's resources,
//! generators, components and transformers, recursively, then finish at the top.

use gitops_core::{Object, ResourceSet};
use serde_json::Value;

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
}

impl Accumulator {
    fn new() -> Self {
        Accumulator { resmap: ResMap::new(), config: TransformerConfig::builtin(), vars: Vec::new() }
    }

    /// Takes over a child kustomization's result.
    fn merge(&mut self, child: Accumulator) -> Result<(), Error> {
        self.resmap.append_all(child.resmap)?;
        self.config.merge(child.config);
        self.vars.extend(child.vars);
        Ok(())
    }
}

/// Builds `dir` into the final resource set.
pub fn build(fs: &dyn fs::Fs, dir: &str, options: &Options) -> Result<ResourceSet, Error> {
    let dir = fs::clean(dir).ok_or_else(|| loader::Error::Escapes { referrer: String::new(), path: dir.to_string() })?;
    let mut stack = Vec::new();
    let mut acc = Accumulator::new();
    let k = accumulate_target(Dir { fs, path: &dir, options }, &mut acc, &mut stack, false)?;
    generate::add_hash_suffixes(&mut acc.resmap)?;
    transform::fix_name_references(&mut acc)?;
    replacement::resolve_vars(&mut acc)?;
    drop_local_config(&mut acc.resmap);
    let mut resources = acc.resmap.into_resources();
    sort::order(&mut resources, options.reorder, k.sort_options.as_ref());
    Ok(resources.into_iter().map(|r| r.object).collect())
}

/// `config.kubernetes.io/local-config: "true"` objects are not part of the output.
fn drop_local_config(resmap: &mut ResMap) {
    resmap
        .resources_mut()
        .retain(|r| r.object.annotation("config.kubernetes.io/local-config") != Some("true"));
}

/// Loads the kustomization of `dir` (or generates one) and accumulates it into `acc`.
fn accumulate_target(
    dir: Dir<'_>,
    acc: &mut Accumulator,
    stack: &mut Vec<String>,
    is_component: bool,
) -> Result<Kustomization, Error> {
    if stack.iter().any(|d| d == dir.path) {
        return Err(Error::Cycle(dir.path.to_string()));
    }
    stack.push(dir.path.to_string());
    let k = load_kustomization(dir)?;
    if is_component && !k.is_component() {
        return Err(Error::Unsupported(format!(
            "expected kind 'Component' for path '{}' but got '{}'",
            dir.path,
            k.kind.as_deref().unwrap_or("Kustomization")
        )));
    }
    if !is_component && k.is_component() {
        return Err(Error::Unsupported(format!("expected kind != 'Component' for path '{}'", dir.path)));
    }
    let resources: Vec<String> = k.bases.iter().flatten().chain(k.resources.iter().flatten()).cloned().collect();
    accumulate_resources(dir, &resources, acc, stack)?;
    let configured = TransformerConfig::load(dir, &k)?;
    acc.config.merge(configured);
    generate::run(&k, dir, acc)?;
    for component in k.components.iter().flatten() {
        let path = dir.resolve(component)?;
        accumulate_target(dir.sub(&path), acc, stack, true)?;
    }
    run_transformers(&k, dir, acc)?;
    replacement::merge_vars(k.vars.as_deref().unwrap_or(&[]), acc)?;
    stack.pop();
    Ok(k)
}

/// The built-in transformers in kustomize's order, then `transformers:` plugins.
fn run_transformers(k: &Kustomization, dir: Dir<'_>, acc: &mut Accumulator) -> Result<(), Error> {
    patch::strategic_merge_stage(k, dir, acc)?;
    transform::namespace(k, acc)?;
    transform::prefix_suffix(k, acc)?;
    transform::labels(k, acc)?;
    transform::annotations(k, acc)?;
    patch::json6902_stage(k, dir, acc)?;
    transform::replicas(k, acc)?;
    transform::images(k, acc)?;
    replacement::replacements_stage(k, dir, acc)?;
    transform::plugins(k, dir, acc)?;
    if k.helm_charts.as_ref().is_some_and(|c| !c.is_empty()) || k.helm_chart_inflation_generator.is_some() {
        return Err(Error::Unsupported(format!(
            "{}: helmCharts are not supported yet (the Helm engine arrives with its issue)",
            dir.path
        )));
    }
    Ok(())
}

fn load_kustomization(dir: Dir<'_>) -> Result<Kustomization, Error> {
    let found: Vec<&str> = kustomization::FILE_NAMES
        .iter()
        .copied()
        .filter(|name| fs::join(dir.path, name).is_some_and(|p| dir.fs.exists(&p) && !dir.fs.is_dir(&p)))
        .collect();
    match found.as_slice() {
        [name] => {
            let (path, text) = dir.read(name)?;
            Ok(Kustomization::parse(&text, &path)?)
        }
        [] if dir.options.generate_if_missing => generated_kustomization(dir),
        [] => Err(Error::MissingKustomization(dir.path.to_string())),
        _ => Err(Error::Unsupported(format!("Found multiple kustomization files under: {}", dir.path))),
    }
}

/// Flux's generated kustomization: every YAML file in the directory, and every
/// sub-directory (itself built the same way), in name order.
fn generated_kustomization(dir: Dir<'_>) -> Result<Kustomization, Error> {
    let entries = dir
        .fs
        .read_dir(dir.path)
        .map_err(|source| loader::Error::Fs { referrer: dir.path.to_string(), path: ".".into(), source })?;
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
    Ok(Kustomization { resources: Some(resources), ..Kustomization::default() })
}

fn accumulate_resources(
    dir: Dir<'_>,
    paths: &[String],
    acc: &mut Accumulator,
    stack: &mut Vec<String>,
) -> Result<(), Error> {
    for rel in paths {
        let path = dir.resolve(rel)?;
        if dir.fs.is_dir(&path) {
            let mut child = Accumulator::new();
            accumulate_target(dir.sub(&path), &mut child, stack, false)?;
            acc.merge(child)?;
        } else {
            let (path, text) = dir.read(rel)?;
            for object in read_objects(&text, &path)? {
                acc.resmap.append(Resource::new(object, Some(path.clone())))?;
            }
        }
    }
    Ok(())
}

/// The objects of a resource file; `kind: List` (any `*List` with `items`) is expanded.
pub fn read_objects(text: &str, path: &str) -> Result<Vec<Object>, Error> {
    let set = ResourceSet::from_yaml_str(text, path).or_else(|err| lists_only(text, path).ok_or(err))?;
    let mut out = Vec::new();
    for object in set {
        let is_list = object.kind().ends_with("List") && object.as_value().get("items").is_some_and(Value::is_array);
        if is_list {
            if let Some(Value::Array(items)) = object.as_value().get("items") {
                for item in items {
                    let item = Object::from_value(item.clone()).map_err(|source| {
                        gitops_core::resource_set::Error::Object { file: path.to_string(), document: 1, line: 1, source }
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
