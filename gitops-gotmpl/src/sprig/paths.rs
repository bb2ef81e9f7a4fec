//! Go's `path` functions (`base`, `dir`, `clean`, `ext`, `isAbs`) and their
//! `path/filepath` twins (`osBase`, …), which are the same on Linux.

use crate::func::{Func, Funcs, Ty};
use crate::value::Value;

/// `path.Clean`: lexical cleaning (`//` → `/`, `.` dropped, `..` resolved), `.` for
/// empty.
pub(crate) fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let p = path.as_bytes();
    let rooted = p[0] == b'/';
    let n = p.len();
    let mut out: Vec<u8> = Vec::with_capacity(n);
    let (mut r, mut dotdot) = (0, 0);
    if rooted {
        out.push(b'/');
        r = 1;
        dotdot = 1;
    }
    while r < n {
        if p[r] == b'/' || p[r] == b'.' && (r + 1 == n || p[r + 1] == b'/') {
            r += 1;
        } else if p[r] == b'.' && p[r + 1] == b'.' && (r + 2 == n || p[r + 2] == b'/') {
            r += 2;
            if out.len() > dotdot {
                let mut w = out.len() - 1;
                while w > dotdot && out[w] != b'/' {
                    w -= 1;
                }
                out.truncate(w);
            } else if !rooted {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(b"..");
                dotdot = out.len();
            }
        } else {
            if rooted && out.len() != 1 || !rooted && !out.is_empty() {
                out.push(b'/');
            }
            while r < n && p[r] != b'/' {
                out.push(p[r]);
                r += 1;
            }
        }
    }
    if out.is_empty() {
        return ".".into();
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `path.Base`: the last element, `.` for empty, `/` for only slashes.
fn base(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let trimmed = path.trim_end_matches('/');
    let last = trimmed.rsplit('/').next().unwrap_or(trimmed);
    if last.is_empty() {
        "/".into()
    } else {
        last.into()
    }
}

/// `path.Dir`: everything before the last element, cleaned.
fn dir(path: &str) -> String {
    let cut = path.rfind('/').map_or(0, |i| i + 1);
    clean(&path[..cut])
}

/// `path.Ext`: the suffix from the last `.` of the last element.
fn ext(path: &str) -> String {
    for (i, b) in path.bytes().enumerate().rev() {
        if b == b'/' {
            break;
        }
        if b == b'.' {
            return path[i..].into();
        }
    }
    String::new()
}

pub(super) fn register(f: &mut Funcs) {
    let s = |a: &[Value]| a[0].as_str().unwrap_or_default().to_string();
    for (prefix, _) in [("", "path"), ("os", "filepath")] {
        let name = |n: &str| {
            if prefix.is_empty() {
                n.to_string()
            } else {
                format!("os{}{}", n[..1].to_uppercase(), &n[1..])
            }
        };
        f.insert(
            &name("base"),
            Func::new(&[Ty::String], move |a| Ok(Value::str(base(&s(a))))),
        );
        f.insert(
            &name("dir"),
            Func::new(&[Ty::String], move |a| Ok(Value::str(dir(&s(a))))),
        );
        f.insert(
            &name("clean"),
            Func::new(&[Ty::String], move |a| Ok(Value::str(clean(&s(a))))),
        );
        f.insert(
            &name("ext"),
            Func::new(&[Ty::String], move |a| Ok(Value::str(ext(&s(a))))),
        );
        f.insert(
            &name("isAbs"),
            Func::new(&[Ty::String], move |a| {
                Ok(Value::Bool(s(a).starts_with('/')))
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;

    #[test]
    fn paths_like_go() {
        assert_eq!(show("base", &[s("/a/b/c.txt")]), "c.txt");
        assert_eq!(show("base", &[s("")]), ".");
        assert_eq!(show("base", &[s("//")]), "/");
        assert_eq!(show("base", &[s("a/b/")]), "b");
        assert_eq!(show("dir", &[s("/a//b/../c")]), "/a");
        assert_eq!(show("dir", &[s("c")]), ".");
        assert_eq!(show("dir", &[s("a/b/")]), "a/b");
        assert_eq!(show("clean", &[s("a//b/./c/..")]), "a/b");
        assert_eq!(show("clean", &[s("/../a")]), "/a");
        assert_eq!(show("clean", &[s("../../a/../b")]), "../../b");
        assert_eq!(show("clean", &[s("./")]), ".");
        assert_eq!(show("ext", &[s("a/b.tar.gz")]), ".gz");
        assert_eq!(show("ext", &[s("a.b/c")]), "");
        assert_eq!(show("isAbs", &[s("")]), "false");
        assert_eq!(show("osBase", &[s("/a/b.c")]), "b.c");
        assert_eq!(show("osIsAbs", &[s("/x")]), "true");
    }
}
