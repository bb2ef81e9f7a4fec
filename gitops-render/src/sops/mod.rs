//! SOPS decryption as kustomize-controller performs it.
//!
//! - [`decrypt_object`]: an object carrying `sops:` metadata with a `mac` is decrypted as
//!   a whole (through SOPS' JSON store); otherwise the `data` entries of a Secret that are
//!   whole SOPS files (dotenv, JSON, YAML, binary — detected by their markers) are
//!   decrypted and re-printed in the format their key's extension names (`*.env`,
//!   `*.json`, `*.yaml`, anything else binary). `kustomize.toolkit.fluxcd.io/decrypt:
//!   disabled` opts an object out.
//! - [`decrypt_document`]: one encrypted file, like `sops --decrypt`.
//! - [`check_decrypted`]: the apply-time guard against Secrets still encrypted (run it
//!   on every build, with or without `spec.decryption`).
//!
//! Known gaps: YAML files inside Secret data are re-printed by the go-yaml v2 emitter
//! (sorted keys, 2-space indent) where SOPS prints go-yaml v3 with its key order; INI
//! files are not supported; old PGP messages written by Go's `x/crypto/openpgp` (partial
//! body lengths under 512 bytes) need the `pgp` crate's `malformed-artifact-compat`.
//!
//! Data keys are recovered from age (`sops.age[].enc`) and OpenPGP (`sops.pgp[].enc`)
//! master keys with the identities in [`Keys`]; cloud KMS, Vault and Shamir-split files
//! are reported as unsupported. Values are `ENC[AES256_GCM,…]` with the key path
//! (`a:b:c:`) as additional data; the MAC is SOPS' SHA-512 over the clear values in tree
//! order, checked when [`Keys::with_mac_check`] asks for it. Comments in YAML and dotenv
//! files are not kept (they are not part of the MAC).

mod cipher;
mod formats;
mod keys;
mod tree;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gitops_core::{Object, ObjectId};
use serde_json::Value;

pub use formats::Format;
pub use keys::{AGE_EXT, Keys, PGP_EXT};
pub use tree::{DEFAULT_UNENCRYPTED_SUFFIX, MasterKey, Metadata};

/// The annotation that opts an object out of decryption (value `disabled`, any case).
pub const DECRYPT_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/decrypt";

/// Why decryption failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SopsError {
    /// The document could not be read or printed in its format, or its metadata is invalid.
    #[error("{message}")]
    Format {
        /// What was wrong.
        message: String,
    },
    /// The document has no `sops` metadata.
    #[error("sops metadata not found")]
    MetadataNotFound,
    /// No imported key could decrypt the data key.
    #[error("cannot get sops data key: {message}")]
    DataKey {
        /// Why each master key failed.
        message: String,
    },
    /// A value could not be decrypted.
    #[error("error decrypting sops tree: Error walking tree: {message} (at '{path}')")]
    Value {
        /// The key path of the value, `:`-joined.
        path: String,
        /// SOPS' message.
        message: String,
    },
    /// The MAC does not match the decrypted values (SOPS' message).
    #[error("{message}")]
    Mac {
        /// SOPS' message, with the expected and computed MACs.
        message: String,
    },
    /// A key of the decryption Secret could not be imported.
    #[error("failed to import '{name}' data from decryption Secret: {message}")]
    KeyImport {
        /// The Secret data key (or the kind of key).
        name: String,
        /// Why.
        message: String,
    },
    /// Decrypting an object failed.
    #[error("failed to decrypt and format '{}/{}' {} {what}: {source}", .object.namespace, .object.name, .object.kind)]
    Object {
        /// The object.
        object: Box<ObjectId>,
        /// `data`, or `field '<key>'` for a Secret data entry.
        what: String,
        /// The underlying error.
        source: Box<SopsError>,
    },
    /// An object is still encrypted at apply time (Flux's exact message).
    #[error(
        "{object} is SOPS encrypted, configuring decryption is required for this secret to be reconciled"
    )]
    NotDecrypted {
        /// The object.
        object: Box<ObjectId>,
    },
}

impl SopsError {
    fn format(message: impl Into<String>) -> Self {
        SopsError::Format {
            message: message.into(),
        }
    }
}

/// Whether the object opted out with `kustomize.toolkit.fluxcd.io/decrypt: disabled`.
pub fn is_decryption_disabled(object: &Object) -> bool {
    object
        .annotation(DECRYPT_ANNOTATION)
        .is_some_and(|v| v.eq_ignore_ascii_case("disabled"))
}

