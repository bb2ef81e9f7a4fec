//! `status.history` of a Kustomization: the last five distinct outcomes, newest first, as
//! Flux's `meta.History.Upsert` keeps them — a snapshot is the digest of the built
//! objects plus the outcome's reason; reconciling the same digest with the same outcome
//! again updates that snapshot (time, duration, count, metadata) and moves it first.

use std::collections::BTreeMap;

use gitops_core::api::kustomize::Snapshot;
use gitops_core::duration::Duration;
use gitops_core::k8s::Time;

/// How many snapshots are kept.
pub const MAX_SNAPSHOTS: usize = 5;

/// Records an outcome in `history`.
pub fn upsert(
    history: &mut Vec<Snapshot>,
    digest: &str,
    at: Time,
    took: std::time::Duration,
    status: &str,
    metadata: BTreeMap<String, String>,
) {
    let duration = Duration::from_std(took).to_string();
    let metadata = (!metadata.is_empty()).then_some(metadata);
    if let Some(i) = history
        .iter()
        .position(|s| s.digest == digest && s.last_reconciled_status == status)
    {
        let mut snapshot = history.remove(i);
        snapshot.last_reconciled = at;
        snapshot.last_reconciled_duration = duration;
        snapshot.total_reconciliations += 1;
        snapshot.metadata = metadata;
        history.insert(0, snapshot);
    } else {
        history.insert(
            0,
            Snapshot {
                digest: digest.to_string(),
                first_reconciled: at.clone(),
                last_reconciled: at,
                last_reconciled_duration: duration,
                last_reconciled_status: status.to_string(),
                total_reconciliations: 1,
                metadata,
            },
        );
    }
    history.truncate(MAX_SNAPSHOTS);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Time {
        Time(k8s_openapi::jiff::Timestamp::from_second(s).unwrap_or_default())
    }

    #[test]
    fn dedups_by_digest_and_status_newest_first() {
        let mut h = Vec::new();
        let meta = |r: &str| BTreeMap::from([("revision".to_string(), r.to_string())]);
        upsert(
            &mut h,
            "sha256:a",
            t(1),
            std::time::Duration::from_millis(1500),
            "ReconciliationSucceeded",
            meta("r1"),
        );
        upsert(
            &mut h,
            "sha256:b",
            t(2),
            std::time::Duration::from_secs(2),
            "ReconciliationSucceeded",
            meta("r2"),
        );
        upsert(
            &mut h,
            "sha256:a",
            t(3),
            std::time::Duration::from_secs(1),
            "ReconciliationSucceeded",
            meta("r3"),
        );
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].digest, "sha256:a");
        assert_eq!(h[0].total_reconciliations, 2);
        assert_eq!(h[0].first_reconciled, t(1));
        assert_eq!(h[0].last_reconciled, t(3));
        assert_eq!(h[0].last_reconciled_duration, "1s");
        assert_eq!(h[1].last_reconciled_duration, "2s");
        upsert(
            &mut h,
            "sha256:a",
            t(4),
            std::time::Duration::from_secs(1),
            "HealthCheckFailed",
            meta("r3"),
        );
        assert_eq!(
            h.len(),
            3,
            "another outcome of the same digest is its own snapshot"
        );
        for i in 0..10 {
            upsert(
                &mut h,
                &format!("sha256:{i}"),
                t(10 + i),
                std::time::Duration::ZERO,
                "ReconciliationSucceeded",
                BTreeMap::new(),
            );
        }
        assert_eq!(h.len(), MAX_SNAPSHOTS);
        assert_eq!(h[0].digest, "sha256:9");
        assert!(h[0].metadata.is_none());
    }
}
