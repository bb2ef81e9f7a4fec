//! Tests of the HelmRelease types: round trips of authored and real-world objects,
//! validation, defaults and release names.

use serde_json::{Value, json};

use super::*;
use crate::api::kustomize::tests::{assert_round_trip, corpus_objects};
use crate::api::{self, Validate};

fn yaml(text: &str) -> Value {
    let mut docs: Vec<Value> = serde_saphyr::from_multiple(text).expect("valid YAML");
    docs.remove(0)
}

const CHART_TEMPLATE: &str = r#"
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: apps
spec:
  chart:
    metadata:
      annotations:
        note: templated
      labels:
        team: web
    spec:
      chart: podinfo
      ignoreMissingValuesFiles: true
      interval: 1h
      reconcileStrategy: Revision
      sourceRef:
        apiVersion: source.toolkit.fluxcd.io/v1
        kind: HelmRepository
        name: podinfo
        namespace: flux-system
      valuesFiles: [values.yaml, values-prod.yaml]
      verify:
        provider: cosign
        secretRef:
          name: cosign-pub
      version: ">=6.0.0 <7.0.0"
  commonMetadata:
    annotations:
      owner: web
    labels:
      env: prod
  dependsOn:
    - name: cert-manager
      namespace: infra
      readyExpr: dep.status.observedGeneration == dep.metadata.generation
  driftDetection:
    ignore:
      - paths: ["/spec/replicas"]
        target:
          kind: Deployment
    mode: warn
  healthCheckExprs:
    - apiVersion: example.com/v1
      kind: Widget
      current: status.ready == true
      failed: status.failed == true
      inProgress: "!has(status.ready)"
  install:
    crds: CreateReplace
    createNamespace: true
    disableHooks: false
    disableOpenAPIValidation: true
    disableSchemaValidation: true
    disableTakeOwnership: true
    disableWait: false
    disableWaitForJobs: true
    remediation:
      ignoreTestFailures: true
      remediateLastFailure: true
      retries: -1
    replace: true
    serverSideApply: false
    skipCRDs: false
    strategy:
      name: RetryOnFailure
      retryInterval: 3m
    timeout: 10m
  interval: 15m
  kubeConfig:
    configMapRef:
      name: remote-cluster
  maxHistory: 0
  persistentClient: false
  postRenderStrategy: separate
  postRenderers:
    - kustomize:
        images:
          - name: ghcr.io/stefanprodan/podinfo
            newTag: 6.7.1
        patches:
          - patch: |
              - op: add
                path: /metadata/labels/patched
                value: "yes"
            target:
              kind: Deployment
              name: podinfo
    - {}
  releaseName: web-podinfo
  rollback:
    cleanupOnFail: true
    disableHooks: true
    disableWait: true
    disableWaitForJobs: true
    force: true
    recreate: false
    serverSideApply: disabled
    timeout: 7m
  serviceAccountName: helm-sa
  storageNamespace: helm-storage
  suspend: false
  targetNamespace: web
  test:
    enable: true
    filters:
      - name: podinfo-grpc-test
        exclude: true
      - name: podinfo-jwt-test
    ignoreFailures: false
    timeout: 3m
  timeout: 9m
  uninstall:
    deletionPropagation: foreground
    disableHooks: true
    disableWait: true
    keepHistory: true
    timeout: 4m
  upgrade:
    chartNameChangeStrategy: InPlaceUpdate
    cleanupOnFail: true
    crds: Create
    disableHooks: false
    disableOpenAPIValidation: false
    disableSchemaValidation: false
    disableTakeOwnership: false
    disableWait: false
    disableWaitForJobs: false
    force: false
    preserveValues: false
    remediation:
      ignoreTestFailures: false
      remediateLastFailure: false
      retries: 3
      strategy: uninstall
    serverSideApply: auto
    strategy:
      name: RemediateOnFailure
    timeout: 8m
  values:
    replicaCount: 2
    ingress:
      enabled: true
      hosts: [{host: podinfo.example.com, paths: [{path: /, pathType: Prefix}]}]
    resources:
      limits: {cpu: "1", memory: 512Mi}
    ratio: 0.25
    empty: null
  valuesFrom:
    - kind: ConfigMap
      name: podinfo-values
    - kind: Secret
      name: podinfo-secrets
      valuesKey: secret-values.yaml
      targetPath: ingress.tls[0].secretName
      optional: true
      literal: true
  waitStrategy:
    name: legacy
