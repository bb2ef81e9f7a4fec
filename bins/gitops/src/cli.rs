//! The command line, shaped like flux's cobra commands: global flags accepted
//! anywhere, `create`'s persistent flags (`--interval`, `--export`, `--label`) on every
//! create command, bool flags that take `--flag` or `--flag=value` (never a separate
//! value), string-slice flags that are repeatable and comma separated.

use clap::{ArgAction, Args, Parser, Subcommand};
use gitops_core::duration::Duration;

use crate::create::{
    alert::AlertArgs, helmrelease::HelmReleaseArgs, image::ImageCommand,
    kustomization::KustomizationArgs, provider::AlertProviderArgs, receiver::ReceiverArgs,
    secret::SecretCommand, source::SourceCommand, tenant::TenantArgs,
};
use crate::flags;

/// Command line utility for assembling Kubernetes CD pipelines the GitOps way.
#[derive(Parser, Debug)]
#[command(
    name = "gitops",
    version,
    disable_help_subcommand = true,
    args_override_self = true
)]
pub struct Cli {
    /// Flags every command accepts.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// flux's persistent root flags.
#[derive(Args, Debug)]
pub struct GlobalArgs {
    /// If present, the namespace scope for this CLI request [default: flux-system]
    #[arg(short = 'n', long, global = true, allow_hyphen_values = true)]
    pub namespace: Option<String>,
    /// timeout for this operation [default: 5m0s]
    #[arg(long, global = true, value_parser = flags::duration, allow_hyphen_values = true)]
    pub timeout: Option<Duration>,
    /// Path to the kubeconfig file to use for CLI requests.
    #[arg(long, global = true)]
    pub kubeconfig: Option<String>,
    /// The name of the kubeconfig context to use
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// print generated objects
    #[arg(long, global = true, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = flags::boolean)]
    pub verbose: bool,
}

/// The top-level commands.
#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Print the client version
    Version,
    /// Print the CustomResourceDefinitions of the toolkit's kinds as a YAML stream
    Crds,
    /// Create or update sources and resources
    Create(CreateCmd),
    /// Build kustomizations, as `kubectl kustomize` does
    Kustomize(crate::kustomize_cmd::KustomizeCmd),
    /// Render Helm charts, as `helm template` does
    Helm(crate::helm_cmd::HelmCmd),
    /// Simulate and render Flagger Canaries
    Canary(crate::canary_cmd::CanaryCmd),
    /// Build a flux resource
    Build(crate::artifact_cmd::BuildCmd),
    /// Diff a flux resource
    Diff(DiffCmd),
    /// Push artifacts to OCI registries
    Push(crate::artifact_cmd::PushCmd),
    /// Pull artifacts from OCI registries
    Pull(crate::artifact_cmd::PullCmd),
    /// List artifacts
    List(crate::artifact_cmd::ListCmd),
    /// Fetch sources
    Source(crate::source_cmd::SourceCmd),
    /// Serve an embedded in-memory Kubernetes API server (for local runs and tests)
    Devcluster(crate::devcluster_cmd::DevclusterArgs),
    /// Get the resources and their status
    Get(crate::cluster::get::GetCmd),
    /// Reconcile sources and resources
    Reconcile(crate::cluster::reconcile::ReconcileCmd),
    /// Suspend resources
    Suspend(crate::cluster::suspend::ToggleCmd),
    /// Resume suspended resources
    Resume(crate::cluster::suspend::ToggleCmd),
    /// Delete sources and resources
    Delete(crate::cluster::delete::DeleteCmd),
    /// Display Kubernetes events for Flux resources
    Events(crate::cluster::events::EventsArgs),
    /// Print the resources reconciled by Flux objects
    Tree(crate::cluster::tree::TreeCmd),
    /// Run a local cluster with the controllers, synced from a Git repository
    Up(crate::up::UpArgs),
}

/// `create`: its persistent flags and its sub-commands.
#[derive(Args, Debug)]
pub struct CreateCmd {
    /// Flags of every create command.
    #[command(flatten)]
    pub common: CreateCommon,
    /// What to create.
    #[command(subcommand)]
    pub command: Option<CreateCommand>,
}

/// `create`'s persistent flags.
#[derive(Args, Debug, Default, Clone)]
pub struct CreateCommon {
    /// source sync interval [default: 1m0s]
    #[arg(long, global = true, value_parser = flags::duration, allow_hyphen_values = true)]
    pub interval: Option<Duration>,
    /// export in YAML format to stdout
    #[arg(long, global = true, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = flags::boolean)]
    pub export: bool,
    /// set labels on the resource (can specify multiple labels with commas: label1=value1,label2=value2)
    #[arg(long = "label", global = true, action = ArgAction::Append, value_parser = flags::csv_raw)]
    pub labels: Vec<String>,
}

