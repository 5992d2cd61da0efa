//! Checks of the request target before any handler runs: no path segment or
//! query parameter may hold a control character, not even a line break (NUL
//! breaks PostgreSQL, and none belongs in an id or a filter), and
//! none may be longer than a person would type (a 50,000-character `q` made
//! SQLite's LIKE fail). Either is a 422 naming the parameter, the same on
//! both backends.

use percent_encoding::percent_decode_str;
use solver::{control_character_error, FieldError};

use crate::error::AppError;

/// The longest path segment (an id) or query parameter value accepted.
pub const MAX_PARAMETER_CHARS: usize = 200;

/// Fails with every broken rule of the path and the query string.
pub fn check(path: &str, query: &str) -> Result<(), AppError> {
    let mut errors = Vec::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let text = percent_decode_str(segment).decode_utf8_lossy();
        rules("path", &text, &mut errors);
    }
    match serde_urlencoded::from_str::<Vec<(String, String)>>(query) {
        Ok(pairs) => {
            for (name, value) in pairs {
                let field = if name.chars().any(char::is_control) || name.chars().count() > 64 {
                    "query".to_owned()
                } else {
                    name
                };
                rules(&field, &value, &mut errors);
            }
        }
        Err(_) => errors.push(FieldError::new(
            "query",
            "format",
            "the query string is not well-formed",
        )),
    }
    errors.dedup();
    AppError::check(errors)
}

fn rules(field: &str, text: &str, errors: &mut Vec<FieldError>) {
    if text.chars().any(char::is_control) {
        errors.push(control_character_error(field));
    } else if text.chars().count() > MAX_PARAMETER_CHARS {
        errors.push(FieldError::new(
            field,
            "max_length",
            format!("at most {MAX_PARAMETER_CHARS} characters"),
        ));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn fields(path: &str, query: &str) -> Vec<(String, String)> {
        match check(path, query) {
            Ok(()) => Vec::new(),
            Err(AppError::Validation(errors)) => {
                errors.into_iter().map(|e| (e.field, e.rule)).collect()
            }
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn control_characters_and_long_values_are_named() {
        let pair = |f: &str, r: &str| vec![(f.to_owned(), r.to_owned())];
        assert!(fields("/api/v1/instructors/abc", "q=%E6%9D%8E&page=2").is_empty());
        assert_eq!(
            fields("/api/v1/instructors/a%00b", ""),
            pair("path", "control_character")
        );
        assert_eq!(
            fields("/api/v1/instructors", "q=a%00"),
            pair("q", "control_character")
        );
        assert_eq!(
            fields("/api/v1/instructors", "city=%0A"),
            pair("city", "control_character")
        );
        let long = "x".repeat(MAX_PARAMETER_CHARS + 1);
        assert_eq!(
            fields("/api/v1/instructors", &format!("q={long}")),
            pair("q", "max_length")
        );
        assert_eq!(
            fields(&format!("/api/v1/plans/{long}"), ""),
            pair("path", "max_length")
        );
        assert!(fields("/api/v1/instructors", &format!("q={}", &long[1..])).is_empty());
    }
}
