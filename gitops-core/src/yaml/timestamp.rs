//! go-yaml v3's unquoted timestamps, re-printed the way Go's `time.Time` marshals to JSON
//! (RFC 3339 with nanoseconds, trailing zeros trimmed).
//!
//! Accepted layouts (Go reference time): `2006-1-2T15:4:5.999999999Z07:00`, the same with a
//! lower-case `t`, `2006-1-2 15:4:5.999999999` (UTC) and `2006-1-2` (midnight UTC).

/// Parses `text` as a go-yaml timestamp and returns its RFC 3339 form, or `None`.
pub fn parse(text: &str) -> Option<String> {
    let b = text.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut p = Cursor { b, i: 5 };
    let year: u32 = text[..4].parse().ok()?;
    let month = p.number(1, 2)?;
    p.expect(b'-')?;
    let day = p.number(1, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if p.done() {
        return Some(format!("{year:04}-{month:02}-{day:02}T00:00:00Z"));
    }
    let separator = p.next()?;
    let zoned = match separator {
        b'T' | b't' => true,
        b' ' => false,
        _ => return None,
    };
    let hour = p.number(1, 2)?;
    p.expect(b':')?;
    let minute = p.number(1, 2)?;
    p.expect(b':')?;
    let second = p.number(1, 2)?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut fraction = String::new();
    if p.peek() == Some(b'.') {
        p.i += 1;
        let start = p.i;
        while p.peek().is_some_and(|c| c.is_ascii_digit()) {
            p.i += 1;
        }
        if p.i == start {
            return None;
        }
        fraction = text[start..p.i].chars().take(9).collect::<String>();
        fraction = fraction.trim_end_matches('0').to_string();
    }
    let zone = if zoned {
        match p.next()? {
            b'Z' => "Z".to_string(),
            sign @ (b'+' | b'-') => {
                let hh = p.fixed(2)?;
                p.expect(b':')?;
                let mm = p.fixed(2)?;
                if hh > 23 || mm > 59 {
                    return None;
                }
                if hh == 0 && mm == 0 {
                    "Z".to_string()
                } else {
                    format!("{}{hh:02}:{mm:02}", sign as char)
                }
            }
            _ => return None,
        }
    } else {
        "Z".to_string()
    };
    if !p.done() {
        return None;
    }
    let frac = if fraction.is_empty() { String::new() } else { format!(".{fraction}") };
    Some(format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{frac}{zone}"))
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn done(&self) -> bool {
        self.i >= self.b.len()
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }
    fn expect(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }
    /// Between `min` and `max` digits, as Go's non-padded layout elements read them.
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        while self.i - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if self.i - start < min {
            return None;
        }
        std::str::from_utf8(&self.b[start..self.i]).ok()?.parse().ok()
    }
    fn fixed(&mut self, n: usize) -> Option<u32> {
        let start = self.i;
        let v = self.number(n, n)?;
        (self.i - start == n).then_some(v)
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn rfc3339_like_kustomize() {
        assert_eq!(parse("2001-12-14").as_deref(), Some("2001-12-14T00:00:00Z"));
        assert_eq!(parse("2001-1-2").as_deref(), Some("2001-01-02T00:00:00Z"));
        assert_eq!(parse("2001-12-14 21:59:43.10").as_deref(), Some("2001-12-14T21:59:43.1Z"));
        assert_eq!(parse("2001-12-14t21:59:43.10-05:00").as_deref(), Some("2001-12-14T21:59:43.1-05:00"));
        assert_eq!(parse("2001-12-14T21:59:43.10Z").as_deref(), Some("2001-12-14T21:59:43.1Z"));
        assert_eq!(parse("2001-12-14T21:59:43+00:00").as_deref(), Some("2001-12-14T21:59:43Z"));
    }

    #[test]
    fn not_timestamps() {
        for t in ["2001-13-14", "2001-12-14T21:59", "2001-12-14 21:59:43.10 -5", "20011214", "2001-02-30", "2001-12-14T21:59:43"] {
            assert_eq!(parse(t), None, "{t}");
        }
    }
}
