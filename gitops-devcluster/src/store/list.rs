//! LIST: selectors, `limit` + `continue` paging over consistent snapshots, and the
//! `resourceVersion` / `resourceVersionMatch` rules of the API server.
//!
//! | resourceVersion | match | limit | served from |
//! |---|---|---|---|
//! | unset/"" | – | any | latest |
//! | "0" | – / NotOlderThan | ignored (like the watch cache) | latest |
//! | N | – | none | latest (N ≤ current, else 504) |
//! | N | – | set | snapshot at N (410 if compacted) |
//! | N | Exact | any | snapshot at N |
//! | N | NotOlderThan | any | latest |
//!
//! A `continue` token (base64url JSON `{"v":"meta.k8s.io/v1","rv":R,"start":"ns/name\u0000"}`)
//! reads the same snapshot R from just after the last returned key; once R is compacted
//! it fails with 410 Expired.

use std::ops::Bound;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::{ObjKey, ResourceType, Store, StoreError, parse_rv, version_at};
use crate::field_selector::{FieldSelector, FieldSupport};
use crate::path::Query;
use crate::selector::LabelSelector;
use crate::status::FieldError;

/// What to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListParams {
    /// Namespace, `None` = all namespaces (and cluster-scoped types).
    pub namespace: Option<String>,
    /// Label selector.
    pub labels: LabelSelector,
    /// Field selector.
    pub fields: FieldSelector,
    /// Page size, 0 = everything.
    pub limit: i64,
    /// `continue` token from a previous page.
    pub continue_token: Option<String>,
    /// `resourceVersion`.
    pub resource_version: Option<String>,
    /// `resourceVersionMatch`.
    pub resource_version_match: Option<String>,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListResult {
    /// Items in key order, shared with the store (a list copies no object).
    pub items: Vec<Arc<Value>>,
    /// `metadata.resourceVersion` of the list (the snapshot's revision).
    pub resource_version: String,
    /// `metadata.continue`, when more items follow.
    pub continue_token: Option<String>,
    /// `metadata.remainingItemCount` (only without selectors, only with a continue token).
    pub remaining_item_count: Option<i64>,
}

impl ListResult {
    /// The `<Kind>List` body.
    pub fn to_json(&self, rt: &ResourceType) -> Value {
        let mut meta = serde_json::Map::new();
        meta.insert("resourceVersion".into(), json!(self.resource_version));
        if let Some(c) = &self.continue_token {
            meta.insert("continue".into(), json!(c));
        }
        if let Some(n) = self.remaining_item_count {
            meta.insert("remainingItemCount".into(), json!(n));
        }
        let items: Vec<&Value> = self.items.iter().map(|i| &**i).collect();
        json!({"kind": format!("{}List", rt.kind), "apiVersion": rt.api_version(), "metadata": meta, "items": items})
    }

    /// The `<Kind>List` body as JSON text, written straight from the shared items.
    pub fn to_body(&self, rt: &ResourceType) -> String {
        let mut meta = serde_json::Map::new();
        meta.insert("resourceVersion".into(), json!(self.resource_version));
        if let Some(c) = &self.continue_token {
            meta.insert("continue".into(), json!(c));
        }
        if let Some(n) = self.remaining_item_count {
            meta.insert("remainingItemCount".into(), json!(n));
        }
        let body = ListBody {
            kind: format!("{}List", rt.kind),
            api_version: rt.api_version(),
            metadata: meta,
            items: self.items.iter().map(|i| &**i).collect(),
        };
        serde_json::to_string(&body).unwrap_or_default()
    }
}

/// The serialized shape of a list (field order as the API server writes it).
#[derive(serde::Serialize)]
struct ListBody<'a> {
    kind: String,
    #[serde(rename = "apiVersion")]
    api_version: String,
    metadata: serde_json::Map<String, Value>,
    items: Vec<&'a Value>,
}

fn invalid_list_options(errors: Vec<FieldError>) -> StoreError {
    StoreError::Invalid {
        group: "meta.k8s.io".into(),
        kind: "ListOptions".into(),
        name: String::new(),
        errors,
    }
}

