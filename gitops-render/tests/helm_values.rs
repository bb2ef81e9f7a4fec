//! Differential test of the Helm values layer against the real `helm template`.
//!
//! `tests/fixtures/helm/values/cases.json` holds, for each invocation of
//! `helm template rel chart ARGS` (re-recorded by `record.py` beside it), Helm's output:
//! every template prints `{{ toJson .Values }}`. This test merges the same flags, coalesces
//! them with the chart's and subchart's defaults, renders the same template with
//! gitops-gotmpl and compares each document — or Helm's error message.

use std::path::{Path, PathBuf};

use gitops_gotmpl::{Map, Templates, Value};
use gitops_render::helm::values::coalesce::{self, ChartValues, Options};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/helm/values")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The fixture `chart` (named `parent`, with `sub`) or `aliased` (with `sub` twice, as
/// `first` and `second`): its name in Helm's output and its values.
fn chart_values(dir: &Path, chart: &str) -> ChartValues {
    let sub_values = coalesce::read_values(
        "values.yaml",
        &read(&dir.join(chart).join("charts/sub/values.yaml")),
    )
    .expect("sub values");
    let names: &[&str] = if chart == "aliased" {
        &["first", "second"]
    } else {
        &["sub"]
    };
    ChartValues {
        name: if chart == "aliased" {
            "aliased".into()
        } else {
            "parent".into()
        },
        values: coalesce::read_values("values.yaml", &read(&dir.join(chart).join("values.yaml")))
            .expect("values"),
        dependencies: names
            .iter()
            .map(|n| ChartValues {
                name: (*n).into(),
                values: coalesce::deep_copy(&sub_values),
                dependencies: vec![],
            })
            .collect(),
    }
}

fn options(dir: &Path, args: &[String]) -> Options {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let v = it.next().expect("flag value").clone();
        match flag.as_str() {
            "-f" => o.value_files.push((v.clone(), read(&dir.join(&v)))),
            "--set" => o.values.push(v),
            "--set-string" => o.string_values.push(v),
            "--set-json" => o.json_values.push(v),
            "--set-file" => o.file_values.push(v),
            "--set-literal" => o.literal_values.push(v),
            other => panic!("unknown flag {other}"),
        }
    }
    o
}

fn to_json(values: &Value) -> String {
    let mut t = Templates::new("v");
    t.funcs(gitops_gotmpl::all_funcs());
    t.parse("v", "{{ toJson .Values }}").expect("parse");
    let mut top = Map::new();
    top.insert("Values".into(), values.clone());
    t.execute("v", &Value::map(top)).expect("execute")
}

/// Ours, in Helm's output format (subchart first: Helm sorts the manifests by path), with
/// the coalescing warnings.
fn render(dir: &Path, chart: &str, args: &[String]) -> Result<(String, Vec<String>), String> {
    let opts = options(dir, args);
    // Go's `os.ReadFile` message for a missing file.
    let mut read_file = |p: &str| {
        std::fs::read_to_string(dir.join(p)).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("open {p}: no such file or directory"),
            _ => format!("open {p}: {e}"),
        })
    };
    let user = coalesce::merge_values(&opts, &mut read_file).map_err(|e| e.to_string())?;
    let chart = chart_values(dir, chart);
    // A chart listing dependencies in Chart.yaml first coalesces while processing them
    // (conditions, tags, aliases), and Helm reports a failure from there.
    let (values, mut warnings) = coalesce::coalesce_values(&chart, &user).map_err(|e| {
        if chart.name == "aliased" {
            format!("chart dependencies processing failed: {e}")
        } else {
            e.to_string()
        }
    })?;
    let mut out = String::new();
    for dep in &chart.dependencies {
        let sub = values
            .as_map()
            .expect("map")
            .get(&dep.name)
            .cloned()
            .expect("sub values");
        out.push_str(&format!(
            "---\n# Source: {}/charts/{}/templates/values.yaml\n{}\n",
            chart.name,
            dep.name,
            to_json(&sub)
        ));
    }
    out.push_str(&format!(
        "---\n# Source: {}/templates/values.yaml\n{}\n",
        chart.name,
        to_json(&values)
    ));
    warnings.sort();
    Ok((out, warnings))
}

#[test]
fn values_match_helm_template() {
    let dir = fixture_dir();
    let recorded: serde_json::Value =
        serde_json::from_str(&read(&dir.join("cases.json"))).expect("cases.json");
    let cases = recorded["cases"].as_array().expect("cases");
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let args: Vec<String> = case["args"]
            .as_array()
            .expect("args")
            .iter()
            .map(|a| a.as_str().expect("arg").to_string())
            .collect();
        let chart = case["chart"].as_str().expect("chart");
        let ours = render(&dir, chart, &args);
        let want = if case["status"] == 0 {
            // Helm logs each warning as `level=INFO msg="…"` (a Go-quoted string).
            let mut warnings: Vec<String> = case["stderr"]
                .as_str()
                .expect("stderr")
                .lines()
                .map(|l| {
                    let q = l
                        .strip_prefix("level=INFO msg=")
                        .unwrap_or_else(|| panic!("log line {l}"));
                    serde_json::from_str::<String>(q).unwrap_or_else(|e| panic!("{q}: {e}"))
                })
                .collect();
            warnings.sort();
            Ok((
                case["stdout"].as_str().expect("stdout").to_string(),
                warnings,
            ))
        } else {
            // The last line is `Error: …` (a `level=ERROR` log line may precede it).
            let stderr = case["stderr"].as_str().expect("stderr").trim_end();
            let last = stderr.lines().last().unwrap_or_default();
            Err(last.strip_prefix("Error: ").unwrap_or(last).to_string())
        };
        if ours != want {
            failures.push(format!(
                "{chart} {args:?}\n  helm: {want:?}\n  ours: {ours:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
