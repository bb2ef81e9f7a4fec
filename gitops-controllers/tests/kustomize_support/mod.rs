//! Test support for the Kustomization reconciler: a devcluster simulating workloads, with
//! the Flux source and kustomize CRDs, the source and Kustomization controllers running in
//! the background, and a local Git repository served over smart HTTP.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use gitops_controllers::kustomize::{KustomizeOptions, run_kustomizations_until};
use gitops_controllers::source::{SourceOptions, run_sources_until};
use gitops_core::api::kustomize::Kustomization;
use gitops_core::api::source::GitRepository;
use gitops_core::k8s::k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};

/// A devcluster with both controllers and a served Git repository.
pub struct Env {
    pub cluster: gitops_devcluster::cluster::Handle,
    pub client: kube::Client,
    pub repo: PathBuf,
    pub git: gitops_sources::git::serve::GitServer,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    stops: Vec<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Env {
    fn drop(&mut self) {
        for stop in self.stops.drain(..) {
            let _ = stop.send(());
        }
    }
}

/// Runs `git args` in `dir`.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Writes `files` (content `None`: delete) and commits; returns `main@sha1:<id>`.
pub fn commit(repo: &Path, files: &[(&str, Option<&str>)]) -> String {
    for (rel, content) in files {
        let path = repo.join(rel);
        match content {
            Some(c) => {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, c).unwrap();
            }
            None => std::fs::remove_file(&path).unwrap(),
        }
    }
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "change"]);
    format!("main@sha1:{}", git(repo, &["rev-parse", "HEAD"]))
}

/// Starts everything; the repository gets `files` as its first commit.
pub async fn start(files: &[(&str, Option<&str>)]) -> (Env, String) {
    start_with(files, |_| {}).await
}

/// [`start`] with the Kustomization controller's options changed by `configure` (its
/// `client_config` is the devcluster's).
pub async fn start_with(
    files: &[(&str, Option<&str>)],
    configure: impl FnOnce(&mut KustomizeOptions),
) -> (Env, String) {
    let cluster =
        gitops_devcluster::cluster::DevCluster::start(gitops_devcluster::cluster::Options {
            simulate_workloads: true,
            workload_delay: Duration::from_millis(300),
            ..Default::default()
        })
        .expect("devcluster");
    let client = cluster.client().expect("client");
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    for crd in gitops_core::api::source::crds()
        .into_iter()
        .chain(gitops_core::api::kustomize::crds())
    {
        crds.create(&PostParams::default(), &crd)
            .await
            .expect("create CRD");
    }
    let repos = tempfile::tempdir().unwrap();
    let repo = repos.path().join("fleet");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    let revision = commit(&repo, files);
    let git_server = gitops_sources::git::serve::serve(&repo, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("git server");
    let storage = tempfile::tempdir().unwrap();
    let mut stops = Vec::new();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    stops.push(stop);
    let source_opts = SourceOptions {
        storage_dir: storage.path().to_path_buf(),
        storage_addr: "127.0.0.1:0".parse().unwrap(),
        min_retry_delay: Duration::from_millis(200),
        max_retry_delay: Duration::from_secs(2),
        ..Default::default()
    };
    let c = client.clone();
    tokio::spawn(async move {
        run_sources_until(c, source_opts, async move {
            let _ = stopped.await;
        })
        .await
        .expect("source controllers");
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    stops.push(stop);
    let opts = KustomizeOptions {
        requeue_dependency: Duration::from_secs(1),
        min_retry_delay: Duration::from_millis(200),
        max_retry_delay: Duration::from_secs(2),
        ..Default::default()
    };
    let mut opts = opts;
    let mut config = kube::Config::new(cluster.url().parse().unwrap());
    config.default_namespace = "default".into();
    opts.client_config = Some(config);
    configure(&mut opts);
    let c = client.clone();
    tokio::spawn(async move {
        run_kustomizations_until(c, opts, async move {
            let _ = stopped.await;
        })
        .await
        .expect("kustomize controller");
    });
    let env = Env {
        cluster,
        client,
        repo,
        git: git_server,
        _dirs: (repos, storage),
        stops,
    };
    (env, revision)
}

impl Env {
    /// Creates GitRepository `fleet` (interval 1s) following `main`.
    pub async fn git_repository(&self) {
        let url = self.git.url().to_string();
        create::<GitRepository>(
            &self.client,
            json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
                "metadata": {"name": "fleet", "namespace": "default"},
                "spec": {"url": url, "interval": "1s", "ref": {"branch": "main"}}}),
        )
        .await;
    }
}

/// A Kustomization `name` of `path` from GitRepository `fleet` (interval 1h, retry 1s,
/// prune) with `extra` merged into its spec.
pub fn kustomization(name: &str, path: &str, extra: Value) -> Value {
    let mut spec = json!({"interval": "1h", "retryInterval": "1s", "timeout": "30s", "path": path, "prune": true,
        "sourceRef": {"kind": "GitRepository", "name": "fleet"}});
    if let (Some(s), Value::Object(e)) = (spec.as_object_mut(), extra) {
        s.extend(e);
    }
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "default"}, "spec": spec})
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
    api.create(
        &PostParams::default(),
        &serde_json::from_value(value).unwrap(),
    )
    .await
    .expect("create")
}

