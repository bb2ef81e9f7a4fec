//! Compiling a schema document into an arena of [`Node`]s: draft selection by `$schema`,
//! resources (`$id`/`id`), anchors, and `$ref` resolution within the document, the way
//! santhosh-tekuri/jsonschema v6 reads each keyword per draft.

use std::collections::HashMap;

use regex_lite::Regex;

use super::json::Json;
use super::num::Dec;
use super::pattern::compile_regex;
use super::url::{escape_token, go_q, lookup, percent_decode, resolve_url};

/// Where Helm registers every chart's schema.
pub(crate) const ROOT_URL: &str = "file:///values.schema.json";

/// `additionalProperties` / `additionalItems`.
#[derive(Debug, Clone)]
pub(crate) enum Additional {
    Bool(bool),
    Schema(usize),
}

/// A `dependencies` entry.
#[derive(Debug, Clone)]
pub(crate) enum Dependency {
    Required(Vec<String>),
    Schema(usize),
}

/// Draft-7-and-earlier `items`.
#[derive(Debug, Clone)]
pub(crate) enum Items {
    One(usize),
    Tuple(Vec<usize>),
}

/// One compiled (sub)schema.
#[derive(Debug, Default)]
pub(crate) struct Node {
    pub(crate) boolean: Option<bool>,
    pub(crate) draft: u16,
    pub(crate) reference: Option<usize>,
    pub(crate) types: Option<Vec<String>>,
    pub(crate) konst: Option<Json>,
    pub(crate) enumeration: Option<Vec<Json>>,
    pub(crate) format: Option<String>,
    pub(crate) min_properties: Option<usize>,
    pub(crate) max_properties: Option<usize>,
    pub(crate) required: Vec<String>,
    pub(crate) dependencies: Vec<(String, Dependency)>,
    pub(crate) properties: Vec<(String, usize)>,
    pub(crate) pattern_properties: Vec<(Regex, usize)>,
    pub(crate) additional_properties: Option<Additional>,
    pub(crate) property_names: Option<usize>,
    pub(crate) dependent_schemas: Vec<(String, usize)>,
    pub(crate) dependent_required: Vec<(String, Vec<String>)>,
    pub(crate) min_items: Option<usize>,
    pub(crate) max_items: Option<usize>,
    pub(crate) unique_items: bool,
    pub(crate) items: Option<Items>,
    pub(crate) additional_items: Option<Additional>,
    pub(crate) prefix_items: Vec<usize>,
    pub(crate) items2020: Option<usize>,
    pub(crate) contains: Option<usize>,
    pub(crate) min_contains: Option<usize>,
    pub(crate) max_contains: Option<usize>,
    pub(crate) min_length: Option<usize>,
    pub(crate) max_length: Option<usize>,
    pub(crate) pattern: Option<(Regex, String)>,
    pub(crate) minimum: Option<Dec>,
    pub(crate) maximum: Option<Dec>,
    pub(crate) exclusive_minimum: Option<Dec>,
    pub(crate) exclusive_maximum: Option<Dec>,
    pub(crate) multiple_of: Option<Dec>,
    pub(crate) not: Option<usize>,
    pub(crate) all_of: Vec<usize>,
    pub(crate) any_of: Vec<usize>,
    pub(crate) one_of: Vec<usize>,
    pub(crate) if_: Option<usize>,
    pub(crate) then_: Option<usize>,
    pub(crate) else_: Option<usize>,
    pub(crate) unevaluated_properties: Option<usize>,
    pub(crate) unevaluated_items: Option<usize>,
}

/// A compiled schema document; node 0 is the root.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) nodes: Vec<Node>,
}

/// The draft `$schema` selects (`None`: a URL santhosh would try to load).
pub(crate) fn draft_from_url(url: &str) -> Option<u16> {
    let (u, frag) = url.split_once('#').unwrap_or((url, ""));
    if !frag.is_empty() {
        return None;
    }
    let u = u
        .strip_prefix("http://")
        .or_else(|| u.strip_prefix("https://"))
        .unwrap_or(u);
    match u {
        "json-schema.org/schema" | "json-schema.org/draft/2020-12/schema" => Some(2020),
        "json-schema.org/draft/2019-09/schema" => Some(2019),
        "json-schema.org/draft-07/schema" => Some(7),
        "json-schema.org/draft-06/schema" => Some(6),
        "json-schema.org/draft-04/schema" => Some(4),
        _ => None,
    }
}

