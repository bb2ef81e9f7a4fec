//! Sprig's regular expression functions over Go's `regexp` (RE2 syntax).
//!
//! Patterns are checked and rewritten from Go's syntax into the `regex` crate's: Go's
//! `\d`, `\w`, `\s`, `\b` are ASCII-only, character classes take `&&`, `--`, `[` and `~`
//! literally, `{` that does not start a repeat is a literal, `\Q…\E` quotes, and group
//! names may repeat. Go's parse errors come out with Go's text
//! (`error parsing regexp: missing closing ): `(``). Matching loops (`FindAll`,
//! `ReplaceAll`, `Split`) follow Go's handling of empty matches, and `$1`/`${name}` in
//! replacements follow Go's `Expand`.

use std::rc::Rc;

use regex::Regex;

use crate::fmt::quote;
use crate::func::{Func, Funcs, Ty};
use crate::value::Value;

/// A compiled Go regular expression: the Rust regex and Go's group names (index 0 is the
/// whole match, unnamed groups are empty).
pub(crate) struct GoRegex {
    re: Regex,
    names: Vec<String>,
}

struct Translator<'a> {
    src: &'a str,
    chars: Vec<(usize, char)>,
    i: usize,
    out: String,
    names: Vec<String>,
}

fn err(code: &str, arg: &str) -> String {
    format!("error parsing regexp: {code}: `{arg}`")
}

fn push_lit(out: &mut String, c: char) {
    out.push_str(&format!("\\x{{{:x}}}", u32::from(c)));
}

/// A Go character class item as Rust class text: single chars and ranges in hex, the
/// Perl classes ASCII-only.
#[derive(Clone)]
enum Item {
    Char(char),
    Text(String),
}

impl<'a> Translator<'a> {
    fn new(src: &'a str) -> Translator<'a> {
        Translator {
            src,
            chars: src.char_indices().collect(),
            i: 0,
            out: String::new(),
            names: vec![String::new()],
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).map(|x| x.1)
    }

    fn pos(&self) -> usize {
        self.chars.get(self.i).map_or(self.src.len(), |x| x.0)
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos()..]
    }

