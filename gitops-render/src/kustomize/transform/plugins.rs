//! `transformers:` entries naming kustomize's built-in transformers (files or inline YAML).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Error, SubjectMode, add_affix, images, namespace_with, parse_specs, replica_with, set_map_entries};
use crate::kustomize::accumulate::Accumulator;
use crate::kustomize::fieldspec::yaml_documents;
use crate::kustomize::kustomization::{Image, Kustomization};
use crate::kustomize::loader::Dir;

fn specs_of(config: &Value, file: &str) -> Result<Vec<crate::kustomize::fieldspec::FieldSpec>, Error> {
    match config.get("fieldSpecs") {
        Some(Value::Array(items)) => parse_specs(items, file),
        _ => Ok(Vec::new()),
    }
}

fn string_map(config: &Value, key: &str) -> BTreeMap<String, String> {
    config
        .get(key)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string)))
                .collect()
        })
        .unwrap_or_default()
}

fn str_of<'a>(config: &'a Value, pointer: &str) -> &'a str {
    config.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn run_one(config: &Value, file: &str, acc: &mut Accumulator) -> Result<(), Error> {
    let kind = str_of(config, "/kind");
    let specs = specs_of(config, file)?;
    match kind {
        "PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer" => {
            add_affix(acc, str_of(config, "/prefix"), true, &specs)?;
            add_affix(acc, str_of(config, "/suffix"), false, &specs)
        }
        "LabelTransformer" => set_map_entries(acc, &string_map(config, "labels"), &specs),
        "AnnotationsTransformer" => set_map_entries(acc, &string_map(config, "annotations"), &specs),
        "NamespaceTransformer" => {
            let ns = str_of(config, "/metadata/namespace");
            if ns.is_empty() {
                return Ok(());
            }
            let unset_only = config.get("unsetOnly").and_then(Value::as_bool).unwrap_or(false);
            let mode = match str_of(config, "/setRoleBindingSubjects") {
                "" | "defaultOnly" => SubjectMode::DefaultOnly,
                "allServiceAccounts" => SubjectMode::AllServiceAccounts,
                "none" => SubjectMode::None,
                other => {
                    return Err(Error::Config {
                        file: file.into(),
                        message: format!("invalid value \"{other}\" for setRoleBindingSubjects: must be one of \"defaultOnly\", \"none\" or \"allServiceAccounts\""),
                    });
                }
            };
            namespace_with(acc, ns, &specs, unset_only, mode)
        }
        "ImageTagTransformer" => {
            let image: Image = serde_path_to_error::deserialize(config.get("imageTag").unwrap_or(&Value::Null))
                .map_err(|e| Error::Config { file: file.into(), message: format!("imageTag: {e}") })?;
            images::apply(acc, &image, &specs)
        }
        "ReplicaCountTransformer" => {
            let name = str_of(config, "/replica/name").to_string();
            let count = config.pointer("/replica/count").and_then(Value::as_i64).unwrap_or(0);
            replica_with(acc, &name, count, &specs)
        }
        other => Err(Error::Unsupported(format!(
            "{file}: transformer kind '{other}' is not supported (only kustomize's built-in field-spec transformers are)"
        ))),
    }
}

/// Runs every `transformers:` entry in order.
pub(super) fn run(k: &Kustomization, dir: Dir<'_>, acc: &mut Accumulator) -> Result<(), Error> {
    for entry in k.transformers.iter().flatten() {
        let (file, text) = if entry.contains('\n') {
            (format!("{}: inline transformer", dir.path), entry.clone())
        } else {
            let path = dir.resolve(entry)?;
            if dir.fs.is_dir(&path) {
                return Err(Error::Unsupported(format!(
                    "{}: transformers from kustomization directories ('{entry}') are not supported",
                    dir.path
                )));
            }
            dir.read(entry)?
        };
        for config in yaml_documents(&text, &file)? {
            run_one(&config, &file, acc)?;
        }
    }
    Ok(())
}
