//! Unit tests: the examples of `YAML-EMITTER-FACTS.md` §1–§4 and §7, each as go-yaml v2
//! (through `sigs.k8s.io/yaml`) prints it.

use serde_json::{Value, json};

use super::sort::{key_less, sort_by_less};
use super::{to_string, to_string_documents};

/// `{"v": s}` printed.
fn v(s: &str) -> String {
    to_string(&json!({ "v": s }))
}

/// Asserts that each string is written plain.
fn assert_plain(strings: &[&str]) {
    for s in strings {
        assert_eq!(v(s), format!("v: {s}\n"), "{s:?} should be plain");
    }
}

/// Asserts that each string is written double-quoted without escapes.
fn assert_double(strings: &[&str]) {
    for s in strings {
        assert_eq!(
            v(s),
            format!("v: \"{s}\"\n"),
            "{s:?} should be double-quoted"
        );
    }
}

/// Asserts that each string is written single-quoted.
fn assert_single(strings: &[&str]) {
    for s in strings {
        let quoted = s.replace('\'', "''");
        assert_eq!(
            v(s),
            format!("v: '{quoted}'\n"),
            "{s:?} should be single-quoted"
        );
    }
}

// §1.1 type-ambiguous strings → double quotes

#[test]
fn bools_are_double_quoted() {
    assert_double(&[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
    ]);
    assert_plain(&["tRue", "yEs"]);
}

#[test]
fn nulls_are_double_quoted() {
    assert_double(&["", "~", "null", "Null", "NULL"]);
    assert_plain(&["nUll"]);
}

#[test]
fn special_floats_are_double_quoted() {
    assert_double(&[
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
        ".NaN", ".NAN",
    ]);
    assert_plain(&["inf", "nan", "NaN", "Infinity", "+.nan"]);
}

#[test]
fn numbers_are_double_quoted() {
    assert_double(&[
        "0",
        "-1",
        "+1",
        "0755",
        "08",
        "09.5",
        "0o17",
        "0x1F",
        "0X1F",
        "0b101",
        "-0b101",
        "1_000",
        "1__000",
        "1_",
        "1e3",
        "1E3",
        "1e+3",
        "1.",
        "1.5e-07",
        ".5",
        "+.5",
        "-.5",
        "20011214",
        "18446744073709551615",
        "-9223372036854775808",
        "1.10",
        "18446744073709551616",
        "0b+101",
    ]);
    assert_plain(&[
        "0o8", "0x", "0xG", "1e", "123abc", "0.1.2", "1.2.3", "_1", "1,000", "1 000", "-1a",
        "1e400", "-0b", "0b", "0b2",
    ]);
}

#[test]
fn timestamps_are_double_quoted() {
    assert_double(&[
        "2001-12-14",
        "2001-1-2",
        "2001-12-14T21:59:43.10Z",
        "2001-12-14 21:59:43.10",
        "2001-12-14t21:59:43.10-05:00",
        "2000-02-29",
    ]);
    assert_plain(&[
        "2001-13-14",
        "2001-12-14T21:59",
        "2001-12-14 21:59:43.10 -5",
        "2001-02-29",
        "2001-12-14T24:00:00Z",
    ]);
}

#[test]
fn base60_is_double_quoted() {
    assert_double(&["1:20", "190:20:30", "-1:20", "12:30:45"]);
    assert_plain(&["1:60", "1:2:3a"]);
}

#[test]
fn other_words_stay_plain() {
    assert_plain(&["<<", "="]);
    assert_eq!(v("null "), "v: 'null '\n");
}

// §1.2 syntax → single quotes

#[test]
fn leading_indicators_single_quote() {
    assert_single(&[
        "#a", "[a", "&a", "*a", "!a", "|a", ">a", "%a", "@a", "\"a", "`a", "*", "#", "[]", "{}",
        "{{x}}", ",a", "]a", "}a",
    ]);
    assert_eq!(v("'a"), "v: '''a'\n");
}

#[test]
fn question_colon_dash_need_a_following_space() {
    assert_single(&["- a", "-", "? a", "?", ": a", ":"]);
    assert_plain(&["-a", "?a", ":a", "--"]);
}