    /// Parses `{n}`, `{n,}`, `{n,m}` at the cursor: (min, max, length in chars).
    fn repeat_braces(&self) -> Option<(i64, i64, usize)> {
        let rest = self.rest();
        let end = rest.find('}')?;
        let body = &rest[1..end];
        let (lo, hi) = match body.split_once(',') {
            Some((lo, "")) => (lo, None),
            Some((lo, hi)) => (lo, Some(hi)),
            None => (body, Some(body)),
        };
        let num = |s: &str| -> Option<i64> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(s.parse::<i64>().unwrap_or(i64::MAX))
        };
        let min = num(lo)?;
        let max = match hi {
            Some(h) => num(h)?,
            None => -1,
        };
        Some((min, max, rest[..=end].chars().count()))
    }

    /// An escape at the cursor (just after the backslash is consumed by the caller is
    /// not assumed: the cursor is on the backslash). Returns the class item.
    fn escape(&mut self, in_class: bool) -> Result<Item, String> {
        let start = self.pos();
        self.i += 1;
        let Some(c) = self.peek() else {
            return Err(err("trailing backslash at end of expression", ""));
        };
        self.i += 1;
        let item = match c {
            'd' => Item::Text("0-9".into()),
            'D' => Item::Text("^0-9".into()),
            'w' => Item::Text("0-9A-Za-z_".into()),
            'W' => Item::Text("^0-9A-Za-z_".into()),
            's' => Item::Text("\\t\\n\\x0C\\r ".into()),
            'S' => Item::Text("^\\t\\n\\x0C\\r ".into()),
            'a' => Item::Char('\x07'),
            'f' => Item::Char('\x0C'),
            't' => Item::Char('\t'),
            'n' => Item::Char('\n'),
            'r' => Item::Char('\r'),
            'v' => Item::Char('\x0B'),
            '0'..='7' => {
                let next_oct = self.peek().is_some_and(|d| ('0'..='7').contains(&d));
                if c != '0' && !next_oct {
                    return Err(err("invalid escape sequence", &self.src[start..self.pos()]));
                }
                let mut v = c.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match self.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            self.i += 1;
                        }
                        None => break,
                    }
                }
                Item::Char(char::from_u32(v).unwrap_or('\0'))
            }
            'x' => {
                let rest = self.rest();
                let (hex, len) = if let Some(body) = rest.strip_prefix('{') {
                    let end = body
                        .find('}')
                        .ok_or_else(|| err("invalid escape sequence", &self.src[start..]))?;
                    (&body[..end], end + 2)
                } else {
                    let h = rest
                        .get(..2)
                        .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
                    let upto: usize = rest.chars().take(2).map(char::len_utf8).sum();
                    let arg = &self.src[start..self.pos() + upto];
                    (h.ok_or_else(|| err("invalid escape sequence", arg))?, 2)
                };
                let v = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
                let arg_end = self.pos() + len;
                let v = v.ok_or_else(|| {
                    err(
                        "invalid escape sequence",
                        &self.src[start..arg_end.min(self.src.len())],
                    )
                })?;
                self.i += rest[..len].chars().count();
                Item::Char(v)
            }
            'p' | 'P' => {
                let rest = self.rest();
                let len = if rest.starts_with('{') {
                    rest.find('}').map_or(rest.len(), |e| e + 1)
                } else {
                    rest.chars().next().map_or(0, char::len_utf8)
                };
                let text = format!("\\{c}{}", &rest[..len]);
                self.i += rest[..len].chars().count();
                if Regex::new(&text).is_err() {
                    return Err(err(
                        "invalid character class range",
                        &self.src[start..self.pos()],
                    ));
                }
                Item::Text(text)
            }
            'b' | 'B' | 'A' | 'z' if !in_class => Item::Text(format!("(?-u:\\{c})")),
            c if c.is_ascii() && !c.is_ascii_alphanumeric() => Item::Char(c),
            _ => return Err(err("invalid escape sequence", &self.src[start..self.pos()])),
        };
        Ok(item)
    }

    /// A character class at the cursor (on `[`).
    fn class(&mut self) -> Result<(), String> {
        let start = self.pos();
        self.i += 1;
        let mut negate = false;
        if self.peek() == Some('^') {
            negate = true;
            self.i += 1;
        }
        let mut items: Vec<String> = Vec::new();
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                return Err(err("missing closing ]", &self.src[start..]));
            };
            if c == ']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            let item_start = self.pos();
            if c == '['
                && let Some(end) = self.rest().strip_prefix("[:").and_then(|r| r.find(":]"))
            {
                let name = &self.rest()[2..2 + end];
                let (neg, bare) = name.strip_prefix('^').map_or((false, name), |n| (true, n));
                const NAMES: [&str; 14] = [
                    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower",
                    "print", "punct", "space", "upper", "word", "xdigit",
                ];
                let whole = &self.rest()[..end + 4];
                if !NAMES.contains(&bare) {
                    return Err(err("invalid character class range", whole));
                }
                items.push(format!("[{}[:{bare}:]]", if neg { "^" } else { "" }));
                self.i += whole.chars().count();
                continue;
            }
            let lo = if c == '\\' {
                self.escape(true)?
            } else {
                self.i += 1;
                Item::Char(c)
            };
            // a range?
            if matches!(lo, Item::Char(_))
                && self.peek() == Some('-')
                && self.chars.get(self.i + 1).is_some_and(|x| x.1 != ']')
            {
                self.i += 1;
                let hi = match self.peek() {
                    Some('\\') => {
                        let esc_start = self.pos();
                        match self.escape(true)? {
                            Item::Text(_) => {
                                return Err(err(
                                    "invalid escape sequence",
                                    &self.src[esc_start..self.pos()],
                                ));
                            }
                            ch => ch,
                        }
                    }
                    Some(h) => {
                        self.i += 1;
                        Item::Char(h)
                    }
                    None => return Err(err("missing closing ]", &self.src[start..])),
                };
                match (lo, hi) {
                    (Item::Char(a), Item::Char(b)) => {
                        if b < a {
                            return Err(err(
                                "invalid character class range",
                                &self.src[item_start..self.pos()],
                            ));
                        }
                        items.push(format!(
                            "\\x{{{:x}}}-\\x{{{:x}}}",
                            u32::from(a),
                            u32::from(b)
                        ));
                    }
                    _ => {
                        return Err(err(
                            "invalid character class range",
                            &self.src[item_start..self.pos()],
                        ));
                    }
                }
                continue;
            }
            match lo {
                Item::Char(a) => items.push(format!("\\x{{{:x}}}", u32::from(a))),
                Item::Text(t) if t.starts_with('\\') => items.push(t),
                Item::Text(t) => items.push(format!("[{t}]")),
            }
        }
        self.out.push('[');
        if negate {
            self.out.push('^');
        }
        for it in items {
            self.out.push_str(&it);
        }
        self.out.push(']');
        Ok(())
    }

    fn translate(mut self) -> Result<GoRegex, String> {
        let mut depth = 0usize;
        // whether the last thing can take a repetition, and where the last repetition began
        let mut has_atom = false;
        let mut last_repeat: Option<usize> = None;
        while let Some(c) = self.peek() {
            let here = self.pos();
            let is_repeat =
                matches!(c, '*' | '+' | '?') || (c == '{' && self.repeat_braces().is_some());
            if is_repeat {
                let len = if c == '{' {
                    self.repeat_braces().map_or(1, |r| r.2)
                } else {
                    1
                };
                let (min, max) = if c == '{' {
                    self.repeat_braces().map_or((0, 0), |r| (r.0, r.1))
                } else {
                    (0, 0)
                };
                self.i += len;
                let mut op_end = self.pos();
                let lazy = self.peek() == Some('?');
                if lazy {
                    self.i += 1;
                    op_end = self.pos();
                }
                if let Some(lr) = last_repeat {
                    return Err(err(
                        "invalid nested repetition operator",
                        &self.src[lr..op_end],
                    ));
                }
                if !has_atom {
                    return Err(err(
                        "missing argument to repetition operator",
                        &self.src[here..op_end],
                    ));
                }
                if min > 1000 || max > 1000 || max >= 0 && max < min {
                    return Err(err(
                        "invalid repeat count",
                        &self.src[here..here + self.src[here..].find('}').map_or(0, |e| e + 1)],
                    ));
                }
                self.out.push_str(&self.src[here..op_end]);
                last_repeat = Some(here);
                continue;
            }
            last_repeat = None;
            match c {
                '(' => {
                    let rest = self.rest();
                    if let Some(after) = rest.strip_prefix("(?") {
                        let name_start = if after.starts_with("P<") {
                            Some(4)
                        } else if after.starts_with('<') {
                            Some(3)
                        } else {
                            None
                        };
                        if let Some(ns) = name_start {
                            let body = &rest[ns..];
                            let end = body
                                .find('>')
                                .ok_or_else(|| err("invalid named capture", rest))?;
                            let name = &body[..end];
                            if name.is_empty()
                                || !name.chars().all(|x| x.is_alphanumeric() || x == '_')
                            {
                                return Err(err("invalid named capture", &rest[..ns + end + 1]));
                            }
                            let rust_name = if self.names.iter().any(|n| n == name) {
                                format!("__go_dup{}", self.names.len())
                            } else {
                                name.to_string()
                            };
                            self.names.push(name.to_string());
                            self.out.push_str(&format!("(?P<{rust_name}>"));
                            self.i += rest[..ns + end + 1].chars().count();
                            depth += 1;
                            has_atom = false;
                            continue;
                        }
                        // flags
                        let mut j = 2;
                        let mut sign_seen = false;
                        let b = rest.as_bytes();
                        loop {
                            let Some(&f) = b.get(j) else {
                                return Err(err("missing closing )", self.src));
                            };
                            j += 1;
                            match f {
                                b'i' | b'm' | b's' | b'U' => {}
                                b'-' if !sign_seen => sign_seen = true,
                                b':' => {
                                    depth += 1;
                                    has_atom = false;
                                    break;
                                }
                                b')' => {
                                    has_atom = false;
                                    break;
                                }
                                _ => {
                                    let cut = rest[j - 1..]
                                        .chars()
                                        .next()
                                        .map_or(j, |ch| j - 1 + ch.len_utf8());
                                    return Err(err(
                                        "invalid or unsupported Perl syntax",
                                        &rest[..cut],
                                    ));
                                }
                            }
                        }
                        self.out.push_str(&rest[..j]);
                        self.i += rest[..j].chars().count();
                        continue;
                    }
                    self.names.push(String::new());
                    self.out.push('(');
                    self.i += 1;
                    depth += 1;
                    has_atom = false;
                }
                ')' => {
                    if depth == 0 {
                        return Err(err("unexpected )", self.src));
                    }
                    depth -= 1;
                    self.out.push(')');
                    self.i += 1;
                    has_atom = true;
                }
                '|' => {
                    self.out.push('|');
                    self.i += 1;
                    has_atom = false;
                }
                '^' | '$' | '.' => {
                    self.out.push(c);
                    self.i += 1;
                    has_atom = true;
                }
                '[' => {
                    self.class()?;
                    has_atom = true;
                }
                '\\' => {
                    if self.rest().starts_with("\\Q") {
                        self.i += 2;
                        let rest = self.rest();
                        let (lit, skip) = match rest.find("\\E") {
                            Some(e) => (&rest[..e], e + 2),
                            None => (rest, rest.len()),
                        };
                        for ch in lit.chars() {
                            push_lit(&mut self.out, ch);
                        }
                        self.i += rest[..skip].chars().count();
                        has_atom = !lit.is_empty() || has_atom;
                        continue;
                    }
                    match self.escape(false)? {
                        Item::Char(ch) => push_lit(&mut self.out, ch),
                        Item::Text(t)
                            if t.starts_with("(?-u")
                                || t.starts_with("\\p")
                                || t.starts_with("\\P") =>
                        {
                            self.out.push_str(&t)
                        }
                        Item::Text(t) => self.out.push_str(&format!("[{t}]")),
                    }
                    has_atom = true;
                }
                _ => {
                    push_lit(&mut self.out, c);
                    self.i += 1;
                    has_atom = true;
                }
            }
        }
        if depth > 0 {
            return Err(err("missing closing )", self.src));
        }
        let re = Regex::new(&self.out).map_err(|e| format!("error parsing regexp: {e}"))?;
        Ok(GoRegex {
            re,
            names: self.names,
        })
    }
}

