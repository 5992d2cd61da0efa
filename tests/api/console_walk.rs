//! Every page of the console, as the role that uses it, in Chinese: the
//! page reads without Latin words beyond an allow-list (units, file types)
//! and what is marked `translate="no"` (user names, e-mail addresses, codes
//! to type), and a screenshot of it at 1440 px, 1024 px
//! and a phone's 390 px is kept under `target/console-screenshots/walk-*`.

use serde_json::json;

use crate::console::sign_in;
use crate::staffing::{apply, seed_plan, seed_pool, staff};
use crate::support::{Backend, TestApp};
use crate::webdriver::Browser;

/// Latin words a Chinese page may show: units, file types, the language
/// switch.
const ALLOWED: [&str; 7] = ["km", "CSV", "XLSX", "Excel", "SVG", "QR", "English"];

/// The Latin words of the page's visible text outside the allow-list and
/// outside what is marked `translate="no"` (which this empties, so it runs
/// after the page's screenshots).
fn latin_words(browser: &Browser) -> Vec<String> {
    let words = browser.strings(
        "document.querySelectorAll('[translate=no]').forEach((e) => { e.textContent = ''; }); \
         return document.body.innerText.match(/[A-Za-z][A-Za-z_-]+/g) || [];",
        json!([]),
    );
    let mut left: Vec<String> = words
        .into_iter()
        .filter(|w| !ALLOWED.contains(&w.as_str()))
        .collect();
    left.sort();
    left.dedup();
    left
}

fn every_page_in_chinese(backend: Backend) {
    let app = TestApp::start(backend);
    let api = app.client("planner", None);
    let (plan, _, sessions) = seed_plan(&api);
    let pool = seed_pool(&api);
    let run = staff(&api, &plan, json!({}));
    apply(&api, &run);
    // An evaluation open on a confirmed session, for the codes page.
    let held = api
        .get(&format!("/api/v1/assignments?session={}", sessions[0]))
        .body;
    let held = held[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        api.post(&format!("/api/v1/assignments/{held}/confirm"), &json!(null))
            .status,
        200
    );
    let opened = api.post(
        &format!("/api/v1/sessions/{}/evaluation", sessions[0]),
        &json!({"trainees": 30}),
    );
    assert_eq!(opened.status, 201, "{}", opened.body);
    let teacher = api
        .get(&format!("/api/v1/assignments?session={}", sessions[0]))
        .body[0]["instructor"]
        .as_str()
        .unwrap()
        .to_owned();
    for (user, role, instructor) in [
        ("walk-planner", "planner", None),
        ("walk-admin", "admin", None),
        ("walk-office", "office", None),
        ("walk-teacher", "instructor", Some(teacher.as_str())),
    ] {
        app.add_user(user, role, instructor);
    }
    let pages: [(&str, &[(&str, String)]); 4] = [
        (
            "walk-planner",
            &[
                ("plans", "#/plans".into()),
                ("plan", format!("#/plans/{plan}")),
                ("board", format!("#/plans/{plan}/board")),
                ("quality", format!("#/plans/{plan}/quality")),
                ("workload", format!("#/plans/{plan}/workload")),
                ("codes", format!("#/sessions/{}/codes", sessions[0])),
                ("pool", "#/pool".into()),
                ("instructor", format!("#/instructors/{}", pool[0])),
                ("instructor-edit", format!("#/instructors/{}/edit", pool[0])),
                ("instructor-new", "#/instructors/new".into()),
                ("recommend", "#/recommend".into()),
                ("profile", "#/profile".into()),
            ],
        ),
        (
            "walk-admin",
            &[
                ("accounts", "#/accounts".into()),
                ("offices", "#/offices".into()),
                ("webhooks", "#/webhooks".into()),
            ],
        ),
        (
            "walk-office",
            &[
                ("recommend", "#/recommend".into()),
                ("pool", "#/pool".into()),
                ("plans", "#/plans".into()),
            ],
        ),
        (
            "walk-teacher",
            &[
                ("mine", "#/mine".into()),
                ("blocks", "#/blocks".into()),
                ("quality", "#/quality".into()),
                ("profile", "#/profile".into()),
            ],
        ),
    ];
    let browser = Browser::start();
    let mut found = Vec::new();
    for (user, list) in pages {
        let mut signed_in = false;
        for (name, hash) in list {
            if signed_in {
                browser.goto(&format!("{}/?page={name}{hash}", app.base));
            } else {
                sign_in(&browser, &app.base, user, hash);
                signed_in = true;
            }
            browser.find("#main section:not(.narrow)");
            for (width, height) in [(1440, 1000), (1024, 900), (390, 844)] {
                browser.resize(width, height);
                browser.screenshot(&format!("walk-{}-{name}-{width}", &user[5..]));
            }
            browser.resize(1440, 1000);
            let words = latin_words(&browser);
            if !words.is_empty() {
                found.push(format!("{user} {name}: {words:?}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "Latin words on Chinese pages:\n{}",
        found.join("\n")
    );
}

crate::both_backends!(every_page_in_chinese);
