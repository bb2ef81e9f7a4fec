//! Object types compiled from OpenAPI v3 schemas: what server-side apply (field sets,
//! merges, list semantics) and request decoding (field types, unknown fields) consult.
//!
//! The model follows the structured-merge-diff schema the real API server builds from the
//! same OpenAPI documents:
//! - an `object` with `properties` is a [`Atom::Map`] with named fields; with
//!   `additionalProperties` it has an element type (labels, data); with
//!   `x-kubernetes-preserve-unknown-fields` unknown keys take the [`Atom::Deduced`] type;
//!   `x-kubernetes-map-type: atomic` makes the whole map one leaf (label selectors);
//! - an `array` is a [`Atom::List`]: `x-kubernetes-list-type` `atomic`, `set` or `map` (with
//!   `x-kubernetes-list-map-keys`); without it, `x-kubernetes-patch-strategy: merge` makes it
//!   associative (by `x-kubernetes-patch-merge-key`, or a set of scalars), else atomic;
//! - `string`/`integer`/`number`/`boolean` and `oneOf` int-or-string / quantity types are
//!   scalars; an `object` with neither properties nor additionalProperties
//!   (`RawExtension`, `JSON`) is an atomic untyped leaf.
//!
//! Types live in an arena ([`Types`]); recursive definitions (a CRD's `JSONSchemaProps`)
//! are compiled once per name. The built-in kinds share one arena ([`builtin`]); each
//! CustomResourceDefinition version gets its own ([`compile`]).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};

/// Index of a type in its [`Types`] arena.
pub type TypeId = usize;

/// The scalar kinds a schema names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// `type: string` (with any `format`).
    String,
    /// `type: integer`.
    Integer,
    /// `type: number` (integers are numbers too).
    Number,
    /// `type: boolean`.
    Boolean,
    /// `x-kubernetes-int-or-string`, `format: int-or-string` or `oneOf` string|integer.
    IntOrString,
    /// Any scalar (`oneOf` string|number quantities and other untyped scalars).
    Any,
}

/// How a list merges and which of its items are distinct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListKind {
    /// One value: replaced as a whole, owned as one field.
    Atomic,
    /// Scalars, each owned on its own (`v:<value>`).
    Set,
    /// Objects told apart by these keys (`k:{...}`).
    Map(Vec<String>),
}

/// A map (struct or string-keyed map).
#[derive(Debug, Clone, Default)]
pub struct MapType {
    /// Named fields and their types.
    pub fields: HashMap<String, TypeId>,
    /// Type of keys that are not named fields (`additionalProperties`, or deduced under
    /// `x-kubernetes-preserve-unknown-fields`); `None`: such keys are unknown fields.
    pub elem: Option<TypeId>,
    /// `x-kubernetes-map-type: atomic`.
    pub atomic: bool,
    /// `x-kubernetes-preserve-unknown-fields: true`.
    pub preserve_unknown: bool,
}

impl MapType {
    /// The type of `key`: its named field's, else the element type.
    pub fn field(&self, key: &str) -> Option<TypeId> {
        self.fields.get(key).copied().or(self.elem)
    }

    /// Whether `key` is a named field (struct member) rather than a map key.
    pub fn is_named(&self, key: &str) -> bool {
        self.fields.contains_key(key)
    }
}

/// A list.
#[derive(Debug, Clone)]
pub struct ListType {
    /// The item type.
    pub elem: TypeId,
    /// Merge and ownership semantics.
    pub kind: ListKind,
}

/// The shape of a type.
#[derive(Debug, Clone)]
pub enum Atom {
    /// A leaf value.
    Scalar(Scalar),
    /// An object.
    Map(MapType),
    /// An array.
    List(ListType),
    /// Whatever the value is: maps are granular with deduced values, lists atomic.
    Deduced,
    /// Whatever the value is, owned and replaced as one leaf.
    Untyped,
}

/// One compiled type: its shape and the schema keywords validation reads (`type`,
/// `format`, `enum`, `required`, `nullable`, bounds, `pattern`, `default`…, without the
/// nested `properties`/`items`/`additionalProperties` and descriptions).
#[derive(Debug, Clone)]
pub struct Node {
    /// The shape.
    pub atom: Atom,
    /// Validation keywords of the schema node.
    pub keywords: Map<String, Value>,
}

