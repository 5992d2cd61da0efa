//! The evaluation loop in headless Chromium: a planner opens a session's
//! evaluation on the board and prints its codes, a trainee answers on a
//! phone-sized screen, the planner reads the plan's quality page and the
//! instructor their own.

use chrono::{Duration, Utc};
use serde_json::json;

use crate::console::sign_in;
use crate::evaluations::taught_session;
use crate::support::{create_instructor, Backend, TestApp};
use crate::webdriver::Browser;

fn the_evaluation_loop_in_the_browser(backend: Backend) {
    let app = TestApp::start(backend);
    let api = app.client("planner", None);
    let li = create_instructor(&api, "李明", json!({}));
    let wang = create_instructor(&api, "王芳", json!({"kind": "expert"}));
    app.add_user("planner2", "planner", None);
    app.add_user("li-teacher", "instructor", Some(&li));
    let now = Utc::now();
    let (plan, _, session) = taught_session(
        &api,
        now - Duration::hours(2),
        now - Duration::minutes(10),
        &[&li, &wang],
    );
    let base = app.base.clone();
    let browser = Browser::start();

    // The planner opens the evaluation from the board and prints its codes.
    sign_in(
        &browser,
        &base,
        "planner2",
        &format!("#/plans/{plan}/board"),
    );
    let row = format!("tr[data-session=\"{session}\"]");
    browser.click(&browser.find(&format!("{row} [data-action=open-evaluation]")));
    browser.submit("#evaluation-form", &[("trainees", "12")]);
    let chip = format!("[data-evaluation=\"{session}\"]");
    browser.wait_for(&chip, |t| t.contains("0 / 12"));
    browser.click(&browser.find(&format!("{chip} [data-action=codes]")));
    browser.find("#codes .card svg.qr path");
    let cards = browser.strings(
        "return [...document.querySelectorAll('#codes .card')].map(c => c.dataset.code)",
        json!([]),
    );
    assert_eq!(cards.len(), 12);
    let issued = api.get(&format!("/api/v1/sessions/{session}/evaluation/codes"));
    assert_eq!(issued.body["codes"][0]["code"], cards[0].as_str());
    browser.screenshot("evaluation-codes");
    // Printed, the twelve cards fill one A4 page and nothing else is on it.
    let pdf = browser.print_a4();
    let pages = String::from_utf8_lossy(&pdf).matches("/Type /Page").count()
        - String::from_utf8_lossy(&pdf)
            .matches("/Type /Pages")
            .count();
    assert_eq!(pages, 1, "twelve cards on one page");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/console-screenshots");
    std::fs::write(dir.join("evaluation-codes.pdf"), &pdf).unwrap();

    // A trainee scans the first card: the form fits a phone's screen.
    browser.resize(390, 844);
    browser.goto(&format!("{base}/e/{}", cards[0]));
    browser.wait_for("main", |t| {
        t.contains("李明") && t.contains("王芳") && t.contains("办信实务")
    });
    let overflow = browser.script(
        "return document.documentElement.scrollWidth - window.innerWidth",
        json!([]),
    );
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "no sideways scrolling: {overflow}"
    );
    browser.click(&browser.find("main details summary"));
    for (field, value) in [
        (format!("score.{li}"), 5),
        (format!("score.{wang}"), 4),
        ("content".to_owned(), 5),
    ] {
        browser.click(&browser.find(&format!(
            "input[name=\"{field}\"][value=\"{value}\"] + span"
        )));
    }
    browser.screenshot("trainee-form");
    let comment = "很实用<img src=x onerror=alert(1)>";
    browser.submit("main form", &[("comment", comment)]);
    browser.wait_for("h1", |t| t.contains("感谢您的评价"));
    browser.goto(&format!("{base}/e/{}", cards[0]));
    browser.wait_for("h1", |t| t.contains("此测评码已使用"));
    // A code typed by hand, wrongly.
    browser.goto(&format!("{base}/e"));
    browser.submit("main form", &[("code", "abcde fghjk")]);
    browser.wait_for("h1", |t| t.contains("测评码无效"));
    // Two more trainees answer alike from their phones: a session's results
    // show from three responses on.
    for card in &cards[1..3] {
        let fields = [
            (format!("score.{li}"), "5".to_owned()),
            (format!("score.{wang}"), "4".to_owned()),
            ("content".to_owned(), "5".to_owned()),
        ];
        let answered = crate::evaluations::post_form(&base, card, &fields);
        assert_eq!(answered.status, 200, "{}", answered.text);
    }

    // The planner reads the plan's quality page.
    browser.resize(1400, 1000);
    sign_in(
        &browser,
        &base,
        "planner2",
        &format!("#/plans/{plan}/quality"),
    );
    let line = browser.wait_for(&format!("#quality-sessions {row}"), |t| t.contains("3/12"));
    let text = browser.text(&line);
    assert!(
        text.contains("4.50") && text.contains("李明 5.00（3）"),
        "{text}"
    );
    let content = browser.script(
        "return document.querySelector(arguments[0] + ' td:nth-child(7)').textContent",
        json!([format!("#quality-sessions {row}")]),
    );
    assert_eq!(content, "5.00", "the optional content score counted");
    browser.wait_for("ul.comments li", |t| t.contains(comment));
    assert!(!browser.exists("ul.comments img"), "comments are text");
    browser.screenshot("quality");

    // The instructor reads their own.
    sign_in(&browser, &base, "li-teacher", "#/quality");
    browser.wait_for("#my-quality .trend", |t| t.contains("上升"));
    browser.wait_for("#evaluated-sessions", |t| t.contains("办信实务"));
    browser.wait_for("#my-quality ul.comments", |t| t.contains(comment));
    browser.screenshot("my-quality");
}

crate::both_backends!(the_evaluation_loop_in_the_browser);
