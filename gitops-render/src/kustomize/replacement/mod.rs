//! `replacements` (kustomize's `ReplacementTransformer`) and `vars` (its `refvar`
//! substitution once names are final).

mod path;
mod select;
mod vars;

use serde::Deserialize;
use serde_json::Value;

use super::accumulate::Accumulator;
use super::kustomization::Kustomization;
use super::loader::Dir;
use path::Kind;
use select::{ResIdSel, Selector};

pub use vars::{merge_vars, resolve_vars};

/// Why a replacement or var failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A referenced file could not be loaded.
    #[error(transparent)]
    Load(#[from] super::loader::Error),
    /// A replacement entry or file is malformed.
    #[error("{file}: invalid replacement: {message}")]
    Invalid {
        /// The kustomization or replacement file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A replacement could not be applied (kustomize's wording).
    #[error("{0}")]
    Apply(String),
    /// A var could not be resolved (kustomize's wording).
    #[error("{0}")]
    Var(String),
}

/// A replacement: one source value, written to targets.
#[derive(Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    #[serde(default)]
    source: Option<Source>,
    #[serde(default)]
    targets: Option<Vec<Target>>,
}

/// An entry of `replacements`: inline, or `path` of a file.
#[derive(Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase")]
struct Entry {
    #[serde(flatten)]
    replacement: Replacement,
    #[serde(default)]
    path: Option<String>,
}

#[derive(Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase")]
struct Source {
    #[serde(flatten)]
    id: ResIdSel,
    #[serde(default)]
    field_path: Option<String>,
    #[serde(default)]
    options: Option<FieldOptions>,
}

#[derive(Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase")]
struct Target {
    #[serde(default)]
    select: Option<Selector>,
    #[serde(default)]
    reject: Option<Vec<Selector>>,
    #[serde(default)]
    field_paths: Option<Vec<String>>,
    #[serde(default)]
    options: Option<FieldOptions>,
}

#[derive(Deserialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase")]
struct FieldOptions {
    #[serde(default)]
    delimiter: Option<String>,
    #[serde(default)]
    index: Option<i64>,
    #[serde(default)]
    create: Option<bool>,
}

impl FieldOptions {
    fn delimiter(&self) -> Option<&str> {
        self.delimiter.as_deref().filter(|d| !d.is_empty())
    }
}

fn parse<T: for<'de> Deserialize<'de>>(value: &Value, file: &str) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|e| Error::Invalid {
        file: file.to_string(),
        message: format!("{}: {}", e.path(), e.inner()),
    })
}

/// The replacements of `k`, with `path:` files loaded (a file holds one replacement or a
/// list of them).
fn load(k: &Kustomization, dir: Dir<'_>) -> Result<Vec<Replacement>, Error> {
    let file = if dir.path.is_empty() {
        "kustomization".to_string()
    } else {
        format!("{}/kustomization", dir.path)
    };
    let mut out = Vec::new();
    for value in k.replacements.iter().flatten() {
        let entry: Entry = parse(value, &file)?;
        let Some(rel) = entry.path.as_deref().filter(|p| !p.is_empty()) else {
            out.push(entry.replacement);
            continue;
        };
        if entry.replacement.source.is_some()
            || entry
                .replacement
                .targets
                .as_ref()
                .is_some_and(|t| !t.is_empty())
        {
            return Err(Error::Invalid {
                file,
                message: "cannot specify both path and inline replacement".into(),
            });
        }
        let (path, text) = dir.read(rel)?;
        let docs = gitops_core::yaml::load_documents(&text, &Default::default()).map_err(|e| {
            Error::Invalid {
                file: path.clone(),
                message: e.to_string(),
            }
        })?;
        let doc = docs
            .into_iter()
            .map(|d| d.value)
            .next()
            .unwrap_or(Value::Null);
        match &doc {
            Value::Array(items) => {
                for item in items {
                    out.push(parse(item, &path)?);
                }
            }
            Value::Object(_) => out.push(parse(&doc, &path)?),
            _ => {
                return Err(Error::Invalid {
                    file: path,
                    message: "unsupported replacement type encountered within replacement path"
                        .into(),
                });
            }
        }
    }
    Ok(out)
}

/// `replacements` (the last built-in transformer).
pub fn replacements_stage(
    k: &Kustomization,
    dir: Dir<'_>,
    acc: &mut Accumulator,
) -> Result<(), Error> {
    for r in load(k, dir)? {
        let (Some(source), Some(targets)) = (&r.source, &r.targets) else {
            return Err(Error::Apply(
                "replacements must specify a source and at least one target".into(),
            ));
        };
        let value = source_value(acc, source)?;
        for target in targets {
            apply_target(acc, &value, target)?;
        }
    }
    Ok(())
}

