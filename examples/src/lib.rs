//! Runnable examples of the gitops crates; see the `[[example]]` targets.
