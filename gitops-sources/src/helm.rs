//! Helm repositories: HTTP(S) indexes and OCI registries, as Flux's HelmRepository and
//! HelmChart reconcilers fetch them.
//!
//! - [`fetch_index`]: a HelmRepository (`type: default`) artifact — the index as served,
//!   stored verbatim as `index-<sha256 hex>.yaml`, revision `sha256:<hex>`. The index is
//!   streamed to disk and checked one chart at a time, so a 100 MB index never sits in
//!   memory.
//! - [`fetch_chart`] / [`fetch_chart_from_index`]: a HelmChart from an HTTP repository —
//!   version resolved from the index (see [`resolve`]), chart downloaded from its first
//!   URL (relative URLs resolve against the repository URL), checked against the index
//!   digest, stored as `<name>-<version>.tgz`, revision = the chart version.
//! - [`fetch_oci_chart`]: a HelmChart from an OCI HelmRepository (`oci://`).
//!
//! Credentials come from [`RepositoryOptions`] (built from a Secret's data with
//! [`RepositoryOptions::from_secret_data`]). Like Helm, basic auth goes only to the
//! repository's own scheme and host unless `passCredentials` is set.
//!
//! One difference from source-controller: Flux re-serialises the loaded index as JSON
//! into the `index-<hex>.yaml` file; we keep the served bytes (valid for every Helm
//! client, and it keeps memory bounded). The revision is the digest of the served bytes
//! in both.

use std::path::PathBuf;

mod http;
pub mod index;
mod index_json;
mod oci;
pub mod resolve;

pub use http::{RepositoryOptions, fetch_chart, fetch_chart_from_index, fetch_index};
pub use index::{ChartVersion, IndexError, IndexSummary, select_chart, validate_index};
pub use oci::{HELM_CHART_CONTENT_MEDIA_TYPE, HELM_CONFIG_MEDIA_TYPE, OciOptions, fetch_oci_chart};
pub use resolve::resolve_version;

/// Largest index accepted (source-controller's `--helm-index-max-size` default, 50 MiB,
/// raised: our reader does not load the index whole).
pub const DEFAULT_MAX_INDEX_SIZE: u64 = 512 << 20;
/// Largest chart archive accepted (source-controller's `MaxChartSize`, 10 MiB).
pub const DEFAULT_MAX_CHART_SIZE: u64 = 10 << 20;

/// A stored repository index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexArtifact {
    /// Where the index was written: `<dir>/index-<hex>.yaml`.
    pub path: PathBuf,
    /// `sha256:<hex>` of the index bytes; also the artifact digest.
    pub revision: String,
    /// Size of the index in bytes.
    pub size: u64,
    /// What the index holds.
    pub summary: IndexSummary,
}

/// A stored chart archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartArtifact {
    /// Where the chart was written: `<dir>/<name>-<version>.tgz`.
    pub path: PathBuf,
    /// Chart name.
    pub name: String,
    /// The resolved chart version; also the artifact revision.
    pub version: String,
    /// `sha256:<hex>` of the archive.
    pub digest: String,
    /// Size of the archive in bytes.
    pub size: u64,
}

/// Fetches `chart` from a HelmRepository URL of either type: `oci://` registries through
/// [`fetch_oci_chart`] (the credentials, CA and timeout of `opts` carry over; `insecure`
/// allows plain HTTP), HTTP(S) indexes through [`fetch_chart`]. What
/// `gitops source fetch helm-chart` calls.
pub async fn fetch_repository_chart(
    repo_url: &str,
    chart: &str,
    constraint: &str,
    opts: &RepositoryOptions,
    insecure: bool,
    dir: &std::path::Path,
) -> Result<ChartArtifact, Error> {
    if repo_url.starts_with("oci://") {
        let oci = OciOptions {
            username: opts.username.clone(),
            password: opts.password.clone(),
            insecure,
            ca_pem: opts.ca_pem.clone(),
            timeout: opts.timeout,
        };
        fetch_oci_chart(repo_url, chart, constraint, &oci, dir).await
    } else {
        fetch_chart(repo_url, chart, constraint, opts, dir).await
    }
}

/// Why a Helm fetch failed. URLs in messages never carry credentials.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The repository or chart URL cannot be used.
    #[error("invalid Helm repository URL '{url}': {reason}")]
    InvalidUrl {
        /// The URL, without credentials.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// The TLS material of the secret is unusable.
    #[error("invalid TLS configuration: {0}")]
    Tls(String),
    /// The request failed (connection, TLS, truncated body, timeout).
    #[error("request to '{url}' failed: {reason}")]
    Request {
        /// The URL, without credentials.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("failed to fetch '{url}': {status}")]
    Status {
        /// The URL, without credentials.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The body is larger than allowed.
    #[error("'{url}' exceeds the maximum size of {max} bytes")]
    TooLarge {
        /// The URL, without credentials.
        url: String,
        /// The limit.
        max: u64,
    },
    /// The index cannot be read.
    #[error("invalid index from '{url}': {source}")]
    Index {
        /// The index URL or path.
        url: String,
        /// The reader's error.
        #[source]
        source: IndexError,
    },
    /// The repository has no such chart.
    #[error("no chart named '{chart}' in repository '{url}'")]
    NoChart {
        /// Chart name.
        chart: String,
        /// Repository URL.
        url: String,
    },
    /// No chart version matches the constraint.
    #[error("no '{chart}' chart with version matching '{constraint}' found")]
    NoVersion {
        /// Chart name.
        chart: String,
        /// The version constraint.
        constraint: String,
    },
    /// The version constraint is not valid.
    #[error("invalid version constraint '{constraint}': {reason}")]
    InvalidConstraint {
        /// The constraint.
        constraint: String,
        /// The parser's message.
        reason: String,
    },
    /// The chart version lists no download URL.
    #[error("chart '{chart}' version '{version}' has no downloadable URLs")]
    NoUrls {
        /// Chart name.
        chart: String,
        /// Chart version.
        version: String,
    },
    /// The downloaded chart does not match the index digest.
    #[error(
        "chart '{url}' digest mismatch: index says sha256:{expected}, downloaded sha256:{actual}"
    )]
    DigestMismatch {
        /// The chart URL, without credentials.
        url: String,
        /// Digest from the index.
        expected: String,
        /// Digest of the download.
        actual: String,
    },
    /// The OCI registry refused or failed an operation.
    #[error("OCI registry operation on '{reference}' failed: {reason}")]
    Oci {
        /// The reference.
        reference: String,
        /// What failed.
        reason: String,
    },
    /// Writing the artifact failed.
    #[error("writing '{path}' failed: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}

/// A URL as it may appear in messages: without user name and password.
pub(crate) fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => url
            .split_once('@')
            .map_or(url, |(_, rest)| rest)
            .to_string(),
    }
}
