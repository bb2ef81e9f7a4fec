//! Go `text/template`, Sprig v3 and Helm's template functions, in Rust.
//!
//! Helm charts, Flagger metric templates and image-automation commit messages are Go
//! templates; this crate is the engine that renders them the way Go does.
//!
//! **May depend on:** nothing in the workspace but the two leaf crates `gitops-yaml`
//! (Helm's `toYaml`/`fromYaml` print and read YAML as go-yaml does) and `gitops-semver`
//! (Sprig's `semver`/`semverCompare`). It is useful on its own.
//!
//! - [`value`]: Go values with their dynamic types (`int` vs `int64` vs `float64`,
//!   `[]string` vs `[]interface {}`, named maps, objects with fields and methods).
//! - [`fmt`]: Go's `fmt` printing of values (`%v`, `Sprintf`, `Sprint`, `Sprintln`).
//! - [`func`]: template functions with Go parameter types, and the [`func::Funcs`]
//!   registry callers extend.
//! - [`parse`]: the lexer and parser (Go's grammar and parse errors).
//! - [`Templates`]: a template set: parse, execute (Go's execution errors), clone.
//! - [`helm`]: Helm's `include` and `tpl`.
//! - [`sprig`]: Sprig v3's functions with Sprig's Go signatures and result types.
//!
//! ```
//! use gitops_gotmpl::{Templates, Value};
//! let mut t = Templates::new("t");
//! t.parse("t", "{{range $i, $x := .}}{{if $i}}, {{end}}{{$x | printf \"%q\"}}{{end}}").unwrap();
//! let data = Value::from_json(&serde_json::json!(["a", "b"]));
//! assert_eq!(t.execute("t", &data).unwrap(), r#""a", "b""#);
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod exec;
pub mod fmt;
pub mod func;
pub mod gojson;
pub mod helm;
pub mod parse;
pub mod sprig;
mod template;
pub mod value;

pub use exec::Limits;
pub use func::{Engine, Func, Funcs, TextError, Ty};
pub use helm::all_funcs;
pub use template::{MissingKey, Templates};
pub use value::{ListType, Map, MapMethods, MapType, Object, ObjectJson, Value};

/// What failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text did not parse.
    Parse,
    /// Execution failed (Go's execution errors).
    Exec,
    /// Execution hit a limit: template depth, output size or step budget.
    Limit,
}

/// A template error; its message is exactly Go's (for parse and execution errors).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Error {
    /// What failed.
    pub kind: ErrorKind,
    /// The message, e.g. `template: t:1: function "foo" not defined`.
    pub message: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