/// Message of a reference santhosh would load from outside the document.
pub(crate) fn remote_error(url: &str) -> String {
    if let Some(path) = url.strip_prefix("file://") {
        let path = path.split('#').next().unwrap_or(path);
        return format!(
            "failing loading {}: open {path}: no such file or directory",
            go_q(url.split('#').next().unwrap_or(url))
        );
    }
    format!(
        "failing loading {}: remote schema references are not fetched (only references within values.schema.json are supported)",
        go_q(url.split('#').next().unwrap_or(url))
    )
}

/// Keywords whose values are maps of subschemas, single subschemas, or arrays of them.
const MAP_KWS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];
const ONE_KWS: &[&str] = &[
    "additionalProperties",
    "additionalItems",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contentSchema",
];
const ARR_KWS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];

struct Resource {
    url: String,
    ptr: String,
}

struct Compiler<'a> {
    doc: &'a Json,
    draft: u16,
    resources: Vec<Resource>,
    /// `(resource url, anchor)` → pointer.
    anchors: HashMap<(String, String), String>,
    /// pointer → base URL of the resource holding it.
    bases: HashMap<String, String>,
    by_ptr: HashMap<String, usize>,
    nodes: Vec<Node>,
    queue: Vec<(usize, String)>,
}

/// Compiles a parsed document (Helm adds it as `file:///values.schema.json`).
pub(crate) fn compile(doc: &Json) -> Result<Compiled, String> {
    let draft = match doc.get("$schema") {
        Some(Json::Str(url)) => match draft_from_url(url) {
            Some(d) => d,
            None => return Err(remote_error(&resolve_url(ROOT_URL, url))),
        },
        _ => 2020,
    };
    let mut c = Compiler {
        doc,
        draft,
        resources: Vec::new(),
        anchors: HashMap::new(),
        bases: HashMap::new(),
        by_ptr: HashMap::new(),
        nodes: Vec::new(),
        queue: Vec::new(),
    };
    c.scan(doc, String::new(), ROOT_URL.to_string())?;
    c.enqueue(String::new());
    while let Some((idx, ptr)) = c.queue.pop() {
        let node = c.compile_node(&ptr)?;
        c.nodes[idx] = node;
    }
    Ok(Compiled { nodes: c.nodes })
}

