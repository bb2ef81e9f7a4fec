//! Helm's own test tables (`pkg/strvals/parser_test.go`, coalescing) as data.

#![allow(clippy::unwrap_used)]

use gitops_gotmpl::{Map, Value};
use serde_json::json;

use super::coalesce::{self, ChartValues};
use super::strvals;

fn j(v: &Value) -> serde_json::Value {
    v.to_json()
}

/// `TestParseSet`: (line, expected values or None for an error).
fn parse_set_table() -> Vec<(&'static str, Option<serde_json::Value>)> {
    vec![
        (
            "name1=null,f=false,t=true",
            Some(json!({"name1": null, "f": false, "t": true})),
        ),
        ("name1=value1", Some(json!({"name1": "value1"}))),
        (
            "name1=value1,name2=value2",
            Some(json!({"name1": "value1", "name2": "value2"})),
        ),
        (
            "name1=value1,name2=value2,",
            Some(json!({"name1": "value1", "name2": "value2"})),
        ),
        ("name1=value1,,,,name2=value2,", None),
        (
            "name1=,name2=value2",
            Some(json!({"name1": "", "name2": "value2"})),
        ),
        (
            "leading_zeros=00009",
            Some(json!({"leading_zeros": "00009"})),
        ),
        ("zero_int=0", Some(json!({"zero_int": 0}))),
        ("long_int=1234567890", Some(json!({"long_int": 1234567890}))),
        ("boolean=true", Some(json!({"boolean": true}))),
        ("is_null=null", Some(json!({"is_null": null}))),
        ("name1,name2=", None),
        ("name1,name2=value2", None),
        ("name1,name2=value2\\", None),
        ("name1,name2", None),
        (
            "name1=one\\,two,name2=three\\,four",
            Some(json!({"name1": "one,two", "name2": "three,four"})),
        ),
        (
            "name1=one\\=two,name2=three\\=four",
            Some(json!({"name1": "one=two", "name2": "three=four"})),
        ),
        (
            "name1=one two three,name2=three two one",
            Some(json!({"name1": "one two three", "name2": "three two one"})),
        ),
        (
            "outer.inner=value",
            Some(json!({"outer": {"inner": "value"}})),
        ),
        (
            "outer.middle.inner=value",
            Some(json!({"outer": {"middle": {"inner": "value"}}})),
        ),
        (
            "outer.inner1=value,outer.inner2=value2",
            Some(json!({"outer": {"inner1": "value", "inner2": "value2"}})),
        ),
        (
            "outer.inner1=value,outer.middle.inner=value",
            Some(json!({"outer": {"inner1": "value", "middle": {"inner": "value"}}})),
        ),
        ("name1.name2", None),
        ("name1.name2,name1.name3", None),
        ("name1.name2=", Some(json!({"name1": {"name2": ""}}))),
        ("name1.=name2", None),
        ("name1.,name2", None),
        (
            "name1={value1,value2}",
            Some(json!({"name1": ["value1", "value2"]})),
        ),
        (
            "name1={value1,value2},name2={value1,value2}",
            Some(json!({"name1": ["value1", "value2"], "name2": ["value1", "value2"]})),
        ),
        ("name1={1021,902}", Some(json!({"name1": [1021, 902]}))),
        (
            "name1.name2={value1,value2}",
            Some(json!({"name1": {"name2": ["value1", "value2"]}})),
        ),
        ("name1={1021,902", None),
        ("list[0]=foo", Some(json!({"list": ["foo"]}))),
        ("list[0].foo=bar", Some(json!({"list": [{"foo": "bar"}]}))),
        (
            "list[0].foo=bar,list[0].hello=world",
            Some(json!({"list": [{"foo": "bar", "hello": "world"}]})),
        ),
        ("list[0].foo=bar,list[-30].hello=world", None),
        (
            "list[0]=foo,list[1]=bar",
            Some(json!({"list": ["foo", "bar"]})),
        ),
        (
            "list[0]=foo,list[1]=bar,",
            Some(json!({"list": ["foo", "bar"]})),
        ),
        (
            "list[0]=foo,list[3]=bar",
            Some(json!({"list": ["foo", null, null, "bar"]})),
        ),
        ("list[0]=foo,list[-20]=bar", None),
        ("illegal[0]name.foo=bar", None),
        ("noval[0]", Some(json!({"noval": []}))),
        ("noval[0]=", Some(json!({"noval": [""]}))),
        ("nested[0][0]=1", Some(json!({"nested": [[1]]}))),
        ("nested[1][1]=1", Some(json!({"nested": [null, [null, 1]]}))),
        (
            "name1.name2[0].foo=bar,name1.name2[1].foo=bar",
            Some(json!({"name1": {"name2": [{"foo": "bar"}, {"foo": "bar"}]}})),
        ),
        (
            "name1.name2[1].foo=bar,name1.name2[0].foo=bar",
            Some(json!({"name1": {"name2": [{"foo": "bar"}, {"foo": "bar"}]}})),
        ),
        (
            "name1.name2[1].foo=bar",
            Some(json!({"name1": {"name2": [null, {"foo": "bar"}]}})),
        ),
        ("]={}].", None),
    ]
}

