//! Would go-yaml v2 read a plain scalar as something other than a string?
//!
//! This is the question `encode.go` `stringv` asks (through `resolve.go` `resolve` and
//! `isBase60Float`) before it allows a string to be written without quotes. The resolver
//! itself is the reader's ([`crate::resolve`]); only the base-60 rule, which v2's
//! encoder checks on top of it, lives here.

use crate::resolve::v2_resolves_to_non_string;

/// Whether a string must be double-quoted because, written plain, v2 would resolve it to a
/// bool, null, int, float or timestamp, or because it looks like a YAML 1.1 base-60 float.
pub(super) fn needs_type_quotes(s: &str) -> bool {
    v2_resolves_to_non_string(s) || is_base60_float(s)
}

/// Matches v2's base-60 pattern `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let s = s.as_bytes();
    let mut i = usize::from(matches!(s.first(), Some(b'-' | b'+')));
    if !s.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    i += 1;
    while s.get(i).is_some_and(|&c| c.is_ascii_digit() || c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while s.get(i) == Some(&b':') {
        let run = s[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        let ok = run == 1 || (run == 2 && s[i + 1] <= b'5');
        if !ok {
            return false;
        }
        i += 1 + run;
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if s.get(i) == Some(&b'.') {
        i += 1;
        while s.get(i).is_some_and(|&c| c.is_ascii_digit() || c == b'_') {
            i += 1;
        }
    }
    i == s.len()
}
