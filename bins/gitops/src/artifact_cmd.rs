//! `build artifact`, `push artifact`, `pull artifact` and `list artifacts`: flux's OCI
//! artifact commands, with flux's flags, progress lines (on stderr) and table.

use std::path::{Path, PathBuf};

use clap::{ArgAction, Args, Subcommand};
use gitops_sources::artifact::{self, IgnoreRules, ignore::FLUX_CLI_IGNORE_DEFAULTS};
use gitops_sources::oci::{self, Credentials, ListOptions, PushMetadata, RegistryOptions};

use crate::{flags, logger, table};

/// `build`: its sub-commands.
#[derive(Args, Debug)]
pub struct BuildCmd {
    /// What to build.
    #[command(subcommand)]
    pub command: BuildCommand,
}

/// The `build` sub-commands.
#[derive(Subcommand, Debug)]
pub enum BuildCommand {
    /// Build a tarball from a directory containing Kubernetes manifests
    Artifact(BuildArtifactArgs),
    /// Build Kustomization
    #[command(visible_alias = "ks")]
    Kustomization(crate::cluster::build::KsArgs),
}

/// `build artifact` flags.
#[derive(Args, Debug)]
pub struct BuildArtifactArgs {
    /// Path to the directory where the Kubernetes manifests are located.
    #[arg(short = 'p', long)]
    pub path: String,
    /// Path to where the artifact tgz file should be written.
    #[arg(short = 'o', long, default_value = "artifact.tgz")]
    pub output: String,
    /// set paths to ignore in .gitignore format
    #[arg(long = "ignore-paths", action = ArgAction::Append, value_parser = flags::csv_raw)]
    pub ignore_paths: Vec<String>,
}

/// `push`: its sub-commands.
#[derive(Args, Debug)]
pub struct PushCmd {
    /// What to push.
    #[command(subcommand)]
    pub command: PushCommand,
}

/// The `push` sub-commands.
#[derive(Subcommand, Debug)]
pub enum PushCommand {
    /// Push artifact
    Artifact(PushArtifactArgs),
}

/// Registry access flags shared by push, pull and list.
#[derive(Args, Debug)]
pub struct RegistryArgs {
    /// credentials for OCI registry in the format <username>[:<password>] if --provider is generic
    #[arg(long, default_value = "")]
    pub creds: String,
    /// allows artifacts to be pushed without TLS
    #[arg(long = "insecure-registry", visible_alias = "insecure", action = ArgAction::Set, num_args = 0..=1,
          require_equals = true, default_missing_value = "true", default_value = "false", value_parser = flags::boolean)]
    pub insecure: bool,
}

impl RegistryArgs {
    fn credentials(&self) -> Credentials {
        if !self.creds.is_empty() {
            logger::action("logging in to registry with credentials");
        }
        Credentials::from_user_pass(&self.creds)
    }

    fn options(&self) -> RegistryOptions {
        RegistryOptions {
            insecure: self.insecure,
            ..RegistryOptions::default()
        }
    }
}

/// `push artifact` flags.
#[derive(Args, Debug)]
pub struct PushArtifactArgs {
    /// The artifact URL, `oci://<registry>/<repository>:<tag>`.
    pub url: String,
    /// path to the directory where the Kubernetes manifests are located
    #[arg(short = 'f', long)]
    pub path: String,
    /// the source address, e.g. the Git URL
    #[arg(long)]
    pub source: String,
    /// the source revision in the format '<branch|tag>@sha1:<commit-sha>'
    #[arg(long)]
    pub revision: String,
    /// set paths to ignore in .gitignore format
    #[arg(long = "ignore-paths", action = ArgAction::Append, value_parser = flags::csv_raw)]
    pub ignore_paths: Vec<String>,
    /// Set custom OCI annotations in the format '<key>=<value>'
    #[arg(short = 'a', long, action = ArgAction::Append)]
    pub annotations: Vec<String>,
    /// ensure reproducible image digests by setting the created timestamp to '1970-01-01T00:00:00Z'
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = flags::boolean)]
    pub reproducible: bool,
    /// Registry access.
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// `pull`: its sub-commands.
#[derive(Args, Debug)]
pub struct PullCmd {
    /// What to pull.
    #[command(subcommand)]
    pub command: PullCommand,
}

/// The `pull` sub-commands.
#[derive(Subcommand, Debug)]
pub enum PullCommand {
    /// Pull artifact
    Artifact(PullArtifactArgs),
}

