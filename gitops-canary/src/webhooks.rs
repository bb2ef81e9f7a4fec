//! Flagger's webhooks: the payload, its checksum, and the HTTP call (Flagger's
//! `pkg/controller/webhook.go`).
//!
//! **Payload** ([`CanaryWebhookPayload`]): `POST` of
//! `{"name","namespace","phase","checksum","metadata"}` with `Content-Type:
//! application/json`; `metadata` is left out when empty, and there is no `type` field.
//! Event webhooks get `eventMessage`, `eventType` and `timestamp` (Unix milliseconds)
//! in `metadata`, which the webhook's own metadata cannot override.
//!
//! **Checksum** ([`canary_checksum`]): Flagger hashes the canary's
//! `status.trackedConfigs` and `status.lastAppliedSpec` by printing them with go-spew
//! (`%#v`) into FNV-1a 32 and encoding the decimal hash with Kubernetes'
//! `rand.SafeEncodeString`. We print the same text and so produce the same checksum,
//! byte for byte.
//!
//! **Call** ([`WebhookClient::call`]):
//! - timeout per attempt from `timeout` (`10s` when unset or shorter than two
//!   characters; `0s` means none, as Go's client);
//! - `retries` extra attempts (go-retryablehttp's policy): a connection error, a timeout,
//!   `429` and every `5xx` but `501` are retried; a redirect loop, a refused TLS
//!   certificate and other statuses are not. Before retry *n* (from 0) the client waits
//!   `1s × 2ⁿ`, at most 30s, or the `Retry-After` seconds of a `429`/`503`;
//! - `disableTLS: true` accepts any server certificate;
//! - a final status of **202 or lower passes** (200, 201, 202); anything above fails.
//!
//! Differences from Flagger: a `Retry-After` is capped at the maximum wait (30s) and only
//! its seconds form is read (go-retryablehttp also reads HTTP dates and has no cap); our
//! errors name the webhook, its URL, the status, the body and the attempts, where
//! Flagger's error is the bare response body.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gitops_core::api::flagger::status::CanaryStatus;
use gitops_core::api::flagger::{Canary, CanaryPhase, CanaryWebhook};
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use serde::{Deserialize, Serialize};

use crate::metrics::prometheus::{ensure_crypto_provider, error_chain, go_duration};
use crate::workload::hash::{fnv32a, safe_encode_string};

/// Metadata key of an event webhook's message.
pub const EVENT_MESSAGE: &str = "eventMessage";
/// Metadata key of an event webhook's event type (`Normal`, `Warning`).
pub const EVENT_TYPE: &str = "eventType";
/// Metadata key of an event webhook's time, Unix milliseconds.
pub const EVENT_TIMESTAMP: &str = "timestamp";

/// Flagger's default webhook timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The JSON body Flagger posts to a webhook.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct CanaryWebhookPayload {
    /// Name of the canary.
    pub name: String,
    /// Namespace of the canary.
    pub namespace: String,
    /// Phase of the canary analysis.
    pub phase: CanaryPhase,
    /// Hash of the canary's tracked configs and last applied spec ([`canary_checksum`]).
    pub checksum: String,
    /// The webhook's metadata (and, for event webhooks, the event); left out when empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

impl CanaryWebhookPayload {
    /// The body as Go's `json.Marshal` writes it: this field order, sorted metadata keys,
    /// and `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u003c`, `\u003e`, `\u0026`,
    /// `\u2028`, `\u2029`.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        let text = serde_json::to_string(self)?;
        // These characters can only occur inside JSON strings, so replacing them in the
        // whole text is exact.
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '<' => out.push_str("\\u003c"),
                '>' => out.push_str("\\u003e"),
                '&' => out.push_str("\\u0026"),
                '\u{2028}' => out.push_str("\\u2028"),
                '\u{2029}' => out.push_str("\\u2029"),
                c => out.push(c),
            }
        }
        Ok(out.into_bytes())
    }
}

