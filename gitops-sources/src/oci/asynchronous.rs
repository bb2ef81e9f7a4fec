//! The async entry points (for callers already on a tokio runtime). The functions of
//! [`crate::oci`] with the same names are blocking wrappers of these.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use gitops_core::api::source::common::OciProvider;
use gitops_core::api::source::oci::{LayerOperation, OCIRepositorySpec, OciReference};
use oci_client::Reference;
use oci_client::manifest::OciDescriptor;

use super::manifest::{self, Metadata, PushMetadata};
use super::remote::Session;
use super::url::{self, OciUrl};
use super::{Content, Credentials, Error, ListOptions, Outcome, Pushed, RegistryOptions, Resolved};
use crate::artifact::{self, IgnoreRules, SourceKind};
use crate::transport::Transport;

/// `flux push artifact`: packs `dir`, pushes it to `url` (`oci://host/repo[:tag]`, tag
/// `latest` by default) with Flux's media types and annotations, and returns the digest.
/// `ignore_paths` replaces the default exclusions (VCS and CI files) when given.
pub async fn push(
    url: &str,
    dir: &Path,
    meta: &PushMetadata,
    ignore_paths: Option<&[String]>,
    creds: &Credentials,
    opts: &RegistryOptions,
) -> Result<Pushed, Error> {
    let target = OciUrl::parse(url)?;
    if target.digest.is_some() {
        return Err(Error::InvalidUrl {
            url: url.to_string(),
            reason: "cannot push to a digest; give a tag".to_string(),
        });
    }
    let rules = match ignore_paths {
        Some(paths) => IgnoreRules::none().with_root_patterns(&paths.join("\n")),
        None => IgnoreRules::for_source(SourceKind::Oci, None),
    };
    let mut layer = Vec::new();
    artifact::pack(dir, &mut layer, &rules).map_err(|e| Error::Pack {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    let diff_id = uncompressed_digest(&layer).map_err(|e| Error::Pack {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    let annotations = manifest::push_annotations(meta, SystemTime::now())?;
    let created = annotations
        .get(manifest::CREATED_ANNOTATION)
        .cloned()
        .unwrap_or_default();
    let config = manifest::config_blob(&created, &diff_id);
    let manifest_bytes = manifest::manifest_bytes(&config, &layer, annotations);
    let digest = manifest::sha256_digest(&manifest_bytes);

    let tag = target
        .tag
        .clone()
        .unwrap_or_else(|| gitops_core::api::source::oci::DEFAULT_TAG.to_string());
    let session = Session::connect(target, creds, opts, &Transport::default()).await?;
    let reference = session.url.with_tag(&tag);
    let layer_digest = manifest::sha256_digest(&layer);
    session.push_blob(&reference, layer, &layer_digest).await?;
    let config_digest = manifest::sha256_digest(&config);
    session
        .push_blob(&reference, config, &config_digest)
        .await?;
    session.push_manifest(&reference, manifest_bytes).await?;
    Ok(Pushed {
        repository: session.url.repository_name(),
        tag,
        digest,
    })
}

/// The sha256 of the decompressed layer (the image config's diff ID).
fn uncompressed_digest(tgz: &[u8]) -> std::io::Result<String> {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut flate2::read::GzDecoder::new(tgz), &mut hasher)?;
    Ok(format!("sha256:{}", hex::encode(hasher.finalize())))
}

/// `flux pull artifact`: extracts the first layer of the artifact at `url` (tag or
/// digest) into the directory `out` (created if missing; existing files are overwritten).
pub async fn pull(
    url: &str,
    out: &Path,
    creds: &Credentials,
    opts: &RegistryOptions,
) -> Result<Metadata, Error> {
    let target = OciUrl::parse(url)?;
    let reference = target.reference();
    let session = Session::connect(target, creds, opts, &Transport::default()).await?;
    let (manifest, digest) = session.manifest(&reference).await?;
    let layer = manifest.layers.first().ok_or_else(|| Error::NoLayers {
        reference: reference.whole(),
    })?;
    fs::create_dir_all(out).map_err(|source| Error::Io {
        path: out.to_path_buf(),
        source,
    })?;
    let staging = tempfile::Builder::new()
        .prefix(".oci-pull-")
        .tempdir_in(out)
        .map_err(|source| Error::Io {
            path: out.to_path_buf(),
            source,
        })?;
    let blob = staging.path().join("layer.tgz");
    let by_digest = session.url.with_digest(&digest);
    session.blob_to_file(&by_digest, layer, &blob).await?;
    let tree = staging.path().join("tree");
    extract(&blob, &tree, &reference.whole())?;
    merge_into(&tree, out)?;
    let mut meta = Metadata::from_annotations(manifest.annotations.unwrap_or_default());
    meta.url = reference.whole();
    meta.digest = format!("{}@{}", session.url.repository_name(), digest);
    Ok(meta)
}

/// `flux list artifacts`: the tags of the repository `url` (which names no tag), sorted
/// as Flux lists them (descending), filtered, each with its digest and annotations.
pub async fn list(
    url: &str,
    filter: &ListOptions,
    creds: &Credentials,
    opts: &RegistryOptions,
) -> Result<Vec<Metadata>, Error> {
    let target = OciUrl::parse_repository(url)?;
    let constraints =
        match filter.semver.as_deref().filter(|s| !s.is_empty()) {
            Some(range) => Some(crate::semver::Constraints::parse(range).map_err(|e| {
                Error::InvalidSemver {
                    range: range.to_string(),
                    reason: e.to_string(),
                }
            })?),
            None => None,
        };
    let regex = match filter.regex.as_deref().filter(|s| !s.is_empty()) {
        Some(re) => Some(url::compile_filter(re)?),
        None => None,
    };
    let session = Session::connect(target, creds, opts, &Transport::default()).await?;
    let mut tags = session.tags().await?;
    url::sort_for_listing(&mut tags);
    let mut out = Vec::new();
    for tag in tags {
        if !filter.include_cosign && url::is_cosign_tag(&tag) {
            continue;
        }
        if constraints
            .as_ref()
            .is_some_and(|c| crate::semver::latest([tag.as_str()], c).is_none())
        {
            continue;
        }
        if regex.as_ref().is_some_and(|re| !re.is_match(&tag)) {
            continue;
        }
        let (manifest, digest) = session.manifest(&session.url.with_tag(&tag)).await?;
        let mut meta = Metadata::from_annotations(manifest.annotations.unwrap_or_default());
        meta.url = format!("{}:{tag}", session.url.repository_name());
        meta.digest = digest;
        out.push(meta);
    }
    Ok(out)
}

/// Resolves what an OCIRepository points at now (no download): the tag (by `semver` when
/// set), the manifest digest and the revision. Lets a reconciler skip an unchanged pull.
pub async fn resolve(spec: &OCIRepositorySpec, creds: &Credentials) -> Result<Resolved, Error> {
    resolve_with_transport(spec, creds, &Transport::default()).await
}

/// [`resolve`] through `transport` (the OCIRepository's `certSecretRef` CA and
/// `proxySecretRef` proxy).
pub async fn resolve_with_transport(
    spec: &OCIRepositorySpec,
    creds: &Credentials,
    transport: &Transport,
) -> Result<Resolved, Error> {
    let (session, _) = open(spec, creds, transport).await?;
    resolve_in(&session, spec).await
}

async fn resolve_in(session: &Session, spec: &OCIRepositorySpec) -> Result<Resolved, Error> {
    let tag = match spec.pull() {
        OciReference::Digest(digest) => {
            if digest.parse::<gitops_core::revision::Digest>().is_err() {
                return Err(Error::InvalidUrl {
                    url: spec.url.clone(),
                    reason: format!("invalid digest '{digest}'"),
                });
            }
            return Ok(Resolved {
                tag: None,
                digest: digest.to_string(),
                revision: url::revision(None, digest),
            });
        }
        OciReference::Tag(tag) => tag.to_string(),
        OciReference::SemVer { range, filter } => {
            let media_type = spec
                .layer_selector
                .as_ref()
                .and_then(|s| s.media_type.as_deref());
            select_semver(session, range, filter, media_type).await?
        }
    };
    let (_, digest) = session.manifest(&session.url.with_tag(&tag)).await?;
    Ok(Resolved {
        revision: url::revision(Some(&tag), &digest),
        tag: Some(tag),
        digest,
    })
}

/// Media type of Helm chart layers, whose tags spell semver `+` as `_`.
const HELM_CHART_LAYER: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

/// Flux's `getTagBySemver`: filter by regex, then the highest tag in the range (for Helm
/// chart layers, tags are read with `_` as `+` and mapped back).
async fn select_semver(
    session: &Session,
    range: &str,
    filter: Option<&str>,
    layer_media_type: Option<&str>,
) -> Result<String, Error> {
    let regex = filter.map(url::compile_filter).transpose()?;
    let constraints =
        crate::semver::Constraints::parse(range).map_err(|e| Error::InvalidSemver {
            range: range.to_string(),
            reason: e.to_string(),
        })?;
    let helm = layer_media_type == Some(HELM_CHART_LAYER);
    let tags = session.tags().await?;
    // list_tags order is the registry's; reversing makes the first listed win among
    // equal versions (see `semver::latest`).
    let candidates: Vec<String> = tags
        .iter()
        .rev()
        .filter(|t| regex.as_ref().is_none_or(|re| re.is_match(t)))
        .map(|t| if helm { t.replace('_', "+") } else { t.clone() })
        .collect();
    crate::semver::latest(candidates.iter().map(String::as_str), &constraints)
        .map(|(tag, _)| {
            if helm {
                tag.replace('+', "_")
            } else {
                tag.to_string()
            }
        })
        .ok_or_else(|| Error::NoSemverMatch {
            repository: session.url.repository_name(),
            range: range.to_string(),
        })
}

/// Opens a session for a spec, refusing what this implementation cannot honour.
async fn open(
    spec: &OCIRepositorySpec,
    creds: &Credentials,
    transport: &Transport,
) -> Result<(Session, RegistryOptions), Error> {
    let unsupported = |what: String| Error::Unsupported {
        url: spec.url.clone(),
        what,
    };
    if spec.provider() != OciProvider::Generic {
        return Err(unsupported(format!(
            "provider '{:?}' (only 'generic' is)",
            spec.provider()
        )));
    }
    if spec.verify.is_some() {
        return Err(unsupported(
            "signature verification (spec.verify)".to_string(),
        ));
    }
    let timeout = spec
        .timeout()
        .parse::<gitops_core::duration::Duration>()
        .ok()
        .and_then(|d| d.to_std())
        .ok_or_else(|| Error::InvalidTimeout {
            timeout: spec.timeout().to_string(),
        })?;
    let opts = RegistryOptions {
        insecure: spec.insecure.unwrap_or(false),
        timeout,
    };
    let target = OciUrl::parse_repository(&spec.url)?;
    Ok((
        Session::connect(target, creds, &opts, transport).await?,
        opts,
    ))
}

/// Pulls the OCIRepository's artifact into `dir` (created if missing, must be empty):
/// with `extract`, the selected layer's tree; with `copy`, the layer file
/// `<dir>/<hex>.tgz`. Returns the revision and manifest annotations; the caller archives
/// the tree (with `spec.ignore`) or stores the copied file.
pub async fn fetch(
    spec: &OCIRepositorySpec,
    creds: &Credentials,
    dir: &Path,
) -> Result<Outcome, Error> {
    fetch_with_transport(spec, creds, dir, &Transport::default()).await
}

/// [`fetch`] through `transport` (the OCIRepository's `certSecretRef` CA and
/// `proxySecretRef` proxy).
pub async fn fetch_with_transport(
    spec: &OCIRepositorySpec,
    creds: &Credentials,
    dir: &Path,
    transport: &Transport,
) -> Result<Outcome, Error> {
    let (session, _) = open(spec, creds, transport).await?;
    let resolved = resolve_in(&session, spec).await?;
    let by_digest = session.url.with_digest(&resolved.digest);
    let (manifest, _) = session.manifest(&by_digest).await?;
    let layer = select_layer(&manifest.layers, spec, &by_digest)?.clone();
    let annotations: BTreeMap<String, String> = manifest.annotations.unwrap_or_default();
    fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let hex = url::digest_of_revision(&resolved.revision)
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_string();
    let content = match spec.layer_operation() {
        LayerOperation::Copy => {
            let file = dir.join(format!("{hex}.tgz"));
            let temp = tempfile::Builder::new()
                .prefix(".layer-")
                .tempfile_in(dir)
                .map_err(|source| Error::Io {
                    path: dir.to_path_buf(),
                    source,
                })?;
            session
                .blob_to_file(&by_digest, &layer, temp.path())
                .await?;
            temp.persist(&file).map_err(|e| Error::Io {
                path: file.clone(),
                source: e.error,
            })?;
            Content::Copied { file }
        }
        LayerOperation::Extract => {
            let staging = tempfile::Builder::new()
                .prefix(".oci-fetch-")
                .tempdir()
                .map_err(|source| Error::Io {
                    path: std::env::temp_dir(),
                    source,
                })?;
            let blob = staging.path().join("layer.tgz");
            session.blob_to_file(&by_digest, &layer, &blob).await?;
            extract(&blob, dir, &by_digest.whole())?;
            Content::Extracted {
                dir: dir.to_path_buf(),
            }
        }
    };
    Ok(Outcome {
        url: spec.url.clone(),
        tag: resolved.tag,
        digest: resolved.digest,
        revision: resolved.revision,
        metadata: annotations,
        content,
    })
}

/// Flux's `selectLayer`: the first layer of `layerSelector.mediaType`, else the first.
fn select_layer<'a>(
    layers: &'a [OciDescriptor],
    spec: &OCIRepositorySpec,
    reference: &Reference,
) -> Result<&'a OciDescriptor, Error> {
    let wanted = spec
        .layer_selector
        .as_ref()
        .and_then(|s| s.media_type.as_deref())
        .filter(|m| !m.is_empty());
    match wanted {
        Some(media_type) => layers
            .iter()
            .find(|l| l.media_type == media_type)
            .ok_or_else(|| Error::LayerNotFound {
                reference: reference.whole(),
                media_type: media_type.to_string(),
            }),
        None => layers.first().ok_or_else(|| Error::NoLayers {
            reference: reference.whole(),
        }),
    }
}

/// Unpacks the tarball `blob` into `target` (missing or empty) with Flux's OCI limits:
/// no size cap, symlinks dropped.
fn extract(blob: &Path, target: &Path, reference: &str) -> Result<(), Error> {
    let file = fs::File::open(blob).map_err(|source| Error::Io {
        path: blob.to_path_buf(),
        source,
    })?;
    let limits = artifact::Limits {
        max_size: u64::MAX,
        skip_symlinks: true,
        ..artifact::Limits::default()
    };
    artifact::unpack(std::io::BufReader::new(file), target, &limits).map_err(|e| Error::Extract {
        reference: reference.to_string(),
        path: target.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Moves the tree `from` into `to`, replacing files of the same name.
fn merge_into(from: &Path, to: &Path) -> Result<(), Error> {
    let io = |path: &Path| {
        let path: PathBuf = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    for entry in fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let src = entry.path();
        let dst = to.join(entry.file_name());
        let is_dir = entry.file_type().map_err(io(&src))?.is_dir();
        match fs::symlink_metadata(&dst) {
            Ok(meta) if is_dir && meta.is_dir() => merge_into(&src, &dst)?,
            Ok(meta) => {
                if meta.is_dir() {
                    fs::remove_dir_all(&dst).map_err(io(&dst))?;
                } else {
                    fs::remove_file(&dst).map_err(io(&dst))?;
                }
                fs::rename(&src, &dst).map_err(io(&dst))?;
            }
            Err(_) => fs::rename(&src, &dst).map_err(io(&dst))?,
        }
    }
    Ok(())
}
