//! Charts from OCI registries (`oci://` HelmRepositories), as Helm stores them: config
//! `application/vnd.cncf.helm.config.v1+json`, one layer
//! `application/vnd.cncf.helm.chart.content.v1.tar+gzip`, tagged with the chart version
//! where `+` (not allowed in tags) is written `_`.

use std::fmt;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use sha2::{Digest as _, Sha256};

use super::index::ChartVersion;
use super::resolve::resolve_version;
use super::{ChartArtifact, DEFAULT_MAX_CHART_SIZE, Error, redact};
use crate::semver::Version;

/// Media type of a Helm chart's OCI config.
pub const HELM_CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
/// Media type of a Helm chart's content layer.
pub const HELM_CHART_CONTENT_MEDIA_TYPE: &str =
    "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/// Media type of a Helm chart's provenance layer (accepted, not used).
const HELM_PROVENANCE_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.provenance.v1.prov";

/// How to reach an OCI chart registry.
#[derive(Clone, Default)]
pub struct OciOptions {
    /// Registry user name.
    pub username: Option<String>,
    /// Registry password or token.
    pub password: Option<String>,
    /// Plain HTTP (`insecure: true`).
    pub insecure: bool,
    /// PEM CA bundle trusted in addition to the system roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Timeout of each request; 60 s when unset.
    pub timeout: Option<Duration>,
}

impl fmt::Debug for OciOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OciOptions")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("insecure", &self.insecure)
            .finish()
    }
}

/// The tag a chart version is stored under (`+` → `_`).
pub fn version_to_tag(version: &str) -> String {
    version.replace('+', "_")
}

/// Fetches chart `chart` from the OCI repository `repo_url` (`oci://host/path`), the
/// version chosen by `constraint` (an exact version is pulled directly; a range lists the
/// tags), into `dir` as `<chart>-<version>.tgz`.
pub async fn fetch_oci_chart(
    repo_url: &str,
    chart: &str,
    constraint: &str,
    opts: &OciOptions,
    dir: &Path,
) -> Result<ChartArtifact, Error> {
    crate::tls::ensure_provider();
    let invalid = |reason: String| Error::InvalidUrl {
        url: redact(repo_url),
        reason,
    };
    let base = repo_url
        .strip_prefix("oci://")
        .ok_or_else(|| invalid("an OCI repository URL starts with oci://".into()))?
        .trim_end_matches('/');
    let repository = format!("{base}/{chart}");
    let oci_err = |reference: &str, e: &dyn std::error::Error| Error::Oci {
        reference: reference.to_string(),
        reason: e.to_string(),
    };
    let probe: Reference = format!("{repository}:latest")
        .parse()
        .map_err(|e: oci_client::ParseError| invalid(e.to_string()))?;
    let client = client(opts, probe.resolve_registry())?;
    let auth = match (&opts.username, &opts.password) {
        (Some(u), Some(p)) => RegistryAuth::Basic(u.clone(), p.clone()),
        _ => RegistryAuth::Anonymous,
    };
    let version = if Version::parse_flux(constraint.trim()).is_ok() {
        constraint.trim().to_string()
    } else {
        let tags = client
            .list_tags(&probe, &auth, None, None)
            .await
            .map_err(|e| oci_err(&repository, &e))?;
        let versions: Vec<ChartVersion> = tags
            .tags
            .iter()
            .map(|t| ChartVersion {
                name: chart.to_string(),
                version: t.replace('_', "+"),
                urls: Vec::new(),
                digest: None,
                created: None,
                app_version: None,
            })
            .collect();
        if versions.is_empty() {
            return Err(Error::NoChart {
                chart: chart.to_string(),
                url: redact(repo_url),
            });
        }
        resolve_version(chart, &versions, constraint)?
            .version
            .clone()
    };
    let reference_text = format!("{repository}:{}", version_to_tag(&version));
    let reference: Reference = reference_text
        .parse()
        .map_err(|e: oci_client::ParseError| invalid(e.to_string()))?;
    let image = client
        .pull(
            &reference,
            &auth,
            vec![HELM_CHART_CONTENT_MEDIA_TYPE, HELM_PROVENANCE_MEDIA_TYPE],
        )
        .await
        .map_err(|e| oci_err(&reference_text, &e))?;
    if image.config.media_type != HELM_CONFIG_MEDIA_TYPE {
        return Err(Error::Oci {
            reference: reference_text,
            reason: format!(
                "config media type '{}' is not a Helm chart's",
                image.config.media_type
            ),
        });
    }
    let layer = image
        .layers
        .iter()
        .find(|l| l.media_type == HELM_CHART_CONTENT_MEDIA_TYPE)
        .ok_or_else(|| Error::Oci {
            reference: reference_text.clone(),
            reason: "no chart content layer".into(),
        })?;
    if layer.data.len() as u64 > DEFAULT_MAX_CHART_SIZE {
        return Err(Error::TooLarge {
            url: reference_text,
            max: DEFAULT_MAX_CHART_SIZE,
        });
    }
    let hex = hex::encode(Sha256::digest(&layer.data));
    let path = dir.join(format!("{chart}-{version}.tgz"));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(Error::io(dir))?;
    tmp.write_all(&layer.data).map_err(Error::io(tmp.path()))?;
    tmp.persist(&path).map_err(|e| Error::Io {
        path: path.clone(),
        source: e.error,
    })?;
    Ok(ChartArtifact {
        path,
        name: chart.to_string(),
        version,
        digest: format!("sha256:{hex}"),
        size: layer.data.len() as u64,
    })
}

fn client(opts: &OciOptions, registry: &str) -> Result<Client, Error> {
    let mut config = ClientConfig {
        protocol: if opts.insecure {
            ClientProtocol::HttpsExcept(vec![registry.to_string()])
        } else {
            ClientProtocol::Https
        },
        read_timeout: Some(opts.timeout.unwrap_or(Duration::from_secs(60))),
        connect_timeout: Some(Duration::from_secs(30)),
        ..ClientConfig::default()
    };
    if let Some(ca) = &opts.ca_pem {
        config.extra_root_certificates.push(Certificate {
            encoding: CertificateEncoding::Pem,
            data: ca.clone(),
        });
    }
    Client::try_from(config).map_err(|e| Error::Tls(e.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tags_replace_plus() {
        assert_eq!(super::version_to_tag("1.0.0+build.1"), "1.0.0_build.1");
    }
}