/// Why a webhook call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `timeout` is not a Go duration.
    #[error("webhook {webhook}: timeout {value:?} is invalid: {reason}")]
    InvalidTimeout {
        /// The webhook's name.
        webhook: String,
        /// The timeout as written.
        value: String,
        /// Why it does not parse.
        reason: String,
    },
    /// `url` is not an absolute URL.
    #[error("webhook {webhook}: url {url:?} is invalid: {reason}")]
    InvalidUrl {
        /// The webhook's name.
        webhook: String,
        /// The URL as written.
        url: String,
        /// Why it does not parse.
        reason: String,
    },
    /// The payload could not be encoded or the HTTP client built.
    #[error("webhook {webhook}: {reason}")]
    Client {
        /// The webhook's name.
        webhook: String,
        /// What failed.
        reason: String,
    },
    /// The webhook answered with a status above 202.
    #[error(
        "webhook {webhook} ({url}) answered status {status} after {attempts} attempt(s): {body}"
    )]
    Status {
        /// The webhook's name.
        webhook: String,
        /// The webhook's URL.
        url: String,
        /// The last status.
        status: u16,
        /// The last response body.
        body: String,
        /// Requests made.
        attempts: u32,
    },
    /// The last attempt timed out.
    #[error("webhook {webhook} ({url}) timed out after {timeout} ({attempts} attempt(s))")]
    Timeout {
        /// The webhook's name.
        webhook: String,
        /// The webhook's URL.
        url: String,
        /// The timeout per attempt, as Go prints durations.
        timeout: String,
        /// Requests made.
        attempts: u32,
    },
    /// The last attempt failed before an answer: connection refused, TLS, redirects.
    #[error("webhook {webhook} ({url}) request failed after {attempts} attempt(s): {message}")]
    Transport {
        /// The webhook's name.
        webhook: String,
        /// The webhook's URL.
        url: String,
        /// What failed.
        message: String,
        /// Requests made.
        attempts: u32,
    },
}

/// A successful call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// The final status (200–202).
    pub status: u16,
    /// Requests made (1 + retries used).
    pub attempts: u32,
}

/// Flagger's checksum of a canary's `status.trackedConfigs` and
/// `status.lastAppliedSpec`: changes whenever the tracked ConfigMaps/Secrets or the
/// applied spec change, so a webhook can tell configurations apart.
pub fn canary_checksum(status: Option<&CanaryStatus>) -> String {
    let tracked = status.and_then(|s| s.tracked_configs.as_ref());
    let last_applied = status
        .and_then(|s| s.last_applied_spec.as_deref())
        .unwrap_or("");
    // go-spew's `%#v` of struct{TrackedConfigs *map[string]string; LastAppliedSpec string}
    // (sorted keys, strings unquoted).
    let mut text = String::from(
        "(struct { TrackedConfigs *map[string]string; LastAppliedSpec string })\
         {TrackedConfigs:(*map[string]string)",
    );
    match tracked {
        None => text.push_str("<nil>"),
        Some(configs) => {
            text.push_str("map[");
            for (i, (k, v)) in configs.iter().enumerate() {
                if i > 0 {
                    text.push(' ');
                }
                text.push_str(k);
                text.push(':');
                text.push_str(v);
            }
            text.push(']');
        }
    }
    text.push_str(" LastAppliedSpec:(string)");
    text.push_str(last_applied);
    text.push('}');
    safe_encode_string(&fnv32a(text.as_bytes()).to_string())
}

/// The payload of a webhook of `canary` in `phase` (Flagger's `CallWebhook`).
pub fn payload(
    canary: &Canary,
    phase: CanaryPhase,
    webhook: &CanaryWebhook,
) -> CanaryWebhookPayload {
    CanaryWebhookPayload {
        name: canary.metadata.name.clone().unwrap_or_default(),
        namespace: canary.metadata.namespace.clone().unwrap_or_default(),
        phase,
        checksum: canary_checksum(canary.status.as_ref()),
        metadata: webhook.metadata.clone().unwrap_or_default(),
    }
}

/// The payload of an event webhook (Flagger's `CallEventWebhook`): the canary's current
/// phase, and the event in `metadata` next to the webhook's own keys (which cannot
/// replace the event's).
pub fn event_payload(
    canary: &Canary,
    webhook: &CanaryWebhook,
    message: &str,
    event_type: &str,
    timestamp_ms: i64,
) -> CanaryWebhookPayload {
    let phase = canary.status.as_ref().map(|s| s.phase).unwrap_or_default();
    let mut p = payload(canary, phase, webhook);
    p.metadata.insert(EVENT_MESSAGE.into(), message.into());
    p.metadata.insert(EVENT_TYPE.into(), event_type.into());
    p.metadata
        .insert(EVENT_TIMESTAMP.into(), timestamp_ms.to_string());
    p
}

/// Whether the webhook's failures are kept out of alerts (`muteAlert`).
pub fn mutes_alert(webhook: &CanaryWebhook) -> bool {
    webhook.mute_alert.unwrap_or(false)
}

