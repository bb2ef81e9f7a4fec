//! Credentials from a Flux Git secret's data, and the files the spawned `ssh` needs.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;

use super::Error;

/// Credentials read from a Flux Git secret (`secretRef`).
///
/// `Debug` never prints secret values.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Auth {
    /// Basic auth user (`username`).
    pub username: Option<String>,
    /// Basic auth password (`password`); for SSH the passphrase of `identity`.
    pub password: Option<String>,
    /// Bearer token (`bearerToken`) sent as `Authorization: Bearer`.
    pub bearer_token: Option<String>,
    /// Extra trusted CA certificates in PEM (`ca.crt`, or the legacy `caFile`).
    pub ca_pem: Option<Vec<u8>>,
    /// Client certificate chain in PEM for mTLS (`tls.crt`).
    pub client_cert_pem: Option<Vec<u8>>,
    /// Client private key in PEM for mTLS (`tls.key`).
    pub client_key_pem: Option<Vec<u8>>,
    /// SSH private key in OpenSSH/PEM format (`identity`).
    pub ssh_identity: Option<Vec<u8>>,
    /// SSH known hosts lines (`known_hosts`).
    pub ssh_known_hosts: Option<Vec<u8>>,
    /// The HTTP(S) proxy from `proxySecretRef` (set with [`Auth::with_proxy`]); without
    /// it the `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` environment applies.
    pub proxy: Option<Proxy>,
}

/// An HTTP proxy from a Flux `proxySecretRef` secret (`address`, `username`, `password`).
///
/// `Debug` never prints the password.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Proxy {
    /// Proxy URL, e.g. `http://proxy.example:3128`.
    pub address: String,
    /// Proxy basic auth user.
    pub username: Option<String>,
    /// Proxy basic auth password.
    pub password: Option<String>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("address", &self.address)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl Proxy {
    /// Reads a proxy secret's data; `address` is required and must be an `http(s)://` URL.
    pub fn from_secret(data: &BTreeMap<String, Vec<u8>>) -> Result<Self, Error> {
        let address = text(data, "address")?
            .filter(|a| !a.trim().is_empty())
            .ok_or_else(|| Error::Secret {
                key: "address".into(),
                reason: "is required in the proxy secret".into(),
            })?;
        let scheme_ok =
            url::Url::parse(address.trim()).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !scheme_ok {
            return Err(Error::Secret {
                key: "address".into(),
                reason: "must be an http:// or https:// proxy URL (SOCKS5 is not supported)".into(),
            });
        }
        Ok(Proxy {
            address: address.trim().to_string(),
            username: text(data, "username")?,
            password: text(data, "password")?,
        })
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |v: bool| if v { "<set>" } else { "<unset>" };
        f.debug_struct("Auth")
            .field("username", &self.username)
            .field("password", &set(self.password.is_some()))
            .field("bearer_token", &set(self.bearer_token.is_some()))
            .field("ca_pem", &set(self.ca_pem.is_some()))
            .field("client_cert_pem", &set(self.client_cert_pem.is_some()))
            .field("client_key_pem", &set(self.client_key_pem.is_some()))
            .field("ssh_identity", &set(self.ssh_identity.is_some()))
            .field("ssh_known_hosts", &set(self.ssh_known_hosts.is_some()))
            .field("proxy", &self.proxy)
            .finish()
    }
}

fn text(data: &BTreeMap<String, Vec<u8>>, key: &str) -> Result<Option<String>, Error> {
    match data.get(key) {
        None => Ok(None),
        Some(bytes) => String::from_utf8(bytes.clone())
            .map(Some)
            .map_err(|_| Error::Secret {
                key: key.into(),
                reason: "is not UTF-8".into(),
            }),
    }
}