/// Validates `resourceVersionMatch` and `sendInitialEvents` as apimachinery's
/// `ValidateListOptions` does (422 on `ListOptions.meta.k8s.io ""`).
pub(crate) fn validate_list_options(
    rv: Option<&str>,
    rvm: Option<&str>,
    continue_token: Option<&str>,
    send_initial_events: Option<bool>,
    allow_bookmarks: bool,
    watch: bool,
) -> Result<(), StoreError> {
    let mut errs = Vec::new();
    let rv = rv.unwrap_or("");
    if send_initial_events.is_some() {
        if !watch {
            errs.push(FieldError::forbidden(
                "sendInitialEvents",
                "sendInitialEvents is forbidden for list",
            ));
        } else {
            if rvm != Some("NotOlderThan") {
                errs.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                ));
            }
            if !allow_bookmarks {
                errs.push(FieldError::forbidden(
                    "allowWatchBookmarks",
                    "sendInitialEvents requires setting allowWatchBookmarks to true",
                ));
            }
        }
    } else if let Some(m) = rvm.filter(|m| !m.is_empty()) {
        if watch {
            errs.push(FieldError::forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
            ));
        } else if rv.is_empty() {
            errs.push(FieldError::forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch is forbidden unless resourceVersion is provided",
            ));
        } else if continue_token.is_some_and(|c| !c.is_empty()) {
            errs.push(FieldError::forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch is forbidden when continue is provided",
            ));
        } else if m == "Exact" && rv == "0" {
            errs.push(FieldError::forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
            ));
        } else if m != "Exact" && m != "NotOlderThan" {
            errs.push(FieldError {
                kind: crate::status::FieldErrorType::NotSupported,
                field: "resourceVersionMatch".into(),
                bad_value: Some(crate::status::go_quote(m)),
                detail: "supported values: \"Exact\", \"NotOlderThan\", \"\"".into(),
            });
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(invalid_list_options(errs))
    }
}

impl ListParams {
    /// Builds list parameters from a parsed query: parses the selectors (400 on errors,
    /// field selectors checked against `support`) and rejects `sendInitialEvents` on a list.
    pub fn from_query(
        q: &Query,
        namespace: Option<&str>,
        support: FieldSupport,
    ) -> Result<Self, StoreError> {
        let labels = LabelSelector::parse(q.label_selector.as_deref().unwrap_or(""))
            .map_err(|e| StoreError::BadRequest(e.to_string()))?;
        let fields = FieldSelector::parse_for(q.field_selector.as_deref().unwrap_or(""), support)
            .map_err(|e| StoreError::BadRequest(e.to_string()))?;
        Ok(Self {
            namespace: namespace.map(str::to_string),
            labels,
            fields,
            limit: q.limit.unwrap_or(0),
            continue_token: q.continue_token.clone().filter(|c| !c.is_empty()),
            resource_version: q.resource_version.clone(),
            resource_version_match: q.resource_version_match.clone().filter(|m| !m.is_empty()),
        })
    }

    /// Whether an object passes the namespace and both selectors.
    pub fn matches(&self, obj: &Value) -> bool {
        let ns_ok = self.namespace.as_deref().is_none_or(|ns| {
            obj.pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("")
                == ns
        });
        ns_ok && self.labels.matches_object(obj) && self.fields.matches_object(obj)
    }
}

const CONTINUE_EXPIRED: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.";
const LIST_TOO_OLD: &str = "The resourceVersion for the provided list is too old.";

fn encode_continue(rv: u64, key: &ObjKey) -> String {
    let start = if key.0.is_empty() {
        format!("{}\u{0}", key.1)
    } else {
        format!("{}/{}\u{0}", key.0, key.1)
    };
    let body = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": start});
    URL_SAFE_NO_PAD.encode(body.to_string())
}

