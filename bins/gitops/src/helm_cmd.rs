//! `gitops helm template [NAME] CHART`: prints what `helm template` (Helm 4.1) prints.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use gitops_render::helm::values::coalesce::{Options, merge_values};
use gitops_render::helm::{Chart, OutputOptions, RenderOptions, Rendered, template};

/// `gitops helm …` on its own: the root's flags and the `helm` command, nothing else.
#[derive(Parser, Debug)]
#[command(
    name = "gitops",
    version,
    disable_help_subcommand = true,
    args_override_self = true
)]
struct HelmCli {
    #[command(flatten)]
    global: crate::cli::GlobalArgs,
    #[command(subcommand)]
    command: HelmOnly,
}

#[derive(Subcommand, Debug)]
enum HelmOnly {
    /// Render Helm charts, as `helm template` does
    Helm(HelmCmd),
}

/// Runs `gitops helm …` parsed with [`HelmCli`] alone.
pub fn main() -> ExitCode {
    match HelmCli::try_parse() {
        Ok(cli) => {
            let HelmOnly::Helm(cmd) = &cli.command;
            execute(cmd, cli.global.namespace.as_deref())
        }
        Err(err) => crate::errors::report_clap(err),
    }
}

/// Runs a `helm` command and prints its output, or Helm's `Error: …` (Helm's own error
/// format, not flux's).
pub fn execute(cmd: &HelmCmd, namespace: Option<&str>) -> ExitCode {
    let (rendered, out) = match run(cmd, namespace) {
        Ok(done) => done,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let parts = match rendered.output_parts(&out) {
        Ok(parts) => parts,
        Err(e) => {
            eprintln!("Error: {}", e.cli_message());
            return ExitCode::FAILURE;
        }
    };
    // Written piece by piece: the output is never assembled in memory.
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let written = parts
        .iter()
        .try_for_each(|p| std::io::Write::write_all(&mut stdout, p.as_bytes()))
        .and_then(|()| std::io::Write::flush(&mut stdout));
    if written.is_err() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// `helm` and its sub-commands.
#[derive(Args, Debug)]
pub struct HelmCmd {
    /// What to do.
    #[command(subcommand)]
    pub command: HelmCommand,
}

/// The `helm` sub-commands.
#[derive(Subcommand, Debug)]
pub enum HelmCommand {
    /// Locally render a chart's templates, as `helm template` does
    Template(TemplateArgs),
}

/// Flags of `helm template`, named as Helm names them.
#[derive(Args, Debug)]
pub struct TemplateArgs {
    /// `[NAME] CHART`: the release name (default `release-name`) and the chart directory
    /// or `.tgz` archive
    #[arg(num_args = 1..=2, required = true)]
    pub args: Vec<String>,
    /// Values files, in order (comma-separated lists allowed)
    #[arg(short = 'f', long = "values", value_delimiter = ',')]
    pub values: Vec<String>,
    /// Values on the command line (key1=val1,key2=val2)
    #[arg(long = "set")]
    pub set: Vec<String>,
    /// String values on the command line
    #[arg(long = "set-string")]
    pub set_string: Vec<String>,
    /// Values read from files (key=path)
    #[arg(long = "set-file")]
    pub set_file: Vec<String>,
    /// JSON values on the command line (key=jsonval)
    #[arg(long = "set-json")]
    pub set_json: Vec<String>,
    /// A literal string value (key=value, no parsing)
    #[arg(long = "set-literal")]
    pub set_literal: Vec<String>,
    /// Print the charts' crds/ files too
    #[arg(long)]
    pub include_crds: bool,
    /// Never print CRDs
    #[arg(long)]
    pub skip_crds: bool,
    /// Kubernetes version for .Capabilities.KubeVersion
    #[arg(long)]
    pub kube_version: Option<String>,
    /// Kubernetes API versions for .Capabilities.APIVersions
    #[arg(short = 'a', long = "api-versions", value_delimiter = ',')]
    pub api_versions: Vec<String>,
    /// Leave hooks out
    #[arg(long)]
    pub no_hooks: bool,
    /// Leave test hooks out
    #[arg(long)]
    pub skip_tests: bool,
    /// Only print the templates matching these paths (e.g. templates/deployment.yaml)
    #[arg(short = 's', long = "show-only")]
    pub show_only: Vec<String>,
    /// Set .Release.IsUpgrade instead of .Release.IsInstall
    #[arg(long)]
    pub is_upgrade: bool,
    /// Do not validate values against values.schema.json
    #[arg(long)]
    pub skip_schema_validation: bool,
}

/// Go's text for a failed file open.
fn open_error(path: &str, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => format!("open {path}: no such file or directory"),
        std::io::ErrorKind::PermissionDenied => format!("open {path}: permission denied"),
        _ => format!("open {path}: {e}"),
    }
}

fn read(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).map_err(|e| e.to_string())?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| open_error(path, &e))
}

/// Renders the chart of a `helm template` command; the output options come with it. Errors are the
/// message Helm prints after `Error: `.
pub fn run(cmd: &HelmCmd, namespace: Option<&str>) -> Result<(Rendered, OutputOptions), String> {
    let HelmCommand::Template(a) = &cmd.command;
    let (name, chart) = match a.args.as_slice() {
        [chart] => ("release-name".to_string(), chart),
        [name, chart] => (name.clone(), chart),
        _ => return Err("expected [NAME] CHART".into()),
    };
    // `--kube-version` is checked while the flags are read, before anything else.
    if let Some(k) = &a.kube_version {
        gitops_render::helm::objects::KubeVersion::parse(k)
            .map_err(|e| format!("invalid kube version '{k}': {e}"))?;
    }
    // Helm locates the chart (an absolute path, which its messages then name) before
    // reading any values.
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let path = template::locate_chart(&cwd, chart)?;
    let mut values = Options::default();
    for f in &a.values {
        values.value_files.push((f.clone(), read(f)?));
    }
    values.values = a.set.clone();
    values.string_values = a.set_string.clone();
    values.file_values = a.set_file.clone();
    values.json_values = a.set_json.clone();
    values.literal_values = a.set_literal.clone();
    let user = merge_values(&values, &mut |p| read(p)).map_err(|e| e.to_string())?;
    let chart = Chart::load(&path).map_err(|e| e.to_string())?;
    let opts = RenderOptions {
        release_name: name,
        namespace: namespace.unwrap_or("default").to_string(),
        kube_version: a.kube_version.clone(),
        api_versions: a.api_versions.clone(),
        is_upgrade: a.is_upgrade,
        skip_schema_validation: a.skip_schema_validation,
    };
    let out = OutputOptions {
        include_crds: a.include_crds,
        skip_crds: a.skip_crds,
        no_hooks: a.no_hooks,
        skip_tests: a.skip_tests,
        show_only: a.show_only.clone(),
    };
    let rendered = template::render(&chart, &user, &opts).map_err(|e| e.cli_message())?;
    Ok((rendered, out))
}
