//! Post-build variable substitution of a Flux Kustomization (`spec.postBuild`).
//!
//! Like kustomize-controller, each object is printed as YAML (the way `sigs.k8s.io/yaml`
//! prints it), `${var}` expressions are expanded on that text with [`envsubst`], and the
//! text is read back (go-yaml v2 rules): `replicas: ${N}` with `N: "3"` becomes the number
//! 3, and a quoted `"${N}"` in the source does not help, because the value was re-printed
//! without quotes. Flux's documented way to keep a string is a quote variable:
//! `id: ${quote}${id}${quote}` with `quote: '"'`. Objects labelled or annotated
//! `kustomize.toolkit.fluxcd.io/substitute: disabled` are left alone.
//!
//! ```
//! use std::collections::BTreeMap;
//! use gitops_core::ResourceSet;
//! use gitops_render::postbuild::{self, Options};
//!
//! let mut set = ResourceSet::from_yaml_str(
//!     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  env: ${env:=dev}\n",
//!     "cm.yaml",
//! )?;
//! let vars = BTreeMap::from([("env".to_string(), "prod".to_string())]);
//! postbuild::substitute(set.objects_mut(), &vars, &Options::flux())?;
//! assert_eq!(set.objects()[0].as_value()["data"]["env"], "prod");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod envsubst;
mod funcs;
mod glob;

use std::collections::BTreeMap;

use gitops_core::api::kustomize::{PostBuild, SubstituteReference, SubstituteStrategy};
use gitops_core::yaml::{self, LoadOptions, Schema};
use gitops_core::{Object, ObjectId};
use serde_json::Value;

/// The label/annotation that opts an object out of substitution.
pub const SUBSTITUTE_KEY: &str = "kustomize.toolkit.fluxcd.io/substitute";
/// The value of [`SUBSTITUTE_KEY`] that disables substitution.
pub const DISABLED_VALUE: &str = "disabled";
/// The pattern variable names must match (Flux's `varsubRegex`).
pub const VAR_NAME_PATTERN: &str = "^[_[:alpha:]][_[:alpha:][:digit:]]*$";

/// Why post-build substitution failed; each variant names the object or variable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PostBuildError {
    /// A variable name does not match [`VAR_NAME_PATTERN`].
    #[error("post build failed for '{gvk}/{}': envsubst error: '{var}' var name is invalid, must match '{VAR_NAME_PATTERN}'", .object.name)]
    InvalidVarName {
        /// The object being substituted.
        object: Box<ObjectId>,
        /// kustomize's `Kind.version.group` of the object.
        gvk: String,
        /// The offending variable name.
        var: String,
    },
    /// Expansion failed: a parse error or, in strict mode, a variable without a value.
    #[error("post build failed for '{gvk}/{}': envsubst error: variable substitution failed: {source}", .object.name)]
    Substitution {
        /// The object being substituted.
        object: Box<ObjectId>,
        /// kustomize's `Kind.version.group` of the object.
        gvk: String,
        /// What went wrong.
        source: envsubst::Error,
    },
    /// The substituted text is not YAML any more, or not a single object.
    #[error("post build failed for '{gvk}/{}': envsubst error: YAMLToJSON: {message}", .object.name)]
    Yaml {
        /// The object being substituted.
        object: Box<ObjectId>,
        /// kustomize's `Kind.version.group` of the object.
        gvk: String,
        /// The YAML reader's message.
        message: String,
    },
    /// A `substituteFrom` reference that is not optional points at a missing object.
    #[error("substitute from '{kind}/{name}' error: {kind} '{name}' not found")]
    SourceNotFound {
        /// `ConfigMap` or `Secret`.
        kind: String,
        /// The referenced name.
        name: String,
    },
}

/// How to substitute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Options {
    /// Fail on a variable that has no value and no default (Flux's
    /// `StrictPostBuildSubstitutions` feature gate, on by default in kustomize-controller).
    pub strict: bool,
    /// Substitute even when no variable is defined (`substituteStrategy: Always`); with
    /// the default strategy (`WithVariables`) nothing happens when `vars` is empty.
    pub always: bool,
}

impl Options {
    /// kustomize-controller's defaults: strict, strategy `WithVariables`.
    pub fn flux() -> Self {
        Options {
            strict: true,
            always: false,
        }
    }

    /// The options for a Kustomization's `spec.postBuild` (its `substituteStrategy`) with
    /// the controller's strict-substitution setting.
    pub fn for_post_build(post_build: &PostBuild, strict: bool) -> Self {
        Options {
            strict,
            always: post_build.substitute_strategy == Some(SubstituteStrategy::Always),
        }
    }
}