/// Go's `regexp` quoting of a pattern in `MustCompile`'s panic.
fn go_quote_expr(s: &str) -> String {
    let backquotable = !s
        .chars()
        .any(|c| c == '`' || c == '\u{FEFF}' || (c.is_control() && c != '\t'));
    if backquotable {
        format!("`{s}`")
    } else {
        quote(s)
    }
}

impl GoRegex {
    /// `regexp.Compile`.
    pub(crate) fn compile(expr: &str) -> Result<GoRegex, String> {
        Translator::new(expr).translate()
    }

    /// `regexp.MustCompile`'s panic text on failure.
    pub(crate) fn must_compile(expr: &str) -> Result<GoRegex, String> {
        GoRegex::compile(expr).map_err(|e| format!("regexp: Compile({}): {e}", go_quote_expr(expr)))
    }

    /// Go's `allMatches` loop: match spans, `n < 0` for all, no empty match right after
    /// a previous match.
    fn all_matches(&self, s: &str, n: i64) -> Vec<(usize, usize)> {
        let limit = if n < 0 { usize::MAX } else { n as usize };
        let mut out = Vec::new();
        let mut pos = 0;
        let mut prev_end: Option<usize> = None;
        while out.len() < limit && pos <= s.len() {
            let Some(m) = self.re.find_at(s, pos) else {
                break;
            };
            let mut accept = true;
            if m.end() == pos {
                if Some(m.start()) == prev_end {
                    accept = false;
                }
                pos += s[pos..]
                    .chars()
                    .next()
                    .map_or(s.len() + 1 - pos, char::len_utf8);
            } else {
                pos = m.end();
            }
            prev_end = Some(m.end());
            if accept {
                out.push((m.start(), m.end()));
            }
        }
        out
    }

