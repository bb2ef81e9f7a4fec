//! Sprig's string functions.
//!
//! Several of Sprig's helpers (goutils' `Abbreviate`, `Wrap`, `Initials`,
//! `DeleteWhiteSpace`; `trunc`, `substr`) index strings by bytes: they can cut a UTF-8
//! sequence in two, and `initials`/`nospace` reinterpret every byte as a Latin-1
//! character. Those byte-level results are kept, with invalid bytes shown as U+FFFD (as
//! Go's JSON and YAML output does).


use crate::fmt::{format_value, quote};
use crate::func::{Func, Funcs, Ty};
use crate::value::{ListType, Map, MapType, Value};

use super::conv::{go_string, strval};
use super::xstrings;

fn s(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or_default()
}

fn n(args: &[Value], i: usize) -> i64 {
    match args.get(i) {
        Some(Value::Int(v)) => *v,
        _ => 0,
    }
}

fn string_fn(f: impl Fn(&str) -> String + 'static) -> Func {
    Func::new(&[Ty::String], move |a| Ok(Value::str(f(s(a, 0)))))
}

/// Go's `unicode.ToUpper` (simple case mapping: one rune to one rune).
pub(crate) fn to_upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `unicode.ToLower`.
pub(crate) fn to_lower(c: char) -> char {
    if c == '\u{130}' {
        return 'i';
    }
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `unicode.ToTitle`: upper case except for the digraphs that have a title form.
pub(crate) fn to_title(c: char) -> char {
    match c {
        '\u{1C4}'..='\u{1C6}' => '\u{1C5}',
        '\u{1C7}'..='\u{1C9}' => '\u{1C8}',
        '\u{1CA}'..='\u{1CC}' => '\u{1CB}',
        '\u{1F1}'..='\u{1F3}' => '\u{1F2}',
        _ => to_upper(c),
    }
}

/// Go's `unicode.IsUpper`.
pub(crate) fn is_upper(c: char) -> bool {
    c.is_uppercase() && !is_title(c)
}

/// Go's `unicode.IsTitle` (the `Lt` category).
pub(crate) fn is_title(c: char) -> bool {
    matches!(c, '\u{1C5}' | '\u{1C8}' | '\u{1CB}' | '\u{1F2}' | '\u{1F88}'..='\u{1F8F}' | '\u{1F98}'..='\u{1F9F}'
        | '\u{1FA8}'..='\u{1FAF}' | '\u{1FBC}' | '\u{1FCC}' | '\u{1FFC}')
}

/// Go's `unicode.IsLower`.
pub(crate) fn is_lower(c: char) -> bool {
    c.is_lowercase()
}

/// Go's `unicode.IsSpace` for a byte taken as a rune (Latin-1).
fn byte_is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' | 0x85 | 0xA0)
}

/// `strings.Title`: the first letter of every word to title case; words are separated
/// by anything but ASCII alphanumerics, `_`, and Unicode letters and digits.
fn title(s: &str) -> String {
    fn is_separator(c: char) -> bool {
        if c.is_ascii() {
            return !(c.is_ascii_alphanumeric() || c == '_');
        }
        if c.is_alphabetic() || c.is_numeric() {
            return false;
        }
        c.is_whitespace()
    }
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if is_separator(prev) { to_title(c) } else { c };
            prev = c;
            out
        })
        .collect()
}

/// goutils' `Uncapitalize`: the first letter of every whitespace-separated word to lower
/// case.
fn untitle(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|c| {
            if c.is_whitespace() {
                next = true;
                c
            } else if next {
                next = false;
                to_lower(c)
            } else {
                c
            }
        })
        .collect()
}

/// goutils' `SwapCase`.
fn swapcase(s: &str) -> String {
    let mut whitespace = true;
    s.chars()
        .map(|c| {
            if is_upper(c) || is_title(c) {
                whitespace = false;
                to_lower(c)
            } else if is_lower(c) {
                if whitespace {
                    whitespace = false;
                    to_title(c)
                } else {
                    to_upper(c)
                }
            } else {
                whitespace = c.is_whitespace();
                c
            }
        })
        .collect()
}

