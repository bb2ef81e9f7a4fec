//! A Flux Kustomization's build: the kustomization file kustomize-controller generates from
//! the object's spec, then a kustomize build of it.
//!
//! Like Flux's generator (`fluxcd/pkg/kustomize`), the directory's own kustomization file
//! is read, or generated when missing (every Kubernetes YAML file under the directory, and
//! every sub-directory that has a kustomization file, in walk order); the spec's
//! `targetNamespace`, `namePrefix`, `nameSuffix`, `patches`, `components` (missing ones
//! skipped with `ignoreMissingComponents`), `images` (merged by name into the file's) and
//! `buildMetadata` are written over it, and a file without resources gets
//! `buildMetadata: [originAnnotations]` as Flux does. The generated file is served by an
//! overlay over the source tree ([`build`]); nothing is written to disk.
//!
//! Post-build steps (SOPS decryption, variable substitution) and `commonMetadata` happen on
//! the built objects afterwards, in the reconciler.

use serde_json::{Map, Value, json};

use gitops_core::api::kustomize::KustomizationSpec;
use gitops_core::resource_set::ResourceSet;

use crate::kustomize::{self, Fs, Options, fs as kfs};

/// Why a Flux build failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FluxBuildError {
    /// The spec's `path` does not exist in the source.
    #[error("kustomization path not found: {0}")]
    PathNotFound(String),
    /// A component path is remote or absolute.
    #[error("component path '{0}' must be local and relative")]
    Component(String),
    /// The directory's kustomization file does not parse.
    #[error("{file}: {message}")]
    Kustomization {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A YAML file of a generated kustomization is not Kubernetes YAML.
    #[error("failed to decode Kubernetes YAML from {file}: {message}")]
    Manifest {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The kustomize build failed.
    #[error("kustomize build failed: {0}")]
    Build(#[from] kustomize::Error),
}

const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Builds the spec's `path` of a source tree as kustomize-controller does.
pub fn build(fs: &dyn Fs, spec: &KustomizationSpec) -> Result<ResourceSet, FluxBuildError> {
    let dir = kfs::clean(spec.path.as_deref().unwrap_or("")).unwrap_or_default();
    if !dir.is_empty() && !fs.is_dir(&dir) {
        return Err(FluxBuildError::PathNotFound(
            spec.path.clone().unwrap_or_default(),
        ));
    }
    let text = generate(fs, &dir, spec)?;
    let overlay = Overlay {
        inner: fs,
        dir: dir.clone(),
        file: kfs::join(&dir, FILE_NAMES[0]).unwrap_or_default(),
        text,
    };
    Ok(kustomize::build(&overlay, &dir, &Options::flux())?)
}

/// The kustomization file Flux writes into `dir` for `spec` (YAML).
pub fn generate(
    fs: &dyn Fs,
    dir: &str,
    spec: &KustomizationSpec,
) -> Result<String, FluxBuildError> {
    let (mut k, existing) = match find(fs, dir) {
        Some(path) => (read_kustomization(fs, &path)?, true),
        None => (generated(fs, dir)?, false),
    };
    let no_resources = k
        .get("resources")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty);
    if existing && no_resources {
        k.insert("buildMetadata".into(), json!(["originAnnotations"]));
    }
    for (field, value) in [
        ("namespace", &spec.target_namespace),
        ("namePrefix", &spec.name_prefix),
        ("nameSuffix", &spec.name_suffix),
    ] {
        if let Some(v) = value {
            k.insert(field.into(), json!(v));
        }
    }
    for p in spec.patches.iter().flatten() {
        let mut patch = json!({"patch": p.patch});
        if let Some(t) = &p.target {
            patch["target"] = serde_json::to_value(t).unwrap_or(Value::Null);
        }
        push(&mut k, "patches", patch);
    }
    for c in spec.components.iter().flatten() {
        if !is_local_relative(c) {
            return Err(FluxBuildError::Component(c.clone()));
        }
        let exists = kfs::join(dir, c).is_some_and(|p| fs.exists(&p));
        if !exists && spec.ignore_missing_components == Some(true) {
            continue;
        }
        push(&mut k, "components", json!(c));
    }
    for image in spec.images.iter().flatten() {
        merge_image(&mut k, image);
    }
    if let Some(bm) = spec.build_metadata.as_ref().filter(|b| !b.is_empty()) {
        k.insert(
            "buildMetadata".into(),
            serde_json::to_value(bm).unwrap_or(Value::Null),
        );
    }
    Ok(gitops_core::yaml::to_string(&Value::Object(k)))
}

fn push(k: &mut Map<String, Value>, field: &str, v: Value) {
    let list = k.entry(field).or_insert_with(|| json!([]));
    if !list.is_array() {
        *list = json!([]);
    }
    if let Value::Array(a) = list {
        a.push(v);
    }
}

/// Flux's image merge: an override for an image the file already names replaces its
/// `newName` (when given) and its tag and digest (when either is given).
fn merge_image(k: &mut Map<String, Value>, image: &gitops_core::api::kustomize::Image) {
    let images = k.entry("images").or_insert_with(|| json!([]));
    let Value::Array(list) = images else { return };
    let found = list
        .iter_mut()
        .find(|i| i.get("name").and_then(Value::as_str) == Some(image.name.as_str()));
    match found {
        Some(Value::Object(existing)) => {
            if let Some(n) = image.new_name.as_ref().filter(|n| !n.is_empty()) {
                existing.insert("newName".into(), json!(n));
            }
            let tag = image.new_tag.clone().unwrap_or_default();
            let digest = image.digest.clone().unwrap_or_default();
            if !tag.is_empty() || !digest.is_empty() {
                for (f, v) in [("newTag", tag), ("digest", digest)] {
                    if v.is_empty() {
                        existing.remove(f);
                    } else {
                        existing.insert(f.into(), json!(v));
                    }
                }
            }
        }
        _ => list.push(serde_json::to_value(image).unwrap_or(Value::Null)),
    }
}

/// Flux's `IsLocalRelativePath`.
fn is_local_relative(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let remote = [
        "git::",
        "gh:",
        "ssh://",
        "https://",
        "http://",
        "git@",
        "github.com:",
        "github.com/",
    ]
    .iter()
    .any(|p| p.len() < lower.len() && lower.starts_with(p));
    !remote && !path.starts_with('/') && !lower.trim_start_matches("file://").starts_with('/')
}

fn find(fs: &dyn Fs, dir: &str) -> Option<String> {
    FILE_NAMES
        .iter()
        .filter_map(|n| kfs::join(dir, n))
        .find(|p| fs.exists(p) && !fs.is_dir(p))
}

fn read_kustomization(fs: &dyn Fs, path: &str) -> Result<Map<String, Value>, FluxBuildError> {
    let err = |message: String| FluxBuildError::Kustomization {
        file: path.to_string(),
        message,
    };
    let bytes = fs.read(path).map_err(|e| err(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|e| err(e.to_string()))?;
    let docs = gitops_core::yaml::load_documents(&text, &Default::default())
        .map_err(|e| err(e.to_string()))?;
    match docs.into_iter().map(|d| d.value).find(|v| !v.is_null()) {
        Some(Value::Object(m)) => Ok(m),
        None => Ok(Map::new()),
        Some(_) => Err(err("not a map".into())),
    }
}

/// Flux's generated kustomization: YAML files (checked to be Kubernetes YAML) and
/// directories that have a kustomization file, walked depth-first in name order;
/// `namespace: _placeholder` when there is nothing.
fn generated(fs: &dyn Fs, dir: &str) -> Result<Map<String, Value>, FluxBuildError> {
    let mut resources = Vec::new();
    scan(fs, dir, "", &mut resources)?;
    let mut k = Map::new();
    k.insert(
        "apiVersion".into(),
        json!("kustomize.config.k8s.io/v1beta1"),
    );
    k.insert("kind".into(), json!("Kustomization"));
    if resources.is_empty() {
        k.insert("namespace".into(), json!("_placeholder"));
    } else {
        k.insert("resources".into(), json!(resources));
    }
    Ok(k)
}

fn scan(fs: &dyn Fs, root: &str, rel: &str, out: &mut Vec<String>) -> Result<(), FluxBuildError> {
    let dir = if rel.is_empty() {
        root.to_string()
    } else {
        kfs::join(root, rel).unwrap_or_default()
    };
    for name in fs.read_dir(&dir).unwrap_or_default() {
        let child_rel = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let path = kfs::join(&dir, &name).unwrap_or_default();
        if fs.is_dir(&path) {
            if find(fs, &path).is_some() {
                out.push(format!("./{child_rel}"));
            } else {
                scan(fs, root, &child_rel, out)?;
            }
            continue;
        }
        if !(name.ends_with(".yaml") || name.ends_with(".yml")) {
            continue;
        }
        let text = fs
            .read(&path)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
        ResourceSet::from_yaml_str(&text, &path).map_err(|e| FluxBuildError::Manifest {
            file: path.clone(),
            message: e.to_string(),
        })?;
        out.push(format!("./{child_rel}"));
    }
    Ok(())
}

/// The source tree with the generated kustomization file in `dir` (other kustomization
/// file names there hidden).
struct Overlay<'a> {
    inner: &'a dyn Fs,
    dir: String,
    file: String,
    text: String,
}

impl Overlay<'_> {
    fn hidden(&self, path: &str) -> bool {
        path != self.file
            && FILE_NAMES
                .iter()
                .any(|n| kfs::join(&self.dir, n).as_deref() == Some(path))
    }
}

impl Fs for Overlay<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, kfs::Error> {
        if path == self.file {
            return Ok(self.text.clone().into_bytes());
        }
        if self.hidden(path) {
            return Err(kfs::Error::NotFound(path.to_string()));
        }
        self.inner.read(path)
    }

    fn is_dir(&self, path: &str) -> bool {
        path != self.file && !self.hidden(path) && self.inner.is_dir(path)
    }

    fn exists(&self, path: &str) -> bool {
        path == self.file || (!self.hidden(path) && self.inner.exists(path))
    }

    fn read_dir(&self, path: &str) -> Result<Vec<String>, kfs::Error> {
        let mut names = self.inner.read_dir(path)?;
        if path == self.dir {
            names.retain(|n| !FILE_NAMES.contains(&n.as_str()));
            names.push(FILE_NAMES[0].to_string());
            names.sort();
        }
        Ok(names)
    }

    fn real_path(&self, path: &str) -> Result<String, kfs::Error> {
        if kfs::clean(path).as_deref() == Some(self.file.as_str()) {
            return Ok(self.file.clone());
        }
        self.inner.real_path(path)
    }
}

#[cfg(test)]
mod tests;