status:
  conditions:
    - lastTransitionTime: "2025-03-01T10:00:00Z"
      message: Helm upgrade succeeded for release web/web-podinfo.v4 with chart podinfo@6.7.0
      observedGeneration: 7
      reason: UpgradeSucceeded
      status: "True"
      type: Ready
  failures: 1
  helmChart: flux-system/apps-podinfo
  history:
    - action: upgrade
      apiVersion: v2
      appVersion: 6.7.0
      chartName: podinfo
      chartVersion: 6.7.0
      configDigest: sha256:e2b1c9
      digest: sha256:0c1e7a
      firstDeployed: "2025-02-01T10:00:00Z"
      lastDeployed: "2025-03-01T10:00:00Z"
      name: web-podinfo
      namespace: web
      ociDigest: sha256:77aa
      status: deployed
      testHooks:
        web-podinfo-grpc-test:
          lastCompleted: "2025-03-01T10:01:00Z"
          lastStarted: "2025-03-01T10:00:30Z"
          phase: Succeeded
      version: 4
    - chartName: podinfo
      chartVersion: 6.6.0
      configDigest: sha256:aa
      deleted: "2025-02-20T00:00:00Z"
      digest: sha256:bb
      firstDeployed: "2025-02-01T10:00:00Z"
      lastDeployed: "2025-02-01T10:00:00Z"
      name: web-podinfo
      namespace: web
      status: superseded
      testHooks: {}
      version: 3
  installFailures: 0
  inventory:
    entries:
      - id: web_web-podinfo_apps_Deployment
        v: v1
  lastAttemptedConfigDigest: sha256:e2b1c9
  lastAttemptedGeneration: 7
  lastAttemptedReleaseAction: upgrade
  lastAttemptedReleaseActionDuration: 12.5s
  lastAttemptedRevision: 6.7.0
  lastAttemptedRevisionDigest: sha256:77aa
  lastAttemptedValuesChecksum: 5b3f2a
  lastHandledForceAt: "2025-03-01T09:00:00Z"
  lastHandledReconcileAt: "2025-03-01T09:30:00Z"
  lastHandledResetAt: "2025-03-01T08:00:00Z"
  lastReleaseRevision: 4
  observedCommonMetadataDigest: sha256:cm
  observedGeneration: 7
  observedPostRenderersDigest: sha256:pr
  storageNamespace: helm-storage
  upgradeFailures: 2
"#;

fn full() -> Value {
    yaml(CHART_TEMPLATE)
}

#[test]
fn full_object_round_trips() {
    let value = full();
    let hr: HelmRelease = assert_round_trip(&value, "authored sample");
    hr.validate().expect("valid");
    assert_eq!(hr.release_name(), "web-podinfo");
    assert_eq!(hr.release_namespace(), "web");
    assert_eq!(hr.storage_namespace(), "helm-storage");
    assert_eq!(hr.helm_chart_name(), "apps-podinfo");
    assert_eq!(hr.helm_chart_namespace(), "flux-system");
    assert_eq!(hr.chart_interval(), "1h");
    assert_eq!(hr.max_history(), 0);
    assert!(!hr.persistent_client());
    assert_eq!(
        (
            hr.install_timeout(),
            hr.upgrade_timeout(),
            hr.test_timeout()
        ),
        ("10m", "8m", "3m")
    );
    assert_eq!(
        (hr.rollback_timeout(), hr.uninstall_timeout()),
        ("7m", "4m")
    );
    assert_eq!(
        hr.upgrade().remediation().strategy(),
        RemediationStrategy::Uninstall
    );
    assert!(!hr.upgrade().remediation().remediate_last_failure());
    assert!(
        !hr.install().remediation().retries_exhausted(1),
        "negative retries never run out"
    );
    assert_eq!(hr.install().crds(), CrdsPolicy::CreateReplace);
    assert_eq!(
        hr.uninstall().deletion_propagation(),
        DeletionPropagation::Foreground
    );
    assert!(hr.drift_detection().detects_changes());
    let status = hr.status.as_ref().expect("status");
    assert_eq!(
        status
            .latest_snapshot()
            .map(Snapshot::full_release_name)
            .as_deref(),
        Some("web/web-podinfo.v4")
    );
    assert_eq!(status.previous_snapshot(false).map(|s| s.version), Some(3));
    assert!(
        status
            .history
            .as_ref()
            .is_some_and(|h| h[1].has_been_tested())
    );
    assert_eq!(status.helm_chart(), Some(("flux-system", "apps-podinfo")));
}

