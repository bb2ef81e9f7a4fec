//! Flag values parsed the way flux's flags parse them (pflag value types and
//! `internal/flags` of flux2), with the same error messages.
//!
//! Every parser returns the bare cause; `main` wraps flag errors as pflag does:
//! `invalid argument "<value>" for "--<flag>" flag: <cause>`.

use std::collections::BTreeMap;

use gitops_core::duration::Duration;

use crate::gostr::{quote, trim_space};

/// pflag's `DurationVar`: Go's `time.ParseDuration`.
pub fn duration(s: &str) -> Result<Duration, String> {
    s.parse::<Duration>().map_err(|e| e.to_string())
}

/// pflag's `BoolVar`: Go's `strconv.ParseBool`.
pub fn boolean(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(format!(
            "strconv.ParseBool: parsing {}: invalid syntax",
            quote(s)
        )),
    }
}

/// pflag's `StringSliceVar` value: one record of Go's `encoding/csv` reader.
pub fn csv(s: &str) -> Result<Vec<String>, String> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let bytes = s.as_bytes();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut i = 0;
    let err = |col: usize, what: &str| format!("parse error on line 1, column {col}: {what}");
    loop {
        if bytes.get(i) == Some(&b'"') {
            // Quoted field.
            i += 1;
            loop {
                match s[i..].find('"') {
                    None => {
                        return Err(err(s.len() + 1, "extraneous or missing \" in quoted-field"));
                    }
                    Some(q) => {
                        field.push_str(&s[i..i + q]);
                        i += q + 1;
                        match bytes.get(i) {
                            Some(b'"') => {
                                field.push('"');
                                i += 1;
                            }
                            Some(b',') => {
                                i += 1;
                                fields.push(std::mem::take(&mut field));
                                break;
                            }
                            None | Some(b'\n') | Some(b'\r') => {
                                fields.push(std::mem::take(&mut field));
                                return Ok(fields);
                            }
                            Some(_) => {
                                return Err(err(i + 1, "extraneous or missing \" in quoted-field"));
                            }
                        }
                    }
                }
            }
        } else {
            let end = s[i..].find([',', '\n']).map_or(s.len(), |p| i + p);
            let raw = s[i..end].trim_end_matches('\r');
            if let Some(q) = raw.find('"') {
                return Err(err(i + q + 1, "bare \" in non-quoted-field"));
            }
            fields.push(raw.to_string());
            if bytes.get(end) == Some(&b',') {
                i = end + 1;
            } else {
                return Ok(fields);
            }
        }
    }
}

/// Validates one occurrence of a string-slice flag (returns it unchanged).
pub fn csv_raw(s: &str) -> Result<String, String> {
    csv(s).map(|_| s.to_string())
}

/// The values of a string-slice flag given several times (each occurrence is CSV).
pub fn slice(occurrences: &[String]) -> Vec<String> {
    occurrences
        .iter()
        .flat_map(|o| csv(o).unwrap_or_default())
        .collect()
}

/// flux's `parseLabels`: `key=value` pairs validated like Kubernetes labels.
pub fn labels(occurrences: &[String]) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for label in slice(occurrences) {
        let parts: Vec<&str> = label.split('=').collect();
        if parts.len() != 2 {
            return Err(format!("invalid label format '{label}', must be key=value"));
        }
        let errs = label_key_errors(parts[0]);
        if !errs.is_empty() {
            return Err(format!(
                "invalid label '{}': [{}]",
                parts[0],
                errs.join(" ")
            ));
        }
        let errs = label_value_errors(parts[1]);
        if !errs.is_empty() {
            return Err(format!(
                "invalid label value '{}': [{}]",
                parts[1],
                errs.join(" ")
            ));
        }
        out.insert(parts[0].to_string(), parts[1].to_string());
    }
    Ok(out)
}

const LABEL_KEY_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_KEY_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

