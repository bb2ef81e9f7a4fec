//! Unit tests of the built-in field specs and of kustomize's configuration merging.

use super::*;
use crate::kustomize::{self, MemFs, Options};

fn spec(kind: &str, path: &str) -> FieldSpec {
    fs("", "", kind, path, false)
}

#[test]
fn a_specific_spec_absorbs_a_later_kindless_one() {
    // kustomize: a level's configuration is the default merged with `configurations:`
    // (then sorted: `kind: Foo` before the kind-less spec), and merging that into an empty
    // accumulator drops the kind-less `metadata/name`, which `Foo`'s already covers.
    let mut user = TransformerConfig {
        name_prefix: vec![spec("Foo", "metadata/name")],
        ..Default::default()
    };
    user.sort();
    let mut level = TransformerConfig::builtin();
    level.merge(user);
    assert_eq!(
        level.name_prefix,
        vec![spec("Foo", "metadata/name"), spec("", "metadata/name")]
    );
    let mut acc = TransformerConfig::default();
    acc.merge(level);
    assert_eq!(acc.name_prefix, vec![spec("Foo", "metadata/name")]);
}

#[test]
fn a_kindless_spec_does_not_absorb_a_specific_one() {
    let mut acc = TransformerConfig {
        name_prefix: vec![spec("", "metadata/name")],
        ..Default::default()
    };
    acc.merge(TransformerConfig {
        name_prefix: vec![spec("Foo", "metadata/name"), spec("Foo", "spec/x")],
        ..Default::default()
    });
    assert_eq!(
        acc.name_prefix,
        vec![
            spec("Foo", "metadata/name"),
            spec("Foo", "spec/x"),
            spec("", "metadata/name")
        ]
    );
}

#[test]
fn lists_sort_by_kind_order_then_group_version_kind() {
    let builtin = TransformerConfig::builtin();
    let replicas: Vec<&str> = builtin.replicas.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(
        replicas,
        [
            "Deployment",
            "StatefulSet",
            "ReplicaSet",
            "ReplicationController"
        ]
    );
}

#[test]
fn name_references_match_kustomize_v5_5() {
    let c = TransformerConfig::builtin();
    let referrers = |kind: &str| -> Vec<String> {
        c.name_reference
            .iter()
            .filter(|b| b.kind == kind)
            .flat_map(|b| {
                b.field_specs
                    .iter()
                    .map(|s| format!("{}/{}:{}", s.group, s.kind, s.path))
            })
            .collect()
    };
    let cm = referrers("ConfigMap");
    assert!(
        cm.contains(&"/PodTemplate:template/spec/containers/envFrom/configMapRef/name".to_string())
    );
    assert!(
        !cm.iter().any(|s| s.starts_with("serving.knative.dev/")),
        "no knative ConfigMap referrers in v5.5"
    );
    assert_eq!(
        referrers("ValidatingAdmissionPolicy"),
        ["admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding:spec/policyName"]
    );
    // varReference has no PodTemplate entries.
    assert!(!c.var_reference.iter().any(|s| s.kind == "PodTemplate"));
}

const CRD_API: &str = r#"{
  "github.com/example/backup/v1.BackupPlan": {
    "Schema": {
      "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"$ref": "k8s.io/apimachinery/pkg/apis/meta/v1.ObjectMeta"},
        "spec": {"$ref": "github.com/example/backup/v1.BackupPlanSpec"}
      }
    }
  },
  "github.com/example/backup/v1.BackupPlanSpec": {
    "Schema": {
      "properties": {
        "credentialsSecret": {
          "type": "object",
          "x-kubernetes-object-ref-api-version": "v1",
          "x-kubernetes-object-ref-kind": "Secret"
        },
        "settings": {
          "type": "object",
          "x-kubernetes-object-ref-api-version": "v1",
          "x-kubernetes-object-ref-kind": "ConfigMap",
          "x-kubernetes-object-ref-name-key": "cmName"
        },
        "alias": {"type": "string", "x-kubernetes-identity": "true"},
        "notes": {"type": "object", "x-kubernetes-annotation": ""},
        "pick": {"type": "object", "x-kubernetes-label-selector": ""}
      }
    }
  }
}
"#;
const CRD_KUST: &str = r#"namePrefix: p-
commonLabels:
  app: x
commonAnnotations:
  note: hi
