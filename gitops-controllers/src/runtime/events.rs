//! Events: Kubernetes core/v1 `Event` objects (as client-go's recorder writes them for
//! Flux) and, when an events address is set, Flux's event JSON POSTed to it (what
//! notification-controller receives). Recording is best effort: failures are logged,
//! never returned, so a reconciliation does not fail because of an event. A repeat of
//! the same event (object, type, reason, message) bumps `count` and `lastTimestamp` of
//! the Event already written, as client-go's correlator does.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use gitops_core::k8s::Time;
use gitops_core::k8s::k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use gitops_core::k8s::k8s_openapi::jiff::Timestamp;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::{Resource, ResourceExt};
use serde_json::json;

/// `Normal` or `Warning`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    /// Informational (`severity: info`).
    Normal,
    /// A failure (`severity: error`).
    Warning,
}

impl EventType {
    /// The core/v1 `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }

    fn severity(self) -> &'static str {
        match self {
            EventType::Normal => "info",
            EventType::Warning => "error",
        }
    }
}

/// Records events for one controller (`source-controller`, `kustomize-controller`, …).
#[derive(Clone)]
pub struct EventRecorder {
    client: kube::Client,
    controller: String,
    instance: String,
    webhook: Option<String>,
    http: reqwest::Client,
    /// Events written, by object uid, type, reason and message: (name, count).
    seen: Arc<Mutex<HashMap<String, (String, i32)>>>,
}

/// Entries remembered for aggregation before the memory is reset.
const MAX_SEEN: usize = 4096;

impl std::fmt::Debug for EventRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventRecorder")
            .field("controller", &self.controller)
            .field("instance", &self.instance)
            .field("webhook", &self.webhook)
            .finish()
    }
}

impl EventRecorder {
    /// A recorder writing Events as `controller`, and POSTing Flux events to
    /// `events_addr` (e.g. `http://notification-controller.flux-system.svc/`) when set.
    pub fn new(
        client: kube::Client,
        controller: &str,
        events_addr: Option<String>,
    ) -> EventRecorder {
        let instance = std::env::var("HOSTNAME").unwrap_or_else(|_| controller.to_string());
        EventRecorder {
            client,
            controller: controller.to_string(),
            instance,
            webhook: events_addr.filter(|a| !a.is_empty()),
            http: reqwest::Client::new(),
            seen: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Records an event about `obj`. `annotations` are Flux's metadata keys
    /// (`source.toolkit.fluxcd.io/revision`, …): Event annotations, and webhook metadata
    /// with the group prefix removed.
    pub async fn record<K>(
        &self,
        obj: &K,
        type_: EventType,
        reason: &str,
        message: &str,
        annotations: BTreeMap<String, String>,
    ) where
        K: Resource<DynamicType = ()>,
    {
        let namespace = obj.namespace().unwrap_or_else(|| "default".into());
        let now = Timestamp::now();
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let involved = ObjectReference {
            api_version: Some(K::api_version(&()).into_owned()),
            kind: Some(K::kind(&()).into_owned()),
            name: Some(obj.name_any()),
            namespace: Some(namespace.clone()),
            uid: obj.uid(),
            resource_version: obj.resource_version(),
            field_path: None,
        };
        let event = Event {
            metadata: gitops_core::k8s::ObjectMeta {
                name: Some(format!("{}.{nanos:x}", obj.name_any())),
                namespace: Some(namespace.clone()),
                annotations: (!annotations.is_empty()).then(|| annotations.clone()),
                ..Default::default()
            },
            involved_object: involved.clone(),
            reason: Some(reason.to_string()),
            message: Some(message.to_string()),
            type_: Some(type_.as_str().to_string()),
            source: Some(EventSource {
                component: Some(self.controller.clone()),
                host: None,
            }),
            first_timestamp: Some(Time(now)),
            last_timestamp: Some(Time(now)),
            count: Some(1),
            reporting_component: Some(self.controller.clone()),
            reporting_instance: Some(self.instance.clone()),
            ..Default::default()
        };
        let api: Api<Event> = Api::namespaced(self.client.clone(), &namespace);
        let seen_key = format!(
            "{}|{}|{reason}|{message}",
            obj.uid().unwrap_or_default(),
            type_.as_str()
        );
        let previous = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&seen_key)
            .cloned();
        let mut written = None;
        if let Some((name, count)) = previous {
            let patch = json!({"count": count + 1, "lastTimestamp": Time(now)});
            if api
                .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
                .is_ok()
            {
                written = Some((name, count + 1));
            }
        }
        if written.is_none() {
            match api.create(&PostParams::default(), &event).await {
                Ok(_) => written = Some((event.metadata.name.clone().unwrap_or_default(), 1)),
                Err(e) => {
                    tracing::warn!(object = %obj.name_any(), reason, "recording event failed: {e}")
                }
            }
        }
        if let Some(entry) = written {
            let mut seen = self
                .seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if seen.len() >= MAX_SEEN {
                seen.clear();
            }
            seen.insert(seen_key, entry);
        }
        if let Some(url) = &self.webhook {
            let metadata: BTreeMap<String, String> = annotations
                .into_iter()
                .map(|(k, v)| {
                    (
                        k.rsplit_once('/').map(|(_, s)| s.to_string()).unwrap_or(k),
                        v,
                    )
                })
                .collect();
            let body = json!({
                "involvedObject": involved,
                "severity": type_.severity(),
                "timestamp": now.to_string(),
                "message": message,
                "reason": reason,
                "metadata": metadata,
                "reportingController": self.controller,
                "reportingInstance": self.instance,
            });
            let sent = self
                .http
                .post(url)
                .header("Gotk-Component", &self.controller)
                .json(&body)
                .send()
                .await;
            if let Err(e) = sent.and_then(|r| r.error_for_status()) {
                tracing::warn!(object = %obj.name_any(), reason, "posting event to {url} failed: {e}");
            }
        }
    }
}
