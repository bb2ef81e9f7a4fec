//! HTTP(S) Helm repositories: index and chart downloads.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Write};
use std::path::Path;
use std::time::Duration;

use sha2::{Digest as _, Sha256};
use tempfile::NamedTempFile;

use super::index::{select_chart, validate_index};
use super::resolve::resolve_version;
use super::{
    ChartArtifact, DEFAULT_MAX_CHART_SIZE, DEFAULT_MAX_INDEX_SIZE, Error, IndexArtifact, redact,
};

/// How to reach an HTTP Helm repository: what a HelmRepository's `secretRef`,
/// `certSecretRef`, `passCredentials` and `timeout` say.
#[derive(Clone, Default)]
pub struct RepositoryOptions {
    /// Basic-auth user name (`username` in the secret).
    pub username: Option<String>,
    /// Basic-auth password (`password` in the secret).
    pub password: Option<String>,
    /// PEM CA bundle trusted in addition to the system roots (`ca.crt`).
    pub ca_pem: Option<Vec<u8>>,
    /// PEM client certificate for mutual TLS (`tls.crt`).
    pub cert_pem: Option<Vec<u8>>,
    /// PEM client key for mutual TLS (`tls.key`).
    pub key_pem: Option<Vec<u8>>,
    /// Send the credentials to hosts other than the repository's (`passCredentials`).
    pub pass_credentials: bool,
    /// Timeout of each request; 60 s when unset.
    pub timeout: Option<Duration>,
    /// Largest index accepted; [`DEFAULT_MAX_INDEX_SIZE`] when unset.
    pub max_index_size: Option<u64>,
    /// Largest chart accepted; [`DEFAULT_MAX_CHART_SIZE`] when unset.
    pub max_chart_size: Option<u64>,
}

