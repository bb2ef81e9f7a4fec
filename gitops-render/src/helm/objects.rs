//! Helm's built-in template objects with their Go types: `.Values` (`common.Values` and
//! its methods), `.Files` (`engine.files`: `Get`, `GetBytes`, `Glob`, `Lines`,
//! `AsConfig`, `AsSecrets`), `.Capabilities` (`KubeVersion`, `APIVersions.Has`,
//! `HelmVersion`), `.Chart` (Helm 4: the metadata as a map with `IsRoot`), `.Release`.

use std::rc::Rc;

use base64::Engine as _;
use gitops_gotmpl::{ListType, Map, MapMethods, MapType, Object, ObjectJson, Templates, Value};

use super::chart::{File, Metadata};

/// The Go type name of `.Values` (Helm 4).
pub const VALUES_TYPE: &str = "common.Values";
/// The Go type name of `.Files`.
pub const FILES_TYPE: &str = "engine.files";

/// The Helm version the templates see in `.Capabilities.HelmVersion`.
pub const HELM_VERSION: &str = "v4.1.4";

/// The Kubernetes version Helm 4.1 assumes without `--kube-version`.
pub const DEFAULT_KUBE_VERSION: &str = "v1.35.0";

/// The API group versions Helm 4.1's client knows, `.Capabilities.APIVersions` without
/// `--api-versions` (group versions only: `Has "apps/v1"` is true, `Has
/// "apps/v1/Deployment"` is not, as with `helm template`).
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha1",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

/// A Kubernetes version as `.Capabilities.KubeVersion` carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubeVersion {
    /// `Version` and `GitVersion`: the given text with a `v` prefix (`v1.32.3-gke.1`).
    pub version: String,
    /// What `String()` prints and constraints are checked against (`v1.32.3`).
    pub normalized: String,
    /// `Major`.
    pub major: String,
    /// `Minor`.
    pub minor: String,
}

impl KubeVersion {
    /// Helm 4's `ParseKubeVersion`: Kubernetes' `ParseGeneric` (leading blanks and `v`
    /// optional, at least major and minor, no zero-prefixed major, anything after the
    /// numbers kept in `Version` only), with its messages.
    pub fn parse(text: &str) -> Result<KubeVersion, String> {
        let s = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0c']);
        let s = s.strip_prefix('v').unwrap_or(s);
        // `[0-9]+(\.[0-9]+)*`: a dot counts only when digits follow it
        let b = s.as_bytes();
        let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
        let mut end = digits(0);
        if end == 0 {
            return Err(format!("could not parse {text:?} as version"));
        }
        while end < b.len() && b[end] == b'.' && digits(end + 1) > 0 {
            end += 1 + digits(end + 1);
        }
        let parts: Vec<&str> = s[..end].split('.').collect();
        if parts.len() < 2 {
            return Err(format!("illegal version string {text:?}"));
        }
        let mut numbers = Vec::with_capacity(parts.len());
        for (i, p) in parts.iter().enumerate() {
            if i == 0 && p.starts_with('0') && *p != "0" {
                return Err(format!(
                    "illegal zero-prefixed version component {p:?} in {text:?}"
                ));
            }
            let n: u64 = p.parse().map_err(|_| {
                format!(
                    "illegal non-numeric version component {p:?} in {text:?}: strconv.ParseUint: parsing {p:?}: value out of range"
                )
            })?;
            numbers.push(n.to_string());
        }
        Ok(KubeVersion {
            version: if text.starts_with('v') {
                text.to_string()
            } else {
                format!("v{text}")
            },
            normalized: format!("v{}", numbers.join(".")),
            major: numbers[0].clone(),
            minor: numbers[1].clone(),
        })
    }
}

impl Default for KubeVersion {
    fn default() -> Self {
        KubeVersion {
            version: DEFAULT_KUBE_VERSION.into(),
            normalized: DEFAULT_KUBE_VERSION.into(),
            major: "1".into(),
            minor: "35".into(),
        }
    }
}

/// What the cluster offers, as the templates see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// `.Capabilities.KubeVersion`.
    pub kube_version: KubeVersion,
    /// `.Capabilities.APIVersions`.
    pub api_versions: Vec<String>,
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities {
            kube_version: KubeVersion::default(),
            api_versions: DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

struct KubeVersionObj(KubeVersion);

impl Object for KubeVersionObj {
    fn type_name(&self) -> &str {
        "common.KubeVersion"
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::str(match name {
            "Version" => self.0.version.as_str(),
            "Major" => self.0.major.as_str(),
            "Minor" => self.0.minor.as_str(),
            _ => return None,
        }))
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "String" | "GitVersion")
    }
    fn call(&self, name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        Some(Ok(Value::str(match name {
            "String" => self.0.normalized.as_str(),
            "GitVersion" => self.0.version.as_str(),
            _ => return None,
        })))
    }
    fn format(&self) -> String {
        self.0.normalized.clone()
    }
    fn json(&self) -> Option<ObjectJson> {
        let s = |k: &str, v: &str| (k.to_string(), Value::str(v));
        Some(ObjectJson::Struct(vec![
            s("Version", &self.0.version),
            s("Major", &self.0.major),
            s("Minor", &self.0.minor),
        ]))
    }
}