/// The request timeout of a webhook: `timeout` (`10s` when unset or shorter than two
/// characters); `None` for a zero or negative duration (no timeout, as in Go).
pub fn timeout(webhook: &CanaryWebhook) -> Result<Option<Duration>, Error> {
    let text = webhook.timeout();
    let d: gitops_core::duration::Duration = text.parse().map_err(
        |e: gitops_core::duration::ParseError| Error::InvalidTimeout {
            webhook: webhook.name.clone(),
            value: text.to_string(),
            reason: e.to_string(),
        },
    )?;
    Ok(d.to_std().filter(|d| !d.is_zero()))
}

/// The number of retries of a webhook (`retries`, at least 0).
pub fn retries(webhook: &CanaryWebhook) -> u32 {
    u32::try_from(webhook.retries.unwrap_or(0).max(0)).unwrap_or(u32::MAX)
}

/// Whether a final status passes the webhook (Flagger: 202 or lower).
pub fn status_passes(status: u16) -> bool {
    status <= 202
}

/// Whether go-retryablehttp retries an answer with this status: `429`, and `5xx` but
/// `501`.
pub fn status_is_retried(status: u16) -> bool {
    status == 429 || (status >= 500 && status != 501)
}

/// The waits between attempts (go-retryablehttp's `DefaultBackoff`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Wait before the first retry; doubled before each next one.
    pub min: Duration,
    /// Longest wait.
    pub max: Duration,
}

impl Default for Backoff {
    /// Flagger's: 1s, doubling, at most 30s.
    fn default() -> Self {
        Backoff {
            min: Duration::from_secs(1),
            max: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The wait before retry `retry` (from 0), after an answer with `status` and
    /// `retry_after` header (read for 429 and 503 only, in seconds, capped at `max`).
    pub fn wait(&self, retry: u32, status: Option<u16>, retry_after: Option<&str>) -> Duration {
        if matches!(status, Some(429 | 503))
            && let Some(secs) = retry_after.and_then(|v| v.trim().parse::<u64>().ok())
        {
            return Duration::from_secs(secs).min(self.max);
        }
        let factor = 2u32.checked_pow(retry).unwrap_or(u32::MAX);
        self.min
            .checked_mul(factor)
            .map_or(self.max, |d| d.min(self.max))
    }
}

/// Calls webhooks.
#[derive(Debug, Clone, Default)]
pub struct WebhookClient {
    /// Waits between attempts.
    pub backoff: Backoff,
}

/// What one attempt gave.
enum Attempt {
    Answer {
        status: u16,
        body: String,
        retry_after: Option<String>,
    },
    Failed {
        error: reqwest::Error,
    },
}

impl WebhookClient {
    /// A client with Flagger's backoff.
    pub fn new() -> Self {
        Self::default()
    }

    /// Posts `payload` to `webhook.url` with the webhook's timeout, retries and TLS
    /// setting; `Ok` when the final status is 202 or lower.
    pub async fn call(
        &self,
        webhook: &CanaryWebhook,
        payload: &CanaryWebhookPayload,
    ) -> Result<Delivered, Error> {
        let name = webhook.name.clone();
        let timeout = timeout(webhook)?;
        let url = url::Url::parse(&webhook.url).map_err(|e| Error::InvalidUrl {
            webhook: name.clone(),
            url: webhook.url.clone(),
            reason: e.to_string(),
        })?;
        let body = payload.to_json().map_err(|e| Error::Client {
            webhook: name.clone(),
            reason: format!("encoding the payload: {e}"),
        })?;
        ensure_crypto_provider();
        let client = reqwest::Client::builder()
            .danger_accept_invalid_certs(webhook.disable_tls.unwrap_or(false))
            .build()
            .map_err(|e| Error::Client {
                webhook: name.clone(),
                reason: format!("HTTP client: {}", error_chain(&e)),
            })?;
        let max_retries = retries(webhook);
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let mut request = client
                .post(url.clone())
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
            if let Some(t) = timeout {
                request = request.timeout(t);
            }
            let attempt = match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retry_after = response
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    match response.text().await {
                        Ok(body) => Attempt::Answer {
                            status,
                            body,
                            retry_after,
                        },
                        Err(error) => Attempt::Failed { error },
                    }
                }
                Err(error) => Attempt::Failed { error },
            };
            let (retry, status, retry_after) = match &attempt {
                Attempt::Answer {
                    status,
                    retry_after,
                    ..
                } => (
                    status_is_retried(*status),
                    Some(*status),
                    retry_after.as_deref(),
                ),
                Attempt::Failed { error } => (error_is_retried(error), None, None),
            };
            if !retry || attempts > max_retries {
                return match attempt {
                    Attempt::Answer { status, .. } if status_passes(status) => {
                        Ok(Delivered { status, attempts })
                    }
                    Attempt::Answer { status, body, .. } => Err(Error::Status {
                        webhook: name,
                        url: webhook.url.clone(),
                        status,
                        body,
                        attempts,
                    }),
                    Attempt::Failed { error } if error.is_timeout() => Err(Error::Timeout {
                        webhook: name,
                        url: webhook.url.clone(),
                        timeout: timeout.map_or_else(|| "0s".to_string(), go_duration),
                        attempts,
                    }),
                    Attempt::Failed { error } => Err(Error::Transport {
                        webhook: name,
                        url: webhook.url.clone(),
                        message: error_chain(&error),
                        attempts,
                    }),
                };
            }
            let wait = self.backoff.wait(attempts - 1, status, retry_after);
            tokio::time::sleep(wait).await;
        }
    }
}

