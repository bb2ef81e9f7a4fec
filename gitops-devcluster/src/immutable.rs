//! Immutable fields: the update checks of the API server's validation for built-in kinds
//! (kubernetes `pkg/apis/{apps,batch,core}/validation`, the apps strategies' selector check),
//! so that a write which changes one is refused with a 422 `Invalid` like a real cluster.
//!
//! GitOps tools depend on the exact shape: Flux recreates an object (with `force`) when
//! the API answers Invalid/Conflict or the message says `is immutable`/`immutable field`.
//!
//! | kind | rule | error |
//! |---|---|---|
//! | apps Deployment, ReplicaSet, DaemonSet | `spec.selector` fixed | `spec.selector: Invalid value: v1.LabelSelector{…}: field is immutable` |
//! | apps StatefulSet | only replicas, ordinals, template, updateStrategy, revisionHistoryLimit, persistentVolumeClaimRetentionPolicy, minReadySeconds change | `spec: Forbidden: updates to statefulset spec for fields other than … are forbidden` |
//! | batch Job | `spec.selector`, `spec.template` fixed | `spec.template: Invalid value: core.PodTemplateSpec{…}: field is immutable` |
//! | core Service | `spec.clusterIPs[i]` fixed once set (not for ExternalName or headless→headless) | `spec.clusterIPs[0]: Invalid value: []string{"10.96.0.12"}: may not change once set` |
//! | core ConfigMap, Secret | with `immutable: true`: data, binaryData (and `immutable` itself) fixed | `data: Forbidden: field is immutable when `immutable` is set` |
//! | core Secret | `type` fixed | `type: Invalid value: "kubernetes.io/tls": field is immutable` |
//! | core PersistentVolumeClaim | spec fixed except storage requests (bound claims), volumeAttributesClassName, a first volumeName | `spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims` + a diff |
//!
//! Values are rendered the way Go's `%#v` prints them where that is simple (label
//! selectors, string slices, strings); pod templates are approximated. Comparisons follow
//! apimachinery's semantic equality: absent, `null`, `{}` and `[]` are the same.

// `Status` is the reply itself, built once per failed request; boxing it buys nothing.
#![allow(clippy::result_large_err)]

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::field_error::{FieldError, FieldErrorType, go_quote};
use crate::status::Status;

/// The detail of `ValidateImmutableField`.
pub const FIELD_IMMUTABLE: &str = "field is immutable";

/// The detail of a changed Service cluster IP.
pub const MAY_NOT_CHANGE: &str = "may not change once set";

/// The detail of a ConfigMap/Secret field frozen by `immutable: true`.
pub const FROZEN: &str = "field is immutable when `immutable` is set";

/// The StatefulSet spec fields an update may change.
const STATEFULSET_MUTABLE: &[&str] = &[
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "revisionHistoryLimit",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
];

/// The detail of a forbidden StatefulSet spec change (Kubernetes 1.32 wording).
pub const STATEFULSET_FORBIDDEN: &str = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

/// The first line of a forbidden PersistentVolumeClaim spec change.
pub const PVC_FORBIDDEN: &str = "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims";

