//! Properties of the PATCH engine ([`gitops_devcluster::patch`]): random merge patches never
//! panic and obey RFC 7386 against a small recursive model; random JSON Patch documents and
//! random bytes never panic and fail atomically.

use gitops_devcluster::patch::{PatchType, apply, json_patch, merge_patch};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..4).prop_map(|n| json!(n)),
        "[a-c]{0,2}".prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("[a-d]", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// RFC 7386 as a specification of the result, checked key by key.
fn obeys_rfc7386(target: &Value, patch: &Value, result: &Value) -> bool {
    let Value::Object(p) = patch else {
        return result == patch;
    };
    let Value::Object(r) = result else {
        return false;
    };
    let empty = Map::new();
    let t = target.as_object().unwrap_or(&empty);
    // Keys untouched by the patch keep the target's value.
    let kept = t
        .iter()
        .filter(|(k, _)| !p.contains_key(*k))
        .all(|(k, v)| r.get(k) == Some(v));
    // No key appears from nowhere.
    let no_extra = r.keys().all(|k| t.contains_key(k) || p.contains_key(k));
    let patched = p.iter().all(|(k, pv)| match (pv, r.get(k)) {
        (Value::Null, got) => got.is_none(),
        (_, None) => false,
        (pv, Some(got)) => obeys_rfc7386(t.get(k).unwrap_or(&Value::Null), pv, got),
    });
    kept && no_extra && patched
}

fn op() -> impl Strategy<Value = Value> {
    let path = prop_oneof![
        Just(String::new()),
        "(/[a-c0-2-]{0,2}){1,3}",
        "[a-c/~]{0,4}",
    ];
    (
        prop::sample::select(vec![
            "add", "remove", "replace", "move", "copy", "test", "bogus",
        ]),
        path.clone(),
        path,
        value(),
    )
        .prop_map(
            |(op, path, from, value)| json!({"op": op, "path": path, "from": from, "value": value}),
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn merge_patch_obeys_rfc7386(target in value(), patch in value()) {
        let result = merge_patch(&target, &patch);
        prop_assert!(obeys_rfc7386(&target, &patch, &result), "{target} + {patch} = {result}");
        // Applying the same patch twice changes nothing more (RFC 7386 is idempotent).
        prop_assert_eq!(merge_patch(&result, &patch), result.clone());
        // Through the byte-level entry point: objects merge, anything else is a 400.
        let bytes = patch.to_string();
        match apply(PatchType::Merge, &target, bytes.as_bytes()) {
            Ok(v) => prop_assert_eq!(v, result),
            Err(e) => {
                prop_assert!(!patch.is_object());
                prop_assert_eq!(e.to_status().code, 400);
            }
        }
    }

    #[test]
    fn json_patch_never_panics_and_is_atomic(doc in value(), ops in prop::collection::vec(op(), 0..5)) {
        let ops = Value::Array(ops);
        match json_patch(&doc, &ops) {
            Ok(_) => {}
            Err(e) => {
                let code = e.to_status().code;
                prop_assert!(code == 400 || code == 422, "{code}");
            }
        }
        // A failing op after a successful prefix leaves no partial result behind.
        let mut with_fail = ops.as_array().cloned().unwrap_or_default();
        with_fail.push(json!({"op": "test", "path": "", "value": "never-equal-\u{1}"}));
        prop_assert!(json_patch(&doc, &Value::Array(with_fail)).is_err());
    }

    #[test]
    fn random_bytes_never_panic(doc in value(), bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        for ty in [PatchType::Json, PatchType::Merge] {
            if let Err(e) = apply(ty, &doc, &bytes) {
                prop_assert!(e.to_status().code >= 400);
            }
        }
    }
}
