//! Helm chart rendering in pure Rust, printing what `helm template` (Helm 4.1) prints.
//!
//! - [`chart`]: the chart model, loaded from a directory (with `.helmignore`), a `.tgz`
//!   archive or a list of files; [`ignore`]: `.helmignore` rules.
//! - [`values`]: Helm's `--set` parsers, value files and coalescing.
//! - [`dependencies`]: conditions, tags, aliases and `import-values`.
//! - [`schema`]: `values.schema.json` validation with Helm's messages.
//! - [`objects`]: `.Values`, `.Files`, `.Capabilities`, `.Chart`, `.Release`.
//! - [`engine`]: all templates parsed into one set, executed, Helm's error rewriting.
//! - [`manifests`]: documents split, hooks set apart, install order.
//! - [`template`]: the `helm template` action and its output.
//!
//! ```
//! use gitops_render::helm::{chart::{Chart, File}, template};
//! let file = |name: &str, text: &str| File { name: name.into(), data: text.into() };
//! let chart = Chart::from_files(vec![
//!     file("Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\n"),
//!     file("values.yaml", "replicas: 2\n"),
//!     file("templates/cm.yaml", "kind: ConfigMap\ndata:\n  replicas: {{ .Values.replicas | quote }}\n"),
//! ])
//! .unwrap();
//! let values = gitops_gotmpl::Value::map(Default::default());
//! let out = template::template(&chart, &values, &Default::default(), &Default::default()).unwrap();
//! assert_eq!(out, "---\n# Source: demo/templates/cm.yaml\nkind: ConfigMap\ndata:\n  replicas: \"2\"\n");
//! ```

pub mod chart;
pub mod dependencies;
pub mod engine;
pub mod ignore;
pub mod manifests;
pub mod objects;
pub mod schema;
pub mod template;
pub mod values;

pub use chart::Chart;
pub use template::{OutputOptions, RenderOptions, Rendered, render};
