//! Reading YAML streams into JSON values with go-yaml's semantics.
//!
//! Built on `granit-parser` events (the parser under `serde-saphyr`), because matching the
//! Go tools needs what serde's data model hides: the scalar style (only plain scalars are
//! resolved), explicit tags (`!!str 123`, `!!binary`), anchors, aliases and merge keys.
//!
//! - Scalars resolve as go-yaml v3 ([`Schema::GoYamlV3`], kustomize and Flux objects) or
//!   go-yaml v2 ([`Schema::GoYamlV2`], YAML 1.1, Helm values); see [`super::resolve`].
//! - Aliases are expanded; the number of nodes copied through aliases is bounded by
//!   [`LoadOptions::max_alias_nodes`], which stops "billion laughs" documents.
//! - Errors carry the 1-based document number and line.
//!
//! ```
//! use gitops_yaml::{load_documents, LoadOptions};
//!
//! let docs = load_documents("a: yes\nb: 0755\n---\nc: &x [1]\nd: *x\n", &LoadOptions::default())?;
//! assert_eq!(docs[0].value, serde_json::json!({"a": "yes", "b": 493}));
//! assert_eq!(docs[1].value, serde_json::json!({"c": [1], "d": [1]}));
//! assert_eq!(docs[1].line, 4);
//! # Ok::<(), gitops_yaml::load::Error>(())
//! ```

use std::borrow::Cow;

use granit_parser::{ErrorKind, Event, Parser, ScalarStyle, Span, StructureStyle, Tag};
use serde_json::{Map, Number, Value};

use super::resolve::{Scalar, resolve_plain};

/// Which go-yaml's scalar resolution to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Schema {
    /// go-yaml v3: `true`/`false` only, octal `0o17` and `0755`, timestamps become RFC 3339
    /// strings, non-string keys and duplicate keys are errors. What kustomize and Flux read.
    #[default]
    GoYamlV3,
    /// go-yaml v2 through `sigs.k8s.io/yaml` (YAML 1.1): `yes`/`on`/`y`… are booleans,
    /// timestamps stay strings, non-string keys become strings, the last duplicate wins.
    /// What Helm reads values with.
    GoYamlV2,
}

/// Options of [`load_documents`].
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Scalar resolution rules.
    pub schema: Schema,
    /// Most nodes that may be copied through aliases in one stream.
    pub max_alias_nodes: usize,
    /// Deepest nesting of collections.
    pub max_depth: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            schema: Schema::GoYamlV3,
            max_alias_nodes: 1_000_000,
            max_depth: 512,
        }
    }
}

impl LoadOptions {
    /// Options with the given schema and default budgets.
    pub fn with_schema(schema: Schema) -> Self {
        LoadOptions {
            schema,
            ..LoadOptions::default()
        }
    }
}

/// One document of a stream.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The content; `Null` for an empty document.
    pub value: Value,
    /// Position of the document in the stream, from 1.
    pub index: usize,
    /// Line where the document's content starts, from 1.
    pub line: usize,
}

/// Why a stream could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not valid YAML.
    #[error("document {document}, line {line}, column {column}: {message}")]
    Syntax {
        /// Document number, from 1.
        document: usize,
        /// Line, from 1.
        line: usize,
        /// Column, from 1.
        column: usize,
        /// The parser's message; for the errors go-yaml words alike (a missing key, node,
        /// `-`, `,` or closing bracket, a tab), libyaml's problem text.
        message: String,
        /// The line go-yaml names in `yaml: line N: MESSAGE`: for the errors worded as
        /// go-yaml's parser errors, counted from 0 and that of the problem (v2) or of the
        /// collection being read (v3), 0 when go-yaml names none; otherwise [`Self::Syntax`]'s
        /// `line`.
        go_line: usize,
    },
    /// A value cannot be represented in JSON (non-string key, infinity, NaN, duplicate key…).
    #[error("document {document}, line {line}: {message}")]
    Value {
        /// Document number, from 1.
        document: usize,
        /// Line, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The stream copies too many nodes through aliases, or nests too deeply.
    #[error("document {document}, line {line}: {message}")]
    Budget {
        /// Document number, from 1.
        document: usize,
        /// Line, from 1.
        line: usize,
        /// Which budget was exceeded.
        message: String,
    },
}

