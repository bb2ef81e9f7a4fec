//! The `helm template` action: a loaded chart and the user's values to the rendered
//! release ([`render`]), and the text `helm template` prints ([`Rendered::template_output`]).
//!
//! The order of checks is Helm 4's: installable chart type, dependencies present,
//! release name, dependency processing (conditions, tags, aliases, import-values), value
//! coalescing and schema validation, `kubeVersion`, rendering, manifest sorting.

use std::borrow::Cow;
use std::collections::BTreeMap;

use gitops_gotmpl::{Map, MapType, Value};

use super::chart::Chart;
use super::dependencies::{Node, is_compatible_range};
use super::manifests::{self, Hook, Manifest};
use super::objects::{self, Capabilities, KubeVersion, VALUES_TYPE};
use super::values::coalesce;
use super::{engine, schema};

/// What a render needs besides the chart and values (the flags of `helm template`).
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// The release name (`helm template` defaults to `release-name`).
    pub release_name: String,
    /// The release namespace (`-n`, default `default`).
    pub namespace: String,
    /// `--kube-version` (Helm 4.1's default: v1.35.0).
    pub kube_version: Option<String>,
    /// `--api-versions`, added to Helm's default set.
    pub api_versions: Vec<String>,
    /// `--is-upgrade`: `.Release.IsUpgrade` true, `.Release.IsInstall` false.
    pub is_upgrade: bool,
    /// `--skip-schema-validation`.
    pub skip_schema_validation: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            release_name: "release-name".into(),
            namespace: "default".into(),
            kube_version: None,
            api_versions: Vec::new(),
            is_upgrade: false,
            skip_schema_validation: false,
        }
    }
}

/// What `helm template` prints, beyond the rendering itself.
#[derive(Clone, Debug, Default)]
pub struct OutputOptions {
    /// `--include-crds`: the charts' `crds/` files first.
    pub include_crds: bool,
    /// `--skip-crds`: only stops installing CRDs; `helm template` talks to no cluster, so
    /// this changes nothing in its output (`--include-crds --skip-crds` prints the CRDs).
    pub skip_crds: bool,
    /// `--no-hooks`.
    pub no_hooks: bool,
    /// `--skip-tests`: hooks for `test` are left out.
    pub skip_tests: bool,
    /// `--show-only`: `filepath.Match` patterns on the template path without the chart
    /// name (`templates/x.yaml`, `charts/sub/templates/*.yaml`).
    pub show_only: Vec<String>,
}