/// goutils' `Initials`, byte by byte (a non-ASCII initial comes out as its first byte
/// read as Latin-1).
fn initials(s: &str) -> String {
    let mut out = String::new();
    let mut gap = true;
    for &b in s.as_bytes() {
        if byte_is_space(b) {
            gap = true;
        } else if gap {
            out.push(char::from(b));
            gap = false;
        }
    }
    out
}

/// goutils' `DeleteWhiteSpace`: unchanged when there is no whitespace byte, otherwise
/// every remaining byte read as Latin-1.
fn nospace(s: &str) -> String {
    if !s.bytes().any(byte_is_space) {
        return s.to_string();
    }
    s.bytes()
        .filter(|b| !byte_is_space(*b))
        .map(char::from)
        .collect()
}

/// goutils' `AbbreviateFull` (byte offsets), for `maxWidth >= 4`.
fn abbreviate_full(s: &[u8], offset: i64, max_width: i64) -> Result<Vec<u8>, String> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    if max_width < 4 {
        return Err("stringutils illegal argument: Minimum abbreviation width is 4".into());
    }
    let len = s.len() as i64;
    if len <= max_width {
        return Ok(s.to_vec());
    }
    let mut offset = offset.min(len);
    if len - offset < max_width - 3 {
        offset = len - (max_width - 3);
    }
    let mut out = Vec::new();
    if offset <= 4 {
        out.extend_from_slice(&s[..(max_width - 3) as usize]);
        out.extend_from_slice(b"...");
        return Ok(out);
    }
    if max_width < 7 {
        return Err(
            "stringutils illegal argument: Minimum abbreviation width with offset is 7".into(),
        );
    }
    out.extend_from_slice(b"...");
    if offset + max_width - 3 < len {
        out.extend(abbreviate_full(&s[offset as usize..], 0, max_width - 3)?);
    } else {
        out.extend_from_slice(&s[(len - (max_width - 3)) as usize..]);
    }
    Ok(out)
}

fn abbrev(width: i64, s: &str) -> String {
    if width < 4 {
        return s.to_string();
    }
    abbreviate_full(s.as_bytes(), 0, width)
        .map(|b| go_string(&b))
        .unwrap_or_default()
}

fn abbrevboth(left: i64, right: i64, s: &str) -> String {
    if right < 4 || left > 0 && right < 7 {
        return s.to_string();
    }
    abbreviate_full(s.as_bytes(), left, right)
        .map(|b| go_string(&b))
        .unwrap_or_default()
}

/// goutils' `WrapCustom` (byte offsets).
fn wrap_custom(s: &str, width: i64, newline: &str, long_words: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let newline = if newline.is_empty() { "\n" } else { newline }.as_bytes();
    let width = width.max(1) as usize;
    let b = s.as_bytes();
    let len = b.len();
    let mut offset = 0;
    let mut out: Vec<u8> = Vec::new();
    while len - offset > width {
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = width + offset + 1;
        let space = b[offset..end].iter().rposition(|c| *c == b' ');
        if let Some(sp) = space {
            out.extend_from_slice(&b[offset..offset + sp]);
            out.extend_from_slice(newline);
            offset += sp + 1;
        } else if long_words {
            out.extend_from_slice(&b[offset..width + offset]);
            out.extend_from_slice(newline);
            offset += width;
        } else {
            let end = width + offset;
            match b[end..].iter().position(|c| *c == b' ') {
                None => {
                    out.extend_from_slice(&b[offset..]);
                    offset = len;
                }
                Some(i) => {
                    out.extend_from_slice(&b[offset..end + i]);
                    out.extend_from_slice(newline);
                    offset = end + i + 1;
                }
            }
        }
    }
    out.extend_from_slice(&b[offset..]);
    go_string(&out)
}

/// Go's message for a string slice expression out of range.
fn bounds(lo: Option<i64>, hi: i64, len: Option<usize>) -> String {
    let lo = lo.map(|l| l.to_string()).unwrap_or_default();
    match len {
        Some(n) => format!("runtime error: slice bounds out of range [{lo}:{hi}] with length {n}"),
        None => format!("runtime error: slice bounds out of range [{lo}:{hi}]"),
    }
}