#[test]
fn chart_ref_object_round_trips_with_defaults() {
    let value = json!({
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "podinfo", "namespace": "apps"},
        "spec": {
            "interval": "10m",
            "chartRef": {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "OCIRepository", "name": "podinfo", "namespace": "flux-system"},
            "values": null,
            "valuesFrom": []
        }
    });
    let hr: HelmRelease = assert_round_trip(&value, "chartRef sample");
    hr.validate().expect("valid");
    assert_eq!(
        hr.spec.values,
        Some(Value::Null),
        "an explicit null is kept"
    );
    assert_eq!(hr.values(), json!({}));
    assert_eq!(hr.release_name(), "podinfo");
    assert_eq!(hr.release_namespace(), "apps");
    assert_eq!(hr.storage_namespace(), "apps");
    assert_eq!(hr.timeout(), "5m0s");
    assert_eq!(hr.install_timeout(), "5m0s");
    assert_eq!(hr.chart_interval(), "10m");
    assert_eq!(hr.max_history(), 5);
    assert!(hr.persistent_client());
    assert_eq!(hr.install().crds(), CrdsPolicy::Create);
    assert_eq!(hr.upgrade().crds(), CrdsPolicy::Skip);
    assert_eq!(
        hr.upgrade().chart_name_change_strategy(),
        ChartNameChangeStrategy::Reinstall
    );
    assert_eq!(hr.upgrade().server_side_apply(), ServerSideApplyMode::Auto);
    assert_eq!(
        hr.upgrade().remediation().strategy(),
        RemediationStrategy::Rollback
    );
    assert_eq!(
        hr.uninstall().deletion_propagation(),
        DeletionPropagation::Background
    );
    assert_eq!(hr.drift_detection().mode(), DriftDetectionMode::Disabled);
    let retry = ActionStrategy {
        name: ActionStrategyName::RetryOnFailure,
        retry_interval: None,
    };
    assert_eq!(retry.retry_interval(), "5m");
    let remediation = UpgradeRemediation {
        retries: Some(2),
        ..Default::default()
    };
    assert!(remediation.remediate_last_failure());
    assert!(!remediation.retries_exhausted(2));
    assert!(remediation.retries_exhausted(3));
    let vr = ValuesReference {
        name: "v".into(),
        ..Default::default()
    };
    assert_eq!(vr.values_key(), "values.yaml");

    let mut absent = value.clone();
    absent["spec"]
        .as_object_mut()
        .expect("spec")
        .remove("values");
    let hr: HelmRelease = assert_round_trip(&absent, "no values");
    assert_eq!(hr.spec.values, None);
}