/// Why a chart could not be rendered. Messages are Helm 4's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A library chart (or another non-application type) given as the chart.
    #[error("{0} charts are not installable")]
    NotInstallable(String),
    /// Subcharts named in `Chart.yaml` but absent from `charts/`.
    #[error(
        "an error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: {}",
        .0.join(", ")
    )]
    MissingDependencies(Vec<String>),
    /// The release name is not a DNS-1123 subdomain of at most 53 characters.
    #[error(
        "release name check failed: release name {0:?}: invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53"
    )]
    ReleaseName(String),
    /// `--kube-version` does not parse.
    #[error("invalid kube version '{0}': {1}")]
    KubeVersionFlag(String, String),
    /// Values that cannot be coalesced (a subchart's values that are not a map).
    #[error("{0}")]
    Values(String),
    /// The values violate a chart's `values.schema.json`.
    #[error(
        "values don't meet the specifications of the schema(s) in the following chart(s):\n{0}"
    )]
    Schema(String),
    /// The chart's `kubeVersion` excludes the target Kubernetes version.
    #[error(
        "chart requires kubeVersion: {constraint} which is incompatible with Kubernetes {version}"
    )]
    KubeVersion {
        /// `Chart.yaml`'s `kubeVersion`.
        constraint: String,
        /// The version rendered for.
        version: String,
    },
    /// A template failed to parse or execute.
    #[error(transparent)]
    Render(#[from] engine::Error),
    /// A rendered document is not YAML Helm can read.
    #[error(transparent)]
    Manifest(#[from] manifests::Error),
    /// A `--show-only` pattern matched nothing.
    #[error("could not find template {0} in chart")]
    ShowOnly(String),
}

impl Error {
    /// The text `helm template` prints after `Error: ` (render-phase errors carry Helm's
    /// hint about `--debug`).
    pub fn cli_message(&self) -> String {
        match self {
            Error::KubeVersion { .. } | Error::Render(_) | Error::Manifest(_) => {
                format!("{self}\n\nUse --debug flag to render out invalid YAML")
            }
            _ => self.to_string(),
        }
    }
}

/// A rendered release.
#[derive(Clone, Debug, Default)]
pub struct Rendered {
    /// The chart's (and subcharts') `crds/` files: (printed path, content).
    pub crds: Vec<(String, String)>,
    /// The manifests in install order.
    pub manifests: Vec<Manifest>,
    /// The hooks in install order of kinds.
    pub hooks: Vec<Hook>,
    /// The top chart's rendered `NOTES.txt`.
    pub notes: String,
    /// Coalescing warnings Helm would log.
    pub warnings: Vec<String>,
}

/// Helm's release-name rule.
pub fn valid_release_name(name: &str) -> bool {
    if name.is_empty() || name.len() > 53 {
        return false;
    }
    name.split('.').all(|label| {
        let b = label.as_bytes();
        !b.is_empty()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
    })
}

/// Renders `chart` with the user's values (already merged from `-f` and `--set*`).
pub fn render(chart: &Chart, user: &Value, opts: &RenderOptions) -> Result<Rendered, Error> {
    let t = chart.metadata.chart_type.as_str();
    if !(t.is_empty() || t == "application") {
        return Err(Error::NotInstallable(t.to_string()));
    }
    let missing: Vec<String> = chart
        .metadata
        .dependencies
        .iter()
        .filter(|r| !chart.dependencies.iter().any(|d| d.name() == r.name))
        .map(|r| r.name.clone())
        .collect();
    if !missing.is_empty() {
        return Err(Error::MissingDependencies(missing));
    }
    if !valid_release_name(&opts.release_name) {
        return Err(Error::ReleaseName(opts.release_name.clone()));
    }
    let kube_version = match &opts.kube_version {
        Some(k) => KubeVersion::parse(k).map_err(|e| Error::KubeVersionFlag(k.clone(), e))?,
        None => KubeVersion::default(),
    };
    let mut caps = Capabilities {
        kube_version,
        ..Capabilities::default()
    };
    caps.api_versions.extend(opts.api_versions.iter().cloned());

    let mut root = Node::new(chart);
    root.process(user)
        .map_err(|e| Error::Values(format!("chart dependencies processing failed: {e}")))?;
    let (values, warnings) = coalesce::coalesce_values(&root.take_chart_values(), user)
        .map_err(|e| Error::Values(e.to_string()))?;
    if !opts.skip_schema_validation {
        schema::validate_chart(&schema_tree(&root), &values.to_json()).map_err(Error::Schema)?;
    }
    let values = match values {
        Value::Map(m, _) => Value::Map(m, MapType::Named(VALUES_TYPE)),
        other => other,
    };
    if !chart.metadata.kube_version.is_empty()
        && !is_compatible_range(&chart.metadata.kube_version, &caps.kube_version.normalized)
    {
        return Err(Error::KubeVersion {
            constraint: chart.metadata.kube_version.clone(),
            version: caps.kube_version.version.clone(),
        });
    }
    let top = Map::from([
        ("Values".to_string(), values),
        (
            "Release".to_string(),
            objects::release(&opts.release_name, &opts.namespace, opts.is_upgrade),
        ),
        ("Capabilities".to_string(), objects::capabilities(&caps)),
    ]);
    let notes_path = format!("{}/templates/NOTES.txt", root.name());
    let (notes, parsed) = render_and_parse(&root, &top, &notes_path)?;
    let (hooks, manifests) = manifests::sort_parsed(parsed);
    let crds = crd_files(&root);
    Ok(Rendered {
        crds,
        manifests,
        hooks,
        notes,
        warnings,
    })
}

/// Renders the templates and reads their documents' heads at the same time: each rendered
/// file goes to worker threads (one less than the CPUs, at least one) while the next
/// template renders; the rendering thread joins them when it is done. Returns the top
/// chart's notes and the parsed files in path order; the first unreadable file in path
/// order is the error, as in Helm.
fn render_and_parse(
    root: &Node<'_>,
    top: &Map,
    notes_path: &str,
) -> Result<(String, Vec<(String, Vec<manifests::ParsedDoc>)>), Error> {
    type Parsed = Result<Vec<manifests::ParsedDoc>, manifests::Error>;
    let workers =
        std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1));
    let (tx, rx) = std::sync::mpsc::channel::<(String, String)>();
    let rx = std::sync::Mutex::new(rx);
    let results: std::sync::Mutex<BTreeMap<String, Parsed>> =
        std::sync::Mutex::new(BTreeMap::new());
    let work = || {
        loop {
            let next = match rx.lock() {
                Ok(r) => r.recv(),
                Err(_) => return,
            };
            let Ok((path, text)) = next else { return };
            let parsed = manifests::parse_file(&path, &text);
            if let Ok(mut r) = results.lock() {
                r.insert(path, parsed);
            }
        }
    };
    let mut notes = String::new();
    let rendered = std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(work);
        }
        let r = engine::render_each(root, top, &mut |path, text| {
            if path.ends_with("NOTES.txt") {
                if path == notes_path {
                    notes = text;
                }
                return;
            }
            // The workers only stop once the sender is gone.
            let _ = tx.send((path, text));
        });
        drop(tx);
        work();
        r
    });
    rendered?;
    let results = results.into_inner().unwrap_or_default();
    let mut parsed = Vec::with_capacity(results.len());
    for (path, docs) in results {
        parsed.push((path, docs?));
    }
    Ok((notes, parsed))
}

