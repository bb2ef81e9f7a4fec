//! The artifact HTTP server: a read-only file server over the store root, like
//! source-controller's `--storage-addr` server (`http.FileServer`), without directory
//! listings.
//!
//! `GET` and `HEAD` only (`405` otherwise); paths are percent-decoded and any `.`, `..`,
//! empty, backslash or NUL segment is refused (`404`), as are directories, dot-files
//! (temp files being written), lock files and anything resolving outside the root.
//! Responses carry `Content-Length` and a `Content-Type` from the extension
//! (`application/x-gzip` for `.tar.gz`/`.tgz`, what Go's content sniffing reports).

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::stream;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::Error;

type Body = BoxBody<Bytes, io::Error>;

/// A running artifact server. Dropping the handle stops the server too.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl ServerHandle {
    /// The address the server is bound to (the real port when port 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections, closes open ones and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves the files under `store_root` over HTTP on `addr` (port 0 picks a free port),
/// on the current tokio runtime.
pub async fn serve(
    store_root: impl Into<PathBuf>,
    addr: SocketAddr,
) -> Result<ServerHandle, Error> {
    let root = store_root.into();
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Bind { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| Error::Bind { addr, source })?;
    let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                _ = &mut stop_rx => break,
                accepted = listener.accept() => {
                    let Ok((stream, _peer)) = accepted else { continue };
                    let root = root.clone();
                    connections.spawn(async move {
                        let service = service_fn(move |req| {
                            let root = root.clone();
                            async move { Ok::<_, Infallible>(handle(&root, req).await) }
                        });
                        let conn = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service);
                        if let Err(error) = conn.await {
                            tracing::debug!(%error, "artifact server connection");
                        }
                    });
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    });
    Ok(ServerHandle {
        addr: bound,
        stop: Some(stop_tx),
        task,
    })
}

async fn handle(root: &Path, req: Request<Incoming>) -> Response<Body> {
    let head = match *req.method() {
        Method::GET => false,
        Method::HEAD => true,
        _ => {
            let mut resp = status(StatusCode::METHOD_NOT_ALLOWED);
            resp.headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            return resp;
        }
    };
    let Some(rel) = request_path(req.uri().path()) else {
        return status(StatusCode::NOT_FOUND);
    };
    let path = root.join(&rel);
    let Ok(file) = tokio::fs::File::open(&path).await else {
        return status(StatusCode::NOT_FOUND);
    };
    let Ok(meta) = file.metadata().await else {
        return status(StatusCode::NOT_FOUND);
    };
    if !meta.is_file() || !inside(root, &path).await {
        return status(StatusCode::NOT_FOUND);
    }
    let len = meta.len();
    let body: Body = if head {
        Empty::new().map_err(|never| match never {}).boxed()
    } else {
        stream_file(file)
    };
    let mut resp = Response::new(body);
    let headers = resp.headers_mut();
    headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type(&rel)));
    resp
}

/// Whether `path`, with symlinks resolved, is still under `root`.
async fn inside(root: &Path, path: &Path) -> bool {
    match (
        tokio::fs::canonicalize(root).await,
        tokio::fs::canonicalize(path).await,
    ) {
        (Ok(root), Ok(path)) => path.starts_with(root),
        _ => false,
    }
}

fn stream_file(file: tokio::fs::File) -> Body {
    let chunks = stream::unfold(Some(file), |state| async move {
        let mut file = state?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Frame::data(Bytes::from(buf))), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    });
    BodyExt::boxed(StreamBody::new(chunks))
}

fn status(code: StatusCode) -> Response<Body> {
    let text = format!("{}\n", code.canonical_reason().unwrap_or("error"));
    let mut resp = Response::new(
        Full::new(Bytes::from(text))
            .map_err(|never| match never {})
            .boxed(),
    );
    *resp.status_mut() = code;
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

/// The safe relative path of a request path; `None` when it must be refused.
pub(crate) fn request_path(raw: &str) -> Option<PathBuf> {
    let decoded = percent_decode(raw)?;
    let trimmed = decoded.strip_prefix('/')?;
    let mut rel = PathBuf::new();
    for part in trimmed.split('/') {
        if part.is_empty() || part == "." || part == ".." || part.contains(['\\', '\0']) {
            return None;
        }
        rel.push(part);
    }
    let file = rel.file_name()?.to_str()?;
    if file.starts_with('.') || file.ends_with(".lock") {
        return None;
    }
    Some(rel)
}

fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let value = u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
            out.push(value);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(rel: &Path) -> &'static str {
    let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if name.ends_with(".tar.gz") || name.ends_with(".tgz") || name.ends_with(".gz") {
        "application/x-gzip"
    } else if name.ends_with(".json") {
        "application/json"
    } else if name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".txt") {
        "text/plain; charset=utf-8"
    } else {
        "application/octet-stream"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_are_confined() {
        assert_eq!(
            request_path("/gitrepository/ns/n/a.tar.gz"),
            Some(PathBuf::from("gitrepository/ns/n/a.tar.gz"))
        );
        for bad in [
            "/",
            "/../etc/passwd",
            "/a/%2e%2e/b",
            "/a//b",
            "/a/./b",
            "/a/.x.tmp",
            "/a/b.lock",
            "/a%2f..%2fb",
            "/a/%zz",
            "/a\\b",
        ] {
            assert_eq!(request_path(bad), None, "{bad}");
        }
    }
}
