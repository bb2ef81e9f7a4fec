//! The S3 side of a bucket fetch (object_store's `AmazonS3`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use gitops_core::api::source::bucket::BucketProvider;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::client::{HttpClient, HttpConnector};
use object_store::list::{PaginatedListOptions, PaginatedListStore};
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStoreExt, RetryConfig};

use super::{BucketFetch, BucketOptions, Error, SOURCEIGNORE, index_revision};
use crate::artifact::{IgnoreRules, SourceKind};

/// Downloads in flight at once (source-controller uses 100; we stay lighter).
const CONCURRENT_DOWNLOADS: usize = 16;

/// Lists and downloads the bucket's objects into `dir` (which should be empty); returns
/// the index and the revision. `.sourceignore` is written to `dir` too, as Flux does.
pub async fn fetch_bucket(opts: &BucketOptions, dir: &Path) -> Result<BucketFetch, Error> {
    crate::tls::ensure_provider();
    let timeout = opts.timeout.unwrap_or(Duration::from_secs(60));
    let timed_out = || Error::Timeout {
        bucket: opts.bucket_name.clone(),
        after: timeout,
    };
    let store = Arc::new(build_store(opts, timeout)?);
    let index = tokio::time::timeout(timeout, list_index(&store, opts, dir))
        .await
        .map_err(|_| timed_out())??;
    let results = futures_util::stream::iter(index)
        .map(|(key, etag)| {
            let store = Arc::clone(&store);
            async move {
                let got = tokio::time::timeout(timeout, download(&store, opts, &key, dir)).await;
                match got {
                    Err(_) => Err(timed_out()),
                    Ok(Ok(Some(new_etag))) => Ok(Some((key, new_etag.unwrap_or(etag)))),
                    Ok(Ok(None)) => Ok(None), // gone since the listing
                    Ok(Err(e)) => Err(e),
                }
            }
        })
        .buffer_unordered(CONCURRENT_DOWNLOADS)
        .collect::<Vec<_>>()
        .await;
    let mut index = BTreeMap::new();
    for r in results {
        if let Some((k, v)) = r? {
            index.insert(k, v);
        }
    }
    let revision = index_revision(&index);
    Ok(BucketFetch { index, revision })
}

/// The ignore rules of the artifact: the root `.sourceignore` (already in `dir`) and
/// `spec.ignore`.
pub(crate) fn ignore_rules(opts: &BucketOptions, dir: &Path) -> IgnoreRules {
    let text = std::fs::read_to_string(dir.join(SOURCEIGNORE)).unwrap_or_default();
    IgnoreRules::for_source(SourceKind::Bucket, opts.ignore.as_deref()).with_root_patterns(&text)
}

fn build_store(opts: &BucketOptions, timeout: Duration) -> Result<AmazonS3, Error> {
    let config_err = |reason: String| Error::Config {
        bucket: opts.bucket_name.clone(),
        endpoint: opts.endpoint.clone(),
        reason,
    };
    if !matches!(opts.provider, BucketProvider::Generic | BucketProvider::Aws) {
        return Err(Error::UnsupportedProvider {
            provider: opts.provider.as_str().to_string(),
        });
    }
    if opts.endpoint.is_empty() || opts.endpoint.contains("://") {
        return Err(config_err(
            "endpoint must be a host[:port] without scheme".into(),
        ));
    }
    let scheme = if opts.insecure { "http" } else { "https" };
    let mut b = if opts.provider == BucketProvider::Aws && opts.access_key.is_none() {
        AmazonS3Builder::from_env()
    } else {
        AmazonS3Builder::new()
    };
    b = b
        .with_bucket_name(&opts.bucket_name)
        .with_region(opts.region.as_deref().unwrap_or("us-east-1"))
        .with_endpoint(format!("{scheme}://{}", opts.endpoint))
        .with_virtual_hosted_style_request(false)
        // Client options replace the builder's `allow_http`: set it here.
        .with_client_options(
            ClientOptions::new()
                .with_allow_http(opts.insecure)
                .with_timeout(timeout)
                .with_connect_timeout(Duration::from_secs(15)),
        )
        .with_retry(RetryConfig {
            max_retries: 2,
            retry_timeout: Duration::from_secs(10),
            ..RetryConfig::default()
        });
    if opts.transport.proxy.is_some() || (opts.transport.tls.is_some() && !opts.insecure) {
        b = b.with_http_connector(ConfiguredClient(configured_client(opts, timeout)?));
    }
    match (&opts.access_key, &opts.secret_key) {
        (Some(a), Some(s)) => b = b.with_access_key_id(a).with_secret_access_key(s),
        _ if opts.provider == BucketProvider::Generic => b = b.with_skip_signature(true),
        _ => {}
    }
    b.build().map_err(|e| config_err(e.to_string()))
}

