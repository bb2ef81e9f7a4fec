//! Traffic weights: what the state machine asks a router to set and what it reads back.

use serde::{Deserialize, Serialize};

/// The split of traffic between the primary and the canary, in percent, and whether the
/// canary also receives a mirrored copy of the primary's traffic.
///
/// `primary + canary` is always 100 for the weights the machine computes. `mirror` is
/// only ever set while the canary weight is 0 (Flagger mirrors instead of shifting); the
/// mirrored share is `spec.analysis.mirrorWeight` (100% when unset), a router concern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Routes {
    /// Percent of live traffic sent to `<svc>-primary`.
    pub primary: u32,
    /// Percent of live traffic sent to `<svc>-canary`.
    pub canary: u32,
    /// Whether traffic to the primary is mirrored to the canary.
    pub mirror: bool,
}

impl Default for Routes {
    fn default() -> Self {
        Routes::PRIMARY
    }
}

impl Routes {
    /// All traffic on the primary, nothing mirrored: the state outside an analysis.
    pub const PRIMARY: Routes = Routes {
        primary: 100,
        canary: 0,
        mirror: false,
    };

    /// `canary` percent on the canary and the rest on the primary (`canary` is clamped
    /// to 100).
    pub fn canary(canary: u32) -> Routes {
        let canary = canary.min(100);
        Routes {
            primary: 100 - canary,
            canary,
            mirror: false,
        }
    }
}
