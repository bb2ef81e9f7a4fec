//! A YAML printer that writes, byte for byte, what Go's `sigs.k8s.io/yaml.Marshal` writes
//! for a JSON value: `json.Marshal`, then go-yaml v2 reads that JSON text and `Marshal`s it.
//! This is the output of `kubectl kustomize`, of Helm's `toYaml` (which trims the final
//! newline itself) and of `flux create … --export`.
//!
//! What v2 does and we reproduce:
//! - mapping keys sorted with v2's comparator (letters vs non-letters, digit runs compared
//!   as numbers), whatever the order of the input map;
//! - strings plain when possible, `"…"` when plain text would read back as another type
//!   (YAML 1.1 bools such as `yes`/`on`, nulls, ints like `0755`/`0x1F`/`1_000`, floats,
//!   timestamps, base-60 `1:20`), `'…'` when YAML syntax forbids plain text, `"…"` with
//!   escapes for unprintable characters, `|`/`|-`/`|+` (with `2` when the text starts with a
//!   space or line break) for multi-line text;
//! - plain and quoted values folded at width 80 on the same spaces as v2;
//! - block sequences under a mapping key not indented, `{}`/`[]` for empty collections,
//!   complex keys (`? `) for keys longer than 128 bytes or spanning lines;
//! - numbers as the JSON round trip makes them (`3.0` → `3`, `1234567.5` →
//!   `1.2345675e+06`).
//!
//! U+0085 (NEL) in a string value is folded the way v2 reads it back from the JSON text
//! (`a\u{85}b` → `a b`). Where the Go pipeline fails instead of printing (strings with
//! U+007F–U+009F other than U+0085, or U+FFFE/U+FFFF, which v2 refuses to read; keys with
//! U+0085, which v2 cannot read as a flow mapping key), we print what v2's emitter prints
//! for the string itself.

mod number;
mod resolve;
mod scalar;
mod sort;
mod unicode_tables;
mod writer;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use scalar::{Analysis, Style, analyze, json_round_trip, requested_style, select_style};
use writer::{INDENT_STEP, Writer};

/// Prints `value` as one YAML document, as `sigs.k8s.io/yaml.Marshal` does: no `---`,
/// ending with a newline.
pub fn to_string(value: &Value) -> String {
    let mut out = String::with_capacity(256);
    write_document(&mut out, value);
    out
}

/// Prints `values` as a YAML stream the way `kubectl kustomize` joins its resources: each
/// document as [`to_string`] prints it, separated by `---\n` lines (none before the first
/// or after the last).
pub fn to_string_documents<'a>(values: impl IntoIterator<Item = &'a Value>) -> String {
    let mut out = String::with_capacity(4096);
    for (i, value) in values.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        write_document(&mut out, value);
    }
    out
}

/// Appends one document to `out`.
fn write_document(out: &mut String, value: &Value) {
    let mut emitter = Emitter {
        w: Writer::new(out),
    };
    emitter.node(value, Context::ROOT);
    // Document end: finish the last line.
    emitter.w.write_indent();
}

/// Where a node sits (v2's `mapping_context` and `simple_key_context`).
#[derive(Clone, Copy)]
struct Context {
    /// The node is a key or value of a mapping.
    mapping: bool,
    /// The node is a key written in the simple `key: value` form.
    simple_key: bool,
}

impl Context {
    /// The document's root node.
    const ROOT: Context = Context {
        mapping: false,
        simple_key: false,
    };
    /// An item of a sequence.
    const ITEM: Context = Context {
        mapping: false,
        simple_key: false,
    };
    /// A mapping value, or a complex (`? `) key.
    const VALUE: Context = Context {
        mapping: true,
        simple_key: false,
    };
    /// A simple mapping key.
    const SIMPLE_KEY: Context = Context {
        mapping: true,
        simple_key: true,
    };
}

/// Walks a value and drives the writer like v2's event state machine.
struct Emitter<'o> {
    /// Output and position state.
    w: Writer<'o>,
}

