//! `create alert` (flux's `create_alert.go`).

use clap::{ArgAction, Args};

use super::{CmdResult, Ctx, Generated, OrFail, fail};
use crate::cli::NameArg;
use crate::export::{Obj, local_ref, object, print_export};
use crate::flags;

/// Flags of `create alert`.
#[derive(Args, Debug)]
pub struct AlertArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// reference to provider
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub provider_ref: String,
    /// severity of events to send alerts for
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub event_severity: String,
    /// sources that should generate alerts (<kind>/<name>), also accepts comma-separated values
    #[arg(long = "event-source", action = ArgAction::Append, value_parser = flags::csv_raw, allow_hyphen_values = true)]
    pub event_sources: Vec<String>,
}

/// `create alert`.
pub fn run(ctx: &Ctx, a: &AlertArgs) -> CmdResult {
    if a.provider_ref.is_empty() {
        return fail("provider ref is required");
    }
    let mut sources = Vec::new();
    for source in flags::slice(&a.event_sources) {
        let (kind, name, namespace) = flags::parse_object_kind_name_namespace(&source);
        if kind.is_empty() {
            return fail(format!(
                "invalid event source '{source}', must be in format <kind>/<name>"
            ));
        }
        sources.push(
            Obj::new()
                .set("kind", kind)
                .set("name", name)
                .str("namespace", &namespace)
                .into(),
        );
    }
    if sources.is_empty() {
        return fail("at least one event source is required");
    }
    let labels = ctx.labels().or_fail()?;
    let spec = Obj::new()
        .set("providerRef", local_ref(&a.provider_ref))
        .str("eventSeverity", &a.event_severity)
        .set("eventSources", serde_json::Value::Array(sources));
    let obj = object(
        "notification.toolkit.fluxcd.io/v1beta3",
        "Alert",
        &ctx.name,
        &ctx.namespace,
        &labels,
        spec,
    );
    Ok(Generated::stdout(print_export(&obj)))
}
