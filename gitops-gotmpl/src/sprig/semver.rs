//! Sprig's `semver` (a Masterminds/semver v3 `*Version` with its methods) and
//! `semverCompare` (`NewConstraint(c).Check(NewVersion(v))`), over `gitops-semver`, which
//! follows Masterminds v3.4 (what Helm 3.19 and 4.1 link) including its error messages.
//! Sprig's `getHostByName`, `env` and `expandenv` are here too (small OS/network group).

use std::cmp::Ordering;
use std::rc::Rc;

use gitops_semver::{Constraints, Version};

use crate::func::{Func, Funcs, Ty};
use crate::value::{Object, Value};

/// A `*semver.Version` (or a `semver.Version` returned by `IncMajor` and friends).
#[derive(Debug)]
pub struct SemVer {
    v: Version,
    pointer: bool,
}

fn other_version(v: &Value, method: &str) -> Result<Version, String> {
    match v {
        Value::Object(o) if o.type_name() == "*semver.Version" => match o.call("Original", &[]) {
            Some(Ok(Value::String(s))) => Version::parse(&s).map_err(|e| masterminds_error(&e)),
            _ => Err(format!("{method}: not a version")),
        },
        Value::Nil => {
            Err("runtime error: invalid memory address or nil pointer dereference".into())
        }
        other => Err(format!(
            "wrong type for value; expected *semver.Version; got {}",
            other.type_name()
        )),
    }
}

fn value(v: Version, pointer: bool) -> Value {
    Value::Object(Rc::new(SemVer { v, pointer }))
}

impl Object for SemVer {
    fn type_name(&self) -> &str {
        if self.pointer {
            "*semver.Version"
        } else {
            "semver.Version"
        }
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "Major"
                | "Minor"
                | "Patch"
                | "Prerelease"
                | "Metadata"
                | "Original"
                | "String"
                | "Compare"
                | "LessThan"
                | "LessThanEqual"
                | "GreaterThan"
                | "GreaterThanEqual"
                | "Equal"
                | "IncMajor"
                | "IncMinor"
                | "IncPatch"
                | "SetPrerelease"
                | "SetMetadata"
        )
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let v = &self.v;
        let cmp = |args: &[Value]| -> Result<Ordering, String> {
            let [o] = args else {
                return Err(format!(
                    "wrong number of args for {name}: want 1 got {}",
                    args.len()
                ));
            };
            Ok(v.precedence(&other_version(o, name)?))
        };
        let new = |maj, min, pat, pre: &str, meta: &str| {
            Version::new(maj, min, pat, pre, meta)
                .map(|x| value(x, false))
                .map_err(|e| masterminds_error(&e))
        };
        Some(match name {
            "Major" => Ok(Value::Uint64(v.major())),
            "Minor" => Ok(Value::Uint64(v.minor())),
            "Patch" => Ok(Value::Uint64(v.patch())),
            "Prerelease" => Ok(Value::str(v.prerelease())),
            "Metadata" => Ok(Value::str(v.metadata())),
            "Original" => Ok(Value::str(v.original())),
            "String" => Ok(Value::str(v.to_string())),
            "Compare" => cmp(args).map(|o| Value::Int(o as i64)),
            "LessThan" => cmp(args).map(|o| Value::Bool(o == Ordering::Less)),
            "LessThanEqual" => cmp(args).map(|o| Value::Bool(o != Ordering::Greater)),
            "GreaterThan" => cmp(args).map(|o| Value::Bool(o == Ordering::Greater)),
            "GreaterThanEqual" => cmp(args).map(|o| Value::Bool(o != Ordering::Less)),
            "Equal" => cmp(args).map(|o| Value::Bool(o == Ordering::Equal)),
            "IncPatch" if v.prerelease().is_empty() => {
                new(v.major(), v.minor(), v.patch() + 1, "", "")
            }
            "IncPatch" => new(v.major(), v.minor(), v.patch(), "", ""),
            "IncMinor" => new(v.major(), v.minor() + 1, 0, "", ""),
            "IncMajor" => new(v.major() + 1, 0, 0, "", ""),
            "SetPrerelease" | "SetMetadata" => {
                let [Value::String(s)] = args else {
                    return Some(Err(format!(
                        "wrong number of args for {name}: want 1 got {}",
                        args.len()
                    )));
                };
                let (pre, meta) = if name == "SetPrerelease" {
                    (&**s, v.metadata())
                } else {
                    (v.prerelease(), &**s)
                };
                new(v.major(), v.minor(), v.patch(), pre, meta)
            }
            _ => return None,
        })
    }
    fn format(&self) -> String {
        self.v.to_string()
    }
}

