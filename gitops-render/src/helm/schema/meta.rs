//! The metaschema check santhosh-tekuri/jsonschema runs when compiling: the schema document
//! must be valid against its draft's metaschema. This checks the keyword values chart
//! schemas get wrong (type names, numbers, counts, `required`, patterns, subschema shapes) and
//! words the failure as santhosh prints a metaschema error tree.

use super::compile::{ROOT_URL, draft_from_url};
use super::json::Json;
use super::num::{Dec, fmt_float};
use super::output::{VErr, quote, render};
use super::pattern::compile_regex;
use super::url::escape_token;

const TYPES: &str = "'array', 'boolean', 'integer', 'null', 'number', 'object', 'string'";

const NUMBER_KWS: &[&str] = &["multipleOf", "maximum", "minimum"];
const COUNT_KWS: &[&str] = &[
    "maxLength",
    "minLength",
    "maxItems",
    "minItems",
    "maxProperties",
    "minProperties",
    "maxContains",
    "minContains",
];
const SCHEMA_MAP_KWS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];
const SCHEMA_KWS: &[&str] = &[
    "additionalProperties",
    "additionalItems",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
];
const SCHEMA_ARR_KWS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];

fn meta_url(draft: u16) -> &'static str {
    match draft {
        4 => "http://json-schema.org/draft-04/schema#",
        6 => "http://json-schema.org/draft-06/schema#",
        7 => "http://json-schema.org/draft-07/schema#",
        2019 => "https://json-schema.org/draft/2019-09/schema#",
        _ => "https://json-schema.org/draft/2020-12/schema#",
    }
}

fn vocab(kw: &str) -> &'static str {
    match kw {
        "$id" | "$schema" | "$ref" | "$anchor" | "$dynamicRef" | "$dynamicAnchor" | "$comment"
        | "$defs" => "core",
        "unevaluatedItems" | "unevaluatedProperties" => "unevaluated",
        "type" | "const" | "enum" | "multipleOf" | "maximum" | "exclusiveMaximum" | "minimum"
        | "exclusiveMinimum" | "maxLength" | "minLength" | "pattern" | "maxItems" | "minItems"
        | "uniqueItems" | "maxContains" | "minContains" | "maxProperties" | "minProperties"
        | "required" | "dependentRequired" => "validation",
        "format" => "format",
        "definitions" | "dependencies" => "root",
        _ => "applicator",
    }
}

fn jtype(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Num(_) => "number",
        Json::Str(_) => "string",
        Json::Arr(_) => "array",
        Json::Obj(_) => "object",
    }
}

fn leaf(ptr: &str, msg: String) -> VErr {
    let inst = if ptr.is_empty() {
        Vec::new()
    } else {
        ptr[1..].split('/').map(unescape).collect()
    };
    VErr {
        msg,
        is_ref: false,
        is_group: false,
        inst,
        causes: Vec::new(),
    }
}

fn unescape(t: &str) -> String {
    t.replace("~1", "/").replace("~0", "~")
}

fn node(ptr: &str, msg: &str, causes: Vec<VErr>) -> VErr {
    let mut e = leaf(ptr, msg.to_string());
    e.causes = causes;
    e
}

/// `causes` as one error at `ptr`: itself when single, else a `validation failed` group.
fn one_or_group(ptr: &str, mut causes: Vec<VErr>) -> Option<VErr> {
    match causes.len() {
        0 => None,
        1 => causes.pop(),
        _ => {
            let mut g = node(ptr, "validation failed", causes);
            g.is_group = true;
            Some(g)
        }
    }
}

/// The errors of one schema reached through a reference at `ptr`: a lone group hands its
/// causes to the reference, which prints at `ptr` (santhosh's `validateRef`).
fn finalize(ptr: &str, mut errs: Vec<VErr>) -> Option<VErr> {
    if errs.len() == 1 && errs[0].is_group {
        let g = errs.pop()?;
        let mut r = node(ptr, "validation failed", g.causes);
        r.is_group = true;
        return Some(r);
    }
    one_or_group(ptr, errs)
}

struct Meta {
    draft: u16,
}

