//! Pure logic: the config blob, manifest and annotations `flux push artifact` writes, and
//! the metadata read back from a manifest.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use oci_client::manifest::{OCI_IMAGE_MEDIA_TYPE, OciDescriptor, OciImageManifest};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::Error;

/// Media type of the config blob of a Flux artifact.
pub const FLUX_CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.flux.config.v1+json";
/// Media type of the content layer of a Flux artifact (a gzip'd tarball).
pub const FLUX_CONTENT_MEDIA_TYPE: &str = "application/vnd.cncf.flux.content.v1.tar+gzip";
/// Annotation with the creation time (RFC 3339).
pub const CREATED_ANNOTATION: &str = "org.opencontainers.image.created";
/// Annotation with the upstream source address.
pub const SOURCE_ANNOTATION: &str = "org.opencontainers.image.source";
/// Annotation with the upstream source revision.
pub const REVISION_ANNOTATION: &str = "org.opencontainers.image.revision";
/// The creation time `--reproducible` pushes use.
pub const REPRODUCIBLE_CREATED: &str = "1970-01-01T00:00:00Z";

/// Upstream information about an artifact, as Flux's `oci.Metadata`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// `org.opencontainers.image.created`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub created: String,
    /// `org.opencontainers.image.source`.
    #[serde(
        default,
        rename = "source_url",
        skip_serializing_if = "String::is_empty"
    )]
    pub source: String,
    /// `org.opencontainers.image.revision`.
    #[serde(
        default,
        rename = "source_revision",
        skip_serializing_if = "String::is_empty"
    )]
    pub revision: String,
    /// `<registry>/<repository>@sha256:<manifest digest>`.
    pub digest: String,
    /// The address the artifact was read from (without `oci://`).
    pub url: String,
    /// All manifest annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Metadata {
    /// Reads the OpenContainers annotations of a manifest.
    pub fn from_annotations(annotations: BTreeMap<String, String>) -> Self {
        let get = |k: &str| annotations.get(k).cloned().unwrap_or_default();
        Metadata {
            created: get(CREATED_ANNOTATION),
            source: get(SOURCE_ANNOTATION),
            revision: get(REVISION_ANNOTATION),
            digest: String::new(),
            url: String::new(),
            annotations,
        }
    }
}

/// What `flux push artifact` records about the content.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushMetadata {
    /// `--source`, e.g. the Git URL.
    pub source: String,
    /// `--revision`, e.g. `main@sha1:<hex>`.
    pub revision: String,
    /// RFC 3339 creation time; now when `None` (use [`REPRODUCIBLE_CREATED`] for
    /// `--reproducible`).
    pub created: Option<String>,
    /// Extra annotations (`--annotations key=value`); they may override the three above.
    pub annotations: BTreeMap<String, String>,
}

/// The annotations of a pushed manifest.
pub fn push_annotations(
    meta: &PushMetadata,
    now: SystemTime,
) -> Result<BTreeMap<String, String>, Error> {
    let mut out = BTreeMap::new();
    out.insert(
        CREATED_ANNOTATION.to_string(),
        meta.created.clone().unwrap_or_else(|| rfc3339(now)),
    );
    out.insert(SOURCE_ANNOTATION.to_string(), meta.source.clone());
    out.insert(REVISION_ANNOTATION.to_string(), meta.revision.clone());
    out.extend(meta.annotations.iter().map(|(k, v)| (k.clone(), v.clone())));
    let created = out
        .get(CREATED_ANNOTATION)
        .map(String::as_str)
        .unwrap_or_default();
    if !is_rfc3339(created) {
        return Err(Error::InvalidCreated {
            created: created.to_string(),
        });
    }
    Ok(out)
}

/// Parses `--annotations key=value` entries (exactly one `=`, as Flux requires).
pub fn parse_annotations<'a>(
    pairs: impl IntoIterator<Item = &'a str>,
) -> Result<BTreeMap<String, String>, Error> {
    let mut out = BTreeMap::new();
    for pair in pairs {
        let mut parts = pair.split('=');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(k), Some(v), None) => {
                out.insert(k.to_string(), v.to_string());
            }
            _ => {
                return Err(Error::InvalidAnnotation {
                    annotation: pair.to_string(),
                });
            }
        }
    }
    Ok(out)
}

#[derive(Serialize)]
struct ConfigFile<'a> {
    architecture: &'a str,
    created: &'a str,
    os: &'a str,
    rootfs: RootFs<'a>,
    config: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct RootFs<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    diff_ids: Vec<String>,
}

