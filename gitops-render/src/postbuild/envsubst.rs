//! Bash-like `${var}` expansion with the exact grammar of `github.com/fluxcd/pkg/envsubst`
//! (a fork of `drone/envsubst`).
//!
//! Only the braced form is expanded: `$var` stays as written, `$$` before `{` escapes it
//! (`$${var}` → `${var}`), and `\/`, `\\` escape inside `${v/pattern/replacement}`.
//! Supported: `${v}`, `${#v}`, `${v^}`, `${v^^}`, `${v,}`, `${v,,}`, `${v:n}`, `${v:n:len}`,
//! `${v#p}`, `${v##p}`, `${v%p}`, `${v%%p}`, `${v=d}`, `${v:=d}`, `${v:-d}`, `${v/p/r}`,
//! `${v//p/r}`, `${v/#p/r}`, `${v/%p/r}`. As in Flux, `${v-d}` and `${v+d}` are parse
//! errors ("missing closing brace") and `${v:+d}`, `${v:?d}` behave like `${v:-d}`.
//!
//! ```
//! use gitops_render::postbuild::envsubst::eval;
//!
//! let out = eval("a: ${name:=web}-${env^^}", |v| (v == "env").then(|| "prod".to_string()))?;
//! assert_eq!(out, "a: web-PROD");
//! # Ok::<(), gitops_render::postbuild::envsubst::Error>(())
//! ```

use super::funcs::apply;

/// Why a template could not be parsed or evaluated; messages are Flux's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A `${…}` expression has a form the grammar does not accept.
    #[error("bad substitution")]
    BadSubstitution,
    /// A `${name` is not followed by an operator or `}`.
    #[error("missing closing brace")]
    MissingClosingBrace,
    /// `${` is not followed by a variable name.
    #[error("unable to parse variable name")]
    VariableName,
    /// An argument of a function could not be parsed.
    #[error("unable to parse substitution within function")]
    FuncSubstitution,
    /// A default-value operator could not be parsed.
    #[error("unable to parse default function")]
    DefaultFunction,
    /// Strict mode: the variable has no value and the expression gives no default.
    #[error("variable not set (strict mode): \"{0}\"")]
    VariableNotSet(String),
}

/// A parsed template node.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Text(String),
    Func {
        param: String,
        name: String,
        args: Vec<Node>,
    },
    List(Vec<Node>),
}

const EOF: char = '\0';
// scanner modes
const IDENT: u8 = 1;
const LBRACK: u8 = 2;
const RBRACK: u8 = 4;
const ESCAPE: u8 = 8;
// escape characters
const DOLLAR: u8 = 1;
const BACKSLASH: u8 = 2;

#[derive(Debug, PartialEq, Eq)]
enum Token {
    Illegal,
    Eof,
    Ident,
    Lbrack,
    Rbrack,
}

type Accept = fn(char, usize) -> bool;

/// The lexer; it edits its buffer to drop escape characters, like the original.
struct Scanner {
    buf: String,
    pos: usize,
    start: usize,
    width: usize,
    mode: u8,
    escapes: u8,
    accept: Accept,
}

impl Scanner {
    fn read(&mut self) -> char {
        match self.buf[self.pos..].chars().next() {
            None => {
                self.width = 0;
                EOF
            }
            Some(c) => {
                self.width = c.len_utf8();
                self.pos += self.width;
                c
            }
        }
    }
    fn unread(&mut self) {
        self.pos -= self.width;
    }
    fn peek(&mut self) -> char {
        let c = self.read();
        self.unread();
        c
    }
    /// Removes the (one-byte) character just read from the buffer.
    fn skip(&mut self) {
        self.buf.remove(self.pos - 1);
    }
    fn text(&self) -> String {
        self.buf[self.start..self.pos].to_string()
    }
    fn scan(&mut self) -> Token {
        self.start = self.pos;
        let c = self.read();
        if c == EOF {
            Token::Eof
        } else if self.scan_lbrack(c) {
            Token::Lbrack
        } else if self.mode & RBRACK != 0 && c == '}' {
            Token::Rbrack
        } else if self.scan_ident(c) {
            Token::Ident
        } else {
            Token::Illegal
        }
    }
    fn scan_ident(&mut self, c: char) -> bool {
        if self.mode & IDENT == 0 {
            return false;
        }
        if self.scan_escaped(c) {
            self.skip();
        } else if !(self.accept)(c, self.pos - self.start) {
            return false;
        }
        loop {
            let c = self.read();
            if c == EOF {
                self.unread();
                break;
            }
            if self.scan_lbrack(c) {
                self.unread();
                self.unread();
                break;
            }
            if self.scan_escaped(c) {
                self.skip();
                continue;
            }
            if !(self.accept)(c, self.pos - self.start) {
                self.unread();
                break;
            }
        }
        true
    }
    fn scan_lbrack(&mut self, c: char) -> bool {
        if self.mode & LBRACK == 0 || c != '$' {
            return false;
        }
        if self.read() == '{' {
            return true;
        }
        self.unread();
        false
    }
    fn scan_escaped(&mut self, c: char) -> bool {
        if self.mode & ESCAPE == 0 {
            return false;
        }
        if c == '$' && self.escapes & DOLLAR != 0 && self.peek() == '$' {
            return true;
        }
        c == '\\' && self.escapes & BACKSLASH != 0 && matches!(self.peek(), '/' | '\\')
    }
}

