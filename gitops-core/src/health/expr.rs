//! CEL health checks: a Kustomization's `spec.healthCheckExprs` (`fluxcd/pkg runtime/cel`)
//! and the `dependsOn[].readyExpr` check.
//!
//! As in Flux, an expression sees the object's top-level fields as variables (`apiVersion`,
//! `kind`, `metadata`, `spec`, `status`, …): `status.conditions.filter(e, e.type ==
//! 'Ready').all(e, e.status == 'True')`. The whole object is also bound as `self` (an
//! addition: Flux has no `self` there). A `readyExpr` sees `self` (the dependent
//! Kustomization) and `dep` (the dependency).

use std::collections::HashMap;
use std::sync::Arc;

use cel::objects::{Key, Map};
use cel::{Context, Env, Program};
use serde_json::Value;

use super::{
    HealthError, Status, StatusResult, builtin, compute, generic::nested_i64, group_of, object_id,
};
use crate::api::kustomize::CustomHealthCheck;

/// One compiled expression and its source.
struct Expr {
    source: String,
    program: Program,
}

/// The compiled expressions of one `healthCheckExprs` entry.
struct Entry {
    group: String,
    /// `None` for a group-only entry (every kind of the group).
    kind: Option<String>,
    in_progress: Option<Expr>,
    failed: Option<Expr>,
    current: Expr,
}

/// A Kustomization's compiled `spec.healthCheckExprs`, and the status rule Flux's poller
/// picks for an object ([`HealthCheckExprs::status`]).
///
/// Entries match by API group (the version of `apiVersion` is ignored) and kind; an entry
/// without `kind` applies to every kind of its group, and an entry with the kind takes
/// precedence over it.
pub struct HealthCheckExprs {
    env: Arc<Env>,
    entries: Vec<Entry>,
}

impl std::fmt::Debug for HealthCheckExprs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let entries: Vec<_> = self
            .entries
            .iter()
            .map(|e| (e.group.as_str(), e.kind.as_deref()))
            .collect();
        f.debug_struct("HealthCheckExprs")
            .field("entries", &entries)
            .finish()
    }
}

impl Default for HealthCheckExprs {
    fn default() -> Self {
        HealthCheckExprs {
            env: Arc::new(env()),
            entries: Vec::new(),
        }
    }
}

/// The CEL environment: the standard library with the strings and lists extensions
/// (Flux's has cel-go's strings, sets and encoders extensions and optional types).
fn env() -> Env {
    let mut env = Env::stdlib();
    // Registering the bundled extensions on a fresh environment cannot conflict.
    let _ = env.add_extension(cel::extensions::strings);
    let _ = env.add_extension(cel::extensions::lists);
    env
}

