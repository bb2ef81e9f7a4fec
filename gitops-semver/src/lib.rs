//! Semantic versions and version constraints exactly as Masterminds/semver v3 reads them —
//! the library Flux (source-controller's Git, OCI and Helm `semver` selection) and Helm use.
//!
//! No published Rust crate matches it (prerelease scoping per `||` alternative, hyphen
//! ranges, `!=` with wildcards, bare `2.1` as a tilde range, `x`/`*` wildcards, the `~` and
//! `^` rules including 0.x, lenient `v1.2` versions), so this is a port of its behaviour.
//!
//! - [`Version`]: parsing ([`Version::parse`] lenient, [`Version::parse_strict`],
//!   [`Version::parse_flux`] as Flux reads tags), precedence ordering, normalised display.
//! - [`Constraints`]: parsing, [`Constraints::matches`], [`Constraints::validate`].
//! - [`latest`]: Flux's pick of the highest matching tag.
//!
//! **May depend on:** nothing in the workspace. `gitops-sources` re-exports it as
//! `gitops_sources::semver`; `gitops-gotmpl` uses it for Sprig's `semver` functions.

mod constraints;
mod ops;
mod version;

pub use constraints::Constraints;
pub use version::Version;

/// Why a version or a constraint did not parse. Messages follow Masterminds' and name the
/// text concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// An empty version string (strict parsing).
    #[error("version string empty")]
    Empty,
    /// The text is not shaped like a version.
    #[error("{}: invalid semantic version", ops::quote(.input))]
    InvalidSemVer {
        /// The text that was parsed.
        input: String,
    },
    /// A number part holds something else than digits (strict parsing).
    #[error("{}: invalid characters in version", ops::quote(.input))]
    InvalidCharacters {
        /// The text that was parsed.
        input: String,
    },
    /// A numeric part (strict) or numeric prerelease identifier starts with 0.
    #[error("{}: version segment starts with 0", ops::quote(.input))]
    SegmentStartsZero {
        /// The text that was parsed.
        input: String,
    },
    /// The build metadata has an empty or invalid identifier.
    #[error("{}: invalid metadata string", ops::quote(.input))]
    InvalidMetadata {
        /// The text that was parsed.
        input: String,
    },
    /// The prerelease has an empty or invalid identifier.
    #[error("{}: invalid prerelease string", ops::quote(.input))]
    InvalidPrerelease {
        /// The text that was parsed.
        input: String,
    },
    /// A number part does not fit in 64 bits.
    #[error("{}: error parsing version segment {}: value out of range", ops::quote(.input), ops::quote(.segment))]
    SegmentOutOfRange {
        /// The text that was parsed.
        input: String,
        /// The offending digits.
        segment: String,
    },
    /// The constraint (or one `||` alternative of it) does not follow the grammar.
    #[error("improper constraint: {}", ops::quote(.constraint))]
    ImproperConstraint {
        /// The offending text.
        constraint: String,
    },
    /// A comparison follows the grammar but its version does not parse (e.g. `1x.2`,
    /// a 20-digit number, or `1.0-01`).
    #[error("constraint parser error: {}", ops::quote(.constraint))]
    ConstraintParser {
        /// The offending comparison.
        constraint: String,
    },
}

/// Flux's selection: the highest version among `candidates` (e.g. tags) that parses and
/// matches; unparseable ones are skipped.
///
/// Candidates are read with [`Version::parse_flux`] (`fluxcd/pkg/version.ParseVersion`, so
/// `v1.2` and `1` are skipped) and kept when [`Constraints::matches`]. The returned text is
/// the candidate as given (Flux checks out / pulls `Version.Original()`).
///
/// **Ties** (equal precedence, e.g. `v1.0.0` and `1.0.0`, or `1.0.0+a` and `1.0.0+b`): the
/// candidate that comes **last** in iteration order wins. This reproduces Flux when
/// candidates are given oldest first:
/// - Git (`fluxcd/pkg/git/gogit` `cloneSemVer`) stable-sorts by version, then by the tag's
///   commit committer time, and takes the last: the newest commit wins (for identical
///   times Flux's choice depends on Go map order, i.e. is unspecified).
/// - Helm HTTP repositories (`ChartRepository.getChartVersion`) prefer the entry with the
///   latest `created` time among equal versions.
/// - OCI tags (`OCIRepository` `getTagBySemver`, Helm OCI `getLastMatchingVersionOrConstraint`)
///   use an unstable sort of the registry's tag list, so Flux's pick among ties is
///   unspecified (for short lists, the first listed); pass the list reversed to prefer
///   the first listed.
pub fn latest<'a, I: IntoIterator<Item = &'a str>>(
    candidates: I,
    constraints: &Constraints,
) -> Option<(&'a str, Version)> {
    let mut best: Option<(&'a str, Version)> = None;
    for candidate in candidates {
        let Ok(v) = Version::parse_flux(candidate) else {
            continue;
        };
        if !constraints.matches(&v) {
            continue;
        }
        if best.as_ref().is_none_or(|(_, b)| &v >= b) {
            best = Some((candidate, v));
        }
    }
    best
}

#[cfg(test)]
mod unit_tests;
