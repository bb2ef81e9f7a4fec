//! `OCIRepository`: an OCI artifact pulled from a container registry by tag, semver
//! range or digest, one of whose layers becomes the artifact.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{
    DEFAULT_TIMEOUT, OCI_URL_PATTERN, OIDCIdentityMatch, OciProvider, VerificationProvider,
    check_timeout, non_empty,
};
use crate::api::meta::{
    Artifact, DURATION_PATTERN, DURATION_PATTERN_NO_HOURS, LocalObjectReference,
    ReconcileRequestStatus,
};
use crate::api::validate::{Validate, ValidationError, Validator};
use crate::conditions::Condition;

/// Tag pulled when no reference is given.
pub const DEFAULT_TAG: &str = "latest";

/// Desired state of an OCIRepository.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "source.toolkit.fluxcd.io",
    version = "v1",
    kind = "OCIRepository",
    namespaced,
    status = "OCIRepositoryStatus",
    derive = "PartialEq",
    shortname = "ocirepo",
    category = "all",
    category = "fluxcd",
    category = "fluxcd-sources",
    printcolumn = r#"{"name": "URL", "type": "string", "jsonPath": ".spec.url"}"#,
    printcolumn = r#"{"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name": "Status", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].message"}"#,
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct OCIRepositorySpec {
    /// Repository address, `oci://<registry>/<repository>`.
    #[schemars(regex(pattern = OCI_URL_PATTERN))]
    pub url: String,
    /// The reference to pull; tag `latest` when unset.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<OCIRepositoryRef>,
    /// Which layer becomes the artifact; the first one, extracted, when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_selector: Option<OCILayerSelector>,
    /// Authentication provider; `generic` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "generic"))]
    pub provider: Option<OciProvider>,
    /// Secret of type `kubernetes.io/dockerconfigjson` with registry credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalObjectReference>,
    /// Signature verification of the artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<OCIRepositoryVerification>,
    /// ServiceAccount whose image pull secrets (or identity) authenticate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    /// Secret with a client certificate (`tls.crt`, `tls.key`) and/or CA (`ca.crt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_secret_ref: Option<LocalObjectReference>,
    /// Secret with the proxy settings (`address`, `username`, `password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_secret_ref: Option<LocalObjectReference>,
    /// How often the registry is checked for changes (approximate, jittered).
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub interval: String,
    /// Timeout of registry operations; 60s when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN_NO_HOURS), extend("default" = "60s"))]
    pub timeout: Option<String>,
    /// Exclusion patterns (`.sourceignore` syntax) replacing the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore: Option<String>,
    /// Allows plain-HTTP registries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure: Option<bool>,
    /// Stops reconciliation while true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
}

impl OCIRepositorySpec {
    /// The registry operation timeout (`60s` when unset).
    pub fn timeout(&self) -> &str {
        self.timeout.as_deref().unwrap_or(DEFAULT_TIMEOUT)
    }

    /// The authentication provider (`generic` when unset).
    pub fn provider(&self) -> OciProvider {
        self.provider.unwrap_or_default()
    }

    /// Whether reconciliation is suspended.
    pub fn suspended(&self) -> bool {
        self.suspend.unwrap_or(false)
    }

    /// The reference that is pulled (tag `latest` when none is given).
    pub fn pull(&self) -> OciReference<'_> {
        match &self.reference {
            Some(reference) => reference.pull(),
            None => OciReference::Tag(DEFAULT_TAG),
        }
    }

    /// The layer operation (`extract` when unset).
    pub fn layer_operation(&self) -> LayerOperation {
        self.layer_selector
            .as_ref()
            .and_then(|s| s.operation)
            .unwrap_or_default()
    }
}

/// The OCI reference to pull. Several fields may be set; see [`OCIRepositoryRef::pull`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OCIRepositoryRef {
    /// Manifest digest (`sha256:<hex>`); wins over `semver`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Semver range selecting the highest matching tag; wins over `tag`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semver: Option<String>,
    /// Regular expression filtering the tags before the semver range is applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semver_filter: Option<String>,
    /// Tag to pull (`latest` when nothing is set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

