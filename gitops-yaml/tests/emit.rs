//! `gitops_yaml::emit` against the reference tools.
//!
//! - Every document of the kustomize reference corpus (`../shared/corpus`, read when present,
//!   never copied into the repository) is go-yaml v2 output: parsed back and re-emitted it
//!   must come out byte for byte the same.
//! - Tricky values (folding, block scalars, quoting, key order) are run through the real
//!   `kubectl kustomize` and compared byte for byte.
//! - Property tests: the emitter never panics, and what it prints reads back as the same
//!   value.

use std::path::{Path, PathBuf};
use std::process::Command;

use gitops_yaml::emit::{to_string, to_string_documents};
use gitops_yaml::load::{LoadOptions, Schema, load_documents};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// The shared reference corpus, if this checkout has it.
fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    dir.is_dir().then_some(dir)
}

/// Splits a kustomize output stream into documents (each ending with `\n`).
fn split_documents(text: &str) -> Vec<String> {
    let mut docs = Vec::new();
    let mut current = String::new();
    for line in text.split_inclusive('\n') {
        if line == "---\n" {
            docs.push(std::mem::take(&mut current));
        } else {
            current.push_str(line);
        }
    }
    if !current.is_empty() {
        docs.push(current);
    }
    docs
}

/// Parses one YAML document into a JSON value, keeping `<<` as an ordinary key.
fn parse(doc: &str) -> Result<Value, String> {
    let mut options = serde_saphyr::Options::default();
    options.merge_keys = serde_saphyr::MergeKeyPolicy::AsOrdinary;
    options.budget = None;
    serde_saphyr::from_str_with_options(doc, options).map_err(|e| e.to_string())
}

/// Reads the emitter's output back the way go-yaml v2 would, with our own reader.
fn read_back(doc: &str) -> Result<Value, String> {
    let options = LoadOptions::with_schema(Schema::GoYamlV2);
    let mut docs = load_documents(doc, &options).map_err(|e| e.to_string())?;
    match docs.len() {
        1 => Ok(docs.remove(0).value),
        n => Err(format!("{n} documents")),
    }
}

/// First differing line of two texts, for failure messages.
fn first_difference(expected: &str, actual: &str) -> String {
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(e, a)| e != a)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    format!(
        "line {}:\n  expected: {:?}\n  actual:   {:?}",
        line + 1,
        expected.lines().nth(line).unwrap_or("<end>"),
        actual.lines().nth(line).unwrap_or("<end>")
    )
}

/// Round-trip tally for one kind of expected file.
#[derive(Default)]
struct Tally {
    identical: usize,
    total: usize,
    unparsable: usize,
    failures: Vec<String>,
}

/// Re-emits every document of `file` and records the outcome.
fn round_trip_file(file: &Path, tally: &mut Tally, features: &mut Features) {
    let Ok(text) = std::fs::read_to_string(file) else {
        return;
    };
    for (i, doc) in split_documents(&text).iter().enumerate() {
        tally.total += 1;
        features.observe(doc);
        let value = match parse(doc) {
            Ok(v) => v,
            Err(e) => {
                tally.unparsable += 1;
                tally
                    .failures
                    .push(format!("{} doc {i}: parse error {e}", file.display()));
                continue;
            }
        };
        let emitted = to_string(&value);
        if emitted == *doc {
            tally.identical += 1;
        } else {
            tally.failures.push(format!(
                "{} doc {i}: {}",
                file.display(),
                first_difference(doc, &emitted)
            ));
        }
    }
}

/// Counts documents showing the emitter features the corpus should exercise.
#[derive(Default, Debug)]
struct Features {
    folded: usize,
    literal: usize,
    single_quoted: usize,
    double_quoted: usize,
}

impl Features {
    /// Looks at one document.
    fn observe(&mut self, doc: &str) {
        let lines: Vec<&str> = doc.lines().collect();
        let folded = lines.windows(2).any(|w| {
            let (a, b) = (w[0], w[1]);
            let indent = |s: &str| s.len() - s.trim_start().len();
            a.chars().count() > 80
                && indent(b) > indent(a)
                && !a.trim_end().ends_with(':')
                && !a.contains(": |")
                && !b.trim_start().starts_with("- ")
        });
        self.folded += usize::from(folded);
        self.literal += usize::from(doc.contains(": |") || doc.contains("- |"));
        self.single_quoted += usize::from(doc.contains(": '"));
        self.double_quoted += usize::from(doc.contains(": \""));
    }
}