fn regex_error(msg: &str, re: &str, examples: &[&str]) -> String {
    let shown: Vec<String> = examples.iter().map(|e| format!("'{e}', ")).collect();
    format!(
        "{msg} (e.g. {}regex used for validation is '{re}')",
        shown.join(" or ")
    )
}

/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`
fn is_label_key_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// A lowercase RFC 1123 label: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
pub fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && is_lower_alnum(b[0])
        && is_lower_alnum(b[b.len() - 1])
        && b.iter().all(|&c| is_lower_alnum(c) || c == b'-')
}

fn is_lower_alnum(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

fn dns1123_subdomain_errors(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push("must be no more than 253 bytes".to_string());
    }
    let valid = s.split('.').all(|label| {
        let b = label.as_bytes();
        !b.is_empty()
            && is_lower_alnum(b[0])
            && is_lower_alnum(b[b.len() - 1])
            && b.iter().all(|&c| is_lower_alnum(c) || c == b'-')
    });
    if !valid {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_MSG,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// Kubernetes' `IsQualifiedName` (label keys).
pub fn qualified_name_errors(value: &str) -> Vec<String> {
    label_key_errors(value)
}

fn label_key_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                errs.extend(
                    dns1123_subdomain_errors(prefix)
                        .into_iter()
                        .map(|m| format!("prefix part {m}")),
                );
            }
            *name
        }
        _ => {
            errs.push(format!(
                "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(LABEL_KEY_MSG, LABEL_KEY_FMT, &["MyName", "my.name", "123-abc"])
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errs.push("name part must be no more than 63 bytes".to_string());
    }
    if !is_label_key_name(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                LABEL_KEY_MSG,
                LABEL_KEY_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

/// Kubernetes' `IsValidLabelValue`.
fn label_value_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push("must be no more than 63 bytes".to_string());
    }
    if !value.is_empty() && !is_label_key_name(value) {
        errs.push(regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
            &format!("({LABEL_KEY_FMT})?"),
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// flux's `validateObjectName`: `^[a-z0-9]([a-z0-9\-]){0,61}[a-z0-9]$`.
pub fn validate_object_name(name: &str) -> bool {
    let b = name.as_bytes();
    (2..=63).contains(&b.len())
        && is_lower_alnum(b[0])
        && is_lower_alnum(b[b.len() - 1])
        && b.iter().all(|&c| is_lower_alnum(c) || c == b'-')
}

/// flux's `utils.ParseObjectKindName`: `<kind>/<name>`, or just a name.
pub fn parse_object_kind_name(input: &str) -> (String, String) {
    let parts: Vec<&str> = input.split('/').collect();
    match parts.as_slice() {
        [kind, name] => (kind.to_string(), name.to_string()),
        _ => (String::new(), input.to_string()),
    }
}

/// flux's `utils.ParseObjectKindNameNamespace`: `<kind>/<name>.<namespace>`.
pub fn parse_object_kind_name_namespace(input: &str) -> (String, String, String) {
    let (kind, mut name) = parse_object_kind_name(input);
    let mut namespace = String::new();
    if let Some(dot) = name.rfind('.') {
        namespace = name[dot + 1..].to_string();
        name.truncate(dot);
    }
    (kind, name, namespace)
}

/// A source reference given as `<kind>/<name>.<namespace>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceRef {
    /// The kind, spelled as the API spells it.
    pub kind: String,
    /// The name.
    pub name: String,
    /// The namespace; empty for the object's own.
    pub namespace: String,
}

fn equal_fold<'a>(supported: &[&'a str], kind: &str) -> Option<&'a str> {
    supported
        .iter()
        .find(|s| s.eq_ignore_ascii_case(kind))
        .copied()
}

const KS_SOURCE_KINDS: [&str; 3] = ["OCIRepository", "GitRepository", "Bucket"];
const CHART_SOURCE_KINDS: [&str; 3] = ["HelmRepository", "GitRepository", "Bucket"];

