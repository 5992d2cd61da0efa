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

impl ProblemDetails {
    /// The body of an error response that something other than our handlers
    /// produced without one (the swagger UI's 404 for an unknown file,
    /// actix's own errors): the status's own words.
    pub fn for_status(status: actix_web::http::StatusCode) -> Self {
        let title = status.canonical_reason().unwrap_or("Error");
        Self {
            kind: match status.as_u16() {
                404 => "/problems/not-found",
                400..=499 => "/problems/bad-request",
                _ => "/problems/internal",
            },
            title,
            status: status.as_u16(),
            detail: match status.as_u16() {
                404 => "no such endpoint".to_owned(),
                400..=499 => format!("the request was refused ({title})"),
                _ => "an unexpected error occurred; it has been logged".to_owned(),
            },
            errors: Vec::new(),
        }
    }
}

/// Middleware: an error response without a body gets a problem body, so
/// every error the service sends is `application/problem+json`.
pub async fn fill_empty_errors(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::body::{BodySize, EitherBody, MessageBody};
    let response = next.call(req).await?;
    let status = response.status();
    let empty = matches!(
        response.response().body().size(),
        BodySize::None | BodySize::Sized(0)
    );
    if !(status.is_client_error() || status.is_server_error()) || !empty {
        return Ok(response.map_body(|_, body| EitherBody::left(body)));
    }
    let body = serde_json::to_string(&ProblemDetails::for_status(status)).unwrap_or_default();
    Ok(response.map_body(|head, _| {
        head.headers_mut().insert(
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::HeaderValue::from_static("application/problem+json"),
        );
        EitherBody::right(body.boxed())
    }))
}
