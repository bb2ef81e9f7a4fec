//! `.helmignore` rules (Helm's `pkg/ignore`) and Go's `filepath.Match`, which they use.
//!
//! A rule without `/` matches a path's last element, a rule with `/` the whole path
//! (a leading `/` is dropped), a trailing `/` only matches directories. Helm's negated
//! rules (`!p`) ignore every path that does *not* match `p` — not what gitignore does,
//! but what `helm package` and `helm template` do, so it is what we do.

/// A malformed `.helmignore`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `**` is refused.
    #[error("double-star (**) syntax is not supported")]
    DoubleStar,
    /// A pattern `filepath.Match` refuses.
    #[error("syntax error in pattern")]
    BadPattern,
}

#[derive(Clone, Debug)]
enum Scope {
    /// The rule had a leading `/` or contains `/`: match the whole path.
    Path,
    /// Match the last path element.
    Base,
}

#[derive(Clone, Debug)]
struct Pattern {
    glob: String,
    scope: Scope,
    negate: bool,
    must_dir: bool,
}

/// A parsed `.helmignore`.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    patterns: Vec<Pattern>,
}

impl Rules {
    /// Parses `.helmignore` text: one rule per line, `#` comments, blank lines skipped.
    pub fn parse(text: &str) -> Result<Rules, Error> {
        let mut r = Rules::default();
        for line in text.trim_start_matches('\u{feff}').lines() {
            r.add(line)?;
        }
        Ok(r)
    }

    /// Adds Helm's default rule: dot files in `templates/` are ignored.
    pub fn add_defaults(&mut self) {
        // The default rule is well-formed.
        let _ = self.add("templates/.?*");
    }

    fn add(&mut self, rule: &str) -> Result<(), Error> {
        let rule = rule.trim();
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err(Error::DoubleStar);
        }
        if go_match(rule, "abc").is_err() {
            return Err(Error::BadPattern);
        }
        let (negate, rule) = match rule.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, rule),
        };
        let (must_dir, rule) = match rule.strip_suffix('/') {
            Some(r) => (true, r),
            None => (false, rule),
        };
        let (scope, glob) = if let Some(r) = rule.strip_prefix('/') {
            (Scope::Path, r)
        } else if rule.contains('/') {
            (Scope::Path, rule)
        } else {
            (Scope::Base, rule)
        };
        self.patterns.push(Pattern {
            glob: glob.to_string(),
            scope,
            negate,
            must_dir,
        });
        Ok(())
    }

    /// Whether the chart-relative `path` is ignored.
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        for p in &self.patterns {
            let name = match p.scope {
                Scope::Path => path,
                Scope::Base => path.rsplit('/').next().unwrap_or(path),
            };
            let matched = go_match(&p.glob, name).unwrap_or(false);
            if p.negate {
                if p.must_dir && !is_dir {
                    return true;
                }
                if !matched {
                    return true;
                }
                continue;
            }
            if p.must_dir && !is_dir {
                continue;
            }
            if matched {
                return true;
            }
        }
        false
    }
}

/// Go's `filepath.Match` on `/`-separated names: `*` and `?` never match `/`, `[...]`
/// classes (`^` negates, ranges, `\` escapes). A malformed pattern is `Err(())`.
pub fn go_match(pattern: &str, name: &str) -> Result<bool, ()> {
    let mut pattern = pattern;
    let mut name = name;
    'outer: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(!name.contains('/'));
        }
        let (t, ok, err) = match_chunk(chunk, name);
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if err {
            return Err(());
        }
        if star {
            for (i, c) in name.char_indices() {
                if c == '/' {
                    break;
                }
                let start = i + c.len_utf8();
                let (t, ok, err) = match_chunk(chunk, &name[start..]);
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        continue;
                    }
                    name = t;
                    continue 'outer;
                }
                if err {
                    return Err(());
                }
            }
        }
        // Go checks the rest of the pattern for syntax errors before failing.
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            if match_chunk(chunk, "").2 {
                return Err(());
            }
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

fn scan_chunk(pattern: &str) -> (bool, &str, &str) {
    let trimmed = pattern.trim_start_matches('*');
    let star = trimmed.len() != pattern.len();
    let b = trimmed.as_bytes();
    let mut in_range = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                if i + 1 < b.len() {
                    i += 1;
                }
            }
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &trimmed[..i], &trimmed[i..])
}

