//! The observed state of a Kustomization: conditions, applied and attempted revisions,
//! the inventory of applied objects and the history of reconciliations
//! (`meta.History` of `fluxcd/pkg/apis/meta`).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::types::ResourceInventory;
use crate::conditions::Condition;

/// Maximum number of snapshots Flux keeps in `status.history`.
pub const HISTORY_MAX_SIZE: usize = 5;

/// Observed state of a Kustomization.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("default" = {"observedGeneration": -1}))]
pub struct KustomizationStatus {
    /// kstatus conditions (`Ready`, `Reconciling`, `Stalled`, `Healthy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
    /// The latest reconciliations, most recent first (at most [`HISTORY_MAX_SIZE`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<Snapshot>>,
    /// The objects applied by the last successful reconciliation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<ResourceInventory>,
    /// Origin revision of the last applied artifact (e.g. the OCI
    /// `org.opencontainers.image.revision` annotation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_applied_origin_revision: Option<String>,
    /// Revision of the last successfully applied artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_applied_revision: Option<String>,
    /// Revision of the last attempted artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_revision: Option<String>,
    /// The last `reconcile.fluxcd.io/requestedAt` value handled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_handled_reconcile_at: Option<String>,
    /// The generation of the last reconciled spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
}

/// A record of the reconciliations of one set of objects (one digest) with one outcome.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// Checksum `<algo>:<hex>` of the reconciled objects.
    pub digest: String,
    /// When this digest was first reconciled.
    pub first_reconciled: Time,
    /// When this digest was last reconciled.
    pub last_reconciled: Time,
    /// How long the last reconciliation took (a Go duration, e.g. `1.2s`).
    pub last_reconciled_duration: String,
    /// Outcome of the last reconciliation (the Ready condition reason).
    pub last_reconciled_status: String,
    /// Extra data, e.g. `revision`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    /// How many reconciliations this snapshot counts.
    pub total_reconciliations: i64,
}

impl KustomizationStatus {
    /// The conditions (empty when absent).
    pub fn conditions(&self) -> &[Condition] {
        self.conditions.as_deref().unwrap_or(&[])
    }

    /// The most recent history snapshot.
    pub fn latest_snapshot(&self) -> Option<&Snapshot> {
        self.history.as_ref().and_then(|h| h.first())
    }

    /// Records a reconciliation in `history` the way Flux does: a snapshot with the same
    /// digest and status is updated (counter, times, metadata) and moved to the front,
    /// otherwise a new snapshot is put in front; the history is cut to
    /// [`HISTORY_MAX_SIZE`].
    pub fn record_history(
        &mut self,
        digest: &str,
        at: Time,
        duration: &str,
        status: &str,
        metadata: Option<BTreeMap<String, String>>,
    ) {
        let history = self.history.get_or_insert_with(Vec::new);
        let existing = history
            .iter()
            .position(|s| s.digest == digest && s.last_reconciled_status == status);
        match existing {
            Some(i) => {
                let mut snapshot = history.remove(i);
                snapshot.last_reconciled = at;
                snapshot.last_reconciled_duration = duration.to_string();
                snapshot.total_reconciliations += 1;
                snapshot.metadata = metadata;
                history.insert(0, snapshot);
            }
            None => history.insert(
                0,
                Snapshot {
                    digest: digest.to_string(),
                    first_reconciled: at.clone(),
                    last_reconciled: at,
                    last_reconciled_duration: duration.to_string(),
                    last_reconciled_status: status.to_string(),
                    metadata,
                    total_reconciliations: 1,
                },
            ),
        }
        history.truncate(HISTORY_MAX_SIZE);
    }
}
