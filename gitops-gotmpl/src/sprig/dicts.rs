//! Sprig's dictionary functions.
//!
//! As in Go, `set`, `unset`, `merge` and `mergeOverwrite` change the map they are given
//! and return it (templates rely on `$_ := set $d "k" v`); nested maps are merged in
//! place too. Results are `map[string]interface {}` even for a named map argument
//! (`.Values`), as Go converts the argument to the parameter type.
//!
//! `merge` follows dario.cat/mergo v1.0.1 on `map[string]interface {}`: a source key is
//! taken when the destination lacks it or holds an empty value (nil, "", 0, false, empty
//! map or slice); maps on both sides merge recursively; a non-empty destination slice is
//! kept. `mergeOverwrite` takes every source value, nil and empty ones included, except
//! that maps on both sides still merge recursively.

use std::cell::RefCell;
use std::rc::Rc;

use crate::func::{Func, Funcs, Ty};
use crate::value::{ListType, Map, MapType, Value};

use super::conv::{empty, strval};

fn map_of(v: &Value) -> Map {
    v.as_map().map(|m| m.clone()).unwrap_or_default()
}

/// The shared map of a `map[string]interface {}` argument (the executor gives nil
/// arguments a fresh empty map).
fn shared(v: &Value) -> Rc<RefCell<Map>> {
    match v {
        Value::Map(m, _) => m.clone(),
        _ => Rc::new(RefCell::new(Map::new())),
    }
}

