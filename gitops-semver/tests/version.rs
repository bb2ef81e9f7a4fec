//! Masterminds/semver v3 version tables (`version_test.go`) and fluxcd/pkg `version` facts,
//! restated: which strings parse (lenient, strict, Flux), normalised forms, ordering.

use std::cmp::Ordering;

use gitops_semver::{Error, Version};

fn parse(s: &str) -> Version {
    Version::parse(s).unwrap_or_else(|e| panic!("{s:?} must parse: {e}"))
}

/// `TestStrictNewVersion`: `(input, is an error)`.
#[test]
fn strict_parse_table() {
    for &(input, err) in STRICT {
        assert_eq!(Version::parse_strict(input).is_err(), err, "{input:?}");
    }
}

const STRICT: &[(&str, bool)] = &[
    ("1.2.3", false),
    ("1.2.3-alpha.01", true),
    ("1.2.3+test.01", false),
    ("1.2.3-alpha.-1", false),
    ("v1.2.3", true),
    ("1.0", true),
    ("v1.0", true),
    ("1", true),
    ("v1", true),
    ("1.2", true),
    ("1.2.beta", true),
    ("v1.2.beta", true),
    ("foo", true),
    ("1.2-5", true),
    ("v1.2-5", true),
    ("1.2-beta.5", true),
    ("v1.2-beta.5", true),
    ("\n1.2", true),
    ("\nv1.2", true),
    ("1.2.0-x.Y.0+metadata", false),
    ("v1.2.0-x.Y.0+metadata", true),
    ("1.2.0-x.Y.0+metadata-width-hypen", false),
    ("v1.2.0-x.Y.0+metadata-width-hypen", true),
    ("1.2.3-rc1-with-hypen", false),
    ("1.2.3-0abc123", false), // string pre-releases can start with 0
    ("1.2.3-beta.01", true),  // number segment cannot start with 0
    ("v1.2.3-rc1-with-hypen", true),
    ("1.2.3.4", true),
    ("v1.2.3.4", true),
    ("1.2.2147483648", false),
    ("1.2147483648.3", false),
    ("2147483648.3.0", false),
    // The SemVer spec in a pre-release expects to allow [0-9A-Za-z-]. But,
    // the lack of all 3 parts in this version should produce an error.
    ("20221209-update-renovatejson-v4", true),
    // Various cases that are invalid semver
    ("1.1.2+.123", true), // A leading . in build metadata. This would signify that the first segment is empty
    ("1.0.0-alpha_beta", true), // An underscore in the pre-release is an invalid character
    ("1.0.0-alpha..", true), // Multiple empty segments
    ("1.0.0-alpha..1", true), // Multiple empty segments but one with a value
    ("01.1.1", true),     // A leading 0 on a number segment
    ("1.01.1", true),     // A leading 0 on a number segment
    ("1.1.01", true),     // A leading 0 on a number segment
    ("9.8.7+meta+meta", true), // Multiple metadata parts
    ("1.2.31----RC-SNAPSHOT.12.09.1--.12+788", true), // Leading 0 in a number part of a pre-release segment
    ("1.2.3-0123", true),
    ("1.2.3-0123.0123", true),
    ("+invalid", true),
    ("-invalid", true),
    ("-invalid.01", true),
    ("alpha+beta", true),
    ("1.2.3-alpha_beta+foo", true),
    ("1.0.0-alpha..1", true),
];

/// `TestNewVersion` (default, coercing mode): `(input, is an error)`.
#[test]
fn lenient_parse_table() {
    for &(input, err) in LENIENT {
        assert_eq!(Version::parse(input).is_err(), err, "{input:?}");
    }
}