struct VersionSet(Vec<String>);

impl Object for VersionSet {
    fn type_name(&self) -> &str {
        "common.VersionSet"
    }
    fn kind(&self) -> &str {
        "slice"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn has_method(&self, name: &str) -> bool {
        name == "Has"
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        if name != "Has" {
            return None;
        }
        Some(match args {
            [Value::String(s)] => Ok(Value::Bool(self.0.iter().any(|v| **v == **s))),
            [other] => Err(format!(
                "wrong type for value; expected string; got {}",
                other.type_name()
            )),
            _ => Err(format!(
                "wrong number of args for Has: want 1 got {}",
                args.len()
            )),
        })
    }
    fn format(&self) -> String {
        format!("[{}]", self.0.join(" "))
    }
    fn json(&self) -> Option<ObjectJson> {
        Some(ObjectJson::Value(Value::string_list(
            self.0.iter().cloned(),
        )))
    }
}

struct HelmVersion;

impl Object for HelmVersion {
    fn type_name(&self) -> &str {
        "version.BuildInfo"
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::str(match name {
            "Version" => HELM_VERSION,
            "GitCommit" | "GitTreeState" | "GoVersion" => "",
            "KubeClientVersion" => "v1.35",
            _ => return None,
        }))
    }
    fn format(&self) -> String {
        format!("{{{HELM_VERSION}    v1.35}}")
    }
    fn json(&self) -> Option<ObjectJson> {
        // `omitempty` drops the empty build fields.
        Some(ObjectJson::Struct(vec![
            ("version".into(), Value::str(HELM_VERSION)),
            ("kube_client_version".into(), Value::str("v1.35")),
        ]))
    }
}

struct CapabilitiesObj {
    kube: Value,
    apis: Value,
    text: String,
}

impl Object for CapabilitiesObj {
    fn type_name(&self) -> &str {
        "*common.Capabilities"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "KubeVersion" => Some(self.kube.clone()),
            "APIVersions" => Some(self.apis.clone()),
            "HelmVersion" => Some(Value::Object(Rc::new(HelmVersion))),
            _ => None,
        }
    }
    fn format(&self) -> String {
        self.text.clone()
    }
    fn json(&self) -> Option<ObjectJson> {
        Some(ObjectJson::Struct(vec![
            ("KubeVersion".into(), self.kube.clone()),
            ("APIVersions".into(), self.apis.clone()),
            ("HelmVersion".into(), Value::Object(Rc::new(HelmVersion))),
        ]))
    }
}

/// `.Capabilities` for the templates.
pub fn capabilities(c: &Capabilities) -> Value {
    let kv = &c.kube_version;
    let text = format!(
        "{{{{{} {} {} {}}} [{}] {}}}",
        kv.version,
        kv.normalized,
        kv.major,
        kv.minor,
        c.api_versions.join(" "),
        HelmVersion.format()
    );
    Value::Object(Rc::new(CapabilitiesObj {
        kube: Value::Object(Rc::new(KubeVersionObj(kv.clone()))),
        apis: Value::Object(Rc::new(VersionSet(c.api_versions.clone()))),
        text,
    }))
}

/// `.Release`.
pub fn release(name: &str, namespace: &str, is_upgrade: bool) -> Value {
    let mut m = Map::new();
    m.insert("Name".into(), Value::str(name));
    m.insert("Namespace".into(), Value::str(namespace));
    m.insert("IsUpgrade".into(), Value::Bool(is_upgrade));
    m.insert("IsInstall".into(), Value::Bool(!is_upgrade));
    m.insert("Revision".into(), Value::Int(1));
    m.insert("Service".into(), Value::str("Helm"));
    Value::map(m)
}

fn strings(items: &[String]) -> Value {
    Value::list(items.iter().map(|s| Value::str(s.as_str())).collect())
}

