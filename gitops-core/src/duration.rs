//! Go's `time.Duration`: parsing (`time.ParseDuration`) and printing
//! (`Duration.String()`), so that `1m` reads back as `1m0s` exactly as Flux prints it.
//!
//! ```
//! use gitops_core::duration::Duration;
//!
//! let d: Duration = "90m".parse()?;
//! assert_eq!(d.to_string(), "1h30m0s");
//! assert_eq!("1.5s".parse::<Duration>()?.to_string(), "1.5s");
//! assert_eq!(Duration::from_std(std::time::Duration::from_millis(500)).to_string(), "500ms");
//! # Ok::<(), gitops_core::duration::ParseError>(())
//! ```

use std::fmt;
use std::str::FromStr;

/// A signed duration in nanoseconds, with Go's range (±292 years).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    nanos: i64,
}

const NANOSECOND: u64 = 1;
const MICROSECOND: u64 = 1_000 * NANOSECOND;
const MILLISECOND: u64 = 1_000 * MICROSECOND;
const SECOND: u64 = 1_000 * MILLISECOND;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;

/// Why a text is not a Go duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("time: {0}")]
pub struct ParseError(String);

impl ParseError {
    fn invalid(text: &str) -> Self {
        ParseError(format!("invalid duration \"{text}\""))
    }
}

impl Duration {
    /// A duration of `nanos` nanoseconds.
    pub const fn from_nanos(nanos: i64) -> Self {
        Duration { nanos }
    }

    /// A duration of whole seconds.
    pub const fn from_secs(secs: i64) -> Self {
        Duration {
            nanos: secs.saturating_mul(SECOND as i64),
        }
    }

    /// Converts a `std` duration, saturating at Go's maximum.
    pub fn from_std(d: std::time::Duration) -> Self {
        Duration {
            nanos: i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        }
    }

    /// The duration in nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.nanos
    }

    /// The `std` duration, or `None` when negative.
    pub fn to_std(self) -> Option<std::time::Duration> {
        u64::try_from(self.nanos)
            .ok()
            .map(std::time::Duration::from_nanos)
    }
}

impl FromStr for Duration {
    type Err = ParseError;

