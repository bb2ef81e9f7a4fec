//! `git http-backend` behind a small CGI-forwarding HTTP/1.1 server with basic auth.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use base64::Engine;

/// A running HTTP Git server; stops accepting on drop.
pub struct HttpGit {
    /// The port on 127.0.0.1.
    pub port: u16,
    stop: Arc<AtomicBool>,
    /// Requests served (any status).
    pub requests: Arc<AtomicUsize>,
}

impl Drop for HttpGit {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn http_backend() -> PathBuf {
    let exec = Command::new("git")
        .arg("--exec-path")
        .output()
        .expect("git --exec-path");
    let path = PathBuf::from(String::from_utf8_lossy(&exec.stdout).trim()).join("git-http-backend");
    assert!(
        path.exists(),
        "git-http-backend missing at {}: install with `apt-get install -y git`",
        path.display()
    );
    path
}

/// Serves repositories under `root` at `http://127.0.0.1:<port>/<name>`; with
/// `credentials` every request must carry that basic auth user and password.
pub fn serve(root: &Path, credentials: Option<(&str, &str)>) -> HttpGit {
    let expected = credentials.map(|(u, p)| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
        )
    });
    serve_with(root, expected, None)
}

/// Serves repositories under `root`; every request must carry the `Authorization` header
/// value `expected` (if set); with `tls`, connections are HTTPS.
pub fn serve_with(
    root: &Path,
    expected: Option<String>,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> HttpGit {
    serve_full(root, expected, tls, None)
}

/// Acts as an HTTP forward proxy for plain-HTTP Git URLs of any host: requests in absolute
/// form are answered from `root`, and must carry `Proxy-Authorization: <proxy_auth>`.
pub fn serve_proxy(root: &Path, proxy_auth: Option<String>) -> HttpGit {
    serve_full(root, None, None, Some(proxy_auth.unwrap_or_default()))
}

fn serve_full(
    root: &Path,
    expected: Option<String>,
    tls: Option<Arc<rustls::ServerConfig>>,
    proxy: Option<String>,
) -> HttpGit {
    let backend = http_backend();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let stop = Arc::new(AtomicBool::new(false));
    let requests = Arc::new(AtomicUsize::new(0));
    let root = root.to_path_buf();
    let (stop2, requests2) = (stop.clone(), requests.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            if stop2.load(Ordering::SeqCst) {
                break;
            }
            let Ok(stream) = stream else { continue };
            requests2.fetch_add(1, Ordering::SeqCst);
            let (root, backend, tls) = (root.clone(), backend.clone(), tls.clone());
            let checks = Checks {
                auth: expected.clone(),
                proxy: proxy.clone(),
            };
            std::thread::spawn(move || {
                let _ = match tls {
                    Some(config) => match rustls::ServerConnection::new(config) {
                        Ok(conn) => handle(
                            rustls::StreamOwned::new(conn, stream),
                            &root,
                            &backend,
                            &checks,
                        ),
                        Err(_) => Ok(()),
                    },
                    None => handle(stream, &root, &backend, &checks),
                };
            });
        }
    });
    HttpGit {
        port,
        stop,
        requests,
    }
}

fn read_chunked(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let size =
            usize::from_str_radix(line.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
        if size == 0 {
            let mut rest = String::new();
            reader.read_line(&mut rest)?;
            return Ok(body);
        }
        let mut chunk = vec![0; size];
        reader.read_exact(&mut chunk)?;
        body.extend_from_slice(&chunk);
        let mut crlf = [0; 2];
        reader.read_exact(&mut crlf)?;
    }
}

/// What each request must carry.
struct Checks {
    /// `Authorization` value.
    auth: Option<String>,
    /// Proxy mode: absolute-form targets required, with this `Proxy-Authorization` value
    /// (empty: none required).
    proxy: Option<String>,
}