/// An arena of compiled types.
#[derive(Debug, Default)]
pub struct Types {
    nodes: Vec<Node>,
    /// Component names of the types compiled from a named schema (`$ref` targets).
    names: HashMap<TypeId, String>,
}

/// A type and the arena it lives in.
#[derive(Debug, Clone)]
pub struct TypeRef {
    /// The arena.
    pub types: Arc<Types>,
    /// The root type.
    pub root: TypeId,
}

impl Types {
    /// The node of `id` (the [`Atom::Untyped`] leaf for an id out of range).
    pub fn get(&self, id: TypeId) -> &Node {
        static UNTYPED: OnceLock<Node> = OnceLock::new();
        self.nodes.get(id).unwrap_or_else(|| {
            UNTYPED.get_or_init(|| Node {
                atom: Atom::Untyped,
                keywords: Map::new(),
            })
        })
    }

    /// The shape of `id`.
    pub fn atom(&self, id: TypeId) -> &Atom {
        &self.get(id).atom
    }

    /// The component name `id` was compiled from (e.g.
    /// `io.k8s.api.apps.v1.DeploymentSpec`), `None` for inline schemas.
    pub fn name(&self, id: TypeId) -> Option<&str> {
        self.names.get(&id).map(String::as_str)
    }

    /// Number of types in the arena.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the arena is empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

const SKIPPED_KEYWORDS: &[&str] = &[
    "properties",
    "items",
    "additionalProperties",
    "description",
    "allOf",
    "oneOf",
    "anyOf",
    "$ref",
];

/// Compiles schemas into an arena, resolving `$ref`s against named components.
struct Compiler<'a> {
    components: &'a dyn Fn(&str) -> Option<&'a Value>,
    nodes: Vec<Node>,
    named: HashMap<String, TypeId>,
}

fn ref_name(v: &Value) -> Option<&str> {
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next();
    }
    match v.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
        Some([one]) => one
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.rsplit('/').next()),
        _ => None,
    }
}

fn is_true(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool) == Some(true)
}

impl<'a> Compiler<'a> {
    fn finish(self) -> Types {
        let names = self
            .named
            .into_iter()
            .map(|(name, id)| (id, name))
            .collect();
        Types {
            nodes: self.nodes,
            names,
        }
    }

    fn alloc(&mut self, atom: Atom) -> TypeId {
        self.nodes.push(Node {
            atom,
            keywords: Map::new(),
        });
        self.nodes.len() - 1
    }

    fn named(&mut self, name: &str) -> TypeId {
        if let Some(&id) = self.named.get(name) {
            return id;
        }
        let id = self.alloc(Atom::Untyped);
        self.named.insert(name.to_string(), id);
        if let Some(schema) = (self.components)(name) {
            let node = self.node(schema);
            self.nodes[id] = node;
        }
        id
    }

