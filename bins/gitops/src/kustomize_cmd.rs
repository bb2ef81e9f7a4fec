//! `gitops kustomize build DIR`: prints what `kubectl kustomize DIR` prints.

use clap::{Args, Subcommand, ValueEnum};
use gitops_render::kustomize::{self, DiskFs, LoadRestrictor, Options, Reorder};

/// `kustomize` and its sub-commands.
#[derive(Args, Debug)]
pub struct KustomizeCmd {
    /// What to do.
    #[command(subcommand)]
    pub command: KustomizeCommand,
}

/// The `kustomize` sub-commands.
#[derive(Subcommand, Debug)]
pub enum KustomizeCommand {
    /// Print the resources of a kustomization directory
    Build(BuildArgs),
}

/// Flags of `kustomize build`, named as kubectl names them.
#[derive(Args, Debug)]
pub struct BuildArgs {
    /// The kustomization directory [default: .]
    pub dir: Option<String>,
    /// Which files a kustomization may load
    #[arg(long, value_enum, default_value = "LoadRestrictionsRootOnly")]
    pub load_restrictor: Restrictor,
    /// Output order: `legacy` sorts by kind, `none` keeps input order
    #[arg(long, value_enum, default_value = "legacy")]
    pub reorder: Order,
    /// Inflate `helmCharts` (with the built-in Helm engine; charts must be local)
    #[arg(long)]
    pub enable_helm: bool,
}

/// `--load-restrictor` values.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Restrictor {
    /// Files only under the kustomization's directory.
    #[value(name = "LoadRestrictionsRootOnly")]
    RootOnly,
    /// Any file.
    #[value(name = "LoadRestrictionsNone")]
    None,
}

/// `--reorder` values.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Order {
    /// kustomize's legacy kind order.
    Legacy,
    /// Input order.
    None,
}

/// Runs the command; the output text or an error message.
pub fn run(cmd: &KustomizeCmd) -> Result<String, String> {
    let KustomizeCommand::Build(args) = &cmd.command;
    let dir = std::path::Path::new(args.dir.as_deref().unwrap_or("."));
    let dir = dir
        .canonicalize()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    // Like kubectl, the whole file system is visible; the restrictor confines files.
    let fs = DiskFs::new("/").map_err(|e| e.to_string())?;
    let options = Options {
        load_restrictor: match args.load_restrictor {
            Restrictor::RootOnly => LoadRestrictor::RootOnly,
            Restrictor::None => LoadRestrictor::None,
        },
        reorder: match args.reorder {
            Order::Legacy => Reorder::Legacy,
            Order::None => Reorder::None,
        },
        generate_if_missing: false,
        enable_helm: args.enable_helm,
    };
    let rel = dir.to_string_lossy().trim_start_matches('/').to_string();
    let set = kustomize::build(&fs, &rel, &options).map_err(|e| e.to_string())?;
    Ok(set.to_yaml())
}