const LENIENT: &[(&str, bool)] = &[
    ("1.2.3", false),
    ("1.2.3-alpha.01", true),
    ("1.2.3+test.01", false),
    ("1.2.3-alpha.-1", false),
    ("v1.2.3", false),
    ("1.0", false),
    ("v1.0", false),
    ("1", false),
    ("v1", false),
    ("1.2.beta", true),
    ("v1.2.beta", true),
    ("foo", true),
    ("1.2-5", false),
    ("v1.2-5", false),
    ("1.2-beta.5", false),
    ("v1.2-beta.5", false),
    ("\n1.2", true),
    ("\nv1.2", true),
    ("1.2.0-x.Y.0+metadata", false),
    ("v1.2.0-x.Y.0+metadata", false),
    ("1.2.0-x.Y.0+metadata-width-hypen", false),
    ("v1.2.0-x.Y.0+metadata-width-hypen", false),
    ("1.2.3-rc1-with-hypen", false),
    ("v1.2.3-rc1-with-hypen", false),
    ("1.2.3-0abc123", false), // string pre-releases can start with 0
    ("1.2.3-beta.01", true),  // number segment cannot start with 0
    ("1.2.3.4", true),
    ("v1.2.3.4", true),
    ("1.2.2147483648", false),
    ("1.2147483648.3", false),
    ("2147483648.3.0", false),
    // Due to having 4 parts these should produce an error. See
    // https://github.com/Masterminds/semver/issues/185 for the reason for
    // these tests.
    ("12.3.4.1234", true),
    ("12.23.4.1234", true),
    ("12.3.34.1234", true),
    // The SemVer spec in a pre-release expects to allow [0-9A-Za-z-].
    ("20221209-update-renovatejson-v4", false),
    // Various cases that are invalid semver
    ("1.1.2+.123", true), // A leading . in build metadata. This would signify that the first segment is empty
    ("1.0.0-alpha_beta", true), // An underscore in the pre-release is an invalid character
    ("1.0.0-alpha..", true), // Multiple empty segments
    ("1.0.0-alpha..1", true), // Multiple empty segments but one with a value
    ("9.8.7+meta+meta", true), // Multiple metadata parts
    ("1.2.31----RC-SNAPSHOT.12.09.1--.12+788", true), // Leading 0 in a number part of a pre-release segment
    // Versions that are invalid but in loose mode are handled.
    // This enables a calver-ish style. This pattern has long
    // been supported by this package even though it technically
    // breaks from semver. Tools built on this allow it.
    ("01.1.1", false), // A leading 0 on a number segment
    ("1.01.1", false), // A leading 0 on a number segment
    ("1.1.01", false), // A leading 0 on a number segment
];

/// `TestNewVersionCheckError` and `TestValidatePrerelease`/`TestValidateMetadata`: which
/// error a bad prerelease or metadata gives.
#[test]
fn error_kinds() {
    assert!(matches!(
        Version::parse("1.2.3-dev.01"),
        Err(Error::SegmentStartsZero { .. })
    ));
    assert!(matches!(
        Version::parse("1.2.3-023658"),
        Err(Error::SegmentStartsZero { .. })
    ));
    assert!(matches!(
        Version::parse("1.2.3-dev..1"),
        Err(Error::InvalidSemVer { .. })
    ));
    for ok in [
        "1.2.3",
        "1.2.3-dev.1",
        "1.2.3+meta",
        "1.2.3-dev.1+meta",
        "1.2.3-dev.1+meta.01",
        "1.2.3-de-v.1",
    ] {
        assert!(Version::parse(ok).is_ok(), "{ok:?}");
    }
    assert!(matches!(
        Version::parse_strict("1.02.3"),
        Err(Error::SegmentStartsZero { .. })
    ));
    assert!(matches!(Version::parse_strict(""), Err(Error::Empty)));
    for (pre, ok) in [
        ("foo", true),
        ("alpha.1", true),
        ("alpha.01", false),
        ("foo☃︎", false),
        ("alpha.0-1", true),
    ] {
        assert_eq!(
            Version::new(1, 2, 3, pre, "").is_ok(),
            ok,
            "prerelease {pre:?}"
        );
    }
    let long_meta = "al-pha.1Phe70CgWe050H9K1mJwRUqTNQXZRERwLOEg37wpXUb4JgzgaD5YkL52ABnoyiE";
    for (meta, ok) in [
        ("foo", true),
        ("alpha.1", true),
        ("alpha.01", true),
        ("foo☃︎", false),
        ("alpha.0-1", true),
        (long_meta, true),
    ] {
        assert_eq!(
            Version::new(1, 2, 3, "", meta).is_ok(),
            ok,
            "metadata {meta:?}"
        );
    }
    assert!(matches!(
        Version::parse("1.2.99999999999999999999"),
        Err(Error::SegmentOutOfRange { .. })
    ));
}