/// `.Chart` as Helm 4 builds it: the metadata's Go fields as a map, plus `IsRoot`.
pub fn chart(md: &Metadata, is_root: bool) -> Value {
    let s = |x: &str| Value::str(x);
    let mut m = Map::new();
    m.insert("Name".into(), s(&md.name));
    m.insert("Home".into(), s(&md.home));
    m.insert("Sources".into(), strings(&md.sources));
    m.insert("Version".into(), s(&md.version));
    m.insert("Description".into(), s(&md.description));
    m.insert("Keywords".into(), strings(&md.keywords));
    m.insert(
        "Maintainers".into(),
        Value::list(
            md.maintainers
                .iter()
                .map(|mt| {
                    Value::map(Map::from([
                        ("Name".to_string(), s(&mt.name)),
                        ("Email".to_string(), s(&mt.email)),
                        ("URL".to_string(), s(&mt.url)),
                    ]))
                })
                .collect(),
        ),
    );
    m.insert("Icon".into(), s(&md.icon));
    m.insert("APIVersion".into(), s(&md.api_version));
    m.insert("Condition".into(), s(&md.condition));
    m.insert("Tags".into(), s(&md.tags));
    m.insert("AppVersion".into(), s(&md.app_version));
    m.insert("Deprecated".into(), Value::Bool(md.deprecated));
    let ann: Map = md
        .annotations
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), s(v)))
        .collect();
    m.insert("Annotations".into(), Value::typed_map(ann, MapType::String));
    m.insert("KubeVersion".into(), s(&md.kube_version));
    m.insert(
        "Dependencies".into(),
        Value::list(
            md.dependencies
                .iter()
                .map(|d| {
                    Value::map(Map::from([
                        ("Name".to_string(), s(&d.name)),
                        ("Version".to_string(), s(&d.version)),
                        ("Repository".to_string(), s(&d.repository)),
                        ("Condition".to_string(), s(&d.condition)),
                        ("Tags".to_string(), strings(&d.tags)),
                        ("Enabled".to_string(), Value::Bool(d.enabled)),
                        (
                            "ImportValues".to_string(),
                            Value::list(d.import_values.iter().map(Value::from_json).collect()),
                        ),
                        ("Alias".to_string(), s(&d.alias)),
                    ]))
                })
                .collect(),
        ),
    );
    m.insert("Type".into(), s(&md.chart_type));
    m.insert("IsRoot".into(), Value::Bool(is_root));
    Value::map(m)
}

/// `.Files`: every non-template file of the chart.
pub fn files(files: &[File]) -> Value {
    let m: Map = files
        .iter()
        .map(|f| (f.name.clone(), Value::Bytes(Rc::from(f.data.as_slice()))))
        .collect();
    Value::typed_map(m, MapType::Named(FILES_TYPE))
}

/// Registers the methods of `.Values` and `.Files` on a template set.
pub fn register(t: &mut Templates) {
    t.map_methods(VALUES_TYPE, Rc::new(ValuesMethods));
    t.map_methods(FILES_TYPE, Rc::new(FilesMethods));
}

fn one_string<'a>(name: &str, args: &'a [Value]) -> Result<&'a str, String> {
    match args {
        [Value::String(s)] => Ok(s),
        [other] => Err(format!(
            "wrong type for value; expected string; got {}",
            other.type_name()
        )),
        _ => Err(format!(
            "wrong number of args for {name}: want 1 got {}",
            args.len()
        )),
    }
}

fn no_args(name: &str, args: &[Value]) -> Result<(), String> {
    if args.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "wrong number of args for {name}: want 0 got {}",
            args.len()
        ))
    }
}

struct ValuesMethods;

/// Helm's `Values.Table`: the map at a dotted path.
pub fn values_table(v: &Value, path: &str) -> Option<Value> {
    let mut cur = v.clone();
    for part in path.split('.') {
        let next = cur.as_map()?.get(part).cloned()?;
        cur = match next {
            Value::Map(m, _) => Value::Map(m, MapType::Named(VALUES_TYPE)),
            _ => return None,
        };
    }
    Some(cur)
}

/// Helm's `Values.PathValue`: the value (not a table) at a dotted path.
pub fn values_path_value(v: &Value, path: &str) -> Option<Value> {
    let parts: Vec<&str> = path.split('.').collect();
    let (last, tables) = parts.split_last()?;
    let table = if tables.is_empty() {
        v.clone()
    } else {
        values_table(v, &tables.join("."))?
    };
    let found = table.as_map()?.get(*last).cloned()?;
    (!matches!(found, Value::Map(..))).then_some(found)
}

