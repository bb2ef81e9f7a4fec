//! End to end, as Flux's published scale benchmark: 1,000 Kustomizations (each a
//! Deployment scaled to 0, a ServiceAccount, a Service and an Ingress) from one
//! GitRepository, reconciled to Ready on a devcluster by the source and Kustomization
//! controllers. Time from creating the Kustomizations to all of them Ready.
//!
//! As in Flux's benchmark, the API server runs apart from the controllers: the devcluster
//! is this binary re-executed as a child process (`GITOPS_BENCH_ROLE=devcluster`), so the
//! peak resident memory printed for the controllers (this process: source and
//! Kustomization controllers, artifact server, the Git server and the polling client) is
//! theirs alone; the devcluster's is printed beside it. Both processes use mimalloc, as
//! the `gitops-controller` and `gitops` binaries do.
//!
//! `GITOPS_BENCH_KUSTOMIZATIONS` changes the count. Needs `git`. Each run also prints its
//! time, so `cargo bench --bench fleet -- --test` gives a single measured run.
//!
//! Flux publishes 4m13s and 223 MiB for 1,000 on a 16-core runner.

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use gitops_controllers::kustomize::KustomizeOptions;
use gitops_controllers::manager::{self, ManagerOptions};
use gitops_controllers::source::SourceOptions;
use gitops_devcluster::{DevCluster, Options};
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams, PostParams,
};
use serde_json::json;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The environment variable that makes this binary serve a devcluster instead.
const ROLE: &str = "GITOPS_BENCH_ROLE";

fn count() -> usize {
    std::env::var("GITOPS_BENCH_KUSTOMIZATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}

fn app(i: usize) -> String {
    format!(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app-{i}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\nspec:\n  replicas: 0\n  selector:\n    matchLabels: {{app: app-{i}}}\n  template:\n    metadata:\n      labels: {{app: app-{i}}}\n    spec:\n      serviceAccountName: app-{i}\n      containers:\n      - name: app\n        image: ghcr.io/stefanprodan/podinfo:6.7.1\n        ports: [{{containerPort: 9898}}]\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: app-{i}\nspec:\n  selector: {{app: app-{i}}}\n  ports: [{{port: 80, targetPort: 9898}}]\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: app-{i}\nspec:\n  rules:\n  - host: app-{i}.example.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service: {{name: app-{i}, port: {{number: 80}}}}\n"
    )
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.com",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git runs: apt-get install -y git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn repository(dir: &Path, n: usize) {
    for i in 0..n {
        let d = dir.join(format!("apps/app-{i}"));
        std::fs::create_dir_all(&d).expect("mkdir");
        std::fs::write(d.join("app.yaml"), app(i)).expect("write");
    }
    git(dir, &["init", "-q"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "fleet"]);
}

/// Peak resident memory (`VmHWM`) of a process, from `/proc/<pid>/status`, in MiB.
fn peak_rss_mib(pid: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// The child's side: serve a devcluster, print its URL, and stop when stdin closes
/// (the parent finished or died).
fn serve_devcluster() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let cluster = DevCluster::start(Options {
            simulate_workloads: true,
            workload_delay: Duration::from_millis(10),
            ..Options::default()
        })
        .expect("devcluster");
        println!("{}", cluster.url());
        tokio::task::spawn_blocking(|| {
            let mut sink = String::new();
            while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {}
        })
        .await
        .expect("stdin");
        cluster.shutdown();
    });
}

/// A devcluster in a child process; killed when dropped.
struct ClusterProcess {
    child: Child,
    url: String,
}

impl ClusterProcess {
    fn start() -> ClusterProcess {
        let mut child = Command::new(std::env::current_exe().expect("bench binary"))
            .env(ROLE, "devcluster")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("devcluster process");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("devcluster URL");
        assert!(line.starts_with("http"), "devcluster printed {line:?}");
        ClusterProcess {
            child,
            url: line.trim().to_string(),
        }
    }

    async fn client(&self) -> kube::Client {
        let config = kube::Config::new(self.url.parse().expect("url"));
        kube::Client::try_from(config).expect("client")
    }

    fn peak_rss_mib(&self) -> f64 {
        peak_rss_mib(&self.child.id().to_string())
    }
}

