//! `replacements` and `vars`. (Stub: filled in by the replacements work.)

use super::accumulate::Accumulator;
use super::kustomization::Kustomization;
use super::loader::Dir;

/// Why a replacement or var failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A referenced file could not be loaded.
    #[error(transparent)]
    Load(#[from] super::loader::Error),
}

/// `replacements` (the last built-in transformer).
pub fn replacements_stage(k: &Kustomization, dir: Dir<'_>, acc: &mut Accumulator) -> Result<(), Error> {
    let _ = (k, dir, acc);
    Ok(())
}

/// Substitutes `$(VAR)` references once all names are final.
pub fn resolve_vars(acc: &mut Accumulator) -> Result<(), Error> {
    let _ = acc;
    Ok(())
}
