//! ImageRepository (`image.toolkit.fluxcd.io/v1`): scans the tags of an image repository.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::api::meta::{
    DURATION_PATTERN, DURATION_PATTERN_NO_HOURS, LocalObjectReference, ReconcileRequestStatus,
};
use crate::api::validate::{Validate, ValidationError, Validator};
use crate::conditions::Condition;

/// Tags excluded from scans when `spec.exclusionList` is unset or empty (cosign signatures).
pub const DEFAULT_EXCLUSION_LIST: &[&str] = &[r"^.*\.sig$"];
/// Maximum number of `spec.exclusionList` entries.
const MAX_EXCLUSIONS: usize = 25;

/// The desired state of an ImageRepository.
// Several printer columns share `type_ = "string"`, which clippy takes for a duplicate.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "image.toolkit.fluxcd.io",
    version = "v1",
    kind = "ImageRepository",
    namespaced,
    status = "ImageRepositoryStatus",
    shortname = "imgrepo",
    shortname = "imagerepo",
    category = "all",
    category = "fluxcd",
    category = "fluxcd-images",
    printcolumn(name = "Image", type_ = "string", json_path = ".spec.image"),
    printcolumn(
        name = "Tags",
        type_ = "string",
        json_path = ".status.lastScanResult.tagCount"
    ),
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = r#".status.conditions[?(@.type=="Ready")].status"#
    ),
    printcolumn(
        name = "Status",
        type_ = "string",
        json_path = r#".status.conditions[?(@.type=="Ready")].message"#
    ),
    printcolumn(
        name = "Last scan",
        type_ = "string",
        json_path = ".status.lastScanResult.scanTime",
        priority = 1
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    ),
    derive = "PartialEq",
    derive = "Default",
    doc = "An image repository whose tags are scanned periodically."
)]
#[serde(rename_all = "camelCase")]
pub struct ImageRepositorySpec {
    /// The image repository, e.g. `ghcr.io/stefanprodan/podinfo`.
    pub image: String,
    /// Time between scans.
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub interval: String,
    /// Timeout of a scan (no hours); the interval when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN_NO_HOURS))]
    pub timeout: Option<String>,
    /// A `kubernetes.io/dockerconfigjson` Secret with registry credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalObjectReference>,
    /// Secret with the proxy `address` and optional `username`/`password`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_secret_ref: Option<LocalObjectReference>,
    /// ServiceAccount whose image pull secrets authenticate the scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 253))]
    pub service_account_name: Option<String>,
    /// Secret with TLS material (`tls.crt`, `tls.key`, `ca.crt`) for the registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_secret_ref: Option<LocalObjectReference>,
    /// Stops scanning while true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    /// Which namespaces may reference this object from other namespaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_from: Option<AccessFrom>,
    /// Regular expressions of tags not stored (at most 25); `^.*\.sig$` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 25), extend("default" = [r"^.*\.sig$"]))]
    pub exclusion_list: Option<Vec<String>>,
    /// Cloud provider for registry authentication; `generic` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "generic"))]
    pub provider: Option<RegistryProvider>,
    /// Allows a registry over plain HTTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure: Option<bool>,
}

/// Registry authentication providers.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RegistryProvider {
    /// Credentials from `secretRef` / the ServiceAccount, or anonymous.
    #[default]
    Generic,
    /// Amazon ECR.
    Aws,
    /// Azure Container Registry.
    Azure,
    /// Google Artifact/Container Registry.
    Gcp,
}

/// Cross-namespace access rule (`fluxcd/pkg/apis/acl.AccessFrom`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessFrom {
    /// Namespaces (by labels) allowed to reference the object; any selector may match.
    pub namespace_selectors: Vec<NamespaceSelector>,
}

/// Selects namespaces by their labels.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceSelector {
    /// Labels the namespace must carry (all of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_labels: Option<BTreeMap<String, String>>,
}

/// The observed state of an ImageRepository.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("default" = {"observedGeneration": -1}))]
pub struct ImageRepositoryStatus {
    /// Conditions of the ImageRepository (`Ready`, `Reconciling`, `Stalled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
    /// The last generation reconciled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// The image name with the implied parts spelled out (`docker.io/library/alpine`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical_image_name: Option<String>,
    /// Outcome of the last scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_scan_result: Option<ScanResult>,
    /// The exclusion list the last scan used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_exclusion_list: Option<Vec<String>>,
    /// The last handled `reconcile.fluxcd.io/requestedAt` value.
    #[serde(flatten)]
    pub reconcile_request: ReconcileRequestStatus,
}

/// Outcome of a scan. `revision` and `scanTime` are always written (the Go fields have no
/// `omitempty`; an unset time is written as `null`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScanResult {
    /// Stable hash of the scanned tags.
    #[serde(default)]
    #[schemars(transform = super::no_default)]
    pub revision: String,
    /// Number of tags found.
    #[schemars(schema_with = "integer_schema")]
    pub tag_count: i64,
    /// When the scan ran.
    #[serde(default)]
    pub scan_time: Option<Time>,
    /// Sample of the tags: the first ten in descending alphabetical order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_tags: Option<Vec<String>>,
}

/// A Go `int`: `type: integer` without a format.
fn integer_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "integer" })
}

impl ImageRepositorySpec {
    /// The scan timeout: `timeout`, else the interval.
    pub fn timeout(&self) -> &str {
        self.timeout.as_deref().unwrap_or(&self.interval)
    }

