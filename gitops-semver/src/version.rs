//! A single semantic version, parsed and ordered as Masterminds/semver v3 does.
//!
//! Three parsers:
//! - [`Version::parse`]: Masterminds' `NewVersion` (lenient: optional lowercase `v`, missing
//!   minor/patch default to 0, leading zeros in major/minor/patch accepted).
//! - [`Version::parse_strict`]: Masterminds' `StrictNewVersion` (exactly `X.Y.Z`, no `v`,
//!   no leading zeros).
//! - [`Version::parse_flux`]: `fluxcd/pkg/version.ParseVersion`, what source-controller uses
//!   to read tags: the string must contain at least two dots, then it is read leniently.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Range;

use super::Error;

/// A semantic version: `major.minor.patch[-pre][+metadata]`, remembering the text it came from.
///
/// Equality, ordering and hashing follow semver precedence exactly as Masterminds' `Compare`:
/// build metadata is ignored (so `1.0.0+a == 1.0.0+b`, and `v1.0.0 == 1.0.0`), a prerelease
/// sorts before its release, prerelease identifiers compare numerically when both parse as
/// `u64` and as ASCII strings otherwise, numbers sorting before strings.
#[derive(Debug, Clone)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    /// The original text; prerelease and metadata are spans of it (one allocation).
    original: String,
    pre: Range<usize>,
    metadata: Range<usize>,
}

const fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses a run of ASCII digits (possibly with leading zeros) as `u64`, as Go's
/// `strconv.ParseUint(s, 10, 64)` does.
fn parse_u64(input: &str, digits: &str) -> Result<u64, Error> {
    if digits.is_empty() || !all_digits(digits) {
        return Err(Error::InvalidCharacters {
            input: input.to_owned(),
        });
    }
    digits.parse::<u64>().map_err(|_| Error::SegmentOutOfRange {
        input: input.to_owned(),
        segment: digits.to_owned(),
    })
}

/// Masterminds' `validatePrerelease`: non-empty dot-separated identifiers of
/// `[0-9A-Za-z-]`, numeric identifiers without leading zeros.
fn validate_prerelease(input: &str, pre: &str) -> Result<(), Error> {
    for part in pre.split('.') {
        if part.is_empty() {
            return Err(Error::InvalidPrerelease {
                input: input.to_owned(),
            });
        } else if all_digits(part) {
            if part.len() > 1 && part.starts_with('0') {
                return Err(Error::SegmentStartsZero {
                    input: input.to_owned(),
                });
            }
        } else if !part.bytes().all(is_ident_byte) {
            return Err(Error::InvalidPrerelease {
                input: input.to_owned(),
            });
        }
    }
    Ok(())
}

/// Masterminds' `validateMetadata`: non-empty dot-separated identifiers of `[0-9A-Za-z-]`.
fn validate_metadata(input: &str, meta: &str) -> Result<(), Error> {
    if meta
        .split('.')
        .all(|p| !p.is_empty() && p.bytes().all(is_ident_byte))
    {
        Ok(())
    } else {
        Err(Error::InvalidMetadata {
            input: input.to_owned(),
        })
    }
}

/// Scans `ident(.ident)*` with identifiers of `[0-9A-Za-z-]+` starting at `at`; returns the end.
fn scan_idents(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let start = at;
        while at < bytes.len() && is_ident_byte(bytes[at]) {
            at += 1;
        }
        if at == start {
            return None;
        }
        if at < bytes.len() && bytes[at] == b'.' {
            at += 1;
        } else {
            return Some(at);
        }
    }
}

fn scan_digits(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && bytes[at].is_ascii_digit() {
        at += 1;
    }
    at
}

