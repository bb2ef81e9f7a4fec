//! Decryption of a build's source files before the kustomize build, as
//! kustomize-controller's decryptor does (`DecryptSources`): starting at `spec.path`, every
//! kustomization file reachable through local `resources` and `components` directories is
//! read, and the files its `secretGenerator` (`files`, `envs`) and `patches` refer to are
//! decrypted in place when they are SOPS-encrypted. Paths may not leave the source root.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use gitops_render::sops::{self, Keys};
use serde_json::Value;

/// Why decrypting a source file failed.
#[derive(Debug, thiserror::Error)]
pub enum DecryptError {
    /// A referenced path leaves the source root.
    #[error("path '{0}' is outside the source root")]
    OutsideRoot(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
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

/// Decrypts the encrypted sources under `root` reachable from `dir` (root-relative);
/// returns how many files were decrypted.
pub fn decrypt_sources(root: &Path, dir: &str, keys: &Keys) -> Result<usize, DecryptError> {
    let root = root.canonicalize().map_err(|source| DecryptError::Io {
        path: root.display().to_string(),
        source,
    })?;
    let mut seen = HashSet::new();
    let mut pending = vec![inside(&root, &root, dir)?];
    let mut count = 0;
    while let Some(dir) = pending.pop() {
        if !seen.insert(dir.clone()) {
            continue;
        }
        let Some(file) = FILE_NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file()) else {
            continue;
        };
        let text = read(&file)?;
        let k: Value =
            serde_yaml_ng_value(&text).map_err(|message| DecryptError::Kustomization {
                path: file.display().to_string(),
                message,
            })?;
        for entry in strings(&k["resources"]).chain(strings(&k["components"])) {
            if let Ok(p) = inside(&root, &dir, entry)
                && p.is_dir()
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
            let path = inside(&root, &dir, &rel)?;
            if !path.is_file() {
                continue;
            }
            let data = std::fs::read(&path).map_err(|source| DecryptError::Io {
                path: rel.clone(),
                source,
            })?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if let Some(plain) =
                sops::decrypt_source_file(&name, &data, env, keys).map_err(|source| {
                    DecryptError::Sops {
                        path: rel.clone(),
                        source,
                    }
                })?
            {
                std::fs::write(&path, plain).map_err(|source| DecryptError::Io {
                    path: rel.clone(),
                    source,
                })?;
                count += 1;
            }
        }
    }
    Ok(count)
}

fn serde_yaml_ng_value(text: &str) -> Result<Value, String> {
    let docs =
        gitops_core::yaml::load_documents(text, &Default::default()).map_err(|e| e.to_string())?;
    Ok(docs
        .into_iter()
        .next()
        .map(|d| d.value)
        .unwrap_or(Value::Null))
}

fn read(path: &Path) -> Result<String, DecryptError> {
    std::fs::read_to_string(path).map_err(|source| DecryptError::Io {
        path: path.display().to_string(),
        source,
    })
}

fn strings(v: &Value) -> impl Iterator<Item = &str> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str)
}

/// `base/rel` resolved lexically, refused when it leaves `root`.
fn inside(root: &Path, base: &Path, rel: &str) -> Result<PathBuf, DecryptError> {
    if rel.contains("://") {
        return Err(DecryptError::OutsideRoot(rel.to_string()));
    }
    let mut out = if Path::new(rel).is_absolute() {
        root.to_path_buf()
    } else {
        base.to_path_buf()
    };
    for part in Path::new(rel).components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::Normal(p) => out.push(p),
            _ => {}
        }
    }
    let resolved = out.canonicalize().unwrap_or(out);
    if resolved.starts_with(root) {
        Ok(resolved)
    } else {
        Err(DecryptError::OutsideRoot(rel.to_string()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn fixture(name: &str) -> Vec<u8> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../gitops-render/tests/fixtures/sops/kustomize-controller");
        std::fs::read(dir.join(name)).unwrap()
    }

    #[test]
    fn generator_sources_are_decrypted_in_place() {
        let root = tempfile::tempdir().unwrap();
        let app = root.path().join("app");
        std::fs::create_dir_all(app.join("base")).unwrap();
        std::fs::write(app.join("kustomization.yaml"), "resources:\n- base\n").unwrap();
        std::fs::write(
            app.join("base/kustomization.yaml"),
            "secretGenerator:\n- name: s\n  envs:\n  - env.env\n  files:\n  - key=../../../outside.txt\n",
        )
        .unwrap();
        std::fs::write(app.join("base/env.env"), fixture("env.env")).unwrap();
        let keys = Keys::from_secret_data(&BTreeMap::from([(
            "age.agekey".to_string(),
            fixture("age.agekey"),
        )]))
        .unwrap();
        let err = decrypt_sources(root.path(), "app", &keys).unwrap_err();
        assert!(matches!(err, DecryptError::OutsideRoot(_)), "{err}");
        std::fs::write(
            app.join("base/kustomization.yaml"),
            "secretGenerator:\n- name: s\n  envs:\n  - env.env\n",
        )
        .unwrap();
        assert_eq!(decrypt_sources(root.path(), "app", &keys).unwrap(), 1);
        assert_eq!(
            std::fs::read_to_string(app.join("base/env.env")).unwrap(),
            "key=value\n"
        );
        assert_eq!(
            decrypt_sources(root.path(), "app", &keys).unwrap(),
            0,
            "plain files are left alone"
        );
    }
}
