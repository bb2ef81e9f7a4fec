//! Our generated CRDs against the official Flux and Flagger CRDs in
//! `../shared/reference/crds` (read when present; never copied into the repository).
//!
//! For every CRD we compare the names, scope, versions, subresources and printer columns,
//! and for every schema path (through `properties`, `items` and `additionalProperties`)
//! the validation keywords. Descriptions are not compared.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

/// Keywords compared at every schema node.
const KEYWORDS: &[&str] = &[
    "type",
    "format",
    "enum",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "required",
    "default",
    "nullable",
    "oneOf",
    "anyOf",
    "allOf",
    "not",
    "x-kubernetes-int-or-string",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    "x-kubernetes-validations",
];

fn reference_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/crds");
    dir.is_dir().then_some(dir)
}

fn reference_crds(dir: &PathBuf) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read reference dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                let text = std::fs::read_to_string(&path).expect("read reference CRD");
                let docs: Vec<Value> =
                    serde_saphyr::from_multiple(&text).expect("parse reference CRD");
                for doc in docs.into_iter().filter(|d| d.is_object()) {
                    let name = doc["metadata"]["name"]
                        .as_str()
                        .expect("CRD name")
                        .to_string();
                    out.insert(name, doc);
                }
            }
        }
    }
    out
}

fn ours() -> BTreeMap<String, Value> {
    gitops_core::api::crds()
        .into_iter()
        .map(|crd| {
            let v = serde_json::to_value(&crd).expect("serialise CRD");
            (v["metadata"]["name"].as_str().expect("name").to_string(), v)
        })
        .collect()
}

/// Whole-number floats as integers: `JSONSchemaProps.minimum` is an `f64`, so ours says
/// `0.0` where the reference YAML says `0`; both print as `0`.
fn normalize_numbers(v: &Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() && f.fract() == 0.0 && f.abs() < 9.0e15 => {
                Value::from(f as i64)
            }
            _ => v.clone(),
        },
        Value::Array(a) => Value::Array(a.iter().map(normalize_numbers).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), normalize_numbers(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Flattens a schema into `path -> {keyword: value}`.
fn flatten(schema: &Value, path: String, out: &mut BTreeMap<String, BTreeMap<String, Value>>) {
    let mut kw = BTreeMap::new();
    for key in KEYWORDS {
        if let Some(v) = schema.get(*key) {
            let v = if *key == "required" {
                let mut list: Vec<Value> = v.as_array().cloned().unwrap_or_default();
                list.sort_by(|a, b| a.to_string().cmp(&b.to_string()));
                Value::Array(list)
            } else if *key == "x-kubernetes-validations"
                || *key == "oneOf"
                || *key == "anyOf"
                || *key == "not"
                || *key == "allOf"
            {
                strip_descriptions(v)
            } else {
                v.clone()
            };
            kw.insert((*key).to_string(), normalize_numbers(&v));
        }
    }
    out.insert(path.clone(), kw);
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            flatten(v, format!("{path}.{k}"), out);
        }
    }
    if let Some(items) = schema.get("items") {
        flatten(items, format!("{path}[]"), out);
    }
    if let Some(ap) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        flatten(ap, format!("{path}{{}}"), out);
    }
}

fn strip_descriptions(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| k.as_str() != "description")
                .map(|(k, v)| (k.clone(), strip_descriptions(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_descriptions).collect()),
        other => other.clone(),
    }
}

