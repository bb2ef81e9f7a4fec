//! Go templates of a template-heavy chart: parse all of them, then execute each manifest
//! template, with gitops-gotmpl; and `helm template` of the whole chart in the same run
//! for the ratio.
//!
//! The chart is Bitnami's nginx with its `common` library chart (hundreds of `include`s,
//! `tpl`, `dict`/`merge`), read from `../shared/corpus/helm/bitnami-nginx` when present
//! (skipped with a note otherwise; `GITOPS_BENCH_CHART` points at another chart directory).
//! Templates are executed as Helm's engine runs them (one set holding the chart's and its
//! subcharts' templates, `missingkey=zero`, `.Values` from the chart's values.yaml, and
//! `.Release`, `.Chart`, `.Capabilities`, `.Template`); subchart value scoping, schema
//! validation and manifest sorting are the Helm renderer's and not measured here.
//! `helm/whole_chart` runs the reference `helm template` process (`$HELM_BIN`, or
//! `/var/tmp/gitops-tools/helm`), skipped with a note when absent.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;

use criterion::{Criterion, criterion_group, criterion_main};
use gitops_gotmpl::{Map, MapType, MissingKey, Object, Templates, Value};

fn chart_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("GITOPS_BENCH_CHART") {
        return Some(PathBuf::from(dir));
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/helm/bitnami-nginx/chart");
    dir.is_dir().then_some(dir)
}

fn helm_bin() -> Option<PathBuf> {
    let path = std::env::var_os("HELM_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/gitops-tools/helm"));
    path.is_file().then_some(path)
}

/// `(name, text)` of every template file: `templates/` of the chart and of each
/// directory subchart, named as Helm names them (`nginx/charts/common/templates/_x.tpl`).
fn templates(chart: &Path, name: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![(chart.join("templates"), format!("{name}/templates"))];
    while let Some((dir, prefix)) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().filter_map(Result::ok) {
            let path = entry.path();
            let file = entry.file_name().to_string_lossy().to_string();
            if path.is_dir() {
                stack.push((path, format!("{prefix}/{file}")));
            } else if file.ends_with(".yaml") || file.ends_with(".tpl") || file.ends_with(".txt") {
                out.push((format!("{prefix}/{file}"), std::fs::read_to_string(&path).unwrap_or_default()));
            }
        }
    }
    for sub in std::fs::read_dir(chart.join("charts")).into_iter().flatten().filter_map(Result::ok) {
        if sub.path().is_dir() {
            let sub_name = sub.file_name().to_string_lossy().to_string();
            out.extend(templates(&sub.path(), &format!("{name}/charts/{sub_name}")));
        }
    }
    out.sort();
    out
}

struct Metadata {
    name: String,
    version: String,
    app_version: String,
}

impl Object for Metadata {
    fn type_name(&self) -> &str {
        "*chart.Metadata"
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "Name" => Value::str(self.name.as_str()),
            "Version" => Value::str(self.version.as_str()),
            "AppVersion" => Value::str(self.app_version.as_str()),
            "Annotations" => Value::typed_map(Map::new(), MapType::String),
            "Keywords" => Value::string_list(Vec::new()),
            "Deprecated" => Value::Bool(false),
            _ => Value::str(""),
        })
    }
    fn format(&self) -> String {
        format!("&{{{} {}}}", self.name, self.version)
    }
}

/// `.Capabilities.APIVersions`: `Has` answers for the built-in groups of Kubernetes 1.32.
struct ApiVersions;

impl Object for ApiVersions {
    fn type_name(&self) -> &str {
        "common.VersionSet"
    }
    fn field(&self, _: &str) -> Option<Value> {
        None
    }
    fn has_method(&self, name: &str) -> bool {
        name == "Has"
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        (name == "Has").then(|| {
            let v = args.first().and_then(Value::as_str).unwrap_or("");
            Ok(Value::Bool(matches!(
                v,
                "v1" | "apps/v1" | "batch/v1" | "networking.k8s.io/v1" | "policy/v1" | "autoscaling/v2"
            )))
        })
    }
    fn format(&self) -> String {
        "[v1 apps/v1]".into()
    }
}

