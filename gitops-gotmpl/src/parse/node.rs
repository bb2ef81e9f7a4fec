//! The parse tree: nodes with their byte positions (for `LINE:COL` in execution errors)
//! and Go's `String()` forms (for `at <NODE>` in execution errors).

use std::fmt;
use std::rc::Rc;

/// A list of nodes (a template body, a branch).
pub type List = Vec<Node>;

/// A statement-level node.
#[derive(Clone, Debug)]
pub enum Node {
    /// Plain text.
    Text {
        /// Byte offset.
        pos: usize,
        /// The text.
        text: Rc<str>,
    },
    /// `{{pipeline}}`.
    Action {
        /// Byte offset of the pipeline.
        pos: usize,
        /// The pipeline.
        pipe: Pipe,
    },
    /// `{{if}}`, `{{with}}` or `{{range}}`.
    Branch(Box<Branch>),
    /// `{{template "name" pipeline}}` (and what `{{block}}` leaves in place).
    Template {
        /// Byte offset of the name.
        pos: usize,
        /// The template's name.
        name: String,
        /// The argument pipeline, if any (boxed: the node is rare, the other variants small).
        pipe: Option<Box<Pipe>>,
    },
    /// `{{break}}`.
    Break {
        /// Byte offset.
        pos: usize,
    },
    /// `{{continue}}`.
    Continue {
        /// Byte offset.
        pos: usize,
    },
}

/// Which control structure a [`Branch`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BranchKind {
    /// `if`.
    If,
    /// `with`.
    With,
    /// `range`.
    Range,
}

/// `{{if|with|range pipeline}} list {{else}} else_list {{end}}`.
#[derive(Clone, Debug)]
pub struct Branch {
    /// `if`, `with` or `range`.
    pub kind: BranchKind,
    /// Byte offset of the pipeline.
    pub pos: usize,
    /// The condition or the ranged value (with declarations).
    pub pipe: Pipe,
    /// The body.
    pub list: List,
    /// The `else` body.
    pub else_list: Option<List>,
}

/// A pipeline: optional declarations, then commands separated by `|`.
#[derive(Clone, Debug)]
pub struct Pipe {
    /// Byte offset.
    pub pos: usize,
    /// `=` rather than `:=`.
    pub is_assign: bool,
    /// Declared or assigned variables.
    pub decl: Box<[String]>,
    /// The commands.
    pub cmds: Box<[Command]>,
}

/// A command: a function, field, method or constant with its arguments.
#[derive(Clone, Debug)]
pub struct Command {
    /// Byte offset.
    pub pos: usize,
    /// The operands (the first is the function or value).
    pub args: Box<[Arg]>,
}

/// A parsed number constant, as Go's `parse.NumberNode` records it.
#[derive(Clone, Debug, Default)]
pub struct Number {
    /// Representable as `int64`.
    pub is_int: bool,
    /// Representable as `uint64`.
    pub is_uint: bool,
    /// Representable as `float64`.
    pub is_float: bool,
    /// A complex constant (parsed, not executable here).
    pub is_complex: bool,
    /// The `int64` value.
    pub int: i64,
    /// The `uint64` value.
    pub uint: u64,
    /// The `float64` value.
    pub float: f64,
    /// The original text.
    pub text: String,
}

/// An operand.
#[derive(Clone, Debug)]
pub enum Arg {
    /// A function name.
    Identifier {
        /// Byte offset.
        pos: usize,
        /// The name.
        name: String,
    },
    /// `.`.
    Dot {
        /// Byte offset.
        pos: usize,
    },
    /// `nil`.
    Nil {
        /// Byte offset.
        pos: usize,
    },
    /// `$x.Field…`.
    Variable {
        /// Byte offset.
        pos: usize,
        /// The variable name then the field names.
        ident: Vec<String>,
    },
    /// `.Field.Field…`.
    Field {
        /// Byte offset.
        pos: usize,
        /// The field names.
        ident: Vec<String>,
    },
    /// `(pipeline).Field…` or `func.Field`.
    Chain {
        /// Byte offset.
        pos: usize,
        /// The operand.
        node: Box<Arg>,
        /// The fields.
        fields: Vec<String>,
    },
    /// `true` / `false`.
    Bool {
        /// Byte offset.
        pos: usize,
        /// The value.
        val: bool,
    },
    /// A number or character constant.
    Number {
        /// Byte offset.
        pos: usize,
        /// The value.
        num: Box<Number>,
    },
    /// A string constant.
    String {
        /// Byte offset.
        pos: usize,
        /// The original quoted text.
        quoted: String,
        /// The unquoted text.
        text: Rc<str>,
    },
    /// A parenthesised pipeline.
    Pipe(Box<Pipe>),
}

impl Arg {
    /// The byte offset.
    pub fn pos(&self) -> usize {
        match self {
            Arg::Identifier { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Variable { pos, .. }
            | Arg::Field { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Bool { pos, .. }
            | Arg::Number { pos, .. }
            | Arg::String { pos, .. } => *pos,
            Arg::Pipe(p) => p.pos,
        }
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Identifier { name, .. } => write!(f, "{name}"),
            Arg::Dot { .. } => write!(f, "."),
            Arg::Nil { .. } => write!(f, "nil"),
            Arg::Variable { ident, .. } => write!(f, "{}", ident.join(".")),
            Arg::Field { ident, .. } => {
                for i in ident {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Chain { node, fields, .. } => {
                if let Arg::Pipe(_) = **node {
                    write!(f, "({node})")?;
                } else {
                    write!(f, "{node}")?;
                }
                for i in fields {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Bool { val, .. } => write!(f, "{val}"),
            Arg::Number { num, .. } => write!(f, "{}", num.text),
            Arg::String { quoted, .. } => write!(f, "{quoted}"),
            Arg::Pipe(p) => write!(f, "{p}"),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                write!(f, " ")?;
            }
            if let Arg::Pipe(_) = a {
                write!(f, "({a})")?;
            } else {
                write!(f, "{a}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            write!(f, "{}", self.decl.join(", "))?;
            write!(f, "{}", if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                write!(f, " | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, l: &List) -> fmt::Result {
    for n in l {
        write!(f, "{n}")?;
    }
    Ok(())
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Text { text, .. } => write!(f, "{}", crate::fmt::quote(text)),
            Node::Action { pipe, .. } => write!(f, "{{{{{pipe}}}}}"),
            Node::Branch(b) => {
                let name = match b.kind {
                    BranchKind::If => "if",
                    BranchKind::With => "with",
                    BranchKind::Range => "range",
                };
                write!(f, "{{{{{name} {}}}}}", b.pipe)?;
                write_list(f, &b.list)?;
                if let Some(e) = &b.else_list {
                    write!(f, "{{{{else}}}}")?;
                    write_list(f, e)?;
                }
                write!(f, "{{{{end}}}}")
            }
            Node::Template { name, pipe, .. } => match pipe {
                Some(p) => write!(f, "{{{{template {} {p}}}}}", crate::fmt::quote(name)),
                None => write!(f, "{{{{template {}}}}}", crate::fmt::quote(name)),
            },
            Node::Break { .. } => write!(f, "{{{{break}}}}"),
            Node::Continue { .. } => write!(f, "{{{{continue}}}}"),
        }
    }
}

/// Whether a tree is empty of everything but space and comments (Go's `IsEmptyTree`): such
/// a definition never replaces an existing one.
pub fn is_empty_tree(l: &List) -> bool {
    l.iter().all(|n| matches!(n, Node::Text { text, .. } if text.trim().is_empty()))
}