/// The config blob: an image config with the creation time and the diff ID (digest of the
/// uncompressed layer), as go-containerregistry writes it for Flux.
pub fn config_blob(created: &str, diff_id: &str) -> Vec<u8> {
    let config = ConfigFile {
        architecture: "",
        created,
        os: "",
        rootfs: RootFs {
            kind: "layers",
            diff_ids: vec![diff_id.to_string()],
        },
        config: BTreeMap::new(),
    };
    serde_json::to_vec(&config).unwrap_or_default()
}

/// `sha256:<hex>` of `data`.
pub fn sha256_digest(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

/// The manifest bytes of a one-layer Flux artifact.
pub fn manifest_bytes(
    config: &[u8],
    layer: &[u8],
    annotations: BTreeMap<String, String>,
) -> Vec<u8> {
    let descriptor = |media_type: &str, data: &[u8]| OciDescriptor {
        media_type: media_type.to_string(),
        digest: sha256_digest(data),
        size: i64::try_from(data.len()).unwrap_or(i64::MAX),
        ..OciDescriptor::default()
    };
    let manifest = OciImageManifest {
        schema_version: 2,
        media_type: Some(OCI_IMAGE_MEDIA_TYPE.to_string()),
        config: descriptor(FLUX_CONFIG_MEDIA_TYPE, config),
        layers: vec![descriptor(FLUX_CONTENT_MEDIA_TYPE, layer)],
        subject: None,
        artifact_type: None,
        annotations: Some(annotations),
    };
    serde_json::to_vec(&manifest).unwrap_or_default()
}

/// `time` as RFC 3339 in UTC with second precision (`2006-01-02T15:04:05Z`).
pub fn rfc3339(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Whether `s` is an RFC 3339 date-time (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`).
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
    {
        return false;
    }
    if !matches!(b[10], b'T' | b't')
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', ..] => {
            b.len() == i + 6 && digits(i + 1..i + 3) && b[i + 3] == b':' && digits(i + 4..i + 6)
        }
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed step is a failed test
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::Duration;

    #[test]
    fn formats_times() {
        assert_eq!(rfc3339(UNIX_EPOCH), REPRODUCIBLE_CREATED);
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(1_709_251_199)),
            "2024-02-29T23:59:59Z"
        );
        assert!(is_rfc3339("2024-02-29T23:59:59.123+01:00"));
        assert!(!is_rfc3339("2024-02-29 23:59:59"));
        assert!(!is_rfc3339("yesterday"));
    }

    #[test]
    fn annotations() {
        let meta = PushMetadata {
            source: "https://github.com/org/repo".into(),
            revision: "main@sha1:abc".into(),
            created: None,
            annotations: parse_annotations(["org.opencontainers.image.licenses=Apache-2.0"])
                .unwrap(),
        };
        let a = push_annotations(&meta, UNIX_EPOCH).unwrap();
        assert_eq!(a[CREATED_ANNOTATION], REPRODUCIBLE_CREATED);
        assert_eq!(a[SOURCE_ANNOTATION], "https://github.com/org/repo");
        assert_eq!(a["org.opencontainers.image.licenses"], "Apache-2.0");
        assert!(parse_annotations(["a=b=c"]).is_err());
        let bad = PushMetadata {
            created: Some("now".into()),
            ..meta
        };
        assert!(push_annotations(&bad, UNIX_EPOCH).is_err());
    }

    #[test]
    fn manifest_shape() {
        let m: serde_json::Value =
            serde_json::from_slice(&manifest_bytes(b"{}", b"layer", BTreeMap::new())).unwrap();
        assert_eq!(m["schemaVersion"], 2);
        assert_eq!(m["mediaType"], OCI_IMAGE_MEDIA_TYPE);
        assert_eq!(m["config"]["mediaType"], FLUX_CONFIG_MEDIA_TYPE);
        assert_eq!(m["layers"][0]["mediaType"], FLUX_CONTENT_MEDIA_TYPE);
        assert_eq!(m["layers"][0]["size"], 5);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn formatted_times_parse(secs in 0u64..8_000_000_000) {
            let s = rfc3339(UNIX_EPOCH + Duration::from_secs(secs));
            prop_assert!(is_rfc3339(&s), "{}", s);
        }

        #[test]
        fn rfc3339_check_never_panics(s in "[0-9TZ:+.-]{0,30}") {
            let _ = is_rfc3339(&s);
        }
    }
}