fn accept_rune(_: char, _: usize) -> bool {
    true
}
fn accept_ident(c: char, _: usize) -> bool {
    c.is_alphabetic() || c.is_numeric() || c == '_'
}
fn accept_colon(c: char, _: usize) -> bool {
    c == ':'
}
fn accept_one_hash(c: char, i: usize) -> bool {
    c == '#' && i == 1
}
fn accept_not_closing(c: char, _: usize) -> bool {
    c != '}'
}
fn accept_hash_func(c: char, i: usize) -> bool {
    c == '#' && i < 3
}
fn accept_percent_func(c: char, i: usize) -> bool {
    c == '%' && i < 3
}
fn accept_default_func(c: char, i: usize) -> bool {
    (i == 1 && c == ':') || (i == 2 && matches!(c, '=' | '-' | '?' | '+'))
}
fn accept_replace_func(c: char, i: usize) -> bool {
    (i == 1 && c == '/') || (i == 2 && matches!(c, '/' | '#' | '%'))
}
fn accept_one_equal(c: char, i: usize) -> bool {
    i == 1 && c == '='
}
fn accept_one_colon(c: char, i: usize) -> bool {
    i == 1 && c == ':'
}
fn reject_colon_close(c: char, _: usize) -> bool {
    c != ':' && c != '}'
}
fn accept_slash(c: char, _: usize) -> bool {
    c == '/'
}
fn accept_not_slash(c: char, _: usize) -> bool {
    c != '/'
}
fn accept_casing_func(c: char, i: usize) -> bool {
    (c == ',' || c == '^') && i < 3
}

struct Parser {
    s: Scanner,
}

impl Parser {
    fn set(&mut self, accept: Accept, mode: u8) {
        self.s.accept = accept;
        self.s.mode = mode;
    }

    /// The top level: text runs and `${…}` expressions until the end.
    fn parse_any(&mut self) -> Result<Node, Error> {
        let mut nodes = Vec::new();
        loop {
            self.set(accept_rune, IDENT | LBRACK | ESCAPE);
            self.s.escapes = DOLLAR;
            match self.s.scan() {
                Token::Ident => nodes.push(Node::Text(self.s.text())),
                Token::Eof => break,
                Token::Lbrack => nodes.push(self.parse_func()?),
                _ => return Err(Error::BadSubstitution),
            }
        }
        Ok(if nodes.len() == 1 {
            nodes.remove(0)
        } else {
            Node::List(nodes)
        })
    }

    fn parse_func(&mut self) -> Result<Node, Error> {
        self.s.escapes = DOLLAR | BACKSLASH;
        if self.s.peek() == '#' {
            return self.parse_len_func();
        }
        self.set(accept_ident, IDENT);
        let name = match self.s.scan() {
            Token::Ident => self.s.text(),
            _ => return Err(Error::VariableName),
        };
        match self.s.peek() {
            ':' => return self.parse_default_or_substr(name),
            '=' => return self.parse_default_func(name),
            ',' | '^' => return self.parse_simple_op(name, accept_casing_func),
            '/' => return self.parse_replace_func(name),
            '#' => return self.parse_remove_func(name, accept_hash_func),
            '%' => return self.parse_remove_func(name, accept_percent_func),
            _ => {}
        }
        self.set(accept_ident, RBRACK);
        match self.s.scan() {
            Token::Rbrack => Ok(Node::Func {
                param: name,
                name: String::new(),
                args: Vec::new(),
            }),
            _ => Err(Error::MissingClosingBrace),
        }
    }

    fn parse_param(&mut self, accept: Accept, mode: u8) -> Result<Node, Error> {
        self.set(accept, mode | LBRACK);
        match self.s.scan() {
            Token::Lbrack => self.parse_func(),
            Token::Ident | Token::Rbrack => Ok(Node::Text(self.s.text())),
            _ => Err(Error::FuncSubstitution),
        }
    }

    /// Scans the operator of a function with `accept`; `err` when it is not there.
    fn operator(&mut self, accept: Accept, err: Error) -> Result<String, Error> {
        self.set(accept, IDENT);
        match self.s.scan() {
            Token::Ident => Ok(self.s.text()),
            _ => Err(err),
        }
    }

    fn consume_rbrack(&mut self) -> Result<(), Error> {
        self.s.mode = RBRACK;
        if self.s.scan() != Token::Rbrack {
            return Err(Error::BadSubstitution);
        }
        Ok(())
    }

