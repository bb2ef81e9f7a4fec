//! Gitignore patterns with the semantics Flux uses (`fluxcd/pkg/sourceignore/gitignore`,
//! derived from go-git): pure logic, no I/O.
//!
//! These differ from Git's own rules in ways that change which files end up in an
//! artifact, which is why this is not `gix-ignore`:
//! - every pattern carries a *domain* (the directory of the `.sourceignore` it came from)
//!   and only applies below it;
//! - a pattern without `/` matches any path component, so a match on a parent directory
//!   also matches everything below it;
//! - the last matching pattern wins, and a negation may re-include a file below an
//!   excluded directory (Git would not descend);
//! - components are matched with Go's `filepath.Match` (`*`, `?`, `[...]`, `\` escapes);
//!   a malformed pattern never matches.

/// Outcome of matching one pattern against a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MatchResult {
    /// The pattern does not apply.
    NoMatch,
    /// The path is excluded.
    Exclude,
    /// The path is re-included (`!pattern`).
    Include,
}

/// One parsed ignore pattern, scoped to a domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pattern {
    domain: Vec<String>,
    parts: Vec<Glob>,
    inclusion: bool,
    dir_only: bool,
    is_glob: bool,
}

impl Pattern {
    /// Parses one pattern line (already stripped of comments) for `domain`.
    pub(crate) fn parse(line: &str, domain: &[String]) -> Pattern {
        let mut text = line;
        let mut inclusion = false;
        if let Some(rest) = text.strip_prefix('!') {
            inclusion = true;
            text = rest;
        }
        if !text.ends_with("\\ ") {
            text = text.trim_end_matches(' ');
        }
        let mut dir_only = false;
        if let Some(rest) = text.strip_suffix('/') {
            dir_only = true;
            text = rest;
        }
        let is_glob = text.contains('/');
        Pattern {
            domain: domain.to_vec(),
            parts: text.split('/').map(Glob::compile).collect(),
            inclusion,
            dir_only,
            is_glob,
        }
    }

    /// Whether this is a negation (`!pattern`).
    pub(crate) fn is_inclusion(&self) -> bool {
        self.inclusion
    }

    /// Matches `path` (components relative to the artifact root).
    pub(crate) fn matches(&self, path: &[&str], is_dir: bool) -> MatchResult {
        if path.len() <= self.domain.len() {
            return MatchResult::NoMatch;
        }
        if self.domain.iter().zip(path).any(|(d, p)| d != p) {
            return MatchResult::NoMatch;
        }
        let rest = &path[self.domain.len()..];
        let hit = if self.is_glob {
            self.glob_match(rest, is_dir)
        } else {
            self.name_match(rest, is_dir)
        };
        match (hit, self.inclusion) {
            (false, _) => MatchResult::NoMatch,
            (true, true) => MatchResult::Include,
            (true, false) => MatchResult::Exclude,
        }
    }

    fn name_match(&self, path: &[&str], is_dir: bool) -> bool {
        let Some(first) = self.parts.first() else {
            return false;
        };
        for (i, name) in path.iter().enumerate() {
            if !first.matches(name) {
                continue;
            }
            // A directory-only pattern matching the last component needs a directory.
            return !(self.dir_only && !is_dir && i == path.len() - 1);
        }
        false
    }

    fn glob_match(&self, mut path: &[&str], is_dir: bool) -> bool {
        let mut matched = false;
        let mut can_traverse = false;
        let last = self.parts.len().saturating_sub(1);
        for (i, part) in self.parts.iter().enumerate() {
            match part {
                Glob::Empty => {
                    can_traverse = false;
                    continue;
                }
                Glob::AnyDirs => {
                    if i == last {
                        break;
                    }
                    can_traverse = true;
                    continue;
                }
                Glob::Invalid | Glob::ContainsAnyDirs => return false,
                Glob::Tokens(_) => {}
            }
            if path.is_empty() {
                return false;
            }
            if can_traverse {
                can_traverse = false;
                while let Some((head, tail)) = path.split_first() {
                    path = tail;
                    if part.matches(head) {
                        matched = true;
                        break;
                    } else if path.is_empty() {
                        matched = false;
                    }
                }
            } else {
                if !part.matches(path[0]) {
                    return false;
                }
                matched = true;
                path = &path[1..];
            }
        }
        if matched && self.dir_only && !is_dir && path.is_empty() {
            matched = false;
        }
        matched
    }
}

/// One path component of a pattern, compiled for Go's `filepath.Match`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Glob {
    /// The empty component (a leading or doubled `/`).
    Empty,
    /// `**` on its own.
    AnyDirs,
    /// A component containing `**` among other characters: never matches in Flux.
    ContainsAnyDirs,
    /// A malformed component (`filepath.ErrBadPattern`): never matches.
    Invalid,
    /// A well-formed glob.
    Tokens(Vec<Token>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Literal(char),
    AnyChar,
    Star,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Glob {
    fn compile(text: &str) -> Glob {
        if text.is_empty() {
            return Glob::Empty;
        }
        if text == "**" {
            return Glob::AnyDirs;
        }
        if text.contains("**") {
            return Glob::ContainsAnyDirs;
        }
        compile_tokens(text).map_or(Glob::Invalid, Glob::Tokens)
    }

    fn matches(&self, name: &str) -> bool {
        match self {
            Glob::Tokens(tokens) => {
                let chars: Vec<char> = name.chars().collect();
                match_tokens(tokens, &chars)
            }
            // `filepath.Match("", name)` only matches the empty name, which never occurs.
            Glob::Empty => name.is_empty(),
            Glob::AnyDirs | Glob::ContainsAnyDirs | Glob::Invalid => false,
        }
    }
}

/// Compiles a `filepath.Match` pattern; `None` when it is malformed.
fn compile_tokens(text: &str) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => tokens.push(Token::Star),
            '?' => tokens.push(Token::AnyChar),
            '\\' => tokens.push(Token::Literal(chars.next()?)),
            '[' => {
                let negated = chars.peek() == Some(&'^');
                if negated {
                    chars.next();
                }
                let mut ranges = Vec::new();
                loop {
                    if chars.peek() == Some(&']') && !ranges.is_empty() {
                        chars.next();
                        break;
                    }
                    let lo = class_char(&mut chars)?;
                    let mut hi = lo;
                    if chars.peek() == Some(&'-') {
                        chars.next();
                        hi = class_char(&mut chars)?;
                    }
                    ranges.push((lo, hi));
                }
                tokens.push(Token::Class { negated, ranges });
            }
            other => tokens.push(Token::Literal(other)),
        }
    }
    Some(tokens)
}

