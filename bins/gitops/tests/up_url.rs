//! `gitops up URL`: the repository is reached over HTTP (served by the test with
//! `gitops_sources::git::serve`, as a Git host would serve it) instead of a local DIR.
//! `--once` succeeds with the `get all -A` table at the served commit; without `--once`
//! the objects are in the cluster behind the written kubeconfig and a commit pushed to
//! the served repository is applied; a URL that does not resolve and a `--path` that is
//! not in the repository fail with the condition that kept the objects from Ready.
#![allow(clippy::unwrap_used)]

mod up_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use up_support::{Running, collect, git, interrupt, kubectl, wait_until, write};

use gitops_sources::git::serve::{GitServer, serve};

fn web(replicas: u32) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          ports:
            - name: http
              containerPort: 80
"
    )
}

const SERVICE: &str = "apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector:
    app: web
  ports:
    - name: http
      port: 80
      targetPort: http
";

const APPS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: shop
  namespace: flux-system
spec:
  interval: 10m
  path: ./shop
  prune: true
  wait: true
  timeout: 1m
  sourceRef:
    kind: GitRepository
    name: flux-system
";

/// A repository on `main`: `clusters/dev` holds the namespace and a Kustomization of
/// `shop/` (a Deployment and a Service).
fn repository() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("fleet");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    write(
        &repo,
        "clusters/dev/namespace.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
    );
    write(&repo, "clusters/dev/shop.yaml", APPS);
    write(&repo, "shop/deployment.yaml", &web(2));
    write(&repo, "shop/service.yaml", SERVICE);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "shop"]);
    (tmp, repo)
}

/// `repo` served over smart HTTP on loopback, on a runtime of its own (the test thread
/// blocks on the child process meanwhile).
fn served(repo: &Path) -> (tokio::runtime::Runtime, GitServer) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime
        .block_on(serve(repo, "127.0.0.1:0".parse().unwrap()))
        .unwrap();
    (runtime, server)
}

fn up(url: &str, path: &str, kubeconfig: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gitops"));
    cmd.arg("up")
        .arg(url)
        .args(["--path", path, "--kubeconfig"])
        .arg(kubeconfig)
        .args(extra)
        .stdin(Stdio::null());
    cmd
}

/// (success, stdout, stderr) of a finished command.
fn output(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The last `✗` line (the error gitops prints before exiting non-zero).
fn last_failure(stderr: &str) -> &str {
    stderr
        .lines()
        .rfind(|l| l.starts_with('✗'))
        .unwrap_or_default()
}

#[test]
fn up_once_follows_a_url_to_ready_and_prints_get_all() {
    let (tmp, repo) = repository();
    let (_runtime, server) = served(&repo);
    let url = server.url().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let kubeconfig = tmp.path().join("kubeconfig");
    let (ok, stdout, stderr) = output(&mut up(
        &url,
        "clusters/dev",
        &kubeconfig,
        &["--once", "--timeout", "2m"],
    ));
    assert!(ok, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let head = git(&repo, &["rev-parse", "HEAD"]);
    for line in [
        format!(
            "✔ GitRepository and Kustomization \"flux-system\" follow {url} (branch main, path ./clusters/dev)"
        ),
        "✔ GitRepository \"flux-system/flux-system\" reconciled".to_string(),
        format!(
            "✔ Kustomization \"flux-system/shop\" reconciled: Applied revision: main@sha1:{head}"
        ),
        "✔ all Kustomizations are Ready".to_string(),
    ] {
        assert!(stderr.contains(&line), "missing {line:?} in:\n{stderr}");
    }
    // A URL is used as is: no local Git server of a working copy.
    assert!(!stderr.contains("✔ serving "), "{stderr}");
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&kubeconfig).unwrap()).unwrap();
    let server = config["clusters"][0]["cluster"]["server"].as_str().unwrap();
    assert!(server.starts_with("http://127.0.0.1:"), "{config}");
    assert!(stdout.contains("NAMESPACE"), "{stdout}");
    let revision = format!("main@sha1:{}", &head[..8]);
    for name in [
        "gitrepository/flux-system",
        "kustomization/flux-system",
        "kustomization/shop",
    ] {
        let row = stdout
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no {name} in:\n{stdout}"));
        assert!(row.contains("flux-system"), "{row}");
        assert!(row.contains("True"), "{row}");
        assert!(row.contains(&revision), "{row} lacks {revision}");
    }
}

