//! `delete source git|oci|bucket NAME` and `delete kustomization NAME` (flux's
//! `delete.go`): asks for confirmation unless `--silent`.

use std::io::{BufRead, Write};

use clap::{ArgAction, Args, Subcommand};

use super::reconcile::SourceKindCommand;
use super::{Ctx, KUSTOMIZATION, action, success};
use crate::cli::NameArg;
use crate::flags;

/// `delete`.
#[derive(Args, Debug)]
pub struct DeleteCmd {
    /// delete resource without asking for confirmation
    #[arg(short = 's', long, global = true, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = flags::boolean)]
    pub silent: bool,
    /// What to delete.
    #[command(subcommand)]
    pub command: Option<DeleteCommand>,
}

/// The delete sub-commands.
#[derive(Subcommand, Debug)]
pub enum DeleteCommand {
    /// Delete sources
    Source(DeleteSourceCmd),
    /// Delete a Kustomization resource
    #[command(visible_alias = "ks")]
    Kustomization(NameArg),
}

/// `delete source`.
#[derive(Args, Debug)]
pub struct DeleteSourceCmd {
    /// The kind of source.
    #[command(subcommand)]
    pub command: Option<SourceKindCommand>,
}

/// Reads a `[y/N]` answer from stdin (promptui's confirm: `y` or `yes`, any case).
fn confirm(label: &str) -> bool {
    eprint!("? {label}? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Runs `gitops delete …`; `Ok(false)` when help is due.
pub fn run(ctx: &Ctx, cmd: &DeleteCmd) -> Result<bool, String> {
    let (kind, name) = match &cmd.command {
        None => return Ok(false),
        Some(DeleteCommand::Source(src)) => match &src.command {
            None => return Ok(false),
            Some(sub) => sub.parts(),
        },
        Some(DeleteCommand::Kustomization(n)) => (KUSTOMIZATION, n),
    };
    let name = name
        .name
        .as_deref()
        .ok_or_else(|| format!("{} name is required", kind.human))?;
    let path = kind.path(&ctx.namespace, name);
    ctx.client.get(&path).map_err(|e| e.to_string())?;
    if !cmd.silent
        && !confirm(&format!(
            "Are you sure you want to delete this {}",
            kind.human
        ))
    {
        return Err("aborting".to_string());
    }
    action(&format!(
        "deleting {} {name} in {} namespace",
        kind.human, ctx.namespace
    ));
    ctx.client.delete(&path).map_err(|e| e.to_string())?;
    success(&format!("{} deleted", kind.human));
    Ok(true)
}
