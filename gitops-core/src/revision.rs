//! Revision strings (stub).
