//! SOPS' file formats (its "stores"): reading an encrypted file into tree branches and
//! its `sops` metadata, and printing decrypted branches.

use gitops_core::yaml::{self, LoadOptions};
use serde_json::{Map, Value};

use super::SopsError;

/// A SOPS file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// YAML (one or more documents).
    Yaml,
    /// A JSON object.
    Json,
    /// `KEY=value` lines.
    Dotenv,
    /// Any bytes, stored as the `data` key of a JSON document.
    Binary,
    /// INI (not supported: reading it fails).
    Ini,
}

impl Format {
    /// SOPS' `FormatForPath`, with kustomize-controller's `.dockerconfigjson` → JSON.
    pub fn for_path(path: &str) -> Format {
        if path.ends_with(".dockerconfigjson") || path.ends_with(".json") {
            Format::Json
        } else if path.ends_with(".yaml") || path.ends_with(".yml") {
            Format::Yaml
        } else if path.ends_with(".env") {
            Format::Dotenv
        } else if path.ends_with(".ini") {
            Format::Ini
        } else {
            Format::Binary
        }
    }

    /// The format of encrypted bytes from kustomize-controller's marker strings
    /// (`mac: ENC[`, `"mac": "ENC[`, `sops_mac=ENC[`, `[sops]`); `None` when the bytes
    /// are not a SOPS document. JSON and binary share a marker; JSON is returned.
    pub fn detect(data: &[u8]) -> Option<Format> {
        let has = |m: &[u8]| data.windows(m.len()).any(|w| w == m);
        if has(b"\"mac\": \"ENC[") {
            Some(Format::Json)
        } else if has(b"sops_mac=ENC[") {
            Some(Format::Dotenv)
        } else if has(b"mac: ENC[") {
            Some(Format::Yaml)
        } else if has(b"[sops]") {
            Some(Format::Ini)
        } else {
            None
        }
    }

    /// The name kustomize-controller's messages use.
    pub fn name(self) -> &'static str {
        match self {
            Format::Yaml => "YAML",
            Format::Json => "JSON",
            Format::Dotenv => "dotenv",
            Format::Binary => "binary",
            Format::Ini => "INI",
        }
    }
}

/// A loaded encrypted file: its branches (documents) and the `sops` mapping.
pub(crate) struct Loaded {
    pub branches: Vec<Value>,
    pub metadata: Value,
}

/// Reads an encrypted file and takes the `sops` metadata out of it.
pub(crate) fn load(data: &[u8], format: Format) -> Result<Loaded, SopsError> {
    let fail = |e: String| {
        SopsError::format(format!(
            "failed to load encrypted {} data: {e}",
            format.name()
        ))
    };
    let mut branches = match format {
        Format::Json | Format::Binary => {
            let value: Value = serde_json::from_slice(data)
                .map_err(|e| fail(format!("Could not unmarshal input data: {e}")))?;
            if !value.is_object() {
                return Err(fail(
                    "SOPS only supports JSON files with a top-level object".to_string(),
                ));
            }
            vec![value]
        }
        Format::Yaml => {
            let text = std::str::from_utf8(data).map_err(|e| fail(e.to_string()))?;
            let docs = yaml::load_documents(text, &LoadOptions::default())
                .map_err(|e| fail(e.to_string()))?;
            docs.into_iter()
                .map(|d| d.value)
                .filter(|v| !v.is_null())
                .collect()
        }
        Format::Dotenv => vec![load_dotenv(data).map_err(fail)?],
        Format::Ini => return Err(fail("the INI format is not supported".to_string())),
    };
    let metadata = if format == Format::Dotenv {
        let Some(Value::Object(first)) = branches.first_mut() else {
            return Err(SopsError::MetadataNotFound);
        };
        let keys: Vec<String> = first
            .keys()
            .filter(|k| k.starts_with("sops_"))
            .cloned()
            .collect();
        let mut flat = Map::new();
        for key in keys {
            if let Some(v) = first.shift_remove(&key) {
                let v = match v {
                    Value::String(s) => Value::String(s.replace("\\n", "\n")),
                    other => other,
                };
                flat.insert(key["sops_".len()..].to_string(), v);
            }
        }
        if flat.is_empty() {
            return Err(SopsError::MetadataNotFound);
        }
        unflatten(flat)
    } else {
        let mut found = None;
        for (i, branch) in branches.iter_mut().enumerate() {
            if let Value::Object(map) = branch
                && let Some(meta) = map.shift_remove("sops")
                && i == 0
            {
                found = Some(meta);
            }
        }
        found.ok_or(SopsError::MetadataNotFound)?
    };
    Ok(Loaded { branches, metadata })
}

