//! `configMapGenerator`, `secretGenerator`, `generatorOptions` and the content-hash name
//! suffix. (Stub: filled in by the generators work.)

use super::accumulate::Accumulator;
use super::kustomization::Kustomization;
use super::loader::Dir;
use super::resource::ResMap;

/// Why a generator failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A referenced file could not be loaded.
    #[error(transparent)]
    Load(#[from] super::loader::Error),
}

/// Runs the kustomization's generators into `acc` (behaviours create/merge/replace).
pub fn run(k: &Kustomization, dir: Dir<'_>, acc: &mut Accumulator) -> Result<(), Error> {
    let _ = (k, dir, acc);
    Ok(())
}

/// Appends the content hash to the names of generated resources that want it.
pub fn add_hash_suffixes(resmap: &mut ResMap) -> Result<(), Error> {
    let _ = resmap;
    Ok(())
}