/// What an OCIRepository pulls, by Flux's precedence (digest > semver > tag).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OciReference<'a> {
    /// A manifest digest.
    Digest(&'a str),
    /// The highest tag in a semver range, among the tags matching `filter`.
    SemVer {
        /// The semver range.
        range: &'a str,
        /// Regular expression the tags must match first.
        filter: Option<&'a str>,
    },
    /// A tag.
    Tag(&'a str),
}

impl OCIRepositoryRef {
    /// The reference that wins: digest, then semver, then tag (`latest` when nothing is
    /// set). Empty strings count as unset.
    pub fn pull(&self) -> OciReference<'_> {
        if let Some(digest) = non_empty(&self.digest) {
            OciReference::Digest(digest)
        } else if let Some(range) = non_empty(&self.semver) {
            OciReference::SemVer {
                range,
                filter: non_empty(&self.semver_filter),
            }
        } else {
            OciReference::Tag(non_empty(&self.tag).unwrap_or(DEFAULT_TAG))
        }
    }
}

/// How the selected layer is stored.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum LayerOperation {
    /// The layer (a gzipped tarball) is extracted and repackaged.
    #[default]
    #[serde(rename = "extract")]
    Extract,
    /// The compressed layer is stored as it is.
    #[serde(rename = "copy")]
    Copy,
}

/// Selects the layer of the OCI artifact that becomes the source artifact.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OCILayerSelector {
    /// Media type of the layer; the first layer of this type is selected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// What to do with the layer; `extract` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<LayerOperation>,
}

/// Signature verification of an OCI artifact.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OCIRepositoryVerification {
    /// Signing technology; the API server fills in `cosign` when it is omitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(required, extend("default" = "cosign"))]
    pub provider: Option<VerificationProvider>,
    /// Secret with the trusted public keys (or notation trust policy and CAs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalObjectReference>,
    /// Identities accepted for keyless signatures; any match is enough.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "matchOIDCIdentity")]
    pub match_oidc_identity: Option<Vec<OIDCIdentityMatch>>,
    /// Secret with a Sigstore `trusted_root.json` for self-hosted infrastructure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_root_secret_ref: Option<LocalObjectReference>,
}

impl OCIRepositoryVerification {
    /// The signing technology (`cosign` when unset).
    pub fn provider(&self) -> VerificationProvider {
        self.provider.unwrap_or_default()
    }
}

/// Observed state of an OCIRepository.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("default" = {"observedGeneration": -1}))]
pub struct OCIRepositoryStatus {
    /// Last generation reconciled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// `Ready`, `Reconciling`, `Stalled`, `ArtifactInStorage`, `SourceVerified`, ….
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
    /// Download address of the last artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The artifact of the last successful reconciliation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact: Option<Artifact>,
    /// The `ignore` value the current artifact was built with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_ignore: Option<String>,
    /// The `layerSelector` the current artifact was built with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_layer_selector: Option<OCILayerSelector>,
    /// Last handled `reconcile.fluxcd.io/requestedAt`.
    #[serde(flatten)]
    pub reconcile_request: ReconcileRequestStatus,
}

