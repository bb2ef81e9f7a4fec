//! Injected API failures, for testing how clients and controllers retry: a rule matches
//! requests by verb, resource, namespace and name and answers them with an error status
//! (500, 409, 429, 503, 504) or delays them (a slow server, client timeouts), for a number
//! of requests or until cleared.
//!
//! In process: [`crate::Handle::faults`]. Over HTTP (for tests driving a separate
//! process): `POST /devcluster/v1/faults` with a [`Fault`] as JSON adds a rule,
//! `DELETE /devcluster/v1/faults` clears them, `GET` lists them.
//!
//! ```
//! use gitops_devcluster::faults::{Effect, Fault, Faults};
//!
//! let faults = Faults::default();
//! faults.add(Fault { verbs: vec!["patch".into()], resource: Some("deployments".into()),
//!     effect: Effect::Status { code: 500 }, times: Some(2), ..Fault::default() });
//! assert!(faults.take("patch", "deployments", "default", "web").is_some());
//! assert!(faults.take("get", "deployments", "default", "web").is_none());
//! ```

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::status::{GroupResource, Reason, Status};

/// What a matching request gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Effect {
    /// An error answer: 500 InternalError, 409 Conflict, 429 TooManyRequests,
    /// 503 ServiceUnavailable, 504 Timeout (other codes: a generic failure).
    Status {
        /// HTTP status code.
        code: u16,
    },
    /// The request is served normally after this many milliseconds.
    Delay {
        /// Milliseconds to wait.
        millis: u64,
    },
}

impl Default for Effect {
    fn default() -> Self {
        Effect::Status { code: 500 }
    }
}

/// One injection rule. Empty/absent selectors match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Fault {
    /// Verbs: `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
    /// `deletecollection`; empty = all.
    pub verbs: Vec<String>,
    /// Resource plural (`deployments`); `None` = any.
    pub resource: Option<String>,
    /// Namespace; `None` = any.
    pub namespace: Option<String>,
    /// Object name; `None` = any.
    pub name: Option<String>,
    /// The answer.
    pub effect: Effect,
    /// How many requests it applies to; `None` = until cleared.
    pub times: Option<u32>,
}

impl Fault {
    fn matches(&self, verb: &str, resource: &str, namespace: &str, name: &str) -> bool {
        (self.verbs.is_empty() || self.verbs.iter().any(|v| v == verb))
            && self.resource.as_deref().is_none_or(|r| r == resource)
            && self.namespace.as_deref().is_none_or(|n| n == namespace)
            && self.name.as_deref().is_none_or(|n| n == name)
            && self.times != Some(0)
    }
}

/// The rules of a server.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<Fault>>,
}

impl Faults {
    /// Adds a rule (rules are tried in the order added).
    pub fn add(&self, fault: Fault) {
        self.rules
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(fault);
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.rules
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// The current rules.
    pub fn list(&self) -> Vec<Fault> {
        self.rules
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The effect for a request, counting it against the first matching rule.
    pub fn take(&self, verb: &str, resource: &str, namespace: &str, name: &str) -> Option<Effect> {
        let mut rules = self.rules.lock().unwrap_or_else(PoisonError::into_inner);
        let rule = rules
            .iter_mut()
            .find(|f| f.matches(verb, resource, namespace, name))?;
        if let Some(t) = &mut rule.times {
            *t -= 1;
        }
        let effect = rule.effect.clone();
        rules.retain(|f| f.times != Some(0));
        Some(effect)
    }
}

/// The Status an injected error code answers with.
pub fn status_for(code: u16, gr: &GroupResource, name: &str) -> Status {
    let injected = "injected by the devcluster";
    match code {
        409 => Status::conflict_modified(gr, name),
        429 => Status {
            code,
            reason: Reason::TooManyRequests,
            message: format!(
                "the server has received too many requests and has asked us to try again later ({injected})"
            ),
            details: None,
        },
        503 => Status {
            code,
            reason: Reason::ServiceUnavailable,
            message: format!("the server is currently unable to handle the request ({injected})"),
            details: None,
        },
        504 => Status {
            code,
            reason: Reason::Timeout,
            message: format!(
                "the server was unable to return a response in the time allotted ({injected})"
            ),
            details: None,
        },
        500 => Status::internal(injected),
        other => Status {
            code: other,
            reason: Reason::Unknown,
            message: format!("injected failure {other}"),
            details: None,
        },
    }
}

/// How long a [`Effect::Delay`] waits.
pub fn delay_of(effect: &Effect) -> Option<Duration> {
    match effect {
        Effect::Delay { millis } => Some(Duration::from_millis(*millis)),
        Effect::Status { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_and_matches_selectors() {
        let f = Faults::default();
        f.add(Fault {
            name: Some("a".into()),
            times: Some(1),
            effect: Effect::Status { code: 409 },
            ..Fault::default()
        });
        f.add(Fault {
            verbs: vec!["get".into()],
            effect: Effect::Delay { millis: 5 },
            ..Fault::default()
        });
        assert_eq!(f.take("patch", "configmaps", "x", "b"), None);
        assert_eq!(
            f.take("patch", "configmaps", "x", "a"),
            Some(Effect::Status { code: 409 })
        );
        assert_eq!(f.take("patch", "configmaps", "x", "a"), None, "used up");
        assert_eq!(
            f.take("get", "pods", "x", "a"),
            Some(Effect::Delay { millis: 5 })
        );
        assert_eq!(f.list().len(), 1);
        f.clear();
        assert!(f.list().is_empty());
        let parsed: Fault = serde_json::from_str(
            r#"{"verbs":["create"],"effect":{"type":"status","code":503},"times":3}"#,
        )
        .expect("json");
        assert_eq!(parsed.effect, Effect::Status { code: 503 });
        assert_eq!(
            status_for(429, &GroupResource::new("", "pods"), "p").code,
            429
        );
    }
}
