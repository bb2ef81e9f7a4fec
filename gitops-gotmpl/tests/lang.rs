//! The template language, case by case: template text, data, and the expected output or
//! the exact error. Cases come from Go's `text/template` test tables (exec_test.go,
//! parse_test.go) and from Helm's behaviour, written as data.
#![allow(clippy::unwrap_used)]

use std::rc::Rc;

use gitops_gotmpl::{Func, Funcs, Limits, Map, MissingKey, Object, Templates, Ty, Value};
use serde_json::json;

/// JSON as Go struct fields would hold it: integers are `int`, other numbers `float64`.
fn go(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Number(n) if n.is_i64() => Value::Int(n.as_i64().unwrap_or(0)),
        serde_json::Value::Array(a) => Value::list(a.iter().map(go).collect()),
        serde_json::Value::Object(o) => Value::map(o.iter().map(|(k, v)| (k.clone(), go(v))).collect()),
        other => Value::from_json(other),
    }
}

/// A struct-like object: fields, methods with arguments, an error-returning method.
struct T {
    fields: Map,
}

impl Object for T {
    fn type_name(&self) -> &str {
        "*template.T"
    }
    fn field(&self, name: &str) -> Option<Value> {
        self.fields.get(name).cloned()
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "Method0" | "Method1" | "Method2" | "MyError" | "TrueFalse" | "GetU")
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        Some(match (name, args) {
            ("Method0", []) => Ok(Value::str("M0")),
            ("Method1", [x]) => Ok(x.clone()),
            ("Method2", [a, b]) => Ok(Value::str(format!(
                "Method2: {} {}",
                gitops_gotmpl::fmt::format_value(a),
                gitops_gotmpl::fmt::format_value(b)
            ))),
            ("MyError", [Value::Bool(true)]) => Err("myError".into()),
            ("MyError", [Value::Bool(false)]) => Ok(Value::Bool(false)),
            ("TrueFalse", [Value::Bool(b)]) => Ok(Value::str(if *b { "true" } else { "false" })),
            ("GetU", []) => Ok(self.fields.get("U").cloned().unwrap_or_default()),
            (n, a) => Err(format!("wrong number of args for {n}: got {}", a.len())),
        })
    }
    fn format(&self) -> String {
        "{T}".into()
    }
}

fn t_val() -> Value {
    let mut u = Map::new();
    u.insert("V".into(), Value::str("v"));
    let u = Value::Object(Rc::new(T { fields: u }));
    let data = go(&json!({
        "True": true, "I": 17, "X": "x", "S": "xyz", "SI": [3, 4, 5], "SIEmpty": [],
        "MSI": {"one": 1, "two": 2, "three": 3}, "MSIone": {"one": 1}, "MSIEmpty": {},
        "SMSI": [{"one": 1, "two": 2}, {"eleven": 11, "twelve": 12}], "FloatZero": 0.0,
        "Empty0": null, "Empty3": [7, 8], "SB": [true, false], "AI": [3, 4, 5]
    }));
    let mut fields = data.as_map().map(|m| m.clone()).unwrap_or_default();
    fields.insert("U".into(), u);
    fields.insert("SS".into(), Value::string_list(vec!["a".into(), "b".into()]));
    fields.insert(
        "MSS".into(),
        Value::typed_map(Map::from([("k".to_string(), Value::str("v"))]), gitops_gotmpl::MapType::String),
    );
    Value::Object(Rc::new(T { fields }))
}

fn test_funcs() -> Funcs {
    let mut f = Funcs::new();
    f.insert(
        "add",
        Func::variadic(&[], Ty::Int, |a| {
            Ok(Value::Int(a.iter().map(|x| if let Value::Int(i) = x { *i } else { 0 }).sum()))
        }),
    );
    f.insert("echo", Func::new(&[Ty::Any], |a| Ok(a[0].clone())));
    f.insert(
        "makemap",
        Func::variadic(&[], Ty::String, |a| {
            let mut m = Map::new();
            for kv in a.chunks(2) {
                m.insert(kv[0].as_str().unwrap_or_default().into(), kv[1].clone());
            }
            Ok(Value::typed_map(m, gitops_gotmpl::MapType::String))
        }),
    );
    f.insert(
        "oneArg",
        Func::new(&[Ty::String], |a| Ok(Value::str(format!("oneArg={}", a[0].as_str().unwrap_or_default())))),
    );
    f.insert(
        "twoArgs",
        Func::new(&[Ty::String, Ty::String], |a| {
            Ok(Value::str(format!(
                "twoArgs={}{}",
                a[0].as_str().unwrap_or_default(),
                a[1].as_str().unwrap_or_default()
            )))
        }),
    );
    f.insert("dddArg", Func::variadic(&[Ty::Int], Ty::String, |a| Ok(Value::str(gitops_gotmpl::fmt::sprintln(a)))));
    f.insert("returnInt", Func::new(&[], |_| Ok(Value::Int(7))));
    f.insert("valueString", Func::new(&[Ty::String], |_| Ok(Value::str("value is ignored"))));
    f.insert("zeroArgs", Func::new(&[], |_| Ok(Value::str("zeroArgs"))));
    f.insert("die", Func::new(&[], |_| Err("die".into())));
    f.insert("mapOfThree", Func::new(&[], |_| Ok(go(&json!({"three": 3})))));
    f.insert("float", Func::new(&[Ty::Float64], |a| Ok(a[0].clone())));
    f.insert("int64", Func::new(&[Ty::Int64], |a| Ok(a[0].clone())));
    f.insert("flag", Func::new(&[Ty::Bool], |a| Ok(a[0].clone())));
    f.insert("strs", Func::new(&[Ty::StringSlice], |a| Ok(a[0].clone())));
    f.insert("u64", Func::new(&[Ty::Int], |a| Ok(Value::Uint64(if let Value::Int(i) = a[0] { i as u64 } else { 0 }))));
    f
}

fn set(missing: MissingKey) -> Templates {
    let mut t = Templates::new("t");
    t.funcs(test_funcs()).missing_key(missing);
    t
}

fn run_with(t: &mut Templates, text: &str, data: &Value) -> Result<String, String> {
    t.parse("t", text).map_err(|e| e.message)?;
    t.execute("t", data).map_err(|e| e.message)
}

fn run(text: &str, data: &Value) -> Result<String, String> {
    run_with(&mut set(MissingKey::Default), text, data)
}

