//! The registry session: one oci-client `Client` for one repository with its
//! credentials, and the few calls Flux makes (tags, manifests, blobs, push).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::OciDistributionError;
use oci_client::manifest::{
    IMAGE_MANIFEST_MEDIA_TYPE, OCI_IMAGE_MEDIA_TYPE, OciDescriptor, OciImageManifest,
};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

use super::url::{OciUrl, plain_http};
use super::{Credentials, Error, RegistryOptions};

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
    pub(crate) fn new(
        url: OciUrl,
        creds: &Credentials,
        opts: &RegistryOptions,
    ) -> Result<Self, Error> {
        crate::tls::ensure_provider();
        let auth = creds.for_registry(&url.registry)?;
        let protocol = if plain_http(&url.registry, opts.insecure) {
            ClientProtocol::Http
        } else {
            ClientProtocol::Https
        };
        let config = ClientConfig {
            protocol,
            connect_timeout: Some(opts.timeout.min(Duration::from_secs(30))),
            read_timeout: Some(opts.timeout),
            user_agent: concat!("gitops-sources/", env!("CARGO_PKG_VERSION")),
            use_monolithic_push: true,
            ..ClientConfig::default()
        };
        let client = Client::try_from(config).map_err(|e| Error::Registry {
            reference: url.repository_name(),
            operation: "creating the client",
            message: e.to_string(),
        })?;
        Ok(Session {
            client,
            auth,
            url,
            secrets: creds.secrets(),
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
