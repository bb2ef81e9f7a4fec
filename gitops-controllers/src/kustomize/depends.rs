//! `spec.dependsOn`: whether a Kustomization's dependencies let it reconcile, with
//! kustomize-controller's rules and messages (`checkDependencies`):
//! - a dependency must exist (`dependency 'ns/name' not found: …`);
//! - with a `readyExpr`, the CEL expression over `dep` and `self` decides (`… is not ready
//!   according to readyExpr eval`), and replaces the built-in check unless the additive
//!   mode is on;
//! - otherwise it must have observed its generation and be `Ready=True`
//!   (`dependency 'ns/name' is not ready`);
//! - a dependency reconciled from the same source must have applied the revision this
//!   Kustomization is about to apply (`… revision is not up to date`).
//!
//! The caller fetches the dependencies; this module only judges them.

use serde_json::Value;

use gitops_core::api::kustomize::Kustomization;

/// Why the dependencies are not ready (the message of `Ready=False`,
/// reason `DependencyNotReady`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DependencyError {
    /// The dependency does not exist (or could not be read).
    #[error("dependency '{name}' not found: {reason}")]
    NotFound {
        /// `namespace/name`.
        name: String,
        /// The read error.
        reason: String,
    },
    /// Its readiness expression said no.
    #[error("dependency '{0}' is not ready according to readyExpr eval")]
    ExprNotReady(String),
    /// Its readiness expression failed.
    #[error("{0}")]
    Expr(String),
    /// It is not Ready (or has not observed its generation).
    #[error("dependency '{0}' is not ready")]
    NotReady(String),
    /// It has not applied the revision of the shared source yet.
    #[error("dependency '{0}' revision is not up to date")]
    Outdated(String),
}

/// One dependency as read from the cluster: its `namespace/name` and the object, or the
/// read error.
pub type Fetched = (String, Result<Value, String>);

