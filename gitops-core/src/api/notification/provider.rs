//! Provider (`notification.toolkit.fluxcd.io/v1beta3`): where and how Alerts deliver
//! events (chat services, Git forge commit statuses, generic webhooks, …). Spec only (no
//! status, no status subresource).

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::api::meta::{DURATION_PATTERN, DURATION_PATTERN_NO_HOURS, LocalObjectReference};
use crate::api::validate::{Validate, ValidationError, Validator};

/// Pattern of the deprecated `spec.proxy` address.
const PROXY_PATTERN: &str = r"^(http|https)://.*$";

/// Provider types that set Git commit statuses and so accept `spec.commitStatusExpr`.
pub const COMMIT_STATUS_PROVIDERS: &[ProviderType] = &[
    ProviderType::Github,
    ProviderType::Gitlab,
    ProviderType::Gitea,
    ProviderType::BitbucketServer,
    ProviderType::Bitbucket,
    ProviderType::AzureDevOps,
];

/// The desired state of a Provider.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "notification.toolkit.fluxcd.io",
    version = "v1beta3",
    kind = "Provider",
    namespaced,
    category = "all",
    category = "fluxcd",
    category = "fluxcd-notifications",
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    ),
    derive = "PartialEq",
    doc = "A destination for the events an Alert forwards."
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [{
    "message": "spec.commitStatusExpr is only supported for the 'github', 'gitlab', 'gitea', 'bitbucketserver', 'bitbucket', 'azuredevops' provider types",
    "rule": "self.type == 'github' || self.type == 'gitlab' || self.type == 'gitea' || self.type == 'bitbucketserver' || self.type == 'bitbucket' || self.type == 'azuredevops' || !has(self.commitStatusExpr)"
}]))]
pub struct ProviderSpec {
    /// Which provider implementation delivers the events.
    #[serde(rename = "type")]
    pub type_: ProviderType,
    /// Deprecated and unused in v1beta3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub interval: Option<String>,
    /// Destination channel (Slack channel, Telegram chat id, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 2048))]
    pub channel: Option<String>,
    /// Name events are posted under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 2048))]
    pub username: Option<String>,
    /// Endpoint of the provider: an HTTP/S address, or a project id or namespace depending on
    /// the type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 2048))]
    pub address: Option<String>,
    /// Timeout for sending an event (no hours); 15s when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN_NO_HOURS))]
    pub timeout: Option<String>,
    /// HTTP/S proxy address (deprecated: use `proxySecretRef`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 2048), regex(pattern = PROXY_PATTERN))]
    pub proxy: Option<String>,
    /// Secret with the proxy `address` and optional `username`/`password`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_secret_ref: Option<LocalObjectReference>,
    /// Secret with the provider credentials (`address`, `token`, `headers`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalObjectReference>,
    /// ServiceAccount used for cloud workload identity (azureeventhub, azuredevops,
    /// googlepubsub).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    /// Secret with TLS material (`ca.crt`, `tls.crt`, `tls.key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_secret_ref: Option<LocalObjectReference>,
    /// Stops delivering events while true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    /// CEL expression (over `event`, `provider`, `alert`) giving a custom commit status
    /// description; commit-status provider types only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_status_expr: Option<String>,
}

