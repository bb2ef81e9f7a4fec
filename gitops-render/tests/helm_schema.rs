//! Schema validation of chart values against what Helm 4 prints, recorded by
//! `tests/fixtures/helm/schema/record.py` with the real `helm template`.
//!
//! Each case directory is a chart (optionally with subcharts under `charts/`). Its values
//! files are JSON (a subset of YAML) written so that Helm's coalescing reduces to
//! `values.yaml` overlaid by `values-<x>.yaml` with a recursive map merge, plus what Helm
//! always adds: every subchart key present as a map holding `global: {}`. Numbers are made
//! float64, as values from YAML files are in Helm.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use gitops_render::helm::schema::{
    SchemaTree, schema_error_message, validate_chart, validate_single,
};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/helm/schema")
}

fn chart_name(dir: &Path) -> String {
    let text = fs::read_to_string(dir.join("Chart.yaml")).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("name: "))
        .unwrap_or_else(|| panic!("{}: Chart.yaml has no name", dir.display()))
        .trim()
        .to_string()
}

fn tree(dir: &Path) -> SchemaTree {
    let schema = fs::read(dir.join("values.schema.json")).ok();
    let mut deps = Vec::new();
    if let Ok(entries) = fs::read_dir(dir.join("charts")) {
        let mut subs: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        subs.sort();
        deps = subs.iter().map(|p| tree(p)).collect();
    }
    SchemaTree {
        name: chart_name(dir),
        schema,
        dependencies: deps,
    }
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn merge(dst: &mut Value, src: &Value) {
    match (dst, src) {
        (Value::Object(d), Value::Object(s)) => {
            for (k, v) in s {
                match d.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        d.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (d, s) => *d = s.clone(),
    }
}

fn to_float(v: &mut Value) {
    match v {
        Value::Number(n) => {
            if let Some(f) = n.as_f64() {
                *v = Value::from(f);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(to_float),
        Value::Object(m) => m.values_mut().for_each(to_float),
        _ => {}
    }
}

/// What Helm's coalescing adds for subcharts: the key as a map with `global`.
fn add_subchart_keys(t: &SchemaTree, values: &mut Value) {
    let Value::Object(m) = values else { return };
    for sub in &t.dependencies {
        let entry = m
            .entry(sub.name.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(sm) = entry {
            sm.entry("global".to_string())
                .or_insert_with(|| Value::Object(Map::new()));
        }
        add_subchart_keys(sub, entry);
    }
}

/// The error lines as a tree (by indentation) with siblings sorted, for outputs whose
/// order follows Go map iteration.
fn canonical(text: &str) -> Vec<String> {
    fn build(lines: &[&str], i: &mut usize, depth: usize) -> Vec<String> {
        let mut out = Vec::new();
        while *i < lines.len() {
            let l = lines[*i];
            let d = (l.len() - l.trim_start().len()) / 2;
            if d < depth {
                break;
            }
            *i += 1;
            let children = build(lines, i, d + 1);
            out.push(format!(
                "{}{{{}}}",
                sort_names(l.trim()),
                children.join(",")
            ));
        }
        out.sort();
        out
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    build(&lines, &mut i, 0)
}

/// `additional properties 'b', 'a' not allowed` lists names in map order: sort them.
fn sort_names(line: &str) -> String {
    let (Some(start), Some(end)) = (
        line.find("additional properties "),
        line.rfind(" not allowed"),
    ) else {
        return line.to_string();
    };
    let from = start + "additional properties ".len();
    let mut names: Vec<&str> = line[from..end].split(", ").collect();
    names.sort();
    format!("{}{}{}", &line[..from], names.join(", "), &line[end..])
}

struct Outcome {
    passed: Vec<String>,
    failed: Vec<String>,
}

fn run_case(dir: &Path, out: &mut Outcome) {
    let t = tree(dir);
    let base = read_json(&dir.join("values.yaml"));
    let mut variants: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|f| {
            f.strip_prefix("values-")
                .and_then(|r| r.strip_suffix(".yaml"))
                .map(str::to_string)
        })
        .collect();
    variants.sort();
    for v in variants {
        let label = format!("{}/{v}", dir.file_name().unwrap().to_string_lossy());
        let mut values = base.clone();
        merge(
            &mut values,
            &read_json(&dir.join(format!("values-{v}.yaml"))),
        );
        to_float(&mut values);
        add_subchart_keys(&t, &mut values);
        let expected = fs::read_to_string(dir.join(format!("expected-{v}.txt")))
            .unwrap_or_else(|e| panic!("{label}: no recording ({e}); run record.py"));
        let unordered = dir.join(format!("expected-{v}.unordered")).exists();
        let got = match validate_chart(&t, &values) {
            Ok(()) => String::new(),
            Err(text) => format!("Error: {}\n", schema_error_message(&text)),
        };
        let same = if unordered {
            canonical(&got) == canonical(&expected)
        } else {
            got == expected
        };
        if same {
            out.passed.push(label);
        } else {
            out.failed
                .push(format!("{label}\n--- helm\n{expected}--- ours\n{got}"));
        }
    }
}

#[test]
fn matches_recorded_helm4_output() {
    let mut cases: Vec<PathBuf> = fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Chart.yaml").is_file())
        .collect();
    cases.sort();
    let mut out = Outcome {
        passed: Vec::new(),
        failed: Vec::new(),
    };
    for c in &cases {
        run_case(c, &mut out);
    }
    assert!(
        out.passed.len() >= 40,
        "only {} variants passed",
        out.passed.len()
    );
    assert!(
        out.failed.is_empty(),
        "{} of {} variants differ from Helm 4:\n{}",
        out.failed.len(),
        out.failed.len() + out.passed.len(),
        out.failed.join("\n")
    );
}

#[test]
fn non_map_subchart_values_are_reported_without_validation() {
    let t = SchemaTree {
        name: "parent".into(),
        schema: None,
        dependencies: vec![SchemaTree {
            name: "db".into(),
            schema: Some(br#"{"type":"object"}"#.to_vec()),
            dependencies: vec![],
        }],
    };
    let err = validate_chart(&t, &serde_json::json!({"db": 5.0})).unwrap_err();
    assert_eq!(
        err,
        "db:\ninvalid type for values: expected object (map), got float64\n"
    );
    assert_eq!(validate_chart(&t, &serde_json::json!({"db": null})), Ok(()));
    assert_eq!(validate_chart(&t, &serde_json::json!({})), Ok(()));
}

#[test]
fn remote_references_name_the_url() {
    let err = validate_single(
        br#"{"properties":{"a":{"$ref":"https://example.com/defs.json#/x"}}}"#,
        &serde_json::json!({"a": 1}),
    )
    .unwrap_err();
    assert!(
        err.starts_with("failing loading \"https://example.com/defs.json\": "),
        "{err}"
    );
    let err = validate_single(
        br#"{"$schema":"http://example.com/meta"}"#,
        &serde_json::json!({}),
    )
    .unwrap_err();
    assert!(
        err.starts_with("failing loading \"http://example.com/meta\": "),
        "{err}"
    );
}

#[test]
fn set_integers_and_yaml_floats_validate_alike() {
    let schema = br#"{"properties":{"n":{"type":"integer","multipleOf":0.1,"maximum":3}}}"#;
    assert_eq!(
        validate_single(schema, &serde_json::json!({"n": 3})),
        Ok(())
    );
    assert_eq!(
        validate_single(schema, &serde_json::json!({"n": 3.0})),
        Ok(())
    );
    assert_eq!(
        validate_single(schema, &serde_json::json!({"n": 4})).unwrap_err(),
        "- at '/n': maximum: got 4, want 3\n"
    );
}

#[test]
fn reference_cycles_do_not_recurse_forever() {
    let schema =
        br##"{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}"##;
    let err = validate_single(schema, &serde_json::json!({})).unwrap_err();
    assert!(err.contains("causing reference cycle"), "{err}");
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-z#/~$0-9.()*^-]{0,6}".prop_map(Value::String),
    ];
    let keys = prop_oneof![
        Just("type".to_string()),
        Just("properties".to_string()),
        Just("items".to_string()),
        Just("prefixItems".to_string()),
        Just("additionalProperties".to_string()),
        Just("required".to_string()),
        Just("enum".to_string()),
        Just("const".to_string()),
        Just("$ref".to_string()),
        Just("$defs".to_string()),
        Just("$id".to_string()),
        Just("$anchor".to_string()),
        Just("allOf".to_string()),
        Just("anyOf".to_string()),
        Just("oneOf".to_string()),
        Just("not".to_string()),
        Just("if".to_string()),
        Just("then".to_string()),
        Just("else".to_string()),
        Just("minimum".to_string()),
        Just("multipleOf".to_string()),
        Just("maxLength".to_string()),
        Just("pattern".to_string()),
        Just("patternProperties".to_string()),
        Just("contains".to_string()),
        Just("minContains".to_string()),
        Just("unevaluatedProperties".to_string()),
        Just("unevaluatedItems".to_string()),
        Just("dependencies".to_string()),
        Just("format".to_string()),
        Just("$schema".to_string()),
        "[a-z]{1,3}",
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_schemas_and_values_never_panic(schema in arb_json(), values in arb_json()) {
        let bytes = serde_json::to_vec(&schema).unwrap();
        let _ = validate_single(&bytes, &values);
        let t = SchemaTree { name: "c".into(), schema: Some(bytes), dependencies: vec![] };
        let _ = validate_chart(&t, &values);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = validate_single(&bytes, &serde_json::json!({"a": [1, "x", null]}));
    }
}
