//! Masterminds/semver v3 `Validate` tables and `String()` forms (`constraints_test.go`),
//! restated: outcome, the exact first reason, and the normalised spelling.

use gitops_semver::{Constraints, Version};

fn validate_table(table: &[(&str, &str, bool)], include_prerelease: bool) {
    for &(constraint, version, expected) in table {
        let c = Constraints::parse(constraint)
            .unwrap_or_else(|e| panic!("constraint {constraint:?} must parse: {e}"))
            .include_prerelease(include_prerelease);
        let v = Version::parse(version).unwrap_or_else(|e| panic!("version {version:?}: {e}"));
        match c.validate(&v) {
            Ok(()) => assert!(expected, "{constraint:?} accepted {version:?}"),
            Err(reasons) => {
                assert!(!expected, "{constraint:?} refused {version:?}: {reasons:?}");
                assert!(
                    !reasons.is_empty(),
                    "{constraint:?} {version:?}: no reasons"
                );
            }
        }
        assert_eq!(
            c.matches(&v),
            expected,
            "{constraint:?} matches {version:?}"
        );
    }
}

fn messages_table(table: &[(&str, &str, &str)], include_prerelease: bool) {
    for &(constraint, version, message) in table {
        let c = Constraints::parse(constraint)
            .unwrap_or_else(|e| panic!("constraint {constraint:?} must parse: {e}"))
            .include_prerelease(include_prerelease);
        let v =
            Version::parse_strict(version).unwrap_or_else(|e| panic!("version {version:?}: {e}"));
        let reasons = c.validate(&v).expect_err(constraint);
        assert_eq!(reasons[0], message, "{constraint:?} vs {version:?}");
    }
}

/// Every failing comparison of the alternative is reported.
#[test]
fn validate_reports_every_failing_comparison() {
    let v = Version::parse_strict("1.2.3").expect("valid");
    for include in [false, true] {
        let c = Constraints::parse("!= 1.2.5, ^2, <= 1.1.x")
            .expect("valid")
            .include_prerelease(include);
        assert_eq!(
            c.validate(&v),
            Err(vec![
                r#""1.2.3" is less than "2""#.to_owned(),
                r#""1.2.3" is greater than "1.1.x""#.to_owned()
            ])
        );
    }
}

/// The prerelease reason is given once even when several alternatives refuse for it.
#[test]
fn prerelease_reason_given_once() {
    let c = Constraints::parse(">1 <3 || ~4").expect("valid");
    let v = Version::parse("2.0.0-rc.1").expect("valid");
    assert_eq!(
        c.validate(&v),
        Err(vec![
            r#""2.0.0-rc.1" is a prerelease version and the constraint is only looking for release versions"#
                .to_owned()
        ])
    );
}

/// `TestConstraintsValidate`.
#[test]
fn constraints_validate() {
    validate_table(VALIDATE, false);
}

