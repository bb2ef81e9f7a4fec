//! The embedding API: [`DevCluster::start`] → [`Handle`] (URL, `kube::Client`, kubeconfig,
//! shutdown), and [`serve_forever`] for the `gitops devcluster` command.
//!
//! # Runtime
//! [`DevCluster::start`] binds the listener synchronously. When called inside a tokio
//! runtime it spawns the server on that runtime (so a `#[tokio::test]` must keep awaiting
//! while clients talk to it; a multi-thread runtime is safest when the test also blocks,
//! e.g. on a `kubectl` child process). Outside a runtime it starts a multi-thread runtime
//! on its own thread, which [`Handle::shutdown`] (or dropping the handle) stops.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use serde_json::json;
use thiserror::Error;

use crate::openapi::OpenApi;
use crate::registry::Registry;
use crate::server::{self, State};
use crate::store::{ResourceType, Store, StoreOptions, WriteOptions};

/// Errors of starting and driving a devcluster.
#[derive(Debug, Error)]
pub enum ClusterError {
    /// Binding or running the listener failed.
    #[error("devcluster listener on {addr}: {source}")]
    Io {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// Writing the kubeconfig failed.
    #[error("writing kubeconfig {path}: {source}")]
    Kubeconfig {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Building the runtime or the client failed.
    #[error("devcluster: {0}")]
    Other(String),
    /// Opening or recovering the data directory ([`Options::data_dir`]) failed; the
    /// message names the file.
    #[error(transparent)]
    Persist(#[from] crate::persist::PersistError),
}

/// Result alias of this module.
pub type Result<T> = std::result::Result<T, ClusterError>;

/// Start options.
#[derive(Debug, Clone)]
pub struct Options {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Workload simulation (opt-in): Deployments get ReplicaSets, workloads get the status
    /// a healthy cluster reports after [`Options::workload_delay`].
    pub simulate_workloads: bool,
    /// How long a simulated workload takes to become ready.
    pub workload_delay: std::time::Duration,
    /// Persistence (opt-in): the directory holding the snapshot and the write log, so
    /// state survives a restart.
    pub data_dir: Option<std::path::PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            simulate_workloads: false,
            workload_delay: std::time::Duration::from_millis(500),
            data_dir: None,
        }
    }
}

/// The devcluster entry point.
#[derive(Debug)]
pub struct DevCluster;

/// A running devcluster. Dropping it shuts the server down.
#[derive(Debug)]
pub struct Handle {
    addr: SocketAddr,
    state: Arc<State>,
    shutdown: tokio::sync::watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The starting state: a new store with the default namespaces, or with `data_dir` the
/// recovered one (the namespaces only when the directory is new).
fn initial_state(data_dir: Option<&Path>) -> Result<State> {
    let store_opts = StoreOptions {
        require_namespaces: true,
        ..StoreOptions::default()
    };
    let (mut store, fresh) = match data_dir {
        Some(dir) => {
            let recovered = crate::persist::open(dir, store_opts, &Default::default())?;
            for w in &recovered.warnings {
                eprintln!("devcluster: warning: {w}");
            }
            (recovered.store, recovered.fresh)
        }
        None => (Store::new(store_opts), true),
    };
    let ns = ResourceType::cluster("", "v1", "namespaces", "Namespace");
    let defaults = ["default", "kube-system", "kube-public", "kube-node-lease"];
    for name in defaults.into_iter().filter(|_| fresh) {
        let obj = json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}});
        // Only persisting the write can fail in an empty store.
        store
            .create(&ns, "", obj, &WriteOptions::default())
            .map_err(|e| ClusterError::Other(format!("creating namespace {name}: {e}")))?;
    }
    // Persistence: serve the stored CustomResourceDefinitions again.
    let crd = ResourceType::cluster(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
    );
    let crds = store
        .list(&crd, &Default::default())
        .map(|l| l.items)
        .unwrap_or_default();
    let state = State {
        store: Mutex::new(store),
        registry: RwLock::new(Registry::builtin()),
        openapi: RwLock::new(OpenApi::default()),
        faults: Default::default(),
    };
    for c in &crds {
        state.register_crd(c);
    }
    if !fresh {
        // Persistence: finish a garbage collection that a crash may have cut short.
        let types: Vec<ResourceType> = state
            .registry
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entries()
            .iter()
            .map(crate::registry::ResourceInfo::resource_type)
            .collect();
        let mut store = state
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Garbage left now is collected after the next delete, as at run time.
        let _ = crate::gc::collect(&mut store, &types);
    }
    Ok(state)
}

