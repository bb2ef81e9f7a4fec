//! `source fetch git|oci|helm-chart|bucket`: one fetch of a source into a directory, with
//! the flags of the matching `create source` command (the object those flags describe is
//! what is fetched) and credentials from a local Secret manifest (`--secret-file`).
//! Prints the artifact revision and the digest of the artifact Flux would store.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use clap::{Args, Subcommand};
use gitops_core::api::source::{Bucket, GitRepository, HelmRepository, OCIRepository};
use gitops_sources::artifact::{self, IgnoreRules, SourceKind};
use gitops_sources::{bucket, git, helm, oci};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::create::{self, Ctx, source as create_source};

/// `source`: its sub-commands.
#[derive(Args, Debug)]
pub struct SourceCmd {
    /// What to do.
    #[command(subcommand)]
    pub command: SourceCommand,
}

/// The `source` sub-commands.
#[derive(Subcommand, Debug)]
pub enum SourceCommand {
    /// Fetch a source once into a directory and print its revision and artifact digest
    Fetch(FetchCmd),
}

/// `source fetch`: the source kinds.
#[derive(Args, Debug)]
pub struct FetchCmd {
    /// The source kind.
    #[command(subcommand)]
    pub kind: FetchKind,
}

/// Where the fetch goes and which credentials it uses.
#[derive(Args, Debug)]
pub struct FetchTarget {
    /// directory to fetch into (created; must be empty if it exists)
    #[arg(long)]
    pub output: String,
    /// a Secret manifest (YAML) whose data or stringData are the credentials `--secret-ref` names
    #[arg(long)]
    pub secret_file: Option<String>,
}

/// The kinds `source fetch` handles.
#[derive(Subcommand, Debug)]
pub enum FetchKind {
    /// Fetch a GitRepository
    Git {
        /// The `create source git` flags.
        #[command(flatten)]
        source: create_source::SourceGitArgs,
        /// Output and credentials.
        #[command(flatten)]
        target: FetchTarget,
    },
    /// Fetch an OCIRepository
    Oci {
        /// The `create source oci` flags.
        #[command(flatten)]
        source: create_source::SourceOciArgs,
        /// Output and credentials.
        #[command(flatten)]
        target: FetchTarget,
    },
    /// Fetch a chart from a HelmRepository (HTTP index or OCI)
    HelmChart {
        /// The `create source helm` flags.
        #[command(flatten)]
        source: create_source::SourceHelmArgs,
        /// the Helm chart name
        #[arg(long)]
        chart: String,
        /// the Helm chart version or semver range
        #[arg(long = "chart-version", default_value = "*")]
        chart_version: String,
        /// Output and credentials.
        #[command(flatten)]
        target: FetchTarget,
    },
    /// Fetch a Bucket
    Bucket {
        /// The `create source bucket` flags.
        #[command(flatten)]
        source: create_source::SourceBucketArgs,
        /// Output and credentials.
        #[command(flatten)]
        target: FetchTarget,
    },
}

/// What a fetch found.
struct Fetched {
    revision: String,
    digest: String,
}

/// Runs `source fetch`; stdout is `revision: …` and `digest: …`.
pub fn run(cmd: &SourceCmd, namespace: &str) -> Result<String, String> {
    let SourceCommand::Fetch(fetch) = &cmd.command;
    let fetched = match &fetch.kind {
        FetchKind::Git { source, target } => {
            let object: GitRepository = described(namespace, &source.name, |ctx| {
                create_source::git(ctx, source)
            })?;
            fetch_git(&object, target)?
        }
        FetchKind::Oci { source, target } => {
            let object: OCIRepository = described(namespace, &source.name, |ctx| {
                create_source::oci(ctx, source)
            })?;
            fetch_oci(&object, target)?
        }
        FetchKind::HelmChart {
            source,
            chart,
            chart_version,
            target,
        } => {
            let object: HelmRepository = described(namespace, &source.name, |ctx| {
                create_source::helm(ctx, source)
            })?;
            fetch_chart(&object, chart, chart_version, target)?
        }
        FetchKind::Bucket { source, target } => {
            let object: Bucket = described(namespace, &source.name, |ctx| {
                create_source::bucket(ctx, source)
            })?;
            fetch_bucket(&object, target)?
        }
    };
    Ok(format!(
        "revision: {}\ndigest: {}\n",
        fetched.revision, fetched.digest
    ))
}

/// The object the `create source` flags describe (its `--export` output, typed).
fn described<T: DeserializeOwned>(
    namespace: &str,
    name: &crate::cli::NameArg,
    create: impl FnOnce(&Ctx) -> create::CmdResult,
) -> Result<T, String> {
    let ctx = Ctx {
        name: name.name.clone().unwrap_or_else(|| "fetch".into()),
        namespace: namespace.to_string(),
        common: crate::cli::CreateCommon::default(),
        fetch_timeout: None,
    };
    let generated = create(&ctx).map_err(|(_, message)| message)?;
    let docs = gitops_core::yaml::load_documents(&generated.stdout, &Default::default())
        .map_err(|e| e.to_string())?;
    let source = docs
        .into_iter()
        .map(|d| d.value)
        .find(|v| v.get("kind").and_then(Value::as_str) != Some("Secret"))
        .ok_or("the flags describe no source")?;
    serde_json::from_value(source).map_err(|e| format!("invalid source: {e}"))
}

