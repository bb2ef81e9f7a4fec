//! Tests of the Kustomization types: round trips of authored and real-world objects,
//! validation and defaults. Also hosts the corpus reader the HelmRelease tests share.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::*;
use crate::api::{self, Validate};

/// Every object with `api_version`/`kind` in the YAML files of `../shared/corpus`, with
/// the file it came from; `None` when the corpus is absent. Files that are not YAML
/// (e.g. Helm templates) are skipped.
pub(crate) fn corpus_objects(api_version: &str, kind: &str) -> Option<Vec<(PathBuf, Value)>> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    if !root.is_dir() {
        return None;
    }
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if !path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            if !text.contains(api_version) {
                continue;
            }
            let Ok(docs) = serde_saphyr::from_multiple::<Value>(&text) else {
                continue;
            };
            for doc in docs {
                if doc["apiVersion"] == api_version && doc["kind"] == kind {
                    out.push((path.clone(), doc));
                }
            }
        }
    }
    Some(out)
}

/// Reads `value` as `T` and writes it back; the result must equal the input.
pub(crate) fn assert_round_trip<T>(value: &Value, origin: &str) -> T
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let typed: T = api::parse(value).unwrap_or_else(|e| panic!("{origin}: {e}"));
    let back = serde_json::to_value(&typed).unwrap_or_else(|e| panic!("{origin}: {e}"));
    assert_eq!(back, *value, "{origin}: round trip changed the object");
    typed
}

fn yaml(text: &str) -> Value {
    let mut docs: Vec<Value> = serde_saphyr::from_multiple(text).expect("valid YAML");
    docs.remove(0)
}

const FULL: &str = r#"
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
  labels:
    team: platform
spec:
  buildMetadata: [originAnnotations, transformerAnnotations]
  commonMetadata:
    annotations:
      owner: platform
    labels:
      env: prod
  components: [../components/ingress, ../components/monitoring]
  decryption:
    provider: sops
    secretRef:
      name: sops-age
    serviceAccountName: kms-reader
  deletionPolicy: WaitForTermination
  dependsOn:
    - name: infra
    - name: crds
      namespace: flux-system
      readyExpr: dep.status.conditions.exists(c, c.type == 'Ready')
  force: false
  healthCheckExprs:
    - apiVersion: cert-manager.io/v1
      kind: Certificate
      current: status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'True')
      failed: status.conditions.filter(e, e.type == 'Ready').all(e, e.status == 'False')
      inProgress: has(status.renewalTime)
    - apiVersion: example.com/v1
      current: "true"
  healthChecks:
    - apiVersion: apps/v1
      kind: Deployment
      name: podinfo
      namespace: apps
    - kind: HelmRelease
      name: ingress
  ignore:
    - paths: ["/spec/replicas"]
      target:
        kind: Deployment
        labelSelector: app=podinfo
    - paths: ["/metadata/annotations/touched"]
  ignoreMissingComponents: true
  images:
    - name: ghcr.io/stefanprodan/podinfo
      newName: registry.example.com/podinfo
      newTag: 6.7.0
    - name: nginx
      digest: sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3
  interval: 10m
  kubeConfig:
    secretRef:
      name: prod-kubeconfig
      key: value.yaml
  namePrefix: prod-
  nameSuffix: -v1
  patches:
    - patch: |
        - op: replace
          path: /spec/replicas
          value: 3
      target:
        group: apps
        version: v1
        kind: Deployment
        name: podinfo
        namespace: apps
        labelSelector: app=podinfo
        annotationSelector: patch=true
    - patch: |
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
        data:
          level: debug
  path: ./apps/production
  postBuild:
    substitute:
      cluster_name: prod-1
      replicas: "3"
    substituteFrom:
      - kind: ConfigMap
        name: cluster-vars
      - kind: Secret
        name: cluster-secrets
        optional: true
    substituteStrategy: Always
  prune: true
  retryInterval: 2m
  serviceAccountName: kustomize-controller
  sourceRef:
    apiVersion: source.toolkit.fluxcd.io/v1
    kind: OCIRepository
    name: apps
    namespace: flux-system
  suspend: false
  targetNamespace: apps
  timeout: 5m
  wait: true