/// `s[start:end]` with Go's bounds checks and messages.
fn slice_str(b: &[u8], start: Option<i64>, end: Option<i64>) -> Result<String, String> {
    let len = b.len() as i64;
    let hi = end.unwrap_or(len);
    if hi < 0 || hi > len {
        return Err(bounds(None, hi, end.filter(|h| *h > len).map(|_| b.len())));
    }
    let lo = start.unwrap_or(0);
    if lo < 0 || lo > hi {
        return Err(bounds(Some(lo), hi, None));
    }
    Ok(go_string(&b[lo as usize..hi as usize]))
}

fn substr(start: i64, end: i64, s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    if start < 0 {
        return slice_str(b, None, Some(end));
    }
    if end < 0 || end > b.len() as i64 {
        return slice_str(b, Some(start), None);
    }
    slice_str(b, Some(start), Some(end))
}

fn trunc(c: i64, s: &str) -> String {
    let b = s.as_bytes();
    let len = b.len() as i64;
    if c < 0 && len + c > 0 {
        return go_string(&b[(len + c) as usize..]);
    }
    if c >= 0 && len > c {
        return go_string(&b[..c as usize]);
    }
    s.to_string()
}

/// The longest string `repeat` and `indent` build (the executor's default output limit):
/// Go would build any size.
const MAX_STRING: usize = 256 << 20;

fn repeat(count: i64, s: &str) -> Result<String, String> {
    if count < 0 {
        return Err("strings: negative Repeat count".into());
    }
    match s.len().checked_mul(count as usize) {
        None => return Err("strings: Repeat output length overflow".into()),
        Some(n) if n > MAX_STRING => {
            return Err(format!(
                "strings: Repeat output of {n} bytes is over the limit of {MAX_STRING}"
            ));
        }
        Some(_) => {}
    }
    Ok(s.repeat(count as usize))
}

fn indent(spaces: i64, v: &str) -> Result<String, String> {
    let pad = repeat(spaces, " ")?;
    Ok(format!("{pad}{}", v.replace('\n', &format!("\n{pad}"))))
}

/// Sprig's `strslice` (`toStrings`, `join`, `sortAlpha`): `[]string` as it is, other
/// slices item by item through `strval` without nils, nil as empty, anything else as a
/// one-item list.
pub(crate) fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(items, ListType::String) => items.iter().map(strval).collect(),
        Value::List(items, _) => items.iter().filter(|x| !x.is_nil()).map(strval).collect(),
        Value::Bytes(b) => b.iter().map(|x| x.to_string()).collect(),
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

/// Go's `strings.Split` (`SplitN` with `n < 0`); an empty separator splits after each
/// UTF-8 sequence.
pub(crate) fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let chars: Vec<&str> = s
            .char_indices()
            .map(|(i, c)| &s[i..i + c.len_utf8()])
            .collect();
        let limit = if n < 0 || n as usize > chars.len() {
            chars.len()
        } else {
            n as usize
        };
        let mut out: Vec<String> = chars[..limit.saturating_sub(1)]
            .iter()
            .map(|x| x.to_string())
            .collect();
        if limit > 0 {
            let start: usize = chars[..limit - 1].iter().map(|x| x.len()).sum();
            out.push(s[start..].to_string());
        }
        return out;
    }
    if n < 0 {
        s.split(sep).map(str::to_string).collect()
    } else {
        s.splitn(n as usize, sep).map(str::to_string).collect()
    }
}

fn split_map(parts: Vec<String>) -> Value {
    let m: Map = parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| (format!("_{i}"), Value::str(p)))
        .collect();
    Value::typed_map(m, MapType::String)
}

fn quote_all(args: &[Value], f: impl Fn(&Value) -> String) -> Value {
    let out: Vec<String> = args.iter().filter(|a| !a.is_nil()).map(f).collect();
    Value::str(out.join(" "))
}