impl Validate for OCIRepository {
    fn validate(&self) -> Result<(), ValidationError> {
        let mut v = Validator::new();
        let spec = &self.spec;
        v.pattern("spec.url", Some(&spec.url), OCI_URL_PATTERN);
        v.duration("spec.interval", Some(&spec.interval));
        check_timeout(&mut v, "spec.timeout", spec.timeout.as_deref());
        v.finish(
            "OCIRepository",
            self.metadata.name.as_deref().unwrap_or_default(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::source::common::testing::{docs, fields, round_trip, round_trip_corpus};

    const FULL: &str = r#"
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  url: oci://ghcr.io/stefanprodan/manifests/podinfo
  ref:
    digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    semver: ">=6.0.0"
    semverFilter: ".*-rc.*"
    tag: latest
  layerSelector:
    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip
    operation: copy
  provider: aws
  secretRef:
    name: regcred
  verify:
    provider: cosign
    secretRef:
      name: cosign-pub
    matchOIDCIdentity:
      - issuer: ^https://token\.actions\.githubusercontent\.com$
        subject: ^https://github\.com/stefanprodan/podinfo.*$
    trustedRootSecretRef:
      name: trusted-root
  serviceAccountName: puller
  certSecretRef:
    name: tls
  proxySecretRef:
    name: proxy
  interval: 10m
  timeout: 2m
  ignore: "*.md"
  insecure: true
  suspend: true
status:
  observedGeneration: 2
  conditions:
    - type: Ready
      status: "False"
      reason: OCIArtifactPullFailed
      message: "failed to pull"
      lastTransitionTime: "2024-05-01T10:00:00Z"
  url: http://source-controller.flux-system.svc.cluster.local./ocirepository/flux-system/podinfo/latest.tar.gz
  artifact:
    digest: sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
    lastUpdateTime: "2024-05-01T10:00:00Z"
    path: ocirepository/flux-system/podinfo/abc.tar.gz
    revision: latest@sha256:abc
    url: http://source-controller.flux-system.svc.cluster.local./ocirepository/flux-system/podinfo/abc.tar.gz
    metadata:
      org.opencontainers.image.created: "2024-05-01T09:00:00Z"
  observedIgnore: "*.md"
  observedLayerSelector:
    mediaType: application/vnd.cncf.helm.chart.content.v1.tar+gzip
    operation: copy
  lastHandledReconcileAt: now
"#;

    #[test]
    fn full_sample_round_trips() {
        let value = docs(FULL).remove(0);
        let repo: OCIRepository = round_trip(&value);
        assert_eq!(repo.spec.provider(), OciProvider::Aws);
        assert_eq!(repo.spec.timeout(), "2m");
        assert!(matches!(repo.spec.pull(), OciReference::Digest(d) if d.starts_with("sha256:")));
        assert_eq!(repo.spec.layer_operation(), LayerOperation::Copy);
        assert_eq!(
            repo.spec
                .verify
                .as_ref()
                .map(OCIRepositoryVerification::provider),
            Some(VerificationProvider::Cosign)
        );
        assert_eq!(repo.validate(), Ok(()));
    }

    #[test]
    fn defaults_and_precedence() {
        let value = docs("apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: a\nspec:\n  url: oci://ghcr.io/org/repo\n  interval: 1h\n  verify:\n    secretRef:\n      name: keys\n").remove(0);
        let repo: OCIRepository = round_trip(&value);
        assert_eq!(repo.spec.pull(), OciReference::Tag("latest"));
        assert_eq!(repo.spec.timeout(), "60s");
        assert_eq!(repo.spec.provider(), OciProvider::Generic);
        assert_eq!(repo.spec.layer_operation(), LayerOperation::Extract);
        assert_eq!(
            repo.spec
                .verify
                .as_ref()
                .map(OCIRepositoryVerification::provider),
            Some(VerificationProvider::Cosign)
        );
        let r = OCIRepositoryRef {
            semver: Some("1.x".into()),
            tag: Some("v1".into()),
            ..Default::default()
        };
        assert_eq!(
            r.pull(),
            OciReference::SemVer {
                range: "1.x",
                filter: None
            }
        );
        let r = OCIRepositoryRef {
            tag: Some("v1".into()),
            ..Default::default()
        };
        assert_eq!(r.pull(), OciReference::Tag("v1"));
    }

    #[test]
    fn validation_names_fields() {
        let mut value = docs(FULL).remove(0);
        value["spec"]["url"] = "ghcr.io/org/repo".into();
        value["spec"]["interval"] = "10".into();
        value["spec"]["timeout"] = "1h".into();
        let repo: OCIRepository = round_trip(&value);
        let err = repo.validate().expect_err("invalid");
        assert_eq!(fields(&err), ["spec.url", "spec.interval", "spec.timeout"]);
        let mut value = docs(FULL).remove(0);
        value["spec"]["layerSelector"]["operation"] = "unpack".into();
        let err = crate::api::parse::<OCIRepository>(&value).expect_err("invalid operation");
        assert!(
            err.to_string().contains("spec.layerSelector.operation"),
            "{err}"
        );
        let mut value = docs(FULL).remove(0);
        value["spec"]["verify"]["provider"] = "gpg".into();
        let err = crate::api::parse::<OCIRepository>(&value).expect_err("invalid provider");
        assert!(err.to_string().contains("spec.verify.provider"), "{err}");
    }

    #[test]
    fn corpus_objects_round_trip() {
        let n = round_trip_corpus::<OCIRepository>("OCIRepository");
        eprintln!("{n} OCIRepository objects round-tripped");
    }
}