/// One (possibly escaped) character of a class; `-` and `]` are malformed here, as in Go.
fn class_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<char> {
    match chars.next()? {
        '-' | ']' => None,
        '\\' => chars.next(),
        c => Some(c),
    }
}

fn token_matches(token: &Token, c: char) -> bool {
    match token {
        Token::Literal(l) => *l == c,
        Token::AnyChar => c != '/',
        Token::Class { negated, ranges } => {
            let inside = ranges.iter().any(|(lo, hi)| *lo <= c && c <= *hi);
            inside != *negated
        }
        Token::Star => true,
    }
}

/// Wildcard matching with single-star backtracking (linear in practice).
fn match_tokens(tokens: &[Token], name: &[char]) -> bool {
    let (mut t, mut n) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match tokens.get(t) {
            Some(Token::Star) => {
                star = Some((t, n));
                t += 1;
            }
            Some(tok) if name.get(n).is_some_and(|c| token_matches(tok, *c)) => {
                t += 1;
                n += 1;
            }
            _ => match star {
                Some((st, sn)) if name.get(sn).is_some_and(|c| *c != '/') => {
                    t = st + 1;
                    n = sn + 1;
                    star = Some((st, sn + 1));
                }
                _ => return false,
            },
        }
    }
    tokens[t..].iter().all(|tok| *tok == Token::Star)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, path: &str, is_dir: bool) -> MatchResult {
        let parts: Vec<&str> = path.split('/').collect();
        Pattern::parse(pattern, &[]).matches(&parts, is_dir)
    }

    #[test]
    fn go_filepath_match_cases() {
        let g = |p: &str, n: &str| Glob::compile(p).matches(n);
        assert!(g("*.yaml", "a.yaml"));
        assert!(!g("*.yaml", "a.yml"));
        assert!(g("a?c", "abc"));
        assert!(g("[a-c]x", "bx"));
        assert!(!g("[^a-c]x", "bx"));
        assert!(g("\\*", "*"));
        assert!(!g("[]a]", "]"), "malformed class never matches");
        assert!(!g("a[", "a"));
        assert!(!g("[a-]", "a"));
        assert!(g("*a*b", "xxaxxb"));
        assert!(!g("*a*b", "xxaxxbc"));
    }

    #[test]
    fn name_patterns_match_any_component() {
        assert_eq!(m(".git/", ".git/config", false), MatchResult::Exclude);
        assert_eq!(m(".git/", ".git", true), MatchResult::Exclude);
        assert_eq!(m("build/", "build", false), MatchResult::NoMatch);
        assert_eq!(m("*.png", "a/b/x.png", false), MatchResult::Exclude);
        assert_eq!(m("!keep.png", "a/keep.png", false), MatchResult::Include);
    }

    #[test]
    fn glob_patterns_anchor_at_domain() {
        assert_eq!(
            m("/deploy/*.yaml", "deploy/a.yaml", false),
            MatchResult::Exclude
        );
        assert_eq!(
            m("/deploy/*.yaml", "x/deploy/a.yaml", false),
            MatchResult::NoMatch
        );
        assert_eq!(
            m("**/.flux.yaml", "a/b/.flux.yaml", false),
            MatchResult::Exclude
        );
        assert_eq!(
            m("**/.flux.yaml", ".flux.yaml", false),
            MatchResult::Exclude
        );
        assert_eq!(m("a/**", "a/b/c", false), MatchResult::Exclude);
        let scoped = Pattern::parse("*.txt", &["sub".to_string()]);
        assert_eq!(scoped.matches(&["x.txt"], false), MatchResult::NoMatch);
        assert_eq!(
            scoped.matches(&["sub", "x.txt"], false),
            MatchResult::Exclude
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

        #[test]
        fn any_pattern_and_path_never_panic(line in "[!/*?\\[\\]^a-c. -]{0,16}", path in "[a-c*?.\\[\\]]{1,6}(/[a-c.]{1,4}){0,3}", is_dir in proptest::bool::ANY) {
            let parts: Vec<&str> = path.split('/').collect();
            let _ = Pattern::parse(&line, &[]).matches(&parts, is_dir);
        }

        #[test]
        fn escaped_literals_match_only_themselves(name in "[a-z*?\\[\\].]{1,10}", other in "[a-z*?.]{1,10}") {
            let escaped: String = name.chars().flat_map(|c| ['\\', c]).collect();
            let glob = Glob::compile(&escaped);
            if escaped.contains("**") {
                return Ok(());
            }
            proptest::prop_assert!(glob.matches(&name));
            proptest::prop_assert_eq!(glob.matches(&other), other == name);
        }

        #[test]
        fn star_matches_every_name(name in "[^/]{0,12}") {
            proptest::prop_assert!(Glob::compile("*").matches(&name));
        }
    }
}
