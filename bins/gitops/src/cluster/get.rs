//! `get sources git|oci|bucket|all`, `get kustomizations`, `get all` (flux's `get*.go`).

use clap::{ArgAction, Args, Subcommand};
use serde_json::Value;

use super::status::{status_and_message, status_matches, truncate_hex};
use super::{
    BUCKET, Ctx, GIT_REPOSITORY, HELM_CHART, HELM_RELEASE, HELM_REPOSITORY, KUSTOMIZATION, Kind,
    OCI_REPOSITORY, failure, str_at, table,
};
use crate::cli::NameArg;
use crate::flags;

/// `get`: its persistent flags and sub-commands.
#[derive(Args, Debug)]
pub struct GetCmd {
    /// list the requested object(s) across all namespaces
    #[arg(short = 'A', long, global = true, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = flags::boolean)]
    pub all_namespaces: bool,
    /// skip the header when printing the results
    #[arg(long, global = true, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = flags::boolean)]
    pub no_header: bool,
    /// After listing/getting the requested object, watch for changes.
    #[arg(short = 'w', long, global = true, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = flags::boolean)]
    pub watch: bool,
    /// specify the status condition name and the desired state to filter the get result, e.g. ready=false or ready!=true
    #[arg(long, global = true, default_value = "", allow_hyphen_values = true)]
    pub status_selector: String,
    /// filter objects by label selector
    #[arg(
        short = 'l',
        long,
        global = true,
        default_value = "",
        allow_hyphen_values = true
    )]
    pub label_selector: String,
    /// What to get.
    #[command(subcommand)]
    pub command: Option<GetCommand>,
}

/// The get sub-commands.
#[derive(Subcommand, Debug)]
pub enum GetCommand {
    /// Get source statuses
    #[command(visible_alias = "source")]
    Sources(GetSourcesCmd),
    /// Get Kustomization statuses
    #[command(visible_aliases = ["ks", "kustomization"])]
    Kustomizations(GetKsArgs),
    /// Get all resources and statuses
    All(NameArg),
}

/// `get sources`.
#[derive(Args, Debug)]
pub struct GetSourcesCmd {
    /// The kind of source.
    #[command(subcommand)]
    pub command: Option<GetSourcesCommand>,
}

/// The get sources sub-commands.
#[derive(Subcommand, Debug)]
pub enum GetSourcesCommand {
    /// Get GitRepository source statuses
    Git(NameArg),
    /// Get OCIRepository status
    Oci(NameArg),
    /// Get Bucket source statuses
    Bucket(NameArg),
    /// Get all source statuses
    All(NameArg),
}

/// `get kustomizations` flags.
#[derive(Args, Debug)]
pub struct GetKsArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// show the source reference for each kustomization
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = flags::boolean)]
    pub show_source: bool,
}

/// The flags that shape one listing.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// `-A`.
    pub all_namespaces: bool,
    /// `--no-header`.
    pub no_header: bool,
    /// `--status-selector`.
    pub status_selector: String,
    /// `-l`.
    pub label_selector: String,
    /// `--show-source` (Kustomizations).
    pub show_source: bool,
    /// `get all`: kind-prefixed names, a blank line after each table, no "not found".
    pub get_all: bool,
}

