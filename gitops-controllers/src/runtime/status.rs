//! kstatus conditions as Flux's runtime sets them (`fluxcd/pkg/runtime/conditions` and
//! `runtime/reconcile`): pure operations on a condition list.
//!
//! - [`Conditions::progressing`]: `Reconciling=True`, and `Ready=Unknown` with the same
//!   reason and message when `Ready` is absent or unknown (or when forced).
//! - [`Conditions::finish`]: the end of a reconciliation: success removes `Reconciling`
//!   and `Stalled`; a failure keeps `Reconciling` with reason `ProgressingWithRetry`; a
//!   stalling failure marks `Stalled` (which removes `Reconciling`).
//! - [`Conditions::summarize`]: `Ready` from the other conditions: the first
//!   negative-polarity condition that is `True` (or positive one that is `False`) gives
//!   `Ready=False` with its reason and message; otherwise the first `Unknown` gives
//!   `Ready=Unknown`; otherwise the first positive `True` gives `Ready=True`. A `False`
//!   bipolar condition (e.g. `SourceVerified`) overrides with `Ready=False`.

use gitops_core::conditions::{
    self, Condition, ConditionStatus, READY, RECONCILING, STALLED, reason,
};

/// A condition type and whether `True` means something is wrong (negative polarity).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Polarity {
    /// The condition type.
    pub type_: &'static str,
    /// `True` is bad (`FetchFailed`, `Stalled`, `Reconciling`, …).
    pub negative: bool,
}

/// Which conditions make up `Ready`, in priority order, and which bipolar conditions
/// turn `Ready` false when they are `False`.
#[derive(Clone, Copy, Debug)]
pub struct ReadyRules {
    /// The summarised conditions, highest priority first.
    pub order: &'static [Polarity],
    /// Conditions whose `False` status overrides `Ready`.
    pub bipolar: &'static [&'static str],
}

/// How a reconciliation ended, as far as the conditions are concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finish {
    /// It succeeded.
    Success,
    /// It failed and will be retried.
    Retry,
    /// It failed and cannot succeed without a change of the object.
    Stalled {
        /// The reason of the `Stalled` condition.
        reason: String,
    },
}

/// An object's conditions, stamped with its generation as Flux's setters do.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conditions {
    /// The conditions.
    pub list: Vec<Condition>,
    /// `metadata.generation`, written into each condition set.
    pub generation: Option<i64>,
}

impl Conditions {
    /// The conditions `list` of an object at `generation`.
    pub fn new(list: Vec<Condition>, generation: Option<i64>) -> Conditions {
        Conditions { list, generation }
    }

    /// The condition of type `type_`.
    pub fn get(&self, type_: &str) -> Option<&Condition> {
        conditions::find(&self.list, type_)
    }

    /// Whether `type_` is `True`.
    pub fn is_true(&self, type_: &str) -> bool {
        conditions::is_true(&self.list, type_)
    }

    /// Sets `type_` to `status` with `reason` and `message`.
    pub fn mark(&mut self, type_: &str, status: ConditionStatus, reason: &str, message: &str) {
        let mut c = Condition::new(type_, status, reason, message);
        c.observed_generation = self.generation;
        conditions::set(&mut self.list, c);
    }

    /// Sets `type_` to `True`.
    pub fn mark_true(&mut self, type_: &str, reason: &str, message: &str) {
        self.mark(type_, ConditionStatus::True, reason, message);
    }

    /// Sets `type_` to `False`.
    pub fn mark_false(&mut self, type_: &str, reason: &str, message: &str) {
        self.mark(type_, ConditionStatus::False, reason, message);
    }

    /// Removes `type_`.
    pub fn delete(&mut self, type_: &str) {
        conditions::remove(&mut self.list, type_);
    }

    /// Flux's `ProgressiveStatus`: `Reconciling=True` (removing `Stalled`), and
    /// `Ready=Unknown` too when `drift` or `Ready` is absent or unknown.
    pub fn progressing(&mut self, drift: bool, reason: &str, message: &str) {
        self.mark_true(RECONCILING, reason, message);
        self.delete(STALLED);
        let ready_unknown = self
            .get(READY)
            .is_none_or(|c| c.status == ConditionStatus::Unknown);
        if drift || ready_unknown {
            self.mark(READY, ConditionStatus::Unknown, reason, message);
        }
    }

    /// Marks `Stalled=True` and removes `Reconciling`.
    pub fn mark_stalled(&mut self, reason: &str, message: &str) {
        self.mark_true(STALLED, reason, message);
        self.delete(RECONCILING);
    }

    /// Adjusts `Reconciling`/`Stalled` to the end of a reconciliation (`message` is the
    /// failure, used for `Stalled`).
    pub fn finish(&mut self, finish: Finish, message: &str) {
        match finish {
            Finish::Success => {
                self.delete(RECONCILING);
                self.delete(STALLED);
            }
            Finish::Retry => {
                self.retry_reconciling();
                self.delete(STALLED);
            }
            Finish::Stalled { reason } => {
                self.retry_reconciling();
                self.mark_stalled(&reason, message);
            }
        }
    }

