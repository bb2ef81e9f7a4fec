//! The cluster-facing commands, shaped like flux's: `get`, `reconcile`, `suspend`,
//! `resume`, `delete`, `events`, `tree` and `create …` without `--export`.
//!
//! Progress lines go to stderr as they happen (`►`, `✔`, `◎`, `✗`); tables go to
//! stdout. Each command returns its stdout text, or the message flux fails with.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cli::GlobalArgs;

pub mod apply;
pub mod build;
pub mod client;
pub mod delete;
pub mod events;
pub mod get;
pub mod reconcile;
pub mod status;
pub mod suspend;
pub mod tree;

pub use client::Client;

/// A Flux kind the cluster commands handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// `GitRepository`.
    pub kind: &'static str,
    /// flux's `humanKind`: `source git`.
    pub human: &'static str,
    /// API group.
    pub group: &'static str,
    /// API version.
    pub version: &'static str,
    /// Resource (plural) name.
    pub plural: &'static str,
}

/// GitRepository.
pub const GIT_REPOSITORY: Kind = Kind {
    kind: "GitRepository",
    human: "source git",
    group: "source.toolkit.fluxcd.io",
    version: "v1",
    plural: "gitrepositories",
};
/// OCIRepository.
pub const OCI_REPOSITORY: Kind = Kind {
    kind: "OCIRepository",
    human: "source oci",
    group: "source.toolkit.fluxcd.io",
    version: "v1",
    plural: "ocirepositories",
};
/// Bucket.
pub const BUCKET: Kind = Kind {
    kind: "Bucket",
    human: "source bucket",
    group: "source.toolkit.fluxcd.io",
    version: "v1",
    plural: "buckets",
};
/// HelmRepository.
pub const HELM_REPOSITORY: Kind = Kind {
    kind: "HelmRepository",
    human: "source helm",
    group: "source.toolkit.fluxcd.io",
    version: "v1",
    plural: "helmrepositories",
};
/// HelmChart.
pub const HELM_CHART: Kind = Kind {
    kind: "HelmChart",
    human: "source chart",
    group: "source.toolkit.fluxcd.io",
    version: "v1",
    plural: "helmcharts",
};
/// Kustomization.
pub const KUSTOMIZATION: Kind = Kind {
    kind: "Kustomization",
    human: "kustomization",
    group: "kustomize.toolkit.fluxcd.io",
    version: "v1",
    plural: "kustomizations",
};
/// HelmRelease.
pub const HELM_RELEASE: Kind = Kind {
    kind: "HelmRelease",
    human: "helmrelease",
    group: "helm.toolkit.fluxcd.io",
    version: "v2",
    plural: "helmreleases",
};

/// Every kind above.
pub const KINDS: [Kind; 7] = [
    GIT_REPOSITORY,
    OCI_REPOSITORY,
    BUCKET,
    HELM_REPOSITORY,
    HELM_CHART,
    KUSTOMIZATION,
    HELM_RELEASE,
];

impl Kind {
    /// The kind named `kind` (case-insensitive).
    pub fn named(kind: &str) -> Option<Kind> {
        KINDS
            .into_iter()
            .find(|k| k.kind.eq_ignore_ascii_case(kind))
    }

    /// The collection path in `namespace` (all namespaces when `None`).
    pub fn collection(&self, namespace: Option<&str>) -> String {
        match namespace {
            Some(ns) => format!(
                "/apis/{}/{}/namespaces/{ns}/{}",
                self.group, self.version, self.plural
            ),
            None => format!("/apis/{}/{}/{}", self.group, self.version, self.plural),
        }
    }

    /// The object path.
    pub fn path(&self, namespace: &str, name: &str) -> String {
        format!("{}/{name}", self.collection(Some(namespace)))
    }
}

/// What every cluster command needs: the client, the namespace, the timeout.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The API client.
    pub client: Client,
    /// `-n` (or `FLUX_SYSTEM_NAMESPACE`, or `flux-system`).
    pub namespace: String,
    /// `--timeout` (5m0s unless given).
    pub timeout: Duration,
    /// How often waits poll (flux: 2s; shorter here).
    pub poll: Duration,
}

impl Ctx {
    /// The context from the global flags.
    pub fn new(global: &GlobalArgs, namespace: &str) -> Result<Ctx, String> {
        let client =
            Client::from_kubeconfig(global.kubeconfig.as_deref(), global.context.as_deref())
                .map_err(|e| e.to_string())?;
        let timeout = global
            .timeout
            .and_then(|d| d.to_std())
            .unwrap_or(Duration::from_secs(300));
        Ok(Ctx {
            client,
            namespace: namespace.to_string(),
            timeout,
            poll: Duration::from_millis(500),
        })
    }

    /// Polls `f` until it returns `Some`, an error, or the timeout passes (flux's
    /// `wait.PollUntilContextTimeout`, immediate first try).
    pub fn poll<T>(&self, mut f: impl FnMut() -> Result<Option<T>, String>) -> Result<T, String> {
        let start = Instant::now();
        loop {
            if let Some(v) = f()? {
                return Ok(v);
            }
            if start.elapsed() >= self.timeout {
                return Err("context deadline exceeded".to_string());
            }
            std::thread::sleep(self.poll);
        }
    }
}

/// `► …` on stderr.
pub fn action(message: &str) {
    eprintln!("► {message}");
}

/// `✔ …` on stderr.
pub fn success(message: &str) {
    eprintln!("✔ {message}");
}

