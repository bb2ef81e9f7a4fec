//! Helm's `toToml` (BurntSushi/toml v1.6's encoder) and `fromToml` (its decoder into
//! `map[string]interface{}`).
//!
//! The encoder's layout: keys sorted, plain values of a table before its sub-tables,
//! sub-tables as `[a.b]` headers indented by two spaces per level (contents too), a blank
//! line before each top-level table and each `[[array]]` entry, floats with Go's `%g`
//! plus `.0` when integral (`1.0`, `1e+06`), nil values skipped, arrays inline
//! (`[1, "x"]`), maps inside arrays inline (`{a = 1}`), a slice of only maps as an array
//! of tables. Errors (`toml: cannot encode array with nil element`) are returned as text
//! by `toToml`, as Helm does.
//!
//! The decoder uses the `toml` crate: integers become `int64`, floats `float64`, dates
//! `time.Time`; its error messages are the crate's, prefixed `toml: ` (BurntSushi's own
//! wording, e.g. `toml: line 1 (last key "a"): unexpected EOF; expected value`, differs).

use std::rc::Rc;

use crate::fmt::format_float_g;
use crate::sprig::gotime::{Location, Time, days_from_civil};
use crate::value::{ListType, Map, Value};

/// `toml.NewEncoder(w).Encode(v)`: the text, or the encoder's error message.
pub fn to_toml(v: &Value) -> Result<String, String> {
    let mut e = Encoder { out: String::new() };
    e.encode(&[], v)?;
    Ok(e.out)
}

struct Encoder {
    out: String,
}

#[derive(PartialEq)]
enum Kind {
    Nil,
    Plain,
    Table,
    TableArray,
}

fn is_table(v: &Value) -> bool {
    matches!(v, Value::Map(..))
        || matches!(v, Value::Object(o) if o.type_name() == "sprig.certificate")
}

fn kind(v: &Value) -> Result<Kind, String> {
    Ok(match v {
        Value::Nil => Kind::Nil,
        Value::Map(..) => Kind::Table,
        Value::Object(o) if o.type_name() == "sprig.certificate" => Kind::Table,
        Value::List(items, _) => {
            let mut all = !items.is_empty();
            for x in items.iter() {
                if x.is_nil() {
                    return Err("toml: cannot encode array with nil element".into());
                }
                all &= is_table(x);
            }
            if all { Kind::TableArray } else { Kind::Plain }
        }
        _ => Kind::Plain,
    })
}

fn entries(v: &Value) -> Vec<(String, Value)> {
    match v {
        Value::Map(..) => v.map_entries().unwrap_or_default(),
        Value::Object(o) => ["Cert", "Key"]
            .iter()
            .map(|k| (k.to_string(), o.field(k).unwrap_or_default()))
            .collect(),
        _ => Vec::new(),
    }
}

