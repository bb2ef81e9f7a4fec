//! Helm's template functions: the engine-bound `include` and `tpl`, and the ones Helm's
//! `funcMap()` adds over Sprig (`toYaml`, `fromYaml`, `toJson`, `toToml`, `required`,
//! `lookup`, …): [`funcs`], and the whole map `helm template` uses: [`all_funcs`].
//!
//! Versions: this is Helm 4.1's map. Helm 3.19 has the same functions except
//! `mustToYaml` (and its `mustToJson` is Sprig's, which behaves the same).
//!
//! `include` and `tpl` need the running template set, so they are written with
//! [`Func::with_engine`]. `include NAME DATA` executes a named template into a string
//! (at most 1000 nested includes of one name, with Helm's message); `tpl TEXT DATA`
//! parses TEXT as a new template in a copy of the running set, executes it, and removes
//! `<no value>` from the result, as Helm does.

mod convert;
mod pretty;
mod toml;

pub use convert::{from_yaml, to_yaml, yaml_to_json};

use crate::fmt::quote;
use crate::func::{Func, Funcs, TextError, Ty};
use crate::value::Value;

/// How many nested `include`s of one name Helm allows (`recursionMaxNums`).
pub const MAX_INCLUDE_NESTING: i64 = 1000;

/// Helm's `include`.
pub fn include() -> Func {
    Func::with_engine(&[Ty::String, Ty::Any], |e, a| {
        let name = a[0].as_str().unwrap_or_default().to_string();
        let key = format!("helm.include:{name}");
        let count = e.counter(&key);
        if *count > MAX_INCLUDE_NESTING {
            return Err(format!("rendering template has a nested reference name: {name}: unable to execute template"));
        }
        *count += 1;
        let r = e.execute_template(&name, &a[1]);
        *e.counter(&key) -= 1;
        r.map(Value::from)
    })
}

/// Helm's `tpl`.
pub fn tpl() -> Func {
    Func::with_engine(&[Ty::String, Ty::Any], |e, a| {
        let text = a[0].as_str().unwrap_or_default().to_string();
        match e.execute_text(&text, &a[1]) {
            Ok(s) => Ok(Value::from(s.replace("<no value>", ""))),
            Err(TextError::Parse(m)) => Err(format!("cannot parse template {}: {m}", quote(&text))),
            Err(TextError::Exec(m)) => Err(format!("error during tpl function execution for {}: {m}", quote(&text))),
        }
    })
}

/// Every function Helm's engine adds over Sprig: `include`, `tpl`, the conversions
/// (`toYaml`, `mustToYaml`, `toYamlPretty`, `fromYaml`, `fromYamlArray`, `toJson`,
/// `mustToJson`, `fromJson`, `fromJsonArray`, `toToml`, `fromToml`), `required`, `fail`
/// (wrapped as Helm does), `lookup` (template mode: an empty map; replace it to reach a
/// cluster) and `getHostByName` (DNS disabled, Helm's default: an empty string; Sprig's
/// resolving one is in [`crate::sprig::funcs`], as `--enable-dns` would use).
pub fn funcs() -> Funcs {
    let mut f = Funcs::new();
    convert::register(&mut f);
    f.insert("include", include());
    f.insert("tpl", tpl());
    f
}

/// The whole function map of Helm's engine as `helm template` builds it: Sprig's
/// functions without `env` and `expandenv` (Helm deletes them), then Helm's, which win
/// on collisions (`toJson`, `fromJson`, `mustToJson`, `fail`, `getHostByName`).
pub fn all_funcs() -> Funcs {
    let sprig = crate::sprig::funcs();
    let mut f = Funcs::new();
    for name in sprig.names() {
        if name == "env" || name == "expandenv" {
            continue;
        }
        if let Some(func) = sprig.get(name) {
            f.insert(name, func.clone());
        }
    }
    f.extend(funcs());
    f
}

