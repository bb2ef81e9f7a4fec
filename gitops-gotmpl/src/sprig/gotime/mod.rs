//! Go's `time` package as Sprig's date functions use it: `time.Time` values with a
//! location, `Format` and `Parse` with Go's reference layouts (`2006-01-02 15:04:05`),
//! `Duration.String` (`1h2m3s`, `1.5ms`) and `ParseDuration` with Go's messages.
//!
//! Zones come from the system's zoneinfo, as Go reads them (`time.LoadLocation`), through
//! jiff; `Local` is the system zone (`TZ`, `/etc/localtime`), UTC when there is none.

use std::rc::Rc;
use std::sync::OnceLock;
use std::time::Instant;

use jiff::tz::TimeZone;

mod duration;
mod parse;

pub use duration::{duration_string, parse_duration};
pub use parse::parse_in_location;

use crate::fmt::quote;
use crate::value::{Object, Value};

/// A Go location.
#[derive(Clone, Debug)]
pub struct Location {
    /// The name Go reports (`UTC`, `Local`, `Europe/Paris`, or a fixed zone's name).
    pub name: String,
    zone: Zone,
}

#[derive(Clone, Debug)]
enum Zone {
    Tz(TimeZone),
    Fixed(i32),
}

impl Location {
    /// `time.UTC`.
    pub fn utc() -> Location {
        Location {
            name: "UTC".into(),
            zone: Zone::Tz(TimeZone::UTC),
        }
    }

    /// `time.Local`.
    pub fn local() -> Location {
        Location {
            name: "Local".into(),
            zone: Zone::Tz(TimeZone::system()),
        }
    }

    /// `time.LoadLocation(name)`.
    pub fn load(name: &str) -> Result<Location, String> {
        match name {
            "" | "UTC" => Ok(Location::utc()),
            "Local" => Ok(Location::local()),
            _ => {
                if name.contains("..") || name.starts_with('/') || name.contains('\\') {
                    return Err(format!("time: invalid location name {}", quote(name)));
                }
                // Go opens the zoneinfo file by name: the lookup is case-sensitive.
                match TimeZone::get(name) {
                    Ok(tz) if tz.iana_name().is_none_or(|n| n == name) => Ok(Location {
                        name: name.into(),
                        zone: Zone::Tz(tz),
                    }),
                    _ => Err(format!("unknown time zone {name}")),
                }
            }
        }
    }

    /// `time.FixedZone(name, offset)`.
    pub fn fixed(name: &str, offset: i32) -> Location {
        Location {
            name: name.into(),
            zone: Zone::Fixed(offset),
        }
    }

    /// The offset east of UTC and the abbreviation in effect at unix second `secs`.
    pub fn lookup(&self, secs: i64) -> (i32, String) {
        match &self.zone {
            Zone::Fixed(o) => (*o, self.name.clone()),
            Zone::Tz(tz) => match jiff::Timestamp::from_second(secs) {
                Ok(ts) => {
                    let info = tz.to_offset_info(ts);
                    (info.offset().seconds(), info.abbreviation().to_string())
                }
                Err(_) => (0, "UTC".into()),
            },
        }
    }
}

/// A Go `time.Time`.
#[derive(Clone, Debug)]
pub struct Time {
    /// Seconds since the Unix epoch.
    pub secs: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
    /// The location it is displayed in.
    pub loc: Location,
    /// The monotonic clock reading in seconds since the process started (values from
    /// `now` and what is derived from them by `Add`), printed as ` m=+0.001`.
    pub mono: Option<f64>,
}