/// go-retryablehttp retries every transport error but a redirect loop, an invalid
/// scheme or header, and a refused certificate.
fn error_is_retried(error: &reqwest::Error) -> bool {
    if error.is_redirect() || error.is_builder() {
        return false;
    }
    !is_certificate_error(error)
}

fn is_certificate_error(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return matches!(
                tls,
                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
            );
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && is_certificate_error(inner)
        {
            return true;
        }
        current = e.source();
    }
    false
}

/// Calls a webhook of `canary` in `phase` with Flagger's retry backoff.
pub async fn call_webhook(
    canary: &Canary,
    phase: CanaryPhase,
    webhook: &CanaryWebhook,
) -> Result<Delivered, Error> {
    WebhookClient::new()
        .call(webhook, &payload(canary, phase, webhook))
        .await
}

/// Calls an event webhook of `canary` with an event (`event_type` is the Kubernetes
/// event type, `Normal` or `Warning`), stamped with the current time.
pub async fn call_event_webhook(
    canary: &Canary,
    webhook: &CanaryWebhook,
    message: &str,
    event_type: &str,
) -> Result<Delivered, Error> {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    WebhookClient::new()
        .call(
            webhook,
            &event_payload(canary, webhook, message, event_type, now_ms),
        )
        .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn status(tracked: Option<&[(&str, &str)]>, last: &str) -> CanaryStatus {
        CanaryStatus {
            tracked_configs: tracked.map(|t| {
                t.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            }),
            last_applied_spec: Some(last.to_string()),
            ..CanaryStatus::default()
        }
    }

    /// Golden values recorded with Go and the go-spew revision Flagger pins
    /// (d8f796a): spew `%#v` with Flagger's ConfigState into FNV-1a 32, then
    /// `rand.SafeEncodeString`; the first four inputs are Flagger's `TestCanaryChecksum`.
    #[test]
    fn checksum_matches_flagger() {
        let cases = [
            (
                status(
                    Some(&[("test-config-map", "484637c76acaa7c6")]),
                    "5f56684589",
                ),
                GO_SUM_1,
            ),
            (
                status(
                    Some(&[("test-config-map", "9fc3a7c76acaa7c6")]),
                    "5f56684589",
                ),
                GO_SUM_2,
            ),
            (
                status(
                    Some(&[("test-config-map", "484637c76acaa7c6")]),
                    "4cb74184589",
                ),
                GO_SUM_3,
            ),
            (status(None, "4cb74184589"), GO_SUM_4),
            (status(Some(&[("b", "2"), ("a", "1")]), ""), GO_SUM_5),
            (status(Some(&[]), ""), GO_SUM_6),
        ];
        for (i, (s, want)) in cases.iter().enumerate() {
            assert_eq!(canary_checksum(Some(s)), *want, "case {i}");
        }
        assert_eq!(canary_checksum(None), GO_SUM_NIL);
    }

    const GO_SUM_1: &str = "85d557f47b";
    const GO_SUM_2: &str = "768ccb9bf5";
    const GO_SUM_3: &str = "569bdb7cb9";
    const GO_SUM_4: &str = "7c9d467496";
    const GO_SUM_5: &str = "54b458b596";
    const GO_SUM_6: &str = "68bf6f479b";
    const GO_SUM_NIL: &str = "758df7c9fc";

    #[test]
    fn payload_json_is_flaggers() {
        let p = CanaryWebhookPayload {
            name: "podinfo".into(),
            namespace: "default".into(),
            phase: CanaryPhase::Progressing,
            checksum: "abc".into(),
            metadata: BTreeMap::from([("z".into(), "<a&b>".into()), ("a".into(), "1".into())]),
        };
        assert_eq!(
            String::from_utf8(p.to_json().unwrap()).unwrap(),
            r#"{"name":"podinfo","namespace":"default","phase":"Progressing","checksum":"abc","metadata":{"a":"1","z":"\u003ca\u0026b\u003e"}}"#
        );
        let empty = CanaryWebhookPayload::default();
        assert_eq!(
            String::from_utf8(empty.to_json().unwrap()).unwrap(),
            r#"{"name":"","namespace":"","phase":"","checksum":""}"#
        );
    }

    #[test]
    fn event_metadata_wins_over_webhook_metadata() {
        let canary: Canary = serde_json::from_value(serde_json::json!({
            "apiVersion": "flagger.app/v1beta1", "kind": "Canary",
            "metadata": {"name": "podinfo", "namespace": "default"},
            "spec": {"targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
                     "service": {"port": 9898}},
            "status": {"phase": "Progressing", "failedChecks": 0, "canaryWeight": 0, "iterations": 0}
        }))
        .unwrap();
        let hook = CanaryWebhook {
            name: "events".into(),
            url: "http://x".into(),
            metadata: Some(BTreeMap::from([
                ("eventType".into(), "mine".into()),
                ("team".into(), "a".into()),
            ])),
            ..CanaryWebhook::default()
        };
        let p = event_payload(
            &canary,
            &hook,
            "Starting canary analysis",
            "Normal",
            1_700_000_000_123,
        );
        assert_eq!(p.phase, CanaryPhase::Progressing);
        assert_eq!(
            p.metadata,
            BTreeMap::from([
                ("eventMessage".into(), "Starting canary analysis".into()),
                ("eventType".into(), "Normal".into()),
                ("team".into(), "a".into()),
                ("timestamp".into(), "1700000000123".into()),
            ])
        );
    }

    #[test]
    fn timeouts_retries_and_status() {
        let mut hook = CanaryWebhook::default();
        assert_eq!(timeout(&hook).unwrap(), Some(DEFAULT_TIMEOUT));
        hook.timeout = Some("5".into());
        assert_eq!(timeout(&hook).unwrap(), Some(DEFAULT_TIMEOUT));
        hook.timeout = Some("1m30s".into());
        assert_eq!(timeout(&hook).unwrap(), Some(Duration::from_secs(90)));
        hook.timeout = Some("0s".into());
        assert_eq!(timeout(&hook).unwrap(), None);
        hook.name = "smoke".into();
        hook.timeout = Some("10x".into());
        let err = timeout(&hook).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("webhook smoke: timeout \"10x\" is invalid"),
            "{err}"
        );

        assert_eq!(
            retries(&CanaryWebhook {
                retries: Some(-3),
                ..Default::default()
            }),
            0
        );
        assert_eq!(
            retries(&CanaryWebhook {
                retries: Some(4),
                ..Default::default()
            }),
            4
        );

        assert!(status_passes(200) && status_passes(201) && status_passes(202));
        assert!(
            !status_passes(203)
                && !status_passes(204)
                && !status_passes(302)
                && !status_passes(404)
        );
        assert!(status_is_retried(500) && status_is_retried(503) && status_is_retried(429));
        assert!(!status_is_retried(501) && !status_is_retried(404) && !status_is_retried(202));
        assert!(!mutes_alert(&CanaryWebhook::default()));
        assert!(mutes_alert(&CanaryWebhook {
            mute_alert: Some(true),
            ..Default::default()
        }));
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let b = Backoff::default();
        let secs = |r, s, h| b.wait(r, s, h).as_secs();
        assert_eq!(secs(0, Some(500), None), 1);
        assert_eq!(secs(1, Some(500), None), 2);
        assert_eq!(secs(2, None, None), 4);
        assert_eq!(secs(5, None, None), 30);
        assert_eq!(secs(40, None, None), 30);
        assert_eq!(secs(0, Some(503), Some("7")), 7);
        assert_eq!(secs(0, Some(429), Some("3600")), 30);
        // Retry-After is only read for 429 and 503.
        assert_eq!(secs(0, Some(500), Some("7")), 1);
    }
}
