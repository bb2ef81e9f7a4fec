//! `events [--for Kind[/name]] [-A] [--types …]` (flux's `events.go`): the Kubernetes
//! Events of Flux objects, oldest first.

use clap::{ArgAction, Args};
use serde_json::Value;

use super::{Ctx, failure, int_at, str_at, table};
use crate::flags;

/// The kinds whose events are shown, and where an object names a related source.
const FLUX_KINDS: [(&str, &str, &str, &str); 14] = [
    // kind, group/version/plural path of the object, fixed referenced kind, reference field
    (
        "Kustomization",
        "kustomize.toolkit.fluxcd.io/v1/kustomizations",
        "",
        "/spec/sourceRef",
    ),
    (
        "HelmRelease",
        "helm.toolkit.fluxcd.io/v2/helmreleases",
        "",
        "/spec/chart/spec/sourceRef",
    ),
    (
        "Alert",
        "notification.toolkit.fluxcd.io/v1beta3/alerts",
        "Provider",
        "/spec/providerRef",
    ),
    ("Receiver", "", "", ""),
    ("Provider", "", "", ""),
    (
        "ImagePolicy",
        "image.toolkit.fluxcd.io/v1/imagepolicies",
        "ImageRepository",
        "/spec/imageRepositoryRef",
    ),
    (
        "HelmChart",
        "source.toolkit.fluxcd.io/v1/helmcharts",
        "",
        "/spec/sourceRef",
    ),
    ("GitRepository", "", "", ""),
    ("OCIRepository", "", "", ""),
    ("Bucket", "", "", ""),
    ("HelmRepository", "", "", ""),
    (
        "ImageUpdateAutomation",
        "image.toolkit.fluxcd.io/v1/imageupdateautomations",
        "",
        "/spec/sourceRef",
    ),
    ("ImageRepository", "", "", ""),
    ("ArtifactGenerator", "", "", ""),
];

/// `events` flags.
#[derive(Args, Debug)]
pub struct EventsArgs {
    /// display events from all namespaces
    #[arg(short = 'A', long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = flags::boolean)]
    pub all_namespaces: bool,
    /// indicate if the events should be streamed
    #[arg(short = 'w', long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = flags::boolean)]
    pub watch: bool,
    /// get the events for a particular object in the format <kind>/<name>
    #[arg(long = "for", default_value = "", allow_hyphen_values = true)]
    pub for_selector: String,
    /// filter events for certain types (valid types are: Normal, Warning)
    #[arg(long, action = ArgAction::Append, value_parser = flags::csv_raw)]
    pub types: Vec<String>,
}

/// An event's time for sorting (flux's `eventTime`), as an RFC 3339 string.
fn event_time(e: &Value) -> &str {
    let series = str_at(e, "/series/lastObservedTime");
    if !series.is_empty() {
        return series;
    }
    let last = str_at(e, "/lastTimestamp");
    if !last.is_empty() {
        last
    } else {
        str_at(e, "/eventTime")
    }
}

/// `<unknown>` or the human duration since `ts`.
fn since(ts: &str, now: i64) -> String {
    match gitops_devcluster::table::parse_rfc3339(ts) {
        Some(t) => gitops_devcluster::table::human_duration(now - t),
        None => "<unknown>".to_string(),
    }
}

/// flux's `getLastSeen`.
pub fn last_seen(e: &Value, now: i64) -> String {
    let event_time = str_at(e, "/eventTime");
    let first = if event_time.is_empty() {
        since(str_at(e, "/firstTimestamp"), now)
    } else {
        since(event_time, now)
    };
    let count = int_at(e, "/count");
    if e.pointer("/series").is_some_and(|s| !s.is_null()) {
        format!(
            "{} (x{} over {first})",
            since(str_at(e, "/series/lastObservedTime"), now),
            int_at(e, "/series/count")
        )
    } else if count > 1 {
        format!(
            "{} (x{count} over {first})",
            since(str_at(e, "/lastTimestamp"), now)
        )
    } else {
        first
    }
}

/// The row of one event.
pub fn event_row(e: &Value, show_namespace: bool, now: i64) -> Vec<String> {
    let mut row = Vec::new();
    if show_namespace {
        row.push(str_at(e, "/metadata/namespace").to_string());
    }
    row.push(last_seen(e, now));
    row.push(str_at(e, "/type").to_string());
    row.push(str_at(e, "/reason").to_string());
    row.push(format!(
        "{}/{}",
        str_at(e, "/involvedObject/kind"),
        str_at(e, "/involvedObject/name")
    ));
    row.push(str_at(e, "/message").to_string());
    row
}

/// The canonical spelling of a Flux kind, or flux's error.
fn flux_kind(
    kind: &str,
) -> Result<(&'static str, &'static str, &'static str, &'static str), String> {
    FLUX_KINDS
        .into_iter()
        .find(|k| k.0.eq_ignore_ascii_case(kind))
        .ok_or_else(|| format!("'{kind}' is not a recognized Flux kind"))
}

