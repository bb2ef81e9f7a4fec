//! `transformers:` entries: configs of kustomize's built-in transformers, inline YAML,
//! files, or kustomization directories whose resources are the configs.
//!
//! As in kustomize, inline configs run first, then those of the paths, in order. Every
//! built-in kind is understood: `PatchTransformer`, `PatchStrategicMergeTransformer`,
//! `PatchJson6902Transformer`, `ReplacementTransformer`, `NamespaceTransformer`,
//! `PrefixSuffixTransformer`/`PrefixTransformer`/`SuffixTransformer`, `LabelTransformer`,
//! `AnnotationsTransformer`, `ImageTagTransformer`, `ReplicaCountTransformer` and
//! `HashTransformer`; their `fieldSpecs` are the only fields they touch. File paths inside a config are relative
//! to the kustomization. Exec, container and Go plugins (any other `apiVersion`) are
//! refused, as `kubectl kustomize` refuses them without plugin flags.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{
    Error, SubjectMode, add_affix, images, namespace_with, parse_specs, replica_with,
    set_map_entries,
};
use crate::kustomize::accumulate::{self, Accumulator};
use crate::kustomize::build_metadata::{self, ConfiguredBy, Origin};
use crate::kustomize::fieldspec::{FieldSpec, yaml_documents};
use crate::kustomize::kustomization::{Image, Kustomization, Patch, Selector};
use crate::kustomize::loader::Dir;
use crate::kustomize::{generate, patch, replacement};

fn specs_of(config: &Value, file: &str) -> Result<Vec<FieldSpec>, Error> {
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
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A scalar field as text: kustomize reads plugin configs through JSON into string
/// fields, so `suffix: -01` (a YAML number) is `-1`.
fn text_of(config: &Value, pointer: &str) -> String {
    match config.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn str_of<'a>(config: &'a Value, pointer: &str) -> &'a str {
    config
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// A typed field of a config (absent or null is `None`).
fn field<T: serde::de::DeserializeOwned>(
    config: &Value,
    key: &str,
    file: &str,
) -> Result<Option<T>, Error> {
    match config.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_path_to_error::deserialize(v)
            .map(Some)
            .map_err(|e| Error::Config {
                file: file.into(),
                message: format!("field '{key}': {e}"),
            }),
    }
}

/// Wraps an error of another stage with the config's file.
fn wrapped(file: &str, err: impl std::fmt::Display) -> Error {
    Error::Config {
        file: file.to_string(),
        message: err.to_string(),
    }
}

/// The `patch`/`path`/`target`/`options` of a patch transformer config (`inline_key`
/// names the inline text field: `patch`, or `jsonOp` for JSON 6902 configs).
fn patch_of(config: &Value, inline_key: &str, file: &str) -> Result<Patch, Error> {
    let path: Option<String> = field(config, "path", file)?;
    let text: Option<String> = field(config, inline_key, file)?;
    let path = path.filter(|p| !p.is_empty());
    let text = text.filter(|p| !p.is_empty());
    let json = inline_key == "jsonOp";
    let problem = match (&path, &text) {
        (None, None) if json => Some("empty file path and empty jsonOp".to_string()),
        (None, None) => Some(format!("must specify one of {inline_key} and path")),
        (Some(_), Some(_)) if json => {
            Some("must specify a file path or jsonOp, not both".to_string())
        }
        (Some(_), Some(_)) => Some(format!(
            "{inline_key} and path can't be set at the same time"
        )),
        _ => None,
    };
    if let Some(message) = problem {
        return Err(Error::Config {
            file: file.into(),
            message,
        });
    }
    let target: Option<Selector> = field(config, "target", file)?;
    let options: Option<BTreeMap<String, bool>> = field(config, "options", file)?;
    Ok(Patch {
        path,
        patch: text,
        target,
        options,
    })
}

/// A patch stage's view of one config.
fn only(f: impl FnOnce(&mut Kustomization)) -> Kustomization {
    let mut k = Kustomization::default();
    f(&mut k);
    k
}

