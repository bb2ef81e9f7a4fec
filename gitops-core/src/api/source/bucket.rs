//! `Bucket`: the objects of an S3-compatible, GCS or Azure Blob bucket, packaged as an
//! artifact.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{DEFAULT_TIMEOUT, STS_ENDPOINT_PATTERN, cel_failure, check_timeout};
use crate::api::meta::{
    Artifact, DURATION_PATTERN, DURATION_PATTERN_NO_HOURS, LocalObjectReference,
    ReconcileRequestStatus,
};
use crate::api::validate::{Validate, ValidationError, Validator};
use crate::conditions::Condition;

/// The CEL rules of `Bucket.spec`, as `(rule, message)`, in the CRD's order.
const SPEC_RULES: [(&str, &str); 7] = [
    (
        "self.provider == 'aws' || self.provider == 'generic' || !has(self.sts)",
        "STS configuration is only supported for the 'aws' and 'generic' Bucket providers",
    ),
    (
        "self.provider != 'aws' || !has(self.sts) || self.sts.provider == 'aws'",
        "'aws' is the only supported STS provider for the 'aws' Bucket provider",
    ),
    (
        "self.provider != 'generic' || !has(self.sts) || self.sts.provider == 'ldap'",
        "'ldap' is the only supported STS provider for the 'generic' Bucket provider",
    ),
    (
        "!has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.secretRef)",
        "spec.sts.secretRef is not required for the 'aws' STS provider",
    ),
    (
        "!has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.certSecretRef)",
        "spec.sts.certSecretRef is not required for the 'aws' STS provider",
    ),
    (
        "self.provider != 'generic' || !has(self.serviceAccountName)",
        "ServiceAccountName is not supported for the 'generic' Bucket provider",
    ),
    (
        "!has(self.secretRef) || !has(self.serviceAccountName)",
        "cannot set both .spec.secretRef and .spec.serviceAccountName",
    ),
];

/// Desired state of a Bucket.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "source.toolkit.fluxcd.io",
    version = "v1",
    kind = "Bucket",
    namespaced,
    status = "BucketStatus",
    derive = "PartialEq",
    category = "all",
    category = "fluxcd",
    category = "fluxcd-sources",
    printcolumn = r#"{"name": "Endpoint", "type": "string", "jsonPath": ".spec.endpoint"}"#,
    printcolumn = r#"{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}"#,
    printcolumn = r#"{"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name": "Status", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].message"}"#
)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = spec_rules)]
pub struct BucketSpec {
    /// Storage provider; `generic` (S3 API) when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "generic"))]
    pub provider: Option<BucketProvider>,
    /// Name of the bucket.
    pub bucket_name: String,
    /// Address of the storage service (host and optional port).
    pub endpoint: String,
    /// Security Token Service for temporary credentials (`aws` and `generic` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sts: Option<BucketSTSSpec>,
    /// Allows plain-HTTP endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure: Option<bool>,
    /// Region of the bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Server-side key prefix filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Secret with the access credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalObjectReference>,
    /// ServiceAccount whose workload identity authenticates (not `generic`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    /// Secret with a client certificate and/or CA (`generic` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_secret_ref: Option<LocalObjectReference>,
    /// Secret with the proxy settings (`address`, `username`, `password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_secret_ref: Option<LocalObjectReference>,
    /// How often the bucket is checked for changes (approximate, jittered).
    #[schemars(regex(pattern = DURATION_PATTERN))]
    pub interval: String,
    /// Timeout of fetch operations; 60s when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = DURATION_PATTERN_NO_HOURS), extend("default" = "60s"))]
    pub timeout: Option<String>,
    /// Exclusion patterns (`.sourceignore` syntax) replacing the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore: Option<String>,
    /// Stops reconciliation while true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
}

/// Adds the CEL rules of [`SPEC_RULES`] to the spec schema.
fn spec_rules(schema: &mut schemars::Schema) {
    let rules = SPEC_RULES
        .iter()
        .map(|(rule, message)| serde_json::json!({ "message": message, "rule": rule }))
        .collect();
    schema.insert(
        "x-kubernetes-validations".into(),
        serde_json::Value::Array(rules),
    );
}

impl BucketSpec {
    /// The fetch timeout (`60s` when unset).
    pub fn timeout(&self) -> &str {
        self.timeout.as_deref().unwrap_or(DEFAULT_TIMEOUT)
    }

    /// The storage provider (`generic` when unset).
    pub fn provider(&self) -> BucketProvider {
        self.provider.unwrap_or_default()
    }

    /// Whether reconciliation is suspended.
    pub fn suspended(&self) -> bool {
        self.suspend.unwrap_or(false)
    }
}