fn decode_continue(token: &str, namespaced: bool) -> Result<(u64, ObjKey), StoreError> {
    let bad = |why: &str| {
        StoreError::BadRequest(format!(
            "invalid continue token: continue key is not valid: {why}"
        ))
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| bad("illegal base64 data"))?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad("the token is not JSON"))?;
    if v.get("v").and_then(Value::as_str) != Some("meta.k8s.io/v1") {
        return Err(bad("server does not recognize this encoded key"));
    }
    let rv = v
        .get("rv")
        .and_then(Value::as_u64)
        .filter(|rv| *rv > 0)
        .ok_or_else(|| bad("incorrect encoded start resourceVersion (version meta.k8s.io/v1)"))?;
    let start = v
        .get("start")
        .and_then(Value::as_str)
        .and_then(|s| s.strip_suffix('\u{0}'))
        .ok_or_else(|| bad("encoded start key is invalid"))?;
    let key = match (namespaced, start.split_once('/')) {
        (true, Some((ns, name))) => (ns.to_string(), name.to_string()),
        (false, None) => (String::new(), start.to_string()),
        _ => return Err(bad("encoded start key is invalid")),
    };
    Ok((rv, key))
}

impl Store {
    /// LIST objects of a type (see the module docs for the resourceVersion rules).
    pub fn list(&self, rt: &ResourceType, p: &ListParams) -> Result<ListResult, StoreError> {
        validate_list_options(
            p.resource_version.as_deref(),
            p.resource_version_match.as_deref(),
            p.continue_token.as_deref(),
            None,
            false,
            false,
        )?;
        let rv_param = p.resource_version.as_deref().unwrap_or("");
        let requested = parse_rv(Some(rv_param))?;
        let mut limit = p.limit.max(0) as usize;
        let compacted = self.compacted_revision();
        let (snapshot, start) = if let Some(token) = &p.continue_token {
            if requested.is_some() {
                return Err(StoreError::BadRequest(
                    "specifying resource version is not allowed when using continue".into(),
                ));
            }
            let (rv, key) = decode_continue(token, rt.namespaced)?;
            if rv < compacted || rv > self.rv {
                return Err(StoreError::Expired(CONTINUE_EXPIRED.into()));
            }
            (rv, Some(key))
        } else {
            if rv_param == "0" {
                limit = 0;
            }
            match requested {
                None => (self.rv, None),
                Some(n) if n > self.rv => {
                    return Err(StoreError::TooLargeResourceVersion {
                        requested: n,
                        current: self.rv,
                    });
                }
                Some(n) => {
                    let exact = match p.resource_version_match.as_deref() {
                        Some("Exact") => true,
                        Some(_) => false,
                        None => limit > 0,
                    };
                    if !exact {
                        (self.rv, None)
                    } else if n < compacted {
                        return Err(StoreError::Expired(LIST_TOO_OLD.into()));
                    } else {
                        (n, None)
                    }
                }
            }
        };
        let empty = Default::default();
        let map = self
            .data
            .get(&(rt.group.clone(), rt.resource.clone()))
            .unwrap_or(&empty);
        let lower = match &start {
            Some(k) => Bound::Excluded(k.clone()),
            None => match &p.namespace {
                Some(ns) if rt.namespaced => Bound::Included((ns.clone(), String::new())),
                _ => Bound::Unbounded,
            },
        };
        let scope_ns = p.namespace.as_ref().filter(|_| rt.namespaced);
        let mut iter = map
            .range((lower, Bound::Unbounded))
            .take_while(|(k, _)| scope_ns.is_none_or(|ns| &k.0 == ns))
            .filter_map(|(k, versions)| version_at(versions, snapshot).map(|o| (k, o)))
            .filter(|(_, o)| p.labels.matches_object(o) && p.fields.matches_object(o));
        let mut items = Vec::new();
        let mut last_key = None;
        for (k, o) in iter.by_ref() {
            items.push(o.clone());
            last_key = Some(k.clone());
            if limit > 0 && items.len() == limit {
                break;
            }
        }
        let mut continue_token = None;
        let mut remaining_item_count = None;
        if limit > 0 && items.len() == limit {
            let rest = iter.count();
            if rest > 0 {
                continue_token = last_key.map(|k| encode_continue(snapshot, &k));
                if p.labels.is_empty() && p.fields.is_empty() {
                    remaining_item_count = Some(rest as i64);
                }
            }
        }
        Ok(ListResult {
            items,
            resource_version: snapshot.to_string(),
            continue_token,
            remaining_item_count,
        })
    }
}
