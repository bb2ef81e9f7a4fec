//! Helm's value coalescing (`pkg/chart/common/util/coalesce.go` in Helm 4) and the merge
//! of `-f` files and `--set*` flags (`pkg/cli/values.Options.MergeValues`).
//!
//! User values win over chart defaults; maps are merged key by key; a nil user value
//! deletes the default; lists and scalars replace. A table over a non-table (or the
//! reverse) keeps the user's side and records Helm's warning.

use std::cell::RefCell;
use std::rc::Rc;

use gitops_gotmpl::{Map, MapType, Value};

use super::strvals;

/// The key Helm copies from a parent's values into every subchart's.
pub const GLOBAL_KEY: &str = "global";

fn table(v: &Value) -> Option<Rc<RefCell<Map>>> {
    match v {
        Value::Map(m, _) => Some(m.clone()),
        _ => None,
    }
}

fn concat_prefix(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// A deep copy of a value: maps and lists are new, so merging into the copy leaves the
/// original untouched (Helm copies chart values before coalescing).
pub fn deep_copy(v: &Value) -> Value {
    match v {
        Value::Map(m, t) => Value::typed_map(
            m.borrow()
                .iter()
                .map(|(k, v)| (k.clone(), deep_copy(v)))
                .collect(),
            *t,
        ),
        Value::List(l, t) => Value::List(Rc::new(l.iter().map(deep_copy).collect()), *t),
        other => other.clone(),
    }
}

/// Helm's `coalesceTablesFullKey`: merges `src` (lower precedence) into `dst` (higher).
/// With `merge` false, a nil in `dst` deletes the key. Warnings go to `warn`.
pub fn coalesce_tables(
    dst: &Rc<RefCell<Map>>,
    src: &Rc<RefCell<Map>>,
    prefix: &str,
    merge: bool,
    warn: &mut dyn FnMut(String),
) {
    if Rc::ptr_eq(dst, src) {
        return;
    }
    let nil_keys: Vec<String> = dst
        .borrow()
        .iter()
        .filter(|(_, v)| v.is_nil())
        .map(|(k, _)| k.clone())
        .collect();
    for k in nil_keys {
        src.borrow_mut().insert(k, Value::Nil);
    }
    let entries: Vec<(String, Value)> = src
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (key, val) in entries {
        let full = concat_prefix(prefix, &key);
        let dv = dst.borrow().get(&key).cloned();
        match dv {
            Some(Value::Nil) if !merge => {
                dst.borrow_mut().remove(&key);
            }
            None => {
                dst.borrow_mut().insert(key, val);
            }
            Some(dv) => {
                if let Some(sm) = table(&val) {
                    if let Some(dm) = table(&dv) {
                        coalesce_tables(&dm, &sm, &full, merge, warn);
                    } else {
                        warn(format!(
                            "warning: cannot overwrite table with non table for {full} ({})",
                            go_v(&val)
                        ));
                    }
                } else if table(&dv).is_some() && !val.is_nil() {
                    warn(format!(
                        "warning: destination for {full} is a table. Ignoring non-table value ({})",
                        go_v(&val)
                    ));
                }
            }
        }
    }
}

fn go_v(v: &Value) -> String {
    gitops_gotmpl::fmt::sprint(std::slice::from_ref(v))
}

/// A chart as coalescing sees it: its name (the alias when it has one), default values
/// and subcharts.
#[derive(Clone, Debug)]
pub struct ChartValues {
    /// The chart's name, or its alias in the parent.
    pub name: String,
    /// `values.yaml` (a map; nil when the chart has none).
    pub values: Value,
    /// Subcharts, each scoped under its name in this chart's values.
    pub dependencies: Vec<ChartValues>,
}

/// Why values could not be coalesced.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Error(pub String);

/// Helm's `CoalesceValues`: `user` values over the chart's defaults and its subcharts',
/// with globals copied down. Returns the values and the warnings Helm would print.
pub fn coalesce_values(chart: &ChartValues, user: &Value) -> Result<(Value, Vec<String>), Error> {
    let v = match table(&deep_copy(user)) {
        Some(m) => m,
        None => Rc::new(RefCell::new(Map::new())),
    };
    let mut warnings = Vec::new();
    coalesce(chart, &v, "", false, &mut |w| warnings.push(w))?;
    Ok((Value::Map(v, MapType::Interface), warnings))
}

/// Helm's `MergeValues` of a chart: like [`coalesce_values`], but a nil user value is
/// kept rather than deleting the default (used for `import-values`).
pub fn merge_chart_values(chart: &ChartValues, user: &Value) -> Result<Value, Error> {
    let v = match table(&deep_copy(user)) {
        Some(m) => m,
        None => Rc::new(RefCell::new(Map::new())),
    };
    coalesce(chart, &v, "", true, &mut |_| {})?;
    Ok(Value::Map(v, MapType::Interface))
}

/// Helm's `MergeTables(dst, src)`: `src` merged into `dst` where `dst` has no value; nils
/// are kept.
pub fn merge_tables(dst: &Value, src: &Value) {
    if let (Some(d), Some(s)) = (table(dst), table(src)) {
        coalesce_tables(&d, &s, "", true, &mut |_| {});
    }
}

fn coalesce(
    chart: &ChartValues,
    dest: &Rc<RefCell<Map>>,
    prefix: &str,
    merge: bool,
    warn: &mut dyn FnMut(String),
) -> Result<(), Error> {
    coalesce_chart_values(chart, dest, prefix, merge, warn);
    coalesce_deps(chart, dest, prefix, merge, warn)
}

fn coalesce_chart_values(
    chart: &ChartValues,
    v: &Rc<RefCell<Map>>,
    prefix: &str,
    merge: bool,
    warn: &mut dyn FnMut(String),
) {
    let sub_prefix = concat_prefix(prefix, &chart.name);
    let Some(vc) = table(&deep_copy(&chart.values)) else {
        return;
    };
    let entries: Vec<(String, Value)> = vc
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (key, val) in entries {
        let existing = v.borrow().get(&key).cloned();
        match existing {
            Some(Value::Nil) if !merge => {
                v.borrow_mut().remove(&key);
            }
            Some(value) => {
                if let Some(dm) = table(&value) {
                    match table(&val) {
                        None => {
                            if !val.is_nil() {
                                warn(format!(
                                    "warning: skipped value for {sub_prefix}.{key}: Not a table."
                                ));
                            }
                        }
                        Some(sm) => {
                            let child = chart.dependencies.iter().any(|d| d.name == key);
                            coalesce_tables(
                                &dm,
                                &sm,
                                &concat_prefix(&sub_prefix, &key),
                                merge || child,
                                warn,
                            );
                        }
                    }
                }
            }
            None => {
                v.borrow_mut().insert(key, val);
            }
        }
    }
}

fn coalesce_deps(
    chart: &ChartValues,
    dest: &Rc<RefCell<Map>>,
    prefix: &str,
    merge: bool,
    warn: &mut dyn FnMut(String),
) -> Result<(), Error> {
    for sub in &chart.dependencies {
        let existing = dest.borrow().get(&sub.name).cloned();
        let dv = match existing {
            None => {
                let m = Rc::new(RefCell::new(Map::new()));
                dest.borrow_mut()
                    .insert(sub.name.clone(), Value::Map(m.clone(), MapType::Interface));
                m
            }
            Some(v) => match table(&v) {
                Some(m) => m,
                None => {
                    return Err(Error(format!(
                        "type mismatch on {}: {}",
                        sub.name,
                        go_t(&v)
                    )));
                }
            },
        };
        let sub_prefix = concat_prefix(prefix, &chart.name);
        coalesce_globals(&dv, dest, &sub_prefix, merge, warn);
        coalesce(sub, &dv, &sub_prefix, merge, warn)?;
    }
    Ok(())
}

/// Go's `%t` of a non-boolean (`%!t(string=x)`).
fn go_t(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        other => format!("%!t({}={})", other.type_name(), go_v(other)),
    }
}

