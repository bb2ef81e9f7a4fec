//! S3-compatible buckets (Flux `Bucket`, providers `generic` and `aws`) to artifacts.
//!
//! As source-controller's Bucket reconciler:
//! 1. the bucket must exist; the `.sourceignore` object at the bucket root, if any, is
//!    fetched first and its patterns, then `spec.ignore`'s, filter the listing;
//! 2. every object under `prefix` (server-side, a plain string prefix) that is not a
//!    "directory" key (ending in `/`) and not ignored goes into the index `key → etag`
//!    (etag without quotes, as minio-go gives it);
//! 3. the objects are downloaded into a directory (the etag seen at download replaces
//!    the listed one; objects gone meanwhile leave the index);
//! 4. revision = `sha256:<hex>` of the index lines `"<key> <etag>\n"` in sorted key
//!    order (see [`index_revision`]); the artifact is the directory packed as
//!    `<hex>.tar.gz`.
//!
//! ```no_run
//! # async fn f() -> Result<(), gitops_sources::bucket::Error> {
//! use gitops_sources::bucket::{BucketOptions, fetch_bucket_artifact};
//! let opts = BucketOptions::generic("127.0.0.1:9000", "manifests").insecure(true);
//! let artifact = fetch_bucket_artifact(&opts, std::path::Path::new("/tmp/out")).await?;
//! println!("{} -> {}", artifact.revision, artifact.path.display());
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gitops_core::api::source::bucket::{BucketProvider, BucketSpec};

use crate::transport::Transport;

mod digest;
mod s3;

pub use digest::index_revision;
pub use s3::fetch_bucket;

/// Name of the ignore file read from the bucket root.
pub const SOURCEIGNORE: &str = ".sourceignore";

/// How to reach a bucket: what a Bucket's spec and `secretRef` say.
#[derive(Clone, Default)]
pub struct BucketOptions {
    /// `generic` or `aws` (`gcp`/`azure` are refused).
    pub provider: BucketProvider,
    /// Host and optional port of the S3 API, without scheme.
    pub endpoint: String,
    /// Bucket name.
    pub bucket_name: String,
    /// Region; `us-east-1` when unset.
    pub region: Option<String>,
    /// Server-side key prefix filter.
    pub prefix: Option<String>,
    /// Plain HTTP instead of HTTPS.
    pub insecure: bool,
    /// Access key (`accesskey` in the secret).
    pub access_key: Option<String>,
    /// Secret key (`secretkey` in the secret).
    pub secret_key: Option<String>,
    /// `spec.ignore` patterns.
    pub ignore: Option<String>,
    /// Timeout of the whole listing and of each download; 60 s when unset.
    pub timeout: Option<Duration>,
    /// `certSecretRef` (custom CA, client certificate; unused with `insecure`, as in
    /// Flux) and `proxySecretRef`.
    pub transport: Transport,
}

impl fmt::Debug for BucketOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BucketOptions")
            .field("provider", &self.provider)
            .field("endpoint", &self.endpoint)
            .field("bucket_name", &self.bucket_name)
            .field("region", &self.region)
            .field("prefix", &self.prefix)
            .field("insecure", &self.insecure)
            .field("access_key", &self.access_key)
            .field("transport", &self.transport)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl BucketOptions {
    /// A `generic` bucket at `endpoint` without credentials.
    pub fn generic(endpoint: &str, bucket_name: &str) -> Self {
        BucketOptions {
            endpoint: endpoint.into(),
            bucket_name: bucket_name.into(),
            ..Default::default()
        }
    }

    /// Sets `insecure`.
    pub fn insecure(mut self, insecure: bool) -> Self {
        self.insecure = insecure;
        self
    }

    /// Sets the TLS and proxy settings.
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }

    /// Sets static credentials.
    pub fn credentials(mut self, access_key: &str, secret_key: &str) -> Self {
        self.access_key = Some(access_key.into());
        self.secret_key = Some(secret_key.into());
        self
    }

    /// Options from a Bucket spec and the data of its `secretRef` secret, which must hold
    /// `accesskey` and `secretkey` (Flux's `ValidateSecret`).
    pub fn from_spec(
        spec: &BucketSpec,
        secret_name: Option<&str>,
        secret: Option<&BTreeMap<String, Vec<u8>>>,
    ) -> Result<Self, Error> {
        let provider = spec.provider();
        if !matches!(provider, BucketProvider::Generic | BucketProvider::Aws) {
            return Err(Error::UnsupportedProvider {
                provider: provider.as_str().to_string(),
            });
        }
        let mut o = BucketOptions {
            provider,
            endpoint: spec.endpoint.clone(),
            bucket_name: spec.bucket_name.clone(),
            region: spec.region.clone().filter(|r| !r.is_empty()),
            prefix: spec.prefix.clone().filter(|p| !p.is_empty()),
            insecure: spec.insecure.unwrap_or(false),
            ignore: spec.ignore.clone(),
            timeout: spec
                .timeout()
                .parse::<gitops_core::duration::Duration>()
                .ok()
                .and_then(|d| d.to_std()),
            ..Default::default()
        };
        if let Some(data) = secret {
            let get = |k: &str| data.get(k).map(|v| String::from_utf8_lossy(v).into_owned());
            match (get("accesskey"), get("secretkey")) {
                (Some(a), Some(s)) => {
                    o.access_key = Some(a).filter(|a| !a.is_empty());
                    o.secret_key = Some(s).filter(|s| !s.is_empty());
                }
                _ => {
                    return Err(Error::InvalidSecret {
                        name: secret_name.unwrap_or_default().to_string(),
                    });
                }
            }
        }
        Ok(o)
    }
}

