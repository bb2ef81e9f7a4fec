//! Decryption of a build's source files before the kustomize build, as
//! kustomize-controller's decryptor does (`DecryptSources`): starting at `spec.path`, every
//! kustomization file reachable through local `resources` and `components` directories is
//! read, and the files its `secretGenerator` (`files`, `envs`) and `patches` refer to are
//! decrypted in place when they are SOPS-encrypted. Paths may not leave the source root.
//!
//! The source tree is the build's own in-memory copy of the artifact, so decrypted
//! contents never touch a disk.

use std::collections::HashSet;

use gitops_render::kustomize::{Fs, MemFs, fs as kfs};
use gitops_render::sops::{self, Keys};
use serde_json::Value;

/// Why decrypting a source file failed.
#[derive(Debug, thiserror::Error)]
pub enum DecryptError {
    /// A referenced path leaves the source root.
    #[error("path '{0}' is outside the source root")]
    OutsideRoot(String),
    /// A file could not be read.
    #[error("{path}: {message}")]
    Read {
        /// The file.
        path: String,
        /// The error.
        message: String,
    },
    /// A kustomization file does not parse.
    #[error("{path}: {message}")]
    Kustomization {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// SOPS failed on a file.
    #[error("failed to decrypt '{path}': {source}")]
    Sops {
        /// The file.
        path: String,
        /// The SOPS error.
        #[source]
        source: sops::SopsError,
    },
}

const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Decrypts the encrypted sources in `tree` reachable from `dir` (root-relative);
/// returns how many files were decrypted.
pub fn decrypt_sources(tree: &mut MemFs, dir: &str, keys: &Keys) -> Result<usize, DecryptError> {
    let start = kfs::clean(dir).ok_or_else(|| DecryptError::OutsideRoot(dir.to_string()))?;
    let mut seen = HashSet::new();
    let mut pending = vec![start];
    let mut count = 0;
    while let Some(dir) = pending.pop() {
        if !seen.insert(dir.clone()) {
            continue;
        }
        let Some(file) = FILE_NAMES
            .iter()
            .filter_map(|n| kfs::join(&dir, n))
            .find(|p| tree.exists(p) && !tree.is_dir(p))
        else {
            continue;
        };
        let text = read(tree, &file)?;
        let k: Value = first_document(&String::from_utf8_lossy(&text)).map_err(|message| {
            DecryptError::Kustomization {
                path: file.clone(),
                message,
            }
        })?;
        for entry in strings(&k["resources"]).chain(strings(&k["components"])) {
            if let Ok(p) = inside(&dir, entry)
                && tree.is_dir(&p)
            {
                pending.push(p);
            }
        }
        let mut targets: Vec<(String, bool)> = Vec::new();
        for generator in k["secretGenerator"].as_array().into_iter().flatten() {
            for f in strings(&generator["files"]) {
                let path = f.split_once('=').map_or(f, |(_, p)| p);
                targets.push((path.to_string(), false));
            }
            for f in strings(&generator["envs"]).chain(strings(&generator["env"])) {
                targets.push((f.to_string(), true));
            }
        }
        for p in k["patches"].as_array().into_iter().flatten() {
            if let Some(path) = p["path"].as_str() {
                targets.push((path.to_string(), false));
            }
        }
        for p in strings(&k["patchesStrategicMerge"]) {
            if !p.contains('\n') {
                targets.push((p.to_string(), false));
            }
        }
        for (rel, env) in targets {
            let path = inside(&dir, &rel)?;
            if tree.is_dir(&path) || !tree.exists(&path) {
                continue;
            }
            let data = read(tree, &path)?;
            let name = path.rsplit('/').next().unwrap_or(&path);
            let plain = sops::decrypt_source_file(name, &data, env, keys).map_err(|source| {
                DecryptError::Sops {
                    path: rel.clone(),
                    source,
                }
            })?;
            if let Some(plain) = plain {
                tree.add(&path, plain);
                count += 1;
            }
        }
    }
    Ok(count)
}

fn first_document(text: &str) -> Result<Value, String> {
    let docs =
        gitops_core::yaml::load_documents(text, &Default::default()).map_err(|e| e.to_string())?;
    Ok(docs
        .into_iter()
        .next()
        .map(|d| d.value)
        .unwrap_or(Value::Null))
}

fn read(tree: &MemFs, path: &str) -> Result<Vec<u8>, DecryptError> {
    tree.read(path).map_err(|e| DecryptError::Read {
        path: path.to_string(),
        message: e.to_string(),
    })
}

fn strings(v: &Value) -> impl Iterator<Item = &str> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str)
}

/// `base/rel` (or `rel` from the root when absolute) cleaned; refused when it leaves the
/// root or is a URL.
fn inside(base: &str, rel: &str) -> Result<String, DecryptError> {
    let outside = || DecryptError::OutsideRoot(rel.to_string());
    if rel.contains("://") {
        return Err(outside());
    }
    match rel.strip_prefix('/') {
        Some(abs) => kfs::clean(abs),
        None => kfs::join(base, rel),
    }
    .ok_or_else(outside)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn fixture(name: &str) -> Vec<u8> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../gitops-render/tests/fixtures/sops/kustomize-controller");
        std::fs::read(dir.join(name)).unwrap()
    }

    #[test]
    fn generator_sources_are_decrypted_in_place() {
        let mut tree = MemFs::new();
        tree.add("app/kustomization.yaml", "resources:\n- base\n").add(
            "app/base/kustomization.yaml",
            "secretGenerator:\n- name: s\n  envs:\n  - env.env\n  files:\n  - key=../../../outside.txt\n",
        );
        tree.add("app/base/env.env", fixture("env.env"));
        let keys = Keys::from_secret_data(&BTreeMap::from([(
            "age.agekey".to_string(),
            fixture("age.agekey"),
        )]))
        .unwrap();
        let err = decrypt_sources(&mut tree, "app", &keys).unwrap_err();
        assert!(matches!(err, DecryptError::OutsideRoot(_)), "{err}");
        tree.add(
            "app/base/kustomization.yaml",
            "secretGenerator:\n- name: s\n  envs:\n  - env.env\n",
        );
        assert_eq!(decrypt_sources(&mut tree, "./app", &keys).unwrap(), 1);
        assert_eq!(tree.read("app/base/env.env").unwrap(), b"key=value\n");
        assert_eq!(
            decrypt_sources(&mut tree, "app", &keys).unwrap(),
            0,
            "plain files are left alone"
        );
    }
}
