//! SOPS metadata (the `sops:` mapping) and the tree walk that decrypts values and
//! computes the MAC, in SOPS' order and with its rules.

use serde_json::{Map, Number, Value};
use sha2::{Digest, Sha512};

use super::SopsError;
use super::cipher::{self, Plain};

/// SOPS' `DefaultUnencryptedSuffix`.
pub const DEFAULT_UNENCRYPTED_SUFFIX: &str = "_unencrypted";

/// What `mac_only_encrypted` files start their MAC with (SOPS'
/// `MACOnlyEncryptedInitialization`).
const MAC_ONLY_ENCRYPTED_INIT: [u8; 32] = [
    0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b,
    0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
];

/// One master key of a key group that we can use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MasterKey {
    /// An age recipient and the armored age file holding the data key.
    Age {
        /// `recipient`.
        recipient: String,
        /// `enc`.
        enc: String,
    },
    /// A PGP key and the armored PGP message holding the data key.
    Pgp {
        /// `fp`.
        fingerprint: String,
        /// `enc`.
        enc: String,
    },
    /// A cloud KMS or Vault key (`kms`, `gcp_kms`, `azure_kv`, `hc_vault`, `hckms`).
    Other {
        /// The metadata field it was listed in.
        kind: String,
    },
}

/// The parsed `sops:` metadata.
#[derive(Clone, Debug)]
pub struct Metadata {
    /// `lastmodified`, re-formatted the way Go's `time.Format(time.RFC3339)` prints it
    /// (the additional data of the MAC).
    pub last_modified: String,
    /// `mac`: the encrypted MAC.
    pub mac: String,
    /// `mac_only_encrypted`.
    pub mac_only_encrypted: bool,
    /// Key groups (the top-level key lists form one group).
    pub key_groups: Vec<Vec<MasterKey>>,
    /// `shamir_threshold`.
    pub shamir_threshold: usize,
    unencrypted_suffix: String,
    encrypted_suffix: String,
    unencrypted_regex: Option<regex_lite::Regex>,
    encrypted_regex: Option<regex_lite::Regex>,
}

const KEY_KINDS: [&str; 7] = [
    "age", "pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "hckms",
];

impl Metadata {
    /// Reads the `sops:` mapping (values may be strings, as in dotenv files).
    pub fn from_value(value: &Value) -> Result<Self, SopsError> {
        let map = value
            .as_object()
            .ok_or_else(|| SopsError::format("Found sops entry that is not a mapping"))?;
        let text = |key: &str| match map.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            _ => String::new(),
        };
        let mut key_groups = Vec::new();
        let top = group_from(map);
        if let Some(Value::Array(groups)) = map
            .get("key_groups")
            .filter(|g| g.as_array().is_some_and(|a| !a.is_empty()))
        {
            for group in groups {
                key_groups.push(group.as_object().map(group_from).unwrap_or_default());
            }
        } else {
            key_groups.push(top);
        }
        let rules = [
            "unencrypted_suffix",
            "encrypted_suffix",
            "unencrypted_regex",
            "encrypted_regex",
            "unencrypted_comment_regex",
            "encrypted_comment_regex",
        ];
        let count = rules.iter().filter(|r| !text(r).is_empty()).count();
        if count > 1 {
            return Err(SopsError::format(
                "Cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, or unencrypted_comment_regex in the same file",
            ));
        }
        let mut unencrypted_suffix = text("unencrypted_suffix");
        if count == 0 {
            unencrypted_suffix = DEFAULT_UNENCRYPTED_SUFFIX.to_string();
        }
        let regex = |key: &str| {
            let pattern = text(key);
            if pattern.is_empty() {
                None
            } else {
                regex_lite::Regex::new(&pattern)
                    .ok()
                    .or_else(never_matching)
            }
        };
        let last_modified = go_rfc3339(&text("lastmodified")).ok_or_else(|| {
            SopsError::format(format!(
                "parsing time {:?}: not RFC 3339",
                text("lastmodified")
            ))
        })?;
        Ok(Metadata {
            last_modified,
            mac: text("mac"),
            mac_only_encrypted: matches!(
                text("mac_only_encrypted").as_str(),
                "true" | "1" | "True" | "TRUE" | "t" | "T"
            ),
            key_groups,
            shamir_threshold: text("shamir_threshold").parse().unwrap_or(0),
            unencrypted_suffix,
            encrypted_suffix: text("encrypted_suffix"),
            unencrypted_regex: regex("unencrypted_regex"),
            encrypted_regex: regex("encrypted_regex"),
        })
    }

    /// SOPS' `shouldBeEncrypted` for a value at `path` (comment rules do not apply:
    /// comments are not kept).
    fn should_be_encrypted(&self, path: &[String]) -> bool {
        let mut encrypted = true;
        if !self.unencrypted_suffix.is_empty()
            && path.iter().any(|p| p.ends_with(&self.unencrypted_suffix))
        {
            encrypted = false;
        }
        if !self.encrypted_suffix.is_empty() {
            encrypted = path.iter().any(|p| p.ends_with(&self.encrypted_suffix));
        }
        if let Some(re) = &self.unencrypted_regex
            && path.iter().any(|p| re.is_match(p))
        {
            encrypted = false;
        }
        if let Some(re) = &self.encrypted_regex {
            encrypted = path.iter().any(|p| re.is_match(p));
        }
        encrypted
    }
}

/// A regex that matches nothing: Go ignores the compile error and never matches.
fn never_matching() -> Option<regex_lite::Regex> {
    regex_lite::Regex::new(r"[^\s\S]").ok()
}

