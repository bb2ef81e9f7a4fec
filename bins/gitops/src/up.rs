//! `gitops up [DIR|URL]`: the whole pipeline in one process, for a first run on a laptop.
//!
//! A devcluster (with workload simulation), the Flux CRDs, the artifact storage, the
//! source and Kustomization controllers, and — for a local DIR — a read-only Git server
//! of that repository; then the objects `flux bootstrap` creates (namespace
//! `flux-system`, GitRepository and Kustomization `flux-system`). Progress is printed in
//! flux's style until every GitRepository and Kustomization (including those the root
//! creates) is Ready; then `get all -A`; then it keeps reconciling (new commits are picked
//! up within `--interval`) until Ctrl-C. `--once` stops there instead, failing with the
//! condition that kept an object from becoming Ready.

mod progress;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::{ArgAction, Args};
use gitops_controllers::kustomize::KustomizeOptions;
use gitops_controllers::manager::{self, ManagerError, ManagerOptions};
use gitops_controllers::source::SourceOptions;
use gitops_core::api::kustomize::Kustomization;
use gitops_core::api::source::GitRepository;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::cli::{GlobalArgs, NameArg};
use crate::cluster::{self, Ctx, action, failure, success, waiting};
use crate::flags;

/// `gitops up` flags (`--kubeconfig` and `--timeout` are the global ones).
#[derive(Args, Debug)]
pub struct UpArgs {
    /// a local Git repository (its current branch is followed) or a Git URL [default: .]
    #[arg(value_name = "DIR|URL")]
    pub source: Option<String>,
    /// path to the directory of the Flux manifests in the repository
    #[arg(long, default_value = "./", allow_hyphen_values = true)]
    pub path: String,
    /// Git branch to follow [default: the current branch of DIR; main for a URL]
    #[arg(long)]
    pub branch: Option<String>,
    /// how often the GitRepository and the root Kustomization reconcile
    #[arg(long, default_value = "10s", value_parser = flags::duration)]
    pub interval: gitops_core::duration::Duration,
    /// address of the devcluster's API server (port 0 picks a free one)
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// exit 0 once everything is Ready (non-zero if not within --timeout)
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = flags::boolean)]
    pub once: bool,
}

/// The kubeconfig written when `--kubeconfig` is not given.
pub const DEFAULT_KUBECONFIG: &str = "gitops-up.kubeconfig";
/// Namespace and name of the objects `flux bootstrap` creates.
const SYSTEM: &str = "flux-system";

/// Where the manifests come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum GitSource {
    /// A working copy on this machine, served over HTTP.
    Local { root: PathBuf, branch: String },
    /// A repository URL used as is.
    Remote { url: String, branch: String },
}