impl Version {
    /// Parses leniently, as Masterminds' `NewVersion` (with its default `CoerceNewVersion`):
    /// `v1.2.3`, `1.2` (= 1.2.0), `1` (= 1.0.0), `1.2-beta.5` (= 1.2.0-beta.5) and
    /// `01.02.03` (= 1.2.3) are accepted; `1.2.3.4`, `1.2.beta`, `V1.0.0`, surrounding
    /// whitespace, and prerelease numbers with leading zeros are not.
    pub fn parse(s: &str) -> Result<Version, Error> {
        // Shape: v?D+(\.D+)?(\.D+)?(-IDENTS)?(\+IDENTS)? over the whole string. Every step
        // is forced by the next byte, so a greedy scan decides exactly what the anchored
        // pattern would.
        let bytes = s.as_bytes();
        let invalid = || Error::InvalidSemVer {
            input: s.to_owned(),
        };
        let mut at = usize::from(bytes.first() == Some(&b'v'));
        let mut nums: [Option<&str>; 3] = [None, None, None];
        let end = scan_digits(bytes, at);
        if end == at {
            return Err(invalid());
        }
        nums[0] = Some(&s[at..end]);
        at = end;
        for slot in nums.iter_mut().skip(1) {
            if at < bytes.len() && bytes[at] == b'.' {
                let end = scan_digits(bytes, at + 1);
                if end == at + 1 {
                    return Err(invalid());
                }
                *slot = Some(&s[at + 1..end]);
                at = end;
            } else {
                break;
            }
        }
        let mut pre = at..at;
        if at < bytes.len() && bytes[at] == b'-' {
            let end = scan_idents(bytes, at + 1).ok_or_else(invalid)?;
            pre = at + 1..end;
            at = end;
        }
        let mut metadata = at..at;
        if at < bytes.len() && bytes[at] == b'+' {
            let end = scan_idents(bytes, at + 1).ok_or_else(invalid)?;
            metadata = at + 1..end;
            at = end;
        }
        if at != bytes.len() {
            return Err(invalid());
        }
        let num = |n: Option<&str>| n.map_or(Ok(0), |d| parse_u64(s, d));
        let v = Version {
            major: num(nums[0])?,
            minor: num(nums[1])?,
            patch: num(nums[2])?,
            original: s.to_owned(),
            pre,
            metadata,
        };
        if !v.pre.is_empty() {
            validate_prerelease(s, v.prerelease())?;
        }
        if !v.metadata.is_empty() {
            validate_metadata(s, v.metadata())?;
        }
        Ok(v)
    }