fn key(args: &[Value], i: usize) -> String {
    args.get(i)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The name Go's type assertion prints for a value's dynamic type.
fn assert_name(v: &Value) -> String {
    if v.is_nil() {
        "nil".into()
    } else {
        v.type_name()
    }
}

fn as_plain_map(v: &Value) -> Result<Map, String> {
    match v {
        Value::Map(m, MapType::Interface) => Ok(m.borrow().clone()),
        other => Err(format!(
            "interface conversion: interface {{}} is {}, not map[string]interface {{}}",
            assert_name(other)
        )),
    }
}

/// mergo's `deepMerge` of two `map[string]interface {}` values.
fn deep_merge(dst: &mut Map, src: &Map, overwrite: bool) {
    for (k, sv) in src {
        let dv = dst.get(k).cloned();
        match sv {
            Value::Nil => {
                if overwrite {
                    dst.insert(k.clone(), Value::Nil);
                }
            }
            Value::Map(sm, _) => {
                if let Some(Value::Map(dm, _)) = &dv {
                    if Rc::ptr_eq(dm, sm) {
                        continue;
                    }
                    // A map that is being merged into (a map holding itself) is already
                    // borrowed: merging it again is the cycle mergo's visit set stops.
                    let Ok(src) = sm.try_borrow().map(|m| m.clone()) else { continue };
                    let Ok(mut target) = dm.try_borrow_mut() else { continue };
                    deep_merge(&mut target, &src, overwrite);
                    if !target.is_empty() {
                        continue;
                    }
                }
                if overwrite || dv.as_ref().is_none_or(empty) {
                    dst.insert(k.clone(), sv.clone());
                }
            }
            Value::List(..) | Value::Bytes(_) => {
                if overwrite || dv.as_ref().is_none_or(empty) {
                    dst.insert(k.clone(), sv.clone());
                }
            }
            _ => {
                if overwrite || dv.as_ref().is_none_or(empty) {
                    dst.insert(k.clone(), sv.clone());
                }
            }
        }
    }
}

fn merge(args: &[Value], overwrite: bool) -> Value {
    let dst = shared(&args[0]);
    for src in &args[1..] {
        if let Value::Map(s, _) = src
            && Rc::ptr_eq(s, &dst)
        {
            continue;
        }
        let src = map_of(src);
        deep_merge(&mut dst.borrow_mut(), &src, overwrite);
    }
    Value::Map(dst, MapType::Interface)
}

/// Sprig's `dig KEY… DEFAULT DICT`.
fn dig(ps: &[Value]) -> Result<Value, String> {
    if ps.len() < 3 {
        return Err("dig needs at least three arguments".into());
    }
    let mut dict = as_plain_map(&ps[ps.len() - 1])?;
    let def = &ps[ps.len() - 2];
    let mut keys = Vec::new();
    for k in &ps[..ps.len() - 2] {
        match k {
            Value::String(s) => keys.push(s.clone()),
            other => {
                return Err(format!(
                    "interface conversion: interface {{}} is {}, not string",
                    assert_name(other)
                ));
            }
        }
    }
    for (i, k) in keys.iter().enumerate() {
        let Some(step) = dict.get(k.as_ref()).cloned() else {
            return Ok(def.clone());
        };
        if i == keys.len() - 1 {
            return Ok(step);
        }
        dict = as_plain_map(&step)?;
    }
    Ok(def.clone())
}

/// A copy sharing nothing with the original (copystructure's `Copy`).
pub(crate) fn deep_copy(v: &Value) -> Value {
    match v {
        Value::List(items, t) => Value::List(Rc::new(items.iter().map(deep_copy).collect()), *t),
        Value::Map(m, t) => Value::typed_map(
            m.borrow().iter().map(|(k, x)| (k.clone(), deep_copy(x))).collect(),
            *t,
        ),
        other => other.clone(),
    }
}

pub(super) fn register(f: &mut Funcs) {
    f.insert(
        "dict",
        Func::variadic(&[], Ty::Any, |a| {
            let mut m = Map::new();
            for pair in a.chunks(2) {
                m.insert(
                    strval(&pair[0]),
                    pair.get(1).cloned().unwrap_or_else(|| Value::str("")),
                );
            }
            Ok(Value::map(m))
        }),
    );
    f.insert(
        "get",
        Func::new(&[Ty::Map, Ty::String], |a| {
            let found = a[0].as_map().and_then(|m| m.get(&key(a, 1)).cloned());
            Ok(found.unwrap_or_else(|| Value::str("")))
        }),
    );
    f.insert(
        "set",
        Func::new(&[Ty::Map, Ty::String, Ty::Any], |a| {
            let m = shared(&a[0]);
            m.borrow_mut().insert(key(a, 1), a[2].clone());
            Ok(Value::Map(m, MapType::Interface))
        }),
    );
    f.insert(
        "unset",
        Func::new(&[Ty::Map, Ty::String], |a| {
            let m = shared(&a[0]);
            m.borrow_mut().remove(&key(a, 1));
            Ok(Value::Map(m, MapType::Interface))
        }),
    );
    f.insert(
        "hasKey",
        Func::new(&[Ty::Map, Ty::String], |a| {
            Ok(Value::Bool(
                a[0].as_map().is_some_and(|m| m.contains_key(&key(a, 1))),
            ))
        }),
    );
    f.insert(
        "pluck",
        Func::variadic(&[Ty::String], Ty::Map, |a| {
            let k = key(a, 0);
            Ok(Value::list(
                a[1..]
                    .iter()
                    .filter_map(|d| d.as_map().and_then(|m| m.get(&k).cloned()))
                    .collect(),
            ))
        }),
    );
    f.insert(
        "keys",
        Func::variadic(&[], Ty::Map, |a| {
            Ok(Value::string_list(a.iter().flat_map(|d| {
                d.as_map()
                    .map(|m| m.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default()
            })))
        }),
    );
    f.insert(
        "pick",
        Func::variadic(&[Ty::Map], Ty::String, |a| {
            let m = map_of(&a[0]);
            let out: Map = a[1..]
                .iter()
                .filter_map(|k| k.as_str())
                .filter_map(|k| m.get(k).map(|v| (k.to_string(), v.clone())))
                .collect();
            Ok(Value::map(out))
        }),
    );
    f.insert(
        "omit",
        Func::variadic(&[Ty::Map], Ty::String, |a| {
            let mut m = map_of(&a[0]);
            for k in a[1..].iter().filter_map(Value::as_str) {
                m.remove(k);
            }
            Ok(Value::map(m))
        }),
    );
    f.insert(
        "values",
        Func::new(&[Ty::Map], |a| {
            Ok(Value::List(
                Rc::new(map_of(&a[0]).into_values().collect()),
                ListType::Interface,
            ))
        }),
    );
    let merge_fn = Func::variadic(&[Ty::Map], Ty::Map, |a| Ok(merge(a, false)));
    f.insert("merge", merge_fn.clone());
    f.insert("mustMerge", merge_fn);
    let overwrite_fn = Func::variadic(&[Ty::Map], Ty::Map, |a| Ok(merge(a, true)));
    f.insert("mergeOverwrite", overwrite_fn.clone());
    f.insert("mustMergeOverwrite", overwrite_fn);
    f.insert("dig", Func::variadic(&[], Ty::Any, dig));
    let copy_fn = Func::new(&[Ty::Any], |a| {
        if a[0].is_nil() {
            return Err("reflect: call of reflect.Value.Type on zero Value".into());
        }
        Ok(deep_copy(&a[0]))
    });
    f.insert("deepCopy", copy_fn.clone());
    f.insert("mustDeepCopy", copy_fn);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::rc::Rc;

    use super::super::testutil::*;
    use crate::value::{MapType, Value};

    #[test]
    fn dict_get_set() {
        assert_eq!(show("dict", &[s("a"), i(1), s("b")]), "map[a:1 b:]");
        assert_eq!(show("dict", &[Value::Nil, i(1)]), "map[<nil>:1]");
        assert_eq!(show("dict", &[f(1.5), Value::Bool(true)]), "map[1.5:true]");
        let d = m(&[("a", i(1))]);
        assert_eq!(call("get", &[d.clone(), s("zz")]).unwrap(), s(""));
        assert_eq!(show("set", &[d.clone(), s("b"), i(2)]), "map[a:1 b:2]");
        assert_eq!(show("unset", &[d.clone(), s("a")]), "map[b:2]", "set and unset change the map itself");
        assert_eq!(show("hasKey", &[d.clone(), s("a")]), "false");
        assert_eq!(show("hasKey", &[d.clone(), s("b")]), "true");
        let named = Value::Map(
            Rc::new(Default::default()),
            MapType::Named("chartutil.Values"),
        );
        assert_eq!(
            call("set", &[named, s("k"), i(1)]).unwrap().type_name(),
            "map[string]interface {}"
        );
        assert_eq!(
            show(
                "pluck",
                &[s("a"), m(&[("a", i(1))]), m(&[("b", i(3))]), m(&[("a", i(2))])]
            ),
            "[1 2]"
        );
        assert_eq!(
            show("keys", &[m(&[("b", i(1))]), m(&[("a", i(2)), ("b", i(3))])]),
            "[b a b]"
        );
        assert_eq!(call("keys", &[]).unwrap().type_name(), "[]string");
        assert_eq!(
            show(
                "pick",
                &[m(&[("a", i(1)), ("b", i(2)), ("c", i(3))]), s("a"), s("c")]
            ),
            "map[a:1 c:3]"
        );
        assert_eq!(
            show(
                "omit",
                &[m(&[("a", i(1)), ("b", i(2)), ("c", i(3))]), s("a"), s("c")]
            ),
            "map[b:2]"
        );
    }

    #[test]
    fn dig_asserts_types_like_go() {
        let nested = m(&[("a", m(&[("b", m(&[("c", s("x"))]))]))]);
        assert_eq!(
            show("dig", &[s("a"), s("b"), s("c"), s("def"), nested.clone()]),
            "x"
        );
        assert_eq!(
            show("dig", &[s("a"), s("x"), s("def"), nested.clone()]),
            "def"
        );
        assert_eq!(
            err("dig", &[s("a"), s("b"), s("c"), s("d"), s("def"), nested]),
            "interface conversion: interface {} is string, not map[string]interface {}"
        );
        let named = Value::Map(
            Rc::new(Default::default()),
            MapType::Named("chartutil.Values"),
        );
        assert_eq!(
            err("dig", &[s("a"), s("def"), named]),
            "interface conversion: interface {} is chartutil.Values, not map[string]interface {}"
        );
        assert_eq!(
            err("dig", &[s("a"), m(&[])]),
            "dig needs at least three arguments"
        );
        assert_eq!(
            err("dig", &[i(1), s("def"), m(&[])]),
            "interface conversion: interface {} is int, not string"
        );
        assert_eq!(
            err("dig", &[s("a"), s("b"), s("def"), m(&[("a", Value::Nil)])]),
            "interface conversion: interface {} is nil, not map[string]interface {}"
        );
    }

    #[test]
    fn merge_follows_mergo() {
        let merged = |a: &[(&str, Value)], b: &[(&str, Value)]| show("merge", &[m(a), m(b)]);
        assert_eq!(
            merged(&[("a", i(1)), ("b", i(2))], &[("b", i(3)), ("c", i(4))]),
            "map[a:1 b:2 c:4]"
        );
        assert_eq!(
            merged(
                &[
                    ("a", i(0)),
                    ("b", s("")),
                    ("c", Value::Bool(false)),
                    ("d", Value::Nil)
                ],
                &[
                    ("a", i(1)),
                    ("b", s("x")),
                    ("c", Value::Bool(true)),
                    ("d", i(5))
                ]
            ),
            "map[a:1 b:x c:true d:5]"
        );
        assert_eq!(
            merged(&[("a", m(&[("x", i(1))]))], &[("a", m(&[("y", i(2))]))]),
            "map[a:map[x:1 y:2]]"
        );
        assert_eq!(
            merged(&[("a", l(vec![i(1)]))], &[("a", l(vec![i(2), i(3)]))]),
            "map[a:[1]]"
        );
        assert_eq!(
            merged(&[("a", l(vec![]))], &[("a", l(vec![i(2), i(3)]))]),
            "map[a:[2 3]]"
        );
        assert_eq!(
            merged(&[("a", s("s"))], &[("a", m(&[("y", i(2))]))]),
            "map[a:s]"
        );
        assert_eq!(merged(&[("a", i(1))], &[("a", Value::Nil)]), "map[a:1]");
        let over = |a: &[(&str, Value)], b: &[(&str, Value)]| show("mergeOverwrite", &[m(a), m(b)]);
        assert_eq!(
            over(&[("a", i(1)), ("b", s("x"))], &[("a", i(0)), ("b", s(""))]),
            "map[a:0 b:]"
        );
        assert_eq!(over(&[("a", i(1))], &[("a", Value::Nil)]), "map[a:<nil>]");
        assert_eq!(
            over(
                &[("a", m(&[("x", i(1)), ("z", i(0))]))],
                &[("a", m(&[("x", i(2)), ("y", i(3))]))]
            ),
            "map[a:map[x:2 y:3 z:0]]"
        );
        assert_eq!(
            over(&[("a", l(vec![i(1), i(2)]))], &[("a", l(vec![]))]),
            "map[a:[]]"
        );
        assert_eq!(
            over(&[("a", m(&[("x", i(1))]))], &[("a", s("s"))]),
            "map[a:s]"
        );
        assert_eq!(
            over(&[("a", m(&[("x", i(1))]))], &[("a", m(&[]))]),
            "map[a:map[x:1]]"
        );
    }

    #[test]
    fn deep_copy() {
        assert_eq!(
            err("deepCopy", &[Value::Nil]),
            "reflect: call of reflect.Value.Type on zero Value"
        );
        let named = Value::Map(Rc::new(Default::default()), MapType::Named("common.Values"));
        assert_eq!(
            call("deepCopy", &[named]).unwrap().type_name(),
            "common.Values"
        );
        assert_eq!(call("deepCopy", &[i(5)]).unwrap(), i(5));
    }
}