fn handle<S: Read + Write>(
    stream: S,
    root: &Path,
    backend: &Path,
    checks: &Checks,
) -> std::io::Result<()> {
    let expected = checks.auth.as_deref();
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("GET").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let body = if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        read_chunked(&mut reader)?
    } else {
        let len = header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        reader.read_exact(&mut body)?;
        body
    };
    let mut out = reader.into_inner();
    if let Some(expected) = expected
        && header("authorization").as_deref() != Some(expected)
    {
        {
            let msg = "unauthorized\n";
            write!(
                out,
                "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{msg}",
                msg.len()
            )?;
            return Ok(());
        }
    }
    let mut target = target;
    if let Some(proxy_auth) = &checks.proxy {
        let absolute = target
            .strip_prefix("http://")
            .and_then(|rest| rest.find('/').map(|i| rest[i..].to_string()));
        let authorized = proxy_auth.is_empty()
            || header("proxy-authorization").as_deref() == Some(proxy_auth.as_str());
        match absolute {
            Some(path) if authorized => target = path,
            _ => {
                let status = if authorized {
                    "400 Bad Request"
                } else {
                    "407 Proxy Authentication Required"
                };
                write!(
                    out,
                    "HTTP/1.1 {status}\r\nProxy-Authenticate: Basic realm=\"proxy\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )?;
                return Ok(());
            }
        }
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut cmd = Command::new(backend);
    cmd.env_clear()
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("REMOTE_USER", "git")
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(ct) = header("content-type") {
        cmd.env("CONTENT_TYPE", ct);
    }
    if let Some(proto) = header("git-protocol") {
        cmd.env("GIT_PROTOCOL", proto);
    }
    if let Some(enc) = header("content-encoding") {
        cmd.env("HTTP_CONTENT_ENCODING", enc);
    }
    let mut child = cmd.spawn()?;
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let mut output = Vec::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_end(&mut output)?;
    let _ = writer.join();
    let _ = child.wait();
    let split = output
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| output.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let (head, payload) = match split {
        Some((i, n)) => (
            String::from_utf8_lossy(&output[..i]).to_string(),
            &output[i + n..],
        ),
        None => (String::new(), &output[..]),
    };
    let mut status = "200 OK".to_string();
    let mut response = String::new();
    for line in head.lines() {
        if let Some(s) = line.strip_prefix("Status:") {
            status = s.trim().to_string();
        } else if !line.trim().is_empty() {
            response.push_str(line.trim_end());
            response.push_str("\r\n");
        }
    }
    write!(
        out,
        "HTTP/1.1 {status}\r\n{response}Content-Length: {}\r\nConnection: close\r\n\r\n",
        payload.len()
    )?;
    out.write_all(payload)?;
    out.flush()
}

/// Test PKI made with the `openssl` CLI: a CA, a server certificate for 127.0.0.1 and a
/// client certificate, all PEM.
pub struct Pki {
    pub ca_crt: Vec<u8>,
    pub server_crt: Vec<u8>,
    pub server_key: Vec<u8>,
    pub client_crt: Vec<u8>,
    pub client_key: Vec<u8>,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run openssl (apt-get install -y openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Generates a [`Pki`] in `dir`.
pub fn pki(dir: &Path) -> Pki {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        dir,
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-days",
                "2",
                "-subj",
                "/CN=test-ca",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .expect("ext");
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").expect("ext");
    for name in ["server", "client"] {
        let (key, csr, crt, ext) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.crt"),
            format!("{name}.ext"),
        );
        openssl(
            dir,
            &[
                &["req"][..],
                &ec,
                &[
                    "-keyout",
                    &key,
                    "-out",
                    &csr,
                    "-subj",
                    &format!("/CN={name}"),
                ],
            ]
            .concat(),
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &crt,
                "-days",
                "2",
                "-extfile",
                &ext,
            ],
        );
    }
    let read = |f: &str| std::fs::read(dir.join(f)).expect("pem");
    Pki {
        ca_crt: read("ca.crt"),
        server_crt: read("server.crt"),
        server_key: read("server.key"),
        client_crt: read("client.crt"),
        client_key: read("client.key"),
    }
}

/// A rustls server config for `pki`; with `require_client_cert`, clients must present a
/// certificate signed by the CA.
pub fn tls_config(pki: &Pki, require_client_cert: bool) -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pki.server_crt)
        .collect::<Result<_, _>>()
        .expect("server cert");
    let key = PrivateKeyDer::from_pem_slice(&pki.server_key).expect("server key");
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("protocol versions");
    let builder = if require_client_cert {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&pki.ca_crt) {
            roots.add(cert.expect("ca cert")).expect("add ca");
        }
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .expect("client verifier");
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    Arc::new(builder.with_single_cert(certs, key).expect("server config"))
}
