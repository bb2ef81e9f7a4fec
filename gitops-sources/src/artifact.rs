//! (stub: arrives with the sources issue)
