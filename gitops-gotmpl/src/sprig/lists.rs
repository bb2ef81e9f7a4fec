//! Sprig's list functions.
//!
//! Sprig takes lists as `interface{}` and walks them with reflection: any slice works
//! (`[]string`, `[]interface {}`, `[]int`), the results are `[]interface {}` (except
//! `slice`, which keeps the input's type, and `until`/`untilStep`, which return `[]int`),
//! a non-slice is an error naming its kind (`Cannot find first on type string`) and a nil
//! list is Go's nil dereference. The plain names panic and the `must…` names return the
//! error; both reach the template as the same error.

use std::rc::Rc;

use crate::func::{Func, Funcs, Ty};
use crate::value::{ListType, Value};

use super::NIL_DEREF;
use super::conv::{empty, slice_items, to_int64};

fn list(items: Vec<Value>) -> Value {
    Value::list(items)
}

fn int_list(items: Vec<i64>) -> Value {
    Value::List(
        Rc::new(items.into_iter().map(Value::Int).collect()),
        ListType::Int,
    )
}

/// Registers `name` and `mustName` with the same implementation.
fn both(f: &mut Funcs, name: &str, func: Func) {
    let mut must = String::from("must");
    must.push_str(&name[..1].to_uppercase());
    must.push_str(&name[1..]);
    f.insert(&must, func.clone());
    f.insert(name, func);
}

fn one(msg: &'static str, op: impl Fn(Vec<Value>) -> Value + 'static) -> Func {
    Func::new(&[Ty::Any], move |a| {
        let items = slice_items(&a[0], |k| format!("{msg} {k}"))?;
        Ok(op(items))
    })
}

/// The most numbers `until`, `untilStep` and `seq` produce: Go would try to allocate
/// any size; a larger range is an error here rather than gigabytes of memory.
pub(crate) const MAX_RANGE: i128 = 1 << 24;

/// Sprig's `untilStep`.
fn until_step(start: i64, stop: i64, step: i64) -> Result<Vec<i64>, String> {
    let (lo, hi, step_abs) = match (stop < start, step) {
        (true, s) if s < 0 => (i128::from(stop), i128::from(start), -i128::from(s)),
        (false, s) if s > 0 => (i128::from(start), i128::from(stop), i128::from(s)),
        _ => return Ok(Vec::new()),
    };
    let count = (hi - lo + step_abs - 1) / step_abs;
    if count > MAX_RANGE {
        return Err(format!(
            "range of {count} numbers is too large (the limit is {MAX_RANGE})"
        ));
    }
    let step = i128::from(step);
    Ok((0..count)
        .map(|k| (i128::from(start) + k * step) as i64)
        .collect())
}

/// Sprig's `seq`: like GNU seq, space-separated.
fn seq(params: &[i64]) -> Result<String, String> {
    let nums = match *params {
        [end] => {
            let inc = if end < 1 { -1 } else { 1 };
            until_step(1, end.wrapping_add(inc), inc)?
        }
        [start, end] => {
            let step = if end < start { -1 } else { 1 };
            until_step(start, end.wrapping_add(step), step)?
        }
        [start, step, end] => {
            let mut inc = 1;
            if end < start {
                inc = -1;
                if step > 0 {
                    return Ok(String::new());
                }
            }
            until_step(start, end.wrapping_add(inc), step)?
        }
        _ => return Ok(String::new()),
    };
    Ok(nums
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(" "))
}

/// Sprig's `chunk`, including Go's `makeslice` panic for a size below 1.
fn chunk(size: i64, items: &[Value]) -> Result<Value, String> {
    if size <= 0 {
        // the chunk count or a chunk length comes out negative (or from ±Inf/NaN)
        return Err("runtime error: makeslice: len out of range".into());
    }
    Ok(Value::List(
        std::rc::Rc::new(items.chunks(size as usize).map(|c| list(c.to_vec())).collect()),
        ListType::Lists,
    ))
}

/// Sprig's `slice`: `list[start:end]` with the list's own type, nil for an empty list.
fn slice(args: &[Value]) -> Result<Value, String> {
    let (items, ty) = match &args[0] {
        Value::Nil => return Err(NIL_DEREF.into()),
        Value::List(items, ty) => (items.clone(), *ty),
        Value::Bytes(b) => (
            Rc::new(b.iter().map(|x| Value::Int(i64::from(*x))).collect()),
            ListType::Interface,
        ),
        other => {
            return Err(format!(
                "list should be type of slice or array but {}",
                other.kind()
            ));
        }
    };
    let l = items.len() as i64;
    if l == 0 {
        return Ok(Value::Nil);
    }
    let start = args.get(1).map_or(0, to_int64);
    let end = args.get(2).map_or(l, to_int64);
    if start < 0 || end < start || end > l {
        return Err("reflect.Value.Slice: slice index out of bounds".into());
    }
    Ok(Value::List(
        Rc::new(items[start as usize..end as usize].to_vec()),
        ty,
    ))
}

