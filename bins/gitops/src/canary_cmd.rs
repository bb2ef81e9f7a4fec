//! `gitops canary`: see how a Canary will behave before shipping it.
//!
//! - `simulate` runs Flagger's analysis ([`gitops_canary::machine`]) over a scenario and
//!   prints the timeline;
//! - `render` prints the objects the router and target handling create for a Canary.

use clap::{Args, Subcommand, ValueEnum};
use gitops_canary::core::Object;
use gitops_canary::core::api::flagger::{Canary, MeshProvider};
use gitops_canary::core::yaml::{LoadOptions, load_documents};
use gitops_canary::render;
use gitops_canary::simulate::{self, Scenario};

/// `canary` and its sub-commands.
#[derive(Args, Debug)]
pub struct CanaryCmd {
    /// What to do.
    #[command(subcommand)]
    pub command: CanaryCommand,
}

/// The `canary` sub-commands.
#[derive(Subcommand, Debug)]
pub enum CanaryCommand {
    /// Run the canary analysis over a scenario and print the timeline
    Simulate(SimulateArgs),
    /// Print the objects Flagger creates for a Canary (or its routing at a canary weight)
    Render(RenderArgs),
}

/// Flags of `canary render`.
#[derive(Args, Debug)]
pub struct RenderArgs {
    /// The Canary manifest (flagger.app/v1beta1)
    #[arg(long)]
    pub canary: String,
    /// The target workload's manifest; ConfigMaps, Secrets and the HorizontalPodAutoscaler
    /// in the same file are used as the cluster would provide them
    #[arg(long)]
    pub target: Option<String>,
    /// Print only the routing objects as they are at this canary weight (0-100)
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub canary_weight: Option<u32>,
    /// The mesh provider when the Canary sets none (Flagger's -mesh-provider)
    #[arg(long, default_value = "istio")]
    pub mesh_provider: String,
}

/// Flags of `canary simulate`.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// The Canary manifest (flagger.app/v1beta1)
    #[arg(long)]
    pub canary: String,
    /// The scenario: metric values, webhook answers and overrides per run (default: all
    /// metrics pass, all webhooks succeed, workloads are ready)
    #[arg(long)]
    pub scenario: Option<String>,
    /// The mesh provider when the Canary sets none (Flagger's -mesh-provider)
    #[arg(long, default_value = "istio")]
    pub mesh_provider: String,
    /// Output format
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: Format,
}

/// Output formats of `canary simulate`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// One row per analysis run with the commands issued
    Table,
    /// A JSON array of steps
    Json,
}

/// Runs a `canary` sub-command.
pub fn run(cmd: &CanaryCmd) -> Result<String, String> {
    match &cmd.command {
        CanaryCommand::Simulate(args) => simulate_cmd(args),
        CanaryCommand::Render(args) => render_cmd(args),
    }
}

fn simulate_cmd(args: &SimulateArgs) -> Result<String, String> {
    let canary = read_canary(&args.canary)?;
    let scenario = match &args.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
            Scenario::from_yaml(&text, path).map_err(|e| e.to_string())?
        }
        None => Scenario::default(),
    };
    let provider = mesh_provider(&args.mesh_provider)?;
    let timeline = simulate::simulate(&canary, provider, &scenario).map_err(|e| e.to_string())?;
    Ok(match args.output {
        Format::Table => simulate::table(&timeline),
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&timeline).map_err(|e| e.to_string())?;
            text.push('\n');
            text
        }
    })
}

fn render_cmd(args: &RenderArgs) -> Result<String, String> {
    let mut canary = read_canary(&args.canary)?;
    if canary.spec.provider.is_none() {
        canary.spec.provider = Some(mesh_provider(&args.mesh_provider)?);
    }
    let objects = match (args.canary_weight, &args.target) {
        (Some(weight), _) => render::routing_at(&canary, weight).map_err(|e| e.to_string())?,
        (None, Some(path)) => {
            let objects = read_objects(path)?;
            let target_ref = &canary.spec.target_ref;
            let target_kind = serde_json::to_value(target_ref.kind).map_err(|e| e.to_string())?;
            let target = objects
                .iter()
                .find(|o| Some(o.kind()) == target_kind.as_str() && o.name() == target_ref.name)
                .ok_or_else(|| {
                    format!(
                        "{path}: no {} named {:?} (the Canary's targetRef)",
                        target_kind.as_str().unwrap_or_default(),
                        target_ref.name
                    )
                })?;
            let configs: Vec<Object> = objects
                .iter()
                .filter(|o| matches!(o.kind(), "ConfigMap" | "Secret"))
                .cloned()
                .collect();
            let autoscaler = canary.spec.autoscaler_ref.as_ref().and_then(|r| {
                objects
                    .iter()
                    .find(|o| o.kind() == "HorizontalPodAutoscaler" && o.name() == r.name)
            });
            render::initial(&canary, target, &configs, autoscaler).map_err(|e| e.to_string())?
        }
        (None, None) => {
            return Err("give --target FILE (the objects at initialization) or --canary-weight N (the routing at that weight)".into());
        }
    };
    Ok(gitops_canary::core::yaml::emit::to_string_documents(
        objects.iter().map(Object::as_value),
    ))
}

/// Reads every object of a manifest file.
fn read_objects(path: &str) -> Result<Vec<Object>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
    let docs =
        load_documents(&text, &LoadOptions::default()).map_err(|e| format!("{path}: {e}"))?;
    docs.into_iter()
        .filter(|d| !d.value.is_null())
        .map(|d| {
            let line = d.line;
            Object::from_value(d.value).map_err(|e| format!("{path}:{line}: {e}"))
        })
        .collect()
}

/// Reads the first Canary of a manifest file.
pub fn read_canary(path: &str) -> Result<Canary, String> {
    let object = read_objects(path)?
        .into_iter()
        .find(|o| o.kind() == "Canary")
        .ok_or_else(|| format!("{path}: no Canary (flagger.app/v1beta1) in the file"))?;
    gitops_canary::core::api::parse(object.as_value()).map_err(|e| format!("{path}: {e}"))
}

fn mesh_provider(name: &str) -> Result<MeshProvider, String> {
    serde_json::from_value(serde_json::Value::String(name.to_string()))
        .map_err(|_| format!("unknown mesh provider {name:?}"))
}
