//! RBAC authorization of impersonated requests, as the API server's impersonation filter
//! and RBAC authorizer decide them.
//!
//! The devcluster's own user is an administrator: requests without `Impersonate-*`
//! headers are never checked. A request with `Impersonate-User` (and optionally repeated
//! `Impersonate-Group`) runs as that user ([`UserInfo::impersonated`]) and is authorized
//! against the stored `rbac.authorization.k8s.io/v1` objects ([`Policy`]) by [`authorize`]:
//!
//! - ClusterRoleBindings grant their role's rules everywhere (cluster-scoped requests and
//!   every namespace); RoleBindings grant them only in their own namespace, whether they
//!   reference a Role (of that namespace) or a ClusterRole.
//! - Subjects: `User` (exact name), `Group` (one of the user's groups), `ServiceAccount`
//!   (user `system:serviceaccount:<ns>:<name>`, the namespace defaulting to the
//!   RoleBinding's own).
//! - Rules: `apiGroups`, `resources` (`*`, `resource/subresource`, `*/subresource`),
//!   `verbs` (`*` or the request's verb), `resourceNames` (empty: all names).
//! - A binding whose role is missing adds `RBAC: role.rbac.authorization.k8s.io "x" not
//!   found` to the denial (the authorizer's aggregated errors).
//!
//! Not modelled: ClusterRole `aggregationRule` (the rules stored in the ClusterRole are
//! used as they are; no controller aggregates them), the built-in bootstrap roles and
//! bindings, the `impersonate` permission of the requester (the devcluster's user is an
//! admin), and the escalation checks on writes of roles and bindings. Requests that are
//! not resource requests (discovery, OpenAPI, `/version`, health) are always allowed.
//!
//! ```
//! use gitops_devcluster::rbac::{Attributes, Decision, Policy, UserInfo, authorize};
//! use serde_json::json;
//!
//! let user = UserInfo::impersonated("system:serviceaccount:apps:deployer", &[]);
//! let attrs = Attributes::new("patch", "", "configmaps", "apps", "x");
//! let denied = authorize(&user, &attrs, &Policy::default());
//! assert_eq!(
//!     denied.forbidden(&user, &attrs).expect("denied").message,
//!     "configmaps \"x\" is forbidden: User \"system:serviceaccount:apps:deployer\" \
//!      cannot patch resource \"configmaps\" in API group \"\" in the namespace \"apps\""
//! );
//! let policy = Policy {
//!     roles: vec![json!({"metadata": {"name": "edit", "namespace": "apps"},
//!         "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["*"]}]}).into()],
//!     role_bindings: vec![json!({"metadata": {"name": "b", "namespace": "apps"},
//!         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "edit"},
//!         "subjects": [{"kind": "ServiceAccount", "name": "deployer"}]}).into()],
//!     ..Policy::default()
//! };
//! assert_eq!(authorize(&user, &attrs, &policy), Decision::Allow);
//! ```

use std::sync::Arc;

use serde_json::Value;

use crate::field_error::go_quote;
use crate::status::{GroupResource, Status};

/// The group of every authenticated user.
pub const ALL_AUTHENTICATED: &str = "system:authenticated";
/// The group of unauthenticated requests.
pub const ALL_UNAUTHENTICATED: &str = "system:unauthenticated";
/// The user-name prefix of service accounts.
pub const SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:";
/// The RBAC API group.
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// The user a request runs as.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserInfo {
    /// User name, e.g. `system:serviceaccount:apps:deployer`.
    pub name: String,
    /// Groups, e.g. `system:serviceaccounts`, `system:authenticated`.
    pub groups: Vec<String>,
}

/// `(namespace, name)` of a service account user name `system:serviceaccount:<ns>:<name>`.
pub fn split_service_account(user: &str) -> Option<(&str, &str)> {
    let rest = user.strip_prefix(SERVICE_ACCOUNT_PREFIX)?;
    let (ns, name) = rest.split_once(':')?;
    (!ns.is_empty() && !name.is_empty() && !name.contains(':')).then_some((ns, name))
}