/// The result of [`fetch_bucket`]: what was downloaded and its revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketFetch {
    /// The index `key → etag` of the downloaded objects.
    pub index: BTreeMap<String, String>,
    /// `sha256:<hex>` over the index.
    pub revision: String,
}

impl BucketFetch {
    /// The hex part of the revision.
    pub fn hex(&self) -> &str {
        self.revision
            .strip_prefix("sha256:")
            .unwrap_or(&self.revision)
    }
}

/// A packed bucket artifact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketArtifact {
    /// `<dir>/<hex>.tar.gz`.
    pub path: PathBuf,
    /// `sha256:<hex>` over the object index.
    pub revision: String,
    /// `sha256:<hex>` of the archive file.
    pub digest: String,
    /// Number of objects in the artifact.
    pub objects: usize,
}

/// Why a bucket fetch failed. Messages never carry credentials.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Only `generic` and `aws` are implemented.
    #[error("bucket provider '{provider}' is not supported (only 'generic' and 'aws')")]
    UnsupportedProvider {
        /// The provider.
        provider: String,
    },
    /// The secret lacks `accesskey`/`secretkey`.
    #[error("invalid '{name}' secret data: required fields 'accesskey' and 'secretkey'")]
    InvalidSecret {
        /// Secret name.
        name: String,
    },
    /// The client could not be configured.
    #[error("invalid configuration of bucket '{bucket}' at '{endpoint}': {reason}")]
    Config {
        /// Bucket name.
        bucket: String,
        /// Endpoint.
        endpoint: String,
        /// What is wrong.
        reason: String,
    },
    /// The bucket does not exist.
    #[error("bucket '{bucket}' not found at '{endpoint}'")]
    BucketNotFound {
        /// Bucket name.
        bucket: String,
        /// Endpoint.
        endpoint: String,
    },
    /// Listing failed (authentication, network, …).
    #[error("indexation of objects from bucket '{bucket}' failed: {reason}")]
    List {
        /// Bucket name.
        bucket: String,
        /// What failed.
        reason: String,
    },
    /// Downloading an object failed.
    #[error("failed to get '{key}' object from bucket '{bucket}': {reason}")]
    Get {
        /// Bucket name.
        bucket: String,
        /// Object key.
        key: String,
        /// What failed.
        reason: String,
    },
    /// An object key cannot be a file path inside the artifact.
    #[error("object key '{key}' is not a safe relative path")]
    UnsafeKey {
        /// The key.
        key: String,
    },
    /// The operation timed out.
    #[error("bucket '{bucket}' operation timed out after {after:?}")]
    Timeout {
        /// Bucket name.
        bucket: String,
        /// The timeout.
        after: Duration,
    },
    /// Local file system failure.
    #[error("writing '{path}' failed: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Packing the artifact failed.
    #[error("packing the bucket artifact failed: {0}")]
    Pack(#[from] crate::artifact::Error),
}

/// Fetches the bucket into a temporary directory and packs it into `out_dir` as
/// `<revision hex>.tar.gz`, with the same ignore rules as the listing.
pub async fn fetch_bucket_artifact(
    opts: &BucketOptions,
    out_dir: &Path,
) -> Result<BucketArtifact, Error> {
    let work = tempfile::Builder::new()
        .prefix(".bucket-")
        .tempdir_in(out_dir)
        .map_err(|source| Error::Io {
            path: out_dir.to_path_buf(),
            source,
        })?;
    let fetched = fetch_bucket(opts, work.path()).await?;
    let rules = s3::ignore_rules(opts, work.path());
    let path = out_dir.join(format!("{}.tar.gz", fetched.hex()));
    let digest = crate::artifact::pack_file(work.path(), &path, &rules)?;
    Ok(BucketArtifact {
        path,
        revision: fetched.revision.clone(),
        digest: digest.to_string(),
        objects: fetched.index.len(),
    })
}
