//! Protobuf wire primitives and the time/duration text formats of apimachinery.

/// Reads protobuf wire data; every failure is a plain reason string.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// A decoded field value before its schema type is applied.
pub(crate) enum Wire<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub(crate) fn done(&self) -> bool {
        self.pos >= self.buf.len()
    }

    pub(crate) fn varint(&mut self) -> Result<u64, String> {
        let mut out: u64 = 0;
        for i in 0..10 {
            let b = *self
                .buf
                .get(self.pos)
                .ok_or_else(|| "truncated varint".to_string())?;
            self.pos += 1;
            out |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(out);
            }
        }
        Err("varint longer than 10 bytes".into())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.buf.len());
        let end =
            end.ok_or_else(|| format!("field of {n} bytes runs past the end of the message"))?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// Next field: (field number, value).
    pub(crate) fn field(&mut self) -> Result<(u32, Wire<'a>), String> {
        let key = self.varint()?;
        let tag =
            u32::try_from(key >> 3).map_err(|_| format!("field number {} too large", key >> 3))?;
        if tag == 0 {
            return Err("field number 0".into());
        }
        let value = match key & 7 {
            0 => Wire::Varint(self.varint()?),
            1 => {
                let b = self.take(8)?;
                Wire::Fixed64(u64::from_le_bytes(
                    b.try_into().map_err(|_| "short fixed64".to_string())?,
                ))
            }
            2 => {
                let n =
                    usize::try_from(self.varint()?).map_err(|_| "length too large".to_string())?;
                Wire::Bytes(self.take(n)?)
            }
            5 => {
                self.take(4)?;
                Wire::Fixed32
            }
            w => return Err(format!("unsupported wire type {w} for field {tag}")),
        };
        Ok((tag, value))
    }
}

/// Appends protobuf wire data.
#[derive(Default)]
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8 & 0x7f) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    pub(crate) fn key(&mut self, tag: u32, wire_type: u8) {
        self.varint((u64::from(tag) << 3) | u64::from(wire_type));
    }

    pub(crate) fn uint(&mut self, tag: u32, v: u64) {
        self.key(tag, 0);
        self.varint(v);
    }

    pub(crate) fn bytes(&mut self, tag: u32, b: &[u8]) {
        self.key(tag, 2);
        self.varint(b.len() as u64);
        self.buf.extend_from_slice(b);
    }

    pub(crate) fn fixed64(&mut self, tag: u32, v: u64) {
        self.key(tag, 1);
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian), after Howard Hinnant's algorithms.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Unix seconds (+ nanos) → `2006-01-02T15:04:05Z` (with `.000000` microseconds when `micro`).
pub(crate) fn format_time(seconds: i64, nanos: i32, micro: bool) -> Result<String, String> {
    if !(-62_135_596_800..=253_402_300_799).contains(&seconds) {
        return Err(format!("timestamp {seconds} is outside years 0001-9999"));
    }
    let (y, mo, d) = civil_from_days(seconds.div_euclid(86_400));
    let s = seconds.rem_euclid(86_400);
    let base = format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    );
    Ok(if micro {
        format!("{base}.{:06}Z", nanos.clamp(0, 999_999_999) / 1000)
    } else {
        format!("{base}Z")
    })
}

/// RFC 3339 (`Z` or `±hh:mm`, optional fraction) → (Unix seconds, nanos).
pub(crate) fn parse_time(text: &str) -> Option<(i64, i32)> {
    let b = text.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> { text.get(r)?.parse().ok() };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    let (y, mo, d, h, mi, s) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    let mut rest = &text[19..];
    let mut nanos = 0i32;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        let mut padded: String = frac[..digits].chars().take(9).collect();
        while padded.len() < 9 {
            padded.push('0');
        }
        nanos = padded.parse().ok()?;
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            sign * (rest.get(1..3)?.parse::<i64>().ok()? * 3600
                + rest.get(4..6)?.parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    Some((
        days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset,
        nanos,
    ))
}

/// Nanoseconds → Go's `time.Duration.String()` (`1h2m3s`, `1.5s`, `100ms`, `0s`).
pub(crate) fn format_duration(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".into();
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let n = nanos.unsigned_abs();
    let frac = |v: u64, unit: u64| -> String {
        let whole = v / unit;
        let rem = v % unit;
        if rem == 0 {
            return whole.to_string();
        }
        let width = unit.to_string().len() - 1;
        let f = format!("{rem:0width$}");
        format!("{whole}.{}", f.trim_end_matches('0'))
    };
    if n < 1_000 {
        return format!("{sign}{n}ns");
    }
    if n < 1_000_000 {
        return format!("{sign}{}µs", frac(n, 1_000));
    }
    if n < 1_000_000_000 {
        return format!("{sign}{}ms", frac(n, 1_000_000));
    }
    let (h, m) = (n / 3_600_000_000_000, n / 60_000_000_000 % 60);
    let s = frac(n % 60_000_000_000, 1_000_000_000);
    match (h, m) {
        (0, 0) => format!("{sign}{s}s"),
        (0, _) => format!("{sign}{m}m{s}s"),
        _ => format!("{sign}{h}h{m}m{s}s"),
    }
}

/// Go duration string (`1h2m3.5s`, `300ms`) → nanoseconds.
pub(crate) fn parse_duration(text: &str) -> Option<i64> {
    let (neg, mut rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest == "0" {
        return Some(0);
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let n = rest
            .bytes()
            .take_while(|c| c.is_ascii_digit() || *c == b'.')
            .count();
        let value: f64 = rest.get(..n)?.parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .chars()
            .take_while(|c| !c.is_ascii_digit() && *c != '.')
            .collect::<String>();
        rest = &rest[u.len()..];
        let scale = match u.as_str() {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += value * scale;
    }
    let v = total.round() as i64;
    Some(if neg { -v } else { v })
}
