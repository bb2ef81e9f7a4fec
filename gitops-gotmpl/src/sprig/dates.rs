//! Sprig's date functions: `now`, `date`, `dateInZone`/`date_in_zone`, `htmlDate`,
//! `htmlDateInZone`, `dateModify`/`date_modify`, `mustDateModify`/`must_date_modify`,
//! `ago`, `duration`, `durationRound`, `toDate`, `mustToDate`, `unixEpoch`.
//!
//! As in Sprig, `date` and friends accept a `time.Time`, an `int`, `int64` or `int32`
//! (seconds since the epoch) and use the current time for anything else (a `float64`
//! from a values file included); `duration` takes a string or an `int64` (an `int`
//! constant gives `0s`); an unknown zone name falls back to UTC.

use std::rc::Rc;

use super::gotime::{Location, Time, duration_string, parse_duration, parse_in_location};
use crate::func::{Func, Funcs, Ty};
use crate::value::Value;

/// A `time.Time` value.
pub fn time_value(t: Time) -> Value {
    Value::Object(Rc::new(t))
}

/// The `time.Time` held by `v`, rebuilt through its methods.
pub fn as_time(v: &Value) -> Option<Time> {
    let Value::Object(o) = v else { return None };
    if o.type_name() != "time.Time" {
        return None;
    }
    let int = |m: &str| match o.call(m, &[]) {
        Some(Ok(Value::Int64(i) | Value::Int(i))) => Some(i),
        _ => None,
    };
    let secs = int("Unix")?;
    let nanos = int("Nanosecond")? as u32;
    let name = match o.call("Location", &[]) {
        Some(Ok(Value::String(s))) => s.to_string(),
        _ => "UTC".into(),
    };
    let loc = match Location::load(&name) {
        Ok(l) => l,
        Err(_) => {
            let off = match o.call("Format", &[Value::str("-070000")]) {
                Some(Ok(Value::String(s))) => {
                    let sign = if s.starts_with('-') { -1 } else { 1 };
                    let n: i32 = s[1..].parse().unwrap_or(0);
                    sign * ((n / 10000) * 3600 + (n / 100 % 100) * 60 + n % 100)
                }
                _ => 0,
            };
            Location::fixed(&name, off)
        }
    };
    Some(Time {
        secs,
        nanos,
        loc,
        mono: None,
    })
}

/// Go's `time.Time` as a parameter type.
const TIME: Ty = Ty::Named("time.Time");

