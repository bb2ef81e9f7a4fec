//! What `gitops up` prints while it waits: the readiness of every GitRepository and
//! Kustomization, turned into flux-style progress lines as it changes. Pure: it reads
//! the objects' JSON and returns the lines.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::cluster::status::condition;
use crate::cluster::str_at;

/// Where one object stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// `Ready=True` for the current generation; the condition's message.
    Ready(String),
    /// `Ready=False`: its reason and message, and whether
    /// waiting will not help (`Stalled=True`, or a build failure of this revision).
    Failed {
        /// The Ready condition's reason.
        reason: String,
        /// Its message.
        message: String,
        /// Retrying the same revision cannot succeed.
        terminal: bool,
    },
    /// Not reconciled yet (or reconciling); the best message there is.
    Pending(String),
}

/// Reasons after which the same revision never becomes Ready.
const TERMINAL_REASONS: &[&str] = &["BuildFailed"];

/// Reasons that only say something else is not Ready yet (a dependency, the source).
const WAITING_REASONS: &[&str] = &["DependencyNotReady", "ArtifactFailed"];

/// The readiness of a Flux object given as JSON.
pub fn readiness(obj: &Value) -> Readiness {
    let generation = obj.pointer("/metadata/generation").and_then(Value::as_i64);
    let observed = obj
        .pointer("/status/observedGeneration")
        .and_then(Value::as_i64);
    let current = generation.is_none() || generation == observed;
    let Some(ready) = condition(obj, "Ready") else {
        return Readiness::Pending("waiting to be reconciled".to_string());
    };
    let message = str_at(ready, "/message").to_string();
    // Flux records `observedGeneration` only on success: a failure is a failure of the
    // current generation whatever that field says.
    match (str_at(ready, "/status"), current) {
        ("True", true) => Readiness::Ready(message),
        ("False", _) if WAITING_REASONS.contains(&str_at(ready, "/reason")) => {
            Readiness::Pending(format!("{}: {message}", str_at(ready, "/reason")))
        }
        ("False", _) => {
            let reason = str_at(ready, "/reason").to_string();
            let stalled = condition(obj, "Stalled").is_some_and(|c| str_at(c, "/status") == "True");
            let terminal = stalled || TERMINAL_REASONS.contains(&reason.as_str());
            Readiness::Failed {
                reason,
                message,
                terminal,
            }
        }
        _ => Readiness::Pending(message),
    }
}

/// `Kind "namespace/name"`, as flux names objects in its progress lines.
pub fn label(obj: &Value) -> String {
    format!(
        "{} \"{}/{}\"",
        str_at(obj, "/kind"),
        str_at(obj, "/metadata/namespace"),
        str_at(obj, "/metadata/name")
    )
}

/// Remembers what was last said about each object, so that each change is said once.
#[derive(Debug, Default)]
pub struct Tracker {
    said: BTreeMap<String, Readiness>,
}

impl Tracker {
    /// The progress lines for the objects' current state (`◎` waiting, `✔` ready,
    /// `✗` failed), only for what changed since the last call.
    pub fn update(&mut self, objects: &[Value]) -> Vec<String> {
        let mut lines = Vec::new();
        for obj in objects {
            let name = label(obj);
            let now = readiness(obj);
            let before = self.said.get(&name);
            let line = match (&now, before) {
                (Readiness::Pending(_), None) => {
                    Some(format!("◎ waiting for {name} to be reconciled"))
                }
                (Readiness::Pending(_), Some(_)) => None,
                (Readiness::Ready(m), Some(Readiness::Ready(old))) if old == m => None,
                (Readiness::Ready(m), _) => Some(format!("✔ {name} reconciled: {m}")),
                (Readiness::Failed { .. }, Some(old)) if *old == now => None,
                (
                    Readiness::Failed {
                        reason, message, ..
                    },
                    _,
                ) => Some(format!("✗ {name} not ready: {reason}: {message}")),
            };
            if let Some(line) = line {
                lines.push(line);
                self.said.insert(name, now);
            }
        }
        lines
    }
}

/// Whether everything is Ready: the root objects exist and every object is Ready.
pub fn all_ready(objects: &[Value], roots: &[(&str, &str, &str)]) -> bool {
    let has = |kind: &str, ns: &str, name: &str| {
        objects.iter().any(|o| {
            str_at(o, "/kind") == kind
                && str_at(o, "/metadata/namespace") == ns
                && str_at(o, "/metadata/name") == name
        })
    };
    roots.iter().all(|(k, ns, n)| has(k, ns, n))
        && objects
            .iter()
            .all(|o| matches!(readiness(o), Readiness::Ready(_)))
}

