//! `build kustomization NAME --path DIR` and `diff kustomization NAME --path DIR`: the
//! local manifests built as the cluster's Kustomization would build them (flux's
//! `build`/`diff kustomization`).
//!
//! The Kustomization comes from the cluster, or from `--kustomization-file` (required with
//! `--dry-run`, which never contacts the cluster and skips `substituteFrom`). The directory
//! is built with kustomize-controller's generated kustomization file, post-build variables
//! are substituted and the owner labels set. `diff` then compares each object with the
//! cluster through server-side dry runs: `► Kind/ns/name created|drifted` and a unified
//! diff of the drifted ones; exit status 1 when something would change.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine;
use clap::{Args, Subcommand};

use gitops_core::Object;
use gitops_core::api::kustomize::Kustomization;
use gitops_render::{flux, kustomize::DiskFs, postbuild};

use super::Ctx;
use crate::cli::GlobalArgs;

/// `build kustomization` / `diff kustomization` flags.
#[derive(Args, Debug)]
pub struct KsArgs {
    /// Name of the Kustomization.
    pub name: String,
    /// Path to the manifests location.
    #[arg(long)]
    pub path: String,
    /// Path to the Flux Kustomization YAML file.
    #[arg(long = "kustomization-file")]
    pub kustomization_file: Option<String>,
    /// Dry run mode (needs --kustomization-file; substituteFrom is skipped).
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Fail on variables without a value or default.
    #[arg(long = "strict-substitute")]
    pub strict_substitute: bool,
}

/// `diff` sub-commands.
#[derive(Subcommand, Debug)]
pub enum DiffCommand {
    /// Diff Kustomization
    #[command(visible_alias = "ks")]
    Kustomization(KsArgs),
}

fn load_spec(args: &KsArgs, ctx: Option<&Ctx>, namespace: &str) -> Result<Kustomization, String> {
    if let Some(file) = &args.kustomization_file {
        let text = std::fs::read_to_string(file)
            .map_err(|_| format!("invalid kustomization file {file:?}"))?;
        let docs = gitops_core::yaml::load_documents(&text, &Default::default())
            .map_err(|e| format!("{file}: {e}"))?;
        let found = docs.into_iter().map(|d| d.value).find(|v| {
            v["kind"] == "Kustomization"
                && v["metadata"]["name"].as_str() == Some(args.name.as_str())
        });
        let value =
            found.ok_or_else(|| format!("{file}: no Kustomization named {:?}", args.name))?;
        return serde_json::from_value(value).map_err(|e| format!("{file}: {e}"));
    }
    let ctx = ctx.ok_or("dry-run mode requires a kustomization file")?;
    let path = format!(
        "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/{namespace}/kustomizations/{}",
        args.name
    );
    let value = ctx.client.get(&path).map_err(|e| e.to_string())?;
    serde_json::from_value(value)
        .map_err(|e| format!("Kustomization {namespace}/{}: {e}", args.name))
}

/// The data of a ConfigMap or Secret referenced by `substituteFrom` (`None`: not found).
fn source_data(
    ctx: &Ctx,
    namespace: &str,
    kind: &str,
    name: &str,
) -> Result<Option<BTreeMap<String, String>>, String> {
    let plural = if kind == "Secret" {
        "secrets"
    } else {
        "configmaps"
    };
    let obj = match ctx
        .client
        .get(&format!("/api/v1/namespaces/{namespace}/{plural}/{name}"))
    {
        Ok(o) => o,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let mut out = BTreeMap::new();
    for (k, v) in obj["data"].as_object().into_iter().flatten() {
        let text = v.as_str().unwrap_or_default();
        let value = if kind == "Secret" {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|e| format!("{kind}/{namespace}/{name}: {k}: {e}"))?;
            String::from_utf8_lossy(&bytes).into_owned()
        } else {
            text.to_string()
        };
        out.insert(k.clone(), value);
    }
    Ok(Some(out))
}