impl Drop for ClusterProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn run_once(n: usize) -> Duration {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("fleet");
    std::fs::create_dir(&repo).expect("mkdir");
    repository(&repo, n);
    let server = gitops_sources::git::serve::serve(&repo, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("git server");
    let cluster = ClusterProcess::start();
    let client = cluster.client().await;
    let crds: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
            "customresourcedefinitions",
        ),
    );
    for crd in gitops_core::api::source::crds()
        .into_iter()
        .chain(gitops_core::api::kustomize::crds())
    {
        let obj: DynamicObject =
            serde_json::from_value(serde_json::to_value(&crd).expect("crd")).expect("crd");
        crds.create(&PostParams::default(), &obj)
            .await
            .expect("crd created");
    }
    let ns: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("", "v1", "Namespace"),
            "namespaces",
        ),
    );
    for name in ["flux-system", "apps"] {
        let obj: DynamicObject = serde_json::from_value(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
        )
        .expect("ns");
        ns.create(&PostParams::default(), &obj)
            .await
            .expect("namespace");
    }
    let storage = tmp.path().join("storage");
    let opts = ManagerOptions {
        source: Some(SourceOptions {
            storage_dir: storage,
            storage_addr: "127.0.0.1:0".parse().expect("addr"),
            ..SourceOptions::default()
        }),
        kustomize: Some(KustomizeOptions {
            requeue_dependency: Duration::from_secs(1),
            min_retry_delay: Duration::from_secs(1),
            ..KustomizeOptions::default()
        }),
        leader_election: None,
        ..ManagerOptions::default()
    };
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let controllers = tokio::spawn(manager::run(client.clone(), opts, manager::fired(&stop_rx)));
    let pp = PatchParams::apply("bench").force();
    let repos: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "flux-system",
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("source.toolkit.fluxcd.io", "v1", "GitRepository"),
            "gitrepositories",
        ),
    );
    let gr = json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository", "metadata": {"name": "fleet", "namespace": "flux-system"},
        "spec": {"url": server.url(), "interval": "1h", "ref": {"branch": "main"}}});
    repos
        .patch("fleet", &pp, &Patch::Apply(gr))
        .await
        .expect("git repository");
    let ks_api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "flux-system",
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("kustomize.toolkit.fluxcd.io", "v1", "Kustomization"),
            "kustomizations",
        ),
    );
    let start = Instant::now();
    for i in 0..n {
        let ks = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": format!("app-{i}"), "namespace": "flux-system"},
            "spec": {"interval": "1h", "path": format!("./apps/app-{i}"), "prune": true, "targetNamespace": "apps",
                "sourceRef": {"kind": "GitRepository", "name": "fleet"}}});
        ks_api
            .patch(&format!("app-{i}"), &pp, &Patch::Apply(ks))
            .await
            .expect("kustomization");
    }
    loop {
        let list = ks_api.list(&ListParams::default()).await.expect("list");
        let ready = list
            .items
            .iter()
            .filter(|k| {
                k.data["status"]["conditions"].as_array().is_some_and(|cs| {
                    cs.iter()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True")
                })
            })
            .count();
        if ready == n {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(1800),
            "only {ready} of {n} Kustomizations Ready after 30 minutes"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let took = start.elapsed();
    eprintln!(
        "fleet: {n} Kustomizations Ready in {:.1} s; peak resident memory: controllers {:.0} MiB, devcluster {:.0} MiB",
        took.as_secs_f64(),
        peak_rss_mib("self"),
        cluster.peak_rss_mib()
    );
    let _ = stop.send(true);
    let _ = controllers.await;
    drop(server);
    drop(cluster);
    took
}

fn bench(c: &mut Criterion) {
    let n = count();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut g = c.benchmark_group("fleet");
    g.sample_size(10).measurement_time(Duration::from_secs(60));
    g.bench_function(format!("{n}_kustomizations_to_ready"), |b| {
        b.iter_custom(|iters| (0..iters).map(|_| rt.block_on(run_once(n))).sum())
    });
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    if std::env::var(ROLE).as_deref() == Ok("devcluster") {
        serve_devcluster();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
