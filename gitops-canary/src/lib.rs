//! Progressive delivery: Flagger's analysis as a pure state machine.
//!
//! Given a Canary, its target and what was observed, decide the next step; routers,
//! metric providers and webhooks sit behind small traits.
//!
//! **May depend on:** `gitops-core` and `gitops-gotmpl` within the workspace (never on
//! `gitops-sources` or `gitops-render`). Decision logic does no network I/O: only the
//! metric providers ([`metrics`]) and the webhook client ([`webhooks`]) talk to the
//! network, and only when a controller calls them.
//!
//! The Canary API types live in [`gitops_core::api::flagger`].
pub use gitops_core as core;

pub mod metrics;
pub mod render;
pub mod router;
pub mod routes;
pub mod workload;
pub mod webhooks;

pub use router::Router;
pub use routes::Routes;
pub mod machine;
pub mod simulate;
