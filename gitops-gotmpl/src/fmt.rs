//! Go's `fmt` as templates use it: `%v` printing of every value (what an action prints,
//! what `print`, `toString` and Sprig's string conversions produce).
//!
//! Floats print in Go's shortest form with `%g`'s switch to an exponent at 1e+06 and
//! below 1e-04 (`1000000` → `1e+06`, `0.0001` → `0.0001`, `0.00001` → `1e-05`); maps
//! print as `map[k:v …]` with sorted keys, slices as `[a b]`, `[]byte` as its numbers,
//! nil as `<nil>`.

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
            for (i, (k, x)) in m.iter().enumerate() {
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
    if exp < -4 || exp >= 6 {
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
