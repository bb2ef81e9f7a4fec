//! Sprig's `urlParse` and `urlJoin` over the parts of Go's `net/url` they use: parsing
//! into scheme, userinfo, host, path (unescaped), raw query, opaque and fragment, and
//! `URL.String()` with Go's escaping per component.

use crate::fmt::quote;
use crate::func::{Func, Funcs, Ty};
use crate::value::{Map, Value};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    UserPassword,
    Fragment,
}

/// Go's `shouldEscape` for the modes used here.
fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if mode == Mode::Host && b"!$&'()*+,;=:[]<>\"".contains(&c) {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Mode::Path => c == b'?',
                Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
                Mode::Fragment => false,
                Mode::Host => true,
            };
        }
        _ => {}
    }
    if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if should_escape(b, mode) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

/// Go's `unescape` (no `+` handling: no query mode here).
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let ok =
                    i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit();
                if !ok {
                    let end = (i + 3).min(b.len());
                    return Err(format!(
                        "invalid URL escape {}",
                        quote(&String::from_utf8_lossy(&b[i..end]))
                    ));
                }
                let v = u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap_or(0);
                if mode == Mode::Host && v < 0x80 && &s[i..i + 3] != "%25" {
                    return Err(format!("invalid URL escape {}", quote(&s[i..i + 3])));
                }
                out.push(v);
                i += 3;
            }
            c => {
                if mode == Mode::Host && c < 0x80 && should_escape(c, Mode::Host) {
                    return Err(format!(
                        "invalid character {} in host name",
                        quote(&s[i..i + 1])
                    ));
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn valid_optional_port(port: &str) -> bool {
    port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// The parts `urlParse` reports.
#[derive(Default)]
struct Url {
    scheme: String,
    opaque: String,
    user: Option<(String, Option<String>)>,
    host: String,
    path: String,
    raw_query: String,
    force_query: bool,
    omit_host: bool,
    fragment: String,
}

fn user_string(user: &(String, Option<String>)) -> String {
    let mut s = escape(&user.0, Mode::UserPassword);
    if let Some(p) = &user.1 {
        s.push(':');
        s.push_str(&escape(p, Mode::UserPassword));
    }
    s
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let i = host.rfind(']').ok_or("missing ']' in host")?;
        let port = &host[i + 1..];
        if !valid_optional_port(port) {
            return Err(format!("invalid port {} after host", quote(port)));
        }
    } else if let Some(i) = host.rfind(':') {
        let port = &host[i..];
        if !valid_optional_port(port) {
            return Err(format!("invalid port {} after host", quote(port)));
        }
    }
    unescape(host, Mode::Host)
}

fn valid_userinfo(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&b))
}

/// Go's `url.Parse`, with errors as `parse "URL": MESSAGE`.
fn parse(raw: &str) -> Result<Url, String> {
    let (u, frag) = raw
        .split_once('#')
        .map_or((raw, None), |(a, b)| (a, Some(b)));
    let wrap = |url: &str, e: String| format!("parse {}: {e}", quote(url));
    let mut url = parse_no_fragment(u).map_err(|e| wrap(u, e))?;
    if let Some(frag) = frag {
        url.fragment = unescape(frag, Mode::Fragment).map_err(|e| wrap(raw, e))?;
    }
    Ok(url)
}

