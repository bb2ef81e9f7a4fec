use super::*;
use proptest::prelude::*;

const INDEX: &str = r#"apiVersion: v1
entries:
  alpine:
  - apiVersion: v2
    created: "2024-01-01T00:00:00Z"
    description: |
      A chart.

      # not a comment: block scalar content
    digest: 0123abcd
    name: alpine
    urls:
    - alpine-0.2.0.tgz
    version: 0.2.0
  - name: alpine
    urls: [https://charts.example/alpine-0.1.0.tgz]
    version: 0.1.0
  "quoted-chart":
  - name: quoted-chart
    version: 1.0.0
  nginx:
    - name: nginx
      version: 2.0.0-rc.1
      appVersion: 1.25
    - name: nginx
      description: no version, dropped
generated: "2024-01-01T00:00:00Z"
"#;

#[test]
fn selects_one_chart() {
    let v = select_chart(INDEX.as_bytes(), "alpine").expect("index");
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].version, "0.2.0");
    assert_eq!(v[0].digest.as_deref(), Some("0123abcd"));
    assert_eq!(v[0].urls, vec!["alpine-0.2.0.tgz"]);
    assert_eq!(v[0].created.as_deref(), Some("2024-01-01T00:00:00Z"));
    assert_eq!(v[1].urls, vec!["https://charts.example/alpine-0.1.0.tgz"]);
    let q = select_chart(INDEX.as_bytes(), "quoted-chart").expect("index");
    assert_eq!(q.len(), 1);
    let n = select_chart(INDEX.as_bytes(), "nginx").expect("index");
    assert_eq!(n.len(), 1, "the entry without a version is dropped");
    assert_eq!(n[0].app_version.as_deref(), Some("1.25"));
    assert!(
        select_chart(INDEX.as_bytes(), "absent")
            .expect("index")
            .is_empty()
    );
}

#[test]
fn validates_whole_index() {
    let s = validate_index(INDEX.as_bytes()).expect("valid");
    assert_eq!(
        s,
        IndexSummary {
            api_version: "v1".into(),
            charts: 3,
            versions: 4
        }
    );
}

#[test]
fn reads_json_index() {
    let json = r#"{"apiVersion":"v1","entries":{"a":[{"name":"a","version":"1.0.0","urls":["a.tgz"]}],
        "b":[{"name":"b","version":"2.0.0"}]},"generated":"x"}"#;
    let v = select_chart(json.as_bytes(), "b").expect("json");
    assert_eq!(v[0].version, "2.0.0");
    assert_eq!(validate_index(json.as_bytes()).expect("json").versions, 2);
    assert!(matches!(
        select_chart(&b"{\"apiVersion\":\"v1\",\"entries\":"[..], "a"),
        Err(IndexError::Json(_))
    ));
}

#[test]
fn errors_name_the_line() {
    let bad = "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: [1.0.0\n  b: []\n";
    match validate_index(bad.as_bytes()) {
        Err(IndexError::Malformed { line, .. }) => assert!((5..=6).contains(&line), "line {line}"),
        other => panic!("unexpected {other:?}"),
    }
    let dedent = "apiVersion: v1\nentries:\n    a:\n    - version: 1.0.0\n  b: []\n";
    assert!(matches!(
        validate_index(dedent.as_bytes()),
        Err(IndexError::Malformed { line: 5, .. })
    ));
    assert!(matches!(validate_index(&b""[..]), Err(IndexError::Empty)));
    assert!(matches!(
        validate_index(&b"entries: {}\n"[..]),
        Err(IndexError::NoApiVersion)
    ));
    assert!(matches!(
        validate_index(&b"apiVersion: v1\n- x\n"[..]),
        Err(IndexError::Malformed { line: 2, .. })
    ));
}

#[test]
fn empty_entries_and_documents() {
    let s = validate_index(&b"---\napiVersion: v1\nentries: {}\n---\nother: 1\n"[..]).expect("ok");
    assert_eq!(s.charts, 0);
}

fn chart_name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,8}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// The streaming scan finds exactly what a full parse of the index finds.
    #[test]
    fn scan_agrees_with_full_parse(
        charts in proptest::collection::btree_map(chart_name(), proptest::collection::vec((0u8..20, 0u8..20, any::<bool>()), 0..4), 1..6),
        nested in any::<bool>(),
    ) {
        let mut text = String::from("apiVersion: v1\nentries:\n");
        for (name, versions) in &charts {
            text.push_str(&format!("  {name}:\n"));
            for (minor, patch, with_desc) in versions {
                let item = if nested { "    - " } else { "  - " };
                let pad = if nested { "      " } else { "    " };
                text.push_str(&format!("{item}name: {name}\n{pad}version: 1.{minor}.{patch}\n"));
                if *with_desc {
                    text.push_str(&format!("{pad}description: |\n{pad}  line one\n\n{pad}  - {name}: not a key\n"));
                }
                text.push_str(&format!("{pad}urls:\n{pad}- {name}-1.{minor}.{patch}.tgz\n"));
            }
        }
        text.push_str("generated: now\n");
        let full = load_documents(&text, &LoadOptions::with_schema(Schema::GoYamlV2)).expect("valid yaml");
        for name in charts.keys() {
            let expected = full[0].value["entries"][name].clone();
            let expected = versions_from_value(name, expected).expect("list");
            let got = select_chart(text.as_bytes(), name).expect("scan");
            prop_assert_eq!(got, expected);
        }
        let summary = validate_index(text.as_bytes()).expect("valid");
        prop_assert_eq!(summary.charts, charts.len());
    }
}