#[test]
fn document_markers_single_quote() {
    assert_single(&["---", "---a", "..."]);
    assert_plain(&["..a"]);
}

#[test]
fn inner_indicators() {
    assert_single(&["a: b", "a:", "k8s.io/x: y", "a :", "a #b"]);
    assert_plain(&[
        "a:b",
        "a#b",
        "a,b",
        "a[b",
        "a{b",
        "a?b",
        "a -b",
        "a- b",
        "a -",
        "http://x/y",
        "C:\\dir",
        "${X}",
        "<b>&c",
        "~a",
    ]);
}

#[test]
fn leading_and_trailing_spaces() {
    assert_single(&[" a", "a ", " ", "  "]);
    assert_plain(&["a  b"]);
    assert_eq!(v(""), "v: \"\"\n");
}

// §1.3 double quotes and escapes

#[test]
fn unprintable_characters_force_double_quotes() {
    assert_eq!(v("a\tb"), "v: \"a\\tb\"\n");
    assert_eq!(v("a \t"), "v: \"a \\t\"\n");
    assert_eq!(v("a\r\nb"), "v: \"a\\r\\nb\"\n");
    assert_eq!(v("\u{1}"), "v: \"\\x01\"\n");
    assert_eq!(v("\u{7f}"), "v: \"\\x7F\"\n");
    assert_eq!(v("\u{feff}"), "v: \"\\uFEFF\"\n");
    assert_eq!(v("\u{1F600} smile"), "v: \"\\U0001F600 smile\"\n");
    assert_eq!(
        v("\0\u{7}\u{8}\u{b}\u{c}\u{1b}\u{1f}\"\\"),
        "v: \"\\0\\a\\b\\v\\f\\e\\x1F\\\"\\\\\"\n"
    );
    assert_eq!(v("\u{9f}\u{fffe}"), "v: \"\\x9F\\uFFFE\"\n");
}

#[test]
fn printable_unicode_is_raw() {
    assert_plain(&["é", "café", "日本語", "\u{a0}", "a\u{ad}b", "\u{fffd}"]);
}

#[test]
fn leading_bom_escapes_every_character() {
    // v2 tests for the BOM at the start of the value, not at each character [K].
    assert_eq!(v("\u{feff}a b"), "v: \"\\uFEFF\\x61\\x20\\x62\"\n");
}

#[test]
fn line_and_paragraph_separators() {
    assert_eq!(
        to_string(&json!({"data": {"v": "a\u{2028}b"}})),
        "data:\n  v: 'a\u{2028}    b'\n"
    );
    assert_eq!(v("a\u{2028}\tb"), "v: \"a\\L\\tb\"\n");
    assert_eq!(v("a\u{2029} b"), "v: \"a\\P b\"\n");
}

/// A literal block whose last break is U+2028 leaves the column at 0, so go-yaml writes no
/// final `\n` (checked against `kubectl kustomize`).
#[test]
fn literal_ending_in_a_line_separator() {
    assert_eq!(to_string(&json!(["\n\u{2028}"])), "- |2+\n\n\u{2028}");
}

#[test]
fn nel_is_folded_by_the_json_round_trip() {
    assert_eq!(v("a\u{85}b"), "v: a b\n");
    assert_eq!(v("x\u{85}"), "v: 'x '\n");
    assert_eq!(v("\u{85}"), "v: ' '\n");
    assert_eq!(v("a \u{85} b\u{85}\u{85}c"), "v: |-\n  a b\n  c\n");
}

// §1.4 strings with newlines

#[test]
fn multi_line_strings_needing_double_quotes() {
    assert_eq!(v("a \nb"), "v: \"a \\nb\"\n");
    assert_eq!(v("a\nb  "), "v: \"a\\nb  \"\n");
    assert_eq!(
        v("line one  \nline two\n"),
        "v: \"line one  \\nline two\\n\"\n"
    );
    assert_eq!(v("first\n\tsecond\n"), "v: \"first\\n\\tsecond\\n\"\n");
}

#[test]
fn literal_chomping() {
    assert_eq!(v("a\nb"), "v: |-\n  a\n  b\n");
    assert_eq!(v("a\nb\n"), "v: |\n  a\n  b\n");
    assert_eq!(v("a\nb\n\n"), "v: |+\n  a\n  b\n\n");
    assert_eq!(v("\n\n"), "v: |2+\n\n\n");
}

