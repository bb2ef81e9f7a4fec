//! Sprig's conversions and arithmetic.
//!
//! Integer math converts every operand with cast's `ToInt64` (floats truncate, strings
//! parse, anything else is 0) and returns `int64` with Go's wrapping; division by zero is
//! Go's runtime error. The `…f` functions go through exact decimals (see
//! [`super::decimal`]) and return `float64`.

use crate::func::{Func, Funcs, Ty};
use crate::value::Value;

use super::conv::{ParseIntError, float_to_i64, parse_int, strval, to_float64, to_int64};
use super::decimal::Decimal;

const DIV_ZERO: &str = "runtime error: integer divide by zero";

/// Go's `math.Max`.
fn go_max(x: f64, y: f64) -> f64 {
    if x == f64::INFINITY || y == f64::INFINITY {
        return f64::INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { y } else { x };
    }
    if x > y { x } else { y }
}

/// Go's `math.Min`.
fn go_min(x: f64, y: f64) -> f64 {
    if x == f64::NEG_INFINITY || y == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { x } else { y };
    }
    if x < y { x } else { y }
}

/// `10^p` as Go's `math.Pow(10, p)` computes it for integral `p`.
fn pow10(p: i64) -> f64 {
    let p = p.clamp(-400, 400) as i32;
    if p >= 0 {
        10f64.powi(p)
    } else {
        1.0 / 10f64.powi(-p)
    }
}

/// Sprig's `round`: rounds up when the fraction of `val × 10^places` is at least
/// `round_on` (so negative halves round down, away from zero).
fn round(val: f64, places: i64, round_on: f64) -> f64 {
    let pow = pow10(places);
    let digit = pow * val;
    let frac = digit - digit.trunc();
    let r = if frac >= round_on {
        digit.ceil()
    } else {
        digit.floor()
    };
    r / pow
}

fn decimal_op(
    first: &Value,
    rest: &[Value],
    op: fn(&Decimal, &Decimal) -> Result<Decimal, String>,
) -> Result<Value, String> {
    let mut acc = Decimal::from_float(to_float64(first))?;
    for x in rest {
        acc = op(&acc, &Decimal::from_float(to_float64(x))?)?;
    }
    Ok(Value::Float(acc.to_float()))
}

fn int64(v: i64) -> Value {
    Value::Int64(v)
}

