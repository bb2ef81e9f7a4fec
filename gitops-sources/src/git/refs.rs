//! Which remote reference and commit a checkout selects (pure logic over an `ls-remote`
//! listing), with Flux's precedence and revision strings.

use gitops_core::api::source::git::GitCheckout;
use gitops_core::revision::Revision;

/// One reference advertised by a remote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteRef {
    /// Full name, e.g. `refs/heads/main`.
    pub name: String,
    /// The object the ref points to (a tag object for annotated tags), in hex.
    pub target: String,
    /// The commit an annotated tag peels to, in hex.
    pub peeled: Option<String>,
}

impl RemoteRef {
    /// The commit (or other non-tag object) the ref finally points to.
    pub fn commit(&self) -> &str {
        self.peeled.as_deref().unwrap_or(&self.target)
    }
}

/// What to fetch and check out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    /// The full ref to fetch (`None`: fetch all branches and find `commit`).
    pub fetch_ref: Option<String>,
    /// The ref named in the revision string (`None`: bare `sha1:<hex>`).
    pub revision_ref: Option<String>,
    /// The commit the ref is expected to resolve to (known before fetching, except for
    /// a pinned commit which is verified after fetching).
    pub commit: String,
    /// Whether the fetch may be shallow (depth 1).
    pub shallow: bool,
}

impl Selection {
    /// The Flux revision string of the selection.
    pub fn revision(&self) -> Revision {
        Revision::git(self.revision_ref.as_deref(), &self.commit)
    }
}

/// Why no reference could be selected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    /// The named branch, tag or ref is not on the remote.
    #[error("reference '{0}' not found")]
    NotFound(String),
    /// No tag satisfies the semver range.
    #[error("no tag matches semver range '{0}'")]
    NoSemverMatch(String),
    /// The semver range does not parse.
    #[error("invalid semver range '{range}': {message}")]
    InvalidSemver {
        /// The range.
        range: String,
        /// Why it is invalid.
        message: String,
    },
    /// The ref name is not a valid full reference.
    #[error("invalid reference name '{0}': must start with 'refs/' and not end with '/'")]
    InvalidName(String),
    /// The commit is not a full or abbreviated SHA-1.
    #[error("invalid commit '{0}': expected a hex SHA-1")]
    InvalidCommit(String),
}

fn find<'a>(refs: &'a [RemoteRef], name: &str) -> Result<&'a RemoteRef, SelectError> {
    refs.iter()
        .find(|r| r.name == name)
        .ok_or_else(|| SelectError::NotFound(name.to_string()))
}

/// The refspec patterns whose refs must be listed to select `checkout`.
pub fn listing_prefixes(checkout: &GitCheckout<'_>) -> Vec<String> {
    match checkout {
        GitCheckout::Branch(b) => vec![format!("refs/heads/{b}")],
        GitCheckout::Tag(t) => vec![format!("refs/tags/{t}")],
        GitCheckout::SemVer(_) => vec!["refs/tags/*".into()],
        GitCheckout::Name(n) => vec![n.trim_end_matches("^{}").to_string()],
        GitCheckout::Commit {
            branch: Some(b), ..
        } => vec![format!("refs/heads/{b}")],
        GitCheckout::Commit { branch: None, .. } => {
            vec!["refs/heads/*".into(), "refs/tags/*".into()]
        }
    }
}

/// Selects the ref and commit for `checkout` from the remote's `refs`.
pub fn select(checkout: &GitCheckout<'_>, refs: &[RemoteRef]) -> Result<Selection, SelectError> {
    let by_ref = |name: String, shallow: bool| -> Result<Selection, SelectError> {
        let found = find(refs, &name)?;
        Ok(Selection {
            commit: found.commit().to_string(),
            fetch_ref: Some(name.clone()),
            revision_ref: Some(name),
            shallow,
        })
    };
    match checkout {
        GitCheckout::Branch(b) => by_ref(format!("refs/heads/{b}"), true),
        GitCheckout::Tag(t) => by_ref(format!("refs/tags/{t}"), true),
        GitCheckout::Name(n) => {
            let name = n.trim_end_matches("^{}");
            if !name.starts_with("refs/") || name.ends_with('/') || name.contains("..") {
                return Err(SelectError::InvalidName(n.to_string()));
            }
            by_ref(name.to_string(), true)
        }
        GitCheckout::SemVer(range) => {
            let tag = latest_semver_tag(range, refs)?;
            by_ref(format!("refs/tags/{tag}"), true)
        }
        GitCheckout::Commit { commit, branch } => {
            let valid =
                (4..=40).contains(&commit.len()) && commit.bytes().all(|b| b.is_ascii_hexdigit());
            if !valid {
                return Err(SelectError::InvalidCommit(commit.to_string()));
            }
            let branch_ref = branch.map(|b| format!("refs/heads/{b}"));
            if let Some(name) = &branch_ref {
                find(refs, name)?;
            }
            Ok(Selection {
                fetch_ref: branch_ref.clone(),
                revision_ref: branch_ref,
                commit: commit.to_ascii_lowercase(),
                shallow: false,
            })
        }
    }
}

