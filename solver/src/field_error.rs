//! The one shape of a broken input rule, shared by JSON reading
//! ([`crate::json_input`]), validation and pin checks.

use serde::{Deserialize, Serialize};

/// One broken rule at one place in the input.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Where, e.g. `sessions[3].end`.
    pub field: String,
    /// A stable rule code, e.g. `after_start`.
    pub rule: String,
    /// What is wrong, for a person.
    pub detail: String,
}

impl FieldError {
    /// The rule `rule` broken at `field`.
    pub fn new(field: impl Into<String>, rule: &str, detail: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule: rule.to_owned(),
            detail: detail.into(),
        }
    }
}
