//! Generator tests; expected texts are what `kubectl kustomize` (v1.32.4) prints for the
//! same trees.

use super::*;
use crate::kustomize::{self, MemFs, Options};

fn build(fs: &MemFs, dir: &str) -> Result<String, String> {
    kustomize::build(fs, dir, &Options::default())
        .map(|set| set.to_yaml())
        .map_err(|e| e.to_string())
}

#[test]
fn env_literals_options_and_secret() {
    let mut fs = MemFs::new();
    fs.add("base/a.env", "# c\n\n  FOO=bar=baz\nBARE\nQ=\"quoted\"\n")
        .add(
            "base/kustomization.yaml",
            r#"configMapGenerator:
- name: cm
  envs: [a.env]
  literals:
  - "h=<a&b>"
  - "q='single'"
  - 'dq="x"'
  - "e="
  - "u=é日本"
secretGenerator:
- name: sec
  literals: [a=b]
  options:
    labels: {l: local}
    disableNameSuffixHash: false
generatorOptions:
  labels: {l: global, g: global}
  annotations: {an: x}
  immutable: true
"#,
        );
    let expected = r#"apiVersion: v1
data:
  BARE: ""
  FOO: bar=baz
  Q: '"quoted"'
  dq: x
  e: ""
  h: <a&b>
  q: single
  u: é日本
immutable: true
kind: ConfigMap
metadata:
  annotations:
    an: x
  labels:
    g: global
    l: global
  name: cm-7h75t5m8mh
---
apiVersion: v1
data:
  a: Yg==
immutable: true
kind: Secret
metadata:
  annotations:
    an: x
  labels:
    g: global
    l: local
  name: sec-k695gkmbtk
type: Opaque
"#;
    assert_eq!(build(&fs, "base").expect("builds"), expected);
}

#[test]
fn hash_escapes_like_go() {
    let object = Object::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ctl"},
        "data": {"ctl": "x\u{8}y\u{c}z\u{2028}\u{1}", "h": "<a&b>"}
    }))
    .expect("object");
    assert_eq!(content_hash(&object), "m4d5f467dm");
    let empty = Object::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "empty"}
    }))
    .expect("object");
    assert_eq!(content_hash(&empty), "6ct58987ht");
}

#[test]
fn long_secret_empty_secret_and_binary_files() {
    let mut fs = MemFs::new();
    fs.add("k/bin.dat", b"ab\xff\xfe".to_vec()).add(
        "k/kustomization.yaml",
        r#"configMapGenerator:
- name: bin
  files: [bin.dat, other=bin.dat]
  literals: [a=b]
secretGenerator:
- name: long
  literals:
  - "k=0123456789012345678901234567890123456789012345678901234567890123456789"
- name: nodata
  type: kubernetes.io/tls
"#,
    );
    let expected = r#"apiVersion: v1
binaryData:
  bin.dat: YWL//g==
  other: YWL//g==
data:
  a: b
kind: ConfigMap
metadata:
  name: bin-7bgmtm5799
---
apiVersion: v1
data:
  k: |
    MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMT
    IzNDU2Nzg5MDEyMzQ1Njc4OQ==
kind: Secret
metadata:
  name: long-2228b6cdf4
type: Opaque
---
apiVersion: v1
data: {}
kind: Secret
metadata:
  name: nodata-694464d966
type: kubernetes.io/tls
"#;
    assert_eq!(build(&fs, "k").expect("builds"), expected);
}

const BASE: &str = r#"namePrefix: base-
configMapGenerator:
- name: cfg
  literals: [a=1, b=base]
  options:
    labels: {tier: base}
    annotations: {note: base}
- name: nohash
  literals: [x=y]
  options:
    disableNameSuffixHash: true
secretGenerator:
- name: creds
  literals: [user=admin, pass=old]
  type: kubernetes.io/basic-auth
"#;

fn overlay(kustomization: &str) -> MemFs {
    let mut fs = MemFs::new();
    fs.add("base/kustomization.yaml", BASE)
        .add("overlay/kustomization.yaml", kustomization);
    fs
}

#[test]
fn merge_and_replace_combine_with_the_base_generators() {
    let fs = overlay(
        r#"resources: [../base]
configMapGenerator:
- name: cfg
  behavior: merge
  literals: [b=overlay, c=new]
  options:
    labels: {env: prod}
- name: nohash
  behavior: merge
  literals: [z=w]
secretGenerator:
- name: creds
  behavior: replace
  literals: [token=abc]
"#,
    );
    let expected = r#"apiVersion: v1
data:
  a: "1"
  b: overlay
  c: new
kind: ConfigMap
metadata:
  annotations:
    note: base
  labels:
    env: prod
    tier: base
  name: base-cfg-7t67c546cd
---
apiVersion: v1
data:
  x: "y"
  z: w
kind: ConfigMap
metadata:
  name: base-nohash
---
apiVersion: v1
data:
  token: YWJj
kind: Secret
metadata:
  name: base-creds-dbdgd77ct8
type: Opaque
"#;
    assert_eq!(build(&fs, "overlay").expect("builds"), expected);
}

#[test]
fn merge_without_hash_in_the_overlay_disables_it() {
    let fs = overlay(
        r#"resources: [../base]
configMapGenerator:
- name: cfg
  behavior: merge
  literals: [b=overlay]
  options:
    disableNameSuffixHash: true
"#,
    );
    let out = build(&fs, "overlay").expect("builds");
    assert!(out.contains("  name: base-cfg\n"), "{out}");
    assert!(out.contains("  name: base-creds-hkh228gttb\n"), "{out}");
}

