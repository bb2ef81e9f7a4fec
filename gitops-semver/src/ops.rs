//! The single comparisons a constraint is made of, and their failure reasons, with the
//! semantics (and messages) of Masterminds/semver v3.

use std::cmp::Ordering;

use super::version::{Version, compare_prerelease};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// `""` or `=`: equal, or a tilde range when the version has wildcards / missing parts.
    TildeOrEqual,
    /// `!=`.
    NotEqual,
    /// `>`.
    Greater,
    /// `<`.
    Less,
    /// `>=` or `=>`.
    GreaterEqual,
    /// `<=` or `=<`.
    LessEqual,
    /// `~` or `~>`.
    Tilde,
    /// `^`.
    Caret,
}

impl Op {
    /// The operator for its spelling (including the empty one).
    pub(crate) fn from_text(s: &str) -> Option<Op> {
        Some(match s {
            "" | "=" => Op::TildeOrEqual,
            "!=" => Op::NotEqual,
            ">" => Op::Greater,
            "<" => Op::Less,
            ">=" | "=>" => Op::GreaterEqual,
            "<=" | "=<" => Op::LessEqual,
            "~" | "~>" => Op::Tilde,
            "^" => Op::Caret,
            _ => return None,
        })
    }
}

/// One parsed comparison, e.g. `>= 1.2` or `!=4.x`.
#[derive(Debug, Clone)]
pub(crate) struct Constraint {
    pub(crate) op: Op,
    /// The operator as written (`=>`, `~>`, …).
    pub(crate) op_text: String,
    /// The version text as written (`1.x`, `v2.0-rc.1`, …).
    pub(crate) orig: String,
    /// The version compared against, wildcards and missing parts set to 0.
    pub(crate) con: Version,
    /// Some part was a wildcard or missing.
    pub(crate) dirty: bool,
    /// The minor part (and so the patch) was a wildcard or missing.
    pub(crate) minor_dirty: bool,
    /// The patch part was a wildcard or missing (the minor was given).
    pub(crate) patch_dirty: bool,
}

/// Go's `%q` for the (ASCII) texts that appear in reasons.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The reason given when a prerelease is seen by a range that does not look for them.
pub(crate) fn prerelease_reason(v: &Version) -> String {
    format!(
        "{} is a prerelease version and the constraint is only looking for release versions",
        quote(&v.to_string())
    )
}

/// Why a comparison refused a version; turned into Masterminds' text only when asked for,
/// so that [`Constraint::check`] allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// A prerelease seen by a comparison not looking for them.
    Prerelease,
    /// `"<version>" <relation> "<constraint>"` followed by `suffix`.
    Relation {
        relation: &'static str,
        suffix: &'static str,
    },
}

fn fail(relation: &'static str) -> Result<(), Failure> {
    Err(Failure::Relation {
        relation,
        suffix: "",
    })
}

impl Constraint {
    /// Masterminds' reason for `failure` of this comparison on `v`.
    pub(crate) fn reason(&self, v: &Version, failure: Failure) -> String {
        match failure {
            Failure::Prerelease => prerelease_reason(v),
            Failure::Relation { relation, suffix } => {
                format!(
                    "{} {relation} {}{suffix}",
                    quote(&v.to_string()),
                    quote(&self.orig)
                )
            }
        }
    }

    /// Checks `v`; see [`Constraint::reason`] for the text of a failure.
    pub(crate) fn check(&self, v: &Version, include_pre: bool) -> Result<(), Failure> {
        if !v.prerelease().is_empty() && !include_pre {
            return Err(Failure::Prerelease);
        }
        match self.op {
            Op::TildeOrEqual => self.tilde_or_equal(v),
            Op::NotEqual => self.not_equal(v),
            Op::Greater => self.greater(v),
            Op::Less => self.less(v),
            Op::GreaterEqual => self.greater_equal(v),
            Op::LessEqual => self.less_equal(v),
            Op::Tilde => self.tilde(v),
            Op::Caret => self.caret(v),
        }
    }

