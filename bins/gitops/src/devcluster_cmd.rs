//! `gitops devcluster`: the embedded Kubernetes API server, served until the process is
//! stopped, with a kubeconfig that `kubectl --kubeconfig FILE` uses as is.

use std::net::SocketAddr;
use std::path::Path;

use clap::Args;

/// `devcluster` flags.
#[derive(Args, Debug)]
pub struct DevclusterArgs {
    /// address to serve the Kubernetes API on (port 0 picks a free one)
    #[arg(long, default_value = "127.0.0.1:6443")]
    pub listen: SocketAddr,
    /// give workloads the status a healthy cluster reports (Deployments get ReplicaSets)
    #[arg(long)]
    pub simulate_workloads: bool,
    /// how long a simulated workload takes to become ready
    #[arg(long, default_value = "500ms", value_parser = parse_delay)]
    pub workload_delay: std::time::Duration,
    /// keep the cluster's state in DIR (snapshot plus write log) so it survives restarts
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<std::path::PathBuf>,
}

fn parse_delay(s: &str) -> Result<std::time::Duration, String> {
    let d: gitops_core::duration::Duration = s
        .parse()
        .map_err(|e: gitops_core::duration::ParseError| e.to_string())?;
    d.to_std()
        .ok_or_else(|| format!("{s}: must not be negative"))
}

/// Serves until the process is stopped; the global `--kubeconfig FILE` is where the
/// server's kubeconfig is written.
pub fn run(args: &DevclusterArgs, kubeconfig: Option<&str>) -> Result<String, String> {
    let opts = gitops_devcluster::Options {
        listen: args.listen,
        simulate_workloads: args.simulate_workloads,
        workload_delay: args.workload_delay,
        data_dir: args.data_dir.clone(),
    };
    gitops_devcluster::serve_forever(opts, kubeconfig.map(Path::new)).map_err(|e| e.to_string())?;
    Ok(String::new())
}
