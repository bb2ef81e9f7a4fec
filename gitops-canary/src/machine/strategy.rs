//! The deployment strategy and the weight arithmetic of an analysis, as Flagger computes
//! them (`pkg/controller/scheduler.go`: `maxWeight`, `nextStepWeight`; `DeploymentStrategy`).

use gitops_core::api::flagger::{Canary, CanaryAnalysis, MeshProvider};

/// Total traffic, in percent.
pub const TOTAL_WEIGHT: u32 = 100;

/// How a new revision is exposed to traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Progressive traffic shifting by `stepWeight` or `stepWeights` up to `maxWeight`.
    Canary,
    /// Requests matching `analysis.match` go to the canary for `iterations` runs.
    AbTesting,
    /// All traffic (or a mirror of it) goes to the canary after `iterations` runs.
    BlueGreen,
}

/// The analysis settings a tick works with, defaults applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The strategy.
    pub strategy: Strategy,
    /// `analysis.iterations` (A/B and blue/green).
    pub iterations: u32,
    /// `analysis.threshold`, at least 1.
    pub threshold: u32,
    /// The weight at which the canary is promoted.
    pub max_weight: u32,
    /// `analysis.stepWeight`.
    pub step_weight: u32,
    /// `analysis.stepWeights`.
    pub step_weights: Vec<u32>,
    /// `analysis.stepWeightPromotion` as written: 0 (unset) routes everything back to the
    /// primary at once.
    pub step_weight_promotion: u32,
    /// `analysis.mirror`.
    pub mirror: bool,
    /// Whether analysis is skipped (`skipAnalysis`, or no `analysis` at all).
    pub skip_analysis: bool,
    /// Whether the provider is `kubernetes` (no traffic shifting, blue/green only).
    pub kubernetes: bool,
    /// Whether the target has an autoscaler (`autoscalerRef`).
    pub autoscaler: bool,
}

impl Settings {
    /// The settings of `canary` under `provider`.
    pub fn new(canary: &Canary, provider: MeshProvider) -> Settings {
        let analysis = canary.spec.analysis.as_ref();
        let weight = |w: Option<i64>| w.map_or(0, clamp_weight);
        let iterations = analysis.map_or(0, |a| non_negative(a.iterations.unwrap_or(0)));
        let has_match = analysis.is_some_and(|a| a.r#match.as_ref().is_some_and(|m| !m.is_empty()));
        Settings {
            strategy: strategy_of(has_match, iterations),
            iterations,
            threshold: analysis.map_or(1, |a| non_negative(a.threshold()).max(1)),
            max_weight: analysis.map_or(TOTAL_WEIGHT, max_weight),
            step_weight: analysis.map_or(0, |a| weight(a.step_weight)),
            step_weights: analysis
                .and_then(|a| a.step_weights.as_ref())
                .map(|w| w.iter().copied().map(clamp_weight).collect())
                .unwrap_or_default(),
            step_weight_promotion: analysis.map_or(0, |a| weight(a.step_weight_promotion)),
            mirror: analysis.is_some_and(|a| a.mirror == Some(true)),
            skip_analysis: analysis.is_none() || canary.spec.skip_analysis == Some(true),
            kubernetes: provider == MeshProvider::Kubernetes,
            autoscaler: canary.spec.autoscaler_ref.is_some(),
        }
    }

    /// Flagger's adjustments for the `kubernetes` provider, which cannot match requests or
    /// shift traffic: `match` is ignored and at least 10 iterations run. Returns the
    /// warnings Flagger records for them.
    pub fn adjust_for_kubernetes(&mut self, has_match: bool) -> Vec<&'static str> {
        let mut warnings = Vec::new();
        if !self.kubernetes {
            return warnings;
        }
        if has_match {
            warnings.push("A/B testing is not supported when using the kubernetes provider");
        }
        if self.iterations < 1 {
            warnings
                .push("Progressive traffic is not supported when using the kubernetes provider");
            warnings.push("Setting canaryAnalysis.iterations: 10");
            self.iterations = 10;
        }
        self.strategy = strategy_of(false, self.iterations);
        warnings
    }

    /// The step from `canary_weight` to the next weight (0: no progressive step).
    pub fn next_step_weight(&self, canary_weight: u32) -> u32 {
        if self.step_weight > 0 || self.step_weights.is_empty() {
            return self.step_weight;
        }
        let max_step = TOTAL_WEIGHT.saturating_sub(canary_weight);
        // At 100% any non-zero step moves the canary to promotion.
        if max_step == 0 {
            return 1;
        }
        if canary_weight == 0 {
            return max_step.min(self.step_weights[0]);
        }
        for pair in self.step_weights.windows(2) {
            if pair[0] == canary_weight {
                return max_step.min(pair[1].saturating_sub(canary_weight));
            }
        }
        max_step
    }
}

fn strategy_of(has_match: bool, iterations: u32) -> Strategy {
    match (has_match, iterations > 0) {
        (true, true) => Strategy::AbTesting,
        (false, true) => Strategy::BlueGreen,
        _ => Strategy::Canary,
    }
}

/// The weight at which the canary is promoted: the last of `stepWeights` (at most 100),
/// else `maxWeight`, else 100.
pub fn max_weight(analysis: &CanaryAnalysis) -> u32 {
    if let Some(last) = analysis.step_weights.as_ref().and_then(|w| w.last()) {
        return TOTAL_WEIGHT.min(clamp_weight(*last));
    }
    match analysis.max_weight {
        Some(w) if w > 0 => clamp_weight(w),
        _ => TOTAL_WEIGHT,
    }
}

fn clamp_weight(w: i64) -> u32 {
    u32::try_from(w.clamp(0, i64::from(TOTAL_WEIGHT))).unwrap_or(0)
}

fn non_negative(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}
