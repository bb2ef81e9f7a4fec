//! Contract between the exported YAML and `gitops_core::api`: every Flux object a golden
//! case prints reads into its typed API struct and serialises back to the same value.
//!
//! The CLI builds its objects from flux's Go code directly (so that free-form strings
//! flux accepts still print), which makes this an independent check of both sides.
//! Cases listed in `TYPED_API_REJECTS` print values flux accepts but the API schema
//! does not (the API server would refuse them too).

use std::fs;
use std::path::Path;

use gitops_core::api::{helm, image, kustomize, notification, parse, source};
use gitops_core::yaml::{LoadOptions, load_documents};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// flux prints them, the schema rejects them: a free-form `--event-severity`, and a
/// HelmRelease chart without `--source` (`sourceRef.kind` is required).
const TYPED_API_REJECTS: [&str; 2] = ["alert-free-form-severity", "hr-no-source"];

fn roundtrip<T: DeserializeOwned + Serialize>(value: &Value) -> Result<Value, String> {
    let typed: T = parse(value).map_err(|e| e.to_string())?;
    serde_json::to_value(typed).map_err(|e| e.to_string())
}

fn check(value: &Value) -> Option<Result<Value, String>> {
    let result = match value["kind"].as_str()? {
        "GitRepository" => roundtrip::<source::GitRepository>(value),
        "OCIRepository" => roundtrip::<source::OCIRepository>(value),
        "HelmRepository" => roundtrip::<source::HelmRepository>(value),
        "HelmChart" => roundtrip::<source::HelmChart>(value),
        "Bucket" => roundtrip::<source::Bucket>(value),
        "Kustomization" => roundtrip::<kustomize::Kustomization>(value),
        "HelmRelease" => roundtrip::<helm::HelmRelease>(value),
        "Alert" => roundtrip::<notification::Alert>(value),
        "Provider" => roundtrip::<notification::Provider>(value),
        "Receiver" => roundtrip::<notification::Receiver>(value),
        "ImageRepository" => roundtrip::<image::ImageRepository>(value),
        "ImagePolicy" => roundtrip::<image::ImagePolicy>(value),
        "ImageUpdateAutomation" => roundtrip::<image::ImageUpdateAutomation>(value),
        _ => return None,
    };
    Some(result)
}

#[test]
fn exported_objects_read_back_through_the_typed_api() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/create");
    let mut checked = 0;
    let mut problems = Vec::new();
    for entry in fs::read_dir(&root).expect("fixtures") {
        let dir = entry.expect("fixture entry").path();
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Ok(text) = fs::read_to_string(dir.join("expected.yaml")) else {
            continue;
        };
        // Skip pflag's deprecation notice that precedes one document.
        let text = &text[text.find("---\n").unwrap_or(0)..];
        let docs = load_documents(text, &LoadOptions::default()).expect("golden YAML parses");
        for doc in docs {
            let Some(result) = check(&doc.value) else {
                continue;
            };
            checked += 1;
            match (result, TYPED_API_REJECTS.contains(&name.as_str())) {
                (Ok(back), false) if back == doc.value => {}
                (Ok(back), false) => problems.push(format!(
                    "{name}: differs after a round trip\n  {}\n  {back}",
                    doc.value
                )),
                (Err(e), false) => problems.push(format!("{name}: {e}")),
                (Err(_), true) => {}
                (Ok(_), true) => problems.push(format!(
                    "{name}: now accepted, remove it from TYPED_API_REJECTS"
                )),
            }
        }
    }
    assert!(checked >= 40, "only {checked} Flux objects checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
