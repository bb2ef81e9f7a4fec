//! Pure logic: `oci://` addresses, the scheme a registry is reached with, revision
//! strings, and the tag selection and ordering rules of Flux.

use oci_client::Reference;

use super::Error;

/// The prefix of every Flux OCI address.
pub const OCI_PREFIX: &str = "oci://";

/// A parsed `oci://<registry>/<repository>[:<tag>|@<digest>]` address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OciUrl {
    /// The registry host (with port), e.g. `ghcr.io` or `127.0.0.1:5000`.
    pub registry: String,
    /// The repository path inside the registry, e.g. `org/app`.
    pub repository: String,
    /// The tag named in the address, if any.
    pub tag: Option<String>,
    /// The digest named in the address, if any.
    pub digest: Option<String>,
}

impl OciUrl {
    /// Parses an artifact address; a tag or digest may be given (`latest` is implied by
    /// [`OciUrl::reference`] when neither is).
    pub fn parse(url: &str) -> Result<Self, Error> {
        let invalid = |reason: &str| Error::InvalidUrl {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let rest = url
            .strip_prefix(OCI_PREFIX)
            .ok_or_else(|| invalid("URL must be in format 'oci://<domain>/<org>/<repo>'"))?;
        let (name, digest) = match rest.split_once('@') {
            Some((name, digest)) => (name, Some(digest.to_string())),
            None => (rest, None),
        };
        let last_slash = name
            .rfind('/')
            .ok_or_else(|| invalid("URL must be in format 'oci://<domain>/<org>/<repo>'"))?;
        let (path, tag) = match name[last_slash..].rfind(':') {
            Some(i) => (
                &name[..last_slash + i],
                Some(name[last_slash + i + 1..].to_string()),
            ),
            None => (name, None),
        };
        let (registry, repository) = path
            .split_once('/')
            .ok_or_else(|| invalid("missing repository"))?;
        if registry.is_empty() || repository.is_empty() {
            return Err(invalid(
                "URL must be in format 'oci://<domain>/<org>/<repo>'",
            ));
        }
        if !(registry.contains('.') || registry.contains(':') || registry == "localhost") {
            return Err(invalid("the first path element must be a registry host"));
        }
        if let Some(tag) = tag.as_ref().filter(|t| !valid_tag(t)) {
            return Err(invalid(&format!("invalid tag '{tag}'")));
        }
        if let Some(digest) = digest
            .as_ref()
            .filter(|d| d.parse::<gitops_core::revision::Digest>().is_err())
        {
            return Err(invalid(&format!("invalid digest '{digest}'")));
        }
        let parsed = OciUrl {
            registry: registry.to_string(),
            repository: repository.to_string(),
            tag,
            digest,
        };
        // Let the client's own grammar have the last word on what it will accept.
        Reference::try_from(parsed.reference().whole().as_str())
            .map_err(|e| invalid(&e.to_string()))?;
        Ok(parsed)
    }

    /// Parses a repository address, which must name neither a tag nor a digest (the
    /// `OCIRepository.spec.url` rule).
    pub fn parse_repository(url: &str) -> Result<Self, Error> {
        let parsed = Self::parse(url)?;
        if let Some(tag) = &parsed.tag {
            return Err(Error::InvalidUrl {
                url: url.to_string(),
                reason: format!("URL must not contain a tag; remove ':{tag}'"),
            });
        }
        if parsed.digest.is_some() {
            return Err(Error::InvalidUrl {
                url: url.to_string(),
                reason: "URL must not contain a digest".to_string(),
            });
        }
        Ok(parsed)
    }

    /// `<registry>/<repository>`.
    pub fn repository_name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The client reference: the digest if given, else the tag, else `latest`.
    pub fn reference(&self) -> Reference {
        match (&self.digest, &self.tag) {
            (Some(d), _) => self.with_digest(d),
            (None, Some(t)) => self.with_tag(t),
            (None, None) => self.with_tag(gitops_core::api::source::oci::DEFAULT_TAG),
        }
    }

    /// The client reference of `tag` in this repository.
    pub fn with_tag(&self, tag: &str) -> Reference {
        Reference::with_tag(
            self.registry.clone(),
            self.repository.clone(),
            tag.to_string(),
        )
    }

    /// The client reference of `digest` in this repository.
    pub fn with_digest(&self, digest: &str) -> Reference {
        Reference::with_digest(
            self.registry.clone(),
            self.repository.clone(),
            digest.to_string(),
        )
    }
}

/// Whether a tag follows the distribution grammar `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn valid_tag(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && (bytes[0].is_ascii_alphanumeric() || bytes[0] == b'_')
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(b))
}

/// Whether a registry is reached over plain HTTP: when `insecure` is set, and (as
/// go-containerregistry does) for `localhost:<port>`, loopback and RFC 1918 addresses.
pub fn plain_http(registry: &str, insecure: bool) -> bool {
    if insecure || registry.starts_with("localhost:") {
        return true;
    }
    let host = match registry.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => registry,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => ip.is_loopback() || ip.is_private(),
        Ok(std::net::IpAddr::V6(ip)) => ip.is_loopback(),
        Err(_) => false,
    }
}

