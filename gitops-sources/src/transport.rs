//! TLS and proxy settings of the HTTP clients of OCI and bucket sources, as Flux reads
//! them from a source's `certSecretRef` and `proxySecretRef`.
//!
//! - TLS secret keys: `ca.crt` (CA certificates, PEM, trusted in addition to the system
//!   roots), `tls.crt` + `tls.key` (client certificate for mTLS); the deprecated
//!   `caFile`, `certFile`, `keyFile` are read when the preferred key is absent, as
//!   fluxcd/pkg `runtime/secrets` does.
//! - Proxy secrets are read by [`crate::git::Proxy`] (`address`, `username`, `password`).
//!
//! ```
//! use std::collections::BTreeMap;
//! use gitops_sources::transport::{ClientTls, Error};
//!
//! let data = BTreeMap::from([("tls.crt".to_string(), b"...".to_vec())]);
//! let err = ClientTls::from_secret("default/certs", &data).unwrap_err();
//! assert_eq!(err.to_string(), "secret 'default/certs' contains 'tls.crt' but missing 'tls.key'");
//! ```

use std::collections::BTreeMap;
use std::fmt;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::git::Proxy;

/// Why TLS or proxy settings cannot be used. Messages name the secret and key, never a
/// secret value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The TLS secret has neither a CA nor a client certificate pair.
    #[error("secret '{secret}' must contain either 'ca.crt' or both 'tls.crt' and 'tls.key'")]
    NoCertificatePairOrCa {
        /// `namespace/name` of the secret.
        secret: String,
    },
    /// Only one half of the client certificate pair is present.
    #[error("secret '{secret}' contains '{present}' but missing '{missing}'")]
    IncompletePair {
        /// `namespace/name` of the secret.
        secret: String,
        /// The key found.
        present: &'static str,
        /// The key missing.
        missing: &'static str,
    },
    /// The CA certificates do not parse.
    #[error("secret '{secret}': failed to parse CA certificate in '{key}': {reason}")]
    InvalidCa {
        /// `namespace/name` of the secret.
        secret: String,
        /// `ca.crt` or `caFile`.
        key: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The client certificate and key do not parse.
    #[error("secret '{secret}': failed to parse TLS certificate and key: {reason}")]
    InvalidPair {
        /// `namespace/name` of the secret.
        secret: String,
        /// What is wrong.
        reason: String,
    },
    /// The proxy address is not a usable URL.
    #[error("invalid proxy address '{address}': {reason}")]
    InvalidProxy {
        /// The address (without credentials).
        address: String,
        /// What is wrong.
        reason: String,
    },
    /// The HTTP client could not be built from the settings.
    #[error("configuring the HTTP client: {0}")]
    Client(String),
}

/// TLS material from a `certSecretRef` secret. `Debug` never prints the key.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ClientTls {
    /// Extra trusted CA certificates (DER), from `ca.crt` or `caFile`.
    pub ca: Vec<Vec<u8>>,
    /// The client certificate chain in PEM (`tls.crt` or `certFile`).
    pub cert_pem: Option<Vec<u8>>,
    /// The client private key in PEM (`tls.key` or `keyFile`).
    pub key_pem: Option<Vec<u8>>,
}

impl fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientTls")
            .field("ca", &self.ca.len())
            .field("cert_pem", &self.cert_pem.is_some())
            .field("key_pem", &self.key_pem.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The value of `key`, else of the deprecated `legacy` key, with the key read.
fn pick<'a>(
    data: &'a BTreeMap<String, Vec<u8>>,
    key: &'static str,
    legacy: &'static str,
) -> Option<(&'static str, &'a [u8])> {
    data.get(key)
        .map(|v| (key, v.as_slice()))
        .or_else(|| data.get(legacy).map(|v| (legacy, v.as_slice())))
        .filter(|(_, v)| !v.is_empty())
}

impl ClientTls {
    /// Reads and validates the TLS keys of the secret `secret` (`namespace/name`, for
    /// messages) as fluxcd/pkg does: a CA, a client pair, or both.
    pub fn from_secret(secret: &str, data: &BTreeMap<String, Vec<u8>>) -> Result<Self, Error> {
        let ca = pick(data, "ca.crt", "caFile");
        let cert = pick(data, "tls.crt", "certFile");
        let key = pick(data, "tls.key", "keyFile");
        match (&cert, &key) {
            (Some(_), None) => {
                return Err(Error::IncompletePair {
                    secret: secret.to_string(),
                    present: "tls.crt",
                    missing: "tls.key",
                });
            }
            (None, Some(_)) => {
                return Err(Error::IncompletePair {
                    secret: secret.to_string(),
                    present: "tls.key",
                    missing: "tls.crt",
                });
            }
            (None, None) if ca.is_none() => {
                return Err(Error::NoCertificatePairOrCa {
                    secret: secret.to_string(),
                });
            }
            _ => {}
        }
        let mut out = ClientTls::default();
        if let Some((key_name, pem)) = ca {
            let invalid = |reason: String| Error::InvalidCa {
                secret: secret.to_string(),
                key: key_name,
                reason,
            };
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| invalid(format!("invalid PEM: {e}")))?;
                rustls::RootCertStore::empty()
                    .add(cert.clone())
                    .map_err(|e| invalid(e.to_string()))?;
                out.ca.push(cert.to_vec());
            }
            if out.ca.is_empty() {
                return Err(invalid("no PEM certificate found".into()));
            }
        }
        if let (Some((_, cert)), Some((_, key))) = (cert, key) {
            let invalid = |reason: String| Error::InvalidPair {
                secret: secret.to_string(),
                reason,
            };
            let certs = CertificateDer::pem_slice_iter(cert)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| invalid(format!("invalid certificate PEM: {e}")))?;
            if certs.is_empty() {
                return Err(invalid("no certificate found".into()));
            }
            PrivateKeyDer::from_pem_slice(key)
                .map_err(|e| invalid(format!("invalid private key PEM: {e}")))?;
            out.cert_pem = Some(cert.to_vec());
            out.key_pem = Some(key.to_vec());
        }
        Ok(out)
    }

    /// Whether a client certificate (mTLS) is configured.
    pub fn has_client_certificate(&self) -> bool {
        self.cert_pem.is_some() && self.key_pem.is_some()
    }

    fn identity(&self) -> Result<Option<reqwest::Identity>, Error> {
        let (Some(cert), Some(key)) = (&self.cert_pem, &self.key_pem) else {
            return Ok(None);
        };
        let mut pem = key.clone();
        pem.push(b'\n');
        pem.extend_from_slice(cert);
        reqwest::Identity::from_pem(&pem)
            .map(Some)
            .map_err(|e| Error::Client(format!("client certificate: {e}")))
    }
}