impl UserInfo {
    /// The user of `Impersonate-User: user` with the `Impersonate-Group` values `groups`,
    /// completed as the impersonation filter does: a service account without explicit
    /// groups gets `system:serviceaccounts` and `system:serviceaccounts:<ns>`, and every
    /// user but `system:anonymous` gets `system:authenticated` unless `system:authenticated`
    /// or `system:unauthenticated` was asked for.
    pub fn impersonated(user: &str, groups: &[String]) -> UserInfo {
        let mut all: Vec<String> = groups.to_vec();
        if groups.is_empty()
            && let Some((ns, _)) = split_service_account(user)
        {
            all.push("system:serviceaccounts".to_string());
            all.push(format!("system:serviceaccounts:{ns}"));
        }
        if user != "system:anonymous"
            && !all
                .iter()
                .any(|g| g == ALL_AUTHENTICATED || g == ALL_UNAUTHENTICATED)
        {
            all.push(ALL_AUTHENTICATED.to_string());
        }
        UserInfo {
            name: user.to_string(),
            groups: all,
        }
    }
}

/// What a resource request asks for (the authorizer's attributes).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attributes {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`.
    pub verb: String,
    /// API group (`""` for core).
    pub group: String,
    /// Resource plural.
    pub resource: String,
    /// Subresource (`status`, `scale`, …), empty when none.
    pub subresource: String,
    /// Namespace, empty for cluster-scoped and all-namespaces requests.
    pub namespace: String,
    /// Object name, empty for collections and creates.
    pub name: String,
}

