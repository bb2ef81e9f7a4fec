//! Watches: the store's event log and per-watcher cursors.
//!
//! # Flow (how the HTTP server uses it)
//! 1. Under the store lock: [`Store::watch`] validates the parameters (an `Err` of
//!    [`WatchError::Rejected`] is an HTTP error reply) and returns the initial events
//!    (synthetic `ADDED` for the current state when `resourceVersion` is unset or `"0"`, or
//!    with `sendInitialEvents=true` followed by the `k8s.io/initial-events-end` BOOKMARK)
//!    and a [`WatchCursor`]. [`WatchError::Expired`] and [`WatchError::TooLarge`] are sent as
//!    a 200 stream holding one `ERROR` event ([`WatchError::to_event`]) and then closed.
//! 2. Take a receiver from [`Store::subscribe`], release the lock, write the events.
//! 3. Loop: `receiver.changed().await` (or a bookmark/timeout timer), lock, call
//!    [`Store::poll`] with the cursor, unlock, write the events. On a bookmark tick write
//!    [`WatchCursor::bookmark`]. An `Err` from `poll` (the watcher fell out of the
//!    retention window) is written as an `ERROR` event and the stream closes.
//!
//! Fan-out costs nothing per watcher at write time: the log is shared and each watcher
//! only holds a cursor (the revision it has seen) and its selectors.
//!
//! # Guarantees
//! Events reach a watcher in revision order, each exactly once. With selectors, an object
//! that starts matching arrives as `ADDED` and one that stops matching as `DELETED`
//! (as the API server's watch cache does). A `DELETED` object is the final state with the
//! deletion's resourceVersion.

use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::{Value, json};
use thiserror::Error;

use crate::field_selector::{FieldSelector, FieldSupport};
use crate::path::Query;
use crate::selector::LabelSelector;
use crate::status::Status;
use crate::store::{ResourceType, Store, StoreError, parse_rv, validate_list_options, version_at};

/// A watch event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// `ADDED`.
    Added,
    /// `MODIFIED`.
    Modified,
    /// `DELETED`.
    Deleted,
    /// `BOOKMARK`.
    Bookmark,
    /// `ERROR` (the object is a Status).
    Error,
}

impl EventType {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "ADDED",
            Self::Modified => "MODIFIED",
            Self::Deleted => "DELETED",
            Self::Bookmark => "BOOKMARK",
            Self::Error => "ERROR",
        }
    }
}

/// One event as sent to a client.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchEvent {
    /// Type.
    pub event_type: EventType,
    /// The object (shared with the store).
    pub object: Arc<Value>,
}

impl WatchEvent {
    /// `{"type":"ADDED","object":{…}}`.
    pub fn to_json(&self) -> Value {
        json!({"type": self.event_type.as_str(), "object": *self.object})
    }

    /// The compact JSON line (with trailing newline) written to a watch stream.
    pub fn to_line(&self) -> String {
        let mut s = self.to_json().to_string();
        s.push('\n');
        s
    }
}

/// A watch error.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum WatchError {
    /// Invalid parameters: answer with this error's Status as the HTTP reply.
    #[error("{0}")]
    Rejected(StoreError),
    /// The requested revision fell out of the retention window (410 Expired).
    #[error("too old resource version: {requested} ({compacted})")]
    Expired {
        /// Requested revision.
        requested: u64,
        /// The newest revision no longer watchable.
        compacted: u64,
    },
    /// The requested revision is in the future (504).
    #[error("Too large resource version: {requested}, current: {current}")]
    TooLarge {
        /// Requested revision.
        requested: u64,
        /// Current revision.
        current: u64,
    },
}

impl WatchError {
    /// The Status of this error.
    pub fn to_status(&self) -> Status {
        match self {
            Self::Rejected(e) => e.to_status(),
            Self::Expired { .. } => Status::expired(self.to_string()),
            Self::TooLarge { requested, current } => {
                Status::too_large_resource_version(*requested, *current)
            }
        }
    }

