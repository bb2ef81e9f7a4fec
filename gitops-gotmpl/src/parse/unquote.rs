//! Go's `strconv.Unquote` for the string literals of templates.

/// Unquotes a Go string literal (`"…"` with escapes, or a raw `` `…` `` string whose
/// carriage returns are dropped). The error is strconv's: `invalid syntax`.
pub fn unquote(s: &str) -> Result<String, &'static str> {
    const SYNTAX: &str = "invalid syntax";
    let b = s.as_bytes();
    if b.len() < 2 || b[0] != b[b.len() - 1] {
        return Err(SYNTAX);
    }
    let inner = &s[1..s.len() - 1];
    match b[0] {
        b'`' => {
            if inner.contains('`') {
                return Err(SYNTAX);
            }
            Ok(inner.replace('\r', ""))
        }
        b'"' => {
            let mut out: Vec<u8> = Vec::with_capacity(inner.len());
            let mut chars = inner.char_indices().peekable();
            while let Some((_, c)) = chars.next() {
                match c {
                    '"' | '\n' => return Err(SYNTAX),
                    '\\' => {
                        let (_, e) = chars.next().ok_or(SYNTAX)?;
                        match e {
                            'a' => out.push(7),
                            'b' => out.push(8),
                            'f' => out.push(12),
                            'n' => out.push(b'\n'),
                            'r' => out.push(b'\r'),
                            't' => out.push(b'\t'),
                            'v' => out.push(11),
                            '\\' => out.push(b'\\'),
                            '"' => out.push(b'"'),
                            '0'..='7' => {
                                let mut v = e.to_digit(8).ok_or(SYNTAX)?;
                                for _ in 0..2 {
                                    let (_, d) = chars.next().ok_or(SYNTAX)?;
                                    v = v * 8 + d.to_digit(8).ok_or(SYNTAX)?;
                                }
                                if v > 255 {
                                    return Err(SYNTAX);
                                }
                                out.push(v as u8);
                            }
                            'x' | 'u' | 'U' => {
                                let n = match e {
                                    'x' => 2,
                                    'u' => 4,
                                    _ => 8,
                                };
                                let mut v: u32 = 0;
                                for _ in 0..n {
                                    let (_, d) = chars.next().ok_or(SYNTAX)?;
                                    v = v * 16 + d.to_digit(16).ok_or(SYNTAX)?;
                                }
                                if e == 'x' {
                                    out.push(v as u8);
                                } else {
                                    let c = char::from_u32(v).ok_or(SYNTAX)?;
                                    let mut buf = [0u8; 4];
                                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                                }
                            }
                            _ => return Err(SYNTAX),
                        }
                    }
                    c => {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                }
            }
            // Byte escapes may form invalid UTF-8, which Go strings allow; such bytes become
            // U+FFFD here.
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
        _ => Err(SYNTAX),
    }
}

/// Go's `strconv.UnquoteChar` applied to a character constant `'x'`: the rune, or an error.
pub fn unquote_char(s: &str) -> Result<char, String> {
    let inner = s.strip_prefix('\'').ok_or("invalid syntax")?;
    let mut it = inner.chars();
    let c = it.next().ok_or("invalid syntax")?;
    let (r, rest): (char, &str) = if c == '\\' {
        let e = it.next().ok_or("invalid syntax")?;
        let (v, used) = match e {
            'a' => (7, 0),
            'b' => (8, 0),
            'f' => (12, 0),
            'n' => (10, 0),
            'r' => (13, 0),
            't' => (9, 0),
            'v' => (11, 0),
            '\\' => (92, 0),
            '\'' => (39, 0),
            '0'..='7' => {
                let digits: String = std::iter::once(e).chain(it.clone().take(2)).collect();
                let v = u32::from_str_radix(&digits, 8).map_err(|_| "invalid syntax")?;
                if digits.len() != 3 || v > 255 {
                    return Err("invalid syntax".into());
                }
                (v, 2)
            }
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let digits: String = it.clone().take(n).collect();
                if digits.len() != n {
                    return Err("invalid syntax".into());
                }
                (u32::from_str_radix(&digits, 16).map_err(|_| "invalid syntax")?, n)
            }
            _ => return Err("invalid syntax".into()),
        };
        for _ in 0..used {
            it.next();
        }
        (char::from_u32(v).ok_or("invalid syntax")?, it.as_str())
    } else {
        if c == '\'' {
            return Err("invalid syntax".into());
        }
        (c, it.as_str())
    };
    if rest != "'" {
        return Err(format!("malformed character constant: {s}"));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_escapes() {
        assert_eq!(unquote(r#""a\tb\n\x41\u00e9\101\"""#).as_deref(), Ok("a\tb\nAéA\""));
        assert_eq!(unquote("`a\\n\r`").as_deref(), Ok("a\\n"));
        assert_eq!(unquote(r#""\q""#), Err("invalid syntax"));
        assert_eq!(unquote_char("'a'"), Ok('a'));
        assert_eq!(unquote_char(r"'\n'"), Ok('\n'));
        assert_eq!(unquote_char("'ab'"), Err("malformed character constant: 'ab'".into()));
    }
}
