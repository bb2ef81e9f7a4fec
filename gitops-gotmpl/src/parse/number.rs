//! Number constants as Go's `parse.NumberNode` reads them (`strconv.ParseInt`,
//! `ParseUint` and `ParseFloat` with base prefixes and underscores).

use super::node::Number;
use super::unquote::unquote_char;

/// Parses the text of a number, character or complex constant.
pub(crate) fn parse_number(text: &str, is_char: bool, is_complex: bool) -> Result<Number, String> {
    let mut n = Number { text: text.to_string(), ..Number::default() };
    if is_char {
        let r = unquote_char(text)?;
        n.int = r as i64;
        n.uint = r as u64;
        n.float = r as u32 as f64;
        n.is_int = true;
        n.is_uint = true;
        n.is_float = true;
        return Ok(n);
    }
    if is_complex {
        // Complex constants parse in Go; this engine has no complex values.
        n.is_complex = true;
        return Ok(n);
    }
    if let Some(imag) = text.strip_suffix('i')
        && let Some(f) = parse_float(imag)
    {
        // An imaginary constant; Go simplifies 0i to the number 0.
        if f == 0.0 {
            n.is_float = true;
            n.is_int = true;
            n.is_uint = true;
        } else {
            n.is_complex = true;
        }
        return Ok(n);
    }
    if let Some(u) = parse_uint(text) {
        n.is_uint = true;
        n.uint = u;
    }
    if let Some(i) = parse_int(text) {
        n.is_int = true;
        n.int = i;
        if i == 0 {
            n.is_uint = true;
            n.uint = 0;
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float = n.int as f64;
    } else if n.is_uint {
        n.is_float = true;
        n.float = n.uint as f64;
    } else if let Some(f) = parse_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", crate::fmt::quote(text)));
        }
        n.is_float = true;
        n.float = f;
        if !n.is_int && f.fract() == 0.0 && (-9.223372036854776e18..9.223372036854776e18).contains(&f) {
            n.is_int = true;
            n.int = f as i64;
        }
        if !n.is_uint && f.fract() == 0.0 && (0.0..1.8446744073709552e19).contains(&f) {
            n.is_uint = true;
            n.uint = f as u64;
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!("illegal number syntax: {}", crate::fmt::quote(text)));
    }
    Ok(n)
}

/// Go's `underscoreOK`: underscores only between digits, or after a base prefix.
fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if !b.is_empty() && (b[0] == b'+' || b[0] == b'-') {
        i = 1;
    }
    let mut saw = b'^';
    let mut hex = false;
    if b.len() - i >= 2 && b[i] == b'0' && matches!(b[i + 1] | 0x20, b'b' | b'o' | b'x') {
        hex = b[i + 1] | 0x20 == b'x';
        i += 2;
        saw = b'0';
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

fn split_base(s: &str) -> (u32, &str, bool) {
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("0x") {
        (16, &s[2..], true)
    } else if lower.starts_with("0b") {
        (2, &s[2..], true)
    } else if lower.starts_with("0o") {
        (8, &s[2..], true)
    } else if s.len() > 1 && s.starts_with('0') {
        (8, &s[1..], true)
    } else {
        (10, s, false)
    }
}

fn parse_uint(s: &str) -> Option<u64> {
    if s.is_empty() || s.starts_with(['+', '-']) {
        return None;
    }
    let (base, digits, _) = split_base(s);
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let digits: String = digits.chars().filter(|c| *c != '_').collect();
    if digits.is_empty() {
        return None;
    }
    u64::from_str_radix(&digits, base).ok()
}

fn parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let u = parse_uint(body)?;
    if neg {
        if u > 1u64 << 63 {
            return None;
        }
        Some((u as i64).wrapping_neg())
    } else {
        i64::try_from(u).ok()
    }
}

fn parse_float(s: &str) -> Option<f64> {
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let clean: String = s.chars().filter(|c| *c != '_').collect();
    let (neg, body) = match clean.as_bytes().first() {
        Some(b'-') => (true, &clean[1..]),
        Some(b'+') => (false, &clean[1..]),
        _ => (false, clean.as_str()),
    };
    let v = if body.len() > 2 && body[..2].eq_ignore_ascii_case("0x") {
        parse_hex_float(&body[2..])?
    } else {
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            return None;
        }
        if !body.bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        body.parse::<f64>().ok()?
    };
    Some(if neg { -v } else { v })
}

fn parse_hex_float(s: &str) -> Option<f64> {
    let (mant, exp) = match s.find(['p', 'P']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => return None,
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int.chars() {
        v = v * 16.0 + c.to_digit(16)? as f64;
    }
    let mut scale = 1.0 / 16.0;
    for c in frac.chars() {
        v += c.to_digit(16)? as f64 * scale;
        scale /= 16.0;
    }
    Some(v * 2f64.powi(exp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_go_reads_them() {
        let n = parse_number("0x1F", false, false).unwrap_or_default();
        assert!(n.is_int && n.int == 31);
        let n = parse_number("1_000", false, false).unwrap_or_default();
        assert_eq!(n.int, 1000);
        let n = parse_number("0o17", false, false).unwrap_or_default();
        assert_eq!(n.int, 15);
        let n = parse_number("017", false, false).unwrap_or_default();
        assert_eq!(n.int, 15);
        let n = parse_number("0b101", false, false).unwrap_or_default();
        assert_eq!(n.int, 5);
        let n = parse_number("1e3", false, false).unwrap_or_default();
        assert!(n.is_int && n.int == 1000 && n.is_float);
        let n = parse_number("1.5", false, false).unwrap_or_default();
        assert!(!n.is_int && n.float == 1.5);
        let n = parse_number("-7", false, false).unwrap_or_default();
        assert!(n.is_int && !n.is_uint && n.int == -7);
        let n = parse_number("0x1p4", false, false).unwrap_or_default();
        assert_eq!(n.float, 16.0);
        assert_eq!(parse_number("089", false, false).err().as_deref(), Some("integer overflow: \"089\""));
        assert_eq!(parse_number("1__0", false, false).err().as_deref(), Some("illegal number syntax: \"1__0\""));
        let n = parse_number("18446744073709551615", false, false).unwrap_or_default();
        assert!(n.is_uint && !n.is_int);
    }
}
