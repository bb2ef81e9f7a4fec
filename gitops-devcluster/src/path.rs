//! Kubernetes API request paths and query strings, parsed into typed descriptors.
//!
//! [`ApiPath::parse`] never fails: a shape the API server does not serve is
//! [`ApiPath::NotFound`] (answer with [`Status::not_found_path`]). [`Query::parse`] reads
//! the query string as Go's `URL.Query()` does: `+` is a space, `%XX` is decoded, pairs with
//! bad escapes or a `;` are silently dropped, the first value of a repeated key wins (except
//! `dryRun`, which collects all). Only numeric and boolean conversion can fail.

use thiserror::Error;

use crate::status::Status;

/// A query-string error (400 BadRequest).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum QueryError {
    /// An integer parameter does not parse as Go's `strconv.ParseInt` would.
    #[error(
        "invalid value {value:?} for query parameter {param:?}: strconv.ParseInt: parsing {value:?}: invalid syntax"
    )]
    InvalidInt {
        /// Parameter name.
        param: String,
        /// Raw value.
        value: String,
    },
}

impl QueryError {
    /// The 400 BadRequest Status.
    pub fn to_status(&self) -> Status {
        Status::bad_request(self.to_string())
    }
}

/// A request for a resource collection, an object or an object's subresource.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourcePath {
    /// API group; empty for the core group (`/api/v1`).
    pub group: String,
    /// API version, e.g. `v1`.
    pub version: String,
    /// Namespace from `namespaces/<ns>/…`; `None` for cluster-scoped paths and for
    /// cross-namespace collection requests.
    pub namespace: Option<String>,
    /// Resource plural, e.g. `configmaps`.
    pub resource: String,
    /// Object name, if the path names one.
    pub name: Option<String>,
    /// Subresource (`status`, `scale`, `finalize`, …).
    pub subresource: Option<String>,
    /// The deprecated `/api/v1/watch/…` prefix was used (a watch, like `watch=true`).
    pub watch_prefix: bool,
}

/// What a request path addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiPath {
    /// `/version`.
    Version,
    /// `/healthz`, `/livez`, `/readyz` (with any suffix).
    Health(String),
    /// `/api`: legacy core versions (or aggregated discovery by Accept header).
    CoreVersions,
    /// `/api/v1`: the core resource list.
    CoreResources {
        /// Version (`v1`).
        version: String,
    },
    /// `/apis`: the group list.
    Groups,
    /// `/apis/<group>`: one group.
    Group {
        /// Group name.
        group: String,
    },
    /// `/apis/<group>/<version>`: a group-version's resource list.
    GroupResources {
        /// Group name.
        group: String,
        /// Version.
        version: String,
    },
    /// `/openapi/v2`.
    OpenApiV2,
    /// `/openapi/v3` (index, `rest` empty) or `/openapi/v3/<rest>` (e.g. `apis/apps/v1`).
    OpenApiV3 {
        /// The path below `/openapi/v3/`, empty for the index.
        rest: String,
    },
    /// A resource collection, object or subresource.
    Resource(ResourcePath),
    /// Anything else: 404 `the server could not find the requested resource`.
    NotFound,
}

/// Decodes `%XX` escapes (and `+` as space when `plus` is set); `None` on a bad escape.
pub fn percent_decode(s: &str, plus: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = b.get(i + 1..i + 3)?;
                let text = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(text, 16).ok()?);
                i += 3;
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

impl ApiPath {
    /// Parses a request path (without the query string; a `?…` tail is ignored).
    pub fn parse(path: &str) -> Self {
        let path = path.split('?').next().unwrap_or_default();
        let trimmed = path
            .strip_suffix('/')
            .filter(|p| !p.is_empty())
            .unwrap_or(path);
        let Some(rest) = trimmed.strip_prefix('/') else {
            return Self::NotFound;
        };
        let mut segs = Vec::new();
        for s in rest.split('/') {
            match percent_decode(s, false) {
                Some(d) if !d.is_empty() => segs.push(d),
                _ => return Self::NotFound,
            }
        }
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        match segs.as_slice() {
            ["version"] => Self::Version,
            ["healthz" | "livez" | "readyz", ..] => Self::Health(segs.join("/")),
            ["api"] => Self::CoreVersions,
            ["api", v] => Self::CoreResources {
                version: v.to_string(),
            },
            ["api", v, tail @ ..] => resource_path("", v, tail),
            ["apis"] => Self::Groups,
            ["apis", g] => Self::Group {
                group: g.to_string(),
            },
            ["apis", g, v] => Self::GroupResources {
                group: g.to_string(),
                version: v.to_string(),
            },
            ["apis", g, v, tail @ ..] => resource_path(g, v, tail),
            ["openapi", "v2"] => Self::OpenApiV2,
            ["openapi", "v3", tail @ ..] => Self::OpenApiV3 {
                rest: tail.join("/"),
            },
            _ => Self::NotFound,
        }
    }
}

