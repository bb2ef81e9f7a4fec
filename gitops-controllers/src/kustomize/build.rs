//! Fetching and building a Kustomization's manifests, as kustomize-controller's
//! `reconcile` does before it applies anything: download the source artifact
//! (`status.artifact.url`), verify its `digest`, unpack it (in memory, see
//! [`crate::artifacts`]), build
//! `spec.path` with Flux's generated kustomization, decrypt SOPS-encrypted objects with the
//! keys of `spec.decryption.secretRef`, substitute `spec.postBuild` variables, set
//! `spec.commonMetadata`, and refuse objects still encrypted.
//!
//! Reading the cluster (Secrets, ConfigMaps) happens in [`inputs`]; [`build`] is the
//! blocking part, run off the async runtime.

use gitops_core::Object;
use gitops_core::api::kustomize::{Kustomization, KustomizationSpec, ValuesKind};
use gitops_core::k8s::k8s_openapi::api::core::v1::{ConfigMap, Secret};
use gitops_render::kustomize::MemFs;
use gitops_render::postbuild::{self, VarSource};
use gitops_render::sops::Keys;
use kube::api::Api;
use std::collections::BTreeMap;

/// Why fetching or building failed; the variant gives the Ready reason.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The artifact could not be downloaded, verified or unpacked (`ArtifactFailed`).
    #[error("{0}")]
    Artifact(String),
    /// The build, decryption or substitution failed (`BuildFailed`).
    #[error("{0}")]
    Build(String),
}

impl BuildError {
    /// The `Ready=False` reason of this failure.
    pub fn reason(&self) -> &'static str {
        match self {
            BuildError::Artifact(_) => gitops_core::conditions::reason::ARTIFACT_FAILED,
            BuildError::Build(_) => gitops_core::conditions::reason::BUILD_FAILED,
        }
    }
}

/// What the build needs from the cluster.
#[derive(Debug, Default)]
pub struct Inputs {
    /// SOPS keys from `spec.decryption.secretRef`, when decryption is configured.
    pub keys: Option<Keys>,
    /// `spec.postBuild` variables (after `substituteFrom` and `substitute`), when set.
    pub vars: Option<(BTreeMap<String, String>, postbuild::Options)>,
}

/// The built objects and the digest of their YAML (for `status.history`).
#[derive(Debug)]
pub struct Built {
    /// The objects, post-build steps done.
    pub objects: Vec<Object>,
    /// `sha256:<hex>` of the objects' YAML.
    pub digest: String,
}

/// Reads the decryption keys and the substitution variables of `obj`.
pub async fn inputs(
    client: &kube::Client,
    obj: &Kustomization,
    strict: bool,
) -> Result<Inputs, BuildError> {
    let ns = obj.metadata.namespace.clone().unwrap_or_default();
    let mut inputs = Inputs::default();
    if let Some(decryption) = &obj.spec.decryption {
        let data = match &decryption.secret_ref {
            Some(r) => secret_data(client, &ns, &r.name).await?.ok_or_else(|| {
                BuildError::Build(format!(
                    "cannot get decryption Secret '{ns}/{}': not found",
                    r.name
                ))
            })?,
            None => BTreeMap::new(),
        };
        let keys = Keys::from_secret_data(&data)
            .map_err(|e| BuildError::Build(format!("failed to import decryption keys: {e}")))?;
        inputs.keys = Some(keys);
    }
    if let Some(post) = &obj.spec.post_build {
        let mut sources = Vec::new();
        for reference in post.substitute_from.iter().flatten() {
            let data = match reference.kind {
                ValuesKind::ConfigMap => config_map_data(client, &ns, &reference.name).await?,
                ValuesKind::Secret => secret_data(client, &ns, &reference.name).await?.map(|d| {
                    d.into_iter()
                        .map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned()))
                        .collect()
                }),
            };
            sources.push(VarSource::from_reference(reference, data));
        }
        let vars = postbuild::vars_from(post.substitute.as_ref(), &sources)
            .map_err(|e| BuildError::Build(format!("post build failed: {e}")))?;
        inputs.vars = Some((vars, postbuild::Options::for_post_build(post, strict)));
    }
    Ok(inputs)
}

async fn secret_data(
    client: &kube::Client,
    ns: &str,
    name: &str,
) -> Result<Option<BTreeMap<String, Vec<u8>>>, BuildError> {
    let api: Api<Secret> = Api::namespaced(client.clone(), ns);
    let secret = api
        .get_opt(name)
        .await
        .map_err(|e| BuildError::Build(format!("failed to get Secret '{ns}/{name}': {e}")))?;
    Ok(secret.map(crate::runtime::secret_data))
}

async fn config_map_data(
    client: &kube::Client,
    ns: &str,
    name: &str,
) -> Result<Option<BTreeMap<String, String>>, BuildError> {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    let cm = api
        .get_opt(name)
        .await
        .map_err(|e| BuildError::Build(format!("failed to get ConfigMap '{ns}/{name}': {e}")))?;
    Ok(cm.map(|c| c.data.unwrap_or_default()))
}

