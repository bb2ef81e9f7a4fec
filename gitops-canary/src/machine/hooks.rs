//! Webhook types as Flagger names them.

use gitops_core::api::flagger::HookType;

/// The `type` of a webhook as written in the Canary (`rollout` for an unset type).
pub fn type_name(t: HookType) -> &'static str {
    match t {
        HookType::ConfirmRollout => "confirm-rollout",
        HookType::PreRollout => "pre-rollout",
        HookType::Unset | HookType::Rollout => "rollout",
        HookType::ConfirmPromotion => "confirm-promotion",
        HookType::PostRollout => "post-rollout",
        HookType::Event => "event",
        HookType::Rollback => "rollback",
        HookType::ConfirmTrafficIncrease => "confirm-traffic-increase",
    }
}
