//! The AlertProvider kind (`flagger.app/v1beta1`): a chat service Canary alerts are sent
//! to, with its webhook address given inline or through a Secret.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::metric_template::ProviderCondition;
use crate::api::meta::LocalObjectReference;
use crate::api::validate::{Validate, ValidationError, Validator};

/// The desired state of an AlertProvider. The CRD requires `type` with either `address`
/// or `secretRef` (exactly one of the two).
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "flagger.app",
    version = "v1beta1",
    kind = "AlertProvider",
    namespaced,
    status = "AlertProviderStatus",
    category = "all",
    printcolumn(name = "Type", type_ = "string", json_path = ".spec.type")
)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = super::schema::drop_required)]
pub struct AlertProviderSpec {
    /// Kind of provider.
    pub r#type: AlertProviderType,
    /// Channel to post to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Bot user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Webhook address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// HTTP(S) proxy for the requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// Secret whose `address` key holds the webhook address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalObjectReference>,
}

/// Kinds of alert provider.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum AlertProviderType {
    /// Slack.
    #[default]
    #[serde(rename = "slack")]
    Slack,
    /// Microsoft Teams.
    #[serde(rename = "msteams")]
    MsTeams,
    /// Discord.
    #[serde(rename = "discord")]
    Discord,
    /// Rocket.Chat.
    #[serde(rename = "rocket")]
    Rocket,
    /// Google Chat.
    #[serde(rename = "gchat")]
    GChat,
}

/// The observed state of an AlertProvider (not part of Flagger's CRD schema).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct AlertProviderStatus {
    /// Conditions of the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<ProviderCondition>>,
}

impl Validate for AlertProvider {
    fn validate(&self) -> Result<(), ValidationError> {
        let mut v = Validator::new();
        match (self.spec.address.is_some(), self.spec.secret_ref.is_some()) {
            (true, false) | (false, true) => {}
            (true, true) => v.error(
                "spec",
                "Invalid value: only one of address, secretRef may be set",
            ),
            (false, false) => v.error(
                "spec",
                "Required value: one of address, secretRef must be set",
            ),
        }
        let name = self.metadata.name.as_deref().unwrap_or_default();
        v.finish("AlertProvider", name)
    }
}

/// Removes `status` from the schema (Flagger's CRD declares the status subresource but no
/// status schema) and adds the `oneOf` of the spec, keeping Flagger's order of its
/// `required` lists, which kube's structural rewriter would sort.
pub(super) fn patch_schema(schema: &mut serde_json::Value) {
    super::metric_template::patch_schema(schema);
    if let Some(spec) = super::schema_at(schema, &["spec"]) {
        spec.insert(
            "oneOf".to_string(),
            serde_json::json!([
                { "required": ["type", "address"] },
                { "required": ["type", "secretRef"] }
            ]),
        );
    }
}