fn context(chart: &Path, chart_name: &str) -> Value {
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let load = |text: &str| {
        gitops_yaml::load::load_documents(
            text,
            &gitops_yaml::load::LoadOptions::with_schema(gitops_yaml::load::Schema::GoYamlV2),
        )
        .ok()
        .and_then(|d| d.into_iter().next())
        .map(|d| d.value)
        .unwrap_or(serde_json::Value::Null)
    };
    let values = match Value::from_json(&load(&read(&chart.join("values.yaml")))) {
        Value::Map(m, _) => Value::Map(m, MapType::Named("common.Values")),
        _ => Value::typed_map(Map::new(), MapType::Named("common.Values")),
    };
    let meta = load(&read(&chart.join("Chart.yaml")));
    let field = |k: &str| meta[k].as_str().unwrap_or_default().to_string();
    let kube = Value::map(Map::from([
        ("Version".to_string(), Value::str("v1.32.0")),
        ("GitVersion".to_string(), Value::str("v1.32.0")),
        ("Major".to_string(), Value::str("1")),
        ("Minor".to_string(), Value::str("32")),
    ]));
    let capabilities = Value::map(Map::from([
        ("KubeVersion".to_string(), kube),
        ("APIVersions".to_string(), Value::Object(Rc::new(ApiVersions))),
    ]));
    let release = Value::map(Map::from([
        ("Name".to_string(), Value::str("web")),
        ("Namespace".to_string(), Value::str("web")),
        ("IsInstall".to_string(), Value::Bool(true)),
        ("IsUpgrade".to_string(), Value::Bool(false)),
        ("Revision".to_string(), Value::Int(1)),
        ("Service".to_string(), Value::str("Helm")),
    ]));
    Value::typed_map(
        Map::from([
            ("Values".to_string(), values),
            ("Release".to_string(), release),
            ("Capabilities".to_string(), capabilities),
            (
                "Chart".to_string(),
                Value::Object(Rc::new(Metadata {
                    name: chart_name.to_string(),
                    version: field("version"),
                    app_version: field("appVersion"),
                })),
            ),
        ]),
        MapType::Named("common.Values"),
    )
}

/// The set of `files`; files that do not parse are left out and named in the result.
fn parse_all(files: &[(String, String)]) -> (Templates, Vec<String>) {
    let mut set = Templates::new("gotpl");
    set.funcs(gitops_gotmpl::all_funcs()).missing_key(MissingKey::Zero);
    let mut failed = Vec::new();
    for (name, text) in files {
        if let Err(e) = set.parse(name, text) {
            failed.push(e.to_string());
        }
    }
    (set, failed)
}

/// `data` with `.Template` set for `name`.
fn with_template(data: &Value, name: &str) -> Value {
    let Some(m) = data.as_map().map(|m| m.clone()) else { return data.clone() };
    let mut m = m;
    let base = name.rsplit_once('/').map_or("", |(b, _)| b);
    m.insert(
        "Template".to_string(),
        Value::map(Map::from([
            ("Name".to_string(), Value::str(name)),
            ("BasePath".to_string(), Value::str(base)),
        ])),
    );
    Value::typed_map(m, MapType::Named("common.Values"))
}

fn bench(c: &mut Criterion) {
    let Some(chart) = chart_dir() else {
        eprintln!("gotmpl: no chart (../shared/corpus/helm/bitnami-nginx or GITOPS_BENCH_CHART); skipped");
        return;
    };
    let name = "nginx";
    let files = templates(&chart, name);
    let data = context(&chart, name);
    let mut g = c.benchmark_group("gotmpl");
    g.bench_function("parse_all", |b| b.iter(|| black_box(parse_all(&files))));
    let (set, failed) = parse_all(&files);
    for e in &failed {
        eprintln!("gotmpl: {e}; that file is left out");
    }
    let manifests: Vec<&String> = files
        .iter()
        .map(|(n, _)| n)
        .filter(|n| n.starts_with(&format!("{name}/templates/")) && !n.rsplit('/').next().unwrap_or("").starts_with('_'))
        .collect();
    let mut total = 0usize;
    for template in &manifests {
        let data = with_template(&data, template);
        match set.execute(template, &data) {
            Ok(out) => total += out.len(),
            Err(e) => {
                eprintln!("gotmpl: {template}: {e}; not measured");
                continue;
            }
        }
        let short = template.rsplit('/').next().unwrap_or(template);
        g.bench_function(format!("execute/{short}"), |b| b.iter(|| black_box(set.execute(template, &data))));
    }
    g.bench_function("all_manifest_templates", |b| {
        b.iter(|| {
            for template in &manifests {
                let _ = black_box(set.execute(template, &with_template(&data, template)));
            }
        })
    });
    eprintln!("gotmpl: {} templates, {} rendered bytes", manifests.len(), total);
    match helm_bin() {
        Some(helm) => {
            g.sample_size(10);
            g.bench_function("helm/whole_chart", |b| {
                b.iter(|| {
                    let out = Command::new(&helm)
                        .args(["template", "web"])
                        .arg(&chart)
                        .args(["--namespace", "web", "--kube-version", "v1.32.0"])
                        .output()
                        .expect("helm runs");
                    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                })
            });
        }
        None => eprintln!("gotmpl: no reference helm ($HELM_BIN); helm/whole_chart skipped"),
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
