//! Change detection of the pod template and the id that forces a primary rollout.

use serde_json::Value;

pub(crate) use gitops_core::hash::fnv32a;
pub use gitops_core::hash::safe_encode_string;
use gitops_core::hash::{canonical_json, fnv64a};

/// The hash of a pod template (`spec.template` of the target) that Flagger records in
/// `status.lastAppliedSpec` / `lastPromotedSpec` to detect a new revision.
///
/// Flagger hashes a `go-spew` dump of the Go struct with FNV-32a and encodes the decimal
/// hash with `rand.SafeEncodeString`. A spew dump of Go types cannot be reproduced from
/// JSON, so we hash the canonical JSON (sorted keys, no whitespace) of the template with
/// FNV-32a and encode the decimal value the same way: the hashes have Flagger's shape
/// (e.g. `5d7b6c9f4b`) but **differ from Flagger's values**. A Canary migrated from
/// Flagger therefore sees its target as changed once and re-runs one analysis.
pub fn spec_hash(template: &Value) -> String {
    let h = fnv32a(canonical_json(template).as_bytes());
    safe_encode_string(&h.to_string())
}

/// A UUID-shaped (version 4 layout) id for the `flagger-id` pod annotation, derived from
/// `seed`.
///
/// Flagger sets a random UUID on every primary pod template it writes, which forces a
/// rolling update of the primary even when only the content of a `-primary` ConfigMap or
/// Secret changed. Pure code cannot draw random numbers, so the id is derived from what
/// it stands for: callers pass the pod-template hash together with the tracked config
/// checksums, so the id changes whenever the primary must roll.
pub fn flagger_id(seed: &str) -> String {
    let a = fnv64a(seed.as_bytes()).to_be_bytes();
    let b = fnv64a(format!("{seed}\u{0}flagger-id").as_bytes()).to_be_bytes();
    let mut u = [0u8; 16];
    u[..8].copy_from_slice(&a);
    u[8..].copy_from_slice(&b);
    u[8] = (u[8] & !0xc0) | 0x80;
    u[6] = (u[6] & !0xf0) | 0x40;
    let hex: String = u.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fnv_known_answers() {
        // Published FNV-1a test vectors.
        assert_eq!(fnv32a(b""), 0x811c9dc5);
        assert_eq!(fnv32a(b"a"), 0xe40c292c);
        assert_eq!(fnv64a(b"a"), 0xaf63dc4c8601ec8c);
    }

    #[test]
    fn safe_encode_matches_kubernetes_alphabet() {
        // '0' is 48: 48 % 27 = 21 -> '4'; '1' -> '5'; '9' is 57 % 27 = 3 -> 'f'.
        assert_eq!(safe_encode_string("019"), "45f");
    }

    #[test]
    fn key_order_does_not_change_the_hash() {
        let a = json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {}});
        let b = json!({"spec": {}, "metadata": {"labels": {"b": "2", "a": "1"}}});
        assert_eq!(spec_hash(&a), spec_hash(&b));
        assert_ne!(spec_hash(&a), spec_hash(&json!({"spec": {"x": 1}})));
        let id = flagger_id("x");
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}
