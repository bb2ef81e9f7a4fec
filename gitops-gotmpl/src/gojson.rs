//! Go's `encoding/json` as template functions see it: `json.Marshal` (HTML-safe escapes,
//! Go's float format, sorted map keys), `MarshalIndent`, an encoder without HTML escaping,
//! and `json.Unmarshal` into `interface{}`, `map[string]interface{}` or `[]interface{}`
//! with Go's error messages (`invalid character 'x' looking for beginning of value`,
//! `unexpected end of JSON input`, `json: cannot unmarshal array into Go value of type …`).

use base64::Engine as _;

use crate::fmt::quote;
use crate::value::{Map, Value};

/// How to write JSON.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Escape `<`, `>` and `&` as `\u003c`… (`json.Marshal`; off for `SetEscapeHTML(false)`).
    pub escape_html: bool,
    /// `MarshalIndent(v, "", indent)` when set.
    pub indent: Option<&'static str>,
}

/// `json.Marshal`'s style.
pub const MARSHAL: Style = Style {
    escape_html: true,
    indent: None,
};

/// Marshals `v` as Go does; errors carry Go's message (`json: unsupported value: NaN`).
pub fn marshal(v: &Value, style: Style) -> Result<String, String> {
    let mut out = String::new();
    write(&mut out, v, style, 0)?;
    Ok(out)
}

/// A float as `encoding/json` writes it (`'f'` between 1e-6 and 1e21, otherwise `'e'`
/// with a short exponent: `1e+21`, `1e-7`).
pub fn format_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        match e.strip_prefix('-') {
            Some(neg) => format!("{m}e-{neg}"),
            None => format!("{m}e+{e:0>2}"),
        }
    } else if f == 0.0 {
        if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        }
    } else {
        format!("{f}")
    }
}

fn newline(out: &mut String, style: Style, depth: usize) {
    if let Some(ind) = style.indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(ind);
        }
    }
}

/// How deep `encoding/json` follows maps and slices before it reports a cycle (its
/// `startDetectingCyclesAfter`); deeper values are refused rather than overflowing the
/// stack (a map can hold itself: `set $d "self" $d`).
const MAX_DEPTH: usize = 1000;

fn write(out: &mut String, v: &Value, style: Style, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("json: unsupported value: encountered a cycle via {}", v.type_name()));
    }
    // A thousand levels do not fit every thread's stack (debug builds, 2 MiB test threads).
    stacker::maybe_grow(64 * 1024, 1 << 20, || write_value(out, v, style, depth))
}

fn write_value(out: &mut String, v: &Value, style: Style, depth: usize) -> Result<(), String> {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => out.push_str(&i.to_string()),
        Value::Uint64(u) => out.push_str(&u.to_string()),
        Value::Float(f) => {
            if !f.is_finite() {
                return Err(format!(
                    "json: unsupported value: {}",
                    crate::fmt::format_float_g(*f)
                ));
            }
            out.push_str(&format_float(*f));
        }
        Value::String(s) => write_string(out, s, style.escape_html),
        Value::Bytes(b) => write_string(
            out,
            &base64::engine::general_purpose::STANDARD.encode(b),
            style.escape_html,
        ),
        Value::List(items, _) => {
            out.push('[');
            if !items.is_empty() {
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, style, depth + 1);
                    write(out, x, style, depth + 1)?;
                }
                newline(out, style, depth);
            }
            out.push(']');
        }
        Value::Map(m, _) => {
            let entries: Vec<(String, Value)> = m
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            write_object(out, &entries, style, depth)?;
        }
        Value::Object(o) => match o.type_name() {
            "time.Time" => {
                let s = o.call(
                    "Format",
                    &[Value::str("2006-01-02T15:04:05.999999999Z07:00")],
                );
                match s {
                    Some(Ok(Value::String(s))) => write_string(out, &s, style.escape_html),
                    _ => write_string(out, &o.format(), style.escape_html),
                }
            }
            "sprig.certificate" => {
                let entries: Vec<(String, Value)> = ["Cert", "Key"]
                    .iter()
                    .map(|k| (k.to_string(), o.field(k).unwrap_or_default()))
                    .collect();
                write_object(out, &entries, style, depth)?;
            }
            _ => write_other_object(out, &**o, style, depth)?,
        },
    }
    Ok(())
}

/// An [`Object`](crate::value::Object) as `encoding/json` marshals it. Kept out of
/// [`write`] so that its stack frame stays small for deeply nested values.
#[inline(never)]
fn write_other_object(
    out: &mut String,
    o: &dyn crate::value::Object,
    style: Style,
    depth: usize,
) -> Result<(), String> {
    match o.json() {
        Some(crate::value::ObjectJson::Struct(fields)) => write_object(out, &fields, style, depth),
        Some(crate::value::ObjectJson::Value(v)) => write(out, &v, style, depth),
        None => {
            write_string(out, &o.format(), style.escape_html);
            Ok(())
        }
    }
}

