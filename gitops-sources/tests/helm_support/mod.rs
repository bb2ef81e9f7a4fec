//! Real Helm repositories for the tests: charts packaged and indexed by the reference
//! `helm`, served by a small hyper file server (optional basic auth, optional truncation),
//! and Debian's `docker-registry` for OCI charts.
#![allow(dead_code, clippy::unwrap_used)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

/// The reference `helm` binary: `$HELM_BIN`, else `/tmp/helmtools/helm`.
pub fn helm_bin() -> PathBuf {
    let p = std::env::var_os("HELM_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/helmtools/helm"));
    assert!(
        p.exists(),
        "reference helm not found at {}: install it with \
         `/work/shared/tools/install-reference-tools.sh /tmp/helmtools` (or set HELM_BIN)",
        p.display()
    );
    p
}

/// Runs helm with an isolated home; panics with its output on failure.
pub fn helm(home: &Path, args: &[&str]) -> String {
    let out = Command::new(helm_bin())
        .args(args)
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"))
        .output()
        .expect("run helm");
    assert!(
        out.status.success(),
        "helm {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// Writes a minimal chart `name` at `version` under `src` and packages it into `out`
/// with `helm package`; returns the archive path.
pub fn package_chart(home: &Path, src: &Path, out: &Path, name: &str, version: &str) -> PathBuf {
    let dir = src.join(format!("{name}-{version}"));
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::write(
        dir.join("Chart.yaml"),
        format!("apiVersion: v2\nname: {name}\nversion: {version}\nappVersion: \"1.0\"\n"),
    )
    .unwrap();
    std::fs::write(dir.join("values.yaml"), "replicas: 1\n").unwrap();
    std::fs::write(
        dir.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  r: \"{{ .Values.replicas }}\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(out).unwrap();
    helm(
        home,
        &[
            "package",
            dir.to_str().unwrap(),
            "--destination",
            out.to_str().unwrap(),
        ],
    );
    let tgz = out.join(format!("{name}-{version}.tgz"));
    assert!(tgz.exists(), "helm package did not write {}", tgz.display());
    tgz
}

/// `helm repo index DIR [--url URL]`.
pub fn repo_index(home: &Path, dir: &Path, url: Option<&str>) {
    let mut args = vec!["repo", "index", dir.to_str().unwrap()];
    if let Some(u) = url {
        args.extend(["--url", u]);
    }
    helm(home, &args);
}

/// How the file server behaves.
#[derive(Clone, Default)]
pub struct ServeOptions {
    /// Required basic-auth user and password.
    pub auth: Option<(String, String)>,
    /// Send `.tgz` files cut in half under the full `Content-Length`.
    pub truncate_charts: bool,
}

/// A file server on a loopback port; stops when dropped.
pub struct FileServer {
    /// Its address.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl FileServer {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves the files under `root`.
pub async fn serve_dir(root: PathBuf, opts: ServeOptions) -> FileServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = Arc::new((root, opts));
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req| handle(Arc::clone(&state), req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    FileServer { addr, task }
}

async fn handle(
    state: Arc<(PathBuf, ServeOptions)>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (root, opts) = &*state;
    let status = |s: StatusCode| {
        Response::builder()
            .status(s)
            .body(Full::new(Bytes::new()))
            .unwrap()
    };
    if let Some((user, pass)) = &opts.auth {
        let want = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        );
        let got = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if got != Some(want.as_str()) {
            return Ok(Response::builder()
                .status(StatusCode::UNAUTHORIZED)
                .header("www-authenticate", "Basic realm=\"charts\"")
                .body(Full::new(Bytes::new()))
                .unwrap());
        }
    }
    let rel = req.uri().path().trim_start_matches('/');
    if rel.split('/').any(|p| p == "..") {
        return Ok(status(StatusCode::BAD_REQUEST));
    }
    let Ok(data) = std::fs::read(root.join(rel)) else {
        return Ok(status(StatusCode::NOT_FOUND));
    };
    if opts.truncate_charts && rel.ends_with(".tgz") {
        let full = data.len();
        return Ok(Response::builder()
            .header("content-length", full.to_string())
            .body(Full::new(Bytes::from(data[..full / 2].to_vec())))
            .unwrap());
    }
    Ok(Response::new(Full::new(Bytes::from(data))))
}

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something listens on `port`.
pub fn wait_for_port(port: u16, what: &str, child: &mut Child) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited early with {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what} did not listen on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Debian's `docker-registry` on a loopback port; killed when dropped.
pub struct Registry {
    /// `127.0.0.1:PORT`.
    pub host: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a registry with its own storage directory.
pub fn start_registry() -> Registry {
    let bin = Path::new("/usr/bin/docker-registry");
    assert!(
        bin.exists(),
        "docker-registry not found: install it with `apt-get install -y docker-registry`"
    );
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let cfg = dir.path().join("config.yml");
    std::fs::write(
        &cfg,
        format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let mut child = Command::new(bin)
        .arg("serve")
        .arg(&cfg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start docker-registry");
    wait_for_port(port, "docker-registry", &mut child);
    Registry {
        host: format!("127.0.0.1:{port}"),
        child,
        _dir: dir,
    }
}

/// The sha256 hex of a file.
pub fn sha256_file(path: &Path) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}