/// The tag (short name) with the highest version in `range`, as Flux's semver checkout
/// picks it.
pub fn latest_semver_tag(range: &str, refs: &[RemoteRef]) -> Result<String, SelectError> {
    let tags = refs
        .iter()
        .filter_map(|r| r.name.strip_prefix("refs/tags/"))
        .filter(|t| !t.ends_with("^{}"));
    match super::semver_tags::latest(range, tags) {
        Ok(Some(tag)) => Ok(tag),
        Ok(None) => Err(SelectError::NoSemverMatch(range.to_string())),
        Err(message) => Err(SelectError::InvalidSemver {
            range: range.to_string(),
            message,
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn r(name: &str, target: char, peeled: Option<char>) -> RemoteRef {
        RemoteRef {
            name: name.into(),
            target: target.to_string().repeat(40),
            peeled: peeled.map(|c| c.to_string().repeat(40)),
        }
    }

    fn refs() -> Vec<RemoteRef> {
        vec![
            r("refs/heads/main", 'a', None),
            r("refs/heads/master", 'b', None),
            r("refs/tags/v1.0.0", 'c', None),
            r("refs/tags/v1.2.0", 'd', Some('e')),
            r("refs/tags/v2.0.0-rc.1", 'f', None),
            r("refs/pull/1/head", '1', None),
        ]
    }

    #[test]
    fn branch_tag_name_and_commit_revisions() {
        let a = "a".repeat(40);
        let sel = select(&GitCheckout::Branch("main"), &refs()).unwrap();
        assert_eq!(sel.revision().to_string(), format!("main@sha1:{a}"));
        assert!(sel.shallow);
        let sel = select(&GitCheckout::Tag("v1.2.0"), &refs()).unwrap();
        assert_eq!(
            sel.revision().to_string(),
            format!("v1.2.0@sha1:{}", "e".repeat(40))
        );
        let sel = select(&GitCheckout::Name("refs/pull/1/head"), &refs()).unwrap();
        assert_eq!(
            sel.revision().to_string(),
            format!("pull/1/head@sha1:{}", "1".repeat(40))
        );
        let sel = select(
            &GitCheckout::Commit {
                commit: &a,
                branch: None,
            },
            &refs(),
        )
        .unwrap();
        assert_eq!(sel.revision().to_string(), format!("sha1:{a}"));
        assert_eq!(sel.fetch_ref, None);
        let sel = select(
            &GitCheckout::Commit {
                commit: &a,
                branch: Some("main"),
            },
            &refs(),
        )
        .unwrap();
        assert_eq!(sel.revision().to_string(), format!("main@sha1:{a}"));
    }

    #[test]
    fn missing_and_invalid_refs_are_named() {
        let err = select(&GitCheckout::Branch("nope"), &refs()).unwrap_err();
        assert_eq!(err.to_string(), "reference 'refs/heads/nope' not found");
        let err = select(&GitCheckout::Name("pull/1/head"), &refs()).unwrap_err();
        assert!(err.to_string().contains("pull/1/head"));
        let err = select(
            &GitCheckout::Commit {
                commit: "xyz",
                branch: None,
            },
            &refs(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("xyz"));
    }

    #[test]
    fn semver_picks_highest_matching_tag() {
        let sel = select(&GitCheckout::SemVer(">=1.0.0 <2.0.0"), &refs()).unwrap();
        assert_eq!(
            sel.revision().to_string(),
            format!("v1.2.0@sha1:{}", "e".repeat(40))
        );
        let sel = select(&GitCheckout::SemVer("*"), &refs()).unwrap();
        assert_eq!(sel.fetch_ref.as_deref(), Some("refs/tags/v1.2.0"));
        let sel = select(&GitCheckout::SemVer(">=2.0.0-0"), &refs()).unwrap();
        assert_eq!(sel.fetch_ref.as_deref(), Some("refs/tags/v2.0.0-rc.1"));
        let err = select(&GitCheckout::SemVer(">=3"), &refs()).unwrap_err();
        assert_eq!(err.to_string(), "no tag matches semver range '>=3'");
        let err = select(&GitCheckout::SemVer("not a range"), &refs()).unwrap_err();
        assert!(err.to_string().contains("not a range"), "{err}");
    }
}
