//! Output state and the scalar writers of go-yaml v2's emitter (`emitterc.go`
//! `yaml_emitter_write_indent`, `…_write_indicator`, `…_write_plain_scalar`,
//! `…_write_single_quoted_scalar`, `…_write_double_quoted_scalar`,
//! `…_write_literal_scalar`), with the same column, `whitespace` and `indention`
//! bookkeeping so that line folding lands on the same spaces.

use std::fmt::Write as _;

use super::scalar::{is_break, is_printable};

/// v2's `best_width`: a space may become a line break once the column exceeds it.
const BEST_WIDTH: usize = 80;

/// v2's `best_indent`.
pub(super) const INDENT_STEP: i32 = 2;

/// The emitter's output buffer and position state.
pub(super) struct Writer<'o> {
    /// Output.
    out: &'o mut String,
    /// Characters (not bytes) on the current line.
    column: usize,
    /// Indentation of the current node; -1 before the root collection.
    pub(super) indent: i32,
    /// The last thing written was white space (or nothing).
    pub(super) whitespace: bool,
    /// Only indentation (and indicators that keep it) is on the current line.
    pub(super) indention: bool,
}

impl<'o> Writer<'o> {
    /// A writer at the start of a stream.
    pub(super) fn new(out: &'o mut String) -> Self {
        Writer {
            out,
            column: 0,
            indent: -1,
            whitespace: true,
            indention: true,
        }
    }

    /// Appends a run of text already accounted for in `column`.
    fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// Appends one ASCII character.
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    /// Starts a new line.
    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// Appends `s`, counting its characters.
    pub(super) fn write_text(&mut self, s: &str) {
        self.out.push_str(s);
        self.column += char_count(s);
    }

    /// Appends whatever `f` writes to the buffer, counting its characters.
    pub(super) fn write_with(&mut self, f: impl FnOnce(&mut String)) {
        let start = self.out.len();
        f(self.out);
        self.column += char_count(&self.out[start..]);
    }

    /// `yaml_emitter_write_indent`: a new line unless already at a fresh indentation, then
    /// spaces up to the current indent.
    pub(super) fn write_indent(&mut self) {
        let indent = usize::try_from(self.indent).unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        if self.column < indent {
            let pad = indent - self.column;
            self.out.extend(std::iter::repeat_n(' ', pad));
            self.column = indent;
        }
        self.whitespace = true;
        self.indention = true;
    }