/// How an HTTP client reaches a server: extra CAs and client certificate, a proxy, and
/// (OCIRepository with `insecure` and no `certSecretRef` only) no server verification.
#[derive(Clone, Debug, Default)]
pub struct Transport {
    /// From `certSecretRef`.
    pub tls: Option<ClientTls>,
    /// From `proxySecretRef`; replaces the `HTTPS_PROXY`/`HTTP_PROXY` environment.
    pub proxy: Option<Proxy>,
    /// Accept any server certificate.
    pub insecure_skip_verify: bool,
}

impl Transport {
    /// The proxy URL with its credentials as userinfo (what clients taking a proxy URL
    /// string expect), if a proxy is set.
    pub fn proxy_url(&self) -> Result<Option<String>, Error> {
        let Some(proxy) = &self.proxy else {
            return Ok(None);
        };
        let invalid = |reason: String| Error::InvalidProxy {
            address: proxy.address.clone(),
            reason,
        };
        let mut url = url::Url::parse(&proxy.address).map_err(|e| invalid(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid(format!(
                "scheme '{}' is not supported (http, https)",
                url.scheme()
            )));
        }
        if let Some(user) = proxy.username.as_deref().filter(|u| !u.is_empty()) {
            url.set_username(user)
                .map_err(|()| invalid("cannot carry a username".into()))?;
            url.set_password(proxy.password.as_deref())
                .map_err(|()| invalid("cannot carry a password".into()))?;
        }
        Ok(Some(url.to_string()))
    }

    /// A reqwest client builder with these settings (no proxy from the environment when a
    /// proxy is set).
    pub fn client_builder(&self) -> Result<reqwest::ClientBuilder, Error> {
        crate::tls::ensure_provider();
        let mut builder = reqwest::Client::builder();
        if let Some(tls) = &self.tls {
            let certs = tls
                .ca
                .iter()
                .map(|der| reqwest::Certificate::from_der(der))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| Error::Client(format!("CA certificate: {e}")))?;
            builder = builder.tls_certs_merge(certs);
            if let Some(identity) = tls.identity()? {
                builder = builder.identity(identity);
            }
        }
        if self.insecure_skip_verify {
            builder = builder.danger_accept_invalid_certs(true);
        }
        if let Some(url) = self.proxy_url()? {
            let proxy = reqwest::Proxy::all(&url)
                .map_err(|e| Error::Client(self.redact(&format!("proxy: {e}"))))?;
            builder = builder.proxy(proxy);
        }
        Ok(builder)
    }

    /// `message` with the proxy password replaced.
    pub fn redact(&self, message: &str) -> String {
        match self
            .proxy
            .as_ref()
            .and_then(|p| p.password.as_deref())
            .filter(|p| !p.is_empty())
        {
            Some(password) => message.replace(password, "<redacted>"),
            None => message.to_string(),
        }
    }
}

/// Whether `err` (or an error in its chain) says the server's certificate was refused,
/// i.e. the server does speak TLS but is not trusted (or refused ours).
pub fn is_certificate_error(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return matches!(
                tls,
                rustls::Error::InvalidCertificate(_)
                    | rustls::Error::AlertReceived(_)
                    | rustls::Error::NoCertificatesPresented
            );
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && is_certificate_error(inner)
        {
            return true;
        }
        current = e.source();
    }
    false
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn data(pairs: &[(&str, &[u8])]) -> BTreeMap<String, Vec<u8>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_vec()))
            .collect()
    }

    #[test]
    fn tls_secret_validation_follows_flux() {
        let err = ClientTls::from_secret("ns/s", &data(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "secret 'ns/s' must contain either 'ca.crt' or both 'tls.crt' and 'tls.key'"
        );
        let err = ClientTls::from_secret("ns/s", &data(&[("keyFile", b"k")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "secret 'ns/s' contains 'tls.key' but missing 'tls.crt'"
        );
        let err = ClientTls::from_secret("ns/s", &data(&[("caFile", b"junk")])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("secret 'ns/s': failed to parse CA certificate in 'caFile'"),
            "{err}"
        );
    }

    #[test]
    fn proxy_url_carries_encoded_credentials() {
        let t = Transport {
            proxy: Some(Proxy {
                address: "http://127.0.0.1:3128".into(),
                username: Some("u@x".into()),
                password: Some("p:w/d".into()),
            }),
            ..Default::default()
        };
        assert_eq!(
            t.proxy_url().unwrap().unwrap(),
            "http://u%40x:p%3Aw%2Fd@127.0.0.1:3128/"
        );
        assert_eq!(t.redact("x p:w/d y"), "x <redacted> y");
        let socks = Transport {
            proxy: Some(Proxy {
                address: "socks5://h:1".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert!(socks.proxy_url().is_err());
    }
}