fn schema_tree(node: &Node<'_>) -> schema::SchemaTree {
    schema::SchemaTree {
        name: node.name().to_string(),
        schema: node.chart.schema.clone(),
        dependencies: node.dependencies.iter().map(schema_tree).collect(),
    }
}

/// The CRDs of the enabled charts (aliased names, unlike [`Chart::crd_files`]), with the
/// paths Helm prints.
fn crd_files(node: &Node<'_>) -> Vec<(String, String)> {
    fn walk(node: &Node<'_>, full: &str, out: &mut Vec<(String, String)>) {
        for f in node.chart.files.iter().filter(|f| f.is_crd()) {
            out.push((
                format!("{full}/{}", f.name),
                String::from_utf8_lossy(&f.data).into_owned(),
            ));
        }
        for d in &node.dependencies {
            walk(d, &format!("{full}/charts/{}", d.name()), out);
        }
    }
    let mut out = Vec::new();
    walk(node, node.name(), &mut out);
    out
}

impl Rendered {
    /// The release manifest as Helm stores it (`rel.Manifest`): optionally the CRDs, then
    /// every manifest, each as `---\n# Source: PATH\nCONTENT\n`.
    pub fn manifest(&self, include_crds: bool) -> String {
        self.sources(include_crds)
            .flat_map(|(path, content)| source_parts(path, content))
            .collect()
    }

    /// `(path, content)` of the CRDs (when asked for) and of every manifest, in order.
    fn sources(&self, include_crds: bool) -> impl Iterator<Item = (&str, &str)> {
        let crds: &[(String, String)] = if include_crds { &self.crds } else { &[] };
        crds.iter().map(|(p, c)| (p.as_str(), c.as_str())).chain(
            self.manifests
                .iter()
                .map(|m| (m.path.as_str(), m.content.as_str())),
        )
    }

    /// Exactly what `helm template` prints to stdout.
    pub fn template_output(&self, o: &OutputOptions) -> Result<String, Error> {
        Ok(self.output_parts(o)?.concat())
    }