/// `create kustomization --source`: `[<kind>/]<name>.<namespace>`, kind defaults to
/// GitRepository.
pub fn kustomization_source(s: &str) -> Result<SourceRef, String> {
    if trim_space(s).is_empty() {
        return Err(format!(
            "no Kustomization source given, please specify source that contains the Kubernetes manifests in the format '[<kind>/]<name>.<namespace>', where kind must be one of: ({}), if kind is not specified it defaults to GitRepository",
            KS_SOURCE_KINDS.join(", ")
        ));
    }
    let (mut kind, name, namespace) = parse_object_kind_name_namespace(s);
    if name.is_empty() {
        return Err(format!("no name given for source of kind '{kind}'"));
    }
    if kind.is_empty() {
        if KS_SOURCE_KINDS.contains(&name.as_str()) {
            return Err(format!("no kind specified for source '{name}'"));
        }
        kind = "GitRepository".to_string();
    }
    let Some(clean) = equal_fold(&KS_SOURCE_KINDS, &kind) else {
        return Err(format!(
            "source kind '{kind}' is not supported, must be one of: {}",
            KS_SOURCE_KINDS.join(", ")
        ));
    };
    Ok(SourceRef {
        kind: clean.to_string(),
        name,
        namespace,
    })
}

/// `create helmrelease --source`: `<kind>/<name>.<namespace>`.
pub fn helm_chart_source(s: &str) -> Result<SourceRef, String> {
    if trim_space(s).is_empty() {
        return Err(format!(
            "no helm chart source given, please specify source that contains the chart in the format '<kind>/<name>.<namespace>', where kind must be one of: ({})",
            CHART_SOURCE_KINDS.join(", ")
        ));
    }
    let (kind, name, namespace) = parse_object_kind_name_namespace(s);
    if kind.is_empty() || name.is_empty() {
        return Err(format!(
            "invalid helm chart source '{s}', must be in format <kind>/<name>"
        ));
    }
    let Some(clean) = equal_fold(&CHART_SOURCE_KINDS, &kind) else {
        return Err(format!(
            "source kind '{kind}' is not supported, must be one of: {}",
            CHART_SOURCE_KINDS.join(", ")
        ));
    };
    Ok(SourceRef {
        kind: clean.to_string(),
        name,
        namespace,
    })
}

/// `create source chart --source`: `<kind>/<name>` (no namespace).
pub fn local_helm_chart_source(s: &str) -> Result<SourceRef, String> {
    if trim_space(s).is_empty() {
        return Err(format!(
            "no helm chart source given, please specify source that contains the chart in the format '<kind>/<name>', where kind must be one of: ({})",
            CHART_SOURCE_KINDS.join(", ")
        ));
    }
    let (kind, name) = parse_object_kind_name(s);
    if kind.is_empty() || name.is_empty() {
        return Err(format!(
            "invalid helm chart source '{s}', must be in format <kind>/<name>"
        ));
    }
    let Some(clean) = equal_fold(&CHART_SOURCE_KINDS, &kind) else {
        return Err(format!(
            "source kind '{kind}' is not supported, must be one of: {}",
            CHART_SOURCE_KINDS.join(", ")
        ));
    };
    Ok(SourceRef {
        kind: clean.to_string(),
        name,
        namespace: String::new(),
    })
}

/// flux's `SafeRelativePath`: the path joined under `./` without escaping it
/// (lexically; symbolic links in the working directory are not followed).
pub fn safe_relative_path(s: &str) -> Result<String, String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in trim_space(s).split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    Ok(format!("./{}", parts.join("/")))
}

/// An enumerated flag value (flux's `internal/flags` types).
fn one_of(
    s: &str,
    supported: &[&str],
    empty: impl FnOnce() -> String,
    unsupported: impl FnOnce() -> String,
) -> Result<String, String> {
    if trim_space(s).is_empty() {
        return Err(empty());
    }
    if !supported.contains(&s) {
        return Err(unsupported());
    }
    Ok(s.to_string())
}

