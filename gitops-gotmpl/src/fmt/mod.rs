//! Go's `fmt` as templates use it: `%v` printing of every value (what an action prints,
//! what `print`, `toString` and Sprig's string conversions produce).
//!
//! Floats print in Go's shortest form with `%g`'s switch to an exponent at 1e+06 and
//! below 1e-04 (`1000000` → `1e+06`, `0.0001` → `0.0001`, `0.00001` → `1e-05`); maps
//! print as `map[k:v …]` with sorted keys, slices as `[a b]`, `[]byte` as its numbers,
//! nil as `<nil>`.
//!
//! [`sprintf`], [`sprint`] and [`sprintln`] are Go's `fmt.Sprintf`, `fmt.Sprint` and
//! `fmt.Sprintln` over [`Value`]s, with Go's verbs, flags and error forms
//! (`%!d(string=x)`, `%!(EXTRA …)`, `%!s(MISSING)`).

mod printf;

pub use printf::{go_syntax, sprint, sprintf, sprintln};

use crate::value::Value;

/// `fmt.Sprint`-style `%v` of one value.
pub fn format_value(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => out.push_str(&i.to_string()),
        Value::Uint64(u) => out.push_str(&u.to_string()),
        Value::Float(f) => out.push_str(&format_float_g(*f)),
        Value::String(s) => out.push_str(s),
        Value::Bytes(b) => {
            out.push('[');
            for (i, x) in b.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(&x.to_string());
            }
            out.push(']');
        }
        Value::List(items, _) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_value(out, x);
            }
            out.push(']');
        }
        Value::Map(m, _) => {
            out.push_str("map[");
            for (i, (k, x)) in m.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_value(out, x);
            }
            out.push(']');
        }
        Value::Object(o) => out.push_str(&o.format()),
    }
}

/// The shortest decimal digits of a finite, non-zero `f` (no sign) and the position of
/// the decimal point relative to them: `f = 0.d1d2… × 10^dp`.
pub fn shortest_digits(f: f64) -> (String, i32) {
    // Rust's `{:e}` prints the shortest round-tripping digits, as strconv does.
    let s = format!("{:e}", f.abs());
    let (mantissa, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    (digits, exp + 1)
}

/// `strconv.FormatFloat(f, 'g', -1, 64)` as `%v` uses it.
pub fn format_float_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let (digits, dp) = shortest_digits(f);
    let sign = if f < 0.0 { "-" } else { "" };
    let exp = dp - 1;
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    let nd = digits.len() as i32;
    let mut s = String::from(sign);
    if dp <= 0 {
        s.push_str("0.");
        s.push_str(&"0".repeat((-dp) as usize));
        s.push_str(&digits);
    } else if dp >= nd {
        s.push_str(&digits);
        s.push_str(&"0".repeat((dp - nd) as usize));
    } else {
        let (int, frac) = digits.split_at(dp as usize);
        s.push_str(int);
        s.push('.');
        s.push_str(frac);
    }
    s
}

/// `strconv.Quote`: a double-quoted Go string literal, escaping control characters,
/// non-printable characters and invalid UTF-8 as Go does.
pub fn quote(s: &str) -> String {
    quote_with(s, '"', false)
}

/// `strconv.QuoteToASCII`: like [`quote`] but every non-ASCII character is escaped.
pub fn quote_ascii(s: &str) -> String {
    quote_with(s, '"', true)
}

/// `strconv.QuoteRune` (and `QuoteRuneToASCII` when `ascii`).
pub fn quote_rune(c: char, ascii: bool) -> String {
    let mut buf = [0u8; 4];
    quote_with(c.encode_utf8(&mut buf), '\'', ascii)
}

fn quote_with(s: &str, q: char, ascii: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        if c == q || c == '\\' {
            out.push('\\');
            out.push(c);
            continue;
        }
        if ascii {
            if c.is_ascii() && is_go_print(c) {
                out.push(c);
                continue;
            }
        } else if is_go_print(c) {
            out.push(c);
            continue;
        }
        match c {
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push(q);
    out
}

/// Go's `strconv.IsPrint` (approximated with Rust's character classes: letters, marks,
/// numbers, punctuation, symbols and the ASCII space are printable).
pub fn is_go_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(c as u32, 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x206f | 0xfeff | 0xfff9..=0xfffb | 0xe000..=0xf8ff | 0xfffe | 0xffff | 0xd800..=0xdfff)
        || (0xf0000..=0x10ffff).contains(&(c as u32)))
}

/// `%#U` of a rune as Go's lexer prints it in errors: `U+0041 'A'` (without the quoted
/// character when it is not printable).
pub fn rune_u(c: char) -> String {
    if is_go_print(c) { format!("U+{:04X} '{}'", c as u32, c) } else { format!("U+{:04X}", c as u32) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Map;

    #[test]
    fn floats_print_as_go() {
        for (f, want) in [
            (1000000.0, "1e+06"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5, "1.5"),
            (-2.25e-7, "-2.25e-07"),
            (8080.0, "8080"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e21, "1e+21"),
            (3.0, "3"),
            (0.0, "0"),
            (f64::INFINITY, "+Inf"),
        ] {
            assert_eq!(format_float_g(f), want, "{f}");
        }
    }

    #[test]
    fn containers_print_as_go() {
        let mut m = Map::new();
        m.insert("b".into(), Value::list(vec![Value::Int(1), Value::str("x"), Value::Nil]));
        m.insert("a".into(), Value::Float(1e6));
        assert_eq!(format_value(&Value::map(m)), "map[a:1e+06 b:[1 x <nil>]]");
        assert_eq!(format_value(&Value::Bytes(b"hi".to_vec().into())), "[104 105]");
    }
}
