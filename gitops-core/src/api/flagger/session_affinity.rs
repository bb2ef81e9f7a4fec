//! `spec.analysis.sessionAffinity` of a Canary: a cookie that keeps users who reached the
//! canary on the canary for the rest of the run.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::schema;

/// Default max age of the session-affinity cookie, in seconds (one day).
pub const DEFAULT_COOKIE_MAX_AGE: i64 = 86400;

/// Session affinity of a canary run: users who reached the canary keep reaching it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionAffinity {
    /// Name of the affinity cookie.
    pub cookie_name: String,
    /// Name of the primary's affinity cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_cookie_name: Option<String>,
    /// `Domain` attribute of the cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// `HttpOnly` attribute of the cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_only: Option<bool>,
    /// `Max-Age` of the cookie in seconds (default 86400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::number", extend("default" = 86400))]
    pub max_age: Option<i64>,
    /// `Partitioned` attribute of the cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitioned: Option<bool>,
    /// `Path` attribute of the cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `SameSite` attribute of the cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_site: Option<SameSite>,
    /// `Secure` attribute of the cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secure: Option<bool>,
}

impl SessionAffinity {
    /// The cookie max age in seconds, 86400 when unset or zero.
    pub fn max_age(&self) -> i64 {
        match self.max_age {
            Some(age) if age != 0 => age,
            _ => DEFAULT_COOKIE_MAX_AGE,
        }
    }

    /// The `Set-Cookie` value for `cookie` (a `name=value` pair) with this affinity's
    /// attributes, in Flagger's order.
    pub fn build_cookie(&self, cookie: &str, max_age: i64) -> String {
        let mut out = format!("{cookie}; Max-Age={max_age}");
        if let Some(domain) = self.domain.as_deref().filter(|d| !d.is_empty()) {
            out.push_str(&format!("; Domain={domain}"));
        }
        if self.http_only == Some(true) {
            out.push_str("; HttpOnly");
        }
        if self.partitioned == Some(true) {
            out.push_str("; Partitioned");
        }
        if let Some(path) = self.path.as_deref().filter(|p| !p.is_empty()) {
            out.push_str(&format!("; Path={path}"));
        }
        if let Some(same_site) = self.same_site {
            out.push_str(&format!("; SameSite={}", same_site.as_str()));
        }
        if self.secure == Some(true) {
            out.push_str("; Secure");
        }
        out
    }
}

/// `SameSite` cookie attribute values.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum SameSite {
    /// Same-site requests only.
    Strict,
    /// Same-site requests and top-level navigation.
    Lax,
    /// Cross-site requests too (requires `Secure`).
    None,
}

impl SameSite {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Strict => "Strict",
            Self::Lax => "Lax",
            Self::None => "None",
        }
    }
}
