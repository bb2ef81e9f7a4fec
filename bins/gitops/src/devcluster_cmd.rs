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
}

/// Serves until the process is stopped; the global `--kubeconfig FILE` is where the
/// server's kubeconfig is written.
pub fn run(args: &DevclusterArgs, kubeconfig: Option<&str>) -> Result<String, String> {
    gitops_devcluster::serve_forever(args.listen, kubeconfig.map(Path::new)).map_err(|e| e.to_string())?;
    Ok(String::new())
}