#[test]
fn parse_set_matches_helm_table() {
    for (line, want) in parse_set_table() {
        let got = strvals::parse(line);
        match want {
            None => assert!(got.is_err(), "{line}: expected an error, got {:?}", got),
            Some(w) => assert_eq!(
                j(&got.unwrap_or_else(|e| panic!("{line}: {e}"))),
                w,
                "{line}"
            ),
        }
    }
}

#[test]
fn parse_string_keeps_strings() {
    for (line, want) in [
        (
            "long_int_string=1234567890",
            json!({"long_int_string": "1234567890"}),
        ),
        ("boolean=true", json!({"boolean": "true"})),
        ("is_null=null", json!({"is_null": "null"})),
        ("zero=0", json!({"zero": "0"})),
    ] {
        assert_eq!(j(&strvals::parse_string(line).unwrap()), want, "{line}");
    }
}

#[test]
fn typed_values_have_go_types() {
    let v = strvals::parse("a=1,b=007,c=1.50,d=0x10,e=TRUE,f=-3,g=+4,h=0,i=99999999999999999999")
        .unwrap();
    let m = v.as_map().unwrap();
    assert_eq!(m["a"], Value::Int64(1));
    assert_eq!(m["b"], Value::str("007"));
    assert_eq!(m["c"], Value::str("1.50"));
    assert_eq!(m["d"], Value::str("0x10"));
    assert_eq!(m["e"], Value::Bool(true));
    assert_eq!(m["f"], Value::Int64(-3));
    assert_eq!(m["g"], Value::Int64(4));
    assert_eq!(m["h"], Value::Int64(0));
    assert_eq!(m["i"], Value::str("99999999999999999999"));
}

