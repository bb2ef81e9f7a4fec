//! Resources as a kustomize build carries them: the object, where it came from, the ids it
//! had before transformers renamed it (for name references), and generator options.
//!
//! [`ResMap`] is the ordered set a build accumulates; ids are unique in it, as in
//! kustomize ("may not add resource with an already registered id").

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;

use gitops_core::Object;

/// A resource id: group, version, kind, namespace and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ResId {
    /// API group, empty for the core group.
    pub group: String,
    /// API version (without group).
    pub version: String,
    /// Kind.
    pub kind: String,
    /// Namespace (empty when unset).
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl ResId {
    /// The id of an object as it is now.
    pub fn of(object: &Object) -> Self {
        ResId {
            group: object.group().to_string(),
            version: object.version().to_string(),
            kind: object.kind().to_string(),
            namespace: object.namespace().to_string(),
            name: object.name().to_string(),
        }
    }

    /// Same group and kind (version ignored), as kustomize compares GVKs for references.
    pub fn same_group_kind(&self, other: &ResId) -> bool {
        self.group == other.group && self.kind == other.kind
    }
}

impl fmt::Display for ResId {
    /// kustomize's `ResId.String()` form: `[noGrp]/v1/ConfigMap/[noNs]/name`-like, printed
    /// as `Kind.version.group/name.namespace` in its error messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let group = if self.group.is_empty() {
            "[noGrp]"
        } else {
            &self.group
        };
        let ns = if self.namespace.is_empty() {
            "[noNs]"
        } else {
            &self.namespace
        };
        write!(
            f,
            "{}.{}.{}/{}.{}",
            self.kind, self.version, group, self.name, ns
        )
    }
}

/// How a generated resource combines with one of the same id from a base.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Behavior {
    /// A new resource (an existing one is a conflict).
    #[default]
    Create,
    /// Merge data into the existing resource.
    Merge,
    /// Replace the existing resource.
    Replace,
}

/// One resource of a build.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// The object as transformed so far.
    pub object: Object,
    /// The ids the resource had before each rename (oldest first); name references to
    /// any of them are updated to the current name.
    pub previous_ids: Vec<ResId>,
    /// File the resource was read from, relative to the build root (origin annotations).
    pub origin: Option<String>,
    /// Generator behaviour (`create` for plain resources).
    pub behavior: Behavior,
    /// A generated ConfigMap/Secret whose name gets the content-hash suffix.
    pub needs_hash_suffix: bool,
    /// Name prefixes applied to the resource, innermost kustomization first; name
    /// references prefer referrals renamed the same way as the referrer.
    pub name_prefixes: Vec<String>,
    /// Name suffixes applied to the resource, innermost kustomization first.
    pub name_suffixes: Vec<String>,
}

impl Resource {
    /// A plain resource read from `origin`.
    pub fn new(object: Object, origin: Option<String>) -> Self {
        Resource {
            object,
            previous_ids: Vec::new(),
            origin,
            behavior: Behavior::Create,
            needs_hash_suffix: false,
            name_prefixes: Vec::new(),
            name_suffixes: Vec::new(),
        }
    }

    /// The current id.
    pub fn id(&self) -> ResId {
        ResId::of(&self.object)
    }

    /// The id the resource was loaded with (before any rename).
    pub fn original_id(&self) -> ResId {
        self.previous_ids
            .first()
            .cloned()
            .unwrap_or_else(|| self.id())
    }

    /// Records the current id before a transformer changes name, namespace or kind.
    pub fn remember_id(&mut self) {
        let id = self.id();
        if self.previous_ids.last() != Some(&id) {
            self.previous_ids.push(id);
        }
    }
}

/// Why resources could not be combined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two resources have the same id.
    #[error("may not add resource with an already registered id: {0}")]
    Conflict(ResId),
}

/// The ordered resources of a build.
///
/// Appending checks the id against an index of current ids, so building a map is linear.
/// Handing out the resources mutably (ids may change) drops the index; the next lookup
/// rebuilds it once.
#[derive(Clone, Debug, Default)]
pub struct ResMap {
    resources: Vec<Resource>,
    /// Current id → position, valid while `Some`.
    index: Option<HashMap<ResId, usize>>,
}

impl PartialEq for ResMap {
    fn eq(&self, other: &Self) -> bool {
        self.resources == other.resources
    }
}

impl ResMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id index, rebuilt if a mutable borrow may have changed ids.
    fn index(&mut self) -> &mut HashMap<ResId, usize> {
        let resources = &self.resources;
        self.index.get_or_insert_with(|| {
            let mut index = HashMap::with_capacity(resources.len());
            for (i, r) in resources.iter().enumerate() {
                index.entry(r.id()).or_insert(i);
            }
            index
        })
    }

    /// Appends a resource; an id already present is a conflict.
    pub fn append(&mut self, resource: Resource) -> Result<(), Error> {
        let id = resource.id();
        let position = self.resources.len();
        match self.index().entry(id) {
            Entry::Occupied(e) => Err(Error::Conflict(e.key().clone())),
            Entry::Vacant(e) => {
                e.insert(position);
                self.resources.push(resource);
                Ok(())
            }
        }
    }

    /// Appends every resource of `other`, in order.
    pub fn append_all(&mut self, other: ResMap) -> Result<(), Error> {
        self.resources.reserve(other.resources.len());
        other.resources.into_iter().try_for_each(|r| self.append(r))
    }

    /// The resources, in order.
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    /// The resources, mutably (ids may change; callers keep them unique).
    pub fn resources_mut(&mut self) -> &mut Vec<Resource> {
        self.index = None;
        &mut self.resources
    }

    /// Number of resources.
    pub fn len(&self) -> usize {
        self.resources.len()
    }

    /// Whether there are no resources.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// Index of the (first) resource whose current id is `id`.
    pub fn position(&mut self, id: &ResId) -> Option<usize> {
        self.index().get(id).copied()
    }

    /// Consumes the map into its resources.
    pub fn into_resources(self) -> Vec<Resource> {
        self.resources
    }
}

impl FromIterator<Resource> for ResMap {
    fn from_iter<I: IntoIterator<Item = Resource>>(iter: I) -> Self {
        ResMap {
            resources: iter.into_iter().collect(),
            index: None,
        }
    }
}
