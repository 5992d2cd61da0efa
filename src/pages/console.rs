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

    /// The source files of the service and the solver, as text.
    fn sources() -> Vec<String> {
        fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    found.push(std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        let mut found = Vec::new();
        for dir in ["src", "solver/src"] {
            walk(
                &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir),
                &mut found,
            );
        }
        found
    }

    /// The code that is the second argument of the call whose arguments
    /// start at `text`, if that argument is a string literal holding one.
    fn second_argument_code(text: &str) -> Option<&str> {
        let (mut depth, mut quoted, mut second) = (0, false, None);
        let mut chars = text.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' if quoted => {
                    chars.next();
                }
                '"' => quoted = !quoted,
                _ if quoted => {}
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' if depth == 0 => break,
                ')' | ']' | '}' => depth -= 1,
                ',' if depth == 0 => {
                    second = Some(i + 1);
                    break;
                }
                _ => {}
            }
        }
        let arg = text[second?..].split([',', ')']).next()?.trim();
        let code = arg.strip_prefix('"')?.strip_suffix('"')?;
        is_code(code).then_some(code)
    }

    /// The codes written right after each `marker` in `text`, up to a quote.
    fn codes_after<'a>(text: &'a str, marker: &'a str) -> impl Iterator<Item = String> + 'a {
        text.match_indices(marker).filter_map(move |(at, _)| {
            let rest = &text[at + marker.len()..];
            rest.split('"')
                .next()
                .filter(|s| is_code(s))
                .map(str::to_owned)
        })
    }

    /// Whether `text` is a problem type's or a rule's code.
    fn is_code(text: &str) -> bool {
        !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-')
    }

    /// Every problem type (`/problems/…`) and field rule (the `rule` of a
    /// `FieldError`) the code answers with has its Chinese text in the
    /// console's tables, which show them by these codes.
    #[test]
    fn every_problem_type_and_rule_has_chinese_text() {
        let i18n = super::MODULES
            .iter()
            .find(|(name, _)| *name == "i18n.js")
            .unwrap()
            .1;
        let zh = &i18n[..i18n.find("\n  en: {").unwrap()];
        let table = |name: &str| {
            let from = zh.find(&format!("{name}: {{")).unwrap();
            &zh[from..from + zh[from..].find("\n    },").unwrap()]
        };
        let (problems, rules) = (table("problems"), table("fieldRules"));
        let has = |table: &str, code: &str| {
            table.contains(&format!(" {code}:")) || table.contains(&format!("'{code}':"))
        };
        let (mut types, mut codes) = (Vec::new(), Vec::new());
        for text in sources() {
            types.extend(codes_after(&text, "\"/problems/"));
            for call in ["FieldError::new(", "AppError::field("] {
                for (at, _) in text.match_indices(call) {
                    codes.extend(second_argument_code(&text[at + call.len()..]).map(str::to_owned));
                }
            }
            codes.extend(codes_after(&text, "rule: \""));
        }
        assert!(
            types.len() > 30 && codes.len() > 60,
            "{} types, {} rules",
            types.len(),
            codes.len()
        );
        let mut missing: Vec<String> = (types.iter().filter(|t| !has(problems, t)))
            .map(|t| format!("problem type {t}"))
            .chain(
                codes
                    .iter()
                    .filter(|c| !has(rules, c))
                    .map(|c| format!("rule {c}")),
            )
            .collect();
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "no Chinese text for: {missing:?}");
    }
}
