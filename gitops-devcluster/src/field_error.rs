//! Field-level validation errors (apimachinery `pkg/util/validation/field/errors.go`) and
//! Go-compatible formatting helpers used in error messages.

use std::fmt;

/// The type of a field error (apimachinery `field.ErrorType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldErrorType {
    /// `Not found` / `FieldValueNotFound`.
    NotFound,
    /// `Required value` / `FieldValueRequired`.
    Required,
    /// `Duplicate value` / `FieldValueDuplicate`.
    Duplicate,
    /// `Invalid value` / `FieldValueInvalid`.
    Invalid,
    /// `Unsupported value` / `FieldValueNotSupported`.
    NotSupported,
    /// `Forbidden` / `FieldValueForbidden`.
    Forbidden,
    /// `Too long` / `FieldValueTooLong`.
    TooLong,
    /// `Invalid value` / `FieldValueTypeInvalid`.
    TypeInvalid,
    /// `Internal error` / `InternalError`.
    Internal,
}

impl FieldErrorType {
    /// The text printed in messages, e.g. `Invalid value`.
    pub fn text(self) -> &'static str {
        match self {
            Self::NotFound => "Not found",
            Self::Required => "Required value",
            Self::Duplicate => "Duplicate value",
            Self::Invalid | Self::TypeInvalid => "Invalid value",
            Self::NotSupported => "Unsupported value",
            Self::Forbidden => "Forbidden",
            Self::TooLong => "Too long",
            Self::Internal => "Internal error",
        }
    }

    /// The `causes[].reason` string, e.g. `FieldValueInvalid`.
    pub fn cause(self) -> &'static str {
        match self {
            Self::NotFound => "FieldValueNotFound",
            Self::Required => "FieldValueRequired",
            Self::Duplicate => "FieldValueDuplicate",
            Self::Invalid => "FieldValueInvalid",
            Self::NotSupported => "FieldValueNotSupported",
            Self::Forbidden => "FieldValueForbidden",
            Self::TooLong => "FieldValueTooLong",
            Self::TypeInvalid => "FieldValueTypeInvalid",
            Self::Internal => "InternalError",
        }
    }
}

/// A field-level validation error (apimachinery `field.Error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Error type.
    pub kind: FieldErrorType,
    /// Field path, e.g. `metadata.name`.
    pub field: String,
    /// The offending value already formatted as Go prints it (`"abc"`, `-1`), if any.
    pub bad_value: Option<String>,
    /// Extra detail.
    pub detail: String,
}

impl FieldError {
    /// An `Invalid value` error whose bad value is a string (printed Go-quoted).
    pub fn invalid_str(field: &str, value: &str, detail: &str) -> Self {
        Self {
            kind: FieldErrorType::Invalid,
            field: field.into(),
            bad_value: Some(go_quote(value)),
            detail: detail.into(),
        }
    }

    /// A `Required value` error.
    pub fn required(field: &str, detail: &str) -> Self {
        Self {
            kind: FieldErrorType::Required,
            field: field.into(),
            bad_value: None,
            detail: detail.into(),
        }
    }

    /// A `Forbidden` error.
    pub fn forbidden(field: &str, detail: &str) -> Self {
        Self {
            kind: FieldErrorType::Forbidden,
            field: field.into(),
            bad_value: None,
            detail: detail.into(),
        }
    }

    /// The text after the field path (`ErrorBody` in Go).
    pub fn body(&self) -> String {
        let mut s = self.kind.text().to_string();
        let valueless = matches!(
            self.kind,
            FieldErrorType::Required
                | FieldErrorType::Forbidden
                | FieldErrorType::TooLong
                | FieldErrorType::Internal
        );
        if !valueless {
            s.push_str(": ");
            s.push_str(self.bad_value.as_deref().unwrap_or("null"));
        }
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

/// Joins errors as Go's `utilerrors.Aggregate` prints them: one bare, several in `[a, b]`.
pub fn aggregate<T: fmt::Display>(errors: &[T]) -> String {
    match errors {
        [one] => one.to_string(),
        many => {
            let parts: Vec<String> = many.iter().map(ToString::to_string).collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

/// Quotes a string as Go's `%q` does for the printable ASCII/UTF-8 strings we meet.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
