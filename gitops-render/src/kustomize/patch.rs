//! Strategic merge patches and JSON 6902 patches, with target selection.
//! (Stub: filled in by the patch work.)

use super::accumulate::Accumulator;
use super::kustomization::Kustomization;
use super::loader::Dir;

/// Why a patch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A referenced file could not be loaded.
    #[error(transparent)]
    Load(#[from] super::loader::Error),
}

/// `patchesStrategicMerge` and `patches` (the first transformer stage).
pub fn strategic_merge_stage(k: &Kustomization, dir: Dir<'_>, acc: &mut Accumulator) -> Result<(), Error> {
    let _ = (k, dir, acc);
    Ok(())
}

/// `patchesJson6902`.
pub fn json6902_stage(k: &Kustomization, dir: Dir<'_>, acc: &mut Accumulator) -> Result<(), Error> {
    let _ = (k, dir, acc);
    Ok(())
}