    /// Go's `Regexp.Expand` of `template` for the match `caps`.
    fn expand(&self, out: &mut String, template: &str, caps: &regex::Captures<'_>) {
        let group = |i: usize| caps.get(i).map_or("", |m| m.as_str());
        let mut t = template;
        while let Some(d) = t.find('$') {
            out.push_str(&t[..d]);
            t = &t[d + 1..];
            if let Some(rest) = t.strip_prefix('$') {
                out.push('$');
                t = rest;
                continue;
            }
            match extract(t) {
                None => out.push('$'),
                Some((name, num, rest)) => {
                    t = rest;
                    match num {
                        Some(k) => out.push_str(group(k)),
                        None => {
                            if let Some(i) = self.names.iter().position(|n| n == name) {
                                out.push_str(group(i));
                            }
                        }
                    }
                }
            }
        }
        out.push_str(t);
    }

    /// Go's `replaceAll` loop.
    fn replace_all(&self, src: &str, literal: bool, repl: &str) -> String {
        let mut out = String::new();
        let mut last_end = 0;
        let mut search = 0;
        while search <= src.len() {
            let Some(caps) = self.re.captures_at(src, search) else {
                break;
            };
            let Some(m) = caps.get(0) else { break };
            out.push_str(&src[last_end..m.start()]);
            if m.end() > last_end || m.start() == 0 {
                if literal {
                    out.push_str(repl);
                } else {
                    self.expand(&mut out, repl, &caps);
                }
            }
            last_end = m.end();
            let width = src[search..].chars().next().map_or(0, char::len_utf8);
            if search + width > m.end() {
                search += width;
            } else if search + 1 > m.end() {
                search += 1;
            } else {
                search = m.end();
            }
        }
        out.push_str(&src[last_end..]);
        out
    }