impl fmt::Debug for RepositoryOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RepositoryOptions")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("ca_pem", &self.ca_pem.is_some())
            .field("client_cert", &self.cert_pem.is_some())
            .field("pass_credentials", &self.pass_credentials)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl RepositoryOptions {
    /// Options from the data of a HelmRepository's `secretRef` (`username`, `password`,
    /// deprecated TLS keys) and `certSecretRef` (`ca.crt`, `tls.crt`, `tls.key`; it wins
    /// over TLS keys in `secretRef`, as in Flux). Legacy `caFile`/`certFile`/`keyFile`
    /// keys are read too.
    pub fn from_secret_data(
        auth: Option<&BTreeMap<String, Vec<u8>>>,
        cert: Option<&BTreeMap<String, Vec<u8>>>,
    ) -> Self {
        let text = |d: &BTreeMap<String, Vec<u8>>, k: &str| {
            d.get(k)
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .filter(|s| !s.is_empty())
        };
        let tls = |d: &BTreeMap<String, Vec<u8>>, k: &str, legacy: &str| {
            d.get(k)
                .or_else(|| d.get(legacy))
                .filter(|v| !v.is_empty())
                .cloned()
        };
        let mut o = RepositoryOptions::default();
        if let Some(a) = auth {
            o.username = text(a, "username");
            o.password = text(a, "password");
        }
        let tls_source = match cert {
            Some(c) => Some(c),
            None => auth,
        };
        if let Some(t) = tls_source {
            o.ca_pem = tls(t, "ca.crt", "caFile");
            o.cert_pem = tls(t, "tls.crt", "certFile");
            o.key_pem = tls(t, "tls.key", "keyFile");
        }
        o
    }

    /// The HTTP client these options describe.
    pub(crate) fn client(&self) -> Result<reqwest::Client, Error> {
        crate::tls::ensure_provider();
        let mut b = reqwest::Client::builder()
            .timeout(self.timeout.unwrap_or(Duration::from_secs(60)))
            .user_agent(concat!("gitops-sources/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = &self.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(ca)
                .map_err(|e| Error::Tls(format!("ca.crt: {e}")))?;
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        match (&self.cert_pem, &self.key_pem) {
            (Some(cert), Some(key)) => {
                let mut pem = cert.clone();
                pem.push(b'\n');
                pem.extend_from_slice(key);
                let id = reqwest::Identity::from_pem(&pem)
                    .map_err(|e| Error::Tls(format!("tls.crt/tls.key: {e}")))?;
                b = b.identity(id);
            }
            (None, None) => {}
            _ => {
                return Err(Error::Tls(
                    "tls.crt and tls.key must be given together".into(),
                ));
            }
        }
        b.build().map_err(|e| Error::Tls(e.to_string()))
    }

    /// Whether basic auth goes with a request to `target` (Helm's rule: same scheme and
    /// host:port as the repository, or `passCredentials`).
    fn sends_credentials(&self, repo: &url::Url, target: &url::Url) -> bool {
        self.pass_credentials
            || (repo.scheme() == target.scheme()
                && repo.host_str() == target.host_str()
                && repo.port_or_known_default() == target.port_or_known_default())
    }
}

/// Parses an HTTP(S) repository URL.
fn repository_url(repo_url: &str) -> Result<url::Url, Error> {
    let invalid = |reason: &str| Error::InvalidUrl {
        url: redact(repo_url),
        reason: reason.into(),
    };
    let u = url::Url::parse(repo_url).map_err(|e| invalid(&e.to_string()))?;
    match u.scheme() {
        "http" | "https" => Ok(u),
        "oci" => Err(invalid(
            "'oci' URL scheme cannot be used with 'default' HelmRepository type",
        )),
        other => Err(invalid(&format!("unsupported scheme '{other}'"))),
    }
}

/// The repository URL with exactly one trailing `/` on its path (Flux's `NormalizeURL`).
fn with_trailing_slash(repo: &url::Url) -> url::Url {
    let mut u = repo.clone();
    let path = format!("{}/", u.path().trim_end_matches('/'));
    u.set_path(&path);
    u
}

/// Resolves a chart URL from the index against the repository URL, as Helm's
/// `ResolveReferenceURL`: absolute URLs stay, relative ones join the repository path, and
/// the repository's query string is kept.
pub(crate) fn resolve_reference(repo: &url::Url, reference: &str) -> Result<url::Url, Error> {
    if let Ok(abs) = url::Url::parse(reference) {
        return Ok(abs);
    }
    let base = with_trailing_slash(repo);
    let mut joined = base.join(reference).map_err(|e| Error::InvalidUrl {
        url: redact(reference),
        reason: e.to_string(),
    })?;
    joined.set_query(base.query());
    Ok(joined)
}

/// Downloads `target` into a temporary file in `dir`, hashing as it goes.
async fn download(
    client: &reqwest::Client,
    opts: &RepositoryOptions,
    repo: &url::Url,
    target: &url::Url,
    dir: &Path,
    max: u64,
) -> Result<(NamedTempFile, String, u64), Error> {
    let shown = redact(target.as_str());
    let request_failed = |e: reqwest::Error| Error::Request {
        url: shown.clone(),
        reason: error_chain(&e),
    };
    let mut req = client.get(target.clone());
    if opts.sends_credentials(repo, target)
        && let (Some(user), Some(pass)) = (&opts.username, &opts.password)
    {
        req = req.basic_auth(user, Some(pass));
    }
    let mut resp = req.send().await.map_err(request_failed)?;
    let status = resp.status();
    if !status.is_success() {
        return Err(Error::Status {
            url: shown,
            status: status.as_u16(),
        });
    }
    if resp.content_length().is_some_and(|n| n > max) {
        return Err(Error::TooLarge { url: shown, max });
    }
    let mut file = NamedTempFile::new_in(dir).map_err(Error::io(dir))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = resp.chunk().await.map_err(request_failed)? {
        size += chunk.len() as u64;
        if size > max {
            return Err(Error::TooLarge { url: shown, max });
        }
        hasher.update(&chunk);
        file.write_all(&chunk).map_err(Error::io(file.path()))?;
    }
    file.flush().map_err(Error::io(file.path()))?;
    Ok((file, hex::encode(hasher.finalize()), size))
}

/// The error and its sources, for messages (reqwest hides the cause otherwise).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Fetches a repository's `index.yaml` into `dir` as `index-<sha256 hex>.yaml` (the
/// HelmRepository artifact), after checking every chart entry.
pub async fn fetch_index(
    repo_url: &str,
    opts: &RepositoryOptions,
    dir: &Path,
) -> Result<IndexArtifact, Error> {
    let repo = repository_url(repo_url)?;
    let mut index_url = with_trailing_slash(&repo);
    let path = format!("{}index.yaml", index_url.path());
    index_url.set_path(&path);
    let client = opts.client()?;
    let max = opts.max_index_size.unwrap_or(DEFAULT_MAX_INDEX_SIZE);
    let (tmp, hex, size) = download(&client, opts, &repo, &index_url, dir, max).await?;
    let reader = File::open(tmp.path()).map_err(Error::io(tmp.path()))?;
    let summary = validate_index(BufReader::with_capacity(1 << 16, reader)).map_err(|source| {
        Error::Index {
            url: redact(index_url.as_str()),
            source,
        }
    })?;
    let path = dir.join(format!("index-{hex}.yaml"));
    tmp.persist(&path).map_err(|e| Error::Io {
        path: path.clone(),
        source: e.error,
    })?;
    Ok(IndexArtifact {
        path,
        revision: format!("sha256:{hex}"),
        size,
        summary,
    })
}

/// Fetches a chart from an HTTP repository: downloads the index (not kept), resolves
/// `constraint`, downloads and checks the chart into `dir` as `<name>-<version>.tgz`.
pub async fn fetch_chart(
    repo_url: &str,
    chart: &str,
    constraint: &str,
    opts: &RepositoryOptions,
    dir: &Path,
) -> Result<ChartArtifact, Error> {
    let repo = repository_url(repo_url)?;
    let mut index_url = with_trailing_slash(&repo);
    let path = format!("{}index.yaml", index_url.path());
    index_url.set_path(&path);
    let client = opts.client()?;
    let max = opts.max_index_size.unwrap_or(DEFAULT_MAX_INDEX_SIZE);
    let (tmp, _, _) = download(&client, opts, &repo, &index_url, dir, max).await?;
    chart_from_index(&client, tmp.path(), &repo, chart, constraint, opts, dir).await
}

/// Fetches a chart using an index already on disk (e.g. the stored HelmRepository
/// artifact) for the version resolution.
pub async fn fetch_chart_from_index(
    index_path: &Path,
    repo_url: &str,
    chart: &str,
    constraint: &str,
    opts: &RepositoryOptions,
    dir: &Path,
) -> Result<ChartArtifact, Error> {
    let repo = repository_url(repo_url)?;
    let client = opts.client()?;
    chart_from_index(&client, index_path, &repo, chart, constraint, opts, dir).await
}

async fn chart_from_index(
    client: &reqwest::Client,
    index_path: &Path,
    repo: &url::Url,
    chart: &str,
    constraint: &str,
    opts: &RepositoryOptions,
    dir: &Path,
) -> Result<ChartArtifact, Error> {
    let file = File::open(index_path).map_err(Error::io(index_path))?;
    let versions =
        select_chart(BufReader::with_capacity(1 << 16, file), chart).map_err(|source| {
            Error::Index {
                url: index_path.display().to_string(),
                source,
            }
        })?;
    if versions.is_empty() {
        return Err(Error::NoChart {
            chart: chart.to_string(),
            url: redact(repo.as_str()),
        });
    }
    let cv = resolve_version(chart, &versions, constraint)?;
    let first = cv.urls.first().ok_or_else(|| Error::NoUrls {
        chart: chart.to_string(),
        version: cv.version.clone(),
    })?;
    let target = resolve_reference(repo, first)?;
    let max = opts.max_chart_size.unwrap_or(DEFAULT_MAX_CHART_SIZE);
    let (tmp, hex, size) = download(client, opts, repo, &target, dir, max).await?;
    if let Some(expected) = &cv.digest {
        let expected = expected
            .strip_prefix("sha256:")
            .unwrap_or(expected)
            .to_ascii_lowercase();
        if expected != hex {
            return Err(Error::DigestMismatch {
                url: redact(target.as_str()),
                expected,
                actual: hex,
            });
        }
    }
    let path = dir.join(format!("{chart}-{}.tgz", cv.version));
    tmp.persist(&path).map_err(|e| Error::Io {
        path: path.clone(),
        source: e.error,
    })?;
    Ok(ChartArtifact {
        path,
        name: chart.to_string(),
        version: cv.version.clone(),
        digest: format!("sha256:{hex}"),
        size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_chart_urls_like_helm() {
        let repo = url::Url::parse("https://h.example/charts?token=1").expect("url");
        let r = resolve_reference(&repo, "a-1.0.0.tgz").expect("rel");
        assert_eq!(r.as_str(), "https://h.example/charts/a-1.0.0.tgz?token=1");
        let r = resolve_reference(&repo, "https://cdn.example/a.tgz").expect("abs");
        assert_eq!(r.as_str(), "https://cdn.example/a.tgz");
        let repo = url::Url::parse("http://h.example/sub/").expect("url");
        assert_eq!(
            resolve_reference(&repo, "../x.tgz").expect("up").as_str(),
            "http://h.example/x.tgz"
        );
    }

    #[test]
    fn credentials_stay_on_the_repository_host() {
        let o = RepositoryOptions {
            username: Some("u".into()),
            password: Some("p".into()),
            ..Default::default()
        };
        let repo = url::Url::parse("http://h.example:8080/r").expect("url");
        let same = url::Url::parse("http://h.example:8080/c.tgz").expect("url");
        let other = url::Url::parse("http://cdn.example/c.tgz").expect("url");
        let port = url::Url::parse("http://h.example:9090/c.tgz").expect("url");
        assert!(o.sends_credentials(&repo, &same));
        assert!(!o.sends_credentials(&repo, &other));
        assert!(!o.sends_credentials(&repo, &port));
        let pass = RepositoryOptions {
            pass_credentials: true,
            ..o.clone()
        };
        assert!(pass.sends_credentials(&repo, &other));
        assert!(!format!("{o:?}").contains("\"p\""));
    }

    #[test]
    fn options_from_secrets() {
        let mut auth = BTreeMap::new();
        auth.insert("username".to_string(), b"u".to_vec());
        auth.insert("password".to_string(), b"p".to_vec());
        auth.insert("caFile".to_string(), b"old".to_vec());
        let mut cert = BTreeMap::new();
        cert.insert("ca.crt".to_string(), b"new".to_vec());
        let o = RepositoryOptions::from_secret_data(Some(&auth), Some(&cert));
        assert_eq!(o.username.as_deref(), Some("u"));
        assert_eq!(o.ca_pem.as_deref(), Some(&b"new"[..]));
        let o = RepositoryOptions::from_secret_data(Some(&auth), None);
        assert_eq!(o.ca_pem.as_deref(), Some(&b"old"[..]));
        assert!(matches!(
            repository_url("oci://r.example/c"),
            Err(Error::InvalidUrl { .. })
        ));
    }
}