fn resource_path(group: &str, version: &str, tail: &[&str]) -> ApiPath {
    let (watch_prefix, tail) = match tail {
        ["watch", rest @ ..] if !rest.is_empty() => (true, rest),
        _ => (false, tail),
    };
    let base = ResourcePath {
        group: group.into(),
        version: version.into(),
        watch_prefix,
        ..Default::default()
    };
    let own = |s: &&str| Some(s.to_string());
    let rp = match tail {
        // The Namespace object itself and its subresources.
        ["namespaces", ns, sub @ ("status" | "finalize")] if !watch_prefix => ResourcePath {
            resource: "namespaces".into(),
            name: own(ns),
            subresource: own(sub),
            ..base
        },
        ["namespaces", ns, resource, rest @ ..] if rest.len() <= 2 => ResourcePath {
            namespace: own(ns),
            resource: resource.to_string(),
            name: rest.first().map(|s| s.to_string()),
            subresource: rest.get(1).map(|s| s.to_string()),
            ..base
        },
        [resource, rest @ ..] if rest.len() <= 2 => ResourcePath {
            resource: resource.to_string(),
            name: rest.first().map(|s| s.to_string()),
            subresource: rest.get(1).map(|s| s.to_string()),
            ..base
        },
        _ => return ApiPath::NotFound,
    };
    ApiPath::Resource(rp)
}

/// The query parameters the devcluster understands (list, watch, write and delete options).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    /// `labelSelector` (unparsed; see [`crate::selector::LabelSelector`]).
    pub label_selector: Option<String>,
    /// `fieldSelector` (unparsed; see [`crate::field_selector::FieldSelector`]).
    pub field_selector: Option<String>,
    /// `limit` (0 = no limit).
    pub limit: Option<i64>,
    /// `continue`.
    pub continue_token: Option<String>,
    /// `resourceVersion`.
    pub resource_version: Option<String>,
    /// `resourceVersionMatch` (`Exact`, `NotOlderThan`).
    pub resource_version_match: Option<String>,
    /// `watch`.
    pub watch: bool,
    /// `allowWatchBookmarks`.
    pub allow_watch_bookmarks: bool,
    /// `sendInitialEvents` (`None` when absent).
    pub send_initial_events: Option<bool>,
    /// `timeoutSeconds`.
    pub timeout_seconds: Option<i64>,
    /// `dryRun` values (all of them, e.g. `["All"]`).
    pub dry_run: Vec<String>,
    /// `fieldManager`.
    pub field_manager: Option<String>,
    /// `fieldValidation` (`Ignore`, `Warn`, `Strict`).
    pub field_validation: Option<String>,
    /// `force` (`None` when absent).
    pub force: Option<bool>,
    /// `propagationPolicy` (`Orphan`, `Background`, `Foreground`).
    pub propagation_policy: Option<String>,
    /// `gracePeriodSeconds`.
    pub grace_period_seconds: Option<i64>,
    /// `timeout` (a Go duration such as `32s`; raw).
    pub timeout: Option<String>,
    /// Every other parameter, decoded, in order.
    pub other: Vec<(String, String)>,
}

/// Go's `Convert_Slice_string_To_bool`: `"0"` and `"false"` (any case) are false,
/// anything else (even empty) is true.
fn go_bool(v: &str) -> bool {
    !(v == "0" || v.eq_ignore_ascii_case("false"))
}

fn go_int(param: &str, v: &str) -> Result<i64, QueryError> {
    v.parse::<i64>().map_err(|_| QueryError::InvalidInt {
        param: param.into(),
        value: v.into(),
    })
}

/// Splits a raw query string into decoded pairs like Go's `url.ParseQuery`, dropping
/// malformed pairs.
pub fn query_pairs(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty() && !p.contains(';'))
        .filter_map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((percent_decode(k, true)?, percent_decode(v, true)?))
        })
        .collect()
}

impl Query {
    /// Parses a raw query string (without the leading `?`).
    pub fn parse(raw: &str) -> Result<Self, QueryError> {
        let mut q = Query::default();
        let mut seen = std::collections::HashSet::new();
        for (k, v) in query_pairs(raw) {
            if k == "dryRun" {
                q.dry_run.push(v);
                continue;
            }
            if !seen.insert(k.clone()) {
                continue;
            }
            match k.as_str() {
                "labelSelector" => q.label_selector = Some(v),
                "fieldSelector" => q.field_selector = Some(v),
                "limit" => q.limit = Some(go_int(&k, &v)?),
                "continue" => q.continue_token = Some(v),
                "resourceVersion" => q.resource_version = Some(v),
                "resourceVersionMatch" => q.resource_version_match = Some(v),
                "watch" => q.watch = go_bool(&v),
                "allowWatchBookmarks" => q.allow_watch_bookmarks = go_bool(&v),
                "sendInitialEvents" => q.send_initial_events = Some(go_bool(&v)),
                "timeoutSeconds" => q.timeout_seconds = Some(go_int(&k, &v)?),
                "fieldManager" => q.field_manager = Some(v),
                "fieldValidation" => q.field_validation = Some(v),
                "force" => q.force = Some(go_bool(&v)),
                "propagationPolicy" => q.propagation_policy = Some(v),
                "gracePeriodSeconds" => q.grace_period_seconds = Some(go_int(&k, &v)?),
                "timeout" => q.timeout = Some(v),
                _ => q.other.push((k, v)),
            }
        }
        Ok(q)
    }

