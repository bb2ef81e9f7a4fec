//! The slice of shopspring/decimal that Sprig's `addf`, `subf`, `mulf` and `divf` use:
//! each operand becomes the exact decimal of its shortest float representation
//! (`NewFromFloat`), additions and multiplications are exact, a division keeps 16
//! decimal places rounded half away from zero (`DivRound(d2, 16)`), and the result goes
//! back to the nearest `float64`.

use std::cmp::Ordering;

/// `mant × 10^exp`, with the mantissa as decimal digits, most significant first.
#[derive(Clone, Debug)]
pub(crate) struct Decimal {
    neg: bool,
    mant: Vec<u8>,
    exp: i64,
}

fn trim(mut d: Vec<u8>) -> Vec<u8> {
    let nz = d.iter().position(|x| *x != 0).unwrap_or(d.len());
    d.drain(..nz);
    d
}

fn cmp_mag(a: &[u8], b: &[u8]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn add_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
    let (mut i, mut j, mut carry) = (a.len(), b.len(), 0u8);
    while i > 0 || j > 0 || carry > 0 {
        let mut s = carry;
        if i > 0 {
            i -= 1;
            s += a[i];
        }
        if j > 0 {
            j -= 1;
            s += b[j];
        }
        out.push(s % 10);
        carry = s / 10;
    }
    out.reverse();
    trim(out)
}

/// `a - b` for `a >= b`.
fn sub_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len());
    let (mut i, mut j, mut borrow) = (a.len(), b.len(), 0i8);
    while i > 0 {
        i -= 1;
        let mut d = a[i] as i8 - borrow;
        if j > 0 {
            j -= 1;
            d -= b[j] as i8;
        }
        if d < 0 {
            d += 10;
            borrow = 1;
        } else {
            borrow = 0;
        }
        out.push(d as u8);
    }
    out.reverse();
    trim(out)
}

fn mul_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    let mut acc = vec![0u64; a.len() + b.len()];
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            acc[i + j + 1] += u64::from(*x) * u64::from(*y);
        }
    }
    for k in (1..acc.len()).rev() {
        let c = acc[k] / 10;
        acc[k] %= 10;
        acc[k - 1] += c;
    }
    trim(acc.into_iter().map(|x| x as u8).collect())
}

/// Truncating division of magnitudes: (quotient, remainder).
fn divmod_mag(a: &[u8], b: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut q = Vec::with_capacity(a.len());
    let mut r: Vec<u8> = Vec::new();
    for &d in a {
        r.push(d);
        r = trim(r);
        let mut qd = 0;
        while cmp_mag(&r, b) != Ordering::Less {
            r = sub_mag(&r, b);
            qd += 1;
        }
        q.push(qd);
    }
    (trim(q), r)
}

fn shift(m: &[u8], zeros: i64) -> Vec<u8> {
    let mut v = m.to_vec();
    if !v.is_empty() {
        v.extend(std::iter::repeat_n(0, zeros.max(0) as usize));
    }
    v
}

impl Decimal {
    /// `decimal.NewFromFloat`: the shortest decimal that reads back as `f`.
    pub(crate) fn from_float(f: f64) -> Result<Decimal, String> {
        if !f.is_finite() {
            let shown = if f.is_nan() {
                "NaN"
            } else if f > 0.0 {
                "+Inf"
            } else {
                "-Inf"
            };
            return Err(format!("Cannot create a Decimal from {shown}"));
        }
        // `{:e}` is the shortest round-trip form: "-1.2345e-7"
        let text = format!("{f:e}");
        let (m, e) = text.split_once('e').unwrap_or((&text, "0"));
        let neg = m.starts_with('-');
        let m = m.trim_start_matches('-');
        let (int, frac) = m.split_once('.').unwrap_or((m, ""));
        let mant: Vec<u8> = int.bytes().chain(frac.bytes()).map(|b| b - b'0').collect();
        let exp = e.parse::<i64>().unwrap_or(0) - frac.len() as i64;
        Ok(Decimal {
            neg,
            mant: trim(mant),
            exp,
        })
    }

