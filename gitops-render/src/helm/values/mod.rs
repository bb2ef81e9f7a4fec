//! Helm's values layer, producing [`gitops_gotmpl::Value`]s with Helm's Go types.
//!
//! - [`strvals`]: `--set`, `--set-string`, `--set-json` and `--set-file` lines as Helm's
//!   `pkg/strvals` parses them (with Helm's error messages).
//! - [`coalesce`]: user values over chart defaults, `global` copied into subcharts, and
//!   [`coalesce::merge_values`], the merge of `-f` files and `--set*` flags in Helm 4's order.

pub mod coalesce;
pub mod strvals;

#[cfg(test)]
mod tests;