/// Checks an update of a `group`/`kind` object from `old` (the live object) to `new` (the
/// object about to be stored, defaults applied); the field errors a real API server
/// reports for changed immutable fields, in its order. Kinds without rules always pass.
pub fn check(group: &str, kind: &str, old: &Value, new: &Value) -> Result<(), Vec<FieldError>> {
    let errors = match (group, kind) {
        ("apps", "Deployment" | "ReplicaSet" | "DaemonSet") => selector_fixed(old, new),
        ("apps", "StatefulSet") => statefulset(old, new),
        ("batch", "Job") => {
            let mut e = selector_fixed(old, new);
            e.extend(job_template(old, new));
            e
        }
        ("", "Service") => service(old, new),
        ("", "ConfigMap") => frozen(old, new, &["data", "binaryData"]),
        ("", "Secret") => {
            let mut e = secret_type(old, new);
            e.extend(frozen_secret(old, new));
            e
        }
        ("", "PersistentVolumeClaim") => pvc(old, new),
        _ => Vec::new(),
    };
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// [`check`] as the API's reply: 422 `Kind.group "name" is invalid: …` with one cause per
/// field error.
pub fn check_update(
    group: &str,
    kind: &str,
    name: &str,
    old: &Value,
    new: &Value,
) -> Result<(), Status> {
    check(group, kind, old, new).map_err(|errors| Status::invalid(group, kind, name, &errors))
}

/// Removes what semantic equality ignores: `null`, empty objects and empty lists (deeply).
fn normalize(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let out: Map<String, Value> = m
                .iter()
                .map(|(k, v)| (k.clone(), normalize(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect();
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    let a = a.map(normalize).filter(|v| !is_empty(v));
    let b = b.map(normalize).filter(|v| !is_empty(v));
    a == b
}

fn invalid(field: &str, bad_value: String, detail: &str) -> FieldError {
    FieldError {
        kind: FieldErrorType::Invalid,
        field: field.into(),
        bad_value: Some(bad_value),
        detail: detail.into(),
    }
}

/// `spec.selector` unchanged, else `field is immutable` with the new selector.
fn selector_fixed(old: &Value, new: &Value) -> Vec<FieldError> {
    let (o, n) = (old.pointer("/spec/selector"), new.pointer("/spec/selector"));
    if same(o, n) {
        return Vec::new();
    }
    vec![invalid(
        "spec.selector",
        go_label_selector(n.unwrap_or(&Value::Null)),
        FIELD_IMMUTABLE,
    )]
}

fn statefulset(old: &Value, new: &Value) -> Vec<FieldError> {
    let strip = |v: &Value| -> Value {
        let mut spec = v.get("spec").cloned().unwrap_or(Value::Null);
        if let Some(m) = spec.as_object_mut() {
            for k in STATEFULSET_MUTABLE {
                m.remove(*k);
            }
        }
        spec
    };
    if same(Some(&strip(old)), Some(&strip(new))) {
        return Vec::new();
    }
    vec![FieldError::forbidden("spec", STATEFULSET_FORBIDDEN)]
}

/// The whole pod template of a Job is fixed (the real server lets a suspended Job that
/// never started change its scheduling directives; not modelled).
fn job_template(old: &Value, new: &Value) -> Vec<FieldError> {
    let (o, n) = (old.pointer("/spec/template"), new.pointer("/spec/template"));
    if same(o, n) {
        return Vec::new();
    }
    let value = match n {
        Some(t) if !t.is_null() => format!("core.PodTemplateSpec{}", go_struct(t)),
        _ => "null".into(),
    };
    vec![invalid("spec.template", value, FIELD_IMMUTABLE)]
}

fn str_at<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn strings_at(v: &Value, ptr: &str) -> Vec<String> {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn headless(svc: &Value) -> bool {
    str_at(svc, "/spec/clusterIP") == "None"
}

/// The registry's rule: primary (and kept secondary) cluster IPs never change; moving
/// to or from ExternalName and headless-to-headless updates are exempt.
fn service(old: &Value, new: &Value) -> Vec<FieldError> {
    if str_at(old, "/spec/type") == "ExternalName" || str_at(new, "/spec/type") == "ExternalName" {
        return Vec::new();
    }
    if headless(old) && headless(new) {
        return Vec::new();
    }
    let old_ips = strings_at(old, "/spec/clusterIPs");
    let mut new_ips = strings_at(new, "/spec/clusterIPs");
    // The registry's normalisation: a changed `clusterIP` with untouched `clusterIPs`
    // means the caller changed the primary address.
    let new_ip = str_at(new, "/spec/clusterIP");
    if new_ip != str_at(old, "/spec/clusterIP") && new_ips == old_ips {
        new_ips = if new_ip.is_empty() {
            Vec::new()
        } else {
            vec![new_ip.to_string()]
        };
    }
    let value = go_strings(&new_ips);
    let mut errors = Vec::new();
    if old_ips.len() == new_ips.len() {
        for (i, ip) in old_ips.iter().enumerate() {
            if *ip != new_ips[i] {
                errors.push(invalid(
                    &format!("spec.clusterIPs[{i}]"),
                    value.clone(),
                    MAY_NOT_CHANGE,
                ));
            }
        }
    } else if new_ips.is_empty() {
        errors.push(invalid(
            "spec.clusterIPs[0]",
            value,
            "primary clusterIP can not be unset",
        ));
    } else if old_ips.first().is_some_and(|ip| *ip != new_ips[0]) {
        errors.push(invalid("spec.clusterIPs[0]", value, MAY_NOT_CHANGE));
    }
    errors
}

fn is_immutable(v: &Value) -> bool {
    v.get("immutable").and_then(Value::as_bool) == Some(true)
}

/// With `immutable: true` on the live object, `immutable` stays true and `fields` stay.
fn frozen(old: &Value, new: &Value, fields: &[&str]) -> Vec<FieldError> {
    if !is_immutable(old) {
        return Vec::new();
    }
    let mut errors = Vec::new();
    if !is_immutable(new) {
        errors.push(FieldError::forbidden("immutable", FROZEN));
    }
    for f in fields {
        if !same(old.get(*f), new.get(*f)) {
            errors.push(FieldError::forbidden(f, FROZEN));
        }
    }
    errors
}

/// A Secret's `data` as stored: `stringData` folded in (base64), as the real server does
/// before validation.
fn secret_data(s: &Value) -> Value {
    let mut data = s.get("data").cloned().unwrap_or(Value::Null);
    if let Some(sd) = s.get("stringData").and_then(Value::as_object) {
        if !data.is_object() {
            data = Value::Object(Map::new());
        }
        if let Some(m) = data.as_object_mut() {
            for (k, v) in sd {
                let text = v.as_str().unwrap_or_default();
                let enc = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
                m.insert(k.clone(), Value::String(enc));
            }
        }
    }
    data
}

fn frozen_secret(old: &Value, new: &Value) -> Vec<FieldError> {
    if !is_immutable(old) {
        return Vec::new();
    }
    let mut errors = Vec::new();
    if !is_immutable(new) {
        errors.push(FieldError::forbidden("immutable", FROZEN));
    }
    if !same(Some(&secret_data(old)), Some(&secret_data(new))) {
        errors.push(FieldError::forbidden("data", FROZEN));
    }
    errors
}

fn secret_type(old: &Value, new: &Value) -> Vec<FieldError> {
    let ty = |v: &Value| match str_at(v, "/type") {
        "" => "Opaque".to_string(),
        t => t.to_string(),
    };
    let (o, n) = (ty(old), ty(new));
    if o == n {
        return Vec::new();
    }
    vec![invalid("type", go_quote(&n), FIELD_IMMUTABLE)]
}

fn pvc(old: &Value, new: &Value) -> Vec<FieldError> {
    let mut o = old.get("spec").cloned().unwrap_or(Value::Null);
    let mut n = new.get("spec").cloned().unwrap_or(Value::Null);
    let bound = str_at(new, "/status/phase") == "Bound" || str_at(old, "/status/phase") == "Bound";
    let old_volume = str_at(old, "/spec/volumeName").to_string();
    if let (Some(om), Some(nm)) = (o.as_object_mut(), n.as_object_mut()) {
        // The binder sets volumeName once; the class may move between classes only
        // through volumeAttributesClassName.
        if old_volume.is_empty() {
            match nm.get("volumeName") {
                Some(v) => om.insert("volumeName".into(), v.clone()),
                None => om.remove("volumeName"),
            };
        }
        om.remove("volumeAttributesClassName");
        nm.remove("volumeAttributesClassName");
        if bound {
            let storage = om
                .get("resources")
                .and_then(|r| r.get("requests"))
                .and_then(|r| r.get("storage"))
                .cloned();
            if let Some(req) = nm
                .get_mut("resources")
                .and_then(|r| r.get_mut("requests"))
                .and_then(Value::as_object_mut)
            {
                match storage {
                    Some(s) => req.insert("storage".into(), s),
                    None => req.remove("storage"),
                };
            }
        }
    }
    if same(Some(&o), Some(&n)) {
        return Vec::new();
    }
    let detail = format!("{PVC_FORBIDDEN}\n{}", spec_diff(&o, &n));
    vec![FieldError::forbidden("spec", &detail)]
}

/// A short diff of two specs in the spirit of `cmp.Diff`: one `-`/`+` pair per changed
/// top-level field, Go field names.
fn spec_diff(old: &Value, new: &Value) -> String {
    let (om, nm) = (
        normalize(old).as_object().cloned().unwrap_or_default(),
        normalize(new).as_object().cloned().unwrap_or_default(),
    );
    let mut keys: Vec<&String> = om.keys().chain(nm.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = String::from("  core.PersistentVolumeClaimSpec{\n");
    for k in keys {
        let (a, b) = (om.get(k), nm.get(k));
        if a == b {
            continue;
        }
        let field = go_field(k);
        if let Some(a) = a {
            out.push_str(&format!("-\t{field}: {},\n", go_value(a)));
        }
        if let Some(b) = b {
            out.push_str(&format!("+\t{field}: {},\n", go_value(b)));
        }
    }
    out.push_str("  }");
    out
}

/// `%#v` of a `metav1.LabelSelector` (the value behind the pointer).
pub fn go_label_selector(sel: &Value) -> String {
    if sel.is_null() {
        return "null".into();
    }
    let labels = match sel.get("matchLabels").and_then(Value::as_object) {
        Some(m) => {
            let mut pairs: Vec<(&String, &Value)> = m.iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(b.0));
            let body: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}:{}", go_quote(k), go_quote(v.as_str().unwrap_or(""))))
                .collect();
            format!("map[string]string{{{}}}", body.join(", "))
        }
        None => "map[string]string(nil)".into(),
    };
    let exprs = match sel.get("matchExpressions").and_then(Value::as_array) {
        Some(a) => {
            let items: Vec<String> = a
                .iter()
                .map(|r| {
                    let values = match r.get("values").and_then(Value::as_array) {
                        Some(vs) => go_strings(
                            &vs.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_string)
                                .collect::<Vec<_>>(),
                        ),
                        None => "[]string(nil)".into(),
                    };
                    format!(
                        "v1.LabelSelectorRequirement{{Key:{}, Operator:{}, Values:{values}}}",
                        go_quote(str_at(r, "/key")),
                        go_quote(str_at(r, "/operator")),
                    )
                })
                .collect();
            format!("[]v1.LabelSelectorRequirement{{{}}}", items.join(", "))
        }
        None => "[]v1.LabelSelectorRequirement(nil)".into(),
    };
    format!("v1.LabelSelector{{MatchLabels:{labels}, MatchExpressions:{exprs}}}")
}

/// `%#v` of a `[]string`.
pub fn go_strings(items: &[String]) -> String {
    if items.is_empty() {
        return "[]string(nil)".into();
    }
    let quoted: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    format!("[]string{{{}}}", quoted.join(", "))
}

/// A JSON field name as a Go field name (`matchLabels` → `MatchLabels`).
fn go_field(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// An approximation of `%#v` for a struct given as JSON: `{Field:value, …}`.
fn go_struct(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let body: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}:{}", go_field(k), go_value(v)))
                .collect();
            format!("{{{}}}", body.join(", "))
        }
        other => go_value(other),
    }
}

fn go_value(v: &Value) -> String {
    match v {
        Value::Null => "nil".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => go_quote(s),
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(go_value).collect();
            format!("[]{{{}}}", items.join(", "))
        }
        Value::Object(_) => go_struct(v),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy(labels: Value) -> Value {
        json!({"metadata": {"name": "podinfo"}, "spec": {"replicas": 1, "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}}}})
    }

    #[test]
    fn deployment_selector_change_is_refused_with_the_api_message() {
        let old = deploy(json!({"app": "podinfo"}));
        let new = deploy(json!({"app": "x"}));
        let s = check_update("apps", "Deployment", "podinfo", &old, &new).unwrap_err();
        assert_eq!(s.code, 422);
        assert_eq!(
            s.message,
            "Deployment.apps \"podinfo\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"x\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
        );
        let causes = &s.details.as_ref().unwrap().causes;
        assert_eq!(causes.len(), 1);
        assert_eq!(causes[0].field, "spec.selector");
        assert_eq!(causes[0].reason, "FieldValueInvalid");
        assert!(causes[0].message.ends_with(": field is immutable"));
    }

    #[test]
    fn other_deployment_changes_and_empty_equivalents_pass() {
        let old = deploy(json!({"app": "podinfo"}));
        let mut new = old.clone();
        new["spec"]["replicas"] = json!(3);
        new["spec"]["selector"]["matchExpressions"] = json!([]);
        assert_eq!(check("apps", "Deployment", &old, &new), Ok(()));
        for kind in ["ReplicaSet", "DaemonSet"] {
            let changed = deploy(json!({"app": "y"}));
            let errs = check("apps", kind, &old, &changed).unwrap_err();
            assert_eq!(errs[0].field, "spec.selector");
        }
        // Same rule does not exist for unrelated kinds.
        assert_eq!(
            check("", "ConfigMap", &old, &deploy(json!({"a": "b"}))),
            Ok(())
        );
    }

    #[test]
    fn selector_with_expressions_renders_like_go() {
        let sel = json!({"matchLabels": {"b": "2", "a": "1"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]});
        assert_eq!(
            go_label_selector(&sel),
            "v1.LabelSelector{MatchLabels:map[string]string{\"a\":\"1\", \"b\":\"2\"}, MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:\"tier\", Operator:\"In\", Values:[]string{\"web\"}}}}"
        );
    }

    #[test]
    fn statefulset_allows_listed_fields_only() {
        let old = json!({"spec": {"replicas": 1, "serviceName": "db", "selector": {"matchLabels": {"a": "b"}},
            "template": {"spec": {}}, "minReadySeconds": 0,
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"resources": {"requests": {"storage": "1Gi"}}}}]}});
        let mut ok = old.clone();
        ok["spec"]["replicas"] = json!(4);
        ok["spec"]["minReadySeconds"] = json!(5);
        ok["spec"]["revisionHistoryLimit"] = json!(2);
        ok["spec"]["template"]["spec"]["hostname"] = json!("h");
        ok["spec"]["updateStrategy"] = json!({"type": "OnDelete"});
        assert_eq!(check("apps", "StatefulSet", &old, &ok), Ok(()));
        let mut bad = old.clone();
        bad["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] =
            json!("2Gi");
        let s = check_update("apps", "StatefulSet", "db", &old, &bad).unwrap_err();
        assert_eq!(
            s.message,
            format!("StatefulSet.apps \"db\" is invalid: spec: Forbidden: {STATEFULSET_FORBIDDEN}")
        );
        assert_eq!(s.details.unwrap().causes[0].reason, "FieldValueForbidden");
    }

    #[test]
    fn job_selector_and_template_are_fixed() {
        let old = json!({"spec": {"selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u"}},
            "template": {"metadata": {"labels": {"job-name": "j"}}, "spec": {"containers": [{"name": "c", "image": "a"}]}},
            "backoffLimit": 6}});
        let mut ok = old.clone();
        ok["spec"]["backoffLimit"] = json!(2);
        assert_eq!(check("batch", "Job", &old, &ok), Ok(()));
        let mut bad = old.clone();
        bad["spec"]["template"]["spec"]["containers"][0]["image"] = json!("b");
        let s = check_update("batch", "Job", "j", &old, &bad).unwrap_err();
        assert!(
            s.message.starts_with(
                "Job.batch \"j\" is invalid: spec.template: Invalid value: core.PodTemplateSpec{"
            ),
            "{}",
            s.message
        );
        assert!(
            s.message.ends_with("}: field is immutable"),
            "{}",
            s.message
        );
        assert!(s.message.contains("Image:\"b\""), "{}", s.message);
        bad["spec"]["selector"]["matchLabels"] = json!({"x": "y"});
        let errs = check("batch", "Job", &old, &bad).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["spec.selector", "spec.template"]);
    }

    fn svc(ip: &str, ips: &[&str]) -> Value {
        json!({"spec": {"type": "ClusterIP", "clusterIP": ip, "clusterIPs": ips}})
    }

    #[test]
    fn service_cluster_ip_may_not_change_once_set() {
        let old = svc("10.96.0.10", &["10.96.0.10"]);
        assert_eq!(check("", "Service", &old, &old.clone()), Ok(()));
        // Only clusterIP changed: the registry's normalisation moves clusterIPs too.
        let new = svc("10.96.0.12", &["10.96.0.10"]);
        let s = check_update("", "Service", "web", &old, &new).unwrap_err();
        assert_eq!(
            s.message,
            "Service \"web\" is invalid: spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.12\"}: may not change once set"
        );
        assert_eq!(s.details.unwrap().causes[0].field, "spec.clusterIPs[0]");
        let both = svc("10.96.0.12", &["10.96.0.12"]);
        assert!(check("", "Service", &old, &both).is_err());
        // ExternalName and headless-to-headless are exempt.
        let ext = json!({"spec": {"type": "ExternalName", "externalName": "x.example.com"}});
        assert_eq!(check("", "Service", &old, &ext), Ok(()));
        let hl = svc("None", &["None"]);
        assert_eq!(check("", "Service", &hl, &hl.clone()), Ok(()));
    }

    #[test]
    fn immutable_configmap_and_secret_are_frozen() {
        let old = json!({"immutable": true, "data": {"a": "1"}});
        assert_eq!(check("", "ConfigMap", &old, &old.clone()), Ok(()));
        let new = json!({"immutable": false, "data": {"a": "2"}, "binaryData": {"b": "AA=="}});
        let s = check_update("", "ConfigMap", "cfg", &old, &new).unwrap_err();
        assert_eq!(
            s.message,
            "ConfigMap \"cfg\" is invalid: [immutable: Forbidden: field is immutable when `immutable` is set, data: Forbidden: field is immutable when `immutable` is set, binaryData: Forbidden: field is immutable when `immutable` is set]"
        );
        // Not immutable: anything goes.
        let plain = json!({"data": {"a": "1"}});
        assert_eq!(check("", "ConfigMap", &plain, &new), Ok(()));

        let sold = json!({"type": "Opaque", "immutable": true, "data": {"a": "MQ=="}});
        // stringData folds into data: the same value is no change.
        let same_value = json!({"type": "Opaque", "immutable": true, "stringData": {"a": "1"}});
        assert_eq!(check("", "Secret", &sold, &same_value), Ok(()));
        let changed = json!({"type": "Opaque", "immutable": true, "stringData": {"a": "2"}});
        let errs = check("", "Secret", &sold, &changed).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(
            errs[0].to_string(),
            "data: Forbidden: field is immutable when `immutable` is set"
        );
    }

    #[test]
    fn secret_type_is_fixed() {
        let old = json!({"type": "Opaque", "data": {}});
        let new = json!({"type": "kubernetes.io/tls", "data": {}});
        let s = check_update("", "Secret", "tls", &old, &new).unwrap_err();
        assert_eq!(
            s.message,
            "Secret \"tls\" is invalid: type: Invalid value: \"kubernetes.io/tls\": field is immutable"
        );
        // An absent type is the default Opaque.
        assert_eq!(
            check("", "Secret", &old, &json!({"data": {"a": "MQ=="}})),
            Ok(())
        );
    }

    #[test]
    fn pvc_spec_is_fixed_except_bound_storage_and_first_volume_name() {
        let old = json!({"spec": {"accessModes": ["ReadWriteOnce"], "volumeMode": "Filesystem",
            "resources": {"requests": {"storage": "1Gi"}}}, "status": {"phase": "Bound"}});
        let mut grow = old.clone();
        grow["spec"]["resources"]["requests"]["storage"] = json!("2Gi");
        grow["spec"]["volumeName"] = json!("pv-1");
        assert_eq!(check("", "PersistentVolumeClaim", &old, &grow), Ok(()));
        let mut bad = old.clone();
        bad["spec"]["accessModes"] = json!(["ReadWriteMany"]);
        let s = check_update("", "PersistentVolumeClaim", "data", &old, &bad).unwrap_err();
        assert!(
            s.message.starts_with(&format!(
                "PersistentVolumeClaim \"data\" is invalid: spec: Forbidden: {PVC_FORBIDDEN}\n"
            )),
            "{}",
            s.message
        );
        assert!(
            s.message.contains("-\tAccessModes: []{\"ReadWriteOnce\"}"),
            "{}",
            s.message
        );
        assert!(
            s.message.contains("+\tAccessModes: []{\"ReadWriteMany\"}"),
            "{}",
            s.message
        );
        // Unbound claims may not change the request either.
        let pending = json!({"spec": {"resources": {"requests": {"storage": "1Gi"}}}, "status": {"phase": "Pending"}});
        let mut pending_grow = pending.clone();
        pending_grow["spec"]["resources"]["requests"]["storage"] = json!("2Gi");
        assert!(check("", "PersistentVolumeClaim", &pending, &pending_grow).is_err());
    }
}