    /// The type of a schema that may be a reference.
    fn type_of(&mut self, schema: &'a Value) -> TypeId {
        if let Some(name) = ref_name(schema) {
            // A reference with its own preserve-unknown-fields marker is deduced.
            if is_true(schema, "x-kubernetes-preserve-unknown-fields") {
                return self.alloc(Atom::Deduced);
            }
            return self.named(name);
        }
        let node = self.node(schema);
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn node(&mut self, schema: &'a Value) -> Node {
        let keywords: Map<String, Value> = schema
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| !SKIPPED_KEYWORDS.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let atom = self.atom(schema);
        Node { atom, keywords }
    }

    fn atom(&mut self, schema: &'a Value) -> Atom {
        if let Some(name) = ref_name(schema) {
            let id = self.named(name);
            return self.nodes[id].atom.clone();
        }
        if is_true(schema, "x-kubernetes-int-or-string")
            || schema.get("format").and_then(Value::as_str) == Some("int-or-string")
        {
            return Atom::Scalar(Scalar::IntOrString);
        }
        if let Some(alts) = schema
            .get("oneOf")
            .or_else(|| schema.get("anyOf"))
            .and_then(Value::as_array)
        {
            let types: Vec<&str> = alts
                .iter()
                .filter_map(|a| a.get("type").and_then(Value::as_str))
                .collect();
            if types.len() == alts.len()
                && types
                    .iter()
                    .all(|t| matches!(*t, "string" | "integer" | "number"))
            {
                return Atom::Scalar(if types.contains(&"integer") && types.contains(&"string") {
                    Scalar::IntOrString
                } else {
                    Scalar::Any
                });
            }
        }
        let preserve = is_true(schema, "x-kubernetes-preserve-unknown-fields");
        match schema.get("type").and_then(Value::as_str) {
            Some("string") => Atom::Scalar(Scalar::String),
            Some("integer") => Atom::Scalar(Scalar::Integer),
            Some("number") => Atom::Scalar(Scalar::Number),
            Some("boolean") => Atom::Scalar(Scalar::Boolean),
            Some("array") => Atom::List(self.list(schema)),
            Some("object") | None => {
                let props = schema.get("properties").and_then(Value::as_object);
                let additional = schema.get("additionalProperties").filter(|a| a.is_object());
                if props.is_none() && additional.is_none() {
                    return if preserve {
                        Atom::Deduced
                    } else {
                        Atom::Untyped
                    };
                }
                let mut map = MapType {
                    atomic: schema.get("x-kubernetes-map-type").and_then(Value::as_str)
                        == Some("atomic"),
                    preserve_unknown: preserve,
                    ..MapType::default()
                };
                for (name, sub) in props.into_iter().flatten() {
                    let id = self.type_of(sub);
                    map.fields.insert(name.clone(), id);
                }
                if let Some(a) = additional {
                    map.elem = Some(self.type_of(a));
                } else if preserve {
                    map.elem = Some(self.alloc(Atom::Deduced));
                }
                Atom::Map(map)
            }
            Some(_) => Atom::Untyped,
        }
    }

    fn list(&mut self, schema: &'a Value) -> ListType {
        let elem = match schema.get("items") {
            Some(items) if items.is_object() => self.type_of(items),
            _ => self.alloc(Atom::Untyped),
        };
        let keys = |k: &str| -> Vec<String> {
            match schema.get(k) {
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                Some(Value::String(s)) => vec![s.clone()],
                _ => Vec::new(),
            }
        };
        let kind = match schema.get("x-kubernetes-list-type").and_then(Value::as_str) {
            Some("set") => ListKind::Set,
            Some("map") => ListKind::Map(keys("x-kubernetes-list-map-keys")),
            Some(_) => ListKind::Atomic,
            None => {
                let merge = schema
                    .get("x-kubernetes-patch-strategy")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.split(',').any(|p| p == "merge"));
                match (merge, keys("x-kubernetes-patch-merge-key")) {
                    (true, k) if !k.is_empty() => ListKind::Map(k),
                    (true, _) => ListKind::Set,
                    _ => ListKind::Atomic,
                }
            }
        };
        ListType { elem, kind }
    }
}

/// Compiles `root` (a schema, possibly a `$ref`) with `components` resolving references by
/// component name.
pub fn compile<'a>(root: &'a Value, components: &'a dyn Fn(&str) -> Option<&'a Value>) -> TypeRef {
    let mut c = Compiler {
        components,
        nodes: Vec::new(),
        named: HashMap::new(),
    };
    let root = c.type_of(root);
    TypeRef {
        types: Arc::new(c.finish()),
        root,
    }
}

struct Builtin {
    types: Arc<Types>,
    /// (group, version, kind) → root type.
    kinds: HashMap<(String, String, String), TypeId>,
}

fn builtin_arena() -> &'static Builtin {
    static B: OnceLock<Builtin> = OnceLock::new();
    B.get_or_init(|| {
        let schemas = crate::openapi::builtin_schemas();
        let lookup = |name: &str| schemas.get(name);
        let mut c = Compiler {
            components: &lookup,
            nodes: Vec::new(),
            named: HashMap::new(),
        };
        let mut kinds = HashMap::new();
        for (group, version) in crate::openapi::builtin_group_versions() {
            for r in crate::openapi::builtin_resources(&group, &version).unwrap_or_default() {
                let id = c.named(&r.schema);
                kinds.insert((group.clone(), version.clone(), r.kind.clone()), id);
            }
        }
        Builtin {
            types: Arc::new(c.finish()),
            kinds,
        }
    })
}