    /// `yaml_emitter_write_indicator`.
    pub(super) fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        self.write_text(indicator);
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    /// `yaml_emitter_write_plain_scalar` (plain text never contains line breaks: the
    /// analysis rules plain style out for them).
    pub(super) fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        if !allow_breaks || self.column + value.len() <= BEST_WIDTH + 1 || !value.contains(' ') {
            self.write_text(value);
        } else {
            self.write_plain_folding(value);
        }
        self.whitespace = false;
        self.indention = false;
    }

    /// Plain text that may be folded at single spaces once past the width.
    fn write_plain_folding(&mut self, value: &str) {
        let bytes = value.as_bytes();
        let mut spaces = false;
        let mut run_start = 0;
        for (i, c) in value.char_indices() {
            if c == ' ' {
                if !spaces && self.column > BEST_WIDTH && bytes.get(i + 1) != Some(&b' ') {
                    self.raw(&value[run_start..i]);
                    self.write_indent();
                    run_start = i + 1;
                } else {
                    self.column += 1;
                }
                spaces = true;
            } else {
                self.column += 1;
                self.indention = false;
                spaces = false;
            }
        }
        self.raw(&value[run_start..]);
    }

    /// `yaml_emitter_write_single_quoted_scalar`.
    pub(super) fn write_single_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let bytes = value.as_bytes();
        let (mut spaces, mut breaks) = (false, false);
        let mut run_start = 0;
        for (i, c) in value.char_indices() {
            if c == ' ' {
                let foldable = i > 0 && i + 1 < bytes.len() && bytes[i + 1] != b' ';
                if allow_breaks && !spaces && self.column > BEST_WIDTH && foldable {
                    self.raw(&value[run_start..i]);
                    self.write_indent();
                    run_start = i + 1;
                } else {
                    self.column += 1;
                }
                spaces = true;
            } else if is_break(c) {
                self.raw(&value[run_start..i]);
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                run_start = i + c.len_utf8();
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.raw(&value[run_start..i]);
                    run_start = i;
                    self.write_indent();
                }
                if c == '\'' {
                    self.raw(&value[run_start..i]);
                    self.put('\'');
                    run_start = i;
                }
                self.column += 1;
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.raw(&value[run_start..]);
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// `write_break`: LF starts a new line; other breaks are copied and reset the column.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    /// `yaml_emitter_write_double_quoted_scalar`.
    pub(super) fn write_double_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        // v2 checks for a BOM at the start of the value instead of at each character, so a
        // leading BOM escapes every character.
        let escape_all = value.starts_with('\u{FEFF}');
        let bytes = value.as_bytes();
        let mut spaces = false;
        let mut run_start = 0;
        for (i, c) in value.char_indices() {
            if escape_all || !is_printable(c) || is_break(c) || c == '"' || c == '\\' {
                self.raw(&value[run_start..i]);
                self.write_escape(c);
                run_start = i + c.len_utf8();
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < bytes.len()
                {
                    self.raw(&value[run_start..i]);
                    self.write_indent();
                    if bytes[i + 1] == b' ' {
                        self.put('\\');
                    }
                    run_start = i + 1;
                } else {
                    self.column += 1;
                }
                spaces = true;
            } else {
                self.column += 1;
                spaces = false;
            }
        }
        self.raw(&value[run_start..]);
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// One escape sequence of a double-quoted scalar.
    fn write_escape(&mut self, c: char) {
        self.put('\\');
        let short = match c {
            '\0' => Some('0'),
            '\u{07}' => Some('a'),
            '\u{08}' => Some('b'),
            '\t' => Some('t'),
            '\n' => Some('n'),
            '\u{0B}' => Some('v'),
            '\u{0C}' => Some('f'),
            '\r' => Some('r'),
            '\u{1B}' => Some('e'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            '\u{85}' => Some('N'),
            '\u{A0}' => Some('_'),
            '\u{2028}' => Some('L'),
            '\u{2029}' => Some('P'),
            _ => None,
        };
        if let Some(e) = short {
            self.put(e);
            return;
        }
        let code = u32::from(c);
        let _ = if code <= 0xFF {
            write!(self.out, "x{code:02X}")
        } else if code <= 0xFFFF {
            write!(self.out, "u{code:04X}")
        } else {
            write!(self.out, "U{code:08X}")
        };
        self.column += match code {
            0..=0xFF => 3,
            0x100..=0xFFFF => 5,
            _ => 9,
        };
    }

    /// `yaml_emitter_write_literal_scalar` with its block scalar hints.
    pub(super) fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        let mut chars = value.chars();
        if chars
            .clone()
            .next()
            .is_some_and(|c| c == ' ' || is_break(c))
        {
            self.write_indicator("2", false, false, false);
        }
        let last = chars.next_back();
        let before_last = chars.next_back();
        let chomp = match (last, before_last) {
            (Some(l), _) if !is_break(l) => Some("-"),
            (Some(_), None) => Some("+"),
            (Some(_), Some(b)) if is_break(b) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut rest = value;
        while !rest.is_empty() {
            let (line, brk) = split_at_break(rest);
            if !line.is_empty() {
                self.write_indent();
                self.write_text(line);
                self.indention = false;
            }
            match brk {
                Some(c) => {
                    self.write_break(c);
                    self.indention = true;
                    rest = &rest[line.len() + c.len_utf8()..];
                }
                None => rest = "",
            }
        }
    }
}

/// Splits `s` before its first line break (LF, CR, NEL, LS, PS), returning the text before
/// it and the break character.
fn split_at_break(s: &str) -> (&str, Option<char>) {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let brk = match bytes[i] {
            b'\n' => Some('\n'),
            b'\r' => Some('\r'),
            0xC2 if bytes.get(i + 1) == Some(&0x85) => Some('\u{85}'),
            0xE2 if bytes.get(i + 1) == Some(&0x80) => match bytes.get(i + 2) {
                Some(0xA8) => Some('\u{2028}'),
                Some(0xA9) => Some('\u{2029}'),
                _ => None,
            },
            _ => None,
        };
        if brk.is_some() {
            return (&s[..i], brk);
        }
        i += 1;
    }
    (s, None)
}

/// Number of characters in `s`.
fn char_count(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}
