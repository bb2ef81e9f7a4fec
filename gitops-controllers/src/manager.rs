//! The controller manager: the selected controllers (source, kustomize) over one client,
//! optionally behind leader election, until a shutdown signal. `bins/gitops-controller`
//! is its command line; `gitops up` runs the same controllers in-process.
//!
//! The manager owns one metrics registry ([`ManagerOptions::metrics`]) that every
//! controller it runs records into, and serves it on `GET /metrics` at
//! [`ManagerOptions::metrics_addr`] whichever controllers run, leader or not (as
//! controller-runtime serves a manager's metrics).
//!
//! ```no_run
//! # async fn f() -> Result<(), gitops_controllers::manager::ManagerError> {
//! use gitops_controllers::manager::{self, ManagerOptions};
//! let client = manager::client(None).await?;
//! manager::run(client, ManagerOptions::default(), manager::signals()).await
//! # }
//! ```

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use tokio::sync::{oneshot, watch};

use crate::kustomize::{KustomizeOptions, run_kustomizations_until};
use crate::runtime::ControllerError;
use crate::runtime::leader::{LeaderError, LeaderOptions, lead};
use crate::runtime::metrics::Metrics;
use crate::source::{SourceOptions, run_sources_until};

/// What the manager runs.
#[derive(Clone, Debug)]
pub struct ManagerOptions {
    /// Run the GitRepository/OCIRepository/Bucket controllers and the artifact server.
    pub source: Option<SourceOptions>,
    /// Run the Kustomization controller.
    pub kustomize: Option<KustomizeOptions>,
    /// Run only while holding this Lease; always when `None`.
    pub leader_election: Option<LeaderOptions>,
    /// `--metrics-addr`: where [`ManagerOptions::metrics`] is served (`GET /metrics`);
    /// not served when `None`.
    pub metrics_addr: Option<SocketAddr>,
    /// The registry every controller of the manager records Flux's metrics into
    /// (`gotk_reconcile_duration_seconds`, `gotk_reconcile_condition`,
    /// `gotk_suspend_status`); it replaces the registries of `source` and `kustomize`.
    /// Keep a clone to read it in-process.
    pub metrics: Metrics,
}

impl Default for ManagerOptions {
    fn default() -> Self {
        ManagerOptions {
            source: Some(SourceOptions::default()),
            kustomize: Some(KustomizeOptions::default()),
            leader_election: None,
            metrics_addr: None,
            metrics: Metrics::default(),
        }
    }
}

/// Why the manager stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManagerError {
    /// The kubeconfig could not be read or turned into a client.
    #[error("kubeconfig {path}: {message}")]
    Kubeconfig {
        /// The file (or `in-cluster/default` when inferred).
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A `--controllers` entry names no controller.
    #[error("--controllers: unknown controller {name:?} (known: source, kustomize)")]
    UnknownController {
        /// The entry.
        name: String,
    },
    /// A duration flag does not parse.
    #[error("{flag}: invalid duration {value:?}")]
    Duration {
        /// The flag.
        flag: &'static str,
        /// Its value.
        value: String,
    },
    /// An address flag does not parse.
    #[error("{flag}: invalid address {value:?}")]
    Address {
        /// The flag.
        flag: &'static str,
        /// Its value.
        value: String,
    },
    /// The metrics endpoint could not listen.
    #[error("--metrics-addr {addr}: cannot listen: {message}")]
    Metrics {
        /// The address.
        addr: SocketAddr,
        /// The bind error.
        message: String,
    },
    /// A controller failed.
    #[error(transparent)]
    Controller(Box<ControllerError>),
    /// The election failed or leadership was lost.
    #[error(transparent)]
    Leader(Box<LeaderError>),
}

impl From<ControllerError> for ManagerError {
    fn from(e: ControllerError) -> Self {
        ManagerError::Controller(Box::new(e))
    }
}

impl From<LeaderError> for ManagerError {
    fn from(e: LeaderError) -> Self {
        ManagerError::Leader(Box::new(e))
    }
}

