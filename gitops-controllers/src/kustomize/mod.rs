//! The Kustomization reconciler (`kustomize.toolkit.fluxcd.io/v1`), as kustomize-controller
//! reconciles: source artifact → build (generated kustomization, SOPS, post-build
//! substitution) → staged server-side apply → prune → health checks → status.
//!
//! - [`depends`]: `spec.dependsOn` readiness, with Flux's messages.
//! - [`history`]: `status.history` snapshots.
//! - [`impersonate`]: `spec.serviceAccountName` / `--default-service-account`
//!   impersonation of the requests for a Kustomization's objects.
//! - [`build`]: artifact download and the build with its post-build steps.
//! - [`fetch`]: source lookup, `dependsOn` check, fetch and build.
//! - [`decrypt`]: SOPS decryption of generator and patch sources before the build.
//! - [`reconcile`]: one reconciliation ([`reconcile_kustomization`]) and deletion.
//! - [`controller`]: the kube-runtime controller watching Kustomizations and their
//!   sources ([`run_kustomizations_until`]).

pub mod apply;
pub mod build;
pub mod controller;
pub mod decrypt;
pub mod depends;
pub mod fetch;
pub mod history;
pub mod impersonate;
pub mod reconcile;

use std::time::Duration;

use gitops_core::ssa::manager::ResourceManager;
use gitops_core::ssa::policy::Owner;

pub use controller::{run_kustomizations, run_kustomizations_until};
pub use reconcile::reconcile_kustomization;

use crate::artifacts::ArtifactCache;
use crate::runtime::events::EventRecorder;
use crate::runtime::metrics::Metrics;
use crate::runtime::requeue::{Backoff, Gate};

/// kustomize-controller's name: field manager, event source.
pub const CONTROLLER_NAME: &str = "kustomize-controller";

/// Settings of the Kustomization controller (kustomize-controller's flags).
#[derive(Clone, Debug)]
pub struct KustomizeOptions {
    /// `--concurrent`: reconciliations in parallel.
    pub concurrency: usize,
    /// `--requeue-dependency`: retry delay while dependencies or the source are not ready.
    pub requeue_dependency: Duration,
    /// `--events-addr`: where Flux event JSON is POSTed, if anywhere.
    pub events_addr: Option<String>,
    /// `--no-cross-namespace-refs`: refuse sources in other namespaces.
    pub no_cross_namespace_refs: bool,
    /// `StrictPostBuildSubstitutions`: a variable without value or default fails the build.
    pub strict_substitutions: bool,
    /// Watch only this namespace; all when `None`.
    pub namespace: Option<String>,
    /// `--min-retry-delay` (API failures).
    pub min_retry_delay: Duration,
    /// `--max-retry-delay`.
    pub max_retry_delay: Duration,
    /// Bytes of unpacked artifact files kept in memory between reconciliations (the
    /// most recently loaded artifact is always kept while in use).
    pub artifact_cache_bytes: usize,
    /// `--default-service-account`: the service account (in each Kustomization's own
    /// namespace) impersonated by Kustomizations without `spec.serviceAccountName`;
    /// `None`: they use the controller's own identity ([`impersonate`]).
    pub default_service_account: Option<String>,
    /// The `kube::Config` the controller's client was built from; impersonating clients
    /// are built from a clone of it. Without it, a Kustomization that impersonates fails
    /// with `Ready=False` and a message saying so. The controller manager fills it.
    pub client_config: Option<kube::Config>,
    /// The registry reconciliations record Flux's metrics into; the controller manager
    /// gives every controller it runs the same one and serves it.
    pub metrics: Metrics,
}

impl Default for KustomizeOptions {
    fn default() -> Self {
        KustomizeOptions {
            concurrency: 4,
            requeue_dependency: Duration::from_secs(30),
            events_addr: None,
            no_cross_namespace_refs: false,
            strict_substitutions: true,
            namespace: None,
            min_retry_delay: Duration::from_secs(5),
            max_retry_delay: Duration::from_secs(5 * 60),
            artifact_cache_bytes: 64 << 20,
            default_service_account: None,
            client_config: None,
            metrics: Metrics::default(),
        }
    }
}

/// What the reconciler shares between reconciliations.
pub struct KustomizeContext {
    /// The cluster.
    pub client: kube::Client,
    /// The settings.
    pub opts: KustomizeOptions,
    /// The apply engine (discovery cache shared by all Kustomizations).
    pub manager: ResourceManager,
    /// Events as `kustomize-controller`.
    pub recorder: EventRecorder,
    /// Retry delays after API failures.
    pub backoff: Backoff,
    /// Skips watch events without a new trigger.
    pub gate: Gate,
    /// Artifact downloads.
    pub http: reqwest::Client,
    /// Unpacked artifacts shared by the Kustomizations of one source revision.
    pub artifacts: ArtifactCache,
    /// Flux's reconcile metrics ([`KustomizeOptions::metrics`]).
    pub metrics: Metrics,
}

impl std::fmt::Debug for KustomizeContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KustomizeContext")
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

impl KustomizeContext {
    /// A context over `client` configured by `opts`.
    pub fn new(client: kube::Client, opts: KustomizeOptions) -> KustomizeContext {
        gitops_sources::tls::ensure_provider();
        KustomizeContext {
            manager: ResourceManager::new(client.clone(), Owner::kustomize_controller())
                .with_concurrency(opts.concurrency.max(1)),
            recorder: EventRecorder::new(client.clone(), CONTROLLER_NAME, opts.events_addr.clone()),
            backoff: Backoff::new(opts.min_retry_delay, opts.max_retry_delay),
            gate: Gate::default(),
            http: reqwest::Client::new(),
            artifacts: ArtifactCache::new(opts.artifact_cache_bytes),
            metrics: opts.metrics.clone(),
            client,
            opts,
        }
    }
}