pub(super) fn register(f: &mut Funcs) {
    f.insert("upper", string_fn(|x| x.chars().map(to_upper).collect()));
    f.insert("lower", string_fn(|x| x.chars().map(to_lower).collect()));
    f.insert("title", string_fn(title));
    f.insert("untitle", string_fn(untitle));
    f.insert(
        "trim",
        string_fn(|x| x.trim_matches(char::is_whitespace).to_string()),
    );
    f.insert("nospace", string_fn(nospace));
    f.insert("initials", string_fn(initials));
    f.insert("swapcase", string_fn(swapcase));
    f.insert("snakecase", string_fn(|x| xstrings::to_snake_case(x, '_')));
    f.insert("kebabcase", string_fn(|x| xstrings::to_snake_case(x, '-')));
    f.insert("camelcase", string_fn(xstrings::to_pascal_case));
    f.insert(
        "repeat",
        Func::new(&[Ty::Int, Ty::String], |a| {
            repeat(n(a, 0), s(a, 1)).map(Value::str)
        }),
    );
    f.insert(
        "substr",
        Func::new(&[Ty::Int, Ty::Int, Ty::String], |a| {
            substr(n(a, 0), n(a, 1), s(a, 2)).map(Value::str)
        }),
    );
    f.insert(
        "trunc",
        Func::new(&[Ty::Int, Ty::String], |a| {
            Ok(Value::str(trunc(n(a, 0), s(a, 1))))
        }),
    );
    f.insert(
        "abbrev",
        Func::new(&[Ty::Int, Ty::String], |a| {
            Ok(Value::str(abbrev(n(a, 0), s(a, 1))))
        }),
    );
    f.insert(
        "abbrevboth",
        Func::new(&[Ty::Int, Ty::Int, Ty::String], |a| {
            Ok(Value::str(abbrevboth(n(a, 0), n(a, 1), s(a, 2))))
        }),
    );
    f.insert(
        "wrap",
        Func::new(&[Ty::Int, Ty::String], |a| {
            Ok(Value::str(wrap_custom(s(a, 1), n(a, 0), "", false)))
        }),
    );
    f.insert(
        "wrapWith",
        Func::new(&[Ty::Int, Ty::String, Ty::String], |a| {
            Ok(Value::str(wrap_custom(s(a, 2), n(a, 0), s(a, 1), true)))
        }),
    );
    let trim_all = || {
        Func::new(&[Ty::String, Ty::String], |a| {
            let cut = s(a, 0);
            Ok(Value::str(s(a, 1).trim_matches(|c| cut.contains(c))))
        })
    };
    f.insert("trimAll", trim_all());
    f.insert("trimall", trim_all());
    f.insert(
        "trimPrefix",
        Func::new(&[Ty::String, Ty::String], |a| {
            Ok(Value::str(s(a, 1).strip_prefix(s(a, 0)).unwrap_or(s(a, 1))))
        }),
    );
    f.insert(
        "trimSuffix",
        Func::new(&[Ty::String, Ty::String], |a| {
            Ok(Value::str(s(a, 1).strip_suffix(s(a, 0)).unwrap_or(s(a, 1))))
        }),
    );
    f.insert(
        "contains",
        Func::new(&[Ty::String, Ty::String], |a| {
            Ok(Value::Bool(s(a, 1).contains(s(a, 0))))
        }),
    );
    f.insert(
        "hasPrefix",
        Func::new(&[Ty::String, Ty::String], |a| {
            Ok(Value::Bool(s(a, 1).starts_with(s(a, 0))))
        }),
    );
    f.insert(
        "hasSuffix",
        Func::new(&[Ty::String, Ty::String], |a| {
            Ok(Value::Bool(s(a, 1).ends_with(s(a, 0))))
        }),
    );
    f.insert(
        "quote",
        Func::variadic(&[], Ty::Any, |a| Ok(quote_all(a, |v| quote(&strval(v))))),
    );
    f.insert(
        "squote",
        Func::variadic(&[], Ty::Any, |a| {
            Ok(quote_all(a, |v| format!("'{}'", format_value(v))))
        }),
    );
    f.insert(
        "cat",
        Func::variadic(&[], Ty::Any, |a| Ok(quote_all(a, format_value))),
    );
    f.insert(
        "indent",
        Func::new(&[Ty::Int, Ty::String], |a| {
            indent(n(a, 0), s(a, 1)).map(Value::str)
        }),
    );
    f.insert(
        "nindent",
        Func::new(&[Ty::Int, Ty::String], |a| {
            indent(n(a, 0), s(a, 1)).map(|x| Value::str(format!("\n{x}")))
        }),
    );
    f.insert(
        "replace",
        Func::new(&[Ty::String, Ty::String, Ty::String], |a| {
            Ok(Value::str(go_replace(s(a, 2), s(a, 0), s(a, 1))))
        }),
    );
    f.insert(
        "plural",
        Func::new(&[Ty::String, Ty::String, Ty::Int], |a| {
            Ok(Value::str(if n(a, 2) == 1 { s(a, 0) } else { s(a, 1) }))
        }),
    );
    f.insert(
        "toString",
        Func::new(&[Ty::Any], |a| Ok(Value::str(strval(&a[0])))),
    );
    f.insert(
        "toStrings",
        Func::new(&[Ty::Any], |a| Ok(Value::string_list(strslice(&a[0])))),
    );
    f.insert(
        "split",
        Func::new(&[Ty::String, Ty::String], |a| {
            Ok(split_map(go_split(s(a, 1), s(a, 0), -1)))
        }),
    );
    f.insert(
        "splitn",
        Func::new(&[Ty::String, Ty::Int, Ty::String], |a| {
            Ok(split_map(go_split(s(a, 2), s(a, 0), n(a, 1))))
        }),
    );
    f.insert(
        "splitList",
        Func::new(&[Ty::String, Ty::String], |a| {
            Ok(Value::string_list(go_split(s(a, 1), s(a, 0), -1)))
        }),
    );
    f.insert(
        "join",
        Func::new(&[Ty::String, Ty::Any], |a| {
            Ok(Value::str(strslice(&a[1]).join(s(a, 0))))
        }),
    );
    f.insert(
        "sortAlpha",
        Func::new(&[Ty::Any], |a| {
            let mut v = match &a[0] {
                Value::List(..) | Value::Bytes(_) => strslice(&a[0]),
                other => vec![strval(other)],
            };
            v.sort();
            Ok(Value::string_list(v))
        }),
    );
}