/// A child process killed if the test ends before it exits.
#[test]
fn up_url_puts_the_objects_in_the_cluster_and_follows_new_commits() {
    let (tmp, repo) = repository();
    let (_runtime, server) = served(&repo);
    let url = server.url().to_string();
    let kubeconfig = tmp.path().join("kubeconfig");
    let mut child = Running(
        up(&url, "./clusters/dev", &kubeconfig, &["--interval", "2s"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let lines = collect(&mut child.0);
    let has = |text: &str| lines.lock().unwrap().iter().any(|l| l.contains(text));
    wait_until("Ready", Duration::from_secs(120), &lines, || {
        has("✔ all Kustomizations are Ready")
    });

    // The objects, through the kubeconfig `gitops up` wrote.
    let get = |kind: &str, path: &str| {
        kubectl(
            &kubeconfig,
            &[
                "get",
                kind,
                "web",
                "-n",
                "shop",
                "-o",
                &format!("jsonpath={path}"),
            ],
        )
    };
    assert_eq!(get("deployment", "{.spec.replicas}"), "2");
    assert_eq!(get("deployment", "{.status.availableReplicas}"), "2");
    assert_eq!(
        get(
            "service",
            "{.metadata.labels.kustomize\\.toolkit\\.fluxcd\\.io/name}"
        ),
        "shop"
    );
    assert_eq!(
        kubectl(
            &kubeconfig,
            &[
                "get",
                "gitrepository",
                "flux-system",
                "-n",
                "flux-system",
                "-o",
                "jsonpath={.spec.url}",
            ],
        ),
        url,
        "the GitRepository follows the URL as given"
    );

    // A commit to the served repository is fetched over HTTP and applied.
    write(&repo, "shop/deployment.yaml", &web(3));
    git(&repo, &["commit", "-q", "-am", "scale web"]);
    let head = git(&repo, &["rev-parse", "HEAD"]);
    wait_until(
        "the new replica count",
        Duration::from_secs(60),
        &lines,
        || get("deployment", "{.spec.replicas}") == "3",
    );
    wait_until(
        "the new revision reported",
        Duration::from_secs(30),
        &lines,
        || {
            has(&format!(
                "✔ Kustomization \"flux-system/shop\" reconciled: Applied revision: main@sha1:{head}"
            ))
        },
    );

    let exit = interrupt(&mut child, &lines);
    assert!(
        exit.success(),
        "exit {exit:?}:\n{}",
        lines.lock().unwrap().join("\n")
    );
}

#[test]
fn up_once_fails_on_a_url_that_does_not_resolve() {
    let tmp = tempfile::tempdir().unwrap();
    let kubeconfig = tmp.path().join("kubeconfig");
    // `.invalid` never resolves (RFC 2606).
    let url = "http://fleet.gitops-up.invalid/fleet";
    let (ok, stdout, stderr) = output(&mut up(
        url,
        "clusters/dev",
        &kubeconfig,
        &["--once", "--timeout", "15s"],
    ));
    assert!(!ok, "an unreachable URL must fail:\n{stderr}");
    assert!(!stdout.contains("NAMESPACE"), "no table: {stdout}");
    let last = last_failure(&stderr);
    assert!(
        last.contains("GitRepository \"flux-system/flux-system\" not ready: GitOperationFailed"),
        "{stderr}"
    );
    assert!(last.contains("fleet.gitops-up.invalid"), "{last}");
    // Flux retries a failing fetch, so `--once` gives up at the timeout.
    assert!(
        last.starts_with("✗ timeout waiting for Ready after 15s: "),
        "{last}"
    );
}

#[test]
fn up_once_fails_on_a_path_that_is_not_in_the_repository() {
    let (tmp, repo) = repository();
    let (_runtime, server) = served(&repo);
    let kubeconfig = tmp.path().join("kubeconfig");
    let (ok, stdout, stderr) = output(&mut up(
        server.url(),
        "clusters/nowhere",
        &kubeconfig,
        &["--once", "--timeout", "15s"],
    ));
    assert!(!ok, "a missing path must fail:\n{stderr}");
    assert!(!stdout.contains("NAMESPACE"), "no table: {stdout}");
    assert!(
        stderr.contains("✔ GitRepository \"flux-system/flux-system\" reconciled"),
        "the repository itself is fine:\n{stderr}"
    );
    let last = last_failure(&stderr);
    assert!(
        last.contains("Kustomization \"flux-system/flux-system\" not ready"),
        "{stderr}"
    );
    assert!(
        last.contains("ArtifactFailed: kustomization path not found: ./clusters/nowhere"),
        "{last}"
    );
}
