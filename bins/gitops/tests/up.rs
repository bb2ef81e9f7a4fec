//! `gitops up` as a process on a temporary Git repository shaped like `examples/fleet`:
//! the root Kustomization creates two more (`infrastructure`, and `apps` with dependsOn
//! and postBuild variables); `--once` succeeds with the table of `get all -A`, fails
//! with the build error of a broken manifest; without `--once` a new commit is applied
//! and SIGINT stops it cleanly.
#![allow(clippy::unwrap_used)]

mod up_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use up_support::{Running, collect, git, interrupt, kubectl, wait_until, write};

const INFRASTRUCTURE: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: infrastructure
  namespace: flux-system
spec:
  interval: 10m
  path: ./infrastructure
  prune: true
  wait: true
  sourceRef:
    kind: GitRepository
    name: flux-system
";

fn apps_ks(replicas: u32) -> String {
    format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  dependsOn:
    - name: infrastructure
  interval: 10m
  path: ./apps
  prune: true
  wait: true
  timeout: 1m
  sourceRef:
    kind: GitRepository
    name: flux-system
  postBuild:
    substitute:
      podinfo_replicas: \"{replicas}\"
      cluster_name: test
"
    )
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
spec:
  replicas: ${podinfo_replicas:=1}
  selector:
    matchLabels:
      app: podinfo
  template:
    metadata:
      labels:
        app: podinfo
    spec:
      containers:
        - name: podinfod
          image: ghcr.io/stefanprodan/podinfo:6.7.1
          env:
            - name: PODINFO_UI_MESSAGE
              value: \"Hello from ${cluster_name}\"
          ports:
            - name: http
              containerPort: 9898
";

const SERVICE: &str = "apiVersion: v1
kind: Service
metadata:
  name: podinfo
spec:
  selector:
    app: podinfo
  ports:
    - name: http
      port: 9898
      targetPort: http
";

/// A repository on branch `main` with `clusters/local` as the entry point; `broken`
/// makes `apps/` reference a file that does not exist.
fn fleet(broken: bool) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("fleet");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    write(&repo, "clusters/local/infrastructure.yaml", INFRASTRUCTURE);
    write(&repo, "clusters/local/apps.yaml", &apps_ks(2));
    write(
        &repo,
        "infrastructure/namespace.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n",
    );
    let resources = if broken {
        "  - podinfo\n  - missing.yaml\n"
    } else {
        "  - podinfo\n"
    };
    write(
        &repo,
        "apps/kustomization.yaml",
        &format!(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: apps\nresources:\n{resources}"
        ),
    );
    write(&repo, "apps/podinfo/deployment.yaml", DEPLOYMENT);
    write(&repo, "apps/podinfo/service.yaml", SERVICE);
    write(
        &repo,
        "apps/podinfo/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n  - service.yaml\n",
    );
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "fleet"]);
    (tmp, repo)
}

fn up(repo: &Path, kubeconfig: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gitops"));
    cmd.arg("up")
        .arg(repo)
        .args(["--path", "clusters/local", "--kubeconfig"])
        .arg(kubeconfig)
        .args(extra)
        .stdin(Stdio::null());
    cmd
}

#[test]
fn up_once_reconciles_the_fleet_to_ready_and_prints_get_all() {
    let (tmp, repo) = fleet(false);
    let kubeconfig = tmp.path().join("kubeconfig");
    let out = up(&repo, &kubeconfig, &["--once", "--timeout", "2m"])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    let head = git(&repo, &["rev-parse", "HEAD"]);
    for line in [
        "◎ waiting for Kustomization \"flux-system/flux-system\" to be reconciled",
        "✔ GitRepository \"flux-system/flux-system\" reconciled",
        "✔ Kustomization \"flux-system/flux-system\" reconciled",
        "✔ Kustomization \"flux-system/infrastructure\" reconciled",
        "✔ Kustomization \"flux-system/apps\" reconciled",
        "✔ all Kustomizations are Ready",
    ] {
        assert!(stderr.contains(line), "missing {line:?} in:\n{stderr}");
    }
    assert!(kubeconfig.exists(), "the kubeconfig is written");
    // `get all -A`: the source and the three Kustomizations, Ready at the commit.
    assert!(stdout.contains("NAMESPACE"), "{stdout}");
    let revision = format!("main@sha1:{}", &head[..8]);
    for name in [
        "gitrepository/flux-system",
        "kustomization/flux-system",
        "kustomization/infrastructure",
        "kustomization/apps",
    ] {
        let row = stdout
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no {name} in:\n{stdout}"));
        assert!(row.contains("True"), "{row}");
        assert!(row.contains(&revision), "{row} lacks {revision}");
    }
}