pub(super) fn register(f: &mut Funcs) {
    f.insert(
        "atoi",
        Func::new(&[Ty::String], |a| {
            let s = a[0].as_str().unwrap_or_default();
            let v = match parse_int(s, 10) {
                Ok(v) | Err(ParseIntError::Range(v)) => v,
                Err(ParseIntError::Syntax) => 0,
            };
            Ok(Value::Int(v))
        }),
    );
    f.insert(
        "int",
        Func::new(&[Ty::Any], |a| Ok(Value::Int(to_int64(&a[0])))),
    );
    f.insert(
        "int64",
        Func::new(&[Ty::Any], |a| Ok(int64(to_int64(&a[0])))),
    );
    f.insert(
        "float64",
        Func::new(&[Ty::Any], |a| Ok(Value::Float(to_float64(&a[0])))),
    );
    f.insert(
        "toDecimal",
        Func::new(&[Ty::Any], |a| {
            Ok(int64(parse_int(&strval(&a[0]), 8).unwrap_or(0)))
        }),
    );
    f.insert(
        "add1",
        Func::new(&[Ty::Any], |a| Ok(int64(to_int64(&a[0]).wrapping_add(1)))),
    );
    f.insert(
        "add",
        Func::variadic(&[], Ty::Any, |a| {
            Ok(int64(
                a.iter().fold(0i64, |acc, x| acc.wrapping_add(to_int64(x))),
            ))
        }),
    );
    f.insert(
        "sub",
        Func::new(&[Ty::Any, Ty::Any], |a| {
            Ok(int64(to_int64(&a[0]).wrapping_sub(to_int64(&a[1]))))
        }),
    );
    f.insert(
        "div",
        Func::new(&[Ty::Any, Ty::Any], |a| {
            let d = to_int64(&a[1]);
            if d == 0 {
                return Err(DIV_ZERO.into());
            }
            Ok(int64(to_int64(&a[0]).wrapping_div(d)))
        }),
    );
    f.insert(
        "mod",
        Func::new(&[Ty::Any, Ty::Any], |a| {
            let d = to_int64(&a[1]);
            if d == 0 {
                return Err(DIV_ZERO.into());
            }
            Ok(int64(to_int64(&a[0]).wrapping_rem(d)))
        }),
    );
    f.insert(
        "mul",
        Func::variadic(&[Ty::Any], Ty::Any, |a| {
            Ok(int64(a[1..].iter().fold(to_int64(&a[0]), |acc, x| {
                acc.wrapping_mul(to_int64(x))
            })))
        }),
    );
    let max = Func::variadic(&[Ty::Any], Ty::Any, |a| {
        Ok(int64(
            a[1..].iter().map(to_int64).fold(to_int64(&a[0]), i64::max),
        ))
    });
    f.insert("max", max.clone());
    f.insert("biggest", max);
    f.insert(
        "min",
        Func::variadic(&[Ty::Any], Ty::Any, |a| {
            Ok(int64(
                a[1..].iter().map(to_int64).fold(to_int64(&a[0]), i64::min),
            ))
        }),
    );
    f.insert(
        "maxf",
        Func::variadic(&[Ty::Any], Ty::Any, |a| {
            Ok(Value::Float(
                a[1..]
                    .iter()
                    .map(to_float64)
                    .fold(to_float64(&a[0]), go_max),
            ))
        }),
    );
    f.insert(
        "minf",
        Func::variadic(&[Ty::Any], Ty::Any, |a| {
            Ok(Value::Float(
                a[1..]
                    .iter()
                    .map(to_float64)
                    .fold(to_float64(&a[0]), go_min),
            ))
        }),
    );
    f.insert(
        "ceil",
        Func::new(&[Ty::Any], |a| Ok(Value::Float(to_float64(&a[0]).ceil()))),
    );
    f.insert(
        "floor",
        Func::new(&[Ty::Any], |a| Ok(Value::Float(to_float64(&a[0]).floor()))),
    );
    f.insert(
        "round",
        Func::variadic(&[Ty::Any, Ty::Int], Ty::Float64, |a| {
            let places = match a[1] {
                Value::Int(p) => p,
                _ => 0,
            };
            let on = match a.get(2) {
                Some(Value::Float(x)) => *x,
                _ => 0.5,
            };
            Ok(Value::Float(round(to_float64(&a[0]), places, on)))
        }),
    );
    f.insert(
        "add1f",
        Func::new(&[Ty::Any], |a| {
            decimal_op(&a[0], &[Value::Int(1)], |x, y| Ok(x.add(y)))
        }),
    );
    f.insert(
        "addf",
        Func::variadic(&[], Ty::Any, |a| {
            decimal_op(&Value::Float(0.0), a, |x, y| Ok(x.add(y)))
        }),
    );
    f.insert(
        "subf",
        Func::variadic(&[Ty::Any], Ty::Any, |a| {
            decimal_op(&a[0], &a[1..], |x, y| Ok(x.sub(y)))
        }),
    );
    f.insert(
        "mulf",
        Func::variadic(&[Ty::Any], Ty::Any, |a| {
            decimal_op(&a[0], &a[1..], |x, y| Ok(x.mul(y)))
        }),
    );
    f.insert(
        "divf",
        Func::variadic(&[Ty::Any], Ty::Any, |a| {
            decimal_op(&a[0], &a[1..], Decimal::div)
        }),
    );
    // keep float_to_i64 reachable for callers converting floats the Go way
    let _ = float_to_i64;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::testutil::*;
    use crate::value::Value;

    #[test]
    fn conversions() {
        assert_eq!(
            call("atoi", &[s("99999999999999999999")]).unwrap(),
            i(i64::MAX)
        );
        assert_eq!(call("atoi", &[s("0x10")]).unwrap(), i(0));
        assert_eq!(call("atoi", &[s("+7")]).unwrap(), i(7));
        assert_eq!(call("int", &[s("0o17")]).unwrap(), i(15));
        assert_eq!(call("int", &[f(-4.9)]).unwrap(), i(-4));
        assert_eq!(
            call("int64", &[s("9223372036854775808")]).unwrap(),
            Value::Int64(0)
        );
        assert_eq!(call("int64", &[f(1e19)]).unwrap(), Value::Int64(i64::MIN));
        assert_eq!(show("float64", &[s("12345678.9")]), "1.23456789e+07");
        assert_eq!(show("float64", &[s("1_000.5")]), "1000.5");
        assert_eq!(show("float64", &[s("inf")]), "+Inf");
        assert_eq!(call("toDecimal", &[s("0777")]).unwrap(), Value::Int64(511));
        assert_eq!(call("toDecimal", &[i(777)]).unwrap(), Value::Int64(511));
        assert_eq!(call("toDecimal", &[s("-17")]).unwrap(), Value::Int64(-15));
        assert_eq!(call("toDecimal", &[s("0o17")]).unwrap(), Value::Int64(0));
        assert_eq!(call("toDecimal", &[f(1.5)]).unwrap(), Value::Int64(0));
    }

    #[test]
    fn integer_math_is_int64_with_cast_conversions() {
        assert_eq!(call("add", &[i(1), i(2), i(3)]).unwrap(), Value::Int64(6));
        assert_eq!(call("add", &[]).unwrap(), Value::Int64(0));
        assert_eq!(call("add", &[f(1.9), f(1.9)]).unwrap(), Value::Int64(2));
        assert_eq!(call("add", &[s("x"), i(1)]).unwrap(), Value::Int64(1));
        assert_eq!(
            call("add", &[i(i64::MAX), i(1)]).unwrap(),
            Value::Int64(i64::MIN)
        );
        assert_eq!(call("div", &[i(-7), i(2)]).unwrap(), Value::Int64(-3));
        assert_eq!(
            err("div", &[i(7), i(0)]),
            "runtime error: integer divide by zero"
        );
        assert_eq!(
            err("mod", &[i(7), i(0)]),
            "runtime error: integer divide by zero"
        );
        assert_eq!(call("mod", &[i(-7), i(3)]).unwrap(), Value::Int64(-1));
        assert_eq!(
            call("mul", &[i(4294967296), i(4294967296)]).unwrap(),
            Value::Int64(0)
        );
        assert_eq!(call("max", &[f(1.9), f(1.2)]).unwrap(), Value::Int64(1));
        assert_eq!(call("min", &[s("x"), i(3)]).unwrap(), Value::Int64(0));
    }

    #[test]
    fn float_math() {
        assert_eq!(show("floor", &[f(1e6)]), "1e+06");
        assert_eq!(show("ceil", &[s("2.1")]), "3");
        assert_eq!(show("round", &[f(3.14259), i(2)]), "3.14");
        assert_eq!(show("round", &[f(-2.5), i(0)]), "-3");
        assert_eq!(show("round", &[f(123.5555), i(3), f(0.6)]), "123.555");
        assert_eq!(show("round", &[f(1234.5678), i(-2)]), "1200");
        assert_eq!(show("round", &[f(1.005), i(2)]), "1");
        assert_eq!(show("addf", &[f(0.1), f(0.2)]), "0.3");
        assert_eq!(show("addf", &[f(1.5), f(1e6)]), "1.0000015e+06");
        assert_eq!(show("subf", &[i(10), i(1), i(2), i(3)]), "4");
        assert_eq!(show("divf", &[i(100), i(3), i(3)]), "11.11111111111111");
        assert_eq!(err("divf", &[i(1), i(0)]), "decimal division by 0");
        assert_eq!(show("mulf", &[f(1.1), f(1.1), f(1.1)]), "1.331");
        assert_eq!(show("add1f", &[s("x")]), "1");
        assert_eq!(show("maxf", &[s("3.5"), i(2)]), "3.5");
        assert_eq!(show("minf", &[s("x"), i(2)]), "0");
    }
}