#[test]
fn corpus_objects_round_trip() {
    let Some(objects) = corpus_objects("helm.toolkit.fluxcd.io/v2", "HelmRelease") else {
        eprintln!("note: ../shared/corpus is absent; corpus round trips skipped");
        return;
    };
    let (mut complete, mut partial) = (0, 0);
    let mut unique = std::collections::BTreeSet::new();
    for (path, value) in &objects {
        // Kustomize patches of a HelmRelease carry only the fields they change.
        if value["spec"].get("interval").is_none() {
            partial += 1;
            continue;
        }
        let hr: HelmRelease = assert_round_trip(value, &path.display().to_string());
        if !hr.spec.interval.contains("${") {
            hr.validate()
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        unique.insert(value.to_string());
        complete += 1;
    }
    eprintln!(
        "corpus: {complete} HelmReleases round-tripped ({} distinct), {partial} patch fragments skipped",
        unique.len()
    );
    assert!(complete > 0, "the corpus has HelmReleases");
}

#[test]
fn unknown_enum_values_name_the_field() {
    for (pointer, bad, field) in [
        ("/spec/install/crds", "Replace", "spec.install.crds"),
        (
            "/spec/upgrade/remediation/strategy",
            "retry",
            "spec.upgrade.remediation.strategy",
        ),
        (
            "/spec/driftDetection/mode",
            "on",
            "spec.driftDetection.mode",
        ),
        (
            "/spec/chart/spec/sourceRef/kind",
            "OCIRepository",
            "spec.chart.spec.sourceRef.kind",
        ),
        (
            "/spec/valuesFrom/1/kind",
            "Namespace",
            "spec.valuesFrom[1].kind",
        ),
        (
            "/status/lastAttemptedReleaseAction",
            "rollback",
            "status.lastAttemptedReleaseAction",
        ),
    ] {
        let mut value = full();
        *value.pointer_mut(pointer).expect(pointer) = json!(bad);
        let err = api::parse::<HelmRelease>(&value)
            .expect_err(pointer)
            .to_string();
        assert!(err.contains(field), "{pointer}: {err}");
    }
}

#[test]
fn validation_names_the_fields() {
    let mut value = full();
    value["spec"]["interval"] = json!("15 minutes");
    value["spec"]["chartRef"] = json!({"kind": "HelmChart", "name": ""});
    value["spec"]["releaseName"] = json!("r".repeat(54));
    value["spec"]["kubeConfig"]["secretRef"] = json!({"name": "kc"});
    value["spec"]["valuesFrom"][1]["valuesKey"] = json!("values file.yaml");
    value["spec"]["valuesFrom"][1]["targetPath"] = json!("a=b");
    value["spec"]["install"]["strategy"] =
        json!({"name": "RemediateOnFailure", "retryInterval": "1m"});
    value["spec"]["upgrade"]["strategy"] =
        json!({"name": "RemediateOnFailure", "retryInterval": "1x"});
    value["spec"]["uninstall"]["timeout"] = json!("soon");
    let hr: HelmRelease = api::parse(&value).expect("parses");
    let err = hr.validate().expect_err("invalid");
    let fields: Vec<&str> = err.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "spec.interval",
            "spec.releaseName",
            "spec",
            "spec.chartRef.name",
            "spec.kubeConfig",
            "spec.valuesFrom[1].valuesKey",
            "spec.valuesFrom[1].targetPath",
            "spec.install.strategy",
            "spec.upgrade.strategy.retryInterval",
            "spec.upgrade.strategy",
            "spec.uninstall.timeout",
        ]
    );
    assert!(
        err.to_string()
            .contains("spec: Invalid value: \"object\": either chart or chartRef must be set")
    );
}

#[test]
fn release_names_are_shortened_like_helm_controller() {
    assert_eq!(shorten_release_name("release-name"), "release-name");
    assert_eq!(shorten_release_name(""), "");
    assert_eq!(
        shorten_release_name("release-name-with-very-long-name-which-is-longer-than-53-characters"),
        "release-name-with-very-long-name-which-i-788ca0d0d7b0"
    );
    assert_eq!(
        shorten_release_name(
            "another-release-name-with-very-long-name-which-is-longer-than-53-characters"
        ),
        "another-release-name-with-very-long-name-7e72150d5a36"
    );
    let exactly_53 = "a".repeat(53);
    assert_eq!(shorten_release_name(&exactly_53), exactly_53);

    let hr: HelmRelease = api::parse(&json!({
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "with-very-long-name-which-is-longer-than-53-characters", "namespace": "apps"},
        "spec": {"interval": "5m", "targetNamespace": "release-name", "chartRef": {"kind": "HelmChart", "name": "c"}}
    }))
    .expect("parses");
    assert_eq!(
        hr.configured_release_name(),
        "release-name-with-very-long-name-which-is-longer-than-53-characters"
    );
    assert_eq!(
        hr.release_name(),
        "release-name-with-very-long-name-which-i-788ca0d0d7b0"
    );
}

#[test]
fn crd_carries_the_flux_annotation_and_status_default() {
    let crd = serde_json::to_value(&crds()[0]).expect("crd");
    assert_eq!(
        crd["metadata"]["annotations"]["kustomize.toolkit.fluxcd.io/substitute"],
        "disabled"
    );
    let schema = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
    assert_eq!(
        schema["properties"]["status"]["default"],
        json!({"observedGeneration": -1})
    );
    let values = &schema["properties"]["spec"]["properties"]["values"];
    assert_eq!(values["x-kubernetes-preserve-unknown-fields"], true);
    assert!(values.get("type").is_none(), "{values}");
    assert_eq!(crd["spec"]["names"]["listKind"], "HelmReleaseList");
}