fn process_start() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in(m: i64, y: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Broken-down fields of a time in its location.
struct Fields {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    min: i64,
    sec: i64,
    wday: usize,
    yday: i64,
    offset: i32,
    abbr: String,
}

impl Time {
    /// `time.Now()` in `Local`, with a monotonic reading.
    pub fn now() -> Time {
        let start = process_start();
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Time {
            secs: d.as_secs() as i64,
            nanos: d.subsec_nanos(),
            loc: Location::local(),
            mono: Some(start.elapsed().as_secs_f64()),
        }
    }

    /// `time.Unix(secs, 0)` (in `Local`).
    pub fn unix(secs: i64) -> Time {
        Time {
            secs,
            nanos: 0,
            loc: Location::local(),
            mono: None,
        }
    }

    /// Go's zero `time.Time` (`0001-01-01 00:00:00 +0000 UTC`).
    pub fn zero() -> Time {
        Time {
            secs: days_from_civil(1, 1, 1) * 86400,
            nanos: 0,
            loc: Location::utc(),
            mono: None,
        }
    }

    /// `t.In(loc)`.
    pub fn in_loc(&self, loc: Location) -> Time {
        Time {
            loc,
            mono: self.mono,
            ..self.clone()
        }
    }

    /// `t.Add(d)` for a duration in nanoseconds.
    pub fn add(&self, d: i64) -> Time {
        let total = i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos) + i128::from(d);
        Time {
            secs: total.div_euclid(1_000_000_000) as i64,
            nanos: total.rem_euclid(1_000_000_000) as u32,
            loc: self.loc.clone(),
            mono: self.mono.map(|m| m + d as f64 / 1e9),
        }
    }

    /// Nanoseconds from `other` to `self`.
    pub fn sub(&self, other: &Time) -> i64 {
        let a = i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos);
        let b = i128::from(other.secs) * 1_000_000_000 + i128::from(other.nanos);
        (a - b).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    fn fields(&self) -> Fields {
        let (offset, abbr) = self.loc.lookup(self.secs);
        let local = self.secs + i64::from(offset);
        let days = local.div_euclid(86400);
        let rem = local.rem_euclid(86400);
        let (year, month, day) = civil_from_days(days);
        Fields {
            year,
            month,
            day,
            hour: rem / 3600,
            min: rem % 3600 / 60,
            sec: rem % 60,
            wday: (days + 4).rem_euclid(7) as usize,
            yday: days - days_from_civil(year, 1, 1) + 1,
            offset,
            abbr,
        }
    }

    /// `t.Format(layout)`.
    pub fn format(&self, layout: &str) -> String {
        let f = self.fields();
        let mut out = String::new();
        let mut rest = layout;
        while !rest.is_empty() {
            let (prefix, std, suffix) = next_std_chunk(rest);
            out.push_str(prefix);
            let Some(std) = std else { break };
            rest = suffix;
            match std {
                Std::Year => out.push_str(&format!("{:02}", f.year.rem_euclid(100))),
                Std::LongYear => out.push_str(&pad(f.year, 4)),
                Std::Month => out.push_str(&LONG_MONTHS[(f.month - 1) as usize][..3]),
                Std::LongMonth => out.push_str(LONG_MONTHS[(f.month - 1) as usize]),
                Std::NumMonth => out.push_str(&f.month.to_string()),
                Std::ZeroMonth => out.push_str(&format!("{:02}", f.month)),
                Std::WeekDay => out.push_str(&LONG_DAYS[f.wday][..3]),
                Std::LongWeekDay => out.push_str(LONG_DAYS[f.wday]),
                Std::Day => out.push_str(&f.day.to_string()),
                Std::UnderDay => out.push_str(&format!("{:>2}", f.day)),
                Std::ZeroDay => out.push_str(&format!("{:02}", f.day)),
                Std::UnderYearDay => out.push_str(&format!("{:>3}", f.yday)),
                Std::ZeroYearDay => out.push_str(&format!("{:03}", f.yday)),
                Std::Hour => out.push_str(&format!("{:02}", f.hour)),
                Std::Hour12 | Std::ZeroHour12 => {
                    let h = if f.hour % 12 == 0 { 12 } else { f.hour % 12 };
                    out.push_str(&if std == Std::Hour12 {
                        h.to_string()
                    } else {
                        format!("{h:02}")
                    });
                }
                Std::Minute => out.push_str(&f.min.to_string()),
                Std::ZeroMinute => out.push_str(&format!("{:02}", f.min)),
                Std::Second => out.push_str(&f.sec.to_string()),
                Std::ZeroSecond => out.push_str(&format!("{:02}", f.sec)),
                Std::PM => out.push_str(if f.hour >= 12 { "PM" } else { "AM" }),
                Std::Pm => out.push_str(if f.hour >= 12 { "pm" } else { "am" }),
                Std::Tz(kind) => {
                    if kind.iso && f.offset == 0 {
                        out.push('Z');
                    } else {
                        let mut z = f.offset;
                        out.push(if z < 0 { '-' } else { '+' });
                        z = z.abs();
                        out.push_str(&format!("{:02}", z / 3600));
                        if kind.parts >= 2 {
                            if kind.colon {
                                out.push(':');
                            }
                            out.push_str(&format!("{:02}", z % 3600 / 60));
                        }
                        if kind.parts >= 3 {
                            if kind.colon {
                                out.push(':');
                            }
                            out.push_str(&format!("{:02}", z % 60));
                        }
                    }
                }
                Std::TzName => {
                    if !f.abbr.is_empty() {
                        out.push_str(&f.abbr);
                    } else {
                        let z = f.offset / 60;
                        out.push(if z < 0 { '-' } else { '+' });
                        out.push_str(&format!("{:02}{:02}", z.abs() / 60, z.abs() % 60));
                    }
                }
                Std::Frac { sep, digits, trim } => {
                    let s = format!("{:09}", self.nanos);
                    let mut d = &s[..digits.min(9)];
                    if trim {
                        d = d.trim_end_matches('0');
                        if d.is_empty() {
                            continue;
                        }
                    }
                    out.push(sep);
                    out.push_str(d);
                }
            }
        }
        out
    }

    /// `t.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`, with ` m=±s.nnnnnnnnn`
    /// when the value has a monotonic reading.
    pub fn go_string(&self) -> String {
        let mut s = self.format("2006-01-02 15:04:05.999999999 -0700 MST");
        if let Some(m) = self.mono {
            s.push_str(&format!(
                " m={}{:.9}",
                if m < 0.0 { '-' } else { '+' },
                m.abs()
            ));
        }
        s
    }
}

