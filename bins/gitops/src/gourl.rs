//! The parts of Go's `net/url.Parse` flux relies on: the scheme, the host and the
//! errors it reports (`parse "<url>": <reason>`).

use crate::gostr::quote;

/// A parsed URL: only what the create commands look at.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Url {
    /// Lower-cased scheme, empty when there is none.
    pub scheme: String,
    /// `host[:port]` of the authority, empty when there is none.
    pub host: String,
}

/// Parses `raw` like Go's `url.Parse`.
pub fn parse(raw: &str) -> Result<Url, String> {
    parse_inner(raw).map_err(|reason| format!("parse {}: {reason}", quote(raw)))
}

fn parse_inner(raw: &str) -> Result<Url, String> {
    let (rest, fragment) = match raw.find('#') {
        Some(i) => (&raw[..i], Some(&raw[i + 1..])),
        None => (raw, None),
    };
    if rest.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    let mut url = Url::default();
    if rest == "*" {
        return Ok(url);
    }
    let (scheme, mut rest) = split_scheme(rest)?;
    url.scheme = scheme.to_ascii_lowercase();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        rest = &rest[..rest.len() - 1];
    } else if let Some(i) = rest.find('?') {
        rest = &rest[..i];
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            // Opaque URL such as `mailto:x`.
            if let Some(f) = fragment {
                unescape(f, Mode::Fragment)?;
            }
            return Ok(url);
        }
        let segment = rest.split('/').next().unwrap_or("");
        if segment.contains(':') {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    let mut path = rest;
    if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let after = &rest[2..];
        let (authority, p) = match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        url.host = parse_authority(authority)?;
        path = p;
    }
    unescape(path, Mode::Path)?;
    if let Some(f) = fragment {
        unescape(f, Mode::Fragment)?;
    }
    Ok(url)
}

fn split_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                if i == 0 {
                    return Ok(("", raw));
                }
            }
            b':' => {
                if i == 0 {
                    return Err("missing protocol scheme".into());
                }
                return Ok((&raw[..i], &raw[i + 1..]));
            }
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn parse_authority(authority: &str) -> Result<String, String> {
    match authority.rfind('@') {
        None => parse_host(authority),
        Some(i) => {
            let host = parse_host(&authority[i + 1..])?;
            let userinfo = &authority[..i];
            if !userinfo.bytes().all(valid_userinfo_byte) {
                return Err("net/url: invalid userinfo".into());
            }
            unescape(userinfo, Mode::UserPassword)?;
            Ok(host)
        }
    }
}

fn valid_userinfo_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&c) || c >= 0x80
}

fn valid_optional_port(port: &str) -> bool {
    match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(digits) => digits.bytes().all(|b| b.is_ascii_digit()),
    }
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let Some(i) = host.rfind(']') else {
            return Err("missing ']' in host".into());
        };
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    UserPassword,
    Fragment,
}

fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

fn should_escape_host(c: u8) -> bool {
    !(c.is_ascii_alphanumeric() || b"!$&'()*+,;=:[]<>\"-_.~".contains(&c))
}

/// Go's `unescape`: validates `%XX` escapes (and host characters) and decodes.
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                if i + 2 >= b.len() || !is_hex(b[i + 1]) || !is_hex(b[i + 2]) {
                    let end = (i + 3).min(b.len());
                    let bad = String::from_utf8_lossy(&b[i..end]);
                    return Err(format!("invalid URL escape {}", quote(&bad)));
                }
                if mode == Mode::Host {
                    let hi = (b[i + 1] as char).to_digit(16).unwrap_or(0);
                    if hi < 8 && &s[i..i + 3] != "%25" {
                        return Err(format!("invalid URL escape {}", quote(&s[i..i + 3])));
                    }
                }
                i += 3;
            }
            c => {
                if mode == Mode::Host && c < 0x80 && should_escape_host(c) {
                    return Err(format!(
                        "invalid character {} in host name",
                        quote(&s[i..i + 1])
                    ));
                }
                i += 1;
            }
        }
    }
    Ok(percent_decode(s))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_scheme_and_host() {
        let u = parse("https://gitlab.com/RimiX2/microservices-demo").unwrap();
        assert_eq!(
            (u.scheme.as_str(), u.host.as_str()),
            ("https", "gitlab.com")
        );
        let u = parse("ssh://git@github.com:22/org/repo").unwrap();
        assert_eq!(
            (u.scheme.as_str(), u.host.as_str()),
            ("ssh", "github.com:22")
        );
        let u = parse("OCI://ghcr.io/stefanprodan/charts").unwrap();
        assert_eq!((u.scheme.as_str(), u.host.as_str()), ("oci", "ghcr.io"));
        let u = parse("ghcr.io/stefanprodan").unwrap();
        assert_eq!((u.scheme.as_str(), u.host.as_str()), ("", ""));
        let u = parse("https:///path").unwrap();
        assert_eq!(u.host, "");
    }

    #[test]
    fn reports_errors_like_go() {
        assert_eq!(
            parse("git@github.com:org/repo").unwrap_err(),
            "parse \"git@github.com:org/repo\": first path segment in URL cannot contain colon"
        );
        assert_eq!(
            parse("://x").unwrap_err(),
            "parse \"://x\": missing protocol scheme"
        );
        assert_eq!(
            parse("http://a b.com").unwrap_err(),
            "parse \"http://a b.com\": invalid character \" \" in host name"
        );
        assert_eq!(
            parse("http://host:port/").unwrap_err(),
            "parse \"http://host:port/\": invalid port \":port\" after host"
        );
        assert_eq!(
            parse("http://x/%zz").unwrap_err(),
            "parse \"http://x/%zz\": invalid URL escape \"%zz\""
        );
    }
}
