//! Key/value sources of a generator (kustomize's `api/kv`): env files, literals and files,
//! in that order.

use super::Error;
use crate::kustomize::kustomization::GeneratorArgs;
use crate::kustomize::loader::{self, Dir};

/// A value: text, or bytes that are not UTF-8 (ConfigMap `binaryData`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bytes {
    /// UTF-8 text.
    Text(String),
    /// Anything else.
    Binary(Vec<u8>),
}

impl Bytes {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Bytes::Text(s) => s.as_bytes(),
            Bytes::Binary(b) => b,
        }
    }
}

/// The pairs of a generator entry, in kustomize's order (envs, literals, files); a key
/// given twice is an error.
pub fn load(args: &GeneratorArgs, name: &str, dir: Dir<'_>) -> Result<Vec<(String, Bytes)>, Error> {
    let mut pairs = Vec::new();
    for env in args.envs.iter().flatten().chain(args.env.iter()) {
        let (_, text) = dir.read(env)?;
        pairs.extend(
            env_pairs(&text)
                .into_iter()
                .map(|(k, v)| (k, Bytes::Text(v))),
        );
    }
    for literal in args.literals.iter().flatten() {
        let (k, v) = parse_literal(literal).ok_or_else(|| Error::Literal {
            dir: dir.label(),
            literal: literal.clone(),
        })?;
        pairs.push((k, Bytes::Text(v)));
    }
    for source in args.files.iter().flatten() {
        let (key, rel) = parse_file_source(source).map_err(|message| Error::FileSource {
            dir: dir.label(),
            entry: source.clone(),
            message,
        })?;
        let value = match dir.read(&rel) {
            Ok((_, text)) => Bytes::Text(text),
            // The restrictor and root checks passed before the UTF-8 check.
            Err(loader::Error::NotUtf8(path)) => {
                Bytes::Binary(dir.fs.read(&path).map_err(|source| loader::Error::Fs {
                    referrer: dir.label(),
                    path: rel.clone(),
                    source,
                })?)
            }
            Err(e) => return Err(e.into()),
        };
        pairs.push((key, value));
    }
    for (i, (key, _)) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|(k, _)| k == key) {
            return Err(Error::RepeatedKey {
                dir: dir.label(),
                name: name.to_string(),
                key: key.clone(),
            });
        }
    }
    Ok(pairs)
}

/// `key=value`; the value may contain `=`, and one pair of surrounding quotes (`"` or
/// `'`) is removed. `None` when there is no key or no `=`.
pub fn parse_literal(source: &str) -> Option<(String, String)> {
    let (key, value) = source.split_once('=')?;
    if key.is_empty() {
        return None;
    }
    let b = value.as_bytes();
    let unquoted = if b.len() >= 2 && b[0] == b[b.len() - 1] && (b[0] == b'"' || b[0] == b'\'') {
        &value[1..value.len() - 1]
    } else {
        value
    };
    Some((key.to_string(), unquoted.to_string()))
}

/// `[key=]path`: the key defaults to the path's last element.
pub fn parse_file_source(source: &str) -> Result<(String, String), String> {
    match source.matches('=').count() {
        0 => Ok((base_name(source), source.to_string())),
        1 => match source.split_once('=') {
            Some(("", path)) => Err(format!("missing key name for file path \"{path}\"")),
            Some((key, "")) => Err(format!("missing file path for key name \"{key}\"")),
            Some((key, path)) => Ok((key.to_string(), path.to_string())),
            None => Err("expected [key=]path".into()),
        },
        _ => Err("key name or file path contains '='".into()),
    }
}

/// Go's `path.Base`.
fn base_name(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() {
            ".".into()
        } else {
            "/".into()
        };
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// The pairs of an env file: one `KEY=value` a line (the value kept verbatim, `=` and
/// quotes included), leading white space ignored, blank lines and `#` comments skipped, a
/// bare `KEY` meaning an empty value (kustomize v5 does not read the process environment),
/// a UTF-8 byte-order mark on the first line dropped, a line with an empty key skipped.
pub fn env_pairs(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.strip_suffix('\n').unwrap_or(text);
    if text.is_empty() {
        return pairs;
    }
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line).trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        if !key.is_empty() {
            pairs.push((key.to_string(), value.to_string()));
        }
    }
    pairs
}
