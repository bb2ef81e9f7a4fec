//! Constraint strings (`>= 1.2, < 2 || ^3.x`, `1.0 - 2.0`, `~1.2`, `!= 4.x`, …) parsed and
//! checked exactly as Masterminds/semver v3's `NewConstraint`, `Check` and `Validate`.
//!
//! The grammar is Masterminds', including its quirks: hyphen ranges are rewritten textually
//! into `>= a, <= b` before anything else, `||` separates alternatives, and within an
//! alternative comparisons are separated by whitespace or commas. A version part may be a
//! wildcard (`x`, `X`, `*`) or missing, which turns `=`/bare comparisons into tilde ranges.
//!
//! Prereleases are scoped per `||` alternative: a prerelease version can only satisfy an
//! alternative in which at least one comparison names a prerelease (or when
//! [`Constraints::include_prerelease`] is set).

use std::fmt;
use std::sync::OnceLock;

use regex_lite::Regex;

use super::ops::{Constraint, Op, prerelease_reason};
use super::{Error, Version};

/// A parsed constraint expression: `||`-separated alternatives of comparisons that must all
/// hold.
#[derive(Debug, Clone)]
pub struct Constraints {
    groups: Vec<Group>,
    original: String,
    include_prerelease: bool,
}

#[derive(Debug, Clone)]
struct Group {
    items: Vec<Constraint>,
    /// Some comparison of this alternative names a prerelease.
    has_pre: bool,
}

struct Patterns {
    /// A hyphen range `a - b`.
    range: Regex,
    /// One alternative, as a whole.
    valid: Regex,
    /// One comparison within an alternative.
    find: Regex,
    /// One comparison, anchored, with its parts captured.
    single: Regex,
}

/// Whitespace as Go's `\s` (`[\t\n\f\r ]`).
const WS: &str = r"[\t\n\f\r ]";
/// The operators, in Masterminds' alternation order (leftmost-first matters).
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";

/// A constraint version; `capture` names the parts when true. (Like Masterminds', the
/// number classes also admit `|`; such versions then fail to parse.)
fn cv(capture: bool) -> String {
    let num = r"[0-9|x|X|\*]+";
    let ident = r"[0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*";
    if capture {
        format!(
            r"v?(?P<major>{num})(?P<minor>\.{num})?(?P<patch>\.{num})?(?P<pre>-{ident})?(?:\+{ident})?"
        )
    } else {
        format!(r"v?{num}(?:\.{num})?(?:\.{num})?(?:-{ident})?(?:\+{ident})?")
    }
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let plain = cv(false);
        let compile = |p: String| match Regex::new(&p) {
            Ok(r) => r,
            // The patterns are constants of this module: a failure is a programming error
            // caught by every test.
            Err(e) => panic!("semver constraint pattern {p:?} does not compile: {e}"),
        };
        Patterns {
            range: compile(format!(r"{WS}*(?P<from>{plain}){WS}+-{WS}+(?P<to>{plain}){WS}*")),
            valid: compile(format!(
                r"^(?:{WS}*(?:{OPS}){WS}*(?:{plain}){WS}*)(?:(?:{WS}+|,{WS}*)(?:{OPS}){WS}*(?:{plain}){WS}*)*$"
            )),
            find: compile(format!(r"(?:{OPS}){WS}*(?:{plain})")),
            single: compile(format!(r"^{WS}*(?P<op>{OPS}){WS}*(?P<ver>{}){WS}*$", cv(true))),
        }
    })
}

