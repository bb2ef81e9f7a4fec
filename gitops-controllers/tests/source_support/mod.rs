//! Test support for the source reconcilers: a devcluster with the Flux CRDs, the source
//! controllers running in the background, a `git http-backend` server, Debian's
//! `docker-registry`, `moto` (reused from gitops-sources' tests) and polling helpers.
#![allow(dead_code, clippy::unwrap_used)]

#[path = "../../../gitops-sources/tests/bucket_support/mod.rs"]
pub mod moto;
#[path = "../../../gitops-sources/tests/git_support/repo.rs"]
pub mod repo;
pub mod servers;
pub mod tls;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gitops_controllers::source::{SourceOptions, run_sources_until};
use gitops_core::k8s::k8s_openapi::api::core::v1::Event;
use gitops_core::k8s::k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use serde_json::Value;

/// A devcluster with the source CRDs and the source controllers running.
pub struct Env {
    pub cluster: gitops_devcluster::cluster::Handle,
    pub client: kube::Client,
    pub storage: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Starts a devcluster with the Flux source CRDs.
pub async fn cluster() -> (gitops_devcluster::cluster::Handle, kube::Client) {
    let cluster =
        gitops_devcluster::cluster::DevCluster::start(Default::default()).expect("devcluster");
    let client = cluster.client().expect("client");
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    for crd in gitops_core::api::source::crds() {
        crds.create(&PostParams::default(), &crd)
            .await
            .expect("create CRD");
    }
    (cluster, client)
}

/// A devcluster with the source controllers (artifact server on a free loopback port).
pub async fn start() -> Env {
    let (cluster, client) = cluster().await;
    let storage = tempfile::tempdir().expect("tempdir");
    let opts = SourceOptions {
        storage_dir: storage.path().to_path_buf(),
        storage_addr: "127.0.0.1:0".parse().unwrap(),
        min_retry_delay: Duration::from_millis(200),
        max_retry_delay: Duration::from_secs(2),
        dependency_requeue: Duration::from_millis(500),
        ..Default::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let c = client.clone();
    let task = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.await;
        };
        run_sources_until(c, opts, shutdown)
            .await
            .expect("source controllers");
    });
    Env {
        cluster,
        client,
        storage,
        stop: Some(stop),
        task: Some(task),
    }
}

impl Env {
    /// The artifact file of `path` in the storage directory.
    pub fn stored(&self, path: &str) -> PathBuf {
        self.storage.path().join(path)
    }
}

/// Creates an object from JSON in `default`.
pub async fn create<K>(client: &kube::Client, value: Value) -> K
where
    K: kube::Resource<DynamicType = (), Scope = kube::core::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + serde::Serialize
        + std::fmt::Debug,
{
    let api: Api<K> = Api::namespaced(client.clone(), "default");
    let obj: K = serde_json::from_value(value).expect("object");
    api.create(&PostParams::default(), &obj)
        .await
        .expect("create")
}

/// Merge-patches `default/name`.
pub async fn merge<K>(client: &kube::Client, name: &str, patch: Value) -> K
where
    K: kube::Resource<DynamicType = (), Scope = kube::core::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
{
    let api: Api<K> = Api::namespaced(client.clone(), "default");
    api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("patch")
}

/// Polls `default/name` as JSON until `check` holds; panics with the last state.
pub async fn wait_for<K>(
    client: &kube::Client,
    name: &str,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value
where
    K: kube::Resource<DynamicType = (), Scope = kube::core::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + serde::Serialize
        + std::fmt::Debug,
{
    let api: Api<K> = Api::namespaced(client.clone(), "default");
    let start = Instant::now();
    let mut last = Value::Null;
    while start.elapsed() < Duration::from_secs(40) {
        if let Ok(obj) = api.get(name).await {
            last = serde_json::to_value(&obj).unwrap();
            if check(&last) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "timed out waiting for {name}: {what}; last state:\n{}",
        serde_json::to_string_pretty(&last).unwrap()
    );
}

/// Waits until `f` returns true.
pub async fn eventually<F: Future<Output = bool>>(what: &str, f: impl Fn() -> F) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(40) {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting: {what}");
}

/// The condition `type_` of a JSON object.
pub fn condition<'a>(obj: &'a Value, type_: &str) -> Option<&'a Value> {
    obj["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
}

/// Whether `type_` has `status`.
pub fn has_condition(obj: &Value, type_: &str, status: &str) -> bool {
    condition(obj, type_).is_some_and(|c| c["status"] == status)
}

/// Whether the object is Ready and its artifact has `revision`.
pub fn ready_at(obj: &Value, revision: &str) -> bool {
    has_condition(obj, "Ready", "True") && obj["status"]["artifact"]["revision"] == revision
}

/// The Events about `name` in `default`, as (type, reason, message).
pub async fn events(client: &kube::Client, name: &str) -> Vec<(String, String, String)> {
    let api: Api<Event> = Api::namespaced(client.clone(), "default");
    let list = api.list(&ListParams::default()).await.expect("list events");
    list.items
        .into_iter()
        .filter(|e| e.involved_object.name.as_deref() == Some(name))
        .map(|e| {
            (
                e.type_.unwrap_or_default(),
                e.reason.unwrap_or_default(),
                e.message.unwrap_or_default(),
            )
        })
        .collect()
}

/// Downloads the artifact at `url`, checks its digest against `digest`, unpacks it into
/// a new directory and returns that directory.
pub async fn download(url: &str, digest: &str) -> tempfile::TempDir {
    let response = reqwest::get(url).await.expect("GET artifact");
    assert!(
        response.status().is_success(),
        "GET {url}: {}",
        response.status()
    );
    let bytes = response.bytes().await.expect("artifact body");
    assert_eq!(
        gitops_sources::artifact::sha256_digest(&bytes).to_string(),
        digest,
        "digest of {url}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("tree");
    gitops_sources::artifact::unpack(&bytes[..], &target, &Default::default())
        .expect("unpack artifact");
    dir
}

/// Reads `rel` under the unpacked artifact `dir`.
pub fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join("tree").join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}
