//! `tree kustomization NAME [--compact]` (flux's `tree_kustomization.go` and
//! `internal/tree`): the objects a Kustomization applied, from `status.inventory`, with
//! nested Kustomizations expanded.

use clap::{ArgAction, Args, Subcommand};
use gitops_core::ObjectId;
use serde_json::Value;

use super::{Ctx, KUSTOMIZATION, str_at};
use crate::cli::NameArg;
use crate::flags;

/// `tree`.
#[derive(Args, Debug)]
pub struct TreeCmd {
    /// What to draw.
    #[command(subcommand)]
    pub command: Option<TreeCommand>,
}

/// The tree sub-commands.
#[derive(Subcommand, Debug)]
pub enum TreeCommand {
    /// Print the resources reconciled by a Kustomization
    #[command(visible_alias = "ks")]
    Kustomization(TreeKsArgs),
}

/// `tree kustomization` flags.
#[derive(Args, Debug)]
pub struct TreeKsArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// list Flux resources only.
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = flags::boolean)]
    pub compact: bool,
}

/// A node: an object and what it contains.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The object.
    pub id: ObjectId,
    /// Its children, in inventory order.
    pub children: Vec<Node>,
}

impl Node {
    /// flux's tree drawing: the root, then `├── `/`└── ` items indented with `│   `/`    `.
    pub fn print(&self) -> String {
        let mut out = format!("{}\n", self.id);
        print_items(&self.children, &mut Vec::new(), &mut out);
        out
    }
}

fn print_items(items: &[Node], spaces: &mut Vec<bool>, out: &mut String) {
    for (i, node) in items.iter().enumerate() {
        let last = i + 1 == items.len();
        for &space in spaces.iter() {
            out.push_str(if space { "    " } else { "│   " });
        }
        out.push_str(if last { "└── " } else { "├── " });
        out.push_str(&node.id.to_string());
        out.push('\n');
        if !node.children.is_empty() {
            spaces.push(last);
            print_items(&node.children, spaces, out);
            spaces.pop();
        }
    }
}

/// Runs `gitops tree …`; `None` when help is due.
pub fn run(ctx: &Ctx, cmd: &TreeCmd) -> Result<Option<String>, String> {
    let Some(TreeCommand::Kustomization(args)) = &cmd.command else {
        return Ok(None);
    };
    let name = args
        .name
        .name
        .as_deref()
        .ok_or("kustomization name is required")?;
    let ks = ctx
        .client
        .get(&KUSTOMIZATION.path(&ctx.namespace, name))
        .map_err(|e| e.to_string())?;
    let mut root = Node {
        id: ObjectId::new(
            KUSTOMIZATION.group,
            KUSTOMIZATION.kind,
            str_at(&ks, "/metadata/namespace"),
            name,
        ),
        children: Vec::new(),
    };
    expand(ctx, &mut root, &ks, args.compact, 0)?;
    // flux prints the tree with Println: one more line break.
    Ok(Some(format!("{}\n", root.print())))
}

/// Adds `ks`'s inventory under `node` (flux's `treeKustomization`).
fn expand(
    ctx: &Ctx,
    node: &mut Node,
    ks: &Value,
    compact: bool,
    depth: usize,
) -> Result<(), String> {
    let entries = ks
        .pointer("/status/inventory/entries")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let (ks_ns, ks_name) = (
        str_at(ks, "/metadata/namespace"),
        str_at(ks, "/metadata/name"),
    );
    let remote = ks.pointer("/spec/kubeConfig").is_some_and(|v| !v.is_null());
    for entry in entries {
        let id = ObjectId::from_inventory_id(str_at(&entry, "/id")).map_err(|e| e.to_string())?;
        if compact && !id.group.contains("toolkit.fluxcd.io") {
            continue;
        }
        let is_ks = id.group == KUSTOMIZATION.group && id.kind == KUSTOMIZATION.kind;
        if is_ks && id.namespace == ks_ns && id.name == ks_name {
            continue;
        }
        let mut child = Node {
            id: id.clone(),
            children: Vec::new(),
        };
        // A cycle cannot nest deeper than the number of Kustomizations; stop runaway loops.
        if is_ks && !remote && depth < 64 {
            let nested = ctx
                .client
                .get(&KUSTOMIZATION.path(&id.namespace, &id.name))
                .map_err(|e| format!("failed to find object: {e}"))?;
            expand(ctx, &mut child, &nested, compact, depth + 1)?;
        }
        node.children.push(child);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(kind: &str, ns: &str, name: &str) -> Node {
        Node {
            id: ObjectId::new("", kind, ns, name),
            children: Vec::new(),
        }
    }

    #[test]
    fn draws_like_flux() {
        let mut infra = leaf("Kustomization", "flux-system", "infrastructure");
        infra.children = vec![
            leaf("Namespace", "", "cert-manager"),
            leaf("HelmRepository", "cert-manager", "cert-manager"),
        ];
        let mut mid = leaf("Kustomization", "flux-system", "mid");
        mid.children = vec![leaf("ConfigMap", "a", "b")];
        let root = Node {
            id: ObjectId::new("", "Kustomization", "flux-system", "flux-system"),
            children: vec![leaf("Namespace", "", "flux-system"), mid, infra],
        };
        assert_eq!(
            root.print(),
            "Kustomization/flux-system/flux-system\n├── Namespace/flux-system\n├── Kustomization/flux-system/mid\n│   └── ConfigMap/a/b\n└── Kustomization/flux-system/infrastructure\n    ├── Namespace/cert-manager\n    └── HelmRepository/cert-manager/cert-manager\n"
        );
    }
}
