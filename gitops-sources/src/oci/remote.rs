//! The registry session: one oci-client `Client` for one repository with its
//! credentials, and the few calls Flux makes (tags, manifests, blobs, push).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
use oci_client::errors::OciDistributionError;
use oci_client::manifest::{
    IMAGE_MANIFEST_MEDIA_TYPE, OCI_IMAGE_MEDIA_TYPE, OciDescriptor, OciImageManifest,
};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

use super::url::{OciUrl, plain_http};
use super::{Credentials, Error, RegistryOptions};
use crate::transport::{Transport, is_certificate_error};

/// Tags asked for per page of the tag list.
const TAGS_PAGE: usize = 1000;
/// Safety stop for registries that ignore `last`.
const MAX_TAG_PAGES: usize = 10_000;

/// A client bound to one repository.
pub(crate) struct Session {
    client: Client,
    auth: RegistryAuth,
    pub(crate) url: OciUrl,
    secrets: Vec<String>,
    timeout: Duration,
}

impl Session {
    /// Opens a session: picks the scheme the registry answers on (HTTPS, then plain HTTP
    /// when allowed, see [`choose_protocol`]) and builds the client with `transport`'s
    /// CA certificates and proxy. With `opts.insecure` and no CA given, the server
    /// certificate is not verified (Flux's OCIRepository and `flux` CLI behaviour).
    pub(crate) async fn connect(
        url: OciUrl,
        creds: &Credentials,
        opts: &RegistryOptions,
        transport: &Transport,
    ) -> Result<Self, Error> {
        crate::tls::ensure_provider();
        let auth = creds.for_registry(&url.registry)?;
        let transport = Transport {
            insecure_skip_verify: transport.insecure_skip_verify
                || (opts.insecure && transport.tls.is_none()),
            ..transport.clone()
        };
        let fail = |operation: &'static str, message: String| Error::Registry {
            reference: url.repository_name(),
            operation,
            message: transport.redact(&message),
        };
        if transport
            .tls
            .as_ref()
            .is_some_and(|t| t.has_client_certificate())
        {
            return Err(Error::Unsupported {
                url: format!("{}{}", super::OCI_PREFIX, url.repository_name()),
                what: "client certificate authentication ('tls.crt'/'tls.key' in the TLS secret) with OCI registries".into(),
            });
        }
        let proxy = transport
            .proxy_url()
            .map_err(|e| fail("configuring the proxy", e.to_string()))?;
        let protocol = choose_protocol(&url, opts, &transport).await?;
        let config = ClientConfig {
            protocol,
            accept_invalid_certificates: transport.insecure_skip_verify,
            extra_root_certificates: transport
                .tls
                .iter()
                .flat_map(|t| t.ca.iter())
                .map(|der| Certificate {
                    encoding: CertificateEncoding::Der,
                    data: der.clone(),
                })
                .collect(),
            https_proxy: proxy.clone(),
            http_proxy: proxy,
            connect_timeout: Some(opts.timeout.min(Duration::from_secs(30))),
            read_timeout: Some(opts.timeout),
            user_agent: concat!("gitops-sources/", env!("CARGO_PKG_VERSION")),
            use_monolithic_push: true,
            ..ClientConfig::default()
        };
        let client =
            Client::try_from(config).map_err(|e| fail("creating the client", error_chain(&e)))?;
        let mut secrets = creds.secrets();
        secrets.extend(
            transport
                .proxy
                .as_ref()
                .and_then(|p| p.password.clone())
                .filter(|p| !p.is_empty()),
        );
        Ok(Session {
            client,
            auth,
            url,
            secrets,
            timeout: opts.timeout,
        })
    }

    /// Runs `fut` under the session timeout, mapping client errors for `reference`.
    async fn call<T>(
        &self,
        reference: &str,
        operation: &'static str,
        fut: impl std::future::Future<Output = Result<T, OciDistributionError>>,
    ) -> Result<T, Error> {
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.map_error(reference, operation, &e)),
            Err(_) => Err(Error::Timeout {
                reference: reference.to_string(),
                operation,
                timeout: self.timeout,
            }),
        }
    }

    fn map_error(
        &self,
        reference: &str,
        operation: &'static str,
        err: &OciDistributionError,
    ) -> Error {
        let mut message = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            let text = s.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = s.source();
        }
        for secret in &self.secrets {
            message = message.replace(secret.as_str(), "<redacted>");
        }
        let reference = reference.to_string();
        match err {
            OciDistributionError::UnauthorizedError { .. }
            | OciDistributionError::AuthenticationFailure(_) => {
                Error::Unauthorized { reference, message }
            }
            OciDistributionError::RegistryError { envelope, .. }
                if envelope.errors.iter().any(|e| {
                    matches!(
                        e.code,
                        oci_client::errors::OciErrorCode::Unauthorized
                            | oci_client::errors::OciErrorCode::Denied
                    )
                }) =>
            {
                Error::Unauthorized { reference, message }
            }
            OciDistributionError::RequestError(e)
                if e.status().is_some_and(|s| {
                    s == reqwest::StatusCode::UNAUTHORIZED || s == reqwest::StatusCode::FORBIDDEN
                }) =>
            {
                Error::Unauthorized { reference, message }
            }
            OciDistributionError::RequestError(e)
                if e.status() == Some(reqwest::StatusCode::NOT_FOUND) =>
            {
                Error::NotFound { reference, message }
            }
            OciDistributionError::ImageManifestNotFoundError(_) => {
                Error::NotFound { reference, message }
            }
            OciDistributionError::RegistryError { envelope, .. }
                if envelope.errors.iter().any(|e| {
                    matches!(
                        e.code,
                        oci_client::errors::OciErrorCode::ManifestUnknown
                            | oci_client::errors::OciErrorCode::NameUnknown
                            | oci_client::errors::OciErrorCode::BlobUnknown
                    )
                }) =>
            {
                Error::NotFound { reference, message }
            }
            _ => Error::Registry {
                reference,
                operation,
                message,
            },
        }
    }

    /// All tags of the repository, in the registry's order, following `last` pagination.
    pub(crate) async fn tags(&self) -> Result<Vec<String>, Error> {
        let name = self.url.repository_name();
        let image = self.url.with_tag("latest");
        let mut seen = BTreeSet::new();
        let mut all = Vec::new();
        let mut last: Option<String> = None;
        for _ in 0..MAX_TAG_PAGES {
            let page = self
                .call(
                    &name,
                    "listing tags",
                    self.client
                        .list_tags(&image, &self.auth, Some(TAGS_PAGE), last.as_deref()),
                )
                .await?;
            let mut progressed = false;
            for tag in page.tags {
                if seen.insert(tag.clone()) {
                    all.push(tag);
                    progressed = true;
                }
            }
            match all.last() {
                Some(l) if progressed => last = Some(l.clone()),
                _ => break,
            }
        }
        Ok(all)
    }

    /// The image manifest at `reference` and its digest.
    pub(crate) async fn manifest(
        &self,
        reference: &Reference,
    ) -> Result<(OciImageManifest, String), Error> {
        let shown = reference.whole();
        let (bytes, digest) = self
            .call(
                &shown,
                "fetching the manifest",
                self.client.pull_manifest_raw(
                    reference,
                    &self.auth,
                    &[OCI_IMAGE_MEDIA_TYPE, IMAGE_MANIFEST_MEDIA_TYPE],
                ),
            )
            .await?;
        let manifest: OciImageManifest =
            serde_json::from_slice(&bytes).map_err(|e| Error::InvalidManifest {
                reference: shown.clone(),
                reason: e.to_string(),
            })?;
        Ok((manifest, digest))
    }

    /// Downloads the blob `layer` to `path` (digest-verified by the client).
    pub(crate) async fn blob_to_file(
        &self,
        reference: &Reference,
        layer: &OciDescriptor,
        path: &Path,
    ) -> Result<(), Error> {
        let file = tokio::fs::File::create(path)
            .await
            .map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })?;
        let shown = format!("{}@{}", self.url.repository_name(), layer.digest);
        self.call(
            &shown,
            "downloading the layer",
            self.client.pull_blob(reference, layer, file),
        )
        .await?;
        Ok(())
    }

    /// Uploads a blob unless the registry has it already.
    pub(crate) async fn push_blob(
        &self,
        reference: &Reference,
        data: Vec<u8>,
        digest: &str,
    ) -> Result<(), Error> {
        let shown = reference.whole();
        // Authenticate for push first; the blob calls reuse the token.
        self.call(
            &shown,
            "authenticating",
            self.client
                .auth(reference, &self.auth, oci_client::RegistryOperation::Push),
        )
        .await?;
        if self
            .call(
                &shown,
                "checking a blob",
                self.client.blob_exists(reference, digest),
            )
            .await?
        {
            return Ok(());
        }
        self.call(
            &shown,
            "uploading a blob",
            self.client.push_blob(reference, data, digest),
        )
        .await?;
        Ok(())
    }

    /// Uploads a manifest under `reference` (a tag).
    pub(crate) async fn push_manifest(
        &self,
        reference: &Reference,
        bytes: Vec<u8>,
    ) -> Result<(), Error> {
        let shown = reference.whole();
        let content_type = http_header(OCI_IMAGE_MEDIA_TYPE);
        self.call(
            &shown,
            "uploading the manifest",
            self.client
                .push_manifest_raw(reference, bytes, content_type),
        )
        .await?;
        Ok(())
    }
}