impl MapMethods for ValuesMethods {
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "AsMap" | "Table" | "YAML" | "PathValue")
    }
    fn call(&self, map: &Value, name: &str, args: &[Value]) -> Result<Value, String> {
        match name {
            "AsMap" => {
                no_args(name, args)?;
                Ok(match map {
                    Value::Map(m, _) => Value::Map(m.clone(), MapType::Interface),
                    other => other.clone(),
                })
            }
            "YAML" => {
                no_args(name, args)?;
                gitops_gotmpl::helm::to_yaml(map).map(Value::from)
            }
            "Table" => {
                let path = one_string(name, args)?;
                values_table(map, path).ok_or_else(|| format!("{path:?} is not a table"))
            }
            "PathValue" => {
                let path = one_string(name, args)?;
                values_path_value(map, path).ok_or_else(|| format!("{path:?} is not a value"))
            }
            _ => Err(format!("can't evaluate field {name} in type {VALUES_TYPE}")),
        }
    }
}

struct FilesMethods;

fn file_bytes(map: &Value, name: &str) -> Option<Rc<[u8]>> {
    match map.as_map()?.get(name)? {
        Value::Bytes(b) => Some(b.clone()),
        _ => None,
    }
}

impl MapMethods for FilesMethods {
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "Get" | "GetBytes" | "Glob" | "AsConfig" | "AsSecrets" | "Lines"
        )
    }
    fn call(&self, map: &Value, name: &str, args: &[Value]) -> Result<Value, String> {
        match name {
            "Get" => {
                let f = one_string(name, args)?;
                Ok(Value::str(
                    file_bytes(map, f)
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default(),
                ))
            }
            "GetBytes" => {
                let f = one_string(name, args)?;
                Ok(Value::Bytes(
                    file_bytes(map, f).unwrap_or_else(|| Rc::from(&[][..])),
                ))
            }
            "Glob" => {
                let pattern = one_string(name, args)?;
                let glob = Glob::compile(pattern)
                    .unwrap_or_else(|| Glob::compile("**").unwrap_or(Glob(Vec::new())));
                let m: Map = map
                    .as_map()
                    .map(|m| {
                        m.iter()
                            .filter(|(k, _)| glob.matches(k))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    })
                    .unwrap_or_default();
                Ok(Value::typed_map(m, MapType::Named(FILES_TYPE)))
            }
            "AsConfig" | "AsSecrets" => {
                no_args(name, args)?;
                let secrets = name == "AsSecrets";
                let mut out = Map::new();
                for (k, v) in map.as_map().iter().flat_map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect::<Vec<_>>()
                }) {
                    let Value::Bytes(b) = v else { continue };
                    let base = k.rsplit('/').next().unwrap_or(&k).to_string();
                    let text = if secrets {
                        base64::engine::general_purpose::STANDARD.encode(&b)
                    } else {
                        String::from_utf8_lossy(&b).into_owned()
                    };
                    out.insert(base, Value::str(text));
                }
                let y = gitops_gotmpl::helm::to_yaml(&Value::typed_map(out, MapType::String))?;
                Ok(Value::from(y.strip_suffix('\n').unwrap_or(&y).to_string()))
            }
            "Lines" => {
                let f = one_string(name, args)?;
                let b = file_bytes(map, f).unwrap_or_else(|| Rc::from(&[][..]));
                if b.is_empty() {
                    return Ok(Value::List(Rc::new(Vec::new()), ListType::String));
                }
                let s = String::from_utf8_lossy(&b);
                let s = s.strip_suffix('\n').unwrap_or(&s);
                Ok(Value::string_list(s.split('\n').map(str::to_string)))
            }
            _ => Err(format!("can't evaluate field {name} in type {FILES_TYPE}")),
        }
    }
}

/// A `gobwas/glob` pattern with `/` as separator, as `.Files.Glob` compiles it: `*` and
/// `?` stay within a path element, `**` crosses them, `[...]`/`[!...]` classes,
/// `{a,b}` alternatives and `\` escapes.
#[derive(Clone, Debug)]
pub struct Glob(Vec<Tok>);

#[derive(Clone, Debug)]
enum Tok {
    Lit(char),
    Any,
    Star,
    Super,
    Class(bool, Vec<(char, char)>),
    Alt(Vec<Vec<Tok>>),
}

impl Glob {
    /// Compiles a pattern; `None` when it is malformed.
    pub fn compile(p: &str) -> Option<Glob> {
        let chars: Vec<char> = p.chars().collect();
        let mut i = 0;
        let toks = parse_glob(&chars, &mut i, false)?;
        if i != chars.len() {
            return None;
        }
        Some(Glob(toks))
    }

    /// Whether `name` matches the whole pattern.
    pub fn matches(&self, name: &str) -> bool {
        let s: Vec<char> = name.chars().collect();
        match_toks(&self.0, &s)
    }
}

