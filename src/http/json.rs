//! The JSON body extractor: a body over the size limit is a 413, one that is
//! not sent as `application/json` a 415, and one that does not parse (not an
//! object, a control character in a text, a wrong type) a 422 naming the
//! field (`expertise[2].level`) and the rule, never actix's plain-text 400.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A request body parsed as `T`.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let json = json_media_type(req);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await.map_err(|e| {
                if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::PayloadTooLarge(
                        "the request body exceeds BODY_LIMIT_BYTES".to_owned(),
                    )
                } else {
                    AppError::BadRequest("the request body could not be read".to_owned())
                }
            })?;
            if bytes.is_empty() {
                return absent("required", "a JSON object is required");
            }
            json?;
            if bytes.trim_ascii() == b"null" {
                return absent("object", "expected a JSON object, got null");
            }
            solver::parse_json(&bytes)
                .map(JsonBody)
                .map_err(AppError::Validation)
        })
    }
}

/// No body, or JSON `null`: only `JsonBody<Option<T>>` accepts that (the
/// API document calls such a body `null` or absent); any other `T` is
/// refused with `rule`.
fn absent<T: DeserializeOwned>(rule: &str, detail: &str) -> Result<JsonBody<T>, AppError> {
    serde_json::from_value(serde_json::Value::Null)
        .map(JsonBody)
        .map_err(|_| AppError::field("", rule, detail))
}

/// Whether the request says its body is JSON (`application/json` or a
/// `+json` type) in UTF-8: a `charset` other than UTF-8 is refused rather
/// than read as UTF-8 (RFC 8259 JSON is UTF-8 only).
fn json_media_type(req: &HttpRequest) -> Result<(), AppError> {
    let value = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut parts = value.split(';').map(str::trim);
    let essence = parts.next().unwrap_or_default();
    if !(essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json")))
    {
        return Err(AppError::UnsupportedMediaType(
            "send the body as JSON, with Content-Type: application/json",
        ));
    }
    let charset = parts
        .filter_map(|p| p.split_once('='))
        .find(|(name, _)| name.trim() == "charset")
        .map(|(_, v)| v.trim().trim_matches('"'));
    match charset {
        None | Some("utf-8" | "utf8") => Ok(()),
        Some(_) => Err(AppError::UnsupportedMediaType(
            "send the JSON body in UTF-8 (charset=utf-8, or no charset)",
        )),
    }
}
