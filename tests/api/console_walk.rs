//! Every page of the console, as the role that uses it, in Chinese (the
//! sign-in page and the trainees' evaluation pages too): the page reads
//! without Latin words beyond an allow-list (units, file types) and what is
//! marked `translate="no"` (user names, e-mail addresses, codes to type),
//! and a screenshot of it at 1440 px, 1024 px and a phone's 390 px is kept
//! under `target/console-screenshots/walk-*`.

use chrono::{Duration, Utc};
use serde_json::json;

use crate::console::sign_in;
use crate::evaluations::taught_session;
use crate::local_http;
use crate::staffing::{apply, seed_plan, seed_pool, staff};
use crate::support::{Backend, TestApp, TestDb, SECRET};
use crate::webdriver::Browser;

/// Latin words a Chinese page may show: units, file types, the language
/// switch.
const ALLOWED: [&str; 8] = ["km", "ms", "CSV", "XLSX", "Excel", "SVG", "QR", "English"];

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

/// Takes the screenshots of the page drawn (`walk-{name}-{width}`) and
/// returns what is wrong with it: the Latin words it shows, and whether it
/// is wider than a phone's screen (a wide table scrolls in its own box).
fn look(browser: &Browser, name: &str) -> Vec<String> {
    let mut wrong = Vec::new();
    for (width, height) in [(1440, 1000), (1024, 900), (390, 844)] {
        browser.resize(width, height);
        browser.screenshot(&format!("walk-{name}-{width}"));
        let wider = browser.script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            json!([]),
        );
        if wider.as_i64().unwrap() > 0 {
            wrong.push(format!("{wider} px wider than {width} px"));
        }
    }
    browser.resize(1440, 1000);
    wrong.extend(latin_words(browser));
    wrong
}

fn every_page_in_chinese(backend: Backend) {
    let receiver = local_http::serve(|_| (200, "{}".into()));
    let app = TestApp::start_on(
        TestDb::new(backend),
        &[("JWT_SECRET", SECRET), ("WEBHOOK_ALLOW_PRIVATE", "true")],
    );
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
    // A session taught an hour ago, for the trainees' form.
    let now = Utc::now();
    let (_, _, taught) = taught_session(
        &api,
        now - Duration::hours(2),
        now - Duration::hours(1),
        &[&pool[0]],
    );
    let opened = api.post(
        &format!("/api/v1/sessions/{taught}/evaluation"),
        &json!({"trainees": 30}),
    );
    assert_eq!(opened.status, 201, "{}", opened.body);
    let code = api
        .get(&format!("/api/v1/sessions/{taught}/evaluation/codes"))
        .body["codes"][0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    // A webhook with a delivery, for its deliveries page.
    let admin = app.client("admin", None);
    let hook = admin.post(
        "/api/v1/webhooks",
        &json!({"url": format!("{}/hook", receiver.base), "event_types": ["staffing_run.done"]}),
    );
    assert_eq!(hook.status, 201, "{}", hook.body);
    let hook = hook.body["id"].as_str().unwrap().to_owned();
    let ping = admin.post(&format!("/api/v1/webhooks/{hook}/ping"), &json!(null));
    assert!(ping.status < 300, "{}", ping.body);
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
                ("deliveries", format!("#/webhooks/{hook}")),
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
    let mut check = |name: &str, wrong: Vec<String>| {
        if !wrong.is_empty() {
            found.push(format!("{name}: {wrong:?}"));
        }
    };
    // Signed out: the sign-in page.
    browser.goto(&format!("{}/", app.base));
    browser.script("sessionStorage.clear();", json!([]));
    browser.goto(&format!("{}/?signed-out", app.base));
    browser.find("#login");
    check("sign-in", look(&browser, "sign-in"));
    // A trainee's: typing a code, and the form a code opens.
    browser.goto(&format!("{}/e", app.base));
    browser.find("main form");
    check("trainee-code", look(&browser, "trainee-code"));
    browser.goto(&format!("{}/e/{code}", app.base));
    browser.find("main form input[name=content]");
    check("trainee-form", look(&browser, "trainee-form"));
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
            let name = format!("{}-{name}", &user[5..]);
            check(&name, look(&browser, &name));
        }
    }
    assert!(
        found.is_empty(),
        "Latin words on Chinese pages, or pages wider than the screen:\n{}",
        found.join("\n")
    );
}

crate::both_backends!(every_page_in_chinese);