    /// The nearest `float64` (Go parses the decimal's string form).
    pub(crate) fn to_float(&self) -> f64 {
        if self.mant.is_empty() {
            return 0.0;
        }
        let digits: String = self.mant.iter().map(|d| char::from(b'0' + d)).collect();
        let v: f64 = format!("{digits}e{}", self.exp).parse().unwrap_or(0.0);
        if self.neg { -v } else { v }
    }

    fn aligned(&self, other: &Decimal) -> (Vec<u8>, Vec<u8>, i64) {
        let e = self.exp.min(other.exp);
        (
            shift(&self.mant, self.exp - e),
            shift(&other.mant, other.exp - e),
            e,
        )
    }

    /// `d + o`.
    pub(crate) fn add(&self, o: &Decimal) -> Decimal {
        let (a, b, exp) = self.aligned(o);
        if self.neg == o.neg {
            return Decimal {
                neg: self.neg,
                mant: add_mag(&a, &b),
                exp,
            };
        }
        match cmp_mag(&a, &b) {
            Ordering::Less => Decimal {
                neg: o.neg,
                mant: sub_mag(&b, &a),
                exp,
            },
            _ => Decimal {
                neg: self.neg,
                mant: sub_mag(&a, &b),
                exp,
            },
        }
    }

    /// `d - o`.
    pub(crate) fn sub(&self, o: &Decimal) -> Decimal {
        let neg = Decimal {
            neg: !o.neg,
            ..o.clone()
        };
        self.add(&neg)
    }

    /// `d × o`.
    pub(crate) fn mul(&self, o: &Decimal) -> Decimal {
        Decimal {
            neg: self.neg != o.neg,
            mant: mul_mag(&self.mant, &o.mant),
            exp: self.exp + o.exp,
        }
    }

    /// `d.DivRound(o, 16)`: 16 decimal places, half away from zero.
    pub(crate) fn div(&self, o: &Decimal) -> Result<Decimal, String> {
        const PRECISION: i64 = 16;
        if o.mant.is_empty() {
            return Err("decimal division by 0".into());
        }
        let e = self.exp - o.exp + PRECISION;
        let (aa, bb) = if e < 0 {
            (self.mant.clone(), shift(&o.mant, -e))
        } else {
            (shift(&self.mant, e), o.mant.clone())
        };
        let (mut q, r) = divmod_mag(&aa, &bb);
        let twice = add_mag(&r, &r);
        if cmp_mag(&twice, &bb) != Ordering::Less {
            q = add_mag(&q, &[1]);
        }
        Ok(Decimal {
            neg: self.neg != o.neg,
            mant: q,
            exp: -PRECISION,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(f: f64) -> Decimal {
        Decimal::from_float(f).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn exact_decimal_arithmetic() {
        assert_eq!(d(0.1).add(&d(0.2)).to_float(), 0.3);
        assert_eq!(d(1.0).sub(&d(0.9)).to_float(), 0.1);
        assert_eq!(d(1.1).mul(&d(1.1)).mul(&d(1.1)).to_float(), 1.331);
        assert_eq!(d(1.5).add(&d(1e6)).to_float(), 1_000_001.5);
        assert_eq!(d(-2.5).add(&d(1.0)).to_float(), -1.5);
    }

    #[test]
    fn division_keeps_sixteen_places() {
        assert_eq!(d(1.0).div(&d(3.0)).unwrap().to_float(), 0.3333333333333333);
        assert_eq!(d(2.0).div(&d(3.0)).unwrap().to_float(), 0.6666666666666667);
        let third = d(100.0).div(&d(3.0)).unwrap();
        assert_eq!(third.div(&d(3.0)).unwrap().to_float(), 11.11111111111111);
        assert_eq!(d(1.0).div(&d(0.0)).unwrap_err(), "decimal division by 0");
        assert_eq!(
            Decimal::from_float(f64::NAN).unwrap_err(),
            "Cannot create a Decimal from NaN"
        );
    }
}
