//! The JSONPath subset CRD `additionalPrinterColumns` use: `.a.b`, `['a.b']`, `[0]`,
//! `[*]`, `.*`, and filters `[?(@.type=="Ready")]` (`==`, `!=`, or existence `[?(@.x)]`).

use serde_json::Value;

use super::TableError;

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Seg {
    Field(String),
    Index(i64),
    All,
    Filter {
        path: Vec<Seg>,
        op: Option<(bool, String)>,
    },
}

/// Parses a JSONPath like `.status.conditions[?(@.type=="Ready")].status`.
pub(crate) fn parse(src: &str) -> Result<Vec<Seg>, TableError> {
    let err = || TableError::JsonPath(src.to_owned());
    let mut s = src.trim();
    if let Some(inner) = s.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
        s = inner.trim();
    }
    s = s.strip_prefix('$').unwrap_or(s);
    s = s.strip_prefix('@').unwrap_or(s);
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        match chars[i] {
            '.' => {
                i += 1;
                let start = i;
                while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                match name.as_str() {
                    "" => {}
                    "*" => out.push(Seg::All),
                    _ => out.push(Seg::Field(name)),
                }
            }
            '[' => {
                let close = find_close(&chars, i).ok_or_else(err)?;
                let inner: String = chars[i + 1..close].iter().collect();
                out.push(bracket(inner.trim()).ok_or_else(err)?);
                i = close + 1;
            }
            _ => return Err(err()),
        }
    }
    Ok(out)
}

fn find_close(chars: &[char], open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for (j, &c) in chars.iter().enumerate().skip(open) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

fn unquote(s: &str) -> Option<&str> {
    let s = s.trim();
    s.strip_prefix('\'')
        .and_then(|x| x.strip_suffix('\''))
        .or_else(|| s.strip_prefix('"').and_then(|x| x.strip_suffix('"')))
}

fn bracket(inner: &str) -> Option<Seg> {
    if inner == "*" {
        return Some(Seg::All);
    }
    if let Ok(n) = inner.parse::<i64>() {
        return Some(Seg::Index(n));
    }
    if let Some(name) = unquote(inner) {
        return Some(Seg::Field(name.to_owned()));
    }
    let expr = inner
        .strip_prefix('?')?
        .trim()
        .strip_prefix('(')?
        .strip_suffix(')')?
        .trim();
    for (op, eq) in [("==", true), ("!=", false)] {
        if let Some((lhs, rhs)) = expr.split_once(op) {
            let value = unquote(rhs).map_or_else(|| rhs.trim().to_owned(), str::to_owned);
            return Some(Seg::Filter {
                path: parse(lhs.trim()).ok()?,
                op: Some((eq, value)),
            });
        }
    }
    Some(Seg::Filter {
        path: parse(expr).ok()?,
        op: None,
    })
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every value the path selects in `root`, in document order.
pub(crate) fn eval<'a>(path: &[Seg], root: &'a Value) -> Vec<&'a Value> {
    let mut cur = vec![root];
    for seg in path {
        let mut next = Vec::new();
        for v in cur {
            match seg {
                Seg::Field(f) => next.extend(v.get(f.as_str())),
                Seg::Index(n) => {
                    if let Value::Array(a) = v {
                        let idx = if *n < 0 {
                            i64::try_from(a.len()).unwrap_or(0) + n
                        } else {
                            *n
                        };
                        next.extend(usize::try_from(idx).ok().and_then(|i| a.get(i)));
                    }
                }
                Seg::All => match v {
                    Value::Array(a) => next.extend(a.iter()),
                    Value::Object(m) => next.extend(m.values()),
                    _ => {}
                },
                Seg::Filter { path, op } => {
                    if let Value::Array(a) = v {
                        next.extend(a.iter().filter(|item| {
                            let found = eval(path, item);
                            match op {
                                None => !found.is_empty(),
                                Some((eq, want)) => found
                                    .first()
                                    .is_some_and(|x| (scalar_text(x) == *want) == *eq),
                            }
                        }));
                    }
                }
            }
        }
        cur = next;
    }
    cur
}