/// The provider implementations (`spec.type`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum ProviderType {
    /// Slack incoming webhook or API.
    #[serde(rename = "slack")]
    Slack,
    /// Discord webhook.
    #[serde(rename = "discord")]
    Discord,
    /// Microsoft Teams workflow or webhook.
    #[serde(rename = "msteams")]
    MsTeams,
    /// Rocket.Chat webhook.
    #[serde(rename = "rocket")]
    Rocket,
    /// Generic webhook (the event as JSON).
    #[serde(rename = "generic")]
    Generic,
    /// Generic webhook signed with an HMAC.
    #[serde(rename = "generic-hmac")]
    GenericHmac,
    /// GitHub commit status.
    #[serde(rename = "github")]
    Github,
    /// GitLab commit status.
    #[serde(rename = "gitlab")]
    Gitlab,
    /// Gitea commit status.
    #[serde(rename = "gitea")]
    Gitea,
    /// Gitea pull request comment.
    #[serde(rename = "giteapullrequestcomment")]
    GiteaPullRequestComment,
    /// Bitbucket Server / Data Center commit status.
    #[serde(rename = "bitbucketserver")]
    BitbucketServer,
    /// Bitbucket Cloud commit status.
    #[serde(rename = "bitbucket")]
    Bitbucket,
    /// Azure DevOps commit status.
    #[serde(rename = "azuredevops")]
    AzureDevOps,
    /// Google Chat webhook.
    #[serde(rename = "googlechat")]
    GoogleChat,
    /// Google Cloud Pub/Sub topic.
    #[serde(rename = "googlepubsub")]
    GooglePubSub,
    /// Webex room.
    #[serde(rename = "webex")]
    Webex,
    /// Sentry.
    #[serde(rename = "sentry")]
    Sentry,
    /// Azure Event Hub.
    #[serde(rename = "azureeventhub")]
    AzureEventHub,
    /// Telegram chat.
    #[serde(rename = "telegram")]
    Telegram,
    /// Lark webhook.
    #[serde(rename = "lark")]
    Lark,
    /// Matrix room.
    #[serde(rename = "matrix")]
    Matrix,
    /// Opsgenie alert.
    #[serde(rename = "opsgenie")]
    Opsgenie,
    /// Prometheus Alertmanager.
    #[serde(rename = "alertmanager")]
    Alertmanager,
    /// Grafana annotation.
    #[serde(rename = "grafana")]
    Grafana,
    /// GitHub repository dispatch event.
    #[serde(rename = "githubdispatch")]
    GithubDispatch,
    /// GitHub pull request comment.
    #[serde(rename = "githubpullrequestcomment")]
    GithubPullRequestComment,
    /// GitLab merge request comment.
    #[serde(rename = "gitlabmergerequestcomment")]
    GitlabMergeRequestComment,
    /// PagerDuty event.
    #[serde(rename = "pagerduty")]
    PagerDuty,
    /// Datadog event.
    #[serde(rename = "datadog")]
    Datadog,
    /// NATS subject.
    #[serde(rename = "nats")]
    Nats,
    /// Zulip stream.
    #[serde(rename = "zulip")]
    Zulip,
    /// OpenTelemetry traces.
    #[serde(rename = "otel")]
    Otel,
    /// Zoom chat.
    #[serde(rename = "zoom")]
    Zoom,
    /// incident.io alert.
    #[serde(rename = "incident.io")]
    IncidentIo,
}

impl ProviderType {
    /// The value as written in the API (`slack`, `generic-hmac`, `incident.io`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderType::Slack => "slack",
            ProviderType::Discord => "discord",
            ProviderType::MsTeams => "msteams",
            ProviderType::Rocket => "rocket",
            ProviderType::Generic => "generic",
            ProviderType::GenericHmac => "generic-hmac",
            ProviderType::Github => "github",
            ProviderType::Gitlab => "gitlab",
            ProviderType::Gitea => "gitea",
            ProviderType::GiteaPullRequestComment => "giteapullrequestcomment",
            ProviderType::BitbucketServer => "bitbucketserver",
            ProviderType::Bitbucket => "bitbucket",
            ProviderType::AzureDevOps => "azuredevops",
            ProviderType::GoogleChat => "googlechat",
            ProviderType::GooglePubSub => "googlepubsub",
            ProviderType::Webex => "webex",
            ProviderType::Sentry => "sentry",
            ProviderType::AzureEventHub => "azureeventhub",
            ProviderType::Telegram => "telegram",
            ProviderType::Lark => "lark",
            ProviderType::Matrix => "matrix",
            ProviderType::Opsgenie => "opsgenie",
            ProviderType::Alertmanager => "alertmanager",
            ProviderType::Grafana => "grafana",
            ProviderType::GithubDispatch => "githubdispatch",
            ProviderType::GithubPullRequestComment => "githubpullrequestcomment",
            ProviderType::GitlabMergeRequestComment => "gitlabmergerequestcomment",
            ProviderType::PagerDuty => "pagerduty",
            ProviderType::Datadog => "datadog",
            ProviderType::Nats => "nats",
            ProviderType::Zulip => "zulip",
            ProviderType::Otel => "otel",
            ProviderType::Zoom => "zoom",
            ProviderType::IncidentIo => "incident.io",
        }
    }

    /// Whether the type sets Git commit statuses (and accepts `commitStatusExpr`).
    pub fn is_commit_status(self) -> bool {
        COMMIT_STATUS_PROVIDERS.contains(&self)
    }
}

impl ProviderSpec {
    /// The send timeout, `15s` when unset.
    pub fn timeout(&self) -> &str {
        self.timeout.as_deref().unwrap_or("15s")
    }

    /// Whether event delivery is suspended.
    pub fn suspended(&self) -> bool {
        self.suspend.unwrap_or(false)
    }
}