/// An HTTP client with the bucket's TLS and proxy settings, replacing object_store's
/// own (which has no client certificates): the same timeouts, HTTPS only unless
/// `insecure`, and the CA and client certificate only over HTTPS (as minio-go in Flux).
fn configured_client(opts: &BucketOptions, timeout: Duration) -> Result<reqwest::Client, Error> {
    let config_err = |reason: String| Error::Config {
        bucket: opts.bucket_name.clone(),
        endpoint: opts.endpoint.clone(),
        reason: opts.transport.redact(&reason),
    };
    let mut transport = opts.transport.clone();
    if opts.insecure {
        transport.tls = None;
    }
    transport
        .client_builder()
        .map_err(|e| config_err(e.to_string()))?
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(15))
        .https_only(!opts.insecure)
        .build()
        .map_err(|e| config_err(e.to_string()))
}

/// Hands object_store a client built by [`configured_client`].
#[derive(Debug)]
struct ConfiguredClient(reqwest::Client);

impl HttpConnector for ConfiguredClient {
    fn connect(&self, _: &ClientOptions) -> object_store::Result<HttpClient> {
        Ok(HttpClient::new(self.0.clone()))
    }
}

/// Confirms the bucket exists, fetches `.sourceignore`, lists the filtered index.
async fn list_index(
    store: &AmazonS3,
    opts: &BucketOptions,
    dir: &Path,
) -> Result<BTreeMap<String, String>, Error> {
    let bucket = opts.bucket_name.clone();
    let list_err = |e: object_store::Error| {
        let text = e.to_string();
        // S3 answers 404 `NoSuchBucket`; object_store reports it as a generic error.
        if matches!(e, object_store::Error::NotFound { .. }) || text.contains("NoSuchBucket") {
            Error::BucketNotFound {
                bucket: bucket.clone(),
                endpoint: opts.endpoint.clone(),
            }
        } else {
            Error::List {
                bucket: bucket.clone(),
                reason: opts.transport.redact(&error_chain(&e)),
            }
        }
    };
    let probe = PaginatedListOptions {
        max_keys: Some(1),
        ..Default::default()
    };
    store.list_paginated(None, probe).await.map_err(list_err)?;

    // `.sourceignore` may be absent.
    download(store, opts, SOURCEIGNORE, dir).await?;
    let rules = ignore_rules(opts, dir);

    let mut index = BTreeMap::new();
    let mut token = None;
    loop {
        let page_opts = PaginatedListOptions {
            page_token: token.take(),
            ..Default::default()
        };
        let page = store
            .list_paginated(opts.prefix.as_deref(), page_opts)
            .await
            .map_err(list_err)?;
        for meta in page.result.objects {
            let key = meta.location.as_ref().to_string();
            if key.ends_with('/') || key == SOURCEIGNORE || rules.is_ignored(&key, false) {
                continue;
            }
            let etag = meta.e_tag.unwrap_or_default();
            index.insert(key, trim_etag(&etag).to_string());
        }
        match page.page_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    Ok(index)
}

/// minio-go's `trimEtag`: the etag without its surrounding quotes.
fn trim_etag(etag: &str) -> &str {
    let e = etag.strip_prefix('"').unwrap_or(etag);
    e.strip_suffix('"').unwrap_or(e)
}

/// Checks that an object key is a relative path that stays inside the artifact.
fn safe_relative(key: &str) -> Result<(), Error> {
    let bad = key.is_empty()
        || key.starts_with('/')
        || key.contains('\\')
        || key
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..");
    if bad {
        Err(Error::UnsafeKey {
            key: key.to_string(),
        })
    } else {
        Ok(())
    }
}

/// Downloads one object to `dir/key` (atomically); `Ok(None)` when it does not exist,
/// otherwise the etag of what was downloaded (if the server sent one).
async fn download(
    store: &AmazonS3,
    opts: &BucketOptions,
    key: &str,
    dir: &Path,
) -> Result<Option<Option<String>>, Error> {
    safe_relative(key)?;
    let get_err = |reason: String| Error::Get {
        bucket: opts.bucket_name.clone(),
        key: key.to_string(),
        reason,
    };
    let location = ObjectPath::parse(key).map_err(|e| get_err(e.to_string()))?;
    let result = match store.get(&location).await {
        Ok(r) => r,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(get_err(opts.transport.redact(&error_chain(&e)))),
    };
    let etag = result
        .meta
        .e_tag
        .as_deref()
        .map(|e| trim_etag(e).to_string());
    let target = dir.join(key);
    let parent = target.parent().unwrap_or(dir).to_path_buf();
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let mut tmp = tempfile::NamedTempFile::new_in(&parent).map_err(io(&parent))?;
    let mut stream = result.into_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| get_err(e.to_string()))?;
        tmp.write_all(&chunk).map_err(io(&target))?;
    }
    tmp.persist(&target).map_err(|e| Error::Io {
        path: target.clone(),
        source: e.error,
    })?;
    Ok(Some(etag))
}

/// `err` and its sources, each once (object_store's message alone hides the cause,
/// e.g. the TLS error).
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = s.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_lose_quotes() {
        assert_eq!(trim_etag("\"abc\""), "abc");
        assert_eq!(trim_etag("abc"), "abc");
    }

    #[test]
    fn unsafe_keys_are_refused() {
        for k in ["../x", "a/../../x", "/abs", "a//b", "a\\b", "."] {
            assert!(safe_relative(k).is_err(), "{k}");
        }
        assert!(safe_relative("a/b.yaml").is_ok());
    }
}