impl Error {
    /// The line the error is on, from 1.
    pub fn line(&self) -> usize {
        match self {
            Error::Syntax { line, .. } | Error::Value { line, .. } | Error::Budget { line, .. } => {
                *line
            }
        }
    }

    /// The document the error is in, from 1.
    pub fn document(&self) -> usize {
        match self {
            Error::Syntax { document, .. }
            | Error::Value { document, .. }
            | Error::Budget { document, .. } => *document,
        }
    }
}

/// Reads every document of a YAML stream.
pub fn load_documents(text: &str, options: &LoadOptions) -> Result<Vec<Document>, Error> {
    let mut loader = Loader::new(options);
    // go-yaml: a block scalar ending the input without a final line break has none, even
    // with clip (`|`) or keep (`|+`) chomping; granit-parser adds one.
    let last_line = text.rsplit(['\n', '\r']).next().unwrap_or("");
    if !last_line.trim().is_empty() {
        loader.unterminated_end = Some(text.chars().count());
    }
    for item in Parser::new_from_str(text) {
        match item {
            Ok((event, span)) => loader.event(event, span)?,
            Err(err) => {
                let mark = err.marker();
                let (go_line, message) = match err.kind() {
                    ErrorKind::UnclosedFlowCollection { open } => {
                        unclosed_flow(text, mark.index(), mark.line(), *open, options.schema)
                            .unwrap_or_else(|| (mark.line(), err.info()))
                    }
                    // libyaml's scanner meets the tab where a token should start (a
                    // scanner error: go-yaml names its line from 1).
                    ErrorKind::TabInBlockIndentation => (
                        mark.line(),
                        "found character that cannot start any token".to_string(),
                    ),
                    kind => {
                        let open = loader.starts.last();
                        // A stray closing bracket where a mapping value belongs: libyaml
                        // wants the value's node.
                        let value_pending = matches!(
                            loader.stack.last(),
                            Some(Frame::Map {
                                pending_key: Some(_),
                                ..
                            })
                        );
                        let kind = match kind {
                            ErrorKind::MisplacedFlowCollectionEnd if value_pending => {
                                &ErrorKind::ExpectedNodeContent
                            }
                            kind => kind,
                        };
                        match libyaml_problem(kind, open.map(|o| o.kind)) {
                            Some(problem) => {
                                // The context is the collection being read (libyaml's mark
                                // of its start), except for a missing node: the token's.
                                let context = match (kind, open) {
                                    (ErrorKind::ExpectedNodeContent, _) | (_, None) => mark.line(),
                                    (_, Some(open)) => open.line,
                                };
                                let line = go_yaml_line(mark.line(), context, options.schema);
                                (line, problem.to_string())
                            }
                            None => (mark.line(), err.info()),
                        }
                    }
                };
                return Err(Error::Syntax {
                    document: loader.document.max(1),
                    line: mark.line(),
                    column: mark.col() + 1,
                    message,
                    go_line,
                });
            }
        }
    }
    Ok(loader.documents)
}

/// A collection being read: the line it starts on (from 1) and which it is.
#[derive(Clone, Copy, Debug)]
struct Open {
    line: usize,
    kind: OpenKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OpenKind {
    BlockMapping,
    BlockSequence,
    FlowMapping,
    FlowSequence,
}

/// libyaml's problem text for the parser errors granit-parser detects alike (go-yaml prints
/// the problem without its "while parsing …" context). A token granit-parser's scanner
/// already refuses (a stray or mismatched closing bracket, a `:` on a later line than its
/// key in a flow collection) reaches libyaml's parser, which reports what the open
/// collection expected.
fn libyaml_problem(kind: &ErrorKind, open: Option<OpenKind>) -> Option<&'static str> {
    let expected = |open: Option<OpenKind>| {
        Some(match open? {
            OpenKind::BlockMapping => "did not find expected key",
            OpenKind::BlockSequence => "did not find expected '-' indicator",
            OpenKind::FlowSequence => "did not find expected ',' or ']'",
            OpenKind::FlowMapping => "did not find expected ',' or '}'",
        })
    };
    match kind {
        ErrorKind::ExpectedNodeContent => Some("did not find expected node content"),
        ErrorKind::ExpectedBlockMappingKey => expected(Some(OpenKind::BlockMapping)),
        ErrorKind::ExpectedBlockSequenceEntry => expected(Some(OpenKind::BlockSequence)),
        ErrorKind::ExpectedFlowSequenceSeparator => expected(Some(OpenKind::FlowSequence)),
        ErrorKind::ExpectedFlowMappingSeparator => expected(Some(OpenKind::FlowMapping)),
        ErrorKind::MisplacedFlowCollectionEnd => {
            expected(open.filter(|o| matches!(o, OpenKind::BlockMapping | OpenKind::BlockSequence)))
        }
        ErrorKind::InvalidColonPlacement | ErrorKind::MismatchedFlowCollectionEnd { .. } => {
            expected(open.filter(|o| matches!(o, OpenKind::FlowMapping | OpenKind::FlowSequence)))
        }
        _ => None,
    }
}