/// Runs `gitops get …`; the tables for stdout.
pub fn run(ctx: &Ctx, cmd: &GetCmd) -> Result<Option<String>, String> {
    let mut listing = Listing {
        all_namespaces: cmd.all_namespaces,
        no_header: cmd.no_header,
        status_selector: cmd.status_selector.clone(),
        label_selector: cmd.label_selector.clone(),
        ..Listing::default()
    };
    let (kinds, name): (Vec<Kind>, &NameArg) = match &cmd.command {
        None => return Ok(None),
        Some(GetCommand::Sources(src)) => match &src.command {
            None => return Ok(None),
            Some(GetSourcesCommand::Git(n)) => (vec![GIT_REPOSITORY], n),
            Some(GetSourcesCommand::Oci(n)) => (vec![OCI_REPOSITORY], n),
            Some(GetSourcesCommand::Bucket(n)) => (vec![BUCKET], n),
            Some(GetSourcesCommand::All(n)) => {
                listing.get_all = true;
                (
                    vec![
                        OCI_REPOSITORY,
                        BUCKET,
                        GIT_REPOSITORY,
                        HELM_REPOSITORY,
                        HELM_CHART,
                    ],
                    n,
                )
            }
        },
        Some(GetCommand::Kustomizations(args)) => {
            listing.show_source = args.show_source;
            (vec![KUSTOMIZATION], &args.name)
        }
        Some(GetCommand::All(n)) => {
            listing.get_all = true;
            (
                vec![
                    OCI_REPOSITORY,
                    BUCKET,
                    GIT_REPOSITORY,
                    HELM_REPOSITORY,
                    HELM_CHART,
                    HELM_RELEASE,
                    KUSTOMIZATION,
                ],
                n,
            )
        }
    };
    if cmd.watch {
        if listing.get_all {
            return Err("expected a single resource type, but found all".to_string());
        }
        return watch(ctx, kinds[0], name.name.as_deref(), &listing).map(|()| Some(String::new()));
    }
    let name = name.name.as_deref();
    if !listing.get_all {
        return list_kind(ctx, kinds[0], name, &listing).map(Some);
    }
    let mut out = String::new();
    for kind in kinds {
        match list_kind(ctx, kind, name, &listing) {
            Ok(text) => out.push_str(&text),
            // A kind whose CRD is not installed is skipped, as flux skips NoMatch errors.
            Err(e) if e.starts_with("404:") => {}
            Err(e) => failure(&e),
        }
    }
    Ok(Some(out))
}

/// `get … --watch` (flux's `watchUntil`): every object as it is listed and then each time
/// it changes, one table per object (the first with the header), until `--timeout`.
fn watch(ctx: &Ctx, kind: Kind, name: Option<&str>, listing: &Listing) -> Result<(), String> {
    use std::io::Write;
    let namespace = (!listing.all_namespaces).then_some(ctx.namespace.as_str());
    let mut path = kind.collection(namespace);
    if let Some(n) = name {
        path = format!(
            "{path}?fieldSelector={}",
            query_escape(&format!("metadata.name={n}"))
        );
    }
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut first = true;
    let result: Result<(), String> = ctx.poll(|| {
        let items = ctx.client.list(&path).map_err(|e| e.to_string())?;
        for item in items {
            let key = format!(
                "{}/{}",
                str_at(&item, "/metadata/namespace"),
                str_at(&item, "/metadata/name")
            );
            let version = str_at(&item, "/metadata/resourceVersion").to_string();
            if seen.get(&key) == Some(&version) {
                continue;
            }
            seen.insert(key, version);
            let rows = filter_rows(kind, std::slice::from_ref(&item), listing)?;
            let header = if first && !listing.no_header {
                headers(kind, listing)
            } else {
                Vec::new()
            };
            first = false;
            let mut out = std::io::stdout().lock();
            let _ = out
                .write_all(table(&header, &rows).as_bytes())
                .and_then(|()| out.flush());
        }
        Ok(None)
    });
    match result {
        Err(e) if e == "context deadline exceeded" => {
            Err("timed out waiting for the condition".to_string())
        }
        other => other,
    }
}