/// The `global` table of one side of [`coalesce_globals`] (a new one when absent); `None`,
/// with Helm's warning, when it is not a table.
fn global_table(
    values: &Rc<RefCell<Map>>,
    side: &str,
    warn: &mut dyn FnMut(String),
) -> Option<Rc<RefCell<Map>>> {
    match values.borrow().get(GLOBAL_KEY).cloned() {
        None => Some(Rc::new(RefCell::new(Map::new()))),
        Some(v) => {
            let t = table(&v);
            if t.is_none() {
                warn(format!(
                    "warning: skipping globals because {side} {GLOBAL_KEY} is not a table."
                ));
            }
            t
        }
    }
}

/// Helm's `coalesceGlobals`: copies `src`'s `global` into `dest`'s (parent globals win
/// inside maps; a subchart's own non-map global keeps a parent's table out).
pub fn coalesce_globals(
    dest: &Rc<RefCell<Map>>,
    src: &Rc<RefCell<Map>>,
    prefix: &str,
    merge: bool,
    warn: &mut dyn FnMut(String),
) {
    let Some(dg) = global_table(dest, "destination", warn) else {
        return;
    };
    let Some(sg) = global_table(src, "source", warn) else {
        return;
    };
    let entries: Vec<(String, Value)> = sg
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (key, val) in entries {
        if table(&val).is_some() {
            let vv = deep_copy(&val);
            let Some(vvm) = table(&vv) else { continue };
            let destv = dg.borrow().get(&key).cloned();
            match destv {
                None => {
                    dg.borrow_mut().insert(key, vv);
                }
                Some(destv) => match table(&destv) {
                    None => warn(format!(
                        "Conflict: cannot merge map onto non-map for {}. Skipping.",
                        gitops_gotmpl::fmt::quote(&key)
                    )),
                    Some(dvm) => {
                        coalesce_tables(&vvm, &dvm, prefix, merge, warn);
                        dg.borrow_mut().insert(key, vv);
                    }
                },
            }
        } else {
            let dv = dg.borrow().get(&key).cloned();
            match dv {
                Some(dv) if table(&dv).is_some() => warn(format!("key {key} is table. Skipping")),
                _ => {
                    dg.borrow_mut().insert(key, val);
                }
            }
        }
    }
    dest.borrow_mut()
        .insert(GLOBAL_KEY.to_string(), Value::Map(dg, MapType::Interface));
}