/// Runs `gitops up`; the error is the message to fail with.
pub fn run(args: &UpArgs, global: &GlobalArgs) -> Result<(), String> {
    let kubeconfig = PathBuf::from(
        global
            .kubeconfig
            .as_deref()
            .filter(|k| !k.is_empty())
            .unwrap_or(DEFAULT_KUBECONFIG),
    );
    let timeout = global
        .timeout
        .and_then(|d| d.to_std())
        .unwrap_or(Duration::from_secs(300));
    let source = resolve_source(args.source.as_deref(), args.branch.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the runtime: {e}"))?;
    let (interrupt_tx, interrupt) = watch::channel(false);
    runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = interrupt_tx.send(true);
            // A second Ctrl-C does not wait for the clean shutdown.
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let up = runtime.block_on(start(args, &source, &kubeconfig))?;
    let outcome = follow(&runtime, &up, args, timeout, interrupt, &kubeconfig);
    let stopped = runtime.block_on(up.stop());
    match (outcome, stopped) {
        (Err(failed), Err(cause)) => Err(format!("{failed}: {cause}")),
        (outcome, stopped) => outcome.and(stopped),
    }
}

/// The repository to follow: a URL as given, or the working copy around DIR and its
/// current branch.
fn resolve_source(arg: Option<&str>, branch: Option<&str>) -> Result<GitSource, String> {
    let arg = arg.filter(|a| !a.is_empty()).unwrap_or(".");
    if arg.contains("://") {
        let branch = branch.unwrap_or("main").to_string();
        return Ok(GitSource::Remote {
            url: arg.to_string(),
            branch,
        });
    }
    let root = git(Path::new(arg), &["rev-parse", "--show-toplevel"])
        .map_err(|e| format!("{arg}: not a Git repository: {e}"))?;
    let root = PathBuf::from(root);
    let branch = match branch {
        Some(b) => b.to_string(),
        None => git(&root, &["symbolic-ref", "--short", "-q", "HEAD"])
            .map_err(|_| format!("{}: HEAD is detached; pass --branch", root.display()))?,
    };
    git(
        &root,
        &[
            "rev-parse",
            "--verify",
            "-q",
            &format!("refs/heads/{branch}"),
        ],
    )
    .map_err(|_| format!("{}: branch {branch:?} has no commits", root.display()))?;
    Ok(GitSource::Local { root, branch })
}

/// Runs `git -C dir args…`; its trimmed stdout, or its stderr as the error.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("running git: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// flux bootstrap's `--path` form: `./` + the path without a leading `./`.
fn sync_path(path: &str) -> String {
    let trimmed = path.trim_start_matches("./").trim_start_matches('/');
    if trimmed.is_empty() || trimmed == "." {
        "./".to_string()
    } else {
        format!("./{trimmed}")
    }
}

/// The GitRepository and Kustomization `flux bootstrap` generates (without the
/// credentials secret: the local server needs none).
fn sync_objects(url: &str, branch: &str, path: &str, interval: &str) -> (Value, Value) {
    let meta = json!({"name": SYSTEM, "namespace": SYSTEM});
    let repo = json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository", "metadata": meta,
        "spec": {"interval": interval, "ref": {"branch": branch}, "url": url}});
    let ks = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "metadata": meta,
        "spec": {"interval": interval, "path": sync_path(path), "prune": true,
                 "sourceRef": {"kind": "GitRepository", "name": SYSTEM}}});
    (repo, ks)
}

/// Everything `gitops up` started.
struct Running {
    cluster: gitops_devcluster::Handle,
    client: kube::Client,
    git: Option<gitops_sources::git::serve::GitServer>,
    stop: watch::Sender<bool>,
    manager: tokio::task::JoinHandle<Result<(), ManagerError>>,
    _storage: tempfile::TempDir,
}

async fn start(args: &UpArgs, source: &GitSource, kubeconfig: &Path) -> Result<Running, String> {
    action("starting the devcluster");
    let cluster = gitops_devcluster::DevCluster::start(gitops_devcluster::Options {
        listen: args.listen,
        simulate_workloads: true,
        workload_delay: Duration::from_secs(1),
        data_dir: None,
    })
    .map_err(|e| e.to_string())?;
    let client = cluster.client().map_err(|e| e.to_string())?;
    cluster
        .write_kubeconfig(kubeconfig)
        .map_err(|e| e.to_string())?;
    success(&format!(
        "devcluster serving on {}, kubeconfig written to {}",
        cluster.url(),
        kubeconfig.display()
    ));

    action(&format!("installing components in {SYSTEM:?} namespace"));
    install(&client).await?;
    success("installed components");

    let (url, branch, git) = match source {
        GitSource::Remote { url, branch } => (url.clone(), branch.clone(), None),
        GitSource::Local { root, branch } => {
            let server =
                gitops_sources::git::serve::serve(root, SocketAddr::from(([127, 0, 0, 1], 0)))
                    .await
                    .map_err(|e| e.to_string())?;
            success(&format!(
                "serving {} (branch {branch}) at {}",
                root.display(),
                server.url()
            ));
            if git(root, &["status", "--porcelain", "--untracked-files=no"])
                .is_ok_and(|s| !s.is_empty())
            {
                waiting(&format!(
                    "{} has uncommitted changes: only commits are applied",
                    root.display()
                ));
            }
            (server.url().to_string(), branch.clone(), Some(server))
        }
    };

    let storage = tempfile::tempdir().map_err(|e| format!("artifact storage: {e}"))?;
    let config = cluster
        .url()
        .parse()
        .map(kube::Config::new)
        .map_err(|e| format!("devcluster URL: {e}"))?;
    let opts = controller_options(storage.path(), config);
    let (stop, mut stop_rx) = watch::channel(false);
    let manager = tokio::spawn(manager::run(client.clone(), opts, async move {
        let _ = stop_rx.wait_for(|s| *s).await;
    }));
    success("started source-controller and kustomize-controller");

    action("applying sync manifests");
    let (repo, ks) = sync_objects(&url, &branch, &args.path, &args.interval.to_string());
    let params = PatchParams::apply("flux").force();
    Api::<GitRepository>::namespaced(client.clone(), SYSTEM)
        .patch(SYSTEM, &params, &Patch::Apply(&repo))
        .await
        .map_err(|e| format!("GitRepository/{SYSTEM}/{SYSTEM}: {e}"))?;
    Api::<Kustomization>::namespaced(client.clone(), SYSTEM)
        .patch(SYSTEM, &params, &Patch::Apply(&ks))
        .await
        .map_err(|e| format!("Kustomization/{SYSTEM}/{SYSTEM}: {e}"))?;
    success(&format!(
        "GitRepository and Kustomization {SYSTEM:?} follow {url} (branch {branch}, path {})",
        sync_path(&args.path)
    ));
    Ok(Running {
        cluster,
        client,
        git,
        stop,
        manager,
        _storage: storage,
    })
}

