//! Streaming reader of Helm indexes served as JSON: only the wanted chart's entries are
//! materialised; every other value is skipped as the bytes go by.

use std::fmt;
use std::io::BufRead;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use super::index::{ChartVersion, IndexError, versions_from_value};

type Sink<'s> = &'s mut dyn FnMut(&str, Vec<ChartVersion>);

/// Reads a JSON index; returns its `apiVersion`.
pub(crate) fn scan_json<R: BufRead>(
    reader: R,
    want: Option<&str>,
    sink: Sink<'_>,
) -> Result<String, IndexError> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut state = State {
        want,
        sink,
        error: None,
    };
    let api = (&mut de)
        .deserialize_map(TopVisitor { state: &mut state })
        .map_err(|e| IndexError::Json(e.to_string()))?;
    de.end().map_err(|e| IndexError::Json(e.to_string()))?;
    if let Some(message) = state.error {
        return Err(IndexError::Json(message));
    }
    api.filter(|v| !v.is_empty())
        .ok_or(IndexError::NoApiVersion)
}

struct State<'a, 's> {
    want: Option<&'a str>,
    sink: Sink<'s>,
    error: Option<String>,
}

struct TopVisitor<'b, 'a, 's> {
    state: &'b mut State<'a, 's>,
}

impl<'de> Visitor<'de> for TopVisitor<'_, '_, '_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Helm repository index object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut api = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "apiVersion" => api = map.next_value::<Option<String>>()?,
                "entries" => map.next_value_seed(EntriesSeed {
                    state: &mut *self.state,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(api)
    }
}

struct EntriesSeed<'b, 'a, 's> {
    state: &'b mut State<'a, 's>,
}

impl<'de> DeserializeSeed<'de> for EntriesSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for EntriesSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of chart names")
    }

    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(name) = map.next_key::<String>()? {
            if self.state.want.is_none_or(|w| w == name) {
                let list: Value = map.next_value()?;
                match versions_from_value(&name, list) {
                    Ok(versions) => (self.state.sink)(&name, versions),
                    Err(message) => {
                        self.state.error.get_or_insert(message);
                    }
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}
