//! Sprig's defaults and flow control: `default`, `empty`, `coalesce`, `all`, `any`,
//! `ternary`, `fail`.

use crate::func::{Func, Funcs, Ty};
use crate::value::Value;

use super::conv::empty;

pub(super) fn register(f: &mut Funcs) {
    f.insert(
        "default",
        Func::variadic(&[Ty::Any], Ty::Any, |a| {
            Ok(match a.get(1) {
                Some(given) if !empty(given) => given.clone(),
                _ => a[0].clone(),
            })
        }),
    );
    f.insert(
        "empty",
        Func::new(&[Ty::Any], |a| Ok(Value::Bool(empty(&a[0])))),
    );
    f.insert(
        "coalesce",
        Func::variadic(&[], Ty::Any, |a| {
            Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or_default())
        }),
    );
    f.insert(
        "all",
        Func::variadic(&[], Ty::Any, |a| {
            Ok(Value::Bool(a.iter().all(|v| !empty(v))))
        }),
    );
    f.insert(
        "any",
        Func::variadic(&[], Ty::Any, |a| {
            Ok(Value::Bool(a.iter().any(|v| !empty(v))))
        }),
    );
    f.insert(
        "ternary",
        Func::new(&[Ty::Any, Ty::Any, Ty::Bool], |a| {
            Ok(if matches!(a[2], Value::Bool(true)) {
                a[0].clone()
            } else {
                a[1].clone()
            })
        }),
    );
    f.insert(
        "fail",
        Func::new(&[Ty::String], |a| {
            Err(a[0].as_str().unwrap_or_default().to_string())
        }),
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::testutil::*;
    use crate::value::Value;

    #[test]
    fn default_and_emptiness() {
        assert_eq!(show("default", &[s("d"), Value::Nil]), "d");
        assert_eq!(show("default", &[s("d"), f(0.0)]), "d");
        assert_eq!(show("default", &[s("d"), l(vec![])]), "d");
        assert_eq!(show("default", &[s("d"), m(&[])]), "d");
        assert_eq!(show("default", &[s("d"), Value::Bool(false)]), "d");
        assert_eq!(show("default", &[s("d"), Value::Bool(true)]), "true");
        assert_eq!(show("default", &[s("d")]), "d");
        assert_eq!(show("default", &[s("d"), s(""), s("x")]), "d");
        assert_eq!(show("default", &[s("d"), s("a"), s("b")]), "a");
        assert_eq!(show("empty", &[l(vec![Value::Nil])]), "false");
        assert_eq!(show("empty", &[Value::Int64(0)]), "true");
        assert_eq!(
            call("coalesce", &[i(0), Value::Bool(false)]).unwrap(),
            Value::Nil
        );
        assert_eq!(show("coalesce", &[Value::Nil, s(""), i(0), s("x")]), "x");
        assert_eq!(show("all", &[]), "true");
        assert_eq!(show("any", &[]), "false");
        assert_eq!(show("all", &[i(1), s("")]), "false");
        assert_eq!(show("any", &[i(0), s(""), s("a")]), "true");
        assert_eq!(show("ternary", &[s("a"), s("b"), Value::Bool(false)]), "b");
        assert_eq!(err("fail", &[s("boom")]), "boom");
    }
}