#[test]
fn error_messages_are_helms() {
    for (line, msg) in [
        ("a", r#"key "a" has no value"#),
        ("a,b=1", r#"key "a" has no value (cannot end with ,)"#),
        ("a.=b", r#"key map "a" has no value"#),
        (
            "a[65537]=x",
            "index of 65537 is greater than maximum supported index of 65536",
        ),
        ("a[-1]=x", "negative -1 index not allowed"),
        (
            "a[x]=1",
            r#"error parsing index: strconv.Atoi: parsing "x": invalid syntax"#,
        ),
        ("a[0]x=1", "unexpected data at end of array index: ['x']"),
        ("a={1,2", "list must terminate with '}'"),
        (
            "a=1,a.b=2",
            "unable to parse key: interface conversion: interface {} is int64, not map[string]interface {}",
        ),
        (
            "a=x,a[0]=2",
            "unable to parse key: interface conversion: interface {} is string, not []interface {}",
        ),
        (
            "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a=1",
            "value name nested level is greater than maximum supported nested level of 30",
        ),
    ] {
        let got = strvals::parse(line);
        assert_eq!(
            got.as_ref().map_err(|e| e.message.as_str()),
            Err(msg),
            "{line}"
        );
    }
    // An unterminated index ends the line (Go's wrapped io.EOF).
    assert_eq!(j(&strvals::parse("a[1").unwrap()), json!({}));
}

#[test]
fn parse_into_merges_helm_table() {
    let cases: Vec<(serde_json::Value, &str, &str, serde_json::Value)> = vec![
        (
            json!({"outer": {"inner1": "overwrite", "inner2": "value2"}}),
            "outer.inner1=value1,outer.inner3=value3,outer.inner4=4",
            "",
            json!({"outer": {"inner1": "value1", "inner2": "value2", "inner3": "value3", "inner4": 4}}),
        ),
        (
            json!({}),
            "listOuter[0][0].type=listValue",
            "listOuter[0][0].status=alive",
            json!({"listOuter": [[{"type": "listValue", "status": "alive"}]]}),
        ),
        (
            json!({}),
            "listOuter[0][0].type=listValue",
            "listOuter[1][0].status=alive",
            json!({"listOuter": [[{"type": "listValue"}], [{"status": "alive"}]]}),
        ),
        (
            json!({"listOuter": [[[{"exited": "old"}]]]}),
            "listOuter[0][1][0].type=listValue",
            "listOuter[0][0][1].status=alive",
            json!({"listOuter": [[[{"exited": "old"}, {"status": "alive"}], [{"type": "listValue"}]]]}),
        ),
    ];
    for (start, a, b, want) in cases {
        let dest = Value::from_json(&start);
        strvals::parse_into(a, &dest).unwrap();
        if !b.is_empty() {
            strvals::parse_into(b, &dest).unwrap();
        }
        assert_eq!(j(&dest), want, "{a} {b}");
    }
    let dest = Value::from_json(&json!({"outer": {"inner1": "overwrite", "inner2": "value2"}}));
    strvals::parse_into_string("outer.inner1=1,outer.inner3=3", &dest).unwrap();
    assert_eq!(
        j(&dest),
        json!({"outer": {"inner1": "1", "inner2": "value2", "inner3": "3"}})
    );
}

#[test]
fn parse_json_matches_helm_table() {
    let cases: Vec<(serde_json::Value, &str, Option<serde_json::Value>)> = vec![
        (
            json!({"outer": {"inner1": "overwrite", "inner2": "value2"}}),
            r#"outer.inner1="1",outer.inner3=3,outer.inner4=true,outer.inner5="true""#,
            Some(
                json!({"outer": {"inner1": "1", "inner2": "value2", "inner3": 3, "inner4": true, "inner5": "true"}}),
            ),
        ),
        (
            json!({"outer": {"inner1": {"x": "overwrite"}, "inner2": "value2", "inner3": ["overwrite"]}}),
            r#"outer.inner1={"a":"1","b":2,"c":[1,2,3]},outer.inner3=["new value 1","new value 2"],outer.inner4={"aa":"1","bb":2,"cc":[1,2,3]},outer.inner5=[{"A":"1","B":2,"C":[1,2,3]}]"#,
            Some(json!({"outer": {
                "inner1": {"a": "1", "b": 2, "c": [1, 2, 3]},
                "inner2": "value2",
                "inner3": ["new value 1", "new value 2"],
                "inner4": {"aa": "1", "bb": 2, "cc": [1, 2, 3]},
                "inner5": [{"A": "1", "B": 2, "C": [1, 2, 3]}],
            }})),
        ),
        (
            json!({"outer": {"inner1": {"x": "overwrite"}, "inner2": "value2"}}),
            r#"outer.inner1=,outer.inner3={"aa":"1","bb":2,"cc":[1,2,3]},outer.inner3.cc[1]=null"#,
            Some(
                json!({"outer": {"inner1": null, "inner2": "value2", "inner3": {"aa": "1", "bb": 2, "cc": [1, null, 3]}}}),
            ),
        ),
        (
            json!({}),
            r#"outer.inner1={"a":"1","b":2,"c":[1,2,3]},outer.inner3=["new value 1","new value 2"],outer.inner4={"aa":"1","bb":2,"cc":[1,2,3]},outer.inner5={"A":"1","B":2,"C":[1,2,3]}]"#,
            None,
        ),
    ];
    for (start, line, want) in cases {
        let dest = Value::from_json(&start);
        let r = strvals::parse_json(line, &dest);
        match want {
            None => assert!(r.is_err(), "{line}"),
            Some(w) => {
                r.unwrap();
                assert_eq!(j(&dest), w, "{line}");
            }
        }
    }
    // JSON numbers are float64.
    let dest = Value::map(Map::new());
    strvals::parse_json("a=3", &dest).unwrap();
    assert_eq!(dest.as_map().unwrap()["a"], Value::Float(3.0));
}

#[test]
fn parse_file_reads_each_value() {
    let dest = Value::map(Map::new());
    let mut seen = Vec::new();
    let mut reader = |p: &str| {
        seen.push(p.to_string());
        Ok(Value::str("value1"))
    };
    strvals::parse_file("name1=path1", &dest, &mut reader).unwrap();
    assert_eq!(seen, vec!["path1".to_string()]);
    assert_eq!(j(&dest), json!({"name1": "value1"}));
    let mut failing = |_: &str| Err("open nope: no such file or directory".to_string());
    let e = strvals::parse_file("a=nope", &Value::map(Map::new()), &mut failing).unwrap_err();
    assert_eq!(e.message, "open nope: no such file or directory");
}

#[test]
fn coalesce_user_over_defaults_with_globals() {
    let sub = ChartValues {
        name: "sub".into(),
        values: Value::from_json(&json!({"s": 1, "global": {"g": 0, "own": "x"}})),
        dependencies: vec![],
    };
    let chart = ChartValues {
        name: "c".into(),
        values: Value::from_json(
            &json!({"a": 1, "m": {"x": 1, "y": 2}, "l": [1, 2], "t": {"k": 1}, "global": {"g": 5}}),
        ),
        dependencies: vec![sub],
    };
    let user =
        Value::from_json(&json!({"m": {"x": null}, "l": [3], "t": "scalar", "sub": {"s": 2}}));
    let (v, warnings) = coalesce::coalesce_values(&chart, &user).unwrap();
    assert_eq!(
        j(&v),
        json!({
            "a": 1, "m": {"y": 2}, "l": [3], "t": "scalar", "global": {"g": 5},
            "sub": {"s": 2, "global": {"g": 5, "own": "x"}},
        })
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    // A table under a scalar default: Helm keeps the user's side and warns.
    let chart = ChartValues {
        name: "c".into(),
        values: Value::from_json(&json!({"t": "s"})),
        dependencies: vec![],
    };
    let (v, _) =
        coalesce::coalesce_values(&chart, &Value::from_json(&json!({"t": {"k": 1}}))).unwrap();
    assert_eq!(j(&v), json!({"t": {"k": 1}}));
}

#[test]
fn merge_values_follows_helm_order() {
    let opts = coalesce::Options {
        value_files: vec![
            ("one.yaml".into(), "a: 1\nm:\n  x: 1\n  y: yes\n".into()),
            ("two.yaml".into(), "m:\n  x: 2\nb: [1]\n".into()),
        ],
        json_values: vec![r#"j={"k":1}"#.into()],
        values: vec!["a=2,j.k=3".into()],
        string_values: vec!["a=3".into()],
        file_values: vec!["f=path".into(), "g=path".into()],
        literal_values: vec!["g=lit,{x}".into()],
    };
    let mut read = |p: &str| Ok(format!("content of {p}"));
    let v = coalesce::merge_values(&opts, &mut read).unwrap();
    assert_eq!(
        j(&v),
        json!({"a": "3", "b": [1], "f": "content of path",
            "g": "lit,{x}", "j": {"k": 3}, "m": {"x": 2, "true": true}})
    );
}

#[test]
fn parse_literal_takes_the_rest_of_the_line() {
    let dest = Value::map(Map::new());
    strvals::parse_literal_into(r"a.b[1]=x,y=\z{1,2}", &dest).unwrap();
    assert_eq!(j(&dest), json!({"a": {"b": [null, r"x,y=\z{1,2}"]}}));
    let e = strvals::parse_literal_into("a", &Value::map(Map::new())).unwrap_err();
    assert_eq!(e.message, r#"key "a" has no value"#);
    // No comma ends a literal key.
    let dest = Value::map(Map::new());
    strvals::parse_literal_into("a,b=c", &dest).unwrap();
    assert_eq!(j(&dest), json!({"a,b": "c"}));
}