/// `--decryption-provider`.
pub fn decryption_provider(s: &str) -> Result<String, String> {
    one_of(
        s,
        &["sops"],
        || "no decryption provider given, must be one of: sops".into(),
        || format!("unsupported decryption provider '{s}', must be one of: sops"),
    )
}

const CRDS_POLICIES: [&str; 3] = ["Skip", "Create", "CreateReplace"];

/// `--crds` of `create helmrelease`.
pub fn crds_policy(s: &str) -> Result<String, String> {
    one_of(
        s,
        &CRDS_POLICIES,
        || {
            format!(
                "no upgrade CRDs policy given, must be one of: {}",
                CRDS_POLICIES.join(", ")
            )
        },
        || {
            format!(
                "unsupported upgrade CRDs policy '{s}', must be one of: {}",
                CRDS_POLICIES.join(", ")
            )
        },
    )
}

const KEY_ALGORITHMS: [&str; 3] = ["rsa", "ecdsa", "ed25519"];

/// `--ssh-key-algorithm`.
pub fn key_algorithm(s: &str) -> Result<String, String> {
    one_of(
        s,
        &KEY_ALGORITHMS,
        || {
            format!(
                "no public key algorithm given, must be one of: {}",
                KEY_ALGORITHMS.join(", ")
            )
        },
        || {
            format!(
                "unsupported public key algorithm '{s}', must be one of: {}",
                KEY_ALGORITHMS.join(", ")
            )
        },
    )
}

/// `--ssh-rsa-bits`.
pub fn rsa_bits(s: &str) -> Result<u32, String> {
    if trim_space(s).is_empty() {
        return Ok(2048);
    }
    let bits: i64 = go_atoi(s)?;
    if bits < 1024 {
        return Err("RSA key bit size must be at least 1024".into());
    }
    if bits % 8 != 0 {
        return Err("RSA key bit size must be a multiples of 8".into());
    }
    u32::try_from(bits)
        .map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", quote(s)))
}

fn go_atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            quote(s)
        ));
    }
    s.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", quote(s)))
}

/// `--ssh-ecdsa-curve`.
pub fn ecdsa_curve(s: &str) -> Result<String, String> {
    if ["p256", "p384", "p521"].contains(&s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "unsupported curve '{s}', must be one of: p256, p384, p521"
        ))
    }
}

/// Receiver types flux accepts (`--type` of `create receiver`).
pub const RECEIVER_TYPES: [&str; 12] = [
    "generic",
    "generic-hmac",
    "github",
    "gitlab",
    "bitbucket",
    "harbor",
    "dockerhub",
    "quay",
    "gcr",
    "nexus",
    "acr",
    "cdevents",
];

/// `--type` of `create receiver` and `create secret receiver`.
pub fn receiver_type(s: &str) -> Result<String, String> {
    one_of(
        s,
        &RECEIVER_TYPES,
        || "no receiver type given, please specify the receiver type".into(),
        || {
            format!(
                "receiver type '{s}' is not supported, must be one of: {}",
                RECEIVER_TYPES.join(", ")
            )
        },
    )
}

const BUCKET_PROVIDERS: [&str; 4] = ["generic", "aws", "azure", "gcp"];

/// `--provider` of `create source bucket`.
pub fn bucket_provider(s: &str) -> Result<String, String> {
    one_of(
        s,
        &BUCKET_PROVIDERS,
        || {
            "no source bucket provider given, please specify the S3 compatible storage provider name".into()
        },
        || {
            format!(
                "source bucket provider '{s}' is not supported, must be one of: {}",
                BUCKET_PROVIDERS.join(", ")
            )
        },
    )
}

const GIT_PROVIDERS: [&str; 4] = ["generic", "github", "aws", "azure"];

/// `--provider` of `create source git`.
pub fn git_provider(s: &str) -> Result<String, String> {
    one_of(
        s,
        &GIT_PROVIDERS,
        || "no source Git provider given, please specify the Git provider name".into(),
        || {
            format!(
                "source Git provider '{s}' is not supported, must be one of: {}",
                GIT_PROVIDERS.join("|")
            )
        },
    )
}