/// Object storage provider of a Bucket.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum BucketProvider {
    /// Any S3-compatible API (MinIO, …).
    #[default]
    #[serde(rename = "generic")]
    Generic,
    /// Amazon S3.
    #[serde(rename = "aws")]
    Aws,
    /// Google Cloud Storage.
    #[serde(rename = "gcp")]
    Gcp,
    /// Azure Blob Storage.
    #[serde(rename = "azure")]
    Azure,
}

impl BucketProvider {
    /// The value as written in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            BucketProvider::Generic => "generic",
            BucketProvider::Aws => "aws",
            BucketProvider::Gcp => "gcp",
            BucketProvider::Azure => "azure",
        }
    }
}

/// Security Token Service provider.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum StsProvider {
    /// AWS STS.
    #[default]
    #[serde(rename = "aws")]
    Aws,
    /// LDAP (MinIO's STS).
    #[serde(rename = "ldap")]
    Ldap,
}

/// Security Token Service settings of a Bucket.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BucketSTSSpec {
    /// Which STS is used.
    pub provider: StsProvider,
    /// HTTP(S) address of the STS.
    #[schemars(regex(pattern = STS_ENDPOINT_PATTERN))]
    pub endpoint: String,
    /// Secret with `username` and `password` (`ldap` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalObjectReference>,
    /// Secret with a client certificate and/or CA (`ldap` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_secret_ref: Option<LocalObjectReference>,
}

/// Observed state of a Bucket.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("default" = {"observedGeneration": -1}))]
pub struct BucketStatus {
    /// Last generation reconciled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// `Ready`, `Reconciling`, `Stalled`, `ArtifactInStorage`, ….
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
    /// Last handled `reconcile.fluxcd.io/requestedAt`.
    #[serde(flatten)]
    pub reconcile_request: ReconcileRequestStatus,
}