const VALIDATE: &[(&str, &str, bool)] = &[
    ("*", "1.2.3", true),
    ("~0.0.0", "1.2.3", true),
    ("= 2.0", "1.2.3", false),
    ("= 2.0", "2.0.0", true),
    ("4.1", "4.1.0", true),
    ("4.1.x", "4.1.3", true),
    ("1.x", "1.4", true),
    ("!=4.1", "4.1.0", false),
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
    ("<2.x", "1.1.1", true),
    ("<1.x", "2.1.1", false),
    ("<1.1.x", "1.2.1", false),
    ("<1.1.x", "1.1.500", false),
    ("<1.2.x", "1.1.1", true),
    (">=1.1", "4.1.0", true),
    (">=1.1", "1.1.0", true),
    (">=1.1", "0.0.9", false),
    ("<=1.1", "0.1.0", true),
    ("<=1.1", "1.1.0", true),
    ("<=1.x", "1.1.0", true),
    ("<=2.x", "3.1.0", false),
    ("<=1.1", "1.1.1", true),
    ("<=1.1.x", "1.2.500", false),
    (">1.1, <2", "1.1.1", false),
    (">1.1, <2", "1.2.1", true),
    (">1.1, <3", "4.3.2", false),
    (">=1.1, <2, !=1.2.3", "1.2.3", false),
    (">=1.1, <2, !=1.2.3 || > 3", "3.1.2", false),
    (">=1.1, <2, !=1.2.3 || > 3", "4.1.2", true),
    (">=1.1, <2, !=1.2.3 || >= 3", "3.0.0", true),
    (">=1.1, <2, !=1.2.3 || > 3", "3.0.0", false),
    (">=1.1, <2, !=1.2.3 || > 3", "1.2.3", false),
    ("1.1 - 2", "1.1.1", true),
    ("1.1-3", "4.3.2", false),
    ("^1.1", "1.1.1", true),
    ("^1.1", "1.1.1-alpha", false),
    ("^1.1.1-alpha", "1.1.1-beta", true),
    ("^1.1.1-beta", "1.1.1-alpha", false),
    ("^1.1", "4.3.2", false),
    ("^1.x", "1.1.1", true),
    ("^2.x", "1.1.1", false),
    ("^1.x", "2.1.1", false),
    ("^0.0.1", "0.1.3", false),
    ("^0.0.1", "0.0.1", true),
    ("~*", "2.1.1", true),
    ("~1", "2.1.1", false),
    ("~1", "1.3.5", true),
    ("~1", "1.3.5-beta", false),
    ("~1.x", "2.1.1", false),
    ("~1.x", "1.3.5", true),
    ("~1.x", "1.3.5-beta", false),
    ("~1.3.6-alpha", "1.3.5-beta", false),
    ("~1.3.5-alpha", "1.3.5-beta", true),
    ("~1.3.5-beta", "1.3.5-alpha", false),
    ("~1.x", "1.4", true),
    ("~1.1", "1.1.1", true),
    ("~1.2.3", "1.2.5", true),
    ("~1.2.3", "1.2.2", false),
    ("~1.2.3", "1.3.2", false),
    ("~1.1", "1.2.3", false),
    ("~1.3", "2.4.5", false),
];

/// `TestConstraintsValidate`, second table: the first reason, word for word.
#[test]
fn constraints_validate_messages() {
    messages_table(MESSAGES, false);
}