/// Judges `deps` (in `spec.dependsOn` order) for `obj`, which is about to apply
/// `revision` of its source. `additive`: a `readyExpr` adds to the built-in check instead
/// of replacing it (Flux's `AdditiveCELDependencyCheck`).
pub fn check(
    obj: &Kustomization,
    deps: &[Fetched],
    revision: &str,
    additive: bool,
) -> Result<(), DependencyError> {
    let self_value = serde_json::to_value(obj).unwrap_or(Value::Null);
    let own_ns = obj.metadata.namespace.clone().unwrap_or_default();
    let refs = obj.spec.depends_on.as_deref().unwrap_or_default();
    for (dep_ref, (name, fetched)) in refs.iter().zip(deps) {
        let dep = match fetched {
            Ok(d) => d,
            Err(reason) => {
                return Err(DependencyError::NotFound {
                    name: name.clone(),
                    reason: reason.clone(),
                });
            }
        };
        if let Some(expr) = dep_ref.ready_expr.as_deref().filter(|e| !e.is_empty()) {
            let ready = gitops_core::health::eval_ready_expr(expr, &self_value, dep)
                .map_err(|e| DependencyError::Expr(e.to_string()))?;
            if !ready {
                return Err(DependencyError::ExprNotReady(name.clone()));
            }
            if !additive {
                continue;
            }
        }
        let generation = dep.pointer("/metadata/generation").and_then(Value::as_i64);
        let observed = dep
            .pointer("/status/observedGeneration")
            .and_then(Value::as_i64);
        let conditions = dep.pointer("/status/conditions").and_then(Value::as_array);
        if conditions.is_none_or(Vec::is_empty) || generation != observed {
            return Err(DependencyError::NotReady(name.clone()));
        }
        let ready = conditions
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Ready" && c["status"] == "True");
        if !ready {
            return Err(DependencyError::NotReady(name.clone()));
        }
        let dep_ns = dep
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        let src = |v: &Value, field: &str| {
            v.pointer(&format!("/spec/sourceRef/{field}"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let dep_src_ns = Some(src(dep, "namespace"))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| dep_ns.to_string());
        let own_src_ns = obj
            .spec
            .source_ref
            .namespace
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| own_ns.clone());
        let same_source = src(dep, "name") == obj.spec.source_ref.name
            && dep_src_ns == own_src_ns
            && src(dep, "kind") == obj.spec.source_ref.kind.as_str();
        let applied = dep
            .pointer("/status/lastAppliedRevision")
            .and_then(Value::as_str)
            .unwrap_or("");
        if same_source && applied != revision {
            return Err(DependencyError::Outdated(name.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ks(depends: Value) -> Kustomization {
        serde_json::from_value(json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system"},
            "spec": {"interval": "1m", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "repo"}, "dependsOn": depends}}))
        .expect("kustomization")
    }

    fn dep(ready: &str, generation: i64, observed: i64, applied: &str, source: &str) -> Value {
        json!({"metadata": {"name": "infra", "namespace": "flux-system", "generation": generation},
            "spec": {"sourceRef": {"kind": "GitRepository", "name": source}},
            "status": {"observedGeneration": observed, "lastAppliedRevision": applied,
                "conditions": [{"type": "Ready", "status": ready, "reason": "x", "message": "", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}})
    }

    #[test]
    fn flux_rules_and_messages() {
        let k = ks(json!([{"name": "infra"}]));
        let name = "flux-system/infra".to_string();
        let rev = "main@sha1:abc";
        assert_eq!(
            check(
                &k,
                &[(name.clone(), Ok(dep("True", 2, 2, rev, "repo")))],
                rev,
                false
            ),
            Ok(())
        );
        assert_eq!(
            check(
                &k,
                &[(name.clone(), Ok(dep("False", 2, 2, rev, "repo")))],
                rev,
                false
            )
            .map_err(|e| e.to_string()),
            Err("dependency 'flux-system/infra' is not ready".into())
        );
        assert!(matches!(
            check(
                &k,
                &[(name.clone(), Ok(dep("True", 3, 2, rev, "repo")))],
                rev,
                false
            ),
            Err(DependencyError::NotReady(_))
        ));
        assert_eq!(
            check(
                &k,
                &[(name.clone(), Ok(dep("True", 2, 2, "main@sha1:old", "repo")))],
                rev,
                false
            )
            .map_err(|e| e.to_string()),
            Err("dependency 'flux-system/infra' revision is not up to date".into())
        );
        assert_eq!(
            check(
                &k,
                &[(name.clone(), Ok(dep("True", 2, 2, "other", "another-repo")))],
                rev,
                false
            ),
            Ok(()),
            "other sources don't compare revisions"
        );
        let missing = check(
            &k,
            &[(
                name.clone(),
                Err("kustomizations \"infra\" not found".into()),
            )],
            rev,
            false,
        );
        assert_eq!(
            missing.map_err(|e| e.to_string()),
            Err(
                "dependency 'flux-system/infra' not found: kustomizations \"infra\" not found"
                    .into()
            )
        );
    }

    #[test]
    fn ready_expr_replaces_or_adds_to_the_check() {
        let k = ks(json!([{"name": "infra", "readyExpr": "dep.status.observedGeneration == 2"}]));
        let name = "flux-system/infra".to_string();
        let not_ready = dep("False", 2, 2, "r", "repo");
        assert_eq!(
            check(&k, &[(name.clone(), Ok(not_ready.clone()))], "r", false),
            Ok(()),
            "the expression replaces the built-in check"
        );
        assert!(matches!(
            check(&k, &[(name.clone(), Ok(not_ready))], "r", true),
            Err(DependencyError::NotReady(_))
        ));
        let k = ks(json!([{"name": "infra", "readyExpr": "dep.status.observedGeneration == 9"}]));
        assert!(matches!(
            check(
                &k,
                &[(name, Ok(dep("True", 2, 2, "r", "repo")))],
                "r",
                false
            ),
            Err(DependencyError::ExprNotReady(_))
        ));
    }
}
