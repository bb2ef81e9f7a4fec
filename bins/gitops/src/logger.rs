//! flux's progress lines on stderr: `►` for an action, `✔` for a success.

/// `► <message>`.
pub fn action(message: &str) {
    eprintln!("► {message}");
}

/// `✔ <message>`.
pub fn success(message: &str) {
    eprintln!("✔ {message}");
}