fn bare(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn quoted_key(k: &str) -> String {
    if bare(k) { k.to_string() } else { quote(k) }
}

fn key_string(key: &[String]) -> String {
    key.iter()
        .map(|k| quoted_key(k))
        .collect::<Vec<_>>()
        .join(".")
}

/// BurntSushi's `dblQuotedReplacer`.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Encoder {
    fn write(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn newline(&mut self) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn indent(key: &[String]) -> String {
        "  ".repeat(key.len().saturating_sub(1))
    }

    fn encode(&mut self, key: &[String], v: &Value) -> Result<(), String> {
        match kind(v)? {
            Kind::Nil => Ok(()),
            Kind::Table => {
                if key.len() == 1 {
                    self.newline();
                }
                if !key.is_empty() {
                    let h = format!("{}[{}]", Self::indent(key), key_string(key));
                    self.write(&h);
                    self.newline();
                }
                self.table(key, v, false)
            }
            Kind::TableArray => {
                if key.is_empty() {
                    return Err("toml: top-level values must be Go maps or structs".into());
                }
                for item in v.as_list().unwrap_or_default() {
                    self.newline();
                    let h = format!("{}[[{}]]", Self::indent(key), key_string(key));
                    self.write(&h);
                    self.newline();
                    self.table(key, item, false)?;
                }
                Ok(())
            }
            Kind::Plain => self.key_value(key, v, false),
        }
    }

    fn key_value(&mut self, key: &[String], v: &Value, inline: bool) -> Result<(), String> {
        if key.is_empty() {
            return self.element(v);
        }
        let k = format!(
            "{}{} = ",
            Self::indent(key),
            quoted_key(&key[key.len() - 1])
        );
        self.write(&k);
        self.element(v)?;
        if !inline {
            self.newline();
        }
        Ok(())
    }

    fn table(&mut self, key: &[String], v: &Value, inline: bool) -> Result<(), String> {
        let mut direct = Vec::new();
        let mut sub = Vec::new();
        for (k, x) in entries(v) {
            match kind(&x)? {
                Kind::Table | Kind::TableArray => sub.push((k, x)),
                _ => direct.push((k, x)),
            }
        }
        if inline {
            self.write("{");
        }
        let has_sub = !sub.is_empty();
        for (group, trail) in [(direct, has_sub), (sub, false)] {
            let n = group.len();
            for (i, (k, x)) in group.into_iter().enumerate() {
                if x.is_nil() {
                    continue;
                }
                if inline {
                    self.key_value(&[k], &x, true)?;
                    if trail || i != n - 1 {
                        self.write(", ");
                    }
                } else {
                    let mut path = key.to_vec();
                    path.push(k);
                    self.encode(&path, &x)?;
                }
            }
        }
        if inline {
            self.write("}");
        }
        Ok(())
    }

    fn element(&mut self, v: &Value) -> Result<(), String> {
        match v {
            Value::Nil => return Err("toml: cannot encode array with nil element".into()),
            Value::Bool(b) => self.write(if *b { "true" } else { "false" }),
            Value::Int(i) | Value::Int64(i) => self.write(&i.to_string()),
            Value::Uint64(u) => self.write(&u.to_string()),
            Value::Float(f) => {
                let s = if f.is_nan() {
                    if f.is_sign_negative() {
                        "-nan".to_string()
                    } else {
                        "nan".to_string()
                    }
                } else if f.is_infinite() {
                    if *f < 0.0 {
                        "-inf".to_string()
                    } else {
                        "inf".to_string()
                    }
                } else {
                    let g = format_float_g(*f);
                    if g.contains('e') || g.contains('.') {
                        g
                    } else {
                        format!("{g}.0")
                    }
                };
                self.write(&s);
            }
            Value::String(s) => self.write(&quote(s)),
            Value::Bytes(b) => {
                let items: Vec<String> = b.iter().map(u8::to_string).collect();
                self.write(&format!("[{}]", items.join(", ")));
            }
            Value::List(items, _) => {
                self.write("[");
                for (i, x) in items.iter().enumerate() {
                    self.element(x)?;
                    if i + 1 != items.len() {
                        self.write(", ");
                    }
                }
                self.write("]");
            }
            Value::Map(..) => self.table(&[], v, true)?,
            Value::Object(o) if o.type_name() == "sprig.certificate" => self.table(&[], v, true)?,
            Value::Object(o) if o.type_name() == "time.Time" => {
                let layout = match o.call("Location", &[]) {
                    Some(Ok(Value::String(l))) if &*l == "date-local" => "2006-01-02",
                    Some(Ok(Value::String(l))) if &*l == "time-local" => "15:04:05.999999999",
                    Some(Ok(Value::String(l))) if &*l == "datetime-local" => {
                        "2006-01-02T15:04:05.999999999"
                    }
                    _ => "2006-01-02T15:04:05.999999999Z07:00",
                };
                let s = match o.call("Format", &[Value::str(layout)]) {
                    Some(Ok(Value::String(s))) => s.to_string(),
                    _ => o.format(),
                };
                self.write(&s);
            }
            Value::Object(o) => self.write(&quote(&o.format())),
        }
        Ok(())
    }
}

/// `toml.Unmarshal(text, &map[string]interface{})`.
pub fn from_toml(text: &str) -> Result<Value, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let msg = e.message().to_string();
        match e.span() {
            Some(span) => {
                let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                format!("toml: line {line}: {msg}")
            }
            None => format!("toml: {msg}"),
        }
    })?;
    Ok(convert_table(&table))
}

