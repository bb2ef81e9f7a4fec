//! Label selectors, parsed exactly as apimachinery's `labels.Parse` parses them
//! (`pkg/labels/selector.go`: same lexer, same grammar, same error texts).
//!
//! Grammar: requirements joined by `,` (AND); each is `key`, `!key`, `key=v`, `key==v`,
//! `key!=v`, `key in (a,b)`, `key notin (a,b)`, `key>N`, `key<N`. `!=` and `notin` also match
//! objects without the key. Keys must be qualified names and values valid label values
//! (`pkg/util/validation/validation.go`); errors read like
//! `unable to parse requirement: <nil>: Invalid value: "a b": …` as the Go code prints them.
//! Field selectors live in [`crate::field_selector`].

use std::collections::BTreeSet;

use serde_json::Value;
use thiserror::Error;

use crate::status::{FieldError, Status, aggregate, go_quote};
use crate::validation::{label_value_errors, qualified_name_errors};

/// A label selector parse error; the message is apimachinery's text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SelectorError {
    /// The selector string does not parse.
    #[error("{0}")]
    Parse(String),
}

impl SelectorError {
    /// The 400 BadRequest Status the API server answers with.
    pub fn to_status(&self) -> Status {
        Status::bad_request(self.to_string())
    }
}

/// A requirement operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `=`.
    Equals,
    /// `==`.
    DoubleEquals,
    /// `!=`.
    NotEquals,
    /// `in`.
    In,
    /// `notin`.
    NotIn,
    /// bare key.
    Exists,
    /// `!key`.
    DoesNotExist,
    /// `>` (numeric).
    GreaterThan,
    /// `<` (numeric).
    LessThan,
}

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The label key.
    pub key: String,
    /// The operator.
    pub operator: Operator,
    /// Values, sorted and de-duplicated like Go's `sets.String`.
    pub values: BTreeSet<String>,
}

impl Requirement {
    /// Whether a label map satisfies this requirement.
    pub fn matches(&self, labels: &dyn Fn(&str) -> Option<String>) -> bool {
        let v = labels(&self.key);
        match self.operator {
            Operator::Equals | Operator::DoubleEquals | Operator::In => {
                v.is_some_and(|v| self.values.contains(&v))
            }
            Operator::NotEquals | Operator::NotIn => v.is_none_or(|v| !self.values.contains(&v)),
            Operator::Exists => v.is_some(),
            Operator::DoesNotExist => v.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let Some(have) = v.and_then(|v| v.parse::<i64>().ok()) else {
                    return false;
                };
                let Some(want) = self
                    .values
                    .iter()
                    .next()
                    .and_then(|w| w.parse::<i64>().ok())
                else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    have > want
                } else {
                    have < want
                }
            }
        }
    }
}

/// A parsed label selector: the AND of its requirements (empty = everything).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelSelector {
    /// Requirements sorted by key, as `labels.Parse` sorts them.
    pub requirements: Vec<Requirement>,
}