/// The controllers as `gitops up` runs them: storage on loopback, quick retries; `config`
/// is the devcluster's, for Kustomizations that impersonate a service account.
fn controller_options(storage: &Path, config: kube::Config) -> ManagerOptions {
    ManagerOptions {
        source: Some(SourceOptions {
            storage_dir: storage.to_path_buf(),
            storage_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            dependency_requeue: Duration::from_secs(1),
            max_retry_delay: Duration::from_secs(30),
            ..SourceOptions::default()
        }),
        kustomize: Some(KustomizeOptions {
            requeue_dependency: Duration::from_secs(1),
            min_retry_delay: Duration::from_secs(1),
            max_retry_delay: Duration::from_secs(30),
            client_config: Some(config),
            ..KustomizeOptions::default()
        }),
        ..ManagerOptions::default()
    }
}

/// The Flux CRDs (as `flux install` installs them) and the `flux-system` namespace.
async fn install(client: &kube::Client) -> Result<(), String> {
    use gitops_core::api;
    use gitops_core::k8s::CustomResourceDefinition;
    use gitops_core::k8s::k8s_openapi::api::core::v1::Namespace;
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let params = PatchParams::apply("flux").force();
    let all = [
        api::source::crds(),
        api::kustomize::crds(),
        api::helm::crds(),
        api::notification::crds(),
        api::image::crds(),
    ];
    for crd in all.into_iter().flatten() {
        let name = crd.metadata.name.clone().unwrap_or_default();
        crds.patch(&name, &params, &Patch::Apply(&crd))
            .await
            .map_err(|e| format!("CustomResourceDefinition/{name}: {e}"))?;
    }
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": SYSTEM}});
    Api::<Namespace>::all(client.clone())
        .patch(SYSTEM, &params, &Patch::Apply(&ns))
        .await
        .map_err(|e| format!("Namespace/{SYSTEM}: {e}"))?;
    Ok(())
}

impl Running {
    /// Stops the controllers, the Git server and the devcluster.
    async fn stop(self) -> Result<(), String> {
        action("stopping");
        let _ = self.stop.send(true);
        let result = match tokio::time::timeout(Duration::from_secs(20), self.manager).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(e.to_string()),
            Ok(Err(e)) => Err(format!("controllers: {e}")),
            Err(_) => Err("controllers did not stop within 20s".to_string()),
        };
        if let Some(git) = self.git {
            git.shutdown().await;
        }
        drop(self.cluster);
        if result.is_ok() {
            success("stopped");
        }
        result
    }
}

/// Every GitRepository and Kustomization as JSON (with `kind` set), sources first.
async fn list_flux(client: &kube::Client) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for (kind, resource) in [
        ("GitRepository", ApiResource::erase::<GitRepository>(&())),
        ("Kustomization", ApiResource::erase::<Kustomization>(&())),
    ] {
        let api: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
        let list = api
            .list(&ListParams::default())
            .await
            .map_err(|e| format!("listing {kind}s: {e}"))?;
        for item in list.items {
            let mut value = serde_json::to_value(&item).map_err(|e| format!("{kind}: {e}"))?;
            value["kind"] = Value::String(kind.to_string());
            out.push(value);
        }
    }
    Ok(out)
}

