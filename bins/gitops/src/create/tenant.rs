//! `create tenant` (flux's `create_tenant.go`): a Namespace, a ServiceAccount and a
//! RoleBinding per `--with-namespace`, printed as three documents each.

use clap::{ArgAction, Args};
use serde_json::Value;

use super::{CmdResult, Ctx, Generated, OrFail, fail};
use crate::cli::NameArg;
use crate::export::{Obj, metadata, resource_to_string, to_yaml};
use crate::flags;

const TENANT_LABEL: &str = "toolkit.fluxcd.io/tenant";

/// Flags of `create tenant`.
#[derive(Args, Debug)]
pub struct TenantArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub name: NameArg,
    /// namespace belonging to this tenant
    #[arg(long = "with-namespace", action = ArgAction::Append, value_parser = flags::csv_raw, allow_hyphen_values = true)]
    pub namespaces: Vec<String>,
    /// cluster role of the tenant role binding
    #[arg(long, default_value = "cluster-admin", allow_hyphen_values = true)]
    pub cluster_role: String,
    /// service account belonging to this tenant
    #[arg(
        long = "with-service-account",
        default_value = "",
        allow_hyphen_values = true
    )]
    pub account: String,
    /// skip namespace creation (namespace must exist already)
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true",
          default_value = "false", value_parser = flags::boolean)]
    pub skip_namespace: bool,
}

/// One exported document: `---`, the object (without `spec: {}` when asked), a newline.
fn document(object: &Value, drop_empty_spec: bool) -> String {
    let mut yaml = to_yaml(object);
    if drop_empty_spec {
        yaml = yaml.replacen("spec: {}\n", "", 1);
    }
    format!("---\n{}\n", resource_to_string(&yaml))
}

/// `create tenant`.
pub fn run(ctx: &Ctx, a: &TenantArgs) -> CmdResult {
    let tenant = &ctx.name;
    let errs = flags::qualified_name_errors(tenant);
    if !errs.is_empty() {
        return fail(format!(
            "invalid tenant name '{tenant}': [{}]",
            errs.join(" ")
        ));
    }
    if a.cluster_role.is_empty() {
        return fail("cluster-role is required");
    }
    if a.namespaces.is_empty() {
        return fail("with-namespace is required");
    }
    let mut out = String::new();
    for ns in flags::slice(&a.namespaces) {
        let errs = flags::qualified_name_errors(&ns);
        if !errs.is_empty() {
            return fail(format!("invalid namespace '{ns}': [{}]", errs.join(" ")));
        }
        let mut labels = ctx.labels().or_fail()?;
        labels.insert(TENANT_LABEL.to_string(), tenant.clone());
        let account = if a.account.is_empty() {
            tenant.clone()
        } else {
            a.account.clone()
        };
        let errs = flags::qualified_name_errors(&account);
        if !errs.is_empty() {
            return fail(format!(
                "invalid service-account name '{account}': [{}]",
                errs.join(" ")
            ));
        }
        if !a.skip_namespace {
            let namespace: Value = Obj::new()
                .set("apiVersion", "v1")
                .set("kind", "Namespace")
                .set("metadata", metadata(&ns, "", &labels))
                .into();
            out.push_str(&document(&namespace, true));
        }
        let service_account: Value = Obj::new()
            .set("apiVersion", "v1")
            .set("kind", "ServiceAccount")
            .set("metadata", metadata(&account, &ns, &labels))
            .into();
        out.push_str(&document(&service_account, true));
        let role_binding: Value = Obj::new()
            .set("apiVersion", "rbac.authorization.k8s.io/v1")
            .set("kind", "RoleBinding")
            .set(
                "metadata",
                metadata(&format!("{tenant}-reconciler"), &ns, &labels),
            )
            .set(
                "subjects",
                Value::Array(vec![
                    Obj::new()
                        .set("apiGroup", "rbac.authorization.k8s.io")
                        .set("kind", "User")
                        .set("name", format!("gotk:{ns}:reconciler"))
                        .into(),
                    Obj::new()
                        .set("kind", "ServiceAccount")
                        .set("name", account.as_str())
                        .str("namespace", &ns)
                        .into(),
                ]),
            )
            .set(
                "roleRef",
                Obj::new()
                    .set("apiGroup", "rbac.authorization.k8s.io")
                    .set("kind", "ClusterRole")
                    .set("name", a.cluster_role.as_str()),
            )
            .into();
        out.push_str(&document(&role_binding, false));
    }
    Ok(Generated::stdout(out))
}
