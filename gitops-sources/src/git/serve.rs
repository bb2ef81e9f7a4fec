//! A read-only smart-HTTP Git server for one local repository, so that a GitRepository
//! (whose URL must be `http(s)://` or `ssh://`) can follow a working copy on this machine:
//! `gitops up DIR` serves `DIR` this way.
//!
//! Requests are handed to `git http-backend` (CGI, from the installed `git`) with the
//! repository's parent as `GIT_PROJECT_ROOT`; only fetches are allowed (`git-upload-pack`
//! and the ref advertisement), pushes are refused with 403. The repository is served at
//! `http://<addr>/<directory name>`, working copies (`DIR/.git`) and bare repositories
//! alike.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The directory is not a Git repository.
    #[error("{0} is not a Git repository (no .git directory, not a bare repository)")]
    NotARepository(String),
    /// `git --exec-path` failed or `git-http-backend` is missing.
    #[error("git-http-backend not found ({0}): install git")]
    Backend(String),
    /// Binding the listener failed.
    #[error("serving Git on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

type Body = BoxBody<Bytes, Infallible>;

/// The largest request body accepted (fetch negotiations are small).
const MAX_REQUEST: usize = 16 * 1024 * 1024;

/// A running server; dropping it stops the server.
#[derive(Debug)]
pub struct GitServer {
    addr: SocketAddr,
    url: String,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl GitServer {
    /// The clone URL of the repository, e.g. `http://127.0.0.1:41234/fleet`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for GitServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn backend() -> Result<PathBuf, ServeError> {
    let out = std::process::Command::new("git")
        .arg("--exec-path")
        .output()
        .map_err(|e| ServeError::Backend(format!("git --exec-path: {e}")))?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("git-http-backend");
    if path.exists() {
        Ok(path)
    } else {
        Err(ServeError::Backend(path.display().to_string()))
    }
}

/// Serves the repository at `repo` on `addr` (port 0 picks one), on the current tokio
/// runtime.
pub async fn serve(repo: &Path, addr: SocketAddr) -> Result<GitServer, ServeError> {
    let repo = std::fs::canonicalize(repo)
        .map_err(|_| ServeError::NotARepository(repo.display().to_string()))?;
    let is_repo = repo.join(".git").exists()
        || (repo.join("HEAD").is_file() && repo.join("objects").is_dir());
    let (Some(parent), Some(name)) = (repo.parent(), repo.file_name().and_then(|n| n.to_str()))
    else {
        return Err(ServeError::NotARepository(repo.display().to_string()));
    };
    if !is_repo {
        return Err(ServeError::NotARepository(repo.display().to_string()));
    }
    let backend = backend()?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| ServeError::Bind { addr, source })?;
    let host = if bound.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], bound.port()))
    } else {
        bound
    };
    let url = format!("http://{host}/{name}");
    let (root, name) = (parent.to_path_buf(), name.to_string());
    let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                _ = &mut stop_rx => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let (root, name, backend) = (root.clone(), name.clone(), backend.clone());
                    connections.spawn(async move {
                        let service = service_fn(move |req| {
                            let (root, name, backend) = (root.clone(), name.clone(), backend.clone());
                            async move { Ok::<_, Infallible>(handle(&root, &name, &backend, req).await) }
                        });
                        let conn = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                        if let Err(error) = conn.await {
                            tracing::debug!(%error, "git server connection");
                        }
                    });
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    });
    Ok(GitServer {
        addr: bound,
        url,
        stop: Some(stop_tx),
        task,
    })
}

fn text(code: StatusCode, msg: &str) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from(format!("{msg}\n"))).boxed());
    *r.status_mut() = code;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// Whether a request is part of a fetch (never a push).
fn is_fetch(path: &str, query: &str) -> bool {
    path.ends_with("/git-upload-pack")
        || (path.ends_with("/info/refs") && query.contains("service=git-upload-pack"))
}

async fn handle(root: &Path, name: &str, backend: &Path, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let prefix = format!("/{name}/");
    if !path.starts_with(&prefix) || path.contains("/../") {
        return text(StatusCode::NOT_FOUND, "not found");
    }
    if !is_fetch(&path, &query) {
        return text(StatusCode::FORBIDDEN, "this server only serves fetches");
    }
    let method = req.method().as_str().to_string();
    let header = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (content_type, protocol, encoding) = (
        header("content-type"),
        header("git-protocol"),
        header("content-encoding"),
    );
    let body = match Limited::new(req.into_body(), MAX_REQUEST).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return text(StatusCode::PAYLOAD_TOO_LARGE, "request too large"),
    };
    let mut cmd = tokio::process::Command::new(backend);
    cmd.env_clear()
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", &path)
        .env("QUERY_STRING", &query)
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    for (var, value) in [
        ("CONTENT_TYPE", content_type),
        ("GIT_PROTOCOL", protocol),
        ("HTTP_CONTENT_ENCODING", encoding),
    ] {
        if let Some(v) = value {
            cmd.env(var, v);
        }
    }
    let Ok(mut child) = cmd.spawn() else {
        return text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "git http-backend failed to start",
        );
    };
    let (Some(mut stdin), Some(mut stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return text(StatusCode::INTERNAL_SERVER_ERROR, "git http-backend pipes");
    };
    let writer = tokio::spawn(async move {
        let _ = stdin.write_all(&body).await;
    });
    let mut output = Vec::new();
    let read = stdout.read_to_end(&mut output).await;
    let _ = writer.await;
    let _ = child.wait().await;
    if read.is_err() {
        return text(StatusCode::INTERNAL_SERVER_ERROR, "git http-backend output");
    }
    cgi_response(&output)
}

/// Turns CGI output (headers, blank line, payload) into a response.
fn cgi_response(output: &[u8]) -> Response<Body> {
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
        None => (String::new(), output),
    };
    let mut resp = Response::new(Full::new(Bytes::copy_from_slice(payload)).boxed());
    for line in head.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if k.eq_ignore_ascii_case("status") {
            let code = v
                .split_whitespace()
                .next()
                .and_then(|c| c.parse::<u16>().ok());
            if let Some(code) = code.and_then(|c| StatusCode::from_u16(c).ok()) {
                *resp.status_mut() = code;
            }
        } else if let (Ok(name), Ok(value)) = (HeaderName::try_from(k), HeaderValue::from_str(v)) {
            resp.headers_mut().append(name, value);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fetches_pass() {
        assert!(is_fetch("/r/info/refs", "service=git-upload-pack"));
        assert!(is_fetch("/r/git-upload-pack", ""));
        assert!(!is_fetch("/r/info/refs", "service=git-receive-pack"));
        assert!(!is_fetch("/r/git-receive-pack", ""));
        let r = cgi_response(b"Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nno");
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
}