/// The selected controllers of a `--controllers` list (`source,kustomize`).
pub fn controllers(list: &str) -> Result<(bool, bool), ManagerError> {
    let (mut source, mut kustomize) = (false, false);
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match name {
            "source" | "source-controller" => source = true,
            "kustomize" | "kustomize-controller" => kustomize = true,
            other => {
                return Err(ManagerError::UnknownController {
                    name: other.to_string(),
                });
            }
        }
    }
    if !source && !kustomize {
        return Err(ManagerError::UnknownController {
            name: list.to_string(),
        });
    }
    Ok((source, kustomize))
}

/// A listen address in Go's forms: `:9090` (all interfaces), `host:port`; `None` for an
/// empty value or `0` (disabled).
pub fn listen_addr(flag: &'static str, value: &str) -> Result<Option<SocketAddr>, ManagerError> {
    let value = value.trim();
    if value.is_empty() || value == "0" {
        return Ok(None);
    }
    let full = if value.starts_with(':') {
        format!("0.0.0.0{value}")
    } else {
        value.to_string()
    };
    let full = full.replace("localhost:", "127.0.0.1:");
    full.parse().map(Some).map_err(|_| ManagerError::Address {
        flag,
        value: value.to_string(),
    })
}

/// A client from `kubeconfig` (else `$KUBECONFIG`, `~/.kube/config` or the in-cluster
/// service account).
pub async fn client(kubeconfig: Option<&Path>) -> Result<kube::Client, ManagerError> {
    let config = client_config(kubeconfig).await?;
    kube::Client::try_from(config).map_err(|e| ManagerError::Kubeconfig {
        path: "client".to_string(),
        message: e.to_string(),
    })
}

/// The `kube::Config` [`client`] builds its client from (kept for impersonating clients,
/// [`KustomizeOptions::client_config`]).
pub async fn client_config(kubeconfig: Option<&Path>) -> Result<kube::Config, ManagerError> {
    gitops_sources::tls::ensure_provider();
    let fail = |path: &str, message: String| ManagerError::Kubeconfig {
        path: path.to_string(),
        message,
    };
    Ok(match kubeconfig {
        Some(path) => {
            let shown = path.display().to_string();
            let file = kube::config::Kubeconfig::read_from(path)
                .map_err(|e| fail(&shown, e.to_string()))?;
            kube::Config::from_custom_kubeconfig(file, &Default::default())
                .await
                .map_err(|e| fail(&shown, e.to_string()))?
        }
        None => kube::Config::infer()
            .await
            .map_err(|e| fail("in-cluster/default", e.to_string()))?,
    })
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn signals() {
    let ctrl_c = tokio::signal::ctrl_c();
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = ctrl_c.await;
        }
    }
}

/// A future completing when `rx` turns `true` or its sender goes away (`Send + Sync`,
/// as the controllers' shutdown parameters require).
pub fn fired(rx: &watch::Receiver<bool>) -> impl Future<Output = ()> + Send + Sync + 'static {
    let (tx, done) = oneshot::channel::<()>();
    let mut rx = rx.clone();
    tokio::spawn(async move {
        let _ = rx.wait_for(|stop| *stop).await;
        let _ = tx.send(());
    });
    async move {
        let _ = done.await;
    }
}

/// The controller manager's command-line settings, as given (`bins/gitops-controller`).
#[derive(Clone, Debug)]
pub struct Settings {
    /// `--kubeconfig`.
    pub kubeconfig: Option<PathBuf>,
    /// `--controllers` (`source,kustomize`).
    pub controllers: String,
    /// `--storage-path`.
    pub storage_path: PathBuf,
    /// `--storage-addr` (`:9090`).
    pub storage_addr: String,
    /// `--storage-adv-addr`.
    pub storage_adv_addr: Option<String>,
    /// `--events-addr`.
    pub events_addr: Option<String>,
    /// `--metrics-addr` (`:8080`; `0` or empty disables it): where the metrics of every
    /// controller run are served.
    pub metrics_addr: String,
    /// `--concurrent`.
    pub concurrent: u16,
    /// `--watch-namespace` (all namespaces when `None`).
    pub watch_namespace: Option<String>,
    /// `--leader-elect`.
    pub leader_elect: bool,
    /// `--leader-election-namespace`.
    pub leader_election_namespace: String,
    /// `--requeue-dependency` (a Go duration).
    pub requeue_dependency: String,
    /// `--default-service-account`: the service account Kustomizations without
    /// `spec.serviceAccountName` impersonate (none when `None` or empty).
    pub default_service_account: Option<String>,
}

