//! Masterminds/semver v3 constraint tables (`constraints_test.go`), restated: parsing shape
//! and `Check` with and without `IncludePrerelease`.

use gitops_semver::{Constraints, Version};

fn check_table(table: &[(&str, &str, bool)], include_prerelease: bool) {
    let mut failures = Vec::new();
    for &(constraint, version, expected) in table {
        let c = Constraints::parse(constraint)
            .unwrap_or_else(|e| panic!("constraint {constraint:?} must parse: {e}"))
            .include_prerelease(include_prerelease);
        let v = Version::parse(version).unwrap_or_else(|e| panic!("version {version:?}: {e}"));
        if c.matches(&v) != expected {
            failures.push(format!(
                "{constraint:?} vs {version:?}: expected {expected}"
            ));
        }
        // validate agrees with matches, and gives reasons when it fails.
        match c.validate(&v) {
            Ok(()) => assert!(expected, "{constraint:?} validate accepted {version:?}"),
            Err(reasons) => {
                assert!(
                    !expected,
                    "{constraint:?} validate refused {version:?}: {reasons:?}"
                );
                assert!(
                    !reasons.is_empty(),
                    "{constraint:?} {version:?}: no reasons"
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `TestConstraintCheck`: one comparison at a time (prereleases considered only when the
/// comparison names one).
#[test]
fn single_comparison_check() {
    check_table(SINGLE, false);
}

/// Masterminds' `parseConstraint("")` means `*`, but `NewConstraint("")` refuses it.
#[test]
fn empty_constraint_is_refused() {
    assert!(Constraints::parse("").is_err());
    // What the single-comparison table says of "", written as "*".
    check_table(
        &[
            ("*", "1", true),
            ("*", "4.5.6", true),
            ("*", "1.2.3-alpha.1", false),
        ],
        false,
    );
}

const SINGLE: &[(&str, &str, bool)] = &[
    ("=2.0.0", "1.2.3", false),
    ("=2.0.0", "2.0.0", true),
    ("=2.0", "1.2.3", false),
    ("=2.0", "2.0.0", true),
    ("=2.0", "2.0.1", true),
    ("4.1", "4.1.0", true),
    ("!=4.1.0", "4.1.0", false),
    ("!=4.1.0", "4.1.1", true),
    ("!=4.1", "4.1.0", false),
    ("!=4.1", "4.1.1", false),
    ("!=4.1", "5.1.0-alpha.1", false),
    ("!=4.1.0", "5.1.0-alpha.1", false),
    ("!=4.1-alpha", "4.1.0", true),
    ("!=4.1", "5.1.0", true),
    ("<11", "0.1.0", true),
    ("<11", "11.1.0", false),
    ("<1.1", "0.1.0", true),
    ("<1.1", "1.1.0", false),
    ("<1.1", "1.1.1", false),
    ("<=11", "1.2.3", true),
    ("<=11", "12.2.3", false),
    ("<=11", "11.2.3", true),
    ("<=1.1", "1.2.3", false),
    ("<=1.1", "0.1.0", true),
    ("<=1.1", "1.1.0", true),
    ("<=1.1", "1.1.1", true),
    (">1.1", "4.1.0", true),
    (">1.1", "1.1.0", false),
    (">0", "0", false),
    (">0", "1", true),
    (">0", "0.0.1-alpha", false),
    (">0.0", "0.0.1-alpha", false),
    (">0-0", "0.0.1-alpha", false),
    (">0.0-0", "0.0.1-alpha", false),
    (">0", "0.0.0-alpha", false),
    (">0-0", "0.0.0-alpha", false),
    (">0.0.0-0", "0.0.0-alpha", true),
    (">1.2.3-alpha.1", "1.2.3-alpha.2", true),
    (">1.2.3-alpha.1", "1.3.3-alpha.2", true),
    (">11", "11.1.0", false),
    (">11.1", "11.1.0", false),
    (">11.1", "11.1.1", false),
    (">11.1", "11.2.1", true),
    (">=11", "11.1.2", true),
    (">=11.1", "11.1.2", true),
    (">=11.1", "11.0.2", false),
    (">=1.1", "4.1.0", true),
    (">=1.1", "1.1.0", true),
    (">=1.1", "0.0.9", false),
    (">=0", "0.0.1-alpha", false),
    (">=0.0", "0.0.1-alpha", false),
    (">=0-0", "0.0.1-alpha", true),
    (">=0.0-0", "0.0.1-alpha", true),
    (">=0", "0.0.0-alpha", false),
    (">=0-0", "0.0.0-alpha", true),
    (">=0.0.0-0", "0.0.0-alpha", true),
    (">=0.0.0-0", "1.2.3", true),
    (">=0.0.0-0", "3.4.5-beta.1", true),
    ("<0", "0.0.0-alpha", false),
    ("<0-z", "0.0.0-alpha", true),
    (">=0", "0", true),
    ("=0", "1", false),
    ("*", "1", true),
    ("*", "4.5.6", true),
    ("*", "1.2.3-alpha.1", false),
    ("*-0", "1.2.3-alpha.1", true),
    ("2.*", "1", false),
    ("2.*", "3.4.5", false),
    ("2.*", "2.1.1", true),
    ("2.1.*", "2.1.1", true),
    ("2.1.*", "2.2.1", false),
    ("2", "1", false),
    ("2", "3.4.5", false),
    ("2", "2.1.1", true),
    ("2.1", "2.1.1", true),
    ("2.1", "2.2.1", false),
    ("~1.2.3", "1.2.4", true),
    ("~1.2.3", "1.3.4", false),
    ("~1.2", "1.2.4", true),
    ("~1.2", "1.3.4", false),
    ("~1", "1.2.4", true),
    ("~1", "2.3.4", false),
    ("~0.2.3", "0.2.5", true),
    ("~0.2.3", "0.3.5", false),
    ("~1.2.3-beta.2", "1.2.3-beta.4", true),
    // This next test is a case that is different from npm/js semver handling.
    // Their prereleases are only range scoped to patch releases. This is
    // technically not following semver as docs note. In our case we are
    // following semver.
    ("~1.2.3-beta.2", "1.2.4-beta.2", true),
    ("~1.2.3-beta.2", "1.3.4-beta.2", false),
    ("^1.2.3", "1.8.9", true),
    ("^1.2.3", "2.8.9", false),
    ("^1.2.3", "1.2.1", false),
    ("^1.1.0", "2.1.0", false),
    ("^1.2.0", "2.2.1", false),
    ("^1.2.0", "1.2.1-alpha.1", false),
    ("^1.2.0-alpha.0", "1.2.1-alpha.1", true),
    ("^1.2.0-alpha.0", "1.2.1-alpha.0", true),
    ("^1.2.0-alpha.2", "1.2.0-alpha.1", false),
    ("^1.2", "1.8.9", true),
    ("^1.2", "2.8.9", false),
    ("^1", "1.8.9", true),
    ("^1", "2.8.9", false),
];

/// `TestNewConstraint`: number of `||` alternatives, comparisons in the first, or an error.
#[test]
fn new_constraint_shape() {
    for &(input, ors, count, err) in NEW {
        match Constraints::parse(input) {
            Ok(c) => {
                assert!(!err, "{input:?} must not parse");
                let shape = c.shape();
                assert_eq!(shape.len(), ors, "{input:?} alternatives: {shape:?}");
                assert_eq!(shape[0], count, "{input:?} comparisons: {shape:?}");
            }
            Err(e) => assert!(err, "{input:?} must parse: {e}"),
        }
    }
}

const NEW: &[(&str, usize, usize, bool)] = &[
    (">= 1.1", 1, 1, false),
    (">40.50.60, < 50.70", 1, 2, false),
    ("2.0", 1, 1, false),
    ("v2.3.5-20161202202307-sha.e8fc5e5", 1, 1, false),
    ("v1.2.3-0abc", 1, 1, false),
    ("v1.2.3-beta.01", 1, 1, true),
    (">= bar", 0, 0, true),
    ("BAR >= 1.2.3", 0, 0, true),
    // Test with space separated AND
    (">= 1.2.3 < 2.0", 1, 2, false),
    (">= 1.2.3 < 2.0 || => 3.0 < 4", 2, 2, false),
    // Test with commas separating AND
    (">= 1.2.3, < 2.0", 1, 2, false),
    (">= 1.2.3, < 2.0 || => 3.0, < 4", 2, 2, false),
    // The 3 - 4 should be broken into 2 by the range rewriting
    ("3 - 4 || => 3.0, < 4", 2, 2, false),
    // Due to having 4 parts these should produce an error. See
    // https://github.com/Masterminds/semver/issues/185 for the reason for
    // these tests.
    ("12.3.4.1234", 0, 0, true),
    ("12.23.4.1234", 0, 0, true),
    ("12.3.34.1234", 0, 0, true),
    ("12.3.34 ~1.2.3", 1, 2, false),
    ("12.3.34~ 1.2.3", 0, 0, true),
    ("1.0.0 - 2.0.0, <=2.0.0", 1, 3, false),
];

/// `TestConstraintsCheck`.
#[test]
fn constraints_check() {
    check_table(CHECK, false);
}

const CHECK: &[(&str, &str, bool)] = &[
    ("*", "1.2.3", true),
    ("~0.0.0", "1.2.3", true),
    ("0.x.x", "1.2.3", false),
    ("0.0.x", "1.2.3", false),
    ("0.0.0", "1.2.3", false),
    ("*", "1.2.3", true),
    ("^0.0.0", "1.2.3", false),
    ("= 2.0", "1.2.3", false),
    ("= 2.0", "2.0.0", true),
    ("4.1", "4.1.0", true),
    ("4.1.x", "4.1.3", true),
    ("1.x", "1.4", true),
    ("!=4.1", "4.1.0", false),
    ("!=4.1-alpha", "4.1.0-alpha", false),
    ("!=4.1-alpha", "4.1.1-alpha", false),
    ("!=4.1-alpha", "4.1.0", true),
    ("!=4.1", "5.1.0", true),
    ("!=4.x", "5.1.0", true),
    ("!=4.x", "4.1.0", false),
    ("!=4.1.x", "4.2.0", true),
    ("!=4.2.x", "4.2.3", false),
    (">1.1", "4.1.0", true),
    (">1.1", "1.1.0", false),
    ("<1.1", "0.1.0", true),
    ("<1.1", "1.1.0", false),
    ("<1.1", "1.1.1", false),
    ("<1.x", "1.1.1", false),
    ("<1.x", "0.1.1", true),
    ("<1.x", "2.0.0", false),
    ("<1.1.x", "1.2.1", false),
    ("<1.1.x", "1.1.500", false),
    ("<1.1.x", "1.0.500", true),
    ("<1.2.x", "1.1.1", true),
    (">=1.1", "4.1.0", true),
    (">=1.1", "4.1.0-beta", false),
    (">=1.1", "1.1.0", true),
    (">=1.1", "0.0.9", false),
    ("<=1.1", "0.1.0", true),
    ("<=1.1", "0.1.0-alpha", false),
    ("<=1.1-a", "0.1.0-alpha", true),
    ("<=1.1", "1.1.0", true),
    ("<=1.x", "1.1.0", true),
    ("<=2.x", "3.0.0", false),
    ("<=1.1", "1.1.1", true),
    ("<=1.1.x", "1.2.500", false),
    ("<=4.5", "3.4.0", true),
    ("<=4.5", "3.7.0", true),
    ("<=4.5", "4.6.3", false),
    (">1.1, <2", "1.1.1", false),
    (">1.1, <2", "1.2.1", true),
    (">1.1, <3", "4.3.2", false),
    (">=1.1, <2, !=1.2.3", "1.2.3", false),
    (">1.1 <2", "1.1.1", false),
    (">1.1 <2", "1.2.1", true),
    (">1.1    <3", "4.3.2", false),
    (">=1.1    <2    !=1.2.3", "1.2.3", false),
    (">=1.1, <2, !=1.2.3 || > 3", "4.1.2", true),
    (">=1.1, <2, !=1.2.3 || > 3", "3.1.2", false),
    (">=1.1, <2, !=1.2.3 || >= 3", "3.0.0", true),
    (">=1.1, <2, !=1.2.3 || > 3", "3.0.0", false),
    (">=1.1, <2, !=1.2.3 || > 3", "1.2.3", false),
    (">=1.1 <2 !=1.2.3", "1.2.3", false),
    (">=1.1 <2 !=1.2.3 || > 3", "4.1.2", true),
    (">=1.1 <2 !=1.2.3 || > 3", "3.1.2", false),
    (">=1.1 <2 !=1.2.3 || >= 3", "3.0.0", true),
    (">=1.1 <2 !=1.2.3 || > 3", "3.0.0", false),
    (">=1.1 <2 !=1.2.3 || > 3", "1.2.3", false),
    ("> 1.1, <     2", "1.1.1", false),
    (">   1.1, <2", "1.2.1", true),
    (">1.1, <  3", "4.3.2", false),
    (">= 1.1, <     2, !=1.2.3", "1.2.3", false),
    ("> 1.1 < 2", "1.1.1", false),
    (">1.1 < 2", "1.2.1", true),
    ("> 1.1    <3", "4.3.2", false),
    (">=1.1    < 2    != 1.2.3", "1.2.3", false),
    (">= 1.1, <2, !=1.2.3 || > 3", "4.1.2", true),
    (">= 1.1, <2, != 1.2.3 || > 3", "3.1.2", false),
    (">= 1.1, <2, != 1.2.3 || >= 3", "3.0.0", true),
    (">= 1.1, <2, !=1.2.3 || > 3", "3.0.0", false),
    (">= 1.1, <2, !=1.2.3 || > 3", "1.2.3", false),
    (">= 1.1 <2 != 1.2.3", "1.2.3", false),
    (">= 1.1 <2 != 1.2.3 || > 3", "4.1.2", true),
    (">= 1.1 <2 != 1.2.3 || > 3", "3.1.2", false),
    (">= 1.1 <2 != 1.2.3 || >= 3", "3.0.0", true),
    (">= 1.1 < 2 !=1.2.3 || > 3", "3.0.0", false),
    (">=1.1 < 2 !=1.2.3 || > 3", "1.2.3", false),
    (">= 1.0.0  <= 2.0.0-beta", "1.0.1-beta", true),
    (">= 1.0.0  <= 2.0.0-beta", "1.0.1", true),
    (">= 1.0.0  <= 2.0.0-beta", "3.0.0", false),
    (">= 1.0.0  <= 2.0.0-beta || > 3", "1.0.1-beta", true),
    (">= 1.0.0  <= 2.0.0-beta || > 3", "3.0.1-beta", false),
    (
        ">= 1.0.0  <= 2.0.0-beta != 1.0.1 || > 3",
        "1.0.1-beta",
        true,
    ),
    (
        ">= 1.0.0  <= 2.0.0-beta != 1.0.1-beta || > 3",
        "1.0.1-beta",
        false,
    ),
    (">= 1.0.0-0  <= 2.0.0", "1.0.1-beta", true),
    ("1.1 - 2", "1.1.1", true),
    ("1.5.0 - 4.5", "3.7.0", true),
    ("1.1-3", "4.3.2", false),
    ("^1.1", "1.1.1", true),
    ("^1.1", "4.3.2", false),
    ("^1.x", "1.1.1", true),
    ("^2.x", "1.1.1", false),
    ("^1.x", "2.1.1", false),
    ("^1.x", "1.1.1-beta1", false),
    ("^1.1.2-alpha", "1.2.1-beta1", true),
    ("^1.2.x-alpha", "1.1.1-beta1", false),
    ("^0.0.1", "0.0.1", true),
    ("^0.0.1", "0.3.1", false),
    ("~*", "2.1.1", true),
    ("~1", "2.1.1", false),
    ("~1", "1.3.5", true),
    ("~1", "1.4", true),
    ("~1.x", "2.1.1", false),
    ("~1.x", "1.3.5", true),
    ("~1.x", "1.4", true),
    ("~1.1", "1.1.1", true),
    ("~1.1", "1.1.1-alpha", false),
    ("~1.1-alpha", "1.1.1-beta", true),
    ("~1.1.1-beta", "1.1.1-alpha", false),
    ("~1.1.1-beta", "1.1.1", true),
    ("~1.2.3", "1.2.5", true),
    ("~1.2.3", "1.2.2", false),
    ("~1.2.3", "1.3.2", false),
    ("~1.1", "1.2.3", false),
    ("~1.3", "2.4.5", false),
    // Ranges should work in conjunction with other constraints anded together.
    ("1.0.0 - 2.0.0 <=2.0.0", "1.5.0", true),
    ("1.0.0 - 2.0.0, <=2.0.0", "1.5.0", true),
];

/// `TestConstraintsCheckIncludePrerelease`.
#[test]
fn constraints_check_include_prerelease() {
    check_table(CHECK_PRE, true);
}

const CHECK_PRE: &[(&str, &str, bool)] = &[
    // Test for including prereleases that normally would fail
    (">=1.1", "4.1.0-beta", true),
    (">1.1", "4.1.0-beta", true),
    ("<=1.1", "0.1.0-alpha", true),
    ("<1.1", "0.1.0-alpha", true),
    ("^1.x", "1.1.1-beta1", true),
    ("~1.1", "1.1.1-alpha", true),
    ("*", "1.2.3-alpha", true),
    ("= 2.0", "2.0.1-beta", true),
    // This next group of tests handles normal cases
    ("*", "1.2.3", true),
    ("~0.0.0", "1.2.3", true),
    ("0.x.x", "1.2.3", false),
    ("0.0.x", "1.2.3", false),
    ("0.0.0", "1.2.3", false),
    ("*", "1.2.3", true),
    ("^0.0.0", "1.2.3", false),
    ("= 2.0", "1.2.3", false),
    ("= 2.0", "2.0.0", true),
    ("4.1", "4.1.0", true),
    ("4.1.x", "4.1.3", true),
    ("1.x", "1.4", true),
    ("!=4.1", "4.1.0", false),
    ("!=4.1-alpha", "4.1.0-alpha", false),
    ("!=4.1-alpha", "4.1.1-alpha", false),
    ("!=4.1-alpha", "4.1.0", true),
    ("!=4.1", "5.1.0", true),
    ("!=4.x", "5.1.0", true),
    ("!=4.x", "4.1.0", false),
    ("!=4.1.x", "4.2.0", true),
    ("!=4.2.x", "4.2.3", false),
    (">1.1", "4.1.0", true),
    (">1.1", "1.1.0", false),
    ("<1.1", "0.1.0", true),
    ("<1.1", "1.1.0", false),
    ("<1.1", "1.1.1", false),
    ("<1.x", "1.1.1", false),
    ("<1.x", "0.1.1", true),
    ("<1.x", "2.0.0", false),
    ("<1.1.x", "1.2.1", false),
    ("<1.1.x", "1.1.500", false),
    ("<1.1.x", "1.0.500", true),
    ("<1.2.x", "1.1.1", true),
    (">=1.1", "4.1.0", true),
    (">=1.1", "1.1.0", true),
    (">=1.1", "0.0.9", false),
    ("<=1.1", "0.1.0", true),
    ("<=1.1-a", "0.1.0-alpha", true),
    ("<=1.1", "1.1.0", true),
    ("<=1.x", "1.1.0", true),
    ("<=2.x", "3.0.0", false),
    ("<=1.1", "1.1.1", true),
    ("<=1.1.x", "1.2.500", false),
    ("<=4.5", "3.4.0", true),
    ("<=4.5", "3.7.0", true),
    ("<=4.5", "4.6.3", false),
    (">1.1, <2", "1.1.1", false),
    (">1.1, <2", "1.2.1", true),
    (">1.1, <3", "4.3.2", false),
    (">=1.1, <2, !=1.2.3", "1.2.3", false),
    (">1.1 <2", "1.1.1", false),
    (">1.1 <2", "1.2.1", true),
    (">1.1    <3", "4.3.2", false),
    (">=1.1    <2    !=1.2.3", "1.2.3", false),
    (">=1.1, <2, !=1.2.3 || > 3", "4.1.2", true),
    (">=1.1, <2, !=1.2.3 || > 3", "3.1.2", false),
    (">=1.1, <2, !=1.2.3 || >= 3", "3.0.0", true),
    (">=1.1, <2, !=1.2.3 || > 3", "3.0.0", false),
    (">=1.1, <2, !=1.2.3 || > 3", "1.2.3", false),
    (">=1.1 <2 !=1.2.3", "1.2.3", false),
    (">=1.1 <2 !=1.2.3 || > 3", "4.1.2", true),
    (">=1.1 <2 !=1.2.3 || > 3", "3.1.2", false),
    (">=1.1 <2 !=1.2.3 || >= 3", "3.0.0", true),
    (">=1.1 <2 !=1.2.3 || > 3", "3.0.0", false),
    (">=1.1 <2 !=1.2.3 || > 3", "1.2.3", false),
    ("> 1.1, <     2", "1.1.1", false),
    (">   1.1, <2", "1.2.1", true),
    (">1.1, <  3", "4.3.2", false),
    (">= 1.1, <     2, !=1.2.3", "1.2.3", false),
    ("> 1.1 < 2", "1.1.1", false),
    (">1.1 < 2", "1.2.1", true),
    ("> 1.1    <3", "4.3.2", false),
    (">=1.1    < 2    != 1.2.3", "1.2.3", false),
    (">= 1.1, <2, !=1.2.3 || > 3", "4.1.2", true),
    (">= 1.1, <2, != 1.2.3 || > 3", "3.1.2", false),
    (">= 1.1, <2, != 1.2.3 || >= 3", "3.0.0", true),
    (">= 1.1, <2, !=1.2.3 || > 3", "3.0.0", false),
    (">= 1.1, <2, !=1.2.3 || > 3", "1.2.3", false),
    (">= 1.1 <2 != 1.2.3", "1.2.3", false),
    (">= 1.1 <2 != 1.2.3 || > 3", "4.1.2", true),
    (">= 1.1 <2 != 1.2.3 || > 3", "3.1.2", false),
    (">= 1.1 <2 != 1.2.3 || >= 3", "3.0.0", true),
    (">= 1.1 < 2 !=1.2.3 || > 3", "3.0.0", false),
    (">=1.1 < 2 !=1.2.3 || > 3", "1.2.3", false),
    (">= 1.0.0  <= 2.0.0-beta", "1.0.1-beta", true),
    (">= 1.0.0  <= 2.0.0-beta", "1.0.1", true),
    (">= 1.0.0  <= 2.0.0-beta", "3.0.0", false),
    (">= 1.0.0  <= 2.0.0-beta || > 3", "1.0.1-beta", true),
    (">= 1.0.0  <= 2.0.0-beta || > 3", "3.0.1-beta", false),
    (
        ">= 1.0.0  <= 2.0.0-beta != 1.0.1 || > 3",
        "1.0.1-beta",
        true,
    ),
    (
        ">= 1.0.0  <= 2.0.0-beta != 1.0.1-beta || > 3",
        "1.0.1-beta",
        false,
    ),
    (">= 1.0.0-0  <= 2.0.0", "1.0.1-beta", true),
    ("1.1 - 2", "1.1.1", true),
    ("1.5.0 - 4.5", "3.7.0", true),
    ("1.1-3", "4.3.2", false),
    ("^1.1", "1.1.1", true),
    ("^1.1", "4.3.2", false),
    ("^1.x", "1.1.1", true),
    ("^2.x", "1.1.1", false),
    ("^1.x", "2.1.1", false),
    ("^1.1.2-alpha", "1.2.1-beta1", true),
    ("^1.2.x-alpha", "1.1.1-beta1", false),
    ("^0.0.1", "0.0.1", true),
    ("^0.0.1", "0.3.1", false),
    ("~*", "2.1.1", true),
    ("~1", "2.1.1", false),
    ("~1", "1.3.5", true),
    ("~1", "1.4", true),
    ("~1.x", "2.1.1", false),
    ("~1.x", "1.3.5", true),
    ("~1.x", "1.4", true),
    ("~1.1", "1.1.1", true),
    ("~1.1-alpha", "1.1.1-beta", true),
    ("~1.1.1-beta", "1.1.1-alpha", false),
    ("~1.1.1-beta", "1.1.1", true),
    ("~1.2.3", "1.2.5", true),
    ("~1.2.3", "1.2.2", false),
    ("~1.2.3", "1.3.2", false),
    ("~1.1", "1.2.3", false),
    ("~1.3", "2.4.5", false),
    ("1.0.0 - 2.0.0 <=2.0.0", "1.5.0", true),
    ("1.0.0 - 2.0.0, <=2.0.0", "1.5.0", true),
];
