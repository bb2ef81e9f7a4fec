//! Progressive delivery: Flagger's analysis as a pure state machine.
//!
//! Given a Canary, its target and what was observed, decide the next step; routers,
//! metric providers and webhooks sit behind small traits.
//!
//! | module | contents |
//! |---|---|
//! | [`machine`] | `step(&CanaryState, &Observation) -> (CanaryState, Vec<Command>)`: Flagger's analysis loop, pure |
//! | [`routes`] | the traffic weights the machine sets and reads |
//! | [`router`] | Istio, Gateway API and Kubernetes routing objects, as Flagger writes them |
//! | [`workload`] | the `-primary` workload, services, HPA, ConfigMap/Secret copies, change detection hashes |
//! | [`render`] | every object Flagger creates for a Canary (`gitops canary render`) |
//! | [`metrics`] | the metric provider trait, Prometheus, Flagger's built-in queries, MetricTemplates, thresholds |
//! | [`webhooks`] | Flagger's webhook payload and client |
//! | [`simulate`] | the machine run over a scenario (`gitops canary simulate`) |
//!
//! **May depend on:** `gitops-core` and `gitops-gotmpl` within the workspace (never on
//! `gitops-sources` or `gitops-render`). Decision logic does no network I/O: only the
//! metric providers ([`metrics`]) and the webhook client ([`webhooks`]) talk to the
//! network, and only when a controller calls them.
//!
//! The Canary API types live in [`gitops_core::api::flagger`].
pub use gitops_core as core;

pub mod machine;
pub mod metrics;
pub mod render;
pub mod router;
pub mod routes;
pub mod simulate;
pub mod webhooks;
pub mod workload;

pub use router::Router;
pub use routes::Routes;