    /// Go's `Regexp.Split`.
    fn split(&self, s: &str, n: i64) -> Vec<String> {
        if n == 0 {
            return Vec::new();
        }
        if !self.re.as_str().is_empty() && s.is_empty() {
            return vec![String::new()];
        }
        let matches = self.all_matches(s, n);
        let mut out = Vec::new();
        let (mut beg, mut end) = (0, 0);
        for (a, b) in matches {
            if n > 0 && out.len() as i64 == n - 1 {
                break;
            }
            end = a;
            if b != 0 {
                out.push(s[beg..end].to_string());
            }
            beg = b;
        }
        if end != s.len() {
            out.push(s[beg..].to_string());
        }
        out
    }
}

/// Go's `extract` for `$name`/`${name}`: the name, its number when it is one, and the
/// rest of the template.
fn extract(t: &str) -> Option<(&str, Option<usize>, &str)> {
    let (brace, body) = match t.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, t),
    };
    let len: usize = body
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .map(char::len_utf8)
        .sum();
    if len == 0 {
        return None;
    }
    let name = &body[..len];
    let mut rest = &body[len..];
    if brace {
        rest = rest.strip_prefix('}')?;
    }
    let mut num: Option<usize> = Some(0);
    for b in name.bytes() {
        num = match num {
            Some(v) if b.is_ascii_digit() && v < 100_000_000 => {
                Some(v * 10 + usize::from(b - b'0'))
            }
            _ => None,
        };
    }
    if name.len() > 1 && name.starts_with('0') {
        num = None;
    }
    Some((name, num, rest))
}

/// `regexp.QuoteMeta`.
fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn args3(a: &[Value]) -> (&str, &str) {
    (
        a[0].as_str().unwrap_or_default(),
        a[1].as_str().unwrap_or_default(),
    )
}

fn int_arg(a: &[Value], i: usize) -> i64 {
    match a.get(i) {
        Some(Value::Int(n)) => *n,
        _ => 0,
    }
}

fn strings(v: Vec<String>) -> Value {
    Value::List(
        Rc::new(v.into_iter().map(Value::str).collect()),
        crate::value::ListType::String,
    )
}

