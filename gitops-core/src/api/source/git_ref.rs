//! The Git reference and signature verification settings of a GitRepository, and which
//! reference wins when several are set.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::non_empty;
use crate::api::meta::LocalObjectReference;

/// Branch checked out when no reference is given.
pub const DEFAULT_BRANCH: &str = "master";

/// The Git reference to check out. Several fields may be set; see
/// [`GitRepositoryRef::checkout`] for which one wins.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GitRepositoryRef {
    /// Branch to check out (`master` when nothing else is set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Tag to check out; wins over `branch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Semver range selecting the highest matching tag; wins over `tag`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semver: Option<String>,
    /// Full reference name (e.g. `refs/pull/420/head`); wins over `semver`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Commit SHA; wins over everything, combined with `branch` for a shallow clone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// What a checkout resolves, by Flux's precedence
/// (commit > name > semver > tag > branch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GitCheckout<'a> {
    /// A commit; when `branch` is set, that branch is cloned and must contain it.
    Commit {
        /// The commit SHA.
        commit: &'a str,
        /// The branch to clone, if any.
        branch: Option<&'a str>,
    },
    /// A full reference name.
    Name(&'a str),
    /// The highest tag in a semver range.
    SemVer(&'a str),
    /// A tag.
    Tag(&'a str),
    /// A branch.
    Branch(&'a str),
}

impl GitRepositoryRef {
    /// The reference that wins: commit, then name, then semver, then tag, then branch
    /// (`master` when nothing is set). Empty strings count as unset, as in Flux.
    pub fn checkout(&self) -> GitCheckout<'_> {
        if let Some(commit) = non_empty(&self.commit) {
            GitCheckout::Commit {
                commit,
                branch: non_empty(&self.branch),
            }
        } else if let Some(name) = non_empty(&self.name) {
            GitCheckout::Name(name)
        } else if let Some(range) = non_empty(&self.semver) {
            GitCheckout::SemVer(range)
        } else if let Some(tag) = non_empty(&self.tag) {
            GitCheckout::Tag(tag)
        } else {
            GitCheckout::Branch(non_empty(&self.branch).unwrap_or(DEFAULT_BRANCH))
        }
    }
}

/// Which Git objects must carry a trusted signature.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum GitVerificationMode {
    /// Legacy spelling of `HEAD`.
    #[serde(rename = "head")]
    LegacyHead,
    /// The commit HEAD points to after checkout.
    #[default]
    #[serde(rename = "HEAD")]
    Head,
    /// The checked-out tag object.
    #[serde(rename = "Tag")]
    Tag,
    /// Both the tag object and the commit it points to.
    #[serde(rename = "TagAndHEAD")]
    TagAndHead,
}

impl GitVerificationMode {
    /// The value as written in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            GitVerificationMode::LegacyHead => "head",
            GitVerificationMode::Head => "HEAD",
            GitVerificationMode::Tag => "Tag",
            GitVerificationMode::TagAndHead => "TagAndHEAD",
        }
    }
}

/// Signature verification settings of a GitRepository.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GitRepositoryVerification {
    /// What to verify; `HEAD` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "HEAD"))]
    pub mode: Option<GitVerificationMode>,
    /// Secret with the trusted keys (PGP under `*.asc`, SSH under `*.sshpub`).
    pub secret_ref: LocalObjectReference,
}

impl GitRepositoryVerification {
    /// The effective mode (`head` and unset both mean `HEAD`).
    pub fn mode(&self) -> GitVerificationMode {
        match self.mode {
            None | Some(GitVerificationMode::LegacyHead) => GitVerificationMode::Head,
            Some(mode) => mode,
        }
    }

    /// Whether the HEAD commit is verified.
    pub fn verify_head(&self) -> bool {
        matches!(
            self.mode(),
            GitVerificationMode::Head | GitVerificationMode::TagAndHead
        )
    }

    /// Whether the tag object is verified.
    pub fn verify_tag(&self) -> bool {
        matches!(
            self.mode(),
            GitVerificationMode::Tag | GitVerificationMode::TagAndHead
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkout_precedence() {
        let mut r = GitRepositoryRef {
            branch: Some("main".into()),
            tag: Some("v1".into()),
            semver: Some("1.x".into()),
            name: Some("refs/heads/dev".into()),
            commit: None,
        };
        assert_eq!(r.checkout(), GitCheckout::Name("refs/heads/dev"));
        r.name = Some(String::new());
        assert_eq!(r.checkout(), GitCheckout::SemVer("1.x"));
        r.semver = None;
        assert_eq!(r.checkout(), GitCheckout::Tag("v1"));
        r.tag = None;
        assert_eq!(r.checkout(), GitCheckout::Branch("main"));
        r.branch = None;
        assert_eq!(r.checkout(), GitCheckout::Branch("master"));
        r.commit = Some("abc".into());
        assert_eq!(
            r.checkout(),
            GitCheckout::Commit {
                commit: "abc",
                branch: None
            }
        );
        assert_eq!(
            GitRepositoryVerification {
                mode: Some(GitVerificationMode::LegacyHead),
                ..Default::default()
            }
            .mode(),
            GitVerificationMode::Head
        );
    }
}
