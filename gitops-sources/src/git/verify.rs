//! Signature verification of Git commits and tags (Flux `spec.verify`), as pure functions
//! over raw objects and trusted keys: OpenPGP signatures against armored public keys and
//! SSH signatures (namespace `git`) against authorized public keys.

use std::collections::BTreeMap;

use gitops_core::api::source::git::GitVerificationMode;
use pgp::composed::{Deserializable, DetachedSignature, SignedPublicKey};
use pgp::types::KeyDetails;

use super::Commit;

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A key in the verification secret does not parse.
    #[error("verification secret key '{key}': {reason}")]
    InvalidKey {
        /// The secret data key.
        key: String,
        /// Why.
        reason: String,
    },
    /// The secret holds no keys at all.
    #[error("verification secret holds no PGP or SSH public keys")]
    NoKeys,
    /// The object carries no signature.
    #[error("{object} is not signed")]
    Unsigned {
        /// `commit <sha>` or `tag <name>`.
        object: String,
    },
    /// The signature does not parse.
    #[error("{object}: invalid signature: {reason}")]
    InvalidSignature {
        /// `commit <sha>` or `tag <name>`.
        object: String,
        /// Why.
        reason: String,
    },
    /// No trusted key made the signature.
    #[error("{object}: signature not made by any trusted key")]
    Untrusted {
        /// `commit <sha>` or `tag <name>`.
        object: String,
    },
    /// Tag verification was asked for but no annotated tag was checked out.
    #[error("mode '{mode}' needs an annotated tag reference, but '{reference}' is none")]
    NoTag {
        /// The verification mode.
        mode: String,
        /// The checked-out reference.
        reference: String,
    },
}

/// Trusted keys from a Flux verification secret: `*.sshpub` entries hold SSH
/// `authorized_keys` lines, every other entry (`*.asc` or unsuffixed) armored PGP keys.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    /// PGP public keys.
    pub pgp: Vec<SignedPublicKey>,
    /// SSH public keys.
    pub ssh: Vec<ssh_key::PublicKey>,
}

fn parse_ssh_line(line: &str) -> Option<ssh_key::PublicKey> {
    if let Ok(key) = ssh_key::PublicKey::from_openssh(line) {
        return Some(key);
    }
    // `allowed_signers`/`authorized_keys` lines may start with principals or options.
    let (_, rest) = line.split_once(char::is_whitespace)?;
    ssh_key::PublicKey::from_openssh(rest.trim_start()).ok()
}

impl TrustedKeys {
    /// Reads the keys of a verification secret's data.
    pub fn from_secret(data: &BTreeMap<String, Vec<u8>>) -> Result<Self, VerifyError> {
        let mut keys = TrustedKeys::default();
        for (name, value) in data {
            let invalid = |reason: String| VerifyError::InvalidKey {
                key: name.clone(),
                reason,
            };
            let text =
                std::str::from_utf8(value).map_err(|_| invalid("is not UTF-8 text".into()))?;
            if name.ends_with(".sshpub") {
                for line in text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                {
                    let key = parse_ssh_line(line)
                        .ok_or_else(|| invalid("invalid SSH public key line".into()))?;
                    keys.ssh.push(key);
                }
            } else {
                let (parsed, _) =
                    SignedPublicKey::from_string_many(text).map_err(|e| invalid(e.to_string()))?;
                for key in parsed {
                    keys.pgp.push(key.map_err(|e| invalid(e.to_string()))?);
                }
            }
        }
        if keys.pgp.is_empty() && keys.ssh.is_empty() {
            return Err(VerifyError::NoKeys);
        }
        Ok(keys)
    }
}

/// The payload a signature covers and the armored signature, split out of a raw commit
/// (its `gpgsig` header) or tag (the trailing signature block). `None` if unsigned.
pub fn split_signature(raw: &[u8], is_tag: bool) -> Option<(Vec<u8>, String)> {
    if is_tag {
        let text = std::str::from_utf8(raw).ok()?;
        let start = [
            "-----BEGIN PGP SIGNATURE-----",
            "-----BEGIN SSH SIGNATURE-----",
        ]
        .iter()
        .filter_map(|marker| {
            text.match_indices(marker)
                .map(|(i, _)| i)
                .filter(|&i| i == 0 || text.as_bytes()[i - 1] == b'\n')
                .last()
        })
        .max()?;
        return Some((raw[..start].to_vec(), text[start..].to_string()));
    }
    let mut payload = Vec::with_capacity(raw.len());
    let mut signature: Option<String> = None;
    let mut in_sig = false;
    let mut in_headers = true;
    for line in raw.split_inclusive(|&b| b == b'\n') {
        if in_headers {
            if in_sig && line.first() == Some(&b' ') {
                let sig = signature.get_or_insert_with(String::new);
                sig.push_str(&String::from_utf8_lossy(&line[1..]));
                continue;
            }
            in_sig = false;
            if let Some(rest) = line.strip_prefix(b"gpgsig ") {
                signature = Some(String::from_utf8_lossy(rest).into_owned());
                in_sig = true;
                continue;
            }
            if line == b"\n" {
                in_headers = false;
            }
        }
        payload.extend_from_slice(line);
    }
    signature.map(|s| (payload, s))
}