impl HealthCheckExprs {
    /// Compiles the entries, as kustomize-controller does before reconciling: an entry
    /// without `current`, an expression that does not parse, or a second entry for the same
    /// group and kind is an error naming the entry's index (and the expression).
    pub fn new(checks: &[CustomHealthCheck]) -> Result<Self, HealthError> {
        let env = Arc::new(env());
        let mut entries: Vec<Entry> = Vec::with_capacity(checks.len());
        for (index, check) in checks.iter().enumerate() {
            let group = group_of(&check.api_version).to_string();
            let kind = check.kind.clone().filter(|k| !k.is_empty());
            if entries.iter().any(|e| e.group == group && e.kind == kind) {
                let k = kind.as_deref().unwrap_or_default();
                let group_kind = if group.is_empty() {
                    k.to_string()
                } else {
                    format!("{k}.{group}")
                };
                return Err(HealthError::DuplicateExpr { index, group_kind });
            }
            let invalid = |message: String| HealthError::InvalidExpr { index, message };
            if check.current.is_empty() {
                return Err(invalid("expression Current not specified".to_string()));
            }
            let compile = |name: &str, source: &str| -> Result<Expr, HealthError> {
                let program = env.compile(source).map_err(|e| {
                    invalid(format!(
                        "failed to parse the expression {name}: failed to parse the CEL expression '{source}': {e}"
                    ))
                })?;
                Ok(Expr {
                    source: source.to_string(),
                    program,
                })
            };
            let optional =
                |name: &str, source: &Option<String>| -> Result<Option<Expr>, HealthError> {
                    source
                        .as_deref()
                        .filter(|s| !s.is_empty())
                        .map(|s| compile(name, s))
                        .transpose()
                };
            let current = compile("Current", &check.current)?;
            let failed = optional("Failed", &check.failed)?;
            let in_progress = optional("InProgress", &check.in_progress)?;
            entries.push(Entry {
                group,
                kind,
                in_progress,
                failed,
                current,
            });
        }
        Ok(HealthCheckExprs { env, entries })
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether an entry applies to objects of this `apiVersion` and kind.
    pub fn matches(&self, api_version: &str, kind: &str) -> bool {
        self.entry_for(group_of(api_version), kind).is_some()
    }

    fn entry_for(&self, group: &str, kind: &str) -> Option<&Entry> {
        let by_kind = self
            .entries
            .iter()
            .find(|e| e.group == group && e.kind.as_deref() == Some(kind));
        by_kind.or_else(|| {
            self.entries
                .iter()
                .find(|e| e.group == group && e.kind.is_none())
        })
    }

    /// The status of a live object by the rule Flux's status poller uses for it: Flux's Job
    /// rule ([`super::compute_job`]) for `batch` Jobs, the matching entry's expressions
    /// ([`HealthCheckExprs::evaluate`]) when there is one, kstatus ([`compute`]) otherwise.
    pub fn status(&self, obj: &Value) -> Result<StatusResult, HealthError> {
        if builtin::is_job(obj) {
            return builtin::compute_job(obj);
        }
        match self.evaluate(obj) {
            Some(res) => res,
            None => compute(obj),
        }
    }

    /// Evaluates the matching entry on `obj` (`None` without one), as Flux's
    /// `StatusEvaluator`: InProgress while `status.observedGeneration` differs from
    /// `metadata.generation`; then the first of `inProgress`, `failed`, `current` that is
    /// true decides; InProgress when none is. The result has no message, as in Flux.
    /// An expression that fails to evaluate or is not a boolean is an error.
    pub fn evaluate(&self, obj: &Value) -> Option<Result<StatusResult, HealthError>> {
        let api_version = obj["apiVersion"].as_str().unwrap_or_default();
        let kind = obj["kind"].as_str().unwrap_or_default();
        let entry = self.entry_for(group_of(api_version), kind)?;
        Some(self.evaluate_entry(entry, obj))
    }

    fn evaluate_entry(&self, entry: &Entry, obj: &Value) -> Result<StatusResult, HealthError> {
        let observed = nested_i64(obj, "status.observedGeneration").ok().flatten();
        let generation = nested_i64(obj, "metadata.generation").ok().flatten();
        if let (Some(observed), Some(generation)) = (observed, generation)
            && observed != generation
        {
            return Ok(StatusResult::new(Status::InProgress, ""));
        }
        let mut ctx = Context::with_env(self.env.clone());
        if let Value::Object(map) = obj {
            for (k, v) in map {
                ctx.add_variable_from_value(k.as_str(), to_cel(v));
            }
        }
        ctx.add_variable_from_value("self", to_cel(obj));
        let steps = [
            (entry.in_progress.as_ref(), Status::InProgress),
            (entry.failed.as_ref(), Status::Failed),
            (Some(&entry.current), Status::Current),
        ];
        for (expr, status) in steps {
            let Some(expr) = expr else { continue };
            if eval_bool(expr, &ctx).map_err(|message| HealthError::Eval {
                object: object_id(obj),
                message,
            })? {
                return Ok(StatusResult::new(status, ""));
            }
        }
        Ok(StatusResult::new(Status::InProgress, ""))
    }
}

/// Evaluates a compiled expression to a boolean, with Flux's error messages.
fn eval_bool(expr: &Expr, ctx: &Context<'_, '_>) -> Result<bool, String> {
    match expr.program.execute(ctx) {
        Ok(cel::Value::Bool(b)) => Ok(b),
        Ok(_) => Err(format!(
            "failed to evaluate CEL expression as boolean: '{}'",
            expr.source
        )),
        Err(e) => Err(format!(
            "failed to evaluate the CEL expression '{}': {e}",
            expr.source
        )),
    }
}

/// Evaluates a `dependsOn[].readyExpr` with `self` bound to the dependent object and `dep`
/// to the dependency (both as they are in the cluster), as kustomize-controller does.
///
/// A parse error is reported as Flux does: `failed to evaluate dependency <name>: failed to
/// parse the CEL expression '<expr>': …`; so is a result that is not a boolean.
pub fn eval_ready_expr(expr: &str, self_obj: &Value, dep: &Value) -> Result<bool, HealthError> {
    let dep_name = dep["metadata"]["name"].as_str().unwrap_or_default();
    let env = Arc::new(env());
    let program = env.compile(expr).map_err(|e| HealthError::Eval {
        object: object_id(dep),
        message: format!(
            "failed to evaluate dependency {dep_name}: failed to parse the CEL expression '{expr}': {e}"
        ),
    })?;
    let mut ctx = Context::with_env(env);
    ctx.add_variable_from_value("self", to_cel(self_obj));
    ctx.add_variable_from_value("dep", to_cel(dep));
    let compiled = Expr {
        source: expr.to_string(),
        program,
    };
    eval_bool(&compiled, &ctx).map_err(|message| HealthError::Eval {
        object: object_id(dep),
        message,
    })
}

/// A JSON value as a CEL value: integers are `int` (`uint` beyond `i64`), other numbers
/// `double`, as apimachinery's unstructured decoding gives int64 and float64.
fn to_cel(v: &Value) -> cel::Value {
    match v {
        Value::Null => cel::Value::Null,
        Value::Bool(b) => cel::Value::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => cel::Value::Int(i),
            (None, Some(u)) => cel::Value::UInt(u),
            _ => cel::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => cel::Value::String(Arc::new(s.clone())),
        Value::Array(items) => cel::Value::List(Arc::new(items.iter().map(to_cel).collect())),
        Value::Object(map) => {
            let map: HashMap<Key, cel::Value> = map
                .iter()
                .map(|(k, v)| (Key::String(Arc::new(k.clone())), to_cel(v)))
                .collect();
            cel::Value::Map(Map { map: Arc::new(map) })
        }
    }
}