impl Compiler<'_> {
    fn id_keyword(&self) -> &'static str {
        if self.draft == 4 { "id" } else { "$id" }
    }

    /// Records resources, anchors and base URLs of every subschema position.
    fn scan(&mut self, v: &Json, ptr: String, base: String) -> Result<(), String> {
        let Json::Obj(_) = v else {
            self.bases.insert(ptr, base);
            return Ok(());
        };
        let mut base = base;
        let ignore_id = self.draft < 2019 && v.get("$ref").is_some();
        if !ignore_id && let Some(id) = v.get(self.id_keyword()).and_then(Json::as_str) {
            let resolved = resolve_url(&base, id);
            let (url, frag) = match resolved.split_once('#') {
                Some((u, f)) => (u.to_string(), f.to_string()),
                None => (resolved.clone(), String::new()),
            };
            if self.draft < 2019 && !frag.is_empty() {
                if id.starts_with('#') {
                    self.anchors.insert((url.clone(), frag), ptr.clone());
                } else {
                    self.anchors.insert((url.clone(), frag), ptr.clone());
                    self.resources.push(Resource {
                        url: url.clone(),
                        ptr: ptr.clone(),
                    });
                }
            } else {
                self.resources.push(Resource {
                    url: url.clone(),
                    ptr: ptr.clone(),
                });
            }
            if !id.starts_with('#') {
                base = url;
            }
        }
        if ptr.is_empty() {
            self.resources.push(Resource {
                url: ROOT_URL.to_string(),
                ptr: String::new(),
            });
        }
        if self.draft >= 2019 {
            for kw in ["$anchor", "$dynamicAnchor"] {
                if let Some(a) = v.get(kw).and_then(Json::as_str) {
                    self.anchors
                        .insert((base.clone(), a.to_string()), ptr.clone());
                }
            }
        }
        self.bases.insert(ptr.clone(), base.clone());
        for kw in MAP_KWS.iter().chain(std::iter::once(&"dependencies")) {
            if let Some(Json::Obj(members)) = v.get(kw) {
                for (k, sub) in members {
                    let p = format!("{ptr}/{}/{}", escape_token(kw), escape_token(k));
                    self.scan(sub, p, base.clone())?;
                }
            }
        }
        for kw in ONE_KWS.iter().chain(["items"].iter()) {
            match v.get(kw) {
                Some(sub @ Json::Obj(_)) | Some(sub @ Json::Bool(_)) => {
                    self.scan(sub, format!("{ptr}/{kw}"), base.clone())?;
                }
                Some(Json::Arr(items)) if *kw == "items" => {
                    for (i, sub) in items.iter().enumerate() {
                        self.scan(sub, format!("{ptr}/{kw}/{i}"), base.clone())?;
                    }
                }
                _ => {}
            }
        }
        for kw in ARR_KWS {
            if let Some(Json::Arr(items)) = v.get(kw) {
                for (i, sub) in items.iter().enumerate() {
                    self.scan(sub, format!("{ptr}/{kw}/{i}"), base.clone())?;
                }
            }
        }
        Ok(())
    }

    fn enqueue(&mut self, ptr: String) -> usize {
        if let Some(&i) = self.by_ptr.get(&ptr) {
            return i;
        }
        let idx = self.nodes.len();
        self.nodes.push(Node::default());
        self.by_ptr.insert(ptr.clone(), idx);
        self.queue.push((idx, ptr));
        idx
    }

    fn base_of(&self, ptr: &str) -> String {
        // nearest recorded ancestor
        let mut p = ptr.to_string();
        loop {
            if let Some(b) = self.bases.get(&p) {
                return b.clone();
            }
            match p.rfind('/') {
                Some(i) => p.truncate(i),
                None => return ROOT_URL.to_string(),
            }
        }
    }

    fn resolve_ref(&mut self, ptr: &str, reference: &str) -> Result<usize, String> {
        let base = self.base_of(ptr);
        let abs = resolve_url(&base, reference);
        let (url, frag) = match abs.split_once('#') {
            Some((u, f)) => (u.to_string(), f.to_string()),
            None => (abs.clone(), String::new()),
        };
        let frag = percent_decode(&frag)
            .ok_or_else(|| format!("error in parsing {}: invalid URL escape", go_q(&abs)))?;
        if url.starts_with("urn:") && !self.resources.iter().any(|r| r.url == url) {
            // Helm's urn loader answers unresolved URNs with the schema `true`.
            let idx = self.nodes.len();
            self.nodes.push(Node {
                boolean: Some(true),
                draft: self.draft,
                ..Node::default()
            });
            return Ok(idx);
        }
        let Some(res_ptr) = self
            .resources
            .iter()
            .find(|r| r.url == url)
            .map(|r| r.ptr.clone())
        else {
            return Err(remote_error(&url));
        };
        if frag.is_empty() || frag.starts_with('/') {
            let target = format!("{res_ptr}{frag}");
            if lookup(self.doc, &target).is_err() {
                return Err(format!(
                    "json-pointer in {} not found",
                    go_q(&format!("{url}#{frag}"))
                ));
            }
            return Ok(self.enqueue(target));
        }
        match self.anchors.get(&(url.clone(), frag.clone())) {
            Some(p) => {
                let p = p.clone();
                Ok(self.enqueue(p))
            }
            None => Err(format!(
                "anchor in {} not found in schema {}",
                go_q(&format!("{url}#{frag}")),
                go_q(&url)
            )),
        }
    }

    fn child(&mut self, ptr: &str, kw: &str) -> usize {
        self.enqueue(format!("{ptr}/{kw}"))
    }

    fn compile_node(&mut self, ptr: &str) -> Result<Node, String> {
        let doc = self.doc;
        let v = lookup(doc, ptr).map_err(|()| {
            format!(
                "json-pointer in {} not found",
                go_q(&format!("{ROOT_URL}#{ptr}"))
            )
        })?;
        let mut n = Node {
            draft: self.draft,
            ..Node::default()
        };
        let obj = match v {
            Json::Bool(b) => {
                n.boolean = Some(*b);
                return Ok(n);
            }
            Json::Obj(_) => v,
            // the metaschema check reports non-schemas; treat them as `true`
            _ => {
                n.boolean = Some(true);
                return Ok(n);
            }
        };
        let d = self.draft;
        if let Some(r) = obj.get("$ref").and_then(Json::as_str) {
            n.reference = Some(self.resolve_ref(ptr, r)?);
            if d < 2019 {
                return Ok(n);
            }
        }
        for (kw, slot) in [("allOf", 0), ("anyOf", 1), ("oneOf", 2)] {
            if let Some(Json::Arr(items)) = obj.get(kw) {
                let idx: Vec<usize> = (0..items.len())
                    .map(|i| self.child(ptr, &format!("{kw}/{i}")))
                    .collect();
                match slot {
                    0 => n.all_of = idx,
                    1 => n.any_of = idx,
                    _ => n.one_of = idx,
                }
            }
        }
        if obj.get("not").is_some() {
            n.not = Some(self.child(ptr, "not"));
        }
        match obj.get("items") {
            Some(Json::Arr(items)) if d < 2020 => {
                let idx = (0..items.len())
                    .map(|i| self.child(ptr, &format!("items/{i}")))
                    .collect();
                n.items = Some(Items::Tuple(idx));
                n.additional_items = self.additional(obj, ptr, "additionalItems");
            }
            Some(_) if d < 2020 => n.items = Some(Items::One(self.child(ptr, "items"))),
            Some(_) => n.items2020 = Some(self.child(ptr, "items")),
            None => {}
        }
        if d >= 2020
            && let Some(Json::Arr(items)) = obj.get("prefixItems")
        {
            n.prefix_items = (0..items.len())
                .map(|i| self.child(ptr, &format!("prefixItems/{i}")))
                .collect();
        }
        if let Some(Json::Obj(members)) = obj.get("properties") {
            for (k, _) in members {
                let i = self.child(ptr, &format!("properties/{}", escape_token(k)));
                n.properties.push((k.clone(), i));
            }
        }
        if let Some(Json::Obj(members)) = obj.get("patternProperties") {
            for (k, _) in members {
                let re = compile_regex(k).map_err(|e| {
                    format!(
                        "invalid regex pattern {} in {}: {e}",
                        go_q(k),
                        go_q(&format!("{ROOT_URL}#{ptr}/patternProperties"))
                    )
                })?;
                let i = self.child(ptr, &format!("patternProperties/{}", escape_token(k)));
                n.pattern_properties.push((re, i));
            }
        }
        n.additional_properties = self.additional(obj, ptr, "additionalProperties");
        if let Some(Json::Obj(members)) = obj.get("dependencies") {
            for (k, dep) in members {
                let dep = match dep {
                    Json::Arr(items) => Dependency::Required(strings(items)),
                    _ => Dependency::Schema(
                        self.child(ptr, &format!("dependencies/{}", escape_token(k))),
                    ),
                };
                n.dependencies.push((k.clone(), dep));
            }
        }
        if let Some(t) = obj.get("type") {
            n.types = Some(match t {
                Json::Str(s) => vec![s.clone()],
                Json::Arr(items) => strings(items),
                _ => Vec::new(),
            });
        }
        if let Some(Json::Arr(items)) = obj.get("enum") {
            n.enumeration = Some(items.clone());
        }
        n.multiple_of = num(obj, "multipleOf");
        n.maximum = num(obj, "maximum");
        if obj.get("exclusiveMaximum") == Some(&Json::Bool(true)) {
            n.exclusive_maximum = n.maximum.take();
        } else {
            n.exclusive_maximum = num(obj, "exclusiveMaximum");
        }
        n.minimum = num(obj, "minimum");
        if obj.get("exclusiveMinimum") == Some(&Json::Bool(true)) {
            n.exclusive_minimum = n.minimum.take();
        } else {
            n.exclusive_minimum = num(obj, "exclusiveMinimum");
        }
        n.min_length = int(obj, "minLength");
        n.max_length = int(obj, "maxLength");
        if let Some(Json::Str(p)) = obj.get("pattern") {
            let re = compile_regex(p).map_err(|e| {
                format!(
                    "invalid regex pattern {} in {}: {e}",
                    go_q(p),
                    go_q(&format!("{ROOT_URL}#{ptr}/pattern"))
                )
            })?;
            n.pattern = Some((re, p.clone()));
        }
        n.min_items = int(obj, "minItems");
        n.max_items = int(obj, "maxItems");
        n.unique_items = obj.get("uniqueItems") == Some(&Json::Bool(true));
        n.max_properties = int(obj, "maxProperties");
        n.min_properties = int(obj, "minProperties");
        if let Some(Json::Arr(items)) = obj.get("required") {
            n.required = strings(items);
        }
        if d < 2019
            && let Some(Json::Str(f)) = obj.get("format")
        {
            n.format = Some(f.clone());
        }
        if d >= 6 {
            if obj.get("contains").is_some() {
                n.contains = Some(self.child(ptr, "contains"));
            }
            if obj.get("propertyNames").is_some() {
                n.property_names = Some(self.child(ptr, "propertyNames"));
            }
            n.konst = obj.get("const").cloned();
        }
        if d >= 7 && obj.get("if").is_some() {
            n.if_ = Some(self.child(ptr, "if"));
            let b = match obj.get("if") {
                Some(Json::Bool(b)) => Some(*b),
                _ => None,
            };
            if b != Some(false) && obj.get("then").is_some() {
                n.then_ = Some(self.child(ptr, "then"));
            }
            if b != Some(true) && obj.get("else").is_some() {
                n.else_ = Some(self.child(ptr, "else"));
            }
        }
        if d >= 2019 {
            if n.contains.is_some() {
                n.min_contains = int(obj, "minContains");
                n.max_contains = int(obj, "maxContains");
            }
            if let Some(Json::Obj(members)) = obj.get("dependentRequired") {
                for (k, v) in members {
                    if let Json::Arr(items) = v {
                        n.dependent_required.push((k.clone(), strings(items)));
                    }
                }
            }
            if let Some(Json::Obj(members)) = obj.get("dependentSchemas") {
                for (k, _) in members {
                    let i = self.child(ptr, &format!("dependentSchemas/{}", escape_token(k)));
                    n.dependent_schemas.push((k.clone(), i));
                }
            }
            if obj.get("unevaluatedItems").is_some() {
                n.unevaluated_items = Some(self.child(ptr, "unevaluatedItems"));
            }
            if obj.get("unevaluatedProperties").is_some() {
                n.unevaluated_properties = Some(self.child(ptr, "unevaluatedProperties"));
            }
        }
        Ok(n)
    }

    fn additional(&mut self, obj: &Json, ptr: &str, kw: &str) -> Option<Additional> {
        match obj.get(kw)? {
            Json::Bool(b) => Some(Additional::Bool(*b)),
            Json::Obj(_) => Some(Additional::Schema(self.child(ptr, kw))),
            _ => None,
        }
    }
}

fn strings(items: &[Json]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| i.as_str().map(str::to_string))
        .collect()
}

fn num(obj: &Json, kw: &str) -> Option<Dec> {
    match obj.get(kw) {
        Some(Json::Num(t)) => Dec::parse(t),
        _ => None,
    }
}

fn int(obj: &Json, kw: &str) -> Option<usize> {
    match obj.get(kw) {
        Some(Json::Num(t)) => {
            let d = Dec::parse(t)?;
            if !d.is_integer() {
                return None;
            }
            let f = d.to_f64();
            if f < 0.0 {
                return Some(0);
            }
            Some(if f > 1e18 { usize::MAX } else { f as usize })
        }
        _ => None,
    }
}