impl Settings {
    /// The manager options these settings describe.
    pub fn options(&self) -> Result<ManagerOptions, ManagerError> {
        let (source, kustomize) = controllers(&self.controllers)?;
        let requeue = self
            .requeue_dependency
            .parse::<gitops_core::duration::Duration>()
            .ok()
            .and_then(|d| d.to_std())
            .ok_or_else(|| ManagerError::Duration {
                flag: "--requeue-dependency",
                value: self.requeue_dependency.clone(),
            })?;
        let events_addr = self.events_addr.clone().filter(|a| !a.is_empty());
        let namespace = self.watch_namespace.clone().filter(|n| !n.is_empty());
        let source = match source {
            false => None,
            true => Some(SourceOptions {
                storage_dir: self.storage_path.clone(),
                storage_addr: listen_addr("--storage-addr", &self.storage_addr)?.ok_or_else(
                    || ManagerError::Address {
                        flag: "--storage-addr",
                        value: self.storage_addr.clone(),
                    },
                )?,
                storage_adv_addr: self.storage_adv_addr.clone().filter(|a| !a.is_empty()),
                namespace: namespace.clone(),
                concurrency: self.concurrent.max(1),
                events_addr: events_addr.clone(),
                dependency_requeue: requeue,
                ..SourceOptions::default()
            }),
        };
        let kustomize = kustomize.then(|| KustomizeOptions {
            concurrency: usize::from(self.concurrent.max(1)),
            requeue_dependency: requeue,
            events_addr,
            namespace,
            default_service_account: self
                .default_service_account
                .clone()
                .filter(|s| !s.is_empty()),
            ..KustomizeOptions::default()
        });
        let leader_election = self.leader_elect.then(|| {
            LeaderOptions::new(
                &self.leader_election_namespace,
                crate::runtime::leader::LEASE_NAME,
            )
        });
        Ok(ManagerOptions {
            source,
            kustomize,
            leader_election,
            metrics_addr: listen_addr("--metrics-addr", &self.metrics_addr)?,
            metrics: Metrics::default(),
        })
    }
}

