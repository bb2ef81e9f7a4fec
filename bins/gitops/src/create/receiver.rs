//! `create receiver` (flux's `create_receiver.go`).

use clap::{ArgAction, Args};
use serde_json::Value;

use super::{CmdResult, Ctx, Generated, OrFail, fail};
use crate::cli::NameArg;
use crate::export::{Obj, local_ref, object, print_export};
use crate::flags;

/// Flags of `create receiver`.
#[derive(Args, Debug)]
pub struct ReceiverArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// the receiver type
    #[arg(long = "type", value_parser = flags::receiver_type, allow_hyphen_values = true)]
    pub receiver_type: Option<String>,
    /// the name of the secret holding the webhook token
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub secret_ref: String,
    /// also accepts comma-separated values
    #[arg(long = "event", action = ArgAction::Append, value_parser = flags::csv_raw, allow_hyphen_values = true)]
    pub events: Vec<String>,
    /// also accepts comma-separated values
    #[arg(long = "resource", action = ArgAction::Append, value_parser = flags::csv_raw, allow_hyphen_values = true)]
    pub resources: Vec<String>,
}

/// `create receiver`.
pub fn run(ctx: &Ctx, a: &ReceiverArgs) -> CmdResult {
    let receiver_type = a.receiver_type.clone().unwrap_or_default();
    if receiver_type.is_empty() {
        return fail("Receiver type is required");
    }
    if a.secret_ref.is_empty() {
        return fail("secret ref is required");
    }
    let mut resources = Vec::new();
    for resource in flags::slice(&a.resources) {
        let (kind, name) = flags::parse_object_kind_name(&resource);
        if kind.is_empty() {
            return fail(format!(
                "invalid event source '{resource}', must be in format <kind>/<name>"
            ));
        }
        resources.push(Obj::new().set("kind", kind).set("name", name).into());
    }
    if resources.is_empty() {
        return fail("atleast one resource is required");
    }
    let labels = ctx.labels().or_fail()?;
    let events: Vec<Value> = flags::slice(&a.events)
        .into_iter()
        .map(Value::from)
        .collect();
    let spec = Obj::new()
        .set("type", receiver_type)
        .list("events", events)
        .set("resources", Value::Array(resources))
        .set("secretRef", local_ref(&a.secret_ref));
    let obj = object(
        "notification.toolkit.fluxcd.io/v1",
        "Receiver",
        &ctx.name,
        &ctx.namespace,
        &labels,
        spec,
    );
    Ok(Generated::stdout(print_export(&obj)))
}
