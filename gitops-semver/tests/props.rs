//! Properties of the Masterminds-compatible semver port: parsers never panic, precedence is
//! a total order consistent with equality and hashing, and the normalised display parses
//! back to the same version.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use gitops_semver::{Constraints, Version};
use proptest::prelude::*;

/// Version-shaped text: optional `v`, 1–3 numbers (maybe with leading zeros), prerelease,
/// metadata.
fn version_text() -> impl Strategy<Value = String> {
    let num = prop_oneof![
        (0u64..4).prop_map(|n| n.to_string()),
        (0u64..30).prop_map(|n| format!("0{n}")),
        any::<u64>().prop_map(|n| n.to_string()),
    ];
    let ident = prop_oneof![
        Just("0".to_owned()),
        (1u64..200).prop_map(|n| n.to_string()),
        "[a-zA-Z-][0-9a-zA-Z-]{0,5}",
        Just("99999999999999999999".to_owned()),
    ];
    let idents = prop::collection::vec(ident, 1..4).prop_map(|v| v.join("."));
    (
        prop::bool::ANY,
        prop::collection::vec(num, 1..4),
        prop::option::of(idents.clone()),
        prop::option::of(idents),
    )
        .prop_map(|(v, nums, pre, meta)| {
            let mut s = String::new();
            if v {
                s.push('v');
            }
            s.push_str(&nums.join("."));
            if let Some(p) = pre {
                s.push('-');
                s.push_str(&p);
            }
            if let Some(m) = meta {
                s.push('+');
                s.push_str(&m);
            }
            s
        })
}

/// Valid versions only.
fn version() -> impl Strategy<Value = Version> {
    version_text().prop_filter_map("parses", |s| Version::parse(&s).ok())
}

/// Constraint-shaped text over the grammar's alphabet.
fn constraint_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9vxX*.|<>=~^!, -]{0,24}",
        "[a-z0-9 .|<>=~^!,+-]{0,24}",
        (
            prop::sample::select(vec![
                "", "=", "!=", ">", "<", ">=", "=>", "<=", "=<", "~", "~>", "^"
            ]),
            version_text(),
            prop::sample::select(vec![" ", ", ", " || ", " - "]),
            prop::sample::select(vec!["", "=", "!=", ">", "<", ">=", "<=", "~", "^"]),
            "[0-9xX*]{1,2}(\\.[0-9xX*]{1,2}){0,2}(-[a-z0-9]{1,3})?",
        )
            .prop_map(|(o1, v1, sep, o2, v2)| format!("{o1}{v1}{sep}{o2}{v2}")),
    ]
}

fn hash_of(v: &Version) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn parsers_never_panic(s in "\\PC{0,40}", t in version_text()) {
        for input in [&s, &t] {
            let _ = Version::parse(input);
            let _ = Version::parse_strict(input);
            let _ = Version::parse_flux(input);
            let _ = Constraints::parse(input);
        }
    }

    #[test]
    fn strict_versions_parse_leniently_alike(t in version_text()) {
        if let Ok(strict) = Version::parse_strict(&t) {
            let lenient = Version::parse(&t).expect("strict implies lenient");
            prop_assert_eq!(strict.to_string(), lenient.to_string());
        }
    }

    #[test]
    fn constraints_never_panic_and_agree(c in constraint_text(), v in version()) {
        if let Ok(cs) = Constraints::parse(&c) {
            prop_assert_eq!(cs.matches(&v), cs.validate(&v).is_ok());
            let with_pre = cs.clone().include_prerelease(true);
            // Including prereleases never turns a match into a refusal.
            if cs.matches(&v) {
                prop_assert!(with_pre.matches(&v));
            }
            prop_assert_eq!(cs.to_string(), c.clone());
            // The normalised spelling means the same thing.
            let again = Constraints::parse(&cs.normalized());
            prop_assert!(again.is_ok(), "{:?} normalised to {:?}", c, cs.normalized());
            if let Ok(again) = again {
                prop_assert_eq!(again.matches(&v), cs.matches(&v));
            }
        }
    }

    #[test]
    fn precedence_is_a_total_order(a in version(), b in version(), c in version()) {
        prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
        prop_assert_eq!(a == b, a.cmp(&b).is_eq());
        if a == b {
            prop_assert_eq!(hash_of(&a), hash_of(&b));
        }
        if a <= b && b <= c {
            prop_assert!(a <= c, "{} <= {} <= {}", a, b, c);
        }
        if a < b && b < c {
            prop_assert!(a < c);
        }
        prop_assert!(a.cmp(&a).is_eq());
    }

    #[test]
    fn display_round_trips(v in version()) {
        let shown = v.to_string();
        let back = Version::parse(&shown).expect("display parses");
        prop_assert_eq!(&back, &v);
        prop_assert_eq!(back.to_string(), shown.clone());
        prop_assert_eq!(back.metadata(), v.metadata());
        // The normalised form is strict semver.
        let strict = Version::parse_strict(&shown);
        prop_assert!(strict.is_ok(), "{:?}", shown);
    }
}
