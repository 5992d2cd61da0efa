//! Optimistic concurrency: a resource's version travels as its `ETag`, and
//! an update must send it back in `If-Match`.

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::error::AppError;

/// The `ETag` of a version.
pub fn etag(version: i32) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

/// The form of `If-Match`: an `ETag` of ours, weak or strong (`"3"`,
/// `W/"3"`); the rule as the API document states it.
pub const IF_MATCH_PATTERN: &str = r#"^(W/)?"[0-9]{1,9}"$"#;

/// The version an update was based on, from `If-Match` (428 if absent, 400
/// if not of [`IF_MATCH_PATTERN`]'s form).
pub fn if_match(req: &HttpRequest) -> Result<i32, AppError> {
    let value = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or(AppError::PreconditionRequired)?;
    value
        .to_str()
        .ok()
        .map(|v| v.strip_prefix("W/").unwrap_or(v))
        .and_then(|v| v.strip_prefix('"')?.strip_suffix('"'))
        .filter(|v| (1..=9).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            AppError::BadRequest("If-Match must be the ETag you read, e.g. \"3\"".to_owned())
        })
}
