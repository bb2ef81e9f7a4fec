//! `suspend|resume source git|oci|bucket NAME…` and `suspend|resume kustomization NAME…`
//! with `--all` (flux's `suspend.go`, `resume.go`).

use clap::{ArgAction, Args, Subcommand};
use serde_json::{Value, json};

use super::get::query_escape;
use super::reconcile::{SourceKindCommand, success_message};
use super::status::is_object_ready;
use super::{Ctx, KUSTOMIZATION, Kind, action, failure, str_at, success, waiting};
use crate::cli::NameArg;
use crate::flags;

/// `suspend` or `resume`: `--all`, `--wait` (resume) and the sub-commands.
#[derive(Args, Debug)]
pub struct ToggleCmd {
    /// act on all resources in that namespace
    #[arg(long, global = true, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = flags::boolean)]
    pub all: bool,
    /// waits for one resource to reconcile before moving to the next one (resume)
    #[arg(long, global = true, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", value_parser = flags::boolean)]
    pub wait: Option<bool>,
    /// What to act on.
    #[command(subcommand)]
    pub command: Option<ToggleCommand>,
}

/// The suspend/resume sub-commands.
#[derive(Subcommand, Debug)]
pub enum ToggleCommand {
    /// Sources
    Source(ToggleSourceCmd),
    /// A Kustomization resource
    #[command(visible_alias = "ks")]
    Kustomization(NameArg),
}

/// `suspend|resume source`.
#[derive(Args, Debug)]
pub struct ToggleSourceCmd {
    /// The kind of source.
    #[command(subcommand)]
    pub command: Option<SourceKindCommand>,
}

/// The kind and names a toggle command acts on; `None` when help is due.
fn target(cmd: &ToggleCmd) -> Option<(Kind, Vec<String>)> {
    let (kind, name) = match cmd.command.as_ref()? {
        ToggleCommand::Source(src) => src.command.as_ref()?.parts(),
        ToggleCommand::Kustomization(n) => (KUSTOMIZATION, n),
    };
    let mut names: Vec<String> = name.name.iter().cloned().collect();
    names.extend(name.rest.iter().cloned());
    Some((kind, names))
}

/// Lists `kind` in the namespace, optionally only `name`.
fn list(ctx: &Ctx, kind: Kind, name: Option<&str>) -> Result<Vec<Value>, String> {
    let mut path = kind.collection(Some(&ctx.namespace));
    if let Some(n) = name {
        path = format!(
            "{path}?fieldSelector={}",
            query_escape(&format!("metadata.name={n}"))
        );
    }
    ctx.client.list(&path).map_err(|e| e.to_string())
}

/// Runs `gitops suspend …`; `Ok(false)` when help is due.
pub fn suspend(ctx: &Ctx, cmd: &ToggleCmd) -> Result<bool, String> {
    let Some((kind, names)) = target(cmd) else {
        return Ok(false);
    };
    if names.is_empty() && !cmd.all {
        return Err(format!("{} name is required", kind.human));
    }
    let patch_all = |items: Vec<Value>| -> Result<(), String> {
        if items.is_empty() {
            return Err("no objects found".to_string());
        }
        for item in items {
            let name = str_at(&item, "/metadata/name");
            action(&format!(
                "suspending {} {name} in {} namespace",
                kind.human, ctx.namespace
            ));
            ctx.client
                .merge_patch(
                    &kind.path(&ctx.namespace, name),
                    &json!({"spec": {"suspend": true}}),
                )
                .map_err(|e| e.to_string())?;
            success(&format!("{} suspended", kind.human));
        }
        Ok(())
    };
    if names.is_empty() {
        patch_all(list(ctx, kind, None)?)?;
        return Ok(true);
    }
    let mut seen = Vec::new();
    for name in names {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name.clone());
        match list(ctx, kind, Some(&name)).and_then(patch_all) {
            Ok(()) => {}
            Err(e) if e == "no objects found" => failure(&format!(
                "{} {name} not found in {} namespace",
                kind.kind, ctx.namespace
            )),
            Err(e) => failure(&format!(
                "failed suspending {} {name} in {} namespace: {e}",
                kind.kind, ctx.namespace
            )),
        }
    }
    Ok(true)
}

/// Runs `gitops resume …`; `Ok(false)` when help is due.
pub fn resume(ctx: &Ctx, cmd: &ToggleCmd) -> Result<bool, String> {
    let Some((kind, names)) = target(cmd) else {
        return Ok(false);
    };
    if names.is_empty() && !cmd.all {
        return Err(format!("{} name is required", kind.human));
    }
    let should_wait = cmd.wait.unwrap_or(names.len() == 1);
    let mut resumed = Vec::new();
    let mut patch = |items: Vec<Value>, what: String| -> Result<(), String> {
        if items.is_empty() {
            failure(&what);
            return Ok(());
        }
        for item in items {
            let name = str_at(&item, "/metadata/name").to_string();
            action(&format!(
                "resuming {} {name} in {} namespace",
                kind.human, ctx.namespace
            ));
            ctx.client
                .merge_patch(
                    &kind.path(&ctx.namespace, &name),
                    &json!({"spec": {"suspend": null}}),
                )
                .map_err(|e| e.to_string())?;
            success(&format!("{} resumed", kind.human));
            resumed.push(name);
        }
        Ok(())
    };
    if names.is_empty() {
        let what = format!(
            "no {} objects found in {} namespace",
            kind.kind, ctx.namespace
        );
        patch(list(ctx, kind, None)?, what).map_err(|e| format!("failed patching objects: {e}"))?;
    } else {
        let mut seen = Vec::new();
        for name in &names {
            if seen.contains(name) {
                continue;
            }
            seen.push(name.clone());
            // flux names the first argument in this message, whichever was missing.
            let what = format!(
                "{} object '{}' not found in {} namespace",
                kind.kind, names[0], ctx.namespace
            );
            patch(list(ctx, kind, Some(name))?, what)?;
        }
    }
    if !should_wait {
        return Ok(true);
    }
    let mut results = Vec::new();
    for name in resumed {
        waiting(&format!("waiting for {} reconciliation", kind.kind));
        let path = kind.path(&ctx.namespace, &name);
        let result = ctx.poll(|| {
            let obj = ctx.client.get(&path).map_err(|e| e.to_string())?;
            Ok(is_object_ready(&obj)?.then_some(obj))
        });
        results.push((name, result));
    }
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let mut failed = 0;
    for (name, result) in results {
        match result {
            Ok(obj) => {
                success(&format!("{} {name} reconciliation completed", kind.kind));
                success(&success_message(kind, &obj));
            }
            Err(e) => {
                failed += 1;
                failure(&format!("{} {name} reconciliation failed: {e}", kind.kind));
            }
        }
    }
    if failed > 0 {
        return Err(format!(
            "reconciliation failed for {failed} {}(s)",
            kind.kind
        ));
    }
    Ok(true)
}