fn group_from(map: &Map<String, Value>) -> Vec<MasterKey> {
    let mut keys = Vec::new();
    for kind in KEY_KINDS {
        let Some(Value::Array(entries)) = map.get(kind) else {
            continue;
        };
        for entry in entries {
            let field = |k: &str| {
                entry
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            keys.push(match kind {
                "age" => MasterKey::Age {
                    recipient: field("recipient"),
                    enc: field("enc"),
                },
                "pgp" => MasterKey::Pgp {
                    fingerprint: field("fp"),
                    enc: field("enc"),
                },
                other => MasterKey::Other {
                    kind: other.to_string(),
                },
            });
        }
    }
    keys
}

/// Go's `time.Parse(time.RFC3339, s).Format(time.RFC3339)`: drops fractional seconds and
/// prints a zero offset as `Z`.
fn go_rfc3339(s: &str) -> Option<String> {
    if s.len() < 20 || !s.is_char_boundary(19) {
        return None;
    }
    let (datetime, rest) = s.split_at(19);
    let b = datetime.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':')
        || !(digits(14..16) && b[16] == b':' && digits(17..19) && digits(8..10))
    {
        return None;
    }
    let zone = match rest.strip_prefix('.') {
        Some(frac) => frac.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => rest,
    };
    let zone = match zone {
        "Z" | "+00:00" | "-00:00" => "Z",
        z if z.len() == 6
            && (z.starts_with('+') || z.starts_with('-'))
            && z.as_bytes()[3] == b':' =>
        {
            z
        }
        _ => return None,
    };
    Some(format!("{datetime}{zone}"))
}

/// Decrypts every encrypted value of `tree` in place and returns the MAC SOPS computes
/// over it (uppercase hex SHA-512).
pub fn decrypt_tree(tree: &mut Value, meta: &Metadata, key: &[u8]) -> Result<String, SopsError> {
    let mut hash = Sha512::new();
    if meta.mac_only_encrypted {
        hash.update(MAC_ONLY_ENCRYPTED_INIT);
    }
    let mut path = Vec::new();
    walk(tree, &mut path, meta, key, &mut hash)?;
    Ok(hex::encode_upper(hash.finalize()))
}

fn walk(
    value: &mut Value,
    path: &mut Vec<String>,
    meta: &Metadata,
    key: &[u8],
    hash: &mut Sha512,
) -> Result<(), SopsError> {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                path.push(k.clone());
                let result = walk(v, path, meta, key, hash);
                path.pop();
                result?;
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(item, path, meta, key, hash)?;
            }
        }
        Value::Null => {}
        leaf => {
            let encrypted = meta.should_be_encrypted(path);
            let plain = if encrypted {
                let Value::String(text) = &*leaf else {
                    return Err(SopsError::Value {
                        path: path.join(":"),
                        message: format!(
                            "Expected encrypted value as string, but got {}",
                            go_type(leaf)
                        ),
                    });
                };
                let additional_data = format!("{}:", path.join(":"));
                let plain =
                    cipher::decrypt(text, key, &additional_data).map_err(|e| SopsError::Value {
                        path: path.join(":"),
                        message: format!("Could not decrypt value: {e}"),
                    })?;
                *leaf = plain_to_value(&plain);
                plain
            } else {
                value_to_plain(leaf)
            };
            if !meta.mac_only_encrypted || encrypted {
                hash.update(plain.mac_bytes());
            }
        }
    }
    Ok(())
}

fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int",
        _ => "string",
    }
}

/// The typed form of a clear leaf, as SOPS' stores read it (JSON numbers that fit an
/// int64 are ints, the others floats).
fn value_to_plain(v: &Value) -> Plain {
    match v {
        Value::String(s) => Plain::Str(s.clone()),
        Value::Bool(b) => Plain::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Plain::Int(i),
            None => Plain::Float(n.as_f64().unwrap_or(0.0)),
        },
        _ => Plain::Str(String::new()),
    }
}

fn plain_to_value(p: &Plain) -> Value {
    match p {
        Plain::Str(s) | Plain::Time(s) | Plain::Comment(s) => Value::String(s.clone()),
        Plain::Int(i) => Value::Number((*i).into()),
        Plain::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Plain::Bool(b) => Value::Bool(*b),
        Plain::Bytes(b) => Value::String(String::from_utf8_lossy(b).into_owned()),
    }
}

/// Checks the MAC computed by [`decrypt_tree`] against the one stored in the metadata.
pub fn verify_mac(meta: &Metadata, key: &[u8], computed: &str) -> Result<(), SopsError> {
    let original = match cipher::decrypt(&meta.mac, key, &meta.last_modified) {
        Ok(Plain::Str(s)) => s,
        Ok(_) => String::new(),
        Err(e) => {
            return Err(SopsError::Mac {
                message: format!("Failed to decrypt original mac: {e}"),
            });
        }
    };
    if original != computed {
        return Err(SopsError::Mac {
            message: format!(
                "Failed to verify data integrity. expected mac {original:?}, got {computed:?}"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_like_go() {
        assert_eq!(
            go_rfc3339("2024-11-12T13:33:42Z").as_deref(),
            Some("2024-11-12T13:33:42Z")
        );
        assert_eq!(
            go_rfc3339("2024-11-12T13:33:42.123456Z").as_deref(),
            Some("2024-11-12T13:33:42Z")
        );
        assert_eq!(
            go_rfc3339("2024-11-12T13:33:42+02:00").as_deref(),
            Some("2024-11-12T13:33:42+02:00")
        );
        assert_eq!(
            go_rfc3339("2024-11-12T13:33:42+00:00").as_deref(),
            Some("2024-11-12T13:33:42Z")
        );
        assert_eq!(go_rfc3339("yesterday"), None);
    }
}
