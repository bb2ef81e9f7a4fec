//! Shared support for the `cluster_*` tests: a dev cluster with the Flux CRDs, a tiny
//! HTTP client to seed objects and statuses, a simulated controller, and a runner for
//! the real `gitops` binary.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use gitops_devcluster::{DevCluster, Handle, Options};
use serde_json::{Value, json};

/// A full 40-character commit id.
pub const SHA: &str = "696f056df216eea4f9401adbee0ff744d4df390f";

/// A running dev cluster with the CRDs installed and a kubeconfig on disk.
pub struct Cluster {
    pub handle: Handle,
    pub api: Api,
    pub kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
}

/// Plain HTTP requests to the cluster's API.
#[derive(Clone)]
pub struct Api {
    pub addr: String,
}

impl std::ops::Deref for Cluster {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

/// What a `gitops` run printed.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Cluster {
    /// Starts a cluster, installs every CRD and creates the `flux-system` namespace.
    pub fn start() -> Cluster {
        let handle = DevCluster::start(Options::default()).expect("start devcluster");
        let dir = tempfile::tempdir().expect("tempdir");
        let kubeconfig = dir.path().join("kubeconfig");
        handle.write_kubeconfig(&kubeconfig).expect("kubeconfig");
        let addr = handle.url().trim_start_matches("http://").to_string();
        let cluster = Cluster {
            handle,
            api: Api { addr },
            kubeconfig,
            _dir: dir,
        };
        for crd in gitops_core::api::crds() {
            let value = serde_json::to_value(&crd).unwrap();
            cluster.must(
                "POST",
                "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                &value,
            );
        }
        for ns in ["flux-system", "apps"] {
            cluster.must(
                "POST",
                "/api/v1/namespaces",
                &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
            );
        }
        cluster
    }

    /// Runs the `gitops` binary with this cluster's kubeconfig.
    pub fn gitops(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gitops"))
            .arg(format!("--kubeconfig={}", self.kubeconfig.display()))
            .args(args)
            .env_remove("FLUX_SYSTEM_NAMESPACE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run gitops");
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Api {
    /// One HTTP request; the status code and the JSON body.
    pub fn http(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let body = body
            .map(|b| serde_json::to_vec(b).unwrap())
            .unwrap_or_default();
        let mut s = TcpStream::connect(&self.addr).expect("connect");
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(&body).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("http head");
        let head = String::from_utf8_lossy(&raw[..end]).to_string();
        let code: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        let mut data = raw[end + 4..].to_vec();
        if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            let mut out = Vec::new();
            let mut rest = &data[..];
            loop {
                let le = rest.windows(2).position(|w| w == b"\r\n").unwrap();
                let n = usize::from_str_radix(std::str::from_utf8(&rest[..le]).unwrap().trim(), 16)
                    .unwrap();
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&rest[le + 2..le + 2 + n]);
                rest = &rest[le + 4 + n..];
            }
            data = out;
        }
        (code, serde_json::from_slice(&data).unwrap_or(Value::Null))
    }

    /// A request that must succeed.
    pub fn must(&self, method: &str, path: &str, body: &Value) -> Value {
        let ct = if method == "PATCH" {
            "application/merge-patch+json"
        } else {
            "application/json"
        };
        let (code, v) = self.http(method, path, ct, Some(body));
        assert!((200..300).contains(&code), "{method} {path}: {code} {v}");
        v
    }

    /// GET that must succeed.
    pub fn get(&self, path: &str) -> Value {
        let (code, v) = self.http("GET", path, "application/json", None);
        assert_eq!(code, 200, "GET {path}: {v}");
        v
    }

