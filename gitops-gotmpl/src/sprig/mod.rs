//! Sprig v3's template functions (Masterminds/sprig v3.3, as Helm 3.19 and 4.1 vendor
//! it), with Sprig's Go signatures and result types.
//!
//! Every function is registered under Sprig's name with the Go parameter types Sprig
//! declares, so the executor's argument checks and conversions are Go's (`indent` takes
//! `(int, string)`, `add` takes `...interface {}`), and returns what Sprig returns:
//! `int64` from integer math, `float64` from the `…f` functions, `[]string` from
//! `splitList`, `keys`, `sortAlpha` and `regexFindAll`, `[]interface {}` from list
//! operations, `map[string]interface {}` from `dict`.
//!
//! Sprig's panics (which Go's template turns into errors) are errors with the panic's
//! text (`Cannot find first on type string`, `runtime error: invalid memory address or
//! nil pointer dereference` for a nil list); the `must…` variants return the same
//! errors. Sprig's loose conversions (`toInt64`, `toFloat64` through spf13/cast, `strval`)
//! are in this module.
//!
//! Also here: crypto and random values, certificates, dates, semver, `env`/`expandenv`
//! and `getHostByName` (Helm deletes the first two and disables the last: see
//! `crate::helm::all_funcs`).

mod certs;
mod conv;
mod crypto;
mod dates;
pub(crate) mod gotime;
mod json;
mod decimal;
mod defaults;
pub(crate) mod dicts;
mod encoding;
mod lists;
mod math;
mod paths;
mod reflect;
mod semver;
mod regex;
mod strings;
mod url;
mod xstrings;

pub use conv::{empty, strval, to_float64, to_int64};

use crate::func::Funcs;

/// Every Sprig function this module implements, under Sprig's names.
pub fn funcs() -> Funcs {
    let mut f = Funcs::new();
    strings::register(&mut f);
    lists::register(&mut f);
    dicts::register(&mut f);
    math::register(&mut f);
    defaults::register(&mut f);
    reflect::register(&mut f);
    encoding::register(&mut f);
    regex::register(&mut f);
    paths::register(&mut f);
    url::register(&mut f);
    crypto::register(&mut f);
    certs::register(&mut f);
    dates::register(&mut f);
    semver::register(&mut f);
    json::register(&mut f);
    f.insert(
        "hello",
        crate::func::Func::new(&[], |_| Ok(crate::value::Value::str("Hello!"))),
    );
    f
}

/// Go's message for a method call on a nil `reflect.Type` (Sprig's
/// `reflect.TypeOf(list).Kind()` on a nil list).
pub(crate) const NIL_DEREF: &str =
    "runtime error: invalid memory address or nil pointer dereference";

