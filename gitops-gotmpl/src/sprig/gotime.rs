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
                TimeZone::get(name)
                    .map(|tz| Location {
                        name: name.into(),
                        zone: Zone::Tz(tz),
                    })
                    .map_err(|_| format!("unknown time zone {name}"))
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

/// Go's `time.ParseInLocation(layout, value, loc)`, with Go's error messages.
pub fn parse_in_location(layout: &str, value: &str, default: &Location) -> Result<Time, String> {
    let err_elem = |ve: &str, le: &str| {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            quote(value),
            quote(layout),
            quote(ve),
            quote(le)
        )
    };
    let err_msg = |m: &str| format!("parsing time {}{m}", quote(value));
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let (mut pm, mut am) = (false, false);
    let mut utc = false;
    let mut zone_offset: Option<i64> = None;
    let mut zone_name = String::new();
    let mut lay = layout;
    let mut val = value;
    loop {
        let (prefix, std, suffix) = next_std_chunk(lay);
        let std_str = &lay[prefix.len()..lay.len() - suffix.len()];
        val = skip(val, prefix).map_err(|_| err_elem(val, prefix))?;
        let Some(std) = std else {
            if !val.is_empty() {
                return Err(err_msg(&format!(": extra text: {}", quote(val))));
            }
            break;
        };
        lay = suffix;
        let hold = val;
        let mut range_err = "";
        let bad = || err_elem(hold, std_str);
        match std {
            Std::Year => {
                if val.len() < 2 {
                    return Err(bad());
                }
                let (p, r) = val.split_at(2);
                let y: i64 = atoi(p).ok_or_else(bad)?;
                year = if y >= 69 { y + 1900 } else { y + 2000 };
                val = r;
            }
            Std::LongYear => {
                if val.len() < 4 || !val.as_bytes()[0].is_ascii_digit() {
                    return Err(bad());
                }
                let (p, r) = val.split_at(4);
                year = atoi(p).ok_or_else(bad)?;
                val = r;
            }
            Std::Month | Std::LongMonth => {
                let (i, r) = lookup(val, std == Std::LongMonth, &LONG_MONTHS).ok_or_else(bad)?;
                month = i as i64 + 1;
                val = r;
            }
            Std::WeekDay | Std::LongWeekDay => {
                let (_, r) = lookup(val, std == Std::LongWeekDay, &LONG_DAYS).ok_or_else(bad)?;
                val = r;
            }
            Std::NumMonth | Std::ZeroMonth => {
                let (m, r) = getnum(val, std == Std::ZeroMonth).ok_or_else(bad)?;
                month = m;
                val = r;
                if !(1..=12).contains(&month) {
                    range_err = "month";
                }
            }
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                if std == Std::UnderDay && val.starts_with(' ') {
                    val = &val[1..];
                }
                let (d, r) = getnum(val, std == Std::ZeroDay).ok_or_else(bad)?;
                day = d;
                val = r;
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                for _ in 0..2 {
                    if std == Std::UnderYearDay && val.starts_with(' ') {
                        val = &val[1..];
                    }
                }
                let (d, r) = getnum3(val, std == Std::ZeroYearDay).ok_or_else(bad)?;
                yday = d;
                val = r;
            }
            Std::Hour => {
                let (h, r) = getnum(val, false).ok_or_else(bad)?;
                hour = h;
                val = r;
                if !(0..24).contains(&hour) {
                    range_err = "hour";
                }
            }
            Std::Hour12 | Std::ZeroHour12 => {
                let (h, r) = getnum(val, std == Std::ZeroHour12).ok_or_else(bad)?;
                hour = h;
                val = r;
                if !(0..=12).contains(&hour) {
                    range_err = "hour";
                }
            }
            Std::Minute | Std::ZeroMinute => {
                let (m, r) = getnum(val, std == Std::ZeroMinute).ok_or_else(bad)?;
                min = m;
                val = r;
                if !(0..60).contains(&min) {
                    range_err = "minute";
                }
            }
            Std::Second | Std::ZeroSecond => {
                let (s, r) = getnum(val, std == Std::ZeroSecond).ok_or_else(bad)?;
                sec = s;
                val = r;
                if !(0..60).contains(&sec) {
                    range_err = "second";
                } else {
                    let vb = val.as_bytes();
                    if vb.len() >= 2 && (vb[0] == b'.' || vb[0] == b',') && vb[1].is_ascii_digit() {
                        let (_, next, _) = next_std_chunk(lay);
                        if !matches!(next, Some(Std::Frac { .. })) {
                            let mut n = 2;
                            while n < vb.len() && vb[n].is_ascii_digit() {
                                n += 1;
                            }
                            nsec = parse_nanos(&val[..n]).ok_or_else(bad)?;
                            val = &val[n..];
                        }
                    }
                }
            }
            Std::PM | Std::Pm => {
                if val.len() < 2 {
                    return Err(bad());
                }
                let (p, r) = val.split_at(2);
                match (p, std) {
                    ("PM", Std::PM) | ("pm", Std::Pm) => pm = true,
                    ("AM", Std::PM) | ("am", Std::Pm) => am = true,
                    _ => return Err(bad()),
                }
                val = r;
            }
            Std::Tz(kind) => {
                if kind.iso && val.starts_with('Z') {
                    val = &val[1..];
                    utc = true;
                } else {
                    let vb = val.as_bytes();
                    let (need, parts): (usize, [(usize, usize); 3]) = match (kind.colon, kind.parts)
                    {
                        (true, 2) => (6, [(1, 3), (4, 6), (0, 0)]),
                        (_, 1) => (3, [(1, 3), (0, 0), (0, 0)]),
                        (true, _) => (9, [(1, 3), (4, 6), (7, 9)]),
                        (false, 3) => (7, [(1, 3), (3, 5), (5, 7)]),
                        _ => (5, [(1, 3), (3, 5), (0, 0)]),
                    };
                    if vb.len() < need
                        || (kind.colon && (vb[3] != b':' || (kind.parts == 3 && vb[6] != b':')))
                    {
                        return Err(bad());
                    }
                    let num = |(a, b): (usize, usize)| -> Option<i64> {
                        if a == b {
                            Some(0)
                        } else {
                            getnum(&val[a..b], true).map(|x| x.0)
                        }
                    };
                    let (hr, mm, ss) = match (num(parts[0]), num(parts[1]), num(parts[2])) {
                        (Some(h), Some(m), Some(s)) => (h, m, s),
                        _ => return Err(bad()),
                    };
                    if hr > 24 {
                        range_err = "time zone offset hour";
                    } else if mm > 60 {
                        range_err = "time zone offset minute";
                    } else if ss > 60 {
                        range_err = "time zone offset second";
                    }
                    let off = (hr * 60 + mm) * 60 + ss;
                    zone_offset = Some(match vb[0] {
                        b'+' => off,
                        b'-' => -off,
                        _ => return Err(bad()),
                    });
                    val = &val[need..];
                }
            }
            Std::TzName => {
                if val.starts_with("UTC") {
                    utc = true;
                    val = &val[3..];
                } else {
                    let n = parse_time_zone(val).ok_or_else(bad)?;
                    zone_name = val[..n].to_string();
                    val = &val[n..];
                }
            }
            Std::Frac {
                digits,
                trim: false,
                ..
            } => {
                let n = digits + 1;
                if val.len() < n {
                    return Err(bad());
                }
                nsec = parse_nanos(&val[..n]).ok_or_else(bad)?;
                val = &val[n..];
            }
            Std::Frac { trim: true, .. } => {
                let vb = val.as_bytes();
                if vb.len() >= 2 && (vb[0] == b'.' || vb[0] == b',') && vb[1].is_ascii_digit() {
                    let mut i = 0;
                    while i + 1 < vb.len() && vb[i + 1].is_ascii_digit() {
                        i += 1;
                    }
                    nsec = parse_nanos(&val[..1 + i]).ok_or_else(bad)?;
                    val = &val[1 + i..];
                }
            }
        }
        if !range_err.is_empty() {
            return Err(err_msg(&format!(": {range_err} out of range")));
        }
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    if yday >= 0 {
        let leap = is_leap(year);
        if yday < 1 || yday > if leap { 366 } else { 365 } {
            return Err(err_msg(": day-of-year out of range"));
        }
        let mut m = 1;
        let mut d = yday;
        while d > days_in(m, year) {
            d -= days_in(m, year);
            m += 1;
        }
        if (month >= 0 && month != m) || (day >= 0 && day != d) {
            return Err(err_msg(": day-of-year does not match month"));
        }
        month = m;
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > days_in(month, year) {
        return Err(err_msg(": day out of range"));
    }
    let civil = days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
    let mk = |secs: i64, loc: Location| Time {
        secs,
        nanos: nsec as u32,
        loc,
        mono: None,
    };
    if utc {
        return Ok(mk(civil, Location::utc()));
    }
    if let Some(off) = zone_offset {
        let secs = civil - off;
        let local = Location::local();
        let (lo, name) = local.lookup(secs);
        if i64::from(lo) == off && (zone_name.is_empty() || name == zone_name) {
            return Ok(mk(secs, local));
        }
        return Ok(mk(secs, Location::fixed(&zone_name, off as i32)));
    }
    if !zone_name.is_empty() {
        let local = Location::local();
        let (lo, name) = local.lookup(civil);
        if name == zone_name {
            return Ok(mk(civil - i64::from(lo), local));
        }
        let mut off = 0;
        if zone_name.len() > 3 && zone_name.starts_with("GMT") {
            off = zone_name[3..].parse::<i32>().unwrap_or(0) * 3600;
        }
        return Ok(mk(civil, Location::fixed(&zone_name, off)));
    }
    Ok(mk(date_in(civil, default), default.clone()))
}

