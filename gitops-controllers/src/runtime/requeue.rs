//! When to reconcile again.
//!
//! - [`Backoff`]: per-object exponential retry delay after failures (Flux's
//!   `--min-retry-delay`/`--max-retry-delay` rate limiter), reset by a success.
//! - [`Gate`]: kube-runtime reconciles on every watch event, including the ones our own
//!   status writes cause. Flux only reacts to a new generation, a new
//!   `reconcile.fluxcd.io/requestedAt`, deletion or finalizer changes (plus its own
//!   requeues). The gate remembers, per object, a fingerprint of those triggers and when
//!   the next run is due; an event with the same fingerprint before that time is skipped.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use gitops_core::k8s::ObjectMeta;

use super::{ObjectKey, requested_at};

/// Exponential backoff per object.
#[derive(Debug)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    failures: Mutex<HashMap<ObjectKey, u32>>,
}

impl Backoff {
    /// Delays from `min`, doubling per consecutive failure, at most `max`.
    pub fn new(min: Duration, max: Duration) -> Backoff {
        Backoff {
            min,
            max,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Records a failure of `key`; returns the delay before the retry.
    pub fn failed(&self, key: &ObjectKey) -> Duration {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = failures.entry(key.clone()).or_insert(0);
        let delay = self
            .min
            .saturating_mul(2u32.saturating_pow((*n).min(30)))
            .min(self.max);
        *n = n.saturating_add(1);
        delay
    }

    /// Forgets the failures of `key`.
    pub fn succeeded(&self, key: &ObjectKey) {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(key);
    }
}

/// The fingerprint of what may trigger a reconciliation of an object: generation,
/// requestedAt, deletion, finalizers, and `extra` (e.g. the revisions of its inputs).
pub fn fingerprint(meta: &ObjectMeta, extra: &str) -> u64 {
    let mut h = DefaultHasher::new();
    meta.generation.hash(&mut h);
    requested_at(meta).hash(&mut h);
    meta.deletion_timestamp.is_some().hash(&mut h);
    meta.finalizers.hash(&mut h);
    extra.hash(&mut h);
    h.finish()
}

#[derive(Debug)]
struct Entry {
    fingerprint: u64,
    due: Option<Instant>,
}

/// What to do with a watch event or a scheduled run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Reconcile now.
    Run,
    /// Nothing new: the object is due after this delay.
    Wait(Duration),
    /// Nothing new and nothing scheduled (suspended or stalled): wait for a change.
    Idle,
}

/// Skips watch events that carry no new trigger (see the module docs).
#[derive(Debug, Default)]
pub struct Gate {
    entries: Mutex<HashMap<ObjectKey, Entry>>,
}

impl Gate {
    /// Whether `key`, now showing `fingerprint`, should be reconciled.
    pub fn check(&self, key: &ObjectKey, fingerprint: u64) -> Verdict {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(entry) = entries.get(key).filter(|e| e.fingerprint == fingerprint) else {
            return Verdict::Run;
        };
        let Some(due) = entry.due else {
            return Verdict::Idle;
        };
        let now = Instant::now();
        // Wake-ups a little early (timer granularity) count as due.
        if due > now + Duration::from_millis(50) {
            Verdict::Wait(due - now)
        } else {
            Verdict::Run
        }
    }

    /// Records that `key` was reconciled with `fingerprint` and is next due after `next`
    /// (`None`: only on a new trigger).
    pub fn done(&self, key: &ObjectKey, fingerprint: u64, next: Option<Duration>) {
        let due = next.map(|n| Instant::now() + n);
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key.clone(), Entry { fingerprint, due });
    }

    /// Forgets `key` (deleted objects).
    pub fn forget(&self, key: &ObjectKey) {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ObjectKey {
        ObjectKey {
            kind: "GitRepository".into(),
            namespace: "ns".into(),
            name: "a".into(),
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_max_and_resets() {
        let b = Backoff::new(Duration::from_millis(100), Duration::from_millis(350));
        let delays: Vec<_> = (0..4).map(|_| b.failed(&key())).collect();
        assert_eq!(delays, [100, 200, 350, 350].map(Duration::from_millis));
        b.succeeded(&key());
        assert_eq!(b.failed(&key()), Duration::from_millis(100));
    }

    #[test]
    fn gate_skips_the_same_trigger_until_due() {
        let gate = Gate::default();
        let meta = ObjectMeta {
            generation: Some(1),
            ..Default::default()
        };
        let fp = fingerprint(&meta, "");
        assert_eq!(gate.check(&key(), fp), Verdict::Run);
        gate.done(&key(), fp, Some(Duration::from_secs(60)));
        assert!(matches!(gate.check(&key(), fp), Verdict::Wait(_)));
        let mut annotated = meta.clone();
        annotated.annotations = Some(
            [(
                crate::runtime::REQUESTED_AT_ANNOTATION.to_string(),
                "now".to_string(),
            )]
            .into(),
        );
        assert_eq!(
            gate.check(&key(), fingerprint(&annotated, "")),
            Verdict::Run
        );
        gate.done(&key(), fp, Some(Duration::ZERO));
        assert_eq!(gate.check(&key(), fp), Verdict::Run);
        gate.done(&key(), fp, None);
        assert_eq!(gate.check(&key(), fp), Verdict::Idle);
    }
}