#[test]
fn literal_indentation_indicator() {
    assert_eq!(v("\na"), "v: |2-\n\n  a\n");
    assert_eq!(v("\n"), "v: |2+\n\n");
    assert_eq!(v(" a\nb"), "v: |2-\n   a\n  b\n");
    assert_eq!(v("  a\n  b\n"), "v: |2\n    a\n    b\n");
    assert_eq!(
        to_string(&json!({"a": {"b": "  x\ny"}})),
        "a:\n  b: |2-\n      x\n    y\n"
    );
    assert_eq!(
        to_string(&json!({"data": {"lead": "\n\nx"}})),
        "data:\n  lead: |2-\n\n\n    x\n"
    );
    assert_eq!(
        to_string(&json!({"data": {"a2": "a\n\n"}})),
        "data:\n  a2: |+\n    a\n\n"
    );
}

#[test]
fn literal_keeps_syntax_characters() {
    assert_eq!(v("a\n b"), "v: |-\n  a\n   b\n");
    assert_eq!(v("#x\n"), "v: |\n  #x\n");
    assert_eq!(v("- a\nb"), "v: |-\n  - a\n  b\n");
}

#[test]
fn literal_at_the_root_and_in_sequences() {
    assert_eq!(to_string(&json!("a\nb")), "|-\n  a\n  b\n");
    assert_eq!(to_string(&json!(["a\nb"])), "- |-\n  a\n  b\n");
    assert_eq!(
        to_string(&json!([{"k": "a"}, {"k": "a\nb"}])),
        "- k: a\n- k: |-\n    a\n    b\n"
    );
}

#[test]
fn multi_line_key_is_a_complex_key() {
    assert_eq!(to_string(&json!({"a\nb": 1})), "? |-\n  a\n  b\n: 1\n");
}

// §2 line folding

#[test]
fn plain_folds_after_column_80() {
    let x77 = "x".repeat(77);
    assert_eq!(v(&format!("{x77} yy zz")), format!("v: {x77} yy\n  zz\n"));
    let x78 = "x".repeat(78);
    assert_eq!(v(&format!("{x78} yy zz")), format!("v: {x78}\n  yy zz\n"));
}

#[test]
fn plain_never_folds_at_double_spaces() {
    let words: Vec<String> = (1..=20).map(|i| format!("w{i:02}")).collect();
    let text = format!("{}  {}", words[..8].join(" "), words[8..].join(" "));
    let long = format!("{} {text}", "x".repeat(60));
    let out = v(&long);
    assert!(!out.contains("w08\n"), "{out}");
    for line in out.lines().skip(1) {
        assert!(line.starts_with("  ") && !line.starts_with("   "), "{out}");
    }
    assert_eq!(out.replace("\n  ", " "), format!("v: {long}\n"));
}