/// The data of the Secret in `--secret-file` (`data` base64-decoded, `stringData` over it).
fn secret_data(target: &FetchTarget) -> Result<Option<BTreeMap<String, Vec<u8>>>, String> {
    let Some(path) = &target.secret_file else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let docs = gitops_core::yaml::load_documents(&text, &Default::default())
        .map_err(|e| format!("{path}: {e}"))?;
    let secret = docs
        .into_iter()
        .map(|d| d.value)
        .find(|v| v.get("kind").and_then(Value::as_str) == Some("Secret"))
        .ok_or_else(|| format!("{path}: no Secret in the file"))?;
    let mut data = BTreeMap::new();
    for (key, value) in secret
        .get("data")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let text = value.as_str().unwrap_or_default();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| format!("{path}: data.{key} is not base64: {e}"))?;
        data.insert(key.clone(), bytes);
    }
    for (key, value) in secret
        .get("stringData")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        data.insert(
            key.clone(),
            value.as_str().unwrap_or_default().as_bytes().to_vec(),
        );
    }
    Ok(Some(data))
}

/// The output directory, created empty.
fn output_dir(target: &FetchTarget) -> Result<&Path, String> {
    let dir = Path::new(&target.output);
    if dir.exists()
        && std::fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", target.output))?
            .next()
            .is_some()
    {
        return Err(format!("output directory '{}' is not empty", target.output));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", target.output))?;
    Ok(dir)
}

/// The digest of the tar.gz Flux would store for `dir` (packed aside, then removed).
fn archive_digest(dir: &Path, rules: &IgnoreRules) -> Result<String, String> {
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let digest = artifact::pack_file(dir, &scratch.path().join("artifact.tar.gz"), rules)
        .map_err(|e| e.to_string())?;
    Ok(digest.to_string())
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

fn fetch_git(object: &GitRepository, target: &FetchTarget) -> Result<Fetched, String> {
    let data = secret_data(target)?.unwrap_or_default();
    let auth = git::Auth::from_secret(&data).map_err(|e| e.to_string())?;
    let dir = output_dir(target)?;
    let commit = match git::fetch(&object.spec, &auth, dir, None).map_err(|e| e.to_string())? {
        git::Outcome::Fetched(commit) => commit,
        git::Outcome::Unchanged(_) => return Err("nothing fetched".into()),
    };
    let rules = IgnoreRules::for_source(SourceKind::Git, object.spec.ignore.as_deref())
        .with_sourceignore_files(dir)
        .map_err(|e| e.to_string())?;
    Ok(Fetched {
        revision: commit.revision.to_string(),
        digest: archive_digest(dir, &rules)?,
    })
}

fn fetch_oci(object: &OCIRepository, target: &FetchTarget) -> Result<Fetched, String> {
    let creds = match secret_data(target)? {
        Some(data) => match data.get(".dockerconfigjson") {
            Some(json) => oci::Credentials::from_docker_config(json).map_err(|e| e.to_string())?,
            None => {
                let text = |k: &str| {
                    data.get(k)
                        .map(|v| String::from_utf8_lossy(v).into_owned())
                        .unwrap_or_default()
                };
                oci::Credentials::from_user_pass(&format!(
                    "{}:{}",
                    text("username"),
                    text("password")
                ))
            }
        },
        None => oci::Credentials::Anonymous,
    };
    let dir = output_dir(target)?;
    let outcome = oci::fetch(&object.spec, &creds, dir).map_err(|e| e.to_string())?;
    let digest = match &outcome.content {
        oci::Content::Extracted { dir } => {
            let rules = IgnoreRules::for_source(SourceKind::Oci, object.spec.ignore.as_deref())
                .with_sourceignore_files(dir)
                .map_err(|e| e.to_string())?;
            archive_digest(dir, &rules)?
        }
        oci::Content::Copied { file } => artifact::digest_file(file)
            .map_err(|e| e.to_string())?
            .to_string(),
    };
    Ok(Fetched {
        revision: outcome.revision,
        digest,
    })
}

fn fetch_chart(
    object: &HelmRepository,
    chart: &str,
    version: &str,
    target: &FetchTarget,
) -> Result<Fetched, String> {
    let data = secret_data(target)?;
    let opts = helm::RepositoryOptions::from_secret_data(data.as_ref(), data.as_ref());
    let insecure = object.spec.insecure.unwrap_or(false);
    let dir = output_dir(target)?;
    let chart = runtime()?
        .block_on(helm::fetch_repository_chart(
            &object.spec.url,
            chart,
            version,
            &opts,
            insecure,
            dir,
        ))
        .map_err(|e| e.to_string())?;
    Ok(Fetched {
        revision: chart.version,
        digest: chart.digest,
    })
}

fn fetch_bucket(object: &Bucket, target: &FetchTarget) -> Result<Fetched, String> {
    let data = secret_data(target)?;
    let secret_name = object.spec.secret_ref.as_ref().map(|r| r.name.as_str());
    let opts = bucket::BucketOptions::from_spec(&object.spec, secret_name, data.as_ref())
        .map_err(|e| e.to_string())?;
    let dir = output_dir(target)?;
    let fetched = runtime()?
        .block_on(bucket::fetch_bucket(&opts, dir))
        .map_err(|e| e.to_string())?;
    let rules = IgnoreRules::for_source(SourceKind::Bucket, object.spec.ignore.as_deref())
        .with_sourceignore_files(dir)
        .map_err(|e| e.to_string())?;
    Ok(Fetched {
        revision: fetched.revision,
        digest: archive_digest(dir, &rules)?,
    })
}