/// [`run`] with `settings`: builds the client from `--kubeconfig`, then runs.
pub async fn run_with(
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ManagerError> {
    let mut opts = settings.options()?;
    let config = client_config(settings.kubeconfig.as_deref()).await?;
    let client = kube::Client::try_from(config.clone()).map_err(|e| ManagerError::Kubeconfig {
        path: "client".to_string(),
        message: e.to_string(),
    })?;
    if let Some(kustomize) = opts.kustomize.as_mut() {
        kustomize.client_config.get_or_insert(config);
    }
    run(client, opts, shutdown).await
}

/// Runs the selected controllers until `shutdown` completes (behind leader election
/// when configured), serving their shared metrics on [`ManagerOptions::metrics_addr`]
/// meanwhile. A controller failing stops the others.
pub async fn run(
    client: kube::Client,
    mut opts: ManagerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ManagerError> {
    // One registry for all: the controllers get clones of the manager's.
    let mut metrics_addr = opts.metrics_addr;
    if let Some(source) = opts.source.as_mut() {
        source.metrics = opts.metrics.clone();
        // Served here, once, with every controller's series.
        metrics_addr = metrics_addr.or(source.metrics_addr.take());
    }
    if let Some(kustomize) = opts.kustomize.as_mut() {
        kustomize.metrics = opts.metrics.clone();
    }
    let served = match metrics_addr {
        Some(addr) => {
            let (bound, task) =
                opts.metrics
                    .serve(addr)
                    .await
                    .map_err(|e| ManagerError::Metrics {
                        addr,
                        message: e.to_string(),
                    })?;
            tracing::info!(addr = %bound, "metrics listening");
            Some(task)
        }
        None => None,
    };
    let (stop, stop_rx) = watch::channel(false);
    let signal = tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    let result = match opts.leader_election.clone() {
        None => run_controllers(client, opts, stop_rx).await,
        Some(election) => {
            let mut outcome: Result<(), ManagerError> = Ok(());
            let slot = &mut outcome;
            let c = client.clone();
            lead(client, election, stop_rx, move |work_stop| async move {
                *slot = run_controllers(c, opts, work_stop).await;
            })
            .await?;
            outcome
        }
    };
    signal.abort();
    if let Some(task) = served {
        // Wait for the cancelled task to be dropped, so the listener is closed when
        // `run` returns.
        task.abort();
        let _ = task.await;
    }
    result
}

/// The controllers of `opts` until `stop` fires; the first error stops the rest.
async fn run_controllers(
    client: kube::Client,
    opts: ManagerOptions,
    stop: watch::Receiver<bool>,
) -> Result<(), ManagerError> {
    // A failing controller fires `stop_all` so the other one stops too.
    let (stop_all, all_rx) = watch::channel(false);
    let mut outer = stop.clone();
    let forward = {
        let stop_all = stop_all.clone();
        tokio::spawn(async move {
            let _ = outer.wait_for(|s| *s).await;
            let _ = stop_all.send(true);
        })
    };
    let mut tasks: Vec<tokio::task::JoinHandle<Result<(), ControllerError>>> = Vec::new();
    if let Some(source) = opts.source {
        let (c, done) = (client.clone(), fired(&all_rx));
        tasks.push(tokio::spawn(async move {
            run_sources_until(c, source, done).await
        }));
    }
    if let Some(kustomize) = opts.kustomize {
        let (c, done) = (client.clone(), fired(&all_rx));
        tasks.push(tokio::spawn(async move {
            run_kustomizations_until(c, kustomize, done).await
        }));
    }
    let mut result = Ok(());
    let mut pending: futures_util::stream::FuturesUnordered<_> = tasks.into_iter().collect();
    use futures_util::StreamExt;
    while let Some(joined) = pending.next().await {
        let outcome = match joined {
            Ok(r) => r.map_err(ManagerError::from),
            Err(e) => Err(ManagerError::from(ControllerError::Controller {
                controller: "manager",
                message: format!("a controller task ended abnormally: {e}"),
            })),
        };
        if let Err(e) = outcome {
            tracing::error!("{e}");
            let _ = stop_all.send(true);
            if result.is_ok() {
                result = Err(e);
            }
        } else if !*stop.borrow() {
            // A controller returning before shutdown was asked for is a failure too.
            let _ = stop_all.send(true);
        }
    }
    forward.abort();
    result
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn controller_lists_and_addresses_parse_like_the_flags() {
        assert_eq!(controllers("source,kustomize").unwrap(), (true, true));
        assert_eq!(controllers("kustomize").unwrap(), (false, true));
        let err = controllers("source,helm").unwrap_err().to_string();
        assert!(err.contains("\"helm\""), "{err}");
        assert!(controllers("").is_err(), "nothing to run");
        assert_eq!(
            listen_addr("--storage-addr", ":9090").unwrap(),
            Some("0.0.0.0:9090".parse().unwrap())
        );
        assert_eq!(
            listen_addr("--metrics-addr", "localhost:8080").unwrap(),
            Some("127.0.0.1:8080".parse().unwrap())
        );
        assert_eq!(listen_addr("--metrics-addr", "0").unwrap(), None);
        assert!(listen_addr("--storage-addr", "nowhere").is_err());
    }

    #[test]
    fn the_metrics_address_belongs_to_the_manager_whichever_controllers_run() {
        let settings = |controllers: &str, metrics: &str| Settings {
            kubeconfig: None,
            controllers: controllers.into(),
            storage_path: "/data".into(),
            storage_addr: ":9090".into(),
            storage_adv_addr: None,
            events_addr: None,
            metrics_addr: metrics.into(),
            concurrent: 4,
            watch_namespace: None,
            leader_elect: false,
            leader_election_namespace: "flux-system".into(),
            requeue_dependency: "30s".into(),
            default_service_account: None,
        };
        let opts = settings("kustomize", ":8080").options().unwrap();
        assert!(opts.source.is_none());
        assert_eq!(opts.metrics_addr, Some("0.0.0.0:8080".parse().unwrap()));
        let opts = settings("source,kustomize", "0").options().unwrap();
        assert_eq!(opts.metrics_addr, None);
        assert_eq!(opts.source.unwrap().metrics_addr, None);
        let err = settings("kustomize", "eight").options().unwrap_err();
        assert!(err.to_string().contains("--metrics-addr"), "{err}");
    }
}