/// Matches `chunk` (no `*`) at the start of `s`: (rest, matched, malformed).
fn match_chunk<'a>(chunk: &str, s: &'a str) -> (&'a str, bool, bool) {
    let mut chunk = chunk;
    let mut s = s;
    let mut failed = false;
    while !chunk.is_empty() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match chunk.as_bytes()[0] {
            b'[' => {
                let mut r = '\0';
                if !failed {
                    let c = s.chars().next().unwrap_or('\0');
                    r = c;
                    s = &s[c.len_utf8().min(s.len())..];
                }
                chunk = &chunk[1..];
                let negated = chunk.starts_with('^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut n = 0;
                loop {
                    if !chunk.is_empty() && chunk.as_bytes()[0] == b']' && n > 0 {
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
                    n += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            b'?' => {
                if !failed {
                    let c = s.chars().next().unwrap_or('\0');
                    if c == '/' {
                        failed = true;
                    }
                    s = &s[c.len_utf8().min(s.len())..];
                }
                chunk = &chunk[1..];
            }
            b'\\' => {
                chunk = &chunk[1..];
                if chunk.is_empty() {
                    return ("", false, true);
                }
                let c = chunk.chars().next().unwrap_or('\0');
                if !failed {
                    if !s.starts_with(c) {
                        failed = true;
                    }
                    s = &s[c.len_utf8().min(s.len())..];
                }
                chunk = &chunk[c.len_utf8()..];
            }
            _ => {
                let c = chunk.chars().next().unwrap_or('\0');
                if !failed {
                    if !s.starts_with(c) {
                        failed = true;
                    }
                    s = &s[c.len_utf8().min(s.len())..];
                }
                chunk = &chunk[c.len_utf8()..];
            }
        }
    }
    if failed {
        return ("", false, false);
    }
    (s, true, false)
}

fn get_esc(chunk: &str) -> Option<(char, &str)> {
    let b = chunk.as_bytes();
    if b.is_empty() || b[0] == b'-' || b[0] == b']' {
        return None;
    }
    let mut chunk = chunk;
    if b[0] == b'\\' {
        chunk = &chunk[1..];
        if chunk.is_empty() {
            return None;
        }
    }
    let c = chunk.chars().next()?;
    let rest = &chunk[c.len_utf8()..];
    if rest.is_empty() {
        return None;
    }
    Some((c, rest))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn go_match_semantics() {
        assert_eq!(go_match("*.txt", "a.txt"), Ok(true));
        assert_eq!(go_match("*.txt", "d/a.txt"), Ok(false));
        assert_eq!(go_match("a/*", "a/b"), Ok(true));
        assert_eq!(go_match("a?c", "abc"), Ok(true));
        assert_eq!(go_match("[^a]bc", "abc"), Ok(false));
        assert_eq!(go_match("[a-c]x", "bx"), Ok(true));
        assert_eq!(go_match("\\*", "*"), Ok(true));
        assert_eq!(go_match("[", "a"), Err(()));
        assert_eq!(go_match("*", "a/b"), Ok(false));
    }

    #[test]
    fn rules_follow_helm() {
        let r = Rules::parse("# c\n*.tmp\n/secret.yaml\nci/\nfoo/*.yaml\n").unwrap();
        assert!(r.ignore("x.tmp", false));
        assert!(r.ignore("templates/x.tmp", false));
        assert!(r.ignore("secret.yaml", false));
        assert!(!r.ignore("templates/secret.yaml", false));
        assert!(r.ignore("ci", true));
        assert!(!r.ignore("ci", false));
        assert!(r.ignore("foo/a.yaml", false));
        assert!(!r.ignore("values.yaml", false));
        let mut d = Rules::default();
        d.add_defaults();
        assert!(d.ignore("templates/.hidden", false));
        assert!(!d.ignore("templates/a.yaml", false));
        assert_eq!(Rules::parse("a/**/b").unwrap_err(), Error::DoubleStar);
        // Helm's negation ignores whatever does not match.
        let n = Rules::parse("!keep.txt").unwrap();
        assert!(n.ignore("other", false));
        assert!(!n.ignore("keep.txt", false));
    }
}