    fn not_equal(&self, v: &Version) -> Result<(), Failure> {
        let c = &self.con;
        if self.dirty {
            if c.major() != v.major() {
                return Ok(());
            }
            if c.minor() != v.minor() && !self.minor_dirty {
                return Ok(());
            } else if self.minor_dirty {
                return fail("is equal to");
            } else if c.patch() != v.patch() && !self.patch_dirty {
                return Ok(());
            } else if self.patch_dirty {
                if (!v.prerelease().is_empty() || !c.prerelease().is_empty())
                    && compare_prerelease(v.prerelease(), c.prerelease()) != Ordering::Equal
                {
                    return Ok(());
                }
                return fail("is equal to");
            }
        }
        if v == c { fail("is equal to") } else { Ok(()) }
    }

    fn greater(&self, v: &Version) -> Result<(), Failure> {
        let c = &self.con;
        let ok = if !self.dirty {
            v > c
        } else if v.major() != c.major() {
            v.major() > c.major()
        } else if self.minor_dirty {
            // `>11` wants 12 or higher.
            false
        } else if self.patch_dirty {
            // `>11.1` wants 11.2 or higher.
            v.minor() > c.minor()
        } else {
            v > c
        };
        if ok {
            Ok(())
        } else {
            fail("is less than or equal to")
        }
    }

    fn less(&self, v: &Version) -> Result<(), Failure> {
        if v < &self.con {
            Ok(())
        } else {
            fail("is greater than or equal to")
        }
    }

    fn greater_equal(&self, v: &Version) -> Result<(), Failure> {
        if v >= &self.con {
            Ok(())
        } else {
            fail("is less than")
        }
    }

    fn less_equal(&self, v: &Version) -> Result<(), Failure> {
        let c = &self.con;
        let ok = if !self.dirty {
            v <= c
        } else {
            !(v.major() > c.major()
                || (v.major() == c.major() && v.minor() > c.minor() && !self.minor_dirty))
        };
        if ok { Ok(()) } else { fail("is greater than") }
    }

    /// `~1.2.3` is `>=1.2.3 <1.3.0`, `~1.2`/`~1.2.x` `>=1.2.0 <1.3.0`, `~1`/`~1.x` `>=1.0.0
    /// <2.0.0`, `~0.0.0` and `~*` anything.
    fn tilde(&self, v: &Version) -> Result<(), Failure> {
        let c = &self.con;
        if v < c {
            return fail("is less than");
        }
        if c.major() == 0
            && c.minor() == 0
            && c.patch() == 0
            && !self.minor_dirty
            && !self.patch_dirty
        {
            return Ok(());
        }
        if v.major() != c.major() {
            return fail("does not have same major version as");
        }
        if v.minor() != c.minor() && !self.minor_dirty {
            return fail("does not have same major and minor version as");
        }
        Ok(())
    }

    fn tilde_or_equal(&self, v: &Version) -> Result<(), Failure> {
        if self.dirty {
            return self.tilde(v);
        }
        if v == &self.con {
            Ok(())
        } else {
            fail("is not equal to")
        }
    }

    /// `^1.2.3` is `>=1.2.3 <2.0.0`, `^0.2.3` `>=0.2.3 <0.3.0`, `^0.0.3` `=0.0.3`, `^0.0`
    /// `<0.1.0`, `^0` `<1.0.0`.
    fn caret(&self, v: &Version) -> Result<(), Failure> {
        let c = &self.con;
        if v < c {
            return fail("is less than");
        }
        if c.major() > 0 || self.minor_dirty {
            if v.major() == c.major() {
                return Ok(());
            }
            return fail("does not have same major version as");
        }
        if v.major() > 0 {
            return fail("does not have same major version as");
        }
        if c.minor() > 0 || self.patch_dirty {
            if v.minor() == c.minor() {
                return Ok(());
            }
            return Err(Failure::Relation {
                relation: "does not have same minor version as",
                suffix: ". Expected minor versions to match when constraint major version is 0",
            });
        }
        if v.minor() > 0 {
            return fail("does not have same minor version as");
        }
        if c.patch() == v.patch() {
            return Ok(());
        }
        Err(Failure::Relation {
            relation: "does not equal",
            suffix: ". Expect version and constraint to equal when major and minor versions are 0",
        })
    }
}