fn parse_no_fragment(raw: &str) -> Result<Url, String> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    let mut url = Url::default();
    if raw == "*" {
        url.path = "*".into();
        return Ok(url);
    }
    let mut rest = raw;
    for (i, c) in raw.bytes().enumerate() {
        if c.is_ascii_alphabetic() {
            continue;
        }
        if c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.') {
            if i == 0 {
                break;
            }
            continue;
        }
        if c == b':' {
            if i == 0 {
                return Err("missing protocol scheme".into());
            }
            url.scheme = raw[..i].to_ascii_lowercase();
            rest = &raw[i + 1..];
        }
        break;
    }
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        url.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some((a, q)) = rest.split_once('?') {
        url.raw_query = q.to_string();
        rest = a;
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            url.opaque = rest.to_string();
            return Ok(url);
        }
        if rest.split('/').next().is_some_and(|seg| seg.contains(':')) {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let authority_and_path = &rest[2..];
        let (authority, path) = match authority_and_path.find('/') {
            Some(i) => (&authority_and_path[..i], &authority_and_path[i..]),
            None => (authority_and_path, ""),
        };
        rest = path;
        match authority.rfind('@') {
            None => url.host = parse_host(authority)?,
            Some(i) => {
                url.host = parse_host(&authority[i + 1..])?;
                let userinfo = &authority[..i];
                if !valid_userinfo(userinfo) {
                    return Err("net/url: invalid userinfo".into());
                }
                url.user = Some(match userinfo.split_once(':') {
                    None => (unescape(userinfo, Mode::UserPassword)?, None),
                    Some((u, p)) => (
                        unescape(u, Mode::UserPassword)?,
                        Some(unescape(p, Mode::UserPassword)?),
                    ),
                });
            }
        }
    } else if !url.scheme.is_empty() && rest.starts_with('/') {
        url.omit_host = true;
    }
    url.path = unescape(rest, Mode::Path)?;
    Ok(url)
}

fn hostname(host: &str) -> &str {
    let mut h = host;
    if let Some(c) = h.rfind(':').filter(|c| valid_optional_port(&h[*c..])) {
        h = &h[..c];
    }
    if h.starts_with('[') && h.ends_with(']') && h.len() >= 2 {
        h = &h[1..h.len() - 1];
    }
    h
}

/// Go's `URL.String()`.
fn to_string(u: &Url) -> String {
    let mut buf = String::new();
    if !u.scheme.is_empty() {
        buf.push_str(&u.scheme);
        buf.push(':');
    }
    if !u.opaque.is_empty() {
        buf.push_str(&u.opaque);
    } else {
        let no_authority = u.host.is_empty() && u.user.is_none();
        if !(no_authority && (u.scheme.is_empty() || u.omit_host)) {
            if !u.host.is_empty() || !u.path.is_empty() || u.user.is_some() {
                buf.push_str("//");
            }
            if let Some(user) = &u.user {
                buf.push_str(&user_string(user));
                buf.push('@');
            }
            buf.push_str(&escape(&u.host, Mode::Host));
        }
        let path = if u.path == "*" {
            "*".to_string()
        } else {
            escape(&u.path, Mode::Path)
        };
        if !path.is_empty() && !path.starts_with('/') && !u.host.is_empty() {
            buf.push('/');
        }
        if buf.is_empty() && path.split('/').next().is_some_and(|seg| seg.contains(':')) {
            buf.push_str("./");
        }
        buf.push_str(&path);
    }
    if u.force_query || !u.raw_query.is_empty() {
        buf.push('?');
        buf.push_str(&u.raw_query);
    }
    if !u.fragment.is_empty() {
        buf.push('#');
        buf.push_str(&escape(&u.fragment, Mode::Fragment));
    }
    buf
}

fn url_parse(v: &str) -> Result<Value, String> {
    let u = parse(v).map_err(|e| format!("unable to parse url: {e}"))?;
    let mut m = Map::new();
    m.insert("scheme".into(), Value::str(u.scheme.as_str()));
    m.insert("host".into(), Value::str(u.host.as_str()));
    m.insert("hostname".into(), Value::str(hostname(&u.host)));
    m.insert("path".into(), Value::str(u.path.as_str()));
    m.insert("query".into(), Value::str(u.raw_query.as_str()));
    m.insert("opaque".into(), Value::str(u.opaque.as_str()));
    m.insert("fragment".into(), Value::str(u.fragment.as_str()));
    m.insert(
        "userinfo".into(),
        Value::str(u.user.as_ref().map(user_string).unwrap_or_default()),
    );
    Ok(Value::map(m))
}