/// One `substituteFrom` source, already read from the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarSource {
    /// `ConfigMap` or `Secret`.
    pub kind: String,
    /// The object's name.
    pub name: String,
    /// Its `data` (Secret values decoded from base64); `None` when it does not exist.
    pub data: Option<BTreeMap<String, String>>,
    /// Whether a missing object is tolerated.
    pub optional: bool,
}

impl VarSource {
    /// A source for a `substituteFrom` reference and the `data` read for it (`None`
    /// when the object does not exist).
    pub fn from_reference(
        reference: &SubstituteReference,
        data: Option<BTreeMap<String, String>>,
    ) -> Self {
        VarSource {
            kind: reference.kind.as_str().to_string(),
            name: reference.name.clone(),
            data,
            optional: reference.optional.unwrap_or(false),
        }
    }
}

/// Merges the variables as kustomize-controller does: `substituteFrom` sources in order
/// (later ones win), then the inline `substitute` map on top. Newlines are removed from
/// every value. A missing source fails unless it is optional.
pub fn vars_from(
    substitute: Option<&BTreeMap<String, String>>,
    sources: &[VarSource],
) -> Result<BTreeMap<String, String>, PostBuildError> {
    let mut vars = BTreeMap::new();
    for source in sources {
        match &source.data {
            Some(data) => {
                for (k, v) in data {
                    vars.insert(k.clone(), v.replace('\n', ""));
                }
            }
            None if source.optional => {}
            None => {
                return Err(PostBuildError::SourceNotFound {
                    kind: source.kind.clone(),
                    name: source.name.clone(),
                });
            }
        }
    }
    for (k, v) in substitute.into_iter().flatten() {
        vars.insert(k.clone(), v.replace('\n', ""));
    }
    Ok(vars)
}

/// Substitutes `vars` into every object (see the module docs); stops at the first error.
pub fn substitute(
    objects: &mut [Object],
    vars: &BTreeMap<String, String>,
    opts: &Options,
) -> Result<(), PostBuildError> {
    for object in objects.iter_mut() {
        substitute_object(object, vars, opts)?;
    }
    Ok(())
}

/// Whether the object opted out with `kustomize.toolkit.fluxcd.io/substitute: disabled`.
pub fn is_disabled(object: &Object) -> bool {
    object.label(SUBSTITUTE_KEY) == Some(DISABLED_VALUE)
        || object.annotation(SUBSTITUTE_KEY) == Some(DISABLED_VALUE)
}

/// Substitutes one object; returns whether substitution ran on it.
pub fn substitute_object(
    object: &mut Object,
    vars: &BTreeMap<String, String>,
    opts: &Options,
) -> Result<bool, PostBuildError> {
    if is_disabled(object) || (vars.is_empty() && !opts.always) {
        return Ok(false);
    }
    let gvk = gvk_string(object);
    if let Some(var) = vars.keys().find(|k| !valid_var_name(k)) {
        return Err(PostBuildError::InvalidVarName {
            object: Box::new(object.id()),
            gvk,
            var: var.clone(),
        });
    }
    let text = yaml::to_string(object.as_value());
    let strict = opts.strict;
    let out = envsubst::eval(&text, |v| match vars.get(v) {
        Some(value) => Some(value.clone()),
        None if strict => None,
        None => Some(String::new()),
    })
    .map_err(|source| PostBuildError::Substitution {
        object: Box::new(object.id()),
        gvk: gvk.clone(),
        source,
    })?;
    let yaml_err = |message: String| PostBuildError::Yaml {
        object: Box::new(object.id()),
        gvk: gvk.clone(),
        message,
    };
    let docs = yaml::load_documents(&out, &LoadOptions::with_schema(Schema::GoYamlV2))
        .map_err(|e| yaml_err(e.to_string()))?;
    let mut docs = docs.into_iter().map(|d| d.value).filter(|v| !v.is_null());
    let value = match (docs.next(), docs.next()) {
        (Some(value @ Value::Object(_)), None) => value,
        _ => {
            return Err(yaml_err(
                "the substituted text is not a single mapping".to_string(),
            ));
        }
    };
    *object = Object::from_value(value).map_err(|e| yaml_err(e.to_string()))?;
    Ok(true)
}

/// `^[_[:alpha:]][_[:alpha:][:digit:]]*$` (ASCII classes, as in Go's RE2).
pub fn valid_var_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b == b'_' || b.is_ascii_alphabetic())
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric())
}

/// kustomize's `Gvk.String()`: `Kind.version.group`, `[noGrp]` for the core group.
fn gvk_string(object: &Object) -> String {
    let or = |s: &str, none: &str| {
        if s.is_empty() {
            none.to_string()
        } else {
            s.to_string()
        }
    };
    format!(
        "{}.{}.{}",
        or(object.kind(), "[noKind]"),
        or(object.version(), "[noVer]"),
        or(object.group(), "[noGrp]")
    )
}