/// The artifact revision: `<tag>@<digest>`, or the bare digest when pulled by digest.
pub fn revision(tag: Option<&str>, digest: &str) -> String {
    match tag {
        Some(tag) => format!("{tag}@{digest}"),
        None => digest.to_string(),
    }
}

/// The digest part of a revision (`latest@sha256:…` → `sha256:…`).
pub fn digest_of_revision(revision: &str) -> &str {
    revision.rsplit('@').next().unwrap_or(revision)
}

/// Whether a tag holds a cosign attestation, SBOM or signature (`.att`, `.sbom`, `.sig`),
/// which `flux list artifacts` hides.
pub fn is_cosign_tag(tag: &str) -> bool {
    [".att", ".sbom", ".sig"].iter().any(|s| tag.ends_with(s))
}

/// Compiles a tag filter (`semverFilter`, `--filter-regex`); Go's RE2 syntax is read
/// with `regex-lite`, which shares it for the constructs such filters use.
pub fn compile_filter(filter: &str) -> Result<regex_lite::Regex, Error> {
    regex_lite::Regex::new(filter).map_err(|e| Error::InvalidFilter {
        filter: filter.to_string(),
        reason: e.to_string(),
    })
}

/// Sorts tags as `flux list artifacts` shows them: descending byte order.
pub fn sort_for_listing(tags: &mut [String]) {
    tags.sort_by(|a, b| b.cmp(a));
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed step is a failed test
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_addresses() {
        let u = OciUrl::parse("oci://ghcr.io/org/app:v1.0.0").unwrap();
        assert_eq!(
            (u.registry.as_str(), u.repository.as_str(), u.tag.as_deref()),
            ("ghcr.io", "org/app", Some("v1.0.0"))
        );
        let u = OciUrl::parse("oci://127.0.0.1:5000/app").unwrap();
        assert_eq!(
            (u.registry.as_str(), u.tag.as_deref()),
            ("127.0.0.1:5000", None)
        );
        assert_eq!(u.reference().tag(), Some("latest"));
        let d = format!("sha256:{}", "a".repeat(64));
        let u = OciUrl::parse(&format!("oci://localhost:5000/a/b@{d}")).unwrap();
        assert_eq!(u.digest.as_deref(), Some(d.as_str()));
        assert_eq!(u.reference().digest(), Some(d.as_str()));
    }

    #[test]
    fn rejects_bad_addresses() {
        for bad in [
            "ghcr.io/org/app",
            "oci://app",
            "oci://org/app",
            "oci://ghcr.io/",
            "oci://ghcr.io/a:b:c!",
            "oci://ghcr.io/a@sha256:zz",
        ] {
            assert!(OciUrl::parse(bad).is_err(), "{bad}");
        }
        let err = OciUrl::parse_repository("oci://ghcr.io/org/app:v1")
            .unwrap_err()
            .to_string();
        assert!(err.contains("remove ':v1'"), "{err}");
    }

    #[test]
    fn schemes_follow_go_containerregistry() {
        assert!(plain_http("localhost:5000", false));
        assert!(plain_http("127.0.0.1:5000", false));
        assert!(plain_http("10.1.2.3", false));
        assert!(plain_http("[::1]:5000", false));
        assert!(!plain_http("ghcr.io", false));
        assert!(plain_http("ghcr.io", true));
    }

    #[test]
    fn revisions() {
        let d = format!("sha256:{}", "b".repeat(64));
        assert_eq!(revision(Some("latest"), &d), format!("latest@{d}"));
        assert_eq!(revision(None, &d), d);
        assert_eq!(digest_of_revision(&format!("v1@{d}")), d);
        assert_eq!(digest_of_revision(&d), d);
    }

    #[test]
    fn listing_order_and_cosign() {
        let mut tags = vec![
            "1.0.0".to_string(),
            "latest".into(),
            "1.10.0".into(),
            "1.2.0".into(),
        ];
        sort_for_listing(&mut tags);
        assert_eq!(tags, ["latest", "1.2.0", "1.10.0", "1.0.0"]);
        assert!(is_cosign_tag("sha256-abc.sig"));
        assert!(!is_cosign_tag("v1"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn parse_round_trips(repo in "[a-z0-9]{1,8}(/[a-z0-9]{1,8}){0,2}", tag in "[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}") {
            let url = format!("oci://registry.example:5000/{repo}:{tag}");
            let u = OciUrl::parse(&url).unwrap();
            prop_assert_eq!(&u.repository, &repo);
            prop_assert_eq!(u.tag.as_deref(), Some(tag.as_str()));
            prop_assert_eq!(format!("oci://{}:{}", u.repository_name(), tag), url);
        }

        #[test]
        fn parse_never_panics(s in "oci://[ -~]{0,40}") {
            let _ = OciUrl::parse(&s);
        }
    }
}
