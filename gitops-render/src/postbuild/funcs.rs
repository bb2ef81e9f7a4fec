//! The string functions of `${v<op>args}` (fluxcd/pkg/envsubst's funcs.go), chosen by
//! operator name.

use super::glob;

/// Applies operator `name` to the value `s` with the evaluated `args`; unknown names
/// (and the default operators) return `s`, or the concatenated args when `s` is empty.
pub(super) fn apply(name: &str, s: &str, args: &[String]) -> String {
    match name {
        "," => map_first(s, char::to_lowercase),
        ",," => s.chars().map(|c| single(c, c.to_lowercase())).collect(),
        "^" => map_first(s, char::to_uppercase),
        "^^" => s.chars().map(|c| single(c, c.to_uppercase())).collect(),
        "#" if args.is_empty() => s.len().to_string(),
        "#" => glob::trim_shortest_prefix(s, &args[0]),
        "##" => args
            .first()
            .map_or_else(|| s.to_string(), |p| glob::trim_longest_prefix(s, p)),
        "%" => args
            .first()
            .map_or_else(|| s.to_string(), |p| glob::trim_shortest_suffix(s, p)),
        "%%" => args
            .first()
            .map_or_else(|| s.to_string(), |p| glob::trim_longest_suffix(s, p)),
        ":" => substr(s, args),
        "/#" => match args {
            [p, r] if s.starts_with(p.as_str()) => s.replacen(p.as_str(), r, 1),
            _ => s.to_string(),
        },
        "/%" => match args {
            [p, r] if s.ends_with(p.as_str()) => format!("{}{r}", &s[..s.len() - p.len()]),
            _ => s.to_string(),
        },
        "/" => match args {
            [] => s.to_string(),
            [p] => go_replace(s, p, "", Some(1)),
            [p, r, ..] => go_replace(s, p, r, Some(1)),
        },
        "//" => match args {
            [] => s.to_string(),
            [p] => go_replace(s, p, "", None),
            [p, r, ..] => go_replace(s, p, r, None),
        },
        _ => {
            if s.is_empty() && !args.is_empty() {
                args.concat()
            } else {
                s.to_string()
            }
        }
    }
}

/// Go's `unicode.ToUpper`/`ToLower` map one rune to one rune.
fn single(c: char, mut mapped: impl ExactSizeIterator<Item = char>) -> char {
    if mapped.len() == 1 {
        mapped.next().unwrap_or(c)
    } else {
        c
    }
}

fn map_first<I>(s: &str, f: fn(char) -> I) -> String
where
    I: ExactSizeIterator<Item = char>,
{
    let mut chars = s.chars();
    match chars.next() {
        None => String::new(),
        Some(c) => {
            let mut out = String::new();
            out.push(single(c, f(c)));
            out.push_str(chars.as_str());
            out
        }
    }
}

/// Go's `strings.Replace`: an empty pattern matches before every rune.
fn go_replace(s: &str, pat: &str, rep: &str, n: Option<usize>) -> String {
    if pat.is_empty() {
        let mut out = String::new();
        let mut done = 0;
        for c in s.chars() {
            if n.is_none_or(|n| done < n) {
                out.push_str(rep);
                done += 1;
            }
            out.push(c);
        }
        if n.is_none_or(|n| done < n) {
            out.push_str(rep);
        }
        return out;
    }
    match n {
        Some(n) => s.replacen(pat, rep, n),
        None => s.replace(pat, rep),
    }
}

/// `${v:pos}` and `${v:pos:len}` on bytes, as Go slices strings.
fn substr(s: &str, args: &[String]) -> String {
    let bytes = s.as_bytes();
    let len = bytes.len() as i64;
    let Some(pos) = args.first().and_then(|a| go_atoi(a)) else {
        return s.to_string();
    };
    let mut pos = pos;
    if pos < 0 {
        pos = (len + pos).max(0);
    }
    let slice = |from: i64, to: i64| {
        String::from_utf8_lossy(&bytes[from as usize..to as usize]).into_owned()
    };
    if args.len() == 1 {
        return if pos < len {
            slice(pos, len)
        } else {
            String::new()
        };
    }
    let Some(length) = go_atoi(&args[1]) else {
        return s.to_string();
    };
    if pos + length >= len {
        return if pos < len {
            slice(pos, len)
        } else {
            String::new()
        };
    }
    if length < 0 {
        return s.to_string();
    }
    slice(pos, pos + length)
}

/// Go's `strconv.Atoi`: optional sign, decimal digits only.
fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}
