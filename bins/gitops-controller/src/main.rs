//! The controller manager binary: the selected controllers (source-controller and
//! kustomize-controller equivalents) against a kubeconfig until SIGTERM or Ctrl-C.
//! Everything but flag parsing is [`gitops_controllers::manager`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use gitops_controllers::manager::{self, Settings};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Runs the gitops controllers.
#[derive(Parser, Debug)]
#[command(name = "gitops-controller", version)]
struct Flags {
    /// kubeconfig file [default: $KUBECONFIG, ~/.kube/config, or in-cluster]
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// controllers to run, comma separated (source, kustomize)
    #[arg(long, default_value = "source,kustomize")]
    controllers: String,
    /// the local storage path of artifacts
    #[arg(long, default_value = "/data")]
    storage_path: PathBuf,
    /// the address the artifact server binds to
    #[arg(long, default_value = ":9090")]
    storage_addr: String,
    /// the advertised host[:port] (or base URL) of artifact URLs [default: the bound address]
    #[arg(long)]
    storage_adv_addr: Option<String>,
    /// the address of the events receiver (Flux event JSON is POSTed there)
    #[arg(long)]
    events_addr: Option<String>,
    /// the address the metric endpoint binds to ("0" disables it)
    #[arg(long, default_value = ":8080")]
    metrics_addr: String,
    /// the number of concurrent reconciles per kind
    #[arg(long, default_value_t = 4)]
    concurrent: u16,
    /// watch only this namespace [default: all namespaces]
    #[arg(long)]
    watch_namespace: Option<String>,
    /// run the controllers only while holding the leader election Lease
    #[arg(long)]
    leader_elect: bool,
    /// the namespace of the leader election Lease (gitops-controller-leader-election)
    #[arg(long, default_value = "flux-system")]
    leader_election_namespace: String,
    /// the interval at which failing dependencies are re-evaluated
    #[arg(long, default_value = "30s")]
    requeue_dependency: String,
    /// the service account Kustomizations without spec.serviceAccountName impersonate
    #[arg(long)]
    default_service_account: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let f = Flags::parse();
    let settings = Settings {
        kubeconfig: f.kubeconfig,
        controllers: f.controllers,
        storage_path: f.storage_path,
        storage_addr: f.storage_addr,
        storage_adv_addr: f.storage_adv_addr,
        events_addr: f.events_addr,
        metrics_addr: f.metrics_addr,
        concurrent: f.concurrent,
        watch_namespace: f.watch_namespace,
        leader_elect: f.leader_elect,
        leader_election_namespace: f.leader_election_namespace,
        requeue_dependency: f.requeue_dependency,
        default_service_account: f.default_service_account,
    };
    match manager::run_with(settings, manager::signals()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gitops-controller: {e}");
            ExitCode::FAILURE
        }
    }
}
