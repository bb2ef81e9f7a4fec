//! The OIDC issuers of a `generic-oidc` Receiver: which tokens are accepted and the CEL
//! checks their claims must pass.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::api::validate::Validator;

/// Token audience a `generic-oidc` provider expects when `audience` is unset.
pub const DEFAULT_OIDC_AUDIENCE: &str = "notification-controller";
/// Pattern of an OIDC provider's `issuerURL`.
const ISSUER_URL_PATTERN: &str = "^https?://";

/// An OIDC issuer accepted by a generic-oidc Receiver.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OidcProvider {
    /// Issuer URL for discovery; must equal the token's `iss` claim.
    #[serde(rename = "issuerURL")]
    #[schemars(regex(pattern = ISSUER_URL_PATTERN))]
    pub issuer_url: String,
    /// Expected `aud` claim; `notification-controller` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// Named CEL expressions evaluated in order, available as `vars.<name>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variables: Option<Vec<OidcVariable>>,
    /// CEL expressions over the claims that must all hold (at least one).
    #[schemars(length(min = 1))]
    pub validations: Vec<OidcValidation>,
}

impl OidcProvider {
    /// The expected token audience, [`DEFAULT_OIDC_AUDIENCE`] when unset or empty.
    pub fn audience(&self) -> &str {
        self.audience
            .as_deref()
            .filter(|a| !a.is_empty())
            .unwrap_or(DEFAULT_OIDC_AUDIENCE)
    }
}

/// A named CEL expression of an OIDC provider.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct OidcVariable {
    /// Variable name (a CEL identifier).
    pub name: String,
    /// CEL expression giving the value.
    pub expression: String,
}

/// A CEL condition on the OIDC token claims.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct OidcValidation {
    /// CEL boolean expression.
    pub expression: String,
    /// Message returned to the caller when the expression is false.
    pub message: String,
}

/// Checks the schema rules of `spec.oidcProviders`: the issuer URL pattern, unique issuer
/// URLs (the list is a map keyed by `issuerURL`) and at least one validation each.
pub(crate) fn validate_providers(v: &mut Validator, providers: &[OidcProvider]) {
    for (i, provider) in providers.iter().enumerate() {
        let path = format!("spec.oidcProviders[{i}]");
        v.pattern(
            &format!("{path}.issuerURL"),
            Some(&provider.issuer_url),
            ISSUER_URL_PATTERN,
        );
        if providers[..i]
            .iter()
            .any(|p| p.issuer_url == provider.issuer_url)
        {
            v.error(
                path.clone(),
                format!(
                    "Duplicate value: {{\"issuerURL\":\"{}\"}}",
                    provider.issuer_url
                ),
            );
        }
        if provider.validations.is_empty() {
            v.error(
                format!("{path}.validations"),
                format!(
                    "Invalid value: 0: {path}.validations in body should have at least 1 items"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audience_defaults_to_the_controller() {
        let mut provider = OidcProvider {
            issuer_url: "https://token.actions.githubusercontent.com".into(),
            ..Default::default()
        };
        assert_eq!(provider.audience(), DEFAULT_OIDC_AUDIENCE);
        provider.audience = Some(String::new());
        assert_eq!(provider.audience(), "notification-controller");
        provider.audience = Some("flux".into());
        assert_eq!(provider.audience(), "flux");
    }

    #[test]
    fn issuer_urls_must_be_http_and_unique() {
        let provider = OidcProvider {
            issuer_url: "https://issuer.example".into(),
            validations: vec![OidcValidation {
                expression: "true".into(),
                message: "m".into(),
            }],
            ..Default::default()
        };
        let mut v = Validator::new();
        validate_providers(&mut v, std::slice::from_ref(&provider));
        assert!(v.finish("Receiver", "r").is_ok());

        let mut v = Validator::new();
        let plain = OidcProvider {
            issuer_url: "issuer.example".into(),
            ..provider.clone()
        };
        validate_providers(&mut v, &[provider.clone(), provider, plain]);
        let err = v.finish("Receiver", "r").expect_err("invalid");
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["spec.oidcProviders[1]", "spec.oidcProviders[2].issuerURL"]
        );
        assert!(err.errors[0].message.starts_with("Duplicate value"));
    }
}