    /// The tag exclusion list: [`DEFAULT_EXCLUSION_LIST`] when unset or empty.
    pub fn exclusion_list(&self) -> Vec<String> {
        match self.exclusion_list.as_deref() {
            Some(list) if !list.is_empty() => list.to_vec(),
            _ => DEFAULT_EXCLUSION_LIST
                .iter()
                .map(|s| (*s).to_string())
                .collect(),
        }
    }

    /// The authentication provider, `generic` when unset.
    pub fn provider(&self) -> RegistryProvider {
        self.provider.unwrap_or_default()
    }

    /// Whether scanning is suspended.
    pub fn suspended(&self) -> bool {
        self.suspend.unwrap_or(false)
    }
}

impl Validate for ImageRepository {
    fn validate(&self) -> Result<(), ValidationError> {
        let spec = &self.spec;
        let mut v = Validator::new();
        v.duration("spec.interval", Some(&spec.interval));
        v.pattern(
            "spec.timeout",
            spec.timeout.as_deref(),
            DURATION_PATTERN_NO_HOURS,
        );
        v.length(
            "spec.serviceAccountName",
            spec.service_account_name.as_deref(),
            None,
            Some(253),
        );
        if let Some(list) = spec
            .exclusion_list
            .as_ref()
            .filter(|l| l.len() > MAX_EXCLUSIONS)
        {
            v.error(
                "spec.exclusionList",
                format!(
                    "Too many: {}: must have at most {MAX_EXCLUSIONS} items",
                    list.len()
                ),
            );
        }
        v.finish(
            "ImageRepository",
            self.metadata.name.as_deref().unwrap_or_default(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::notification::test_support::{corpus_objects, docs, round_trip};

    const API_VERSION: &str = "image.toolkit.fluxcd.io/v1";

    const SAMPLES: &str = r#"
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  image: ghcr.io/stefanprodan/podinfo
  interval: 5m
  timeout: 1m30s
  secretRef:
    name: regcred
  proxySecretRef:
    name: proxy
  serviceAccountName: image-scanner
  certSecretRef:
    name: registry-ca
  suspend: false
  accessFrom:
    namespaceSelectors:
      - matchLabels:
          kubernetes.io/metadata.name: apps
      - {}
  exclusionList:
    - "^.*\\.sig$"
    - "^sha256-.*"
  provider: aws
  insecure: true
status:
  observedGeneration: 2
  canonicalImageName: ghcr.io/stefanprodan/podinfo
  lastHandledReconcileAt: "2024-05-01T10:00:00Z"
  observedExclusionList: ["^.*\\.sig$", "^sha256-.*"]
  lastScanResult:
    revision: sha256:5b9a7e1b3c6a1d2f
    tagCount: 42
    scanTime: "2024-05-01T10:00:01Z"
    latestTags: ["6.5.0", "6.4.1"]
  conditions:
    - type: Ready
      status: "True"
      reason: Succeeded
      message: "successful scan: found 42 tags"
      lastTransitionTime: "2024-05-01T10:00:01Z"
      observedGeneration: 2
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata:
  name: minimal
spec:
  image: alpine
  interval: 1h
status:
  lastScanResult:
    revision: ""
    tagCount: 0
    scanTime: null
"#;

    #[test]
    fn samples_round_trip() {
        let docs = docs(SAMPLES, API_VERSION, "ImageRepository");
        assert_eq!(docs.len(), 2);
        let full: ImageRepository = round_trip(&docs[0]);
        assert_eq!(full.spec.provider(), RegistryProvider::Aws);
        assert_eq!(full.spec.timeout(), "1m30s");
        full.validate().expect("valid");
        let minimal: ImageRepository = round_trip(&docs[1]);
        assert_eq!(minimal.spec.provider(), RegistryProvider::Generic);
        assert_eq!(minimal.spec.timeout(), "1h");
        assert_eq!(minimal.spec.exclusion_list(), [r"^.*\.sig$"]);
        assert!(!minimal.spec.suspended());
    }

    #[test]
    fn corpus_round_trips() {
        let Some(objects) = corpus_objects(API_VERSION, "ImageRepository") else {
            eprintln!("note: ../shared/corpus is absent; corpus ImageRepositories not checked");
            return;
        };
        for (file, object) in &objects {
            let repo: ImageRepository = round_trip(object);
            repo.validate().unwrap_or_else(|e| panic!("{file}: {e}"));
        }
        eprintln!("{} corpus ImageRepositories round-tripped", objects.len());
    }

    #[test]
    fn unknown_provider_names_the_field() {
        let mut value = docs(SAMPLES, API_VERSION, "ImageRepository").remove(0);
        value["spec"]["provider"] = "github".into();
        let err = crate::api::parse::<ImageRepository>(&value).expect_err("unknown provider");
        assert!(err.to_string().contains("spec.provider"), "{err}");
    }

    #[test]
    fn validation_names_the_field() {
        let mut repo: ImageRepository =
            crate::api::parse(&docs(SAMPLES, API_VERSION, "ImageRepository")[0]).expect("parse");
        repo.spec.interval = "5 minutes".into();
        repo.spec.timeout = Some("1h".into());
        repo.spec.service_account_name = Some("s".repeat(254));
        repo.spec.exclusion_list = Some(vec!["x".into(); 26]);
        let err = repo.validate().expect_err("invalid");
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "spec.interval",
                "spec.timeout",
                "spec.serviceAccountName",
                "spec.exclusionList"
            ]
        );
    }
}