    /// The in-stream `ERROR` event carrying the Status.
    pub fn to_event(&self) -> WatchEvent {
        WatchEvent {
            event_type: EventType::Error,
            object: Arc::new(self.to_status().to_json()),
        }
    }
}

/// A committed change, as kept in the log.
#[derive(Debug, Clone)]
pub(crate) struct LoggedEvent {
    pub(crate) rv: u64,
    pub(crate) group: String,
    pub(crate) resource: String,
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) event: EventType,
    pub(crate) object: Arc<Value>,
    pub(crate) prev: Option<Arc<Value>>,
}

/// A bounded log of the most recent committed changes (the retention window).
#[derive(Debug)]
pub struct EventLog {
    events: VecDeque<LoggedEvent>,
    capacity: usize,
    compacted: u64,
}

impl EventLog {
    /// An empty log keeping `capacity` events, everything at or below `compacted` gone.
    pub fn new(capacity: usize, compacted: u64) -> Self {
        Self {
            events: VecDeque::new(),
            capacity: capacity.max(1),
            compacted,
        }
    }

    /// The newest revision no longer in the log.
    pub fn compacted(&self) -> u64 {
        self.compacted
    }

    /// Number of retained events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub(crate) fn push(&mut self, e: LoggedEvent) -> Vec<LoggedEvent> {
        self.events.push_back(e);
        let mut popped = Vec::new();
        while self.events.len() > self.capacity {
            if let Some(old) = self.events.pop_front() {
                self.compacted = old.rv;
                popped.push(old);
            }
        }
        popped
    }

    fn since(&self, rv: u64) -> impl Iterator<Item = &LoggedEvent> {
        let start = self.events.partition_point(|e| e.rv <= rv);
        self.events.range(start..)
    }
}

/// How to start a watch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchParams {
    /// Namespace, `None` = all.
    pub namespace: Option<String>,
    /// Label selector.
    pub labels: LabelSelector,
    /// Field selector.
    pub fields: FieldSelector,
    /// `resourceVersion`.
    pub resource_version: Option<String>,
    /// `resourceVersionMatch`.
    pub resource_version_match: Option<String>,
    /// `sendInitialEvents`.
    pub send_initial_events: Option<bool>,
    /// `allowWatchBookmarks`.
    pub allow_bookmarks: bool,
}

impl WatchParams {
    /// From a parsed query (selectors parsed; errors are 400 via [`WatchError::Rejected`]).
    pub fn from_query(
        q: &Query,
        namespace: Option<&str>,
        support: FieldSupport,
    ) -> Result<Self, WatchError> {
        let bad = |m: String| WatchError::Rejected(StoreError::BadRequest(m));
        Ok(Self {
            namespace: namespace.map(str::to_string),
            labels: LabelSelector::parse(q.label_selector.as_deref().unwrap_or(""))
                .map_err(|e| bad(e.to_string()))?,
            fields: FieldSelector::parse_for(q.field_selector.as_deref().unwrap_or(""), support)
                .map_err(|e| bad(e.to_string()))?,
            resource_version: q.resource_version.clone(),
            resource_version_match: q.resource_version_match.clone().filter(|m| !m.is_empty()),
            send_initial_events: q.send_initial_events,
            allow_bookmarks: q.allow_watch_bookmarks,
        })
    }
}

/// A watcher's position and filter; advanced by [`Store::poll`].
#[derive(Debug, Clone)]
pub struct WatchCursor {
    rt: ResourceType,
    namespace: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
    bookmarks: bool,
    /// The last revision this watcher has seen.
    pub rv: u64,
}

impl WatchCursor {
    fn matches(&self, obj: &Value) -> bool {
        self.labels.matches_object(obj) && self.fields.matches_object(obj)
    }

    /// A BOOKMARK at the cursor's revision, if the client allowed bookmarks.
    pub fn bookmark(&self) -> Option<WatchEvent> {
        self.bookmarks.then(|| bookmark(&self.rt, self.rv, false))
    }
}