/// Builds `spec` from the artifact's `tree` with `inputs` (blocking). With decryption
/// keys the build works on its own copy of the tree, whose encrypted generator and patch
/// sources are decrypted first.
pub fn build(tree: &MemFs, spec: &KustomizationSpec, inputs: &Inputs) -> Result<Built, BuildError> {
    let decrypted;
    let fs: &MemFs = match &inputs.keys {
        Some(keys) => {
            let mut own = tree.clone();
            let dir = spec.path.as_deref().unwrap_or("");
            super::decrypt::decrypt_sources(&mut own, dir, keys)
                .map_err(|e| BuildError::Build(format!("decryption failed: {e}")))?;
            decrypted = own;
            &decrypted
        }
        None => tree,
    };
    let set = gitops_render::flux::build(fs, spec).map_err(|e| match e {
        gitops_render::flux::FluxBuildError::PathNotFound(_) => BuildError::Artifact(e.to_string()),
        e => BuildError::Build(e.to_string()),
    })?;
    let mut objects: Vec<Object> = set.objects().to_vec();
    if let Some(keys) = &inputs.keys {
        gitops_render::sops::decrypt_objects(&mut objects, keys)
            .map_err(|e| BuildError::Build(format!("decryption failed: {e}")))?;
    }
    if let Some((vars, opts)) = &inputs.vars {
        postbuild::substitute(&mut objects, vars, opts)
            .map_err(|e| BuildError::Build(e.to_string()))?;
    }
    common_metadata(&mut objects, spec);
    gitops_render::sops::check_decrypted(&objects).map_err(|e| BuildError::Build(e.to_string()))?;
    let yaml: String = objects
        .iter()
        .map(|o| serde_json::to_string(o.as_value()).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n---\n");
    let digest = gitops_sources::artifact::sha256_digest(yaml.as_bytes()).to_string();
    Ok(Built { objects, digest })
}

/// Sets `spec.commonMetadata` labels and annotations on every object.
fn common_metadata(objects: &mut [Object], spec: &KustomizationSpec) {
    let Some(meta) = &spec.common_metadata else {
        return;
    };
    for o in objects.iter_mut() {
        for (k, v) in meta.labels.iter().flatten() {
            o.set_label(k, v);
        }
        for (k, v) in meta.annotations.iter().flatten() {
            o.set_annotation(k, v);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> MemFs {
        let mut fs = MemFs::new();
        for (rel, content) in files {
            fs.add(rel, *content);
        }
        fs
    }

    fn spec(extra: serde_json::Value) -> KustomizationSpec {
        let mut s = serde_json::json!({"interval": "1m", "prune": true, "path": "./app", "sourceRef": {"kind": "GitRepository", "name": "r"}});
        if let (Some(m), serde_json::Value::Object(e)) = (s.as_object_mut(), extra) {
            m.extend(e);
        }
        serde_json::from_value(s).unwrap()
    }

    const CM: &str =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  v: \"${var:=none}\"\n";

    #[test]
    fn builds_substitutes_and_sets_common_metadata() {
        let tree = tree(&[("app/cm.yaml", CM)]);
        let spec = spec(
            serde_json::json!({"targetNamespace": "t", "commonMetadata": {"labels": {"team": "a"}, "annotations": {"note": "n"}},
            "postBuild": {"substitute": {"var": "x"}}}),
        );
        let post = spec.post_build.clone().unwrap();
        let vars = postbuild::vars_from(post.substitute.as_ref(), &[]).unwrap();
        let inputs = Inputs {
            keys: None,
            vars: Some((vars, postbuild::Options::for_post_build(&post, true))),
        };
        let built = build(&tree, &spec, &inputs).unwrap();
        let cm = built.objects[0].as_value();
        assert_eq!(cm["metadata"]["namespace"], "t");
        assert_eq!(cm["data"]["v"], "x");
        assert_eq!(cm["metadata"]["labels"]["team"], "a");
        assert_eq!(cm["metadata"]["annotations"]["note"], "n");
        assert!(built.digest.starts_with("sha256:"));
        let again = build(&tree, &spec, &inputs).unwrap();
        assert_eq!(
            again.digest, built.digest,
            "the digest depends on the output only"
        );
    }

    #[test]
    fn failures_carry_flux_reasons() {
        let err = build(
            &tree(&[("other/cm.yaml", CM)]),
            &spec(serde_json::json!({})),
            &Inputs::default(),
        )
        .unwrap_err();
        assert_eq!(err.reason(), "ArtifactFailed");
        assert!(
            err.to_string().contains("kustomization path not found"),
            "{err}"
        );
        let err = build(
            &tree(&[("app/kustomization.yaml", "resources: [missing.yaml]\n")]),
            &spec(serde_json::json!({})),
            &Inputs::default(),
        )
        .unwrap_err();
        assert_eq!(err.reason(), "BuildFailed");
    }
}
