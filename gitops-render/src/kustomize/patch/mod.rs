//! Strategic merge patches and JSON 6902 patches, with target selection: kustomize's
//! `PatchStrategicMergeTransformer`, `PatchTransformer` and `PatchJson6902Transformer`.
//!
//! A `patches` entry is a JSON 6902 patch when its text is a list of operations, else one
//! strategic merge patch per YAML document (several only without `target`). A strategic merge patch without `target` applies to the one
//! resource that has (or had) the patch's group, version, kind, name and namespace.
//! Name and kind changes by a strategic merge patch are undone unless the entry's options
//! `allowNameChange` / `allowKindChange` are set; the namespace is always kept.
//!
//! The merge itself and its schema are [`gitops_core::merge`]; this module selects the
//! targets and keeps the build's schema state ([`openapi`]).

mod json6902;
pub mod openapi;
mod target;

use gitops_core::Object;
use gitops_core::merge::{Schema, strategic};
use serde_json::Value;

use super::accumulate::Accumulator;
use super::kustomization::{Kustomization, Patch, Selector};
use super::loader::Dir;
use super::resource::{ResId, Resource};

pub use gitops_core::merge::MergeError;
pub use json6902::JsonPatchError;
pub use openapi::OpenApiState;

/// Why a patch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A referenced file could not be loaded.
    #[error(transparent)]
    Load(#[from] super::loader::Error),
    /// A patch is not valid YAML or not a patch.
    #[error("{source_name}: {message}")]
    Parse {
        /// The patch file, or `inline patch` with the kustomization directory.
        source_name: String,
        /// What is wrong.
        message: String,
    },
    /// No resource, or several, match an untargeted strategic merge patch.
    #[error(
        "{}{found} matches for Id {id}; failed to find unique target for patch {id}",
        if *from_patches { format!("no resource matches strategic merge patch \"{id}\": ") } else { String::new() }
    )]
    Target {
        /// From a `patches` entry (kustomize's message then names the patch first).
        from_patches: bool,
        /// `no` or `multiple`.
        found: &'static str,
        /// The patch's id.
        id: Box<ResId>,
    },
    /// A selector field is invalid.
    #[error("invalid target {field}: {message}")]
    Selector {
        /// The selector field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A `patches` entry with a target whose text holds several strategic merge patches.
    #[error(
        "{source_name}: Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set `patches.target` field"
    )]
    MultipleWithTarget {
        /// The patch file or inline patch.
        source_name: String,
    },
    /// A `patchesJson6902` entry whose target has no name (kustomize requires one there).
    #[error("{dir}: patchesJson6902: must specify the target name")]
    TargetName {
        /// The kustomization directory.
        dir: String,
    },
    /// A JSON patch without a target.
    #[error("{source_name}: must specify a target for a JSON 6902 patch")]
    MissingTarget {
        /// The patch file or inline patch.
        source_name: String,
    },
    /// A strategic merge failed on a resource.
    #[error("{id}: strategic merge patch from {source_name}: {error}")]
    Merge {
        /// The resource.
        id: Box<ResId>,
        /// The patch file or inline patch.
        source_name: String,
        /// Why.
        error: MergeError,
    },
    /// A JSON patch failed on a resource.
    #[error("{id}: JSON patch from {source_name}: {error}")]
    Json {
        /// The resource.
        id: Box<ResId>,
        /// The patch file or inline patch.
        source_name: String,
        /// Why.
        error: JsonPatchError,
    },
}

/// A loaded patch.
enum Loaded {
    Smp(Vec<Object>),
    Json(Vec<json6902::Operation>),
}

fn parse_docs(text: &str, source_name: &str) -> Result<Vec<Value>, Error> {
    let docs =
        gitops_core::yaml::load_documents(text, &Default::default()).map_err(|e| Error::Parse {
            source_name: source_name.to_string(),
            message: e.to_string(),
        })?;
    Ok(docs
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect())
}