fn http_header(value: &'static str) -> reqwest::header::HeaderValue {
    reqwest::header::HeaderValue::from_static(value)
}

/// The scheme a registry is reached with, as go-containerregistry's ping decides it:
/// `GET /v2/` over HTTPS; on failure, plain HTTP when allowed (`insecure`, or a
/// loopback, `localhost` or private address, see [`plain_http`]). Any HTTP answer counts.
/// Unlike go-containerregistry, a refused server certificate ends the probe: the server
/// speaks TLS, so the certificate error is the one worth reporting.
async fn choose_protocol(
    url: &OciUrl,
    opts: &RegistryOptions,
    transport: &Transport,
) -> Result<ClientProtocol, Error> {
    let fail = |message: String| Error::Registry {
        reference: url.repository_name(),
        operation: "connecting to the registry",
        message: transport.redact(&message),
    };
    let client = transport
        .client_builder()
        .map_err(|e| fail(e.to_string()))?
        .connect_timeout(opts.timeout.min(Duration::from_secs(30)))
        .timeout(opts.timeout)
        .build()
        .map_err(|e| fail(error_chain(&e)))?;
    let registry = &url.registry;
    let https = match client.get(format!("https://{registry}/v2/")).send().await {
        Ok(_) => return Ok(ClientProtocol::Https),
        Err(e) => e,
    };
    if !plain_http(registry, opts.insecure) || is_certificate_error(&https) {
        return Err(fail(error_chain(&https)));
    }
    match client.get(format!("http://{registry}/v2/")).send().await {
        Ok(r) if r.status() == reqwest::StatusCode::PROXY_AUTHENTICATION_REQUIRED => {
            Err(fail(format!(
                "the proxy '{}' refused the request: {}",
                transport
                    .proxy
                    .as_ref()
                    .map(|p| p.address.as_str())
                    .unwrap_or_default(),
                r.status()
            )))
        }
        Ok(_) => Ok(ClientProtocol::Http),
        Err(http) => Err(fail(format!(
            "{}; over plain HTTP: {}",
            error_chain(&https),
            error_chain(&http)
        ))),
    }
}

/// `err` and its sources, each once.
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
