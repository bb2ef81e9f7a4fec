//! Plain Kubernetes (`provider: kubernetes`): blue/green without a mesh.

use std::collections::BTreeMap;

use serde_json::Value;

use gitops_core::api::flagger::Canary;
use gitops_core::object::Object;

use super::{Error, KUBECTL_ANNOTATION, Router, find_live};
use crate::routes::Routes;
use crate::workload::{canary_ref, service_object};

/// The `kubernetes` provider.
///
/// By default this is Flagger's no-op router: Flagger never moves the apex Service
/// `<svc>` off the primary; during a blue/green analysis the tests reach the new version
/// through `<svc>-canary`, and promotion copies the canary's spec into the primary. So
/// `reconcile` and `set_routes` return no objects, `finalize` restores nothing, and
/// `get_routes` reports what Flagger's no-op router reports: 100% canary once
/// `status.iterations > 0`, else 100% primary.
///
/// [`KubernetesRouter::with_selector_switch`] opts in to an actual switch (not a Flagger
/// behaviour): `set_routes` returns the apex Service selecting `<value>-primary` or, when
/// the canary weight is above the primary's, `<value>`; `get_routes` reads that selector
/// back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KubernetesRouter {
    switch: Option<(String, String, BTreeMap<String, i64>)>,
}

impl KubernetesRouter {
    /// A router that switches the apex Service's selector `label` between `<value>-primary`
    /// and `value` (the target's selector label and value, see
    /// [`crate::workload::selector_label`]); `ports` are the discovered extra ports.
    pub fn with_selector_switch(label: &str, value: &str, ports: BTreeMap<String, i64>) -> Self {
        KubernetesRouter {
            switch: Some((label.to_string(), value.to_string(), ports)),
        }
    }

    fn apex(&self, canary: &Canary, to_canary: bool) -> Result<Vec<Object>, Error> {
        let Some((label, value, ports)) = &self.switch else {
            return Ok(Vec::new());
        };
        let selector = if to_canary {
            value.clone()
        } else {
            format!("{value}-primary")
        };
        let apex = canary.apex_service_name().to_string();
        let svc = service_object(
            canary,
            &apex,
            label,
            &selector,
            canary.spec.service.apex.as_ref(),
            ports,
        )
        .map_err(|e| Error::InvalidSpec {
            canary: canary_ref(canary),
            field: "spec.service".into(),
            message: e.to_string(),
        })?;
        Ok(vec![svc])
    }
}

impl Router for KubernetesRouter {
    fn reconcile(&self, canary: &Canary) -> Result<Vec<Object>, Error> {
        self.apex(canary, false)
    }

    fn set_routes(&self, canary: &Canary, routes: Routes) -> Result<Vec<Object>, Error> {
        self.apex(canary, routes.canary > routes.primary)
    }

    fn get_routes(&self, canary: &Canary, live: &[Object]) -> Result<Routes, Error> {
        let Some((label, value, _)) = &self.switch else {
            let iterations = canary.status.as_ref().map_or(0, |s| s.iterations);
            return Ok(if iterations > 0 {
                Routes::canary(100)
            } else {
                Routes::PRIMARY
            });
        };
        let ns = canary.metadata.namespace.clone().unwrap_or_default();
        let svc = find_live(live, "Service", &ns, canary.apex_service_name())?;
        let selected = svc
            .as_value()
            .pointer("/spec/selector")
            .and_then(|s| s.get(label))
            .and_then(Value::as_str);
        match selected {
            Some(s) if s == format!("{value}-primary") => Ok(Routes::PRIMARY),
            Some(s) if s == value => Ok(Routes::canary(100)),
            other => Err(Error::LiveObject {
                object: svc.id().to_string(),
                field: format!("spec.selector[{label}]"),
                message: format!("expected '{value}-primary' or '{value}', found {other:?}"),
            }),
        }
    }

    /// With selector switching: an apex Service not controlled by a Canary gets back the
    /// selector of kubectl's last-applied configuration, or `<label>: <value>` (Flagger's
    /// `KubernetesDefaultRouter.Finalize`). Without it (Flagger's no-op router): nothing.
    fn finalize(&self, canary: &Canary, live: &[Object]) -> Result<Vec<Object>, Error> {
        let Some((label, value, ports)) = &self.switch else {
            return Ok(Vec::new());
        };
        let ns = canary.metadata.namespace.clone().unwrap_or_default();
        let svc = find_live(live, "Service", &ns, canary.apex_service_name())?;
        let controlled_by_canary = svc
            .as_value()
            .pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|r| {
                r.get("controller").and_then(Value::as_bool) == Some(true)
                    && r.get("kind").and_then(Value::as_str) == Some("Canary")
            });
        if controlled_by_canary {
            return Ok(Vec::new());
        }
        if let Some(a) = svc.annotation(KUBECTL_ANNOTATION) {
            let stored: Value = serde_json::from_str(a).map_err(|_| Error::LiveObject {
                object: svc.id().to_string(),
                field: format!("metadata.annotations[{KUBECTL_ANNOTATION}]"),
                message: "failed to unmarshal the stored configuration".into(),
            })?;
            let mut restored = svc.clone();
            if let Some(spec) = restored
                .as_map_mut()
                .get_mut("spec")
                .and_then(Value::as_object_mut)
            {
                spec.insert(
                    "selector".into(),
                    stored
                        .pointer("/spec/selector")
                        .cloned()
                        .unwrap_or(Value::Null),
                );
            }
            return Ok(vec![restored]);
        }
        let apex = canary.apex_service_name().to_string();
        service_object(canary, &apex, label, value, None, ports)
            .map(|s| vec![s])
            .map_err(|e| Error::InvalidSpec {
                canary: canary_ref(canary),
                field: "spec.service".into(),
                message: e.to_string(),
            })
    }
}