fn check(cases: &[(&str, &str, Value, Result<&str, &str>)]) {
    let mut failures = Vec::new();
    for (name, text, data, want) in cases {
        let got = run(text, data);
        let want = want.map(str::to_string).map_err(str::to_string);
        if got != want {
            failures.push(format!("{name}: {text:?}\n   want {want:?}\n    got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn fields_variables_and_printing() {
    let t = t_val();
    let n = Value::Nil;
    check(&[
        ("empty", "", n.clone(), Ok("")),
        ("text", "some text", n.clone(), Ok("some text")),
        ("nil action", "{{nil}}", n.clone(), Err(r#"template: t:1:2: executing "t" at <nil>: nil is not a command"#)),
        ("dot int", "<{{.}}>", Value::Int(17), Ok("<17>")),
        ("dot float", "<{{.}}>", Value::Float(1e6), Ok("<1e+06>")),
        ("dot nil", "<{{.}}>", n.clone(), Ok("<<no value>>")),
        ("dot list", "<{{.}}>", go(&json!([1, "a", null])), Ok("<[1 a <nil>]>")),
        ("dot map", "<{{.}}>", go(&json!({"b": 2, "a": [1]})), Ok("<map[a:[1] b:2]>")),
        (".X", "-{{.X}}-", t.clone(), Ok("-x-")),
        (".U.V", "-{{.U.V}}-", t.clone(), Ok("-v-")),
        ("map .one", "{{.MSI.one}}", t.clone(), Ok("1")),
        ("map missing", "{{.MSI.none}}", t.clone(), Ok("<no value>")),
        ("map missing chain", "{{.MSI.none.deeper}}", t.clone(), Ok("<no value>")),
        ("map[string]string", "{{.MSS.k}}{{.MSS.none}}", t.clone(), Ok("v<no value>")),
        ("field on nil data", "{{.foo}}", n.clone(), Ok("<no value>")),
        ("field on paren nil", "{{(.).foo}}", n.clone(), Ok("<no value>")),
        ("empty nil field", "{{.Empty0}}", t.clone(), Ok("<no value>")),
        (
            "field of nil interface",
            "{{.Empty0.X}}",
            t.clone(),
            Err(r#"template: t:1:9: executing "t" at <.Empty0.X>: nil pointer evaluating interface {}.X"#),
        ),
        (
            "field in string",
            "{{.X.Y}}",
            t.clone(),
            Err(r#"template: t:1:4: executing "t" at <.X.Y>: can't evaluate field Y in type string"#),
        ),
        (
            "field in interface string",
            "{{.x.y}}",
            Value::from_json(&json!({"x": "s"})),
            Err(r#"template: t:1:4: executing "t" at <.x.y>: can't evaluate field y in type interface {}"#),
        ),
        (
            "field of top string",
            "{{.foo}}",
            Value::str("s"),
            Err(r#"template: t:1:2: executing "t" at <.foo>: can't evaluate field foo in type string"#),
        ),
        (
            "no such field",
            "{{.Nope}}",
            t.clone(),
            Err(r#"template: t:1:2: executing "t" at <.Nope>: can't evaluate field Nope in type *template.T"#),
        ),
        ("$", "{{$}}", Value::Int(3), Ok("3")),
        ("$.I", "{{$.I}}", t.clone(), Ok("17")),
        ("$.U.V", "{{$.U.V}}", t.clone(), Ok("v")),
        ("declare", "{{$x := 1}}{{$x}}", n.clone(), Ok("1")),
        ("declare in if", "{{if true}}{{$x := 1}}{{$x}}{{end}}", n.clone(), Ok("1")),
        ("assign", "{{$x := 1}}{{$x = 2}}{{$x}}", n.clone(), Ok("2")),
        ("assign in if", "{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}", n.clone(), Ok("2")),
        ("shadow in with", "{{$x := 1}}{{with $x := 2}}{{$x}}{{end}}{{$x}}", n.clone(), Ok("21")),
        ("if $x with $x", "{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}", t.clone(), Ok("17,true")),
        ("var field", "{{with $x := $}}{{$x.U.V}}{{end}}", t.clone(), Ok("v")),
        (
            "var of nil",
            "{{$x := nil}}",
            n.clone(),
            Err(r#"template: t:1:8: executing "t" at <nil>: nil is not a command"#),
        ),
        (
            "field of float var",
            "{{$x := (1.0)}}{{$x.anything}}",
            n.clone(),
            Err(r#"template: t:1:19: executing "t" at <$x.anything>: can't evaluate field anything in type float64"#),
        ),
        (
            "nil in parens chain",
            "{{(nil).True}}",
            t.clone(),
            Err(r#"template: t:1:3: executing "t" at <nil>: nil is not a command"#),
        ),
        (
            "non-function args",
            "{{1 2}}",
            n.clone(),
            Err(r#"template: t:1:2: executing "t" at <1>: can't give argument to non-function 1"#),
        ),
        (
            "paren non-function",
            "{{(1) 2}}",
            n.clone(),
            Err(r#"template: t:1:2: executing "t" at <(1) 2>: can't give argument to non-function 1"#),
        ),
        ("paren no args", "{{(1)}}", n.clone(), Ok("1")),
        (
            "var with args",
            "{{$x := 1}}{{$x 2}}",
            n.clone(),
            Err(r#"template: t:1:13: executing "t" at <$x>: can't give argument to non-function $x"#),
        ),
        (
            "map with args",
            "{{.MSI.one 1}}",
            t.clone(),
            Err(r#"template: t:1:6: executing "t" at <.MSI.one>: one is not a method but has arguments"#),
        ),
        (
            "struct field with args",
            "{{.X 1}}",
            t.clone(),
            Err(r#"template: t:1:2: executing "t" at <.X>: X has arguments but cannot be invoked as function"#),
        ),
        ("ideal int", "{{typeOf 3}}", n.clone(), Err(r#"template: t:1: function "typeOf" not defined"#)),
        ("int constant type", "{{printf \"%T\" 3}}", n.clone(), Ok("int")),
        ("float constant type", "{{printf \"%T\" 3.0}}", n.clone(), Ok("float64")),
        ("hex constant type", "{{printf \"%T\" 0xef}}", n.clone(), Ok("int")),
        ("rune constant", "{{printf \"%T %v\" 'a' 'a'}}", n.clone(), Ok("int 97")),
        ("exp int float", "{{printf \"%T\" 1e3}}", n.clone(), Ok("float64")),
        (
            "uint overflow",
            "{{18446744073709551615}}",
            n.clone(),
            Err(r#"template: t:1:2: executing "t" at <18446744073709551615>: 18446744073709551615 overflows int"#),
        ),
        ("string constants", r#"{{"a\tb"}}{{`c\t`}}"#, n.clone(), Ok("a\tbc\\t")),
        ("bool constant", "{{true}} {{false}}", n.clone(), Ok("true false")),
        (
            "numbers",
            "{{print 12_34 0b101 0377 0o377 0x1_23 123.4 +0x1.ep+2 0_0_1_2_3.4}}",
            n.clone(),
            Ok("1234 5 255 255 291 123.4 7.5 123.4"),
        ),
        ("negative", "{{-3}} {{+3}} {{-.5}}", n.clone(), Ok("-3 3 -0.5")),
    ]);
}

#[test]
fn methods_and_functions() {
    let t = t_val();
    let n = Value::Nil;
    check(&[
        ("method0", "-{{.Method0}}-", t.clone(), Ok("-M0-")),
        ("method1", "-{{.Method1 1234}}-", t.clone(), Ok("-1234-")),
        ("method1 field", "-{{.Method1 .I}}-", t.clone(), Ok("-17-")),
        ("method2", "-{{.Method2 3 .X}}-", t.clone(), Ok("-Method2: 3 x-")),
        ("method pipeline", "-{{.Method0 | .Method2 .I}}-", t.clone(), Ok("-Method2: 17 M0-")),
        ("method on var", "{{if $x := .}}-{{$x.Method2 .I $x.X}}{{end}}-", t.clone(), Ok("-Method2: 17 x-")),
        ("chained method", "{{range .MSIone}}{{if $.GetU.V}}{{$.U.V}}{{end}}{{end}}", t.clone(), Ok("v")),
        ("method arg nil", "-{{.Method2 3 nil}}-", t.clone(), Ok("-Method2: 3 <nil>-")),
        ("method returns nil", "-{{.Method1 nil}}-", t.clone(), Ok("-<no value>-")),
        (
            "method error",
            "{{.MyError true}}",
            t.clone(),
            Err(r#"template: t:1:2: executing "t" at <.MyError>: error calling MyError: myError"#),
        ),
        ("method no error", "{{.MyError false}}", t.clone(), Ok("false")),
        ("bug0 dot in range", "{{range .MSIone}}{{if $.Method1 .}}X{{end}}{{end}}", t.clone(), Ok("X")),
        ("function", "{{oneArg \"a\"}}", n.clone(), Ok("oneArg=a")),
        ("pipe into function", "{{\"aaa\" | twoArgs \"bbb\"}}", n.clone(), Ok("twoArgs=bbbaaa")),
        ("parens", "{{printf `%d %d %d` (1) (2 | add 3) (add 4 (add 5 6))}}", n.clone(), Ok("1 5 15")),
        ("parens field", "{{($).X}}", t.clone(), Ok("x")),
        ("parens $ pipe", "{{($ | echo).X}}", t.clone(), Ok("x")),
        ("parens map", r#"{{(makemap "up" "down" "left" "right").left}}"#, n.clone(), Ok("right")),
        ("function chain", "{{mapOfThree.three}}-{{(mapOfThree).three}}", n.clone(), Ok("3-3")),
        ("niladic arg", "{{printf \"%#q\" zeroArgs}}", n.clone(), Ok("`zeroArgs`")),
        ("undefined function", "{{foo 1}}", n.clone(), Err(r#"template: t:1: function "foo" not defined"#)),
        (
            "wrong arg count",
            "{{oneArg}}",
            n.clone(),
            Err(r#"template: t:1:2: executing "t" at <oneArg>: wrong number of args for oneArg: want 1 got 0"#),
        ),
        (
            "too many args",
            "{{oneArg `a` `b`}}",
            n.clone(),
            Err(r#"template: t:1:2: executing "t" at <oneArg>: wrong number of args for oneArg: want 1 got 2"#),
        ),
        (
            "variadic too few",
            "{{dddArg}}",
            n.clone(),
            Err(
                r#"template: t:1:2: executing "t" at <dddArg>: wrong number of args for dddArg: want at least 1 got 0"#,
            ),
        ),
        ("variadic pipe", "{{\"x\" | dddArg 3}}", n.clone(), Ok("3 x\n")),
        (
            "bug8b variadic pipe type",
            "{{4|dddArg 3}}",
            n.clone(),
            Err(r#"template: t:1:11: executing "t" at <3>: wrong type for value; expected string; got int"#),
        ),
        (
            "expected string",
            "{{oneArg 3}}",
            n.clone(),
            Err(r#"template: t:1:9: executing "t" at <3>: expected string; found 3"#),
        ),
        (
            "expected integer",
            "{{add 1.5}}",
            n.clone(),
            Err(r#"template: t:1:6: executing "t" at <1.5>: expected integer; found 1.5"#),
        ),
        ("integral float as int", "{{add 2.0 1e2}}", n.clone(), Ok("102")),
        (
            "int from string",
            "{{add `1`}}",
            n.clone(),
            Err(r#"template: t:1:6: executing "t" at <`1`>: expected integer; found `1`"#),
        ),
        (
            "expected float",
            "{{float `x`}}",
            n.clone(),
            Err(r#"template: t:1:8: executing "t" at <`x`>: expected float; found `x`"#),
        ),
        ("float from int constant", "{{float 3}}", n.clone(), Ok("3")),
        ("int64 constant", "{{printf \"%T\" (int64 3)}}", n.clone(), Ok("int64")),
        (
            "expected bool",
            "{{flag 1}}",
            n.clone(),
            Err(r#"template: t:1:7: executing "t" at <1>: expected bool; found 1"#),
        ),
        (
            "can't handle",
            "{{strs 1}}",
            n.clone(),
            Err(r#"template: t:1:7: executing "t" at <1>: can't handle 1 for arg of type []string"#),
        ),
        ("nil to slice", "{{strs nil | len}}", n.clone(), Ok("0")),
        (
            "nil to string",
            "{{oneArg nil}}",
            n.clone(),
            Err(r#"template: t:1:9: executing "t" at <nil>: cannot assign nil to string"#),
        ),
        (
            "invalid value",
            "{{oneArg .x}}",
            go(&json!({})),
            Err(r#"template: t:1:9: executing "t" at <.x>: invalid value; expected string"#),
        ),
        (
            "wrong type",
            "{{oneArg .x}}",
            Value::from_json(&json!({"x": 1})),
            Err(r#"template: t:1:9: executing "t" at <.x>: wrong type for value; expected string; got float64"#),
        ),
        (
            "wrong type nil entry",
            "{{oneArg .x}}",
            Value::from_json(&json!({"x": null})),
            Err(r#"template: t:1:9: executing "t" at <.x>: wrong type for value; expected string; got interface {}"#),
        ),
        ("value from interface", "{{oneArg .x}}", Value::from_json(&json!({"x": "s"})), Ok("oneArg=s")),
        (
            "piped invalid",
            "{{.x | oneArg}}",
            go(&json!({})),
            Err(r#"template: t:1:7: executing "t" at <oneArg>: invalid value; expected string"#),
        ),
        (
            "bug15 result type",
            "{{valueString returnInt}}",
            n.clone(),
            Err(r#"template: t:1:14: executing "t" at <returnInt>: wrong type for value; expected string; got int"#),
        ),
        (
            "bug16a",
            "{{true|printf}}",
            n.clone(),
            Err(r#"template: t:1:7: executing "t" at <printf>: wrong type for value; expected string; got bool"#),
        ),
        ("bug16k", "{{\"aaa\"|printf }}", n.clone(), Ok("aaa")),
        (
            "function error",
            "{{die}}",
            n.clone(),
            Err(r#"template: t:1:2: executing "t" at <die>: error calling die: die"#),
        ),
        (
            "function error in arg",
            "{{oneArg (die)}}",
            n.clone(),
            Err(r#"template: t:1:10: executing "t" at <die>: error calling die: die"#),
        ),
        ("uint results", "{{u64 3}} {{printf \"%T\" (u64 3)}}", n.clone(), Ok("3 uint64")),
        (
            "non executable stage",
            "{{3 | 4}}",
            n.clone(),
            Err("template: t:1: non executable command in pipeline stage 2"),
        ),
    ]);
}

#[test]
fn control_structures() {
    let t = t_val();
    let n = Value::Nil;
    check(&[
        ("if true", "{{if true}}TRUE{{end}}", n.clone(), Ok("TRUE")),
        ("if false", "{{if false}}TRUE{{else}}FALSE{{end}}", n.clone(), Ok("FALSE")),
        (
            "if nil",
            "{{if nil}}TRUE{{end}}",
            n.clone(),
            Err(r#"template: t:1:5: executing "t" at <nil>: nil is not a command"#),
        ),
        ("if 1", "{{if 1}}NON-ZERO{{else}}ZERO{{end}}", n.clone(), Ok("NON-ZERO")),
        ("if 0", "{{if 0}}NON-ZERO{{else}}ZERO{{end}}", n.clone(), Ok("ZERO")),
        ("if 1.5", "{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}", n.clone(), Ok("NON-ZERO")),
        ("if 0.0", "{{if .FloatZero}}NON-ZERO{{else}}ZERO{{end}}", t.clone(), Ok("ZERO")),
        ("if emptystring", "{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}", n.clone(), Ok("EMPTY")),
        ("if emptyslice", "{{if .SIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", t.clone(), Ok("EMPTY")),
        ("if slice", "{{if .SI}}NON-EMPTY{{else}}EMPTY{{end}}", t.clone(), Ok("NON-EMPTY")),
        ("if emptymap", "{{if .MSIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", t.clone(), Ok("EMPTY")),
        ("if map unset", "{{if .MSI.none}}NON-ZERO{{else}}ZERO{{end}}", t.clone(), Ok("ZERO")),
        ("if not unset", "{{if not .MSI.none}}ZERO{{else}}NON-ZERO{{end}}", t.clone(), Ok("ZERO")),
        ("if struct", "{{if .U}}Y{{end}}", t.clone(), Ok("Y")),
        ("else if", "{{if false}}FALSE{{else if true}}TRUE{{end}}", n.clone(), Ok("TRUE")),
        ("else chain", "{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}", n.clone(), Ok("3")),
        ("else if else", "{{if false}}a{{else if false}}b{{else}}c{{end}}", n.clone(), Ok("c")),
        ("with true", "{{with true}}{{.}}{{end}}", n.clone(), Ok("true")),
        ("with false", "{{with false}}{{.}}{{else}}FALSE{{end}}", n.clone(), Ok("FALSE")),
        ("with 1.5", "{{with 1.5}}{{.}}{{else}}ZERO{{end}}", n.clone(), Ok("1.5")),
        ("with string", "{{with `notempty`}}{{.}}{{else}}EMPTY{{end}}", n.clone(), Ok("notempty")),
        ("with slice", "{{with .SI}}{{.}}{{else}}EMPTY{{end}}", t.clone(), Ok("[3 4 5]")),
        ("with map", "{{with .MSIone}}{{.}}{{else}}EMPTY{{end}}", t.clone(), Ok("map[one:1]")),
        ("with $x", "{{with $x := .I}}{{$x}}{{end}}", t.clone(), Ok("17")),
        ("with var and action", "{{with $x := $}}{{$y := $.U.V}}{{$y}}{{end}}", t.clone(), Ok("v")),
        ("with else with", "{{with 0}}{{.}}{{else with true}}{{.}}{{end}}", n.clone(), Ok("true")),
        (
            "with else with chain",
            "{{with 0}}{{.}}{{else with false}}{{.}}{{else with `notempty`}}{{.}}{{end}}",
            n.clone(),
            Ok("notempty"),
        ),
        ("range list", "{{range .SI}}-{{.}}-{{end}}", t.clone(), Ok("-3--4--5-")),
        ("range empty", "{{range .SIEmpty}}-{{.}}-{{end}}", t.clone(), Ok("")),
        ("range else", "{{range .SIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", t.clone(), Ok("EMPTY")),
        ("range break", "{{range .SI}}-{{.}}-{{break}}NOTREACHED{{else}}EMPTY{{end}}", t.clone(), Ok("-3-")),
        (
            "range continue",
            "{{range .SI}}-{{.}}-{{continue}}NOTREACHED{{else}}EMPTY{{end}}",
            t.clone(),
            Ok("-3--4--5-"),
        ),
        ("break in if in range", "{{range .SI}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}", t.clone(), Ok("3")),
        (
            "continue in with in range",
            "{{range .SI}}{{with eq . 4}}{{continue}}{{end}}{{.}}{{end}}",
            t.clone(),
            Ok("35"),
        ),
        (
            "nested range break",
            "{{range .SI}}[{{range $.SI}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}]{{end}}",
            t.clone(),
            Ok("[3][3][3]"),
        ),
        ("range bools", "{{range .SB}}-{{.}}-{{end}}", t.clone(), Ok("-true--false-")),
        ("range map sorted", "{{range .MSI}}-{{.}}-{{end}}", t.clone(), Ok("-1--3--2-")),
        ("range map else", "{{range .MSIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", t.clone(), Ok("EMPTY")),
        ("range interface", "{{range .Empty3}}-{{.}}-{{else}}EMPTY{{end}}", t.clone(), Ok("-7--8-")),
        ("range nil", "{{range .Empty0}}-{{.}}-{{end}}", t.clone(), Ok("")),
        ("range nil else", "{{range .Empty0}}-{{.}}-{{else}}none{{end}}", t.clone(), Ok("none")),
        ("range $x", "{{range $x := .SI}}<{{$x}}>{{end}}", t.clone(), Ok("<3><4><5>")),
        ("range $x $y", "{{range $x, $y := .SI}}<{{$x}}={{$y}}>{{end}}", t.clone(), Ok("<0=3><1=4><2=5>")),
        ("range map $x", "{{range $x := .MSIone}}<{{$x}}>{{end}}", t.clone(), Ok("<1>")),
        ("range map $x $y", "{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}", t.clone(), Ok("<one=1>")),
        ("declare in range", "{{range $x := .SI}}<{{$foo:=$x}}{{$x}}>{{end}}", t.clone(), Ok("<3><4><5>")),
        (
            "range vars scoped",
            "{{range $i, $x := .SI}}{{end}}{{$i}}",
            t.clone(),
            Err(r#"template: t:1: undefined variable "$i""#),
        ),
        ("range int", "{{range $v := 5}}{{printf \"%T%d\" $v $v}}{{end}}", n.clone(), Ok("int0int1int2int3int4")),
        ("range int64", "{{range $v := .}}{{printf \"%T%d\" $v $v}}{{end}}", Value::Int64(3), Ok("int640int641int642")),
        ("range int else", "{{range 0}}x{{else}}empty{{end}}", n.clone(), Ok("empty")),
        ("range negative", "{{range -2}}x{{else}}empty{{end}}", n.clone(), Ok("empty")),
        (
            "range int two vars",
            "{{range $i, $c := 3}}{{$c}}{{end}}",
            n.clone(),
            Err(r#"template: t:1:18: executing "t" at <3>: can't use 3 to iterate over more than one variable"#),
        ),
        (
            "range float",
            "{{range 1.5}}{{end}}",
            n.clone(),
            Err(r#"template: t:1:8: executing "t" at <1.5>: range can't iterate over 1.5"#),
        ),
        (
            "range string",
            "{{range .X}}{{end}}",
            t.clone(),
            Err(r#"template: t:1:8: executing "t" at <.X>: range can't iterate over x"#),
        ),
        ("issue56490", "{{$i := 0}}{{$x := 0}}{{range $i = .AI}}{{end}}{{$i}}", t.clone(), Ok("5")),
        (
            "issue60801",
            "{{$k := 0}}{{$v := 0}}{{range $k, $v = .AI}}{{$k}}={{$v}} {{end}}",
            t.clone(),
            Ok("0=3 1=4 2=5 "),
        ),
        ("range []string", "{{range .SS}}{{oneArg .}}{{end}}", t.clone(), Ok("oneArg=aoneArg=b")),
        (
            "range nil elem typed",
            "{{range .}}{{oneArg .}}{{end}}",
            Value::list(vec![Value::Nil]),
            Err(r#"template: t:1:20: executing "t" at <.>: wrong type for value; expected string; got interface {}"#),
        ),
        ("or as if", r#"{{or .SI "slice is empty"}}"#, t.clone(), Ok("[3 4 5]")),
        ("or as if false", r#"{{or .SIEmpty "slice is empty"}}"#, t.clone(), Ok("slice is empty")),
    ]);
}

#[test]
fn templates_define_block() {
    let n = Value::Nil;
    check(&[
        ("template", r#"{{define "x"}}[{{.}}]{{end}}{{template "x" 3}}"#, n.clone(), Ok("[3]")),
        ("template no pipe", r#"{{define "x"}}[{{.}}]{{end}}{{template "x"}}"#, Value::Int(3), Ok("[<no value>]")),
        ("template gets no vars", r#"{{define "x"}}{{$}}{{end}}{{$v := 1}}{{template "x" 2}}"#, n.clone(), Ok("2")),
        ("template decl persists", r#"{{define "x"}}{{.}}{{end}}{{template "x" $v := 7}}{{$v}}"#, n.clone(), Ok("77")),
        ("block", r#"{{block "b" .}}default {{.}}{{end}}"#, Value::Int(1), Ok("default 1")),
        (
            "block overridden later",
            r#"{{block "b" .}}default{{end}}{{define "b"}}over{{end}}"#,
            n.clone(),
            Err(r#"template: t:1: template: multiple definition of template "b""#),
        ),
        (
            "empty define does not replace",
            r#"{{define "x"}}A{{end}}{{define "x"}} {{end}}{{template "x"}}"#,
            n.clone(),
            Ok("A"),
        ),
        (
            "not defined",
            r#"{{template "nope"}}"#,
            n.clone(),
            Err(r#"template: t:1:11: executing "t" at <{{template "nope"}}>: template "nope" not defined"#),
        ),
        (
            "nested error location",
            "line 1\nline 2\nline 3\n{{template \"one\" .}}\n{{define \"one\"}}{{template \"two\" .}}{{end}}\n{{define \"two\"}}{{template \"three\" .}}{{end}}\n{{define \"three\"}}{{index \"hi\" $}}{{end}}",
            Value::Int(5),
            Err(r#"template: t:7:20: executing "three" at <index "hi" $>: error calling index: index out of range: 5"#),
        ),
        ("trim markers", "a  {{- 1 -}}  b\n{{- 2}} {{3 -}}\n c", n.clone(), Ok("a1b2 3c")),
        ("trim comment", "a  {{- /* c */ -}}  b", n.clone(), Ok("ab")),
        ("comment", "a{{/* c\nd */}}b", n.clone(), Ok("ab")),
        ("negative not trim", "{{-3}}", n.clone(), Ok("-3")),
        ("multi-line action", "{{ printf\n \"%d\"\n 3 }}", n.clone(), Ok("3")),
    ]);
}

#[test]
fn builtins() {
    let t = t_val();
    let n = Value::Nil;
    check(&[
        ("print", r#"{{print "hello, print"}}"#, n.clone(), Ok("hello, print")),
        ("print 123", "{{print 1 2 3}}", n.clone(), Ok("1 2 3")),
        ("print spacing", r#"{{print 1 "a" 2 3 "b" "c"}}"#, n.clone(), Ok("1a2 3bc")),
        ("print nil", "{{print nil}}", n.clone(), Ok("<nil>")),
        ("println", "{{println 1 2 3}}", n.clone(), Ok("1 2 3\n")),
        ("printf int", r#"{{printf "%04x" 127}}"#, n.clone(), Ok("007f")),
        ("printf float", r#"{{printf "%g" 3.5}}"#, n.clone(), Ok("3.5")),
        ("printf float64 %d", r#"{{printf "%d" .x}}"#, Value::from_json(&json!({"x": 8080})), Ok("%!d(float64=8080)")),
        ("printf lots", r#"{{printf "%d %s %g %s" 127 "hello" 7.5 .Method0}}"#, t.clone(), Ok("127 hello 7.5 M0")),
        ("printf field", r#"{{printf "%s" .U.V}}"#, t.clone(), Ok("v")),
        ("printf dot", r#"{{with .I}}{{printf "%d" .}}{{end}}"#, t.clone(), Ok("17")),
        ("printf missing", r#"{{printf "%s %s" "a"}}"#, n.clone(), Ok("a %!s(MISSING)")),
        (
            "printf not string",
            "{{printf 3}}",
            n.clone(),
            Err(r#"template: t:1:9: executing "t" at <3>: expected string; found 3"#),
        ),
        (
            "html",
            r#"{{html "<script>alert(\"XSS\");</script>"}}"#,
            n.clone(),
            Ok("&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;"),
        ),
        (
            "html pipeline",
            r#"{{printf "<script>alert(\"XSS\");</script>" | html}}"#,
            n.clone(),
            Ok("&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;"),
        ),
        ("html untyped nil", "{{html .Empty0}}", t.clone(), Ok("&lt;no value&gt;")),
        ("js", "{{js .}}", Value::str("It'd be nice."), Ok(r"It\'d be nice.")),
        (
            "js specials",
            "{{js .}}",
            Value::str("<a href=\"x\">&</a>\n"),
            Ok(r#"\u003Ca href\u003D\"x\"\u003E\u0026\u003C/a\u003E\u000A"#),
        ),
        ("urlquery", r#"{{"http://www.example.org/"|urlquery}}"#, n.clone(), Ok("http%3A%2F%2Fwww.example.org%2F")),
        ("urlquery space", r#"{{urlquery "a b" "c"}}"#, n.clone(), Ok("a+bc")),
        ("not", "{{not true}} {{not false}}", n.clone(), Ok("false true")),
        ("and", "{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}", n.clone(), Ok("false 0 0 1")),
        ("or", "{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}", n.clone(), Ok("0 1 true 1")),
        ("or short-circuit", "{{or 0 1 (die)}}", n.clone(), Ok("1")),
        ("and short-circuit", "{{and 1 0 (die)}}", n.clone(), Ok("0")),
        (
            "or no short-circuit",
            "{{or 0 0 (die)}}",
            n.clone(),
            Err(r#"template: t:1:10: executing "t" at <die>: error calling die: die"#),
        ),
        ("and pipe-true", "{{1 | and 1}}", n.clone(), Ok("1")),
        ("and pipe-false", "{{0 | and 1}}", n.clone(), Ok("0")),
        ("or pipe-false", "{{0 | or 0}}", n.clone(), Ok("0")),
        ("and undef", "{{and 1 .Unknown}}", n.clone(), Ok("<no value>")),
        ("or undef", "{{or 0 .Unknown}}", n.clone(), Ok("<no value>")),
        (
            "and no args",
            "{{and}}",
            n.clone(),
            Err(r#"template: t:1:2: executing "t" at <and>: wrong number of args for and: want at least 1 got 0"#),
        ),
        ("boolean if pipe", "{{if true | not | and 1}}TRUE{{else}}FALSE{{end}}", n.clone(), Ok("FALSE")),
        ("index slice", "{{index .SI 0}} {{index .SI 1}}", t.clone(), Ok("3 4")),
        (
            "index huge",
            "{{index .SI 10}}",
            t.clone(),
            Err(r#"template: t:1:2: executing "t" at <index .SI 10>: error calling index: index out of range: 10"#),
        ),
        (
            "index len",
            "{{index .SI 3}}",
            t.clone(),
            Err(
                r#"template: t:1:2: executing "t" at <index .SI 3>: error calling index: reflect: slice index out of range"#,
            ),
        ),
        (
            "index wrong",
            "{{index .SI `hello`}}",
            t.clone(),
            Err(
                r#"template: t:1:2: executing "t" at <index .SI `hello`>: error calling index: cannot index slice/array with type string"#,
            ),
        ),
        (
            "index nil",
            "{{index .SI nil}}",
            t.clone(),
            Err(
                r#"template: t:1:2: executing "t" at <index .SI nil>: error calling index: cannot index slice/array with nil"#,
            ),
        ),
        ("index map", "{{index .MSI `one`}} {{index .MSI `two`}}", t.clone(), Ok("1 2")),
        ("index map missing", "{{index .MSI `XXX`}}", t.clone(), Ok("<no value>")),
        (
            "index map wrong key",
            "{{index .MSI 10}}",
            t.clone(),
            Err(
                r#"template: t:1:2: executing "t" at <index .MSI 10>: error calling index: value has type int; should be string"#,
            ),
        ),
        (
            "index map nil key",
            "{{index .MSI nil}}",
            t.clone(),
            Err(
                r#"template: t:1:2: executing "t" at <index .MSI nil>: error calling index: value is nil; should be of type string"#,
            ),
        ),
        ("double index", "{{index .SMSI 1 `eleven`}}", t.clone(), Ok("11")),
        (
            "index nil",
            "{{index nil 1}}",
            t.clone(),
            Err(r#"template: t:1:2: executing "t" at <index nil 1>: error calling index: index of untyped nil"#),
        ),
        ("index no indexes", "{{index .SI}}", t.clone(), Ok("[3 4 5]")),
        ("index string", "{{index \"hi\" 1}}", n.clone(), Ok("105")),
        ("index of interface field", "{{index .Empty3 0}}", t.clone(), Ok("7")),
        (
            "index int",
            "{{index 3 1}}",
            n.clone(),
            Err(r#"template: t:1:2: executing "t" at <index 3 1>: error calling index: can't index item of type int"#),
        ),
        ("slice all", "{{slice .SI}}", t.clone(), Ok("[3 4 5]")),
        ("slice 1", "{{slice .SI 1}}", t.clone(), Ok("[4 5]")),
        ("slice 1 2", "{{slice .SI 1 2}}", t.clone(), Ok("[4]")),
        (
            "slice negative",
            "{{slice .SI -1}}",
            t.clone(),
            Err(r#"template: t:1:2: executing "t" at <slice .SI -1>: error calling slice: index out of range: -1"#),
        ),
        (
            "slice 2 1",
            "{{slice .SI 2 1}}",
            t.clone(),
            Err(
                r#"template: t:1:2: executing "t" at <slice .SI 2 1>: error calling slice: invalid slice index: 2 > 1"#,
            ),
        ),
        (
            "slice 2 2 1",
            "{{slice .SI 2 2 1}}",
            t.clone(),
            Err(
                r#"template: t:1:2: executing "t" at <slice .SI 2 2 1>: error calling slice: invalid slice index: 2 > 1"#,
            ),
        ),
        (
            "slice out of range",
            "{{slice .SI 4 5}}",
            t.clone(),
            Err(r#"template: t:1:2: executing "t" at <slice .SI 4 5>: error calling slice: index out of range: 4"#),
        ),
        ("slice string", "{{slice .S}} {{slice .S 0 1}} {{slice .S 1}} {{slice .S 1 2}}", t.clone(), Ok("xyz x yz y")),
        (
            "slice string 3",
            "{{slice .S 1 2 2}}",
            t.clone(),
            Err(
                r#"template: t:1:2: executing "t" at <slice .S 1 2 2>: error calling slice: cannot 3-index slice a string"#,
            ),
        ),
        ("slice interface", "{{slice .Empty3 0 1}}", t.clone(), Ok("[7]")),
        ("len", "{{len .SI}} {{len .MSI}} {{len .S}} {{len .Empty3}}", t.clone(), Ok("3 3 3 2")),
        (
            "len int",
            "{{len 3}}",
            n.clone(),
            Err(r#"template: t:1:2: executing "t" at <len 3>: error calling len: len of type int"#),
        ),
        (
            "len nil entry",
            "{{len .Empty0}}",
            t.clone(),
            Err(r#"template: t:1:2: executing "t" at <len .Empty0>: error calling len: len of nil pointer"#),
        ),
        (
            "call nil",
            "{{call nil}}",
            n.clone(),
            Err(r#"template: t:1:2: executing "t" at <call nil>: error calling call: call of nil"#),
        ),
        (
            "call non-function",
            "{{call .X}}",
            t.clone(),
            Err(r#"template: t:1:2: executing "t" at <call .X>: error calling call: non-function .X of type string"#),
        ),
        (
            "empty call",
            "{{call}}",
            n.clone(),
            Err(r#"template: t:1:2: executing "t" at <call>: wrong number of args for call: want at least 1 got 0"#),
        ),
    ]);
}

#[test]
fn comparisons() {
    let n = Value::Nil;
    let d = go(&json!({"i": 1, "f": 1.5, "s": "x", "l": [1], "m": {"a": 1}}));
    check(&[
        (
            "eq",
            "{{eq 1 1}} {{eq 1 2}} {{eq `a` `a`}} {{eq 1.5 1.5}} {{eq true true}}",
            n.clone(),
            Ok("true false true true true"),
        ),
        ("eq multi", "{{eq 3 1 2 3}} {{eq 3 1 2}}", n.clone(), Ok("true false")),
        (
            "eq incompatible",
            "{{eq 1 1.5}}",
            n.clone(),
            Err(r#"template: t:1:2: executing "t" at <eq 1 1.5>: error calling eq: incompatible types for comparison"#),
        ),
        (
            "eq string int",
            "{{eq .s 1}}",
            d.clone(),
            Err(r#"template: t:1:2: executing "t" at <eq .s 1>: error calling eq: incompatible types for comparison"#),
        ),
        ("eq nil", "{{eq .missing nil}} {{eq .missing `x`}} {{eq `x` .missing}}", d.clone(), Ok("true false false")),
        ("eq int uint", "{{eq (u64 3) 3}} {{eq 3 (u64 3)}} {{eq -1 (u64 1)}}", n.clone(), Ok("true true false")),
        ("eq int int64", "{{eq 3 (int64 3)}}", n.clone(), Ok("true")),
        (
            "eq slices",
            "{{eq .l .l}}",
            d.clone(),
            Err(
                r#"template: t:1:2: executing "t" at <eq .l .l>: error calling eq: non-comparable type [%!s(int=1)]: []interface {}"#,
            ),
        ),
        ("eq nil slice", "{{eq .missing .l}} {{eq `x` .missing}}", d.clone(), Ok("false false")),
        (
            "eq string slice",
            "{{eq `x` .l}}",
            d.clone(),
            Err(
                r#"template: t:1:2: executing "t" at <eq `x` .l>: error calling eq: incompatible types for comparison"#,
            ),
        ),
        (
            "eq slice string",
            "{{eq .l `x`}}",
            d.clone(),
            Err(
                r#"template: t:1:2: executing "t" at <eq .l `x`>: error calling eq: incompatible types for comparison"#,
            ),
        ),
        (
            "eq one arg",
            "{{eq 1}}",
            n.clone(),
            Err(r#"template: t:1:2: executing "t" at <eq 1>: error calling eq: missing argument for comparison"#),
        ),
        ("ne", "{{ne 1 2}} {{ne `a` `a`}}", n.clone(), Ok("true false")),
        (
            "ne arity",
            "{{ne 1 2 3}}",
            n.clone(),
            Err(r#"template: t:1:2: executing "t" at <ne>: wrong number of args for ne: want 2 got 3"#),
        ),
        (
            "lt",
            "{{lt 1 2}} {{lt 2 1}} {{lt 1.5 2.5}} {{lt `a` `b`}} {{lt -1 (u64 0)}}",
            n.clone(),
            Ok("true false true true true"),
        ),
        ("le ge gt", "{{le 2 2}} {{ge 2 3}} {{gt 3 2}} {{gt `b` `a`}}", n.clone(), Ok("true false true true")),
        (
            "lt int float",
            "{{lt 1 1.5}}",
            n.clone(),
            Err(r#"template: t:1:2: executing "t" at <lt 1 1.5>: error calling lt: incompatible types for comparison"#),
        ),
        (
            "lt bool",
            "{{lt true false}}",
            n.clone(),
            Err(r#"template: t:1:2: executing "t" at <lt true false>: error calling lt: invalid type for comparison"#),
        ),
        (
            "lt nil",
            "{{lt .missing 1}}",
            d.clone(),
            Err(r#"template: t:1:2: executing "t" at <lt .missing 1>: error calling lt: invalid type for comparison"#),
        ),
        ("eq runes", "{{eq . '.'}}", Value::Int('.' as i64), Ok("true")),
    ]);
}

#[test]
fn parse_errors() {
    let n = Value::Nil;
    check(&[
        ("undefined function", "{{foo}}", n.clone(), Err(r#"template: t:1: function "foo" not defined"#)),
        ("undefined variable", "{{$x}}", n.clone(), Err(r#"template: t:1: undefined variable "$x""#)),
        ("unclosed if", "{{if .x}}", n.clone(), Err("template: t:1: unexpected EOF")),
        ("unclosed action", "{{.x", n.clone(), Err("template: t:1: unclosed action")),
        ("unclosed action multi-line", "{{.x\n", n.clone(), Err("template: t:2: unclosed action started at t:1")),
        ("bad character", "{{.x}", n.clone(), Err("template: t:1: bad character U+007D '}'")),
        (
            "unexpected } in operand",
            r#"{{printf "%d" 3}x}}"#,
            n.clone(),
            Err(r#"template: t:1: unexpected "}" in operand"#),
        ),
        ("missing value for if", "{{if}}{{end}}", n.clone(), Err("template: t:1: missing value for if")),
        ("missing value for command", "{{}}", n.clone(), Err("template: t:1: missing value for command")),
        ("break outside range", "{{break}}", n.clone(), Err("template: t:1: {{break}} outside {{range}}")),
        ("continue outside range", "{{continue}}", n.clone(), Err("template: t:1: {{continue}} outside {{range}}")),
        (
            "break in define in range",
            r#"{{range .}}{{define "x"}}{{break}}{{end}}{{end}}"#,
            n.clone(),
            Err("template: t:1: unexpected <define> in command"),
        ),
        ("stray end", "{{end}}", n.clone(), Err("template: t:1: unexpected {{end}}")),
        ("stray else", "{{else}}", n.clone(), Err("template: t:1: unexpected {{else}}")),
        (
            "two elses",
            "{{if 1}}a{{else}}b{{else}}c{{end}}",
            n.clone(),
            Err("template: t:1: expected end; found {{else}}"),
        ),
        (
            "else if in range",
            "{{range .}}a{{else if 1}}b{{end}}",
            n.clone(),
            Err("template: t:1: unexpected <if> in input"),
        ),
        (
            "multiple definition",
            r#"{{define "a"}}a{{end}}{{define "a"}}b{{end}}"#,
            n.clone(),
            Err(r#"template: t:1: template: multiple definition of template "a""#),
        ),
        ("unclosed comment", "{{/* c", n.clone(), Err("template: t:1: unclosed comment")),
        (
            "comment before delim",
            "{{/* c */ 3}}",
            n.clone(),
            Err("template: t:1: comment ends before closing delimiter"),
        ),
        ("unterminated string", r#"{{"x}}"#, n.clone(), Err("template: t:1: unterminated quoted string")),
        ("unterminated raw string", "{{`x}}", n.clone(), Err("template: t:1: unterminated raw quoted string")),
        ("unterminated char", "{{'x}}", n.clone(), Err("template: t:1: unterminated character constant")),
        ("bad escape", r#"{{"\q"}}"#, n.clone(), Err("template: t:1: invalid syntax")),
        ("bad number", "{{3k}}", n.clone(), Err(r#"template: t:1: bad number syntax: "3k""#)),
        ("unclosed paren", "{{(1}}", n.clone(), Err("template: t:1: unclosed left paren")),
        ("unexpected right paren", "{{1)}}", n.clone(), Err("template: t:1: unexpected right paren")),
        ("dot after term", "{{1.X}}", n.clone(), Err(r#"template: t:1: bad number syntax: "1.X""#)),
        ("dot after string", r#"{{"x".X}}"#, n.clone(), Err(r#"template: t:1: unexpected . after term "\"x\"""#)),
        ("too many decls", "{{$a, $b := 1}}", n.clone(), Err("template: t:1: too many declarations in command")),
        (
            "range only vars",
            "{{range $a, 1}}{{end}}",
            n.clone(),
            Err("template: t:1: range can only initialize variables"),
        ),
        ("line numbers", "a\nb\n{{foo}}", n.clone(), Err(r#"template: t:3: function "foo" not defined"#)),
        (
            "template name not string",
            "{{template x}}",
            n.clone(),
            Err(r#"template: t:1: unexpected "x" in template clause"#),
        ),
        (
            "template name number",
            "{{template 3}}",
            n.clone(),
            Err(r#"template: t:1: unexpected "3" in template clause"#),
        ),
        ("define name", "{{define x}}{{end}}", n.clone(), Err(r#"template: t:1: unexpected "x" in define clause"#)),
        ("unexpected in input", "{{end 1}}", n.clone(), Err(r#"template: t:1: unexpected "1" in end"#)),
        ("integer overflow", "{{089}}", n.clone(), Err(r#"template: t:1: integer overflow: "089""#)),
        (
            "assign undeclared",
            "{{$x = 1}}",
            n.clone(),
            Err(r#"template: t:1:7: executing "t" at <1>: undefined variable: $x"#),
        ),
    ]);
}

#[test]
fn missing_key_options() {
    let data = Value::from_json(&json!({"a": {"b": 1}, "n": null}));
    let cases: &[(MissingKey, &str, Result<&str, &str>)] = &[
        (MissingKey::Default, "{{.x}}", Ok("<no value>")),
        (MissingKey::Default, "{{.x.y}}", Ok("<no value>")),
        (MissingKey::Zero, "{{.x}}", Ok("<no value>")),
        (
            MissingKey::Zero,
            "{{.x.y}}",
            Err(r#"template: t:1:4: executing "t" at <.x.y>: nil pointer evaluating interface {}.y"#),
        ),
        (
            MissingKey::Zero,
            "{{oneArg .x}}",
            Err(r#"template: t:1:9: executing "t" at <.x>: wrong type for value; expected string; got interface {}"#),
        ),
        (
            MissingKey::Zero,
            "{{.n.y}}",
            Err(r#"template: t:1:4: executing "t" at <.n.y>: nil pointer evaluating interface {}.y"#),
        ),
        (MissingKey::Error, "{{.x}}", Err(r#"template: t:1:2: executing "t" at <.x>: map has no entry for key "x""#)),
        (MissingKey::Error, "{{.a.b}}", Ok("1")),
        (
            MissingKey::Error,
            "{{.a.x}}",
            Err(r#"template: t:1:4: executing "t" at <.a.x>: map has no entry for key "x""#),
        ),
        (MissingKey::Default, "{{.Values.foo.bar}}", Ok("<no value>")),
    ];
    let mut failures = Vec::new();
    for (mk, text, want) in cases {
        let got = run_with(&mut set(*mk), text, &data);
        let want = want.map(str::to_string).map_err(str::to_string);
        if got != want {
            failures.push(format!("{mk:?} {text:?}: want {want:?} got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn delimiters() {
    for (l, r) in [("", ""), ("{{", "}}"), ("<<", ">>"), ("|", "|"), ("(日)", "(本)")] {
        let (tl, tr) = if l.is_empty() { ("{{", "}}") } else { (l, r) };
        let text = format!("{tl}.Str{tr}{tl}/*comment*/{tr}{tl}\"{tl}\"{tr}");
        let mut t = Templates::new("delims");
        t.delims(l, r);
        t.parse("delims", &text).unwrap();
        let data = go(&json!({"Str": "Hello, world"}));
        assert_eq!(t.execute("delims", &data).unwrap(), format!("Hello, world{tl}"), "delims {l:?} {r:?}");
    }
}

#[test]
fn tree_with_custom_delims_and_trim() {
    let text = "\n\t(- define \"tree\" -)\n\t[\n\t\t(- .Val -)\n\t\t(- with .Left -)\n\t\t\t(template \"tree\" . -)\n\t\t(- end -)\n\t\t(- with .Right -)\n\t\t\t(- template \"tree\" . -)\n\t\t(- end -)\n\t]\n\t(- end -)\n";
    let mut t = Templates::new("root");
    t.delims("(", ")");
    t.parse("root", text).unwrap();
    let tree = go(&json!({"Val": 1, "Left": {"Val": 2, "Left": {"Val": 3}, "Right": {"Val": 4}}, "Right": {"Val": 5}}));
    assert_eq!(t.execute("tree", &tree).unwrap(), "[1[2[3][4]][5]]");
}

#[test]
fn later_definitions_win_across_parses() {
    let mut t = Templates::new("root");
    t.parse("a.tpl", r#"{{define "x"}}first{{end}}{{template "x"}}"#).unwrap();
    t.parse("b.tpl", r#"{{define "x"}}second{{end}}"#).unwrap();
    assert_eq!(t.execute("a.tpl", &Value::Nil).unwrap(), "second");
    t.parse("c.tpl", r#"{{define "x"}}  {{end}}"#).unwrap();
    assert_eq!(t.execute("a.tpl", &Value::Nil).unwrap(), "second");
    assert_eq!(t.names(), ["a.tpl", "b.tpl", "c.tpl", "x"]);
    assert!(t.lookup("x").is_some() && t.lookup("y").is_none());
    let err = t.execute("nope", &Value::Nil).unwrap_err();
    assert_eq!(err.message, r#"template: no template "nope" associated with template "root""#);
    // Errors name the template that failed and the text it was parsed from.
    t.parse("d.tpl", "{{define \"y\"}}\n  {{index 3 1}}{{end}}").unwrap();
    let err = t.execute("y", &Value::Nil).unwrap_err();
    assert_eq!(
        err.message,
        r#"template: d.tpl:2:4: executing "y" at <index 3 1>: error calling index: can't index item of type int"#
    );
}

#[test]
fn limits_stop_runaway_templates() {
    let mut t = Templates::new("t");
    t.set_limits(Limits { max_depth: 1000, ..Limits::default() });
    t.parse("t", r#"{{define "a"}}{{template "a"}}{{end}}{{template "a"}}"#).unwrap();
    let err = t.execute("t", &Value::Nil).unwrap_err();
    assert_eq!(
        err.message,
        r#"template: t:1:25: executing "a" at <{{template "a"}}>: exceeded maximum template depth (1000)"#
    );

    let mut t = Templates::new("t");
    t.set_limits(Limits { max_steps: 10_000, ..Limits::default() });
    t.parse("t", r#"{{range 1000000000}}{{end}}"#).unwrap();
    let err = t.execute("t", &Value::Nil).unwrap_err();
    assert_eq!(err.kind, gitops_gotmpl::ErrorKind::Limit);
    assert_eq!(err.message, "template: t: execution stopped after 10000 steps (the step budget)");

    let mut t = Templates::new("t");
    t.set_limits(Limits { max_output: 1000, ..Limits::default() });
    t.parse("t", r#"{{range 1000000}}0123456789{{end}}"#).unwrap();
    let err = t.execute("t", &Value::Nil).unwrap_err();
    assert_eq!(err.message, "template: t: output exceeds the limit of 1000 bytes");
}

#[test]
fn go_default_depth_limit_is_reached_without_overflowing_the_stack() {
    let mut t = Templates::new("t");
    t.parse("t", r#"{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}"#).unwrap();
    let err = t.execute("t", &Value::Nil).unwrap_err();
    assert!(err.message.ends_with("exceeded maximum template depth (100000)"), "{}", err.message);
}

/// Go's parse_test.go `errorTests`: each error must contain the given text.
#[test]
fn go_parse_error_table() {
    let cases: &[(&str, &str, &str)] = &[
        ("unclosed1", "line1\n{{", "unclosed1:2: unclosed action"),
        ("unclosed2", "line1\n{{define `x`}}line2\n{{", "unclosed2:3: unclosed action"),
        ("unclosed3", "line1\n{{\"x\"\n\"y\"\n", "unclosed3:4: unclosed action started at unclosed3:2"),
        ("unclosed4", "{{\n\n\n\n\n", "unclosed4:6: unclosed action started at unclosed4:1"),
        ("var1", "line1\n{{\nx\n}}", "var1:3: function \"x\" not defined"),
        ("function", "{{foo}}", "function \"foo\" not defined"),
        ("comment1", "{{/*}}", "comment1:1: unclosed comment"),
        ("comment2", "{{/*\nhello\n}}", "comment2:1: unclosed comment"),
        ("lparen", "{{.X (1 2 3}}", "unclosed left paren"),
        ("rparen", "{{.X 1 2 3 ) }}", "unexpected right paren"),
        ("rparen2", "{{(.X 1 2 3", "unclosed action"),
        ("space", "{{`x`3}}", "in operand"),
        ("idchar", "{{a#}}", "'#'"),
        ("charconst", "{{'a}}", "unterminated character constant"),
        ("stringconst", "{{\"a}}", "unterminated quoted string"),
        ("rawstringconst", "{{`a}}", "unterminated raw quoted string"),
        ("number", "{{0xi}}", "number syntax"),
        ("multidefine", "{{define `a`}}a{{end}}{{define `a`}}b{{end}}", "multiple definition of template"),
        ("eof", "{{range .X}}", "unexpected EOF"),
        ("variable", "{{$x := 23}}{{with $x.y := 3}}{{$x 23}}{{end}}", "unexpected \":=\""),
        ("multidecl", "{{$a,$b,$c := 23}}", "too many declarations"),
        ("undefvar", "{{$a}}", "undefined variable"),
        ("wrongdot", "{{true.any}}", "unexpected . after term"),
        ("wrongpipeline", "{{12|false}}", "non executable command in pipeline"),
        ("emptypipeline", "{{ ( ) }}", "missing value for parenthesized pipeline"),
        ("multilinerawstring", "{{ $v := `\n` }} {{", "multilinerawstring:2: unclosed action"),
        ("rangeundefvar", "{{range $k}}{{end}}", "undefined variable"),
        ("rangeundefvars", "{{range $k, $v}}{{end}}", "undefined variable"),
        ("rangemissingvalue1", "{{range $k,}}{{end}}", "missing value for range"),
        ("rangemissingvalue2", "{{range $k, $v := }}{{end}}", "missing value for range"),
        ("rangenotvariable1", "{{range $k, .}}{{end}}", "range can only initialize variables"),
        ("rangenotvariable2", "{{range $k, 123 := .}}{{end}}", "range can only initialize variables"),
    ];
    let mut failures = Vec::new();
    for (name, text, want) in cases {
        let mut t = Templates::new(name);
        match t.parse(name, text) {
            Ok(()) => failures.push(format!("{name}: parsed, want error containing {want:?}")),
            Err(e) if !e.message.contains(want) => failures.push(format!("{name}: {:?} lacks {want:?}", e.message)),
            Err(e) => assert!(e.message.starts_with(&format!("template: {name}:")), "{}", e.message),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