/// Errors name the text concerned.
#[test]
fn errors_name_the_input() {
    let e = Version::parse("1.2.beta").expect_err("invalid");
    assert_eq!(e.to_string(), r#""1.2.beta": invalid semantic version"#);
}

/// `TestCoerceString`: the normalised `String()` form.
#[test]
fn normalised_display() {
    for &(input, shown) in COERCE {
        assert_eq!(parse(input).to_string(), shown, "{input:?}");
    }
    assert_eq!(parse("01.002.0003").to_string(), "1.2.3");
}

const COERCE: &[(&str, &str)] = &[
    ("1.2.3", "1.2.3"),
    ("v1.2.3", "1.2.3"),
    ("1.0", "1.0.0"),
    ("v1.0", "1.0.0"),
    ("1", "1.0.0"),
    ("v1", "1.0.0"),
    ("1.2-5", "1.2.0-5"),
    ("v1.2-5", "1.2.0-5"),
    ("1.2-beta.5", "1.2.0-beta.5"),
    ("v1.2-beta.5", "1.2.0-beta.5"),
    ("1.2.0-x.Y.0+metadata", "1.2.0-x.Y.0+metadata"),
    ("v1.2.0-x.Y.0+metadata", "1.2.0-x.Y.0+metadata"),
    (
        "1.2.0-x.Y.0+metadata-width-hypen",
        "1.2.0-x.Y.0+metadata-width-hypen",
    ),
    (
        "v1.2.0-x.Y.0+metadata-width-hypen",
        "1.2.0-x.Y.0+metadata-width-hypen",
    ),
    ("1.2.3-rc1-with-hypen", "1.2.3-rc1-with-hypen"),
    ("v1.2.3-rc1-with-hypen", "1.2.3-rc1-with-hypen"),
];

/// `TestOriginal`: the text is kept as given.
#[test]
fn original_is_kept() {
    for input in ORIGINALS {
        assert_eq!(parse(input).original(), *input);
    }
}

const ORIGINALS: &[&str] = &[
    "1.2.3",
    "v1.2.3",
    "1.0",
    "v1.0",
    "1",
    "v1",
    "1.2-5",
    "v1.2-5",
    "1.2-beta.5",
    "v1.2-beta.5",
    "1.2.0-x.Y.0+metadata",
    "v1.2.0-x.Y.0+metadata",
    "1.2.0-x.Y.0+metadata-width-hypen",
    "v1.2.0-x.Y.0+metadata-width-hypen",
    "1.2.3-rc1-with-hypen",
    "v1.2.3-rc1-with-hypen",
];

/// `TestParts` and `TestNew`.
#[test]
fn parts_and_new() {
    let v = parse("1.2.3-beta.1+build.123");
    assert_eq!((v.major(), v.minor(), v.patch()), (1, 2, 3));
    assert_eq!((v.prerelease(), v.metadata()), ("beta.1", "build.123"));
    assert_eq!(
        Version::new(0, 1, 2, "", "").expect("valid").to_string(),
        "0.1.2"
    );
    let v = Version::new(1, 2, 3, "alpha.1", "foo.bar").expect("valid");
    assert_eq!(
        (v.to_string().as_str(), v.original()),
        ("1.2.3-alpha.1+foo.bar", "1.2.3-alpha.1+foo.bar")
    );
}

/// `TestCompare`: `(a, b, sign of a.cmp(b))`.
#[test]
fn compare_table() {
    for &(a, b, expected) in COMPARE {
        let got = parse(a).cmp(&parse(b));
        assert_eq!(got, expected.cmp(&0), "{a:?} vs {b:?}");
        assert_eq!(parse(b).cmp(&parse(a)), got.reverse(), "{b:?} vs {a:?}");
    }
}

const COMPARE: &[(&str, &str, i32)] = &[
    ("1.2.3", "1.5.1", -1),
    ("2.2.3", "1.5.1", 1),
    ("2.2.3", "2.2.2", 1),
    ("3.2-beta", "3.2-beta", 0),
    ("1.3", "1.1.4", 1),
    ("4.2", "4.2-beta", 1),
    ("4.2-beta", "4.2", -1),
    ("4.2-alpha", "4.2-beta", -1),
    ("4.2-alpha", "4.2-alpha", 0),
    ("4.2-beta.2", "4.2-beta.1", 1),
    ("4.2-beta2", "4.2-beta1", 1),
    ("4.2-beta", "4.2-beta.2", -1),
    ("4.2-beta", "4.2-beta.foo", -1),
    ("4.2-beta.2", "4.2-beta", 1),
    ("4.2-beta.foo", "4.2-beta", 1),
    ("1.2+bar", "1.2+baz", 0),
    ("1.0.0-beta.4", "1.0.0-beta.-2", -1),
    ("1.0.0-beta.-2", "1.0.0-beta.-3", -1),
    ("1.0.0-beta.-3", "1.0.0-beta.5", 1),
];

/// `TestLessThan`, `TestLessThanEqual`, `TestGreaterThan`, `TestGreaterThanEqual`, `TestEqual`.
#[test]
fn relation_tables() {
    let rel = |table: &[(&str, &str, bool)], f: fn(&Version, &Version) -> bool, name: &str| {
        for &(a, b, expected) in table {
            assert_eq!(f(&parse(a), &parse(b)), expected, "{a:?} {name} {b:?}");
        }
    };
    rel(LT, |a, b| a < b, "<");
    rel(LE, |a, b| a <= b, "<=");
    rel(GT, |a, b| a > b, ">");
    rel(GE, |a, b| a >= b, ">=");
    rel(EQ, |a, b| a == b, "==");
}

const LT: &[(&str, &str, bool)] = &[
    ("1.2.3", "1.5.1", true),
    ("2.2.3", "1.5.1", false),
    ("3.2-beta", "3.2-beta", false),
];
const LE: &[(&str, &str, bool)] = &[
    ("1.2.3", "1.5.1", true),
    ("2.2.3", "1.5.1", false),
    ("1.5.1", "1.5.1", true),
];
const GT: &[(&str, &str, bool)] = &[
    ("1.2.3", "1.5.1", false),
    ("2.2.3", "1.5.1", true),
    ("3.2-beta", "3.2-beta", false),
    ("3.2.0-beta.1", "3.2.0-beta.5", false),
    ("3.2-beta.4", "3.2-beta.2", true),
    ("7.43.0-SNAPSHOT.99", "7.43.0-SNAPSHOT.103", false),
    ("7.43.0-SNAPSHOT.FOO", "7.43.0-SNAPSHOT.103", true),
    ("7.43.0-SNAPSHOT.99", "7.43.0-SNAPSHOT.BAR", false),
];
const GE: &[(&str, &str, bool)] = &[
    ("1.2.3", "1.5.1", false),
    ("2.2.3", "1.5.1", true),
    ("1.5.1", "1.5.1", true),
];
const EQ: &[(&str, &str, bool)] = &[
    ("1.2.3", "1.5.1", false),
    ("2.2.3", "1.5.1", false),
    ("3.2-beta", "3.2-beta", true),
    ("3.2-beta+foo", "3.2-beta+bar", true),
];

/// fluxcd/pkg `TestParseVersion`: Flux reads tags only when they have two dots.
#[test]
fn flux_parse_table() {
    let table = [
        ("v1.2.3", false),
        ("v2025.07.03", false),
        ("v1.0", true),
        ("v1", true),
        ("v1.2.beta", true),
        ("v1.2-5", true),
        ("v1.2-beta5", true),
        ("\nv1.2", true),
        ("v1.2.0-x.Y.0+metadata", false),
        ("v1.2.0-x.Y.0+metadata-width-hypen", false),
        ("v1.2.3-rc1-with-hypen", false),
        ("v1.2.3.4", true),
        // Two dots anywhere suffice: the rest is read leniently.
        ("1.2-rc.1", false),
    ];
    for (input, err) in table {
        assert_eq!(Version::parse_flux(input).is_err(), err, "{input:?}");
    }
    assert_eq!(
        Version::parse_flux("v2025.07.03")
            .expect("valid")
            .to_string(),
        "2025.7.3"
    );
}

/// Prerelease identifiers beyond `u64` compare as text (after every number).
#[test]
fn huge_prerelease_numbers_compare_as_text() {
    let big = parse("1.0.0-99999999999999999999");
    assert!(parse("1.0.0-5") < big);
    assert!(big < parse("1.0.0-a"));
    assert_eq!(
        Version::parse("1.0.0").map(|v| v.cmp(&big)),
        Ok(Ordering::Greater)
    );
}