    /// [`Rendered::template_output`] as the pieces it is made of, in order, so that it can
    /// be written out without being assembled in memory first.
    pub fn output_parts(&self, o: &OutputOptions) -> Result<Vec<Cow<'_, str>>, Error> {
        if !o.show_only.is_empty() {
            return self.show_only(o).map(|text| vec![Cow::Owned(text)]);
        }
        let pieces = self.sources(o.include_crds);
        // `fmt.Fprintln(strings.TrimSpace(rel.Manifest))`: the manifest's segments with the
        // white space at both ends of their concatenation removed.
        let mut parts: Vec<Cow<'_, str>> = Vec::new();
        for (path, content) in pieces {
            parts.extend(source_parts(path, content));
        }
        while parts.last().is_some_and(|p| p.trim_end().is_empty()) {
            parts.pop();
        }
        if let Some(Cow::Borrowed(last)) = parts.last_mut() {
            *last = last.trim_end();
        }
        let leading = parts
            .iter()
            .take_while(|p| p.trim_start().is_empty())
            .count();
        parts.drain(..leading);
        if let Some(Cow::Borrowed(first)) = parts.first_mut() {
            *first = first.trim_start();
        }
        parts.push(Cow::Borrowed("\n"));
        if !o.no_hooks {
            for h in &self.hooks {
                if o.skip_tests && h.is_test() {
                    continue;
                }
                parts.extend(source_parts(&h.manifest.path, &h.manifest.content));
            }
        }
        Ok(parts)
    }

    /// `--show-only`: the documents of the output whose template matches a pattern.
    fn show_only(&self, o: &OutputOptions) -> Result<String, Error> {
        let all = OutputOptions {
            show_only: Vec::new(),
            ..o.clone()
        };
        let out = self.template_output(&all)?;
        let docs = manifests::split_manifests(&out);
        let mut shown = String::new();
        for pattern in &o.show_only {
            let pattern = pattern.replace('\\', "/");
            let mut missing = true;
            for doc in &docs {
                let Some(path) = source_path(doc) else {
                    continue;
                };
                if super::ignore::go_match(&pattern, path) != Ok(true) {
                    continue;
                }
                shown.push_str(&format!("---\n{doc}\n"));
                missing = false;
            }
            if missing {
                return Err(Error::ShowOnly(pattern));
            }
        }
        Ok(shown)
    }
}

/// One manifest as Helm prints it: `---\n# Source: PATH\nCONTENT\n`, in segments.
fn source_parts<'a>(path: &'a str, content: &'a str) -> [Cow<'a, str>; 5] {
    [
        Cow::Borrowed("---\n# Source: "),
        Cow::Borrowed(path),
        Cow::Borrowed("\n"),
        Cow::Borrowed(content),
        Cow::Borrowed("\n"),
    ]
}

/// The template path of a `# Source: chart/PATH` line, without the chart name (Helm's
/// `# Source: [^/]+/(.+)`).
fn source_path(doc: &str) -> Option<&str> {
    let mut from = 0;
    while let Some(i) = doc[from..].find("# Source: ") {
        let start = from + i + "# Source: ".len();
        let line = doc[start..].split('\n').next().unwrap_or("");
        if let Some(slash) = line.find('/') {
            if slash > 0 && slash + 1 < line.len() {
                return Some(&line[slash + 1..]);
            }
        }
        from = start;
    }
    None
}

/// Helm's `LocateChart` for local charts: `name` (relative to `base`, the working
/// directory) as an absolute path when it exists; otherwise Helm's message for a missing
/// path, or for a repository chart (`repo/chart`, no repository being configured here).
pub fn locate_chart(base: &std::path::Path, name: &str) -> Result<std::path::PathBuf, String> {
    let name = name.trim();
    let path = base.join(name);
    if path.exists() {
        return std::path::absolute(&path).map_err(|e| e.to_string());
    }
    if std::path::Path::new(name).is_absolute() || name.starts_with('.') {
        return Err(format!("path {name:?} not found"));
    }
    if name.contains("://") {
        return Err(format!("only local charts can be rendered, got: {name}"));
    }
    match name.split_once('/') {
        Some((repo, _)) => Err(format!("repo {repo} not found")),
        None => Err(format!(
            "non-absolute URLs should be in form of repo_name/path_to_chart, got: {name}"
        )),
    }
}

/// Renders and prints as `helm template` does.
pub fn template(
    chart: &Chart,
    user: &Value,
    opts: &RenderOptions,
    out: &OutputOptions,
) -> Result<String, Error> {
    render(chart, user, opts)?.template_output(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn release_names() {
        assert!(valid_release_name("my-app.v1"));
        assert!(!valid_release_name("Bad_Name"));
        assert!(!valid_release_name("-a"));
        assert!(!valid_release_name(&"a".repeat(54)));
    }

    #[test]
    fn source_paths_drop_the_chart_name() {
        assert_eq!(
            source_path("# Source: c/templates/x.yaml\na: 1"),
            Some("templates/x.yaml")
        );
        assert_eq!(source_path("a: 1"), None);
    }
}