#[cfg(test)]
mod registry_tests {
    /// Sprig v3.3's names outside dates, random, crypto, semver, JSON, OS and network.
    const NAMES: &[&str] = &[
        "abbrev",
        "abbrevboth",
        "add",
        "add1",
        "add1f",
        "addf",
        "all",
        "any",
        "append",
        "atoi",
        "b32dec",
        "b32enc",
        "b64dec",
        "b64enc",
        "base",
        "biggest",
        "camelcase",
        "cat",
        "ceil",
        "chunk",
        "clean",
        "coalesce",
        "compact",
        "concat",
        "contains",
        "deepCopy",
        "deepEqual",
        "default",
        "dict",
        "dig",
        "dir",
        "div",
        "divf",
        "empty",
        "ext",
        "fail",
        "first",
        "float64",
        "floor",
        "get",
        "has",
        "hasKey",
        "hasPrefix",
        "hasSuffix",
        "hello",
        "indent",
        "initial",
        "initials",
        "int",
        "int64",
        "isAbs",
        "join",
        "kebabcase",
        "keys",
        "kindIs",
        "kindOf",
        "last",
        "list",
        "lower",
        "max",
        "maxf",
        "merge",
        "mergeOverwrite",
        "min",
        "minf",
        "mod",
        "mul",
        "mulf",
        "mustAppend",
        "mustChunk",
        "mustCompact",
        "mustDeepCopy",
        "mustFirst",
        "mustHas",
        "mustInitial",
        "mustLast",
        "mustMerge",
        "mustMergeOverwrite",
        "mustPrepend",
        "mustPush",
        "mustRegexFind",
        "mustRegexFindAll",
        "mustRegexMatch",
        "mustRegexReplaceAll",
        "mustRegexReplaceAllLiteral",
        "mustRegexSplit",
        "mustRest",
        "mustReverse",
        "mustSlice",
        "mustUniq",
        "mustWithout",
        "nindent",
        "nospace",
        "omit",
        "osBase",
        "osClean",
        "osDir",
        "osExt",
        "osIsAbs",
        "pick",
        "pluck",
        "plural",
        "prepend",
        "push",
        "quote",
        "regexFind",
        "regexFindAll",
        "regexMatch",
        "regexQuoteMeta",
        "regexReplaceAll",
        "regexReplaceAllLiteral",
        "regexSplit",
        "repeat",
        "replace",
        "rest",
        "reverse",
        "round",
        "seq",
        "set",
        "slice",
        "snakecase",
        "sortAlpha",
        "split",
        "splitList",
        "splitn",
        "squote",
        "sub",
        "subf",
        "substr",
        "swapcase",
        "ternary",
        "title",
        "toDecimal",
        "toString",
        "toStrings",
        "trim",
        "trimAll",
        "trimPrefix",
        "trimSuffix",
        "trimall",
        "trunc",
        "tuple",
        "typeIs",
        "typeIsLike",
        "typeOf",
        "uniq",
        "unset",
        "until",
        "untilStep",
        "untitle",
        "upper",
        "urlJoin",
        "urlParse",
        "values",
        "without",
        "wrap",
        "wrapWith",
    ];

    #[test]
    fn every_sprig_name_of_these_groups_is_registered() {
        let f = super::funcs();
        let missing: Vec<&str> = NAMES.iter().copied().filter(|n| !f.contains(n)).collect();
        assert!(missing.is_empty(), "missing: {missing:?}");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod testutil {
    use crate::func::FuncResult;
    use crate::value::{Map, Value};

    /// Calls `name` from [`super::funcs`] with already-typed arguments.
    pub fn call(name: &str, args: &[Value]) -> FuncResult {
        let funcs = super::funcs();
        let f = funcs
            .get(name)
            .unwrap_or_else(|| panic!("no function {name}"));
        assert!(
            f.arity_error(name, args.len()).is_none(),
            "{name}: wrong arity {}",
            args.len()
        );
        for (i, a) in args.iter().enumerate() {
            let ty = f.param(i).unwrap();
            assert!(
                ty.accepts(a) || (a.is_nil() && ty.nillable()),
                "{name}: arg {i} {a:?} is not {ty:?}"
            );
        }
        (f.call)(args)
    }

    /// `%v` of a successful call.
    pub fn show(name: &str, args: &[Value]) -> String {
        match call(name, args) {
            Ok(v) => crate::fmt::format_value(&v),
            Err(e) => panic!("{name}: unexpected error {e}"),
        }
    }

    /// The error of a failing call.
    pub fn err(name: &str, args: &[Value]) -> String {
        match call(name, args) {
            Ok(v) => panic!("{name}: expected an error, got {v:?}"),
            Err(e) => e,
        }
    }

    pub fn s(x: &str) -> Value {
        Value::str(x)
    }

    pub fn i(x: i64) -> Value {
        Value::Int(x)
    }

    pub fn f(x: f64) -> Value {
        Value::Float(x)
    }

    pub fn l(items: Vec<Value>) -> Value {
        Value::list(items)
    }

    pub fn m(pairs: &[(&str, Value)]) -> Value {
        Value::map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<Map>(),
        )
    }
}
