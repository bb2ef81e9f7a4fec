//! The parts of Go's `strconv` and `time.Parse` that go-yaml's resolvers rely on, shared
//! by the reader ([`super::resolve`]) and the emitter's quoting decisions
//! ([`super::emit`]): integer and float syntax with Go's prefixes, underscores and range
//! errors, and the four timestamp layouts go-yaml tries.

/// Go `strconv.ParseUint(s, base, 64)` succeeds (`base` 0 = detect `0b`/`0o`/`0x`/`0`).
/// Underscores never reach here (the resolver removed them).
pub(crate) fn parse_uint(s: &[u8], base: u32) -> Option<u64> {
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
pub(crate) fn parse_int(s: &[u8], base: u32) -> Option<i64> {
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
pub(crate) fn is_yaml_style_float(s: &[u8]) -> bool {
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

/// Go `strconv.ParseFloat(s, 64)` for a decimal literal: `None` on a syntax error (with
/// Go's underscore rule) or an overflow to infinity. go-yaml only asks this of texts
/// starting with `.` or matching the YAML float pattern, so Go's `inf`/`nan`/hex forms
/// cannot occur.
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    let value = if s.contains('_') {
        if !underscore_ok(s.as_bytes()) {
            return None;
        }
        s.replace('_', "").parse::<f64>().ok()?
    } else {
        // Rust accepts the same decimal grammar; it has no range error, Go does.
        if !s
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            return None;
        }
        s.parse::<f64>().ok()?
    };
    value.is_finite().then_some(value)
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

/// A timestamp in one of go-yaml's layouts, as Go's `time.Parse` reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Timestamp {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    /// Fraction digits as written (Go keeps nine).
    fraction: String,
    /// Offset east of UTC in minutes; `None` when the layout has no zone (UTC).
    offset: Option<i32>,
}

impl Timestamp {
    /// The timestamp as Go's `time.Time` marshals to JSON (RFC 3339 with nanoseconds,
    /// trailing zeros trimmed, `Z` for a zero offset).
    pub(crate) fn to_rfc3339(&self) -> String {
        let Timestamp {
            year,
            month,
            day,
            hour,
            minute,
            second,
            ..
        } = *self;
        let digits: String = self.fraction.chars().take(9).collect();
        let digits = digits.trim_end_matches('0');
        let fraction = if digits.is_empty() {
            String::new()
        } else {
            format!(".{digits}")
        };
        let zone = match self.offset {
            None | Some(0) => "Z".to_string(),
            Some(m) => format!(
                "{}{:02}:{:02}",
                if m < 0 { '-' } else { '+' },
                m.abs() / 60,
                m.abs() % 60
            ),
        };
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}{zone}")
    }
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

/// go-yaml's `allowedTimestampFormats`, in order.
#[rustfmt::skip]
const LAYOUTS: [&[Part]; 4] = [
    &[Year, Lit(b'-'), Month, Lit(b'-'), Day, Lit(b'T'), Hour, Lit(b':'), Minute, Lit(b':'), Second, Fraction, Zone],
    &[Year, Lit(b'-'), Month, Lit(b'-'), Day, Lit(b't'), Hour, Lit(b':'), Minute, Lit(b':'), Second, Fraction, Zone],
    &[Year, Lit(b'-'), Month, Lit(b'-'), Day, Lit(b' '), Hour, Lit(b':'), Minute, Lit(b':'), Second, Fraction],
    &[Year, Lit(b'-'), Month, Lit(b'-'), Day],
];

/// go-yaml's `parseTimestamp`: four digits and `-`, then the first layout that parses.
pub(crate) fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    let lead = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if lead != 4 || b.get(4) != Some(&b'-') {
        return None;
    }
    LAYOUTS.iter().find_map(|layout| parse_layout(b, layout))
}

/// Go `getnum(s, false)`: one or two digits.
fn getnum(s: &[u8]) -> Option<(u32, &[u8])> {
    let d0 = *s.first().filter(|c| c.is_ascii_digit())?;
    match s.get(1).filter(|c| c.is_ascii_digit()) {
        Some(&d1) => Some((u32::from(d0 - b'0') * 10 + u32::from(d1 - b'0'), &s[2..])),
        None => Some((u32::from(d0 - b'0'), &s[1..])),
    }
}