#[test]
fn single_quoted_folds() {
    let text = format!("#{} tail", "a ".repeat(45).trim_end());
    let out = v(&text);
    assert!(out.starts_with("v: '#a a"), "{out}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert_eq!(out.replace("\n  ", " "), format!("v: '{text}'\n"));
}

#[test]
fn double_quoted_folds_with_escaped_spaces() {
    // `v: "` and `\t` take 6 columns, 75 more reach column 81 at the first space.
    let x75 = "x".repeat(75);
    // The break replaces the first of the two spaces; the second is escaped.
    assert_eq!(
        v(&format!("\t{x75}  w09 w10")),
        format!("v: \"\\t{x75}\n  \\ w09 w10\"\n")
    );
    assert_eq!(
        v(&format!("\t{x75}   w09")),
        format!("v: \"\\t{x75}\n  \\  w09\"\n")
    );
    assert_eq!(
        v(&format!("\t{x75} w09")),
        format!("v: \"\\t{x75}\n  w09\"\n")
    );
    // Never at the first or last character.
    assert_eq!(v(&format!("\t{x75}x ")), format!("v: \"\\t{x75}x \"\n"));
}

#[test]
fn double_quoted_keeps_newline_escapes_inline() {
    let text = format!("{} \n{}", "a".repeat(50), "b ".repeat(30));
    let out = v(&text);
    assert!(out.contains("\\nb b"), "{out}");
}

#[test]
fn long_words_are_never_split() {
    let x200 = "x".repeat(200);
    assert_eq!(v(&format!("a {x200} b")), format!("v: a {x200}\n  b\n"));
    let json_annotation = format!("{{\"k\":\"{}\"}}", "x".repeat(120));
    assert_eq!(v(&json_annotation), format!("v: '{json_annotation}'\n"));
}

#[test]
fn continuation_indent_follows_the_node() {
    let words = (1..=30)
        .map(|i| format!("w{i:02}"))
        .collect::<Vec<_>>()
        .join(" ");
    let first = |prefix: &str| {
        let mut line = prefix.to_string();
        let mut rest = Vec::new();
        for w in words.split(' ') {
            if line.chars().count() > 80 || !rest.is_empty() {
                rest.push(w);
            } else {
                if !line.ends_with(' ') {
                    line.push(' ');
                }
                line.push_str(w);
            }
        }
        (line, rest.join(" "))
    };
    let (l, r) = first("v:");
    assert_eq!(v(&words), format!("{l}\n  {r}\n"));
    let (l, r) = first("    lvl2:");
    assert_eq!(
        to_string(&json!({"a": {"b": {"lvl2": words}}})),
        format!("a:\n  b:\n{l}\n      {r}\n")
    );
    let (l, r) = first("-");
    assert_eq!(
        to_string(&json!({"v": [words]})),
        format!("v:\n{l}\n  {r}\n")
    );
    let (l, r) = first("- -");
    assert_eq!(to_string(&json!([[words]])), format!("{l}\n    {r}\n"));
    let (l, r) = first("  - a:");
    assert_eq!(
        to_string(&json!({"x": {"v": [{"a": words}]}})),
        format!("x:\n  v:\n{l}\n      {r}\n")
    );
}

#[test]
fn annotation_example_from_kustomize() {
    let desc =
        r#"{"a": "some value here", "b": "another value here", "c": "yet another value", "d": 1}"#;
    assert_eq!(
        to_string(&json!({"metadata": {"annotations": {"desc": desc}}})),
        "metadata:\n  annotations:\n    desc: '{\"a\": \"some value here\", \"b\": \"another value here\", \"c\": \"yet another value\",\n      \"d\": 1}'\n"
    );
}

#[test]
fn keys_never_fold() {
    let key = "word ".repeat(20).trim_end().to_string();
    assert_eq!(
        to_string(&json!({ (key.clone()): 1 })),
        format!("{key}: 1\n")
    );
}

#[test]
fn long_keys_are_complex_and_may_fold() {
    let key = "k".repeat(129);
    assert_eq!(
        to_string(&json!({ (key.clone()): "x" })),
        format!("? {key}\n: x\n")
    );
    let key128 = "k".repeat(128);
    assert_eq!(
        to_string(&json!({ (key128.clone()): "x" })),
        format!("{key128}: x\n")
    );
    let words = "word ".repeat(30).trim_end().to_string();
    let out = to_string(&json!({ "spec": { (words.clone()): "v" } }));
    let first = "word ".repeat(16).trim_end().to_string();
    let rest = "word ".repeat(14).trim_end().to_string();
    assert_eq!(out, format!("spec:\n  ? {first}\n    {rest}\n  : v\n"));
}

#[test]
fn complex_key_with_collection_value() {
    let key = "k".repeat(130);
    assert_eq!(
        to_string(&json!({ (key.clone()): {"a": 1, "b": 2} })),
        format!("? {key}\n: a: 1\n  b: 2\n")
    );
    assert_eq!(
        to_string(&json!({ (key.clone()): [1, 2] })),
        format!("? {key}\n: - 1\n  - 2\n")
    );
}

// §3 numbers, booleans, null, empty collections

#[test]
fn floats_as_the_json_round_trip_prints_them() {
    let cases: &[(f64, &str)] = &[
        (3.0, "3"),
        (-0.0, "0"),
        (0.1, "0.1"),
        (1.5e-7, "1.5e-07"),
        (1000000.0, "1000000"),
        (100000.5, "100000.5"),
        (0.0001, "0.0001"),
        (1e20, "1e+20"),
        (1234567.5, "1.2345675e+06"),
        (1000000.5, "1.0000005e+06"),
        (0.000001, "1e-06"),
        (1e21, "1e+21"),
        (9223372036854775808.0, "9223372036854776000"),
        (18446744073709551616.0, "1.8446744073709552e+19"),
        (9007199254740993.0, "9007199254740992"),
        (0.30000000000000004, "0.30000000000000004"),
        (5e-324, "5e-324"),
        (-1.5e300, "-1.5e+300"),
        (-1e19, "-1e+19"),
        (-9223372036854775808.0, "-9.223372036854776e+18"),
        (123456.0, "123456"),
        (0.00001, "1e-05"),
        (-2.5, "-2.5"),
    ];
    for &(f, out) in cases {
        assert_eq!(to_string(&json!(f)), format!("{out}\n"), "{f:e}");
    }
}

#[test]
fn integers_are_printed_as_is() {
    assert_eq!(
        to_string(&json!(9007199254740993_u64)),
        "9007199254740993\n"
    );
    assert_eq!(to_string(&json!(u64::MAX)), "18446744073709551615\n");
    assert_eq!(to_string(&json!(i64::MIN)), "-9223372036854775808\n");
    assert_eq!(to_string(&json!({"i": -1})), "i: -1\n");
}

#[test]
fn scalars_and_empty_collections() {
    assert_eq!(
        to_string(&json!({"t": true, "f": false, "n": null})),
        "f: false\n\"n\": null\nt: true\n"
    );
    assert_eq!(to_string(&json!(null)), "null\n");
    assert_eq!(to_string(&json!({})), "{}\n");
    assert_eq!(to_string(&json!([])), "[]\n");
    assert_eq!(to_string(&json!({"a": {}, "b": []})), "a: {}\nb: []\n");
    assert_eq!(to_string(&json!([[], {}])), "- []\n- {}\n");
    assert_eq!(to_string(&json!("x")), "x\n");
}

// §4 collections, keys, documents

#[test]
fn sequences_under_keys_are_indentless() {
    assert_eq!(to_string(&json!({"a": [1, 2]})), "a:\n- 1\n- 2\n");
    assert_eq!(to_string(&json!({"a": {"b": ["x"]}})), "a:\n  b:\n  - x\n");
    assert_eq!(to_string(&json!([[1, 2], 3])), "- - 1\n  - 2\n- 3\n");
    assert_eq!(
        to_string(&json!([{"x": 1, "y": 2}])),
        "- x: 1\n  \"y\": 2\n"
    );
    assert_eq!(
        to_string(&json!([{"k": "a\nb"}])),
        "- k: |-\n    a\n    b\n"
    );
    assert_eq!(
        to_string(&json!({"a": [{"b": [{"c": [[1]]}]}]})),
        "a:\n- b:\n  - c:\n    - - 1\n"
    );
}

#[test]
fn keys_follow_value_quoting() {
    assert_eq!(to_string(&json!({"y": 2})), "\"y\": 2\n");
    assert_eq!(to_string(&json!({"1": "one"})), "\"1\": one\n");
    assert_eq!(to_string(&json!({"": 1})), "\"\": 1\n");
    assert_eq!(to_string(&json!({"#c": 1})), "'#c': 1\n");
    assert_eq!(to_string(&json!({"x: y": 1})), "'x: y': 1\n");
    assert_eq!(to_string(&json!({"x ": 1})), "'x ': 1\n");
    assert_eq!(to_string(&json!({"a\tb": 1})), "\"a\\tb\": 1\n");
}

/// The order observed with Helm `toYaml` (§4). `a1b` is part of a cycle
/// (`a1b < a2 < a10 < a10b < a1b`), so it only checks adjacent pairs.
const OBSERVED_ORDER: &[&str] = &[
    "", "#c", "+1", "-1", "-x", "_x", "~", "0", "00", "000", "1", "1-2", "1.5", "1.9", "1.10",
    "1_2", "A", "B", "Zebra", "a", "a+1", "a-1", "a.b", "a/b", "a_b", "a0", "a00", "a1", "a1b",
    "a01", "a01b", "a001", "a2", "a9z", "a10", "a10a", "a10b", "aB", "ab", "b", "v1.9", "v1.9.0",
    "v1.10.0", "x-", "x.", "x/1", "x_", "x~", "z", "Ä", "ß", "é", "é1",
];

#[test]
fn key_comparator_matches_observed_order() {
    for pair in OBSERVED_ORDER.windows(2) {
        assert!(key_less(pair[0], pair[1]), "{:?} < {:?}", pair[0], pair[1]);
        assert!(
            !key_less(pair[1], pair[0]),
            "not {:?} < {:?}",
            pair[1],
            pair[0]
        );
    }
    // Without `a1b` the set is totally ordered.
    let ordered: Vec<&str> = OBSERVED_ORDER
        .iter()
        .copied()
        .filter(|k| *k != "a1b")
        .collect();
    for (i, a) in ordered.iter().enumerate() {
        for b in &ordered[i + 1..] {
            assert!(key_less(a, b) && !key_less(b, a), "{a:?} < {b:?}");
        }
    }
    let mut keys: Vec<&str> = ordered.iter().rev().copied().collect();
    sort_by_less(&mut keys, &|a, b| key_less(a, b));
    assert_eq!(keys, ordered);
    assert!(key_less("a1b", "a01") && key_less("a10b", "a1b") && key_less("a2", "a10"));
    assert!(key_less("2", "10") && key_less("a9", "a10"));
}

#[test]
fn mappings_are_sorted_by_the_comparator() {
    let mut map = serde_json::Map::new();
    for k in OBSERVED_ORDER.iter().rev() {
        map.insert((*k).to_string(), json!(1));
    }
    let out = to_string(&Value::Object(map));
    let keys: Vec<&str> = out
        .lines()
        .map(|l| l.rsplit_once(": ").map_or(l, |(k, _)| k))
        .collect();
    assert_eq!(keys[..4], ["\"\"", "'#c'", "\"+1\"", "\"-1\""]);
    assert_eq!(keys.len(), OBSERVED_ORDER.len());
    assert_eq!(
        to_string(&json!({"a10": 1, "a9": 1, "A": 1, "_x": 1, "1": 1, "10": 1, "9": 1, "2": 1})),
        "_x: 1\n\"1\": 1\n\"2\": 1\n\"9\": 1\n\"10\": 1\nA: 1\na9: 1\na10: 1\n"
    );
}

#[test]
fn non_transitive_key_sets_do_not_panic() {
    let mut map = serde_json::Map::new();
    for i in 0..200 {
        for k in [
            format!("{i}"),
            format!("{i}a"),
            format!("v{i}beta1"),
            format!("x0{i}"),
        ] {
            map.insert(k, json!(i));
        }
    }
    let out = to_string(&Value::Object(map));
    assert_eq!(out.lines().count(), 800);
}

#[test]
fn letter_and_digit_classes_follow_go_unicode() {
    use super::sort::{is_digit, is_letter};
    assert!(is_letter('ª') && is_letter('µ') && is_letter('日') && is_letter('ß'));
    assert!(!is_letter('²') && !is_letter('Ⅳ') && !is_letter('\u{345}') && !is_letter('_'));
    assert!(is_digit('٣') && is_digit('９') && !is_digit('²') && !is_digit('½'));
}

#[test]
fn documents_are_joined_with_separators() {
    let docs = [json!({"a": 1}), json!(["x"]), json!("y\n")];
    assert_eq!(to_string_documents(&docs), "a: 1\n---\n- x\n---\n|\n  y\n");
    assert_eq!(to_string_documents(&[] as &[Value]), "");
}

// §7 Helm artefacts: the emitter writes the bytes Helm later trims

#[test]
fn keep_chomping_at_document_end_keeps_its_empty_line() {
    assert_eq!(to_string(&json!({"z": "a\n\n"})), "z: |+\n  a\n\n");
}

#[test]
fn trailing_nbsp_is_written_raw() {
    assert_eq!(v("\u{a0}"), "v: \u{a0}\n");
}
