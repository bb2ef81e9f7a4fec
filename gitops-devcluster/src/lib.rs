//! An embedded in-memory Kubernetes API server for local runs, examples and tests.
//!
//! It speaks the real HTTP API on loopback so that `kubectl`, `helm` and `kube::Client`
//! accept it; it is the default target of `gitops up` and never a production cluster.
//!
//! **May depend on:** `gitops-core` within the workspace (its YAML reader).
//!
//! **Status:** the API surface GitOps needs: discovery, CRUD, watches, Tables, OpenAPI,
//! protobuf bodies, CRDs, JSON/merge/strategic merge patches, server-side apply with
//! managed fields, defaults, garbage collection, persistence and workload simulation.
//!
//! - [`path`]: request paths and query strings → typed descriptors (unknown → 404).
//! - [`selector`], [`field_selector`]: label and field selectors as apimachinery parses them.
//! - [`store`]: objects keyed by (group, resource, namespace, name), one global
//!   resourceVersion, optimistic concurrency, finalizers, dry runs, paged snapshot lists.
//! - [`watch`]: the event log, watch cursors, bookmarks, `sendInitialEvents`.
//! - [`status`], [`field_error`]: Kubernetes `Status` error bodies and field errors.
//! - [`patch`]: JSON Patch (RFC 6902), JSON Merge Patch (RFC 7386) and strategic merge
//!   patch (the API server's semantics and directives) for PATCH requests.
//! - [`managed`]: server-side apply and `metadata.managedFields` (ownership, conflicts,
//!   removal of fields an applier stopped sending).
//! - [`rbac`]: RBAC authorization of impersonated requests (`Impersonate-User`);
//!   requests without impersonation run as an administrator.
//! - [`faults`]: injected API failures (error statuses, delays) for retry tests.
//! - [`gc`]: owner-reference garbage collection (Background, Foreground, Orphan deletes).
//! - [`immutable`]: the update checks of immutable fields (selectors, cluster IPs, ...).
//! - [`typeschema`]: object types compiled from the OpenAPI schemas (fields, list and map
//!   semantics) for server-side apply and request decoding.
//! - [`typecheck`]: typed decoding against those types (Go decoder type errors, unknown
//!   fields for `fieldValidation`), CRD structural pruning, defaulting and validation.
//! - [`validation`]: qualified-name and label-value checks with apimachinery's wording.
//! - [`persist`]: opt-in persistence (`data_dir`): snapshot plus fsync'd write log.
//! - [`simulate`]: opt-in workload simulation (ReplicaSets for Deployments, workload
//!   status after a delay, the `devcluster.gitops.dev/fail` annotation).
//!
//! # The HTTP server
//! [`cluster::DevCluster::start`] serves the API over HTTP/1.1 on loopback ([`server`]), with
//! the resource table in [`registry`] and discovery documents from [`discovery`]; the
//! returned [`cluster::Handle`] gives the URL, a `kube::Client` and a kubeconfig.
//!
//! # Wiring into the HTTP server
//! Per request: [`path::ApiPath::parse`] the path (`NotFound` → [`status::Status::not_found_path`]),
//! [`path::Query::parse`] the query, look the resource up in the server's registry to build a
//! [`store::ResourceType`] (404 if unknown), then call the [`store::Store`] verb under a mutex.
//! Errors become `status.to_json()` with `status.code`. Watches follow the flow in [`watch`].
//!
//! ```
//! use gitops_devcluster::store::{ResourceType, Store, WriteOptions, ListParams};
//! use serde_json::json;
//!
//! let mut store = Store::default();
//! let cm = ResourceType::namespaced("", "v1", "configmaps", "ConfigMap");
//! let created = store
//!     .create(&cm, "default", json!({"metadata": {"name": "x"}}), &WriteOptions::default())
//!     .expect("created");
//! assert_eq!(created["metadata"]["resourceVersion"], "2");
//! let err = store.get(&cm, "default", "y", None).expect_err("missing");
//! assert_eq!(err.to_status().message, "configmaps \"y\" not found");
//! assert_eq!(store.list(&cm, &ListParams::default()).expect("lists").items.len(), 1);
//! ```
pub use gitops_core as core;

pub mod cluster;
pub mod defaults;
pub mod discovery;
pub mod faults;
pub mod field_error;
pub mod field_selector;
pub mod gc;
pub mod immutable;
pub mod managed;
pub mod openapi;
pub mod patch;
pub mod path;
pub mod persist;
pub mod protobuf;
pub mod rbac;
pub mod registry;
pub mod selector;
pub mod server;
pub mod simulate;
pub mod status;
pub mod store;
pub mod table;
pub mod typecheck;
pub mod typeschema;
pub mod validation;
pub mod watch;

pub use cluster::{DevCluster, Handle, Options, serve_forever};