fn write_object(
    out: &mut String,
    entries: &[(String, Value)],
    style: Style,
    depth: usize,
) -> Result<(), String> {
    out.push('{');
    if !entries.is_empty() {
        for (i, (k, x)) in entries.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            newline(out, style, depth + 1);
            write_string(out, k, style.escape_html);
            out.push(':');
            if style.indent.is_some() {
                out.push(' ');
            }
            write(out, x, style, depth + 1)?;
        }
        newline(out, style, depth);
    }
    out.push('}');
    Ok(())
}

/// A JSON string literal as Go writes it.
pub fn write_string(out: &mut String, s: &str, escape_html: bool) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' if escape_html => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xf] as char);
            }
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xf] as char);
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The Go type a JSON text is unmarshalled into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `interface{}`.
    Any,
    /// `map[string]interface {}`.
    Map,
    /// `[]interface {}`.
    List,
}

/// `json.Unmarshal(text, &target)`: the decoded value (numbers `float64`), or Go's error.
/// For [`Target::Map`] and [`Target::List`] a JSON `null` gives `Ok(Nil)` (Go sets the
/// target to a nil map or slice).
pub fn unmarshal(text: &str, target: Target) -> Result<Value, String> {
    match unmarshal_partial(text, target) {
        (v, None) => Ok(v),
        (_, Some(e)) => Err(e),
    }
}

/// Like [`unmarshal`], but also returns what Go leaves in the target when decoding fails
/// on a type error (`1e400` does not fit a `float64`: the key is kept with a nil value,
/// and decoding goes on), as Helm's `fromJson` shows it. Syntax errors leave nothing.
pub fn unmarshal_partial(text: &str, target: Target) -> (Value, Option<String>) {
    let mut p = Parser {
        b: text.as_bytes(),
        i: 0,
        type_err: None,
    };
    p.ws();
    let v = match p.value(0) {
        Ok(v) => v,
        Err(e) => return (Value::Nil, Some(e)),
    };
    p.ws();
    if p.i < p.b.len() {
        return (Value::Nil, Some(p.invalid("after top-level value")));
    }
    let kind = match &v {
        Value::Nil => return (Value::Nil, None),
        Value::Map(..) => "object",
        Value::List(..) => "array",
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        _ => "number",
    };
    let mismatch = match target {
        Target::Map if kind != "object" => Some(format!(
            "json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
        )),
        Target::List if kind != "array" => Some(format!(
            "json: cannot unmarshal {kind} into Go value of type []interface {{}}"
        )),
        _ => None,
    };
    match mismatch {
        Some(e) => (Value::Nil, Some(e)),
        None => (v, p.type_err),
    }
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    /// The first type error (Go's `saveError`): decoding goes on.
    type_err: Option<String>,
}

const EOF: &str = "unexpected end of JSON input";

