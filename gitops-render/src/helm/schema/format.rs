//! `format` checks santhosh-tekuri/jsonschema asserts for drafts 4, 6 and 7 (later drafts
//! only annotate), with its reasons (`missing @`, `expected four decimals`, ...).
//! Unknown formats, and formats not implemented here, pass.

use super::output::go_quote;

/// Checks `s` against format `name`; `Err` carries santhosh's reason.
pub(crate) fn check(name: &str, s: &str) -> Result<(), String> {
    match name {
        "ipv4" => ipv4(s),
        "ipv6" => ipv6(s),
        "hostname" => hostname(s),
        "email" => email(s),
        "uuid" => uuid(s),
        "date" => date(s),
        "time" => time(s),
        "date-time" => date_time(s),
        "json-pointer" => json_pointer(s),
        "regex" => super::pattern::compile_regex(s).map(|_| ()),
        _ => Ok(()),
    }
}

fn go_char(c: char) -> String {
    // Go's %q of a rune
    match c {
        '\'' => "'\\''".to_string(),
        '"' => "'\"'".to_string(),
        _ => {
            let q = go_quote(&c.to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

fn atoi(group: &str) -> Result<i64, String> {
    let digits = group.strip_prefix(['+', '-']).unwrap_or(group);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            go_quote(group)
        ));
    }
    group.parse::<i64>().map_err(|_| {
        format!(
            "strconv.Atoi: parsing {}: value out of range",
            go_quote(group)
        )
    })
}

fn ipv4(s: &str) -> Result<(), String> {
    let groups: Vec<&str> = s.split('.').collect();
    if groups.len() != 4 {
        return Err("expected four decimals".into());
    }
    for g in groups {
        if g.len() > 1 && g.starts_with('0') {
            return Err("leading zeros".into());
        }
        let n = atoi(g)?;
        if !(0..=255).contains(&n) {
            return Err("decimal must be between 0 and 255".into());
        }
    }
    Ok(())
}

fn ipv6(s: &str) -> Result<(), String> {
    if !s.contains(':') {
        return Err("missing colon".into());
    }
    if s.contains('%') {
        return Err("zone id is not a part of ipv6 address".into());
    }
    s.parse::<std::net::Ipv6Addr>()
        .map(|_| ())
        .map_err(|_| format!("ParseAddr({}): invalid IPv6 address", go_quote(s)))
}

fn hostname(s: &str) -> Result<(), String> {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.len() > 253 {
        return Err("more than 253 characters long".into());
    }
    for label in s.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err("label must be 1 to 63 characters long".into());
        }
        if label.starts_with('-') {
            return Err("label starts with hyphen".into());
        }
        if label.ends_with('-') {
            return Err("label ends with hyphen".into());
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(format!("invalid character {}", go_char(c)));
        }
    }
    Ok(())
}

fn email(s: &str) -> Result<(), String> {
    if s.len() > 254 {
        return Err("more than 255 characters long".into());
    }
    let Some(at) = s.rfind('@') else {
        return Err("missing @".into());
    };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    if local.len() > 64 {
        return Err("local part more than 64 characters long".into());
    }
    if local.len() > 1 && local.starts_with('"') {
        let mut it = local.chars();
        it.next();
        it.next_back();
        let inner = it.as_str();
        if inner.contains('\\') || inner.contains('"') {
            return Err("backslash and quote are not allowed within quoted local part".into());
        }
    } else {
        if local.starts_with('.') {
            return Err("starts with dot".into());
        }
        if local.ends_with('.') {
            return Err("ends with dot".into());
        }
        if local.contains("..") {
            return Err("consecutive dots".into());
        }
        if let Some(c) = local
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || ".!#$%&'*+-/=?^_`{|}~".contains(*c)))
        {
            return Err(format!("invalid character {}", go_char(c)));
        }
    }
    if domain.len() >= 2 && domain.starts_with('[') && domain.ends_with(']') {
        let inner = &domain[1..domain.len() - 1];
        if let Some(rem) = inner.strip_prefix("IPv6:") {
            return ipv6(rem).map_err(|e| format!("invalid ipv6 address: {e}"));
        }
        return ipv4(inner).map_err(|e| format!("invalid ipv4 address: {e}"));
    }
    hostname(domain).map_err(|e| format!("invalid domain: {e}"))
}

fn uuid(s: &str) -> Result<(), String> {
    let lens = [8, 4, 4, 4, 12];
    let groups: Vec<&str> = s.split('-').collect();
    if groups.len() != lens.len() {
        return Err(format!("must have {} elements", lens.len()));
    }
    for (i, g) in groups.iter().enumerate() {
        if g.len() != lens[i] {
            return Err(format!(
                "element {} must be {} characters long",
                i + 1,
                lens[i]
            ));
        }
        if let Some(c) = g.chars().find(|c| !c.is_ascii_hexdigit()) {
            return Err(format!("non-hex character {}", go_char(c)));
        }
    }
    Ok(())
}