/// Builds the local directory for the Kustomization; returns the objects ready to apply.
pub fn build_objects(
    args: &KsArgs,
    ctx: Option<&Ctx>,
    namespace: &str,
) -> Result<Vec<Object>, String> {
    let dir = Path::new(&args.path);
    if args.path.is_empty() || !dir.is_dir() {
        return Err(format!("invalid resource path {:?}", args.path));
    }
    if args.dry_run && args.kustomization_file.is_none() {
        return Err("dry-run mode requires a kustomization file".into());
    }
    let ks = load_spec(args, if args.dry_run { None } else { ctx }, namespace)?;
    let ks_ns = ks
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| namespace.to_string());
    let mut spec = ks.spec.clone();
    spec.path = Some(".".into());
    let fs = DiskFs::new(dir).map_err(|e| e.to_string())?;
    let built = flux::build(&fs, &spec).map_err(|e| e.to_string())?;
    let mut objects: Vec<Object> = built.into_iter().collect();
    if let Some(pb) = &ks.spec.post_build {
        let mut sources = Vec::new();
        if !args.dry_run
            && let Some(ctx) = ctx
        {
            for r in pb.substitute_from.iter().flatten() {
                let data = source_data(ctx, &ks_ns, r.kind.as_str(), &r.name)?;
                sources.push(postbuild::VarSource::from_reference(r, data));
            }
        }
        let vars =
            postbuild::vars_from(pb.substitute.as_ref(), &sources).map_err(|e| e.to_string())?;
        let opts = postbuild::Options::for_post_build(pb, args.strict_substitute);
        postbuild::substitute(&mut objects, &vars, &opts).map_err(|e| e.to_string())?;
    }
    let owner = gitops_core::ssa::Owner::kustomize_controller();
    let mut prepared = gitops_core::ssa::plan::prepare(&objects, &owner, &args.name, &ks_ns)
        .map_err(|e| e.to_string())?;
    if let Some(cm) = &ks.spec.common_metadata {
        for o in &mut prepared {
            for (k, val) in cm.labels.iter().flatten() {
                o.set_label(k, val);
            }
            for (k, val) in cm.annotations.iter().flatten() {
                o.set_annotation(k, val);
            }
        }
    }
    Ok(prepared)
}

/// `build kustomization`: the multi-document YAML.
pub fn build(args: &KsArgs, global: &GlobalArgs, namespace: &str) -> Result<String, String> {
    let ctx = if args.dry_run {
        None
    } else {
        Some(Ctx::new(global, namespace)?)
    };
    let objects = build_objects(args, ctx.as_ref(), namespace)?;
    Ok(gitops_core::yaml::emit::to_string_documents(
        objects.iter().map(Object::as_value),
    ))
}

/// `diff kustomization`: what applying the build would change. `Ok((text, changed))`.
pub fn diff(
    cmd: &DiffCommand,
    global: &GlobalArgs,
    namespace: &str,
) -> Result<(String, bool), String> {
    let DiffCommand::Kustomization(args) = cmd;
    let ctx = Ctx::new(global, namespace)?;
    let objects = build_objects(args, Some(&ctx), namespace)?;
    let report = ctx.client.diff(&objects)?;
    let mut out = String::new();
    let mut changed = false;
    for entry in report {
        match entry {
            super::client::DiffLine::Created(subject) => {
                changed = true;
                out.push_str(&format!("► {subject} created\n"));
            }
            super::client::DiffLine::Drifted {
                subject,
                live,
                merged,
            } => {
                changed = true;
                out.push_str(&format!("► {subject} drifted\n"));
                out.push_str(&unified(&live, &merged));
            }
        }
    }
    Ok((out, changed))
}

/// A unified diff of two texts (line based, whole-file context kept short: 3 lines).
pub fn unified(a: &str, b: &str) -> String {
    let (x, y): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let (n, m) = (x.len(), y.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if x[i] == y[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut lines: Vec<(char, &str)> = Vec::new();
    while i < n || j < m {
        if i < n && j < m && x[i] == y[j] {
            lines.push((' ', x[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            lines.push(('-', x[i]));
            i += 1;
        } else {
            lines.push(('+', y[j]));
            j += 1;
        }
    }
    let near = |k: usize| {
        lines[k.saturating_sub(3)..(k + 4).min(lines.len())]
            .iter()
            .any(|(c, _)| *c != ' ')
    };
    let mut out = String::new();
    let mut skipped = false;
    for (k, (c, l)) in lines.iter().enumerate() {
        if *c == ' ' && !near(k) {
            skipped = true;
            continue;
        }
        if skipped {
            out.push_str("...\n");
            skipped = false;
        }
        out.push_str(&format!("{c}{l}\n"));
    }
    if skipped && !out.is_empty() {
        out.push_str("...\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_diff_marks_changes_with_context() {
        let a = "a\nb\nc\nd\ne\nf\ng\nh\ni\n";
        let b = "a\nb\nc\nd\nE\nf\ng\nh\ni\n";
        assert_eq!(unified(a, b), "...\n b\n c\n d\n-e\n+E\n f\n g\n h\n...\n");
        assert_eq!(unified("x\n", "x\n"), "");
    }
}
