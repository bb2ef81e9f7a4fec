//! Reading Helm repository indexes (`index.yaml`) with bounded memory.
//!
//! Public indexes reach 100 MB and more (Artifactory, Bitnami); loading one whole costs
//! gigabytes. This reader never holds the whole index: it scans the stream line by line,
//! cuts the `entries` mapping into one block per chart, and parses only the blocks it
//! needs (one chart's for [`select_chart`], each in turn for [`validate_index`]).
//!
//! The scan relies on YAML's block structure: in a block mapping every key of `entries`
//! starts at the same column and every line of its value is either more indented or a
//! `- ` item at that column (go-yaml's layout). An index in JSON (which some servers
//! serve) is read by a streaming JSON deserializer that skips the other charts.

use std::io::BufRead;

use gitops_core::yaml::{LoadOptions, Schema, load_documents};
use serde_json::Value;

/// One chart version of an index entry, with the fields a download needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartVersion {
    /// Chart name.
    pub name: String,
    /// Chart version as written in the index.
    pub version: String,
    /// Download addresses, absolute or relative to the repository URL.
    pub urls: Vec<String>,
    /// `sha256` hex of the chart archive, when the index carries one.
    pub digest: Option<String>,
    /// Creation time as written in the index (RFC 3339), when present.
    pub created: Option<String>,
    /// The chart's `appVersion`, when present.
    pub app_version: Option<String>,
}

/// What a whole-index check found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexSummary {
    /// The index `apiVersion`.
    pub api_version: String,
    /// Number of charts in `entries`.
    pub charts: usize,
    /// Number of valid chart versions over all charts.
    pub versions: usize,
}

/// Why an index could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// Reading the stream failed.
    #[error("reading the index failed: {0}")]
    Io(#[from] std::io::Error),
    /// The index is empty.
    #[error("the index is empty")]
    Empty,
    /// The index has no `apiVersion`.
    #[error("the index has no apiVersion")]
    NoApiVersion,
    /// The index is not valid YAML or JSON, or not laid out as an index.
    #[error("malformed index at line {line}: {message}")]
    Malformed {
        /// Line of the problem, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The index is not valid JSON.
    #[error("malformed JSON index: {0}")]
    Json(String),
}

/// The chart versions of `chart` in the index, in index order; empty when the chart is
/// absent. Only that chart's block is parsed; the stream is checked for `apiVersion`.
pub fn select_chart<R: BufRead>(reader: R, chart: &str) -> Result<Vec<ChartVersion>, IndexError> {
    let mut found = Vec::new();
    scan(reader, Some(chart), &mut |_, versions| {
        found = versions;
    })?;
    Ok(found)
}

/// Checks a whole index, one chart at a time, as Flux does before storing it.
pub fn validate_index<R: BufRead>(reader: R) -> Result<IndexSummary, IndexError> {
    let mut summary = IndexSummary::default();
    summary.api_version = scan(reader, None, &mut |_, versions| {
        summary.charts += 1;
        summary.versions += versions.len();
    })?;
    Ok(summary)
}

/// Streams the index, calling `sink` with each wanted chart's versions; returns the
/// index `apiVersion`.
fn scan<R: BufRead>(
    mut reader: R,
    want: Option<&str>,
    sink: &mut dyn FnMut(&str, Vec<ChartVersion>),
) -> Result<String, IndexError> {
    let first = loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Err(IndexError::Empty);
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => break buf[i],
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    };
    if first == b'{' {
        return super::index_json::scan_json(reader, want, sink);
    }
    scan_yaml(reader, want, sink)
}

/// The state of the line scanner.
enum Section {
    /// Before or between top-level keys we skip.
    Other,
    /// Inside `entries`.
    Entries,
}

/// One chart's block of lines.
struct Block {
    name: String,
    start_line: usize,
    text: String,
}

fn scan_yaml<R: BufRead>(
    mut reader: R,
    want: Option<&str>,
    sink: &mut dyn FnMut(&str, Vec<ChartVersion>),
) -> Result<String, IndexError> {
    let mut api_version: Option<String> = None;
    let mut section = Section::Other;
    let mut child_indent: Option<usize> = None;
    let mut block: Option<Block> = None;
    let mut raw = Vec::new();
    let mut line_no = 0usize;
    let mut seen_content = false;
    loop {
        raw.clear();
        if reader.read_until(b'\n', &mut raw)? == 0 {
            break;
        }
        line_no += 1;
        let line = std::str::from_utf8(&raw).map_err(|_| IndexError::Malformed {
            line: line_no,
            message: "invalid UTF-8".into(),
        })?;
        let content = line.trim_end_matches(['\n', '\r']);
        let trimmed = content.trim_start_matches(' ');
        let indent = content.len() - trimmed.len();
        let blank = trimmed.is_empty() || trimmed.starts_with('#');
        if trimmed.starts_with('\t') && !blank {
            return Err(malformed(line_no, "tab used for indentation"));
        }
        if indent == 0 && !blank {
            if content == "---" || content.starts_with("--- ") {
                if seen_content {
                    break; // go-yaml reads the first document only
                }
                continue;
            }
            if content == "..." {
                break;
            }
            seen_content = true;
            flush(&mut block, sink)?;
            let (key, rest) = split_key(trimmed).ok_or_else(|| {
                malformed(line_no, "expected a top-level `key:` of a block mapping")
            })?;
            let rest = strip_comment(rest);
            section = Section::Other;
            match key.as_str() {
                "apiVersion" => api_version = Some(unquote(rest)),
                "entries" => {
                    child_indent = None;
                    if rest.is_empty() {
                        section = Section::Entries;
                    } else if rest != "{}" && rest != "null" && rest != "~" {
                        return Err(malformed(line_no, "flow-style `entries` is not supported"));
                    }
                }
                _ => {}
            }
            continue;
        }
        let Section::Entries = section else { continue };
        if blank {
            if let Some(b) = block.as_mut() {
                b.text.push_str(content);
                b.text.push('\n');
            }
            continue;
        }
        let ci = *child_indent.get_or_insert(indent);
        let is_item = trimmed == "-" || trimmed.starts_with("- ");
        if indent < ci {
            return Err(malformed(
                line_no,
                "line is less indented than the chart names in `entries`",
            ));
        }
        if indent == ci && !is_item {
            flush(&mut block, sink)?;
            let (name, _) = split_key(trimmed)
                .ok_or_else(|| malformed(line_no, "expected `<chart name>:` in `entries`"))?;
            if want.is_none_or(|w| w == name) {
                block = Some(Block {
                    name,
                    start_line: line_no,
                    text: String::new(),
                });
            }
        } else if block.is_none() && indent == ci {
            // An item with no chart key before it: only possible in a malformed index.
            if want.is_none() {
                return Err(malformed(
                    line_no,
                    "list item without a chart name in `entries`",
                ));
            }
        }
        if let Some(b) = block.as_mut() {
            b.text.push_str(content);
            b.text.push('\n');
        }
    }
    flush(&mut block, sink)?;
    api_version
        .filter(|v| !v.is_empty())
        .ok_or(IndexError::NoApiVersion)
}

