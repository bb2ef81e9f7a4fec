//! CEL health checks: `spec.healthCheckExprs` (kustomize-controller's "Health check
//! expressions", `fluxcd/pkg runtime/cel`) and `dependsOn[].readyExpr`.

use gitops_core::api::kustomize::CustomHealthCheck;
use gitops_core::health::{HealthCheckExprs, HealthError, Status, eval_ready_expr};
use serde_json::{Value, json};

fn entry(
    api_version: &str,
    kind: Option<&str>,
    current: &str,
    failed: Option<&str>,
    in_progress: Option<&str>,
) -> CustomHealthCheck {
    CustomHealthCheck {
        api_version: api_version.to_string(),
        kind: kind.map(str::to_string),
        current: current.to_string(),
        failed: failed.map(str::to_string),
        in_progress: in_progress.map(str::to_string),
    }
}

/// The SealedSecret example of kustomize-controller's docs.
fn sealed_secrets() -> HealthCheckExprs {
    HealthCheckExprs::new(&[entry(
        "bitnami.com/v1alpha1",
        Some("SealedSecret"),
        "status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'True')",
        Some("status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'False')"),
        None,
    )])
    .expect("compiles")
}

fn sealed_secret(synced: &str, generation: i64, observed: i64) -> Value {
    json!({
        "apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret",
        "metadata": {"name": "db", "namespace": "apps", "generation": generation},
        "spec": {"encryptedData": {"password": "AgBy3i4OJSWK+PiTySYZZA=="}},
        "status": {"observedGeneration": observed, "conditions": [
            {"type": "Synced", "status": synced, "reason": "", "message": "", "lastTransitionTime": "2024-05-02T10:11:12Z"}]}
    })
}

fn status_of(exprs: &HealthCheckExprs, obj: &Value) -> Status {
    exprs.status(obj).expect("evaluates").status
}

#[test]
fn current_failed_and_in_progress_from_docs_example() {
    let exprs = sealed_secrets();
    assert_eq!(
        status_of(&exprs, &sealed_secret("True", 1, 1)),
        Status::Current
    );
    assert_eq!(
        status_of(&exprs, &sealed_secret("False", 1, 1)),
        Status::Failed
    );
    assert_eq!(
        status_of(&exprs, &sealed_secret("Unknown", 1, 1)),
        Status::InProgress
    );
    // A generation the controller has not observed is InProgress before any expression.
    assert_eq!(
        status_of(&exprs, &sealed_secret("True", 2, 1)),
        Status::InProgress
    );
    let res = exprs
        .evaluate(&sealed_secret("True", 1, 1))
        .expect("matches")
        .expect("evaluates");
    assert_eq!(res.message, "");
}

#[test]
fn evaluation_order_is_in_progress_failed_current() {
    let exprs = HealthCheckExprs::new(&[entry(
        "example.com/v1",
        Some("Widget"),
        "true",
        Some("true"),
        Some("true"),
    )])
    .expect("compiles");
    let w = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}});
    assert_eq!(status_of(&exprs, &w), Status::InProgress);
    let exprs = HealthCheckExprs::new(&[entry(
        "example.com/v1",
        Some("Widget"),
        "true",
        Some("true"),
        Some("false"),
    )])
    .expect("compiles");
    assert_eq!(status_of(&exprs, &w), Status::Failed);
    let exprs =
        HealthCheckExprs::new(&[entry("example.com/v1", Some("Widget"), "false", None, None)])
            .expect("compiles");
    assert_eq!(status_of(&exprs, &w), Status::InProgress);
}

#[test]
fn object_fields_and_self_are_bound() {
    let exprs = HealthCheckExprs::new(&[entry(
        "example.com/v1",
        Some("Widget"),
        "self.status.replicas == spec.replicas && metadata.name.startsWith('w') && kind == 'Widget'",
        None,
        None,
    )])
    .expect("compiles");
    let w = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"},
        "spec": {"replicas": 2}, "status": {"replicas": 2}});
    assert_eq!(status_of(&exprs, &w), Status::Current);
    let mut w2 = w.clone();
    w2["status"]["replicas"] = json!(1);
    assert_eq!(status_of(&exprs, &w2), Status::InProgress);
}

#[test]
fn group_only_entries_and_kind_precedence() {
    let exprs = HealthCheckExprs::new(&[
        entry(
            "example.com/v1",
            None,
            "status.phase == 'Ready'",
            None,
            None,
        ),
        entry(
            "example.com/v1beta1",
            Some("Gadget"),
            "status.phase == 'Done'",
            None,
            None,
        ),
    ])
    .expect("compiles");
    // The version is ignored; the group-only entry covers every kind of the group.
    assert!(exprs.matches("example.com/v2", "Widget"));
    assert!(exprs.matches("example.com/v1", "Gadget"));
    assert!(!exprs.matches("other.com/v1", "Widget"));
    let widget = json!({"apiVersion": "example.com/v2", "kind": "Widget", "metadata": {"name": "w"}, "status": {"phase": "Ready"}});
    assert_eq!(status_of(&exprs, &widget), Status::Current);
    let gadget = json!({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}, "status": {"phase": "Ready"}});
    assert_eq!(
        status_of(&exprs, &gadget),
        Status::InProgress,
        "the kind entry takes precedence"
    );
    // Objects without an entry fall back to kstatus.
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}});
    assert!(exprs.evaluate(&cm).is_none());
    let res = exprs.status(&cm).expect("kstatus");
    assert_eq!(
        (res.status, res.message.as_str()),
        (Status::Current, "Resource is always ready")
    );
}