#[test]
fn behaviour_errors() {
    let fs = overlay(
        "resources: [../base]\nconfigMapGenerator:\n- name: cfg\n  literals: [b=overlay]\n",
    );
    let err = build(&fs, "overlay").expect_err("exists");
    assert!(
        err.contains("exists; behavior must be merge or replace"),
        "{err}"
    );
    let fs =
        overlay("resources: [../base]\nconfigMapGenerator:\n- name: other\n  behavior: merge\n");
    let err = build(&fs, "overlay").expect_err("missing");
    assert!(
        err.contains("does not exist; cannot merge or replace"),
        "{err}"
    );
}

#[test]
fn source_parsing() {
    assert_eq!(kv::parse_literal("k=a=b"), Some(("k".into(), "a=b".into())));
    assert_eq!(
        kv::parse_literal("k=\"\""),
        Some(("k".into(), String::new()))
    );
    assert_eq!(
        kv::parse_literal("k=\"x'"),
        Some(("k".into(), "\"x'".into()))
    );
    assert_eq!(kv::parse_literal("k='"), Some(("k".into(), "'".into())));
    assert_eq!(kv::parse_literal("=v"), None);
    assert_eq!(kv::parse_literal("kv"), None);
    assert_eq!(
        kv::parse_file_source("dir/a.txt"),
        Ok(("a.txt".into(), "dir/a.txt".into()))
    );
    assert_eq!(
        kv::parse_file_source("k=dir/a.txt"),
        Ok(("k".into(), "dir/a.txt".into()))
    );
    assert!(kv::parse_file_source("=a").is_err());
    assert!(kv::parse_file_source("k=").is_err());
    assert!(kv::parse_file_source("k=a=b").is_err());
    assert_eq!(
        kv::env_pairs("\u{feff}A=1\r\n =skip\n  # c\nB\n"),
        vec![("A".into(), "1".into()), ("B".into(), String::new())]
    );
}

#[test]
fn files_respect_the_load_restrictor() {
    let mut fs = MemFs::new();
    fs.add("shared/x.txt", "x").add(
        "app/kustomization.yaml",
        "configMapGenerator:\n- name: c\n  files: [../shared/x.txt]\n",
    );
    let err = build(&fs, "app").expect_err("restricted");
    assert!(err.contains("security"), "{err}");
}

#[test]
fn generator_plugins_inline_and_from_a_directory() {
    let mut fs = MemFs::new();
    fs.add("gens/kustomization.yaml", "resources: [sec.yaml]\n")
        .add(
            "gens/sec.yaml",
            "apiVersion: builtin\nkind: SecretGenerator\nmetadata:\n  name: token\n  namespace: ops\nenvs: [vars.env]\ntype: Opaque\n",
        )
        .add("app/vars.env", "TOKEN=t0k3n\n")
        .add(
            "app/kustomization.yaml",
            r#"generatorOptions:
  labels: {global: "yes"}
configMapGenerator:
- name: settings
  namespace: ops
  env: vars.env
  literals: [mode=fast]
generators:
- |
  apiVersion: builtin
  kind: ConfigMapGenerator
  metadata:
    name: inline
  literals: [k=v]
  options:
    disableNameSuffixHash: true
- ../gens
"#,
        );
    let expected = r#"apiVersion: v1
data:
  TOKEN: t0k3n
  mode: fast
kind: ConfigMap
metadata:
  labels:
    global: "yes"
  name: settings-4htm5ddc54
  namespace: ops
---
apiVersion: v1
data:
  k: v
kind: ConfigMap
metadata:
  name: inline
---
apiVersion: v1
data:
  TOKEN: dDBrM24=
kind: Secret
metadata:
  name: token-56ffh86454
  namespace: ops
type: Opaque
"#;
    assert_eq!(build(&fs, "app").expect("builds"), expected);
}

#[test]
fn merge_matches_the_default_namespace_and_keys_are_not_validated() {
    let mut fs = MemFs::new();
    fs.add(
        "k/kustomization.yaml",
        "configMapGenerator:\n- name: c\n  literals: [\"a=1\", \"bad key!=x\"]\n- name: c\n  namespace: default\n  behavior: merge\n  literals: [\"b=2\"]\n",
    );
    let expected = "apiVersion: v1\ndata:\n  a: \"1\"\n  b: \"2\"\n  bad key!: x\nkind: ConfigMap\nmetadata:\n  name: c-f8fhtkmh74\n";
    assert_eq!(build(&fs, "k").expect("builds"), expected);
}

/// At the build root the message names the kustomization file rather than an empty path
/// (kubectl: `invalid literal source novalue, expected key=value`).
#[test]
fn root_errors_name_the_kustomization_file() {
    let mut fs = MemFs::new();
    fs.add(
        "kustomization.yaml",
        "configMapGenerator:\n- name: c\n  literals: [novalue]\n",
    );
    assert_eq!(
        build(&fs, ""),
        Err("kustomization.yaml: invalid literal source novalue, expected key=value".into())
    );
}

/// Without `--enable-helm`, charts fail before any generator runs, with kubectl's message.
#[test]
fn helm_charts_need_enable_helm() {
    let mut fs = MemFs::new();
    fs.add(
        "app/kustomization.yaml",
        "configMapGenerator:\n- name: c\n  literals: [novalue]\nhelmCharts:\n- name: podinfo\n  repo: https://stefanprodan.github.io/podinfo\n  version: 6.7.0\n",
    );
    let err = build(&fs, "app").expect_err("no Helm");
    assert_eq!(
        err,
        "app: trouble configuring builtin HelmChartInflationGenerator with config: `\nname: podinfo\nrepo: https://stefanprodan.github.io/podinfo\nversion: 6.7.0\n`: must specify --enable-helm"
    );
}