#[test]
fn kustomize_corpus_round_trips_byte_for_byte() {
    let Some(corpus) = corpus_dir() else {
        eprintln!("note: ../shared/corpus not found, corpus round trip skipped");
        return;
    };
    let Ok(cases) = std::fs::read_dir(corpus.join("kustomize")) else {
        eprintln!("note: no kustomize corpus, skipped");
        return;
    };
    let mut cases: Vec<PathBuf> = cases.filter_map(|e| e.ok().map(|e| e.path())).collect();
    cases.sort();
    let mut features = Features::default();
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for name in ["expected.yaml", "expected.reorder-none.yaml"] {
        let mut tally = Tally::default();
        for case in &cases {
            let file = case.join(name);
            if file.is_file() {
                round_trip_file(&file, &mut tally, &mut features);
            }
        }
        report.push(format!(
            "{name}: {}/{} identical ({} unparsable)",
            tally.identical, tally.total, tally.unparsable
        ));
        failures.append(&mut tally.failures);
    }
    eprintln!("{}\nfeatures: {features:?}", report.join("\n"));
    assert!(
        failures.is_empty(),
        "{} documents differ:\n{}",
        failures.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(features.folded > 0 && features.literal > 0, "{features:?}");
    assert!(
        features.single_quoted > 0 && features.double_quoted > 0,
        "{features:?}"
    );
}

/// Values for the `kubectl kustomize` comparison.
fn fixture_resources() -> Vec<Value> {
    let long = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen \
                fifteen sixteen seventeen eighteen nineteen twenty";
    let json_annotation =
        r#"{"a": "some value here", "b": "another value here", "c": "yet another value", "d": 1}"#;
    let data: Map<String, Value> = [
        ("long", long.to_string()),
        ("longQuoted", format!("'{long}")),
        ("longDouble", format!("{long}\t{long}")),
        (
            "doubleSpaces",
            format!("{}  {}  {}", "w".repeat(70), "w".repeat(20), "w".repeat(30)),
        ),
        ("leading", "  x\ny".into()),
        ("lead", "\n\nx".into()),
        ("keep", "a\n\n".into()),
        ("clip", "line one\nline two\n".into()),
        ("trailingSpaceLine", "line one  \nline two\n".into()),
        ("tabbed", "first\n\tsecond\n".into()),
        ("dqFold2", format!("\t{}  w09 w10", "x".repeat(75))),
        ("dqFold3", format!("\t{}   w09", "x".repeat(75))),
        ("dqLast", format!("\t{}x ", "x".repeat(75))),
        ("sqFold", format!("#{} tail", "a ".repeat(45).trim_end())),
    ]
    .into_iter()
    .chain(
        [
            ("yes", "yes"),
            ("No", "No"),
            ("on", "on"),
            ("y", "y"),
            ("octal", "0755"),
            ("hex", "0x1F"),
            ("under", "1_000"),
            ("float", "1.10"),
            ("exp", "1e3"),
            ("base60", "1:20"),
            ("time", "2001-12-14"),
            ("notTime", "2001-13-14"),
            ("null", "null"),
            ("tilde", "~"),
            ("empty", ""),
            ("emoji", "\u{1F600} smile"),
            ("tab", "a\tb"),
            ("cafe", "café 日本語"),
            ("hash", "#a"),
            ("colon", "a: b"),
            ("dash", "- a"),
            ("star", "*"),
            ("braces", "{{x}}"),
            ("spaces", " a "),
            ("quote", "'a"),
            ("dq", "\"a\""),
            ("url", "http://x/y"),
            ("a10", "a10"),
            ("a9", "a9"),
            ("A", "A"),
            ("_x", "_x"),
            ("1", "1"),
            ("10", "10"),
            ("9", "9"),
            ("nel", "a \u{85} b\u{85}\u{85}c"),
            ("nelEnd", "x\u{85}"),
            ("ls", "a\u{2028}b"),
            ("lsTab", "a\u{2028}\tb"),
            ("bom", "\u{feff}a b"),
            ("nbsp", "\u{a0}"),
            ("controls", "\u{0}\u{1}\u{7}\u{1b}\u{1f}"),
            ("crlf", "a\r\nb"),
            ("bin", "0b+101"),
            ("huge", "1e400"),
            ("leap", "2000-02-29"),
            ("noLeap", "2001-02-29"),
            ("hour24", "2001-12-14T24:00:00Z"),
            ("notBase60", "1:2:3a"),
            ("plusNan", "+.nan"),
            ("u65", "18446744073709551616"),
            ("comma", "2001-12-14 21:59:43,5"),
            ("spaces2", "2001-12-14   1:2:3"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_string())),
    )
    .map(|(k, v)| (k.to_string(), Value::String(v)))
    .collect();
    let config_map = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "tricky",
            "annotations": { "example.com/desc": json_annotation, "example.com/x": "y: z" },
        },
        "data": data,
    });
    let custom = json!({
        "apiVersion": "example.com/v1",
        "kind": "Thing",
        "metadata": { "name": "numbers" },
        "spec": {
            "ints": [0, -1, 9007199254740993_u64, 18446744073709551615_u64],
            "floats": [-1e19, -9223372036854775808.0, 5e-324, 0.30000000000000004, 3.0, 0.1, 1234567.5, 1000000.5, 100000.5, 0.0001, 0.000001, 1.5e-7, 1e20, 1e21, -1.5e300],
            "bools": [true, false],
            "nothing": null,
            "emptyMap": {}, "emptyList": [],
            "nested": [[1, 2], [[]], [{}], { "a": [ { "b": "c", "d": ["e"] } ] }],
            "deep": { "lvl2": { "text": long } },
            "items": [long, [long]],
            ("k".repeat(130)): "long key",
            ("word ".repeat(30).trim_end()): "long key with spaces",
            "multi\nline": "key",
            ("m".repeat(129)): { "a": 1, "b": [1, { "c": "d" }] },
            ("l".repeat(129)): [1, 2],
        },
    });
    vec![config_map, custom]
}