fn bookmark(rt: &ResourceType, rv: u64, initial_end: bool) -> WatchEvent {
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    WatchEvent {
        event_type: EventType::Bookmark,
        object: Arc::new(
            json!({"kind": rt.kind, "apiVersion": rt.api_version(), "metadata": meta}),
        ),
    }
}

impl Store {
    /// Starts a watch (see the module docs).
    pub fn watch(
        &self,
        rt: &ResourceType,
        p: &WatchParams,
    ) -> Result<(Vec<WatchEvent>, WatchCursor), WatchError> {
        validate_list_options(
            p.resource_version.as_deref(),
            p.resource_version_match.as_deref(),
            None,
            p.send_initial_events,
            p.allow_bookmarks,
            true,
        )
        .map_err(WatchError::Rejected)?;
        let requested = parse_rv(p.resource_version.as_deref()).map_err(WatchError::Rejected)?;
        let current = self.revision();
        if let Some(n) = requested.filter(|n| *n > current) {
            return Err(WatchError::TooLarge {
                requested: n,
                current,
            });
        }
        let mut cursor = WatchCursor {
            rt: rt.clone(),
            namespace: p.namespace.clone().filter(|_| rt.namespaced),
            labels: p.labels.clone(),
            fields: p.fields.clone(),
            bookmarks: p.allow_bookmarks,
            rv: current,
        };
        let initial = match (p.send_initial_events, requested) {
            (Some(true), _) | (None, None) => {
                let mut events = self.snapshot_events(&cursor);
                if p.send_initial_events == Some(true) {
                    events.push(bookmark(rt, current, true));
                }
                events
            }
            (Some(false), None) => Vec::new(),
            (_, Some(n)) => {
                let compacted = self.compacted_revision();
                if n < compacted {
                    return Err(WatchError::Expired {
                        requested: n,
                        compacted,
                    });
                }
                cursor.rv = n;
                Vec::new()
            }
        };
        Ok((initial, cursor))
    }

    fn snapshot_events(&self, c: &WatchCursor) -> Vec<WatchEvent> {
        let Some(map) = self.data.get(&(c.rt.group.clone(), c.rt.resource.clone())) else {
            return Vec::new();
        };
        map.iter()
            .filter(|(k, _)| c.namespace.as_ref().is_none_or(|ns| &k.0 == ns))
            .filter_map(|(_, versions)| version_at(versions, c.rv))
            .filter(|o| c.matches(o))
            .map(|o| WatchEvent {
                event_type: EventType::Added,
                object: o.clone(),
            })
            .collect()
    }

    /// The events after the cursor's revision that concern it; advances the cursor to the
    /// current revision. Fails with [`WatchError::Expired`] once the cursor's revision has
    /// been compacted away.
    pub fn poll(&self, c: &mut WatchCursor) -> Result<Vec<WatchEvent>, WatchError> {
        let compacted = self.compacted_revision();
        if c.rv < compacted {
            return Err(WatchError::Expired {
                requested: c.rv,
                compacted,
            });
        }
        let mut out = Vec::new();
        for e in self.log.since(c.rv) {
            if e.group != c.rt.group || e.resource != c.rt.resource {
                continue;
            }
            if c.namespace.as_ref().is_some_and(|ns| ns != &e.namespace) {
                continue;
            }
            let now = e.event != EventType::Deleted && c.matches(&e.object);
            let before = match e.event {
                EventType::Deleted => {
                    c.matches(&e.object) || e.prev.as_ref().is_some_and(|p| c.matches(p))
                }
                _ => e.prev.as_ref().is_some_and(|p| c.matches(p)),
            };
            let event_type = match (before, now) {
                (false, true) => EventType::Added,
                (true, true) => EventType::Modified,
                (true, false) => EventType::Deleted,
                (false, false) => continue,
            };
            out.push(WatchEvent {
                event_type,
                object: e.object.clone(),
            });
        }
        c.rv = self.revision();
        Ok(out)
    }
}
