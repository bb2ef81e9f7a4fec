//! Decryption keys (age X25519 identities, OpenPGP secret keys) and the recovery of a
//! file's data key from its `sops.age[].enc` / `sops.pgp[].enc` entries.

use std::collections::BTreeMap;
use std::io::Read;
use std::str::FromStr;

use pgp::composed::{Deserializable, Message, SignedSecretKey};
use pgp::types::Password;

use super::SopsError;
use super::tree::{MasterKey, Metadata};

/// The data-key suffix kustomize-controller imports as age identities.
pub const AGE_EXT: &str = ".agekey";
/// The data-key suffix kustomize-controller imports as armored PGP private keys.
pub const PGP_EXT: &str = ".asc";

/// The keys a Kustomization's decryption Secret provides.
///
/// MAC checking is off by default, like kustomize-controller (whose `checkSopsMac` is
/// never set: the JSON round trip of kustomize reorders keys, which changes the MAC);
/// tampering with encrypted values is still detected by AES-GCM. Turn it on with
/// [`Keys::with_mac_check`] to get the `sops` CLI's integrity check.
#[derive(Clone, Default)]
pub struct Keys {
    age: Vec<age::x25519::Identity>,
    pgp: Vec<SignedSecretKey>,
    check_mac: bool,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("age", &self.age.len())
            .field("pgp", &self.pgp.len())
            .field("check_mac", &self.check_mac)
            .finish()
    }
}

/// Go's `filepath.Ext`.
fn extension(name: &str) -> &str {
    match name.rfind(['.', '/']) {
        Some(i) if name.as_bytes()[i] == b'.' => &name[i..],
        _ => "",
    }
}

impl Keys {
    /// No keys.
    pub fn new() -> Self {
        Keys::default()
    }

    /// Imports the entries of a decryption Secret's `data` as kustomize-controller does:
    /// `*.agekey` entries as age identities, `*.asc` entries as armored PGP private keys;
    /// other entries (cloud KMS credentials, Vault tokens) are ignored.
    pub fn from_secret_data(data: &BTreeMap<String, Vec<u8>>) -> Result<Self, SopsError> {
        let mut keys = Keys::new();
        for (name, value) in data {
            let result = match extension(name) {
                AGE_EXT => keys.add_age_identities(&String::from_utf8_lossy(value)),
                PGP_EXT => keys.add_pgp_keys(value),
                _ => Ok(()),
            };
            result.map_err(|e| SopsError::KeyImport {
                name: name.clone(),
                message: e.to_string(),
            })?;
        }
        Ok(keys)
    }

    /// Adds the `AGE-SECRET-KEY-1…` lines of an identity file (`#` comments and blank
    /// lines are skipped).
    pub fn add_age_identities(&mut self, text: &str) -> Result<(), SopsError> {
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let identity =
                age::x25519::Identity::from_str(line).map_err(|e| SopsError::KeyImport {
                    name: "age identity".to_string(),
                    message: e.to_string(),
                })?;
            self.age.push(identity);
        }
        Ok(())
    }

    /// Adds the secret keys of an armored (or binary) OpenPGP key block.
    pub fn add_pgp_keys(&mut self, data: &[u8]) -> Result<(), SopsError> {
        let import = |e: pgp::errors::Error| SopsError::KeyImport {
            name: "PGP key".to_string(),
            message: e.to_string(),
        };
        let keys: Vec<SignedSecretKey> = if data.starts_with(b"-----") {
            let (iter, _) = SignedSecretKey::from_armor_many(data).map_err(import)?;
            iter.collect::<Result<_, _>>().map_err(import)?
        } else {
            SignedSecretKey::from_bytes_many(data)
                .map_err(import)?
                .collect::<Result<_, _>>()
                .map_err(import)?
        };
        self.pgp.extend(keys);
        Ok(())
    }

    /// Turns the MAC check on or off.
    pub fn with_mac_check(mut self, check: bool) -> Self {
        self.check_mac = check;
        self
    }

    /// Whether the MAC is checked.
    pub fn checks_mac(&self) -> bool {
        self.check_mac
    }

    /// Whether no key was imported.
    pub fn is_empty(&self) -> bool {
        self.age.is_empty() && self.pgp.is_empty()
    }

    /// Recovers the data key: one key group, its keys tried age first, then PGP
    /// (SOPS' default decryption order). Shamir-split files are not supported.
    pub(crate) fn data_key(&self, meta: &Metadata) -> Result<Vec<u8>, SopsError> {
        if meta.key_groups.len() > 1 {
            return Err(SopsError::DataKey {
                message: format!(
                    "the file is split over {} key groups (Shamir threshold {}), which is not supported",
                    meta.key_groups.len(),
                    meta.shamir_threshold
                ),
            });
        }
        let group = meta
            .key_groups
            .first()
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut errors = Vec::new();
        let ordered = group
            .iter()
            .filter(|k| matches!(k, MasterKey::Age { .. }))
            .chain(group.iter().filter(|k| !matches!(k, MasterKey::Age { .. })));
        for key in ordered {
            match self.decrypt_master_key(key) {
                Ok(data_key) => return Ok(data_key),
                Err(e) => errors.push(e),
            }
        }
        let detail = if errors.is_empty() {
            "no master keys in the file".to_string()
        } else {
            errors.join("; ")
        };
        Err(SopsError::DataKey {
            message: format!(
                "Error getting data key: 0 successful groups required, got 0: {detail}"
            ),
        })
    }

    fn decrypt_master_key(&self, key: &MasterKey) -> Result<Vec<u8>, String> {
        match key {
            MasterKey::Age { recipient, enc } => self
                .decrypt_age(enc)
                .map_err(|e| format!("age key {recipient}: {e}")),
            MasterKey::Pgp { fingerprint, enc } => self
                .decrypt_pgp(enc)
                .map_err(|e| format!("PGP key {fingerprint}: {e}")),
            MasterKey::Other { kind } => Err(format!("{kind} keys are not supported")),
        }
    }

    fn decrypt_age(&self, enc: &str) -> Result<Vec<u8>, String> {
        if self.age.is_empty() {
            return Err("no age identities were imported".to_string());
        }
        let reader = age::armor::ArmoredReader::new(enc.as_bytes());
        let decryptor = age::Decryptor::new(reader).map_err(|e| e.to_string())?;
        let mut out = decryptor
            .decrypt(self.age.iter().map(|i| i as &dyn age::Identity))
            .map_err(|e| format!("failed to decrypt sops data key with age identities: {e}"))?;
        let mut data_key = Vec::new();
        out.read_to_end(&mut data_key).map_err(|e| e.to_string())?;
        Ok(data_key)
    }

    fn decrypt_pgp(&self, enc: &str) -> Result<Vec<u8>, String> {
        if self.pgp.is_empty() {
            return Err("no PGP keys were imported".to_string());
        }
        let mut last = String::new();
        for key in &self.pgp {
            let (message, _) = Message::from_string(enc).map_err(|e| e.to_string())?;
            match message.decrypt(&Password::empty(), key) {
                Ok(mut plain) => {
                    if plain.is_compressed() {
                        plain = plain.decompress().map_err(|e| e.to_string())?;
                    }
                    return plain.as_data_vec().map_err(|e| e.to_string());
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(format!(
            "failed to decrypt sops data key with PGP keys: {last}"
        ))
    }
}
