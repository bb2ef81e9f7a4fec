//! `generators:` entries naming kustomize's built-in generators (`apiVersion: builtin`,
//! `kind: ConfigMapGenerator` or `SecretGenerator`): inline YAML (configured first, as in
//! kustomize), files, or kustomization directories accumulated like bases (their
//! local-config objects kept, no hash suffixes). Other plugins are errors naming the file.

use serde_json::{Map, Value};

use super::Error;
use crate::kustomize::kustomization::GeneratorArgs;
use crate::kustomize::loader::Dir;

/// The generator fields a plugin config may carry (others are ignored, as kustomize's
/// lenient unmarshalling does; `env` is not read by plugins).
const ARG_FIELDS: [&str; 8] = [
    "name",
    "namespace",
    "behavior",
    "literals",
    "files",
    "envs",
    "options",
    "type",
];

/// The plugin configs of the `generators:` entries, inline ones first, then the paths in
/// order: `(kind, args)`, kind being `ConfigMap` or `Secret`. An entry is inline YAML, a
/// file, or a kustomization directory whose resources (in input order) are the configs;
/// file paths inside the configs are relative to the kustomization naming them, as in
/// kustomize.
pub fn configs(entries: &[String], dir: Dir<'_>) -> Result<Vec<(String, GeneratorArgs)>, Error> {
    let mut out = Vec::new();
    // kustomize configures the inline configs first, then those of the paths.
    let inline = |e: &&String| crate::kustomize::build_metadata::is_inline(e);
    for entry in entries
        .iter()
        .filter(inline)
        .chain(entries.iter().filter(|e| !inline(e)))
    {
        let (file, text) = if inline(&entry) {
            (format!("{}: inline generator", dir.label()), entry.clone())
        } else {
            let path = dir.resolve(entry)?;
            if dir.fs.is_dir(&path) {
                for value in build_directory(dir, &path)? {
                    out.push(config(value, &path)?);
                }
                continue;
            }
            dir.read(entry)?
        };
        let docs = gitops_core::yaml::load_documents(&text, &Default::default()).map_err(|e| {
            Error::Plugin {
                file: file.clone(),
                message: e.to_string(),
            }
        })?;
        for doc in docs.into_iter().map(|d| d.value).filter(|v| !v.is_null()) {
            out.push(config(doc, &file)?);
        }
    }
    Ok(out)
}

/// The generator configs a kustomization directory holds (accumulated as kustomize
/// does: input order, no hash suffixes, local-config objects kept).
fn build_directory(dir: Dir<'_>, path: &str) -> Result<Vec<Value>, Error> {
    crate::kustomize::accumulate::plugin_configs(dir, path, None).map_err(|e| Error::Plugin {
        file: path.to_string(),
        message: e.to_string(),
    })
}

/// One plugin config as generator arguments; `metadata.name` and `metadata.namespace`
/// stand in for absent `name` and `namespace`.
fn config(doc: Value, file: &str) -> Result<(String, GeneratorArgs), Error> {
    let Value::Object(map) = doc else {
        return Err(Error::Plugin {
            file: file.to_string(),
            message: "a generator config must be a mapping".into(),
        });
    };
    let api_version = map.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = map.get("kind").and_then(Value::as_str).unwrap_or("");
    if map
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(Error::Plugin {
            file: file.to_string(),
            message: format!("missing metadata.name in generator config {api_version}/{kind}"),
        });
    }
    if api_version != "builtin" {
        return Err(Error::Plugin {
            file: file.to_string(),
            message: format!(
                "external plugins disabled; unable to load external plugin '{kind}' (exec, container and Go plugins are not supported)"
            ),
        });
    }
    if !matches!(kind, "ConfigMapGenerator" | "SecretGenerator") {
        return Err(Error::Plugin {
            file: file.to_string(),
            message: format!(
                "plugin {kind}.builtin.[noGrp] is not a supported generator (only ConfigMapGenerator and SecretGenerator are)"
            ),
        });
    }
    let mut args: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| ARG_FIELDS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let meta = map.get("metadata");
    for field in ["name", "namespace"] {
        let absent = args
            .get(field)
            .and_then(Value::as_str)
            .is_none_or(str::is_empty);
        if let Some(v) = meta.and_then(|m| m.get(field)).filter(|_| absent) {
            args.insert(field.into(), v.clone());
        }
    }
    let args: GeneratorArgs =
        serde_path_to_error::deserialize(Value::Object(args)).map_err(|e| Error::Plugin {
            file: file.to_string(),
            message: format!("field '{}': {}", e.path(), e.inner()),
        })?;
    let kind = if kind == "SecretGenerator" {
        "Secret"
    } else {
        "ConfigMap"
    };
    Ok((kind.to_string(), args))
}