impl Auth {
    /// These credentials with traffic sent through `proxy` (HTTP(S) URLs only).
    pub fn with_proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Reads the keys Flux understands from a secret's `data`. Unknown keys are ignored.
    pub fn from_secret(data: &BTreeMap<String, Vec<u8>>) -> Result<Self, Error> {
        let auth = Auth {
            username: text(data, "username")?,
            password: text(data, "password")?,
            bearer_token: text(data, "bearerToken")?,
            ca_pem: data.get("ca.crt").or_else(|| data.get("caFile")).cloned(),
            client_cert_pem: data.get("tls.crt").cloned(),
            client_key_pem: data.get("tls.key").cloned(),
            ssh_identity: data.get("identity").cloned(),
            ssh_known_hosts: data.get("known_hosts").cloned(),
            proxy: None,
        };
        if auth.client_cert_pem.is_some() != auth.client_key_pem.is_some() {
            let key = if auth.client_cert_pem.is_some() {
                "tls.key"
            } else {
                "tls.crt"
            };
            return Err(Error::Secret {
                key: key.into(),
                reason: "is required with the other mTLS key".into(),
            });
        }
        if let Some(ca) = &auth.ca_pem {
            check_ca(ca)?;
        }
        if auth.bearer_token.is_some() && auth.username.is_some() {
            return Err(Error::Secret {
                key: "bearerToken".into(),
                reason: "cannot be combined with basic auth 'username'".into(),
            });
        }
        Ok(auth)
    }

    /// The `Authorization` header value for HTTP(S), if any.
    pub(crate) fn http_authorization(&self) -> Option<String> {
        if let Some(token) = &self.bearer_token {
            return Some(format!("Bearer {token}"));
        }
        let user = self.username.as_deref()?;
        let pass = self.password.as_deref().unwrap_or("");
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        Some(format!("Basic {encoded}"))
    }

    /// Replaces every secret value occurring in `message` with `***`.
    pub(crate) fn redact(&self, message: &str) -> String {
        let mut out = message.to_string();
        let proxy_password = self.proxy.as_ref().and_then(|p| p.password.clone());
        let secrets = [&self.password, &self.bearer_token, &proxy_password];
        for secret in secrets.into_iter().flatten() {
            if secret.len() >= 3 {
                out = out.replace(secret.as_str(), "***");
            }
        }
        if let Some(header) = self.http_authorization() {
            out = out.replace(&header, "***");
        }
        out
    }
}

/// Checks that `ca.crt` holds at least one well-formed certificate.
fn check_ca(pem: &[u8]) -> Result<(), Error> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let invalid = |reason: String| Error::Secret {
        key: "ca.crt".into(),
        reason,
    };
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| invalid(format!("is not valid PEM: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| invalid(format!("holds an invalid certificate: {e}")))?;
    }
    if roots.is_empty() {
        return Err(invalid("holds no PEM certificate".into()));
    }
    Ok(())
}

/// Files for the spawned `ssh`: identity, known hosts, askpass helper, and a wrapper script
/// that runs `ssh` with them. Removed on drop.
pub(crate) struct SshFiles {
    _dir: tempfile::TempDir,
    /// The wrapper to use as `core.sshCommand`.
    pub wrapper: PathBuf,
    /// Where the wrapper appends `ssh`'s standard error.
    pub stderr_log: PathBuf,
}

fn write_private(path: &Path, data: &[u8], mode: u32) -> Result<(), Error> {
    use std::os::unix::fs::OpenOptionsExt;
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(io)?;
    file.write_all(data).map_err(io)
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "'\\''"))
}