/// Strategic merge patches are resources: they need a kind and a name (as in kustomize).
fn smp_objects(docs: Vec<Value>, source_name: &str) -> Result<Vec<Object>, Error> {
    let invalid = |message: String| Error::Parse {
        source_name: source_name.to_string(),
        message,
    };
    docs.into_iter()
        .map(|v| {
            let object = Object::from_value(v).map_err(|e| invalid(e.to_string()))?;
            if object.kind().is_empty() {
                return Err(invalid("strategic merge patch without 'kind'".into()));
            }
            if object.name().is_empty() {
                return Err(invalid(
                    "strategic merge patch without 'metadata.name'".into(),
                ));
            }
            Ok(object)
        })
        .collect()
}

/// Reads a `patches`/`patchesJson6902` entry's text: the inline patch or the file.
fn patch_text(p: &Patch, dir: Dir<'_>) -> Result<(String, String), Error> {
    match (&p.patch, &p.path) {
        (Some(text), None) if !text.trim().is_empty() => Ok((
            text.trim().to_string(),
            format!("{}: inline patch", dir.label()),
        )),
        (None, Some(path)) => {
            let (file, text) = dir.read(path)?;
            Ok((text, file))
        }
        (Some(_), Some(_)) => Err(Error::Parse {
            source_name: dir.label(),
            message: "patch and path can't be set at the same time".into(),
        }),
        _ => Err(Error::Parse {
            source_name: dir.label(),
            message: "must specify one of patch and path".into(),
        }),
    }
}

fn load_patch(text: &str, source_name: &str) -> Result<Loaded, Error> {
    let docs = parse_docs(text, source_name)?;
    match docs.as_slice() {
        [Value::Array(_)] => Ok(Loaded::Json(json6902::decode(&docs[0]).map_err(|e| {
            Error::Parse {
                source_name: source_name.to_string(),
                message: e.to_string(),
            }
        })?)),
        // Every document of a strategic-merge patch file is a patch of its own.
        [_, ..] if docs.iter().all(Value::is_object) => {
            Ok(Loaded::Smp(smp_objects(docs, source_name)?))
        }
        _ => Err(Error::Parse {
            source_name: source_name.to_string(),
            message:
                "unable to parse SM or JSON patch (expected YAML objects or one list of operations)"
                    .into(),
        }),
    }
}

/// One loaded `patchesStrategicMerge` / `patches` entry.
enum Step<'k> {
    Smp {
        patch: SmpPatch,
        target: Option<&'k Selector>,
        from_patches: bool,
    },
    Json {
        ops: Vec<json6902::Operation>,
        target: &'k Selector,
        source_name: String,
    },
}

/// A strategic merge patch and its options.
struct SmpPatch {
    patch: Object,
    source_name: String,
    allow_name: bool,
    allow_kind: bool,
}

/// Loads every entry first, as kustomize configures its transformers before running them.
fn load_steps<'k>(k: &'k Kustomization, dir: Dir<'_>) -> Result<Vec<Step<'k>>, Error> {
    let mut steps = Vec::new();
    for entry in k.patches_strategic_merge.iter().flatten() {
        // For legacy reasons an entry may be the patch itself rather than a file path.
        let inline = parse_docs(entry, "inline")
            .ok()
            .filter(|d| !d.is_empty() && d.iter().all(Value::is_object));
        let (docs, source_name) = match inline {
            Some(docs) => (docs, format!("{}: inline patch", dir.label())),
            None => {
                let (file, text) = dir.read(entry)?;
                (parse_docs(&text, &file)?, file)
            }
        };
        for patch in smp_objects(docs, &source_name)? {
            let patch = SmpPatch {
                patch,
                source_name: source_name.clone(),
                allow_name: false,
                allow_kind: false,
            };
            steps.push(Step::Smp {
                patch,
                target: None,
                from_patches: false,
            });
        }
    }
    for p in k.patches.iter().flatten() {
        let (text, source_name) = patch_text(p, dir)?;
        let option = |name: &str| {
            p.options
                .as_ref()
                .and_then(|o| o.get(name))
                .copied()
                .unwrap_or(false)
        };
        match load_patch(&text, &source_name)? {
            Loaded::Smp(patches) => {
                if p.target.is_some() && patches.len() > 1 {
                    return Err(Error::MultipleWithTarget { source_name });
                }
                for patch in patches {
                    let patch = SmpPatch {
                        patch,
                        source_name: source_name.clone(),
                        allow_name: option("allowNameChange"),
                        allow_kind: option("allowKindChange"),
                    };
                    steps.push(Step::Smp {
                        patch,
                        target: p.target.as_ref(),
                        from_patches: true,
                    });
                }
            }
            Loaded::Json(ops) => {
                let target = p.target.as_ref().ok_or(Error::MissingTarget {
                    source_name: source_name.clone(),
                })?;
                steps.push(Step::Json {
                    ops,
                    target,
                    source_name,
                });
            }
        }
    }
    Ok(steps)
}

