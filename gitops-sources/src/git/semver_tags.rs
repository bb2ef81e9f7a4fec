//! The bridge to [`crate::semver`]: the highest tag satisfying a range.

/// The tag with the highest version satisfying `range` (Flux's reading of tags:
/// `v`-prefix allowed, three parts required), or the range's parse error.
///
/// Among tags of equal precedence (differing only in build metadata) the last listed wins;
/// Flux orders those by commit time, which a ref listing does not carry.
pub(crate) fn latest<'a>(
    range: &str,
    tags: impl Iterator<Item = &'a str>,
) -> Result<Option<String>, String> {
    let constraints = crate::semver::Constraints::parse(range).map_err(|e| e.to_string())?;
    Ok(crate::semver::latest(tags, &constraints).map(|(tag, _)| tag.to_string()))
}
