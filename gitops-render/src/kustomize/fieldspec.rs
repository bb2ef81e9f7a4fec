//! Field specs: which fields of which kinds each built-in transformer touches (kustomize's
//! `builtinconfig`), extended by `configurations:` files and `crds:`.
//!
//! (Stub: filled in by the transformers work.)

use super::kustomization::Kustomization;
use super::loader::Dir;

/// The field specs of every built-in transformer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TransformerConfig {}

impl TransformerConfig {
    /// kustomize's built-in configuration.
    pub fn builtin() -> Self {
        TransformerConfig {}
    }

    /// Adds `other`'s specs (duplicates are dropped).
    pub fn merge(&mut self, other: TransformerConfig) {
        let _ = other;
    }

    /// The specs a kustomization adds through `configurations:` and `crds:`.
    pub fn load(dir: Dir<'_>, k: &Kustomization) -> Result<Self, super::transform::Error> {
        let _ = (dir, k);
        Ok(TransformerConfig {})
    }
}
