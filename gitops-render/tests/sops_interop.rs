//! Decrypting documents written by the real `sops` CLI (fixtures published by
//! fluxcd/kustomize-controller and getsops/sops with their test keys; see
//! `tests/fixtures/sops/README.md`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gitops_core::ResourceSet;
use gitops_render::sops::{self, Format, Keys, SopsError};
use serde_json::json;

fn fixture(path: &str) -> Vec<u8> {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sops")
        .join(path);
    std::fs::read(&file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()))
}

fn keys(entries: &[(&str, &str)]) -> Keys {
    let data: BTreeMap<String, Vec<u8>> = entries
        .iter()
        .map(|(name, path)| (name.to_string(), fixture(path)))
        .collect();
    Keys::from_secret_data(&data)
        .expect("import keys")
        .with_mac_check(true)
}

fn age_keys() -> Keys {
    keys(&[("identity.agekey", "kustomize-controller/age.agekey")])
}

fn object(path: &str) -> gitops_core::Object {
    let text = String::from_utf8(fixture(path)).expect("utf-8");
    let set = ResourceSet::from_yaml_str(&text, path).expect("parse");
    set.objects()[0].clone()
}

#[test]
fn kustomize_controller_age_secret_decrypts_with_mac() {
    let mut secret = object("kustomize-controller/age.yaml");
    assert!(sops::is_encrypted(&secret));
    assert!(sops::check_decrypted(std::slice::from_ref(&secret)).is_err());
    assert!(sops::decrypt_object(&mut secret, &age_keys()).expect("decrypt"));
    assert_eq!(secret.as_value()["stringData"], json!({"key": "value"}));
    assert!(secret.as_map().get("sops").is_none());
    assert_eq!(secret.name(), "age");
    sops::check_decrypted(&[secret]).expect("decrypted");
}

#[test]
fn kustomize_controller_pgp_secret_decrypts_with_mac() {
    let mut secret = object("kustomize-controller/pgp.yaml");
    let keys = keys(&[("sops.asc", "kustomize-controller/pgp.asc")]);
    assert!(sops::decrypt_object(&mut secret, &keys).expect("decrypt"));
    assert_eq!(secret.as_value()["stringData"]["key"], "value");
}

#[test]
fn kustomize_controller_dotenv_file() {
    let out = sops::decrypt_document(
        &fixture("kustomize-controller/env.env"),
        Format::Dotenv,
        Format::Dotenv,
        &age_keys(),
    )
    .expect("decrypt");
    assert_eq!(String::from_utf8(out).expect("utf-8"), "key=value\n");
}

#[test]
fn kustomize_controller_binary_file() {
    let data = fixture("kustomize-controller/file.txt");
    assert_eq!(Format::detect(&data), Some(Format::Json));
    let out = sops::decrypt_document(
        &data,
        Format::Binary,
        Format::for_path("file.txt"),
        &age_keys(),
    )
    .expect("decrypt");
    assert_eq!(out, b"value");
}

#[test]
fn kustomize_controller_encrypted_file_inside_secret_data() {
    let mut secret = object("kustomize-controller/inside-secret.yaml");
    assert!(!sops::is_encrypted(&secret));
    assert!(sops::decrypt_object(&mut secret, &age_keys()).expect("decrypt"));
    let value = secret.as_value()["data"]["key"].as_str().expect("string");
    assert_eq!(STANDARD.decode(value).expect("base64"), b"value");
}

#[test]
fn getsops_example_yaml_with_pgp() {
    let keys = keys(&[("functional.asc", "getsops/sops_functional_tests_key.asc")]);
    let out = sops::decrypt_document(
        &fixture("getsops/example.yaml"),
        Format::Yaml,
        Format::Json,
        &keys,
    )
    .expect("decrypt");
    let value: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(
        value["app2"]["db"]["user"], "eve",
        "the MAC verified, so this is the plaintext"
    );
    assert_eq!(
        value["somelist_unencrypted"][0],
        "all elements of this list"
    );
    assert!(value["number"].is_f64(), "{}", value["number"]);
    assert!(value["somebooleans"][0].is_boolean());
    assert!(value.get("sops").is_none());
}

#[test]
fn getsops_example_json_with_pgp() {
    let keys = keys(&[("functional.asc", "getsops/sops_functional_tests_key.asc")]);
    let out = sops::decrypt_document(
        &fixture("getsops/example.json"),
        Format::Json,
        Format::Json,
        &keys,
    )
    .expect("decrypt");
    let value: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(value["anEmptyValue"], "");
    assert!(value["firstName"].is_string());
    assert!(
        !value["firstName"]
            .as_str()
            .unwrap_or_default()
            .starts_with("ENC[")
    );
}

#[test]
fn getsops_functional_test_formats() {
    let keys = keys(&[("functional.asc", "getsops/sops_functional_tests_key.asc")]);
    let json = sops::decrypt_document(
        &fixture("getsops/format.enc.json"),
        Format::Json,
        Format::Json,
        &keys,
    )
    .expect("json");
    let json: serde_json::Value = serde_json::from_slice(&json).expect("json");
    assert!(json["foo"].is_string());
    let env = sops::decrypt_document(
        &fixture("getsops/format.enc.env"),
        Format::Dotenv,
        Format::Dotenv,
        &keys,
    )
    .expect("env");
    let env = String::from_utf8(env).expect("utf-8");
    assert!(env.starts_with("foo ="), "{env}");
    assert!(!env.contains("ENC["));
    let yaml = sops::decrypt_document(
        &fixture("getsops/format.enc.yaml"),
        Format::Yaml,
        Format::Yaml,
        &keys,
    )
    .expect("yaml");
    let yaml = String::from_utf8(yaml).expect("utf-8");
    assert!(
        yaml.starts_with("foo: ") && !yaml.contains("ENC[") && !yaml.contains("sops"),
        "{yaml}"
    );
}

#[test]
fn wrong_key_fails_naming_the_master_keys() {
    let pgp_only = keys(&[("sops.asc", "kustomize-controller/pgp.asc")]);
    let err = sops::decrypt_document(
        &fixture("kustomize-controller/env.env"),
        Format::Dotenv,
        Format::Dotenv,
        &pgp_only,
    )
    .expect_err("no age identity");
    assert!(matches!(err, SopsError::DataKey { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29"),
        "{err}"
    );

    let mut secret = object("kustomize-controller/age.yaml");
    let err = sops::decrypt_object(&mut secret, &Keys::new()).expect_err("no keys");
    assert!(
        err.to_string().starts_with(
            "failed to decrypt and format '/age' Secret data: cannot get sops data key"
        ),
        "{err}"
    );
}
