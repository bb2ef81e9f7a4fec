//! `meta.k8s.io/v1` `Table` responses (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`),
//! so `kubectl get` prints each kind's columns as kube-apiserver's printers
//! (`pkg/printers/internalversion/printers.go`) do. The server always fills the `-o wide`
//! cells; those columns carry `priority: 1` and kubectl hides them without `-o wide`.
//!
//! Wiring: a LIST/GET/watch that asks for a Table calls [`to_table`] (built-in kinds) or
//! [`to_table_for_crd`] (custom resources, with the version's `additionalPrinterColumns`),
//! then sets `metadata.resourceVersion` (and `continue`) on the result. A watch sends one
//! Table per event; only the first carries `columnDefinitions` (clear it for the others).

mod cells;
pub(crate) use cells::format_selector;
mod jsonpath;
mod others;
mod printers;
mod workloads;

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// What each row's `object` carries (`includeObject` query parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncludeObject {
    /// No object.
    None,
    /// A `PartialObjectMetadata` (the default).
    #[default]
    Metadata,
    /// The full object.
    Object,
}

impl IncludeObject {
    /// Parses the `includeObject` query value (`None`, `Metadata`, `Object`); unknown → `None`
    /// (the caller answers 400 with the real server's message if it wants to).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "None" => Some(Self::None),
            "Metadata" | "" => Some(Self::Metadata),
            "Object" => Some(Self::Object),
            _ => None,
        }
    }
}

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// An `additionalPrinterColumns` JSONPath the subset here does not understand.
    #[error("unrecognized JSONPath {0:?}")]
    JsonPath(String),
}

/// One column definition.
#[derive(Debug, Clone)]
pub(crate) struct Col {
    pub(crate) name: &'static str,
    pub(crate) ty: &'static str,
    pub(crate) format: &'static str,
    pub(crate) priority: u8,
    pub(crate) description: &'static str,
}

pub(crate) const fn col(name: &'static str, ty: &'static str, description: &'static str) -> Col {
    Col {
        name,
        ty,
        format: "",
        priority: 0,
        description,
    }
}

pub(crate) const fn wide(name: &'static str, ty: &'static str, description: &'static str) -> Col {
    Col {
        name,
        ty,
        format: "",
        priority: 1,
        description,
    }
}

/// The current Unix time in seconds.
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A `Table` of built-in objects of `kind` at the current time; `include_object` chooses
/// full objects (`true`) or `PartialObjectMetadata` (`false`).
pub fn to_table(kind: &str, objects: &[Value], include_object: bool) -> Value {
    let inc = if include_object {
        IncludeObject::Object
    } else {
        IncludeObject::Metadata
    };
    to_table_at(kind, objects, inc, now_unix())
}

/// [`to_table`] with an explicit `includeObject` and clock (Unix seconds), for exact tests.
pub fn to_table_at(kind: &str, objects: &[Value], include: IncludeObject, now: i64) -> Value {
    let (cols, printer) = printers::lookup(kind);
    let rows = objects
        .iter()
        .map(|o| row(printer(o, now), o, include))
        .collect::<Vec<_>>();
    table(&cols, rows)
}

/// A `Table` of custom resources for a CRD version's `additionalPrinterColumns` (each
/// `{name, type, format?, description?, priority?, jsonPath}`); no columns → `Name`, `Age`.
pub fn to_table_for_crd(columns: &[Value], objects: &[Value], include_object: bool) -> Value {
    let inc = if include_object {
        IncludeObject::Object
    } else {
        IncludeObject::Metadata
    };
    to_table_for_crd_at(columns, objects, inc, now_unix())
}

/// [`to_table_for_crd`] with an explicit `includeObject` and clock (Unix seconds).
pub fn to_table_for_crd_at(
    columns: &[Value],
    objects: &[Value],
    include: IncludeObject,
    now: i64,
) -> Value {
    let age = json!({"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"});
    let columns: Vec<Value> = if columns.is_empty() {
        vec![age]
    } else {
        columns.to_vec()
    };
    let mut defs = vec![json!({"name": "Name", "type": "string", "format": "name",
        "description": printers::NAME_DESC, "priority": 0})];
    let mut paths = Vec::new();
    for c in &columns {
        let s = |k: &str| {
            c.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        defs.push(json!({"name": s("name"), "type": s("type"), "format": s("format"),
            "description": s("description"), "priority": c.get("priority").and_then(Value::as_i64).unwrap_or(0)}));
        paths.push((s("type"), jsonpath::parse(&s("jsonPath")).ok()));
    }
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let mut cells = vec![json!(name(o))];
            for (ty, path) in &paths {
                let value = path
                    .as_ref()
                    .and_then(|p| jsonpath::eval(p, o).into_iter().next());
                cells.push(value.map_or(Value::Null, |v| crd_cell(ty, v, now)));
            }
            row(cells, o, include)
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {}, "columnDefinitions": defs, "rows": rows})
}

fn crd_cell(ty: &str, v: &Value, now: i64) -> Value {
    match (ty, v) {
        ("date", Value::String(s)) => {
            parse_rfc3339(s).map_or(Value::Null, |t| json!(human_duration(now - t)))
        }
        ("integer", Value::Number(n)) => n
            .as_i64()
            .map_or_else(|| json!(n.as_f64().unwrap_or(0.0) as i64), |i| json!(i)),
        ("number", Value::Number(_))
        | ("boolean", Value::Bool(_))
        | ("string", Value::String(_)) => v.clone(),
        ("string", other) => json!(other.to_string()),
        _ => Value::Null,
    }
}

fn table(cols: &[Col], rows: Vec<Value>) -> Value {
    let defs: Vec<Value> = cols
        .iter()
        .map(|c| json!({"name": c.name, "type": c.ty, "format": c.format, "description": c.description, "priority": c.priority}))
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {}, "columnDefinitions": defs, "rows": rows})
}

fn row(cells: Vec<Value>, obj: &Value, include: IncludeObject) -> Value {
    let object = match include {
        IncludeObject::None => return json!({"cells": cells}),
        IncludeObject::Object => obj.clone(),
        IncludeObject::Metadata => {
            json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({}))})
        }
    };
    json!({"cells": cells, "object": object})
}

pub(crate) fn name(o: &Value) -> &str {
    o.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The age cell of an object: `HumanDuration(now - creationTimestamp)`, `<unknown>` without one.
pub(crate) fn age(o: &Value, now: i64) -> Value {
    o.pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)
        .map_or_else(|| json!("<unknown>"), |t| json!(human_duration(now - t)))
}

/// apimachinery's `duration.HumanDuration` for a whole number of seconds.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// Parses an RFC 3339 timestamp (`2024-01-02T03:04:05Z`, fractions and offsets allowed) to
/// Unix seconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = s.get(19..)?;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = frac.get(digits..)?;
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            sign * (rest.get(1..3)?.parse::<i64>().ok()? * 3600
                + rest.get(4..6)?.parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + sec - offset)
}