/// Whether the object is a SOPS document: a non-empty `sops` field with a non-empty `mac`.
pub fn is_encrypted(object: &Object) -> bool {
    match object.as_map().get("sops") {
        Some(Value::Object(sops)) => {
            !sops.is_empty() && sops.get("mac").is_some_and(|m| !is_empty(m))
        }
        _ => false,
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// kustomize-controller's `IsEncryptedSecret`: a `v1` Secret with a `sops` field.
pub fn is_encrypted_secret(object: &Object) -> bool {
    object.kind() == "Secret"
        && object.api_version() == "v1"
        && object.as_map().contains_key("sops")
}

/// The apply-time guard: fails on the first `v1` Secret that still has a `sops` field and
/// does not opt out of decryption.
pub fn check_decrypted(objects: &[Object]) -> Result<(), SopsError> {
    match objects
        .iter()
        .find(|o| is_encrypted_secret(o) && !is_decryption_disabled(o))
    {
        Some(object) => Err(SopsError::NotDecrypted {
            object: Box::new(object.id()),
        }),
        None => Ok(()),
    }
}

/// Decrypts one object in place (see the module docs); returns whether it changed.
pub fn decrypt_object(object: &mut Object, keys: &Keys) -> Result<bool, SopsError> {
    if is_decryption_disabled(object) {
        return Ok(false);
    }
    let wrap = |object: &Object, what: String, e: SopsError| SopsError::Object {
        object: Box::new(object.id()),
        what,
        source: Box::new(e),
    };
    if is_encrypted(object) {
        let decrypted = decrypt_value(object.as_value().clone(), keys)
            .map_err(|e| wrap(object, "data".to_string(), e))?;
        let decrypted = Object::from_value(decrypted)
            .map_err(|e| wrap(object, "data".to_string(), SopsError::format(e.to_string())))?;
        *object = decrypted;
        return Ok(true);
    }
    if object.kind() != "Secret" {
        return Ok(false);
    }
    let Some(Value::Object(data)) = object.as_map().get("data") else {
        return Ok(false);
    };
    let mut replaced = Vec::new();
    for (key, value) in data {
        let Some(encoded) = value.as_str() else {
            continue;
        };
        // Go's base64 decoder skips newlines (kustomize wraps long generated values)
        let compact: String = encoded
            .chars()
            .filter(|c| *c != '\n' && *c != '\r')
            .collect();
        let Ok(bytes) = STANDARD.decode(compact) else {
            continue;
        };
        let Some(input) = Format::detect(&bytes) else {
            continue;
        };
        let output = Format::for_path(key);
        let out = decrypt_document(&bytes, input, output, keys)
            .map_err(|e| wrap(object, format!("field '{key}'"), e))?;
        replaced.push((key.clone(), STANDARD.encode(out)));
    }
    if replaced.is_empty() {
        return Ok(false);
    }
    if let Some(Value::Object(data)) = object.as_map_mut().get_mut("data") {
        for (key, value) in replaced {
            data.insert(key, Value::String(value));
        }
    }
    Ok(true)
}

/// Decrypts every object of a build (call it when the Kustomization has
/// `spec.decryption`); returns how many changed. Stops at the first error.
pub fn decrypt_objects(objects: &mut [Object], keys: &Keys) -> Result<usize, SopsError> {
    let mut changed = 0;
    for object in objects.iter_mut() {
        if decrypt_object(object, keys)? {
            changed += 1;
        }
    }
    Ok(changed)
}

/// Decrypts a JSON tree carrying its `sops` key (an object's whole content).
fn decrypt_value(mut value: Value, keys: &Keys) -> Result<Value, SopsError> {
    let Value::Object(map) = &mut value else {
        return Err(SopsError::format("not a JSON object"));
    };
    let meta = map
        .shift_remove("sops")
        .ok_or(SopsError::MetadataNotFound)?;
    let mut branches = vec![value];
    decrypt_branches(&mut branches, &meta, keys)?;
    Ok(branches.remove(0))
}

fn decrypt_branches(branches: &mut [Value], meta: &Value, keys: &Keys) -> Result<(), SopsError> {
    let meta = Metadata::from_value(meta)?;
    let data_key = keys.data_key(&meta)?;
    // SOPS hashes all branches (YAML documents) into one MAC, each walked from the root.
    let mut wrapper = Value::Array(branches.iter_mut().map(std::mem::take).collect());
    let mac = tree::decrypt_tree(&mut wrapper, &meta, &data_key)?;
    if let Value::Array(items) = wrapper {
        for (slot, item) in branches.iter_mut().zip(items) {
            *slot = item;
        }
    }
    if keys.checks_mac() {
        tree::verify_mac(&meta, &data_key, &mac)?;
    }
    Ok(())
}

/// kustomize-controller's `sopsDecryptFile` for the sources of a build (files referenced
/// by `secretGenerator` `files`/`envs` and by `patches`), decrypted in place before the
/// kustomize build: the format comes from the path (`envs` entries default to dotenv),
/// and a file without the format's SOPS marker is left alone (`Ok(None)`).
pub fn decrypt_source_file(
    path: &str,
    data: &[u8],
    env_source: bool,
    keys: &Keys,
) -> Result<Option<Vec<u8>>, SopsError> {
    let mut format = Format::for_path(path);
    if env_source && format == Format::Binary {
        format = Format::Dotenv;
    }
    let marker: &[u8] = match format {
        Format::Binary | Format::Json => b"\"mac\": \"ENC[",
        Format::Dotenv => b"sops_mac=ENC[",
        Format::Ini => b"[sops]",
        Format::Yaml => b"mac: ENC[",
    };
    if !data.windows(marker.len()).any(|w| w == marker) {
        return Ok(None);
    }
    decrypt_document(data, format, format, keys).map(Some)
}

/// Decrypts an encrypted file (`sops --decrypt --input-type … --output-type …`).
pub fn decrypt_document(
    data: &[u8],
    input: Format,
    output: Format,
    keys: &Keys,
) -> Result<Vec<u8>, SopsError> {
    let mut loaded = formats::load(data, input)?;
    decrypt_branches(&mut loaded.branches, &loaded.metadata, keys)?;
    formats::emit(&loaded.branches, output)
}