#[cfg(test)]
mod registry_tests {
    /// Every name of Sprig v3.3's `GenericFuncMap`.
    const SPRIG: &[&str] = &[
        "abbrev", "abbrevboth", "add", "add1", "add1f", "addf", "adler32sum", "ago", "all", "any",
        "append", "atoi", "b32dec", "b32enc", "b64dec", "b64enc", "base", "bcrypt", "biggest",
        "buildCustomCert", "camelcase", "cat", "ceil", "chunk", "clean", "coalesce", "compact",
        "concat", "contains", "date", "dateInZone", "dateModify", "date_in_zone", "date_modify",
        "decryptAES", "deepCopy", "deepEqual", "default", "derivePassword", "dict", "dig", "dir",
        "div", "divf", "duration", "durationRound", "empty", "encryptAES", "env", "expandenv",
        "ext", "fail", "first", "float64", "floor", "fromJson", "genCA", "genCAWithKey",
        "genPrivateKey", "genSelfSignedCert", "genSelfSignedCertWithKey", "genSignedCert",
        "genSignedCertWithKey", "get", "getHostByName", "has", "hasKey", "hasPrefix", "hasSuffix",
        "hello", "htmlDate", "htmlDateInZone", "htpasswd", "indent", "initial", "initials", "int",
        "int64", "isAbs", "join", "kebabcase", "keys", "kindIs", "kindOf", "last", "list", "lower",
        "max", "maxf", "merge", "mergeOverwrite", "min", "minf", "mod", "mul", "mulf", "mustAppend",
        "mustChunk", "mustCompact", "mustDateModify", "mustDeepCopy", "mustFirst", "mustFromJson",
        "mustHas", "mustInitial", "mustLast", "mustMerge", "mustMergeOverwrite", "mustPrepend", "mustPush",
        "mustRegexFind", "mustRegexFindAll", "mustRegexMatch", "mustRegexReplaceAll",
        "mustRegexReplaceAllLiteral", "mustRegexSplit", "mustRest", "mustReverse", "mustSlice",
        "mustToDate", "mustToJson", "mustToPrettyJson", "mustToRawJson", "mustUniq", "mustWithout",
        "must_date_modify", "nindent", "nospace", "now", "omit", "osBase", "osClean", "osDir",
        "osExt", "osIsAbs", "pick", "pluck", "plural", "prepend", "push", "quote", "randAlpha",
        "randAlphaNum", "randAscii", "randBytes", "randInt", "randNumeric", "regexFind",
        "regexFindAll", "regexMatch", "regexQuoteMeta", "regexReplaceAll", "regexReplaceAllLiteral",
        "regexSplit", "repeat", "replace", "rest", "reverse", "round", "semver", "semverCompare",
        "seq", "set", "sha1sum", "sha256sum", "sha512sum", "shuffle", "slice", "snakecase",
        "sortAlpha", "split", "splitList", "splitn", "squote", "sub", "subf", "substr", "swapcase",
        "ternary", "title", "toDate", "toDecimal", "toJson", "toPrettyJson", "toRawJson",
        "toString", "toStrings", "trim", "trimAll", "trimPrefix", "trimSuffix", "trimall", "trunc",
        "tuple", "typeIs", "typeIsLike", "typeOf", "uniq", "unixEpoch", "unset", "until",
        "untilStep", "untitle", "upper", "urlJoin", "urlParse", "uuidv4", "values", "without",
        "wrap", "wrapWith",
    ];
    /// What Helm 4.1's `funcMap()` and engine add.
    const HELM: &[&str] = &[
        "toToml", "fromToml", "toYaml", "mustToYaml", "toYamlPretty", "fromYaml", "fromYamlArray", "toJson",
        "mustToJson", "fromJson", "fromJsonArray", "include", "tpl", "required", "lookup", "fail", "getHostByName",
    ];

    #[test]
    fn sprig_has_every_v3_3_name() {
        let f = crate::sprig::funcs();
        let missing: Vec<&str> = SPRIG.iter().copied().filter(|n| !f.contains(n)).collect();
        assert!(missing.is_empty(), "missing: {missing:?}");
    }

    #[test]
    fn helms_map_is_sprig_without_env_plus_helms_own() {
        let f = super::all_funcs();
        let missing: Vec<&str> = SPRIG.iter().chain(HELM).copied().filter(|n| !f.contains(n)).filter(|n| !matches!(*n, "env" | "expandenv")).collect();
        assert!(missing.is_empty(), "missing: {missing:?}");
        assert!(!f.contains("env") && !f.contains("expandenv"));
        let mut extra: Vec<&str> = f.names().filter(|n| !SPRIG.contains(n) && !HELM.contains(n)).collect();
        extra.sort_unstable();
        assert!(extra.is_empty(), "not in Helm: {extra:?}");
    }
}