fn source_value(acc: &Accumulator, source: &Source) -> Result<Value, Error> {
    let mut found = None;
    for r in acc.resmap.resources() {
        if select::any_id_selected(r, &source.id) {
            if found.is_some() {
                return Err(Error::Apply(format!(
                    "multiple matches for selector {}",
                    source_string(source)
                )));
            }
            found = Some(r);
        }
    }
    let Some(r) = found else {
        return Err(Error::Apply(format!(
            "nothing selected by {}",
            source_string(source)
        )));
    };
    let fp = source
        .field_path
        .as_deref()
        .filter(|p| !p.is_empty())
        .unwrap_or("metadata.name");
    let node = path::lookup(r.object.as_value(), &path::split(fp))
        .map_err(|e| Error::Apply(format!("error looking up replacement source: {e}")))?;
    let node = match node {
        Some(n) if !is_empty(n) => n.clone(),
        _ => {
            return Err(Error::Apply(format!(
                "fieldPath `{fp}` is missing for replacement source {}",
                source.id.res_id_string()
            )));
        }
    };
    let Some(delim) = source.options.as_ref().and_then(FieldOptions::delimiter) else {
        return Ok(node);
    };
    let Some(text) = (!node.is_array()).then(|| scalar_only(&node)).flatten() else {
        return Err(Error::Apply(
            "delimiter option can only be used with scalar nodes".into(),
        ));
    };
    let index = source.options.as_ref().and_then(|o| o.index).unwrap_or(0);
    let pieces: Vec<&str> = text.split(delim).collect();
    match usize::try_from(index).ok().and_then(|i| pieces.get(i)) {
        Some(piece) => Ok(Value::String((*piece).to_string())),
        None => Err(Error::Apply(format!(
            "options.index {index} is out of bounds for value {text}"
        ))),
    }
}

fn scalar_only(v: &Value) -> Option<String> {
    if v.is_object() {
        None
    } else {
        path::scalar_text(v)
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn source_string(s: &Source) -> String {
    let mut parts = vec![s.id.res_id_string()];
    if let Some(fp) = s.field_path.as_deref().filter(|p| !p.is_empty()) {
        parts.push(fp.to_string());
    }
    if let Some(o) = &s.options {
        if o.delimiter().is_some() || o.create == Some(true) {
            parts.push(format!(
                "{}({}), create={}",
                o.delimiter.as_deref().unwrap_or(""),
                o.index.unwrap_or(0),
                o.create.unwrap_or(false)
            ));
        }
    }
    parts.join(":")
}

fn apply_target(acc: &mut Accumulator, value: &Value, target: &Target) -> Result<(), Error> {
    let Some(sel) = &target.select else {
        return Err(Error::Apply(
            "target must specify resources to select".into(),
        ));
    };
    let default_paths = vec!["metadata.name".to_string()];
    let field_paths = target
        .field_paths
        .as_ref()
        .filter(|p| !p.is_empty())
        .unwrap_or(&default_paths);
    let rejects = target.reject.as_deref().unwrap_or(&[]);
    for r in acc.resmap.resources_mut().iter_mut() {
        if !sel.matches_labels(&r.object).map_err(Error::Apply)? {
            continue;
        }
        let mut rejected = false;
        for rej in rejects.iter().filter(|s| s.has_label_or_annotation()) {
            if rej.matches_labels(&r.object).map_err(Error::Apply)? {
                rejected = true;
            }
        }
        if rejected
            || !select::any_id_selected(r, &sel.id)
            || rejects
                .iter()
                .any(|rej| !rej.id.is_empty() && select::any_id_selected(r, &rej.id))
        {
            continue;
        }
        let mut root = Value::Object(std::mem::take(r.object.as_map_mut()));
        let result = copy_to_target(&mut root, value, target, field_paths);
        if let Value::Object(map) = root {
            *r.object.as_map_mut() = map;
        }
        result?;
    }
    Ok(())
}

fn copy_to_target(
    root: &mut Value,
    value: &Value,
    target: &Target,
    field_paths: &[String],
) -> Result<(), Error> {
    let create = target
        .options
        .as_ref()
        .and_then(|o| o.create)
        .unwrap_or(false);
    let leaf = match value {
        Value::Object(_) => Kind::Map,
        Value::Array(_) => Kind::Seq,
        _ => Kind::Scalar,
    };
    for fp in field_paths {
        let what = if create {
            "unable to find or create field"
        } else {
            "unable to find field"
        };
        let prefix = format!("{what} \"{fp}\" in replacement target");
        let found = path::matches(root, &path::split(fp), create.then_some(leaf))
            .map_err(|e| Error::Apply(format!("{prefix}: {e}")))?;
        if found.is_empty() {
            return Err(Error::Apply(prefix));
        }
        for at in found {
            if let Some(node) = path::get_mut(root, &at) {
                set_value(target.options.as_ref(), node, value)?;
            }
        }
    }
    Ok(())
}

fn set_value(options: Option<&FieldOptions>, node: &mut Value, value: &Value) -> Result<(), Error> {
    let mut value = value.clone();
    if let Some(delim) = options.and_then(FieldOptions::delimiter) {
        let Some(current) = scalar_only(node).filter(|_| !node.is_array()) else {
            return Err(Error::Apply(
                "delimiter option can only be used with scalar nodes".into(),
            ));
        };
        let mut pieces: Vec<String> = current.split(delim).map(str::to_string).collect();
        let v = path::scalar_text(&value).unwrap_or_default();
        let index = options.and_then(|o| o.index).unwrap_or(0);
        match usize::try_from(index) {
            Err(_) => pieces.insert(0, v),
            Ok(i) if i >= pieces.len() => pieces.push(v),
            Ok(i) => pieces[i] = v,
        }
        value = Value::String(pieces.join(delim));
    }
    match node {
        Value::Object(_) | Value::Array(_) => *node = value,
        _ => {
            // A scalar keeps its type; only the text changes.
            let text = path::scalar_text(&value).unwrap_or_default();
            *node = match node {
                Value::String(_) => Value::String(text),
                Value::Null => value,
                _ => match path::plain(&text) {
                    v @ (Value::Number(_) | Value::Bool(_)) => v,
                    _ => Value::String(text),
                },
            };
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