fn malformed(line: usize, message: &str) -> IndexError {
    IndexError::Malformed {
        line,
        message: message.to_string(),
    }
}

/// Parses a finished chart block and hands its versions to the sink.
fn flush(
    block: &mut Option<Block>,
    sink: &mut dyn FnMut(&str, Vec<ChartVersion>),
) -> Result<(), IndexError> {
    let Some(b) = block.take() else { return Ok(()) };
    let docs =
        load_documents(&b.text, &LoadOptions::with_schema(Schema::GoYamlV2)).map_err(|e| {
            let message = e.to_string();
            // Drop the loader's "document N, line M[, column C]: " prefix: our line replaces it.
            let message = message
                .split_once(": ")
                .map_or(message.as_str(), |(_, m)| m)
                .to_string();
            IndexError::Malformed {
                line: b.start_line + e.line().saturating_sub(1),
                message,
            }
        })?;
    let value = docs
        .into_iter()
        .next()
        .map(|d| d.value)
        .unwrap_or(Value::Null);
    let list = match value {
        Value::Object(mut map) => map.remove(&b.name).unwrap_or(Value::Null),
        _ => return Err(malformed(b.start_line, "chart entry is not a mapping")),
    };
    let versions = versions_from_value(&b.name, list).map_err(|m| malformed(b.start_line, &m))?;
    sink(&b.name, versions);
    Ok(())
}

/// Turns the list of an `entries.<name>` value into chart versions, dropping entries that
/// fail Helm's validation (no version), as Flux's index loader does.
pub(crate) fn versions_from_value(name: &str, list: Value) -> Result<Vec<ChartVersion>, String> {
    let items = match list {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => return Err(format!("entries of chart '{name}' are not a list")),
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Value::Object(map) = item else { continue };
        let text = |k: &str| match map.get(k) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::Bool(b)) => Some(b.to_string()),
            _ => None,
        };
        let Some(version) = text("version").filter(|v| !v.is_empty()) else {
            continue;
        };
        let urls = match map.get("urls") {
            Some(Value::Array(u)) => u
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        out.push(ChartVersion {
            name: text("name").unwrap_or_else(|| name.to_string()),
            version,
            urls,
            digest: text("digest").filter(|d| !d.is_empty()),
            created: text("created"),
            app_version: text("appVersion"),
        });
    }
    Ok(out)
}

/// Splits `key: rest` (plain, single- or double-quoted key); `None` when the line is not
/// a mapping entry.
fn split_key(line: &str) -> Option<(String, &str)> {
    let (key, after) = match line.as_bytes().first()? {
        b'"' | b'\'' => {
            let q = line.as_bytes()[0] as char;
            let end = line[1..].find(q)? + 1;
            (unquote(&line[..=end]), &line[end + 1..])
        }
        _ => {
            let idx = line
                .find(": ")
                .or_else(|| line.strip_suffix(':').map(|s| s.len()))?;
            (line[..idx].trim_end().to_string(), &line[idx..])
        }
    };
    let rest = after.trim_start().strip_prefix(':')?;
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    if key.starts_with(['-', '[', '{', '?', '|', '>']) && !line.starts_with(['"', '\'']) {
        return None;
    }
    Some((key, rest.trim()))
}

/// Removes a trailing ` # comment` from a plain value.
fn strip_comment(value: &str) -> &str {
    if value.starts_with(['"', '\'']) {
        return value;
    }
    match value.find(" #") {
        Some(i) => value[..i].trim_end(),
        None if value.starts_with('#') => "",
        None => value,
    }
}

/// Removes YAML quotes from a scalar (enough for keys and `apiVersion`).
fn unquote(value: &str) -> String {
    let v = value.trim();
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        serde_json::from_str::<String>(v).unwrap_or_else(|_| v[1..v.len() - 1].to_string())
    } else if v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'') {
        v[1..v.len() - 1].replace("''", "'")
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests;
