//! Would go-yaml v2 read a plain scalar as something other than a string?
//!
//! This is the question `encode.go` `stringv` asks (through `resolve.go` `resolve` and
//! `isBase60Float`) before it allows a string to be written without quotes. The answers
//! follow v2's resolver, including its use of Go's `strconv.ParseInt`/`ParseUint`/`ParseFloat`
//! and `time.Parse` quirks.

/// Whether a string must be double-quoted because, written plain, v2 would resolve it to a
/// bool, null, int, float or timestamp, or because it looks like a YAML 1.1 base-60 float.
pub(super) fn needs_type_quotes(s: &str) -> bool {
    resolves_to_non_string(s) || is_base60_float(s)
}

/// v2 `resolve("", s)` returns a tag other than `!!str`.
fn resolves_to_non_string(s: &str) -> bool {
    let Some(&first) = s.as_bytes().first() else {
        return true; // "" is null
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => {
            is_resolve_map_word(s)
        }
        b'.' => is_resolve_map_word(s) || go_parse_float_ok(s),
        b'0'..=b'9' | b'+' | b'-' => is_resolve_map_word(s) || is_timestamp(s) || is_number(s),
        _ => false,
    }
}

/// The fixed words of v2's resolve table (bools, nulls, infinities and NaNs).
fn is_resolve_map_word(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "true"
            | "True"
            | "TRUE"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "false"
            | "False"
            | "FALSE"
            | "off"
            | "Off"
            | "OFF"
            | "~"
            | "null"
            | "Null"
            | "NULL"
            | ".nan"
            | ".NaN"
            | ".NAN"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
    )
}

/// The int/float branch of v2's resolver for strings starting with a digit or sign.
fn is_number(s: &str) -> bool {
    let plain: std::borrow::Cow<'_, str> = if s.contains('_') {
        s.replace('_', "").into()
    } else {
        s.into()
    };
    let p = plain.as_bytes();
    if parse_int(p, 0).is_some() || parse_uint(p, 0).is_some() {
        return true;
    }
    if is_yaml_style_float(p) && go_parse_float_ok(&plain) {
        return true;
    }
    if let Some(rest) = p.strip_prefix(b"0b") {
        return parse_int(rest, 2).is_some() || parse_uint(rest, 2).is_some();
    }
    if let Some(rest) = p.strip_prefix(b"-0b") {
        // ParseInt("-" + rest, 2): a second sign is a syntax error.
        return !rest.starts_with(b"+")
            && !rest.starts_with(b"-")
            && parse_uint(rest, 2).is_some_and(|n| n <= 1 << 63);
    }
    false
}