/// The unix second of the civil time `civil` (seconds as if UTC) in `loc` (Go's `Date`).
pub fn date_in(civil: i64, loc: &Location) -> i64 {
    let (o1, _) = loc.lookup(civil);
    let guess = civil - i64::from(o1);
    let (o2, _) = loc.lookup(guess);
    if o2 == o1 {
        guess
    } else {
        civil - i64::from(o2)
    }
}

fn skip<'a>(mut value: &'a str, prefix: &str) -> Result<&'a str, ()> {
    let mut p = prefix;
    while !p.is_empty() {
        if p.starts_with(' ') {
            if !value.is_empty() && !value.starts_with(' ') {
                return Err(());
            }
            p = p.trim_start_matches(' ');
            value = value.trim_start_matches(' ');
            continue;
        }
        let c = p.as_bytes()[0];
        if value.as_bytes().first() != Some(&c) {
            return Err(());
        }
        p = &p[1..];
        value = &value[1..];
    }
    Ok(value)
}

fn atoi(s: &str) -> Option<i64> {
    let (neg, d) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if d.is_empty() || !d.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: i64 = d.parse().ok()?;
    Some(if neg { -n } else { n })
}

fn getnum(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    if !b.first()?.is_ascii_digit() {
        return None;
    }
    if !b.get(1).is_some_and(u8::is_ascii_digit) {
        if fixed {
            return None;
        }
        return Some((i64::from(b[0] - b'0'), &s[1..]));
    }
    Some((
        i64::from(b[0] - b'0') * 10 + i64::from(b[1] - b'0'),
        &s[2..],
    ))
}