/// Differences between our CRD and the reference one, one line each.
fn differences(ours: &Value, reference: &Value) -> Vec<String> {
    let mut diffs = Vec::new();
    fn cmp(diffs: &mut Vec<String>, what: &str, a: &Value, b: &Value) {
        if a != b {
            diffs.push(format!("{what}: ours {a} != reference {b}"));
        }
    }
    cmp(
        &mut diffs,
        "spec.group",
        &ours["spec"]["group"],
        &reference["spec"]["group"],
    );
    cmp(
        &mut diffs,
        "spec.scope",
        &ours["spec"]["scope"],
        &reference["spec"]["scope"],
    );
    for key in [
        "kind",
        "listKind",
        "plural",
        "singular",
        "shortNames",
        "categories",
    ] {
        cmp(
            &mut diffs,
            &format!("spec.names.{key}"),
            &ours["spec"]["names"][key],
            &reference["spec"]["names"][key],
        );
    }
    let empty = Vec::new();
    let ours_versions = ours["spec"]["versions"].as_array().unwrap_or(&empty);
    let ref_versions = reference["spec"]["versions"].as_array().unwrap_or(&empty);
    if ours_versions.len() != ref_versions.len() {
        diffs.push(format!(
            "versions: ours {} != reference {}",
            ours_versions.len(),
            ref_versions.len()
        ));
    }
    for (o, r) in ours_versions.iter().zip(ref_versions) {
        let v = r["name"].as_str().unwrap_or("?");
        for key in [
            "name",
            "served",
            "storage",
            "subresources",
            "additionalPrinterColumns",
            "deprecated",
        ] {
            let strip = |x: &Value| strip_descriptions(x);
            cmp(
                &mut diffs,
                &format!("versions[{v}].{key}"),
                &strip(&o[key]),
                &strip(&r[key]),
            );
        }
        let mut a = BTreeMap::new();
        let mut b = BTreeMap::new();
        flatten(&o["schema"]["openAPIV3Schema"], String::new(), &mut a);
        flatten(&r["schema"]["openAPIV3Schema"], String::new(), &mut b);
        for (path, kw) in &b {
            match a.get(path) {
                None => diffs.push(format!("versions[{v}] schema {path}: missing")),
                Some(ours_kw) if ours_kw != kw => {
                    for key in kw
                        .keys()
                        .chain(ours_kw.keys())
                        .collect::<std::collections::BTreeSet<_>>()
                    {
                        if kw.get(key) != ours_kw.get(key) {
                            diffs.push(format!(
                                "versions[{v}] schema {path} {key}: ours {} != reference {}",
                                ours_kw.get(key).map_or("-".into(), Value::to_string),
                                kw.get(key).map_or("-".into(), Value::to_string)
                            ));
                        }
                    }
                }
                Some(_) => {}
            }
        }
        for path in a.keys().filter(|p| !b.contains_key(*p)) {
            diffs.push(format!("versions[{v}] schema {path}: not in reference"));
        }
    }
    diffs
}

fn check(name: &str) {
    let Some(dir) = reference_dir() else {
        eprintln!("note: ../shared/reference/crds is absent; {name} not compared");
        return;
    };
    let reference = reference_crds(&dir);
    let reference = reference
        .get(name)
        .unwrap_or_else(|| panic!("no reference CRD {name}"));
    let ours = ours();
    let ours = ours
        .get(name)
        .unwrap_or_else(|| panic!("gitops_core::api::crds() has no CRD {name}"));
    let diffs = differences(ours, reference);
    assert!(
        diffs.is_empty(),
        "{name} differs from the reference CRD:\n{}",
        diffs.join("\n")
    );
}

macro_rules! crd_tests {
    ($($test:ident => $name:literal,)*) => {
        $(#[test] fn $test() { check($name); })*

        #[test]
        fn every_reference_crd_is_tested() {
            let Some(dir) = reference_dir() else { return };
            let tested = [$($name),*];
            for name in reference_crds(&dir).keys() {
                if name == "externalartifacts.source.toolkit.fluxcd.io" {
                    continue; // ExternalArtifact is not in the compatibility contract yet.
                }
                assert!(tested.contains(&name.as_str()), "reference CRD {name} has no test");
            }
        }
    };
}

crd_tests! {
    gitrepositories => "gitrepositories.source.toolkit.fluxcd.io",
    ocirepositories => "ocirepositories.source.toolkit.fluxcd.io",
    buckets => "buckets.source.toolkit.fluxcd.io",
    helmrepositories => "helmrepositories.source.toolkit.fluxcd.io",
    helmcharts => "helmcharts.source.toolkit.fluxcd.io",
    kustomizations => "kustomizations.kustomize.toolkit.fluxcd.io",
    helmreleases => "helmreleases.helm.toolkit.fluxcd.io",
    alerts => "alerts.notification.toolkit.fluxcd.io",
    providers => "providers.notification.toolkit.fluxcd.io",
    receivers => "receivers.notification.toolkit.fluxcd.io",
    imagerepositories => "imagerepositories.image.toolkit.fluxcd.io",
    imagepolicies => "imagepolicies.image.toolkit.fluxcd.io",
    imageupdateautomations => "imageupdateautomations.image.toolkit.fluxcd.io",
    canaries => "canaries.flagger.app",
    metrictemplates => "metrictemplates.flagger.app",
    alertproviders => "alertproviders.flagger.app",
}
