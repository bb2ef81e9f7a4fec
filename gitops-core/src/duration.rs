//! Go durations (stub).
