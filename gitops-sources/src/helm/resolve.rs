//! Chart version resolution, as source-controller's `ChartRepository.GetChartVersion`:
//!
//! 1. a version string equal to the constraint text wins outright;
//! 2. an empty constraint or `*` means "latest stable" (Masterminds' `*` excludes
//!    prereleases);
//! 3. otherwise the highest version (read as `fluxcd/pkg/version.ParseVersion`: three
//!    dot-separated parts) satisfying the constraint; among versions of equal precedence
//!    (differing only in build metadata) the most recently `created` wins.

use crate::semver::{Constraints, Version, latest};

use super::Error;
use super::index::ChartVersion;

/// Picks the chart version matching `constraint` (see the module doc).
pub fn resolve_version<'a>(
    chart: &str,
    versions: &'a [ChartVersion],
    constraint: &str,
) -> Result<&'a ChartVersion, Error> {
    let constraint = constraint.trim();
    if !constraint.is_empty()
        && let Some(exact) = versions.iter().find(|v| v.version == constraint)
    {
        return Ok(exact);
    }
    let text = if constraint.is_empty() {
        "*"
    } else {
        constraint
    };
    let parsed = Constraints::parse(text).map_err(|e| Error::InvalidConstraint {
        constraint: constraint.to_string(),
        reason: e.to_string(),
    })?;
    let candidates: Vec<&str> = versions
        .iter()
        .filter(|v| Version::parse_flux(&v.version).is_ok())
        .map(|v| v.version.as_str())
        .collect();
    let no_version = || Error::NoVersion {
        chart: chart.to_string(),
        constraint: constraint.to_string(),
    };
    let (_, best) = latest(candidates.iter().copied(), &parsed).ok_or_else(no_version)?;
    versions
        .iter()
        .filter(|v| Version::parse_flux(&v.version).is_ok_and(|p| p == best))
        .max_by(|a, b| {
            a.created
                .as_deref()
                .unwrap_or("")
                .cmp(b.created.as_deref().unwrap_or(""))
        })
        .ok_or_else(no_version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cv(version: &str, created: &str) -> ChartVersion {
        ChartVersion {
            name: "c".into(),
            version: version.into(),
            urls: vec![],
            digest: None,
            created: Some(created.into()),
            app_version: None,
        }
    }

    fn pick(versions: &[ChartVersion], c: &str) -> Option<String> {
        resolve_version("c", versions, c)
            .ok()
            .map(|v| v.version.clone())
    }

    #[test]
    fn latest_stable_by_default() {
        let vs = [
            cv("1.0.0", "a"),
            cv("1.2.0", "a"),
            cv("2.0.0-rc.1", "a"),
            cv("1.10.0", "a"),
        ];
        assert_eq!(pick(&vs, "").as_deref(), Some("1.10.0"));
        assert_eq!(pick(&vs, "*").as_deref(), Some("1.10.0"));
        assert_eq!(pick(&vs, ">=2.0.0-0").as_deref(), Some("2.0.0-rc.1"));
        assert_eq!(pick(&vs, "~1.2").as_deref(), Some("1.2.0"));
        assert_eq!(
            pick(&vs, "2.0.0-rc.1").as_deref(),
            Some("2.0.0-rc.1"),
            "exact text wins"
        );
        assert!(matches!(
            resolve_version("c", &vs, "3.x"),
            Err(Error::NoVersion { .. })
        ));
        assert!(matches!(
            resolve_version("c", &vs, ">>1"),
            Err(Error::InvalidConstraint { .. })
        ));
    }

    #[test]
    fn two_part_versions_are_ignored_and_ties_go_to_newest() {
        let vs = [
            cv("1.5", "a"),
            cv("1.0.0+a", "2024-01-01"),
            cv("1.0.0+b", "2024-02-01"),
        ];
        assert_eq!(pick(&vs, "*").as_deref(), Some("1.0.0+b"));
        assert!(pick(&[], "*").is_none());
    }
}
