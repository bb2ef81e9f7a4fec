//! Numbers as `sigs.k8s.io/yaml.Marshal` prints them.
//!
//! Go's `json.Marshal` writes the number, go-yaml v2 parses that JSON text back (an integer
//! text becomes an `int`/`uint64` when it fits, anything else a `float64`) and prints it:
//! integers in decimal, floats with `strconv.FormatFloat(f, 'g', -1, 64)`.

use std::fmt::Write as _;

/// Appends the YAML text of `n` to `out`.
pub(super) fn write_number(out: &mut String, n: &serde_json::Number) {
    if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(f) = n.as_f64() {
        write_float(out, f);
    } else {
        // Only reachable with serde_json's arbitrary precision: keep the text.
        out.push_str(&n.to_string());
    }
}

/// Shortest round-trip decimal digits of a finite float: sign, digits (no leading zeros,
/// `"0"` for zero) and the position of the decimal point relative to the digits.
struct Decimal {
    negative: bool,
    digits: String,
    point: i32,
}

impl Decimal {
    /// Decomposes `f` using Rust's shortest representation (the same digits as Go's).
    fn of(f: f64) -> Self {
        let sci = format!("{:e}", f.abs());
        let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        Decimal {
            negative: f.is_sign_negative(),
            digits,
            point: exponent + 1,
        }
    }

    /// Number of significant digits.
    fn len(&self) -> i32 {
        i32::try_from(self.digits.len()).unwrap_or(i32::MAX)
    }
}

/// Appends what the JSON → v2 round trip makes of the float `f`.
fn write_float(out: &mut String, f: f64) {
    if f == 0.0 || !f.is_finite() {
        // `0`/`-0` are integer texts; non-finite values cannot pass json.Marshal.
        out.push('0');
        return;
    }
    let d = Decimal::of(f);
    let json_uses_exponent = f.abs() < 1e-6 || f.abs() >= 1e21;
    if !json_uses_exponent && d.point >= d.len() && write_integer_text(out, &d) {
        return;
    }
    write_go_g(out, &d);
}

/// The JSON text is an integer (digits padded with zeros): v2 reads it as `int64` or
/// `uint64` when it fits. Returns false (writing nothing) when it does not.
fn write_integer_text(out: &mut String, d: &Decimal) -> bool {
    let zeros = usize::try_from(d.point - d.len()).unwrap_or(0);
    if d.digits.len() + zeros > 20 {
        return false;
    }
    let mut value: u128 = d.digits.parse().unwrap_or(u128::MAX);
    for _ in 0..zeros {
        value = value.saturating_mul(10);
    }
    let fits = if d.negative {
        value <= 1 << 63
    } else {
        value <= u128::from(u64::MAX)
    };
    if !fits {
        return false;
    }
    if d.negative {
        out.push('-');
    }
    out.push_str(&d.digits);
    out.extend(std::iter::repeat_n('0', zeros));
    true
}

/// Go `strconv.FormatFloat(f, 'g', -1, 64)`: exponent form iff the decimal exponent is
/// below -4 or at least 6 (`1e-05`, `1.2345675e+06`), plain decimal otherwise.
fn write_go_g(out: &mut String, d: &Decimal) {
    if d.negative {
        out.push('-');
    }
    let exponent = d.point - 1;
    let digits = d.digits.as_str();
    if !(-4..6).contains(&exponent) {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exponent.unsigned_abs());
    } else if d.point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', d.point.unsigned_abs() as usize));
        out.push_str(digits);
    } else if d.point >= d.len() {
        out.push_str(digits);
        out.extend(std::iter::repeat_n('0', (d.point - d.len()) as usize));
    } else {
        let (int, frac) = digits.split_at(d.point as usize);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    }
}