/// `patchesStrategicMerge` and `patches` (the first transformer stage), with the schema of
/// this kustomization's own `openapi` field (or the built-in one); a component's schema
/// comes after the resources it patches were read. A build-wide schema state is used by
/// [`strategic_merge_stage_with`].
pub fn strategic_merge_stage(
    k: &Kustomization,
    dir: Dir<'_>,
    acc: &mut Accumulator,
) -> Result<(), Error> {
    let mut openapi = OpenApiState::default();
    if k.is_component() {
        for r in acc.resmap.resources() {
            openapi.note_object(&r.object);
        }
    }
    openapi.configure(k, dir, !k.is_component())?;
    strategic_merge_stage_with(k, dir, acc, &mut openapi)
}

/// `patchesStrategicMerge` and `patches` with the build's schema state (which the caller
/// has configured with [`OpenApiState::configure`] for this kustomization and above).
pub fn strategic_merge_stage_with(
    k: &Kustomization,
    dir: Dir<'_>,
    acc: &mut Accumulator,
    openapi: &mut OpenApiState,
) -> Result<(), Error> {
    let steps = load_steps(k, dir)?;
    for step in &steps {
        if let Step::Smp { patch, .. } = step {
            openapi.note_object(&patch.patch);
        }
    }
    for step in &steps {
        match step {
            Step::Smp {
                patch,
                target: None,
                from_patches,
            } => apply_by_id(acc, openapi, *from_patches, patch)?,
            Step::Smp {
                patch,
                target: Some(sel),
                ..
            } => apply_selected(acc, openapi, sel, patch)?,
            Step::Json {
                ops,
                target,
                source_name,
            } => apply_json(acc, target, ops, source_name, true)?,
        }
    }
    Ok(())
}

/// `patchesJson6902`.
pub fn json6902_stage(k: &Kustomization, dir: Dir<'_>, acc: &mut Accumulator) -> Result<(), Error> {
    for p in k.patches_json6902.iter().flatten() {
        // kustomize's PatchJson6902Transformer checks the target's name before loading.
        if p.target
            .as_ref()
            .is_some_and(|t| t.name.as_deref().unwrap_or("").is_empty())
        {
            return Err(Error::TargetName { dir: dir.label() });
        }
        let (text, source_name) = patch_text(p, dir)?;
        let sel = p.target.as_ref().ok_or(Error::MissingTarget {
            source_name: source_name.clone(),
        })?;
        let docs = parse_docs(&text, &source_name)?;
        let ops = match docs.as_slice() {
            [ops @ Value::Array(_)] => json6902::decode(ops).map_err(|e| Error::Parse {
                source_name: source_name.clone(),
                message: e.to_string(),
            })?,
            _ => {
                return Err(Error::Parse {
                    source_name,
                    message: "expected a list of JSON patch operations".into(),
                });
            }
        };
        if ops.is_empty() {
            return Err(Error::Parse {
                source_name,
                message: "patch appears to be empty".into(),
            });
        }
        apply_json(acc, sel, &ops, &source_name, false)?;
    }
    Ok(())
}

