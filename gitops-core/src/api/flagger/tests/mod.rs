//! Round trips of authored samples and of the corpus, validation and accessors of the
//! Flagger kinds.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::*;
use crate::api::{self, Validate};

use samples::*;

mod samples;

fn docs(text: &str) -> Vec<Value> {
    serde_saphyr::from_multiple::<Value>(text)
        .expect("sample YAML parses")
        .into_iter()
        .filter(Value::is_object)
        .collect()
}

fn round_trip<T: DeserializeOwned + Serialize>(value: &Value) -> T {
    let typed: T = api::parse(value).unwrap_or_else(|e| panic!("{e}"));
    let back = serde_json::to_value(&typed).expect("serialise");
    assert_eq!(&back, value, "round trip changed the object");
    typed
}

#[test]
fn authored_samples_round_trip() {
    for doc in docs(FULL_CANARY).iter().chain(&docs(MORE_CANARIES)) {
        let canary: Canary = round_trip(doc);
        canary.validate().unwrap_or_else(|e| panic!("{e}"));
    }
    for doc in docs(METRIC_TEMPLATES) {
        let template: MetricTemplate = round_trip(&doc);
        template.validate().unwrap_or_else(|e| panic!("{e}"));
    }
    for doc in docs(ALERT_PROVIDERS) {
        let provider: AlertProvider = round_trip(&doc);
        provider.validate().unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Every path of `value` (object keys and array indexes), to check that the full sample
/// reaches every schema path of the CRD.
fn value_paths(value: &Value, path: String, out: &mut std::collections::BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{path}.{k}");
                out.insert(p.clone());
                value_paths(v, p, out);
            }
        }
        Value::Array(items) => {
            for v in items {
                value_paths(v, format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

fn schema_paths(schema: &Value, path: String, out: &mut std::collections::BTreeSet<String>) {
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            let p = format!("{path}.{k}");
            out.insert(p.clone());
            schema_paths(v, p, out);
        }
    }
    if let Some(items) = schema.get("items") {
        schema_paths(items, format!("{path}[]"), out);
    }
}

#[test]
fn full_sample_covers_every_schema_property() {
    let crds = crds();
    let canaries = format!("{FULL_CANARY}\n---\n{MORE_CANARIES}");
    for (text, name) in [
        (canaries.as_str(), "canaries.flagger.app"),
        (METRIC_TEMPLATES, "metrictemplates.flagger.app"),
        (ALERT_PROVIDERS, "alertproviders.flagger.app"),
    ] {
        let crd = crds
            .iter()
            .find(|c| c.metadata.name.as_deref() == Some(name))
            .expect("CRD");
        let crd = serde_json::to_value(crd).expect("serialise CRD");
        let mut wanted = std::collections::BTreeSet::new();
        schema_paths(
            &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"],
            String::new(),
            &mut wanted,
        );
        let mut seen = std::collections::BTreeSet::new();
        for doc in docs(text) {
            value_paths(&doc, String::new(), &mut seen);
        }
        let missing: Vec<_> = wanted.difference(&seen).collect();
        assert!(missing.is_empty(), "{name}: sample misses {missing:?}");
    }
}

fn corpus_dir() -> Option<std::path::PathBuf> {
    let dir = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    dir.is_dir().then_some(dir)
}

fn yaml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
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

#[test]
fn corpus_objects_round_trip() {
    let Some(dir) = corpus_dir() else {
        eprintln!("note: ../shared/corpus is absent; corpus round trip skipped");
        return;
    };
    let mut files = Vec::new();
    yaml_files(&dir, &mut files);
    files.sort();
    let mut count = 0;
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        if !text.contains(API_VERSION) {
            continue;
        }
        // Chart templates are not YAML until rendered; their rendered output is in the corpus.
        let Ok(values) = serde_saphyr::from_multiple::<Value>(&text) else {
            continue;
        };
        for value in values {
            if value.get("apiVersion").and_then(Value::as_str) != Some(API_VERSION) {
                continue;
            }
            match value.get("kind").and_then(Value::as_str) {
                Some("Canary") => drop(round_trip::<Canary>(&value)),
                Some("MetricTemplate") => drop(round_trip::<MetricTemplate>(&value)),
                Some("AlertProvider") => drop(round_trip::<AlertProvider>(&value)),
                _ => continue,
            }
            count += 1;
        }
    }
    eprintln!("round-tripped {count} Flagger objects from the corpus");
}

fn canary(yaml: &str) -> Canary {
    let value = docs(yaml).into_iter().next().expect("one document");
    api::parse(&value).unwrap_or_else(|e| panic!("{e}"))
}

const MINIMAL: &str = r#"
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
    port: 9898
  analysis:
    interval: 5s
    threshold: 0
    stepWeight: 10
"#;

#[test]
fn accessors_apply_flagger_defaults() {
    let c = canary(MINIMAL);
    assert_eq!(c.progress_deadline_seconds(), 600);
    assert_eq!(
        c.service_names(),
        (
            "podinfo".into(),
            "podinfo-primary".into(),
            "podinfo-canary".into()
        )
    );
    assert_eq!(c.spec.service.port_name(), "http");
    assert_eq!(
        c.spec.service.target_port(),
        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(9898)
    );
    assert_eq!(c.deployment_strategy(), DeploymentStrategy::Canary);
    assert!(!c.skips_analysis());
    assert!(!c.is_suspended());
    let a = c.spec.analysis.as_ref().expect("analysis");
    assert_eq!(a.interval(), "5s");
    assert_eq!(
        a.interval_duration(),
        std::time::Duration::from_secs(10),
        "at least 10s"
    );
    assert_eq!(a.threshold(), 1);
    assert_eq!(a.step_weight_promotion(), 100);
    assert_eq!(a.primary_ready_threshold(), 100);
    assert_eq!(a.canary_ready_threshold(), 100);

    let full = canary(FULL_CANARY);
    assert_eq!(full.apex_service_name(), "podinfo-svc");
    assert_eq!(full.spec.service.port_name(), "http-podinfo");
    let a = full.spec.analysis.as_ref().expect("analysis");
    assert_eq!(a.interval_duration(), std::time::Duration::from_secs(60));
    assert_eq!(a.step_weight_promotion(), 25);
    let metrics = a.metrics.as_ref().expect("metrics");
    assert_eq!(metrics[2].interval(), "1m");
    let alerts = a.alerts.as_ref().expect("alerts");
    assert_eq!(alerts[0].severity(), analysis::AlertSeverity::Error);
    assert_eq!(alerts[1].severity(), analysis::AlertSeverity::Info);
    let hooks = a.webhooks.as_ref().expect("webhooks");
    assert_eq!(hooks[0].timeout(), "10s");
    assert_eq!(hooks[1].timeout(), "30s");
    assert_eq!(hooks[2].hook_type(), HookType::Rollout);
    assert_eq!(hooks[3].hook_type(), HookType::Rollout);
    let affinity = a.session_affinity.as_ref().expect("affinity");
    assert_eq!(affinity.max_age(), 21600);
    assert_eq!(
        affinity.build_cookie("flagger-cookie=abc", affinity.max_age()),
        "flagger-cookie=abc; Max-Age=21600; Domain=example.com; HttpOnly; Partitioned; Path=/; SameSite=Strict; Secure"
    );
    assert_eq!(SessionAffinity::default().max_age(), 86400);
    let status = full.status.as_ref().expect("status");
    assert_eq!(status.phase, CanaryPhase::Progressing);
    assert!(status.phase.is_running());
    assert_eq!(
        status.condition("Promoted").map(|c| c.reason.as_str()),
        Some("Progressing")
    );

    let more = docs(MORE_CANARIES);
    let bg: Canary = api::parse(&more[0]).expect("parse");
    assert_eq!(bg.deployment_strategy(), DeploymentStrategy::BlueGreen);
    assert_eq!(
        bg.spec.service.target_port(),
        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(8080)
    );
}

#[test]
fn every_phase_round_trips() {
    for phase in [
        "",
        "Initializing",
        "Initialized",
        "Waiting",
        "Progressing",
        "WaitingPromotion",
        "Promoting",
        "Finalising",
        "Succeeded",
        "Failed",
        "Terminating",
        "Terminated",
    ] {
        let parsed: CanaryPhase = serde_json::from_value(Value::from(phase)).expect("phase");
        assert_eq!(parsed.as_str(), phase);
        assert_eq!(
            serde_json::to_value(parsed).expect("serialise"),
            Value::from(phase)
        );
    }
}

fn errors_of(c: &Canary) -> Vec<String> {
    match c.validate() {
        Ok(()) => Vec::new(),
        Err(e) => e.errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn unknown_enum_values_name_the_field() {
    let mut value = docs(MINIMAL).remove(0);
    value["spec"]["provider"] = Value::from("consul");
    let err = api::parse::<Canary>(&value)
        .expect_err("unknown provider")
        .to_string();
    assert!(err.contains("spec.provider"), "{err}");

    let mut value = docs(MINIMAL).remove(0);
    value["spec"]["analysis"]["webhooks"] =
        serde_json::json!([{ "name": "x", "url": "http://x", "type": "pre" }]);
    let err = api::parse::<Canary>(&value)
        .expect_err("unknown hook type")
        .to_string();
    assert!(err.contains("spec.analysis.webhooks[0].type"), "{err}");

    let mut value = docs(MINIMAL).remove(0);
    value["spec"]["targetRef"]["kind"] = Value::from("StatefulSet");
    let err = api::parse::<Canary>(&value)
        .expect_err("unknown target kind")
        .to_string();
    assert!(err.contains("spec.targetRef.kind"), "{err}");

    let mut value = docs(METRIC_TEMPLATES).remove(0);
    value["spec"]["provider"]["type"] = Value::from("grafana");
    let err = api::parse::<MetricTemplate>(&value)
        .expect_err("unknown provider")
        .to_string();
    assert!(err.contains("spec.provider.type"), "{err}");

    let mut value = docs(ALERT_PROVIDERS).remove(0);
    value["spec"]["type"] = Value::from("teams");
    let err = api::parse::<AlertProvider>(&value)
        .expect_err("unknown type")
        .to_string();
    assert!(err.contains("spec.type"), "{err}");
}

#[test]
fn validation_names_the_field() {
    let mut c = canary(MINIMAL);
    assert!(errors_of(&c).is_empty(), "{:?}", errors_of(&c));
    let analysis = c.spec.analysis.as_mut().expect("analysis");
    analysis.interval = "one minute".into();
    analysis.iterations = Some(10);
    analysis.metrics = Some(vec![analysis::CanaryMetric {
        name: "latency".into(),
        interval: Some("1h".into()),
        ..Default::default()
    }]);
    analysis.webhooks = Some(vec![analysis::CanaryWebhook {
        name: "hook".into(),
        url: "http://hook".into(),
        timeout: Some("soon".into()),
        ..Default::default()
    }]);
    analysis.r#match = Some(vec![analysis::AnalysisMatch {
        headers: Some([("x-user".to_string(), analysis::HeaderMatch::default())].into()),
        ..Default::default()
    }]);
    c.spec.autoscaler_ref = Some(canary::AutoscalerReference {
        primary_scaler_replicas: Some(canary::ScalerReplicas {
            min_replicas: Some(0),
            max_replicas: None,
        }),
        ..Default::default()
    });
    let errors = errors_of(&c);
    let has = |field: &str| errors.iter().any(|e| e.starts_with(&format!("{field}:")));
    assert!(has("spec.analysis"), "{errors:?}");
    assert!(has("spec.analysis.interval"), "{errors:?}");
    assert!(has("spec.analysis.metrics[0].interval"), "{errors:?}");
    assert!(has("spec.analysis.webhooks[0].timeout"), "{errors:?}");
    assert!(has("spec.analysis.match[0].headers.x-user"), "{errors:?}");
    assert!(
        has("spec.autoscalerRef.primaryScalerReplicas.minReplicas"),
        "{errors:?}"
    );

    let mut c = canary(MINIMAL);
    let service = &mut c.spec.service;
    service.gateway_refs = Some(vec![gateway::ParentReference {
        name: "gw".into(),
        namespace: Some("Not_A_Namespace".into()),
        port: Some(70000),
        ..Default::default()
    }]);
    service.mirror = Some(vec![gateway::HttpRequestMirrorFilter {
        backend_ref: gateway::BackendObjectReference {
            name: "shadow".into(),
            ..Default::default()
        },
    }]);
    service.r#match = Some(vec![service::HttpMatchRequest {
        uri: Some(service::StringMatch {
            exact: Some("/".into()),
            prefix: Some("/".into()),
            regex: None,
        }),
        ..Default::default()
    }]);
    service.traffic_policy = Some(traffic_policy::TrafficPolicy {
        load_balancer: Some(traffic_policy::LoadBalancerSettings::default()),
        ..Default::default()
    });
    let errors = errors_of(&c);
    let has = |field: &str| errors.iter().any(|e| e.starts_with(&format!("{field}:")));
    assert!(has("spec.service.gatewayRefs[0].namespace"), "{errors:?}");
    assert!(has("spec.service.gatewayRefs[0].port"), "{errors:?}");
    assert!(has("spec.service.mirror[0].backendRef"), "{errors:?}");
    assert!(has("spec.service.match[0].uri"), "{errors:?}");
    assert!(has("spec.service.trafficPolicy.loadBalancer"), "{errors:?}");
    let err = c.validate().expect_err("invalid").to_string();
    assert!(err.starts_with("Canary 'podinfo' is invalid: "), "{err}");
}

