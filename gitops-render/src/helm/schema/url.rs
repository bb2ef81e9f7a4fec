//! URLs and JSON pointers of schema references: resolution against a base (`$id`),
//! fragment decoding, pointer escaping and lookup.

use super::json::Json;

/// Go's `%q`.
pub(crate) fn go_q(s: &str) -> String {
    super::output::go_quote(s)
}

/// Resolves `reference` against `base` (RFC 3986, enough for schema `$id`s and `$ref`s).
pub(crate) fn resolve_url(base: &str, reference: &str) -> String {
    if reference.is_empty() {
        return base.split('#').next().unwrap_or(base).to_string();
    }
    if reference.starts_with('#') {
        return format!("{}{reference}", base.split('#').next().unwrap_or(base));
    }
    let scheme_end = reference.find(':');
    let has_scheme = scheme_end.is_some_and(|i| {
        i > 0
            && reference[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && reference
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
    });
    if has_scheme {
        return reference.to_string();
    }
    let base = base.split('#').next().unwrap_or(base);
    let base = base.split('?').next().unwrap_or(base);
    // split base into scheme://authority and path
    let (prefix, path) = match base.find("://") {
        Some(i) => {
            let after = &base[i + 3..];
            let p = after.find('/').map_or(after.len(), |j| j);
            (&base[..i + 3 + p], &after[p..])
        }
        None => match base.find(':') {
            Some(i) => (&base[..=i], &base[i + 1..]),
            None => ("", base),
        },
    };
    if let Some(rest) = reference.strip_prefix("//") {
        let scheme = base.find(':').map_or("", |i| &base[..=i]);
        return format!("{scheme}//{rest}");
    }
    let (ref_path, suffix) = match reference.find(['?', '#']) {
        Some(i) => (&reference[..i], &reference[i..]),
        None => (reference, ""),
    };
    let merged = if ref_path.starts_with('/') {
        ref_path.to_string()
    } else if ref_path.is_empty() {
        path.to_string()
    } else {
        let dir = path.rfind('/').map_or("", |i| &path[..=i]);
        format!("{dir}{ref_path}")
    };
    let mut out: Vec<&str> = Vec::new();
    let segs: Vec<&str> = merged.split('/').collect();
    for (i, seg) in segs.iter().enumerate() {
        match *seg {
            "." => {
                if i == segs.len() - 1 {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == segs.len() - 1 {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let mut p = out.join("/");
    if !p.starts_with('/') && !prefix.is_empty() && prefix.ends_with("//") {
        p.insert(0, '/');
    }
    format!("{prefix}{p}{suffix}")
}

/// Percent-decodes a URL fragment.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Escapes a JSON pointer token.
pub(crate) fn escape_token(tok: &str) -> String {
    tok.replace('~', "~0").replace('/', "~1")
}

pub(crate) fn unescape_token(tok: &str) -> Option<String> {
    let mut out = String::new();
    let mut it = tok.chars();
    while let Some(c) = it.next() {
        if c == '~' {
            match it.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Looks a JSON pointer up in a document.
pub(crate) fn lookup<'a>(doc: &'a Json, ptr: &str) -> Result<&'a Json, ()> {
    let mut v = doc;
    if ptr.is_empty() {
        return Ok(v);
    }
    for raw in ptr.split('/').skip(1) {
        let tok = unescape_token(raw).ok_or(())?;
        v = match v {
            Json::Obj(_) => v.get(&tok).ok_or(())?,
            Json::Arr(items) => {
                let i: usize = tok.parse().map_err(|_| ())?;
                items.get(i).ok_or(())?
            }
            _ => return Err(()),
        };
    }
    Ok(v)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ROOT_URL: &str = super::super::compile::ROOT_URL;

    #[test]
    fn resolves_urls() {
        assert_eq!(
            resolve_url(ROOT_URL, "#/a"),
            "file:///values.schema.json#/a"
        );
        assert_eq!(
            resolve_url(ROOT_URL, "other.json#/x"),
            "file:///other.json#/x"
        );
        assert_eq!(
            resolve_url("http://x.io/a/b.json", "../c.json"),
            "http://x.io/c.json"
        );
        assert_eq!(
            resolve_url("http://x.io/a/b.json", "https://y/z"),
            "https://y/z"
        );
        assert_eq!(
            resolve_url("http://x.io/a/b.json", "c.json"),
            "http://x.io/a/c.json"
        );
    }
}