const OCI_PROVIDERS: [&str; 4] = ["generic", "aws", "azure", "gcp"];

/// `--provider` of `create source oci`.
pub fn oci_provider(s: &str) -> Result<String, String> {
    one_of(
        s,
        &OCI_PROVIDERS,
        || "no source OCI provider given, please specify the OCI provider name".into(),
        || {
            format!(
                "source OCI provider '{s}' is not supported, must be one of: {}",
                OCI_PROVIDERS.join(", ")
            )
        },
    )
}

/// `--verify-provider` of `create source oci|chart`.
pub fn verify_provider(s: &str) -> Result<String, String> {
    one_of(
        s,
        &["cosign"],
        || {
            "no source OCI verify provider given, please specify the OCI verify provider name to use for signature verification, available options are: (cosign)".into()
        },
        || format!("source OCI verify provider '{s}' is not supported, must be one of: cosign"),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_print_like_go() {
        for (input, want) in [
            ("1m", "1m0s"),
            ("30s", "30s"),
            ("90m", "1h30m0s"),
            ("1h30m", "1h30m0s"),
            ("90s", "1m30s"),
            ("500ms", "500ms"),
            ("0", "0s"),
            ("2m", "2m0s"),
            ("10m0s", "10m0s"),
            ("1.5h", "1h30m0s"),
            ("-1m", "-1m0s"),
            ("1h0m1s", "1h0m1s"),
            ("1000ms", "1s"),
            ("1500us", "1.5ms"),
        ] {
            assert_eq!(
                duration(input).map(|d| d.to_string()),
                Ok(want.to_string()),
                "{input}"
            );
        }
        assert_eq!(
            duration("abc").unwrap_err(),
            "time: invalid duration \"abc\""
        );
        assert_eq!(
            duration("5").unwrap_err(),
            "time: missing unit in duration \"5\""
        );
        assert_eq!(
            duration("5d").unwrap_err(),
            "time: unknown unit \"d\" in duration \"5d\""
        );
        assert_eq!(duration("").unwrap_err(), "time: invalid duration \"\"");
    }

    #[test]
    fn bools_parse_like_strconv() {
        assert_eq!(boolean("true"), Ok(true));
        assert_eq!(boolean("T"), Ok(true));
        assert_eq!(boolean("0"), Ok(false));
        assert_eq!(
            boolean("yes").unwrap_err(),
            "strconv.ParseBool: parsing \"yes\": invalid syntax"
        );
    }

    #[test]
    fn string_slices_are_csv() {
        assert_eq!(csv("a,b"), Ok(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(csv(""), Ok(vec![]));
        assert_eq!(
            csv("\"a,b\",c"),
            Ok(vec!["a,b".to_string(), "c".to_string()])
        );
        assert_eq!(csv("a,"), Ok(vec!["a".to_string(), String::new()]));
        assert_eq!(
            csv("a\"b").unwrap_err(),
            "parse error on line 1, column 2: bare \" in non-quoted-field"
        );
        assert_eq!(slice(&["a,b".into(), "c".into()]), vec!["a", "b", "c"]);
    }

    #[test]
    fn labels_validate_like_kubernetes() {
        let ok = labels(&["app=web,team=a".into(), "example.com/tier=1".into()]).unwrap();
        assert_eq!(ok.len(), 3);
        assert_eq!(ok["example.com/tier"], "1");
        assert_eq!(
            labels(&["app".into()]).unwrap_err(),
            "invalid label format 'app', must be key=value"
        );
        assert_eq!(
            labels(&["a=b=c".into()]).unwrap_err(),
            "invalid label format 'a=b=c', must be key=value"
        );
        assert!(
            labels(&["-a=b".into()])
                .unwrap_err()
                .starts_with("invalid label '-a': [name part must consist of")
        );
        assert!(
            labels(&["a=b c".into()])
                .unwrap_err()
                .starts_with("invalid label value 'b c': [a valid label must be")
        );
        assert!(labels(&["a=".into()]).is_ok());
        assert_eq!(
            labels(&["/a=b".into()]).unwrap_err(),
            "invalid label '/a': [prefix part must be non-empty]"
        );
    }

    #[test]
    fn object_names_follow_flux() {
        assert!(validate_object_name("podinfo"));
        assert!(validate_object_name("a1"));
        assert!(!validate_object_name("a"));
        assert!(!validate_object_name("Podinfo"));
        assert!(!validate_object_name("pod_info"));
        assert!(!validate_object_name("-pod"));
    }

    #[test]
    fn sources_parse_like_flux() {
        let s = kustomization_source("GitRepository/microservices-demo").unwrap();
        assert_eq!(
            (s.kind.as_str(), s.name.as_str(), s.namespace.as_str()),
            ("GitRepository", "microservices-demo", "")
        );
        let s = kustomization_source("podinfo").unwrap();
        assert_eq!(s.kind, "GitRepository");
        let s = kustomization_source("ocirepository/app.apps").unwrap();
        assert_eq!(
            (s.kind.as_str(), s.name.as_str(), s.namespace.as_str()),
            ("OCIRepository", "app", "apps")
        );
        assert_eq!(
            kustomization_source("HelmRepository/x").unwrap_err(),
            "source kind 'HelmRepository' is not supported, must be one of: OCIRepository, GitRepository, Bucket"
        );
        assert_eq!(
            kustomization_source("GitRepository/").unwrap_err(),
            "no name given for source of kind 'GitRepository'"
        );
        assert_eq!(
            kustomization_source("Bucket").unwrap_err(),
            "no kind specified for source 'Bucket'"
        );
        let s = helm_chart_source("helmrepository/bitnami.flux-system").unwrap();
        assert_eq!(
            (s.kind.as_str(), s.name.as_str(), s.namespace.as_str()),
            ("HelmRepository", "bitnami", "flux-system")
        );
        assert_eq!(
            helm_chart_source("podinfo").unwrap_err(),
            "invalid helm chart source 'podinfo', must be in format <kind>/<name>"
        );
        let s = local_helm_chart_source("GitRepository/a.b").unwrap();
        assert_eq!(s.name, "a.b");
    }

    #[test]
    fn paths_are_made_safe() {
        for (input, want) in [
            ("./foo", "./foo"),
            ("foo", "./foo"),
            ("./foo/../bar", "./bar"),
            ("/foo", "./foo"),
            ("/foo/../../../bar", "./bar"),
            ("", "./"),
            ("./", "./"),
            ("././", "./"),
            (".foo", "./.foo"),
            (".", "./"),
            ("..", "./"),
            ("./..", "./"),
            (
                "./release/kubernetes-manifests.yaml",
                "./release/kubernetes-manifests.yaml",
            ),
        ] {
            assert_eq!(safe_relative_path(input).unwrap(), want, "{input}");
        }
    }

    #[test]
    fn enums_report_like_flux() {
        assert_eq!(rsa_bits(""), Ok(2048));
        assert_eq!(
            rsa_bits("512").unwrap_err(),
            "RSA key bit size must be at least 1024"
        );
        assert_eq!(
            rsa_bits("1025").unwrap_err(),
            "RSA key bit size must be a multiples of 8"
        );
        assert_eq!(
            rsa_bits("x").unwrap_err(),
            "strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            git_provider("gitlab").unwrap_err(),
            "source Git provider 'gitlab' is not supported, must be one of: generic|github|aws|azure"
        );
        assert_eq!(
            crds_policy("createreplace").unwrap_err(),
            "unsupported upgrade CRDs policy 'createreplace', must be one of: Skip, Create, CreateReplace"
        );
        assert!(receiver_type("generic-oidc").is_err());
    }
}