    fn retry_reconciling(&mut self) {
        if let Some(c) = self
            .list
            .iter_mut()
            .find(|c| c.type_ == RECONCILING && c.status == ConditionStatus::True)
        {
            c.reason = reason::PROGRESSING_WITH_RETRY.to_string();
        }
    }

    /// Computes `Ready` from the other conditions by `rules` (see the module docs).
    pub fn summarize(&mut self, rules: &ReadyRules) {
        let present: Vec<(&Polarity, &Condition)> = rules
            .order
            .iter()
            .filter_map(|p| self.get(p.type_).map(|c| (p, c)))
            .collect();
        let bad = |(p, c): &&(&Polarity, &Condition)| {
            (p.negative && c.status == ConditionStatus::True)
                || (!p.negative && c.status == ConditionStatus::False)
        };
        let good =
            |(p, c): &&(&Polarity, &Condition)| !p.negative && c.status == ConditionStatus::True;
        let chosen = if let Some((_, c)) = present.iter().find(bad) {
            Some((ConditionStatus::False, c.reason.clone(), c.message.clone()))
        } else if let Some((_, c)) = present
            .iter()
            .find(|(_, c)| c.status == ConditionStatus::Unknown)
        {
            Some((
                ConditionStatus::Unknown,
                c.reason.clone(),
                c.message.clone(),
            ))
        } else {
            present
                .iter()
                .find(good)
                .map(|(_, c)| (ConditionStatus::True, c.reason.clone(), c.message.clone()))
        };
        let bipolar = rules
            .bipolar
            .iter()
            .filter_map(|t| self.get(t))
            .find(|c| c.status == ConditionStatus::False)
            .map(|c| (ConditionStatus::False, c.reason.clone(), c.message.clone()));
        if let Some((status, reason, message)) = bipolar.or(chosen) {
            self.mark(READY, status, &reason, &message);
        }
    }

    /// Whether `Ready=True`.
    pub fn is_ready(&self) -> bool {
        self.is_true(READY)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use gitops_core::conditions::{ARTIFACT_IN_STORAGE, FETCH_FAILED, SOURCE_VERIFIED};

    const RULES: ReadyRules = ReadyRules {
        order: &[
            Polarity {
                type_: FETCH_FAILED,
                negative: true,
            },
            Polarity {
                type_: ARTIFACT_IN_STORAGE,
                negative: false,
            },
            Polarity {
                type_: STALLED,
                negative: true,
            },
            Polarity {
                type_: RECONCILING,
                negative: true,
            },
        ],
        bipolar: &[SOURCE_VERIFIED],
    };

    #[test]
    fn a_failure_keeps_the_artifact_condition_but_ready_is_false() {
        let mut c = Conditions::new(Vec::new(), Some(2));
        c.mark_true(
            ARTIFACT_IN_STORAGE,
            "Succeeded",
            "stored artifact for revision 'main@sha1:a'",
        );
        c.progressing(false, reason::PROGRESSING, "reconciliation in progress");
        assert_eq!(c.get(READY).unwrap().status, ConditionStatus::Unknown);
        c.mark_true(FETCH_FAILED, "GitOperationFailed", "failed to checkout");
        c.finish(Finish::Retry, "");
        c.summarize(&RULES);
        let ready = c.get(READY).unwrap();
        assert_eq!(
            (ready.status, ready.reason.as_str()),
            (ConditionStatus::False, "GitOperationFailed")
        );
        assert_eq!(
            c.get(RECONCILING).unwrap().reason,
            reason::PROGRESSING_WITH_RETRY
        );
        assert_eq!(ready.observed_generation, Some(2));
    }

    #[test]
    fn success_gives_ready_true_with_the_artifact_message() {
        let mut c = Conditions::default();
        c.progressing(false, reason::PROGRESSING, "reconciliation in progress");
        c.mark_true(
            ARTIFACT_IN_STORAGE,
            "Succeeded",
            "stored artifact for revision 'x'",
        );
        c.finish(Finish::Success, "");
        c.summarize(&RULES);
        let ready = c.get(READY).unwrap();
        assert_eq!(
            (ready.status, ready.message.as_str()),
            (ConditionStatus::True, "stored artifact for revision 'x'")
        );
        assert!(c.get(RECONCILING).is_none());
        c.mark_false(SOURCE_VERIFIED, "InvalidCommitSignature", "bad");
        c.summarize(&RULES);
        assert_eq!(c.get(READY).unwrap().reason, "InvalidCommitSignature");
    }

    #[test]
    fn stalling_removes_reconciling() {
        let mut c = Conditions::default();
        c.progressing(false, reason::PROGRESSING, "p");
        c.mark_true(FETCH_FAILED, "URLInvalid", "bad url");
        c.finish(
            Finish::Stalled {
                reason: "URLInvalid".into(),
            },
            "bad url",
        );
        c.summarize(&RULES);
        assert!(c.is_true(STALLED));
        assert!(c.get(RECONCILING).is_none());
        assert_eq!(c.get(READY).unwrap().status, ConditionStatus::False);
    }
}