fn getnum3(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < 3 && i < b.len() && b[i].is_ascii_digit() {
        n = n * 10 + i64::from(b[i] - b'0');
        i += 1;
    }
    if i == 0 || (fixed && i != 3) {
        return None;
    }
    Some((n, &s[i..]))
}

fn parse_nanos(v: &str) -> Option<i64> {
    let b = v.as_bytes();
    if !matches!(b.first(), Some(b'.' | b',')) {
        return None;
    }
    let n = b.len().min(10);
    let mut ns: i64 = atoi(&v[1..n])?;
    for _ in 0..10 - n {
        ns *= 10;
    }
    Some(ns)
}

fn lookup<'a>(val: &'a str, long: bool, table: &[&str]) -> Option<(usize, &'a str)> {
    for (i, name) in table.iter().enumerate() {
        let n = if long { *name } else { &name[..3] };
        if val.len() >= n.len() && val.as_bytes()[..n.len()].eq_ignore_ascii_case(n.as_bytes()) {
            return Some((i, &val[n.len()..]));
        }
    }
    None
}

fn parse_time_zone(v: &str) -> Option<usize> {
    let b = v.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if v.starts_with("ChST") || v.starts_with("MeST") {
        return Some(4);
    }
    if v.starts_with("GMT") {
        let rest = &b[3..];
        if rest.first().is_some_and(|c| *c == b'+' || *c == b'-') {
            let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n > 0 {
                return Some(4 + n);
            }
        }
        return Some(3);
    }
    if b[0] == b'+' || b[0] == b'-' {
        let n = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        return if n > 0 { Some(1 + n) } else { None };
    }
    let upper = b.iter().take_while(|c| c.is_ascii_uppercase()).count();
    match upper {
        3 => Some(3),
        4 if b[3] == b'T' || v.starts_with("WITA") => Some(4),
        5 if b[4] == b'T' => Some(5),
        _ => None,
    }
}

/// `time.Duration(d).String()`.
pub fn duration_string(d: i64) -> String {
    if d == 0 {
        return "0s".into();
    }
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        let (prec, unit) = if u < 1_000 {
            (0, "ns")
        } else if u < 1_000_000 {
            (3, "µs")
        } else {
            (6, "ms")
        };
        let (frac, int) = fmt_frac(u, prec);
        out = format!("{int}{frac}{unit}");
    } else {
        let (frac, secs) = fmt_frac(u, 9);
        u = secs;
        let s = format!("{}{frac}s", u % 60);
        u /= 60;
        if u > 0 {
            let m = u % 60;
            u /= 60;
            if u > 0 {
                out = format!("{u}h{m}m{s}");
            } else {
                out = format!("{m}m{s}");
            }
        } else {
            out.push_str(&s);
        }
    }
    if neg { format!("-{out}") } else { out }
}