/// `pull artifact` flags.
#[derive(Args, Debug)]
pub struct PullArtifactArgs {
    /// The artifact URL, `oci://<registry>/<repository>:<tag>` or `@<digest>`.
    pub url: String,
    /// path where the artifact content should be extracted.
    #[arg(short = 'o', long)]
    pub output: String,
    /// Registry access.
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// `list`: its sub-commands.
#[derive(Args, Debug)]
pub struct ListCmd {
    /// What to list.
    #[command(subcommand)]
    pub command: ListCommand,
}

/// The `list` sub-commands.
#[derive(Subcommand, Debug)]
pub enum ListCommand {
    /// list artifacts
    Artifacts(ListArtifactsArgs),
}

/// `list artifacts` flags.
#[derive(Args, Debug)]
pub struct ListArtifactsArgs {
    /// The repository URL, `oci://<registry>/<repository>`.
    pub url: String,
    /// filter tags returned from the oci repository using semver
    #[arg(long = "filter-semver", visible_alias = "semver")]
    pub semver: Option<String>,
    /// filter tags returned from the oci repository using regex
    #[arg(long = "filter-regex")]
    pub regex: Option<String>,
    /// Registry access.
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// `build artifact`: packs the directory as the artifact store does and prints its digest.
pub fn build(cmd: &BuildCmd) -> Result<String, String> {
    let BuildCommand::Artifact(args) = &cmd.command else {
        return Err("build: not an artifact".into());
    };
    let path = existing_dir(&args.path)?;
    let rules = ignore_rules(&args.ignore_paths);
    logger::action(&format!("building artifact from {}", args.path));
    let digest =
        artifact::pack_file(&path, Path::new(&args.output), &rules).map_err(|e| e.to_string())?;
    logger::success(&format!("artifact created at {}", args.output));
    Ok(format!("{digest}\n"))
}

/// `push artifact`.
pub fn push(cmd: &PushCmd) -> Result<String, String> {
    let PushCommand::Artifact(args) = &cmd.command;
    if args.source.is_empty() {
        return Err("--source is required".into());
    }
    if args.revision.is_empty() {
        return Err("--revision is required".into());
    }
    let path = existing_dir(&args.path)?;
    let annotations = oci::parse_annotations(args.annotations.iter().map(String::as_str))
        .map_err(|e| e.to_string())?;
    let meta = PushMetadata {
        source: args.source.clone(),
        revision: args.revision.clone(),
        created: args
            .reproducible
            .then(|| oci::REPRODUCIBLE_CREATED.to_string()),
        annotations,
    };
    let ignore: Vec<String> = if args.ignore_paths.is_empty() {
        FLUX_CLI_IGNORE_DEFAULTS
            .iter()
            .map(|s| s.to_string())
            .collect()
    } else {
        args.ignore_paths.clone()
    };
    let creds = args.registry.credentials();
    logger::action(&format!(
        "pushing artifact to {}",
        args.url.trim_start_matches(oci::OCI_PREFIX)
    ));
    let pushed = oci::push(
        &args.url,
        &path,
        &meta,
        Some(&ignore),
        &creds,
        &args.registry.options(),
    )
    .map_err(|e| e.to_string())?;
    logger::success(&format!(
        "artifact successfully pushed to {}@{}",
        pushed.repository, pushed.digest
    ));
    Ok(String::new())
}

/// `pull artifact`.
pub fn pull(cmd: &PullCmd) -> Result<String, String> {
    let PullCommand::Artifact(args) = &cmd.command;
    if args.output.is_empty() {
        return Err("invalid output path".into());
    }
    let creds = args.registry.credentials();
    logger::action(&format!(
        "pulling artifact from {}",
        args.url.trim_start_matches(oci::OCI_PREFIX)
    ));
    let meta = oci::pull(
        &args.url,
        Path::new(&args.output),
        &creds,
        &args.registry.options(),
    )
    .map_err(|e| e.to_string())?;
    if !meta.source.is_empty() {
        logger::success(&format!("source {}", meta.source));
    }
    if !meta.revision.is_empty() {
        logger::success(&format!("revision {}", meta.revision));
    }
    logger::success(&format!("digest {}", meta.digest));
    logger::success(&format!("artifact content extracted to {}", args.output));
    Ok(String::new())
}

/// `list artifacts`: flux's table of URL, digest, source and revision.
pub fn list(cmd: &ListCmd) -> Result<String, String> {
    let ListCommand::Artifacts(args) = &cmd.command;
    let creds = args.registry.credentials();
    let filter = ListOptions {
        semver: args.semver.clone(),
        regex: args.regex.clone(),
        include_cosign: false,
    };
    let metas = oci::list(&args.url, &filter, &creds, &args.registry.options())
        .map_err(|e| e.to_string())?;
    let rows: Vec<Vec<String>> = metas
        .into_iter()
        .map(|m| vec![m.url, m.digest, m.source, m.revision])
        .collect();
    Ok(table::render(
        &["artifact", "digest", "source", "revision"],
        &rows,
    ))
}

/// `--ignore-paths`, or flux's default list.
fn ignore_rules(paths: &[String]) -> IgnoreRules {
    if paths.is_empty() {
        IgnoreRules::from_patterns(FLUX_CLI_IGNORE_DEFAULTS)
    } else {
        IgnoreRules::from_patterns(paths)
    }
}

fn existing_dir(path: &str) -> Result<PathBuf, String> {
    let p = PathBuf::from(path);
    if path.is_empty() || !p.is_dir() {
        return Err(format!(
            "invalid path '{path}', must point to an existing directory"
        ));
    }
    Ok(p)
}