pub(super) fn register(f: &mut Funcs) {
    f.insert(
        "regexMatch",
        Func::new(&[Ty::String, Ty::String], |a| {
            let (re, s) = args3(a);
            Ok(Value::Bool(
                GoRegex::compile(re).is_ok_and(|r| r.re.is_match(s)),
            ))
        }),
    );
    f.insert(
        "mustRegexMatch",
        Func::new(&[Ty::String, Ty::String], |a| {
            let (re, s) = args3(a);
            Ok(Value::Bool(GoRegex::compile(re)?.re.is_match(s)))
        }),
    );
    for (name, must) in [("regexFind", false), ("mustRegexFind", true)] {
        f.insert(
            name,
            Func::new(&[Ty::String, Ty::String], move |a| {
                let (re, s) = args3(a);
                let r = if must {
                    GoRegex::compile(re)?
                } else {
                    GoRegex::must_compile(re)?
                };
                Ok(Value::str(r.re.find(s).map_or("", |m| m.as_str())))
            }),
        );
    }
    for (name, must) in [("regexFindAll", false), ("mustRegexFindAll", true)] {
        f.insert(
            name,
            Func::new(&[Ty::String, Ty::String, Ty::Int], move |a| {
                let (re, s) = args3(a);
                let r = if must {
                    GoRegex::compile(re)?
                } else {
                    GoRegex::must_compile(re)?
                };
                let found = r
                    .all_matches(s, int_arg(a, 2))
                    .into_iter()
                    .map(|(x, y)| s[x..y].to_string())
                    .collect();
                Ok(strings(found))
            }),
        );
    }
    for (name, must, literal) in [
        ("regexReplaceAll", false, false),
        ("mustRegexReplaceAll", true, false),
        ("regexReplaceAllLiteral", false, true),
        ("mustRegexReplaceAllLiteral", true, true),
    ] {
        f.insert(
            name,
            Func::new(&[Ty::String, Ty::String, Ty::String], move |a| {
                let (re, s) = args3(a);
                let repl = a[2].as_str().unwrap_or_default();
                let r = if must {
                    GoRegex::compile(re)?
                } else {
                    GoRegex::must_compile(re)?
                };
                Ok(Value::str(r.replace_all(s, literal, repl)))
            }),
        );
    }
    for (name, must) in [("regexSplit", false), ("mustRegexSplit", true)] {
        f.insert(
            name,
            Func::new(&[Ty::String, Ty::String, Ty::Int], move |a| {
                let (re, s) = args3(a);
                let r = if must {
                    GoRegex::compile(re)?
                } else {
                    GoRegex::must_compile(re)?
                };
                Ok(strings(r.split(s, int_arg(a, 2))))
            }),
        );
    }
    f.insert(
        "regexQuoteMeta",
        Func::new(&[Ty::String], |a| {
            Ok(Value::str(quote_meta(a[0].as_str().unwrap_or_default())))
        }),
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::testutil::*;

    #[test]
    fn go_syntax_and_errors() {
        assert_eq!(show("regexMatch", &[s("\\d"), s("٣")]), "false");
        assert_eq!(show("regexMatch", &[s("\\w+"), s("é")]), "false");
        assert_eq!(show("regexMatch", &[s("\\s"), s("\u{a0}")]), "false");
        assert_eq!(show("regexMatch", &[s("^\\bé"), s("é")]), "false");
        assert_eq!(show("regexMatch", &[s("("), s("x")]), "false");
        assert_eq!(
            err("mustRegexMatch", &[s("("), s("x")]),
            "error parsing regexp: missing closing ): `(`"
        );
        assert_eq!(
            err("regexFind", &[s("["), s("abc")]),
            "regexp: Compile(`[`): error parsing regexp: missing closing ]: `[`"
        );
        assert_eq!(
            err("mustRegexFindAll", &[s(")"), s("a"), i(-1)]),
            "error parsing regexp: unexpected ): `)`"
        );
        assert_eq!(
            err("mustRegexFind", &[s("a)"), s("a")]),
            "error parsing regexp: unexpected ): `a)`"
        );
        assert_eq!(
            err("regexFind", &[s("a**"), s("a")]),
            "regexp: Compile(`a**`): error parsing regexp: invalid nested repetition operator: `**`"
        );
        assert_eq!(
            err("mustRegexFind", &[s("*a"), s("a")]),
            "error parsing regexp: missing argument to repetition operator: `*`"
        );
        assert_eq!(
            err("mustRegexFind", &[s("\\q"), s("a")]),
            "error parsing regexp: invalid escape sequence: `\\q`"
        );
        assert_eq!(
            err("mustRegexFind", &[s("\\1"), s("a")]),
            "error parsing regexp: invalid escape sequence: `\\1`"
        );
        assert_eq!(
            err("mustRegexFind", &[s("[z-a]"), s("a")]),
            "error parsing regexp: invalid character class range: `z-a`"
        );
        assert_eq!(
            err("mustRegexFind", &[s("a{1001}"), s("a")]),
            "error parsing regexp: invalid repeat count: `{1001}`"
        );
        assert_eq!(
            err("mustRegexFind", &[s("x(?=y)"), s("xy")]),
            "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"
        );
        assert_eq!(
            err("mustRegexFind", &[s("[[:foo:]]"), s("a")]),
            "error parsing regexp: invalid character class range: `[:foo:]`"
        );
        assert_eq!(
            err("regexFind", &[s("a\\"), s("a")]),
            "regexp: Compile(`a\\`): error parsing regexp: trailing backslash at end of expression: ``"
        );
        assert_eq!(show("mustRegexFind", &[s("a{2"), s("a{2")]), "a{2");
        assert_eq!(
            err("mustRegexFind", &[s("\\xé"), s("a")]),
            "error parsing regexp: invalid escape sequence: `\\xé`"
        );
        assert_eq!(
            err("mustRegexFind", &[s("[a-\\d]"), s("a")]),
            "error parsing regexp: invalid escape sequence: `\\d`"
        );
        assert_eq!(
            err("mustRegexFind", &[s("\\pX"), s("a")]),
            "error parsing regexp: invalid character class range: `\\pX`"
        );
        assert_eq!(
            err("mustRegexFind", &[s("a{2,1}"), s("a")]),
            "error parsing regexp: invalid repeat count: `{2,1}`"
        );
        assert_eq!(show("mustRegexFind", &[s("[\\d-z]+"), s("x1-z")]), "1-z");
        assert_eq!(
            show("mustRegexFind", &[s("(?P<n>a)(?P<n>b)"), s("ab")]),
            "ab"
        );
        assert_eq!(show("mustRegexFind", &[s("[a&&b~-]+"), s("&~-")]), "&~-");
    }

    #[test]
    fn matching_loops_follow_go() {
        assert_eq!(
            show("regexFindAll", &[s("a*"), s("baaac"), i(-1)]),
            "[ aaa ]"
        );
        assert_eq!(show("regexFindAll", &[s(""), s("abc"), i(-1)]), "[   ]");
        assert_eq!(
            show("regexFindAll", &[s("[0-9]+"), s("a1b22c333"), i(2)]),
            "[1 22]"
        );
        assert_eq!(
            show("regexFindAll", &[s("[0-9]+"), s("a1b22c333"), i(0)]),
            "[]"
        );
        assert_eq!(
            show("regexReplaceAll", &[s("a*"), s("baaac"), s("X")]),
            "XbXcX"
        );
        assert_eq!(
            show("regexReplaceAll", &[s("x*"), s("héllo"), s("-")]),
            "-h-é-l-l-o-"
        );
        assert_eq!(
            show(
                "regexReplaceAll",
                &[s("a(x*)b"), s("-ab-axxb-"), s("${1}W")]
            ),
            "-W-xxW-"
        );
        assert_eq!(
            show("regexReplaceAll", &[s("a(x*)b"), s("-ab-axxb-"), s("$1W")]),
            "---"
        );
        assert_eq!(
            show(
                "regexReplaceAll",
                &[s("(b)"), s("abc"), s("$2|$0|${1}|$10")]
            ),
            "a|b|b|c"
        );
        assert_eq!(
            show("regexReplaceAll", &[s("b"), s("abc"), s("${1")]),
            "a${1c"
        );
        assert_eq!(
            show("regexReplaceAll", &[s("(b)"), s("abc"), s("$01")]),
            "ac"
        );
        assert_eq!(show("regexReplaceAll", &[s("b"), s("abc"), s("$$")]), "a$c");
        assert_eq!(
            show(
                "regexReplaceAllLiteral",
                &[s("a(x*)b"), s("-ab-axxb-"), s("${1}")]
            ),
            "-${1}-${1}-"
        );
        assert_eq!(
            show("regexReplaceAll", &[s("\\s+"), s("a  b\t\nc"), s(" ")]),
            "a b c"
        );
        assert_eq!(
            show("regexReplaceAll", &[s("[\\s\\d]"), s("a 1\u{b}"), s("_")]),
            "a__\u{b}"
        );
        assert_eq!(
            show("regexFindAll", &[s("\\pL+"), s("été 12"), i(-1)]),
            "[été]"
        );
        assert_eq!(show("regexSplit", &[s("z+"), s("pizza"), i(-1)]), "[pi a]");
        assert_eq!(show("regexSplit", &[s("z+"), s("pizza"), i(1)]), "[pizza]");
        assert_eq!(show("regexSplit", &[s(""), s("abc"), i(-1)]), "[a b c]");
        assert_eq!(show("regexSplit", &[s("a*"), s("baaac"), i(-1)]), "[b c]");
        assert_eq!(show("regexSplit", &[s("^a"), s("aaa"), i(-1)]), "[ aa]");
        assert_eq!(
            show("regexQuoteMeta", &[s("a+b*c?(d)[e]{f}^$|\\")]),
            "a\\+b\\*c\\?\\(d\\)\\[e\\]\\{f\\}\\^\\$\\|\\\\"
        );
    }
}
