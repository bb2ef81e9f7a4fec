//! Go `text/template`, Sprig v3 and Helm's template functions, in Rust.
//!
//! Helm charts, Flagger metric templates and image-automation commit messages are Go
//! templates; this crate is the engine that renders them the way Go does.
//!
//! **May depend on:** nothing in the workspace. It is useful on its own, so it only uses
//! general-purpose crates.
//!
//! **Status:** the engine arrives with the gitops-gotmpl issue; this crate reserves its
//! place in the workspace.
