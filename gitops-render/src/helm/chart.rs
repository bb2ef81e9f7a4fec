//! The chart model and its loading, as Helm's `pkg/chart/v2/loader` does it: from a list
//! of files ([`Chart::from_files`]), a directory with its `.helmignore`
//! ([`Chart::from_dir`]) or a `.tgz` archive ([`Chart::from_archive`]).
//!
//! A loaded chart is immutable and `Send + Sync`, so it can be cached and rendered many
//! times; dependency processing (conditions, tags, aliases, import-values) works on a
//! per-render view (see [`super::dependencies`]).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::Deserialize;

use super::ignore::Rules;
use super::manifests::json_kind;

/// Helm's limit on a whole decompressed chart (100 MiB).
pub const MAX_CHART_SIZE: u64 = 100 * 1024 * 1024;
/// Helm's limit on one decompressed chart file (5 MiB).
pub const MAX_FILE_SIZE: u64 = 5 * 1024 * 1024;

/// Why a chart could not be loaded; the messages are Helm's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The chart's files are invalid (Chart.yaml, values.yaml, a subchart, …).
    #[error("{0}")]
    Invalid(String),
    /// An archive or directory could not be read or is unsafe.
    #[error("{0}")]
    Read(String),
}

/// A file of a chart: its slash-separated path inside the chart and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// The path relative to the chart root, e.g. `templates/deployment.yaml`.
    pub name: String,
    /// The content (a UTF-8 byte-order mark removed, as Helm does).
    pub data: Vec<u8>,
}

impl File {
    /// Whether Helm installs it as a CRD: a `.yaml`, `.yml` or `.json` file under `crds/`.
    pub fn is_crd(&self) -> bool {
        self.name.starts_with("crds/")
            && [".yaml", ".yml", ".json"]
                .iter()
                .any(|e| self.name.ends_with(e))
    }
}

/// A maintainer in `Chart.yaml`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Maintainer {
    /// `name`.
    pub name: String,
    /// `email`.
    pub email: String,
    /// `url`.
    pub url: String,
}

/// A `dependencies` entry of `Chart.yaml` (or a v1 chart's `requirements.yaml`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Dependency {
    /// The chart name.
    pub name: String,
    /// A semver range the subchart's version must satisfy.
    pub version: String,
    /// Where `helm dependency build` fetches it from (unused when rendering).
    pub repository: String,
    /// Comma-separated value paths; the first boolean one enables or disables it.
    pub condition: String,
    /// Tags: disabled when every tag set in `.Values.tags` is false.
    pub tags: Vec<String>,
    /// Set by dependency processing.
    pub enabled: bool,
    /// `import-values`: strings (`exports.<name>`) or `{child, parent}` maps.
    #[serde(rename = "import-values")]
    pub import_values: Vec<serde_json::Value>,
    /// The name the subchart takes in this chart.
    pub alias: String,
}

/// `Chart.yaml`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Metadata {
    /// `name`.
    pub name: String,
    /// `home`.
    pub home: String,
    /// `sources`.
    pub sources: Vec<String>,
    /// `version` (semver).
    pub version: String,
    /// `description`.
    pub description: String,
    /// `keywords`.
    pub keywords: Vec<String>,
    /// `maintainers`.
    pub maintainers: Vec<Maintainer>,
    /// `icon`.
    pub icon: String,
    /// `apiVersion`: `v1` (the default) or `v2`.
    pub api_version: String,
    /// `condition` (unused by Helm 3+).
    pub condition: String,
    /// `tags` (unused by Helm 3+).
    pub tags: String,
    /// `appVersion`.
    pub app_version: String,
    /// `deprecated`.
    pub deprecated: bool,
    /// `annotations` (`None` when absent: `.Chart.Annotations` is then nil).
    pub annotations: Option<BTreeMap<String, String>>,
    /// `kubeVersion`: a semver range the cluster must satisfy.
    pub kube_version: String,
    /// `dependencies`.
    pub dependencies: Vec<Dependency>,
    /// `type`: `application` (or empty) or `library`.
    #[serde(rename = "type")]
    pub chart_type: String,
}

impl Metadata {
    /// Whether this is a library chart (only its partials are used).
    pub fn is_library(&self) -> bool {
        self.chart_type.eq_ignore_ascii_case("library")
    }
}

