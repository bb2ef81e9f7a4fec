//! Image reference validation as go-containerregistry's `pkg/name` does it
//! (`NewRepository`, `ParseReference`), with its error messages.

const REPOSITORY_CHARS: &str = "abcdefghijklmnopqrstuvwxyz0123456789_-./";
const TAG_CHARS: &str = "abcdefghijklmnopqrstuvwxyz0123456789_-.ABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn check_element(
    name: &str,
    element: &str,
    allowed: &str,
    min: usize,
    max: usize,
) -> Result<(), String> {
    let runes = element.chars().count();
    if runes < min || runes > max {
        return Err(format!(
            "{name} must be between {min} and {max} characters in length: {element}"
        ));
    }
    if element.chars().any(|c| !allowed.contains(c)) {
        return Err(format!(
            "{name} can only contain the characters `{allowed}`: {element}"
        ));
    }
    Ok(())
}

/// `checkRegistry`: the registry must parse as exactly the authority of `//<name>`.
fn check_registry(name: &str) -> Result<(), String> {
    let valid = match crate::gourl::parse(&format!("//{name}")) {
        Ok(url) => url.host == name && !name.contains(['?', '#', '@', '/']),
        Err(_) => false,
    };
    if valid {
        Ok(())
    } else {
        Err(format!(
            "registries must be valid RFC 3986 URI authorities: {name}"
        ))
    }
}

/// `name.NewRepository(name)` with default options.
pub fn new_repository(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a repository name must be specified".into());
    }
    let (registry, repo) = match name.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) => (first, rest),
        _ => ("", name),
    };
    check_element("repository", repo, REPOSITORY_CHARS, 2, 255)?;
    check_registry(registry)
}

fn new_tag(name: &str) -> Result<(), String> {
    let parts: Vec<&str> = name.split(':').collect();
    let mut base = name.to_string();
    if parts.len() > 1 && !parts[parts.len() - 1].contains('/') {
        let tag = parts[parts.len() - 1];
        base = parts[..parts.len() - 1].join(":");
        if tag.is_empty() {
            return Err(format!("{name} must specify a tag name after the colon"));
        }
        check_element("tag", tag, TAG_CHARS, 1, 128)?;
    }
    new_repository(&base)
}

fn new_digest(name: &str) -> Result<(), String> {
    let parts: Vec<&str> = name.split('@').collect();
    if parts.len() != 2 {
        return Err(format!(
            "a digest must contain exactly one '@' separator (e.g. registry/repository@digest) saw: {name}"
        ));
    }
    let Some(hex) = parts[1].strip_prefix("sha256:") else {
        return Err(format!("unsupported digest algorithm: {}", parts[1]));
    };
    if hex.len() != 64 {
        return Err("invalid checksum digest length".into());
    }
    if !hex
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err("invalid checksum digest format".into());
    }
    if new_tag(parts[0]).is_ok() {
        // A tag before the digest is dropped; the repository was validated.
        return Ok(());
    }
    new_repository(parts[0])
}

/// `name.ParseReference(s)`: a tag or a digest reference.
pub fn parse_reference(s: &str) -> Result<(), String> {
    if new_tag(s).is_ok() || new_digest(s).is_ok() {
        Ok(())
    } else {
        Err(format!("could not parse reference: {s}"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn repositories() {
        assert!(new_repository("ghcr.io/stefanprodan/podinfo").is_ok());
        assert!(new_repository("library/alpine").is_ok());
        assert!(new_repository("alpine").is_ok());
        assert!(new_repository("localhost:5000/app").is_ok());
        assert_eq!(
            new_repository("ghcr.io/org/App").unwrap_err(),
            "repository can only contain the characters `abcdefghijklmnopqrstuvwxyz0123456789_-./`: org/App"
        );
        assert_eq!(
            new_repository("ghcr.io/org/app:1.0").unwrap_err(),
            "repository can only contain the characters `abcdefghijklmnopqrstuvwxyz0123456789_-./`: org/app:1.0"
        );
        assert_eq!(
            new_repository("a").unwrap_err(),
            "repository must be between 2 and 255 characters in length: a"
        );
        assert_eq!(
            new_repository("").unwrap_err(),
            "a repository name must be specified"
        );
    }

    #[test]
    fn references() {
        assert!(parse_reference("ghcr.io/stefanprodan/charts").is_ok());
        assert!(parse_reference("ghcr.io/stefanprodan/charts:6.0.0").is_ok());
        assert!(parse_reference("ghcr.io").is_ok());
        // Accepted by go-containerregistry too: registry `https:`, repository `/ghcr.io`.
        assert!(parse_reference("https://ghcr.io").is_ok());
        assert_eq!(
            parse_reference("ghcr.io/Org/x").unwrap_err(),
            "could not parse reference: ghcr.io/Org/x"
        );
    }
}
