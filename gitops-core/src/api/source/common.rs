//! Pieces shared by several source kinds: the group's identity, URL patterns and
//! defaults, signature verification of OCI artifacts, the provisional cross-namespace
//! access list, and the CEL-style checks the kinds have in common.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::api::meta::DURATION_PATTERN_NO_HOURS;
use crate::api::validate::Validator;

/// API group of the source kinds.
pub const GROUP: &str = "source.toolkit.fluxcd.io";
/// API version of the source kinds implemented here.
pub const VERSION: &str = "v1";
/// `apiVersion` of the source kinds implemented here.
pub const API_VERSION: &str = "source.toolkit.fluxcd.io/v1";

/// Timeout of source operations (clone, pull, fetch) when `spec.timeout` is unset.
pub const DEFAULT_TIMEOUT: &str = "60s";
/// Pattern of `GitRepository.spec.url`: HTTP(S) or SSH URLs (no scp-like `user@host:path`).
pub const GIT_URL_PATTERN: &str = "^(http|https|ssh)://.*$";
/// Pattern of `OCIRepository.spec.url`.
pub const OCI_URL_PATTERN: &str = "^oci://.*$";
/// Pattern of `HelmRepository.spec.url`.
pub const HELM_URL_PATTERN: &str = "^(http|https|oci)://.*$";
/// Pattern of `Bucket.spec.sts.endpoint`.
pub const STS_ENDPOINT_PATTERN: &str = "^(http|https)://.*$";

/// Authentication provider for OCI registries (OCIRepository, HelmRepository of type `oci`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum OciProvider {
    /// Static credentials from `secretRef` (or anonymous access).
    #[default]
    #[serde(rename = "generic")]
    Generic,
    /// AWS ECR through the controller's IAM identity.
    #[serde(rename = "aws")]
    Aws,
    /// Azure Container Registry through workload identity.
    #[serde(rename = "azure")]
    Azure,
    /// Google Artifact Registry through workload identity.
    #[serde(rename = "gcp")]
    Gcp,
}

impl OciProvider {
    /// The value as written in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            OciProvider::Generic => "generic",
            OciProvider::Aws => "aws",
            OciProvider::Azure => "azure",
            OciProvider::Gcp => "gcp",
        }
    }
}

/// Signing technology used to verify an OCI artifact.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum VerificationProvider {
    /// Sigstore cosign signatures (keys or keyless).
    #[default]
    #[serde(rename = "cosign")]
    Cosign,
    /// Notary project signatures.
    #[serde(rename = "notation")]
    Notation,
}

impl VerificationProvider {
    /// The value as written in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            VerificationProvider::Cosign => "cosign",
            VerificationProvider::Notation => "notation",
        }
    }
}

/// Identity matcher for keyless (Fulcio certificate) signatures: both regular
/// expressions must match the certificate's issuer and subject.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OIDCIdentityMatch {
    /// Regular expression (Go syntax) the OIDC issuer must match.
    pub issuer: String,
    /// Regular expression (Go syntax) the certificate subject must match.
    pub subject: String,
}

/// Cross-namespace access list (provisional in Flux, not enforced).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessFrom {
    /// Namespaces allowed to reference the object; any selector matching is enough.
    pub namespace_selectors: Vec<NamespaceSelector>,
}

/// Selects namespaces by label; an empty selector matches every namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceSelector {
    /// Labels a namespace must carry, all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_labels: Option<BTreeMap<String, String>>,
}

/// A string field set to a non-empty value (Go's `!= ""` test on `omitempty` strings).
pub(crate) fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// Checks a source `timeout` (a duration without hours).
pub(crate) fn check_timeout(v: &mut Validator, field: &str, value: Option<&str>) {
    v.pattern(field, value, DURATION_PATTERN_NO_HOURS);
}

/// Records a failed CEL rule the way the API server reports it: on the object carrying
/// the rule.
pub(crate) fn cel_failure(v: &mut Validator, field: &str, message: &str) {
    v.error(field, format!("Invalid value: \"object\": {message}"));
}

#[cfg(test)]
pub(crate) mod testing {
    //! Round-trip helpers for the source kinds' tests.

    use std::path::{Path, PathBuf};

    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    /// Every document of a (multi-document) YAML text, without empty documents.
    pub fn docs(text: &str) -> Vec<Value> {
        serde_saphyr::from_multiple::<Value>(text)
            .expect("parse YAML sample")
            .into_iter()
            .filter(Value::is_object)
            .collect()
    }

    /// Reads `value` as `T`, writes it back and requires the exact input.
    pub fn round_trip<T: DeserializeOwned + Serialize>(value: &Value) -> T {
        let typed: T = crate::api::parse(value).unwrap_or_else(|e| panic!("parse {value}: {e}"));
        let back = serde_json::to_value(&typed).expect("serialise");
        assert_eq!(&back, value, "round trip changed the object");
        typed
    }

    fn corpus_dir() -> Option<PathBuf> {
        let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
        dir.is_dir().then_some(dir)
    }

    fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                yaml_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }

    /// The objects of `kind` (`source.toolkit.fluxcd.io/v1`) in the shared corpus, with
    /// the file each came from; `None` when the corpus is absent.
    pub fn corpus_objects(kind: &str) -> Option<Vec<(String, Value)>> {
        let Some(dir) = corpus_dir() else {
            eprintln!("note: ../shared/corpus is absent; corpus round trips of {kind} skipped");
            return None;
        };
        let mut files = Vec::new();
        yaml_files(&dir, &mut files);
        files.sort();
        let mut out = Vec::new();
        for file in files {
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            if !text.contains(super::API_VERSION) || !text.contains(kind) {
                continue;
            }
            // Chart templates and other non-YAML files are skipped.
            let Ok(docs) = serde_saphyr::from_multiple::<Value>(&text) else {
                continue;
            };
            for doc in docs {
                if doc.get("apiVersion").and_then(Value::as_str) == Some(super::API_VERSION)
                    && doc.get("kind").and_then(Value::as_str) == Some(kind)
                {
                    out.push((file.display().to_string(), doc));
                }
            }
        }
        Some(out)
    }

    /// Round-trips every corpus object of `kind`, returning how many there were.
    pub fn round_trip_corpus<T: DeserializeOwned + Serialize>(kind: &str) -> usize {
        let Some(objects) = corpus_objects(kind) else {
            return 0;
        };
        for (file, value) in &objects {
            let typed: T = crate::api::parse(value).unwrap_or_else(|e| panic!("{file}: {e}"));
            let back = serde_json::to_value(&typed).expect("serialise");
            assert_eq!(&back, value, "{file}: round trip changed the object");
        }
        objects.len()
    }

    /// The field paths of a validation error.
    pub fn fields(err: &crate::api::ValidationError) -> Vec<&str> {
        err.errors.iter().map(|e| e.field.as_str()).collect()
    }
}