/// The first object that cannot become Ready without a new commit, as an error message.
pub fn terminal_failure(objects: &[Value]) -> Option<String> {
    objects.iter().find_map(|o| match readiness(o) {
        Readiness::Failed {
            reason,
            message,
            terminal: true,
        } => Some(format!("{} not ready: {reason}: {message}", label(o))),
        _ => None,
    })
}

/// Why the objects are not all Ready: the first failed one, else the first pending one.
pub fn not_ready(objects: &[Value]) -> String {
    let failed = objects.iter().find_map(|o| match readiness(o) {
        Readiness::Failed {
            reason, message, ..
        } => Some(format!("{} not ready: {reason}: {message}", label(o))),
        _ => None,
    });
    let pending = || {
        objects.iter().find_map(|o| match readiness(o) {
            Readiness::Pending(m) => Some(format!("{} not ready: {m}", label(o))),
            _ => None,
        })
    };
    failed
        .or_else(pending)
        .unwrap_or_else(|| "no Flux objects found".to_string())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ks(name: &str, generation: i64, observed: i64, ready: Option<(&str, &str, &str)>) -> Value {
        let conditions: Vec<Value> = ready
            .map(|(s, r, m)| json!({"type": "Ready", "status": s, "reason": r, "message": m}))
            .into_iter()
            .collect();
        json!({"kind": "Kustomization", "metadata": {"name": name, "namespace": "flux-system", "generation": generation},
               "status": {"observedGeneration": observed, "conditions": conditions}})
    }

    #[test]
    fn each_change_is_said_once_in_flux_style() {
        let mut t = Tracker::default();
        let lines = t.update(&[ks("apps", 1, -1, None)]);
        assert_eq!(
            lines,
            ["◎ waiting for Kustomization \"flux-system/apps\" to be reconciled"]
        );
        assert!(
            t.update(&[ks(
                "apps",
                1,
                -1,
                Some(("Unknown", "Progressing", "reconciling"))
            )])
            .is_empty()
        );
        let failed = ks(
            "apps",
            1,
            1,
            Some(("False", "BuildFailed", "kustomize build failed: boom")),
        );
        assert_eq!(
            t.update(std::slice::from_ref(&failed)),
            [
                "✗ Kustomization \"flux-system/apps\" not ready: BuildFailed: kustomize build failed: boom"
            ]
        );
        assert!(t.update(&[failed]).is_empty());
        let ready = ks(
            "apps",
            2,
            2,
            Some((
                "True",
                "ReconciliationSucceeded",
                "Applied revision: main@sha1:aa",
            )),
        );
        assert_eq!(
            t.update(std::slice::from_ref(&ready)),
            ["✔ Kustomization \"flux-system/apps\" reconciled: Applied revision: main@sha1:aa"]
        );
        assert!(t.update(&[ready]).is_empty());
        let newer = ks(
            "apps",
            2,
            2,
            Some((
                "True",
                "ReconciliationSucceeded",
                "Applied revision: main@sha1:bb",
            )),
        );
        assert_eq!(t.update(&[newer]).len(), 1, "a new revision is said again");
    }

    #[test]
    fn readiness_needs_the_current_generation_and_the_roots() {
        let stale = ks(
            "root",
            2,
            1,
            Some(("True", "ReconciliationSucceeded", "ok")),
        );
        assert!(matches!(readiness(&stale), Readiness::Pending(_)));
        let ready = ks(
            "root",
            2,
            2,
            Some(("True", "ReconciliationSucceeded", "ok")),
        );
        let roots = [("Kustomization", "flux-system", "root")];
        assert!(all_ready(std::slice::from_ref(&ready), &roots));
        assert!(!all_ready(
            std::slice::from_ref(&ready),
            &[("GitRepository", "flux-system", "root")]
        ));
        assert!(!all_ready(&[ready.clone(), stale.clone()], &roots));
        assert_eq!(
            not_ready(&[ready.clone(), stale]),
            "Kustomization \"flux-system/root\" not ready: ok"
        );
        let broken = ks(
            "apps",
            1,
            -1,
            Some(("False", "BuildFailed", "kustomize build failed: x")),
        );
        let waiting = ks(
            "apps",
            1,
            -1,
            Some((
                "False",
                "DependencyNotReady",
                "dependency 'flux-system/infra' is not ready",
            )),
        );
        assert_eq!(
            readiness(&waiting),
            Readiness::Pending(
                "DependencyNotReady: dependency 'flux-system/infra' is not ready".into()
            )
        );
        let slow = ks("db", 1, 1, Some(("False", "HealthCheckFailed", "timeout")));
        assert_eq!(terminal_failure(&[ready.clone(), slow.clone()]), None);
        assert_eq!(
            terminal_failure(&[ready, slow, broken]).as_deref(),
            Some(
                "Kustomization \"flux-system/apps\" not ready: BuildFailed: kustomize build failed: x"
            )
        );
    }
}