/// JSON text with every non-ASCII character escaped (YAML's `\\u`/`\\U` escapes, which kustomize's
/// YAML reader understands), so that it sees exactly our strings: a raw NEL or LS would be
/// folded by the reader itself.
fn ascii_json(value: &Value) -> String {
    let text = serde_json::to_string_pretty(value).expect("json");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if u32::from(c) <= 0xFFFF {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push_str(&format!("\\U{:08x}", u32::from(c)));
        }
    }
    out
}

#[test]
fn matches_kubectl_kustomize_on_fixtures() {
    let version = Command::new("kubectl")
        .args(["version", "--client"])
        .output();
    assert!(
        version.is_ok_and(|o| o.status.success()),
        "kubectl is required for this test: install kubectl (v1.32, kustomize v5.5) and put it on PATH"
    );
    let dir = std::env::temp_dir().join(format!("gitops-yaml-emit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let resources = fixture_resources();
    let mut names = Vec::new();
    for (i, resource) in resources.iter().enumerate() {
        let name = format!("r{i}.yaml");
        let text = ascii_json(resource);
        std::fs::write(dir.join(&name), text).expect("write resource");
        names.push(name);
    }
    let kustomization = format!(
        "sortOptions:\n  order: fifo\nresources:\n{}",
        names.iter().map(|n| format!("- {n}\n")).collect::<String>()
    );
    std::fs::write(dir.join("kustomization.yaml"), kustomization).expect("write kustomization");
    let output = Command::new("kubectl")
        .arg("kustomize")
        .arg(&dir)
        .output()
        .expect("run kubectl");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "kubectl kustomize failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected = String::from_utf8(output.stdout).expect("utf-8 output");
    let actual = to_string_documents(&resources);
    assert_eq!(actual, expected, "{}", first_difference(&expected, &actual));
}

/// Strings without anything the reader might treat differently from go-yaml.
fn simple_string() -> impl Strategy<Value = String> {
    "[a-zA-Z][a-zA-Z0-9 ./_-]{0,120}".prop_filter("no trailing space", |s| !s.ends_with(' '))
}

/// Arbitrary JSON values.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[ -~\u{85}\u{a0}\u{2028}\u{feff}\u{1F600}\t\n]{0,100}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..6).prop_map(
                |entries| Value::Object(entries.into_iter().collect::<Map<String, Value>>())
            ),
        ]
    })
}

/// Simple values: maps and lists of simple strings under simple keys.
fn simple_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        simple_string().prop_map(Value::String),
        any::<i64>().prop_map(Value::from)
    ];
    leaf.prop_recursive(3, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..5).prop_map(Value::Array),
            prop::collection::vec(("[a-z][a-z0-9]{0,10}", inner), 1..5).prop_map(|entries| {
                Value::Object(entries.into_iter().collect::<Map<String, Value>>())
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn never_panics(value in any_json()) {
        // go-yaml does not always end a document with `\n`: a literal block whose last
        // break is U+2028 ends with that character (see `literal_ending_in_a_line_separator`).
        let text = to_string(&value);
        prop_assert!(!text.is_empty());
    }

    #[test]
    fn simple_values_read_back(value in simple_json()) {
        let text = to_string(&value);
        let back = read_back(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(back, value, "{}", text);
    }

    #[test]
    fn strings_read_back(s in "[ -~\u{a0}-\u{ff}é日\t\n]{0,200}") {
        let value = json!({ "k": { "v": s, "l": [s.clone()] } });
        let text = to_string(&value);
        let back = read_back(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(back, value, "{}", text);
    }
}
