//! Helm chart rendering: [`values`] (Helm's `--set` parsers and value coalescing).

pub mod values;