fn convert_table(t: &toml::Table) -> Value {
    Value::map(
        t.iter()
            .map(|(k, v)| (k.clone(), convert(v)))
            .collect::<Map>(),
    )
}

fn convert(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::str(s.as_str()),
        toml::Value::Integer(i) => Value::Int64(*i),
        toml::Value::Float(f) => Value::Float(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => datetime(d),
        toml::Value::Array(a) => {
            if !a.is_empty() && a.iter().all(|x| matches!(x, toml::Value::Table(_))) {
                // an array of tables decodes as []map[string]interface {}
                Value::List(
                    Rc::new(a.iter().map(convert).collect()),
                    ListType::Interface,
                )
            } else {
                Value::list(a.iter().map(convert).collect())
            }
        }
        toml::Value::Table(t) => convert_table(t),
    }
}

fn datetime(d: &toml::value::Datetime) -> Value {
    let local_offset = Location::local().lookup(0).0;
    let (date, time) = (d.date, d.time);
    let days = date.map_or(0, |x| {
        days_from_civil(i64::from(x.year), i64::from(x.month), i64::from(x.day))
    });
    let secs_of_day = time.map_or(0, |t| {
        i64::from(t.hour) * 3600 + i64::from(t.minute) * 60 + i64::from(t.second)
    });
    let nanos = time.map_or(0, |t| t.nanosecond);
    let civil = if date.is_some() {
        days * 86400 + secs_of_day
    } else {
        days_from_civil(0, 1, 1) * 86400 + secs_of_day
    };
    let (offset, loc) = match (d.offset, date.is_some(), time.is_some()) {
        (Some(toml::value::Offset::Z), ..) => (0, Location::utc()),
        (Some(toml::value::Offset::Custom { minutes }), ..) => (
            i32::from(minutes) * 60,
            Location::fixed("", i32::from(minutes) * 60),
        ),
        (None, true, true) => (
            local_offset,
            Location::fixed("datetime-local", local_offset),
        ),
        (None, true, false) => (local_offset, Location::fixed("date-local", local_offset)),
        (None, false, _) => (local_offset, Location::fixed("time-local", local_offset)),
    };
    Value::Object(Rc::new(Time {
        secs: civil - i64::from(offset),
        nanos,
        loc,
        mono: None,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn encoder_layout_follows_burntsushi() {
        let v = Value::from_json(
            &serde_json::json!({"a": 1, "b": "x", "c": [1, 2], "d": {"e": true, "f": {"g": 1.5}}}),
        );
        assert_eq!(
            to_toml(&v).unwrap(),
            "a = 1.0\nb = \"x\"\nc = [1.0, 2.0]\n\n[d]\n  e = true\n  [d.f]\n    g = 1.5\n"
        );
        let t = Value::from_json(&serde_json::json!({"t": [{"a": 1}, {"a": 2}]}));
        assert_eq!(
            to_toml(&t).unwrap(),
            "[[t]]\n  a = 1.0\n\n[[t]]\n  a = 2.0\n"
        );
        let bad = Value::from_json(&serde_json::json!({"a": [1, null]}));
        assert_eq!(
            to_toml(&bad).unwrap_err(),
            "toml: cannot encode array with nil element"
        );
    }

    #[test]
    fn decoder_types_follow_burntsushi() {
        let v = from_toml("a = 1\nb = 1.5\n[c]\nd = [true]\n").unwrap();
        let m = v.as_map().unwrap();
        assert_eq!(m["a"], Value::Int64(1));
        assert_eq!(m["b"], Value::Float(1.5));
        assert!(from_toml("a = ").unwrap_err().starts_with("toml: line 1"));
    }
}
