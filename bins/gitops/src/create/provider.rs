//! `create alert-provider` (flux's `create_alertprovider.go`).

use clap::Args;

use super::{CmdResult, Ctx, Generated, OrFail, fail};
use crate::cli::NameArg;
use crate::export::{Obj, local_ref_opt, object, print_export};

/// Flags of `create alert-provider`.
#[derive(Args, Debug)]
pub struct AlertProviderArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// type of provider
    #[arg(long = "type", default_value = "", allow_hyphen_values = true)]
    pub alert_type: String,
    /// channel to send messages to in the case of a chat provider
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub channel: String,
    /// bot username used by the provider
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub username: String,
    /// path to either the git repository, chat provider or webhook
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub address: String,
    /// name of secret containing authentication token
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub secret_ref: String,
}

/// `create alert-provider`.
pub fn run(ctx: &Ctx, a: &AlertProviderArgs) -> CmdResult {
    if a.alert_type.is_empty() {
        return fail("Provider type is required");
    }
    let labels = ctx.labels().or_fail()?;
    let spec = Obj::new()
        .set("type", a.alert_type.as_str())
        .str("channel", &a.channel)
        .str("username", &a.username)
        .str("address", &a.address)
        .opt("secretRef", local_ref_opt(&a.secret_ref));
    let obj = object(
        "notification.toolkit.fluxcd.io/v1beta3",
        "Provider",
        &ctx.name,
        &ctx.namespace,
        &labels,
        spec,
    );
    Ok(Generated::stdout(print_export(&obj)))
}