fn run_one(config: &Value, file: &str, dir: Dir<'_>, acc: &mut Accumulator) -> Result<(), Error> {
    let api_version = str_of(config, "/apiVersion");
    let kind = str_of(config, "/kind");
    if api_version != "builtin" {
        return Err(Error::Unsupported(format!(
            "{file}: external plugins disabled; unable to load external plugin '{kind}' (exec, container and Go plugins are not supported)"
        )));
    }
    if str_of(config, "/metadata/name").is_empty() {
        return Err(Error::Config {
            file: file.into(),
            message: format!("missing metadata.name in transformer config {api_version}/{kind}"),
        });
    }
    let specs = specs_of(config, file)?;
    let affix = matches!(
        kind,
        "PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer"
    );
    if affix && config.get("fieldSpecs").is_none_or(Value::is_null) {
        return Err(Error::Config {
            file: file.into(),
            message: format!(
                "plugin {kind} '{}': fieldSpecs is not expected to be nil",
                str_of(config, "/metadata/name")
            ),
        });
    }
    match kind {
        "PatchTransformer" => {
            let p = patch_of(config, "patch", file)?;
            patch::strategic_merge_stage(&only(|k| k.patches = Some(vec![p])), dir, acc)
                .map_err(|e| wrapped(file, e))
        }
        "PatchJson6902Transformer" => {
            let p = patch_of(config, "jsonOp", file)?;
            if p.target
                .as_ref()
                .and_then(|t| t.name.as_deref())
                .is_none_or(str::is_empty)
            {
                return Err(Error::Config {
                    file: file.into(),
                    message: "must specify the target name".into(),
                });
            }
            patch::json6902_stage(&only(|k| k.patches_json6902 = Some(vec![p])), dir, acc)
                .map_err(|e| wrapped(file, e))
        }
        "PatchStrategicMergeTransformer" => {
            let mut entries: Vec<String> = field(config, "paths", file)?.unwrap_or_default();
            let inline: Option<String> = field(config, "patches", file)?;
            entries.extend(inline.filter(|p| !p.trim().is_empty()));
            if entries.is_empty() {
                return Err(Error::Config {
                    file: file.into(),
                    message: "empty file path and empty patch content".into(),
                });
            }
            patch::strategic_merge_stage(
                &only(|k| k.patches_strategic_merge = Some(entries)),
                dir,
                acc,
            )
            .map_err(|e| wrapped(file, e))
        }
        "ReplacementTransformer" => {
            let list: Vec<Value> = field(config, "replacements", file)?.unwrap_or_default();
            replacement::replacements_stage(&only(|k| k.replacements = Some(list)), dir, acc)
                .map_err(|e| wrapped(file, e))
        }
        "PrefixSuffixTransformer" => {
            add_affix(acc, &text_of(config, "/prefix"), true, &specs)?;
            add_affix(acc, &text_of(config, "/suffix"), false, &specs)
        }
        "PrefixTransformer" => add_affix(acc, &text_of(config, "/prefix"), true, &specs),
        "SuffixTransformer" => add_affix(acc, &text_of(config, "/suffix"), false, &specs),
        "LabelTransformer" => set_map_entries(acc, &string_map(config, "labels"), &specs),
        "AnnotationsTransformer" => {
            set_map_entries(acc, &string_map(config, "annotations"), &specs)
        }
        "NamespaceTransformer" => {
            let ns = text_of(config, "/metadata/namespace");
            if ns.is_empty() {
                return Ok(());
            }
            let unset_only = config
                .get("unsetOnly")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let mode = match str_of(config, "/setRoleBindingSubjects") {
                "" | "defaultOnly" => SubjectMode::DefaultOnly,
                "allServiceAccounts" => SubjectMode::AllServiceAccounts,
                "none" => SubjectMode::None,
                other => {
                    return Err(Error::Config {
                        file: file.into(),
                        message: format!(
                            "invalid value \"{other}\" for setRoleBindingSubjects: must be one of \"defaultOnly\", \"none\" or \"allServiceAccounts\""
                        ),
                    });
                }
            };
            namespace_with(acc, &ns, &specs, unset_only, mode)
        }
        "ImageTagTransformer" => {
            let image: Image =
                serde_path_to_error::deserialize(config.get("imageTag").unwrap_or(&Value::Null))
                    .map_err(|e| Error::Config {
                        file: file.into(),
                        message: format!("imageTag: {e}"),
                    })?;
            images::apply(acc, &image, &specs)
        }
        "ReplicaCountTransformer" => {
            let name = text_of(config, "/replica/name");
            let count = config
                .pointer("/replica/count")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            replica_with(acc, &name, count, &specs).map_err(|e| match e {
                Error::NoReplicaTarget { .. } => Error::Config {
                    file: file.into(),
                    message: e.to_string(),
                },
                e => e,
            })
        }
        // Hashes generated resources now; the build's own pass at the end hashes them
        // again, as kustomize does.
        "HashTransformer" => {
            generate::add_hash_suffixes(&mut acc.resmap).map_err(|e| wrapped(file, e))
        }
        "ConfigMapGenerator" | "SecretGenerator" | "HelmChartInflationGenerator" => {
            Err(Error::Config {
                file: file.into(),
                message: format!("plugin {kind}.builtin.[noGrp] not a transformer"),
            })
        }
        other => Err(Error::Unsupported(format!(
            "{file}: unable to load builtin {other}.builtin.[noGrp] (ValueAddTransformer and SortOrderTransformer configs are not supported)"
        ))),
    }
}