/// Helm's `mergeMaps`: `b` over `a`, maps merged recursively, everything else replaced.
pub fn merge_maps(a: &Map, b: &Map) -> Map {
    let mut out = a.clone();
    for (k, v) in b {
        if let (Some(vm), Some(om)) = (
            v.as_map(),
            out.get(k).and_then(|o| o.as_map().map(|m| m.clone())),
        ) {
            let merged = merge_maps(&om, &vm);
            drop(vm);
            out.insert(k.clone(), Value::map(merged));
            continue;
        }
        out.insert(k.clone(), v.clone());
    }
    out
}

/// Reads a values file as Helm 4 does (`LoadValues`: every document merged, YAML 1.1,
/// numbers `float64`). An empty file is an empty map. `name` is used in errors.
pub fn read_values(name: &str, text: &str) -> Result<Value, Error> {
    crate::helm::chart::parse_values(text)
        .map(|v| Value::from_json(&v))
        .map_err(|e| Error(format!("failed to parse {name}: {e}")))
}

/// The user's values flags, as `helm template` takes them.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `-f` files: (name for errors, content), in order.
    pub value_files: Vec<(String, String)>,
    /// `--set-json` lines.
    pub json_values: Vec<String>,
    /// `--set` lines.
    pub values: Vec<String>,
    /// `--set-string` lines.
    pub string_values: Vec<String>,
    /// `--set-file` lines.
    pub file_values: Vec<String>,
    /// `--set-literal` lines.
    pub literal_values: Vec<String>,
}

/// Helm's `MergeValues`: the files in order, then `--set-json`, `--set`, `--set-string`,
/// `--set-file` (whose values `read_file` reads, given the path), `--set-literal`.
pub fn merge_values(
    opts: &Options,
    read_file: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<Value, Error> {
    let mut base = Map::new();
    for (name, text) in &opts.value_files {
        let cur = read_values(name, text)?;
        if let Some(m) = cur.as_map() {
            base = merge_maps(&base, &m);
        }
    }
    let base = Value::map(base);
    for line in &opts.json_values {
        let failed = || Error(format!("failed parsing --set-json data {line}"));
        if line.trim_start().starts_with('{') {
            // Helm 4: a whole JSON object is merged over the values.
            let obj: serde_json::Value = serde_json::from_str(line).map_err(|_| failed())?;
            let obj = Value::from_json(&obj);
            let merged = match (base.as_map(), obj.as_map()) {
                (Some(b), Some(o)) => merge_maps(&b, &o),
                _ => return Err(failed()),
            };
            if let Value::Map(m, _) = &base {
                *m.borrow_mut() = merged;
            }
            continue;
        }
        strvals::parse_json(line, &base).map_err(|_| failed())?;
    }
    for line in &opts.values {
        strvals::parse_into(line, &base)
            .map_err(|e| Error(format!("failed parsing --set data: {e}")))?;
    }
    for line in &opts.string_values {
        strvals::parse_into_string(line, &base)
            .map_err(|e| Error(format!("failed parsing --set-string data: {e}")))?;
    }
    for line in &opts.file_values {
        let mut reader = |p: &str| read_file(p).map(Value::from);
        strvals::parse_file(line, &base, &mut reader)
            .map_err(|e| Error(format!("failed parsing --set-file data: {e}")))?;
    }
    for line in &opts.literal_values {
        strvals::parse_literal_into(line, &base)
            .map_err(|e| Error(format!("failed parsing --set-literal data: {e}")))?;
    }
    Ok(base)
}
