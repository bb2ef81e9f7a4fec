//! Exact decimal numbers for the numeric keywords, and the number formatting of Go's
//! `golang.org/x/text/message` English printer that santhosh-tekuri/jsonschema's messages use
//! (`1,500`, `1.2345675×10⁰⁶`).

use std::cmp::Ordering;

/// A decimal number `±0.d₁d₂…dₙ × 10^exp`, digits without leading or trailing zeros
/// (zero has no digits). Go compares numbers as `big.Rat` built from their decimal text; for
/// decimal inputs this is the same exact comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dec {
    neg: bool,
    digits: Vec<u8>,
    exp: i64,
}

impl Dec {
    /// Parses JSON number text (also Rust's `{:e}` output). `None` for anything else.
    pub(crate) fn parse(text: &str) -> Option<Dec> {
        let t = text.trim();
        let (neg, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (mant, e) = match t.find(['e', 'E']) {
            Some(p) => (&t[..p], t[p + 1..].parse::<i64>().ok()?),
            None => (t, 0),
        };
        let (int, frac) = match mant.find('.') {
            Some(p) => (&mant[..p], &mant[p + 1..]),
            None => (mant, ""),
        };
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).map(|b| b - b'0').collect();
        let mut exp = i64::try_from(int.len()).ok()?.checked_add(e)?;
        while digits.first() == Some(&0) {
            digits.remove(0);
            exp = exp.saturating_sub(1);
        }
        while digits.last() == Some(&0) {
            digits.pop();
        }
        if digits.is_empty() {
            return Some(Dec {
                neg: false,
                digits,
                exp: 0,
            });
        }
        Some(Dec { neg, digits, exp })
    }

    /// The exact decimal value of the shortest text that round-trips `f` (Go's `%v`).
    pub(crate) fn from_f64(f: f64) -> Option<Dec> {
        if !f.is_finite() {
            return None;
        }
        Dec::parse(&format!("{f:e}"))
    }

    /// Whether this is a whole number.
    pub(crate) fn is_integer(&self) -> bool {
        self.digits.is_empty() || i64::try_from(self.digits.len()).is_ok_and(|n| n <= self.exp)
    }

    fn cmp_abs(&self, other: &Dec) -> Ordering {
        match (self.digits.is_empty(), other.digits.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        self.exp
            .cmp(&other.exp)
            .then_with(|| self.digits.cmp(&other.digits))
    }

    /// Whether `self / divisor` is a whole number (`multipleOf`). A zero divisor (which the
    /// metaschema rejects) never divides.
    pub(crate) fn is_multiple_of(&self, divisor: &Dec) -> bool {
        if divisor.digits.is_empty() {
            return false;
        }
        if self.digits.is_empty() {
            return true;
        }
        // a = A × 10^sa, b = B × 10^sb with A, B integers without trailing zeros.
        let sa = i128::from(self.exp) - self.digits.len() as i128;
        let sb = i128::from(divisor.exp) - divisor.digits.len() as i128;
        if sa < sb {
            // A / (B × 10^d): A has no factor 10, so never whole.
            return false;
        }
        if divisor.digits.len() > 36 {
            let q = self.to_f64() / divisor.to_f64();
            return q.is_finite() && q.fract() == 0.0;
        }
        let b: u128 = divisor
            .digits
            .iter()
            .fold(0u128, |acc, d| acc * 10 + u128::from(*d));
        let mut r: u128 = 0;
        for d in &self.digits {
            r = (r * 10 + u128::from(*d)) % b;
        }
        // 10^k ≡ 0 (mod b / gcd) needs k at most the count of 2s and 5s in b (< 128):
        // a remainder still there after that never vanishes.
        let mut shift = (sa - sb).min(256);
        while shift > 0 && r != 0 {
            r = (r * 10) % b;
            shift -= 1;
        }
        r == 0
    }

    /// The nearest `f64` (Go's `big.Rat.Float64`).
    pub(crate) fn to_f64(&self) -> f64 {
        if self.digits.is_empty() {
            return 0.0;
        }
        let s: String = self.digits.iter().map(|d| char::from(b'0' + d)).collect();
        let text = format!("{}0.{s}e{}", if self.neg { "-" } else { "" }, self.exp);
        text.parse::<f64>().unwrap_or(0.0)
    }
}

impl PartialOrd for Dec {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Dec {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.neg, other.neg) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_abs(other),
            (true, true) => other.cmp_abs(self),
        }
    }
}

