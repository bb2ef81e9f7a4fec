//! Flux revision strings: what `status.artifact.revision` and `lastAppliedRevision` hold.
//!
//! | source | example |
//! |---|---|
//! | Git branch or tag | `main@sha1:<hex>`, `v1.2.0@sha1:<hex>`, `pull/420/head@sha1:<hex>` |
//! | Git commit | `sha1:<hex>` |
//! | OCI tag | `<tag>@sha256:<hex>` |
//! | Bucket, HelmRepository, OCI digest | `sha256:<hex>` |
//! | HelmChart | a semver version, e.g. `1.2.3` or `1.2.3+abcdef012345` |
//!
//! ```
//! use gitops_core::revision::Revision;
//!
//! let rev: Revision = "main@sha1:e71bd4a3c5a1f93e25d5d7bce5c9e2a0aa4c5c7b".parse()?;
//! assert_eq!(rev.reference(), Some("main"));
//! assert_eq!(rev.digest().map(|d| d.algorithm.as_str()), Some("sha1"));
//! assert_eq!(rev.to_string(), "main@sha1:e71bd4a3c5a1f93e25d5d7bce5c9e2a0aa4c5c7b");
//! assert_eq!(rev.short(), "main@sha1:e71bd4a3");
//! # Ok::<(), gitops_core::revision::ParseError>(())
//! ```

use std::fmt;
use std::str::FromStr;

/// A content digest: `<algorithm>:<hex>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Digest {
    /// The algorithm, e.g. `sha1` or `sha256`.
    pub algorithm: String,
    /// The lower-case hex encoding of the digest.
    pub hex: String,
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex)
    }
}

impl FromStr for Digest {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<Self, ParseError> {
        let (algorithm, hex) = text
            .split_once(':')
            .ok_or_else(|| ParseError::new(text, "digest must be <algorithm>:<hex>"))?;
        let algorithm_ok = !algorithm.is_empty()
            && algorithm
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b));
        if !algorithm_ok {
            return Err(ParseError::new(text, "invalid digest algorithm"));
        }
        let expected = match algorithm {
            "sha1" => Some(40),
            "sha256" => Some(64),
            "sha384" => Some(96),
            "sha512" => Some(128),
            _ => None,
        };
        let hex_ok = !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex_ok || expected.is_some_and(|n| n != hex.len()) {
            return Err(ParseError::new(text, "invalid digest encoding"));
        }
        Ok(Digest {
            algorithm: algorithm.to_string(),
            hex: hex.to_ascii_lowercase(),
        })
    }
}

/// A parsed revision string.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Revision {
    /// A digest, optionally named by a reference: `main@sha1:<hex>`, `sha256:<hex>`.
    Digest {
        /// The branch, tag or ref name before `@`, if any.
        reference: Option<String>,
        /// The digest after `@`.
        digest: Digest,
    },
    /// A version string (HelmChart artifacts), e.g. `6.5.4` or `6.5.4+1`.
    Version(String),
}

/// Why a text is not a revision.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid revision '{text}': {reason}")]
pub struct ParseError {
    text: String,
    reason: &'static str,
}

impl ParseError {
    fn new(text: &str, reason: &'static str) -> Self {
        ParseError {
            text: text.to_string(),
            reason,
        }
    }
}

impl Revision {
    /// A Git revision for a commit reached through a ref (`refs/heads/main` → `main`).
    pub fn git(reference: Option<&str>, commit_hex: &str) -> Self {
        Revision::Digest {
            reference: reference.map(|r| short_ref(r).to_string()),
            digest: Digest {
                algorithm: "sha1".into(),
                hex: commit_hex.to_ascii_lowercase(),
            },
        }
    }

    /// An OCI revision `<tag>@sha256:<hex>` (or `sha256:<hex>` without a tag).
    pub fn oci(tag: Option<&str>, manifest_digest: Digest) -> Self {
        Revision::Digest {
            reference: tag.map(str::to_string),
            digest: manifest_digest,
        }
    }

    /// The reference (branch, tag, ref name) of the revision, if any.
    pub fn reference(&self) -> Option<&str> {
        match self {
            Revision::Digest { reference, .. } => reference.as_deref(),
            Revision::Version(_) => None,
        }
    }

    /// The digest of the revision, if it has one.
    pub fn digest(&self) -> Option<&Digest> {
        match self {
            Revision::Digest { digest, .. } => Some(digest),
            Revision::Version(_) => None,
        }
    }

