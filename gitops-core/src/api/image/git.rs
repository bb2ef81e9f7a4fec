//! The `spec.git` part of an ImageUpdateAutomation: what to check out, how to commit and
//! where to push.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::api::meta::LocalObjectReference;

/// Commit message used when `spec.git.commit.messageTemplate` is unset or empty.
pub const DEFAULT_COMMIT_MESSAGE: &str = "Update from image update automation";

/// Git settings of an automation.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct GitSpec {
    /// The ref to clone; the GitRepository's `spec.ref` (or its default) when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkout: Option<GitCheckoutSpec>,
    /// How commits are made.
    pub commit: CommitSpec,
    /// Where commits are pushed; back to the checked-out branch when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push: Option<PushSpec>,
}

impl GitSpec {
    /// Whether a push refspec is configured.
    pub fn has_refspec(&self) -> bool {
        self.push
            .as_ref()
            .and_then(|p| p.refspec.as_deref())
            .is_some_and(|r| !r.is_empty())
    }
}

/// The ref to check out.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct GitCheckoutSpec {
    /// Branch, tag, semver range, ref name or commit to clone.
    #[serde(rename = "ref")]
    pub reference: GitRepositoryRef,
}

/// A Git reference (source-controller `GitRepositoryRef`); later fields take precedence:
/// commit > name > semver > tag > branch.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct GitRepositoryRef {
    /// Branch name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Tag name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Semver range matched against the tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semver: Option<String>,
    /// Full reference name, e.g. `refs/pull/420/head`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Commit SHA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// How the automation commits.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommitSpec {
    /// Commit author.
    pub author: CommitUser,
    /// Key that signs the commits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<SigningKey>,
    /// Go text/template of the commit message (data: `AutomationObject`, `Changed`,
    /// `Values`); [`DEFAULT_COMMIT_MESSAGE`] when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_template: Option<String>,
    /// Extra values available to the template as `.Values`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_template_values: Option<BTreeMap<String, String>>,
}

impl CommitSpec {
    /// The message template, [`DEFAULT_COMMIT_MESSAGE`] when unset or empty.
    pub fn message_template(&self) -> &str {
        self.message_template
            .as_deref()
            .filter(|t| !t.is_empty())
            .unwrap_or(DEFAULT_COMMIT_MESSAGE)
    }
}

/// Commit author identity.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct CommitUser {
    /// Author name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Author email.
    pub email: String,
}

/// A commit signing key in a Secret of the automation's namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SigningKey {
    /// Secret with `git.asc` (+ `passphrase`) for gpg, or `identity` (+ `password`) for ssh.
    pub secret_ref: LocalObjectReference,
    /// Key format; `gpg` when unset.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<SigningKeyType>,
}

impl SigningKey {
    /// The key format, `gpg` when unset.
    pub fn key_type(&self) -> SigningKeyType {
        self.type_.unwrap_or_default()
    }
}

/// Formats of commit signing keys.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SigningKeyType {
    /// ASCII-armored OpenPGP key pair under `git.asc`.
    #[default]
    Gpg,
    /// SSH private key under `identity`.
    Ssh,
}

/// Where and how commits are pushed.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct PushSpec {
    /// Branch to push to (created from the checkout branch when missing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Refspec to push with (in addition to `branch` when both are set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refspec: Option<String>,
    /// Git push options sent to the server (e.g. GitLab `merge_request.create`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<BTreeMap<String, String>>,
}
