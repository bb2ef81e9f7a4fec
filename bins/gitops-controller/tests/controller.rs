//! The `gitops-controller` binary against a devcluster started here: with leader
//! election on, it takes the Lease, a GitRepository served from a local repository
//! becomes Ready, and SIGTERM stops it cleanly (releasing the Lease).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gitops_core::k8s::CustomResourceDefinition;
use k8s_openapi::api::coordination::v1::Lease;
use kube::api::{Api, DynamicObject, PostParams};
use serde_json::{Value, json};

fn git(dir: &Path, args: &[&str]) {
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

async fn poll<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what} not within 60s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_reconciles_a_git_repository_to_ready_as_the_leader() {
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
    let repo = tmp.path().join("app");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(
        repo.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n",
    )
    .unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "app"]);
    let server = gitops_sources::git::serve::serve(&repo, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();

    let storage = tmp.path().join("storage");
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_gitops-controller"))
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .arg("--storage-path")
            .arg(&storage)
            .args([
                "--storage-addr",
                "127.0.0.1:0",
                "--metrics-addr",
                "0",
                "--concurrent",
                "2",
            ])
            .args([
                "--leader-elect",
                "--leader-election-namespace",
                "default",
                "--requeue-dependency",
                "5s",
            ])
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );

    let resource = kube::api::ApiResource::erase::<gitops_core::api::source::GitRepository>(&());
    let repos: Api<DynamicObject> = Api::namespaced_with(client.clone(), "default", &resource);
    let obj: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "app", "namespace": "default"},
        "spec": {"url": server.url(), "interval": "1m", "ref": {"branch": "main"}}
    }))
    .unwrap();
    repos.create(&PostParams::default(), &obj).await.unwrap();
    let ready = poll("GitRepository default/app Ready", async || {
        let value = serde_json::to_value(repos.get("app").await.ok()?).ok()?;
        let conditions = value.pointer("/status/conditions")?.as_array()?.clone();
        conditions
            .iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
            .then_some(value)
    })
    .await;
    let revision = ready
        .pointer("/status/artifact/revision")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(revision.starts_with("main@sha1:"), "{ready}");

    // It leads under the Lease of the manager.
    let leases: Api<Lease> = Api::namespaced(client.clone(), "default");
    let lease = leases
        .get("gitops-controller-leader-election")
        .await
        .unwrap();
    let holder = lease
        .spec
        .and_then(|s| s.holder_identity)
        .unwrap_or_default();
    assert!(!holder.is_empty(), "a holder is recorded");

    // SIGTERM: a clean exit that releases the Lease.
    let status = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = poll("exit after SIGTERM", async || child.0.try_wait().unwrap()).await;
    let mut stderr = String::new();
    if let Some(mut pipe) = child.0.stderr.take() {
        use std::io::Read;
        let _ = pipe.read_to_string(&mut stderr);
    }
    assert!(exit.success(), "exit {exit:?}: {stderr}");
    let lease = leases
        .get("gitops-controller-leader-election")
        .await
        .unwrap();
    assert_eq!(
        lease.spec.and_then(|s| s.holder_identity),
        None,
        "released on shutdown"
    );
}