/// Go's `time.Parse("2006-01-02", s)`, with its common error texts.
fn date(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let bad = |elem: &str, rest: &str| {
        format!(
            "parsing time {} as \"2006-01-02\": cannot parse {} as {}",
            go_quote(s),
            go_quote(rest),
            go_quote(elem)
        )
    };
    let digits = |from: usize, n: usize| {
        b.len() >= from + n && b[from..from + n].iter().all(u8::is_ascii_digit)
    };
    if !digits(0, 4) {
        return Err(bad("2006", s));
    }
    if b.get(4) != Some(&b'-') {
        return Err(bad("-", s.get(4..).unwrap_or("")));
    }
    if !digits(5, 2) {
        return Err(bad("01", s.get(5..).unwrap_or("")));
    }
    if b.get(7) != Some(&b'-') {
        return Err(bad("-", s.get(7..).unwrap_or("")));
    }
    if !digits(8, 2) {
        return Err(bad("02", s.get(8..).unwrap_or("")));
    }
    if b.len() > 10 {
        return Err(format!(
            "parsing time {}: extra text: {}",
            go_quote(s),
            go_quote(&s[10..])
        ));
    }
    let y: u32 = s[0..4].parse().unwrap_or(0);
    let m: u32 = s[5..7].parse().unwrap_or(0);
    let d: u32 = s[8..10].parse().unwrap_or(0);
    if !(1..=12).contains(&m) {
        return Err(format!("parsing time {}: month out of range", go_quote(s)));
    }
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if d < 1 || d > days[(m - 1) as usize] {
        return Err(format!("parsing time {}: day out of range", go_quote(s)));
    }
    Ok(())
}

fn time(s: &str) -> Result<(), String> {
    if s.len() < 9 {
        return Err("less than 9 characters long".into());
    }
    let b = s.as_bytes();
    if b[2] != b':' || b[5] != b':' {
        return Err("missing colon in correct place".into());
    }
    let mut hms = Vec::new();
    for tok in s.get(..8).unwrap_or("").splitn(3, ':') {
        let Ok(i) = atoi(tok) else {
            return Err("invalid hour/min/sec".into());
        };
        if i < 0 {
            return Err("non-positive hour/min/sec".into());
        }
        hms.push(i);
    }
    if hms.len() != 3 {
        return Err("missing hour/min/sec".into());
    }
    let (mut h, mut m, sec) = (hms[0], hms[1], hms[2]);
    if h > 23 || m > 59 || sec > 60 {
        return Err("hour/min/sec out of range".into());
    }
    let mut rest = s.get(8..).unwrap_or("");
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return Err("no digits in second fraction".into());
        }
        rest = &r[n..];
    }
    if rest != "z" && rest != "Z" {
        if rest.len() != 6 {
            return Err("offset must be 6 characters long".into());
        }
        let sign: i64 = match rest.as_bytes()[0] {
            b'+' => -1,
            b'-' => 1,
            _ => return Err("offset must begin with plus/minus".into()),
        };
        let r = &rest[1..];
        if r.as_bytes()[2] != b':' {
            return Err("missing colon in offset in correct place".into());
        }
        let mut zhm = Vec::new();
        for tok in r.splitn(2, ':') {
            let Ok(i) = atoi(tok) else {
                return Err("invalid hour/min in offset".into());
            };
            if i < 0 {
                return Err("non-positive hour/min in offset".into());
            }
            zhm.push(i);
        }
        if zhm[0] > 23 || zhm[1] > 59 {
            return Err("hour/min in offset out of range".into());
        }
        let mut hm = (h * 60 + m) + sign * (zhm[0] * 60 + zhm[1]);
        if hm < 0 {
            hm += 24 * 60;
        }
        h = hm / 60;
        m = hm % 60;
    }
    if sec >= 60 && (h != 23 || m != 59) {
        return Err("invalid leap second".into());
    }
    Ok(())
}

fn date_time(s: &str) -> Result<(), String> {
    if s.len() < 20 {
        return Err("less than 20 characters long".into());
    }
    let b = s.as_bytes();
    if b[10] != b't' && b[10] != b'T' {
        return Err("11th character must be t or T".into());
    }
    let (Some(d), Some(t)) = (s.get(..10), s.get(11..)) else {
        return Err("11th character must be t or T".into());
    };
    date(d).map_err(|e| format!("invalid date element: {e}"))?;
    time(t).map_err(|e| format!("invalid time element: {e}"))
}

fn json_pointer(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Ok(());
    }
    if !s.starts_with('/') {
        return Err("not starting with /".into());
    }
    for tok in s.split('/').skip(1) {
        let mut it = tok.chars();
        while let Some(c) = it.next() {
            if c == '~' && !matches!(it.next(), Some('0' | '1')) {
                return Err("~ must be followed by 0 or 1".into());
            }
        }
    }
    Ok(())
}
