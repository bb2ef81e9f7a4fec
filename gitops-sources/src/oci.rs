//! Flux OCI artifacts: what `OCIRepository` pulls and `flux push|pull|list artifact(s)` do.
//!
//! - Artifacts have the config media type [`FLUX_CONFIG_MEDIA_TYPE`] and one content layer
//!   [`FLUX_CONTENT_MEDIA_TYPE`] (a gzip'd tarball), with the manifest annotations
//!   `org.opencontainers.image.created|source|revision` ([`Metadata`]).
//! - An `OCIRepository` ref resolves by Flux's precedence digest > semver (after the
//!   `semverFilter` regex) > tag (default `latest`); the revision is
//!   `<tag>@sha256:<manifest digest>`, or the bare digest when pinned by digest.
//! - `layerSelector` picks the first layer of a media type (default: the first layer);
//!   `extract` unpacks it (symlinks dropped, no size cap), `copy` keeps the tarball.
//! - Registries are reached over HTTPS first; as go-containerregistry's ping, plain HTTP
//!   is tried next when `insecure` is set or the registry is `localhost:<port>`, a
//!   loopback or a private address (not after a refused server certificate: that error
//!   is reported). `insecure` without a CA also skips server certificate verification.
//!   [`asynchronous::fetch_with_transport`] adds `certSecretRef` CAs and the
//!   `proxySecretRef` proxy ([`crate::transport`]); client certificates are refused, as
//!   oci-client cannot present one.
//!
//! **Blocking and async.** The functions here block: each runs its own current-thread
//! tokio runtime (on a helper thread when called from inside a runtime, so they never
//! panic there). Async callers use the same functions in [`asynchronous`].
//!
//! ```no_run
//! use gitops_sources::oci::{self, Credentials, PushMetadata, RegistryOptions};
//!
//! let opts = RegistryOptions::default();
//! let meta = PushMetadata { source: "https://github.com/org/repo".into(), revision: "main@sha1:abc".into(), ..Default::default() };
//! let pushed = oci::push("oci://ghcr.io/org/app:v1.0.0", "./deploy".as_ref(), &meta, None, &Credentials::Anonymous, &opts)?;
//! println!("{}@{}", pushed.repository, pushed.digest);
//! # Ok::<(), oci::Error>(())
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gitops_core::api::source::oci::OCIRepositorySpec;

pub mod asynchronous;
mod auth;
mod manifest;
mod remote;
mod url;

pub use auth::{Credentials, DockerConfig};
pub use manifest::{
    CREATED_ANNOTATION, FLUX_CONFIG_MEDIA_TYPE, FLUX_CONTENT_MEDIA_TYPE, Metadata, PushMetadata,
    REPRODUCIBLE_CREATED, REVISION_ANNOTATION, SOURCE_ANNOTATION, parse_annotations,
};
pub use url::{OCI_PREFIX, OciUrl};

/// Errors of OCI operations. Messages name the reference concerned and never contain
/// credentials.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The `oci://` address is malformed.
    #[error("invalid OCI URL '{url}': {reason}")]
    InvalidUrl {
        /// The address given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Credentials could not be read.
    #[error("invalid registry credentials{}: {reason}", if .registry.is_empty() { String::new() } else { format!(" for '{}'", .registry) })]
    Credentials {
        /// The registry the credentials were for (empty when not yet known).
        registry: String,
        /// What is wrong with them (never the secret itself).
        reason: String,
    },
    /// The registry refused the credentials (or their absence).
    #[error("authentication to '{reference}' failed: {message}")]
    Unauthorized {
        /// The reference being accessed.
        reference: String,
        /// The registry's answer.
        message: String,
    },
    /// The tag, digest or repository does not exist.
    #[error("'{reference}' not found: {message}")]
    NotFound {
        /// The reference being accessed.
        reference: String,
        /// The registry's answer.
        message: String,
    },
    /// Any other registry or network failure.
    #[error("{operation} for '{reference}' failed: {message}")]
    Registry {
        /// The reference being accessed.
        reference: String,
        /// What was being done.
        operation: &'static str,
        /// The cause, with its chain (e.g. `connection refused`).
        message: String,
    },
    /// The operation did not finish in time.
    #[error("{operation} for '{reference}' timed out after {timeout:?}")]
    Timeout {
        /// The reference being accessed.
        reference: String,
        /// What was being done.
        operation: &'static str,
        /// The limit.
        timeout: Duration,
    },
    /// `spec.timeout` is not a Go duration.
    #[error("invalid timeout '{timeout}'")]
    InvalidTimeout {
        /// The text given.
        timeout: String,
    },
    /// A semver range does not parse.
    #[error("semver '{range}' parse error: {reason}")]
    InvalidSemver {
        /// The range given.
        range: String,
        /// The parser's message.
        reason: String,
    },
    /// A tag filter regex does not compile.
    #[error("invalid tag filter regex '{filter}': {reason}")]
    InvalidFilter {
        /// The regex given.
        filter: String,
        /// The compiler's message.
        reason: String,
    },
    /// No tag matched the semver range.
    #[error("no match found for semver: {range} in '{repository}'")]
    NoSemverMatch {
        /// `<registry>/<repository>`.
        repository: String,
        /// The range.
        range: String,
    },
    /// The manifest could not be read as an OCI image manifest.
    #[error("invalid manifest for '{reference}': {reason}")]
    InvalidManifest {
        /// The reference.
        reference: String,
        /// The parse error.
        reason: String,
    },
    /// The artifact has no layers.
    #[error("no layers found in artifact '{reference}'")]
    NoLayers {
        /// The reference.
        reference: String,
    },
    /// No layer has the `layerSelector.mediaType`.
    #[error("failed to find layer with media type '{media_type}' in artifact '{reference}'")]
    LayerNotFound {
        /// The reference.
        reference: String,
        /// The media type asked for.
        media_type: String,
    },
    /// The layer could not be extracted.
    #[error("failed to extract layer contents from artifact '{reference}' into '{}': {reason}", .path.display())]
    Extract {
        /// The reference.
        reference: String,
        /// The target directory.
        path: PathBuf,
        /// The unpacking error.
        reason: String,
    },
    /// The directory to push could not be packed.
    #[error("packing '{}' failed: {reason}", .path.display())]
    Pack {
        /// The directory.
        path: PathBuf,
        /// The packing error.
        reason: String,
    },
    /// The `org.opencontainers.image.created` value is not RFC 3339.
    #[error("invalid created timestamp '{created}': must be RFC 3339")]
    InvalidCreated {
        /// The value given.
        created: String,
    },
    /// A `--annotations` entry is not `key=value`.
    #[error("invalid annotation {annotation}, must be in the format key=value")]
    InvalidAnnotation {
        /// The entry given.
        annotation: String,
    },
    /// The spec asks for something this implementation does not do.
    #[error("'{url}': unsupported: {what}")]
    Unsupported {
        /// The OCIRepository URL.
        url: String,
        /// What is not supported.
        what: String,
    },
    /// A local file operation failed.
    #[error("'{}': {source}", .path.display())]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The async runtime could not be started.
    #[error("starting the async runtime: {0}")]
    Runtime(String),
}

