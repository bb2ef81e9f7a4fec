//! Properties: the parser and the executor never panic, whatever the text.
#![allow(clippy::unwrap_used)]

use gitops_gotmpl::{Funcs, Limits, Templates, Value, helm};
use proptest::prelude::*;

fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "{{", "}}", "{{- ", " -}}", "{{/*", "*/}}", " ", "\n", ".", ".A", ".B.c", "$", "$x", "$x :=", "$x =", ",", "|",
        "(", ")", "if", "else", "end", "range", "with", "define", "template", "block", "break", "continue", "nil",
        "true", "\"s\"", "`r`", "'c'", "1", "-2", "0x1F", "1.5e3", "len", "index", "slice", "printf", "print", "eq",
        "lt", "and", "or", "not", "include", "tpl", "\"a\"", "x", "\\", "\"", "'", "}", "{", ":", "=",
    ])
}

fn set() -> Templates {
    let mut t = Templates::new("gotpl");
    t.funcs(helm::funcs());
    t.funcs(Funcs::new());
    t.set_limits(Limits { max_depth: 50, max_output: 1 << 16, max_steps: 20_000 });
    t
}

fn data() -> Value {
    Value::from_json(&serde_json::json!({"A": [1, "two", null], "B": {"c": "x"}, "Values": {"t": "{{.}}"}}))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,60}") {
        let mut t = set();
        if t.parse("t", &text).is_ok() {
            let _ = t.execute("t", &data());
        }
    }

    #[test]
    fn template_like_text_never_panics(parts in prop::collection::vec(piece(), 0..24)) {
        let text = parts.concat();
        let mut t = set();
        if t.parse("t", &text).is_ok() {
            let _ = t.execute("t", &data());
            for name in t.names() {
                let _ = t.execute(&name, &data());
            }
        }
    }

    #[test]
    fn errors_have_gos_prefix(parts in prop::collection::vec(piece(), 1..16)) {
        let text = parts.concat();
        let mut t = set();
        match t.parse("t", &text) {
            Err(e) => prop_assert!(e.message.starts_with("template: t:"), "{}", e.message),
            Ok(()) => {
                if let Err(e) = t.execute("t", &data()) {
                    prop_assert!(e.message.starts_with("template: "), "{}", e.message);
                }
            }
        }
    }
}

#[test]
fn self_recursive_define_stops() {
    let mut t = set();
    t.parse("t", r#"{{define "a"}}{{template "a"}}{{end}}{{template "a"}}"#).unwrap();
    let err = t.execute("t", &Value::Nil).unwrap_err();
    assert!(err.message.ends_with("exceeded maximum template depth (50)"), "{}", err.message);
}

#[test]
fn endless_loops_stop() {
    let mut t = set();
    t.parse("t", r#"{{range $i := 1000000000}}{{range 1000000000}}{{end}}{{end}}"#).unwrap();
    let err = t.execute("t", &Value::Nil).unwrap_err();
    assert_eq!(err.message, "template: t: execution stopped after 20000 steps (the step budget)");
    // Exponential output through nested includes stops at the output cap.
    let mut t = set();
    t.parse(
        "t",
        r#"{{define "a"}}{{.}}{{.}}{{end}}{{define "b"}}{{include "a" (include "a" (include "a" .))}}{{end}}{{include "b" (include "b" (include "b" (include "b" (include "b" "0123456789"))))}}"#,
    )
    .unwrap();
    let err = t.execute("t", &Value::Nil).unwrap_err();
    assert_eq!(err.kind, gitops_gotmpl::ErrorKind::Limit);
    assert_eq!(err.message, "template: a: output exceeds the limit of 65536 bytes");
}

#[test]
fn deep_nesting_parses_and_runs() {
    let depth = 5000;
    let text = format!("{{{{{}1{}}}}}", "(".repeat(depth), ")".repeat(depth));
    let mut t = Templates::new("t");
    t.parse("t", &text).unwrap();
    assert_eq!(t.execute("t", &Value::Nil).unwrap(), "1");
    let text = format!("{}x{}", "{{if 1}}".repeat(depth), "{{end}}".repeat(depth));
    t.parse("t", &text).unwrap();
    assert_eq!(t.execute("t", &Value::Nil).unwrap(), "x");
    let text = format!("{{{{{}1{}}}}}", "(".repeat(10_001), ")".repeat(10_001));
    assert_eq!(t.parse("t", &text).unwrap_err().message, "template: t:1: max expression depth exceeded");
}
