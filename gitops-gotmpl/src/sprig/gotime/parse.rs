//! Go's `time.ParseInLocation` with its error messages.

use super::{
    LONG_DAYS, LONG_MONTHS, Location, Std, Time, days_from_civil, days_in, is_leap, next_std_chunk,
};
use crate::fmt::quote;

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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

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
}
