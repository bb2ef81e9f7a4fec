//! One tick of the analysis: Flagger's `advanceCanary` as a replayable program.
//!
//! The program runs from the tick's starting state with the answers received so far.
//! When it needs an answer it has not got, it stops: the commands emitted up to there and
//! the question are returned, and the next step replays it with one more answer. The
//! replay is deterministic because the observation is the tick's snapshot.

use gitops_core::api::flagger::analysis::AlertSeverity;
use gitops_core::api::flagger::{Canary, CanaryPhase, CanaryWebhook, HookType};

use super::checks;
use super::command::{Alert, Command, Event, MetricKind, MetricQuery, WebhookCall};
use super::observation::{Answer, MetricResult, Observation, Readiness};
use super::state::{CanaryState, PromotedCondition};
use super::strategy::{Settings, Strategy, TOTAL_WEIGHT};
use crate::routes::Routes;

/// `None`: the tick stopped at a question.
type Flow = Option<()>;

/// A tick in progress.
pub(crate) struct Tick<'a> {
    canary: &'a Canary,
    obs: &'a Observation,
    settings: Settings,
    answers: &'a [Answer],
    used: usize,
    /// Commands emitted so far (including those of earlier replays).
    pub out: Vec<Command>,
    /// The question the tick stopped at.
    pub question: Option<Command>,
    /// The working state.
    pub st: CanaryState,
    /// `name.namespace` of the Canary.
    id: String,
    /// The Canary's name.
    name: &'a str,
    /// The Canary's namespace.
    namespace: &'a str,
    /// `targetName.namespace`.
    target: String,
}

