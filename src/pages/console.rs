//! The web console: one page, its ES modules and style sheet, embedded in
//! the binary and served at `/` (no build step: the browser loads the
//! modules as they are written in `console/`). The script talks to the API under
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
/// A console file as `(name, text)`, embedded from `console/`.
macro_rules! console_file {
    ($name:literal) => {
        ($name, include_str!(concat!("../../console/", $name)))
    };
}

/// The console's modules, served at `/console/{name}`; `main.js` is the
/// entry point the page loads.
const MODULES: [(&str, &str); 27] = [
    console_file!("main.js"),
    console_file!("refresh.js"),
    console_file!("i18n.js"),
    console_file!("dom.js"),
    console_file!("widgets.js"),
    console_file!("pickers.js"),
    console_file!("format.js"),
    console_file!("api.js"),
    console_file!("vocabulary.js"),
    console_file!("sheets.js"),
    console_file!("calendar.js"),
    console_file!("pool.js"),
    console_file!("instructor.js"),
    console_file!("plans.js"),
    console_file!("board.js"),
    console_file!("board_rows.js"),
    console_file!("candidates.js"),
    console_file!("runs.js"),
    console_file!("codes.js"),
    console_file!("quality.js"),
    console_file!("workload.js"),
    console_file!("recommend.js"),
    console_file!("mine.js"),
    console_file!("profile.js"),
    console_file!("accounts.js"),
    console_file!("offices.js"),
    console_file!("webhooks.js"),
];
const STYLE: &str = include_str!("../../console/app.css");
const ICON: &str = include_str!("../../console/favicon.svg");

/// The console's routes: the page at `/`, its assets, and its icon (also
/// at `/favicon.ico`, where browsers ask for it unbidden).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/",
        web::get().to(|| asset("text/html; charset=utf-8", PAGE)),
    )
    .route("/console/{name}.js", web::get().to(module))
    .route(
        "/console/app.css",
        web::get().to(|| asset("text/css; charset=utf-8", STYLE)),
    );
    for path in ["/favicon.svg", "/favicon.ico"] {
        cfg.route(path, web::get().to(|| asset("image/svg+xml", ICON)));
    }
}

/// One of the console's modules by name, or 404.
async fn module(name: web::Path<String>) -> HttpResponse {
    let file = format!("{name}.js");
    match MODULES.iter().find(|(known, _)| *known == file) {
        Some((_, text)) => asset("text/javascript; charset=utf-8", text).await,
        None => HttpResponse::NotFound().finish(),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::MODULES;

    /// Every script in `console/` is served, so none is missing when a
    /// module imports it.
    #[test]
    fn every_module_in_the_directory_is_served() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/console");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".js"))
            .collect();
        on_disk.sort();
        let mut served: Vec<String> = MODULES.iter().map(|(name, _)| name.to_string()).collect();
        served.sort();
        assert_eq!(on_disk, served);
    }
}