    /// Parses a strict semantic version, as Masterminds' `StrictNewVersion`: exactly
    /// `X.Y.Z[-pre][+metadata]`, no `v` prefix, no leading zeros.
    pub fn parse_strict(s: &str) -> Result<Version, Error> {
        if s.is_empty() {
            return Err(Error::Empty);
        }
        let mut parts = s.splitn(3, '.');
        let (Some(major), Some(minor), Some(rest)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::InvalidSemVer {
                input: s.to_owned(),
            });
        };
        let (rest, metadata) = match rest.split_once('+') {
            Some((r, m)) => {
                validate_metadata(s, m)?;
                (r, m)
            }
            None => (rest, ""),
        };
        let (patch, pre) = match rest.split_once('-') {
            Some((p, pre)) => {
                validate_prerelease(s, pre)?;
                (p, pre)
            }
            None => (rest, ""),
        };
        for p in [major, minor, patch] {
            if !all_digits(p) {
                return Err(Error::InvalidCharacters {
                    input: s.to_owned(),
                });
            }
            if p.len() > 1 && p.starts_with('0') {
                return Err(Error::SegmentStartsZero {
                    input: s.to_owned(),
                });
            }
        }
        // `metadata` is a suffix of `s`, and `pre` ends where `+metadata` starts.
        let meta_start = s.len() - metadata.len();
        let pre_end = if metadata.is_empty() {
            s.len()
        } else {
            meta_start - 1
        };
        Ok(Version {
            major: parse_u64(s, major)?,
            minor: parse_u64(s, minor)?,
            patch: parse_u64(s, patch)?,
            original: s.to_owned(),
            pre: pre_end - pre.len()..pre_end,
            metadata: meta_start..s.len(),
        })
    }

    /// Parses a tag or chart version as Flux does (`fluxcd/pkg/version.ParseVersion`): the
    /// text must split into three parts on `.` (so `v1.2` and `1` are refused, while
    /// `1.2-rc.1` passes), and is then read by [`Version::parse`].
    pub fn parse_flux(s: &str) -> Result<Version, Error> {
        if s.splitn(3, '.').count() != 3 {
            return Err(Error::InvalidSemVer {
                input: s.to_owned(),
            });
        }
        Version::parse(s)
    }

    /// Builds a version from its parts (Masterminds' `New`); the original text is the
    /// normalised form. Prerelease and metadata are validated.
    pub fn new(
        major: u64,
        minor: u64,
        patch: u64,
        pre: &str,
        metadata: &str,
    ) -> Result<Version, Error> {
        let mut original = format!("{major}.{minor}.{patch}");
        let mut span = |prefix: char, part: &str| {
            if part.is_empty() {
                return original.len()..original.len();
            }
            original.push(prefix);
            let start = original.len();
            original.push_str(part);
            start..original.len()
        };
        let pre_span = span('-', pre);
        let metadata_span = span('+', metadata);
        if !pre.is_empty() {
            validate_prerelease(&original, pre)?;
        }
        if !metadata.is_empty() {
            validate_metadata(&original, metadata)?;
        }
        Ok(Version {
            major,
            minor,
            patch,
            original,
            pre: pre_span,
            metadata: metadata_span,
        })
    }

    /// The text this version was parsed from (e.g. `v1.2` for 1.2.0).
    pub fn original(&self) -> &str {
        &self.original
    }

    /// The major number.
    pub fn major(&self) -> u64 {
        self.major
    }

    /// The minor number.
    pub fn minor(&self) -> u64 {
        self.minor
    }

    /// The patch number.
    pub fn patch(&self) -> u64 {
        self.patch
    }

    /// The prerelease, without its leading `-` (empty for a release).
    pub fn prerelease(&self) -> &str {
        self.original.get(self.pre.clone()).unwrap_or_default()
    }

    /// The build metadata, without its leading `+` (empty if none).
    pub fn metadata(&self) -> &str {
        self.original.get(self.metadata.clone()).unwrap_or_default()
    }

    /// Semver precedence, as Masterminds' `Compare` (metadata ignored).
    pub fn precedence(&self, other: &Version) -> Ordering {
        self.major
            .cmp(&other.major)
            .then(self.minor.cmp(&other.minor))
            .then(self.patch.cmp(&other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(self.prerelease(), other.prerelease()),
            })
    }
}

/// Masterminds' `comparePrerelease`: part by part, a missing part sorting first.
pub(crate) fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let mut ia = a.split('.');
    let mut ib = b.split('.');
    loop {
        match (ia.next(), ib.next()) {
            (None, None) => return Ordering::Equal,
            (x, y) => {
                let d = compare_pre_part(x.unwrap_or(""), y.unwrap_or(""));
                if d != Ordering::Equal {
                    return d;
                }
            }
        }
    }
}

fn as_number(s: &str) -> Option<u64> {
    if s.is_empty() || !all_digits(s) {
        return None;
    }
    s.parse().ok()
}

fn compare_pre_part(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    if a.is_empty() {
        return Ordering::Less;
    }
    if b.is_empty() {
        return Ordering::Greater;
    }
    match (as_number(a), as_number(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.as_bytes().cmp(b.as_bytes()),
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.precedence(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.precedence(other)
    }
}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.major.hash(state);
        self.minor.hash(state);
        self.patch.hash(state);
        // Equal prereleases are byte-equal: numeric identifiers have no leading zeros.
        self.prerelease().hash(state);
    }
}

impl fmt::Display for Version {
    /// Masterminds' `String()`: `major.minor.patch[-pre][+metadata]`, without any `v`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.prerelease())?;
        }
        if !self.metadata.is_empty() {
            write!(f, "+{}", self.metadata())?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Version {
    type Err = Error;

    /// Same as [`Version::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}
