//! The field-spec transformers: namespace, name prefix/suffix, labels, annotations,
//! replicas, images, `transformers:` plugin configs, and name-reference fixing.
//! (Stub: filled in by the transformers work.)

use super::accumulate::Accumulator;
use super::kustomization::Kustomization;
use super::loader::Dir;

/// Why a transformer failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A referenced file could not be loaded.
    #[error(transparent)]
    Load(#[from] super::loader::Error),
}

/// `namespace`.
pub fn namespace(k: &Kustomization, acc: &mut Accumulator) -> Result<(), Error> {
    let Some(ns) = k.namespace.as_deref() else { return Ok(()) };
    for r in acc.resmap.resources_mut() {
        r.remember_id();
        r.object.set_namespace(ns);
    }
    Ok(())
}

/// `namePrefix` and `nameSuffix`.
pub fn prefix_suffix(k: &Kustomization, acc: &mut Accumulator) -> Result<(), Error> {
    let prefix = k.name_prefix.as_deref().unwrap_or("");
    let suffix = k.name_suffix.as_deref().unwrap_or("");
    if prefix.is_empty() && suffix.is_empty() {
        return Ok(());
    }
    for r in acc.resmap.resources_mut() {
        r.remember_id();
        let name = format!("{prefix}{}{suffix}", r.object.name());
        r.object.set_name(&name);
    }
    Ok(())
}

/// `commonLabels` and `labels`.
pub fn labels(k: &Kustomization, acc: &mut Accumulator) -> Result<(), Error> {
    let _ = (k, acc);
    Ok(())
}

/// `commonAnnotations`.
pub fn annotations(k: &Kustomization, acc: &mut Accumulator) -> Result<(), Error> {
    let _ = (k, acc);
    Ok(())
}

/// `replicas`.
pub fn replicas(k: &Kustomization, acc: &mut Accumulator) -> Result<(), Error> {
    let _ = (k, acc);
    Ok(())
}

/// `images`.
pub fn images(k: &Kustomization, acc: &mut Accumulator) -> Result<(), Error> {
    let _ = (k, acc);
    Ok(())
}

/// Built-in transformer configs under `transformers:`.
pub fn plugins(k: &Kustomization, dir: Dir<'_>, acc: &mut Accumulator) -> Result<(), Error> {
    let _ = (k, dir, acc);
    Ok(())
}

/// Updates references to renamed resources (kustomize's `nameReference`).
pub fn fix_name_references(acc: &mut Accumulator) -> Result<(), Error> {
    let _ = acc;
    Ok(())
}