/// Groups the digits of a whole number as `1,234,567`.
fn group(int_digits: &str) -> String {
    let n = int_digits.len();
    let mut out = String::with_capacity(n + n / 3);
    for (i, c) in int_digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `p.Sprintf("%d", n)` for a count.
pub(crate) fn fmt_count(n: usize) -> String {
    group(&n.to_string())
}

fn superscript(n: u64) -> String {
    let s = format!("{n:02}");
    s.chars()
        .map(|c| match c {
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            _ => '⁹',
        })
        .collect()
}

/// `p.Sprintf("%v", f)` with the English printer: shortest digits, scientific notation
/// (`1.5×10⁰⁶`, `1×10⁻⁰⁵`) when the exponent is below -4 or at least 6, grouped otherwise.
pub(crate) fn fmt_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "∞".to_string()
        } else {
            "-∞".to_string()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".to_string()
        } else {
            "0".to_string()
        };
    }
    let sign = if f < 0.0 { "-" } else { "" };
    let e = format!("{:e}", f.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    if !(-4..6).contains(&exp) {
        let mut m = digits[..1].to_string();
        if digits.len() > 1 {
            m.push('.');
            m.push_str(&digits[1..]);
        }
        let es = if exp < 0 {
            format!("⁻{}", superscript(exp.unsigned_abs()))
        } else {
            superscript(exp as u64)
        };
        return format!("{sign}{m}×10{es}");
    }
    // decimal layout
    let point = exp + 1; // digits before the decimal point
    let (int, frac) = if point <= 0 {
        (
            "0".to_string(),
            format!("{}{}", "0".repeat(point.unsigned_abs() as usize), digits),
        )
    } else {
        let p = point as usize;
        if digits.len() <= p {
            (
                format!("{digits}{}", "0".repeat(p - digits.len())),
                String::new(),
            )
        } else {
            (digits[..p].to_string(), digits[p..].to_string())
        }
    };
    if frac.is_empty() {
        format!("{sign}{}", group(&int))
    } else {
        format!("{sign}{}.{frac}", group(&int))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn printer_floats_match_helm() {
        assert_eq!(fmt_float(1500.0), "1,500");
        assert_eq!(fmt_float(1234567.5), "1.2345675×10⁰⁶");
        assert_eq!(fmt_float(1e-5), "1×10⁻⁰⁵");
        assert_eq!(fmt_float(0.0001), "0.0001");
        assert_eq!(fmt_float(1.2e-7), "1.2×10⁻⁰⁷");
        assert_eq!(fmt_float(1e23), "1×10²³");
        assert_eq!(fmt_float(1.5), "1.5");
        assert_eq!(fmt_float(-12345.25), "-12,345.25");
        assert_eq!(fmt_count(1234567), "1,234,567");
    }

    #[test]
    fn exact_decimal_arithmetic() {
        let d = |s: &str| Dec::parse(s).unwrap();
        assert!(d("0.3").is_multiple_of(&d("0.1")));
        assert!(!d("0.35").is_multiple_of(&d("0.1")));
        assert!(!d("1e300").is_multiple_of(&d("7e299")));
        assert!(d("10").is_multiple_of(&d("2.5")));
        assert!(d("-1.5") < d("-1.4"));
        assert!(d("1e3") == d("1000.0"));
        assert!(d("2.0").is_integer());
        assert!(!d("2.5").is_integer());
        assert_eq!(Dec::from_f64(0.1), Some(d("0.1")));
    }
}
