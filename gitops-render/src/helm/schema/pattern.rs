//! `pattern` and `patternProperties` regexes: Go's RE2 syntax, run on regex-lite.
//!
//! regex-lite has RE2's syntax and its ASCII-only `\d`, `\w`, `\s`, `\b`, but no Unicode
//! classes (`\p{L}`): such patterns are reported as invalid, where Helm accepts them.

use regex_lite::Regex;

/// Compiles a `pattern` the way Go's `regexp.Compile` (RE2 syntax) would, with regex-lite.
/// Errors Go reports for common mistakes carry Go's wording (`missing closing ): ...`).
pub(crate) fn compile_regex(p: &str) -> Result<Regex, String> {
    if let Some(e) = go_regex_error(p) {
        return Err(e);
    }
    Regex::new(p).map_err(|e| e.to_string())
}

/// The first syntax error Go's `regexp/syntax` would report for the usual mistakes.
fn go_regex_error(p: &str) -> Option<String> {
    let chars: Vec<char> = p.chars().collect();
    let mut depth = 0usize;
    let mut i = 0;
    let mut atom_before = false;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                if let Some(d) = chars.get(i + 1)
                    && ('1'..='9').contains(d)
                {
                    return Some(format!("invalid escape sequence: `\\{d}`"));
                }
                i += 2;
                atom_before = true;
                continue;
            }
            '[' => {
                let start = i;
                let mut j = i + 1;
                if chars.get(j) == Some(&'^') {
                    j += 1;
                }
                if chars.get(j) == Some(&']') {
                    j += 1;
                }
                let mut closed = false;
                while j < chars.len() {
                    match chars[j] {
                        '\\' => j += 2,
                        '[' if chars.get(j + 1) == Some(&':') => {
                            match chars[j + 2..].iter().collect::<String>().find(":]") {
                                Some(k) => j += 2 + k + 2,
                                None => j += 1,
                            }
                        }
                        ']' => {
                            closed = true;
                            break;
                        }
                        _ => j += 1,
                    }
                }
                if !closed {
                    let rest: String = chars[start..].iter().collect();
                    return Some(format!("missing closing ]: `{rest}`"));
                }
                i = j + 1;
                atom_before = true;
                continue;
            }
            '(' => {
                if chars.get(i + 1) == Some(&'?')
                    && let Some(c @ ('=' | '!')) = chars.get(i + 2)
                {
                    return Some(format!("invalid or unsupported Perl syntax: `(?{c}`"));
                }
                depth += 1;
                atom_before = false;
                i += if chars.get(i + 1) == Some(&'?') { 2 } else { 1 };
                continue;
            }
            ')' => {
                if depth == 0 {
                    return Some(format!("unexpected ): `{p}`"));
                }
                depth -= 1;
            }
            '|' => {
                atom_before = false;
                i += 1;
                continue;
            }
            c @ ('*' | '+' | '?') if !atom_before => {
                return Some(format!("missing argument to repetition operator: `{c}`"));
            }
            _ => {}
        }
        atom_before = true;
        i += 1;
    }
    if depth > 0 {
        return Some(format!("missing closing ): `{p}`"));
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn go_regexp_errors() {
        let err = |p: &str| compile_regex(p).err().unwrap_or_default();
        assert_eq!(err("(abc"), "missing closing ): `(abc`");
        assert_eq!(err("abc)"), "unexpected ): `abc)`");
        assert_eq!(err("(?=x)"), "invalid or unsupported Perl syntax: `(?=`");
        assert_eq!(err("(a)\\1"), "invalid escape sequence: `\\1`");
        assert_eq!(err("[a-z"), "missing closing ]: `[a-z`");
        assert_eq!(err("*a"), "missing argument to repetition operator: `*`");
        for ok in [
            "(?i)^abc$",
            "(?:a|b)*?",
            "^[[:alpha:]]+$",
            "[]a]",
            "(?P<n>x)",
            "a{2,3}",
        ] {
            assert!(compile_regex(ok).is_ok(), "{ok}");
        }
    }
}