#[test]
fn jobs_use_flux_job_rule_even_with_a_batch_entry() {
    let exprs =
        HealthCheckExprs::new(&[entry("batch/v1", None, "true", None, None)]).expect("compiles");
    let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "namespace": "default"},
        "spec": {"parallelism": 1}, "status": {"active": 1, "startTime": "2024-05-02T10:11:12Z"}});
    assert_eq!(status_of(&exprs, &job), Status::InProgress);
}

#[test]
fn compile_errors_name_the_entry_and_expression() {
    let err = HealthCheckExprs::new(&[
        entry("example.com/v1", Some("Widget"), "true", None, None),
        entry(
            "example.com/v1",
            Some("Gadget"),
            "status.conditions.all(e, e.status ==",
            None,
            None,
        ),
    ])
    .expect_err("parse error");
    assert!(
        matches!(err, HealthError::InvalidExpr { index: 1, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.starts_with("failed to create custom status evaluator for healthchecks[1]: failed to parse the expression Current: failed to parse the CEL expression 'status.conditions.all(e, e.status ==': "),
        "{msg}"
    );
    assert_eq!(err.reason(), "InvalidCELExpression");

    let err = HealthCheckExprs::new(&[entry(
        "example.com/v1",
        None,
        "true",
        Some("status.("),
        None,
    )])
    .expect_err("failed");
    assert!(
        err.to_string()
            .contains("failed to parse the expression Failed"),
        "{err}"
    );
    let err = HealthCheckExprs::new(&[entry("example.com/v1", None, "true", None, Some("]["))])
        .expect_err("inProgress");
    assert!(
        err.to_string()
            .contains("failed to parse the expression InProgress"),
        "{err}"
    );

    let err = HealthCheckExprs::new(&[entry("example.com/v1", Some("Widget"), "", None, None)])
        .expect_err("empty");
    assert_eq!(
        err.to_string(),
        "failed to create custom status evaluator for healthchecks[0]: expression Current not specified"
    );

    let err = HealthCheckExprs::new(&[
        entry("example.com/v1", Some("Widget"), "true", None, None),
        entry("example.com/v2", Some("Widget"), "true", None, None),
    ])
    .expect_err("duplicate");
    assert_eq!(
        err.to_string(),
        "duplicate custom health check for GroupKind Widget.example.com at healthchecks[1]"
    );
    let err = HealthCheckExprs::new(&[
        entry("example.com/v1", None, "true", None, None),
        entry("example.com/v1", None, "false", None, None),
    ])
    .expect_err("duplicate group");
    assert_eq!(
        err.to_string(),
        "duplicate custom health check for GroupKind .example.com at healthchecks[1]"
    );
}

#[test]
fn evaluation_errors_are_reported() {
    let exprs = HealthCheckExprs::new(&[entry(
        "example.com/v1",
        None,
        "status.missing == 'x'",
        None,
        None,
    )])
    .expect("compiles");
    let w = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "default"}, "status": {}});
    let err = exprs.status(&w).expect_err("no such key");
    let msg = err.to_string();
    assert!(
        msg.starts_with(
            "Widget/default/w: failed to evaluate the CEL expression 'status.missing == 'x'': "
        ),
        "{msg}"
    );
    let exprs = HealthCheckExprs::new(&[entry("example.com/v1", None, "'yes'", None, None)])
        .expect("compiles");
    let err = exprs.status(&w).expect_err("not a bool");
    assert_eq!(
        err.to_string(),
        "Widget/default/w: failed to evaluate CEL expression as boolean: ''yes''"
    );
}

fn kustomization(name: &str, version: &str, ready: &str) -> Value {
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "apps", "generation": 2, "labels": {"app/version": version}},
        "spec": {"interval": "5m", "path": "./", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "repo"}},
        "status": {"observedGeneration": 2, "conditions": [{"type": "Ready", "status": ready, "reason": "ReconciliationSucceeded"}]}})
}

#[test]
fn ready_expr_binds_dep_and_self() {
    let expr = "dep.metadata.labels['app/version'] == self.metadata.labels['app/version'] && \
        dep.status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True') && \
        dep.metadata.generation == dep.status.observedGeneration";
    let me = kustomization("app-frontend", "v1.2.3", "True");
    assert!(
        eval_ready_expr(expr, &me, &kustomization("app-backend", "v1.2.3", "True"))
            .expect("evaluates")
    );
    assert!(
        !eval_ready_expr(expr, &me, &kustomization("app-backend", "v1.2.2", "True"))
            .expect("evaluates")
    );
    assert!(
        !eval_ready_expr(expr, &me, &kustomization("app-backend", "v1.2.3", "False"))
            .expect("evaluates")
    );

    let err = eval_ready_expr(
        "dep.status.(",
        &me,
        &kustomization("app-backend", "v1", "True"),
    )
    .expect_err("parse");
    assert!(
        err.to_string().contains(
            "failed to evaluate dependency app-backend: failed to parse the CEL expression 'dep.status.('"
        ),
        "{err}"
    );
    let err = eval_ready_expr(
        "dep.metadata.name",
        &me,
        &kustomization("app-backend", "v1", "True"),
    )
    .expect_err("not bool");
    assert!(
        err.to_string()
            .ends_with("failed to evaluate CEL expression as boolean: 'dep.metadata.name'"),
        "{err}"
    );
}

#[test]
fn health_check_exprs_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<HealthCheckExprs>();
}
