//! The lexer: splits template text into items the way Go's `text/template/parse` does
//! (delimiters, trim markers, comments, and the tokens inside actions).

use std::borrow::Cow;

/// The kind of a lexed item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ItemType {
    Error,
    Bool,
    Char,
    CharConstant,
    Complex,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    // Keywords come after this marker.
    Keyword,
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

/// A lexed item: type, byte offset, text and the line it starts on.
///
/// The text borrows from the template source (only error messages are owned), so lexing a
/// large template allocates one vector and no strings.
#[derive(Clone, Debug)]
pub(crate) struct Item<'t> {
    pub typ: ItemType,
    pub pos: usize,
    pub val: Cow<'t, str>,
    pub line: usize,
}

impl std::fmt::Display for Item<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.typ {
            ItemType::Eof => write!(f, "EOF"),
            ItemType::Error => write!(f, "{}", self.val),
            t if t > ItemType::Keyword => write!(f, "<{}>", self.val),
            _ if self.val.chars().count() > 10 => {
                let short: String = self.val.chars().take(10).collect();
                write!(f, "{}...", crate::fmt::quote(&short))
            }
            _ => write!(f, "{}", crate::fmt::quote(&self.val)),
        }
    }
}

fn keyword(word: &str) -> Option<ItemType> {
    Some(match word {
        "." => ItemType::Dot,
        "block" => ItemType::Block,
        "break" => ItemType::Break,
        "continue" => ItemType::Continue,
        "define" => ItemType::Define,
        "else" => ItemType::Else,
        "end" => ItemType::End,
        "if" => ItemType::If,
        "range" => ItemType::Range,
        "nil" => ItemType::Nil,
        "template" => ItemType::Template,
        "with" => ItemType::With,
        _ => return None,
    })
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Go's `unicode.IsLetter || unicode.IsDigit || '_'` (Rust's `is_numeric` is slightly
/// wider than Go's `IsDigit`; the difference only matters for exotic numerals).
fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

fn has_left_trim(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && is_space(b[1] as char)
}

fn has_right_trim(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && is_space(b[0] as char) && b[1] == b'-'
}

/// Lexes the input on demand, one text and the action after it at a time, stopping after
/// the first error or at EOF: a large template never has all its items in memory.
pub(crate) struct Lexer<'a> {
    input: &'a str,
    left: &'a str,
    right: &'a str,
    pos: usize,
    start: usize,
    line: usize,
    start_line: usize,
    paren_depth: i32,
    break_ok: bool,
    continue_ok: bool,
    items: std::collections::VecDeque<Item<'a>>,
    done: bool,
}

impl<'a> Lexer<'a> {
    /// A lexer over `input`; `left`/`right` are the delimiters (`{{`/`}}` when empty).
    pub(crate) fn new(input: &'a str, left: &'a str, right: &'a str, break_ok: bool, continue_ok: bool) -> Self {
        Lexer {
            input,
            left: if left.is_empty() { "{{" } else { left },
            right: if right.is_empty() { "}}" } else { right },
            pos: 0,
            start: 0,
            line: 1,
            start_line: 1,
            paren_depth: 0,
            break_ok,
            continue_ok,
            items: std::collections::VecDeque::new(),
            done: false,
        }
    }