impl Validate for Bucket {
    fn validate(&self) -> Result<(), ValidationError> {
        let mut v = Validator::new();
        let spec = &self.spec;
        v.duration("spec.interval", Some(&spec.interval));
        check_timeout(&mut v, "spec.timeout", spec.timeout.as_deref());
        if let Some(sts) = &spec.sts {
            v.pattern(
                "spec.sts.endpoint",
                Some(&sts.endpoint),
                STS_ENDPOINT_PATTERN,
            );
        }
        // The API server applies `provider: generic` before evaluating the rules.
        let provider = spec.provider();
        let sts = spec.sts.as_ref();
        let sts_provider = sts.map(|s| s.provider);
        let passes = [
            matches!(provider, BucketProvider::Aws | BucketProvider::Generic) || sts.is_none(),
            provider != BucketProvider::Aws || sts_provider.is_none_or(|p| p == StsProvider::Aws),
            provider != BucketProvider::Generic
                || sts_provider.is_none_or(|p| p == StsProvider::Ldap),
            sts.is_none_or(|s| s.provider != StsProvider::Aws || s.secret_ref.is_none()),
            sts.is_none_or(|s| s.provider != StsProvider::Aws || s.cert_secret_ref.is_none()),
            provider != BucketProvider::Generic || spec.service_account_name.is_none(),
            spec.secret_ref.is_none() || spec.service_account_name.is_none(),
        ];
        for (ok, (_, message)) in passes.into_iter().zip(SPEC_RULES) {
            if !ok {
                cel_failure(&mut v, "spec", message);
            }
        }
        v.finish("Bucket", self.metadata.name.as_deref().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::source::common::testing::{docs, fields, round_trip, round_trip_corpus};

    const FULL: &str = r#"
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: podinfo
  namespace: flux-system
spec:
  provider: generic
  bucketName: podinfo
  endpoint: minio.minio.svc.cluster.local:9000
  sts:
    provider: ldap
    endpoint: https://minio.minio.svc.cluster.local:9000
    secretRef:
      name: ldap-credentials
    certSecretRef:
      name: ldap-tls
  insecure: false
  region: us-east-1
  prefix: manifests/
  secretRef:
    name: minio-credentials
  certSecretRef:
    name: minio-tls
  proxySecretRef:
    name: proxy
  interval: 1m
  timeout: 30s
  ignore: "*.txt"
  suspend: false
status:
  observedGeneration: 1
  conditions:
    - type: Ready
      status: "True"
      reason: Succeeded
      message: stored artifact
      lastTransitionTime: "2024-05-01T10:00:00Z"
  url: http://source-controller.flux-system.svc.cluster.local./bucket/flux-system/podinfo/latest.tar.gz
  artifact:
    digest: sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
    lastUpdateTime: "2024-05-01T10:00:00Z"
    path: bucket/flux-system/podinfo/2c26b46b.tar.gz
    revision: sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
    size: 42
    url: http://source-controller.flux-system.svc.cluster.local./bucket/flux-system/podinfo/2c26b46b.tar.gz
  observedIgnore: "*.txt"
  lastHandledReconcileAt: "1714557600"
"#;

    #[test]
    fn full_sample_round_trips() {
        let value = docs(FULL).remove(0);
        let bucket: Bucket = round_trip(&value);
        assert_eq!(bucket.spec.provider(), BucketProvider::Generic);
        assert_eq!(bucket.spec.timeout(), "30s");
        assert_eq!(bucket.validate(), Ok(()));
    }

    #[test]
    fn defaults() {
        let value = docs("apiVersion: source.toolkit.fluxcd.io/v1\nkind: Bucket\nmetadata:\n  name: b\nspec:\n  bucketName: b\n  endpoint: s3.amazonaws.com\n  interval: 5m\n").remove(0);
        let bucket: Bucket = round_trip(&value);
        assert_eq!(bucket.spec.provider(), BucketProvider::Generic);
        assert_eq!(bucket.spec.timeout(), "60s");
        assert_eq!(bucket.validate(), Ok(()));
    }

    #[test]
    fn cel_rules() {
        let base = docs(FULL).remove(0);
        let check = |patch: &dyn Fn(&mut serde_json::Value)| {
            let mut value = base.clone();
            patch(&mut value);
            let bucket: Bucket = round_trip(&value);
            bucket.validate().map_err(|e| e.to_string())
        };
        // gcp with STS.
        let err = check(&|v| v["spec"]["provider"] = "gcp".into()).expect_err("sts on gcp");
        assert!(
            err.contains("only supported for the 'aws' and 'generic'"),
            "{err}"
        );
        // aws bucket with ldap STS.
        let err = check(&|v| v["spec"]["provider"] = "aws".into()).expect_err("ldap on aws");
        assert!(
            err.contains("'aws' is the only supported STS provider"),
            "{err}"
        );
        // generic (defaulted) bucket with aws STS and secrets.
        let err = check(&|v| {
            v["spec"].as_object_mut().map(|m| m.remove("provider"));
            v["spec"]["sts"]["provider"] = "aws".into();
        })
        .expect_err("aws sts on generic");
        assert!(err.contains("'ldap' is the only supported"), "{err}");
        assert!(err.contains("spec.sts.secretRef is not required"), "{err}");
        assert!(
            err.contains("spec.sts.certSecretRef is not required"),
            "{err}"
        );
        // service account on generic, and together with secretRef.
        let err = check(&|v| v["spec"]["serviceAccountName"] = "sa".into()).expect_err("sa");
        assert!(
            err.contains("not supported for the 'generic' Bucket provider"),
            "{err}"
        );
        assert!(
            err.contains("cannot set both .spec.secretRef and .spec.serviceAccountName"),
            "{err}"
        );
        // aws with aws STS and a service account only is fine.
        check(&|v| {
            v["spec"]["provider"] = "aws".into();
            v["spec"]["sts"] =
                serde_json::json!({"provider": "aws", "endpoint": "https://sts.amazonaws.com"});
            v["spec"].as_object_mut().map(|m| m.remove("secretRef"));
            v["spec"]["serviceAccountName"] = "sa".into();
        })
        .expect("valid aws bucket");
    }

    #[test]
    fn validation_names_fields() {
        let mut value = docs(FULL).remove(0);
        value["spec"]["interval"] = "1d".into();
        value["spec"]["timeout"] = "2h".into();
        value["spec"]["sts"]["endpoint"] = "minio:9000".into();
        let bucket: Bucket = round_trip(&value);
        let err = bucket.validate().expect_err("invalid");
        assert_eq!(
            fields(&err),
            ["spec.interval", "spec.timeout", "spec.sts.endpoint"]
        );
        let mut value = docs(FULL).remove(0);
        value["spec"]["provider"] = "s3".into();
        let err = crate::api::parse::<Bucket>(&value).expect_err("invalid provider");
        assert!(err.to_string().contains("spec.provider"), "{err}");
        let mut value = docs(FULL).remove(0);
        value["spec"]["sts"]["provider"] = "oidc".into();
        let err = crate::api::parse::<Bucket>(&value).expect_err("invalid sts provider");
        assert!(err.to_string().contains("spec.sts.provider"), "{err}");
    }

    #[test]
    fn corpus_objects_round_trip() {
        let n = round_trip_corpus::<Bucket>("Bucket");
        eprintln!("{n} Bucket objects round-tripped");
    }
}
