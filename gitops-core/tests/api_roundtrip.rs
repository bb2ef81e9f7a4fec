//! Every Flux and Flagger custom resource in the reference corpus (`../shared/corpus`,
//! read when present) parses into our API types and serialises back without losing or
//! adding a field.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gitops_core::api::{self, flagger, helm, image, kustomize, notification, source};
use gitops_core::yaml::{LoadOptions, load_documents};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    dir.is_dir().then_some(dir)
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

fn roundtrip<T: DeserializeOwned + Serialize>(value: &Value) -> Result<(), String> {
    let typed: T = api::parse(value).map_err(|e| e.to_string())?;
    let back = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    if &back == value {
        Ok(())
    } else {
        Err(format!(
            "round trip changed the object:\n  in:  {value}\n  out: {back}"
        ))
    }
}

/// Dispatches on apiVersion and kind; `None` for objects outside the contract.
fn check(value: &Value) -> Option<Result<(), String>> {
    let api_version = value.get("apiVersion")?.as_str()?;
    let kind = value.get("kind")?.as_str()?;
    Some(match (api_version, kind) {
        ("source.toolkit.fluxcd.io/v1", "GitRepository") => {
            roundtrip::<source::GitRepository>(value)
        }
        ("source.toolkit.fluxcd.io/v1", "OCIRepository") => {
            roundtrip::<source::OCIRepository>(value)
        }
        ("source.toolkit.fluxcd.io/v1", "Bucket") => roundtrip::<source::Bucket>(value),
        ("source.toolkit.fluxcd.io/v1", "HelmRepository") => {
            roundtrip::<source::HelmRepository>(value)
        }
        ("source.toolkit.fluxcd.io/v1", "HelmChart") => roundtrip::<source::HelmChart>(value),
        ("kustomize.toolkit.fluxcd.io/v1", "Kustomization") => {
            roundtrip::<kustomize::Kustomization>(value)
        }
        ("helm.toolkit.fluxcd.io/v2", "HelmRelease") => roundtrip::<helm::HelmRelease>(value),
        ("notification.toolkit.fluxcd.io/v1beta3", "Alert") => {
            roundtrip::<notification::Alert>(value)
        }
        ("notification.toolkit.fluxcd.io/v1beta3", "Provider") => {
            roundtrip::<notification::Provider>(value)
        }
        ("notification.toolkit.fluxcd.io/v1", "Receiver") => {
            roundtrip::<notification::Receiver>(value)
        }
        ("image.toolkit.fluxcd.io/v1", "ImageRepository") => {
            roundtrip::<image::ImageRepository>(value)
        }
        ("image.toolkit.fluxcd.io/v1", "ImagePolicy") => roundtrip::<image::ImagePolicy>(value),
        ("image.toolkit.fluxcd.io/v1", "ImageUpdateAutomation") => {
            roundtrip::<image::ImageUpdateAutomation>(value)
        }
        ("flagger.app/v1beta1", "Canary") => roundtrip::<flagger::Canary>(value),
        ("flagger.app/v1beta1", "MetricTemplate") => roundtrip::<flagger::MetricTemplate>(value),
        ("flagger.app/v1beta1", "AlertProvider") => roundtrip::<flagger::AlertProvider>(value),
        _ => return None,
    })
}

/// Files that a sibling kustomization uses as patches: fragments, not whole objects.
fn is_patch_file(file: &Path) -> bool {
    let (Some(dir), Some(name)) = (file.parent(), file.file_name().and_then(|n| n.to_str())) else {
        return false;
    };
    let Some(text) = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .find_map(|k| std::fs::read_to_string(dir.join(k)).ok())
    else {
        return false;
    };
    let Ok(docs) = load_documents(&text, &LoadOptions::default()) else {
        return false;
    };
    let Some(k) = docs.into_iter().next().map(|d| d.value) else {
        return false;
    };
    let strip = |p: &str| p.trim_start_matches("./").to_string();
    let mut patches: Vec<String> = Vec::new();
    if let Some(list) = k.get("patches").and_then(Value::as_array) {
        patches.extend(
            list.iter()
                .filter_map(|p| p.get("path")?.as_str())
                .map(strip),
        );
    }
    if let Some(list) = k.get("patchesStrategicMerge").and_then(Value::as_array) {
        patches.extend(list.iter().filter_map(Value::as_str).map(strip));
    }
    patches.iter().any(|p| p == name)
}

#[test]
fn corpus_custom_resources_round_trip() {
    let Some(dir) = corpus() else {
        eprintln!("note: ../shared/corpus is absent; nothing to round-trip");
        return;
    };
    let mut files = Vec::new();
    yaml_files(&dir, &mut files);
    files.sort();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for file in files {
        if is_patch_file(&file) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        // Chart templates and other non-YAML files are not objects.
        let Ok(docs) = load_documents(&text, &LoadOptions::default()) else {
            continue;
        };
        for doc in docs {
            // Flux's own test data has a spec-less Receiver (it checks status defaulting);
            // a kube-derive type always has a spec, so such objects are out of scope.
            if doc.value.is_object() && doc.value.get("spec").is_none() {
                continue;
            }
            if let Some(result) = check(&doc.value) {
                let kind = doc.value["kind"].as_str().unwrap_or_default().to_string();
                *counts.entry(kind).or_default() += 1;
                if let Err(e) = result {
                    failures.push(format!("{} document {}: {e}", file.display(), doc.index));
                }
            }
        }
    }
    eprintln!("round-tripped: {counts:?}");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let total: usize = counts.values().sum();
    assert!(
        total >= 100,
        "expected the corpus to hold at least 100 Flux/Flagger objects, found {total}"
    );
    for kind in [
        "GitRepository",
        "Kustomization",
        "HelmRelease",
        "HelmRepository",
        "OCIRepository",
        "Canary",
    ] {
        assert!(counts.contains_key(kind), "no {kind} found in the corpus");
    }
}