/// Merge-patches Kustomization `default/name`.
pub async fn merge_ks(client: &kube::Client, name: &str, patch: Value) {
    let api: Api<Kustomization> = Api::namespaced(client.clone(), "default");
    api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("patch");
}

/// Asks for a reconciliation of Kustomization `name` with requestedAt `at`.
pub async fn request(client: &kube::Client, name: &str, at: &str) {
    merge_ks(
        client,
        name,
        json!({"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": at}}}),
    )
    .await;
}

/// The dynamic API of `apiVersion`/`kind` (plural `plural`) in `ns`.
pub fn dynamic(
    client: &kube::Client,
    api_version: &str,
    kind: &str,
    plural: &str,
    ns: &str,
) -> Api<DynamicObject> {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let ar =
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural);
    Api::namespaced_with(client.clone(), ns, &ar)
}

/// The object as JSON, or `None`.
pub async fn get_json(api: &Api<DynamicObject>, name: &str) -> Option<Value> {
    api.get_opt(name)
        .await
        .unwrap()
        .map(|o| serde_json::to_value(o).unwrap())
}

/// Polls Kustomization `default/name` until `check` holds; panics with the last state.
pub async fn wait_ks(
    client: &kube::Client,
    name: &str,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let api: Api<Kustomization> = Api::namespaced(client.clone(), "default");
    let start = Instant::now();
    let mut last = Value::Null;
    while start.elapsed() < Duration::from_secs(60) {
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

/// Polls until `f` holds.
pub async fn eventually<F: std::future::Future<Output = bool>>(what: &str, f: impl Fn() -> F) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
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

/// Whether `type_` has `status` (and `reason`, when given).
pub fn has(obj: &Value, type_: &str, status: &str, reason: Option<&str>) -> bool {
    condition(obj, type_)
        .is_some_and(|c| c["status"] == status && reason.is_none_or(|r| c["reason"] == r))
}

/// Ready=True having applied `revision`.
pub fn applied(obj: &Value, revision: &str) -> bool {
    has(obj, "Ready", "True", Some("ReconciliationSucceeded"))
        && obj["status"]["lastAppliedRevision"] == revision
}

/// The Events about `name` in `default`, as (type, reason, message).
pub async fn events(client: &kube::Client, name: &str) -> Vec<(String, String, String)> {
    let api: Api<gitops_core::k8s::k8s_openapi::api::core::v1::Event> =
        Api::namespaced(client.clone(), "default");
    let list = api.list(&Default::default()).await.unwrap();
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
