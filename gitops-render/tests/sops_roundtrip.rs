//! SOPS decryption against documents made by a test-only encryptor that follows SOPS'
//! algorithm (AES-256-GCM with 32-byte IVs, key path as additional data, SHA-512 MAC over
//! the clear values in tree order, data key age-encrypted to a generated identity).

use std::collections::BTreeMap;

use aes_gcm::aead::consts::U32;
use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aes::Aes256;
use aes_gcm::{AeadInPlace, AesGcm, KeyInit};
use age::secrecy::ExposeSecret;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gitops_core::Object;
use gitops_render::sops::{self, Format, Keys, SopsError};
use serde_json::{Value, json};
use sha2::{Digest, Sha256, Sha512};

const LAST_MODIFIED: &str = "2026-11-27T10:00:00Z";

/// The SOPS encryption rules a test document uses.
#[derive(Default)]
struct Rules {
    encrypted_regex: Option<&'static str>,
    unencrypted_suffix: Option<&'static str>,
    mac_only_encrypted: bool,
}

struct Encryptor {
    key: [u8; 32],
    counter: u64,
    hash: Sha512,
    rules: Rules,
}

impl Encryptor {
    fn new(rules: Rules) -> Self {
        let key: [u8; 32] = Sha256::digest(b"test data key").into();
        let mut hash = Sha512::new();
        if rules.mac_only_encrypted {
            hash.update([
                0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47,
                0xbe, 0x0b, 0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81,
                0x76, 0xf2, 0x7d, 0x69,
            ]);
        }
        Encryptor {
            key,
            counter: 0,
            hash,
            rules,
        }
    }

    fn seal(&mut self, plain: &[u8], kind: &str, additional_data: &str) -> String {
        self.counter += 1;
        let iv: [u8; 32] = Sha256::digest(self.counter.to_be_bytes()).into();
        let mut buf = plain.to_vec();
        let tag = AesGcm::<Aes256, U32>::new(GenericArray::from_slice(&self.key))
            .encrypt_in_place_detached(
                GenericArray::from_slice(&iv),
                additional_data.as_bytes(),
                &mut buf,
            )
            .expect("seal");
        format!(
            "ENC[AES256_GCM,data:{},iv:{},tag:{},type:{kind}]",
            STANDARD.encode(&buf),
            STANDARD.encode(iv),
            STANDARD.encode(tag)
        )
    }

    fn should_encrypt(&self, path: &[String]) -> bool {
        if let Some(re) = self.rules.encrypted_regex {
            let re = regex_lite::Regex::new(re).expect("regex");
            return path.iter().any(|p| re.is_match(p));
        }
        let suffix = self.rules.unencrypted_suffix.unwrap_or("_unencrypted");
        !path.iter().any(|p| p.ends_with(suffix))
    }

    fn walk(&mut self, value: &mut Value, path: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    path.push(k.clone());
                    self.walk(v, path);
                    path.pop();
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.walk(v, path)),
            Value::Null => {}
            leaf => {
                let (bytes, kind) = match &*leaf {
                    Value::String(s) => (s.clone(), "str"),
                    Value::Bool(b) => (if *b { "True" } else { "False" }.to_string(), "bool"),
                    Value::Number(n) if n.is_i64() => (n.to_string(), "int"),
                    Value::Number(n) => (format!("{}", n.as_f64().expect("float")), "float"),
                    _ => unreachable!(),
                };
                let encrypt = self.should_encrypt(path);
                if !self.rules.mac_only_encrypted || encrypt {
                    self.hash.update(bytes.as_bytes());
                }
                if encrypt && !bytes.is_empty() {
                    let ad = format!("{}:", path.join(":"));
                    *leaf = Value::String(self.seal(bytes.as_bytes(), kind, &ad));
                }
            }
        }
    }

    /// Encrypts `doc` in place and appends its `sops` metadata for `recipient`.
    fn encrypt(mut self, doc: &mut Value, identity: &age::x25519::Identity) {
        self.walk(doc, &mut Vec::new());
        let mac = hex::encode_upper(self.hash.clone().finalize());
        let mac = self.seal(mac.as_bytes(), "str", LAST_MODIFIED);
        let recipient = identity.to_public();
        let enc = age::encrypt_and_armor(&recipient, &self.key).expect("age encrypt");
        let mut sops = json!({
            "age": [{"recipient": recipient.to_string(), "enc": enc}],
            "lastmodified": LAST_MODIFIED,
            "mac": mac,
            "version": "3.9.0",
        });
        if let Some(re) = self.rules.encrypted_regex {
            sops["encrypted_regex"] = json!(re);
        }
        if let Some(suffix) = self.rules.unencrypted_suffix {
            sops["unencrypted_suffix"] = json!(suffix);
        }
        if self.rules.mac_only_encrypted {
            sops["mac_only_encrypted"] = json!(true);
        }
        doc["sops"] = sops;
    }
}