/// Runs `gitops events`; the table for stdout.
pub fn run(ctx: &Ctx, args: &EventsArgs) -> Result<String, String> {
    let types = flags::slice(&args.types);
    for t in &types {
        if !t.eq_ignore_ascii_case("Warning") && !t.eq_ignore_ascii_case("Normal") {
            return Err(format!(
                "type '{t}' not supported. Supported types are Normal, Warning"
            ));
        }
    }
    if args.watch {
        return Err("--watch is not supported by this build".to_string());
    }
    let namespace = if args.all_namespaces {
        String::new()
    } else {
        ctx.namespace.clone()
    };
    // (namespace or "" for all, kind filter, name filter)
    let mut queries: Vec<(String, String, String)> = Vec::new();
    let mut diff_ref_ns = false;
    if args.for_selector.is_empty() {
        queries.push((namespace.clone(), String::new(), String::new()));
    } else {
        let (kind, name) = match args.for_selector.split_once('/') {
            Some((k, n)) => (k.to_string(), n.to_string()),
            None => (args.for_selector.clone(), String::new()),
        };
        if kind.is_empty() {
            return Err("--for selector must be of format <kind>[/<name>]".to_string());
        }
        let info = flux_kind(&kind)?;
        queries.push((namespace.clone(), info.0.to_string(), name.clone()));
        if !name.is_empty() && !info.1.is_empty() {
            let (gv, plural) = info.1.rsplit_once('/').unwrap_or_default();
            let obj_path = format!("/apis/{gv}/namespaces/{}/{plural}/{name}", ctx.namespace);
            let obj = ctx.client.get(&obj_path).map_err(|e| e.to_string())?;
            let reference = obj.pointer(info.3).cloned().unwrap_or(Value::Null);
            let ref_kind = if info.2.is_empty() {
                str_at(&reference, "/kind")
            } else {
                info.2
            };
            let ref_name = str_at(&reference, "/name");
            if ref_kind.is_empty() || ref_name.is_empty() {
                return Err(format!(
                    "field '{}' for '{}/{name}' not found",
                    info.3.trim_start_matches('/').replace('/', "."),
                    ctx.namespace
                ));
            }
            let ref_ns = match str_at(&reference, "/namespace") {
                ns if !ns.is_empty() && info.2.is_empty() => ns.to_string(),
                _ => ctx.namespace.clone(),
            };
            if ref_ns != namespace {
                diff_ref_ns = true;
            }
            queries.push((ref_ns, ref_kind.to_string(), ref_name.to_string()));
        }
    }
    let show_namespace = namespace.is_empty() || diff_ref_ns;
    let mut events = Vec::new();
    for (ns, kind, name) in &queries {
        let path = if ns.is_empty() {
            "/api/v1/events".to_string()
        } else {
            format!("/api/v1/namespaces/{ns}/events")
        };
        let items = ctx
            .client
            .list(&path)
            .map_err(|e| format!("error getting events: {e}"))?;
        events.extend(items.into_iter().filter(|e| {
            (kind.is_empty() || str_at(e, "/involvedObject/kind") == kind)
                && (name.is_empty() || str_at(e, "/involvedObject/name") == name)
        }));
    }
    events.sort_by(|a, b| {
        let ta = gitops_devcluster::table::parse_rfc3339(event_time(a)).unwrap_or(i64::MIN);
        let tb = gitops_devcluster::table::parse_rfc3339(event_time(b)).unwrap_or(i64::MIN);
        ta.cmp(&tb)
    });
    let now = gitops_devcluster::table::now_unix();
    let rows: Vec<Vec<String>> = events
        .iter()
        .filter(|e| flux_kind(str_at(e, "/involvedObject/kind")).is_ok())
        .filter(|e| {
            types.is_empty()
                || types
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(str_at(e, "/type")))
        })
        .map(|e| event_row(e, show_namespace, now))
        .collect();
    if rows.is_empty() {
        if args.all_namespaces {
            failure("No events found.");
        } else {
            failure(&format!("No events found in {} namespace.", ctx.namespace));
        }
        return Ok(String::new());
    }
    let mut header = Vec::new();
    if show_namespace {
        header.push("Namespace");
    }
    header.extend(["Last seen", "Type", "Reason", "Object", "Message"]);
    Ok(table(&header, &rows))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn last_seen_like_kubectl() {
        let now =
            gitops_devcluster::table::parse_rfc3339("2026-01-01T00:10:00Z").unwrap_or_default();
        let e = json!({"firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:09:00Z", "count": 3});
        assert_eq!(last_seen(&e, now), "60s (x3 over 10m)");
        assert_eq!(last_seen(&json!({}), now), "<unknown>");
        assert!(flux_kind("kustomization").is_ok());
        assert_eq!(
            flux_kind("Pod").unwrap_err(),
            "'Pod' is not a recognized Flux kind"
        );
    }
}