/// A loaded chart with its subcharts.
#[derive(Clone, Debug, Default)]
pub struct Chart {
    /// `Chart.yaml`.
    pub metadata: Metadata,
    /// `values.yaml` (every document merged), as JSON; an empty object when absent.
    pub values: serde_json::Value,
    /// `values.schema.json`.
    pub schema: Option<Vec<u8>>,
    /// `templates/**`, in load order.
    pub templates: Vec<File>,
    /// Every other file (README, `crds/`, files for `.Files`), in load order.
    pub files: Vec<File>,
    /// Subcharts from `charts/` (directories and archives), sorted by their directory or
    /// archive name.
    pub dependencies: Vec<Chart>,
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::Invalid(msg.into())
}

fn strip_bom(mut data: Vec<u8>) -> Vec<u8> {
    if data.starts_with(&[0xEF, 0xBB, 0xBF]) {
        data.drain(..3);
    }
    data
}

/// Reads YAML as `sigs.k8s.io/yaml` does (YAML 1.1 scalars, to JSON; the first document,
/// null when empty). Errors are go-yaml's, prefixed `error converting YAML to JSON: `.
fn yaml_to_json(text: &str) -> Result<serde_json::Value, String> {
    gitops_gotmpl::helm::yaml_to_json(text).map(Option::unwrap_or_default)
}

/// `sigs.k8s.io/yaml` converts a YAML scalar to a string when the Go field it goes to is a
/// string: `version: 1.0` is `"1"`, `tags: [off]` is `["false"]`. These are the string
/// fields of `Chart.yaml` (and of `requirements.yaml`'s dependencies); nulls leave them
/// unset, as Go's JSON decoder does.
fn stringify_string_fields(json: &mut serde_json::Value) {
    const TOP: &[&str] = &[
        "name",
        "home",
        "version",
        "description",
        "icon",
        "apiVersion",
        "condition",
        "tags",
        "appVersion",
        "kubeVersion",
        "type",
    ];
    const DEPENDENCY: &[&str] = &["name", "version", "repository", "condition", "alias"];
    const MAINTAINER: &[&str] = &["name", "email", "url"];
    fn fields(obj: &mut serde_json::Value, names: &[&str]) {
        let Some(map) = obj.as_object_mut() else {
            return;
        };
        for name in names {
            if map.get(*name).is_some_and(serde_json::Value::is_null) {
                map.remove(*name);
            } else if let Some(v) = map.get_mut(*name) {
                stringify(v);
            }
        }
    }
    fn list(obj: &mut serde_json::Value, name: &str, each: &dyn Fn(&mut serde_json::Value)) {
        if let Some(serde_json::Value::Array(items)) = obj.get_mut(name) {
            items.iter_mut().for_each(each);
        }
    }
    fields(json, TOP);
    list(json, "sources", &stringify);
    list(json, "keywords", &stringify);
    list(json, "maintainers", &|m| fields(m, MAINTAINER));
    list(json, "dependencies", &|d| {
        fields(d, DEPENDENCY);
        list(d, "tags", &stringify);
    });
    if let Some(serde_json::Value::Object(annotations)) = json.get_mut("annotations") {
        annotations.values_mut().for_each(stringify);
    }
}

