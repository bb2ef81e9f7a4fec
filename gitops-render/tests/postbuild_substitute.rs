//! kustomize-controller's `postBuild` substitution on rendered objects.

use std::collections::BTreeMap;

use gitops_core::ResourceSet;
use gitops_render::postbuild::{self, Options, PostBuildError, VarSource};
use serde_json::json;

fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn objects(yaml: &str) -> ResourceSet {
    ResourceSet::from_yaml_str(yaml, "test.yaml").expect("yaml")
}

const APP: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: ${namespace}
  labels:
    env: ${env:=dev}
spec:
  replicas: ${replicas}
  template:
    spec:
      containers:
      - name: app
        image: ghcr.io/org/app:${version}
        args: ["--id=${quote}${id}${quote}", "$HOME", "$${literal}"]
        env:
        - name: ID
          value: ${quote}${id}${quote}
        - name: ENABLED
          value: ${enabled}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: script
  annotations:
    kustomize.toolkit.fluxcd.io/substitute: disabled
data:
  run.sh: echo ${NOT_A_VAR}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: labelled
  labels:
    kustomize.toolkit.fluxcd.io/substitute: disabled
data:
  x: ${NOT_A_VAR}
"#;

#[test]
fn substitutes_each_object_on_its_yaml() {
    let mut set = objects(APP);
    let vars = vars(&[
        ("namespace", "prod"),
        ("replicas", "3"),
        ("version", "1.2.3"),
        ("quote", "\""),
        ("id", "0042"),
        ("enabled", "true"),
    ]);
    postbuild::substitute(set.objects_mut(), &vars, &Options::flux()).expect("substitute");
    let app = set.objects()[0].as_value();
    assert_eq!(app["metadata"]["namespace"], "prod");
    assert_eq!(app["metadata"]["labels"]["env"], "dev");
    // numbers and booleans become typed after the YAML round trip…
    assert_eq!(app["spec"]["replicas"], json!(3));
    let container = &app["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["env"][1]["value"], json!(true));
    // …unless wrapped in a quote variable, Flux's documented way
    assert_eq!(container["env"][0]["value"], json!("0042"));
    assert_eq!(container["image"], "ghcr.io/org/app:1.2.3");
    assert_eq!(
        container["args"],
        json!(["--id=\"0042\"", "$HOME", "${literal}"])
    );
    // opted-out objects are untouched, by annotation or label
    assert_eq!(
        set.objects()[1].as_value()["data"]["run.sh"],
        "echo ${NOT_A_VAR}"
    );
    assert_eq!(set.objects()[2].as_value()["data"]["x"], "${NOT_A_VAR}");
}

#[test]
fn strict_mode_names_object_and_variable() {
    let mut set = objects(APP);
    let err = postbuild::substitute(
        set.objects_mut(),
        &vars(&[("namespace", "prod")]),
        &Options::flux(),
    )
    .expect_err("replicas is not set");
    assert_eq!(
        err.to_string(),
        "post build failed for 'Deployment.v1.apps/app': envsubst error: variable substitution failed: variable not set (strict mode): \"replicas\""
    );
    assert!(matches!(&err, PostBuildError::Substitution { object, .. } if object.name == "app"));

    // non-strict: unset variables become empty
    let mut set =
        objects("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: x${unset}y\n");
    let lax = Options {
        strict: false,
        always: false,
    };
    postbuild::substitute(set.objects_mut(), &vars(&[("other", "1")]), &lax).expect("lax");
    assert_eq!(set.objects()[0].as_value()["data"]["a"], "xy");
}

#[test]
fn strategy_with_variables_skips_when_there_are_none() {
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: ${a:=default}\n";
    let mut set = objects(yaml);
    postbuild::substitute(set.objects_mut(), &BTreeMap::new(), &Options::flux()).expect("no vars");
    assert_eq!(set.objects()[0].as_value()["data"]["a"], "${a:=default}");
    let always = Options {
        strict: true,
        always: true,
    };
    postbuild::substitute(set.objects_mut(), &BTreeMap::new(), &always).expect("always");
    assert_eq!(set.objects()[0].as_value()["data"]["a"], "default");
}

#[test]
fn invalid_variable_names_fail() {
    let mut set = objects("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n");
    let err = postbuild::substitute(set.objects_mut(), &vars(&[("1bad", "x")]), &Options::flux())
        .expect_err("name");
    assert_eq!(
        err.to_string(),
        "post build failed for 'ConfigMap.v1.[noGrp]/c': envsubst error: '1bad' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'"
    );
    assert!(
        postbuild::valid_var_name("_ok9")
            && !postbuild::valid_var_name("a-b")
            && !postbuild::valid_var_name("")
    );
}

#[test]
fn vars_precedence_and_optional_sources() {
    let source =
        |kind: &str, name: &str, data: Option<&[(&str, &str)]>, optional: bool| VarSource {
            kind: kind.to_string(),
            name: name.to_string(),
            data: data.map(vars),
            optional,
        };
    let inline = vars(&[("a", "inline")]);
    let sources = [
        source(
            "ConfigMap",
            "first",
            Some(&[("a", "cm"), ("b", "cm"), ("c", "multi\nline\n")]),
            false,
        ),
        source("Secret", "second", Some(&[("b", "secret")]), false),
        source("Secret", "absent", None, true),
    ];
    let merged = postbuild::vars_from(Some(&inline), &sources).expect("vars");
    assert_eq!(
        merged,
        vars(&[("a", "inline"), ("b", "secret"), ("c", "multiline")])
    );

    let missing = [source("ConfigMap", "gone", None, false)];
    let err = postbuild::vars_from(None, &missing).expect_err("not optional");
    assert!(
        err.to_string()
            .starts_with("substitute from 'ConfigMap/gone' error"),
        "{err}"
    );
}

#[test]
fn broken_yaml_after_substitution_names_the_object() {
    let mut set =
        objects("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: ${v}\n");
    let err = postbuild::substitute(set.objects_mut(), &vars(&[("v", "x: [")]), &Options::flux())
        .expect_err("yaml");
    assert!(
        err.to_string().starts_with(
            "post build failed for 'ConfigMap.v1.[noGrp]/c': envsubst error: YAMLToJSON"
        ),
        "{err}"
    );
}

#[test]
fn options_and_sources_from_the_kustomization_spec() {
    use gitops_core::api::kustomize::{
        PostBuild, SubstituteReference, SubstituteStrategy, ValuesKind,
    };
    let post_build = PostBuild {
        substitute: Some(vars(&[("a", "1")])),
        substitute_from: Some(vec![SubstituteReference {
            kind: ValuesKind::Secret,
            name: "creds".to_string(),
            optional: Some(true),
        }]),
        substitute_strategy: Some(SubstituteStrategy::Always),
    };
    assert_eq!(
        Options::for_post_build(&post_build, true),
        Options {
            strict: true,
            always: true
        }
    );
    let refs = post_build.substitute_from.as_deref().unwrap_or_default();
    let sources: Vec<VarSource> = refs
        .iter()
        .map(|r| VarSource::from_reference(r, None))
        .collect();
    assert_eq!(sources[0].kind, "Secret");
    let merged = postbuild::vars_from(post_build.substitute.as_ref(), &sources).expect("optional");
    assert_eq!(merged, vars(&[("a", "1")]));
}