    fn parse_default_or_substr(&mut self, name: String) -> Result<Node, Error> {
        self.s.read();
        let next = self.s.peek();
        self.s.unread();
        match next {
            '=' | '-' | '?' | '+' => self.parse_default_func(name),
            _ => self.parse_substr_func(name),
        }
    }

    fn parse_substr_func(&mut self, param: String) -> Result<Node, Error> {
        let name = self.operator(accept_one_colon, Error::BadSubstitution)?;
        let mut args = vec![self.parse_param(reject_colon_close, IDENT)?];
        self.set(accept_colon, IDENT | RBRACK);
        match self.s.scan() {
            Token::Rbrack => return Ok(Node::Func { param, name, args }),
            Token::Ident => {}
            _ => return Err(Error::BadSubstitution),
        }
        args.push(self.parse_param(accept_not_closing, IDENT)?);
        self.consume_rbrack()?;
        Ok(Node::Func { param, name, args })
    }

    fn parse_remove_func(&mut self, param: String, accept: Accept) -> Result<Node, Error> {
        let name = self.operator(accept, Error::BadSubstitution)?;
        let args = vec![self.parse_param(accept_not_closing, IDENT)?];
        self.consume_rbrack()?;
        Ok(Node::Func { param, name, args })
    }

    fn parse_replace_func(&mut self, param: String) -> Result<Node, Error> {
        let name = self.operator(accept_replace_func, Error::BadSubstitution)?;
        let mut args = vec![self.parse_param(accept_not_slash, IDENT | ESCAPE)?];
        self.operator(accept_slash, Error::BadSubstitution)?;
        if self.s.peek() != '}' {
            args.push(self.parse_param(accept_not_closing, IDENT | ESCAPE)?);
        }
        self.consume_rbrack()?;
        Ok(Node::Func { param, name, args })
    }

    fn parse_default_func(&mut self, param: String) -> Result<Node, Error> {
        let accept: Accept = if self.s.peek() == '=' {
            accept_one_equal
        } else {
            accept_default_func
        };
        let name = self.operator(accept, Error::DefaultFunction)?;
        let mut args = Vec::new();
        while self.s.peek() != '}' {
            args.push(self.parse_param(accept_not_closing, IDENT)?);
        }
        self.consume_rbrack()?;
        Ok(Node::Func { param, name, args })
    }

    fn parse_simple_op(&mut self, param: String, accept: Accept) -> Result<Node, Error> {
        let name = self.operator(accept, Error::BadSubstitution)?;
        self.consume_rbrack()?;
        Ok(Node::Func {
            param,
            name,
            args: Vec::new(),
        })
    }

    fn parse_len_func(&mut self) -> Result<Node, Error> {
        let name = self.operator(accept_one_hash, Error::BadSubstitution)?;
        let param = self.operator(accept_ident, Error::BadSubstitution)?;
        self.consume_rbrack()?;
        Ok(Node::Func {
            param,
            name,
            args: Vec::new(),
        })
    }
}

/// A parsed template, reusable with different variable lookups.
#[derive(Debug, Clone)]
pub struct Template {
    root: Node,
}

impl Template {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let s = Scanner {
            buf: text.to_string(),
            pos: 0,
            start: 0,
            width: 0,
            mode: 0,
            escapes: 0,
            accept: accept_rune,
        };
        Ok(Template {
            root: Parser { s }.parse_any()?,
        })
    }

    /// Evaluates the template. `lookup` returns `None` for a variable that is not set;
    /// that is an error unless the expression supplies a default (strict mode). For
    /// Flux's non-strict mode, return `Some("")` for unknown variables.
    pub fn execute(&self, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, Error> {
        let mut out = String::new();
        eval_node(&self.root, lookup, &mut out)?;
        Ok(out)
    }
}

/// Parses and evaluates `text` in one step (see [`Template::execute`]).
pub fn eval(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, Error> {
    Template::parse(text)?.execute(&lookup)
}

fn eval_node(
    node: &Node,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut String,
) -> Result<(), Error> {
    match node {
        Node::Text(text) => out.push_str(text),
        Node::List(nodes) => {
            for node in nodes {
                eval_node(node, lookup, out)?;
            }
        }
        Node::Func { param, name, args } => {
            let mut values = Vec::with_capacity(args.len());
            for arg in args {
                let mut buf = String::new();
                eval_node(arg, lookup, &mut buf)?;
                values.push(buf);
            }
            let value = match lookup(param) {
                Some(v) => v,
                None if is_default_op(name) => String::new(),
                None => return Err(Error::VariableNotSet(param.clone())),
            };
            out.push_str(&apply(name, &value, &values));
        }
    }
    Ok(())
}

fn is_default_op(name: &str) -> bool {
    matches!(name, "-" | "+" | "=" | "?" | ":-" | ":+" | ":=" | ":?")
}