    /// The next item, or `None` after the EOF or error item.
    pub(crate) fn next_item(&mut self) -> Option<Item<'a>> {
        while self.items.is_empty() && !self.done {
            self.lex_chunk();
        }
        self.items.pop_front()
    }

    /// Every item of `input` (tests).
    #[cfg(test)]
    pub(crate) fn lex(input: &'a str, left: &'a str, right: &'a str, break_ok: bool, continue_ok: bool) -> Vec<Item<'a>> {
        let mut l = Lexer::new(input, left, right, break_ok, continue_ok);
        std::iter::from_fn(|| l.next_item()).collect()
    }

    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    fn next(&mut self) -> Option<char> {
        let c = self.rest().chars().next()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn backup(&mut self, c: Option<char>) {
        if let Some(c) = c {
            self.pos -= c.len_utf8();
            if c == '\n' {
                self.line -= 1;
            }
        }
    }

    fn emit(&mut self, typ: ItemType) {
        self.items.push_back(Item {
            typ,
            pos: self.start,
            val: Cow::Borrowed(&self.input[self.start..self.pos]),
            line: self.start_line,
        });
        self.start = self.pos;
        self.start_line = self.line;
    }

    fn ignore(&mut self) {
        self.line += self.input[self.start..self.pos].matches('\n').count();
        self.start = self.pos;
        self.start_line = self.line;
    }

    fn errorf(&mut self, msg: String) {
        self.items.push_back(Item { typ: ItemType::Error, pos: self.start, val: Cow::Owned(msg), line: self.start_line });
        self.done = true;
    }

    /// Lexes the text up to the next action and the action itself (or the text up to EOF).
    fn lex_chunk(&mut self) {
        if self.done {
            return;
        }
        match self.rest().find(self.left) {
            Some(x) => {
                if x > 0 {
                    self.pos += x;
                    let delim_end = self.pos + self.left.len();
                    let mut trim = 0;
                    if has_left_trim(&self.input[delim_end..]) {
                        let text = &self.input[self.start..self.pos];
                        trim = text.len() - text.trim_end_matches(is_space).len();
                    }
                    self.pos -= trim;
                    self.line += self.input[self.start..self.pos].matches('\n').count();
                    let has_text = self.pos > self.start;
                    if has_text {
                        self.emit(ItemType::Text);
                    }
                    self.pos += trim;
                    self.ignore();
                }
                if !self.lex_left_delim() {
                    self.done = true;
                }
            }
            None => {
                self.pos = self.input.len();
                if self.pos > self.start {
                    self.line += self.input[self.start..self.pos].matches('\n').count();
                    self.emit(ItemType::Text);
                }
                self.emit_eof();
            }
        }
    }

    fn emit_eof(&mut self) {
        self.items.push_back(Item { typ: ItemType::Eof, pos: self.pos, val: Cow::Borrowed("EOF"), line: self.start_line });
        self.done = true;
    }

    /// Returns false when lexing is over.
    fn lex_left_delim(&mut self) -> bool {
        self.pos += self.left.len();
        let trim = has_left_trim(self.rest());
        let after = if trim { 2 } else { 0 };
        if self.input[self.pos + after..].starts_with("/*") {
            self.pos += after;
            self.ignore();
            return self.lex_comment();
        }
        self.emit(ItemType::LeftDelim);
        self.pos += after;
        self.ignore();
        self.paren_depth = 0;
        self.lex_inside_action();
        !self.done
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let r = self.rest();
        if has_right_trim(r) && r[2..].starts_with(self.right) {
            return (true, true);
        }
        (r.starts_with(self.right), false)
    }

    fn lex_comment(&mut self) -> bool {
        self.pos += 2;
        let Some(x) = self.rest().find("*/") else {
            self.errorf("unclosed comment".into());
            return false;
        };
        self.pos += x + 2;
        let (delim, trim) = self.at_right_delim();
        if !delim {
            self.errorf("comment ends before closing delimiter".into());
            return false;
        }
        self.line += self.input[self.start..self.pos].matches('\n').count();
        self.start = self.pos;
        self.start_line = self.line;
        if trim {
            self.pos += 2;
        }
        self.pos += self.right.len();
        if trim {
            let r = self.rest();
            self.pos += r.len() - r.trim_start_matches(is_space).len();
        }
        self.ignore();
        true
    }

    fn lex_right_delim(&mut self) {
        let (_, trim) = self.at_right_delim();
        if trim {
            self.pos += 2;
            self.ignore();
        }
        self.pos += self.right.len();
        self.emit(ItemType::RightDelim);
        if trim {
            let r = self.rest();
            self.pos += r.len() - r.trim_start_matches(is_space).len();
            self.ignore();
        }
    }

    fn lex_inside_action(&mut self) {
        loop {
            if self.done {
                return;
            }
            let (delim, _) = self.at_right_delim();
            if delim {
                if self.paren_depth == 0 {
                    self.lex_right_delim();
                    return;
                }
                self.errorf("unclosed left paren".into());
                return;
            }
            let Some(c) = self.next() else {
                self.errorf("unclosed action".into());
                return;
            };
            match c {
                c if is_space(c) => {
                    self.backup(Some(c));
                    if self.lex_space() {
                        self.lex_right_delim();
                        return;
                    }
                }
                '=' => self.emit(ItemType::Assign),
                ':' => {
                    if self.next() != Some('=') {
                        self.errorf("expected :=".into());
                        return;
                    }
                    self.emit(ItemType::Declare);
                }
                '|' => self.emit(ItemType::Pipe),
                '"' => self.lex_quote(),
                '`' => self.lex_raw_quote(),
                '$' => self.lex_variable(),
                '\'' => self.lex_char(),
                '.' if self.rest().as_bytes().first().is_some_and(|b| !b.is_ascii_digit()) => {
                    self.lex_field_or_variable(ItemType::Field)
                }
                '.' | '+' | '-' | '0'..='9' => {
                    self.backup(Some(c));
                    self.lex_number();
                }
                c if is_alnum(c) => {
                    self.backup(Some(c));
                    self.lex_identifier();
                }
                '(' => {
                    self.paren_depth += 1;
                    self.emit(ItemType::LeftParen);
                }
                ')' => {
                    self.paren_depth -= 1;
                    if self.paren_depth < 0 {
                        self.errorf("unexpected right paren".into());
                        return;
                    }
                    self.emit(ItemType::RightParen);
                }
                c if c.is_ascii() && !c.is_ascii_control() => self.emit(ItemType::Char),
                c => {
                    self.errorf(format!("unrecognized character in action: {}", crate::fmt::rune_u(c)));
                    return;
                }
            }
        }
    }

    /// Scans spaces; returns true when a trim-marked right delimiter follows directly
    /// (the caller then lexes the delimiter).
    fn lex_space(&mut self) -> bool {
        let mut n = 0;
        while self.peek().is_some_and(is_space) {
            self.next();
            n += 1;
        }
        let before = &self.input[self.pos - 1..];
        if has_right_trim(before) && before[2..].starts_with(self.right) {
            let c = self.input[..self.pos].chars().next_back();
            self.backup(c);
            if n == 1 {
                return true;
            }
        }
        self.emit(ItemType::Space);
        false
    }

    fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) if is_space(c) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            _ => self.rest().starts_with(self.right),
        }
    }

    fn bad_char(&mut self) {
        let c = self.peek();
        let msg = match c {
            Some(c) => format!("bad character {}", crate::fmt::rune_u(c)),
            None => "bad character U+FFFFFFFF".into(),
        };
        self.errorf(msg);
    }

    fn lex_identifier(&mut self) {
        while self.peek().is_some_and(is_alnum) {
            self.next();
        }
        if !self.at_terminator() {
            self.bad_char();
            return;
        }
        let word = &self.input[self.start..self.pos];
        let typ = match keyword(word) {
            Some(ItemType::Break) if !self.break_ok => ItemType::Identifier,
            Some(ItemType::Continue) if !self.continue_ok => ItemType::Identifier,
            Some(k) => k,
            None if word == "true" || word == "false" => ItemType::Bool,
            None => ItemType::Identifier,
        };
        self.emit(typ);
    }

    fn lex_variable(&mut self) {
        if self.at_terminator() {
            self.emit(ItemType::Variable);
            return;
        }
        self.lex_field_or_variable(ItemType::Variable);
    }

    fn lex_field_or_variable(&mut self, typ: ItemType) {
        if self.at_terminator() {
            self.emit(if typ == ItemType::Variable { ItemType::Variable } else { ItemType::Dot });
            return;
        }
        while self.peek().is_some_and(is_alnum) {
            self.next();
        }
        if !self.at_terminator() {
            self.bad_char();
            return;
        }
        self.emit(typ);
    }

    fn lex_char(&mut self) {
        loop {
            match self.next() {
                Some('\\') => match self.next() {
                    None | Some('\n') => {
                        self.errorf("unterminated character constant".into());
                        return;
                    }
                    _ => {}
                },
                None | Some('\n') => {
                    self.errorf("unterminated character constant".into());
                    return;
                }
                Some('\'') => break,
                _ => {}
            }
        }
        self.emit(ItemType::CharConstant);
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.peek() {
            Some(c) if valid.contains(c) => {
                self.next();
                true
            }
            _ => false,
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if self.peek().is_some_and(is_alnum) {
            self.next();
            return false;
        }
        true
    }

    fn lex_number(&mut self) {
        if !self.scan_number() {
            let s = self.input[self.start..self.pos].to_string();
            self.errorf(format!("bad number syntax: {}", crate::fmt::quote(&s)));
            return;
        }
        if matches!(self.peek(), Some('+' | '-')) {
            if !self.scan_number() || !self.input[..self.pos].ends_with('i') {
                let s = self.input[self.start..self.pos].to_string();
                self.errorf(format!("bad number syntax: {}", crate::fmt::quote(&s)));
                return;
            }
            self.emit(ItemType::Complex);
            return;
        }
        self.emit(ItemType::Number);
    }

    fn lex_quote(&mut self) {
        loop {
            match self.next() {
                Some('\\') => match self.next() {
                    None | Some('\n') => {
                        self.errorf("unterminated quoted string".into());
                        return;
                    }
                    _ => {}
                },
                None | Some('\n') => {
                    self.errorf("unterminated quoted string".into());
                    return;
                }
                Some('"') => break,
                _ => {}
            }
        }
        self.emit(ItemType::String);
    }

    fn lex_raw_quote(&mut self) {
        loop {
            match self.next() {
                None => {
                    self.errorf("unterminated raw quoted string".into());
                    return;
                }
                Some('`') => break,
                _ => {}
            }
        }
        self.emit(ItemType::RawString);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(s: &str) -> Vec<ItemType> {
        Lexer::lex(s, "", "", true, true).into_iter().map(|i| i.typ).collect()
    }

    #[test]
    fn trim_markers_need_a_space() {
        let items = Lexer::lex("a  {{- 3 -}}  b", "", "", true, true);
        let vals: Vec<&str> = items.iter().map(|i| &*i.val).collect();
        assert_eq!(vals, ["a", "{{", "3", "}}", "b", "EOF"]);
        let items = Lexer::lex("{{-3}}", "", "", true, true);
        assert_eq!(items[1].val, "-3");
    }

    #[test]
    fn tokens_inside_actions() {
        use ItemType::*;
        assert_eq!(
            types("{{$x := .A.B | printf \"%d\" 0x1F}}"),
            [
                LeftDelim, Variable, Space, Declare, Space, Field, Field, Space, Pipe, Space, Identifier, Space,
                String, Space, Number, RightDelim, Eof
            ]
        );
        assert_eq!(types("{{/* c */}}x"), [Text, Eof]);
        assert_eq!(Lexer::lex("{{3k}}", "", "", true, true)[1].val, "bad number syntax: \"3k\"");
    }
}
