//! Sprig's reflection functions: `typeOf` (`%T`), `kindOf` (the `reflect.Kind`),
//! `typeIs`, `typeIsLike`, `kindIs`, `deepEqual` (Go's `reflect.DeepEqual`: types must
//! match, `int 1` is not `float64 1`).

use crate::func::{Func, Funcs, Ty};
use crate::value::Value;

fn type_of(v: &Value) -> String {
    v.type_name()
}

pub(super) fn register(f: &mut Funcs) {
    f.insert(
        "typeOf",
        Func::new(&[Ty::Any], |a| Ok(Value::str(type_of(&a[0])))),
    );
    f.insert(
        "kindOf",
        Func::new(&[Ty::Any], |a| Ok(Value::str(a[0].kind()))),
    );
    f.insert(
        "typeIs",
        Func::new(&[Ty::String, Ty::Any], |a| {
            Ok(Value::Bool(a[0].as_str() == Some(type_of(&a[1]).as_str())))
        }),
    );
    f.insert(
        "typeIsLike",
        Func::new(&[Ty::String, Ty::Any], |a| {
            let t = type_of(&a[1]);
            let target = a[0].as_str().unwrap_or_default();
            Ok(Value::Bool(target == t || format!("*{target}") == t))
        }),
    );
    f.insert(
        "kindIs",
        Func::new(&[Ty::String, Ty::Any], |a| {
            Ok(Value::Bool(a[0].as_str() == Some(a[1].kind())))
        }),
    );
    f.insert(
        "deepEqual",
        Func::new(&[Ty::Any, Ty::Any], |a| Ok(Value::Bool(a[0] == a[1]))),
    );
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::value::Value;

    #[test]
    fn types_and_kinds() {
        assert_eq!(show("typeOf", &[Value::Nil]), "<nil>");
        assert_eq!(show("typeOf", &[Value::Int64(1)]), "int64");
        assert_eq!(show("kindOf", &[Value::Nil]), "invalid");
        assert_eq!(show("kindOf", &[Value::string_list(vec![])]), "slice");
        assert_eq!(show("typeIs", &[s("<nil>"), Value::Nil]), "true");
        assert_eq!(
            show("typeIsLike", &[s("map[string]interface {}"), m(&[])]),
            "true"
        );
        assert_eq!(show("kindIs", &[s("float64"), f(3.0)]), "true");
        assert_eq!(show("deepEqual", &[i(1), f(1.0)]), "false");
        assert_eq!(
            show("deepEqual", &[l(vec![f(1.0)]), l(vec![f(1.0)])]),
            "true"
        );
        assert_eq!(
            show(
                "deepEqual",
                &[Value::string_list(vec!["a".into()]), l(vec![s("a")])]
            ),
            "false"
        );
        assert_eq!(show("deepEqual", &[Value::Nil, Value::Nil]), "true");
    }
}