const MESSAGES: &[(&str, &str, &str)] = &[
    ("2.x", "1.2.3", r#""1.2.3" is less than "2.x""#),
    ("2", "1.2.3", r#""1.2.3" is less than "2""#),
    ("= 2.0", "1.2.3", r#""1.2.3" is less than "2.0""#),
    ("!=4.1", "4.1.0", r#""4.1.0" is equal to "4.1""#),
    ("!=4.x", "4.1.0", r#""4.1.0" is equal to "4.x""#),
    ("!=4.2.x", "4.2.3", r#""4.2.3" is equal to "4.2.x""#),
    (">1.1", "1.1.0", r#""1.1.0" is less than or equal to "1.1""#),
    (
        "<1.1",
        "1.1.0",
        r#""1.1.0" is greater than or equal to "1.1""#,
    ),
    (
        "<1.1",
        "1.1.1",
        r#""1.1.1" is greater than or equal to "1.1""#,
    ),
    (
        "<1.x",
        "2.1.1",
        r#""2.1.1" is greater than or equal to "1.x""#,
    ),
    (
        "<1.1.x",
        "1.2.1",
        r#""1.2.1" is greater than or equal to "1.1.x""#,
    ),
    (">=1.1", "0.0.9", r#""0.0.9" is less than "1.1""#),
    ("<=2.x", "3.1.0", r#""3.1.0" is greater than "2.x""#),
    ("<=1.1", "1.2.1", r#""1.2.1" is greater than "1.1""#),
    ("<=1.1.x", "1.2.500", r#""1.2.500" is greater than "1.1.x""#),
    (
        ">1.1, <3",
        "4.3.2",
        r#""4.3.2" is greater than or equal to "3""#,
    ),
    (
        ">=1.1, <2, !=1.2.3",
        "1.2.3",
        r#""1.2.3" is equal to "1.2.3""#,
    ),
    (
        ">=1.1, <2, !=1.2.3 || > 3",
        "3.0.0",
        r#""3.0.0" is greater than or equal to "2""#,
    ),
    (
        ">=1.1, <2, !=1.2.3 || > 3",
        "1.2.3",
        r#""1.2.3" is equal to "1.2.3""#,
    ),
    ("1.1 - 3", "4.3.2", r#""4.3.2" is greater than "3""#),
    (
        "^1.1",
        "4.3.2",
        r#""4.3.2" does not have same major version as "1.1""#,
    ),
    ("^1.12.7", "1.6.6", r#""1.6.6" is less than "1.12.7""#),
    ("^2.x", "1.1.1", r#""1.1.1" is less than "2.x""#),
    (
        "^1.x",
        "2.1.1",
        r#""2.1.1" does not have same major version as "1.x""#,
    ),
    (
        "^0.2",
        "0.3.0",
        r#""0.3.0" does not have same minor version as "0.2". Expected minor versions to match when constraint major version is 0"#,
    ),
    ("^0.2", "0.1.1", r#""0.1.1" is less than "0.2""#),
    (
        "^0.0.3",
        "0.1.1",
        r#""0.1.1" does not have same minor version as "0.0.3""#,
    ),
    (
        "^0.0.3",
        "0.0.4",
        r#""0.0.4" does not equal "0.0.3". Expect version and constraint to equal when major and minor versions are 0"#,
    ),
    ("^0.0.3", "0.0.2", r#""0.0.2" is less than "0.0.3""#),
    (
        "~1",
        "2.1.2",
        r#""2.1.2" does not have same major version as "1""#,
    ),
    (
        "~1.x",
        "2.1.1",
        r#""2.1.1" does not have same major version as "1.x""#,
    ),
    ("~1.2.3", "1.2.2", r#""1.2.2" is less than "1.2.3""#),
    (
        "~1.2.3",
        "1.3.2",
        r#""1.3.2" does not have same major and minor version as "1.2.3""#,
    ),
    (
        "~1.1",
        "1.2.3",
        r#""1.2.3" does not have same major and minor version as "1.1""#,
    ),
    (
        "~1.3",
        "2.4.5",
        r#""2.4.5" does not have same major version as "1.3""#,
    ),
    (
        "> 1.2.3",
        "1.2.3-beta.1",
        r#""1.2.3-beta.1" is a prerelease version and the constraint is only looking for release versions"#,
    ),
];

/// `TestConstraintsValidateIncludePrerelease`.
#[test]
fn constraints_validate_include_prerelease() {
    validate_table(VALIDATE_PRE, true);
}

const VALIDATE_PRE: &[(&str, &str, bool)] = &[
    // Tests that would fail if not including prereleases but
    // pass if prereleases are included.
    ("^1.1", "1.1.1-alpha", true),
    ("~1", "1.3.5-beta", true),
    ("~1.x", "1.3.5-beta", true),
    (">=1.1", "4.1.0-beta", true),
    (">1.1", "4.1.0-beta", true),
    ("<=1.1", "0.1.0-alpha", true),
    ("<1.1", "0.1.0-alpha", true),
    ("^1.x", "1.1.1-beta1", true),
    ("~1.1", "1.1.1-alpha", true),
    ("*", "1.2.3-alpha", true),
    ("= 2.0", "2.0.1-beta", true),
    // Tests that should continue to pass normally.
    ("*", "1.2.3", true),
    ("~0.0.0", "1.2.3", true),
    ("= 2.0", "1.2.3", false),
    ("= 2.0", "2.0.0", true),
    ("4.1", "4.1.0", true),
    ("4.1.x", "4.1.3", true),
    ("1.x", "1.4", true),
    ("!=4.1", "4.1.0", false),
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
    ("<2.x", "1.1.1", true),
    ("<1.x", "2.1.1", false),
    ("<1.1.x", "1.2.1", false),
    ("<1.1.x", "1.1.500", false),
    ("<1.2.x", "1.1.1", true),
    (">=1.1", "4.1.0", true),
    (">=1.1", "1.1.0", true),
    (">=1.1", "0.0.9", false),
    ("<=1.1", "0.1.0", true),
    ("<=1.1", "1.1.0", true),
    ("<=1.x", "1.1.0", true),
    ("<=2.x", "3.1.0", false),
    ("<=1.1", "1.1.1", true),
    ("<=1.1.x", "1.2.500", false),
    (">1.1, <2", "1.1.1", false),
    (">1.1, <2", "1.2.1", true),
    (">1.1, <3", "4.3.2", false),
    (">=1.1, <2, !=1.2.3", "1.2.3", false),
    (">=1.1, <2, !=1.2.3 || > 3", "3.1.2", false),
    (">=1.1, <2, !=1.2.3 || > 3", "4.1.2", true),
    (">=1.1, <2, !=1.2.3 || >= 3", "3.0.0", true),
    (">=1.1, <2, !=1.2.3 || > 3", "3.0.0", false),
    (">=1.1, <2, !=1.2.3 || > 3", "1.2.3", false),
    ("1.1 - 2", "1.1.1", true),
    ("1.1-3", "4.3.2", false),
    ("^1.1", "1.1.1", true),
    ("^1.1.1-alpha", "1.1.1-beta", true),
    ("^1.1.1-beta", "1.1.1-alpha", false),
    ("^1.1", "4.3.2", false),
    ("^1.x", "1.1.1", true),
    ("^2.x", "1.1.1", false),
    ("^1.x", "2.1.1", false),
    ("^0.0.1", "0.1.3", false),
    ("^0.0.1", "0.0.1", true),
    ("~*", "2.1.1", true),
    ("~1", "2.1.1", false),
    ("~1", "1.3.5", true),
    ("~1.x", "2.1.1", false),
    ("~1.x", "1.3.5", true),
    ("~1.3.6-alpha", "1.3.5-beta", false),
    ("~1.3.5-alpha", "1.3.5-beta", true),
    ("~1.3.5-beta", "1.3.5-alpha", false),
    ("~1.x", "1.4", true),
    ("~1.1", "1.1.1", true),
    ("~1.2.3", "1.2.5", true),
    ("~1.2.3", "1.2.2", false),
    ("~1.2.3", "1.3.2", false),
    ("~1.1", "1.2.3", false),
    ("~1.3", "2.4.5", false),
];

/// `TestConstraintsValidateIncludePrerelease`, second table.
#[test]
fn constraints_validate_include_prerelease_messages() {
    messages_table(MESSAGES_PRE, true);
}

const MESSAGES_PRE: &[(&str, &str, &str)] = &[
    // Validations that would return a prerelease message normally but
    // because prereleases are included are being evaluated based on
    // the version.
    (
        "> 1.2.3",
        "1.2.3-beta.1",
        r#""1.2.3-beta.1" is less than or equal to "1.2.3""#,
    ),
    (
        "< 1.2.3",
        "1.2.4-beta.1",
        r#""1.2.4-beta.1" is greater than or equal to "1.2.3""#,
    ),
    (
        ">= 1.2.3",
        "1.2.3-beta.1",
        r#""1.2.3-beta.1" is less than "1.2.3""#,
    ),
    (
        "<= 1.2.3",
        "1.2.4-beta.1",
        r#""1.2.4-beta.1" is greater than "1.2.3""#,
    ),
    // Test messages that are the same because there is no
    // prerelease issue.
    ("2.x", "1.2.3", r#""1.2.3" is less than "2.x""#),
    ("2", "1.2.3", r#""1.2.3" is less than "2""#),
    ("= 2.0", "1.2.3", r#""1.2.3" is less than "2.0""#),
    ("!=4.1", "4.1.0", r#""4.1.0" is equal to "4.1""#),
    ("!=4.x", "4.1.0", r#""4.1.0" is equal to "4.x""#),
    ("!=4.2.x", "4.2.3", r#""4.2.3" is equal to "4.2.x""#),
    (">1.1", "1.1.0", r#""1.1.0" is less than or equal to "1.1""#),
    (
        "<1.1",
        "1.1.0",
        r#""1.1.0" is greater than or equal to "1.1""#,
    ),
    (
        "<1.1",
        "1.1.1",
        r#""1.1.1" is greater than or equal to "1.1""#,
    ),
    (
        "<1.x",
        "2.1.1",
        r#""2.1.1" is greater than or equal to "1.x""#,
    ),
    (
        "<1.1.x",
        "1.2.1",
        r#""1.2.1" is greater than or equal to "1.1.x""#,
    ),
    (">=1.1", "0.0.9", r#""0.0.9" is less than "1.1""#),
    ("<=2.x", "3.1.0", r#""3.1.0" is greater than "2.x""#),
    ("<=1.1", "1.2.1", r#""1.2.1" is greater than "1.1""#),
    ("<=1.1.x", "1.2.500", r#""1.2.500" is greater than "1.1.x""#),
    (
        ">1.1, <3",
        "4.3.2",
        r#""4.3.2" is greater than or equal to "3""#,
    ),
    (
        ">=1.1, <2, !=1.2.3",
        "1.2.3",
        r#""1.2.3" is equal to "1.2.3""#,
    ),
    (
        ">=1.1, <2, !=1.2.3 || > 3",
        "3.0.0",
        r#""3.0.0" is greater than or equal to "2""#,
    ),
    (
        ">=1.1, <2, !=1.2.3 || > 3",
        "1.2.3",
        r#""1.2.3" is equal to "1.2.3""#,
    ),
    ("1.1 - 3", "4.3.2", r#""4.3.2" is greater than "3""#),
    (
        "^1.1",
        "4.3.2",
        r#""4.3.2" does not have same major version as "1.1""#,
    ),
    ("^1.12.7", "1.6.6", r#""1.6.6" is less than "1.12.7""#),
    ("^2.x", "1.1.1", r#""1.1.1" is less than "2.x""#),
    (
        "^1.x",
        "2.1.1",
        r#""2.1.1" does not have same major version as "1.x""#,
    ),
    (
        "^0.2",
        "0.3.0",
        r#""0.3.0" does not have same minor version as "0.2". Expected minor versions to match when constraint major version is 0"#,
    ),
    ("^0.2", "0.1.1", r#""0.1.1" is less than "0.2""#),
    (
        "^0.0.3",
        "0.1.1",
        r#""0.1.1" does not have same minor version as "0.0.3""#,
    ),
    (
        "^0.0.3",
        "0.0.4",
        r#""0.0.4" does not equal "0.0.3". Expect version and constraint to equal when major and minor versions are 0"#,
    ),
    ("^0.0.3", "0.0.2", r#""0.0.2" is less than "0.0.3""#),
    (
        "~1",
        "2.1.2",
        r#""2.1.2" does not have same major version as "1""#,
    ),
    (
        "~1.x",
        "2.1.1",
        r#""2.1.1" does not have same major version as "1.x""#,
    ),
    ("~1.2.3", "1.2.2", r#""1.2.2" is less than "1.2.3""#),
    (
        "~1.2.3",
        "1.3.2",
        r#""1.3.2" does not have same major and minor version as "1.2.3""#,
    ),
    (
        "~1.1",
        "1.2.3",
        r#""1.2.3" does not have same major and minor version as "1.1""#,
    ),
    (
        "~1.3",
        "2.4.5",
        r#""2.4.5" does not have same major version as "1.3""#,
    ),
];

/// `TestConstraintString`, `TestTextMarshalConstraints`, `TestTextUnmarshalConstraints`:
/// the normalised spelling, which parses again to the same spelling; `Display` keeps the
/// original text.
#[test]
fn normalized_spelling() {
    for &(input, normalized) in STRINGS {
        let c = Constraints::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(c.normalized(), normalized, "{input:?}");
        assert_eq!(c.to_string(), input);
        let again = Constraints::parse(&c.normalized()).expect("normalised form parses");
        assert_eq!(again.normalized(), normalized);
    }
}

const STRINGS: &[(&str, &str)] = &[
    ("*", "*"),
    (">=1.2.3", ">=1.2.3"),
    (">= 1.2.3", ">=1.2.3"),
    (
        "2.x,   >=1.2.3 || >4.5.6, < 5.7",
        "2.x >=1.2.3 || >4.5.6 <5.7",
    ),
    (
        "2.x,   >=1.2.3 || >4.5.6, < 5.7 || >40.50.60, < 50.70",
        "2.x >=1.2.3 || >4.5.6 <5.7 || >40.50.60 <50.70",
    ),
    ("1.2", "1.2"),
    ("1.2.3", "1.2.3"),
    (">=1.2.3", ">=1.2.3"),
    ("<=1.2.3", "<=1.2.3"),
    ("1 <=1.2.3", "1 <=1.2.3"),
    ("1, <=1.2.3", "1 <=1.2.3"),
    (">1, <=1.2.3", ">1 <=1.2.3"),
    ("> 1 , <=1.2.3", ">1 <=1.2.3"),
    ("1.2.3", "1.2.3"),
    (">=1.2.3", ">=1.2.3"),
    ("<=1.2.3", "<=1.2.3"),
    (">1 <=1.2.3", ">1 <=1.2.3"),
    ("> 1 <=1.2.3", ">1 <=1.2.3"),
    (">1, <=1.2.3", ">1 <=1.2.3"),
];