impl Validate for Provider {
    fn validate(&self) -> Result<(), ValidationError> {
        let spec = &self.spec;
        let mut v = Validator::new();
        v.duration("spec.interval", spec.interval.as_deref());
        v.length("spec.channel", spec.channel.as_deref(), None, Some(2048));
        v.length("spec.username", spec.username.as_deref(), None, Some(2048));
        v.length("spec.address", spec.address.as_deref(), None, Some(2048));
        v.pattern(
            "spec.timeout",
            spec.timeout.as_deref(),
            DURATION_PATTERN_NO_HOURS,
        );
        v.length("spec.proxy", spec.proxy.as_deref(), None, Some(2048));
        v.pattern("spec.proxy", spec.proxy.as_deref(), PROXY_PATTERN);
        if spec.commit_status_expr.is_some() && !spec.type_.is_commit_status() {
            v.error(
                "spec",
                "Invalid value: \"object\": spec.commitStatusExpr is only supported for the 'github', 'gitlab', 'gitea', 'bitbucketserver', 'bitbucket', 'azuredevops' provider types",
            );
        }
        v.finish(
            "Provider",
            self.metadata.name.as_deref().unwrap_or_default(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::notification::test_support::{corpus_objects, docs, round_trip};

    const API_VERSION: &str = "notification.toolkit.fluxcd.io/v1beta3";

    const SAMPLES: &str = r#"
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata:
  name: github-status
  namespace: flux-system
spec:
  type: github
  interval: 10m
  address: https://github.com/stefanprodan/podinfo
  channel: deployments
  username: flux
  timeout: 1m30s
  proxy: http://proxy.internal:3128
  proxySecretRef:
    name: proxy
  secretRef:
    name: github-token
  serviceAccountName: notifier
  certSecretRef:
    name: ca
  suspend: false
  commitStatusExpr: "(event.involvedObject.kind + '/' + event.involvedObject.name).lowerAscii()"
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata:
  name: incident
spec:
  type: incident.io
"#;

    #[test]
    fn samples_round_trip() {
        let docs = docs(SAMPLES, API_VERSION, "Provider");
        assert_eq!(docs.len(), 2);
        let github: Provider = round_trip(&docs[0]);
        assert_eq!(github.spec.type_, ProviderType::Github);
        assert_eq!(github.spec.timeout(), "1m30s");
        assert!(github.validate().is_ok());
        let incident: Provider = round_trip(&docs[1]);
        assert_eq!(incident.spec.type_.as_str(), "incident.io");
        assert_eq!(incident.spec.timeout(), "15s");
    }

    #[test]
    fn every_type_round_trips() {
        let crd = serde_json::to_value(<Provider as kube::CustomResourceExt>::crd()).expect("crd");
        let values = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
            ["properties"]["type"]["enum"]
            .as_array()
            .expect("enum")
            .clone();
        assert_eq!(values.len(), 34);
        for value in values {
            let ty: ProviderType = serde_json::from_value(value.clone()).expect("known type");
            assert_eq!(ty.as_str(), value);
        }
    }

    #[test]
    fn corpus_round_trips() {
        let Some(objects) = corpus_objects(API_VERSION, "Provider") else {
            eprintln!("note: ../shared/corpus is absent; corpus Providers not checked");
            return;
        };
        for (file, object) in &objects {
            let provider: Provider = round_trip(object);
            provider
                .validate()
                .unwrap_or_else(|e| panic!("{file}: {e}"));
        }
        eprintln!("{} corpus Providers round-tripped", objects.len());
    }

    #[test]
    fn unknown_type_names_the_field() {
        let mut value = docs(SAMPLES, API_VERSION, "Provider").remove(1);
        value["spec"]["type"] = "hipchat".into();
        let err = crate::api::parse::<Provider>(&value).expect_err("unknown type");
        assert!(err.to_string().contains("spec.type"), "{err}");
    }

    #[test]
    fn validation_names_the_field() {
        let mut provider: Provider =
            crate::api::parse(&docs(SAMPLES, API_VERSION, "Provider")[0]).expect("parse");
        provider.spec.interval = Some("1d".into());
        provider.spec.timeout = Some("1h".into());
        provider.spec.proxy = Some("socks5://proxy:1080".into());
        provider.spec.address = Some("a".repeat(2049));
        let err = provider.validate().expect_err("invalid");
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "spec.interval",
                "spec.address",
                "spec.timeout",
                "spec.proxy"
            ]
        );

        let mut slack: Provider =
            crate::api::parse(&docs(SAMPLES, API_VERSION, "Provider")[0]).expect("parse");
        slack.spec.type_ = ProviderType::Slack;
        let err = slack.validate().expect_err("commitStatusExpr on slack");
        assert_eq!(err.errors[0].field, "spec");
        assert!(
            err.errors[0]
                .message
                .contains("commitStatusExpr is only supported")
        );
    }
}
