//! The JSON body extractor: a body over the size limit is a 413, a body that
//! does not parse is a 422 naming the field (`expertise[2].level`) and the
//! rule, never actix's plain-text 400.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A request body parsed as `T`.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await.map_err(|e| {
                if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::PayloadTooLarge
                } else {
                    AppError::BadRequest(format!("cannot read the request body: {e}"))
                }
            })?;
            // An empty body reads as `null`, so `JsonBody<Option<T>>` makes a body optional.
            let bytes: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
            solver::parse_json(bytes)
                .map(JsonBody)
                .map_err(AppError::Validation)
        })
    }
}

/// Query strings that do not parse are 422s too.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|e, _| AppError::field("query", "invalid", e.to_string()).into())
}