    /// Parses like Go's `time.ParseDuration`: an optionally signed sequence of decimal
    /// numbers with optional fraction and a unit (`ns`, `us`, `µs`, `μs`, `ms`, `s`, `m`, `h`).
    fn from_str(text: &str) -> Result<Self, ParseError> {
        let (negative, mut rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        if rest == "0" {
            return Ok(Duration::default());
        }
        if rest.is_empty() {
            return Err(ParseError::invalid(text));
        }
        let mut total: u64 = 0;
        while !rest.is_empty() {
            let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
            let (int_part, after) = rest.split_at(int_len);
            let (frac_part, after) = match after.strip_prefix('.') {
                Some(f) => {
                    let n = f.bytes().take_while(u8::is_ascii_digit).count();
                    f.split_at(n)
                }
                None => ("", after),
            };
            if int_part.is_empty() && frac_part.is_empty() {
                return Err(ParseError::invalid(text));
            }
            let unit_len = after
                .char_indices()
                .find(|(_, c)| *c == '.' || c.is_ascii_digit())
                .map_or(after.len(), |(i, _)| i);
            let (unit, after) = after.split_at(unit_len);
            let scale = match unit {
                "ns" => NANOSECOND,
                "us" | "µs" | "μs" => MICROSECOND,
                "ms" => MILLISECOND,
                "s" => SECOND,
                "m" => MINUTE,
                "h" => HOUR,
                "" => return Err(ParseError(format!("missing unit in duration \"{text}\""))),
                _ => {
                    return Err(ParseError(format!(
                        "unknown unit \"{unit}\" in duration \"{text}\""
                    )));
                }
            };
            let overflow = || ParseError::invalid(text);
            let whole: u64 = if int_part.is_empty() {
                0
            } else {
                int_part.parse().map_err(|_| overflow())?
            };
            let mut value = whole.checked_mul(scale).ok_or_else(overflow)?;
            // Fraction: accumulate digits while they still matter, like Go.
            let mut frac_value: u64 = 0;
            let mut frac_scale: u64 = 1;
            for digit in frac_part.bytes() {
                if frac_scale > u64::MAX / 100 {
                    break;
                }
                frac_value = frac_value * 10 + u64::from(digit - b'0');
                frac_scale *= 10;
            }
            let frac_nanos = (frac_value as f64) * (scale as f64 / frac_scale as f64);
            value = value.checked_add(frac_nanos as u64).ok_or_else(overflow)?;
            total = total.checked_add(value).ok_or_else(overflow)?;
            rest = after;
        }
        let limit = if negative {
            1u64 << 63
        } else {
            (1u64 << 63) - 1
        };
        if total > limit {
            return Err(ParseError::invalid(text));
        }
        let nanos = if negative {
            (total as i128).wrapping_neg() as i64
        } else {
            total as i64
        };
        Ok(Duration { nanos })
    }
}

impl fmt::Display for Duration {
    /// Prints like Go's `Duration.String()`: `1h30m0s`, `1.5s`, `500ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let negative = self.nanos < 0;
        let mut u = self.nanos.unsigned_abs();
        let sign = if negative { "-" } else { "" };
        if u < SECOND {
            if u == 0 {
                return f.write_str("0s");
            }
            let (unit, scale, prec) = if u < MICROSECOND {
                ("ns", 1, 0)
            } else if u < MILLISECOND {
                ("µs", MICROSECOND, 3)
            } else {
                ("ms", MILLISECOND, 6)
            };
            return write!(f, "{sign}{}{unit}", fraction(u, scale, prec));
        }
        let mut out = String::new();
        let hours = u / HOUR;
        u -= hours * HOUR;
        let minutes = u / MINUTE;
        u -= minutes * MINUTE;
        if hours > 0 {
            out.push_str(&format!("{hours}h"));
        }
        if hours > 0 || minutes > 0 {
            out.push_str(&format!("{minutes}m"));
        }
        out.push_str(&fraction(u, SECOND, 9));
        out.push('s');
        write!(f, "{sign}{out}")
    }
}

/// `value / scale` with up to `prec` fractional digits, trailing zeros removed.
fn fraction(value: u64, scale: u64, prec: usize) -> String {
    let whole = value / scale;
    let frac = value % scale;
    if frac == 0 || prec == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:0prec$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(input: &str) -> String {
        input
            .parse::<Duration>()
            .map(|d| d.to_string())
            .unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn prints_like_go() {
        for (input, want) in [
            ("1m", "1m0s"),
            ("30s", "30s"),
            ("90m", "1h30m0s"),
            ("1h", "1h0m0s"),
            ("5m", "5m0s"),
            ("60s", "1m0s"),
            ("1.5h", "1h30m0s"),
            ("500ms", "500ms"),
            ("1500ms", "1.5s"),
            ("1us", "1µs"),
            ("1.5µs", "1.5µs"),
            ("10ns", "10ns"),
            ("0", "0s"),
            ("0s", "0s"),
            ("-1m", "-1m0s"),
            ("2h45m30.5s", "2h45m30.5s"),
            ("100h", "100h0m0s"),
            ("1m30s", "1m30s"),
            ("+5s", "5s"),
            ("2562047h47m16.854775807s", "2562047h47m16.854775807s"),
        ] {
            assert_eq!(roundtrip(input), want, "{input}");
        }
    }

    #[test]
    fn rejects_like_go() {
        for (input, want) in [
            ("", "time: invalid duration \"\""),
            ("1", "time: missing unit in duration \"1\""),
            ("1x", "time: unknown unit \"x\" in duration \"1x\""),
            ("m", "time: invalid duration \"m\""),
            ("1m-", "time: unknown unit \"m-\" in duration \"1m-\""),
            ("-", "time: invalid duration \"-\""),
            ("3000000h", "time: invalid duration \"3000000h\""),
        ] {
            assert_eq!(roundtrip(input), want, "{input}");
        }
    }
}