/// Go `strconv.ParseUint(s, base, 64)` succeeds (`base` 0 = detect `0b`/`0o`/`0x`/`0`).
/// Underscores never reach here (the resolver removed them).
fn parse_uint(s: &[u8], base: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let (base, digits) = if base != 0 {
        (base, s)
    } else if s[0] == b'0' {
        match s.get(1).map(u8::to_ascii_lowercase) {
            Some(b'b') if s.len() >= 3 => (2, &s[2..]),
            Some(b'o') if s.len() >= 3 => (8, &s[2..]),
            Some(b'x') if s.len() >= 3 => (16, &s[2..]),
            _ => (8, &s[1..]),
        }
    } else {
        (10, s)
    };
    let mut n: u64 = 0;
    for &c in digits {
        let d = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'a'..=b'z' | b'A'..=b'Z' => u32::from(c.to_ascii_lowercase() - b'a') + 10,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Go `strconv.ParseInt(s, base, 64)` succeeds.
fn parse_int(s: &[u8], base: u32) -> Option<i64> {
    let (negative, rest) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = parse_uint(rest, base)?;
    if negative {
        if magnitude <= 1 << 63 {
            Some(0i64.wrapping_sub_unsigned(magnitude))
        } else {
            None
        }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Matches `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_style_float(s: &[u8]) -> bool {
    let mut i = usize::from(matches!(s.first(), Some(b'-' | b'+')));
    let digits = |from: usize| {
        s[from.min(s.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    if s.get(i) == Some(&b'.') {
        let n = digits(i + 1);
        if n == 0 {
            return false;
        }
        i += 1 + n;
    } else {
        let n = digits(i);
        if n == 0 {
            return false;
        }
        i += n;
        if s.get(i) == Some(&b'.') {
            i += 1 + digits(i + 1);
        }
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let n = digits(i);
        if n == 0 {
            return false;
        }
        i += n;
    }
    i == s.len()
}

/// Go `strconv.ParseFloat(s, 64)` succeeds for a decimal literal: syntax (with Go's
/// underscore rule) and no overflow to infinity. Only called for strings starting with `.`
/// or matching the YAML float pattern, so Go's `inf`/`nan`/hex forms cannot occur.
fn go_parse_float_ok(s: &str) -> bool {
    if s.contains('_') {
        if !underscore_ok(s.as_bytes()) {
            return false;
        }
        return s.replace('_', "").parse::<f64>().is_ok_and(f64::is_finite);
    }
    // Rust accepts the same decimal grammar; it has no range error, Go does.
    s.bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
        && s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Go's `strconv.underscoreOK`: underscores only between digits (or after a base prefix).
fn underscore_ok(s: &[u8]) -> bool {
    let s = match s.first() {
        Some(b'-' | b'+') => &s[1..],
        _ => s,
    };
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1].eq_ignore_ascii_case(&b'x');
    }
    for &c in &s[i..] {
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
    }
    saw != b'_'
}

/// Matches v2's base-60 pattern `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
pub(super) fn is_base60_float(s: &str) -> bool {
    let s = s.as_bytes();
    let mut i = usize::from(matches!(s.first(), Some(b'-' | b'+')));
    if !s.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    i += 1;
    while s.get(i).is_some_and(|&c| c.is_ascii_digit() || c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while s.get(i) == Some(&b':') {
        let run = s[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        let ok = run == 1 || (run == 2 && s[i + 1] <= b'5');
        if !ok {
            return false;
        }
        i += 1 + run;
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if s.get(i) == Some(&b'.') {
        i += 1;
        while s.get(i).is_some_and(|&c| c.is_ascii_digit() || c == b'_') {
            i += 1;
        }
    }
    i == s.len()
}

/// One element of a Go `time.Parse` layout.
#[derive(Clone, Copy)]
enum Part {
    /// `2006`
    Year,
    /// `1`
    Month,
    /// `2`
    Day,
    /// `15`
    Hour,
    /// `4`
    Minute,
    /// `5`
    Second,
    /// `.999999999`
    Fraction,
    /// `Z07:00`
    Zone,
    /// A literal byte (a space matches one or more spaces).
    Lit(u8),
}

use Part::{Day, Fraction, Hour, Lit, Minute, Month, Second, Year, Zone};

/// v2's `allowedTimestampFormats`, in order.
#[rustfmt::skip]
const LAYOUTS: [&[Part]; 4] = [
    &[Year, Lit(b'-'), Month, Lit(b'-'), Day, Lit(b'T'), Hour, Lit(b':'), Minute, Lit(b':'), Second, Fraction, Zone],
    &[Year, Lit(b'-'), Month, Lit(b'-'), Day, Lit(b't'), Hour, Lit(b':'), Minute, Lit(b':'), Second, Fraction, Zone],
    &[Year, Lit(b'-'), Month, Lit(b'-'), Day, Lit(b' '), Hour, Lit(b':'), Minute, Lit(b':'), Second, Fraction],
    &[Year, Lit(b'-'), Month, Lit(b'-'), Day],
];

/// v2 `parseTimestamp`: four digits and `-`, then one of the layouts parses.
pub(super) fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let lead = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if lead != 4 || b.get(4) != Some(&b'-') {
        return false;
    }
    LAYOUTS.iter().any(|layout| parses_as(b, layout))
}

/// Go `getnum(s, false)`: one or two digits.
fn getnum(s: &[u8]) -> Option<(u32, &[u8])> {
    let d0 = *s.first().filter(|c| c.is_ascii_digit())?;
    match s.get(1).filter(|c| c.is_ascii_digit()) {
        Some(&d1) => Some((u32::from(d0 - b'0') * 10 + u32::from(d1 - b'0'), &s[2..])),
        None => Some((u32::from(d0 - b'0'), &s[1..])),
    }
}

/// Go `time.Parse(layout, s)` succeeds.
fn parses_as(mut v: &[u8], layout: &[Part]) -> bool {
    let (mut year, mut month, mut day) = (0u32, 0u32, 0u32);
    for part in layout {
        match *part {
            Year => {
                if v.len() < 4 || !v[..4].iter().all(u8::is_ascii_digit) {
                    return false;
                }
                year = v[..4].iter().fold(0, |n, &c| n * 10 + u32::from(c - b'0'));
                v = &v[4..];
            }
            Lit(b' ') => {
                if v.first().is_some_and(|&c| c != b' ') {
                    return false;
                }
                while v.first() == Some(&b' ') {
                    v = &v[1..];
                }
            }
            Lit(c) => match v.split_first() {
                Some((&first, rest)) if first == c => v = rest,
                _ => return false,
            },
            Month | Day | Hour | Minute | Second => {
                let Some((n, rest)) = getnum(v) else {
                    return false;
                };
                let in_range = match *part {
                    Month => (1..=12).contains(&n),
                    Hour => n < 24,
                    Minute | Second => n < 60,
                    _ => true,
                };
                if !in_range {
                    return false;
                }
                match *part {
                    Month => month = n,
                    Day => day = n,
                    _ => {}
                }
                v = rest;
            }
            Fraction => {
                if v.len() >= 2 && matches!(v[0], b'.' | b',') && v[1].is_ascii_digit() {
                    let n = v[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    v = &v[1 + n..];
                }
            }
            Zone => match parse_zone(v) {
                Some(rest) => v = rest,
                None => return false,
            },
        }
    }
    v.is_empty() && day >= 1 && day <= days_in(month, year)
}

/// Go's `Z07:00` layout element: `Z`, or `±hh:mm` with hh ≤ 24 and mm ≤ 60.
fn parse_zone(v: &[u8]) -> Option<&[u8]> {
    if v.first() == Some(&b'Z') {
        return Some(&v[1..]);
    }
    if v.len() < 6 || v[3] != b':' || !matches!(v[0], b'+' | b'-') {
        return None;
    }
    let two = |a: u8, b: u8| {
        (a.is_ascii_digit() && b.is_ascii_digit())
            .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
    };
    let hours = two(v[1], v[2])?;
    let minutes = two(v[4], v[5])?;
    (hours <= 24 && minutes <= 60).then_some(&v[6..])
}

/// Days in `month` (1–12) of `year` (Gregorian).
fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}