fn url_join(d: &Map) -> Result<String, String> {
    let get = |k: &str| -> Result<String, String> {
        match d.get(k) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.to_string()),
            Some(Value::Nil) => Err(super::NIL_DEREF.into()),
            Some(other) => Err(format!(
                "unable to parse {k} key, must be of type string, but {} found",
                other.kind()
            )),
        }
    };
    let mut u = Url {
        scheme: get("scheme")?,
        host: get("host")?,
        path: get("path")?,
        raw_query: get("query")?,
        opaque: get("opaque")?,
        fragment: get("fragment")?,
        ..Url::default()
    };
    let userinfo = get("userinfo")?;
    if !userinfo.is_empty() {
        let temp = parse(&format!("proto://{userinfo}@host"))
            .map_err(|e| format!("unable to parse userinfo in dict: {e}"))?;
        u.user = temp.user;
    }
    Ok(to_string(&u))
}

pub(super) fn register(f: &mut Funcs) {
    f.insert(
        "urlParse",
        Func::new(&[Ty::String], |a| {
            url_parse(a[0].as_str().unwrap_or_default())
        }),
    );
    f.insert(
        "urlJoin",
        Func::new(&[Ty::Map], |a| {
            Ok(Value::str(url_join(&a[0].as_map().map(|m| m.clone()).unwrap_or_default())?))
        }),
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::testutil::*;

    #[test]
    fn parse_like_net_url() {
        assert_eq!(
            show(
                "urlParse",
                &[s("https://user:pass@example.com:8080/a/b?x=1&y=2#frag")]
            ),
            "map[fragment:frag host:example.com:8080 hostname:example.com opaque: path:/a/b query:x=1&y=2 scheme:https userinfo:user:pass]"
        );
        assert_eq!(
            show("urlParse", &[s("mailto:joe@example.com")]),
            "map[fragment: host: hostname: opaque:joe@example.com path: query: scheme:mailto userinfo:]"
        );
        assert_eq!(
            show("urlParse", &[s("http://[::1]:80/x")]),
            "map[fragment: host:[::1]:80 hostname:::1 opaque: path:/x query: scheme:http userinfo:]"
        );
        assert_eq!(
            err("urlParse", &[s("://x")]),
            "unable to parse url: parse \"://x\": missing protocol scheme"
        );
        assert_eq!(
            err("urlParse", &[s("http://a b.com/")]),
            "unable to parse url: parse \"http://a b.com/\": invalid character \" \" in host name"
        );
        assert_eq!(
            err("urlParse", &[s("http://%41:8080/")]),
            "unable to parse url: parse \"http://%41:8080/\": invalid URL escape \"%41\""
        );
        assert_eq!(
            show("urlParse", &[s("http://u%40x:p%3a@h/")]),
            "map[fragment: host:h hostname:h opaque: path:/ query: scheme:http userinfo:u%40x:p%3A]"
        );
    }

    #[test]
    fn join_like_url_string() {
        let d = m(&[
            ("scheme", s("https")),
            ("host", s("example.com")),
            ("path", s("/a b")),
            ("query", s("x=1")),
            ("fragment", s("f g")),
        ]);
        assert_eq!(show("urlJoin", &[d]), "https://example.com/a%20b?x=1#f%20g");
        assert_eq!(
            show("urlJoin", &[m(&[("host", s("h")), ("path", s("p"))])]),
            "//h/p"
        );
        assert_eq!(show("urlJoin", &[m(&[("path", s("a:b"))])]), "./a:b");
        assert_eq!(
            show(
                "urlJoin",
                &[m(&[
                    ("scheme", s("http")),
                    ("host", s("h")),
                    ("userinfo", s("u@x"))
                ])]
            ),
            "http://u%40x@h"
        );
        assert_eq!(
            show(
                "urlJoin",
                &[m(&[
                    ("scheme", s("http")),
                    ("host", s("h")),
                    ("path", s("/a?b#c%d"))
                ])]
            ),
            "http://h/a%3Fb%23c%25d"
        );
        assert_eq!(
            err("urlJoin", &[m(&[("scheme", s("http")), ("host", i(1))])]),
            "unable to parse host key, must be of type string, but int found"
        );
    }
}
