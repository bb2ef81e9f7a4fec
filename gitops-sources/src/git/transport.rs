//! Talking to the remote with gix: a throw-away bare repository, the transport configured
//! from [`Auth`], one connection that lists the wanted refs and fetches them.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use gix::protocol::transport::client::blocking_io::{Transport, http};
use gix::remote::Direction;

use super::Error;
use super::auth::{Auth, SshFiles};
use super::refs::RemoteRef;

/// A scratch repository and the settings to reach one remote.
pub(crate) struct Remote {
    /// Keeps the repository (and the ssh files) alive.
    _tmp: tempfile::TempDir,
    ssh: Option<SshFiles>,
    pub(crate) repo: gix::Repository,
    pub(crate) url: String,
    auth: Auth,
    timeout: Duration,
}

/// What the remote advertised and what a fetch is about to get.
pub(crate) struct Listing<'r> {
    prepare: gix::remote::fetch::Prepare<'static, 'r, Box<dyn Transport + Send>>,
    /// The advertised refs (filtered by the refspec prefixes).
    pub(crate) refs: Vec<RemoteRef>,
}

impl Remote {
    /// A scratch repository configured to reach `url` with `auth`.
    pub(crate) fn new(url: &str, auth: &Auth, timeout: Duration) -> Result<Self, Error> {
        let tmp = tempfile::Builder::new()
            .prefix("gitops-git-")
            .tempdir()
            .map_err(|source| Error::Io {
                path: std::env::temp_dir(),
                source,
            })?;
        let path = tmp.path().join("repo.git");
        let local = |e: gix::Error| Error::Local {
            path: path.clone(),
            message: e.to_string(),
        };
        gix::init_bare(&path).map_err(&local)?;
        if auth.proxy.is_some() && !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Error::Url {
                url: super::display_url(url),
                reason: "a proxy is only supported for http:// and https:// URLs".into(),
            });
        }
        let ssh = if url.starts_with("ssh://") {
            Some(SshFiles::new(auth, url, timeout.as_secs().max(1))?)
        } else {
            None
        };
        let mut config = String::from("[protocol]\n\tversion = 2\n");
        if let Some(ssh) = &ssh {
            config.push_str(&format!(
                "[core]\n\tsshCommand = \"{}\"\n[ssh]\n\tvariant = ssh\n",
                ssh.wrapper.display()
            ));
        }
        let config_path = path.join("config");
        let mut existing = std::fs::read_to_string(&config_path).map_err(|source| Error::Io {
            path: config_path.clone(),
            source,
        })?;
        existing.push_str(&config);
        std::fs::write(&config_path, existing).map_err(|source| Error::Io {
            path: config_path.clone(),
            source,
        })?;
        let repo = gix::open_opts(&path, gix::open::Options::isolated()).map_err(&local)?;
        Ok(Remote {
            _tmp: tmp,
            ssh,
            repo,
            url: url.to_string(),
            auth: auth.clone(),
            timeout,
        })
    }

    /// An error about the remote, with secrets removed from gix's message.
    pub(crate) fn remote_error(
        &self,
        what: &str,
        err: &(dyn std::error::Error + 'static),
    ) -> Error {
        let mut message = error_chain(err);
        if let Some(stderr) = self
            .ssh
            .as_ref()
            .map(SshFiles::stderr)
            .filter(|s| !s.is_empty())
        {
            message.push_str(&format!(" (ssh: {stderr})"));
        }
        if message.contains("os error 11") || message.contains("timed out") {
            message.push_str(&format!(" (timed out after {}s)", self.timeout.as_secs()));
        }
        let message = self.auth.redact(&message);
        Error::Remote {
            url: super::display_url(&self.url),
            message: format!("{what}: {message}"),
        }
    }

    fn transport_options(&self) -> Result<Option<Box<dyn std::any::Any>>, Error> {
        let opts = self
            .repo
            .transport_options(self.url.as_str(), None)
            .map_err(|e| self.remote_error("configuring transport", &e))?;
        let Some(mut opts) = opts else {
            return Ok(None);
        };
        if let Some(http_opts) = opts.downcast_mut::<http::Options>() {
            if let Some(header) = self.auth.http_authorization() {
                http_opts
                    .extra_headers
                    .push(format!("Authorization: {header}"));
            }
            http_opts.connect_timeout = Some(self.timeout);
            let ca = self.auth.ca_pem.clone();
            let identity = match (&self.auth.client_cert_pem, &self.auth.client_key_pem) {
                (Some(cert), Some(key)) => {
                    let mut pem = key.clone();
                    pem.push(b'\n');
                    pem.extend_from_slice(cert);
                    Some(pem)
                }
                _ => None,
            };
            let timeout = self.timeout;
            let proxy = self.auth.proxy.clone();
            let configure: Box<http::reqwest::ConfigureClientFn> = Box::new(move |mut builder| {
                crate::tls::ensure_provider();
                builder = builder.connect_timeout(timeout).timeout(timeout);
                if let Some(proxy) = &proxy {
                    let mut p = reqwest::Proxy::all(proxy.address.as_str())
                        .map_err(|e| tls_error(format!("invalid proxy 'address': {e}")))?;
                    if let Some(user) = &proxy.username {
                        p = p.basic_auth(user, proxy.password.as_deref().unwrap_or(""));
                    }
                    builder = builder.proxy(p);
                }
                if let Some(ca) = &ca {
                    for cert in reqwest::Certificate::from_pem_bundle(ca)
                        .map_err(|e| tls_error(format!("invalid 'ca.crt': {e}")))?
                    {
                        builder = builder.add_root_certificate(cert);
                    }
                }
                if let Some(pem) = &identity {
                    let id = reqwest::Identity::from_pem(pem)
                        .map_err(|e| tls_error(format!("invalid 'tls.crt'/'tls.key': {e}")))?;
                    builder = builder.identity(id);
                }
                Ok(builder)
            });
            let backend = http::reqwest::Options {
                configure_client: Some(configure),
                configure_request: None,
            };
            http_opts.backend = Some(Arc::new(std::sync::Mutex::new(backend)));
        }
        Ok(Some(opts))
    }

    /// Connects, lists the refs matching `refspecs` (`src:dst` fetch refspecs).
    pub(crate) fn list<'r>(&'r self, refspecs: &[String]) -> Result<Listing<'r>, Error> {
        crate::tls::ensure_provider();
        let remote = self
            .repo
            .remote_at(self.url.as_str())
            .map_err(|e| self.remote_error("invalid URL", &e))?
            .with_fetch_tags(gix::remote::fetch::Tags::None)
            .with_refspecs(refspecs.iter().map(String::as_str), Direction::Fetch)
            .map_err(|e| self.remote_error("invalid refspec", &e))?;
        let mut connection = if self.url.starts_with("git://") {
            remote.to_connection_with_transport(self.git_daemon_transport()?)
        } else {
            remote
                .connect(Direction::Fetch)
                .map_err(|e| self.remote_error("connecting", &e))?
        };
        if let Some(opts) = self.transport_options()? {
            connection.set_transport_options(opts);
        }
        // Never fall back to credential helpers or prompts: only the secret authenticates.
        connection.set_credentials(|_action| Ok(None));
        let prepare = connection
            .prepare_fetch(gix::progress::Discard, Default::default())
            .map_err(|e| self.remote_error("listing references", &e))?;
        let refs = prepare
            .ref_map()
            .remote_refs
            .iter()
            .filter_map(|r| {
                let (name, target, peeled) = r.unpack();
                Some(RemoteRef {
                    name: name.to_string(),
                    target: target?.to_hex().to_string(),
                    peeled: peeled.map(|p| p.to_hex().to_string()),
                })
            })
            .collect();
        // SAFETY of lifetimes: the connection borrows only `self.repo`.
        Ok(Listing { prepare, refs })
    }

    /// A `git://` connection whose socket reads and writes time out (gix's own has no
    /// read timeout, so a silent daemon would block forever).
    fn git_daemon_transport(&self) -> Result<Box<dyn Transport + Send>, Error> {
        use gix::protocol::transport::client::git::{ConnectMode, blocking_io::Connection};
        use std::net::ToSocketAddrs;
        let parsed =
            url::Url::parse(&self.url).map_err(|e| self.remote_error("invalid URL", &e))?;
        let host = parsed
            .host_str()
            .unwrap_or_default()
            .trim_matches(['[', ']'])
            .to_string();
        let port = parsed.port().unwrap_or(9418);
        let io = |e: std::io::Error| self.remote_error("connecting", &e);
        let addr = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(io)?
            .next()
            .ok_or_else(|| {
                io(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "host has no address",
                ))
            })?;
        let stream = std::net::TcpStream::connect_timeout(&addr, self.timeout).map_err(io)?;
        stream.set_read_timeout(Some(self.timeout)).map_err(io)?;
        stream.set_write_timeout(Some(self.timeout)).map_err(io)?;
        let write = stream.try_clone().map_err(io)?;
        let path = percent_decode(parsed.path());
        Ok(Box::new(Connection::new(
            stream,
            write,
            gix::protocol::transport::Protocol::V2,
            path,
            Some((host, parsed.port())),
            ConnectMode::Daemon,
            false,
        )))
    }

    /// Receives the pack for a listing; `depth` limits history (shallow fetch).
    pub(crate) fn receive(&self, listing: Listing<'_>, depth: Option<u32>) -> Result<(), Error> {
        let mut prepare = listing.prepare;
        if let Some(depth) = depth.and_then(std::num::NonZeroU32::new) {
            prepare = prepare.with_shallow(gix::remote::fetch::Shallow::DepthAtRemote(depth));
        }
        let interrupt = AtomicBool::new(false);
        prepare
            .receive(gix::progress::Discard, &interrupt)
            .map_err(|e| self.remote_error("fetching", &e))?;
        Ok(())
    }
}

/// A TLS or proxy setting from the secrets that reqwest rejects.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct TlsConfigError(String);

fn tls_error(message: String) -> gix::Error {
    use gix::error::ErrorExt;
    TlsConfigError(message).raise()
}

/// An error and its sources, de-duplicated, joined by `: `; gix's credential-helper
/// wording (we never use helpers) becomes "authentication failed".
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        let text = if text.starts_with("No credentials were returned") {
            "authentication failed: the server rejected the credentials (or none were given)"
                .to_string()
        } else {
            text
        };
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
