//! `gitops create …`: builds the objects `flux create … --export` prints.
//!
//! Each command mirrors its `cmd/flux/create_*.go` counterpart: the same validations
//! in the same order, the same defaults, and the same fields (Go's `omitempty` rules
//! decide what is printed). Without `--export`, sources (git, oci, bucket) and
//! Kustomizations are handed back as [`Outcome::Apply`] for `crate::cluster::apply`;
//! the other kinds fail with a clear message.

use std::collections::BTreeMap;

use gitops_core::duration::Duration;

use crate::cli::{CreateCmd, CreateCommand, CreateCommon, NameArg};
use crate::flags;

pub mod alert;
pub mod helmrelease;
pub mod image;
pub mod kustomization;
pub mod provider;
pub mod receiver;
pub mod secret;
pub mod source;
pub mod tenant;

/// What a create command hands back: its stdout text, and notes flux prints on
/// stderr even with `--export`.
#[derive(Debug, Default)]
pub struct Generated {
    /// Text for stdout (the exported YAML).
    pub stdout: String,
    /// Lines for stderr.
    pub stderr: Vec<String>,
}

impl Generated {
    /// Output that is only the given stdout text.
    pub fn stdout(text: String) -> Self {
        Generated {
            stdout: text,
            stderr: Vec::new(),
        }
    }
}

/// Everything a create command needs besides its own flags.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The object name (first positional argument).
    pub name: String,
    /// The namespace (`-n`, `FLUX_SYSTEM_NAMESPACE` or `flux-system`).
    pub namespace: String,
    /// `create`'s persistent flags.
    pub common: CreateCommon,
    /// `create source --fetch-timeout`.
    pub fetch_timeout: Option<Duration>,
}

impl Ctx {
    /// `--interval` (1m0s unless given).
    pub fn interval(&self) -> Duration {
        self.common.interval.unwrap_or(Duration::from_secs(60))
    }

    /// flux's `parseLabels`.
    pub fn labels(&self) -> Result<BTreeMap<String, String>, String> {
        flags::labels(&self.common.labels)
    }
}