impl LabelSelector {
    /// Parses a selector string (the `labelSelector` query parameter).
    pub fn parse(s: &str) -> Result<Self, SelectorError> {
        let items = lex(s);
        let mut p = Parser { items, pos: 0 };
        let mut requirements = p.parse().map_err(SelectorError::Parse)?;
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Self { requirements })
    }

    /// True when it selects everything.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether an object's `metadata.labels` satisfy every requirement.
    pub fn matches_object(&self, obj: &Value) -> bool {
        let labels = obj.pointer("/metadata/labels");
        let get = |k: &str| {
            labels
                .and_then(|l| l.get(k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        self.requirements.iter().all(|r| r.matches(&get))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Error,
    End,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

fn special(c: char) -> bool {
    matches!(c, '=' | '!' | '(' | ')' | ',' | '>' | '<')
}

fn symbol(s: &str) -> Option<Tok> {
    Some(match s {
        ")" => Tok::ClosedPar,
        "," => Tok::Comma,
        "!" => Tok::DoesNotExist,
        "==" => Tok::DoubleEquals,
        "=" => Tok::Equals,
        ">" => Tok::GreaterThan,
        "(" => Tok::OpenPar,
        "<" => Tok::LessThan,
        "!=" => Tok::NotEquals,
        _ => return None,
    })
}

/// Go's lexer works on bytes; whitespace is ' ', '\t', '\r', '\n'.
fn lex(s: &str) -> Vec<(Tok, String)> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < chars.len() && matches!(chars[i], ' ' | '\t' | '\r' | '\n') {
            i += 1;
        }
        if i >= chars.len() {
            out.push((Tok::End, String::new()));
            return out;
        }
        if special(chars[i]) {
            let mut buf = String::new();
            let mut last: Option<(Tok, String)> = None;
            while i < chars.len() && special(chars[i]) {
                buf.push(chars[i]);
                if let Some(t) = symbol(&buf) {
                    last = Some((t, buf.clone()));
                } else if last.is_some() {
                    break;
                }
                i += 1;
            }
            match last {
                Some(item) => out.push(item),
                None => {
                    out.push((Tok::Error, format!("error expected: keyword found '{buf}'")));
                    out.push((Tok::End, String::new()));
                    return out;
                }
            }
        } else {
            let start = i;
            while i < chars.len()
                && !special(chars[i])
                && !matches!(chars[i], ' ' | '\t' | '\r' | '\n')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let tok = match word.as_str() {
                "in" => Tok::In,
                "notin" => Tok::NotIn,
                _ => Tok::Identifier,
            };
            out.push((tok, word));
        }
    }
}

struct Parser {
    items: Vec<(Tok, String)>,
    pos: usize,
}

const BINARY_OPERATORS: &str = "in, notin, =, ==, !=, gt, lt";

impl Parser {
    /// `Values` context: `in`/`notin` are identifiers.
    fn lookahead(&self, values: bool) -> (Tok, String) {
        let (t, l) = self
            .items
            .get(self.pos)
            .cloned()
            .unwrap_or((Tok::End, String::new()));
        let t = if values && matches!(t, Tok::In | Tok::NotIn) {
            Tok::Identifier
        } else {
            t
        };
        (t, l)
    }

    fn consume(&mut self, values: bool) -> (Tok, String) {
        let r = self.lookahead(values);
        if self.pos < self.items.len() - 1 {
            self.pos += 1;
        }
        r
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, String> {
        let mut reqs = Vec::new();
        loop {
            let (tok, lit) = self.lookahead(true);
            match tok {
                Tok::Identifier | Tok::DoesNotExist => {
                    let r = self
                        .requirement()
                        .map_err(|e| format!("unable to parse requirement: {e}"))?;
                    reqs.push(r);
                    let (t, l) = self.consume(true);
                    match t {
                        Tok::End => return Ok(reqs),
                        Tok::Comma => {
                            let (t2, l2) = self.lookahead(true);
                            if t2 != Tok::Identifier && t2 != Tok::DoesNotExist {
                                return Err(format!(
                                    "found '{l2}', expected: identifier after ','"
                                ));
                            }
                        }
                        _ => return Err(format!("found '{l}', expected: ',' or 'end of string'")),
                    }
                }
                Tok::End => return Ok(reqs),
                _ => {
                    return Err(format!(
                        "found '{lit}', expected: !, identifier, or 'end of string'"
                    ));
                }
            }
        }
    }

    fn requirement(&mut self) -> Result<Requirement, String> {
        let (key, op) = self.key_and_operator()?;
        if let Some(op) = op {
            return new_requirement(key, op, BTreeSet::new());
        }
        let op = self.operator()?;
        let values = match op {
            Operator::In | Operator::NotIn => self.values()?,
            _ => self.exact_value()?,
        };
        new_requirement(key, op, values)
    }

    fn key_and_operator(&mut self) -> Result<(String, Option<Operator>), String> {
        let mut op = None;
        let (mut tok, mut lit) = self.consume(true);
        if tok == Tok::DoesNotExist {
            op = Some(Operator::DoesNotExist);
            (tok, lit) = self.consume(true);
        }
        if tok != Tok::Identifier {
            return Err(format!("found '{lit}', expected: identifier"));
        }
        if let Some(e) = validate_key(&lit, "<nil>") {
            return Err(e.to_string());
        }
        let (t, _) = self.lookahead(true);
        if (t == Tok::End || t == Tok::Comma) && op.is_none() {
            op = Some(Operator::Exists);
        }
        Ok((lit, op))
    }

    fn operator(&mut self) -> Result<Operator, String> {
        let (tok, lit) = self.consume(false);
        Ok(match tok {
            Tok::In => Operator::In,
            Tok::Equals => Operator::Equals,
            Tok::DoubleEquals => Operator::DoubleEquals,
            Tok::GreaterThan => Operator::GreaterThan,
            Tok::LessThan => Operator::LessThan,
            Tok::NotIn => Operator::NotIn,
            Tok::NotEquals => Operator::NotEquals,
            _ => return Err(format!("found '{lit}', expected: {BINARY_OPERATORS}")),
        })
    }

    fn values(&mut self) -> Result<BTreeSet<String>, String> {
        let (tok, lit) = self.consume(true);
        if tok != Tok::OpenPar {
            return Err(format!("found '{lit}' expected: '('"));
        }
        let (tok, lit) = self.lookahead(true);
        match tok {
            Tok::Identifier | Tok::Comma => {
                let s = self.identifiers()?;
                let (t, _) = self.consume(true);
                if t != Tok::ClosedPar {
                    return Err(format!("found '{lit}', expected: ')'"));
                }
                Ok(s)
            }
            Tok::ClosedPar => {
                self.consume(true);
                Ok(BTreeSet::from([String::new()]))
            }
            _ => Err(format!("found '{lit}', expected: ',', ')' or identifier")),
        }
    }

    fn identifiers(&mut self) -> Result<BTreeSet<String>, String> {
        let mut s = BTreeSet::new();
        loop {
            let (tok, lit) = self.consume(true);
            match tok {
                Tok::Identifier => {
                    s.insert(lit);
                    let (t2, l2) = self.lookahead(true);
                    match t2 {
                        Tok::Comma => continue,
                        Tok::ClosedPar => return Ok(s),
                        _ => return Err(format!("found '{l2}', expected: ',' or ')'")),
                    }
                }
                Tok::Comma => {
                    if s.is_empty() {
                        s.insert(String::new());
                    }
                    let (t2, _) = self.lookahead(true);
                    if t2 == Tok::ClosedPar {
                        s.insert(String::new());
                        return Ok(s);
                    }
                    if t2 == Tok::Comma {
                        self.consume(true);
                        s.insert(String::new());
                    }
                }
                _ => return Err(format!("found '{lit}', expected: ',', or identifier")),
            }
        }
    }

    fn exact_value(&mut self) -> Result<BTreeSet<String>, String> {
        let (tok, _) = self.lookahead(true);
        if tok == Tok::End || tok == Tok::Comma {
            return Ok(BTreeSet::from([String::new()]));
        }
        let (tok, lit) = self.consume(true);
        if tok == Tok::Identifier {
            return Ok(BTreeSet::from([lit]));
        }
        Err(format!("found '{lit}', expected: identifier"))
    }
}

fn go_string_slice(v: &BTreeSet<String>) -> String {
    let parts: Vec<String> = v.iter().map(|s| go_quote(s)).collect();
    format!("[]string{{{}}}", parts.join(", "))
}

/// apimachinery `NewRequirement` validation.
fn new_requirement(
    key: String,
    op: Operator,
    values: BTreeSet<String>,
) -> Result<Requirement, String> {
    let mut errs: Vec<FieldError> = Vec::new();
    if let Some(e) = validate_key(&key, "key") {
        errs.push(e);
    }
    let raw = |detail: &str| FieldError {
        kind: crate::status::FieldErrorType::Invalid,
        field: "values".into(),
        bad_value: Some(go_string_slice(&values)),
        detail: detail.into(),
    };
    match op {
        Operator::In | Operator::NotIn if values.is_empty() => {
            errs.push(raw(
                "for 'in', 'notin' operators, values set can't be empty",
            ));
        }
        Operator::Equals | Operator::DoubleEquals | Operator::NotEquals if values.len() != 1 => {
            errs.push(raw("exact-match compatibility requires one single value"));
        }
        Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
            errs.push(raw(
                "values set must be empty for exists and does not exist",
            ));
        }
        Operator::GreaterThan | Operator::LessThan => {
            if values.len() != 1 {
                errs.push(raw(
                    "for 'Gt', 'Lt' operators, exactly one value is required",
                ));
            }
            for (i, v) in values.iter().enumerate() {
                if v.parse::<i64>().is_err() {
                    errs.push(FieldError::invalid_str(
                        &format!("values[{i}]"),
                        v,
                        "for 'Gt', 'Lt' operators, the value must be an integer",
                    ));
                }
            }
        }
        _ => {}
    }
    for (i, v) in values.iter().enumerate() {
        let msgs = label_value_errors(v);
        if !msgs.is_empty() {
            errs.push(FieldError::invalid_str(
                &format!("values[{i}][{key}]"),
                v,
                &msgs.join("; "),
            ));
        }
    }
    if errs.is_empty() {
        Ok(Requirement {
            key,
            operator: op,
            values,
        })
    } else {
        Err(aggregate(&errs))
    }
}

fn validate_key(key: &str, field: &str) -> Option<FieldError> {
    let msgs = qualified_name_errors(key);
    (!msgs.is_empty()).then(|| FieldError::invalid_str(field, key, &msgs.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(sel: &str, labels: Value) -> bool {
        LabelSelector::parse(sel)
            .expect("parses")
            .matches_object(&json!({"metadata": {"labels": labels}}))
    }

    #[test]
    fn operators_match() {
        let l = json!({"app": "web", "tier": "fe", "n": "5"});
        assert!(m("app=web", l.clone()));
        assert!(m("app==web,tier", l.clone()));
        assert!(!m("app!=web", l.clone()));
        assert!(m("missing!=x", l.clone()));
        assert!(m("tier in (fe, be)", l.clone()));
        assert!(m("tier notin (be)", l.clone()));
        assert!(m("missing notin (be)", l.clone()));
        assert!(m("!missing", l.clone()));
        assert!(!m("!app", l.clone()));
        assert!(m("n>4,n<6", l.clone()));
        assert!(!m("n>5", l.clone()));
        assert!(m("", l.clone()));
        assert!(m("app=web,tier in (a,fe),!foo", l));
    }

    #[test]
    fn parse_errors_match_apimachinery() {
        let e = |s: &str| LabelSelector::parse(s).expect_err("fails").to_string();
        assert_eq!(e("app=web,"), "found '', expected: identifier after ','");
        assert_eq!(
            e("app in"),
            "unable to parse requirement: found '' expected: '('"
        );
        assert_eq!(
            e("app=web=x"),
            "found '=', expected: ',' or 'end of string'"
        );
        assert_eq!(
            e("=x"),
            "found '=', expected: !, identifier, or 'end of string'"
        );
        assert_eq!(
            e("app ~ x"),
            "unable to parse requirement: found '~', expected: in, notin, =, ==, !=, gt, lt"
        );
        assert_eq!(
            e("n>abc"),
            "unable to parse requirement: values[0]: Invalid value: \"abc\": for 'Gt', 'Lt' operators, the value must be an integer"
        );
        assert!(e("a_=b").starts_with("unable to parse requirement: <nil>: Invalid value: \"a_\": name part must consist of alphanumeric characters"));
        assert!(e("a=b_").starts_with(
            "unable to parse requirement: values[0][a]: Invalid value: \"b_\": a valid label must be an empty string"
        ));
    }

    #[test]
    fn empty_values() {
        let s = LabelSelector::parse("a in ()").expect("parses");
        assert_eq!(s.requirements[0].values, BTreeSet::from([String::new()]));
        let s = LabelSelector::parse("a=").expect("parses");
        assert!(s.matches_object(&json!({"metadata": {"labels": {"a": ""}}})));
    }
}