/// Checks `doc` against its draft's metaschema (as far as covered); `Err` is santhosh's
/// `"file:///values.schema.json#" is not valid against metaschema: ...` text.
pub(crate) fn check(doc: &Json) -> Result<(), String> {
    let draft = match doc.get("$schema") {
        Some(Json::Str(url)) => match draft_from_url(url) {
            Some(d) => d,
            None => return Ok(()), // compile reports the unloadable metaschema
        },
        _ => 2020,
    };
    let m = Meta { draft };
    match m.schema(doc, "") {
        None => Ok(()),
        Some(e) => {
            let top = if e.is_group { e.causes } else { vec![e] };
            let text = render(&top);
            Err(format!(
                "{} is not valid against metaschema: jsonschema validation failed with {}\n{}",
                super::output::go_quote(&format!("{ROOT_URL}#")),
                quote(meta_url(draft)),
                text.trim_end_matches('\n')
            ))
        }
    }
}

impl Meta {
    /// Errors of one subschema position, shaped as the metaschema reports them.
    fn schema(&self, v: &Json, ptr: &str) -> Option<VErr> {
        let members = match v {
            Json::Obj(m) => m,
            Json::Bool(_) => return None,
            other => {
                let want = if self.draft == 4 {
                    "object"
                } else {
                    "boolean or object"
                };
                return Some(leaf(ptr, format!("got {}, want {want}", jtype(other))));
            }
        };
        // keyword errors grouped by vocabulary, in metaschema order
        let mut by_vocab: Vec<(&'static str, Vec<VErr>)> = Vec::new();
        for (kw, val) in members {
            if let Some(e) = self.keyword(kw, val, ptr) {
                let voc = if self.draft >= 2019 { vocab(kw) } else { "all" };
                match by_vocab.iter_mut().find(|(n, _)| *n == voc) {
                    Some((_, list)) => list.push(e),
                    None => by_vocab.push((voc, vec![e])),
                }
            }
        }
        if by_vocab.is_empty() {
            return None;
        }
        if self.draft < 2019 {
            let all: Vec<VErr> = by_vocab.into_iter().flat_map(|(_, l)| l).collect();
            return finalize(ptr, all);
        }
        let mut root_errs = Vec::new();
        let mut vocab_errs = Vec::new();
        for (voc, list) in by_vocab {
            if voc == "root" {
                root_errs.extend(list);
            } else if let Some(mut e) = finalize(ptr, list) {
                e.is_group = false;
                vocab_errs.push(e);
            }
        }
        let mut all = root_errs;
        if !vocab_errs.is_empty() {
            all.push(node(ptr, "'allOf' failed", vocab_errs));
        }
        one_or_group(ptr, all)
    }

    fn sub(&self, v: &Json, ptr: &str) -> Option<VErr> {
        let mut e = self.schema(v, ptr)?;
        // a nested group reached through `$ref`/`$dynamicRef` prints as "validation failed"
        e.is_group = false;
        Some(e)
    }

    fn keyword(&self, kw: &str, val: &Json, ptr: &str) -> Option<VErr> {
        let kptr = format!("{ptr}/{}", escape_token(kw));
        let t = jtype(val);
        let want = |w: &str| Some(leaf(&kptr, format!("got {t}, want {w}")));
        match kw {
            "type" => self.type_kw(val, &kptr),
            k if NUMBER_KWS.contains(&k) || (self.draft >= 6 && k.starts_with("exclusiveM")) => {
                match val {
                    Json::Num(n)
                        if k == "multipleOf"
                            && Dec::parse(n).is_some_and(|d| d.to_f64() <= 0.0) =>
                    {
                        Some(leaf(
                            &kptr,
                            format!(
                                "exclusiveMinimum: got {}, want 0",
                                fmt_float(Dec::parse(n).map_or(0.0, |d| d.to_f64()))
                            ),
                        ))
                    }
                    Json::Num(_) => None,
                    _ => want("number"),
                }
            }
            k if k.starts_with("exclusiveM") => match val {
                Json::Bool(_) => None,
                _ => want("boolean"),
            },
            k if COUNT_KWS.contains(&k) => {
                let e = match val {
                    Json::Num(n) => match Dec::parse(n) {
                        Some(d) if !d.is_integer() => {
                            Some(leaf(&kptr, "got number, want integer".into()))
                        }
                        Some(d) if d.to_f64() < 0.0 => Some(leaf(
                            &kptr,
                            format!("minimum: got {}, want 0", fmt_float(d.to_f64())),
                        )),
                        _ => None,
                    },
                    _ => Some(leaf(&kptr, format!("got {t}, want integer"))),
                };
                let e = e?;
                if self.draft < 2019
                    && matches!(k, "minLength" | "minItems" | "minProperties")
                    && self.draft >= 6
                {
                    Some(node(&kptr, "'allOf' failed", vec![e]))
                } else {
                    Some(e)
                }
            }
            "required" => match val {
                Json::Arr(items) => {
                    let mut errs = Vec::new();
                    for (i, it) in items.iter().enumerate() {
                        if !matches!(it, Json::Str(_)) {
                            errs.push(leaf(
                                &format!("{kptr}/{i}"),
                                format!("got {}, want string", jtype(it)),
                            ));
                        }
                    }
                    if errs.is_empty() {
                        'o: for i in 1..items.len() {
                            for j in 0..i {
                                if items[i] == items[j] {
                                    errs.push(leaf(
                                        &kptr,
                                        format!("items at {j} and {i} are equal"),
                                    ));
                                    break 'o;
                                }
                            }
                        }
                    }
                    one_or_group(&kptr, errs)
                }
                _ => want("array"),
            },
            "pattern" => match val {
                Json::Str(p) => compile_regex(p).err().map(|e| {
                    leaf(
                        &kptr,
                        format!(
                            "{} is not valid regex: error parsing regexp: {}",
                            quote(p),
                            first_line(&e)
                        ),
                    )
                }),
                _ => want("string"),
            },
            "format" | "$ref" | "$anchor" | "$comment" => match val {
                Json::Str(_) => None,
                _ => want("string"),
            },
            "uniqueItems" => match val {
                Json::Bool(_) => None,
                _ => want("boolean"),
            },
            "enum" => match val {
                Json::Arr(_) => None,
                _ => want("array"),
            },
            k if SCHEMA_MAP_KWS.contains(&k) => match val {
                Json::Obj(members) => {
                    let mut errs = Vec::new();
                    for (name, sub) in members {
                        if k == "patternProperties"
                            && let Err(e) = compile_regex(name)
                        {
                            let pn = leaf(&kptr, format!("invalid propertyName {}", quote(name)));
                            let mut pn = pn;
                            pn.inst = Vec::new();
                            pn.causes.push(leaf(
                                "",
                                format!(
                                    "{} is not valid regex: error parsing regexp: {}",
                                    quote(name),
                                    first_line(&e)
                                ),
                            ));
                            errs.push(pn);
                            continue;
                        }
                        if let Some(e) = self.sub(sub, &format!("{kptr}/{}", escape_token(name))) {
                            errs.push(e);
                        }
                    }
                    one_or_group(&kptr, errs)
                }
                _ => want("object"),
            },
            k if SCHEMA_KWS.contains(&k) => self.sub(val, &kptr),
            "items" => match val {
                Json::Arr(items) if self.draft < 2020 => {
                    let errs: Vec<VErr> = items
                        .iter()
                        .enumerate()
                        .filter_map(|(i, s)| self.sub(s, &format!("{kptr}/{i}")))
                        .collect();
                    one_or_group(&kptr, errs)
                }
                _ => self.sub(val, &kptr),
            },
            k if SCHEMA_ARR_KWS.contains(&k) => match val {
                Json::Arr(items) if items.is_empty() => {
                    Some(leaf(&kptr, "minItems: got 0, want 1".into()))
                }
                Json::Arr(items) => {
                    let errs: Vec<VErr> = items
                        .iter()
                        .enumerate()
                        .filter_map(|(i, s)| self.sub(s, &format!("{kptr}/{i}")))
                        .collect();
                    one_or_group(&kptr, errs)
                }
                _ => want("array"),
            },
            _ => None,
        }
    }

    fn type_kw(&self, val: &Json, kptr: &str) -> Option<VErr> {
        let ok = |s: &str| {
            matches!(
                s,
                "array" | "boolean" | "integer" | "null" | "number" | "object" | "string"
            )
        };
        match val {
            Json::Str(s) if ok(s) => None,
            Json::Arr(items) if items.iter().all(|i| i.as_str().is_some_and(ok)) => None,
            Json::Arr(items) => {
                let mut causes = vec![leaf(kptr, format!("value must be one of {TYPES}"))];
                for (i, it) in items.iter().enumerate() {
                    if !it.as_str().is_some_and(ok) {
                        causes.push(leaf(
                            &format!("{kptr}/{i}"),
                            format!("value must be one of {TYPES}"),
                        ));
                    }
                }
                Some(node(kptr, "'anyOf' failed", causes))
            }
            other => Some(node(
                kptr,
                "'anyOf' failed",
                vec![
                    leaf(kptr, format!("value must be one of {TYPES}")),
                    leaf(kptr, format!("got {}, want array", jtype(other))),
                ],
            )),
        }
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string()
}