fn pad(n: i64, width: usize) -> String {
    if n < 0 {
        format!("-{:0width$}", -n)
    } else {
        format!("{n:0width$}")
    }
}

impl Object for Time {
    fn type_name(&self) -> &str {
        "time.Time"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "Format"
                | "Unix"
                | "UnixNano"
                | "UnixMilli"
                | "UTC"
                | "Local"
                | "Year"
                | "Month"
                | "Day"
                | "Hour"
                | "Minute"
                | "Second"
                | "Nanosecond"
                | "Weekday"
                | "YearDay"
                | "IsZero"
                | "String"
                | "Location"
        )
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let f = || self.fields();
        Some(Ok(match (name, args) {
            ("Format", [Value::String(l)]) => Value::str(self.format(l)),
            ("Unix", []) => Value::Int64(self.secs),
            ("UnixMilli", []) => Value::Int64(self.secs * 1000 + i64::from(self.nanos / 1_000_000)),
            ("UnixNano", []) => Value::Int64(
                self.secs
                    .wrapping_mul(1_000_000_000)
                    .wrapping_add(i64::from(self.nanos)),
            ),
            ("UTC", []) => Value::Object(Rc::new(Time {
                mono: None,
                ..self.in_loc(Location::utc())
            })),
            ("Local", []) => Value::Object(Rc::new(Time {
                mono: None,
                ..self.in_loc(Location::local())
            })),
            ("Year", []) => Value::Int(f().year),
            ("Month", []) => Value::str(LONG_MONTHS[(f().month - 1) as usize]),
            ("Day", []) => Value::Int(f().day),
            ("Hour", []) => Value::Int(f().hour),
            ("Minute", []) => Value::Int(f().min),
            ("Second", []) => Value::Int(f().sec),
            ("Nanosecond", []) => Value::Int(i64::from(self.nanos)),
            ("Weekday", []) => Value::str(LONG_DAYS[f().wday]),
            ("YearDay", []) => Value::Int(f().yday),
            ("IsZero", []) => Value::Bool(self.secs == Time::zero().secs && self.nanos == 0),
            ("String", []) => Value::str(self.go_string()),
            ("Location", []) => Value::str(self.loc.name.as_str()),
            _ if self.has_method(name) => {
                return Some(Err(format!("wrong number of args for {name}")));
            }
            _ => return None,
        }))
    }
    fn format(&self) -> String {
        self.go_string()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TzKind {
    iso: bool,
    colon: bool,
    parts: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Std {
    Year,
    LongYear,
    Month,
    LongMonth,
    NumMonth,
    ZeroMonth,
    WeekDay,
    LongWeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    PM,
    Pm,
    Tz(TzKind),
    TzName,
    Frac {
        sep: char,
        digits: usize,
        trim: bool,
    },
}

fn starts_lower(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
}

/// Go's `nextStdChunk`: the text before the first layout element, the element, and the rest.
fn next_std_chunk(layout: &str) -> (&str, Option<Std>, &str) {
    let b = layout.as_bytes();
    let at = |i: usize, s: &str| layout.get(i..).is_some_and(|r| r.starts_with(s));
    let tz = |iso: bool, colon: bool, parts: u8| Std::Tz(TzKind { iso, colon, parts });
    for i in 0..b.len() {
        let found: Option<(Std, usize)> = match b[i] {
            b'J' if at(i, "Jan") => {
                if at(i, "January") {
                    Some((Std::LongMonth, 7))
                } else if !starts_lower(&layout[i + 3..]) {
                    Some((Std::Month, 3))
                } else {
                    None
                }
            }
            b'M' if at(i, "Mon") => {
                if at(i, "Monday") {
                    Some((Std::LongWeekDay, 6))
                } else if !starts_lower(&layout[i + 3..]) {
                    Some((Std::WeekDay, 3))
                } else {
                    None
                }
            }
            b'M' if at(i, "MST") => Some((Std::TzName, 3)),
            b'0' if i + 1 < b.len() && (b'1'..=b'6').contains(&b[i + 1]) => Some((
                [
                    Std::ZeroMonth,
                    Std::ZeroDay,
                    Std::ZeroHour12,
                    Std::ZeroMinute,
                    Std::ZeroSecond,
                    Std::Year,
                ][usize::from(b[i + 1] - b'1')],
                2,
            )),
            b'0' if at(i, "002") => Some((Std::ZeroYearDay, 3)),
            b'1' if at(i, "15") => Some((Std::Hour, 2)),
            b'1' => Some((Std::NumMonth, 1)),
            b'2' if at(i, "2006") => Some((Std::LongYear, 4)),
            b'2' => Some((Std::Day, 1)),
            b'_' if at(i, "_2") => {
                if at(i, "_2006") {
                    return (&layout[..i + 1], Some(Std::LongYear), &layout[i + 5..]);
                }
                Some((Std::UnderDay, 2))
            }
            b'_' if at(i, "__2") => Some((Std::UnderYearDay, 3)),
            b'3' => Some((Std::Hour12, 1)),
            b'4' => Some((Std::Minute, 1)),
            b'5' => Some((Std::Second, 1)),
            b'P' if at(i, "PM") => Some((Std::PM, 2)),
            b'p' if at(i, "pm") => Some((Std::Pm, 2)),
            b'-' if at(i, "-070000") => Some((tz(false, false, 3), 7)),
            b'-' if at(i, "-07:00:00") => Some((tz(false, true, 3), 9)),
            b'-' if at(i, "-0700") => Some((tz(false, false, 2), 5)),
            b'-' if at(i, "-07:00") => Some((tz(false, true, 2), 6)),
            b'-' if at(i, "-07") => Some((tz(false, false, 1), 3)),
            b'Z' if at(i, "Z070000") => Some((tz(true, false, 3), 7)),
            b'Z' if at(i, "Z07:00:00") => Some((tz(true, true, 3), 9)),
            b'Z' if at(i, "Z0700") => Some((tz(true, false, 2), 5)),
            b'Z' if at(i, "Z07:00") => Some((tz(true, true, 2), 6)),
            b'Z' if at(i, "Z07") => Some((tz(true, false, 1), 3)),
            b'.' | b',' if i + 1 < b.len() && (b[i + 1] == b'0' || b[i + 1] == b'9') => {
                let ch = b[i + 1];
                let mut j = i + 1;
                while j < b.len() && b[j] == ch {
                    j += 1;
                }
                if j < b.len() && b[j].is_ascii_digit() {
                    None
                } else {
                    Some((
                        Std::Frac {
                            sep: char::from(b[i]),
                            digits: j - i - 1,
                            trim: ch == b'9',
                        },
                        j - i,
                    ))
                }
            }
            _ => None,
        };
        if let Some((std, n)) = found {
            return (&layout[..i], Some(std), &layout[i + n..]);
        }
    }
    (layout, None, "")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn format_uses_go_layouts() {
        let t = Time {
            secs: 1_700_000_000,
            nanos: 120_000_000,
            loc: Location::utc(),
            mono: None,
        };
        assert_eq!(t.format("2006-01-02 15:04:05"), "2023-11-14 22:13:20");
        assert_eq!(
            t.format("Mon Jan _2 3:04PM .000 .999 Z07:00 MST"),
            "Tue Nov 14 10:13PM .120 .12 Z UTC"
        );
        assert_eq!(Time::zero().go_string(), "0001-01-01 00:00:00 +0000 UTC");
        let paris = t.in_loc(Location::load("Europe/Paris").unwrap());
        assert_eq!(paris.format(time_layout()), "2023-11-14T23:13:20+01:00 CET");
        assert!(Location::load("europe/paris").is_err());
        assert!(Location::load("Nowhere/City").is_err());
    }

    fn time_layout() -> &'static str {
        "2006-01-02T15:04:05-07:00 MST"
    }
}