/// One scalar as `sigs.k8s.io/yaml` writes it into a string field (floats as Go's
/// `FormatFloat(f, 'g', -1, 32)`).
fn stringify(v: &mut serde_json::Value) {
    let s = match v {
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) if !n.is_f64() => i.to_string(),
            (_, Some(u), _) if !n.is_f64() => u.to_string(),
            (_, _, Some(f)) => go_format_float32_g(f),
            _ => return,
        },
        _ => return,
    };
    *v = serde_json::Value::String(s);
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)`: the shortest float32 digits, in exponent
/// form when the exponent is below -4 or at least 6 (Go's precision for shortest `'g'`).
fn go_format_float32_g(f: f64) -> String {
    let f = f as f32;
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN".into()
        } else if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    // `{:e}` gives the shortest round-trip digits: `-1.2345e5`
    let e = format!("{f:e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    let point = exp + 1;
    let out = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{a}.{b}")
    };
    format!("{sign}{out}")
}

/// Helm's `sanitizeString`: whitespace becomes a space, other unprintable runes go.
fn sanitize(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some(' ')
            } else if c.is_control() {
                None
            } else {
                Some(c)
            }
        })
        .collect()
}

impl Metadata {
    fn parse(data: &[u8], what: &str) -> Result<Metadata, Error> {
        let text = String::from_utf8_lossy(data);
        let json = yaml_to_json(&text).map_err(|e| invalid(format!("cannot load {what}: {e}")))?;
        if json.is_null() {
            return Ok(Metadata::default());
        }
        let mut json = json;
        stringify_string_fields(&mut json);
        serde_path_to_error::deserialize(&json).map_err(|e| {
            invalid(format!(
                "cannot load {what}: error unmarshaling JSON: {} (at {})",
                e.inner(),
                e.path()
            ))
        })
    }

    /// Helm's `Metadata.Validate`, with its sanitizing.
    fn validate(&mut self) -> Result<(), Error> {
        let v = |m: String| invalid(format!("validation: {m}"));
        for s in [
            &mut self.name,
            &mut self.description,
            &mut self.home,
            &mut self.icon,
            &mut self.condition,
            &mut self.tags,
            &mut self.app_version,
            &mut self.kube_version,
        ] {
            *s = sanitize(s);
        }
        if self.api_version.is_empty() {
            return Err(v("chart.metadata.apiVersion is required".into()));
        }
        if self.name.is_empty() {
            return Err(v("chart.metadata.name is required".into()));
        }
        if self.name == "." || self.name == ".." {
            return Err(v(format!(
                "chart.metadata.name {:?} is not allowed",
                self.name
            )));
        }
        if self.name.contains('/') {
            return Err(v(format!("chart.metadata.name {:?} is invalid", self.name)));
        }
        if self.version.is_empty() {
            return Err(v("chart.metadata.version is required".into()));
        }
        if gitops_semver::Version::parse(&self.version).is_err() {
            return Err(v(format!(
                "chart.metadata.version {:?} is invalid",
                self.version
            )));
        }
        if !matches!(self.chart_type.as_str(), "" | "application" | "library") {
            return Err(v(
                "chart.metadata.type must be application or library".into()
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for d in &mut self.dependencies {
            d.name = sanitize(&d.name);
            d.version = sanitize(&d.version);
            d.condition = sanitize(&d.condition);
            if !d.alias.is_empty()
                && !d
                    .alias
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(v(format!(
                    "dependency {:?} has disallowed characters in the alias",
                    d.name
                )));
            }
            let key = if d.alias.is_empty() {
                &d.name
            } else {
                &d.alias
            };
            if !seen.insert(key.clone()) {
                return Err(v(format!(
                    "more than one dependency with name or alias {key:?}"
                )));
            }
        }
        Ok(())
    }
}

/// Reads `values.yaml` as Helm's `LoadValues`: every document, merged in order.
fn load_values(data: &[u8]) -> Result<serde_json::Value, Error> {
    parse_values(&String::from_utf8_lossy(data))
        .map_err(|e| invalid(format!("cannot load values.yaml: {e}")))
}

/// Helm's `LoadValues` of a values text (`values.yaml`, or a `-f` file): every YAML
/// document, each a map or empty, merged in order. Errors are Helm's, without the
/// caller's prefix (`cannot load values.yaml: `, `failed to parse FILE: `).
pub fn parse_values(text: &str) -> Result<serde_json::Value, String> {
    let mut out = serde_json::Map::new();
    for doc in yaml_documents(text).map_err(|e| format!("error reading yaml document: {e}"))? {
        let value =
            yaml_to_json(&doc).map_err(|e| format!("cannot unmarshal yaml document: {e}"))?;
        match value {
            serde_json::Value::Null => {}
            serde_json::Value::Object(m) => merge_json(&mut out, m),
            other => {
                return Err(format!(
                    "cannot unmarshal yaml document: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    json_kind(&other)
                ));
            }
        }
    }
    Ok(serde_json::Value::Object(out))
}

/// The documents of a YAML stream as Kubernetes' `YAMLReader` splits them: at lines
/// starting with `---` followed by nothing but spaces or a comment; empty documents
/// dropped.
fn yaml_documents(text: &str) -> Result<Vec<String>, String> {
    let mut docs = Vec::new();
    let mut buf = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("---") {
            let rest = rest.trim();
            if !rest.is_empty() && !rest.starts_with('#') {
                return Err(format!("invalid Yaml document separator: {rest}"));
            }
            if !buf.is_empty() {
                docs.push(std::mem::take(&mut buf));
            }
            continue;
        }
        buf.push_str(line);
    }
    if !buf.is_empty() {
        docs.push(buf);
    }
    Ok(docs)
}

fn merge_json(
    into: &mut serde_json::Map<String, serde_json::Value>,
    from: serde_json::Map<String, serde_json::Value>,
) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(serde_json::Value::Object(a)), serde_json::Value::Object(b)) => merge_json(a, b),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

impl Chart {
    /// The chart's name (`Chart.yaml`'s `name`).
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Helm's `LoadFiles`: builds a chart from its files (paths relative to the chart
    /// root). Subcharts are the directories and `.tgz` files under `charts/`.
    pub fn from_files(files: Vec<File>) -> Result<Chart, Error> {
        let mut metadata: Option<Metadata> = None;
        for f in &files {
            if f.name == "Chart.yaml" {
                let mut md = Metadata::parse(&f.data, "Chart.yaml")?;
                if md.api_version.is_empty() {
                    md.api_version = "v1".into();
                }
                metadata = Some(md);
            }
        }
        let mut c = Chart {
            values: serde_json::Value::Object(serde_json::Map::new()),
            ..Chart::default()
        };
        let mut subcharts: BTreeMap<String, Vec<File>> = BTreeMap::new();
        for f in files {
            match f.name.as_str() {
                "Chart.yaml" => {}
                "Chart.lock" => {}
                "values.yaml" => c.values = load_values(&f.data)?,
                "values.schema.json" => c.schema = Some(f.data),
                "requirements.yaml" => {
                    let md = metadata.get_or_insert_with(Metadata::default);
                    let req = Metadata::parse(&f.data, "requirements.yaml")?;
                    md.dependencies = req.dependencies;
                    if md.api_version == "v1" {
                        c.files.push(f);
                    }
                }
                "requirements.lock" => {
                    let md = metadata.get_or_insert_with(Metadata::default);
                    if md.api_version == "v1" {
                        c.files.push(f);
                    }
                }
                n if n.starts_with("templates/") => c.templates.push(f),
                n if n.starts_with("charts/") => {
                    if n.ends_with(".prov") {
                        c.files.push(f);
                        continue;
                    }
                    let rest = &n["charts/".len()..];
                    let cname = rest.split('/').next().unwrap_or_default().to_string();
                    subcharts.entry(cname).or_default().push(File {
                        name: rest.to_string(),
                        data: f.data,
                    });
                }
                _ => c.files.push(f),
            }
        }
        let Some(mut md) = metadata else {
            return Err(invalid("Chart.yaml file is missing"));
        };
        md.validate()?;
        c.metadata = md;
        for (n, files) in subcharts {
            if n.starts_with('_') || n.starts_with('.') {
                continue;
            }
            let sc = if n.ends_with(".tgz") {
                let Some(file) = files.into_iter().find(|f| f.name == n) else {
                    return Err(invalid(format!(
                        "error unpacking subchart tar in {}: expected {n}",
                        c.name()
                    )));
                };
                Chart::from_archive(&file.data)
            } else {
                let files = files
                    .into_iter()
                    .filter_map(|f| {
                        let (_, rest) = f.name.split_once('/')?;
                        Some(File {
                            name: rest.to_string(),
                            data: f.data,
                        })
                    })
                    .collect();
                Chart::from_files(files)
            };
            let sc = sc.map_err(|e| {
                invalid(format!("error unpacking subchart {n} in {}: {e}", c.name()))
            })?;
            c.dependencies.push(sc);
        }
        Ok(c)
    }

    /// Helm's `LoadArchive`: a gzipped tar whose entries sit under one top directory.
    /// Absolute paths, `..` and oversized content are refused.
    pub fn from_archive(bytes: &[u8]) -> Result<Chart, Error> {
        Chart::from_files(archive_files(bytes)?)
    }

    /// Helm's `LoadDir`: every file under `dir` not excluded by its `.helmignore` (and the
    /// default rule `templates/.?*`), in lexical walk order; symlinks are followed.
    pub fn from_dir(dir: &Path) -> Result<Chart, Error> {
        let mut rules = match std::fs::read(dir.join(".helmignore")) {
            Ok(data) => Rules::parse(&String::from_utf8_lossy(&data))
                .map_err(|e| Error::Read(e.to_string()))?,
            Err(_) => Rules::default(),
        };
        rules.add_defaults();
        if !dir.is_dir() {
            return Err(Error::Read(format!(
                "stat {}: no such file or directory",
                dir.display()
            )));
        }
        let mut files = Vec::new();
        walk(dir, "", &rules, &mut files, 0)?;
        Chart::from_files(files)
    }

    /// Loads a chart from a path: a directory or a `.tgz` archive, with the checks and
    /// messages of Helm's `loader.Load` (`Chart.yaml` present, a known `apiVersion`).
    pub fn load(path: &Path) -> Result<Chart, Error> {
        if path.is_dir() {
            let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
            let name = abs.join("Chart.yaml");
            let data = std::fs::read(&name).map_err(|e| {
                let n = name.display();
                let why = match e.kind() {
                    std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
                    std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
                    _ => e.to_string(),
                };
                Error::Read(format!("unable to detect chart at {n}: open {n}: {why}"))
            })?;
            check_api_version(&data)?;
            return Chart::from_dir(path);
        }
        let bytes = std::fs::read(path).map_err(|e| {
            Error::Read(format!(
                "path {:?} not found: {e}",
                path.display().to_string()
            ))
        })?;
        if !bytes.starts_with(&[0x1f, 0x8b, 0x08]) {
            let name = path.display();
            let n = name.to_string();
            if n.ends_with(".yml") || n.ends_with(".yaml") {
                return Err(Error::Read(format!(
                    "file '{n}' seems to be a YAML file, but expected a gzipped archive"
                )));
            }
            return Err(Error::Read(format!(
                "file '{n}' does not appear to be a gzipped archive; got '{}'",
                sniff_content_type(&bytes)
            )));
        }
        // Helm's `loader.Load` drops the reason an archive cannot be read, and looks for
        // `Chart.yaml` before loading.
        let files = archive_files(&bytes)
            .map_err(|_| Error::Read("unable to load chart archive".into()))?;
        let Some(meta) = files.iter().find(|f| f.name == "Chart.yaml") else {
            return Err(Error::Read(
                "unable to detect chart version, no Chart.yaml found".into(),
            ));
        };
        check_api_version(&meta.data)?;
        Chart::from_files(files)
    }

    /// The chart's `crds/` files (`.yaml`, `.yml`, `.json`) and its subcharts', with the
    /// path Helm prints (`chart/charts/sub/crds/x.yaml`).
    pub fn crd_files(&self) -> Vec<(String, &File)> {
        let mut out = Vec::new();
        self.collect_crds(self.name(), &mut out);
        out
    }

    fn collect_crds<'a>(&'a self, full: &str, out: &mut Vec<(String, &'a File)>) {
        for f in self.files.iter().filter(|f| f.is_crd()) {
            out.push((format!("{full}/{}", f.name), f));
        }
        for d in &self.dependencies {
            d.collect_crds(&format!("{full}/charts/{}", d.name()), out);
        }
    }
}

fn walk(
    root: &Path,
    rel: &str,
    rules: &Rules,
    out: &mut Vec<File>,
    depth: usize,
) -> Result<(), Error> {
    if depth > 64 {
        return Err(Error::Read(format!(
            "{rel}: too many nested directories (a symlink loop?)"
        )));
    }
    let dir = if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| Error::Read(format!("{}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    for name in names {
        let n = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let full = root.join(&n);
        let meta = std::fs::metadata(&full).map_err(|e| Error::Read(format!("{n}: {e}")))?;
        if meta.is_dir() {
            if !rules.ignore(&n, true) {
                walk(root, &n, rules, out, depth + 1)?;
            }
            continue;
        }
        if rules.ignore(&n, false) {
            continue;
        }
        if !meta.is_file() {
            return Err(Error::Read(format!(
                "cannot load irregular file {} as it has file mode type bits set",
                full.display()
            )));
        }
        if meta.len() > MAX_FILE_SIZE {
            return Err(Error::Read(format!(
                "chart file {name:?} is larger than the maximum file size {MAX_FILE_SIZE}"
            )));
        }
        let data =
            std::fs::read(&full).map_err(|e| Error::Read(format!("error reading {n}: {e}")))?;
        out.push(File {
            name: n,
            data: strip_bom(data),
        });
    }
    Ok(())
}

/// Helm's `loader.Load` reads only `apiVersion` from `Chart.yaml` to pick a loader: `v1`,
/// `v2`, `v3` or none go on to be loaded; anything else is refused.
fn check_api_version(data: &[u8]) -> Result<(), Error> {
    let text = String::from_utf8_lossy(data);
    let json =
        yaml_to_json(&text).map_err(|e| Error::Invalid(format!("cannot load Chart.yaml: {e}")))?;
    match json.get("apiVersion") {
        None | Some(serde_json::Value::Null) => Ok(()),
        // `v3` charts take their own loader in Helm; `from_files` says what it makes of them
        Some(serde_json::Value::String(v)) if ["", "v1", "v2", "v3"].contains(&v.as_str()) => {
            Ok(())
        }
        Some(serde_json::Value::String(_)) => {
            Err(Error::Invalid("unsupported chart version".into()))
        }
        Some(other) => Err(Error::Invalid(format!(
            "cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field chartBase.apiVersion of type string",
            json_kind(other)
        ))),
    }
}

/// What Go's `http.DetectContentType` says of the 512-byte, zero-padded buffer Helm's
/// `EnsureArchive` reads: the few signatures a mistaken chart file plausibly has, else
/// binary (any control byte, which the padding of a short file always brings) or text.
fn sniff_content_type(bytes: &[u8]) -> &'static str {
    let mut buf = [0u8; 512];
    let n = bytes.len().min(512);
    buf[..n].copy_from_slice(&bytes[..n]);
    let signatures: &[(&[u8], &str)] = &[
        (b"%PDF-", "application/pdf"),
        (b"PK\x03\x04", "application/zip"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"BZh", "application/x-bzip2"),
        (b"\xfd7zXZ\x00", "application/x-xz"),
    ];
    for (sig, ty) in signatures {
        if buf.starts_with(sig) {
            return ty;
        }
    }
    let binary = buf.iter().any(|&b| {
        b <= 0x08 || b == 0x0b || (0x0e..=0x1a).contains(&b) || (0x1c..=0x1f).contains(&b)
    });
    if binary {
        "application/octet-stream"
    } else {
        "text/plain; charset=utf-8"
    }
}

/// Helm's `LoadArchiveFiles`: the files of a chart archive, the top directory stripped.
pub fn archive_files(bytes: &[u8]) -> Result<Vec<File>, Error> {
    let gz = flate2::read::GzDecoder::new(bytes);
    let mut tar = tar::Archive::new(gz);
    let mut files = Vec::new();
    let mut remaining = MAX_CHART_SIZE;
    let entries = tar.entries().map_err(|e| Error::Read(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| Error::Read(e.to_string()))?;
        let kind = entry.header().entry_type();
        if kind.is_dir() || kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let delim = if raw.contains('\\') { '\\' } else { '/' };
        let parts: Vec<&str> = raw.split(delim).collect();
        let n = parts[1..].join("/");
        if n.starts_with('/') {
            return Err(Error::Read(
                "chart illegally contains absolute paths".into(),
            ));
        }
        let cleaned = clean_path(&n);
        if cleaned == "." {
            return Err(Error::Read(format!(
                "chart illegally contains content outside the base directory: {raw:?}"
            )));
        }
        if cleaned.starts_with("..") {
            return Err(Error::Read(
                "chart illegally references parent directory".into(),
            ));
        }
        let b = cleaned.as_bytes();
        if b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/' {
            return Err(Error::Read("chart contains illegally named files".into()));
        }
        if parts[0] == "Chart.yaml" {
            return Err(Error::Read("chart yaml not in base directory".into()));
        }
        let size = entry.header().size().unwrap_or(0);
        if size > remaining {
            return Err(Error::Read(format!(
                "decompressed chart is larger than the maximum size {MAX_CHART_SIZE}"
            )));
        }
        if size > MAX_FILE_SIZE {
            return Err(Error::Read(format!(
                "decompressed chart file {raw:?} is larger than the maximum file size {MAX_FILE_SIZE}"
            )));
        }
        let mut data = Vec::with_capacity(size as usize);
        (&mut entry)
            .take(remaining)
            .read_to_end(&mut data)
            .map_err(|e| Error::Read(e.to_string()))?;
        remaining -= data.len() as u64;
        if (data.len() as u64) < size || remaining == 0 {
            return Err(Error::Read(format!(
                "decompressed chart is larger than the maximum size {MAX_CHART_SIZE}"
            )));
        }
        files.push(File {
            name: cleaned,
            data: strip_bom(data),
        });
    }
    if files.is_empty() {
        return Err(Error::Read("no files in chart archive".into()));
    }
    Ok(files)
}

/// Go's `path.Clean`.
pub(crate) fn clean_path(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            x => out.push(x),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn f(name: &str, data: &str) -> File {
        File {
            name: name.into(),
            data: data.as_bytes().to_vec(),
        }
    }

    #[test]
    fn string_fields_take_go_s_text_of_scalars() {
        assert_eq!(go_format_float32_g(1.0), "1");
        assert_eq!(go_format_float32_g(1.1), "1.1");
        assert_eq!(go_format_float32_g(0.0001), "0.0001");
        assert_eq!(go_format_float32_g(0.00001), "1e-05");
        assert_eq!(go_format_float32_g(123456.0), "123456");
        assert_eq!(go_format_float32_g(1e6), "1e+06");
        assert_eq!(go_format_float32_g(-2.5e7), "-2.5e+07");
        let md = Metadata::parse(
            b"apiVersion: v2\nname: c\nversion: 1.0\nappVersion: 1.10\ndependencies:\n- name: d\n  tags: [off, 7]\n  alias: null\n",
            "Chart.yaml",
        )
        .unwrap();
        assert_eq!((md.version.as_str(), md.app_version.as_str()), ("1", "1.1"));
        assert_eq!(md.dependencies[0].tags, ["false", "7"]);
        assert_eq!(md.dependencies[0].alias, "");
    }

    #[test]
    fn clean_path_is_go_path_clean() {
        assert_eq!(clean_path("a/../../b"), "../b");
        assert_eq!(clean_path("a/./b/"), "a/b");
        assert_eq!(clean_path(""), ".");
        assert_eq!(clean_path("/../a"), "/a");
    }

    #[test]
    fn files_are_classified_and_subcharts_loaded() {
        let c = Chart::from_files(vec![
            f("Chart.yaml", "apiVersion: v2\nname: top\nversion: 1.0.0\n"),
            f("values.yaml", "a: 1\n---\nb: {c: 2}\n"),
            f("templates/x.yaml", "x"),
            f("README.md", "r"),
            f("crds/c.yaml", "c"),
            f("charts/sub/Chart.yaml", "name: sub\nversion: 0.1.0\n"),
            f("charts/sub/templates/y.yaml", "y"),
            f("charts/_skip/Chart.yaml", "broken: ["),
        ])
        .unwrap();
        assert_eq!(c.values, serde_json::json!({"a": 1, "b": {"c": 2}}));
        assert_eq!(c.templates.len(), 1);
        assert_eq!(c.files.len(), 2);
        assert_eq!(c.dependencies.len(), 1);
        assert_eq!(c.dependencies[0].metadata.api_version, "v1");
        assert_eq!(c.crd_files()[0].0, "top/crds/c.yaml");
    }

    #[test]
    fn invalid_metadata_is_refused_with_helms_messages() {
        let err = |y: &str| {
            Chart::from_files(vec![f("Chart.yaml", y)])
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("apiVersion: v2\nversion: 1.0.0\n"),
            "validation: chart.metadata.name is required"
        );
        assert_eq!(
            err("name: a\n"),
            "validation: chart.metadata.version is required"
        );
        assert_eq!(
            err("name: a\nversion: x\n"),
            "validation: chart.metadata.version \"x\" is invalid"
        );
        assert_eq!(
            err("name: a\nversion: 1.0.0\ntype: other\n"),
            "validation: chart.metadata.type must be application or library"
        );
        assert_eq!(
            Chart::from_files(vec![f("values.yaml", "")])
                .unwrap_err()
                .to_string(),
            "Chart.yaml file is missing"
        );
    }
}
