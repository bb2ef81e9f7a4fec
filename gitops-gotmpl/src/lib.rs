//! Go `text/template`, Sprig v3 and Helm's template functions, in Rust.
//!
//! Helm charts, Flagger metric templates and image-automation commit messages are Go
//! templates; this crate is the engine that renders them the way Go does.
//!
//! **May depend on:** nothing in the workspace. It is useful on its own, so it only uses
//! general-purpose crates.
//!
//! - [`value`]: Go values with their dynamic types (`int` vs `int64` vs `float64`,
//!   `[]string` vs `[]interface {}`, named maps, objects with fields and methods).
//! - [`fmt`]: Go's `fmt` printing of values.
//! - [`func`]: template functions with Go parameter types, and the [`func::Funcs`]
//!   registry callers extend.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod fmt;
pub mod func;
pub mod value;

pub use func::{Func, Funcs, Ty};
pub use value::{ListType, Map, MapType, Object, Value};