fn apply_by_id(
    acc: &mut Accumulator,
    openapi: &mut OpenApiState,
    from_patches: bool,
    p: &SmpPatch,
) -> Result<(), Error> {
    let id = ResId::of(&p.patch);
    let found: Vec<usize> = acc
        .resmap
        .resources()
        .iter()
        .enumerate()
        .filter(|(_, r)| target::has_any_id(r, &id))
        .map(|(i, _)| i)
        .collect();
    match found.as_slice() {
        [i] => apply_smp_at(acc, openapi, &[*i], p),
        [] => Err(Error::Target {
            from_patches,
            found: "no",
            id: Box::new(id),
        }),
        _ => Err(Error::Target {
            from_patches,
            found: "multiple",
            id: Box::new(id),
        }),
    }
}

fn apply_selected(
    acc: &mut Accumulator,
    openapi: &mut OpenApiState,
    sel: &Selector,
    p: &SmpPatch,
) -> Result<(), Error> {
    let matcher = target::Matcher::new(sel)?;
    let selected: Vec<usize> = acc
        .resmap
        .resources()
        .iter()
        .enumerate()
        .filter(|(_, r)| matcher.matches(r))
        .map(|(i, _)| i)
        .collect();
    apply_smp_at(acc, openapi, &selected, p)
}

/// Applies a patch to the resources at `indices`; resources emptied by `$patch: delete`
/// leave the map.
fn apply_smp_at(
    acc: &mut Accumulator,
    openapi: &mut OpenApiState,
    indices: &[usize],
    p: &SmpPatch,
) -> Result<(), Error> {
    if indices.is_empty() {
        return Ok(());
    }
    let schema = openapi.schema();
    let resources = acc.resmap.resources_mut();
    let mut deleted = Vec::new();
    for &i in indices {
        let Some(r) = resources.get_mut(i) else {
            continue;
        };
        if !apply_smp(r, schema, p)? {
            deleted.push(i);
        }
    }
    let mut index = 0;
    resources.retain(|_| {
        let keep = !deleted.contains(&index);
        index += 1;
        keep
    });
    Ok(())
}

/// Merges a patch into `r`; false when the resource was deleted.
fn apply_smp(r: &mut Resource, schema: &Schema, p: &SmpPatch) -> Result<bool, Error> {
    let (name, namespace, kind) = (
        r.object.name().to_string(),
        r.object.namespace().to_string(),
        r.object.kind().to_string(),
    );
    let mut patch_value = p.patch.as_value().clone();
    if let Value::Object(map) = &mut patch_value {
        map.insert(
            "apiVersion".into(),
            Value::String(r.object.api_version().to_string()),
        );
        map.insert("kind".into(), Value::String(p.patch.kind().to_string()));
    }
    if p.allow_name || p.allow_kind {
        r.remember_id();
    }
    let merged =
        strategic::merge(r.object.as_value().clone(), &patch_value, schema).map_err(|error| {
            Error::Merge {
                id: Box::new(r.id()),
                source_name: p.source_name.clone(),
                error,
            }
        })?;
    let Some(merged) = merged.filter(|v| v.as_object().is_some_and(|m| !m.is_empty())) else {
        return Ok(false);
    };
    let Ok(mut object) = Object::from_value(merged) else {
        return Ok(false);
    };
    if !p.allow_kind {
        object
            .as_map_mut()
            .insert("kind".into(), Value::String(kind));
    }
    if !p.allow_name {
        object.set_name(&name);
    }
    object.set_namespace(&namespace);
    r.object = object;
    Ok(true)
}

fn apply_json(
    acc: &mut Accumulator,
    sel: &Selector,
    ops: &[json6902::Operation],
    source_name: &str,
    remember: bool,
) -> Result<(), Error> {
    let matcher = target::Matcher::new(sel)?;
    for r in acc
        .resmap
        .resources_mut()
        .iter_mut()
        .filter(|r| matcher.matches(r))
    {
        if remember {
            r.remember_id();
        }
        let mut value = r.object.as_value().clone();
        json6902::apply(&mut value, ops).map_err(|error| Error::Json {
            id: Box::new(r.id()),
            source_name: source_name.to_string(),
            error,
        })?;
        r.object = Object::from_value(value).map_err(|e| Error::Parse {
            source_name: source_name.to_string(),
            message: format!("the patched object is not a map: {e}"),
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_entries;
#[cfg(test)]
mod tests_openapi;