    /// `dryRun=All` was given.
    pub fn is_dry_run(&self) -> bool {
        self.dry_run.iter().any(|d| d == "All")
    }

    /// The first `dryRun` value other than `All`, which the API server rejects with 422
    /// `dryRun: Unsupported value: "<v>": supported values: "All"`.
    pub fn unsupported_dry_run(&self) -> Option<&str> {
        self.dry_run
            .iter()
            .find(|d| d.as_str() != "All")
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(p: &str) -> ResourcePath {
        match ApiPath::parse(p) {
            ApiPath::Resource(r) => r,
            other => panic!("{p}: {other:?}"),
        }
    }

    #[test]
    fn discovery_paths() {
        assert_eq!(ApiPath::parse("/version"), ApiPath::Version);
        assert_eq!(ApiPath::parse("/api"), ApiPath::CoreVersions);
        assert_eq!(ApiPath::parse("/api/"), ApiPath::CoreVersions);
        assert_eq!(ApiPath::parse("/apis"), ApiPath::Groups);
        assert_eq!(
            ApiPath::parse("/api/v1"),
            ApiPath::CoreResources {
                version: "v1".into()
            }
        );
        assert_eq!(
            ApiPath::parse("/apis/apps"),
            ApiPath::Group {
                group: "apps".into()
            }
        );
        assert_eq!(
            ApiPath::parse("/apis/apps/v1"),
            ApiPath::GroupResources {
                group: "apps".into(),
                version: "v1".into()
            }
        );
        assert_eq!(
            ApiPath::parse("/openapi/v3"),
            ApiPath::OpenApiV3 {
                rest: String::new()
            }
        );
        assert_eq!(
            ApiPath::parse("/openapi/v3/apis/apps/v1"),
            ApiPath::OpenApiV3 {
                rest: "apis/apps/v1".into()
            }
        );
        assert_eq!(ApiPath::parse("/openapi/v2"), ApiPath::OpenApiV2);
        assert_eq!(ApiPath::parse("/nope"), ApiPath::NotFound);
        assert_eq!(ApiPath::parse(""), ApiPath::NotFound);
        assert_eq!(ApiPath::parse("/api//v1"), ApiPath::NotFound);
    }

    #[test]
    fn resource_paths() {
        let r = res("/api/v1/namespaces");
        assert_eq!(
            (r.resource.as_str(), r.namespace, r.name),
            ("namespaces", None, None)
        );
        let r = res("/api/v1/namespaces/default");
        assert_eq!(
            (r.resource.as_str(), r.namespace, r.name.as_deref()),
            ("namespaces", None, Some("default"))
        );
        let r = res("/api/v1/namespaces/x/finalize");
        assert_eq!(
            (r.name.as_deref(), r.subresource.as_deref()),
            (Some("x"), Some("finalize"))
        );
        let r = res("/apis/apps/v1/namespaces/ns/deployments/web/scale");
        assert_eq!(r.group, "apps");
        assert_eq!(r.namespace.as_deref(), Some("ns"));
        assert_eq!(
            (
                r.resource.as_str(),
                r.name.as_deref(),
                r.subresource.as_deref()
            ),
            ("deployments", Some("web"), Some("scale"))
        );
        let r = res("/api/v1/namespaces/ns/configmaps");
        assert_eq!(
            (r.namespace.as_deref(), r.resource.as_str(), r.name),
            (Some("ns"), "configmaps", None)
        );
        let r = res("/apis/rbac.authorization.k8s.io/v1/clusterroles/a%3Ab");
        assert_eq!(r.name.as_deref(), Some("a:b"));
        let r = res("/api/v1/watch/namespaces/ns/pods");
        assert!(r.watch_prefix);
        assert_eq!(
            ApiPath::parse("/api/v1/namespaces/a/b/c/d/e"),
            ApiPath::NotFound
        );
    }

    #[test]
    fn query_params() {
        let q = Query::parse(
            "labelSelector=app%3Dx%2Ctier+in+(a%2Cb)&limit=500&watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=1&dryRun=All&timeout=32s&x=y&bad=%zz",
        )
        .expect("parses");
        assert_eq!(q.label_selector.as_deref(), Some("app=x,tier in (a,b)"));
        assert_eq!(q.limit, Some(500));
        assert!(q.watch && q.allow_watch_bookmarks && q.is_dry_run());
        assert_eq!(q.send_initial_events, Some(true));
        assert_eq!(q.timeout.as_deref(), Some("32s"));
        assert_eq!(q.other, vec![("x".to_string(), "y".to_string())]);
        assert!(!Query::parse("watch=false").expect("parses").watch);
        let e = Query::parse("limit=abc").expect_err("fails");
        assert_eq!(e.to_status().code, 400);
    }
}