status:
  conditions:
    - lastTransitionTime: "2025-03-01T10:00:00Z"
      message: "Applied revision: v1.2.0@sha256:1234"
      observedGeneration: 3
      reason: ReconciliationSucceeded
      status: "True"
      type: Ready
  history:
    - digest: sha256:2f1c2a4b8a0f6c5d
      firstReconciled: "2025-03-01T09:00:00Z"
      lastReconciled: "2025-03-01T10:00:00Z"
      lastReconciledDuration: 1.52s
      lastReconciledStatus: ReconciliationSucceeded
      metadata:
        revision: v1.2.0@sha256:1234
      totalReconciliations: 12
  inventory:
    entries:
      - id: apps_podinfo_apps_Deployment
        v: v1
      - id: _apps__Namespace
        v: v1
  lastAppliedOriginRevision: main@sha1:0123456789abcdef0123456789abcdef01234567
  lastAppliedRevision: v1.2.0@sha256:1234
  lastAttemptedRevision: v1.2.0@sha256:1234
  lastHandledReconcileAt: "2025-03-01T09:59:00Z"
  observedGeneration: 3
"#;

fn full() -> Value {
    yaml(FULL)
}

#[test]
fn full_object_round_trips() {
    let value = full();
    let ks: Kustomization = assert_round_trip(&value, "authored sample");
    assert_eq!(
        ks.spec.deletion_policy(),
        DeletionPolicy::WaitForTermination
    );
    assert_eq!(ks.spec.substitute_strategy(), SubstituteStrategy::Always);
    assert_eq!(
        ks.spec.source_ref.to_string(),
        "OCIRepository/flux-system/apps"
    );
    assert_eq!(
        ks.spec.depends_on()[1].to_string(),
        "flux-system/crds@dep.status.conditions.exists(c, c.type == 'Ready')"
    );
    assert_eq!(
        ks.status
            .as_ref()
            .and_then(|s| s.latest_snapshot())
            .map(|s| s.total_reconciliations),
        Some(12)
    );
    ks.validate().expect("valid");
}

#[test]
fn minimal_object_round_trips_without_added_fields() {
    let value = json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": "infra"},
        "spec": {
            "interval": "1h",
            "prune": false,
            "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
            "patches": [],
            "postBuild": {}
        }
    });
    let ks: Kustomization = assert_round_trip(&value, "minimal");
    assert_eq!(ks.spec.retry_interval(), "1h");
    assert_eq!(
        ks.spec.timeout().map(|d| d.to_string()).ok().as_deref(),
        Some("59m30s")
    );
    assert_eq!(ks.spec.path(), "");
    assert_eq!(ks.spec.deletion_policy(), DeletionPolicy::MirrorPrune);
    assert!(!ks.spec.deletes_on_removal());
    assert_eq!(
        ks.spec.substitute_strategy(),
        SubstituteStrategy::WithVariables
    );
}

#[test]
fn corpus_objects_round_trip() {
    let Some(objects) = corpus_objects("kustomize.toolkit.fluxcd.io/v1", "Kustomization") else {
        eprintln!("note: ../shared/corpus is absent; corpus round trips skipped");
        return;
    };
    let (mut complete, mut partial) = (0, 0);
    let mut unique = std::collections::BTreeSet::new();
    for (path, value) in &objects {
        let spec = &value["spec"];
        // Kustomize patches of a Kustomization carry only the fields they change.
        if spec.get("interval").is_none()
            || spec.get("sourceRef").is_none()
            || spec.get("prune").is_none()
        {
            partial += 1;
            continue;
        }
        let ks: Kustomization = assert_round_trip(value, &path.display().to_string());
        if !ks.spec.interval.contains("${") {
            ks.validate()
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        unique.insert(value.to_string());
        complete += 1;
    }
    eprintln!(
        "corpus: {complete} Kustomizations round-tripped ({} distinct), {partial} patch fragments skipped",
        unique.len()
    );
    assert!(complete > 0, "the corpus has Kustomizations");
}

#[test]
fn unknown_enum_values_name_the_field() {
    let mut value = full();
    value["spec"]["deletionPolicy"] = json!("Keep");
    let err = api::parse::<Kustomization>(&value)
        .expect_err("unknown policy")
        .to_string();
    assert!(err.contains("spec.deletionPolicy"), "{err}");

    let mut value = full();
    value["spec"]["sourceRef"]["kind"] = json!("HelmRepository");
    let err = api::parse::<Kustomization>(&value)
        .expect_err("unknown kind")
        .to_string();
    assert!(err.contains("spec.sourceRef.kind"), "{err}");

    let mut value = full();
    value["spec"]["postBuild"]["substituteFrom"][1]["kind"] = json!("Namespace");
    let err = api::parse::<Kustomization>(&value)
        .expect_err("unknown kind")
        .to_string();
    assert!(
        err.contains("spec.postBuild.substituteFrom[1].kind"),
        "{err}"
    );
}

#[test]
fn validation_names_the_fields() {
    let mut value = full();
    value["spec"]["interval"] = json!("10 minutes");
    value["spec"]["retryInterval"] = json!("1d");
    value["spec"]["timeout"] = json!("5");
    value["spec"]["namePrefix"] = json!("");
    value["spec"]["targetNamespace"] = json!("x".repeat(64));
    value["spec"]["postBuild"]["substituteFrom"][0]["name"] = json!("");
    value["spec"]["kubeConfig"]["configMapRef"] = json!({"name": "cluster"});
    let ks: Kustomization = api::parse(&value).expect("parses");
    let err = ks.validate().expect_err("invalid");
    let fields: Vec<&str> = err.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "spec.interval",
            "spec.retryInterval",
            "spec.timeout",
            "spec.namePrefix",
            "spec.targetNamespace",
            "spec.postBuild.substituteFrom[0].name",
            "spec.kubeConfig",
        ]
    );
    assert!(
        err.to_string()
            .starts_with("Kustomization 'apps' is invalid: spec.interval: Invalid value")
    );
}