#[test]
fn up_once_fails_with_the_build_error_of_a_broken_manifest() {
    let (tmp, repo) = fleet(true);
    let kubeconfig = tmp.path().join("kubeconfig");
    let start = Instant::now();
    let out = up(&repo, &kubeconfig, &["--once", "--timeout", "90s"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "a broken manifest must fail:\n{stderr}"
    );
    let last = stderr
        .lines()
        .rfind(|l| l.starts_with("✗"))
        .unwrap_or_default();
    assert!(
        last.contains("Kustomization \"flux-system/apps\" not ready: BuildFailed"),
        "{stderr}"
    );
    assert!(last.contains("missing.yaml"), "{last}");
    assert!(
        start.elapsed() < Duration::from_secs(80),
        "a build failure fails fast: {:?}",
        start.elapsed()
    );
}

/// A child process killed if the test ends before it exits.
#[test]
fn up_applies_a_new_commit_within_the_interval_and_stops_on_sigint() {
    let (tmp, repo) = fleet(false);
    let kubeconfig = tmp.path().join("kubeconfig");
    let mut child = Running(
        up(&repo, &kubeconfig, &["--interval", "3s"])
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
    let replicas = || {
        kubectl(
            &kubeconfig,
            &[
                "get",
                "deployment",
                "podinfo",
                "-n",
                "apps",
                "-o",
                "jsonpath={.spec.replicas}",
            ],
        )
    };
    assert_eq!(replicas(), "2");
    // The CLI reaches the same cluster through the written kubeconfig.
    let get = Command::new(env!("CARGO_BIN_EXE_gitops"))
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["get", "all", "-A"])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&get.stdout);
    assert!(
        get.status.success(),
        "{}",
        String::from_utf8_lossy(&get.stderr)
    );
    assert!(
        table
            .lines()
            .any(|l| l.contains("kustomization/apps") && l.contains("True")),
        "{table}"
    );

    // A commit changing the postBuild variable scales the Deployment.
    write(&repo, "clusters/local/apps.yaml", &apps_ks(3));
    git(&repo, &["commit", "-q", "-am", "scale podinfo"]);
    let committed = Instant::now();
    wait_until(
        "the new replica count",
        Duration::from_secs(40),
        &lines,
        || replicas() == "3",
    );
    // Within the source's 3s interval plus one reconcile of each Kustomization, not the
    // children's 10m interval (slack for a loaded machine).
    assert!(
        committed.elapsed() < Duration::from_secs(25),
        "applied after {:?}",
        committed.elapsed()
    );
    let head = git(&repo, &["rev-parse", "HEAD"]);
    wait_until(
        "the new revision reported",
        Duration::from_secs(20),
        &lines,
        || {
            has(&format!(
                "✔ Kustomization \"flux-system/apps\" reconciled: Applied revision: main@sha1:{head}"
            ))
        },
    );

    // Ctrl-C: a clean shutdown, exit 0.
    let exit = interrupt(&mut child, &lines);
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        exit.success(),
        "exit {exit:?}:\n{}",
        lines.lock().unwrap().join("\n")
    );
    assert!(has("✔ stopped"), "{}", lines.lock().unwrap().join("\n"));
}
