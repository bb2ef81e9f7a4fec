//! Fault test: the `gitops-controller` binary is SIGKILLed while it applies a
//! Kustomization of 300 ConfigMaps (some exist, some do not yet), then started again; it
//! converges: every ConfigMap exists once with the Kustomization's owner labels, the
//! inventory lists each exactly once, Ready=True, and an unowned ConfigMap survives.
//!
//! The devcluster slows ConfigMap PATCHes down by a few milliseconds (an injected delay)
//! so that the apply lasts long enough to be interrupted; the kill happens when the
//! cluster is observed half-applied, never after a fixed sleep.
//!
//! `git`, `Running` and `poll` are minimal copies of the helpers of `controller.rs` (this
//! test crate has no shared support module).
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gitops_core::k8s::CustomResourceDefinition;
use gitops_devcluster::faults::{Effect, Fault};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DynamicObject, ListParams, PostParams};
use serde_json::{Value, json};

const COUNT: usize = 300;
const NAME_LABEL: &str = "kustomize.toolkit.fluxcd.io/name";
const NS_LABEL: &str = "kustomize.toolkit.fluxcd.io/namespace";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .args(args)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Kills the controller if the test ends before it exits.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

async fn poll<T>(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(start.elapsed() < limit, "{what} not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Starts the binary with a fixed artifact address (the restarted process must serve the
/// artifact URLs the GitRepository status already advertises).
fn spawn(kubeconfig: &Path, storage: &Path, storage_addr: &str) -> Running {
    Running(
        Command::new(env!("CARGO_BIN_EXE_gitops-controller"))
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .arg("--storage-path")
            .arg(storage)
            .args([
                "--storage-addr",
                storage_addr,
                "--metrics-addr",
                "0",
                "--concurrent",
                "2",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

/// The names of the ConfigMaps carrying the Kustomization's owner labels.
async fn owned(cms: &Api<ConfigMap>) -> Vec<String> {
    let lp = ListParams::default().labels(&format!("{NAME_LABEL}=big,{NS_LABEL}=default"));
    cms.list(&lp)
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|c| c.metadata.name)
        .collect()
}

fn ready(obj: &Value) -> bool {
    obj.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_apply_then_restart_converges() {
    let cluster = gitops_devcluster::DevCluster::start(Default::default()).unwrap();
    let client = cluster.client().unwrap();
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    for crd in gitops_core::api::source::crds()
        .into_iter()
        .chain(gitops_core::api::kustomize::crds())
    {
        crds.create(&PostParams::default(), &crd).await.unwrap();
    }
    let tmp = tempfile::tempdir().unwrap();
    let kubeconfig = tmp.path().join("kubeconfig");
    cluster.write_kubeconfig(&kubeconfig).unwrap();

    // The repository: 300 ConfigMaps in one directory.
    let repo: PathBuf = tmp.path().join("app");
    std::fs::create_dir_all(repo.join("big")).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    for i in 0..COUNT {
        std::fs::write(
            repo.join(format!("big/cm-{i:03}.yaml")),
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i:03}\n  namespace: default\ndata:\n  index: \"{i}\"\n"
            ),
        )
        .unwrap();
    }
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "big"]);
    let revision = format!("main@sha1:{}", git(&repo, &["rev-parse", "HEAD"]));
    let server = gitops_sources::git::serve::serve(&repo, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();

    // An unowned ConfigMap that must survive everything.
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    cms.create(
        &PostParams::default(),
        &serde_json::from_value(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "unowned"}, "data": {"keep": "me"}}))
        .unwrap(),
    )
    .await
    .unwrap();

    // Slow ConfigMap writes down so the apply can be interrupted.
    cluster.faults().add(Fault {
        verbs: vec!["patch".into()],
        resource: Some("configmaps".into()),
        effect: Effect::Delay { millis: 10 },
        ..Fault::default()
    });

    let storage = tmp.path().join("storage");
    let storage_addr = free_addr();
    let mut first = spawn(&kubeconfig, &storage, &storage_addr);

    let git_res = kube::api::ApiResource::erase::<gitops_core::api::source::GitRepository>(&());
    let repos: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &git_res);
    repos
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({
                "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
                "metadata": {"name": "app", "namespace": "default"},
                "spec": {"url": server.url(), "interval": "1m", "ref": {"branch": "main"}}
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    let ks_res = kube::api::ApiResource::erase::<gitops_core::api::kustomize::Kustomization>(&());
    let kss: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &ks_res);
    kss.create(
        &PostParams::default(),
        &serde_json::from_value(json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "big", "namespace": "default"},
            "spec": {"interval": "1h", "retryInterval": "1s", "path": "./big", "prune": true,
                "sourceRef": {"kind": "GitRepository", "name": "app"}}
        }))
        .unwrap(),
    )
    .await
    .unwrap();

    // Kill it once the apply is under way: some, but not all, ConfigMaps exist.
    let seen = poll(
        "a half-applied Kustomization",
        Duration::from_secs(120),
        async || {
            let n = owned(&cms).await.len();
            (n > 0 && n < COUNT).then_some(n)
        },
    )
    .await;
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    let after_kill = owned(&cms).await.len();
    assert!(
        after_kill >= seen && after_kill < COUNT,
        "killed mid-apply: {seen} seen, {after_kill} after the kill"
    );
    let ks = serde_json::to_value(kss.get("big").await.unwrap()).unwrap();
    assert!(!ready(&ks), "not Ready before the restart: {ks}");

    // Restart: it converges.
    cluster.faults().clear();
    let _second = spawn(&kubeconfig, &storage, &storage_addr);
    let ks = poll(
        "Kustomization default/big Ready",
        Duration::from_secs(120),
        async || {
            let v = serde_json::to_value(kss.get("big").await.ok()?).ok()?;
            (ready(&v) && v["status"]["lastAppliedRevision"] == revision).then_some(v)
        },
    )
    .await;

    let mut names = owned(&cms).await;
    names.sort();
    let expected: Vec<String> = (0..COUNT).map(|i| format!("cm-{i:03}")).collect();
    assert_eq!(names, expected);
    for cm in cms.list(&ListParams::default()).await.unwrap().items {
        let name = cm.metadata.name.clone().unwrap_or_default();
        if name.starts_with("cm-") {
            let labels = cm.metadata.labels.unwrap_or_default();
            assert_eq!(
                labels.get(NAME_LABEL).map(String::as_str),
                Some("big"),
                "{name}"
            );
            assert_eq!(
                labels.get(NS_LABEL).map(String::as_str),
                Some("default"),
                "{name}"
            );
        }
    }
    let entries = ks["status"]["inventory"]["entries"].as_array().unwrap();
    let ids: Vec<&str> = entries.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), COUNT, "inventory size");
    assert_eq!(unique.len(), COUNT, "inventory entries are unique");
    for i in 0..COUNT {
        let id = format!("default_cm-{i:03}__ConfigMap");
        assert!(unique.contains(id.as_str()), "{id} in the inventory");
    }
    let unowned = cms.get("unowned").await.unwrap();
    assert_eq!(
        unowned
            .data
            .unwrap_or_default()
            .get("keep")
            .map(String::as_str),
        Some("me")
    );
}
