//! A kustomize v5 engine: `kustomize::build` produces what `kubectl kustomize` produces.
//!
//! The build follows kustomize's own order. For each kustomization, recursively:
//! resources (files, directories, nested kustomizations), transformer configurations and
//! CRDs, generators, components, then the built-in transformers in kustomize's order
//! (strategic-merge patches and `patches`, namespace, prefix, suffix, labels, annotations,
//! JSON 6902 patches, replicas, images, replacements), then `transformers:` plugins and
//! `vars`. At the top: content-hash name suffixes, name-reference fixes, vars, dropping
//! local-config objects, and the output order.
//!
//! ```
//! use gitops_render::kustomize::{self, MemFs, Options};
//!
//! let mut fs = MemFs::new();
//! fs.add("app/kustomization.yaml", "namePrefix: dev-\nresources: [cm.yaml]\n")
//!   .add("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n");
//! let set = kustomize::build(&fs, "app", &Options::default())?;
//! assert_eq!(set.objects()[0].name(), "dev-settings");
//! # Ok::<(), kustomize::Error>(())
//! ```

mod accumulate;
mod build_metadata;
pub mod fs;
pub mod kustomization;
pub mod loader;
pub mod resource;
mod sort;

pub mod fieldspec;
pub mod generate;
pub mod patch;
pub mod replacement;
pub mod transform;

pub use fs::{DiskFs, Fs, MemFs};
pub use kustomization::Kustomization;
pub use resource::{ResId, ResMap, Resource};

use gitops_core::ResourceSet;

/// Which files a kustomization may load.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadRestrictor {
    /// Only files under the kustomization's own directory (the kustomize CLI's default).
    #[default]
    RootOnly,
    /// Any file under the build's root (Flux's setting; still confined to the root).
    None,
}

/// The order of the output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reorder {
    /// kustomize's legacy kind order (the CLI default).
    #[default]
    Legacy,
    /// Input order (what Flux builds).
    None,
}

/// Options of [`build`].
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Which files may be loaded.
    pub load_restrictor: LoadRestrictor,
    /// Output order.
    pub reorder: Reorder,
    /// Build directories without a kustomization file from all their YAML files,
    /// recursively (Flux's behaviour); otherwise such a directory is an error.
    pub generate_if_missing: bool,
    /// Inflate `helmCharts` with this crate's Helm engine (`kubectl kustomize
    /// --enable-helm`); without it they are an error, as in kubectl and Flux.
    pub enable_helm: bool,
}

impl Options {
    /// The options Flux's kustomize-controller builds with: no load restriction (within
    /// the artifact), input order, generated kustomizations.
    pub fn flux() -> Self {
        Options {
            load_restrictor: LoadRestrictor::None,
            reorder: Reorder::None,
            generate_if_missing: true,
            enable_helm: false,
        }
    }
}

/// Why a build failed. Variants name the file or resource concerned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A referenced file could not be loaded.
    #[error(transparent)]
    Load(#[from] loader::Error),
    /// A kustomization file is invalid.
    #[error(transparent)]
    Kustomization(#[from] kustomization::Error),
    /// A resource file is invalid.
    #[error(transparent)]
    Resources(#[from] gitops_core::resource_set::Error),
    /// Two resources have the same id.
    #[error(transparent)]
    ResMap(#[from] resource::Error),
    /// A directory has no kustomization file.
    #[error(
        "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{0}'"
    )]
    MissingKustomization(String),
    /// Kustomizations refer to each other in a cycle.
    #[error("cycle detected: '{0}' is already being built")]
    Cycle(String),
    /// The top kustomization's `sortOptions` are invalid.
    #[error("{0}")]
    SortOptions(String),
    /// A feature that is not available.
    #[error("{0}")]
    Unsupported(String),
    /// A generator failed.
    #[error(transparent)]
    Generate(#[from] generate::Error),
    /// A patch failed.
    #[error(transparent)]
    Patch(#[from] patch::Error),
    /// A field-spec transformer failed.
    #[error(transparent)]
    Transform(#[from] transform::Error),
    /// A replacement or var failed.
    #[error(transparent)]
    Replacement(#[from] replacement::Error),
}

/// Builds the kustomization in `dir` (root-relative) of `fs`.
pub fn build(fs: &dyn Fs, dir: &str, options: &Options) -> Result<ResourceSet, Error> {
    accumulate::build(fs, dir, options)
}
