//! `HEAD` answered as `GET` without the body (RFC 9110 §9.3.2): the
//! routes are declared for `GET`, and a monitor's or a proxy's `HEAD /`
//! would otherwise be a 404.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;

/// Middleware: a `HEAD` request goes to the `GET` route, and its answer
/// keeps the status and headers but sends no body.
pub async fn as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    let head = req.method() == Method::HEAD;
    if head {
        req.head_mut().method = Method::GET;
    }
    let response = next.call(req).await?;
    Ok(if head {
        response.map_body(|_, _| EitherBody::right(BoxBody::new(())))
    } else {
        response.map_body(|_, body| EitherBody::left(body))
    })
}