/// The type of a built-in kind, e.g. `("apps", "v1", "Deployment")`.
pub fn builtin(group: &str, version: &str, kind: &str) -> Option<TypeRef> {
    let b = builtin_arena();
    let root = *b
        .kinds
        .get(&(group.to_string(), version.to_string(), kind.to_string()))?;
    Some(TypeRef {
        types: b.types.clone(),
        root,
    })
}

/// A type nothing is known about (maps granular with deduced values, lists atomic): for
/// kinds without a schema.
pub fn deduced() -> TypeRef {
    static D: OnceLock<Arc<Types>> = OnceLock::new();
    let types = D.get_or_init(|| {
        Arc::new(Types {
            nodes: vec![Node {
                atom: Atom::Deduced,
                keywords: Map::new(),
            }],
            names: HashMap::new(),
        })
    });
    TypeRef {
        types: types.clone(),
        root: 0,
    }
}

/// The type of a custom resource version from its object schema (as the OpenAPI
/// document carries it: `metadata` referring to ObjectMeta), resolving built-in
/// references such as ObjectMeta.
pub fn custom(schema: &Value) -> TypeRef {
    let schemas = crate::openapi::builtin_schemas();
    let lookup = |name: &str| schemas.get(name);
    compile(schema, &lookup)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(t: &Types, id: TypeId) -> &MapType {
        match t.atom(id) {
            Atom::Map(m) => m,
            other => panic!("not a map: {other:?}"),
        }
    }

    #[test]
    fn deployment_shapes() {
        let d = builtin("apps", "v1", "Deployment").expect("deployment");
        let t = &d.types;
        let spec = map(t, map(t, d.root).field("spec").expect("spec"));
        assert!(!spec.atomic);
        let selector = map(t, spec.field("selector").expect("selector"));
        assert!(selector.atomic, "LabelSelector is an atomic map");
        let pod = map(
            t,
            map(t, spec.field("template").expect("template"))
                .field("spec")
                .expect("spec"),
        );
        match t.atom(pod.field("containers").expect("containers")) {
            Atom::List(l) => {
                assert_eq!(l.kind, ListKind::Map(vec!["name".into()]));
                let c = map(t, l.elem);
                assert!(matches!(
                    t.atom(c.field("args").expect("args")),
                    Atom::List(ListType {
                        kind: ListKind::Atomic,
                        ..
                    })
                ));
                match t.atom(c.field("ports").expect("ports")) {
                    Atom::List(p) => assert_eq!(
                        p.kind,
                        ListKind::Map(vec!["containerPort".into(), "protocol".into()])
                    ),
                    other => panic!("{other:?}"),
                }
            }
            other => panic!("{other:?}"),
        }
        let meta = map(t, map(t, d.root).field("metadata").expect("metadata"));
        let labels = map(t, meta.field("labels").expect("labels"));
        assert!(labels.fields.is_empty() && labels.elem.is_some());
        assert!(matches!(
            t.atom(meta.field("finalizers").expect("f")),
            Atom::List(ListType {
                kind: ListKind::Set,
                ..
            })
        ));
        assert!(builtin("apps", "v1", "Nope").is_none());
    }

    #[test]
    fn custom_schema_with_preserved_fields_and_recursion() {
        let s = json!({"type": "object", "properties": {
            "metadata": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}]},
            "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": {
                "port": {"x-kubernetes-int-or-string": true},
                "hosts": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"}}}}});
        let r = custom(&s);
        let t = &r.types;
        let spec = map(t, map(t, r.root).field("spec").expect("spec"));
        assert!(matches!(
            t.atom(spec.field("port").expect("port")),
            Atom::Scalar(Scalar::IntOrString)
        ));
        assert!(matches!(
            t.atom(spec.field("anything").expect("deduced")),
            Atom::Deduced
        ));
        let meta = map(t, map(t, r.root).field("metadata").expect("meta"));
        assert!(meta.is_named("labels"));
        let crd = builtin("apiextensions.k8s.io", "v1", "CustomResourceDefinition").expect("crd");
        assert!(crd.types.len() > 10);
    }
}