pub(super) fn register(f: &mut Funcs) {
    f.insert(
        "list",
        Func::variadic(&[], Ty::Any, |a| Ok(list(a.to_vec()))),
    );
    f.insert(
        "tuple",
        Func::variadic(&[], Ty::Any, |a| Ok(list(a.to_vec()))),
    );
    both(
        f,
        "first",
        one("Cannot find first on type", |v| {
            v.first().cloned().unwrap_or_default()
        }),
    );
    both(
        f,
        "last",
        one("Cannot find last on type", |v| {
            v.last().cloned().unwrap_or_default()
        }),
    );
    both(
        f,
        "rest",
        one("Cannot find rest on type", |v| {
            list(v.get(1..).map(<[Value]>::to_vec).unwrap_or_default())
        }),
    );
    both(
        f,
        "initial",
        one("Cannot find initial on type", |v| {
            let n = v.len().saturating_sub(1);
            list(v[..n].to_vec())
        }),
    );
    both(
        f,
        "reverse",
        one("Cannot find reverse on type", |mut v| {
            v.reverse();
            list(v)
        }),
    );
    both(
        f,
        "compact",
        one("Cannot compact on type", |v| {
            list(v.into_iter().filter(|x| !empty(x)).collect())
        }),
    );
    both(
        f,
        "uniq",
        one("Cannot find uniq on type", |v| {
            let mut out: Vec<Value> = Vec::new();
            for x in v {
                if !out.contains(&x) {
                    out.push(x);
                }
            }
            list(out)
        }),
    );
    let push = Func::new(&[Ty::Any, Ty::Any], |a| {
        let mut items = slice_items(&a[0], |k| format!("Cannot push on type {k}"))?;
        items.push(a[1].clone());
        Ok(list(items))
    });
    f.insert("append", push.clone());
    f.insert("mustAppend", push.clone());
    both(f, "push", push);
    both(
        f,
        "prepend",
        Func::new(&[Ty::Any, Ty::Any], |a| {
            let mut items = slice_items(&a[0], |k| format!("Cannot prepend on type {k}"))?;
            items.insert(0, a[1].clone());
            Ok(list(items))
        }),
    );
    both(
        f,
        "without",
        Func::variadic(&[Ty::Any], Ty::Any, |a| {
            let items = slice_items(&a[0], |k| format!("Cannot find without on type {k}"))?;
            let omit = &a[1..];
            Ok(list(
                items.into_iter().filter(|x| !omit.contains(x)).collect(),
            ))
        }),
    );
    both(
        f,
        "has",
        Func::new(&[Ty::Any, Ty::Any], |a| {
            if a[1].is_nil() {
                return Ok(Value::Bool(false));
            }
            let items = slice_items(&a[1], |k| format!("Cannot find has on type {k}"))?;
            Ok(Value::Bool(items.contains(&a[0])))
        }),
    );
    both(f, "slice", Func::variadic(&[Ty::Any], Ty::Any, slice));
    both(
        f,
        "chunk",
        Func::new(&[Ty::Int, Ty::Any], |a| {
            let size = match a[0] {
                Value::Int(n) => n,
                _ => 0,
            };
            let items = slice_items(&a[1], |k| format!("Cannot chunk type {k}"))?;
            chunk(size, &items)
        }),
    );
    f.insert(
        "concat",
        Func::variadic(&[], Ty::Any, |a| {
            let mut out = Vec::new();
            for l in a {
                out.extend(slice_items(l, |k| {
                    format!("Cannot concat type {k} as list")
                })?);
            }
            Ok(list(out))
        }),
    );
    f.insert(
        "seq",
        Func::variadic(&[], Ty::Int, |a| {
            let p: Vec<i64> = a.iter().map(to_int64).collect();
            Ok(Value::str(seq(&p)?))
        }),
    );
    f.insert(
        "until",
        Func::new(&[Ty::Int], |a| {
            let n = to_int64(&a[0]);
            Ok(int_list(until_step(0, n, if n < 0 { -1 } else { 1 })?))
        }),
    );
    f.insert(
        "untilStep",
        Func::new(&[Ty::Int, Ty::Int, Ty::Int], |a| {
            Ok(int_list(until_step(
                to_int64(&a[0]),
                to_int64(&a[1]),
                to_int64(&a[2]),
            )?))
        }),
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::testutil::*;
    use crate::value::Value;

    #[test]
    fn list_access_and_errors() {
        let l3 = l(vec![f(1.0), f(2.0), f(3.0)]);
        assert_eq!(show("first", std::slice::from_ref(&l3)), "1");
        assert_eq!(call("first", &[l(vec![])]).unwrap(), Value::Nil);
        assert_eq!(
            err("first", &[s("abc")]),
            "Cannot find first on type string"
        );
        assert_eq!(err("mustLast", &[m(&[])]), "Cannot find last on type map");
        assert_eq!(
            err("rest", &[Value::Nil]),
            "runtime error: invalid memory address or nil pointer dereference"
        );
        assert_eq!(show("rest", &[l(vec![])]), "[]");
        assert_eq!(show("initial", std::slice::from_ref(&l3)), "[1 2]");
        assert_eq!(
            call("rest", &[Value::string_list(vec!["a".into(), "b".into()])])
                .unwrap()
                .type_name(),
            "[]interface {}"
        );
        assert_eq!(err("append", &[s("x"), i(1)]), "Cannot push on type string");
        assert_eq!(show("prepend", &[l3.clone(), i(0)]), "[0 1 2 3]");
        assert_eq!(
            err("concat", &[l(vec![i(1)]), s("x")]),
            "Cannot concat type string as list"
        );
        assert_eq!(show("concat", &[]), "[]");
        assert_eq!(show("reverse", std::slice::from_ref(&l3)), "[3 2 1]");
    }

    #[test]
    fn equality_is_go_deep_equal() {
        let l3 = l(vec![f(1.0), f(2.0), f(3.0)]);
        assert_eq!(
            show("uniq", &[l(vec![i(1), i(2), i(1), s("1"), f(1.0)])]),
            "[1 2 1 1]"
        );
        assert_eq!(show("without", &[l3.clone(), i(2)]), "[1 2 3]");
        assert_eq!(show("without", &[l3.clone(), f(2.0)]), "[1 3]");
        assert_eq!(show("has", &[i(2), l3.clone()]), "false");
        assert_eq!(show("has", &[f(2.0), l3]), "true");
        assert_eq!(show("has", &[s("x"), Value::Nil]), "false");
        assert_eq!(
            err("mustHas", &[s("a"), s("abc")]),
            "Cannot find has on type string"
        );
        assert_eq!(
            show(
                "compact",
                &[l(vec![
                    i(0),
                    i(1),
                    s(""),
                    s("a"),
                    Value::Nil,
                    Value::Bool(false),
                    Value::Bool(true)
                ])]
            ),
            "[1 a true]"
        );
    }

    #[test]
    fn slice_keeps_the_type_and_checks_bounds() {
        let l3 = l(vec![i(1), i(2), i(3)]);
        assert_eq!(show("slice", &[l3.clone(), i(1)]), "[2 3]");
        assert_eq!(show("slice", &[l3.clone(), s("1")]), "[2 3]");
        assert_eq!(show("slice", &[l3.clone(), f(1.5)]), "[2 3]");
        assert_eq!(show("slice", &[l3.clone(), i(3)]), "[]");
        assert_eq!(
            err("slice", &[l3.clone(), i(2), i(1)]),
            "reflect.Value.Slice: slice index out of bounds"
        );
        assert_eq!(
            err("slice", &[l3, i(-1)]),
            "reflect.Value.Slice: slice index out of bounds"
        );
        assert_eq!(call("slice", &[l(vec![])]).unwrap(), Value::Nil);
        assert_eq!(
            err("mustSlice", &[s("abc"), i(1)]),
            "list should be type of slice or array but string"
        );
        let strs = Value::string_list(vec!["a".into(), "b".into()]);
        assert_eq!(
            call("slice", &[strs, i(1)]).unwrap().type_name(),
            "[]string"
        );
    }

    #[test]
    fn chunk_seq_until() {
        let l3 = l(vec![i(1), i(2), i(3)]);
        assert_eq!(show("chunk", &[i(2), l3.clone()]), "[[1 2] [3]]");
        assert_eq!(show("chunk", &[i(2), l(vec![])]), "[]");
        assert_eq!(
            err("chunk", &[i(0), l3]),
            "runtime error: makeslice: len out of range"
        );
        assert_eq!(
            err("mustChunk", &[i(2), s("abc")]),
            "Cannot chunk type string"
        );
        assert_eq!(show("seq", &[i(5)]), "1 2 3 4 5");
        assert_eq!(show("seq", &[i(0)]), "1 0");
        assert_eq!(show("seq", &[i(-3)]), "1 0 -1 -2 -3");
        assert_eq!(show("seq", &[i(5), i(2)]), "5 4 3 2");
        assert_eq!(show("seq", &[i(10), i(-2), i(0)]), "10 8 6 4 2 0");
        assert_eq!(show("seq", &[i(10), i(2), i(0)]), "");
        assert_eq!(show("seq", &[i(1), i(0), i(3)]), "");
        assert_eq!(show("seq", &[]), "");
        assert_eq!(show("until", &[i(-3)]), "[0 -1 -2]");
        assert_eq!(call("until", &[i(3)]).unwrap().type_name(), "[]int");
        assert_eq!(show("untilStep", &[i(10), i(0), i(-3)]), "[10 7 4 1]");
        assert_eq!(show("untilStep", &[i(0), i(10), i(0)]), "[]");
        assert_eq!(
            show("untilStep", &[i(i64::MAX - 1), i(i64::MAX), i(5)]),
            format!("[{}]", i64::MAX - 1)
        );
        assert_eq!(
            err("until", &[i(1 << 40)]),
            "range of 1099511627776 numbers is too large (the limit is 16777216)"
        );
        // end+1 wraps around in Go too, so the range is empty
        assert_eq!(show("seq", &[i(i64::MAX), i(1), i(i64::MAX)]), "");
    }
}