/// The line go-yaml names for a parser error, from the problem's and the context's lines
/// (both from 1 here): go-yaml counts from 0 and prints v2 the problem's line, v3 the
/// context's, each falling back to the other when it is the first line; 0 when both are
/// (go-yaml then names no line).
fn go_yaml_line(problem: usize, context: usize, schema: Schema) -> usize {
    let (problem, context) = (problem.saturating_sub(1), context.saturating_sub(1));
    let (first, second) = match schema {
        Schema::GoYamlV2 => (problem, context),
        _ => (context, problem),
    };
    if first != 0 { first } else { second }
}

/// go-yaml's report of a flow collection left open at the end of the input (libyaml's
/// parser meets the stream end where it wants a node, or a `,` or the closing bracket).
/// go-yaml prints parser errors on a line counted from 0: v2 the problem's (the stream
/// end), v3 the context's (the opening bracket for a missing `,`, the stream end for a
/// missing node) unless that is the first line. `None` when a document marker cuts the
/// collection instead (granit-parser's message is kept).
fn unclosed_flow(
    text: &str,
    open_index: usize,
    open_line: usize,
    open: char,
    schema: Schema,
) -> Option<(usize, String)> {
    // The marker counts characters; the text from the opening bracket on.
    let start = text.char_indices().nth(open_index).map_or(text.len(), |(i, _)| i);
    let after = &text[start..];
    if after
        .lines()
        .skip(1)
        .any(|l| l.starts_with("---") || l.starts_with("..."))
    {
        return None;
    }
    // The last significant character: a node is still expected after an opening bracket,
    // a `,` or a `:`.
    let last = after
        .lines()
        .map(|l| match l.find(" #") {
            Some(i) => &l[..i],
            None if l.trim_start().starts_with('#') => "",
            None => l,
        })
        .flat_map(str::chars)
        .rfind(|c| !c.is_whitespace());
    // libyaml ends the last line before the stream end.
    let stream_end = text.lines().count();
    if matches!(last, Some('[' | '{' | ',' | ':') | None) {
        // "while parsing a flow node": context and problem are both the stream end.
        return Some((stream_end, "did not find expected node content".to_string()));
    }
    let close = if open == '{' { '}' } else { ']' };
    // "while parsing a flow sequence/mapping": the context is the opening bracket.
    let line = match schema {
        Schema::GoYamlV3 if open_line > 1 => open_line - 1,
        _ => stream_end,
    };
    Some((line, format!("did not find expected ',' or '{close}'")))
}

/// A collection under construction.
enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
    },
    Map {
        map: Map<String, Value>,
        pending_key: Option<(Value, usize)>,
        merges: Vec<Value>,
        anchor: usize,
    },
}

struct Loader<'o> {
    options: &'o LoadOptions,
    documents: Vec<Document>,
    document: usize,
    document_line: usize,
    stack: Vec<Frame>,
    /// Where each open collection starts, and which it is, as `stack`.
    starts: Vec<Open>,
    root: Option<Value>,
    anchors: Vec<(usize, Value, usize)>,
    alias_nodes: usize,
    /// Char index of the end of input when its last line has content but no line break.
    unterminated_end: Option<usize>,
}

const CORE: &str = "tag:yaml.org,2002:";

impl<'o> Loader<'o> {
    fn new(options: &'o LoadOptions) -> Self {
        Loader {
            options,
            documents: Vec::new(),
            document: 0,
            document_line: 0,
            stack: Vec::new(),
            starts: Vec::new(),
            root: None,
            anchors: Vec::new(),
            alias_nodes: 0,
            unterminated_end: None,
        }
    }

