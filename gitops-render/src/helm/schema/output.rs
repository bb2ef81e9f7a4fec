//! The error tree and its text, as santhosh-tekuri/jsonschema v6.0.3 prints it
//! (`ValidationError.Error()`): one `- at '<instance pointer>': <message>` line per error,
//! nested causes indented by two spaces, `$ref` wrappers with a single cause left out.

/// One validation error with its causes.
#[derive(Debug, Clone)]
pub(crate) struct VErr {
    /// The message (after `at '...': `).
    pub(crate) msg: String,
    /// Whether this is a `$ref` wrapper (hidden when it has exactly one cause).
    pub(crate) is_ref: bool,
    /// Whether this is a group of sibling errors (unwrapped at the top).
    pub(crate) is_group: bool,
    /// Instance location tokens.
    pub(crate) inst: Vec<String>,
    /// Nested errors.
    pub(crate) causes: Vec<VErr>,
}

/// Go's `strconv.Quote` (what `%q` prints) for strings.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if is_go_unprintable(c) => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An approximation of `!unicode.IsPrint` beyond ASCII: C1 controls, format characters
/// commonly met, separators other than the space, and the replacement for surrogates.
fn is_go_unprintable(c: char) -> bool {
    let u = c as u32;
    (0x80..0xa0).contains(&u)
        || u == 0xad
        || (0x200b..=0x200f).contains(&u)
        || (0x2028..=0x202e).contains(&u)
        || (0x2060..=0x2064).contains(&u)
        || u == 0xfeff
        || (0xfff9..=0xfffb).contains(&u)
        || (0xe000..=0xf8ff).contains(&u)
        || (0xf0000..).contains(&u)
        || (u == 0xa0
            || u == 0x1680
            || (0x2000..=0x200a).contains(&u)
            || u == 0x202f
            || u == 0x205f
            || u == 0x3000)
}

/// santhosh's `quote`: Go's `%q` turned into single quotes.
pub(crate) fn quote(s: &str) -> String {
    let q = go_quote(s);
    let inner = &q[1..q.len() - 1];
    let inner = inner.replace("\\\"", "\"").replace('\'', "\\'");
    format!("'{inner}'")
}

/// A JSON pointer from instance tokens.
pub(crate) fn json_ptr(tokens: &[String]) -> String {
    let mut s = String::new();
    for t in tokens {
        s.push('/');
        s.push_str(&super::url::escape_token(t));
    }
    s
}

impl VErr {
    fn skip(&self) -> bool {
        self.causes.len() == 1 && self.is_ref
    }

    fn display(&self, out: &mut Vec<String>, indent: usize) {
        let mut indent = indent;
        if !self.skip() {
            let pad = "  ".repeat(indent.saturating_sub(1));
            out.push(format!(
                "{pad}- at {}: {}",
                quote(&json_ptr(&self.inst)),
                self.msg
            ));
            indent += 1;
        }
        for c in &self.causes {
            c.display(out, indent);
        }
    }
}

/// The text Helm keeps of a failed validation (`JSONSchemaValidationError.Error()`): the
/// error lines and a final newline.
pub(crate) fn render(top: &[VErr]) -> String {
    let mut lines = Vec::new();
    for e in top {
        e.display(&mut lines, 1);
    }
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_santhosh() {
        assert_eq!(quote("/a"), "'/a'");
        assert_eq!(quote("it's \"x\"\n"), "'it\\'s \"x\"\\n'");
        assert_eq!(quote("é"), "'é'");
        assert_eq!(go_quote("a\u{1}"), "\"a\\x01\"");
    }
}
