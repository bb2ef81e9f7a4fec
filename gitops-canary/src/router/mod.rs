//! Routers: the routing objects Flagger writes for a canary, computed as values.
//!
//! A [`Router`] mirrors Flagger's `router.Interface` (`Reconcile`, `SetRoutes`,
//! `GetRoutes`, `Finalize`) without I/O: each method returns the objects to apply (or
//! reads weights from objects the caller fetched). [`for_canary`] picks the router for
//! `spec.provider` (or the controller's default); an unknown provider is an error, never a
//! silent fallback to Istio as in Flagger.
//!
//! | provider | router | objects |
//! |---|---|---|
//! | `istio` | [`IstioRouter`] | VirtualService `<svc>`, DestinationRules `<svc>-canary`, `<svc>-primary` |
//! | `gatewayapi:v1`, `gatewayapi:v1beta1` | [`GatewayApiRouter`] | HTTPRoute `<svc>` |
//! | `kubernetes` | [`KubernetesRouter`] | none (Flagger's no-op router), or the apex Service when selector switching is asked for |
//!
//! ## Session affinity cookies
//!
//! Flagger generates random cookie values inside `SetRoutes` and stores them in the
//! Canary status. Here the values come from `canary.status`
//! (`sessionAffinityCookie`, `primarySessionAffinityCookie`,
//! `previousSessionAffinityCookie`); the state machine computes the next status with
//! [`SessionCookies::next`] (passing its own random tokens), stores it in the Canary's
//! status, then calls [`Router::set_routes`]. A weight above 0 without a cookie in the
//! status is [`Error::MissingSessionCookie`].

mod gateway_api;
mod istio;
mod kubernetes;

use serde_json::Value;

use gitops_core::api::flagger::Canary;
use gitops_core::api::flagger::session_affinity::SessionAffinity;
use gitops_core::object::Object;

use crate::routes::Routes;

pub use gateway_api::GatewayApiRouter;
pub use istio::IstioRouter;
pub use kubernetes::KubernetesRouter;

/// The annotation Flagger stores a VirtualService's original spec in before it takes the
/// VirtualService over (restored by `revertOnDeletion`).
pub const ORIGINAL_CONFIGURATION_ANNOTATION: &str = "flagger.kubernetes.io/original-configuration";
/// kubectl's last-applied annotation, preferred by Flagger when restoring.
pub const KUBECTL_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Why routing objects could not be computed or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The provider has no router here.
    #[error(
        "canary {canary}: provider '{provider}' is not supported (supported: istio, kubernetes, gatewayapi:v1, gatewayapi:v1beta1)"
    )]
    UnsupportedProvider {
        /// `namespace/name` of the canary.
        canary: String,
        /// The provider.
        provider: String,
    },
    /// The canary spec cannot be turned into routing objects.
    #[error("canary {canary}: {field}: {message}")]
    InvalidSpec {
        /// `namespace/name` of the canary.
        canary: String,
        /// Path of the offending field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A live routing object is missing.
    #[error("{kind} {namespace}/{name} not found among the live objects")]
    NotFound {
        /// Kind of the object.
        kind: String,
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
    },
    /// A live object lacks the routes or fields the weights are read from.
    #[error("{object}: {field}: {message}")]
    LiveObject {
        /// `Kind/namespace/name`.
        object: String,
        /// Path of the field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Session affinity needs a cookie the Canary status does not have.
    #[error("canary {canary}: session affinity at canary weight {weight} needs status.{field}")]
    MissingSessionCookie {
        /// `namespace/name` of the canary.
        canary: String,
        /// The canary weight asked for.
        weight: u32,
        /// The status field (`sessionAffinityCookie`, `primarySessionAffinityCookie`).
        field: &'static str,
    },
}

/// A router: the routing objects of one provider, computed from the Canary.
pub trait Router {
    /// The routing objects at initialization: all traffic on the primary (Flagger's
    /// `Reconcile`).
    fn reconcile(&self, canary: &Canary) -> Result<Vec<Object>, Error>;

    /// The routing objects with these weights (Flagger's `SetRoutes`). Session-affinity
    /// cookies are read from `canary.status` (see the module documentation).
    fn set_routes(&self, canary: &Canary, routes: Routes) -> Result<Vec<Object>, Error>;

    /// The weights currently set in `live` (the live routing objects), as Flagger's
    /// `GetRoutes` reads them.
    fn get_routes(&self, canary: &Canary, live: &[Object]) -> Result<Routes, Error>;

    /// What `revertOnDeletion` writes back when the canary is deleted (Flagger's
    /// `Finalize`), computed from the live objects; empty when nothing is restored.
    fn finalize(&self, canary: &Canary, live: &[Object]) -> Result<Vec<Object>, Error>;
}

/// The router for `spec.provider`, or `default_provider` (Flagger's `-mesh-provider`,
/// `istio` by default) when the canary sets none.
pub fn for_canary(canary: &Canary, default_provider: &str) -> Result<Box<dyn Router>, Error> {
    let provider = canary
        .spec
        .provider
        .map(|p| p.as_str())
        .unwrap_or(default_provider);
    match provider {
        "istio" => Ok(Box::new(IstioRouter)),
        "kubernetes" => Ok(Box::new(KubernetesRouter::default())),
        "gatewayapi:v1" => Ok(Box::new(GatewayApiRouter::v1())),
        "gatewayapi:v1beta1" => Ok(Box::new(GatewayApiRouter::v1beta1())),
        other => Err(Error::UnsupportedProvider {
            canary: crate::workload::canary_ref(canary),
            provider: other.to_string(),
        }),
    }
}

/// The session-affinity cookies of a canary run (`name=value` pairs), as Flagger keeps
/// them in the Canary status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionCookies {
    /// `status.sessionAffinityCookie`: the cookie of the current run.
    pub canary: Option<String>,
    /// `status.primarySessionAffinityCookie`: the primary's cookie.
    pub primary: Option<String>,
    /// `status.previousSessionAffinityCookie`: the cookie of the previous run, expired by
    /// the routes once the canary weight is back to 0.
    pub previous: Option<String>,
}