/// Go's `strings.Replace(s, old, new, -1)`: an empty `old` inserts `new` around every
/// UTF-8 sequence.
fn go_replace(s: &str, old: &str, new: &str) -> String {
    if !old.is_empty() {
        return s.replace(old, new);
    }
    let mut out = String::from(new);
    for c in s.chars() {
        out.push(c);
        out.push_str(new);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::testutil::*;
    use crate::value::Value;

    #[test]
    fn case_functions_use_simple_case_mapping() {
        assert_eq!(show("upper", &[s("ß ǆ ﬁ")]), "ß Ǆ ﬁ");
        assert_eq!(show("lower", &[s("İSTANBUL ΣΑΣ")]), "istanbul σασ");
        assert_eq!(
            show("title", &[s("hello-world foo_bar x.y 1st ǆa")]),
            "Hello-World Foo_bar X.Y 1st ǅa"
        );
        assert_eq!(show("untitle", &[s("HELLO  WORLD\tX")]), "hELLO  wORLD\tx");
        assert_eq!(show("swapcase", &[s("éÉ ǆ")]), "Éé ǅ");
        assert_eq!(show("swapcase", &[s("Hello World")]), "hELLO wORLD");
    }

    #[test]
    fn byte_level_helpers_match_goutils() {
        assert_eq!(show("nospace", &[s("héllo wörld")]), "hÃ©llowÃ¶rld");
        assert_eq!(show("nospace", &[s("héllo")]), "héllo");
        assert_eq!(show("initials", &[s("élan vital")]), "Ãv");
        assert_eq!(show("trunc", &[i(2), s("héllo")]), "h\u{FFFD}");
        assert_eq!(show("trunc", &[i(-2), s("hello")]), "lo");
        assert_eq!(show("trunc", &[i(-10), s("hello")]), "hello");
        assert_eq!(show("abbrev", &[i(5), s("hello world")]), "he...");
        assert_eq!(
            show("abbrevboth", &[i(5), i(10), s("1234 5678 9123")]),
            "...5678..."
        );
        assert_eq!(
            show(
                "abbrevboth",
                &[i(10), i(8), s("abcdefghijklmnopqrstuvwxyz")]
            ),
            "...kl..."
        );
        assert_eq!(
            show(
                "abbrevboth",
                &[i(30), i(8), s("abcdefghijklmnopqrstuvwxyz")]
            ),
            "...vwxyz"
        );
        assert_eq!(show("wrap", &[i(4), s("  a  b  ")]), "a  b\n ");
        assert_eq!(show("wrap", &[i(3), s("abcdefgh ij")]), "abcdefgh\nij");
        assert_eq!(
            show("wrapWith", &[i(3), s("|"), s("abcdefgh ij")]),
            "abc|def|gh|ij"
        );
    }

    #[test]
    fn substr_panics_like_go_slicing() {
        assert_eq!(show("substr", &[i(-1), i(2), s("hello")]), "he");
        assert_eq!(show("substr", &[i(2), i(-1), s("hello")]), "llo");
        assert_eq!(
            err("substr", &[i(3), i(1), s("hello")]),
            "runtime error: slice bounds out of range [3:1]"
        );
        assert_eq!(
            err("substr", &[i(7), i(9), s("hello")]),
            "runtime error: slice bounds out of range [7:5]"
        );
        assert_eq!(
            err("substr", &[i(-1), i(9), s("hello")]),
            "runtime error: slice bounds out of range [:9] with length 5"
        );
        assert_eq!(
            err("repeat", &[i(-1), s("ab")]),
            "strings: negative Repeat count"
        );
        assert_eq!(
            err("indent", &[i(-1), s("a")]),
            "strings: negative Repeat count"
        );
    }

    #[test]
    fn quoting_and_joining_skip_nils() {
        assert_eq!(
            show("quote", &[i(1), f(2.5), s("x")]),
            "\"1\" \"2.5\" \"x\""
        );
        assert_eq!(show("quote", &[Value::Nil, s("a")]), "\"a\"");
        assert_eq!(show("squote", &[i(1), s("x"), Value::Nil]), "'1' 'x'");
        assert_eq!(show("cat", &[s(""), s("")]), " ");
        assert_eq!(show("cat", &[f(1e6), f(2.5)]), "1e+06 2.5");
        assert_eq!(
            show("join", &[s("-"), l(vec![s("a"), i(1), Value::Nil, f(2.5)])]),
            "a-1-2.5"
        );
        assert_eq!(show("join", &[s(","), Value::Nil]), "");
        assert_eq!(
            show("toStrings", &[l(vec![f(1.5), f(1e6), Value::Nil])]),
            "[1.5 1e+06]"
        );
        assert_eq!(call("toStrings", &[i(5)]).unwrap().type_name(), "[]string");
        assert_eq!(show("sortAlpha", &[l(vec![i(10), i(9), i(1)])]), "[1 10 9]");
        assert_eq!(show("sortAlpha", &[Value::Nil]), "[<nil>]");
    }

    #[test]
    fn indent_and_split() {
        assert_eq!(show("indent", &[i(2), s("a\n\nb\n")]), "  a\n  \n  b\n  ");
        assert_eq!(show("nindent", &[i(0), s("")]), "\n");
        assert_eq!(show("replace", &[s(""), s("-"), s("abc")]), "-a-b-c-");
        assert_eq!(show("split", &[s(","), s("a,b,c")]), "map[_0:a _1:b _2:c]");
        assert_eq!(
            call("split", &[s(","), s("")]).unwrap().type_name(),
            "map[string]string"
        );
        assert_eq!(show("splitn", &[s(","), i(0), s("a,b,c")]), "map[]");
        assert_eq!(
            show("splitn", &[s(","), i(2), s("a,b,c")]),
            "map[_0:a _1:b,c]"
        );
        assert_eq!(show("splitList", &[s(""), s("héllo")]), "[h é l l o]");
        assert_eq!(show("trimAll", &[s("$"), s("$$5.00$")]), "5.00");
        assert_eq!(show("plural", &[s("one"), s("many"), i(-1)]), "many");
    }
}
