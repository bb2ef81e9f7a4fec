//! Parsing template text into trees, with Go's grammar and Go's error messages
//! (`template: NAME:LINE: MESSAGE`).

mod lex;
pub mod node;
mod number;
mod unquote;

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

use lex::{Item, ItemType, Lexer};
pub use node::{Arg, Branch, BranchKind, Command, List, Node, Number, Pipe};
pub use unquote::unquote;

/// One parsed template.
#[derive(Clone, Debug)]
pub struct Tree {
    /// The template's name.
    pub name: String,
    /// The name of the top-level template of the text it came from (error locations).
    pub parse_name: String,
    /// The body.
    pub root: List,
    /// Where the lines of the text it was parsed from start (for `LINE:COL` of execution
    /// errors), shared by the templates of one text.
    pub lines: Rc<LineIndex>,
}

impl Tree {
    /// `NAME:LINE:COL` of a byte offset, as Go's `ErrorContext` prints it (the column is the
    /// 0-based byte offset within the line).
    pub fn location(&self, pos: usize) -> String {
        let (line, col) = self.lines.line_col(pos);
        format!("{}:{}:{}", self.parse_name, line, col)
    }
}

/// The newline offsets of a text: enough to place a byte offset on a line without keeping
/// the text (a parse tree holds its own copies of the text it prints).
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    /// The text's length in bytes.
    len: usize,
    /// The byte offset of every `\n`, ascending.
    newlines: Box<[usize]>,
}

impl LineIndex {
    /// The index of `text`.
    pub fn new(text: &str) -> LineIndex {
        LineIndex {
            len: text.len(),
            newlines: newline_offsets(text.as_bytes()),
        }
    }

    /// The 1-based line and the 0-based byte column of `pos` (clamped to the text).
    pub fn line_col(&self, pos: usize) -> (usize, usize) {
        let pos = pos.min(self.len);
        let before = self.newlines.partition_point(|&n| n < pos);
        let col = match before.checked_sub(1) {
            Some(i) => pos - (self.newlines[i] + 1),
            None => pos,
        };
        (1 + before, col)
    }
}

fn newline_offsets(text: &[u8]) -> Box<[usize]> {
    text.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i)
        .collect()
}

/// What the parser needs to know about functions: whether a name is defined.
pub trait FuncSet {
    /// Whether `name` is a function (builtin or registered).
    fn has(&self, name: &str) -> bool;
}

/// A parse error, already formatted as Go formats it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError(pub String);

type PResult<T> = Result<T, ParseError>;

/// The maximum nesting of parenthesised expressions (Go's `maxStackDepth`).
const MAX_STACK_DEPTH: usize = 10_000;

struct Parser<'a> {
    lexer: Lexer<'a>,
    /// Line of the last item lexed (the EOF after an error reports it).
    last_line: usize,
    token: [Item<'a>; 3],
    peek_count: usize,
    parse_name: String,
    funcs: &'a dyn FuncSet,
    vars: Vec<String>,
    action_line: usize,
    range_depth: usize,
    stack_depth: usize,
    lines: Rc<LineIndex>,
    trees: Vec<Tree>,
}

/// The templates a text defines: the top-level one (named `name`) and every `define` and
/// `block`, in the order Go adds them (duplicates within one text are an error, unless one
/// side is empty).
pub fn parse<'a>(
    name: &str,
    text: &'a str,
    left: &'a str,
    right: &'a str,
    funcs: &'a dyn FuncSet,
) -> Result<Vec<Tree>, ParseError> {
    let lexer = Lexer::new(text, left, right, !funcs.has("break"), !funcs.has("continue"));
    let eof = Item { typ: ItemType::Eof, pos: 0, val: Cow::Borrowed(""), line: 1 };
    let mut p = Parser {
        lexer,
        last_line: 1,
        token: [eof.clone(), eof.clone(), eof],
        peek_count: 0,
        parse_name: name.to_string(),
        funcs,
        vars: vec!["$".into()],
        action_line: 0,
        range_depth: 0,
        stack_depth: 0,
        lines: Rc::new(LineIndex::new(text)),
        trees: Vec::new(),
    };
    let root = p.parse_top()?;
    let tree = Tree { name: name.into(), parse_name: name.into(), root, lines: p.lines.clone() };
    p.add(tree)?;
    Ok(p.trees)
}

