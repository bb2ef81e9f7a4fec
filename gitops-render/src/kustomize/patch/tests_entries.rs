//! `patches` entries holding several strategic merge patches, and the checks kustomize
//! makes on `patchesJson6902` entries.

use crate::kustomize::{self, MemFs, Options};

fn build(dir: &str, files: &[(&str, &str)]) -> Result<String, String> {
    let mut fs = MemFs::new();
    for (path, text) in files {
        fs.add(path, *text);
    }
    kustomize::build(&fs, dir, &Options::default())
        .map(|s| s.to_yaml())
        .map_err(|e| e.to_string())
}

const RES: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: a
spec:
  replicas: 1
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: b
spec:
  replicas: 1
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
data:
  x: \"1\"
";

const PATCH: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: a
spec:
  replicas: 2
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: b
spec:
  replicas: 3
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
data:
  y: \"2\"
";

/// kubectl applies each document of a `patches` file to the resource it names.
#[test]
fn each_document_of_a_patch_file_is_a_patch() {
    let k = "resources:\n- res.yaml\npatches:\n- path: patch.yaml\n";
    let out = build(
        "app",
        &[
            ("app/kustomization.yaml", k),
            ("app/res.yaml", RES),
            ("app/patch.yaml", PATCH),
        ],
    );
    assert_eq!(
        out.as_deref(),
        Ok("apiVersion: v1
data:
  x: \"1\"
  \"y\": \"2\"
kind: ConfigMap
metadata:
  name: c
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: a
spec:
  replicas: 2
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: b
spec:
  replicas: 3
")
    );
}

#[test]
fn several_documents_with_a_target_are_refused() {
    let k =
        "resources:\n- res.yaml\npatches:\n- path: patch.yaml\n  target:\n    kind: Deployment\n";
    let err = build(
        "app",
        &[
            ("app/kustomization.yaml", k),
            ("app/res.yaml", RES),
            ("app/patch.yaml", PATCH),
        ],
    )
    .expect_err("kubectl refuses it");
    assert!(
        err.contains("app/patch.yaml: Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set `patches.target` field"),
        "{err}"
    );
}

const DEPLOYMENT: &str =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 1\n";

#[test]
fn json6902_entries_need_a_target_name_and_operations() {
    let unnamed = "resources: [d.yaml]\npatchesJson6902:\n- target: {kind: Deployment}\n  patch: |\n    - op: replace\n      path: /spec/replicas\n      value: 3\n";
    let err = build(
        "app",
        &[
            ("app/kustomization.yaml", unnamed),
            ("app/d.yaml", DEPLOYMENT),
        ],
    )
    .expect_err("no name");
    assert_eq!(err, "app: patchesJson6902: must specify the target name");
    let empty = "resources: [d.yaml]\npatchesJson6902:\n- target: {kind: Deployment, name: d}\n  patch: '[]'\n";
    let err = build(
        "app",
        &[
            ("app/kustomization.yaml", empty),
            ("app/d.yaml", DEPLOYMENT),
        ],
    )
    .expect_err("empty");
    assert!(err.ends_with("patch appears to be empty"), "{err}");
    let named = unnamed.replace("{kind: Deployment}", "{kind: Deployment, name: d}");
    let out = build(
        "app",
        &[
            ("app/kustomization.yaml", &named),
            ("app/d.yaml", DEPLOYMENT),
        ],
    );
    assert_eq!(
        out.as_deref(),
        Ok("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 3\n")
    );
}

/// Messages about the build root's own kustomization name its file, not an empty path.
#[test]
fn errors_at_the_root_name_the_kustomization_file() {
    let k = "resources: [d.yaml]\npatches:\n- target: {kind: Deployment}\n  patch: |\n    - op: replace\n      path: /spec/template/x/0\n      value: 3\n";
    let err =
        build("", &[("kustomization.yaml", k), ("d.yaml", DEPLOYMENT)]).expect_err("no such path");
    assert!(
        err.contains(
            "JSON patch from kustomization.yaml: inline patch: replace operation does not apply"
        ),
        "{err}"
    );
    let k = "resources: [d.yaml]\npatchesJson6902:\n- target: {kind: Deployment}\n  path: p.yaml\n";
    let err = build("", &[("kustomization.yml", k), ("d.yaml", DEPLOYMENT)]).expect_err("no name");
    assert_eq!(
        err,
        "kustomization.yml: patchesJson6902: must specify the target name"
    );
}
