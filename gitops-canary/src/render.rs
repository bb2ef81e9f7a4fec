//! Everything Flagger creates for a Canary, as one ordered list (what
//! `gitops canary render` prints).

use serde_json::Value;

use gitops_core::api::flagger::Canary;
use gitops_core::object::Object;

use crate::router::{self, SessionCookies};
use crate::routes::Routes;
use crate::workload::{self, Options};

/// Why a render failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The workload objects could not be computed.
    #[error(transparent)]
    Workload(#[from] workload::Error),
    /// The routing objects could not be computed.
    #[error(transparent)]
    Router(#[from] router::Error),
    /// The target does not match `spec.targetRef`.
    #[error("target {found} does not match spec.targetRef {expected}")]
    TargetMismatch {
        /// `Kind/name` from the canary.
        expected: String,
        /// The target's id.
        found: String,
    },
}

/// The default mesh provider (Flagger's `-mesh-provider` default).
pub const DEFAULT_PROVIDER: &str = "istio";

/// Every object Flagger creates when it initializes `canary`, in this order:
///
/// 1. the `-primary` copies of the tracked ConfigMaps, then Secrets (by name), when
///    config tracking is on;
/// 2. the `<target>-primary` Deployment or DaemonSet;
/// 3. the primary HorizontalPodAutoscaler, when `autoscaler` is given;
/// 4. the services `<svc>-canary`, `<svc>-primary`, `<svc>`;
/// 5. the routing objects of the provider (`spec.provider`, else `istio`) at 100% primary
///    (Istio: DestinationRules `<svc>-canary`, `<svc>-primary`, VirtualService `<svc>`).
///
/// `configs` holds the ConfigMaps and Secrets of the namespace (only those the pod
/// template references are used). Flagger's defaults are used for the selector labels,
/// label prefixes and config tracking (see [`initial_with`]).
pub fn initial(
    canary: &Canary,
    target: &Object,
    configs: &[Object],
    autoscaler: Option<&Object>,
) -> Result<Vec<Object>, Error> {
    initial_with(
        canary,
        target,
        configs,
        autoscaler,
        &Options::default(),
        DEFAULT_PROVIDER,
    )
}

/// [`initial`] with explicit controller options and default provider.
///
/// The `flagger-id` pod annotation of the primary is derived from the pod-template hash
/// and the tracked config checksums (Flagger draws a random UUID).
pub fn initial_with(
    canary: &Canary,
    target: &Object,
    configs: &[Object],
    autoscaler: Option<&Object>,
    options: &Options,
    default_provider: &str,
) -> Result<Vec<Object>, Error> {
    let tr = &canary.spec.target_ref;
    if target.kind() != format!("{:?}", tr.kind) || target.name() != tr.name {
        return Err(Error::TargetMismatch {
            expected: format!("{:?}/{}", tr.kind, tr.name),
            found: target.id().to_string(),
        });
    }
    let namespace = canary.metadata.namespace.clone().unwrap_or_default();
    let configmaps: Vec<Object> = configs
        .iter()
        .filter(|o| o.kind() == "ConfigMap")
        .cloned()
        .collect();
    let secrets: Vec<Object> = configs
        .iter()
        .filter(|o| o.kind() == "Secret")
        .cloned()
        .collect();
    let template = target
        .as_value()
        .pointer("/spec/template")
        .cloned()
        .unwrap_or(Value::Null);
    let pod_spec = template.get("spec").cloned().unwrap_or(Value::Null);
    let refs = if options.config_tracking {
        workload::target_config_refs(&namespace, &pod_spec, &configmaps, &secrets)?
    } else {
        Default::default()
    };
    let mut seed = workload::spec_hash(&template);
    for (k, r) in &refs {
        seed.push_str(&format!(";{k}={}", r.checksum));
    }
    let mut out = workload::primary_configs(canary, &refs, &configmaps, &secrets, options);
    out.push(workload::primary_workload(
        canary,
        target,
        &refs,
        options,
        &workload::flagger_id(&seed),
    )?);
    if let Some(hpa) = autoscaler {
        out.push(workload::primary_hpa(canary, hpa)?);
    }
    out.extend(workload::services(canary, target, options)?);
    out.extend(router::for_canary(canary, default_provider)?.reconcile(canary)?);
    Ok(out)
}

/// The routing objects while the analysis runs at `canary_weight` (clamped to 100), with
/// the provider's router (`spec.provider`, else `istio`).
///
/// Mirroring: Flagger mirrors only while the canary weight is 0 during an analysis with
/// `analysis.mirror` (the first step of a progressive canary, or the whole run of a
/// blue/green canary); so the routes at weight 0 carry the mirror when `analysis.mirror`
/// is true, and never at other weights. (The routes outside an analysis are
/// [`router::Router::reconcile`]'s.)
///
/// Session affinity: cookies come from `canary.status`; missing ones are filled with a
/// token derived from the canary's namespace and name, so a preview is reproducible
/// (the controller stores random ones).
pub fn routing_at(canary: &Canary, canary_weight: u32) -> Result<Vec<Object>, Error> {
    let mut routes = Routes::canary(canary_weight);
    let analysis = canary.spec.analysis.as_ref();
    routes.mirror = routes.canary == 0 && analysis.and_then(|a| a.mirror).unwrap_or(false);
    let mut canary = canary.clone();
    if let Some(affinity) = analysis.and_then(|a| a.session_affinity.as_ref()) {
        let seed = crate::workload::canary_ref(&canary);
        let next = SessionCookies::from_status(&canary).next(
            affinity,
            routes.canary,
            &letters(&format!("{seed}/canary")),
            &letters(&format!("{seed}/primary")),
        );
        next.store(&mut canary);
    }
    Ok(router::for_canary(&canary, DEFAULT_PROVIDER)?.set_routes(&canary, routes)?)
}

/// Ten letters (Flagger's cookie token alphabet) derived from `seed`.
fn letters(seed: &str) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let hash = workload::spec_hash(&Value::String(seed.to_string()));
    let mut h: u64 = 1469598103934665603;
    let mut out = String::new();
    for i in 0..10u8 {
        for b in hash.bytes().chain([i]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(1099511628211);
        }
        out.push(LETTERS[(h % LETTERS.len() as u64) as usize] as char);
    }
    out
}
