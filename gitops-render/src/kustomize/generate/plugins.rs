//! `generators:` entries naming kustomize's built-in generators (`apiVersion: builtin`,
//! `kind: ConfigMapGenerator` or `SecretGenerator`), from files or inline YAML.

use std::cell::Cell;

use serde_json::{Map, Value};

use super::Error;
use crate::kustomize::kustomization::GeneratorArgs;
use crate::kustomize::loader::Dir;
use crate::kustomize::{Options, Reorder};

/// How deep kustomization directories named by `generators:` may nest (a guard against
/// cycles, which a separate build of the directory cannot see).
const MAX_DEPTH: usize = 16;

thread_local! {
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// The generator fields a plugin config may carry (others are ignored, as kustomize's
/// lenient unmarshalling does; `env` is not read by plugins).
const ARG_FIELDS: [&str; 8] = ["name", "namespace", "behavior", "literals", "files", "envs", "options", "type"];

/// The plugin configs of the `generators:` entries, in order: `(kind, args)`, kind
/// being `ConfigMap` or `Secret`. An entry is inline YAML, a file, or a kustomization
/// directory whose output (in input order) are the configs; file paths inside the
/// configs are relative to the kustomization naming them, as in kustomize.
pub fn configs(entries: &[String], dir: Dir<'_>) -> Result<Vec<(String, GeneratorArgs)>, Error> {
    let mut out = Vec::new();
    for entry in entries {
        let (file, text) = if entry.contains('\n') {
            (format!("{}: inline generator", dir.path), entry.clone())
        } else {
            let path = dir.resolve(entry)?;
            if dir.fs.is_dir(&path) {
                for object in build_directory(dir, &path)? {
                    out.push(config(object.into_value(), &path)?);
                }
                continue;
            }
            dir.read(entry)?
        };
        let docs = gitops_core::yaml::load_documents(&text, &Default::default())
            .map_err(|e| Error::Plugin { file: file.clone(), message: e.to_string() })?;
        for doc in docs.into_iter().map(|d| d.value).filter(|v| !v.is_null()) {
            out.push(config(doc, &file)?);
        }
    }
    Ok(out)
}

/// Builds a kustomization directory of generator configs (input order, no hashes).
fn build_directory(dir: Dir<'_>, path: &str) -> Result<Vec<gitops_core::Object>, Error> {
    let depth = DEPTH.with(Cell::get);
    if depth >= MAX_DEPTH {
        return Err(Error::Plugin {
            file: path.to_string(),
            message: "generator directories nest too deep (a cycle?)".into(),
        });
    }
    let options = Options { reorder: Reorder::None, ..dir.options.clone() };
    DEPTH.with(|d| d.set(depth + 1));
    let built = crate::kustomize::build(dir.fs, path, &options);
    DEPTH.with(|d| d.set(depth));
    let set = built.map_err(|e| Error::Plugin { file: path.to_string(), message: e.to_string() })?;
    Ok(set.iter().cloned().collect())
}

/// One plugin config as generator arguments; `metadata.name` and `metadata.namespace`
/// stand in for absent `name` and `namespace`.
fn config(doc: Value, file: &str) -> Result<(String, GeneratorArgs), Error> {
    let Value::Object(map) = doc else {
        return Err(Error::Plugin { file: file.to_string(), message: "a generator config must be a mapping".into() });
    };
    let api_version = map.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = map.get("kind").and_then(Value::as_str).unwrap_or("");
    if api_version != "builtin" || !matches!(kind, "ConfigMapGenerator" | "SecretGenerator") {
        return Err(Error::Plugin {
            file: file.to_string(),
            message: format!(
                "generator plugin {api_version}/{kind} is not supported (only the builtin ConfigMapGenerator and SecretGenerator)"
            ),
        });
    }
    let mut args: Map<String, Value> =
        map.iter().filter(|(k, _)| ARG_FIELDS.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
    let meta = map.get("metadata");
    for field in ["name", "namespace"] {
        let absent = args.get(field).and_then(Value::as_str).is_none_or(str::is_empty);
        if let Some(v) = meta.and_then(|m| m.get(field)).filter(|_| absent) {
            args.insert(field.into(), v.clone());
        }
    }
    let args: GeneratorArgs = serde_path_to_error::deserialize(Value::Object(args)).map_err(|e| Error::Plugin {
        file: file.to_string(),
        message: format!("field '{}': {}", e.path(), e.inner()),
    })?;
    let kind = if kind == "SecretGenerator" { "Secret" } else { "ConfigMap" };
    Ok((kind.to_string(), args))
}
