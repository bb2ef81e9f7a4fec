//! Watch streaming: chunked JSON lines following the flow of [`crate::watch`].

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::Response;
use hyper::body::Frame;
use tokio::sync::mpsc;

use super::handlers::lock_store;
use super::{Body, State, status_response};
use crate::field_selector::supported_fields;
use crate::path::Query;
use crate::registry::ResourceInfo;
use crate::store::ResourceType;
use crate::watch::{EventType, WatchError, WatchEvent, WatchParams};
use serde_json::json;

/// How often an idle watch with `allowWatchBookmarks=true` gets a BOOKMARK.
const BOOKMARK_EVERY: Duration = Duration::from_secs(30);

fn stream_response(rx: mpsc::Receiver<Bytes>) -> Response<Body> {
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<_, Infallible>(Frame::data(b)), rx))
    });
    let mut r = Response::new(StreamBody::new(stream).boxed_unsync());
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

/// Table watches (`kubectl get -w`): each object event carries a one-row Table; only the
/// first one has `columnDefinitions`.
struct TableState {
    info: ResourceInfo,
    include: crate::table::IncludeObject,
    first: bool,
}

impl TableState {
    fn line(&mut self, e: &WatchEvent) -> String {
        if matches!(e.event_type, EventType::Bookmark | EventType::Error) {
            return e.to_line();
        }
        let mut t = super::to_table(&self.info, std::slice::from_ref(&*e.object), self.include);
        t["metadata"] = json!({"resourceVersion": e.object.pointer("/metadata/resourceVersion")});
        if !self.first {
            t["columnDefinitions"] = json!([]);
        }
        self.first = false;
        let mut s = json!({"type": e.event_type.as_str(), "object": t}).to_string();
        s.push('\n');
        s
    }
}

async fn send(
    tx: &mpsc::Sender<Bytes>,
    events: Vec<WatchEvent>,
    table: &mut Option<TableState>,
) -> bool {
    for e in events {
        let line = match table.as_mut() {
            Some(t) => t.line(&e),
            None => e.to_line(),
        };
        if tx.send(Bytes::from(line)).await.is_err() {
            return false;
        }
    }
    true
}

/// Starts a watch: errors in the parameters are an HTTP error; an expired or too-new
/// resourceVersion is a 200 stream with one ERROR event.
pub(crate) fn watch(
    state: &Arc<State>,
    info: &ResourceInfo,
    rt: ResourceType,
    ns: Option<&str>,
    q: &Query,
    meta: &super::Meta,
) -> Response<Body> {
    let table = if super::wants_table(&meta.accept) {
        match super::include_object(q) {
            Ok(inc) => Some(TableState {
                info: info.clone(),
                include: inc,
                first: true,
            }),
            Err(s) => return status_response(&s),
        }
    } else {
        None
    };
    let params = match WatchParams::from_query(q, ns, supported_fields(&info.group, &info.resource))
    {
        Ok(p) => p,
        Err(e) => return status_response(&e.to_status()),
    };
    let started = {
        let store = lock_store(state);
        // Events between the requested resourceVersion and now are sent at once: the change
        // notification only fires for later commits.
        store
            .watch(&rt, &params)
            .and_then(|(mut events, mut cursor)| {
                events.extend(store.poll(&mut cursor)?);
                Ok((events, cursor, store.subscribe()))
            })
    };
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let (initial, mut cursor, mut changes) = match started {
        Ok(x) => x,
        Err(WatchError::Rejected(e)) => return status_response(&e.to_status()),
        Err(e) => {
            let line = Bytes::from(e.to_event().to_line());
            tokio::spawn(async move {
                let _ = tx.send(line).await;
            });
            return stream_response(rx);
        }
    };
    let timeout = q
        .timeout_seconds
        .filter(|t| *t > 0)
        .map(|t| Duration::from_secs(t.unsigned_abs()));
    let state = state.clone();
    let mut table = table;
    tokio::spawn(async move {
        if !send(&tx, initial, &mut table).await {
            return;
        }
        let deadline =
            tokio::time::sleep(timeout.unwrap_or(Duration::from_secs(u64::from(u32::MAX))));
        tokio::pin!(deadline);
        let mut ticker = tokio::time::interval(BOOKMARK_EVERY);
        ticker.tick().await;
        loop {
            tokio::select! {
                changed = changes.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let polled = lock_store(&state).poll(&mut cursor);
                    match polled {
                        Ok(events) => {
                            if !send(&tx, events, &mut table).await {
                                return;
                            }
                        }
                        Err(e) => {
                            let _ = send(&tx, vec![e.to_event()], &mut table).await;
                            return;
                        }
                    }
                }
                _ = ticker.tick() => {
                    if let Some(b) = cursor.bookmark()
                        && !send(&tx, vec![b], &mut table).await
                    {
                        return;
                    }
                }
                () = &mut deadline => return,
                () = tx.closed() => return,
            }
        }
    });
    stream_response(rx)
}
