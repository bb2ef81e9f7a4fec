//! Flagger's analysis as a pure state machine: [`step`].
//!
//! # How a controller drives it
//!
//! Every `analysis.interval` the controller observes the Canary and its workloads
//! ([`Observation`]) and calls [`step`] with the state it kept ([`CanaryState`], stored as
//! the Canary's status). The step returns the next state and the [`Command`]s to execute,
//! in order. When the machine needs something only I/O can tell (a webhook's verdict, a
//! metric's value), the last command is a question ([`Command::is_question`]) and
//! [`CanaryState::question`] is set: the controller executes it and calls `step` again at
//! once, with the answer in [`Observation::answer`]. One interval is one *tick*: a few such
//! steps until no question is left. Within a tick only the answer is read from the new
//! observations; the rest is the snapshot the tick began with.
//!
//! Independently of the machine, the controller keeps the generated objects (primary
//! workload, services, routing) reconciled on every tick, as Flagger does.
//!
//! # The flow (Flagger's `advanceCanary`, `pkg/controller/scheduler.go`)
//!
//! 1. Deleted with `revertOnDeletion`: `Terminating`, revert the target and the routing
//!    once the target is ready again, `Terminated`, remove the finalizer. Suspended: nothing.
//! 2. `Initializing`: create the primary and the routing; once the primary is ready, scale
//!    the target to zero and record `Initialized` with the target's hash as applied and
//!    promoted.
//! 3. Outside a run (`Initialized`, `Succeeded`, `Failed`, `Waiting`), a changed pod-template
//!    hash or tracked ConfigMap/Secret starts a run: the `confirm-rollout` webhooks must pass
//!    (else `Waiting`), then the target is scaled up and the phase is `Progressing` with
//!    weight, failed checks and iterations at 0. A hash equal to the promoted one (a manual
//!    rollback) starts nothing.
//! 4. During a run, the primary must be ready (a primary that will not become ready rolls
//!    back, or during promotion sends all traffic to the canary and fails); a new revision
//!    in `Progressing`/`WaitingPromotion` routes everything to the primary and restarts the
//!    run; the canary must be ready (past its progress deadline it rolls back); a `rollback`
//!    webhook answering 2xx rolls back.
//! 5. `Promoting` shifts traffic back to the primary (by `stepWeightPromotion`, or at once)
//!    and then `Finalising` scales the canary to zero: `Succeeded`, `post-rollout` webhooks.
//! 6. Otherwise the checks run: `pre-rollout` webhooks before any traffic reaches the canary,
//!    afterwards `rollout` webhooks and the metrics (built-in and inline first, templates
//!    after). A failure adds a failed check; at `threshold` failed checks the run rolls back:
//!    100% to the primary, canary scaled to zero, `Failed`, `post-rollout` webhooks.
//! 7. Passed checks advance the strategy: **canary** raises the weight by `stepWeight` (or
//!    to the next of `stepWeights`) after the `confirm-traffic-increase` webhooks, with one
//!    mirrored step first when `mirror` is set, until `maxWeight`; **A/B testing** sends the
//!    matched requests to the canary for `iterations` runs; **blue/green** runs `iterations`
//!    times (mirroring if asked), then switches all traffic to the canary. At the end the
//!    `confirm-promotion` webhooks must pass (else `WaitingPromotion`, where the checks keep
//!    running), and the canary is promoted: `Promoting`.
//!
//! # Guarantees
//!
//! - `step` is pure: same state and observation, same result. It allocates but does no I/O.
//! - Routed weights stay within 0..=100, primary plus canary is 100, and the canary weight
//!   never exceeds `maxWeight` during the analysis (only promotion of A/B and blue/green runs
//!   routes 100% to the canary, as Flagger does).
//! - Every rollback routes 100% to the primary before anything else.
//! - A tick that leaves a run (a non-final phase) without progress records why in
//!   [`CanaryState::reason`].
//!
//! # Where we differ from Flagger
//!
//! - A `Promoting` canary that already has no traffic finalises at once (Flagger would wait
//!   forever for a weight to shift).
//! - A canary strategy without any step weight halts with a reason instead of silently.
//! - The canary weight stops at `maxWeight` when `stepWeight` does not divide it (Flagger
//!   goes past it: 30 + 30 = 60 with `maxWeight: 50`), and at the last of `stepWeights`
//!   when they are not increasing.
//! - `status.iterations` in `WaitingPromotion` is `iterations - 1` but never negative.
//! - `Terminated` is recorded once the revert is done (Flagger removes the finalizer
//!   without writing it).

mod checks;
mod command;
pub(crate) mod hooks;
mod observation;
mod state;
mod strategy;
mod tick;

pub use checks::{judge as judge_metric, plan as metric_plan};
pub use command::{Alert, Command, Event, MetricKind, MetricQuery, WebhookCall};
pub use observation::{Answer, MetricResult, Observation, Readiness, TargetRevision};
pub use state::{CanaryState, PROMOTED_CONDITION, PromotedCondition};
pub use strategy::{Settings, Strategy, TOTAL_WEIGHT, max_weight};

use state::PendingTick;
use tick::Tick;

/// Decides the next step of a Canary: see the [module documentation](self).
///
/// When `state` waits on a question and `observation.answer` is `None`, the question is
/// returned again and nothing else happens.
pub fn step(state: &CanaryState, observation: &Observation) -> (CanaryState, Vec<Command>) {
    let (start, snapshot, mut answers, emitted) = match &state.tick {
        Some(pending) => {
            let Some(answer) = observation.answer.clone() else {
                return (state.clone(), vec![pending.question.clone()]);
            };
            let mut answers = pending.answers.clone();
            answers.push(answer);
            (
                &pending.start,
                &pending.observation,
                answers,
                pending.emitted,
            )
        }
        None => (state, observation, Vec::new(), 0),
    };

    let mut tick = Tick::new(start, snapshot, &answers);
    let finished = tick.run().is_some();
    let mut commands = tick.out.split_off(emitted.min(tick.out.len()));
    if finished {
        let next = tick.st;
        if next.to_status() != start.to_status() {
            commands.push(Command::SetStatus);
        }
        return (next, commands);
    }

    // Suspended on a question: keep the tick to replay it with the answer.
    let Some(question) = tick.question.take() else {
        return (tick.st, commands);
    };
    let emitted = emitted + commands.len();
    commands.push(question.clone());
    let observation = snapshot.clone();
    let mut waiting = start.clone();
    waiting.tick = Some(Box::new(PendingTick {
        start: start.clone(),
        observation,
        answers: std::mem::take(&mut answers),
        emitted,
        question,
    }));
    (waiting, commands)
}
