//! Go's `encoding/json` `Marshal` of template values, for `toJson`, `mustToJson` and
//! `toPrettyJson`/`toRawJson`.
//!
//! What Go writes: map keys sorted; `<`, `>` and `&` escaped as `\u003c`, `\u003e`,
//! `\u0026` (unless HTML escaping is off, as in Sprig's `toRawJson`); U+2028 and U+2029
//! escaped; control characters as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`; `[]byte` as
//! base64; floats in the shortest form, with an exponent below 1e-6 and from 1e21 on
//! (`1e-07`, `1e+21`) and no `+`/leading zero cleanup beyond Go's (`1e-7`); NaN and
//! infinities are an error (`json: unsupported value: NaN`).

use crate::func::{Func, Funcs, Ty};
use crate::value::Value;

/// Sprig's and Helm's JSON writers: `toJson`, `toPrettyJson`, `toRawJson` (errors give
/// an empty string) and their `must` variants (errors fail the template).
pub fn funcs() -> Funcs {
    let mut f = Funcs::new();
    let variants = [
        ("Json", Options::default()),
        ("PrettyJson", Options { escape_html: true, indent: 2 }),
        ("RawJson", Options { escape_html: false, indent: 0 }),
    ];
    for (suffix, opts) in variants {
        f.insert(
            &format!("to{suffix}"),
            Func::new(&[Ty::Any], move |a| Ok(Value::str(marshal(&a[0], opts).unwrap_or_default()))),
        );
        f.insert(&format!("mustTo{suffix}"), Func::new(&[Ty::Any], move |a| marshal(&a[0], opts).map(Value::str)));
    }
    f
}

/// Options of [`marshal`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Escape `<`, `>` and `&` (Go's default, off in Sprig's `toRawJson`).
    pub escape_html: bool,
    /// Indent nested values with this many spaces (`json.MarshalIndent(v, "", "  ")` for
    /// `toPrettyJson`); compact when 0.
    pub indent: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options { escape_html: true, indent: 0 }
    }
}

/// Marshals `v` as Go's `json.Marshal` (with `opts`) does.
pub fn marshal(v: &Value, opts: Options) -> Result<String, String> {
    let mut out = String::new();
    write(&mut out, v, opts, 0)?;
    Ok(out)
}

fn newline(out: &mut String, opts: Options, depth: usize) {
    if opts.indent > 0 {
        out.push('\n');
        out.push_str(&" ".repeat(opts.indent * depth));
    }
}

fn write(out: &mut String, v: &Value, opts: Options, depth: usize) -> Result<(), String> {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => out.push_str(&i.to_string()),
        Value::Uint64(u) => out.push_str(&u.to_string()),
        Value::Float(f) => out.push_str(&float(*f)?),
        Value::String(s) => string(out, s, opts.escape_html),
        Value::Bytes(b) => {
            use base64::Engine as _;
            string(out, &base64::engine::general_purpose::STANDARD.encode(b), opts.escape_html);
        }
        Value::List(items, _) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, opts, depth + 1);
                write(out, x, opts, depth + 1)?;
            }
            if !items.is_empty() {
                newline(out, opts, depth);
            }
            out.push(']');
        }
        Value::Map(m, _) => {
            let m = m.borrow();
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, opts, depth + 1);
                string(out, k, opts.escape_html);
                out.push(':');
                if opts.indent > 0 {
                    out.push(' ');
                }
                write(out, x, opts, depth + 1)?;
            }
            if !m.is_empty() {
                newline(out, opts, depth);
            }
            out.push('}');
        }
        Value::Object(o) => string(out, &o.format(), opts.escape_html),
    }
    Ok(())
}

/// `encoding/json`'s float64 form.
pub fn float(f: f64) -> Result<String, String> {
    if !f.is_finite() {
        return Err(format!("json: unsupported value: {}", crate::fmt::format_float_g(f)));
    }
    if f == 0.0 {
        return Ok(if f.is_sign_negative() { "-0".into() } else { "0".into() });
    }
    let abs = f.abs();
    if (1e-6..1e21).contains(&abs) {
        // 'f' with the shortest digits.
        let (digits, dp) = crate::fmt::shortest_digits(f);
        let mut s = String::from(if f < 0.0 { "-" } else { "" });
        let nd = digits.len() as i32;
        if dp <= 0 {
            s.push_str("0.");
            s.push_str(&"0".repeat((-dp) as usize));
            s.push_str(&digits);
        } else if dp >= nd {
            s.push_str(&digits);
            s.push_str(&"0".repeat((dp - nd) as usize));
        } else {
            s.push_str(&digits[..dp as usize]);
            s.push('.');
            s.push_str(&digits[dp as usize..]);
        }
        return Ok(s);
    }
    // 'e' with the shortest digits, then Go's cleanup: e-07 → e-7.
    let (digits, dp) = crate::fmt::shortest_digits(f);
    let exp = dp - 1;
    let (first, rest) = digits.split_at(1);
    let frac = if rest.is_empty() { String::new() } else { format!(".{rest}") };
    let sign = if f < 0.0 { "-" } else { "" };
    let esign = if exp < 0 { '-' } else { '+' };
    let mut e = format!("{:02}", exp.abs());
    if exp < 0 && e.starts_with('0') {
        e.remove(0);
    }
    Ok(format!("{sign}{first}{frac}e{esign}{e}"))
}

fn string(out: &mut String, s: &str, escape_html: bool) {
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
            '<' | '>' | '&' if escape_html => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::value::Map;

    #[test]
    fn marshals_like_encoding_json() {
        let mut m = Map::new();
        m.insert("b".into(), Value::list(vec![Value::Float(1e6), Value::Float(0.5), Value::Nil]));
        m.insert("a".into(), Value::str("<x&y>\u{2028}\n\u{1}"));
        let v = Value::map(m);
        assert_eq!(
            marshal(&v, Options::default()).unwrap(),
            r#"{"a":"\u003cx\u0026y\u003e\u2028\n\u0001","b":[1000000,0.5,null]}"#
        );
        assert_eq!(
            marshal(&v, Options { escape_html: false, indent: 2 }).unwrap(),
            "{\n  \"a\": \"<x&y>\\u2028\\n\\u0001\",\n  \"b\": [\n    1000000,\n    0.5,\n    null\n  ]\n}"
        );
        for (f, want) in [(1e21, "1e+21"), (1e-7, "1e-7"), (1.5e-10, "1.5e-10"), (123456789.0, "123456789"), (-0.000001, "-0.000001")] {
            assert_eq!(float(f).unwrap(), want, "{f}");
        }
        assert_eq!(float(f64::NAN).unwrap_err(), "json: unsupported value: NaN");
        assert_eq!(marshal(&Value::map(Map::new()), Options { escape_html: true, indent: 2 }).unwrap(), "{}");
    }
}
