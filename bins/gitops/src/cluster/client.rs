//! The Kubernetes client of the cluster commands: `kube::Client` from a kubeconfig
//! (`--kubeconfig`, `$KUBECONFIG`, `~/.kube/config`; `--context`) with everything kube-rs
//! supports (TLS, client certificates, tokens, exec plugins), driven from the synchronous
//! command code through a small runtime of its own.
//!
//! Requests are addressed by API path (`/apis/<group>/<version>/namespaces/<ns>/<plural>`)
//! and carry JSON; error statuses become [`Error::Api`] with the server's message.

use std::sync::Arc;

use serde_json::Value;

/// What went wrong talking to the cluster.
#[derive(Debug)]
pub enum Error {
    /// The kubeconfig could not be read, parsed or turned into a client.
    Kubeconfig(String),
    /// The connection failed or the response was malformed.
    Transport(String),
    /// The API server answered with an error status; `message` is its `Status.message`.
    Api {
        /// HTTP status code.
        code: u16,
        /// The server's message (`kustomizations.kustomize.toolkit.fluxcd.io "x" not found`).
        message: String,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Kubeconfig(m) | Error::Transport(m) => f.write_str(m),
            Error::Api { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// Whether the server said 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Api { code: 404, .. })
    }
}

/// A connection to one API server.
#[derive(Clone)]
pub struct Client {
    client: kube::Client,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").finish_non_exhaustive()
    }
}

fn runtime() -> Result<Arc<tokio::runtime::Runtime>, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map(Arc::new)
        .map_err(|e| Error::Transport(format!("starting the client runtime: {e}")))
}

impl Client {
    fn from_config(config: kube::Config) -> Result<Client, Error> {
        gitops_sources::tls::ensure_provider();
        let runtime = runtime()?;
        let client = {
            let _guard = runtime.enter();
            kube::Client::try_from(config)
                .map_err(|e| Error::Kubeconfig(format!("building the client: {e}")))?
        };
        Ok(Client { client, runtime })
    }

    /// The client from a kubeconfig: `path` (else `$KUBECONFIG`, else `~/.kube/config`)
    /// and `context` (else the current context).
    pub fn from_kubeconfig(path: Option<&str>, context: Option<&str>) -> Result<Client, Error> {
        let kubeconfig = match path {
            Some(p) if !p.is_empty() => {
                // The Go client's wording for a missing file, which flux prints as is.
                if let Err(e) = std::fs::metadata(p) {
                    let reason = match e.kind() {
                        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
                        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
                        _ => e.to_string(),
                    };
                    return Err(Error::Kubeconfig(format!("open {p}: {reason}")));
                }
                kube::config::Kubeconfig::read_from(p)
                    .map_err(|e| Error::Kubeconfig(format!("kubeconfig {p}: {e}")))?
            }
            _ => kube::config::Kubeconfig::read()
                .map_err(|e| Error::Kubeconfig(format!("kubeconfig: {e}")))?,
        };
        let options = kube::config::KubeConfigOptions {
            context: context.filter(|c| !c.is_empty()).map(str::to_string),
            ..Default::default()
        };
        let rt = runtime()?;
        let config = rt
            .block_on(kube::Config::from_custom_kubeconfig(kubeconfig, &options))
            .map_err(|e| Error::Kubeconfig(format!("kubeconfig: {e}")))?;
        Self::from_config(config)
    }

    /// A JSON request; error statuses become [`Error::Api`] with the server's message.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: Option<&Value>,
    ) -> Result<Value, Error> {
        let bytes = body
            .map(|b| serde_json::to_vec(b).unwrap_or_default())
            .unwrap_or_default();
        let req = http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::CONTENT_TYPE, content_type)
            .header(http::header::ACCEPT, "application/json")
            .body(bytes)
            .map_err(|e| Error::Transport(format!("{method} {path}: {e}")))?;
        let client = self.client.clone();
        let text = self
            .runtime
            .block_on(async move { client.request_text(req).await });
        match text {
            Ok(t) => Ok(serde_json::from_str(&t).unwrap_or(Value::Null)),
            Err(kube::Error::Api(s)) => Err(Error::Api {
                code: s.code,
                message: s.message,
            }),
            Err(e) => Err(Error::Transport(format!("{method} {path}: {e}"))),
        }
    }

    /// GET.
    pub fn get(&self, path: &str) -> Result<Value, Error> {
        self.request("GET", path, "application/json", None)
    }

    /// GET a list; its `items`.
    pub fn list(&self, path: &str) -> Result<Vec<Value>, Error> {
        let list = self.get(path)?;
        Ok(list["items"].as_array().cloned().unwrap_or_default())
    }

    /// POST (create) with field manager `flux`.
    pub fn create(&self, collection: &str, object: &Value) -> Result<Value, Error> {
        self.request(
            "POST",
            &format!("{collection}?fieldManager=flux"),
            "application/json",
            Some(object),
        )
    }

    /// PUT (update) with field manager `flux`.
    pub fn update(&self, path: &str, object: &Value) -> Result<Value, Error> {
        self.request(
            "PUT",
            &format!("{path}?fieldManager=flux"),
            "application/json",
            Some(object),
        )
    }

    /// A JSON merge patch with field manager `flux`.
    pub fn merge_patch(&self, path: &str, patch: &Value) -> Result<Value, Error> {
        self.request(
            "PATCH",
            &format!("{path}?fieldManager=flux"),
            "application/merge-patch+json",
            Some(patch),
        )
    }

    /// DELETE.
    pub fn delete(&self, path: &str) -> Result<Value, Error> {
        self.request("DELETE", path, "application/json", None)
    }

    /// What server-side applying `objects` as kustomize-controller would change, from
    /// server-side dry runs (`flux diff`): created and drifted objects, in input order.
    pub fn diff(&self, objects: &[gitops_core::Object]) -> Result<Vec<DiffLine>, String> {
        use gitops_core::ssa::manager::ResourceManager;
        use gitops_core::ssa::{Action, ApplyOptions, Owner};
        let owner = Owner::kustomize_controller();
        let manager = ResourceManager::new(self.client.clone(), owner.clone());
        let opts = ApplyOptions::flux(&owner);
        let report = self.runtime.block_on(manager.diff(objects, &opts));
        if let Some(e) = report.errors.first() {
            return Err(e.to_string());
        }
        Ok(report
            .entries
            .iter()
            .filter_map(|e| match e.change.action {
                Action::Created => Some(DiffLine::Created(e.change.subject.clone())),
                Action::Configured => Some(DiffLine::Drifted {
                    subject: e.change.subject.clone(),
                    live: e.live_yaml().unwrap_or_default(),
                    merged: e.merged_yaml().unwrap_or_default(),
                }),
                _ => None,
            })
            .collect())
    }
}

/// One change found by [`Client::diff`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    /// The object does not exist yet.
    Created(String),
    /// The object would change: its live and merged YAML.
    Drifted {
        /// `Kind/namespace/name`.
        subject: String,
        /// Live object.
        live: String,
        /// Dry-run result.
        merged: String,
    },
}