/// Masterminds v3.4's own error texts (they do not name the input): `invalid semantic
/// version`, `improper constraint: abc`, `error parsing version segment:
/// strconv.ParseUint: parsing "…": value out of range`.
pub fn masterminds_error(e: &gitops_semver::Error) -> String {
    use gitops_semver::Error as E;
    match e {
        E::Empty => "version string empty".into(),
        E::InvalidSemVer { .. } => "invalid semantic version".into(),
        E::InvalidCharacters { .. } => "invalid characters in version".into(),
        E::SegmentStartsZero { .. } => "version segment starts with 0".into(),
        E::InvalidMetadata { .. } => "invalid metadata string".into(),
        E::InvalidPrerelease { .. } => "invalid prerelease string".into(),
        E::SegmentOutOfRange { segment, .. } => format!(
            "error parsing version segment: strconv.ParseUint: parsing {}: value out of range",
            crate::fmt::quote(segment)
        ),
        E::ImproperConstraint { constraint } => format!("improper constraint: {constraint}"),
        E::ConstraintParser { constraint } => format!("constraint parser error: {constraint}"),
    }
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// Go's `os.Expand` with `os.Getenv` (`$VAR`, `${VAR}`, special one-character names).
pub fn expand_env(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let mut last = 0;
    while i < b.len() {
        if b[i] == b'$' && i + 1 < b.len() {
            out.push_str(&text[last..i]);
            let (name, w) = shell_name(&text[i + 1..]);
            if name.is_none() && w > 0 {
                // bad syntax (`${}`, `${x`): eat the characters
            } else if let Some(n) = name {
                out.push_str(&std::env::var(n).unwrap_or_default());
            } else {
                out.push('$');
            }
            i += 1 + w;
            last = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// Go's `getShellName`: the name after `$` and the bytes it uses.
fn shell_name(s: &str) -> (Option<&str>, usize) {
    let b = s.as_bytes();
    let special =
        |c: u8| matches!(c, b'*' | b'#' | b'$' | b'@' | b'!' | b'?' | b'-') || c.is_ascii_digit();
    let alnum = |c: u8| c == b'_' || c.is_ascii_alphanumeric();
    if b[0] == b'{' {
        if b.len() > 2 && special(b[1]) && b[2] == b'}' {
            return (Some(&s[1..2]), 3);
        }
        for i in 1..b.len() {
            if b[i] == b'}' {
                if i == 1 {
                    return (None, 2);
                }
                return (Some(&s[1..i]), i + 1);
            }
        }
        return (None, 1);
    }
    if special(b[0]) {
        return (Some(&s[0..1]), 1);
    }
    let n = b.iter().take_while(|c| alnum(**c)).count();
    if n == 0 {
        (None, 0)
    } else {
        (Some(&s[..n]), n)
    }
}

/// Registers the functions of this module.
pub(super) fn register(f: &mut Funcs) {
    f.insert(
        "semver",
        Func::new(&[Ty::String], |a| {
            Version::parse(s(&a[0]))
                .map(|v| value(v, true))
                .map_err(|e| masterminds_error(&e))
        }),
    );
    f.insert(
        "semverCompare",
        Func::new(&[Ty::String, Ty::String], |a| {
            let c = Constraints::parse(s(&a[0])).map_err(|e| masterminds_error(&e))?;
            let v = Version::parse(s(&a[1])).map_err(|e| masterminds_error(&e))?;
            Ok(Value::Bool(c.matches(&v)))
        }),
    );
    f.insert(
        "env",
        Func::new(&[Ty::String], |a| {
            Ok(Value::str(std::env::var(s(&a[0])).unwrap_or_default()))
        }),
    );
    f.insert(
        "expandenv",
        Func::new(&[Ty::String], |a| Ok(Value::str(expand_env(s(&a[0]))))),
    );
    f.insert(
        "getHostByName",
        Func::new(&[Ty::String], |a| {
            use rand::Rng as _;
            use std::net::ToSocketAddrs as _;
            let addrs: Vec<String> = (s(&a[0]), 0)
                .to_socket_addrs()
                .map(|it| it.map(|x| x.ip().to_string()).collect())
                .unwrap_or_default();
            if addrs.is_empty() {
                return Err("runtime error: invalid argument to Intn".into());
            }
            Ok(Value::str(
                addrs[rand::thread_rng().gen_range(0..addrs.len())].clone(),
            ))
        }),
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::sprig::testutil::{call, err, s as st, show};

    #[test]
    fn semver_objects_have_masterminds_methods() {
        let v = call("semver", &[st("v1.2.3-beta.1+b5")]).unwrap();
        let Value::Object(o) = &v else { panic!() };
        assert_eq!(o.call("Major", &[]).unwrap().unwrap(), Value::Uint64(1));
        assert_eq!(
            o.call("Original", &[]).unwrap().unwrap(),
            Value::str("v1.2.3-beta.1+b5")
        );
        assert_eq!(crate::fmt::format_value(&v), "1.2.3-beta.1+b5");
        let w = call("semver", &[st("1.2.3")]).unwrap();
        assert_eq!(o.call("Compare", &[w]).unwrap().unwrap(), Value::Int(-1));
        assert_eq!(show("semverCompare", &[st("^1.2.0"), st("1.9.9")]), "true");
        assert_eq!(err("semver", &[st("x")]), "invalid semantic version");
    }

    #[test]
    fn expandenv_follows_os_expand() {
        // SAFETY-free: the variable name is unique to this test.
        assert_eq!(expand_env("a $GITOPS_GOTMPL_UNSET_X b ${} $"), "a  b  $");
    }
}
