//! Scalar analysis and style choice (go-yaml v2 `encode.go` `stringv`, `emitterc.go`
//! `yaml_emitter_analyze_scalar` and `yaml_emitter_select_scalar_style`).

use std::borrow::Cow;

use super::resolve::needs_type_quotes;

/// How a scalar is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Style {
    /// Unquoted.
    Plain,
    /// `'…'`
    Single,
    /// `"…"`
    Double,
    /// `|` block.
    Literal,
}

/// The facts about a scalar's text the style choice needs (block context only: v2 writes
/// scalars in flow context never here, since the only flow collections are `{}` and `[]`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Analysis {
    /// Contains a line break (LF, CR, NEL, LS or PS).
    pub(super) multiline: bool,
    /// May be written plain in block context.
    pub(super) plain_allowed: bool,
    /// May be written single-quoted.
    pub(super) single_allowed: bool,
    /// May be written as a literal block.
    pub(super) block_allowed: bool,
}

/// Characters the emitter writes raw: LF, ASCII printable, U+00A0–U+D7FF and
/// U+E000–U+FFFD except the BOM (emitterc `is_printable`).
pub(super) fn is_printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        && c != '\u{FEFF}'
}

/// Line breaks as the emitter sees them: LF, CR, NEL, LS, PS.
pub(super) fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Space, tab, a line break or NUL (emitterc `is_blankz`).
fn is_blankz(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\0') || is_break(c)
}

/// First characters that make a plain scalar impossible.
fn is_leading_indicator(c: char) -> bool {
    matches!(
        c,
        '#' | ','
            | '['
            | ']'
            | '{'
            | '}'
            | '&'
            | '*'
            | '!'
            | '|'
            | '>'
            | '\''
            | '"'
            | '%'
            | '@'
            | '`'
    )
}

/// Port of `yaml_emitter_analyze_scalar` (the flags that matter in block context).
pub(super) fn analyze(value: &str) -> Analysis {
    let bytes = value.as_bytes();
    let Some(&first) = bytes.first() else {
        return Analysis {
            multiline: false,
            plain_allowed: true,
            single_allowed: true,
            block_allowed: false,
        };
    };
    let followed_by_whitespace = |next: usize| matches!(bytes.get(next), None | Some(b' ' | b'\t'));
    let mut indicators = value.starts_with("---")
        || value.starts_with("...")
        || is_leading_indicator(char::from(first))
        || (matches!(first, b'?' | b':' | b'-') && followed_by_whitespace(1));
    let leading_space = first == b' ';
    let trailing_space = bytes.last() == Some(&b' ');
    let leading_break = value.chars().next().is_some_and(is_break);
    let trailing_break = value.chars().next_back().is_some_and(is_break);
    let mut s = ScanState::default();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if is_inert(b) {
            let run = bytes[i..].iter().take_while(|&&b| is_inert(b)).count();
            s.step('a');
            i += run;
        } else if b.is_ascii() {
            match b {
                b':' => indicators |= i > 0 && followed_by_whitespace(i + 1),
                b'#' => indicators |= i > 0 && s.preceded_by_blankz,
                _ => {}
            }
            s.step(char::from(b));
            i += 1;
        } else {
            let c = value
                .get(i..)
                .and_then(|rest| rest.chars().next())
                .unwrap_or('\u{FFFD}');
            s.step(c);
            i += c.len_utf8();
        }
    }

    let mut a = Analysis {
        multiline: s.line_breaks,
        plain_allowed: true,
        single_allowed: true,
        block_allowed: true,
    };
    if leading_space
        || leading_break
        || trailing_space
        || trailing_break
        || s.line_breaks
        || indicators
    {
        a.plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if s.break_space {
        a.plain_allowed = false;
        a.single_allowed = false;
    }
    if s.space_break || s.special {
        a.plain_allowed = false;
        a.single_allowed = false;
        a.block_allowed = false;
    }
    a
}

/// Printable ASCII that plays no role inside a scalar (everything but space, `:` and `#`).
#[inline]
fn is_inert(b: u8) -> bool {
    matches!(b, b'!'..=b'~') && b != b':' && b != b'#'
}

/// Running state of the character scan in [`analyze`].
#[derive(Default)]
struct ScanState {
    /// A line break was seen.
    line_breaks: bool,
    /// An unprintable character was seen.
    special: bool,
    /// A space directly after a line break was seen.
    break_space: bool,
    /// A line break directly after a space was seen.
    space_break: bool,
    /// The previous character was a space.
    previous_space: bool,
    /// The previous character was a line break.
    previous_break: bool,
    /// The previous character was blank, a break or NUL (only read after the first).
    preceded_by_blankz: bool,
}

impl ScanState {
    /// Accounts for character `c`.
    #[inline]
    fn step(&mut self, c: char) {
        if c.is_ascii_alphanumeric() {
            self.previous_space = false;
            self.previous_break = false;
            self.preceded_by_blankz = false;
            return;
        }
        self.special |= !is_printable(c);
        if c == ' ' {
            self.break_space |= self.previous_break;
            self.previous_space = true;
            self.previous_break = false;
        } else if is_break(c) {
            self.line_breaks = true;
            self.space_break |= self.previous_space;
            self.previous_space = false;
            self.previous_break = true;
        } else {
            self.previous_space = false;
            self.previous_break = false;
        }
        self.preceded_by_blankz = is_blankz(c);
    }
}

/// The style `stringv` asks for: literal for text with `\n`, double quotes for text that
/// would read back as another type, plain otherwise.
pub(super) fn requested_style(value: &str) -> Style {
    if value.contains('\n') {
        Style::Literal
    } else if needs_type_quotes(value) {
        Style::Double
    } else {
        Style::Plain
    }
}

/// Port of `yaml_emitter_select_scalar_style` for block context.
pub(super) fn select_style(requested: Style, a: &Analysis, simple_key: bool, empty: bool) -> Style {
    let mut style = requested;
    if simple_key && a.multiline {
        style = Style::Double;
    }
    if style == Style::Plain && (!a.plain_allowed || (empty && simple_key)) {
        style = Style::Single;
    }
    if style == Style::Single && !a.single_allowed {
        style = Style::Double;
    }
    if style == Style::Literal && (!a.block_allowed || simple_key) {
        style = Style::Double;
    }
    style
}

/// What a string becomes after Go's `json.Marshal` and v2's parse of that JSON text.
///
/// JSON leaves U+0085 (NEL) unescaped and v2 reads it as a line break inside a
/// double-quoted scalar, so it is folded: in every run of spaces and NELs that contains a
/// NEL, the spaces go; one NEL alone becomes a space, `n` NELs become `n - 1` newlines.
/// All other characters survive the round trip unchanged.
pub(super) fn json_round_trip(s: &str) -> Cow<'_, str> {
    if !s.contains('\u{85}') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let mut nels = 0usize;
    for c in s.chars() {
        match c {
            ' ' => run.push(' '),
            '\u{85}' => nels += 1,
            _ => {
                flush_blank_run(&mut out, &mut run, &mut nels);
                out.push(c);
            }
        }
    }
    flush_blank_run(&mut out, &mut run, &mut nels);
    Cow::Owned(out)
}

/// Writes one run of spaces/NELs as v2's double-quoted scanner folds it.
fn flush_blank_run(out: &mut String, run: &mut String, nels: &mut usize) {
    match *nels {
        0 => out.push_str(run),
        1 => out.push(' '),
        n => out.extend(std::iter::repeat_n('\n', n - 1)),
    }
    run.clear();
    *nels = 0;
}
