//! RFC 9457 problem details, the one error body of the API and the CLI.

use serde::Serialize;
use solver::FieldError;
use utoipa::ToSchema;

/// An `application/problem+json` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDetails {
    /// A stable identifier of the kind of problem, e.g. `/problems/validation`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// Per-field errors of a validation problem.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl ProblemDetails {
    /// A 422: the input breaks the listed rules.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self {
            kind: "/problems/validation",
            title: "Invalid input",
            status: 422,
            detail: format!("the input breaks {} rule(s); see errors", errors.len()),
            errors,
        }
    }
}