/// One transformer config: the object, the file named in errors, and `configuredIn` of
/// its origin when origins are tracked.
struct Config {
    value: Value,
    file: String,
    configured_in: Option<String>,
}

/// The configs of the `transformers:` entries in kustomize's order.
fn configs(k: &Kustomization, dir: Dir<'_>, acc: &Accumulator) -> Result<Vec<Config>, Error> {
    let entries = k.transformers.as_deref().unwrap_or(&[]);
    let origin = acc.origin.as_deref();
    let mut out = Vec::new();
    for entry in entries.iter().filter(|e| build_metadata::is_inline(e)) {
        let file = format!("{}: inline transformer", dir.label());
        let at = origin.map(|o| build_metadata::join(o, &acc.kust_file));
        for value in yaml_documents(entry, &file)? {
            out.push(Config {
                value,
                file: file.clone(),
                configured_in: at.clone(),
            });
        }
    }
    for entry in entries.iter().filter(|e| !build_metadata::is_inline(e)) {
        let path = dir.resolve(entry)?;
        if dir.fs.is_dir(&path) {
            let sub_origin = origin.map(|o| build_metadata::join(o, entry));
            for value in accumulate::plugin_configs(dir, &path, sub_origin.as_deref())
                .map_err(|e| wrapped(&path, e))?
            {
                let configured_in = origin.map(|_| build_metadata::origin_path(&value));
                out.push(Config {
                    value,
                    file: path.clone(),
                    configured_in,
                });
            }
            continue;
        }
        let (file, text) = dir.read(entry)?;
        let at = origin.map(|o| build_metadata::join(o, entry));
        for value in yaml_documents(&text, &file)? {
            out.push(Config {
                value,
                file: file.clone(),
                configured_in: at.clone(),
            });
        }
    }
    Ok(out)
}

/// Runs every `transformers:` entry, recording each in the transformations annotation
/// when origins are tracked.
pub(super) fn run(k: &Kustomization, dir: Dir<'_>, acc: &mut Accumulator) -> Result<(), Error> {
    for config in configs(k, dir, acc)? {
        run_one(&config.value, &config.file, dir, acc)?;
        if let Some(at) = config.configured_in {
            let origin = Origin::configured(at, ConfiguredBy::of_config(&config.value));
            build_metadata::add_transformation(&mut acc.resmap, &origin);
        }
    }
    Ok(())
}