/// Go's `fmtFrac`: the fraction of `v` with `prec` digits (without trailing zeros and
/// without the point when zero), and `v / 10^prec`.
fn fmt_frac(mut v: u64, prec: u32) -> (String, u64) {
    let mut digits = String::new();
    let mut print = false;
    for _ in 0..prec {
        let d = v % 10;
        print = print || d != 0;
        if print {
            digits.insert(0, char::from(b'0' + d as u8));
        }
        v /= 10;
    }
    if print {
        (format!(".{digits}"), v)
    } else {
        (String::new(), v)
    }
}

/// `time.ParseDuration(s)` in nanoseconds, with Go's messages.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let orig = s;
    let invalid = || format!("time: invalid duration {}", quote(orig));
    let mut s = s;
    let mut neg = false;
    if let Some(c) = s.chars().next().filter(|c| *c == '-' || *c == '+') {
        neg = c == '-';
        s = &s[1..];
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut v: u64 = 0;
        for &c in &b[..int_len] {
            v = v
                .checked_mul(10)
                .and_then(|x| x.checked_add(u64::from(c - b'0')))
                .ok_or_else(invalid)?;
        }
        let pre = int_len > 0;
        s = &s[int_len..];
        let mut frac: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if s.starts_with('.') {
            s = &s[1..];
            let fb = s.as_bytes();
            let n = fb.iter().take_while(|c| c.is_ascii_digit()).count();
            let mut overflow = false;
            for &c in &fb[..n] {
                if overflow {
                    continue;
                }
                if frac > (1u64 << 63) / 10 {
                    overflow = true;
                    continue;
                }
                frac = frac * 10 + u64::from(c - b'0');
                scale *= 10.0;
            }
            post = n > 0;
            s = &s[n..];
        }
        if !pre && !post {
            return Err(invalid());
        }
        let ulen = s
            .bytes()
            .take_while(|c| *c != b'.' && !c.is_ascii_digit())
            .count();
        if ulen == 0 {
            return Err(format!("time: missing unit in duration {}", quote(orig)));
        }
        let u = &s[..ulen];
        s = &s[ulen..];
        let unit: u64 = match u {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    quote(u),
                    quote(orig)
                ));
            }
        };
        if v > (1u64 << 63) / unit {
            return Err(invalid());
        }
        v *= unit;
        if frac > 0 {
            v += (frac as f64 * (unit as f64 / scale)) as u64;
            if v > 1u64 << 63 {
                return Err(invalid());
            }
        }
        total = total
            .checked_add(v)
            .filter(|t| *t <= 1u64 << 63)
            .ok_or_else(invalid)?;
    }
    if neg {
        return Ok((total as i128).wrapping_neg() as i64);
    }
    if total > i64::MAX as u64 {
        return Err(invalid());
    }
    Ok(total as i64)
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
    }

    fn time_layout() -> &'static str {
        "2006-01-02T15:04:05-07:00 MST"
    }

    #[test]
    fn parse_reports_go_errors() {
        let utc = Location::utc();
        let t = parse_in_location("2006-01-02", "2024-02-29", &utc).unwrap();
        assert_eq!(t.format("Jan 2, 2006"), "Feb 29, 2024");
        assert_eq!(
            parse_in_location("2006-01-02", "2023-02-29", &utc).unwrap_err(),
            "parsing time \"2023-02-29\": day out of range"
        );
        assert_eq!(
            parse_in_location("2006-01-02", "x", &utc).unwrap_err(),
            "parsing time \"x\" as \"2006-01-02\": cannot parse \"x\" as \"2006\""
        );
        assert_eq!(
            parse_in_location("2006-01-02", "2023-01-02x", &utc).unwrap_err(),
            "parsing time \"2023-01-02x\": extra text: \"x\""
        );
    }

    #[test]
    fn durations_print_and_parse_like_go() {
        assert_eq!(duration_string(90_000_000_000), "1m30s");
        assert_eq!(duration_string(3_600_000_000_000), "1h0m0s");
        assert_eq!(duration_string(1_500_000), "1.5ms");
        assert_eq!(duration_string(-1_500), "-1.5µs");
        assert_eq!(parse_duration("1h30m").unwrap(), 5_400_000_000_000);
        assert_eq!(parse_duration("1.5s").unwrap(), 1_500_000_000);
        assert_eq!(
            parse_duration("1").unwrap_err(),
            "time: missing unit in duration \"1\""
        );
        assert_eq!(
            parse_duration("1x").unwrap_err(),
            "time: unknown unit \"x\" in duration \"1x\""
        );
        assert_eq!(
            parse_duration("").unwrap_err(),
            "time: invalid duration \"\""
        );
    }
}