#[test]
fn timeout_follows_the_controller() {
    let mut spec = KustomizationSpec {
        interval: "10m".into(),
        ..Default::default()
    };
    assert_eq!(
        spec.timeout().map(|d| d.to_string()).ok().as_deref(),
        Some("9m30s")
    );
    spec.interval = "20s".into();
    assert_eq!(
        spec.timeout().map(|d| d.to_string()).ok().as_deref(),
        Some("30s")
    );
    spec.timeout = Some("2m".into());
    assert_eq!(
        spec.timeout().map(|d| d.to_string()).ok().as_deref(),
        Some("2m0s")
    );
    spec.timeout = Some("bad".into());
    assert!(spec.timeout().is_err());
}

#[test]
fn deletion_policy_mirrors_prune() {
    let mut spec = KustomizationSpec {
        prune: true,
        ..Default::default()
    };
    assert!(spec.deletes_on_removal());
    spec.deletion_policy = Some(DeletionPolicy::Orphan);
    assert!(!spec.deletes_on_removal());
    spec.prune = false;
    spec.deletion_policy = Some(DeletionPolicy::Delete);
    assert!(spec.deletes_on_removal());
}

#[test]
fn inventory_ids() {
    let r = ResourceRef::new("apps", "podinfo", "apps/v1", "Deployment");
    assert_eq!(
        (r.id.as_str(), r.version.as_str()),
        ("apps_podinfo_apps_Deployment", "v1")
    );
    let r = ResourceRef::new(
        "",
        "system:auth-delegator",
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
    );
    assert_eq!(
        r.id,
        "_system__auth-delegator_rbac.authorization.k8s.io_ClusterRole"
    );
    assert_eq!(
        r.parts(),
        Some((
            String::new(),
            "system:auth-delegator".into(),
            "rbac.authorization.k8s.io".into(),
            "ClusterRole".into()
        ))
    );
    let r = ResourceRef::new("", "apps", "v1", "Namespace");
    assert_eq!(r.id, "_apps__Namespace");
    assert_eq!(
        r.parts(),
        Some((
            String::new(),
            "apps".into(),
            String::new(),
            "Namespace".into()
        ))
    );
    assert_eq!(
        ResourceRef {
            id: "a_b".into(),
            version: "v1".into()
        }
        .parts(),
        None
    );
}

#[test]
fn history_upserts_like_flux() {
    let t = |s: &str| serde_json::from_value(json!(s)).expect("time");
    let mut status = KustomizationStatus::default();
    status.record_history(
        "sha256:a",
        t("2025-01-01T00:00:00Z"),
        "1s",
        "ReconciliationSucceeded",
        None,
    );
    status.record_history(
        "sha256:b",
        t("2025-01-01T00:10:00Z"),
        "2s",
        "ReconciliationSucceeded",
        None,
    );
    status.record_history(
        "sha256:a",
        t("2025-01-01T00:20:00Z"),
        "3s",
        "ReconciliationSucceeded",
        None,
    );
    let history = status.history.as_ref().expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].digest, "sha256:a");
    assert_eq!(history[0].total_reconciliations, 2);
    assert_eq!(history[0].last_reconciled_duration, "3s");
    assert_eq!(history[0].first_reconciled, t("2025-01-01T00:00:00Z"));
    for i in 0..10 {
        status.record_history(
            &format!("sha256:{i}"),
            t("2025-01-02T00:00:00Z"),
            "1s",
            "BuildFailed",
            None,
        );
    }
    assert_eq!(
        status.history.as_ref().map(Vec::len),
        Some(HISTORY_MAX_SIZE)
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
    assert_eq!(crd["spec"]["names"]["listKind"], "KustomizationList");
}