#[test]
fn alert_provider_needs_address_or_secret() {
    let mut value = docs(ALERT_PROVIDERS).remove(0);
    value["spec"]["secretRef"] = serde_json::json!({ "name": "hook" });
    let both: AlertProvider = api::parse(&value).expect("parse");
    let err = both.validate().expect_err("both set").to_string();
    assert!(err.contains("spec: Invalid value"), "{err}");
    value["spec"]
        .as_object_mut()
        .expect("spec")
        .remove("secretRef");
    value["spec"]
        .as_object_mut()
        .expect("spec")
        .remove("address");
    let neither: AlertProvider = api::parse(&value).expect("parse");
    let err = neither.validate().expect_err("neither set").to_string();
    assert!(err.contains("spec: Required value"), "{err}");
}

#[test]
fn crds_carry_flagger_metadata() {
    let crds = crds();
    assert_eq!(crds.len(), 3);
    for crd in &crds {
        let annotations = crd.metadata.annotations.as_ref().expect("annotations");
        assert_eq!(
            annotations
                .get("helm.sh/resource-policy")
                .map(String::as_str),
            Some("keep")
        );
        assert!(!annotations.contains_key("kustomize.toolkit.fluxcd.io/substitute"));
        assert_eq!(
            crd.spec.names.categories.as_deref(),
            Some(&["all".to_string()][..])
        );
        assert!(crd.spec.names.short_names.is_none());
        let version = &crd.spec.versions[0];
        assert!(
            version
                .subresources
                .as_ref()
                .is_some_and(|s| s.status.is_some())
        );
    }
}
