//! Validation of API objects beyond what their types enforce: the enum, pattern and
//! range rules of the CRD schemas and Flux's cross-field rules, with errors that name
//! the field (`spec.interval`) the way the API server does.

use std::fmt;

/// What is wrong with one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field, e.g. `spec.ref.semver`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// All field errors of one object.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} '{name}' is invalid: {}", .errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
#[non_exhaustive]
pub struct ValidationError {
    /// Kind of the object.
    pub kind: String,
    /// Name of the object.
    pub name: String,
    /// The field errors, in the order they were found.
    pub errors: Vec<FieldError>,
}

/// Objects whose fields can be validated against their API rules.
pub trait Validate {
    /// Checks every rule and reports all violations at once.
    fn validate(&self) -> Result<(), ValidationError>;
}

/// Collects field errors while an object is checked.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    /// An empty validator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an error for `field`.
    pub fn error(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Requires a non-empty value.
    pub fn required(&mut self, field: &str, value: &str) {
        if value.is_empty() {
            self.error(field, "Required value");
        }
    }

    /// Requires `value`, when present, to match the regular expression `pattern`.
    pub fn pattern(&mut self, field: &str, value: Option<&str>, pattern: &str) {
        let Some(value) = value else { return };
        let matches = regex_lite::Regex::new(pattern)
            .map(|re| re.is_match(value))
            .unwrap_or(false);
        if !matches {
            self.error(
                field,
                format!("Invalid value: \"{value}\": {field} in body should match '{pattern}'"),
            );
        }
    }

    /// Requires `value`, when present, to be one of `allowed`.
    pub fn one_of(&mut self, field: &str, value: Option<&str>, allowed: &[&str]) {
        let Some(value) = value else { return };
        if !allowed.contains(&value) {
            let list = allowed
                .iter()
                .map(|a| format!("\"{a}\""))
                .collect::<Vec<_>>()
                .join(", ");
            self.error(
                field,
                format!("Unsupported value: \"{value}\": supported values: {list}"),
            );
        }
    }

    /// Requires a Flux duration (`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`).
    pub fn duration(&mut self, field: &str, value: Option<&str>) {
        self.pattern(field, value, super::meta::DURATION_PATTERN);
    }

    /// Requires a numeric value, when present, within `min..=max`.
    pub fn range(&mut self, field: &str, value: Option<i64>, min: Option<i64>, max: Option<i64>) {
        let Some(value) = value else { return };
        if let Some(min) = min.filter(|m| value < *m) {
            self.error(
                field,
                format!("Invalid value: {value}: {field} in body should be greater than or equal to {min}"),
            );
        }
        if let Some(max) = max.filter(|m| value > *m) {
            self.error(
                field,
                format!(
                    "Invalid value: {value}: {field} in body should be less than or equal to {max}"
                ),
            );
        }
    }

    /// Requires the string length, when present, within `min..=max` characters.
    pub fn length(
        &mut self,
        field: &str,
        value: Option<&str>,
        min: Option<usize>,
        max: Option<usize>,
    ) {
        let Some(value) = value else { return };
        let len = value.chars().count();
        if let Some(min) = min.filter(|m| len < *m) {
            self.error(
                field,
                format!("Invalid value: \"{value}\": {field} in body should be at least {min} chars long"),
            );
        }
        if let Some(max) = max.filter(|m| len > *m) {
            self.error(field, format!("Too long: may not be more than {max} bytes"));
        }
    }

    /// Finishes validation of the object `kind`/`name`.
    pub fn finish(self, kind: &str, name: &str) -> Result<(), ValidationError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationError {
                kind: kind.to_string(),
                name: name.to_string(),
                errors: self.errors,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_field() {
        let mut v = Validator::new();
        v.duration("spec.interval", Some("1x"));
        v.duration("spec.timeout", Some("1m30s"));
        v.one_of("spec.provider", Some("gitlab"), &["generic", "aws"]);
        v.required("spec.url", "");
        let err = v.finish("GitRepository", "podinfo").expect_err("invalid");
        assert_eq!(err.errors.len(), 3);
        let text = err.to_string();
        assert!(
            text.starts_with(
                "GitRepository 'podinfo' is invalid: spec.interval: Invalid value: \"1x\""
            ),
            "{text}"
        );
        assert!(text.contains(
            "spec.provider: Unsupported value: \"gitlab\": supported values: \"generic\", \"aws\""
        ));
        assert!(text.contains("spec.url: Required value"));
    }
}