/// `◎ …` on stderr.
pub fn waiting(message: &str) {
    eprintln!("◎ {message}");
}

/// `✚ …` on stderr.
pub fn generate(message: &str) {
    eprintln!("✚ {message}");
}

/// `✗ …` on stderr (a failure that does not end the command).
pub fn failure(message: &str) {
    eprintln!("✗ {message}");
}

/// A string at `pointer` in `value`, or "".
pub fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// An integer at `pointer` in `value`, or 0.
pub fn int_at(value: &Value, pointer: &str) -> i64 {
    value
        .pointer(pointer)
        .and_then(Value::as_i64)
        .unwrap_or_default()
}

/// A table like flux's `printers.TablePrinter`, without the header line when `header` is
/// empty (`--no-header`, watch updates).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    if header.is_empty() {
        let blank: Vec<&str> = rows
            .first()
            .map(|r| r.iter().map(|_| "").collect())
            .unwrap_or_default();
        let text = crate::table::render(&blank, rows);
        return text
            .split_once('\n')
            .map(|(_, rest)| rest.to_string())
            .unwrap_or_default();
    }
    crate::table::render(header, rows)
}

/// RFC 3339 with nanoseconds, trailing zeros trimmed (Go's `time.RFC3339Nano`), now, UTC.
pub fn now_rfc3339_nano() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let base = gitops_devcluster::store::rfc3339(now.as_secs());
    let nanos = now.subsec_nanos();
    if nanos == 0 {
        return base;
    }
    let frac = format!("{nanos:09}");
    format!(
        "{}.{}Z",
        base.trim_end_matches('Z'),
        frac.trim_end_matches('0')
    )
}

/// How a cluster command ended without an error.
pub enum Done {
    /// Print this on stdout.
    Text(String),
    /// A command group without a sub-command: print its help.
    Help(Vec<&'static str>),
}

/// Runs a cluster command (`get`, `reconcile`, `suspend`, `resume`, `delete`, `events`,
/// `tree`).
pub fn run(
    command: &crate::cli::Command,
    global: &GlobalArgs,
    namespace: &str,
) -> Result<Done, String> {
    use crate::cli::Command;
    let help = |path: &[&'static str]| Ok(Done::Help(path.to_vec()));
    let text = |t: String| Ok(Done::Text(t));
    if let Some(path) = help_path(command) {
        return help(&path);
    }
    let ctx = || Ctx::new(global, namespace);
    match command {
        Command::Get(cmd) => match get::run(&ctx()?, cmd)? {
            Some(t) => text(t),
            None => help(&["get"]),
        },
        Command::Reconcile(cmd) => {
            if reconcile::run(&ctx()?, cmd)? {
                text(String::new())
            } else {
                help(&["reconcile"])
            }
        }
        Command::Suspend(cmd) => {
            if suspend::suspend(&ctx()?, cmd)? {
                text(String::new())
            } else {
                help(&["suspend"])
            }
        }
        Command::Resume(cmd) => {
            if suspend::resume(&ctx()?, cmd)? {
                text(String::new())
            } else {
                help(&["resume"])
            }
        }
        Command::Delete(cmd) => {
            if delete::run(&ctx()?, cmd)? {
                text(String::new())
            } else {
                help(&["delete"])
            }
        }
        Command::Events(args) => text(events::run(&ctx()?, args)?),
        Command::Tree(cmd) => match tree::run(&ctx()?, cmd)? {
            Some(t) => text(t),
            None => help(&["tree"]),
        },
        _ => Err("not a cluster command".to_string()),
    }
}

/// The command group a cluster command stops at without its sub-command, if it does.
fn help_path(command: &crate::cli::Command) -> Option<Vec<&'static str>> {
    use crate::cli::Command;
    use reconcile::ReconcileCommand;
    use suspend::ToggleCommand;
    let toggle = |name: &'static str, cmd: &suspend::ToggleCmd| match &cmd.command {
        None => Some(vec![name]),
        Some(ToggleCommand::Source(s)) if s.command.is_none() => Some(vec![name, "source"]),
        _ => None,
    };
    match command {
        Command::Get(cmd) => match &cmd.command {
            None => Some(vec!["get"]),
            Some(get::GetCommand::Sources(s)) if s.command.is_none() => {
                Some(vec!["get", "sources"])
            }
            _ => None,
        },
        Command::Reconcile(cmd) => match &cmd.command {
            None => Some(vec!["reconcile"]),
            Some(ReconcileCommand::Source(s)) if s.command.is_none() => {
                Some(vec!["reconcile", "source"])
            }
            _ => None,
        },
        Command::Suspend(cmd) => toggle("suspend", cmd),
        Command::Resume(cmd) => toggle("resume", cmd),
        Command::Delete(cmd) => match &cmd.command {
            None => Some(vec!["delete"]),
            Some(delete::DeleteCommand::Source(s)) if s.command.is_none() => {
                Some(vec!["delete", "source"])
            }
            _ => None,
        },
        Command::Tree(cmd) if cmd.command.is_none() => Some(vec!["tree"]),
        _ => None,
    }
}

/// `create …` without `--export`: applies the exported objects and waits for them.
pub fn create(
    global: &GlobalArgs,
    namespace: &str,
    cmd: &crate::cli::CreateCmd,
    exported: &str,
) -> Result<(), String> {
    let ctx = Ctx::new(global, namespace)?;
    apply::run(&ctx, exported, apply::credentials(cmd, namespace)?)
}