fn keys_for(identity: &age::x25519::Identity) -> Keys {
    let text = format!(
        "# test identity\n{}\n",
        identity.to_string().expose_secret()
    );
    Keys::from_secret_data(&BTreeMap::from([(
        "test.agekey".to_string(),
        text.into_bytes(),
    )]))
    .expect("keys")
}

fn secret() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "apps", "labels": {"app": "db"}},
        "type": "Opaque",
        "data": {"password": STANDARD.encode("s3cr3t")},
        "stringData": {"user": "admin", "port": 5432, "ratio": 0.25, "tls": true, "empty": ""},
    })
}

fn encrypted_secret(identity: &age::x25519::Identity, rules: Rules) -> Object {
    let mut doc = secret();
    Encryptor::new(rules).encrypt(&mut doc, identity);
    Object::from_value(doc).expect("object")
}

#[test]
fn secret_with_encrypted_regex_roundtrips_with_mac() {
    let identity = age::x25519::Identity::generate();
    let mut object = encrypted_secret(
        &identity,
        Rules {
            encrypted_regex: Some("^(data|stringData)$"),
            ..Rules::default()
        },
    );
    assert!(
        object.as_value()["stringData"]["user"]
            .as_str()
            .expect("str")
            .starts_with("ENC[AES256_GCM,")
    );
    assert_eq!(object.as_value()["metadata"]["name"], "db");
    let err = sops::check_decrypted(std::slice::from_ref(&object)).expect_err("still encrypted");
    assert_eq!(
        err.to_string(),
        "Secret/apps/db is SOPS encrypted, configuring decryption is required for this secret to be reconciled"
    );
    assert!(
        sops::decrypt_object(&mut object, &keys_for(&identity).with_mac_check(true))
            .expect("decrypt")
    );
    let expected = secret();
    assert_eq!(object.as_value(), &expected);
}

#[test]
fn default_rules_encrypt_everything_but_unencrypted_suffix() {
    let identity = age::x25519::Identity::generate();
    let plain = json!({
        "replicas": 3,
        "ratio": 1.5,
        "enabled": false,
        "list": ["a", {"x": 1, "y": [true, "b"]}],
        "nested": {"deep": {"value": "v"}},
        "note_unencrypted": {"kept": "clear", "n": 7},
    });
    let mut doc = plain.clone();
    Encryptor::new(Rules::default()).encrypt(&mut doc, &identity);
    assert_eq!(doc["note_unencrypted"]["kept"], "clear");
    // JSON is YAML, and keeps the key order the MAC was computed in (the go-yaml emitter
    // sorts keys, which changes the MAC exactly as it would for SOPS)
    let yaml = serde_json::to_string_pretty(&doc).expect("json");
    let keys = keys_for(&identity).with_mac_check(true);
    let out = sops::decrypt_document(yaml.as_bytes(), Format::Yaml, Format::Json, &keys)
        .expect("decrypt");
    let decrypted: Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(decrypted, plain);
    // the emitted JSON is SOPS' (tab-indented, trailing newline)
    assert!(String::from_utf8_lossy(&out).starts_with("{\n\t\""));
}

#[test]
fn custom_unencrypted_suffix_and_mac_only_encrypted() {
    let identity = age::x25519::Identity::generate();
    let plain = json!({"a_clear": "x", "b": "y", "n_clear": 2});
    let mut doc = plain.clone();
    Encryptor::new(Rules {
        unencrypted_suffix: Some("_clear"),
        mac_only_encrypted: true,
        ..Rules::default()
    })
    .encrypt(&mut doc, &identity);
    assert_eq!(doc["a_clear"], "x");
    // mac_only_encrypted: changing a clear value keeps the MAC valid
    doc["a_clear"] = json!("changed");
    let text = serde_json::to_vec(&doc).expect("json");
    let out = sops::decrypt_document(
        &text,
        Format::Json,
        Format::Json,
        &keys_for(&identity).with_mac_check(true),
    )
    .expect("decrypt");
    let decrypted: Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(
        decrypted,
        json!({"a_clear": "changed", "b": "y", "n_clear": 2})
    );
}