impl SessionCookies {
    /// The cookies stored in `canary.status` (empty strings count as unset).
    pub fn from_status(canary: &Canary) -> SessionCookies {
        let s = canary.status.as_ref();
        let get = |f: fn(&gitops_core::api::flagger::CanaryStatus) -> &Option<String>| {
            s.and_then(|s| f(s).clone()).filter(|c| !c.is_empty())
        };
        SessionCookies {
            canary: get(|s| &s.session_affinity_cookie),
            primary: get(|s| &s.primary_session_affinity_cookie),
            previous: get(|s| &s.previous_session_affinity_cookie),
        }
    }

    /// The current run's canary and primary cookies, which routes at a non-zero
    /// `canary_weight` need; a missing one is [`Error::MissingSessionCookie`] naming its
    /// status field.
    pub fn current(&self, canary: &Canary, canary_weight: u32) -> Result<(String, String), Error> {
        let missing = |field| Error::MissingSessionCookie {
            canary: crate::workload::canary_ref(canary),
            weight: canary_weight,
            field,
        };
        let canary_cookie = self
            .canary
            .clone()
            .ok_or_else(|| missing("sessionAffinityCookie"))?;
        let primary_cookie = self
            .primary
            .clone()
            .ok_or_else(|| missing("primarySessionAffinityCookie"))?;
        Ok((canary_cookie, primary_cookie))
    }

    /// The cookies after routing at `canary_weight`, as Flagger's `SetRoutes` updates the
    /// status: above 0, missing cookies are created as `<cookieName>=<token>` (Flagger
    /// draws 10 random letters; `canary_token` / `primary_token` are the caller's); at 0,
    /// the current cookie becomes the previous one and is cleared.
    pub fn next(
        &self,
        affinity: &SessionAffinity,
        canary_weight: u32,
        canary_token: &str,
        primary_token: &str,
    ) -> SessionCookies {
        let mut next = self.clone();
        if canary_weight != 0 {
            if next.canary.is_none() {
                next.canary = Some(format!("{}={canary_token}", affinity.cookie_name));
            }
            if next.primary.is_none() {
                let name = affinity.primary_cookie_name.as_deref().unwrap_or("");
                next.primary = Some(format!("{name}={primary_token}"));
            }
        } else {
            if let Some(c) = next.canary.take() {
                next.previous = Some(c);
            }
        }
        next
    }

    /// Writes these cookies into `canary.status`.
    pub fn store(&self, canary: &mut Canary) {
        let status = canary.status.get_or_insert_with(Default::default);
        status.session_affinity_cookie = self.canary.clone();
        status.primary_session_affinity_cookie = self.primary.clone();
        status.previous_session_affinity_cookie = self.previous.clone();
    }
}

/// `.*<name>.*<value>.*`: the regex Flagger matches a `name=value` cookie with (the part
/// after a second `=` is dropped, as Go's `strings.Split(...)[1]` does).
pub(crate) fn cookie_regex(cookie: &str) -> String {
    let mut parts = cookie.split('=');
    let name = parts.next().unwrap_or("");
    let value = parts.next().unwrap_or("");
    format!(".*{name}.*{value}.*")
}

/// `spec.analysis.interval` in whole seconds, parsed as Go's `time.ParseDuration`.
pub(crate) fn interval_seconds(canary: &Canary) -> Result<i64, Error> {
    let interval = canary
        .spec
        .analysis
        .as_ref()
        .map(|a| a.interval.clone())
        .unwrap_or_default();
    interval
        .parse::<gitops_core::duration::Duration>()
        .ok()
        .and_then(|d| d.to_std())
        .map(|d| d.as_secs() as i64)
        .ok_or_else(|| Error::InvalidSpec {
            canary: crate::workload::canary_ref(canary),
            field: "spec.analysis.interval".into(),
            message: format!("failed to parse canary interval '{interval}'"),
        })
}

/// Drops what Go's `omitempty` drops: empty strings, `false`, empty maps and lists.
pub(crate) fn prune_empty(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for v in map.values_mut() {
                prune_empty(v);
            }
            map.retain(|_, v| match v {
                Value::String(s) => !s.is_empty(),
                Value::Bool(b) => *b,
                Value::Object(m) => !m.is_empty(),
                Value::Array(a) => !a.is_empty(),
                Value::Null => false,
                Value::Number(_) => true,
            });
        }
        Value::Array(items) => items.iter_mut().for_each(prune_empty),
        _ => {}
    }
}

/// The live object of `kind` named `name` in the canary's namespace.
pub(crate) fn find_live<'a>(
    live: &'a [Object],
    kind: &str,
    namespace: &str,
    name: &str,
) -> Result<&'a Object, Error> {
    live.iter()
        .find(|o| {
            o.kind() == kind
                && o.name() == name
                && (o.namespace().is_empty() || o.namespace() == namespace)
        })
        .ok_or_else(|| Error::NotFound {
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        })
}