crds:
- crd.json
resources:
- res.yaml
"#;
const CRD_RES: &str = r#"apiVersion: v1
kind: Secret
metadata:
  name: s3
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: plan-settings
---
apiVersion: backup.example.com/v1
kind: BackupPlan
metadata:
  name: nightly
spec:
  alias: al
  notes: {}
  pick: {}
  credentialsSecret:
    name: s3
  settings:
    cmName: plan-settings
"#;

fn build(files: &[(&str, &str)]) -> Result<String, String> {
    let mut fs = MemFs::new();
    for (p, t) in files {
        fs.add(p, *t);
    }
    kustomize::build(&fs, "app", &Options::default())
        .map(|s| s.to_yaml())
        .map_err(|e| e.to_string())
}

#[test]
fn crds_are_openapi_definitions_with_kustomize_extensions() {
    let out = build(&[
        ("app/kustomization.yaml", CRD_KUST),
        ("app/crd.json", CRD_API),
        ("app/res.yaml", CRD_RES),
    ]);
    assert_eq!(
        out.as_deref(),
        Ok(r#"apiVersion: v1
kind: ConfigMap
metadata:
  annotations:
    note: hi
  labels:
    app: x
  name: p-plan-settings
---
apiVersion: v1
kind: Secret
metadata:
  annotations:
    note: hi
  labels:
    app: x
  name: p-s3
---
apiVersion: backup.example.com/v1
kind: BackupPlan
metadata:
  annotations:
    note: hi
  labels:
    app: x
  name: p-nightly
spec:
  alias: p-al
  credentialsSecret:
    name: p-s3
  notes:
    note: hi
  pick:
    app: x
  settings:
    cmName: p-plan-settings
"#)
    );
}

#[test]
fn a_custom_resource_definition_object_is_not_a_crds_file() {
    let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x.example.com\n";
    let Err(err) = build(&[
        ("app/kustomization.yaml", "crds:\n- crd.json\n"),
        ("app/crd.json", crd),
    ]) else {
        panic!("a CRD object must not load as a crds: file");
    };
    assert!(
        err.contains("unable to parse open API definition from 'app/crd.json'"),
        "{err}"
    );
}

#[test]
fn labels_reach_statefulset_claim_templates() {
    let kust = "labels:\n- pairs: {tier: db}\n  includeTemplates: true\ncommonLabels: {app: pg}\ncommonAnnotations: {note: x}\nresources: [sts.yaml]\n";
    let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: pg\nspec:\n  volumeClaimTemplates:\n  - metadata:\n      name: data\n  - spec: {}\n";
    let out = build(&[("app/kustomization.yaml", kust), ("app/sts.yaml", sts)]);
    assert_eq!(
        out.as_deref(),
        Ok(r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  annotations:
    note: x
  labels:
    app: pg
    tier: db
  name: pg
spec:
  selector:
    matchLabels:
      app: pg
  template:
    metadata:
      annotations:
        note: x
      labels:
        app: pg
        tier: db
  volumeClaimTemplates:
  - metadata:
      labels:
        app: pg
        tier: db
      name: data
  - metadata:
      labels:
        app: pg
        tier: db
    spec: {}
"#)
    );
}

/// Merging the built-in specs into a configuration that already took them in is skipped;
/// the full merge gives the same configuration.
#[test]
fn merging_the_builtin_specs_again_changes_nothing() {
    let mut user = TransformerConfig {
        name_prefix: vec![spec("Foo", "metadata/name")],
        common_labels: vec![spec("Bar", "spec/selector")],
        ..Default::default()
    };
    user.sort();
    let mut level = TransformerConfig::builtin();
    level.merge(user);
    let mut acc = TransformerConfig::default();
    acc.merge(level);
    for covering in [acc, TransformerConfig::builtin(), {
        let mut a = TransformerConfig::default();
        a.merge(TransformerConfig::builtin());
        a
    }] {
        let mut fast = covering.clone();
        fast.merge(TransformerConfig::builtin());
        let mut slow = TransformerConfig {
            provenance: Provenance::Other,
            ..covering.clone()
        };
        slow.merge(TransformerConfig {
            provenance: Provenance::Other,
            ..TransformerConfig::builtin()
        });
        assert_eq!(
            TransformerConfig {
                provenance: Provenance::Other,
                ..fast
            },
            slow
        );
    }
}