#[test]
fn tampering_fails_the_mac_or_gcm() {
    let identity = age::x25519::Identity::generate();
    let rules = || Rules {
        encrypted_regex: Some("^(data|stringData)$"),
        ..Rules::default()
    };
    let keys = keys_for(&identity);

    let mut object = encrypted_secret(&identity, rules());
    object.set_label("app", "evil");
    let err = sops::decrypt_object(&mut object.clone(), &keys.clone().with_mac_check(true))
        .expect_err("mac");
    assert!(
        err.to_string()
            .contains("Failed to verify data integrity. expected mac \""),
        "{err}"
    );
    assert!(
        matches!(&err, SopsError::Object { source, .. } if matches!(**source, SopsError::Mac { .. }))
    );
    // like kustomize-controller, the MAC is not checked by default
    assert!(sops::decrypt_object(&mut object, &keys).expect("no mac check"));

    // moving an encrypted value to another key breaks its additional data
    let mut object = encrypted_secret(&identity, rules());
    let user = object.as_value()["stringData"]["user"].clone();
    object.as_map_mut()["stringData"]["tls"] = user;
    let err = sops::decrypt_object(&mut object, &keys).expect_err("gcm");
    assert!(
        err.to_string().contains("Could not decrypt with AES_GCM"),
        "{err}"
    );
    assert!(err.to_string().contains("stringData:tls"), "{err}");
}

#[test]
fn decrypt_disabled_annotation_and_plain_objects() {
    let identity = age::x25519::Identity::generate();
    let mut object = encrypted_secret(
        &identity,
        Rules {
            encrypted_regex: Some("^data$"),
            ..Rules::default()
        },
    );
    object.set_annotation("kustomize.toolkit.fluxcd.io/decrypt", "Disabled");
    let before = object.clone();
    assert!(!sops::decrypt_object(&mut object, &keys_for(&identity)).expect("skip"));
    assert_eq!(object, before);
    sops::check_decrypted(&[object]).expect("opted out");

    let mut plain = Object::from_value(secret()).expect("object");
    assert!(!sops::decrypt_object(&mut plain, &keys_for(&identity)).expect("plain"));
}

#[test]
fn encrypted_files_inside_secret_data() {
    let identity = age::x25519::Identity::generate();
    // a dotenv file, with SOPS' flattened metadata
    let mut env = json!({"DB_USER": "admin", "DB_PASS": "p=ss\nword"});
    Encryptor::new(Rules::default()).encrypt(&mut env, &identity);
    let sops_meta = env
        .as_object_mut()
        .expect("map")
        .shift_remove("sops")
        .expect("sops");
    let mut lines: Vec<String> = env
        .as_object()
        .expect("map")
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().expect("str")))
        .collect();
    lines.push(format!(
        "sops_age__list_0__map_enc={}",
        sops_meta["age"][0]["enc"]
            .as_str()
            .expect("enc")
            .replace('\n', "\\n")
    ));
    lines.push(format!(
        "sops_age__list_0__map_recipient={}",
        sops_meta["age"][0]["recipient"].as_str().expect("r")
    ));
    lines.push(format!("sops_lastmodified={LAST_MODIFIED}"));
    lines.push(format!(
        "sops_mac={}",
        sops_meta["mac"].as_str().expect("mac")
    ));
    lines.push("sops_version=3.9.0".to_string());
    let env_file = lines.join("\n") + "\n";
    // a JSON file
    let mut json_doc = json!({"token": "a<b&c>", "n": 1});
    Encryptor::new(Rules::default()).encrypt(&mut json_doc, &identity);
    let json_file = serde_json::to_string_pretty(&json_doc).expect("json");

    let mut object = Object::from_value(json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "files"},
        "data": {
            "app.env": STANDARD.encode(&env_file),
            "config.json": STANDARD.encode(&json_file),
            "plain": STANDARD.encode("not encrypted"),
            "invalid": "%%%",
        },
    }))
    .expect("object");
    let keys = keys_for(&identity).with_mac_check(true);
    assert!(sops::decrypt_object(&mut object, &keys).expect("decrypt"));
    let data = |k: &str| {
        String::from_utf8(
            STANDARD
                .decode(object.as_value()["data"][k].as_str().expect("str"))
                .expect("b64"),
        )
        .expect("utf-8")
    };
    assert_eq!(data("app.env"), "DB_USER=admin\nDB_PASS=p=ss\\nword\n");
    // SOPS' JSON store output: tab indent, Go's HTML escaping, trailing newline
    assert_eq!(
        data("config.json"),
        "{\n\t\"token\": \"a\\u003cb\\u0026c\\u003e\",\n\t\"n\": 1\n}\n"
    );
    assert_eq!(data("plain"), "not encrypted");
    assert_eq!(object.as_value()["data"]["invalid"], "%%%");
}