    fn value_error(&self, line: usize, message: impl Into<String>) -> Error {
        Error::Value {
            document: self.document,
            line,
            message: message.into(),
        }
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Error> {
        let line = span.start.line();
        match event {
            Event::DocumentStart(..) => {
                self.document += 1;
                self.document_line = 0;
                self.root = None;
                self.anchors.clear();
            }
            Event::DocumentEnd => {
                let value = self.root.take().unwrap_or(Value::Null);
                let line = if self.document_line == 0 {
                    line
                } else {
                    self.document_line
                };
                self.documents.push(Document {
                    value,
                    index: self.document,
                    line,
                });
            }
            Event::Scalar(text, style, anchor, tag) => {
                let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
                let text = match self.unterminated_end {
                    Some(end) if block && span.end.index() == end => {
                        text.strip_suffix('\n').unwrap_or(&text).to_string().into()
                    }
                    _ => text,
                };
                let value = self.scalar(&text, style, tag.as_deref(), line)?;
                self.remember(anchor, &value);
                self.push_value(value, line)?;
            }
            Event::SequenceStart(style, anchor, _) => self.open(
                Frame::Seq {
                    items: Vec::new(),
                    anchor,
                },
                style,
                line,
            )?,
            Event::MappingStart(style, anchor, _) => self.open(
                Frame::Map {
                    map: Map::new(),
                    pending_key: None,
                    merges: Vec::new(),
                    anchor,
                },
                style,
                line,
            )?,
            Event::SequenceEnd | Event::MappingEnd => self.close(line)?,
            Event::Alias(id) => {
                let Some((_, value, size)) =
                    self.anchors.iter().rev().find(|(a, ..)| *a == id).cloned()
                else {
                    return Err(self.value_error(line, "unknown anchor"));
                };
                self.alias_nodes = self.alias_nodes.saturating_add(size);
                if self.alias_nodes > self.options.max_alias_nodes {
                    return Err(Error::Budget {
                        document: self.document,
                        line,
                        message: format!(
                            "document contains excessive aliasing (more than {} nodes copied through aliases)",
                            self.options.max_alias_nodes
                        ),
                    });
                }
                self.push_value(value, line)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame, style: StructureStyle, line: usize) -> Result<(), Error> {
        if self.document_line == 0 {
            self.document_line = line;
        }
        if self.stack.len() >= self.options.max_depth {
            return Err(Error::Budget {
                document: self.document,
                line,
                message: format!("nesting deeper than {} levels", self.options.max_depth),
            });
        }
        let flow = matches!(style, StructureStyle::Flow);
        let kind = match frame {
            Frame::Seq { .. } if flow => OpenKind::FlowSequence,
            Frame::Seq { .. } => OpenKind::BlockSequence,
            Frame::Map { .. } if flow => OpenKind::FlowMapping,
            Frame::Map { .. } => OpenKind::BlockMapping,
        };
        self.stack.push(frame);
        self.starts.push(Open { line, kind });
        Ok(())
    }

    fn close(&mut self, line: usize) -> Result<(), Error> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        self.starts.pop();
        let (value, anchor) = match frame {
            Frame::Seq { mut items, anchor } => {
                items.shrink_to_fit();
                (Value::Array(items), anchor)
            }
            Frame::Map {
                mut map,
                merges,
                anchor,
                ..
            } => {
                // Merged keys never override explicit ones; earlier merge sources win.
                for source in merges {
                    if let Value::Object(src) = source {
                        for (k, v) in src {
                            if !map.contains_key(&k) {
                                map.insert(k, v);
                            }
                        }
                    }
                }
                // Rebuilt at its exact size: documents stay in memory for a whole build,
                // and the slack of a map grown entry by entry is a third of its size.
                (Value::Object(map.into_iter().collect()), anchor)
            }
        };
        self.remember(anchor, &value);
        self.push_value(value, line)
    }

    fn remember(&mut self, anchor: usize, value: &Value) {
        if anchor != 0 {
            self.anchors
                .push((anchor, value.clone(), node_count(value)));
        }
    }

    fn push_value(&mut self, value: Value, line: usize) -> Result<(), Error> {
        if self.document_line == 0 {
            self.document_line = line;
        }
        let schema = self.options.schema;
        let Some(top) = self.stack.last_mut() else {
            self.root = Some(value);
            return Ok(());
        };
        match top {
            Frame::Seq { items, .. } => items.push(value),
            Frame::Map {
                map,
                pending_key,
                merges,
                ..
            } => match pending_key.take() {
                None => *pending_key = Some((value, line)),
                Some((key, key_line)) => {
                    if key.as_str() == Some(MERGE_KEY) {
                        match value {
                            Value::Object(_) => merges.push(value),
                            Value::Array(list) => {
                                for item in list {
                                    if !item.is_object() {
                                        return Err(self.value_error(
                                            key_line,
                                            "map merge requires map or sequence of maps as the value",
                                        ));
                                    }
                                    merges.push(item);
                                }
                            }
                            _ => {
                                return Err(self.value_error(
                                    key_line,
                                    "map merge requires map or sequence of maps as the value",
                                ));
                            }
                        }
                        return Ok(());
                    }
                    let key = match key_string(key, schema) {
                        Ok(k) => k,
                        Err(message) => return Err(self.value_error(key_line, message)),
                    };
                    if schema == Schema::GoYamlV3 && map.contains_key(&key) {
                        return Err(self.value_error(
                            key_line,
                            format!("mapping key \"{key}\" already defined"),
                        ));
                    }
                    map.insert(key, value);
                }
            },
        }
        Ok(())
    }

    fn scalar(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        line: usize,
    ) -> Result<Value, Error> {
        let resolved = match tag {
            Some(tag) if tag.handle() == CORE => self.tagged(text, tag.suffix(), line)?,
            // A custom tag keeps the text as a string, as go-yaml does.
            Some(_) => Scalar::Str(text.to_string()),
            None if style == ScalarStyle::Plain => {
                if text == MERGE_KEY {
                    Scalar::Str(text.to_string())
                } else {
                    resolve_plain(text, self.options.schema)
                }
            }
            None => Scalar::Str(text.to_string()),
        };
        self.to_json(resolved, line)
    }

    fn tagged(&self, text: &str, suffix: &str, line: usize) -> Result<Scalar, Error> {
        let bad = |what: &str| self.value_error(line, format!("cannot decode !!{what} `{text}`"));
        Ok(match suffix {
            "str" => Scalar::Str(text.to_string()),
            "binary" => {
                use base64::Engine;
                let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact.as_bytes())
                    .map_err(|_| bad("binary"))?;
                Scalar::Str(String::from_utf8_lossy(&bytes).into_owned())
            }
            "null" => Scalar::Null,
            "bool" | "int" | "float" => match resolve_plain(text, self.options.schema) {
                Scalar::Int(i) if suffix == "float" => Scalar::Float(i as f64),
                s @ Scalar::Bool(_) if suffix == "bool" => s,
                s @ (Scalar::Int(_) | Scalar::Uint(_)) if suffix == "int" => s,
                s @ (Scalar::Int(_) | Scalar::Uint(_) | Scalar::Float(_)) if suffix == "float" => s,
                _ => return Err(bad(suffix)),
            },
            "timestamp" => match super::goparse::parse_timestamp(text) {
                Some(ts) => Scalar::Str(ts.to_rfc3339()),
                None => return Err(bad("timestamp")),
            },
            _ => Scalar::Str(text.to_string()),
        })
    }

    fn to_json(&self, scalar: Scalar, line: usize) -> Result<Value, Error> {
        Ok(match scalar {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::Number(i.into()),
            Scalar::Uint(u) => Value::Number(u.into()),
            Scalar::Float(f) => match Number::from_f64(f) {
                Some(n) => Value::Number(n),
                None => {
                    let shown = if f.is_nan() {
                        "NaN"
                    } else if f > 0.0 {
                        "+Inf"
                    } else {
                        "-Inf"
                    };
                    return Err(self.value_error(line, format!("json: unsupported value: {shown}")));
                }
            },
            Scalar::Str(s) => Value::String(s),
        })
    }
}

const MERGE_KEY: &str = "<<";

/// Turns a mapping key into a JSON key: strings as they are; under v2 other scalars are
/// printed the way `sigs.k8s.io/yaml` does; under v3 they are an error, as in kustomize.
fn key_string(key: Value, schema: Schema) -> Result<String, Cow<'static, str>> {
    match (key, schema) {
        (Value::String(s), _) => Ok(s),
        (Value::Bool(b), Schema::GoYamlV2) => Ok(b.to_string()),
        (Value::Number(n), Schema::GoYamlV2) => Ok(match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => format_float_key(f),
            _ => n.to_string(),
        }),
        (Value::Null, Schema::GoYamlV2) => Ok("null".to_string()),
        (Value::Array(_) | Value::Object(_), _) => Err("a mapping key must be a scalar".into()),
        (other, _) => Err(format!(
            "json: unsupported type: map[interface {{}}]interface {{}} (non-string key {other})"
        )
        .into()),
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 32)`, which `sigs.k8s.io/yaml` uses for float keys.
fn format_float_key(f: f64) -> String {
    let v = f as f32;
    if v.fract() == 0.0 && v.abs() < 1e21 {
        format!("{v}")
    } else {
        format!("{v:?}")
    }
}

fn node_count(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        Value::Object(map) => 1 + map.values().map(node_count).sum::<usize>(),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The line go-yaml names and the message of `text`'s syntax error.
    fn go_yaml_error(text: &str, schema: Schema) -> (usize, String) {
        let options = LoadOptions {
            schema,
            ..LoadOptions::default()
        };
        match load_documents(text, &options) {
            Err(Error::Syntax {
                go_line, message, ..
            }) => (go_line, message),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    /// A flow collection left open at the end reads as go-yaml reports it: libyaml's
    /// parser message, on the stream end's line counted from 0.
    #[test]
    fn unclosed_flow_collections_read_as_go_yaml_reports_them() {
        let err = |text: &str| go_yaml_error(text, Schema::default());
        // go-yaml v3 (kustomize, Flux): the line of the opening bracket, from 0.
        let after_entry = "a: 1\nb: [x, y\n";
        assert_eq!(
            err(after_entry),
            (1, "did not find expected ',' or ']'".to_string())
        );
        // go-yaml v2 (Helm): the line of the stream end, from 0.
        assert_eq!(go_yaml_error(after_entry, Schema::GoYamlV2).0, 2);
        assert_eq!(
            err("a: {k: v"),
            (1, "did not find expected ',' or '}'".to_string())
        );
        assert_eq!(
            err("a: 1\nb: [\n"),
            (2, "did not find expected node content".to_string())
        );
        assert_eq!(
            err("b: [x,  # more\n"),
            (1, "did not find expected node content".to_string())
        );
    }

    /// Parser errors read as go-yaml reports them: libyaml's problem without its context,
    /// on the line go-yaml names (from 0; v2 the problem's, v3 the collection's).
    #[test]
    fn parser_errors_read_as_go_yaml_reports_them() {
        let err = go_yaml_error;
        let v2 = |text: &str| err(text, Schema::GoYamlV2);
        let v3 = |text: &str| err(text, Schema::default());
        let key = "did not find expected key".to_string();
        let dash = "did not find expected '-' indicator".to_string();
        // A block sequence entry expected on line 3, the sequence opened on line 1.
        let seq = "top:\n  - a\n  - b\n  c: 1\n";
        assert_eq!(v2(seq), (3, dash.clone()));
        assert_eq!(v3(seq), (1, dash));
        // A second flow collection after a mapping value.
        assert_eq!(
            v2("a: 1\ndata:\n  lines: [alpha][beta]\n"),
            (2, key.clone())
        );
        // A stray closing bracket: a key expected after a value, the value's node after a
        // key.
        assert_eq!(v2("a: 1\nb: [1, 2]]\n"), (1, key.clone()));
        assert_eq!(
            v2("x:\n  y: [a,\n  b]\n  z: }\n"),
            (3, "did not find expected node content".to_string())
        );
        // Mismatched brackets and a `:` after a line break in a flow sequence: its separator.
        let separator = "did not find expected ',' or ']'".to_string();
        assert_eq!(v2("a: 1\nb: {x: [1, 2}\n"), (1, separator.clone()));
        assert_eq!(v2("k: v\nlist: [a, b\nz: 1\n"), (2, separator));
        // Both on the first line: go-yaml names no line (0).
        assert_eq!(
            v2("a: {x: 1 y: 2}\nb: 1\n"),
            (0, "did not find expected ',' or '}'".to_string())
        );
        // A tab indenting a block: libyaml's scanner error, on its line from 1.
        assert_eq!(
            v2("a:\n\tb: 1\n"),
            (2, "found character that cannot start any token".to_string())
        );
    }

    fn load(text: &str) -> Vec<Value> {
        load_documents(text, &LoadOptions::default())
            .expect("valid")
            .into_iter()
            .map(|d| d.value)
            .collect()
    }

    #[test]
    fn styles_and_tags() {
        let docs = load(
            "a: 'single'\nb: \"1.0\"\nc: !!str 123\nd: !!int \"5\"\ne: !custom foo\nf: !!binary aGVsbG8=\ng: 1.0\nh: yes\ni: ~\nj:\n",
        );
        assert_eq!(
            docs[0],
            json!({"a": "single", "b": "1.0", "c": "123", "d": 5, "e": "foo", "f": "hello", "g": 1.0, "h": "yes", "i": null, "j": null})
        );
    }

    #[test]
    fn v2_schema_reads_yaml_1_1() {
        let docs = load_documents(
            "on: yes\n1: one\noff: n\n",
            &LoadOptions::with_schema(Schema::GoYamlV2),
        )
        .expect("valid");
        assert_eq!(
            docs[0].value,
            json!({"true": true, "1": "one", "false": false})
        );
    }

    /// go-yaml gives a block scalar that ends the input without a line break none of its
    /// own, whatever its chomping; one that ends a line keeps it.
    #[test]
    fn block_scalar_at_end_of_input_without_a_line_break() {
        assert_eq!(load("x: |\n  a\n  b")[0], json!({"x": "a\nb"}));
        assert_eq!(load("x: |\n  a\n  b\n")[0], json!({"x": "a\nb\n"}));
        assert_eq!(load("x: >\n  a\n  b")[0], json!({"x": "a b"}));
        assert_eq!(load("- |\n  a\n- |+\n  b")[0], json!(["a\n", "b"]));
    }

    #[test]
    fn merge_keys_and_aliases() {
        let docs = load("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n");
        assert_eq!(docs[0]["derived"], json!({"y": 3, "x": 1}));
    }

    #[test]
    fn documents_are_numbered_with_lines() {
        let docs = load_documents(
            "---\na: 1\n---\n# only a comment\n---\n\nb: 2\n",
            &LoadOptions::default(),
        )
        .expect("valid");
        assert_eq!(docs.len(), 3);
        assert_eq!((docs[0].index, docs[0].line), (1, 2));
        assert_eq!(docs[1].value, Value::Null);
        assert_eq!((docs[2].index, docs[2].line), (3, 7));
    }

    #[test]
    fn errors_name_document_and_line() {
        let err = load_documents("a: 1\n---\nb: [1\nc: 2\n", &LoadOptions::default())
            .expect_err("invalid");
        assert_eq!(err.document(), 2);
        assert!(err.line() >= 3, "{err}");
        let err = load_documents("a: 1\na: 2\n", &LoadOptions::default()).expect_err("duplicate");
        assert_eq!(
            err.to_string(),
            "document 1, line 2: mapping key \"a\" already defined"
        );
        let err = load_documents("1: one\n", &LoadOptions::default()).expect_err("int key");
        assert_eq!(err.line(), 1);
        let err = load_documents("x: .inf\n", &LoadOptions::default()).expect_err("inf");
        assert!(err.to_string().contains("unsupported value: +Inf"));
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                vec![prev.as_str(); 10].join(", ")
            ));
        }
        let err = load_documents(&text, &LoadOptions::default()).expect_err("bomb");
        assert!(matches!(err, Error::Budget { .. }), "{err}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Arbitrary text never panics the reader, under either schema.
        #[test]
        fn never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
            let _ = load_documents(&text, &LoadOptions::default());
            let _ = load_documents(&text, &LoadOptions::with_schema(Schema::GoYamlV2));
        }

        /// Text made of YAML's own syntax characters never panics the reader either.
        #[test]
        fn never_panics_on_yaml_like_text(text in "([-:?&*!|>'\"%@`#,\\[\\]{}<=~ \n\t]|[a-z0-9]{1,3}|---|\\.\\.\\.){0,80}") {
            let _ = load_documents(&text, &LoadOptions::default());
            let _ = load_documents(&text, &LoadOptions::with_schema(Schema::GoYamlV2));
        }
    }
}