/// Connection settings of `flux push|pull|list` (`--insecure-registry`, `--timeout`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryOptions {
    /// Use plain HTTP.
    pub insecure: bool,
    /// Limit of each registry call.
    pub timeout: Duration,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            insecure: false,
            timeout: Duration::from_secs(60),
        }
    }
}

/// What [`push`] returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pushed {
    /// `<registry>/<repository>`.
    pub repository: String,
    /// The tag pushed.
    pub tag: String,
    /// The manifest digest, `sha256:<hex>`.
    pub digest: String,
}

/// Filters of [`list`] (`--filter-semver`, `--filter-regex`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// Keep tags in this semver range.
    pub semver: Option<String>,
    /// Keep tags matching this regex.
    pub regex: Option<String>,
    /// Keep cosign tags (`.sig`, `.att`, `.sbom`), hidden by default.
    pub include_cosign: bool,
}

/// What an OCIRepository points at now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The tag (none when pinned by digest).
    pub tag: Option<String>,
    /// The manifest digest, `sha256:<hex>`.
    pub digest: String,
    /// `<tag>@sha256:<hex>` or `sha256:<hex>`.
    pub revision: String,
}

/// Where [`fetch`] put the selected layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// `extract`: the layer's tree is in this directory (archive it with `spec.ignore`).
    Extracted {
        /// The directory.
        dir: PathBuf,
    },
    /// `copy`: the layer tarball as it was, `<dir>/<hex>.tgz`.
    Copied {
        /// The file.
        file: PathBuf,
    },
}

/// The result of [`fetch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// `spec.url`.
    pub url: String,
    /// The tag pulled (none when pinned by digest).
    pub tag: Option<String>,
    /// The manifest digest, `sha256:<hex>`.
    pub digest: String,
    /// The artifact revision, `<tag>@sha256:<hex>` or `sha256:<hex>`.
    pub revision: String,
    /// The manifest annotations (`status.artifact.metadata`).
    pub metadata: BTreeMap<String, String>,
    /// The layer content.
    pub content: Content,
}

/// Runs `fut` to completion on a private current-thread runtime (on a scoped helper
/// thread when the caller is itself inside a tokio runtime).
fn block_on<F>(fut: F) -> Result<F::Output, Error>
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    let run = move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|rt| rt.block_on(fut))
            .map_err(|e| Error::Runtime(e.to_string()))
    };
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|s| {
            s.spawn(run)
                .join()
                .unwrap_or_else(|_| Err(Error::Runtime("runtime thread panicked".into())))
        })
    } else {
        run()
    }
}

/// `flux push artifact URL --path DIR --source S --revision R`; see [`asynchronous::push`].
pub fn push(
    url: &str,
    dir: &Path,
    meta: &PushMetadata,
    ignore_paths: Option<&[String]>,
    creds: &Credentials,
    opts: &RegistryOptions,
) -> Result<Pushed, Error> {
    block_on(asynchronous::push(
        url,
        dir,
        meta,
        ignore_paths,
        creds,
        opts,
    ))?
}

/// `flux pull artifact URL --output DIR`; see [`asynchronous::pull`].
pub fn pull(
    url: &str,
    out: &Path,
    creds: &Credentials,
    opts: &RegistryOptions,
) -> Result<Metadata, Error> {
    block_on(asynchronous::pull(url, out, creds, opts))?
}

/// `flux list artifacts URL`; see [`asynchronous::list`].
pub fn list(
    url: &str,
    filter: &ListOptions,
    creds: &Credentials,
    opts: &RegistryOptions,
) -> Result<Vec<Metadata>, Error> {
    block_on(asynchronous::list(url, filter, creds, opts))?
}

/// Resolves an OCIRepository's current revision; see [`asynchronous::resolve`].
pub fn resolve(spec: &OCIRepositorySpec, creds: &Credentials) -> Result<Resolved, Error> {
    block_on(asynchronous::resolve(spec, creds))?
}

/// Pulls an OCIRepository's artifact into `dir`; see [`asynchronous::fetch`].
pub fn fetch(spec: &OCIRepositorySpec, creds: &Credentials, dir: &Path) -> Result<Outcome, Error> {
    block_on(asynchronous::fetch(spec, creds, dir))?
}