impl SshFiles {
    /// Writes the files for `auth`; `known_hosts` is required (host keys are always checked).
    pub(crate) fn new(auth: &Auth, url: &str, connect_timeout_secs: u64) -> Result<Self, Error> {
        let known_hosts = auth.ssh_known_hosts.as_ref().ok_or_else(|| Error::Secret {
            key: "known_hosts".into(),
            reason: format!("is required for SSH URL '{url}'"),
        })?;
        let dir = tempfile::Builder::new()
            .prefix("gitops-ssh-")
            .tempdir()
            .map_err(|source| Error::Io {
                path: std::env::temp_dir(),
                source,
            })?;
        let base = dir.path();
        let kh = base.join("known_hosts");
        write_private(&kh, known_hosts, 0o600)?;
        let mut script = String::from("#!/bin/sh\n");
        let mut args = vec![
            "-F".to_string(),
            "/dev/null".into(),
            "-o".into(),
            "StrictHostKeyChecking=yes".into(),
            "-o".into(),
            format!("UserKnownHostsFile={}", shell_quote(&kh)),
            "-o".into(),
            "GlobalKnownHostsFile=/dev/null".into(),
            "-o".into(),
            format!("ConnectTimeout={connect_timeout_secs}"),
            "-o".into(),
            format!("ServerAliveInterval={connect_timeout_secs}"),
            "-o".into(),
            "ServerAliveCountMax=1".into(),
            "-o".into(),
            "PasswordAuthentication=no".into(),
            "-o".into(),
            "KbdInteractiveAuthentication=no".into(),
            "-o".into(),
            "LogLevel=ERROR".into(),
        ];
        if let Some(identity) = &auth.ssh_identity {
            let id = base.join("identity");
            let mut data = identity.clone();
            if !data.ends_with(b"\n") {
                data.push(b'\n');
            }
            write_private(&id, &data, 0o600)?;
            args.extend([
                "-o".into(),
                "IdentitiesOnly=yes".into(),
                "-i".into(),
                shell_quote(&id),
            ]);
        }
        if let Some(password) = &auth.password {
            let pass = base.join("passphrase");
            write_private(&pass, password.as_bytes(), 0o600)?;
            let askpass = base.join("askpass");
            write_private(
                &askpass,
                format!("#!/bin/sh\ncat {}\n", shell_quote(&pass)).as_bytes(),
                0o700,
            )?;
            script.push_str(&format!(
                "SSH_ASKPASS={}\nSSH_ASKPASS_REQUIRE=force\nDISPLAY=none\nexport SSH_ASKPASS SSH_ASKPASS_REQUIRE DISPLAY\n",
                shell_quote(&askpass)
            ));
        } else {
            args.extend(["-o".into(), "BatchMode=yes".into()]);
        }
        let stderr_log = base.join("stderr.log");
        script.push_str(&format!(
            "exec ssh {} \"$@\" 2>>{}\n",
            args.join(" "),
            shell_quote(&stderr_log)
        ));
        let wrapper = base.join("ssh");
        write_private(&wrapper, script.as_bytes(), 0o700)?;
        Ok(SshFiles {
            _dir: dir,
            wrapper,
            stderr_log,
        })
    }

    /// What `ssh` reported on standard error (banners dropped), for error messages.
    pub(crate) fn stderr(&self) -> String {
        let text = std::fs::read_to_string(&self.stderr_log).unwrap_or_default();
        text.lines()
            .map(str::trim)
            .filter(|l| {
                !l.is_empty()
                    && !l.starts_with('@')
                    && !l.contains("remove with:")
                    && !l.starts_with("ssh-keygen -f")
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn secret(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn basic_and_bearer_headers() {
        let auth =
            Auth::from_secret(&secret(&[("username", "git"), ("password", "s3cret")])).unwrap();
        assert_eq!(
            auth.http_authorization().as_deref(),
            Some("Basic Z2l0OnMzY3JldA==")
        );
        assert!(!format!("{auth:?}").contains("s3cret"));
        assert_eq!(auth.redact("x s3cret y"), "x *** y");
        let auth = Auth::from_secret(&secret(&[("bearerToken", "tok123")])).unwrap();
        assert_eq!(auth.http_authorization().as_deref(), Some("Bearer tok123"));
    }

    #[test]
    fn inconsistent_secrets_name_the_key() {
        let err = Auth::from_secret(&secret(&[("tls.crt", "x")])).unwrap_err();
        assert!(err.to_string().contains("tls.key"), "{err}");
        let err =
            Auth::from_secret(&secret(&[("bearerToken", "t"), ("username", "u")])).unwrap_err();
        assert!(err.to_string().contains("bearerToken"), "{err}");
        let err = Proxy::from_secret(&secret(&[("address", "socks5://p:1080")])).unwrap_err();
        assert!(err.to_string().contains("address"), "{err}");
        let proxy = Proxy::from_secret(&secret(&[
            ("address", "http://p:3128"),
            ("password", "proxypw"),
        ]))
        .unwrap();
        assert!(!format!("{proxy:?}").contains("proxypw"));
        let err = Auth::from_secret(&secret(&[("ca.crt", "garbage")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "secret key 'ca.crt' holds no PEM certificate"
        );
        let err = Auth::from_secret(&[("password".to_string(), vec![0xff])].into_iter().collect())
            .unwrap_err();
        assert!(err.to_string().contains("password"), "{err}");
    }
}