/// How a command ended without an error.
pub enum Outcome {
    /// Print this.
    Done(Generated),
    /// A command group without a sub-command: print its help.
    Help(Vec<&'static str>),
    /// Without `--export`: apply these generated objects (`stdout` holds their YAML) to
    /// the cluster; `stderr` holds notes to print first.
    Apply(Generated),
}

/// The message for create commands run without `--export`.
pub const EXPORT_ONLY: &str = "only --export is supported in this build: creating objects on a cluster is not implemented yet, re-run with --export to print the object";

/// Runs `gitops create …`.
pub fn run(cmd: &CreateCmd, namespace: &str) -> Result<Outcome, (Generated, String)> {
    let Some(command) = &cmd.command else {
        return Ok(Outcome::Help(vec!["create"]));
    };
    let mut ctx = Ctx {
        name: String::new(),
        namespace: namespace.to_string(),
        common: cmd.common.clone(),
        fetch_timeout: None,
    };
    // Output flux prints before the command runs (deprecated flag notices).
    let mut early = Generated::default();
    // Kinds that `create` applies to the cluster without `--export`.
    let applies = matches!(
        command,
        CreateCommand::Kustomization(_)
            | CreateCommand::Source(crate::cli::SourceCmd {
                command: Some(
                    source::SourceCommand::Git(_)
                        | source::SourceCommand::Oci(_)
                        | source::SourceCommand::Bucket(_)
                ),
                ..
            })
    );
    let result = match command {
        CreateCommand::Source(src) => {
            ctx.fetch_timeout = src.fetch_timeout;
            let Some(sub) = &src.command else {
                return Ok(Outcome::Help(vec!["create", "source"]));
            };
            with_name(&mut ctx, sub.name(), |ctx| source::run(ctx, sub))
        }
        CreateCommand::Kustomization(args) => {
            for _ in &args.validation {
                early.stdout.push_str(
                    "Flag --validation has been deprecated, this arg is no longer used, all resources are validated using server-side apply dry-run\n",
                );
            }
            with_name(&mut ctx, &args.name, |ctx| kustomization::run(ctx, args))
        }
        CreateCommand::Helmrelease(args) => {
            with_name(&mut ctx, &args.name, |ctx| helmrelease::run(ctx, args))
        }
        CreateCommand::AlertProvider(args) => {
            with_name(&mut ctx, &args.name, |ctx| provider::run(ctx, args))
        }
        CreateCommand::Alert(args) => with_name(&mut ctx, &args.name, |ctx| alert::run(ctx, args)),
        CreateCommand::Receiver(args) => {
            with_name(&mut ctx, &args.name, |ctx| receiver::run(ctx, args))
        }
        CreateCommand::Tenant(args) => {
            with_name(&mut ctx, &args.name, |ctx| tenant::run(ctx, args))
        }
        CreateCommand::Image(img) => {
            let Some(sub) = &img.command else {
                return Ok(Outcome::Help(vec!["create", "image"]));
            };
            with_name(&mut ctx, sub.name(), |ctx| image::run(ctx, sub))
        }
        CreateCommand::Secret(sec) => {
            let Some(sub) = &sec.command else {
                return Ok(Outcome::Help(vec!["create", "secret"]));
            };
            with_name(&mut ctx, sub.name(), |ctx| secret::run(ctx, sub))
        }
    };
    match result {
        Ok(mut generated) => {
            if !ctx.common.export && applies {
                for line in early.stdout.lines() {
                    early.stderr.push(line.to_string());
                }
                early.stderr.append(&mut generated.stderr);
                early.stdout = generated.stdout;
                return Ok(Outcome::Apply(early));
            }
            if !ctx.common.export {
                early.stderr.append(&mut generated.stderr);
                return Err((early, EXPORT_ONLY.to_string()));
            }
            early.stdout.push_str(&generated.stdout);
            early.stderr.append(&mut generated.stderr);
            Ok(Outcome::Done(early))
        }
        Err((mut partial, message)) => {
            early.stdout.push_str(&partial.stdout);
            early.stderr.append(&mut partial.stderr);
            Err((early, message))
        }
    }
}

/// `create`'s `PersistentPreRunE`: the name is required and must be an RFC 1123 name.
fn with_name(
    ctx: &mut Ctx,
    name: &NameArg,
    f: impl FnOnce(&Ctx) -> Result<Generated, (Generated, String)>,
) -> Result<Generated, (Generated, String)> {
    let Some(n) = &name.name else {
        return Err((Generated::default(), "name is required".to_string()));
    };
    if !flags::validate_object_name(n) {
        return Err((
            Generated::default(),
            format!(
                "name '{n}' is invalid, it should adhere to standard defined in RFC 1123, the name can only contain alphanumeric characters or '-'"
            ),
        ));
    }
    ctx.name = n.clone();
    f(ctx)
}

/// Turns a plain error into the command error type (nothing printed before it).
pub fn fail<T>(message: impl Into<String>) -> Result<T, (Generated, String)> {
    Err((Generated::default(), message.into()))
}

/// Extension to turn `Result<T, String>` into the command result type.
pub trait OrFail<T> {
    /// Maps the error to a command error with no partial output.
    fn or_fail(self) -> Result<T, (Generated, String)>;
}

impl<T> OrFail<T> for Result<T, String> {
    fn or_fail(self) -> Result<T, (Generated, String)> {
        self.map_err(|e| (Generated::default(), e))
    }
}

/// The command result type.
pub type CmdResult = Result<Generated, (Generated, String)>;

/// Go's `os.ReadFile` with Go's error text (`open <path>: no such file or directory`).
pub fn read_file(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            std::io::ErrorKind::IsADirectory => return format!("read {path}: is a directory"),
            _ => {
                let text = e.to_string();
                text.split(" (os error")
                    .next()
                    .unwrap_or(&text)
                    .to_lowercase()
            }
        };
        format!("open {path}: {reason}")
    })
}