/// Masterminds' `rewriteRange`: each `a - b` becomes `>= a, <= b `, replacing the first
/// occurrence of the matched text.
pub(crate) fn rewrite_ranges(input: &str) -> String {
    let p = patterns();
    let mut out = input.to_owned();
    for caps in p.range.captures_iter(input) {
        let (Some(whole), Some(from), Some(to)) = (caps.get(0), caps.name("from"), caps.name("to"))
        else {
            continue;
        };
        let replacement = format!(">= {}, <= {} ", from.as_str(), to.as_str());
        out = out.replacen(whole.as_str(), &replacement, 1);
    }
    out
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

/// Masterminds' `parseConstraint` for one comparison such as `>= 1.2` or `4.x`.
pub(crate) fn parse_one(text: &str) -> Result<Constraint, Error> {
    let improper = || Error::ImproperConstraint {
        constraint: text.to_owned(),
    };
    let caps = patterns().single.captures(text).ok_or_else(improper)?;
    let op_text = caps.name("op").map_or("", |m| m.as_str());
    let orig = caps.name("ver").map_or("", |m| m.as_str());
    let major = caps.name("major").map_or("", |m| m.as_str());
    let minor = caps.name("minor").map_or("", |m| m.as_str());
    let patch = caps.name("patch").map_or("", |m| m.as_str());
    let pre = caps.name("pre").map_or("", |m| m.as_str());
    let op = Op::from_text(op_text).ok_or_else(improper)?;

    let (mut dirty, mut minor_dirty, mut patch_dirty) = (false, false, false);
    let ver = if is_x(major) || major.is_empty() {
        dirty = true;
        format!("0.0.0{pre}")
    } else if minor.is_empty() || is_x(&minor[1..]) {
        dirty = true;
        minor_dirty = true;
        format!("{major}.0.0{pre}")
    } else if patch.is_empty() || is_x(&patch[1..]) {
        dirty = true;
        patch_dirty = true;
        format!("{major}{minor}.0{pre}")
    } else {
        orig.to_owned()
    };
    let con = Version::parse(&ver).map_err(|_| Error::ConstraintParser {
        constraint: text.to_owned(),
    })?;
    Ok(Constraint {
        op,
        op_text: op_text.to_owned(),
        orig: orig.to_owned(),
        con,
        dirty,
        minor_dirty,
        patch_dirty,
    })
}

impl Constraints {
    /// Parses a constraint expression as Masterminds' `NewConstraint`. An empty string is an
    /// error (callers that treat "no constraint" as `*`, as Helm does, must do so first).
    pub fn parse(s: &str) -> Result<Constraints, Error> {
        let p = patterns();
        let rewritten = rewrite_ranges(s);
        let mut groups = Vec::new();
        for alternative in rewritten.split("||") {
            if !p.valid.is_match(alternative) {
                return Err(Error::ImproperConstraint {
                    constraint: alternative.to_owned(),
                });
            }
            let items = p
                .find
                .find_iter(alternative)
                .map(|m| parse_one(m.as_str()))
                .collect::<Result<Vec<_>, _>>()?;
            let has_pre = items.iter().any(|c| !c.con.prerelease().is_empty());
            groups.push(Group { items, has_pre });
        }
        Ok(Constraints {
            groups,
            original: s.to_owned(),
            include_prerelease: false,
        })
    }

    /// Masterminds' `IncludePrerelease`: when set, prerelease versions are considered by every
    /// alternative, not only by those naming a prerelease. Flux never sets it.
    pub fn include_prerelease(mut self, include: bool) -> Constraints {
        self.include_prerelease = include;
        self
    }

    /// Whether `v` satisfies some alternative (Masterminds' `Check`).
    pub fn matches(&self, v: &Version) -> bool {
        self.groups.iter().any(|g| {
            let include_pre = self.include_prerelease || g.has_pre;
            g.items.iter().all(|c| c.check(v, include_pre).is_ok())
        })
    }

    /// Like [`Constraints::matches`], but on failure returns Masterminds' `Validate` reasons,
    /// e.g. `"1.2.3" is less than "2"`, one per failing comparison across all alternatives
    /// (the prerelease reason only once).
    pub fn validate(&self, v: &Version) -> Result<(), Vec<String>> {
        let mut reasons = Vec::new();
        let mut prerelease_reported = false;
        for g in &self.groups {
            let include_pre = self.include_prerelease || g.has_pre;
            let mut ok = true;
            for c in &g.items {
                if !include_pre && !v.prerelease().is_empty() {
                    if !prerelease_reported {
                        reasons.push(prerelease_reason(v));
                        prerelease_reported = true;
                    }
                    ok = false;
                } else if let Err(failure) = c.check(v, include_pre) {
                    reasons.push(c.reason(v, failure));
                    ok = false;
                }
            }
            if ok {
                return Ok(());
            }
        }
        Err(reasons)
    }

    /// Masterminds' `String()`: comparisons re-spelled without inner spaces, joined by a
    /// space, alternatives by ` || ` (e.g. `2.x,   >=1.2.3 || >4.5.6, < 5.7` gives
    /// `2.x >=1.2.3 || >4.5.6 <5.7`).
    pub fn normalized(&self) -> String {
        self.groups
            .iter()
            .map(|g| {
                g.items
                    .iter()
                    .map(|c| format!("{}{}", c.op_text, c.orig))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join(" || ")
    }

    /// The number of comparisons in each `||` alternative (diagnostics and tests).
    pub fn shape(&self) -> Vec<usize> {
        self.groups.iter().map(|g| g.items.len()).collect()
    }
}

impl fmt::Display for Constraints {
    /// The text the constraints were parsed from; see [`Constraints::normalized`] for
    /// Masterminds' `String()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

impl std::str::FromStr for Constraints {
    type Err = Error;

    /// Same as [`Constraints::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Constraints::parse(s)
    }
}
