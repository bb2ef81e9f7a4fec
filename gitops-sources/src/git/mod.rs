//! Git repositories to commits and checkouts, as Flux's source-controller fetches a
//! `GitRepository`.
//!
//! [`fetch`] lists the remote's refs, selects one by Flux's precedence (commit > name >
//! semver > tag > branch, default branch `master`), returns [`Outcome::Unchanged`] when the
//! remote still points at the last observed revision with the same inputs, and otherwise
//! fetches (depth 1 for branches, tags, names and semver) and writes the tree into a
//! directory. Transports: `https://`, `http://`, `ssh://` (the `ssh` binary), `git://` and
//! `file://` (`git upload-pack`), all through gix; `.gitmodules` is read with the `git`
//! binary. [`fetch`] blocks: call it from `spawn_blocking` in async code.
//!
//! - [`auth`]: the secret's credentials ([`Auth`]) and `proxySecretRef` ([`Proxy`]).
//! - [`refs`]: ref selection and revision strings (pure).
//! - [`checkout`]: tree → directory, sparse checkout.
//! - [`include`]: copying included artifacts into a checkout (pure filesystem).
//! - [`verify`]: PGP and SSH signatures of commits and tags (pure).
//! - [`serve`]: a read-only smart-HTTP server for one local repository (`gitops up DIR`).

pub mod auth;
pub mod checkout;
mod fetch;
pub mod include;
pub mod refs;
mod semver_tags;
pub mod serve;
mod submodules;
mod transport;
pub mod verify;

use std::path::PathBuf;

pub use auth::{Auth, Proxy};
pub use fetch::{Commit, LastObserved, Outcome, TagObject, fetch};

/// Everything that can go wrong fetching a Git repository. Messages name the URL (without
/// credentials), ref or path concerned and never contain secret values.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The URL is not one this library fetches.
    #[error("unsupported Git URL '{url}': {reason}")]
    Url {
        /// The URL, credentials removed.
        url: String,
        /// Why.
        reason: String,
    },
    /// A key of the auth secret is missing or invalid.
    #[error("secret key '{key}' {reason}")]
    Secret {
        /// The secret data key.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `spec.provider` names a cloud identity this library cannot obtain.
    #[error("provider '{0}' is not supported: only 'generic' (credentials from secretRef)")]
    UnsupportedProvider(String),
    /// `spec.timeout` is not a duration.
    #[error("invalid timeout '{0}'")]
    Timeout(String),
    /// Connecting, authenticating, listing or fetching failed.
    #[error("'{url}': {message}")]
    Remote {
        /// The URL, credentials removed.
        url: String,
        /// What failed.
        message: String,
    },
    /// The reference could not be selected.
    #[error("'{url}': {source}")]
    Select {
        /// The URL, credentials removed.
        url: String,
        /// Why.
        #[source]
        source: refs::SelectError,
    },
    /// A pinned commit is not in the fetched history.
    #[error("'{url}': commit '{commit}' not found{}", branch.as_ref().map(|b| format!(" on branch '{b}'")).unwrap_or_default())]
    CommitNotFound {
        /// The URL, credentials removed.
        url: String,
        /// The commit.
        commit: String,
        /// The branch it was looked for on.
        branch: Option<String>,
    },
    /// Reading the fetched objects failed.
    #[error("repository '{}': {message}", path.display())]
    Local {
        /// The local repository or checkout path.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// A filesystem operation failed.
    #[error("'{}': {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The checkout directory already has content.
    #[error("checkout directory '{}' is not empty", .0.display())]
    NotEmpty(PathBuf),
    /// Initialising submodules failed.
    #[error("submodules of '{url}': {message}")]
    Submodule {
        /// The URL, credentials removed.
        url: String,
        /// What failed.
        message: String,
    },
}

/// `url` with any password in its user info replaced by `***`.
pub fn display_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// Checks that `url` is one [`fetch`] supports: `http(s)://`, `ssh://` (as Flux's API
/// accepts), plus `git://` and `file://`. scp-like `user@host:path` is rejected as by Flux.
pub fn check_url(url: &str) -> Result<(), Error> {
    let err = |reason: &str| Error::Url {
        url: display_url(url),
        reason: reason.into(),
    };
    let parsed = url::Url::parse(url).map_err(|_| {
        err("expected http://, https://, ssh://, git:// or file:// (scp-like 'user@host:path' is not accepted, use ssh://user@host/path)")
    })?;
    match parsed.scheme() {
        "http" | "https" | "ssh" | "git" => {
            if parsed.host_str().is_none_or(str::is_empty) {
                return Err(err("missing host"));
            }
            Ok(())
        }
        "file" => Ok(()),
        other => Err(err(&format!("unsupported scheme '{other}'"))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_redacted() {
        for ok in [
            "https://h/r.git",
            "http://h:8080/r",
            "ssh://git@h:2222/r",
            "git://127.0.0.1/r",
            "file:///tmp/r",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        let err = check_url("git@github.com:org/repo")
            .unwrap_err()
            .to_string();
        assert!(err.contains("scp-like"), "{err}");
        assert!(
            check_url("ftp://h/r")
                .unwrap_err()
                .to_string()
                .contains("ftp")
        );
        assert_eq!(display_url("https://u:pw@h/r"), "https://u:***@h/r");
        assert!(
            !check_url("xx://u:pw@h/r")
                .unwrap_err()
                .to_string()
                .contains("pw")
        );
    }
}