/// Verifies one raw object's signature; returns the signing key's fingerprint.
pub fn verify_object(
    raw: &[u8],
    is_tag: bool,
    object: &str,
    keys: &TrustedKeys,
) -> Result<String, VerifyError> {
    let (payload, signature) =
        split_signature(raw, is_tag).ok_or_else(|| VerifyError::Unsigned {
            object: object.to_string(),
        })?;
    let invalid = |reason: String| VerifyError::InvalidSignature {
        object: object.to_string(),
        reason,
    };
    if signature.contains("-----BEGIN SSH SIGNATURE-----") {
        let sig =
            ssh_key::SshSig::from_pem(signature.trim()).map_err(|e| invalid(e.to_string()))?;
        for key in &keys.ssh {
            if key.verify("git", &payload, &sig).is_ok() {
                return Ok(key.fingerprint(ssh_key::HashAlg::Sha256).to_string());
            }
        }
        return Err(VerifyError::Untrusted {
            object: object.to_string(),
        });
    }
    let (sig, _) =
        DetachedSignature::from_string(&signature).map_err(|e| invalid(e.to_string()))?;
    for key in &keys.pgp {
        if sig.verify(&key.primary_key, &payload).is_ok() {
            return Ok(hex::encode(key.primary_key.fingerprint().as_bytes()));
        }
        for sub in &key.public_subkeys {
            if sig.verify(&sub.key, &payload).is_ok() {
                return Ok(hex::encode(key.primary_key.fingerprint().as_bytes()));
            }
        }
    }
    Err(VerifyError::Untrusted {
        object: object.to_string(),
    })
}

/// What verification accepted: the fingerprints of the keys that signed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verified {
    /// The key that signed the commit, when the commit was verified.
    pub commit_signer: Option<String>,
    /// The key that signed the tag, when the tag was verified.
    pub tag_signer: Option<String>,
}

/// Verifies a fetched commit (and its tag) as `mode` asks.
pub fn verify_commit(
    commit: &Commit,
    mode: GitVerificationMode,
    keys: &TrustedKeys,
) -> Result<Verified, VerifyError> {
    let mut out = Verified::default();
    let (head, tag) = match mode {
        GitVerificationMode::Head | GitVerificationMode::LegacyHead => (true, false),
        GitVerificationMode::Tag => (false, true),
        GitVerificationMode::TagAndHead => (true, true),
    };
    if tag {
        let Some(tag_obj) = &commit.tag else {
            return Err(VerifyError::NoTag {
                mode: mode.as_str().to_string(),
                reference: commit.revision.to_string(),
            });
        };
        out.tag_signer = Some(verify_object(
            &tag_obj.raw,
            true,
            &format!("tag {}", tag_obj.name),
            keys,
        )?);
    }
    if head {
        out.commit_signer = Some(verify_object(
            &commit.raw,
            false,
            &format!("commit {}", commit.id),
            keys,
        )?);
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn commit_signature_header_is_split_out() {
        let raw = b"tree abc\nparent def\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\ngpgsig -----BEGIN SSH SIGNATURE-----\n line1\n -----END SSH SIGNATURE-----\n\nmessage\n gpgsig not a header\n";
        let (payload, sig) = split_signature(raw, false).expect("signed");
        assert_eq!(
            payload,
            b"tree abc\nparent def\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nmessage\n gpgsig not a header\n"
        );
        assert_eq!(
            sig,
            "-----BEGIN SSH SIGNATURE-----\nline1\n-----END SSH SIGNATURE-----\n"
        );
        assert!(split_signature(b"tree abc\n\nmsg\n", false).is_none());
    }

    #[test]
    fn tag_signature_block_is_split_out() {
        let raw = b"object abc\ntype commit\ntag v1\ntagger A <a@b> 1 +0000\n\nmsg\n-----BEGIN PGP SIGNATURE-----\nxyz\n-----END PGP SIGNATURE-----\n";
        let (payload, sig) = split_signature(raw, true).expect("signed");
        assert!(payload.ends_with(b"\n\nmsg\n"));
        assert!(sig.starts_with("-----BEGIN PGP SIGNATURE-----"));
        assert!(split_signature(b"object abc\n\nmsg\n", true).is_none());
    }

    #[test]
    fn bad_secrets_name_the_key() {
        let data: BTreeMap<String, Vec<u8>> =
            [("a.sshpub".to_string(), b"not a key".to_vec())].into();
        let err = TrustedKeys::from_secret(&data).unwrap_err();
        assert!(err.to_string().contains("a.sshpub"), "{err}");
        assert_eq!(
            TrustedKeys::from_secret(&BTreeMap::new()).unwrap_err(),
            VerifyError::NoKeys
        );
    }
}

#[cfg(test)]
mod proptests {
    use super::split_signature;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// A signature header inserted after the headers is split out again exactly,
        /// whatever the message says.
        #[test]
        fn commit_signature_round_trips(
            message in "[ -~\n]{0,80}",
            sig_lines in proptest::collection::vec("[A-Za-z0-9+/=]{1,40}", 1..5),
        ) {
            let headers = "tree 1111111111111111111111111111111111111111\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n";
            let payload = format!("{headers}\n{message}");
            let sig = format!("-----BEGIN PGP SIGNATURE-----\n{}\n-----END PGP SIGNATURE-----\n", sig_lines.join("\n"));
            let header = format!("gpgsig {}", sig.trim_end().replace('\n', "\n "));
            let raw = format!("{headers}{header}\n\n{message}");
            let (got_payload, got_sig) = split_signature(raw.as_bytes(), false).expect("signed");
            prop_assert_eq!(String::from_utf8(got_payload).unwrap_or_default(), payload);
            prop_assert_eq!(got_sig, sig);
        }
    }
}
