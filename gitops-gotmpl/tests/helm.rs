//! Helm's `include` and `tpl` on top of the engine hook.
#![allow(clippy::unwrap_used)]

use gitops_gotmpl::{Templates, Value, helm};
use serde_json::json;

fn helm_set() -> Templates {
    let mut t = Templates::new("gotpl");
    t.funcs(helm::funcs());
    t
}

fn render(files: &[(&str, &str)], name: &str, data: &serde_json::Value) -> Result<String, String> {
    let mut t = helm_set();
    for (n, text) in files {
        t.parse(n, text).map_err(|e| e.message)?;
    }
    t.execute(name, &Value::from_json(data)).map_err(|e| e.message)
}

#[test]
fn include_renders_a_named_template_into_a_string() {
    let files = [
        ("_helpers.tpl", r#"{{define "name"}}{{.Values.name | printf "%s-app"}}{{end}}"#),
        ("deploy.yaml", r#"name: {{include "name" . | printf "%q"}}"#),
    ];
    let out = render(&files, "deploy.yaml", &json!({"Values": {"name": "web"}})).unwrap();
    assert_eq!(out, r#"name: "web-app""#);
}

#[test]
fn include_of_an_unknown_template_fails_like_helm() {
    let err = render(&[("a", r#"{{include "nope" .}}"#)], "a", &json!({})).unwrap_err();
    assert_eq!(
        err,
        r#"template: a:1:2: executing "a" at <include "nope" .>: error calling include: template: no template "nope" associated with template "gotpl""#
    );
}

#[test]
fn include_recursion_stops_with_helms_message() {
    let files = [("a", r#"{{define "loop"}}{{include "loop" .}}{{end}}{{include "loop" .}}"#)];
    let err = render(&files, "a", &json!({})).unwrap_err();
    assert!(err.starts_with(r#"template: a:1:46: executing "a" at <include "loop" .>: error calling include: template: a:1:19: executing "loop" at <include "loop" .>: error calling include: "#), "{}", &err[..300]);
    assert!(
        err.ends_with(
            "error calling include: rendering template has a nested reference name: loop: unable to execute template"
        ),
        "{}",
        &err[err.len() - 300..]
    );
    assert_eq!(err.matches("error calling include").count(), 1002);
}

#[test]
fn include_nesting_below_the_limit_works() {
    let files = [(
        "a",
        r#"{{define "count"}}{{if gt (len .) 0}}x{{include "count" (slice . 1)}}{{end}}{{end}}{{include "count" .Values.items}}"#,
    )];
    let items: Vec<i32> = (0..500).collect();
    let out = render(&files, "a", &json!({"Values": {"items": items}})).unwrap();
    assert_eq!(out, "x".repeat(500));
}

#[test]
fn tpl_renders_text_with_the_values() {
    let data = json!({"Values": {"x": "hi", "tmpl": "{{.Values.x}}-{{.Values.missing}}"}});
    let out = render(&[("a", r#"{{tpl .Values.tmpl .}}"#)], "a", &data).unwrap();
    assert_eq!(out, "hi-");
}

#[test]
fn tpl_sees_the_parents_templates_but_its_defines_do_not_leak() {
    let files = [
        ("_h.tpl", r#"{{define "p"}}P{{end}}"#),
        ("a", r#"{{tpl "{{define \"z\"}}Z{{end}}{{include \"z\" .}}{{include \"p\" .}}" .}}"#),
        ("b", r#"{{include "z" .}}"#),
    ];
    assert_eq!(render(&files, "a", &json!({})).unwrap(), "ZP");
    let err = render(&files, "b", &json!({})).unwrap_err();
    assert!(
        err.ends_with(r#"error calling include: template: no template "z" associated with template "gotpl""#),
        "{err}"
    );
}

#[test]
fn tpl_errors_are_wrapped_like_helm() {
    let err = render(&[("a", r#"{{tpl "{{" .}}"#)], "a", &json!({})).unwrap_err();
    assert_eq!(
        err,
        r#"template: a:1:2: executing "a" at <tpl "{{" .>: error calling tpl: cannot parse template "{{": template: gotpl:1: unclosed action"#
    );
    let err = render(&[("a", r#"{{tpl "{{index 1 1}}" .}}"#)], "a", &json!({})).unwrap_err();
    assert_eq!(
        err,
        r#"template: a:1:2: executing "a" at <tpl "{{index 1 1}}" .>: error calling tpl: error during tpl function execution for "{{index 1 1}}": template: gotpl:1:2: executing "gotpl" at <index 1 1>: error calling index: can't index item of type int"#
    );
}

#[test]
fn tpl_recursion_is_stopped_by_the_depth_limit() {
    let mut t = helm_set();
    t.set_limits(gitops_gotmpl::Limits { max_depth: 200, ..Default::default() });
    t.parse("a", r#"{{tpl .Values.t .}}"#).unwrap();
    let data = Value::from_json(&json!({"Values": {"t": "{{tpl .Values.t .}}"}}));
    let err = t.execute("a", &data).unwrap_err();
    assert_eq!(err.kind, gitops_gotmpl::ErrorKind::Limit);
    assert_eq!(err.message, "template: gotpl: exceeded maximum template depth (200)");
}