impl<'a> Tick<'a> {
    pub fn new(start: &CanaryState, obs: &'a Observation, answers: &'a [Answer]) -> Tick<'a> {
        let canary: &Canary = &obs.canary;
        let namespace = canary.metadata.namespace.as_deref().unwrap_or("default");
        let name = canary.metadata.name.as_deref().unwrap_or_default();
        let mut st = start.clone();
        st.tick = None;
        st.reason = None;
        Tick {
            canary,
            obs,
            settings: Settings::new(canary, obs.provider),
            answers,
            used: 0,
            out: Vec::new(),
            question: None,
            st,
            id: format!("{name}.{namespace}"),
            name,
            namespace,
            target: format!("{}.{namespace}", canary.spec.target_ref.name),
        }
    }

    /// Flagger's `advanceCanary`, from the top.
    pub fn run(&mut self) -> Flow {
        let spec = &self.canary.spec;
        if self.obs.deleting {
            if spec.revert_on_deletion == Some(true) {
                return self.finalize();
            }
            self.halt("the Canary is being deleted; its objects are garbage collected".into());
            return Some(());
        }
        if spec.suspend == Some(true) {
            let msg = "skipping canary run as object is suspended".to_string();
            self.event(false, msg.clone());
            self.halt(msg);
            return Some(());
        }

        if matches!(
            self.st.phase,
            CanaryPhase::Unset | CanaryPhase::Initializing
        ) && !self.initialize()
        {
            return Some(());
        }

        if !self.should_advance() {
            return Some(());
        }

        if !self.settings.skip_analysis {
            match self.obs.primary.clone() {
                Readiness::Ready => {}
                Readiness::NotReady(msg) => {
                    self.halt_warning(msg);
                    return Some(());
                }
                Readiness::Failed(msg) => {
                    self.warn(msg.clone());
                    if matches!(
                        self.st.phase,
                        CanaryPhase::Promoting | CanaryPhase::Finalising
                    ) {
                        self.failed_promotion(&msg);
                    } else {
                        self.rollback();
                    }
                    return Some(());
                }
            }
        }

        let routes = self.obs.routes.unwrap_or(self.st.routes);

        // A new revision (or a gate still closed) before the analysis runs.
        if !matches!(
            self.st.phase,
            CanaryPhase::Progressing
                | CanaryPhase::WaitingPromotion
                | CanaryPhase::Promoting
                | CanaryPhase::Finalising
        ) {
            return self.start_analysis();
        }

        if matches!(
            self.st.phase,
            CanaryPhase::Progressing | CanaryPhase::WaitingPromotion
        ) && (self.target_changed() || self.configs_changed())
        {
            self.info(format!(
                "New revision detected! Restarting analysis for {}",
                self.target
            ));
            self.set_routes(Routes::PRIMARY);
            self.sync_status(CanaryPhase::Progressing, 0, 0, 0);
            return Some(());
        }

        match self.obs.canary_ready.clone() {
            Readiness::Ready => {}
            Readiness::NotReady(msg) => {
                self.halt_warning(msg);
                return Some(());
            }
            Readiness::Failed(msg) => {
                self.warn(format!(
                    "Rolling back {} progress deadline exceeded {msg}",
                    self.id
                ));
                self.alert(
                    format!("Progress deadline exceeded {msg}"),
                    false,
                    AlertSeverity::Error,
                );
                self.rollback();
                return Some(());
            }
        }

        if self.settings.skip_analysis {
            self.skip_analysis();
            return Some(());
        }

        if matches!(
            self.st.phase,
            CanaryPhase::Progressing | CanaryPhase::Waiting | CanaryPhase::WaitingPromotion
        ) && self.rollback_requested()?
        {
            self.warn(format!("Rolling back {} manual webhook invoked", self.id));
            self.alert(
                "Rolling back manual webhook invoked".into(),
                false,
                AlertSeverity::Warn,
            );
            self.rollback();
            return Some(());
        }

        match self.st.phase {
            CanaryPhase::Promoting => {
                if self.settings.autoscaler {
                    self.out.push(Command::ReconcilePrimaryScaler);
                }
                self.promotion_traffic_shift(routes);
                return Some(());
            }
            CanaryPhase::Finalising => {
                if self.settings.autoscaler {
                    self.out.push(Command::PauseTargetScaler);
                }
                self.out.push(Command::ScaleToZero);
                self.set_phase(CanaryPhase::Succeeded);
                self.post_rollout(CanaryPhase::Succeeded);
                self.info(format!("Promotion completed! Scaling down {}", self.target));
                self.alert(
                    "Canary analysis completed successfully, promotion finished.".into(),
                    false,
                    AlertSeverity::Info,
                );
                return Some(());
            }
            _ => {}
        }

        if matches!(
            self.st.phase,
            CanaryPhase::Progressing | CanaryPhase::WaitingPromotion
        ) && self.st.failed_checks >= self.settings.threshold
        {
            self.rollback();
            return Some(());
        }

        let mirrored = routes.mirror;
        let passed =
            if routes.canary == 0 && self.st.iterations == 0 && !(self.settings.mirror && mirrored)
            {
                self.info(format!("Starting canary analysis for {}", self.target));
                self.pre_rollout()?
            } else {
                self.analysis()?
            };
        if !passed {
            self.st.failed_checks += 1;
            self.touch();
            return Some(());
        }

        let has_match = self
            .canary
            .spec
            .analysis
            .as_ref()
            .is_some_and(|a| a.r#match.as_ref().is_some_and(|m| !m.is_empty()));
        for warning in self.settings.adjust_for_kubernetes(has_match) {
            self.warn(warning.to_string());
        }

        match self.settings.strategy {
            Strategy::AbTesting => self.run_ab(),
            Strategy::BlueGreen => self.run_blue_green(mirrored),
            Strategy::Canary => {
                if self.settings.next_step_weight(routes.canary) == 0 {
                    self.halt(
                        "no step weight: set analysis.stepWeight or analysis.stepWeights".into(),
                    );
                    return Some(());
                }
                if !mirrored
                    && !matches!(
                        self.st.phase,
                        CanaryPhase::Promoting
                            | CanaryPhase::WaitingPromotion
                            | CanaryPhase::Finalising
                    )
                    && !self.confirm_traffic_increase()?
                {
                    return Some(());
                }
                self.run_canary(routes)
            }
        }
    }

    /// Creates the primary and the routing; `false` while the primary is not ready.
    fn initialize(&mut self) -> bool {
        if self.st.phase == CanaryPhase::Unset {
            self.st.phase = CanaryPhase::Initializing;
            self.touch();
            self.update_condition(CanaryPhase::Initializing);
        }
        self.out.push(Command::Initialize);
        if !self.settings.skip_analysis
            && let Readiness::NotReady(msg) | Readiness::Failed(msg) = self.obs.primary.clone()
        {
            self.halt_warning(msg);
            return false;
        }
        self.out.push(Command::ScaleToZero);
        self.st.routes = Routes::PRIMARY;
        self.sync_status(CanaryPhase::Initialized, 0, 0, 0);
        self.info(format!("Initialization done! {}", self.id));
        let kind = target_kind(self.canary);
        self.alert(
            format!("New {kind} detected, initialization completed."),
            true,
            AlertSeverity::Info,
        );
        true
    }

    /// Flagger's `shouldAdvance`: a run is in progress, or the target or its configs
    /// changed.
    fn should_advance(&mut self) -> bool {
        if self.st.phase.is_running() {
            return true;
        }
        let changed = self.target_changed() || self.configs_changed();
        if self.st.phase == CanaryPhase::Failed {
            // Flagger records the failed revision as applied, so it is not retried.
            self.st.last_applied_spec = Some(self.obs.target.spec_hash.clone());
            self.st.tracked_configs = self.tracked_configs();
        }
        changed
    }

    /// A change outside a run: the confirm-rollout gate, then Progressing.
    fn start_analysis(&mut self) -> Flow {
        let phase = self.st.phase;
        for (index, webhook) in self.hooks(HookType::ConfirmRollout) {
            let hook = &webhook.name;
            if self.webhook(index, webhook, phase)?.is_err() {
                let msg = format!("Halt {} advancement waiting for approval {hook}", self.id);
                if phase != CanaryPhase::Waiting {
                    self.set_phase(CanaryPhase::Waiting);
                    self.warn(msg.clone());
                    if webhook.mute_alert != Some(true) {
                        self.alert(
                            "Canary is waiting for approval.".into(),
                            false,
                            AlertSeverity::Warn,
                        );
                    }
                }
                self.halt(msg);
                return Some(());
            }
            self.info(format!("Confirm-rollout check {hook} passed"));
        }
        self.info(format!("New revision detected! Scaling up {}", self.target));
        self.alert(
            "New revision detected, progressing canary analysis.".into(),
            true,
            AlertSeverity::Info,
        );
        if self.settings.autoscaler {
            self.out.push(Command::ResumeTargetScaler);
        }
        self.out.push(Command::ScaleFromZero);
        self.sync_status(CanaryPhase::Progressing, 0, 0, 0);
        Some(())
    }

    /// Whether a `rollback` webhook asks for a rollback (the first one that answers 2xx).
    fn rollback_requested(&mut self) -> Option<bool> {
        let phase = self.st.phase;
        for (index, webhook) in self.hooks(HookType::Rollback) {
            let hook = &webhook.name;
            if self.webhook(index, webhook, phase)?.is_ok() {
                self.warn(format!("Rollback check {hook} passed"));
                return Some(true);
            }
            self.info(format!("Rollback hook {hook} not signaling a rollback"));
        }
        Some(false)
    }

    fn pre_rollout(&mut self) -> Option<bool> {
        for (index, webhook) in self.hooks(HookType::PreRollout) {
            let hook = &webhook.name;
            if let Err(e) = self.webhook(index, webhook, CanaryPhase::Progressing)? {
                let msg = format!(
                    "Halt {} advancement pre-rollout check {hook} failed {e}",
                    self.id
                );
                self.halt_warning(msg);
                return Some(false);
            }
            self.info(format!("Pre-rollout check {hook} passed"));
        }
        Some(true)
    }

    /// Flagger's `runAnalysis`: rollout webhooks, then the metrics.
    fn analysis(&mut self) -> Option<bool> {
        for (index, webhook) in self.hooks(HookType::Rollout) {
            let hook = &webhook.name;
            if let Err(e) = self.webhook(index, webhook, CanaryPhase::Progressing)? {
                let msg = format!(
                    "Halt {} advancement external check {hook} failed {e}",
                    self.id
                );
                self.halt_warning(msg);
                return Some(false);
            }
        }
        let Some(analysis) = self.canary.spec.analysis.as_ref() else {
            return Some(true);
        };
        let metrics = analysis.metrics.as_deref().unwrap_or_default();
        for (index, kind) in checks::plan(metrics) {
            let metric = &metrics[index];
            let Some(kind) = kind else {
                let msg =
                    "Metric query failed for no usable metrics template and query were configured"
                        .to_string();
                self.halt_warning(msg);
                return Some(false);
            };
            let result = self.metric(index, &metric.name, kind)?;
            // Flagger records query errors as Warning events too.
            let failure = match result {
                MetricResult::Value(v) => {
                    checks::judge(kind, metric, v, self.name, self.namespace).err()
                }
                MetricResult::NoValues => Some(self.no_values_message(kind, &metric.name)),
                MetricResult::Error(e) => Some(match kind {
                    MetricKind::RequestSuccessRate | MetricKind::RequestDuration => {
                        format!("Prometheus query failed: {e}")
                    }
                    MetricKind::Inline => {
                        format!("Prometheus query failed for {}: {e}", metric.name)
                    }
                    MetricKind::Template => format!("Metric query failed for {}: {e}", metric.name),
                }),
            };
            if let Some(msg) = failure {
                self.halt_warning(msg);
                return Some(false);
            }
        }
        Some(true)
    }

    fn no_values_message(&self, kind: MetricKind, name: &str) -> String {
        match kind {
            MetricKind::RequestSuccessRate | MetricKind::RequestDuration => format!(
                "Halt advancement no values found for {} metric {name} probably {} is not receiving traffic",
                provider_name(self.obs),
                self.target
            ),
            MetricKind::Inline => format!("Halt advancement no values found for metric: {name}"),
            MetricKind::Template => {
                format!("Halt advancement no values found for custom metric: {name}")
            }
        }
    }

    fn confirm_traffic_increase(&mut self) -> Option<bool> {
        for (index, webhook) in self.hooks(HookType::ConfirmTrafficIncrease) {
            let hook = &webhook.name;
            if self
                .webhook(index, webhook, CanaryPhase::Progressing)?
                .is_err()
            {
                let msg = format!(
                    "Halt {} advancement waiting for traffic increase approval {hook}",
                    self.id
                );
                self.warn(msg.clone());
                if webhook.mute_alert != Some(true) {
                    self.alert(
                        "Canary traffic increase is waiting for approval.".into(),
                        false,
                        AlertSeverity::Warn,
                    );
                }
                self.halt(msg);
                return Some(false);
            }
            self.info(format!("Confirm-traffic-increase check {hook} passed"));
        }
        Some(true)
    }

    fn confirm_promotion(&mut self) -> Option<bool> {
        for (index, webhook) in self.hooks(HookType::ConfirmPromotion) {
            let hook = &webhook.name;
            if self
                .webhook(index, webhook, CanaryPhase::Progressing)?
                .is_err()
            {
                let msg = format!(
                    "Halt {} advancement waiting for promotion approval {hook}",
                    self.id
                );
                if self.st.phase != CanaryPhase::WaitingPromotion {
                    self.set_phase(CanaryPhase::WaitingPromotion);
                    self.warn(msg.clone());
                    if webhook.mute_alert != Some(true) {
                        self.alert(
                            "Canary promotion is waiting for approval.".into(),
                            false,
                            AlertSeverity::Warn,
                        );
                    }
                } else {
                    self.st.iterations = self.settings.iterations.saturating_sub(1);
                    self.touch();
                }
                self.halt(msg);
                return Some(false);
            }
            self.info(format!("Confirm-promotion check {hook} passed"));
        }
        Some(true)
    }

    fn run_canary(&mut self, routes: Routes) -> Flow {
        let max_weight = self.settings.max_weight;
        if routes.canary < max_weight {
            let step = self.settings.next_step_weight(routes.canary);
            let next = if self.settings.mirror && routes.canary == 0 {
                if routes.mirror {
                    Routes::canary(step.min(max_weight))
                } else {
                    Routes {
                        mirror: true,
                        ..Routes::PRIMARY
                    }
                }
            } else {
                // Capped at maxWeight (Flagger overshoots when stepWeight does not divide it).
                Routes::canary(routes.canary.saturating_add(step).min(max_weight))
            };
            self.set_routes(next);
            self.st.canary_weight = next.canary;
            self.touch();
            self.info(format!("Advance {} canary weight {}", self.id, next.canary));
            return Some(());
        }
        if !self.confirm_promotion()? {
            return Some(());
        }
        self.promote();
        Some(())
    }

    fn run_ab(&mut self) -> Flow {
        let iterations = self.settings.iterations;
        if iterations > self.st.iterations {
            self.set_routes(Routes::canary(TOTAL_WEIGHT));
            self.st.iterations += 1;
            self.touch();
            self.info(format!(
                "Advance {} canary iteration {}/{iterations}",
                self.id, self.st.iterations
            ));
            return Some(());
        }
        if !self.confirm_promotion()? {
            return Some(());
        }
        if iterations == self.st.iterations {
            self.promote();
        }
        Some(())
    }

    fn run_blue_green(&mut self, mirrored: bool) -> Flow {
        let iterations = self.settings.iterations;
        let kubernetes = self.settings.kubernetes;
        if iterations > self.st.iterations {
            if !kubernetes && self.settings.mirror && !mirrored {
                self.set_routes(Routes {
                    mirror: true,
                    ..Routes::PRIMARY
                });
            }
            self.st.iterations += 1;
            self.touch();
            self.info(format!(
                "Advance {} canary iteration {}/{iterations}",
                self.id, self.st.iterations
            ));
            return Some(());
        }
        if !self.confirm_promotion()? {
            return Some(());
        }
        if iterations == self.st.iterations {
            if !kubernetes {
                if self.settings.mirror {
                    self.info("Stop traffic mirroring and route all traffic to canary".into());
                } else {
                    self.info("Routing all traffic to canary".into());
                }
                self.set_routes(Routes::canary(TOTAL_WEIGHT));
            }
            self.st.iterations += 1;
            self.touch();
            return Some(());
        }
        if iterations < self.st.iterations {
            self.promote();
        }
        Some(())
    }

    /// Copies the canary to the primary and enters Promoting.
    fn promote(&mut self) {
        let target = &self.canary.spec.target_ref.name;
        let ns = self
            .canary
            .metadata
            .namespace
            .as_deref()
            .unwrap_or("default");
        self.info(format!(
            "Copying {} template spec to {target}-primary.{ns}",
            self.target
        ));
        self.out.push(Command::Promote);
        self.set_phase(CanaryPhase::Promoting);
    }

    /// Flagger's `runPromotionTrafficShift`.
    fn promotion_traffic_shift(&mut self, routes: Routes) {
        if self.settings.kubernetes {
            self.set_phase(CanaryPhase::Finalising);
            return;
        }
        let step = self.settings.step_weight_promotion;
        if step == 0 || routes.canary == 0 {
            // Nothing left to shift progressively (Flagger would wait here forever when
            // the canary already has no traffic).
            self.info("Routing all traffic to primary".into());
            self.set_routes(Routes::PRIMARY);
            self.set_phase(CanaryPhase::Finalising);
            return;
        }
        let next = Routes::canary(routes.canary.saturating_sub(step));
        self.set_routes(next);
        self.info(format!(
            "Advance {} primary weight {}",
            self.id, next.primary
        ));
        if next.primary == TOTAL_WEIGHT {
            self.set_phase(CanaryPhase::Finalising);
        } else {
            self.st.canary_weight = next.canary;
            self.touch();
        }
    }

    fn skip_analysis(&mut self) {
        self.set_routes(Routes::PRIMARY);
        let target = &self.canary.spec.target_ref.name;
        let ns = self
            .canary
            .metadata
            .namespace
            .as_deref()
            .unwrap_or("default");
        self.info(format!(
            "Copying {} template spec to {target}-primary.{ns}",
            self.target
        ));
        self.out.push(Command::Promote);
        if self.settings.autoscaler {
            self.out.push(Command::ReconcilePrimaryScaler);
            self.out.push(Command::PauseTargetScaler);
        }
        self.out.push(Command::ScaleToZero);
        self.set_phase(CanaryPhase::Succeeded);
        self.post_rollout(CanaryPhase::Succeeded);
        self.info(format!(
            "Promotion completed! Canary analysis was skipped for {}",
            self.target
        ));
        self.alert(
            "Canary analysis was skipped, promotion finished.".into(),
            false,
            AlertSeverity::Info,
        );
    }

    /// Routes everything to the primary, scales the canary down and fails the run.
    fn rollback(&mut self) {
        if self.st.failed_checks >= self.settings.threshold {
            let n = self.st.failed_checks;
            self.warn(format!(
                "Rolling back {} failed checks threshold reached {n}",
                self.id
            ));
            self.alert(
                format!("Failed checks threshold reached {n}"),
                false,
                AlertSeverity::Error,
            );
        }
        self.set_routes(Routes::PRIMARY);
        self.warn(format!("Canary failed! Scaling down {}", self.id));
        if self.settings.autoscaler {
            self.out.push(Command::PauseTargetScaler);
        }
        self.out.push(Command::ScaleToZero);
        let reason = self.st.reason.clone();
        self.sync_status(CanaryPhase::Failed, 0, 0, 0);
        self.st.reason = reason;
        self.post_rollout(CanaryPhase::Failed);
    }

    /// The primary failed during promotion: the canary is the only healthy copy, so all
    /// traffic goes to it and the run fails.
    fn failed_promotion(&mut self, msg: &str) {
        let target = &self.target;
        self.warn(format!(
            "Promotion of {target} failed, primary not ready: {msg}"
        ));
        self.alert(
            format!("Promotion failed, primary not ready: {msg}"),
            false,
            AlertSeverity::Error,
        );
        self.set_routes(Routes::canary(TOTAL_WEIGHT));
        self.sync_status(CanaryPhase::Failed, TOTAL_WEIGHT, 0, 0);
        self.post_rollout(CanaryPhase::Failed);
    }

    /// Deletion with `revertOnDeletion`.
    fn finalize(&mut self) -> Flow {
        if self.st.phase == CanaryPhase::Terminated {
            self.out.push(Command::RemoveFinalizer);
            return Some(());
        }
        if self.st.phase != CanaryPhase::Terminating {
            self.set_phase(CanaryPhase::Terminating);
            self.info(format!("Terminating canary {}", self.id));
        }
        if self.settings.autoscaler {
            self.out.push(Command::ResumeTargetScaler);
        }
        self.out.push(Command::RevertTarget);
        if let Readiness::NotReady(msg) | Readiness::Failed(msg) = self.obs.canary_ready.clone() {
            self.halt(format!("canary not ready during finalizing: {msg}"));
            return Some(());
        }
        self.out.push(Command::RevertRouting);
        self.st.routes = Routes::PRIMARY;
        self.set_phase(CanaryPhase::Terminated);
        self.out.push(Command::RemoveFinalizer);
        self.info(format!("Terminated canary {}", self.id));
        Some(())
    }

    fn post_rollout(&mut self, phase: CanaryPhase) {
        for (index, webhook) in self.hooks(HookType::PostRollout) {
            let hook = &webhook.name;
            self.out.push(Command::CallWebhook(WebhookCall {
                name: hook.clone(),
                index,
                hook_type: HookType::PostRollout,
                phase,
                wait: false,
                event: None,
            }));
        }
    }

    // --- questions -------------------------------------------------------------------

    /// The outcome of `webhook` (at `index`), or `None` after asking for it.
    fn webhook(
        &mut self,
        index: usize,
        webhook: &CanaryWebhook,
        phase: CanaryPhase,
    ) -> Option<Result<(), String>> {
        if let Some(answer) = self.answers.get(self.used) {
            self.used += 1;
            return Some(match answer {
                Answer::Webhook(r) => r.clone(),
                Answer::Metric(_) => Err("a metric answer was given to a webhook call".into()),
            });
        }
        self.question = Some(Command::CallWebhook(WebhookCall {
            name: webhook.name.clone(),
            index,
            hook_type: webhook.hook_type(),
            phase,
            wait: true,
            event: None,
        }));
        None
    }

    /// The outcome of metric `index`, or `None` after asking for it.
    fn metric(&mut self, index: usize, name: &str, kind: MetricKind) -> Option<MetricResult> {
        if let Some(answer) = self.answers.get(self.used) {
            self.used += 1;
            return Some(match answer {
                Answer::Metric(r) => r.clone(),
                Answer::Webhook(_) => {
                    MetricResult::Error("a webhook answer was given to a metric query".into())
                }
            });
        }
        self.question = Some(Command::QueryMetric(MetricQuery {
            name: name.to_string(),
            index,
            kind,
        }));
        None
    }

    // --- effects ---------------------------------------------------------------------

    fn info(&mut self, message: String) {
        self.event(false, message);
    }

    fn warn(&mut self, message: String) {
        self.event(true, message);
    }

    /// Records an event and sends it to the `event` webhooks.
    fn event(&mut self, warning: bool, message: String) {
        let event = Event { warning, message };
        for (index, webhook) in self.hooks(HookType::Event) {
            self.out.push(Command::CallWebhook(WebhookCall {
                name: webhook.name.clone(),
                index,
                hook_type: HookType::Event,
                phase: self.st.phase,
                wait: false,
                event: Some(event.clone()),
            }));
        }
        self.out.push(Command::Event(event));
    }

    fn alert(&mut self, message: String, metadata: bool, severity: AlertSeverity) {
        self.out.push(Command::Alert(Alert {
            message,
            severity,
            metadata,
        }));
    }

    fn halt(&mut self, reason: String) {
        self.st.reason = Some(reason);
    }

    /// Records a warning event and makes it the reason the tick did not advance.
    fn halt_warning(&mut self, reason: String) {
        self.warn(reason.clone());
        self.halt(reason);
    }

    /// Routes traffic; with session affinity, the cookies follow as Flagger's routers keep
    /// them (a new pair when traffic first reaches the canary, the canary's retired when
    /// its weight returns to 0).
    fn set_routes(&mut self, routes: Routes) {
        let affinity = self
            .canary
            .spec
            .analysis
            .as_ref()
            .and_then(|a| a.session_affinity.as_ref());
        if let Some(affinity) = affinity {
            let seed = format!("{}/{}", self.id, self.obs.target.spec_hash);
            self.st.cookies = self.st.cookies.next(
                affinity,
                routes.canary,
                &session_token(&format!("{seed}/canary")),
                &session_token(&format!("{seed}/primary")),
            );
        }
        self.st.routes = routes;
        self.out.push(Command::SetRoutes(routes));
    }

    fn touch(&mut self) {
        self.st.last_transition_time = Some(self.obs.now);
    }

    /// Flagger's `SetStatusPhase`.
    fn set_phase(&mut self, phase: CanaryPhase) {
        self.st.phase = phase;
        self.touch();
        if !matches!(
            phase,
            CanaryPhase::Progressing | CanaryPhase::Waiting | CanaryPhase::Promoting
        ) {
            self.st.canary_weight = 0;
            self.st.iterations = 0;
            if phase == CanaryPhase::WaitingPromotion {
                self.st.iterations = self.settings.iterations.saturating_sub(1);
            }
        }
        if matches!(phase, CanaryPhase::Initialized | CanaryPhase::Succeeded) {
            self.st.last_promoted_spec = self.st.last_applied_spec.clone();
        }
        self.update_condition(phase);
    }

    /// Flagger's `SyncStatus`: the run's counters and the applied revision.
    fn sync_status(
        &mut self,
        phase: CanaryPhase,
        weight: u32,
        failed_checks: u32,
        iterations: u32,
    ) {
        let hash = self.obs.target.spec_hash.clone();
        self.st.phase = phase;
        self.st.canary_weight = weight;
        self.st.failed_checks = failed_checks;
        self.st.iterations = iterations;
        if phase == CanaryPhase::Initialized {
            self.st.last_promoted_spec = Some(hash.clone());
        }
        self.st.last_applied_spec = Some(hash);
        self.st.tracked_configs = self.tracked_configs();
        self.touch();
        self.update_condition(phase);
    }

    /// Flagger's `MakeStatusConditions`.
    fn update_condition(&mut self, phase: CanaryPhase) {
        let kind = target_kind(self.canary);
        let (status, message) = match phase {
            CanaryPhase::Initialized => ("True", format!("{kind} initialization completed.")),
            CanaryPhase::Waiting | CanaryPhase::WaitingPromotion => {
                ("Unknown", "Waiting for approval.".into())
            }
            CanaryPhase::Progressing => (
                "Unknown",
                "New revision detected, progressing canary analysis.".into(),
            ),
            CanaryPhase::Promoting => (
                "Unknown",
                "Canary analysis completed, starting primary rolling update.".into(),
            ),
            CanaryPhase::Finalising => (
                "Unknown",
                "Canary analysis completed, routing all traffic to primary.".into(),
            ),
            CanaryPhase::Succeeded => (
                "True",
                "Canary analysis completed successfully, promotion finished.".into(),
            ),
            CanaryPhase::Failed => (
                "False",
                format!("Canary analysis failed, {kind} scaled to zero."),
            ),
            _ => (
                "Unknown",
                format!("New {kind} detected, starting initialization."),
            ),
        };
        let now = self.obs.now;
        let since = match &self.st.condition {
            Some(c) if c.status == status && c.reason == phase => return,
            Some(c) if c.status == status => c.last_transition_time,
            _ => now,
        };
        self.st.condition = Some(PromotedCondition {
            status,
            reason: phase,
            message,
            last_transition_time: since,
            last_update_time: now,
        });
    }

    // --- reading the spec and the observation ----------------------------------------

    /// Flagger's `hasSpecChanged` against the status.
    fn target_changed(&self) -> bool {
        let hash = &self.obs.target.spec_hash;
        match self.st.last_applied_spec.as_deref() {
            None | Some("") => true,
            Some(_) if self.st.last_promoted_spec.as_ref() == Some(hash) => false,
            Some(applied) => applied != hash,
        }
    }

    /// Flagger's `HaveDependenciesChanged`.
    fn configs_changed(&self) -> bool {
        let configs = &self.obs.target.configs;
        match &self.st.tracked_configs {
            None => !configs.is_empty(),
            Some(tracked) => tracked != configs,
        }
    }

    fn tracked_configs(&self) -> Option<std::collections::BTreeMap<String, String>> {
        let configs = &self.obs.target.configs;
        (!configs.is_empty()).then(|| configs.clone())
    }

    /// The webhooks of `hook_type`, with their index in `spec.analysis.webhooks`.
    fn hooks(&self, hook_type: HookType) -> Vec<(usize, &'a CanaryWebhook)> {
        let canary: &'a Canary = self.canary;
        let hooks = canary
            .spec
            .analysis
            .as_ref()
            .and_then(|a| a.webhooks.as_ref());
        hooks
            .into_iter()
            .flatten()
            .enumerate()
            .filter(|(_, h)| h.hook_type() == hook_type)
            .collect()
    }
}

/// The provider name in Flagger's "no values" message.
fn provider_name(obs: &Observation) -> String {
    serde_json::to_value(obs.provider)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The target's kind as Flagger prints it in messages.
fn target_kind(canary: &Canary) -> &'static str {
    use gitops_core::api::flagger::canary::TargetKind;
    match canary.spec.target_ref.kind {
        TargetKind::DaemonSet => "DaemonSet",
        TargetKind::Deployment => "Deployment",
        TargetKind::Service => "Service",
    }
}

/// Ten letters standing for Flagger's random cookie value, derived from `seed` (the
/// Canary and the revision under analysis) so that a step stays pure.
fn session_token(seed: &str) -> String {
    (0..10u8)
        .map(|i| {
            let h = crate::workload::hash::fnv32a(format!("{seed}/{i}").as_bytes());
            char::from(b'a' + u8::try_from(h % 26).unwrap_or(0))
        })
        .collect()
}