impl<'a> Parser<'a> {
    fn lex_next(&mut self) -> Item<'a> {
        match self.lexer.next_item() {
            Some(item) => {
                self.last_line = item.line;
                item
            }
            None => Item { typ: ItemType::Eof, pos: self.lines.len, val: Cow::Borrowed("EOF"), line: self.last_line },
        }
    }

    fn next(&mut self) -> Item<'a> {
        if self.peek_count > 0 {
            self.peek_count -= 1;
        } else {
            self.token[0] = self.lex_next();
        }
        self.token[self.peek_count].clone()
    }

    fn backup(&mut self) {
        self.peek_count += 1;
    }

    fn backup2(&mut self, t1: Item<'a>) {
        self.token[1] = t1;
        self.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item<'a>, t1: Item<'a>) {
        self.token[1] = t1;
        self.token[2] = t2;
        self.peek_count = 3;
    }

    fn peek(&mut self) -> Item<'a> {
        if self.peek_count > 0 {
            return self.token[self.peek_count - 1].clone();
        }
        self.peek_count = 1;
        self.token[0] = self.lex_next();
        self.token[0].clone()
    }

    fn next_non_space(&mut self) -> Item<'a> {
        loop {
            let t = self.next();
            if t.typ != ItemType::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item<'a> {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn err<T>(&self, msg: impl std::fmt::Display) -> PResult<T> {
        Err(ParseError(format!("template: {}:{}: {}", self.parse_name, self.token[0].line, msg)))
    }

    fn unexpected<T>(&self, token: &Item, context: &str) -> PResult<T> {
        if token.typ == ItemType::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != token.line {
                extra = format!(" in action started at {}:{}", self.parse_name, self.action_line);
                if token.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.err(format!("{token}{extra}"));
        }
        self.err(format!("unexpected {token} in {context}"))
    }

    fn expect(&mut self, typ: ItemType, context: &str) -> PResult<Item<'a>> {
        let t = self.next_non_space();
        if t.typ != typ {
            return self.unexpected(&t, context);
        }
        Ok(t)
    }

    fn add(&mut self, tree: Tree) -> PResult<()> {
        if let Some(i) = self.trees.iter().position(|t| t.name == tree.name) {
            if node::is_empty_tree(&self.trees[i].root) {
                self.trees[i] = tree;
                return Ok(());
            }
            if !node::is_empty_tree(&tree.root) {
                return self
                    .err(format!("template: multiple definition of template {}", crate::fmt::quote(&tree.name)));
            }
            return Ok(());
        }
        self.trees.push(tree);
        Ok(())
    }

    fn parse_top(&mut self) -> PResult<List> {
        let mut root = List::new();
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                Parsed::Node(n) => root.push(n),
                Parsed::End => return self.err("unexpected {{end}}"),
                Parsed::Else | Parsed::ElseChained => return self.err("unexpected {{else}}"),
            }
        }
        root.shrink_to_fit();
        Ok(root)
    }

    fn parse_definition(&mut self) -> PResult<()> {
        const CONTEXT: &str = "define clause";
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let saved_depth = (self.range_depth, self.stack_depth);
        self.range_depth = 0;
        self.stack_depth = 0;
        let name_tok = self.next_non_space();
        if name_tok.typ != ItemType::String && name_tok.typ != ItemType::RawString {
            return self.unexpected(&name_tok, CONTEXT);
        }
        let name = match unquote(&name_tok.val) {
            Ok(n) => n,
            Err(e) => return self.err(e),
        };
        self.expect(ItemType::RightDelim, CONTEXT)?;
        let (root, end) = self.item_list()?;
        if !matches!(end, Parsed::End) {
            return self.err(format!("unexpected {} in {CONTEXT}", end.describe()));
        }
        let tree = Tree { name, parse_name: self.parse_name.clone(), root, lines: self.lines.clone() };
        self.add(tree)?;
        self.vars = saved_vars;
        (self.range_depth, self.stack_depth) = saved_depth;
        Ok(())
    }

    fn item_list(&mut self) -> PResult<(List, Parsed)> {
        let mut list = List::new();
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.push(n),
                other => {
                    list.shrink_to_fit();
                    return Ok((list, other));
                }
            }
        }
        self.err("unexpected EOF")
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text { pos: token.pos, text: Rc::from(&*token.val) })),
            ItemType::LeftDelim => {
                self.action_line = token.line;
                let r = self.action();
                self.action_line = 0;
                r
            }
            _ => self.unexpected(&token, "input"),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Block => return self.block_control(),
            ItemType::Break | ItemType::Continue => {
                let name = token.val.clone();
                let t = self.next_non_space();
                if t.typ != ItemType::RightDelim {
                    return self.unexpected(&t, &format!("{{{{{name}}}}}"));
                }
                if self.range_depth == 0 {
                    return self.err(format!("{{{{{name}}}}} outside {{{{range}}}}"));
                }
                return Ok(Parsed::Node(if token.typ == ItemType::Break {
                    Node::Break { pos: token.pos }
                } else {
                    Node::Continue { pos: token.pos }
                }));
            }
            ItemType::Else => return self.else_control(),
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::If => return self.branch_control(BranchKind::If).map(Parsed::Node),
            ItemType::Range => return self.branch_control(BranchKind::Range).map(Parsed::Node),
            ItemType::With => return self.branch_control(BranchKind::With).map(Parsed::Node),
            ItemType::Template => return self.template_control(),
            _ => {}
        }
        self.backup();
        let token = self.peek();
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action { pos: token.pos, pipe }))
    }

    fn else_control(&mut self) -> PResult<Parsed> {
        let peek = self.peek_non_space();
        if peek.typ == ItemType::If || peek.typ == ItemType::With {
            return Ok(Parsed::ElseChained);
        }
        self.expect(ItemType::RightDelim, "else")?;
        Ok(Parsed::Else)
    }

    fn branch_control(&mut self, kind: BranchKind) -> PResult<Node> {
        grow(|| self.branch_control_inner(kind))
    }

    fn branch_control_inner(&mut self, kind: BranchKind) -> PResult<Node> {
        let context = match kind {
            BranchKind::If => "if",
            BranchKind::With => "with",
            BranchKind::Range => "range",
        };
        let mark = self.vars.len();
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if kind == BranchKind::Range {
            self.range_depth += 1;
        }
        let (list, next) = self.item_list()?;
        if kind == BranchKind::Range {
            self.range_depth -= 1;
        }
        let mut else_list = None;
        match next {
            Parsed::End => {}
            Parsed::Else | Parsed::ElseChained => {
                let chained = matches!(next, Parsed::ElseChained);
                if chained && kind == BranchKind::If && self.peek().typ == ItemType::If {
                    self.next();
                    else_list = Some(vec![self.branch_control(BranchKind::If)?]);
                } else if chained && kind == BranchKind::With && self.peek().typ == ItemType::With {
                    self.next();
                    else_list = Some(vec![self.branch_control(BranchKind::With)?]);
                } else {
                    // `{{else if}}` inside range (or `else with` inside if): the keyword
                    // is left pending and fails as unexpected input, as in Go.
                    let (l, next) = self.item_list()?;
                    if !matches!(next, Parsed::End) {
                        return self.err(format!("expected end; found {}", next.describe()));
                    }
                    else_list = Some(l);
                }
            }
            Parsed::Node(_) => {}
        }
        self.vars.truncate(mark);
        Ok(Node::Branch(Box::new(Branch { kind, pos: pipe.pos, pipe, list, else_list })))
    }

    fn block_control(&mut self) -> PResult<Parsed> {
        const CONTEXT: &str = "block clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, ItemType::RightDelim)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let saved_depth = (self.range_depth, self.stack_depth);
        self.range_depth = 0;
        self.stack_depth = 0;
        let (root, end) = self.item_list()?;
        if !matches!(end, Parsed::End) {
            return self.err(format!("unexpected {} in {CONTEXT}", end.describe()));
        }
        self.vars = saved_vars;
        (self.range_depth, self.stack_depth) = saved_depth;
        let tree = Tree { name: name.clone(), parse_name: self.parse_name.clone(), root, lines: self.lines.clone() };
        self.add(tree)?;
        Ok(Parsed::Node(Node::Template { pos: token.pos, name, pipe: Some(Box::new(pipe)) }))
    }

    fn template_control(&mut self) -> PResult<Parsed> {
        const CONTEXT: &str = "template clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, CONTEXT)?;
        let mut pipe = None;
        if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            pipe = Some(Box::new(self.pipeline(CONTEXT, ItemType::RightDelim)?));
        }
        Ok(Parsed::Node(Node::Template { pos: token.pos, name, pipe }))
    }

    fn template_name(&self, token: &Item, context: &str) -> PResult<String> {
        match token.typ {
            ItemType::String | ItemType::RawString => match unquote(&token.val) {
                Ok(s) => Ok(s),
                Err(e) => self.err(e),
            },
            _ => self.unexpected(token, context),
        }
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<Pipe> {
        let token = self.peek_non_space();
        let pos = token.pos;
        let (mut is_assign, mut decl, mut cmds) = (false, Vec::new(), Vec::new());
        'decls: loop {
            let v = self.peek_non_space();
            if v.typ != ItemType::Variable {
                break;
            }
            self.next();
            let after = self.peek();
            let next = self.peek_non_space();
            if next.typ == ItemType::Assign || next.typ == ItemType::Declare {
                is_assign = next.typ == ItemType::Assign;
                self.next_non_space();
                decl.push(v.val.to_string());
                self.vars.push(v.val.into_owned());
            } else if next.typ == ItemType::Char && next.val == "," {
                self.next_non_space();
                decl.push(v.val.to_string());
                self.vars.push(v.val.into_owned());
                if context == "range" && decl.len() < 2 {
                    match self.peek_non_space().typ {
                        ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                            continue 'decls;
                        }
                        _ => return self.err("range can only initialize variables"),
                    }
                }
                return self.err(format!("too many declarations in {context}"));
            } else if after.typ == ItemType::Space {
                self.backup3(v, after);
            } else {
                self.backup2(v);
            }
            break;
        }
        loop {
            let token = self.next_non_space();
            match token.typ {
                t if t == end => {
                    self.check_pipeline(&cmds, context)?;
                    // Parse trees live as long as the templates: no growth slack.
                    let (decl, cmds) = (decl.into_boxed_slice(), cmds.into_boxed_slice());
                    return Ok(Pipe { pos, is_assign, decl, cmds });
                }
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let c = self.command()?;
                    cmds.push(c);
                }
                _ => return self.unexpected(&token, context),
            }
        }
    }

    fn check_pipeline(&self, cmds: &[Command], context: &str) -> PResult<()> {
        if cmds.is_empty() {
            return self.err(format!("missing value for {context}"));
        }
        for (i, c) in cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args.first(),
                Some(Arg::Bool { .. } | Arg::Dot { .. } | Arg::Nil { .. } | Arg::Number { .. } | Arg::String { .. })
            ) {
                return self.err(format!("non executable command in pipeline stage {}", i + 1));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mut args = Vec::new();
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                args.push(op);
            }
            let token = self.next();
            match token.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return self.unexpected(&token, "operand"),
            }
            break;
        }
        if args.is_empty() {
            return self.err("empty command");
        }
        Ok(Command { pos, args: args.into_boxed_slice() })
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ == ItemType::Field {
            let pos = self.peek().pos;
            let mut fields = Vec::new();
            while self.peek().typ == ItemType::Field {
                let f = self.next().val;
                fields.push(f[1..].to_string());
            }
            return Ok(Some(match node {
                Arg::Field { mut ident, .. } => {
                    ident.extend(fields);
                    Arg::Field { pos, ident }
                }
                Arg::Variable { mut ident, .. } => {
                    ident.extend(fields);
                    Arg::Variable { pos, ident }
                }
                Arg::Bool { .. } | Arg::String { .. } | Arg::Number { .. } | Arg::Nil { .. } | Arg::Dot { .. } => {
                    return self.err(format!("unexpected . after term {}", crate::fmt::quote(&node.to_string())));
                }
                other => Arg::Chain { pos, node: Box::new(other), fields },
            }));
        }
        Ok(Some(node))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let token = self.next_non_space();
        let pos = token.pos;
        Ok(Some(match token.typ {
            ItemType::Identifier => {
                if !is_builtin(&token.val) && !self.funcs.has(&token.val) {
                    return self.err(format!("function {} not defined", crate::fmt::quote(&token.val)));
                }
                Arg::Identifier { pos, name: token.val.into_owned() }
            }
            ItemType::Dot => Arg::Dot { pos },
            ItemType::Nil => Arg::Nil { pos },
            ItemType::Variable => {
                if !self.vars.iter().any(|v| *v == *token.val) {
                    return self.err(format!("undefined variable {}", crate::fmt::quote(&token.val)));
                }
                Arg::Variable { pos, ident: vec![token.val.into_owned()] }
            }
            ItemType::Field => Arg::Field { pos, ident: vec![token.val[1..].to_string()] },
            ItemType::Bool => Arg::Bool { pos, val: token.val == "true" },
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                match number::parse_number(
                    &token.val,
                    token.typ == ItemType::CharConstant,
                    token.typ == ItemType::Complex,
                ) {
                    Ok(n) => Arg::Number { pos, num: Box::new(n) },
                    Err(e) => return self.err(e),
                }
            }
            ItemType::LeftParen => {
                if self.stack_depth >= MAX_STACK_DEPTH {
                    return self.err("max expression depth exceeded");
                }
                self.stack_depth += 1;
                let p = grow(|| self.pipeline("parenthesized pipeline", ItemType::RightParen));
                self.stack_depth -= 1;
                Arg::Pipe(Box::new(p?))
            }
            ItemType::String | ItemType::RawString => match unquote(&token.val) {
                Ok(s) => Arg::String { pos, quoted: token.val.into_owned(), text: Rc::from(s.as_str()) },
                Err(e) => return self.err(e),
            },
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

/// Runs `f` on a stack with room to spare (deeply nested texts recurse deeply).
fn grow<T>(f: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(64 * 1024, 1 << 20, f)
}

/// The builtin function names of `text/template`.
pub const BUILTINS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println", "urlquery", "eq",
    "ge", "gt", "le", "lt", "ne",
];

fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

enum Parsed {
    Node(Node),
    End,
    Else,
    /// `{{else if …` / `{{else with …`: the keyword is left pending.
    ElseChained,
}

impl Parsed {
    fn describe(&self) -> &'static str {
        match self {
            Parsed::End => "{{end}}",
            Parsed::Else | Parsed::ElseChained => "{{else}}",
            _ => "node",
        }
    }
}

/// A function set from a map of names (for tests and simple callers).
impl FuncSet for HashMap<String, ()> {
    fn has(&self, name: &str) -> bool {
        self.contains_key(name)
    }
}

impl FuncSet for crate::func::Funcs {
    fn has(&self, name: &str) -> bool {
        self.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    /// Go's `ErrorContext`: lines from 1, the column as the byte offset within the line.
    #[test]
    fn line_index_places_offsets_as_go_does() {
        let index = LineIndex::new("ab\ncd\n\nef");
        assert_eq!(index.line_col(0), (1, 0));
        assert_eq!(index.line_col(2), (1, 2)); // the newline itself ends its line
        assert_eq!(index.line_col(3), (2, 0));
        assert_eq!(index.line_col(6), (3, 0));
        assert_eq!(index.line_col(8), (4, 1));
        assert_eq!(index.line_col(99), (4, 2)); // clamped to the text
        assert_eq!(LineIndex::new("").line_col(5), (1, 0));
    }
}