impl Emitter<'_> {
    /// Emits any node.
    fn node(&mut self, value: &Value, ctx: Context) {
        match value {
            Value::Null => self.atom(|out| out.push_str("null")),
            Value::Bool(true) => self.atom(|out| out.push_str("true")),
            Value::Bool(false) => self.atom(|out| out.push_str("false")),
            Value::Number(n) => self.atom(|out| number::write_number(out, n)),
            Value::String(s) => {
                let s = json_round_trip(s);
                self.string(&s, ctx);
            }
            Value::Array(items) => self.sequence(items, ctx),
            Value::Object(map) => self.mapping(map),
        }
    }

    /// A plain scalar that never needs quoting or folding (null, bool, number).
    fn atom(&mut self, text: impl FnOnce(&mut String)) {
        if !self.w.whitespace {
            self.w.write_text(" ");
        }
        self.w.write_with(text);
        self.w.whitespace = false;
        self.w.indention = false;
    }

    /// A string scalar (already through the JSON round trip).
    fn string(&mut self, s: &str, ctx: Context) {
        self.analyzed_string(s, &analyze(s), ctx);
    }

    /// A string scalar whose [`Analysis`] is known.
    fn analyzed_string(&mut self, s: &str, analysis: &Analysis, ctx: Context) {
        let style = select_style(requested_style(s), analysis, ctx.simple_key, s.is_empty());
        let parent_indent = self.w.indent;
        self.w.indent = if parent_indent < 0 {
            INDENT_STEP
        } else {
            parent_indent + INDENT_STEP
        };
        let allow_breaks = !ctx.simple_key;
        match style {
            Style::Plain => self.w.write_plain(s, allow_breaks),
            Style::Single => self.w.write_single_quoted(s, allow_breaks),
            Style::Double => self.w.write_double_quoted(s, allow_breaks),
            Style::Literal => self.w.write_literal(s),
        }
        self.w.indent = parent_indent;
    }

    /// A sequence: `[]` when empty, else block items, not indented under a mapping key.
    fn sequence(&mut self, items: &[Value], ctx: Context) {
        if items.is_empty() {
            self.w.write_indicator("[", true, true, false);
            self.w.write_indicator("]", false, false, false);
            return;
        }
        let parent_indent = self.w.indent;
        let indentless = ctx.mapping && !self.w.indention;
        self.w.indent = if parent_indent < 0 {
            0
        } else if indentless {
            parent_indent
        } else {
            parent_indent + INDENT_STEP
        };
        for item in items {
            self.w.write_indent();
            self.w.write_indicator("-", true, false, true);
            self.node(item, Context::ITEM);
        }
        self.w.indent = parent_indent;
    }

    /// A mapping: `{}` when empty, else block entries in v2's key order.
    fn mapping(&mut self, map: &Map<String, Value>) {
        if map.is_empty() {
            self.w.write_indicator("{", true, true, false);
            self.w.write_indicator("}", false, false, false);
            return;
        }
        let entries: Vec<(&str, &Value)> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
        self.block_mapping(entries);
    }

    /// Sorts and writes the entries of a non-empty mapping.
    fn block_mapping(&mut self, mut entries: Vec<(&str, &Value)>) {
        sort::sort_by_less(&mut entries, &|a, b| sort::key_less(a.0, b.0));
        let parent_indent = self.w.indent;
        self.w.indent = if parent_indent < 0 {
            0
        } else {
            parent_indent + INDENT_STEP
        };
        for (key, value) in entries {
            self.w.write_indent();
            let analysis = analyze(key);
            // v2's `check_simple_key`: at most 128 bytes and on one line.
            if key.len() <= 128 && !analysis.multiline {
                self.analyzed_string(key, &analysis, Context::SIMPLE_KEY);
                self.w.write_indicator(":", false, false, false);
            } else {
                self.w.write_indicator("?", true, false, true);
                self.analyzed_string(key, &analysis, Context::VALUE);
                self.w.write_indent();
                self.w.write_indicator(":", true, false, true);
            }
            self.node(value, Context::VALUE);
        }
        self.w.indent = parent_indent;
    }
}
