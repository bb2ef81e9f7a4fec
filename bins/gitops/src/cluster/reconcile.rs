//! `reconcile source git|oci|bucket NAME` and `reconcile kustomization NAME
//! [--with-source]` (flux's `reconcile.go`, `reconcile_with_source.go`): annotate
//! `reconcile.fluxcd.io/requestedAt`, then poll until the controller has handled the
//! request and the object is ready.

use clap::{ArgAction, Args, Subcommand};
use serde_json::{Value, json};

use super::status::{compute, condition, poll_result};
use super::{
    BUCKET, Ctx, GIT_REPOSITORY, KUSTOMIZATION, Kind, OCI_REPOSITORY, action, now_rfc3339_nano,
    str_at, success, waiting,
};
use crate::cli::NameArg;
use crate::flags;

/// The annotation that asks a controller to reconcile now.
pub const REQUESTED_AT: &str = "reconcile.fluxcd.io/requestedAt";

/// `reconcile`.
#[derive(Args, Debug)]
pub struct ReconcileCmd {
    /// What to reconcile.
    #[command(subcommand)]
    pub command: Option<ReconcileCommand>,
}

/// The reconcile sub-commands.
#[derive(Subcommand, Debug)]
pub enum ReconcileCommand {
    /// Reconcile sources
    Source(ReconcileSourceCmd),
    /// Reconcile a Kustomization resource
    #[command(visible_alias = "ks")]
    Kustomization(ReconcileKsArgs),
}

/// `reconcile source`.
#[derive(Args, Debug)]
pub struct ReconcileSourceCmd {
    /// The kind of source.
    #[command(subcommand)]
    pub command: Option<SourceKindCommand>,
}

/// A source kind and the object name (shared by reconcile, suspend, resume, delete).
#[derive(Subcommand, Debug)]
pub enum SourceKindCommand {
    /// A GitRepository source
    Git(NameArg),
    /// An OCIRepository source
    Oci(NameArg),
    /// A Bucket source
    Bucket(NameArg),
}

impl SourceKindCommand {
    /// The kind and the name arguments.
    pub fn parts(&self) -> (Kind, &NameArg) {
        match self {
            SourceKindCommand::Git(n) => (GIT_REPOSITORY, n),
            SourceKindCommand::Oci(n) => (OCI_REPOSITORY, n),
            SourceKindCommand::Bucket(n) => (BUCKET, n),
        }
    }
}

/// `reconcile kustomization` flags.
#[derive(Args, Debug)]
pub struct ReconcileKsArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// reconcile Kustomization source
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = flags::boolean)]
    pub with_source: bool,
}

/// Runs `gitops reconcile …`; `Ok(false)` when a command group needs its help printed.
pub fn run(ctx: &Ctx, cmd: &ReconcileCmd) -> Result<bool, String> {
    match &cmd.command {
        None => Ok(false),
        Some(ReconcileCommand::Source(src)) => {
            let Some(sub) = &src.command else {
                return Ok(false);
            };
            let (kind, name) = sub.parts();
            let name = name
                .name
                .as_deref()
                .ok_or_else(|| format!("{} name is required", kind.kind))?;
            reconcile(ctx, kind, &ctx.namespace, name, false)?;
            Ok(true)
        }
        Some(ReconcileCommand::Kustomization(args)) => {
            let name = args
                .name
                .name
                .as_deref()
                .ok_or("Kustomization name is required")?;
            reconcile(ctx, KUSTOMIZATION, &ctx.namespace, name, args.with_source)?;
            Ok(true)
        }
    }
}

/// The success line of a reconciled object (flux's `successMessage`).
pub fn success_message(kind: Kind, obj: &Value) -> String {
    if kind == KUSTOMIZATION {
        format!(
            "applied revision {}",
            str_at(obj, "/status/lastAppliedRevision")
        )
    } else {
        format!(
            "fetched revision {}",
            str_at(obj, "/status/artifact/revision")
        )
    }
}

/// Reconciles one object (and first its source, with `with_source`), printing flux's lines.
pub fn reconcile(
    ctx: &Ctx,
    kind: Kind,
    namespace: &str,
    name: &str,
    with_source: bool,
) -> Result<(), String> {
    let path = kind.path(namespace, name);
    let obj = ctx.client.get(&path).map_err(|e| e.to_string())?;
    if obj.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
        return Err("resource is suspended".to_string());
    }
    if with_source {
        let source_kind = str_at(&obj, "/spec/sourceRef/kind");
        let Some(source) = Kind::named(source_kind)
            .filter(|k| [GIT_REPOSITORY, OCI_REPOSITORY, BUCKET].contains(k))
        else {
            return Err(format!("cannot reconcile source of kind {source_kind}"));
        };
        let mut source_ns = str_at(&obj, "/spec/sourceRef/namespace");
        if source_ns.is_empty() {
            source_ns = namespace;
        }
        reconcile(
            ctx,
            source,
            source_ns,
            str_at(&obj, "/spec/sourceRef/name"),
            false,
        )?;
    }
    let last_handled = str_at(&obj, "/status/lastHandledReconcileAt").to_string();
    action(&format!(
        "annotating {} {name} in {namespace} namespace",
        kind.kind
    ));
    request_reconciliation(ctx, &path)?;
    success(&format!("{} annotated", kind.kind));
    waiting(&format!("waiting for {} reconciliation", kind.kind));
    let obj = ctx.poll(|| {
        let obj = ctx.client.get(&path).map_err(|e| e.to_string())?;
        if str_at(&obj, "/status/lastHandledReconcileAt") == last_handled {
            return Ok(None);
        }
        Ok(poll_result(compute(&obj))?.then_some(obj))
    })?;
    let Some(ready) = condition(&obj, "Ready") else {
        return Err("status can't be determined".to_string());
    };
    if str_at(ready, "/status") != "True" {
        let message = str_at(ready, "/message");
        return Err(if kind == KUSTOMIZATION {
            format!("{} reconciliation failed: {message}", kind.kind)
        } else {
            format!("{} reconciliation failed: '{message}'", kind.kind)
        });
    }
    success(&success_message(kind, &obj));
    Ok(())
}

/// Sets `reconcile.fluxcd.io/requestedAt` to now (a merge patch of the annotation).
pub fn request_reconciliation(ctx: &Ctx, path: &str) -> Result<String, String> {
    let ts = now_rfc3339_nano();
    let patch = json!({"metadata": {"annotations": {REQUESTED_AT: ts}}});
    ctx.client
        .merge_patch(path, &patch)
        .map_err(|e| e.to_string())?;
    Ok(ts)
}
