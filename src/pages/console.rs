//! The web console: one page and its script and style sheet, embedded in
//! the binary and served at `/`. The script talks to the API under
//! `/api/v1` with the signed-in user's bearer token (kept in the tab's
//! session storage, never in a cookie, so no other site can send it), and
//! builds every element with text nodes, never markup.

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{web, HttpResponse};

/// Scripts, styles and connections from this origin only: no inline script
/// or style, no framing, no plug-ins, forms post nowhere else.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

const PAGE: &str = include_str!("../../console/index.html");
const SCRIPT: &str = include_str!("../../console/app.js");
const STYLE: &str = include_str!("../../console/app.css");
const ICON: &str = include_str!("../../console/favicon.svg");

/// The console's routes: the page at `/`, its assets, and its icon (also
/// at `/favicon.ico`, where browsers ask for it unbidden).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/",
        web::get().to(|| asset("text/html; charset=utf-8", PAGE)),
    )
    .route(
        "/console/app.js",
        web::get().to(|| asset("text/javascript; charset=utf-8", SCRIPT)),
    )
    .route(
        "/console/app.css",
        web::get().to(|| asset("text/css; charset=utf-8", STYLE)),
    );
    for path in ["/favicon.svg", "/favicon.ico"] {
        cfg.route(path, web::get().to(|| asset("image/svg+xml", ICON)));
    }
}

async fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header(CacheControl(vec![CacheDirective::NoCache]))
        .body(body)
}
