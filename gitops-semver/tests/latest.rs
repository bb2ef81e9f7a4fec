//! `latest`: Flux's choice of the highest matching tag among candidates.

use gitops_semver::{Constraints, Version, latest};

fn pick<'a>(tags: &[&'a str], constraint: &str) -> Option<&'a str> {
    let c = Constraints::parse(constraint).unwrap_or_else(|e| panic!("{constraint:?}: {e}"));
    latest(tags.iter().copied(), &c).map(|(tag, v)| {
        assert_eq!(v.original(), tag);
        tag
    })
}

#[test]
fn highest_matching_tag_wins() {
    let tags = [
        "v1.0.0", "v1.2.0", "v1.10.0", "v2.0.0", "v1.9.9", "latest", "main",
    ];
    assert_eq!(pick(&tags, ">=1.0.0 <2.0.0"), Some("v1.10.0"));
    assert_eq!(pick(&tags, "~1.2"), Some("v1.2.0"));
    assert_eq!(pick(&tags, "*"), Some("v2.0.0"));
    assert_eq!(pick(&tags, ">= 3.0.0"), None);
    assert_eq!(pick(&[], "*"), None);
}

/// Flux reads tags with `fluxcd/pkg/version.ParseVersion`: two dots are required, so
/// `v1.2` and `3` are never candidates, although Masterminds alone would read them.
#[test]
fn tags_without_two_dots_are_skipped() {
    let tags = ["v1.2", "3", "v1.1.0", "not-a-version", "1.0.0.1"];
    assert_eq!(pick(&tags, "*"), Some("v1.1.0"));
    assert!(Version::parse("3").is_ok());
}

/// Prereleases are only candidates for an alternative that names a prerelease.
#[test]
fn prerelease_scoping() {
    let tags = [
        "1.0.0",
        "1.1.0-rc.1",
        "2.0.0-rc.1",
        "0.3.4",
        "5.0.0-beta",
        "5.1.0",
    ];
    assert_eq!(pick(&tags, ">=1.0.0"), Some("5.1.0"));
    assert_eq!(pick(&tags, ">=1.0.0 <2.0.0"), Some("1.0.0"));
    // 2.0.0-rc.1 is below 2.0.0, so an upper bound `<2.0.0` admits it.
    assert_eq!(pick(&tags, ">=1.0.0-0 <2.0.0"), Some("2.0.0-rc.1"));
    assert_eq!(pick(&tags, ">=1.0.0-0 <2.0.0-0"), Some("1.1.0-rc.1"));
    assert_eq!(pick(&tags, "^0.3.x || >= 5.0.0-0"), Some("5.1.0"));
    assert_eq!(pick(&tags[..5], "^0.3.x || >= 5.0.0-0"), Some("5.0.0-beta"));
    // The prerelease-naming alternative does not open prereleases to the other one.
    assert_eq!(
        pick(&["2.0.0-rc.1", "1.0.0"], ">=1.0.0 || =0.1.0-0"),
        Some("1.0.0")
    );
}

/// Equal precedence (a `v` prefix, build metadata): the last candidate wins.
#[test]
fn ties_go_to_the_last_candidate() {
    assert_eq!(pick(&["v1.0.0", "1.0.0"], "1.x"), Some("1.0.0"));
    assert_eq!(pick(&["1.0.0", "v1.0.0"], "1.x"), Some("v1.0.0"));
    assert_eq!(pick(&["1.0.0+b", "1.0.0+a", "0.9.0"], "*"), Some("1.0.0+a"));
    // A higher version later or earlier is still preferred over ties.
    assert_eq!(pick(&["1.0.1", "v1.0.0", "1.0.0"], "*"), Some("1.0.1"));
}

/// fluxcd/pkg `TestSort`: the highest of `>= 1.2.0, < 1.3.0` over a mixed list.
#[test]
fn flux_sort_facts() {
    let tags = [
        "v1.2.0",
        "v1.2.3",
        "v1.3.0",
        "1.2.4",
        "v1.1.0",
        "something-invalid",
        "v1.2.4",
        "another-invalid",
        "1.2.4",
    ];
    assert_eq!(pick(&tags, ">= 1.2.0, < 1.3.0"), Some("1.2.4"));
    assert_eq!(pick(&tags[..7], ">= 1.2.0, < 1.3.0"), Some("v1.2.4"));
    assert_eq!(pick(&tags[..5], ">= 1.2.0, < 1.3.0"), Some("1.2.4"));
}

/// Calendar-style tags with leading zeros (`v2025.07.03`) are read leniently, as Flux does.
#[test]
fn calver_tags() {
    let tags = ["v2025.07.03", "v2025.10.01", "v2024.12.31"];
    assert_eq!(pick(&tags, ">=2025.1.0"), Some("v2025.10.01"));
    assert_eq!(pick(&tags, "~2025.7"), Some("v2025.07.03"));
}
