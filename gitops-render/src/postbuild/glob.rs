//! The shell patterns of `${v#p}`, `${v##p}`, `${v%p}`, `${v%%p}`: Go's `path.Match` as
//! modified by `fluxcd/pkg/envsubst/path` (a trailing `*` matches the rest, `/` included),
//! and the trim functions built on it (suffix trims reverse both the value and the pattern,
//! as the original does).

/// A malformed pattern (Go's `path.ErrBadPattern`); the trims then keep the value.
#[derive(Debug)]
struct BadPattern;

/// Whether `name` matches `pattern` as a whole.
fn matches(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let mut pattern = pattern;
    let mut name = name;
    'outer: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(true);
        }
        let (t, ok, err) = match_chunk(chunk, name);
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if err {
            return Err(BadPattern);
        }
        if star {
            for start in (1..=name.len()).filter(|&i| name.is_char_boundary(i)) {
                let (t, ok, err) = match_chunk(chunk, &name[start..]);
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        continue;
                    }
                    name = t;
                    continue 'outer;
                }
                if err {
                    return Err(BadPattern);
                }
            }
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

fn scan_chunk(pattern: &str) -> (bool, &str, &str) {
    let trimmed = pattern.trim_start_matches('*');
    let star = trimmed.len() != pattern.len();
    let bytes = trimmed.as_bytes();
    let mut in_range = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if i + 1 < bytes.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &trimmed[..i], &trimmed[i..])
}

/// Matches `chunk` (no stars) at the start of `s`: (rest, matched, bad pattern).
fn match_chunk<'a>(chunk: &str, s: &'a str) -> (&'a str, bool, bool) {
    let mut chunk = chunk;
    let mut s = s;
    while !chunk.is_empty() {
        let Some(r) = s.chars().next() else {
            return ("", false, false);
        };
        match chunk.as_bytes()[0] {
            b'[' => {
                s = &s[r.len_utf8()..];
                chunk = &chunk[1..];
                let mut negated = false;
                if chunk.starts_with('^') {
                    negated = true;
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut nrange = 0;
                loop {
                    if chunk.starts_with(']') && nrange > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let Some((lo, rest)) = get_esc(chunk) else {
                        return ("", false, true);
                    };
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.starts_with('-') {
                        let Some((h, rest)) = get_esc(&chunk[1..]) else {
                            return ("", false, true);
                        };
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    nrange += 1;
                }
                if matched == negated {
                    return ("", false, false);
                }
            }
            b'?' => {
                s = &s[r.len_utf8()..];
                chunk = &chunk[1..];
            }
            first => {
                let mut literal = chunk;
                if first == b'\\' {
                    literal = &chunk[1..];
                    if literal.is_empty() {
                        return ("", false, true);
                    }
                }
                if literal.as_bytes()[0] != s.as_bytes()[0] {
                    return ("", false, false);
                }
                let c = literal.chars().next().map_or(1, char::len_utf8);
                if !s.is_char_boundary(c) || literal[..c] != s[..c] {
                    return ("", false, false);
                }
                s = &s[c..];
                chunk = &literal[c..];
            }
        }
    }
    (s, true, false)
}

/// A possibly escaped character of a class, and the rest; `None` for a bad pattern.
fn get_esc(chunk: &str) -> Option<(char, &str)> {
    if chunk.is_empty() || chunk.starts_with('-') || chunk.starts_with(']') {
        return None;
    }
    let chunk = chunk.strip_prefix('\\').unwrap_or(chunk);
    let r = chunk.chars().next()?;
    let rest = &chunk[r.len_utf8()..];
    if rest.is_empty() {
        return None;
    }
    Some((r, rest))
}

/// Prefixes of `s` from the longest to the shortest non-empty one.
fn prefixes(s: &str) -> impl Iterator<Item = &str> {
    let mut ends: Vec<usize> = s.char_indices().map(|(i, c)| i + c.len_utf8()).collect();
    ends.reverse();
    ends.into_iter().map(move |end| &s[..end])
}

fn trim_shortest(s: &str, pattern: &str) -> String {
    let mut shortest = "";
    for prefix in prefixes(s) {
        match matches(pattern, prefix) {
            Err(_) => return s.to_string(),
            Ok(true) => shortest = prefix,
            Ok(false) => {}
        }
    }
    s[shortest.len()..].to_string()
}

fn trim_longest(s: &str, pattern: &str) -> String {
    for prefix in prefixes(s) {
        match matches(pattern, prefix) {
            Err(_) => return s.to_string(),
            Ok(true) => return s[prefix.len()..].to_string(),
            Ok(false) => {}
        }
    }
    s.to_string()
}

fn reverse(s: &str) -> String {
    s.chars().rev().collect()
}

/// `${v#pattern}`.
pub(crate) fn trim_shortest_prefix(s: &str, pattern: &str) -> String {
    trim_shortest(s, pattern)
}

/// `${v##pattern}`.
pub(crate) fn trim_longest_prefix(s: &str, pattern: &str) -> String {
    trim_longest(s, pattern)
}

/// `${v%pattern}`.
pub(crate) fn trim_shortest_suffix(s: &str, pattern: &str) -> String {
    reverse(&trim_shortest(&reverse(s), &reverse(pattern)))
}

/// `${v%%pattern}`.
pub(crate) fn trim_longest_suffix(s: &str, pattern: &str) -> String {
    reverse(&trim_longest(&reverse(s), &reverse(pattern)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_path_match_cases() {
        let ok = |p: &str, n: &str| matches(p, n).ok();
        assert_eq!(ok("*.", "bash."), Some(true));
        assert_eq!(ok("a*b", "a/x/b"), Some(true));
        assert_eq!(ok("[a-c]?", "bz"), Some(true));
        assert_eq!(ok("[^a-c]?", "bz"), Some(false));
        assert_eq!(ok("\\*", "*"), Some(true));
        assert!(matches("[", "a").is_err());
    }

    #[test]
    fn trims() {
        assert_eq!(trim_shortest_prefix("bash.string.txt", "*."), "string.txt");
        assert_eq!(trim_longest_prefix("bash.string.txt", "*."), "txt");
        assert_eq!(trim_shortest_suffix("bash.string.txt", ".*"), "bash.string");
        assert_eq!(trim_longest_suffix("bash.string.txt", ".*"), "bash");
    }
}