/// The create sub-commands.
#[derive(Subcommand, Debug)]
pub enum CreateCommand {
    /// Create or update sources
    Source(SourceCmd),
    /// Create or update a Kustomization resource
    #[command(visible_alias = "ks")]
    Kustomization(KustomizationArgs),
    /// Create or update a HelmRelease resource
    #[command(visible_alias = "hr")]
    Helmrelease(HelmReleaseArgs),
    /// Create or update a Provider resource
    AlertProvider(AlertProviderArgs),
    /// Create or update an Alert resource
    Alert(AlertArgs),
    /// Create or update a Receiver resource
    Receiver(ReceiverArgs),
    /// Create or update resources dealing with image automation
    Image(ImageCmd),
    /// Create or update a tenant
    Tenant(TenantArgs),
    /// Create or update Kubernetes secrets
    Secret(SecretCmd),
}

/// `create source`: its persistent flag and its sub-commands.
#[derive(Args, Debug)]
pub struct SourceCmd {
    /// set a timeout for fetch operations performed by source-controller (e.g. 'git clone' or 'helm repo update')
    #[arg(long, global = true, value_parser = flags::duration, allow_hyphen_values = true)]
    pub fetch_timeout: Option<Duration>,
    /// The kind of source.
    #[command(subcommand)]
    pub command: Option<SourceCommand>,
}

/// `create image`.
#[derive(Args, Debug)]
pub struct ImageCmd {
    /// The kind of image automation object.
    #[command(subcommand)]
    pub command: Option<ImageCommand>,
}

/// `create secret`.
#[derive(Args, Debug)]
pub struct SecretCmd {
    /// The kind of secret.
    #[command(subcommand)]
    pub command: Option<SecretCommand>,
}

/// The object name (cobra accepts and ignores further positional arguments).
#[derive(Args, Debug, Clone, Default)]
pub struct NameArg {
    /// The name of the object
    #[arg(value_name = "name")]
    pub name: Option<String>,
    /// Further arguments (ignored, as flux ignores them).
    #[arg(hide = true)]
    pub rest: Vec<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;

    fn parse(args: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("gitops").chain(args.split_whitespace()))
    }

    fn create(cli: &Cli) -> &CreateCmd {
        match &cli.command {
            Some(Command::Create(c)) => c,
            other => panic!("not create: {other:?}"),
        }
    }

    fn ks(cli: &Cli) -> &KustomizationArgs {
        match &create(cli).command {
            Some(CreateCommand::Kustomization(k)) => k,
            other => panic!("not ks: {other:?}"),
        }
    }

    #[test]
    fn command_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn bool_flags_take_no_separate_value() {
        let cli = parse("create ks app --source=app --prune --export").unwrap();
        assert!(ks(&cli).prune);
        assert!(create(&cli).common.export);
        let cli = parse("create ks app --source=app --prune=false").unwrap();
        assert!(!ks(&cli).prune);
        assert!(!create(&cli).common.export);
        // `--prune false`: `false` is a positional argument, as with pflag.
        let cli = parse("create ks app --prune false --source=app").unwrap();
        assert!(ks(&cli).prune);
        assert_eq!(ks(&cli).name.rest, vec!["false".to_string()]);
        assert!(parse("create ks app --prune=nope").is_err());
    }

    #[test]
    fn global_and_persistent_flags_go_anywhere() {
        let cli = parse(
            "-n apps create --export --interval 5m ks app --source=app --label a=b --label=c=d,e=f",
        )
        .unwrap();
        assert_eq!(cli.global.namespace.as_deref(), Some("apps"));
        let common = &create(&cli).common;
        assert!(common.export);
        assert_eq!(
            common.interval.map(|d| d.to_string()),
            Some("5m0s".to_string())
        );
        assert_eq!(
            crate::flags::slice(&common.labels),
            vec!["a=b", "c=d", "e=f"]
        );
        let cli = parse("create ks app --source=app --export -n=team --interval=30s").unwrap();
        assert_eq!(cli.global.namespace.as_deref(), Some("team"));
        assert_eq!(
            create(&cli).common.interval.map(|d| d.to_string()),
            Some("30s".to_string())
        );
    }

    #[test]
    fn repeated_flags_keep_the_last_value() {
        let cli =
            parse("create ks app --source=first --source=GitRepository/second --path=a --path=b")
                .unwrap();
        let k = ks(&cli);
        assert_eq!(k.source.as_ref().map(|s| s.name.as_str()), Some("second"));
        assert_eq!(k.path, "./b");
    }

    #[test]
    fn aliases_work() {
        assert!(parse("create hr app --chart=x").is_ok());
        assert!(parse("create ks app").is_ok());
        assert!(parse("create kustomization app").is_ok());
        assert!(parse("create helmrelease app").is_ok());
    }

    #[test]
    fn values_may_start_with_a_hyphen() {
        let cli = parse("create ks app --source=app --target-namespace -weird").unwrap();
        assert_eq!(ks(&cli).target_namespace, "-weird");
    }
}

/// `diff` (flux's `diff kustomization`).
#[derive(clap::Args, Debug)]
pub struct DiffCmd {
    /// What to diff.
    #[command(subcommand)]
    pub command: crate::cluster::build::DiffCommand,
}