fn load_dotenv(data: &[u8]) -> Result<Value, String> {
    let text = String::from_utf8_lossy(data);
    let mut map = Map::new();
    for line in text.split('\n') {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| format!("invalid dotenv input line: {line}"))?;
        map.insert(key.to_string(), Value::String(value.replace("\\n", "\n")));
    }
    Ok(Value::Object(map))
}

/// SOPS' `unflattenTreeBranch` for `age__list_0__map_enc`-style keys.
fn unflatten(flat: Map<String, Value>) -> Value {
    let mut root = Value::Object(Map::new());
    for (key, value) in flat {
        let mut node = &mut root;
        let tokens = tokenize(&key);
        for (i, token) in tokens.iter().enumerate() {
            let last = i + 1 == tokens.len();
            node = match token {
                Token::Key(k) => {
                    if !node.is_object() {
                        *node = Value::Object(Map::new());
                    }
                    let Value::Object(map) = node else { break };
                    map.entry(k.clone()).or_insert(Value::Null)
                }
                Token::Index(n) => {
                    if !node.is_array() {
                        *node = Value::Array(Vec::new());
                    }
                    let Value::Array(items) = node else { break };
                    while items.len() <= *n {
                        items.push(Value::Null);
                    }
                    &mut items[*n]
                }
            };
            if last {
                *node = value.clone();
            }
        }
    }
    root
}

enum Token {
    Key(String),
    Index(usize),
}

fn tokenize(path: &str) -> Vec<Token> {
    const MAP: &str = "__map_";
    const LIST: &str = "__list_";
    let mut tokens = Vec::new();
    let mut rest = path;
    let mut current = Token::Key(String::new());
    loop {
        let next_map = rest.find(MAP);
        let next_list = rest.find(LIST);
        let (at, sep_len, is_map) = match (next_map, next_list) {
            (Some(m), Some(l)) if m < l => (m, MAP.len(), true),
            (Some(m), None) => (m, MAP.len(), true),
            (_, Some(l)) => (l, LIST.len(), false),
            (None, None) => (rest.len(), 0, true),
        };
        let piece = &rest[..at];
        tokens.push(match current {
            Token::Key(_) => Token::Key(piece.to_string()),
            Token::Index(_) => Token::Index(piece.parse().unwrap_or(0)),
        });
        if sep_len == 0 {
            break;
        }
        rest = &rest[at + sep_len..];
        current = if is_map {
            Token::Key(String::new())
        } else {
            Token::Index(0)
        };
    }
    tokens
}

/// Prints decrypted branches in `format`.
pub(crate) fn emit(branches: &[Value], format: Format) -> Result<Vec<u8>, SopsError> {
    let fail = |e: String| {
        SopsError::format(format!(
            "failed to emit decrypted {} file: {e}",
            format.name()
        ))
    };
    match format {
        Format::Json => {
            let first = branches
                .first()
                .ok_or_else(|| fail("no document".to_string()))?;
            let mut out = json_tab_indent(first);
            out.push('\n');
            Ok(out.into_bytes())
        }
        Format::Binary => match branches.first().and_then(|b| b.get("data")) {
            Some(Value::String(s)) => Ok(s.clone().into_bytes()),
            Some(_) => Err(fail(
                "'data' key in tree does not have a string value".to_string(),
            )),
            None => Err(fail("no binary data found in tree".to_string())),
        },
        Format::Yaml => {
            let mut out = String::new();
            for (i, branch) in branches.iter().enumerate() {
                if i > 0 {
                    out.push_str("---\n");
                }
                out.push_str(&yaml::to_string(branch));
            }
            Ok(out.into_bytes())
        }
        Format::Dotenv => {
            let mut out = String::new();
            let Some(Value::Object(map)) = branches.first() else {
                return Ok(Vec::new());
            };
            for (key, value) in map {
                let text = match value {
                    Value::String(s) => s.replace('\n', "\\n"),
                    Value::Object(_) | Value::Array(_) => {
                        return Err(fail(format!(
                            "cannot use complex value in dotenv file; offending key {key}"
                        )));
                    }
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    Value::Null => String::new(),
                };
                out.push_str(&format!("{key}={text}\n"));
            }
            Ok(out.into_bytes())
        }
        Format::Ini => Err(fail("the INI format is not supported".to_string())),
    }
}

/// Go's `json.Indent(…, "", "\t")` of a compact encoding (SOPS' JSON store output).
fn json_tab_indent(value: &Value) -> String {
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"\t");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    if serde::Serialize::serialize(value, &mut ser).is_err() {
        return value.to_string();
    }
    // Go's encoder escapes these; they only occur inside strings in JSON text.
    String::from_utf8_lossy(&buf)
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}