impl Attributes {
    /// Attributes without a subresource.
    pub fn new(verb: &str, group: &str, resource: &str, namespace: &str, name: &str) -> Self {
        Attributes {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: String::new(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// `resource/subresource`, or the resource alone.
    pub fn combined_resource(&self) -> String {
        if self.subresource.is_empty() {
            self.resource.clone()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        }
    }
}

/// The stored RBAC objects (JSON as stored).
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// `roles` of every namespace.
    pub roles: Vec<Arc<Value>>,
    /// `clusterroles`.
    pub cluster_roles: Vec<Arc<Value>>,
    /// `rolebindings` of every namespace.
    pub role_bindings: Vec<Arc<Value>>,
    /// `clusterrolebindings`.
    pub cluster_role_bindings: Vec<Arc<Value>>,
}

/// The outcome of [`authorize`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// A rule allows the request.
    Allow,
    /// No rule allows it; `reason` is the authorizer's reason (`RBAC: …` when bindings
    /// referenced missing roles, else empty).
    Deny {
        /// Appended to the forbidden message after `: ` when not empty.
        reason: String,
    },
}

impl Decision {
    /// The 403 reply of a denial, `None` when allowed.
    pub fn forbidden(&self, user: &UserInfo, attrs: &Attributes) -> Option<Status> {
        match self {
            Decision::Allow => None,
            Decision::Deny { reason } => Some(forbidden(user, attrs, reason)),
        }
    }
}

/// The API server's 403 for a denied resource request: `<resource[.group]> ["<name>"] is
/// forbidden: User "<user>" cannot <verb> resource "<resource[/sub]>" in API group
/// "<group>" in the namespace "<ns>"` (or `at the cluster scope`), then `: <reason>`.
pub fn forbidden(user: &UserInfo, attrs: &Attributes, reason: &str) -> Status {
    let scope = if attrs.namespace.is_empty() {
        "at the cluster scope".to_string()
    } else {
        format!("in the namespace {}", go_quote(&attrs.namespace))
    };
    let mut cause = format!(
        "User {} cannot {} resource {} in API group {} {scope}",
        go_quote(&user.name),
        attrs.verb,
        go_quote(&attrs.combined_resource()),
        go_quote(&attrs.group),
    );
    if !reason.is_empty() {
        cause.push_str(": ");
        cause.push_str(reason);
    }
    Status::forbidden(
        &GroupResource::new(&attrs.group, &attrs.resource),
        &attrs.name,
        &cause,
    )
}

fn strings<'a>(v: &'a Value, key: &str) -> Vec<&'a str> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn meta<'a>(v: &'a Value, key: &str) -> &'a str {
    v.pointer(&format!("/metadata/{key}"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Whether one of `subjects` is `user`; `namespace` is the RoleBinding's (empty for a
/// ClusterRoleBinding), the default of a ServiceAccount subject's namespace.
fn applies_to(user: &UserInfo, subjects: &[Value], namespace: &str) -> bool {
    subjects.iter().any(|s| {
        let name = s.get("name").and_then(Value::as_str).unwrap_or("");
        match s.get("kind").and_then(Value::as_str).unwrap_or("") {
            "User" => user.name == name,
            "Group" => user.groups.iter().any(|g| g == name),
            "ServiceAccount" => {
                let ns = s
                    .get("namespace")
                    .and_then(Value::as_str)
                    .filter(|n| !n.is_empty())
                    .unwrap_or(namespace);
                !ns.is_empty() && split_service_account(&user.name) == Some((ns, name))
            }
            _ => false,
        }
    })
}

/// The rules of a binding's `roleRef` (`namespace`: the RoleBinding's, empty for a
/// ClusterRoleBinding); `Err` is the lookup error the authorizer reports.
fn role_rules<'a>(
    policy: &'a Policy,
    role_ref: &Value,
    namespace: &str,
) -> Result<&'a [Value], String> {
    let kind = role_ref.get("kind").and_then(Value::as_str).unwrap_or("");
    let name = role_ref.get("name").and_then(Value::as_str).unwrap_or("");
    let (found, singular) = match kind {
        "Role" => (
            policy
                .roles
                .iter()
                .find(|r| meta(r, "namespace") == namespace && meta(r, "name") == name),
            "role",
        ),
        "ClusterRole" => (
            policy
                .cluster_roles
                .iter()
                .find(|r| meta(r, "name") == name),
            "clusterrole",
        ),
        other => {
            return Err(format!(
                "unsupported role reference kind: {}",
                go_quote(other)
            ));
        }
    };
    let role =
        found.ok_or_else(|| format!("{singular}.{RBAC_GROUP} {} not found", go_quote(name)))?;
    Ok(role
        .get("rules")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice))
}

/// Whether `rule` allows the resource request `attrs`.
pub fn rule_allows(attrs: &Attributes, rule: &Value) -> bool {
    let verbs = strings(rule, "verbs");
    if !verbs.iter().any(|v| *v == "*" || *v == attrs.verb) {
        return false;
    }
    let groups = strings(rule, "apiGroups");
    if !groups.iter().any(|g| *g == "*" || *g == attrs.group) {
        return false;
    }
    let combined = attrs.combined_resource();
    let resources = strings(rule, "resources");
    let resource_ok = resources.iter().any(|r| {
        *r == "*"
            || *r == combined
            || (!attrs.subresource.is_empty()
                && r.strip_prefix("*/") == Some(attrs.subresource.as_str()))
    });
    if !resource_ok {
        return false;
    }
    let names = strings(rule, "resourceNames");
    names.is_empty() || names.iter().any(|n| *n == attrs.name)
}

/// Decides a resource request of `user`: allowed when a rule of a role bound to the user
/// (ClusterRoleBindings first, then the RoleBindings of the request's namespace) allows it.
pub fn authorize(user: &UserInfo, attrs: &Attributes, policy: &Policy) -> Decision {
    let mut errors: Vec<String> = Vec::new();
    let mut visit = |binding: &Value, namespace: &str| -> bool {
        let subjects = binding
            .get("subjects")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        if !applies_to(user, subjects, namespace) {
            return false;
        }
        let role_ref = binding.get("roleRef").unwrap_or(&Value::Null);
        match role_rules(policy, role_ref, namespace) {
            Ok(rules) => rules.iter().any(|r| rule_allows(attrs, r)),
            Err(e) => {
                errors.push(e);
                false
            }
        }
    };
    for crb in &policy.cluster_role_bindings {
        if visit(crb, "") {
            return Decision::Allow;
        }
    }
    if !attrs.namespace.is_empty() {
        for rb in &policy.role_bindings {
            if meta(rb, "namespace") == attrs.namespace && visit(rb, &attrs.namespace) {
                return Decision::Allow;
            }
        }
    }
    Decision::Deny {
        reason: if errors.is_empty() {
            String::new()
        } else {
            format!("RBAC: {}", aggregate(&errors))
        },
    }
}

/// apimachinery's aggregate error text: one message alone, several deduplicated in
/// brackets.
fn aggregate(errors: &[String]) -> String {
    if errors.len() == 1 {
        return errors[0].clone();
    }
    let mut seen: Vec<&str> = Vec::new();
    for e in errors {
        if !seen.contains(&e.as_str()) {
            seen.push(e);
        }
    }
    if seen.len() == 1 {
        seen[0].to_string()
    } else {
        format!("[{}]", seen.join(", "))
    }
}

/// The namespace and name RBAC sees for a request: a `namespaces` object request is in
/// the namespace it names, and a list or watch whose field selector is exactly
/// `metadata.name=<x>` is about object `<x>`.
pub fn request_scope(
    resource: &str,
    namespace: Option<&str>,
    name: Option<&str>,
    verb: &str,
    field_selector: Option<&str>,
) -> (String, String) {
    let mut ns = namespace.unwrap_or("").to_string();
    let mut object = name.unwrap_or("").to_string();
    if resource == "namespaces" && ns.is_empty() && !object.is_empty() {
        ns = object.clone();
    }
    if object.is_empty()
        && (verb == "list" || verb == "watch")
        && let Some(sel) = field_selector
    {
        let parts: Vec<&str> = sel.split(',').filter(|p| !p.is_empty()).collect();
        if let [only] = parts.as_slice() {
            let pair = only
                .split_once("==")
                .or_else(|| only.split_once('='))
                .filter(|(k, _)| !k.ends_with('!'));
            if let Some((k, v)) = pair
                && k.trim() == "metadata.name"
            {
                object = v.trim().to_string();
            }
        }
    }
    (ns, object)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sa() -> UserInfo {
        UserInfo::impersonated("system:serviceaccount:apps:deployer", &[])
    }

    fn role(ns: &str, name: &str, rules: Value) -> Arc<Value> {
        Arc::new(json!({"metadata": {"name": name, "namespace": ns}, "rules": rules}))
    }

    fn cluster_role(name: &str, rules: Value) -> Arc<Value> {
        Arc::new(json!({"metadata": {"name": name}, "rules": rules}))
    }

    fn binding(ns: Option<&str>, kind: &str, role: &str, subjects: Value) -> Arc<Value> {
        let mut meta = json!({"name": format!("b-{role}")});
        if let Some(ns) = ns {
            meta["namespace"] = json!(ns);
        }
        Arc::new(json!({"metadata": meta,
            "roleRef": {"apiGroup": RBAC_GROUP, "kind": kind, "name": role}, "subjects": subjects}))
    }

    fn sa_subject() -> Value {
        json!([{"kind": "ServiceAccount", "name": "deployer", "namespace": "apps"}])
    }

    fn message(user: &UserInfo, attrs: &Attributes, policy: &Policy) -> String {
        authorize(user, attrs, policy)
            .forbidden(user, attrs)
            .expect("denied")
            .message
    }

    #[test]
    fn service_accounts_get_their_groups_and_authenticated() {
        assert_eq!(
            sa().groups,
            [
                "system:serviceaccounts",
                "system:serviceaccounts:apps",
                "system:authenticated"
            ]
        );
        let explicit =
            UserInfo::impersonated("system:serviceaccount:apps:deployer", &["team".to_string()]);
        assert_eq!(explicit.groups, ["team", "system:authenticated"]);
        let unauth = UserInfo::impersonated("jane", &[ALL_UNAUTHENTICATED.to_string()]);
        assert_eq!(unauth.groups, [ALL_UNAUTHENTICATED]);
        assert_eq!(
            UserInfo::impersonated("system:anonymous", &[]).groups,
            Vec::<String>::new()
        );
        assert_eq!(split_service_account("system:serviceaccount:a:b:c"), None);
    }

    #[test]
    fn denial_messages_follow_the_api_server() {
        let p = Policy::default();
        let u = sa();
        assert_eq!(
            message(
                &u,
                &Attributes::new("create", "", "configmaps", "apps", ""),
                &p
            ),
            "configmaps is forbidden: User \"system:serviceaccount:apps:deployer\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"apps\""
        );
        let mut status = Attributes::new("patch", "apps", "deployments", "apps", "web");
        status.subresource = "status".into();
        assert_eq!(
            message(&u, &status, &p),
            "deployments.apps \"web\" is forbidden: User \"system:serviceaccount:apps:deployer\" cannot patch resource \"deployments/status\" in API group \"apps\" in the namespace \"apps\""
        );
        let ns = Attributes::new("get", "", "namespaces", "", "apps");
        let s = authorize(&u, &ns, &p).forbidden(&u, &ns).unwrap();
        assert_eq!(
            s.message,
            "namespaces \"apps\" is forbidden: User \"system:serviceaccount:apps:deployer\" cannot get resource \"namespaces\" in API group \"\" at the cluster scope"
        );
        assert_eq!(s.code, 403);
        assert_eq!(s.reason.as_str(), "Forbidden");
    }

    #[test]
    fn role_bindings_grant_only_in_their_namespace() {
        let p = Policy {
            roles: vec![role(
                "apps",
                "edit",
                json!([{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "patch"]}]),
            )],
            role_bindings: vec![binding(Some("apps"), "Role", "edit", sa_subject())],
            ..Policy::default()
        };
        let u = sa();
        let allowed = Attributes::new("patch", "", "configmaps", "apps", "x");
        assert_eq!(authorize(&u, &allowed, &p), Decision::Allow);
        for denied in [
            Attributes::new("delete", "", "configmaps", "apps", "x"),
            Attributes::new("patch", "", "secrets", "apps", "x"),
            Attributes::new("patch", "apps", "configmaps", "apps", "x"),
            Attributes::new("patch", "", "configmaps", "other", "x"),
            Attributes::new("list", "", "configmaps", "", ""),
        ] {
            assert_eq!(
                authorize(&u, &denied, &p),
                Decision::Deny {
                    reason: String::new()
                },
                "{denied:?}"
            );
        }
        let other_sa = UserInfo::impersonated("system:serviceaccount:apps:other", &[]);
        assert!(matches!(
            authorize(&other_sa, &allowed, &p),
            Decision::Deny { .. }
        ));
    }

    #[test]
    fn service_account_subjects_default_to_the_binding_namespace() {
        let p = Policy {
            cluster_roles: vec![cluster_role(
                "view",
                json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list", "watch"]}]),
            )],
            role_bindings: vec![binding(
                Some("apps"),
                "ClusterRole",
                "view",
                json!([{"kind": "ServiceAccount", "name": "deployer"}]),
            )],
            ..Policy::default()
        };
        let u = sa();
        assert_eq!(
            authorize(
                &u,
                &Attributes::new("list", "apps", "deployments", "apps", ""),
                &p
            ),
            Decision::Allow
        );
        // The ClusterRole is bound only in `apps`.
        assert!(matches!(
            authorize(&u, &Attributes::new("list", "", "pods", "", ""), &p),
            Decision::Deny { .. }
        ));
        assert!(matches!(
            authorize(
                &u,
                &Attributes::new("get", "", "pods", "kube-system", "p"),
                &p
            ),
            Decision::Deny { .. }
        ));
    }

    #[test]
    fn cluster_role_bindings_grant_everywhere_by_user_or_group() {
        let p = Policy {
            cluster_roles: vec![cluster_role(
                "ns-reader",
                json!([{"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get"]}]),
            )],
            cluster_role_bindings: vec![
                binding(
                    None,
                    "ClusterRole",
                    "ns-reader",
                    json!([{"kind": "Group", "name": "system:serviceaccounts:apps"}]),
                ),
                binding(
                    None,
                    "ClusterRole",
                    "ns-reader",
                    json!([{"kind": "User", "name": "jane"}]),
                ),
            ],
            ..Policy::default()
        };
        let get_ns = Attributes::new("get", "", "namespaces", "", "apps");
        assert_eq!(authorize(&sa(), &get_ns, &p), Decision::Allow);
        assert_eq!(
            authorize(&UserInfo::impersonated("jane", &[]), &get_ns, &p),
            Decision::Allow
        );
        assert!(matches!(
            authorize(&UserInfo::impersonated("john", &[]), &get_ns, &p),
            Decision::Deny { .. }
        ));
        // A ServiceAccount subject of a ClusterRoleBinding needs its namespace.
        let p2 = Policy {
            cluster_role_bindings: vec![binding(
                None,
                "ClusterRole",
                "ns-reader",
                json!([{"kind": "ServiceAccount", "name": "deployer"}]),
            )],
            ..p
        };
        assert!(matches!(
            authorize(&sa(), &get_ns, &p2),
            Decision::Deny { .. }
        ));
    }

    #[test]
    fn rules_match_subresources_wildcards_and_names() {
        let rule = json!({"apiGroups": ["apps"], "resources": ["deployments", "*/scale"],
            "verbs": ["*"], "resourceNames": ["web"]});
        let mut a = Attributes::new("update", "apps", "deployments", "apps", "web");
        assert!(rule_allows(&a, &rule));
        a.name = "api".into();
        assert!(!rule_allows(&a, &rule));
        a.name = "web".into();
        a.subresource = "scale".into();
        assert!(rule_allows(&a, &rule));
        a.subresource = "status".into();
        assert!(!rule_allows(&a, &rule));
        let star = json!({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]});
        assert!(rule_allows(&a, &star));
        let main_only =
            json!({"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get"]});
        let mut s = Attributes::new("get", "apps", "deployments", "apps", "web");
        s.subresource = "status".into();
        assert!(!rule_allows(&s, &main_only));
        // resourceNames never match an unnamed create or list.
        assert!(!rule_allows(
            &Attributes::new("create", "apps", "deployments", "apps", ""),
            &rule
        ));
    }

    #[test]
    fn missing_roles_are_reported_in_the_reason() {
        let p = Policy {
            role_bindings: vec![
                binding(Some("apps"), "Role", "gone", sa_subject()),
                binding(Some("apps"), "ClusterRole", "gone-too", sa_subject()),
            ],
            cluster_role_bindings: vec![binding(
                None,
                "ClusterRole",
                "gone-too",
                json!([{"kind": "Group", "name": "system:authenticated"}]),
            )],
            ..Policy::default()
        };
        let u = sa();
        let a = Attributes::new("get", "", "configmaps", "apps", "x");
        assert_eq!(
            message(&u, &a, &p),
            "configmaps \"x\" is forbidden: User \"system:serviceaccount:apps:deployer\" cannot get resource \"configmaps\" in API group \"\" in the namespace \"apps\": RBAC: [clusterrole.rbac.authorization.k8s.io \"gone-too\" not found, role.rbac.authorization.k8s.io \"gone\" not found]"
        );
        let single = Policy {
            role_bindings: vec![binding(Some("apps"), "Role", "gone", sa_subject())],
            ..Policy::default()
        };
        assert_eq!(
            authorize(&u, &a, &single),
            Decision::Deny {
                reason: "RBAC: role.rbac.authorization.k8s.io \"gone\" not found".into()
            }
        );
    }

    #[test]
    fn scope_of_namespace_objects_and_name_selectors() {
        assert_eq!(
            request_scope("namespaces", None, Some("apps"), "get", None),
            ("apps".to_string(), "apps".to_string())
        );
        assert_eq!(
            request_scope(
                "configmaps",
                Some("apps"),
                None,
                "watch",
                Some("metadata.name=x")
            ),
            ("apps".to_string(), "x".to_string())
        );
        assert_eq!(
            request_scope(
                "configmaps",
                Some("apps"),
                None,
                "list",
                Some("metadata.name=x,a=b")
            ),
            ("apps".to_string(), String::new())
        );
        assert_eq!(
            request_scope(
                "configmaps",
                Some("apps"),
                None,
                "list",
                Some("metadata.name!=x")
            ),
            ("apps".to_string(), String::new())
        );
    }
}