fn time_arg(v: &Value) -> Result<Time, String> {
    as_time(v).ok_or_else(|| {
        format!(
            "wrong type for value; expected time.Time; got {}",
            v.type_name()
        )
    })
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// Sprig's `dateInZone`.
pub fn date_in_zone(layout: &str, date: &Value, zone: &str) -> String {
    let t = match date {
        Value::Int(i) | Value::Int64(i) => Time::unix(*i),
        other => as_time(other).unwrap_or_else(Time::now),
    };
    let loc = Location::load(zone).unwrap_or_else(|_| Location::utc());
    t.in_loc(loc).format(layout)
}

/// Sprig's `durationRound` of a duration in nanoseconds.
pub fn duration_round(d: i64) -> String {
    let u = d.unsigned_abs();
    const HOUR: u64 = 3_600_000_000_000;
    let units: [(u64, &str); 6] = [
        (HOUR * 24 * 365, "y"),
        (HOUR * 24 * 30, "mo"),
        (HOUR * 24, "d"),
        (HOUR, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
    ];
    for (n, name) in units {
        if u > n {
            return format!("{}{name}", u / n);
        }
    }
    "0s".into()
}

/// Registers the functions of this module.
pub(super) fn register(f: &mut Funcs) {
    f.insert("now", Func::new(&[], |_| Ok(time_value(Time::now()))));
    f.insert(
        "date",
        Func::new(&[Ty::String, Ty::Any], |a| {
            Ok(Value::str(date_in_zone(s(&a[0]), &a[1], "Local")))
        }),
    );
    let in_zone = Func::new(&[Ty::String, Ty::Any, Ty::String], |a| {
        Ok(Value::str(date_in_zone(s(&a[0]), &a[1], s(&a[2]))))
    });
    f.insert("dateInZone", in_zone.clone());
    f.insert("date_in_zone", in_zone);
    f.insert(
        "htmlDate",
        Func::new(&[Ty::Any], |a| {
            Ok(Value::str(date_in_zone("2006-01-02", &a[0], "Local")))
        }),
    );
    f.insert(
        "htmlDateInZone",
        Func::new(&[Ty::Any, Ty::String], |a| {
            Ok(Value::str(date_in_zone("2006-01-02", &a[0], s(&a[1]))))
        }),
    );
    let modify = Func::new(&[Ty::String, TIME], |a| {
        let t = time_arg(&a[1])?;
        Ok(time_value(match parse_duration(s(&a[0])) {
            Ok(d) => t.add(d),
            Err(_) => t,
        }))
    });
    f.insert("dateModify", modify.clone());
    f.insert("date_modify", modify);
    let must_modify = Func::new(&[Ty::String, TIME], |a| {
        let t = time_arg(&a[1])?;
        parse_duration(s(&a[0])).map(|d| time_value(t.add(d)))
    });
    f.insert("mustDateModify", must_modify.clone());
    f.insert("must_date_modify", must_modify);
    f.insert(
        "ago",
        Func::new(&[Ty::Any], |a| {
            let t = match &a[0] {
                Value::Int(i) | Value::Int64(i) => Time::unix(*i),
                other => as_time(other).unwrap_or_else(Time::now),
            };
            let d = Time::now().sub(&t);
            // Round to the second, halves away from zero.
            let r = (i128::from(d) + if d < 0 { -500_000_000 } else { 500_000_000 })
                / 1_000_000_000
                * 1_000_000_000;
            Ok(Value::str(duration_string(
                r.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
            )))
        }),
    );
    f.insert(
        "duration",
        Func::new(&[Ty::Any], |a| {
            let n = match &a[0] {
                Value::String(x) => super::conv::parse_int(x, 10).unwrap_or(0),
                Value::Int64(i) => *i,
                _ => 0,
            };
            Ok(Value::str(duration_string(n.wrapping_mul(1_000_000_000))))
        }),
    );
    f.insert(
        "durationRound",
        Func::new(&[Ty::Any], |a| {
            let d = match &a[0] {
                Value::String(x) => parse_duration(x).unwrap_or(0),
                Value::Int64(i) => *i,
                other => as_time(other).map(|t| Time::now().sub(&t)).unwrap_or(0),
            };
            Ok(Value::str(duration_round(d)))
        }),
    );
    f.insert(
        "toDate",
        Func::new(&[Ty::String, Ty::String], |a| {
            Ok(time_value(
                parse_in_location(s(&a[0]), s(&a[1]), &Location::local())
                    .unwrap_or_else(|_| Time::zero()),
            ))
        }),
    );
    f.insert(
        "mustToDate",
        Func::new(&[Ty::String, Ty::String], |a| {
            parse_in_location(s(&a[0]), s(&a[1]), &Location::local()).map(time_value)
        }),
    );
    f.insert(
        "unixEpoch",
        Func::new(&[TIME], |a| {
            Ok(Value::str(time_arg(&a[0])?.secs.to_string()))
        }),
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::sprig::testutil::{call, s as st, show};

    #[test]
    fn dates_format_fixed_times() {
        assert_eq!(
            show(
                "dateInZone",
                &[
                    st("2006-01-02 15:04:05 MST"),
                    Value::Int(0),
                    st("Asia/Tokyo")
                ]
            ),
            "1970-01-01 09:00:00 JST"
        );
        assert_eq!(
            show(
                "dateInZone",
                &[st("15:04"), Value::Int64(3600), st("Nowhere/City")]
            ),
            "01:00"
        );
        let t = call("toDate", &[st("2006-01-02"), st("2024-03-01")]).unwrap();
        let m = call("dateModify", &[st("-24h"), t]).unwrap();
        assert_eq!(
            show("unixEpoch", std::slice::from_ref(&m)),
            (1_709_251_200i64 - 86400 - local_offset(1_709_251_200)).to_string()
        );
        assert_eq!(as_time(&m).unwrap().format("2006-01-02"), "2024-02-29");
    }

    fn local_offset(secs: i64) -> i64 {
        i64::from(Location::local().lookup(secs).0)
    }

    #[test]
    fn durations_follow_sprig() {
        assert_eq!(show("duration", &[Value::Int(95)]), "0s");
        assert_eq!(show("duration", &[st("95")]), "1m35s");
        assert_eq!(show("durationRound", &[st("2h10m")]), "2h");
        assert_eq!(show("durationRound", &[st("3600s")]), "60m");
        assert_eq!(
            show("durationRound", &[Value::Int64(-90_000_000_000_000_000)]),
            "2y"
        );
    }
}