/// Go's `quoteChar` for a byte of the input.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".into(),
        b'"' => "'\"'".into(),
        _ => {
            let q = quote(&char::from(c).to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn invalid(&self, context: &str) -> String {
        match self.b.get(self.i) {
            Some(&c) => format!("invalid character {} {context}", quote_char(c)),
            None => EOF.into(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > 10000 {
            return Err("exceeded max depth".into());
        }
        match self.peek() {
            None => Err(EOF.into()),
            Some(b'{') => {
                self.i += 1;
                let mut m = Map::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Value::map(m));
                }
                loop {
                    self.ws();
                    if self.peek() != Some(b'"') {
                        return Err(self.invalid("looking for beginning of object key string"));
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.peek() != Some(b':') {
                        return Err(self.invalid("after object key"));
                    }
                    self.i += 1;
                    self.ws();
                    let v = self.value(depth + 1)?;
                    m.insert(k, v);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Value::map(m));
                        }
                        _ => return Err(self.invalid("after object key:value pair")),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Value::list(items));
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Value::list(items));
                        }
                        _ => return Err(self.invalid("after array element")),
                    }
                }
            }
            Some(b'"') => Ok(Value::str(self.string()?)),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Nil),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.invalid("looking for beginning of value")),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, String> {
        for (k, &w) in word.as_bytes().iter().enumerate() {
            match self.peek() {
                Some(c) if c == w => self.i += 1,
                Some(_) if k > 0 => {
                    return Err(
                        self.invalid(&format!("in literal {word} (expecting {})", quote_char(w)))
                    );
                }
                _ => return Err(self.invalid("looking for beginning of value")),
            }
        }
        Ok(v)
    }

    fn digits(&mut self) -> usize {
        let s = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - s
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.invalid("in numeric literal"));
            }
        }
        if self.peek() == Some(b'0') {
            self.i += 1;
        } else {
            self.digits();
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.invalid("after decimal point in numeric literal"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.invalid("in exponent of numeric literal"));
            }
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).unwrap_or("0");
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => {
                if self.type_err.is_none() {
                    self.type_err = Some(format!(
                        "json: cannot unmarshal number {text} into Go value of type float64"
                    ));
                }
                Ok(Value::Nil)
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut n = 0u32;
        for _ in 0..4 {
            match self.peek().and_then(|c| char::from(c).to_digit(16)) {
                Some(d) => {
                    n = n * 16 + d;
                    self.i += 1;
                }
                None => return Err(self.invalid("in \\u hexadecimal character escape")),
            }
        }
        Ok(n)
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(EOF.into());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                b'\\' => {
                    self.i += 1;
                    let Some(e) = self.peek() else {
                        return Err(EOF.into());
                    };
                    let simple = match e {
                        b'"' => Some(b'"'),
                        b'\\' => Some(b'\\'),
                        b'/' => Some(b'/'),
                        b'b' => Some(8),
                        b'f' => Some(12),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'u' => None,
                        _ => return Err(self.invalid("in string escape code")),
                    };
                    self.i += 1;
                    if let Some(s) = simple {
                        out.push(s);
                        continue;
                    }
                    let mut r = self.hex4()?;
                    if (0xd800..0xdc00).contains(&r) {
                        // a surrogate pair, when a low surrogate escape follows
                        let save = self.i;
                        if self.b.get(self.i) == Some(&b'\\')
                            && self.b.get(self.i + 1) == Some(&b'u')
                        {
                            self.i += 2;
                            match self.hex4() {
                                Ok(lo) if (0xdc00..0xe000).contains(&lo) => {
                                    r = 0x10000 + ((r - 0xd800) << 10) + (lo - 0xdc00);
                                }
                                Ok(_) => {
                                    self.i = save;
                                    r = 0xfffd;
                                }
                                Err(e) => return Err(e),
                            }
                        } else {
                            r = 0xfffd;
                        }
                    }
                    let ch = char::from_u32(r).unwrap_or('\u{fffd}');
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                c if c < 0x20 => return Err(self.invalid("in string literal")),
                c => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn marshal_follows_encoding_json() {
        let v = Value::from_json(
            &serde_json::json!({"b": [1.5, 1e21, 1e-7, 100], "a": "<&>\u{2028}\n"}),
        );
        assert_eq!(
            marshal(&v, MARSHAL).unwrap(),
            r#"{"a":"\u003c\u0026\u003e\u2028\n","b":[1.5,1e+21,1e-7,100]}"#
        );
        assert_eq!(
            marshal(
                &v,
                Style {
                    escape_html: false,
                    indent: Some("  ")
                }
            )
            .unwrap(),
            "{\n  \"a\": \"<&>\\u2028\\n\",\n  \"b\": [\n    1.5,\n    1e+21,\n    1e-7,\n    100\n  ]\n}"
        );
        assert_eq!(
            marshal(&Value::Float(f64::NAN), MARSHAL).unwrap_err(),
            "json: unsupported value: NaN"
        );
        assert_eq!(format_float(123456789.0), "123456789");
        assert_eq!(format_float(0.000001), "0.000001");
    }

    #[test]
    fn unmarshal_errors_are_go_s() {
        assert_eq!(
            unmarshal("", Target::Any).unwrap_err(),
            "unexpected end of JSON input"
        );
        assert_eq!(
            unmarshal("x", Target::Any).unwrap_err(),
            "invalid character 'x' looking for beginning of value"
        );
        assert_eq!(
            unmarshal("{\"a\" 1}", Target::Map).unwrap_err(),
            "invalid character '1' after object key"
        );
        assert_eq!(
            unmarshal("[1 2]", Target::Map).unwrap_err(),
            "invalid character '2' after array element"
        );
        assert_eq!(
            unmarshal("tru", Target::Any).unwrap_err(),
            "unexpected end of JSON input"
        );
        assert_eq!(
            unmarshal("trx", Target::Any).unwrap_err(),
            "invalid character 'x' in literal true (expecting 'u')"
        );
        assert_eq!(
            unmarshal("[1]", Target::Map).unwrap_err(),
            "json: cannot unmarshal array into Go value of type map[string]interface {}"
        );
        assert_eq!(
            unmarshal("{} x", Target::Map).unwrap_err(),
            "invalid character 'x' after top-level value"
        );
        assert_eq!(
            unmarshal("\"\\ud83d\\ude00\"", Target::Any).unwrap(),
            Value::str("😀")
        );
    }
}