/// Percent-encodes a query value.
pub fn query_escape(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Lists one kind and renders its table (flux's `getCommand.run`). A missing CRD is
/// reported as an error starting with `404:`.
pub fn list_kind(
    ctx: &Ctx,
    kind: Kind,
    name: Option<&str>,
    listing: &Listing,
) -> Result<String, String> {
    let namespace = (!listing.all_namespaces).then_some(ctx.namespace.as_str());
    let mut query = Vec::new();
    if let Some(n) = name {
        query.push(format!(
            "fieldSelector={}",
            query_escape(&format!("metadata.name={n}"))
        ));
    }
    if !listing.label_selector.is_empty() {
        query.push(format!(
            "labelSelector={}",
            query_escape(&listing.label_selector)
        ));
    }
    let mut path = kind.collection(namespace);
    if !query.is_empty() {
        path = format!("{path}?{}", query.join("&"));
    }
    let items = ctx.client.list(&path).map_err(|e| {
        if e.is_not_found() {
            format!("404: {e}")
        } else {
            e.to_string()
        }
    })?;
    let where_ = if listing.all_namespaces {
        "any".to_string()
    } else {
        format!("{:?}", ctx.namespace)
    };
    if items.is_empty() {
        if let Some(n) = name {
            return Err(format!(
                "{} object '{n}' not found in {where_} namespace",
                kind.kind
            ));
        }
        if !listing.get_all {
            return Err(format!(
                "no {} objects found in {where_} namespace",
                kind.kind
            ));
        }
        return Ok(String::new());
    }
    let rows = filter_rows(kind, &items, listing)?;
    if listing.get_all && rows.is_empty() {
        return Ok(String::new());
    }
    let header = if listing.no_header {
        Vec::new()
    } else {
        headers(kind, listing)
    };
    let mut text = table(&header, &rows);
    if listing.get_all {
        text.push('\n');
    }
    Ok(text)
}

/// The header of `kind`'s table.
pub fn headers(kind: Kind, listing: &Listing) -> Vec<&'static str> {
    let mut h = Vec::new();
    if listing.all_namespaces {
        h.push("Namespace");
    }
    h.push("Name");
    if kind == KUSTOMIZATION && listing.show_source {
        h.push("Source");
    }
    h.extend(["Revision", "Suspended", "Ready", "Message"]);
    h
}

/// flux's `getRowsToPrint`: the rows that pass `--status-selector`.
pub fn filter_rows(
    kind: Kind,
    items: &[Value],
    listing: &Listing,
) -> Result<Vec<Vec<String>>, String> {
    let selector = &listing.status_selector;
    let filter: Option<(String, String, bool)> = if selector.is_empty() {
        None
    } else {
        let (sep, negate) = if selector.contains("!=") {
            ("!=", true)
        } else {
            ("=", false)
        };
        let Some((t, s)) = selector.split_once(sep) else {
            return Err(format!(
                "expected status selector in type=status or type!=status format, but found: {selector}"
            ));
        };
        Some((t.to_string(), s.to_string(), negate))
    };
    Ok(items
        .iter()
        .filter(|item| match &filter {
            None => true,
            Some((t, s, negate)) => status_matches(item, t, s) != *negate,
        })
        .map(|item| row(kind, item, listing))
        .collect())
}

/// One object's row (flux's `summariseItem`).
pub fn row(kind: Kind, item: &Value, listing: &Listing) -> Vec<String> {
    let mut row = Vec::new();
    if listing.all_namespaces {
        row.push(str_at(item, "/metadata/namespace").to_string());
    }
    let name = str_at(item, "/metadata/name");
    row.push(if listing.get_all {
        format!("{}/{name}", kind.kind.to_lowercase())
    } else {
        name.to_string()
    });
    if kind == KUSTOMIZATION && listing.show_source {
        let mut ns = str_at(item, "/spec/sourceRef/namespace");
        if ns.is_empty() {
            ns = str_at(item, "/metadata/namespace");
        }
        row.push(format!(
            "{}/{ns}/{}",
            str_at(item, "/spec/sourceRef/kind"),
            str_at(item, "/spec/sourceRef/name")
        ));
    }
    let revision = if kind == KUSTOMIZATION {
        str_at(item, "/status/lastAppliedRevision").to_string()
    } else if kind == HELM_RELEASE {
        match item
            .pointer("/status/history/0/chartVersion")
            .and_then(Value::as_str)
        {
            Some(v) => v.to_string(),
            None => str_at(item, "/status/lastAttemptedRevision").to_string(),
        }
    } else {
        str_at(item, "/status/artifact/revision").to_string()
    };
    let (status, message) = if kind == HELM_REPOSITORY && str_at(item, "/spec/type") == "oci" {
        ("True".to_string(), "Helm repository is Ready".to_string())
    } else {
        status_and_message(item)
    };
    let suspended = item
        .pointer("/spec/suspend")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    row.push(truncate_hex(&revision));
    row.push(if suspended { "True" } else { "False" }.to_string());
    row.push(status);
    row.push(truncate_hex(&message));
    row
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rows_like_flux() {
        let item = json!({"metadata": {"name": "app", "namespace": "flux-system"},
            "spec": {"suspend": true},
            "status": {"artifact": {"revision": "main@sha1:696f056df216eea4f9401adbee0ff744d4df390f"}}});
        let listing = Listing {
            get_all: true,
            all_namespaces: true,
            ..Listing::default()
        };
        assert_eq!(
            row(GIT_REPOSITORY, &item, &listing),
            [
                "flux-system",
                "gitrepository/app",
                "main@sha1:696f056d",
                "True",
                "False",
                "waiting to be reconciled"
            ]
        );
        let bad = Listing {
            status_selector: "ready".into(),
            ..Listing::default()
        };
        assert!(filter_rows(GIT_REPOSITORY, &[item], &bad).is_err());
        assert_eq!(query_escape("a=b,c!=d"), "a%3Db%2Cc%21%3Dd");
    }
}
