//! Optimistic concurrency: a resource's version travels as its `ETag`, and
//! an update must send it back in `If-Match`.

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::error::AppError;

/// The `ETag` of a version.
pub fn etag(version: i32) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

/// The version an update was based on, from `If-Match` (428 if absent).
pub fn if_match(req: &HttpRequest) -> Result<i32, AppError> {
    let value = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or(AppError::PreconditionRequired)?;
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            AppError::BadRequest("If-Match must be the ETag you read, e.g. \"3\"".to_owned())
        })
}