impl DevCluster {
    /// Binds `opts.listen` and serves (see the module docs for the runtime used).
    pub fn start(opts: Options) -> Result<Handle> {
        let io = |source| ClusterError::Io {
            addr: opts.listen,
            source,
        };
        let std_listener = std::net::TcpListener::bind(opts.listen).map_err(io)?;
        std_listener.set_nonblocking(true).map_err(io)?;
        let addr = std_listener.local_addr().map_err(io)?;
        let state = Arc::new(initial_state(opts.data_dir.as_deref())?);
        let (shutdown, rx) = tokio::sync::watch::channel(false);
        let thread = if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let _guard = rt.enter();
            let listener = tokio::net::TcpListener::from_std(std_listener).map_err(io)?;
            // Workload simulation (opt-in): a task beside the server.
            crate::simulate::spawn(&opts, &state, &rx, &rt);
            rt.spawn(server::serve(listener, state.clone(), rx));
            None
        } else {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .thread_name("devcluster")
                .build()
                .map_err(io)?;
            let listener = {
                let _guard = runtime.enter();
                tokio::net::TcpListener::from_std(std_listener).map_err(io)?
            };
            // Workload simulation (opt-in): a task beside the server.
            crate::simulate::spawn(&opts, &state, &rx, runtime.handle());
            let st = state.clone();
            Some(std::thread::spawn(move || {
                runtime.block_on(server::serve(listener, st, rx))
            }))
        };
        Ok(Handle {
            addr,
            state,
            shutdown,
            thread,
        })
    }
}

impl Handle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (the loopback address when bound to an unspecified one).
    pub fn url(&self) -> String {
        let ip = if self.addr.ip().is_unspecified() {
            std::net::IpAddr::from([127, 0, 0, 1])
        } else {
            self.addr.ip()
        };
        format!("http://{}", SocketAddr::new(ip, self.addr.port()))
    }

    /// The shared state (store and registry), for embedders and controllers in-process.
    pub fn state(&self) -> &Arc<State> {
        &self.state
    }

    /// The failure injection rules ([`crate::faults`]).
    pub fn faults(&self) -> &crate::faults::Faults {
        &self.state.faults
    }

    /// A plain-http `kube::Client` for this server. Must be called inside a tokio runtime
    /// (the client spawns its buffer task).
    pub fn client(&self) -> Result<kube::Client> {
        let uri: hyper::Uri = self
            .url()
            .parse()
            .map_err(|e| ClusterError::Other(format!("url: {e}")))?;
        let mut config = kube::Config::new(uri);
        config.default_namespace = "default".into();
        kube::Client::try_from(config).map_err(|e| ClusterError::Other(format!("client: {e}")))
    }

    /// The kubeconfig document (JSON, which kubectl reads as YAML): cluster and context
    /// `devcluster`, a user without credentials.
    pub fn kubeconfig(&self) -> String {
        kubeconfig_for(&self.url())
    }

    /// Writes [`Handle::kubeconfig`] to `path`.
    pub fn write_kubeconfig(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.kubeconfig()).map_err(|source| ClusterError::Kubeconfig {
            path: path.display().to_string(),
            source,
        })
    }

    /// Stops accepting, closes connections (watches end) and joins the server thread if
    /// [`DevCluster::start`] created one.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        // Persistence: the final snapshot, then the data directory's lock is released.
        let mut store = self
            .state
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Err(e) = store.close_persistence() {
            eprintln!("devcluster: {e}");
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A kubeconfig for `url`.
pub fn kubeconfig_for(url: &str) -> String {
    let doc = json!({
        "apiVersion": "v1", "kind": "Config", "preferences": {},
        "clusters": [{"name": "devcluster", "cluster": {"server": url}}],
        "users": [{"name": "devcluster", "user": {}}],
        "contexts": [{"name": "devcluster", "context": {"cluster": "devcluster", "user": "devcluster", "namespace": "default"}}],
        "current-context": "devcluster",
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// `gitops devcluster`: serves with `opts` until interrupted (Ctrl-C), writing a kubeconfig
/// to `kubeconfig` first if given. Prints the URL on stderr.
pub fn serve_forever(opts: Options, kubeconfig: Option<&Path>) -> Result<()> {
    let listen = opts.listen;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| ClusterError::Io {
            addr: listen,
            source,
        })?;
    runtime.block_on(async {
        let handle = DevCluster::start(opts)?;
        if let Some(p) = kubeconfig {
            handle.write_kubeconfig(p)?;
        }
        eprintln!("devcluster serving on {}", handle.url());
        // Serve until Ctrl-C (SIGINT), then shut the server down cleanly.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        handle.shutdown();
        Ok(())
    })
}