    /// The revision with the digest cut to 8 hex characters, as `flux get` prints it.
    pub fn short(&self) -> String {
        match self {
            Revision::Digest { reference, digest } => {
                let hex: String = digest.hex.chars().take(8).collect();
                match reference {
                    Some(r) => format!("{r}@{}:{hex}", digest.algorithm),
                    None => format!("{}:{hex}", digest.algorithm),
                }
            }
            Revision::Version(v) => v.clone(),
        }
    }
}

/// Strips the `refs/heads/`, `refs/tags/` or `refs/` prefix of a Git ref, as Flux does.
pub fn short_ref(reference: &str) -> &str {
    ["refs/heads/", "refs/tags/", "refs/"]
        .iter()
        .find_map(|p| reference.strip_prefix(p))
        .unwrap_or(reference)
}

impl FromStr for Revision {
    type Err = ParseError;

    /// Parses `<ref>@<algo>:<hex>`, `<algo>:<hex>`, Flux's legacy `<ref>/<hex>` Git form
    /// (turned into `<ref>@sha1:<hex>`), or a version.
    fn from_str(text: &str) -> Result<Self, ParseError> {
        if text.is_empty() {
            return Err(ParseError::new(text, "empty"));
        }
        if let Some((reference, digest)) = text.rsplit_once('@') {
            if reference.is_empty() {
                return Err(ParseError::new(text, "empty reference before '@'"));
            }
            return Ok(Revision::Digest {
                reference: Some(reference.to_string()),
                digest: digest.parse()?,
            });
        }
        if text.contains(':') {
            return Ok(Revision::Digest {
                reference: None,
                digest: text.parse()?,
            });
        }
        if let Some((reference, hex)) = text.rsplit_once('/') {
            if hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Ok(Revision::git(Some(reference), hex));
            }
        }
        if text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(Revision::git(None, text));
        }
        if text.chars().any(char::is_whitespace) {
            return Err(ParseError::new(text, "contains white space"));
        }
        Ok(Revision::Version(text.to_string()))
    }
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Revision::Digest {
                reference: Some(r),
                digest,
            } => write!(f, "{r}@{digest}"),
            Revision::Digest {
                reference: None,
                digest,
            } => write!(f, "{digest}"),
            Revision::Version(v) => f.write_str(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA1: &str = "e71bd4a3c5a1f93e25d5d7bce5c9e2a0aa4c5c7b";
    const SHA256: &str = "2f2a6a2b1c7e2d3f4a5b6c7d8e9f00112233445566778899aabbccddeeff0011";

    #[test]
    fn round_trips_every_form() {
        for text in [
            format!("main@sha1:{SHA1}"),
            format!("v1.2.0@sha1:{SHA1}"),
            format!("pull/420/head@sha1:{SHA1}"),
            format!("sha1:{SHA1}"),
            format!("latest@sha256:{SHA256}"),
            format!("sha256:{SHA256}"),
            "6.5.4".to_string(),
            "6.5.4+abcdef012345".to_string(),
        ] {
            let rev: Revision = text.parse().expect(&text);
            assert_eq!(rev.to_string(), text);
        }
    }

    #[test]
    fn git_refs_are_shortened() {
        assert_eq!(
            Revision::git(Some("refs/heads/main"), SHA1).to_string(),
            format!("main@sha1:{SHA1}")
        );
        assert_eq!(
            Revision::git(Some("refs/tags/v1"), SHA1).to_string(),
            format!("v1@sha1:{SHA1}")
        );
        assert_eq!(
            Revision::git(Some("refs/pull/1/head"), SHA1).to_string(),
            format!("pull/1/head@sha1:{SHA1}")
        );
        assert_eq!(
            Revision::git(None, SHA1).to_string(),
            format!("sha1:{SHA1}")
        );
    }

    #[test]
    fn legacy_forms_are_transformed() {
        let rev: Revision = format!("main/{SHA1}").parse().expect("legacy");
        assert_eq!(rev.to_string(), format!("main@sha1:{SHA1}"));
        let rev: Revision = SHA1.parse().expect("bare sha");
        assert_eq!(rev.to_string(), format!("sha1:{SHA1}"));
    }

    #[test]
    fn bad_digests_are_rejected() {
        assert!("main@sha1:xyz".parse::<Revision>().is_err());
        assert!("sha256:abc".parse::<Revision>().is_err());
        assert!("@sha1:abc".parse::<Revision>().is_err());
        assert!("".parse::<Revision>().is_err());
    }
}