/// Go `time.Parse(layout, s)`.
fn parse_layout(mut v: &[u8], layout: &[Part]) -> Option<Timestamp> {
    let mut t = Timestamp {
        year: 0,
        month: 0,
        day: 0,
        hour: 0,
        minute: 0,
        second: 0,
        fraction: String::new(),
        offset: None,
    };
    for part in layout {
        match *part {
            Year => {
                if v.len() < 4 || !v[..4].iter().all(u8::is_ascii_digit) {
                    return None;
                }
                t.year = v[..4].iter().fold(0, |n, &c| n * 10 + u32::from(c - b'0'));
                v = &v[4..];
            }
            Lit(b' ') => {
                if v.first().is_some_and(|&c| c != b' ') {
                    return None;
                }
                while v.first() == Some(&b' ') {
                    v = &v[1..];
                }
            }
            Lit(c) => match v.split_first() {
                Some((&first, rest)) if first == c => v = rest,
                _ => return None,
            },
            Month | Day | Hour | Minute | Second => {
                let (n, rest) = getnum(v)?;
                let (slot, in_range) = match *part {
                    Month => (&mut t.month, (1..=12).contains(&n)),
                    Day => (&mut t.day, true),
                    Hour => (&mut t.hour, n < 24),
                    Minute => (&mut t.minute, n < 60),
                    _ => (&mut t.second, n < 60),
                };
                if !in_range {
                    return None;
                }
                *slot = n;
                v = rest;
            }
            Fraction => {
                if v.len() >= 2 && matches!(v[0], b'.' | b',') && v[1].is_ascii_digit() {
                    let n = v[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    t.fraction = String::from_utf8_lossy(&v[1..1 + n]).into_owned();
                    v = &v[1 + n..];
                }
            }
            Zone => {
                let (offset, rest) = parse_zone(v)?;
                t.offset = Some(offset);
                v = rest;
            }
        }
    }
    (v.is_empty() && t.day >= 1 && t.day <= days_in(t.month, t.year)).then_some(t)
}

/// Go's `Z07:00` layout element: `Z`, or `±hh:mm` with hh ≤ 24 and mm ≤ 60. Returns the
/// offset in minutes east of UTC.
fn parse_zone(v: &[u8]) -> Option<(i32, &[u8])> {
    if v.first() == Some(&b'Z') {
        return Some((0, &v[1..]));
    }
    if v.len() < 6 || v[3] != b':' || !matches!(v[0], b'+' | b'-') {
        return None;
    }
    let two = |a: u8, b: u8| {
        (a.is_ascii_digit() && b.is_ascii_digit())
            .then(|| i32::from(a - b'0') * 10 + i32::from(b - b'0'))
    };
    let hours = two(v[1], v[2])?;
    let minutes = two(v[4], v[5])?;
    if hours > 24 || minutes > 60 {
        return None;
    }
    let offset = hours * 60 + minutes;
    Some((if v[0] == b'-' { -offset } else { offset }, &v[6..]))
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

#[cfg(test)]
mod tests {
    use super::parse_timestamp;

    fn rfc3339(s: &str) -> Option<String> {
        parse_timestamp(s).map(|t| t.to_rfc3339())
    }

    #[test]
    fn timestamps_marshal_like_go() {
        assert_eq!(
            rfc3339("2001-12-14").as_deref(),
            Some("2001-12-14T00:00:00Z")
        );
        assert_eq!(rfc3339("2001-1-2").as_deref(), Some("2001-01-02T00:00:00Z"));
        assert_eq!(
            rfc3339("2001-12-14 21:59:43.10").as_deref(),
            Some("2001-12-14T21:59:43.1Z")
        );
        assert_eq!(
            rfc3339("2001-12-14t21:59:43.10-05:00").as_deref(),
            Some("2001-12-14T21:59:43.1-05:00")
        );
        assert_eq!(
            rfc3339("2001-12-14T21:59:43.10Z").as_deref(),
            Some("2001-12-14T21:59:43.1Z")
        );
        assert_eq!(
            rfc3339("2001-12-14T21:59:43+00:00").as_deref(),
            Some("2001-12-14T21:59:43Z")
        );
    }

    #[test]
    fn not_timestamps() {
        for t in [
            "2001-13-14",
            "2001-12-14T21:59",
            "2001-12-14 21:59:43.10 -5",
            "20011214",
            "2001-02-30",
            "2001-12-14T21:59:43",
        ] {
            assert_eq!(parse_timestamp(t), None, "{t}");
        }
    }
}