/// Waits (printing progress) until everything is Ready, prints `get all -A`, and — unless
/// `--once` — keeps printing progress until Ctrl-C.
fn follow(
    runtime: &tokio::runtime::Runtime,
    up: &Running,
    args: &UpArgs,
    timeout: Duration,
    mut interrupt: watch::Receiver<bool>,
    kubeconfig: &Path,
) -> Result<(), String> {
    let roots = [
        ("GitRepository", SYSTEM, SYSTEM),
        ("Kustomization", SYSTEM, SYSTEM),
    ];
    let mut tracker = progress::Tracker::default();
    let start = Instant::now();
    let mut warned = false;
    // Waits `d` unless interrupted; whether interrupted.
    let mut pause = |d: Duration| -> bool {
        runtime.block_on(async {
            tokio::select! {
                _ = interrupt.wait_for(|i| *i) => true,
                () = tokio::time::sleep(d) => false,
            }
        })
    };
    let poll = |tracker: &mut progress::Tracker| -> Result<Vec<Value>, String> {
        if up.manager.is_finished() {
            return Err("the controllers stopped unexpectedly".to_string());
        }
        let objects = runtime.block_on(list_flux(&up.client))?;
        for line in tracker.update(&objects) {
            eprintln!("{line}");
        }
        Ok(objects)
    };
    loop {
        let objects = poll(&mut tracker)?;
        if progress::all_ready(&objects, &roots) {
            break;
        }
        if args.once
            && let Some(message) = progress::terminal_failure(&objects)
        {
            return Err(message);
        }
        if start.elapsed() >= timeout && !warned {
            let why = progress::not_ready(&objects);
            if args.once {
                return Err(format!(
                    "timeout waiting for Ready after {timeout:?}: {why}"
                ));
            }
            failure(&format!("not Ready after {timeout:?}: {why}"));
            warned = true;
        }
        if pause(Duration::from_millis(300)) {
            return Err("interrupted before everything was Ready".to_string());
        }
    }
    success("all Kustomizations are Ready");
    print_all(kubeconfig, timeout)?;
    if args.once {
        return Ok(());
    }
    waiting(&format!(
        "reconciling every {}; try `kubectl --kubeconfig {} get deployments -A`; press Ctrl-C to stop",
        args.interval,
        kubeconfig.display()
    ));
    loop {
        if pause(Duration::from_millis(500)) {
            return Ok(());
        }
        poll(&mut tracker)?;
    }
}

/// `gitops get all -A` against the written kubeconfig, on stdout.
fn print_all(kubeconfig: &Path, timeout: Duration) -> Result<(), String> {
    let path = kubeconfig.display().to_string();
    let client = cluster::Client::from_kubeconfig(Some(&path), None).map_err(|e| e.to_string())?;
    let ctx = Ctx {
        client,
        namespace: SYSTEM.to_string(),
        timeout,
        poll: Duration::from_millis(500),
    };
    let cmd = cluster::get::GetCmd {
        all_namespaces: true,
        no_header: false,
        watch: false,
        status_selector: String::new(),
        label_selector: String::new(),
        command: Some(cluster::get::GetCommand::All(NameArg::default())),
    };
    let text = cluster::get::run(&ctx, &cmd)?.unwrap_or_default();
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("stdout: {e}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sync_objects_are_what_flux_bootstrap_generates() {
        assert_eq!(
            sync_path("examples/fleet/clusters/local"),
            "./examples/fleet/clusters/local"
        );
        assert_eq!(sync_path("./clusters/dev"), "./clusters/dev");
        assert_eq!(sync_path("./"), "./");
        let (repo, ks) = sync_objects("http://127.0.0.1:1/fleet", "main", "clusters/local", "10s");
        assert_eq!(
            repo["spec"],
            json!({"interval": "10s", "ref": {"branch": "main"}, "url": "http://127.0.0.1:1/fleet"})
        );
        assert_eq!(
            repo["metadata"],
            json!({"name": "flux-system", "namespace": "flux-system"})
        );
        assert_eq!(
            ks["spec"],
            json!({"interval": "10s", "path": "./clusters/local", "prune": true,
                   "sourceRef": {"kind": "GitRepository", "name": "flux-system"}})
        );
    }

    #[test]
    fn a_url_is_used_as_is_and_a_directory_must_be_a_repository() {
        assert_eq!(
            resolve_source(Some("https://example.com/fleet.git"), None).unwrap(),
            GitSource::Remote {
                url: "https://example.com/fleet.git".into(),
                branch: "main".into()
            }
        );
        let dir = tempfile::tempdir().unwrap();
        let err = resolve_source(dir.path().to_str(), None).unwrap_err();
        assert!(err.contains("not a Git repository"), "{err}");
    }
}