    /// Creates a Flux object (`plural` under `group/v…`) and then sets its status.
    pub fn create(
        &self,
        api: &str,
        plural: &str,
        ns: &str,
        object: Value,
        status: Option<Value>,
    ) -> Value {
        let base = format!("/apis/{api}/namespaces/{ns}/{plural}");
        let created = self.must("POST", &base, &object);
        let Some(mut status) = status else {
            return created;
        };
        let name = created["metadata"]["name"].as_str().unwrap().to_string();
        if status.get("observedGeneration").is_none() {
            status["observedGeneration"] = created["metadata"]["generation"].clone();
        }
        self.must(
            "PATCH",
            &format!("{base}/{name}/status"),
            &json!({"status": status}),
        )
    }
}

/// A Ready condition.
pub fn ready(status: &str, message: &str) -> Value {
    json!({"type": "Ready", "status": status, "reason": "Succeeded", "message": message,
           "lastTransitionTime": "2026-01-01T00:00:00Z"})
}

/// A simulated source- and kustomize-controller: every 100 ms, each Flux object whose
/// generation or reconcile request is not yet handled gets `observedGeneration`,
/// `lastHandledReconcileAt`, a Ready=True condition and an artifact or applied revision.
pub struct Controller {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Controller {
    pub fn start(cluster: &Cluster) -> Controller {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let c = cluster.api.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                for (api, plural) in [
                    ("source.toolkit.fluxcd.io/v1", "gitrepositories"),
                    ("source.toolkit.fluxcd.io/v1", "ocirepositories"),
                    ("source.toolkit.fluxcd.io/v1", "buckets"),
                    ("kustomize.toolkit.fluxcd.io/v1", "kustomizations"),
                ] {
                    let list = c.get(&format!("/apis/{api}/{plural}"));
                    for item in list["items"].as_array().cloned().unwrap_or_default() {
                        handle_one(&c, api, plural, &item);
                    }
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Controller {
            stop,
            thread: Some(thread),
        }
    }
}

fn handle_one(c: &Api, api: &str, plural: &str, item: &Value) {
    if item["spec"]["suspend"].as_bool() == Some(true) {
        return;
    }
    let generation = item["metadata"]["generation"].clone();
    let requested = item["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"].as_str();
    let handled = item["status"]["lastHandledReconcileAt"].as_str();
    if item["status"]["observedGeneration"] == generation && requested == handled {
        return;
    }
    let revision = format!("main@sha1:{SHA}");
    let mut status = json!({"observedGeneration": generation});
    if let Some(r) = requested {
        status["lastHandledReconcileAt"] = json!(r);
    }
    if plural == "kustomizations" {
        status["conditions"] = json!([ready("True", &format!("Applied revision: {revision}"))]);
        status["lastAppliedRevision"] = json!(revision);
    } else {
        status["conditions"] = json!([ready(
            "True",
            &format!("stored artifact for revision '{revision}'")
        )]);
        status["artifact"] = json!({"revision": revision, "path": "x.tar.gz", "url": "http://x/x.tar.gz",
            "digest": format!("sha256:{}", "0".repeat(64)), "lastUpdateTime": "2026-01-01T00:00:00Z"});
    }
    let ns = item["metadata"]["namespace"].as_str().unwrap_or_default();
    let name = item["metadata"]["name"].as_str().unwrap_or_default();
    let _ = c.http(
        "PATCH",
        &format!("/apis/{api}/namespaces/{ns}/{plural}/{name}/status"),
        "application/merge-patch+json",
        Some(&json!({"status": status})),
    );
}

impl Drop for Controller {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A GitRepository manifest.
pub fn git_repository(name: &str, ns: &str) -> Value {
    json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
           "metadata": {"name": name, "namespace": ns},
           "spec": {"url": "https://github.com/stefanprodan/podinfo", "interval": "1m", "ref": {"branch": "master"}}})
}

/// A Kustomization manifest.
pub fn kustomization(name: &str, ns: &str, source: &str) -> Value {
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
           "metadata": {"name": name, "namespace": ns},
           "spec": {"interval": "5m", "path": "./kustomize", "prune": true,
                    "sourceRef": {"kind": "GitRepository", "name": source}}})
}