fn parse_glob(c: &[char], i: &mut usize, in_alt: bool) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    while *i < c.len() {
        match c[*i] {
            '\\' => {
                *i += 1;
                out.push(Tok::Lit(*c.get(*i)?));
                *i += 1;
            }
            '*' => {
                if c.get(*i + 1) == Some(&'*') {
                    *i += 2;
                    out.push(Tok::Super);
                } else {
                    *i += 1;
                    out.push(Tok::Star);
                }
            }
            '?' => {
                *i += 1;
                out.push(Tok::Any);
            }
            '[' => {
                *i += 1;
                let neg = c.get(*i) == Some(&'!');
                if neg {
                    *i += 1;
                }
                let mut ranges = Vec::new();
                loop {
                    let ch = *c.get(*i)?;
                    if ch == ']' {
                        *i += 1;
                        break;
                    }
                    let lo = if ch == '\\' {
                        *i += 1;
                        *c.get(*i)?
                    } else {
                        ch
                    };
                    *i += 1;
                    if c.get(*i) == Some(&'-') && c.get(*i + 1).is_some_and(|&x| x != ']') {
                        let hi = c[*i + 1];
                        *i += 2;
                        ranges.push((lo, hi));
                    } else {
                        ranges.push((lo, lo));
                    }
                }
                out.push(Tok::Class(neg, ranges));
            }
            '{' => {
                *i += 1;
                let mut alts = Vec::new();
                loop {
                    alts.push(parse_glob(c, i, true)?);
                    match c.get(*i)? {
                        ',' => *i += 1,
                        '}' => {
                            *i += 1;
                            break;
                        }
                        _ => return None,
                    }
                }
                out.push(Tok::Alt(alts));
            }
            ',' | '}' if in_alt => return Some(out),
            ch => {
                *i += 1;
                out.push(Tok::Lit(ch));
            }
        }
    }
    if in_alt {
        return None;
    }
    Some(out)
}

fn match_toks(t: &[Tok], s: &[char]) -> bool {
    let Some((first, rest)) = t.split_first() else {
        return s.is_empty();
    };
    match first {
        Tok::Lit(c) => s.first() == Some(c) && match_toks(rest, &s[1..]),
        Tok::Any => s.first().is_some_and(|&c| c != '/') && match_toks(rest, &s[1..]),
        Tok::Class(neg, ranges) => {
            s.first().is_some_and(|&c| {
                c != '/' && ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *neg
            }) && match_toks(rest, &s[1..])
        }
        Tok::Star => {
            for k in 0..=s.len() {
                if match_toks(rest, &s[k..]) {
                    return true;
                }
                if k < s.len() && s[k] == '/' {
                    return false;
                }
            }
            false
        }
        Tok::Super => (0..=s.len()).any(|k| match_toks(rest, &s[k..])),
        Tok::Alt(alts) => alts.iter().any(|a| {
            let mut joined = a.clone();
            joined.extend(rest.iter().cloned());
            match_toks(&joined, s)
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn kube_versions_parse_as_helm_4() {
        let k = KubeVersion::parse("1.29").unwrap();
        assert_eq!(
            (k.version.as_str(), k.normalized.as_str()),
            ("v1.29", "v1.29")
        );
        let k = KubeVersion::parse("1.32.3-gke.1").unwrap();
        assert_eq!(
            (k.version.as_str(), k.normalized.as_str(), k.minor.as_str()),
            ("v1.32.3-gke.1", "v1.32.3", "32")
        );
        assert!(KubeVersion::parse("foo").is_err());
        assert!(KubeVersion::parse("1").is_err());
        assert_eq!(
            KubeVersion::parse("1").unwrap_err(),
            "illegal version string \"1\""
        );
        assert_eq!(
            KubeVersion::parse("01.2").unwrap_err(),
            "illegal zero-prefixed version component \"01\" in \"01.2\""
        );
        let k = KubeVersion::parse("1.30.x").unwrap();
        assert_eq!(
            (k.normalized.as_str(), k.version.as_str()),
            ("v1.30", "v1.30.x")
        );
    }

    #[test]
    fn globs_follow_gobwas() {
        let g = |p: &str, s: &str| Glob::compile(p).unwrap().matches(s);
        assert!(g("files/*.json", "files/a.json"));
        assert!(!g("files/*.json", "files/x/a.json"));
        assert!(g("files/**.json", "files/x/a.json"));
        assert!(g("**", "a/b/c"));
        assert!(g("{a,b}/*", "b/c"));
        assert!(g("[!x]?", "ab"));
        assert!(!g("*", "a/b"));
    }
}
