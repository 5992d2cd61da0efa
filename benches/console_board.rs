//! How long the console's staffing board of a provincial plan takes to
//! draw in a real headless Chromium.
//!
//! `cargo bench --bench console_board [-- SESSIONS INSTRUCTORS LOADS SEED]`
//! (defaults 1000, 3000, 7, 7)
//!
//! Seeds a fresh SQLite database with the demo's pool (drawn with SEED,
//! which also shifts the sessions' topics), adds a plan of
//! SESSIONS sessions in classes of 20 through the API, staffs it with a
//! 60-second run and applies the proposal, then opens the board LOADS times
//! in a new page load each and reads the console's `page-drawn` mark: the
//! time from navigation start until the frame after the board's was painted
//! (every API call of the page, the DOM and its layout), and the plan's
//! workload page the same way. Then it times, LOADS
//! times each, the planner's single actions from the click until the frame
//! after their result was painted: the filter to unfilled places, opening a
//! class, locking (or unlocking) an assignment, opening a session's
//! alternates; and applying a run (3 times, each after a 10-second run, until
//! the board's summary shows it applied), in
//! the page and then through the API alone (the server's part).
//! Prints each measure's median and worst; browser and server share the
//! machine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// Only the demo, the server and accounts of the benches' shared support are used here.
#[allow(dead_code)]
mod support;
#[allow(dead_code)]
#[path = "../tests/api/webdriver.rs"]
mod webdriver;

use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use serde_json::{json, Value};
use solver::synthetic::{COMPREHENSIVE, SPECIALISED};
use support::Server;

const SESSIONS_PER_CLASS: usize = 20;
/// Venues: city, latitude, longitude.
const VENUES: [(&str, f64, f64); 4] = [
    ("武汉", 30.59, 114.30),
    ("宜昌", 30.69, 111.29),
    ("襄阳", 32.01, 112.12),
    ("黄冈", 30.45, 114.87),
];

fn main() {
    let args = support::numbers();
    let sessions = args.first().copied().unwrap_or(1000);
    let instructors = args.get(1).copied().unwrap_or(3000);
    let loads = args.get(2).copied().unwrap_or(7).max(1);
    let seed = args.get(3).copied().unwrap_or(7);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("board.db").to_string_lossy().into_owned();
    support::seed_demo(&db, instructors, seed as u64);
    support::add_user(&db, "bench", "planner");
    let server = Server::start(&db);
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let token = server.token(&http, "bench");
    let api = |method: reqwest::Method, path: &str, body: Value| -> Value {
        let r = http
            .request(method, format!("{}{path}", server.base))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .unwrap();
        let status = r.status();
        let body: Value = r.json().unwrap();
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    };
    let plan = plan(&api, sessions, seed);
    staff(&api, &plan);

    let browser = webdriver::Browser::start();
    browser.goto(&format!("{}/#/plans", server.base));
    browser.submit(
        "#login",
        &[("username", "bench"), ("password", support::PASSWORD)],
    );
    browser.find("#plans");
    let mut drawn = Vec::new();
    for load in 0..loads {
        let (ms, rows) = page_drawn(
            &browser,
            &format!("{}/?load={load}#/plans/{plan}/board", server.base),
            "#board tr[data-session]",
        );
        assert_eq!(rows, 0, "the classes are drawn as one line each");
        println!("load {load}: board drawn {ms:.0} ms after navigation");
        drawn.push(ms);
    }
    browser.screenshot("board-of-a-provincial-plan");
    let mut workload = Vec::new();
    for load in 0..loads {
        let (ms, rows) = page_drawn(
            &browser,
            &format!("{}/?workload={load}#/plans/{plan}/workload", server.base),
            "#workload tr[data-instructor]",
        );
        assert!(rows > 0, "the workload lists the plan's instructors");
        workload.push(ms);
    }
    browser.screenshot("workload-of-a-provincial-plan");
    // The single actions are the board's.
    page_drawn(
        &browser,
        &format!("{}/?actions#/plans/{plan}/board", server.base),
        "#board",
    );
    println!(
        "\nBoard of {sessions} sessions ({instructors} instructors in the pool, seed {seed}):"
    );
    report(&format!("first draw ({loads} loads)"), drawn);
    report("workload page, first draw", workload);
    actions(&browser, loads);
    let mut applies = Vec::new();
    for round in 0..3 {
        let run = run_done(&api, &plan);
        let run = run.rsplit('/').next().unwrap();
        browser.goto(&format!(
            "{}/?apply={round}#/plans/{plan}/board",
            server.base
        ));
        browser.click(&browser.find("#review"));
        browser.find("#changes-view");
        applies.push(timed(
            &browser,
            "document.getElementById('apply').click()",
            &format!(
                "document.querySelector('#board-summary[data-run=\"{run}\"][data-applied=yes]')"
            ),
        ));
    }
    report("apply a run (3 runs)", applies);
    // The server's part of applying: the same, through the API alone.
    let mut served = Vec::new();
    for _ in 0..3 {
        let path = run_done(&api, &plan);
        let started = Instant::now();
        api(reqwest::Method::POST, &format!("{path}/apply"), Value::Null);
        served.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    report("apply through the API (3 runs)", served);
}

/// Starts a 10-second run of the plan and waits until it is done; its path.
fn run_done(api: &impl Fn(reqwest::Method, &str, Value) -> Value, plan: &str) -> String {
    let run = api(
        reqwest::Method::POST,
        &format!("/api/v1/plans/{plan}/staffing-runs"),
        json!({"weights": {"keep": 0.5}, "options": {"time_limit_s": 10}}),
    );
    let path = format!("/api/v1/staffing-runs/{}", run["id"].as_str().unwrap());
    while api(reqwest::Method::GET, &path, Value::Null)["state"] != "done" {
        std::thread::sleep(Duration::from_millis(500));
    }
    path
}

/// Loads `url` afresh and waits for the console's `page-drawn` mark: its
/// time after navigation start, and how many `count` elements the page has.
fn page_drawn(browser: &webdriver::Browser, url: &str, count: &str) -> (f64, u64) {
    browser.goto(url);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let seen = browser.script(
            "const m = performance.getEntriesByName('page-drawn')[0]; \
             return m ? [m.startTime, document.querySelectorAll(arguments[0]).length] : null;",
            json!([count]),
        );
        if let Some([ms, rows]) = seen.as_array().map(Vec::as_slice) {
            return (ms.as_f64().unwrap(), rows.as_u64().unwrap());
        }
        assert!(Instant::now() < deadline, "{url} was not drawn");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Prints a measure's median and worst.
fn report(what: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    println!(
        "  {what:<34} median {:>6.0} ms   worst {:>6.0} ms",
        ms[ms.len() / 2],
        ms[ms.len() - 1]
    );
}

/// The time from running `action` in the page until the frame after
/// `ready` first held was painted, measured in the page.
fn timed(browser: &webdriver::Browser, action: &str, ready: &str) -> f64 {
    browser.script(
        &format!(
            "window.timedMs = null; const t0 = performance.now(); {action}; \
             (function poll() {{ if (!({ready})) return requestAnimationFrame(poll); \
               requestAnimationFrame(() => requestAnimationFrame(() => {{ window.timedMs = performance.now() - t0; }})); }})();"
        ),
        json!([]),
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(ms) = browser.script("return window.timedMs", json!([])).as_f64() {
            return ms;
        }
        assert!(Instant::now() < deadline, "{action} did not finish");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Times the board's single actions `times` times each.
fn actions(browser: &webdriver::Browser, times: usize) {
    let (mut filter, mut open, mut lock, mut alternates) = (vec![], vec![], vec![], vec![]);
    let gaps = "document.querySelector('#board-filters input[name=gaps]').click()";
    let mut shown = 0;
    for k in 0..times {
        filter.push(timed(browser, gaps, "true"));
        shown = browser
            .script(
                "return document.querySelectorAll('#classes tr[data-session]').length",
                json!([]),
            )
            .as_u64()
            .unwrap_or_default();
        browser.script(gaps, json!([]));
        browser.script("document.getElementById('close-all').click()", json!([]));
        open.push(timed(
            browser,
            &format!("document.querySelectorAll('#classes article.class details')[{k}].open = true"),
            &format!("document.querySelectorAll('#classes article.class')[{k}].querySelector('tr[data-session]')"),
        ));
        let chip = browser.script(
            &format!("return document.querySelectorAll('#classes article.class')[{k}].querySelector('.chip[data-assignment] button[data-action$=lock]').closest('.chip').dataset.assignment"),
            json!([]),
        );
        let chip = chip.as_str().expect("a proposal in the class");
        let locked = browser.exists(&format!(".chip.locked[data-assignment=\"{chip}\"]"));
        lock.push(timed(
            browser,
            &format!("document.querySelector('.chip[data-assignment=\"{chip}\"] button[data-action$=lock]').click()"),
            &format!("document.querySelector('.chip{}[data-assignment=\"{chip}\"]')", if locked { ":not(.locked)" } else { ".locked" }),
        ));
        alternates.push(timed(
            browser,
            &format!("document.querySelectorAll('.alternates-row').forEach(r => r.remove()); \
                      document.querySelectorAll('#classes article.class')[{k}].querySelector('button.alternates').click()"),
            "document.querySelector('.alternates-list, .no-alternates')",
        ));
    }
    report(&format!("filter to unfilled ({shown} rows)"), filter);
    report("open a class", open);
    report("lock or unlock an assignment", lock);
    report("open a session's alternates", alternates);
}

/// A plan of `sessions` sessions through the API; returns its id.
fn plan(
    api: &impl Fn(reqwest::Method, &str, Value) -> Value,
    sessions: usize,
    seed: usize,
) -> String {
    let started = Instant::now();
    let plan = api(
        reqwest::Method::POST,
        "/api/v1/plans",
        json!({"name": "湖北省2027年度全员轮训计划（看板基准）", "year": 2027, "tier": "provincial"}),
    );
    let id = plan["id"].as_str().unwrap().to_owned();
    let first = NaiveDate::from_ymd_opt(2027, 1, 4).unwrap();
    let topics: Vec<&str> = COMPREHENSIVE
        .iter()
        .chain(SPECIALISED.iter())
        .copied()
        .collect();
    for class in 0..sessions.div_ceil(SESSIONS_PER_CLASS) {
        let start = first + Days::new(7 * class as u64 % 350);
        let (city, lat, lon) = VENUES[class % VENUES.len()];
        let made = api(
            reqwest::Method::POST,
            &format!("/api/v1/plans/{id}/classes"),
            json!({"name": format!("全省信访干部轮训班（第{}期）", class + 1),
                   "kind": if class % 2 == 0 { "comprehensive" } else { "specialised" },
                   "city": city, "lat": lat, "lon": lon, "start_date": start,
                   "end_date": start + Days::new(9), "min_cadre_share": 0.5}),
        );
        let class_id = made["id"].as_str().unwrap();
        let here = SESSIONS_PER_CLASS.min(sessions - class * SESSIONS_PER_CLASS);
        for k in 0..here {
            let day = start + Days::new((k / 2) as u64);
            let hour = if k % 2 == 0 { "09" } else { "14" };
            let end = if k % 2 == 0 { "12" } else { "17" };
            api(
                reqwest::Method::POST,
                &format!("/api/v1/classes/{class_id}/sessions"),
                json!({"title": format!("第{}讲", k + 1),
                       "start": format!("{day}T{hour}:00:00+08:00"),
                       "end": format!("{day}T{end}:00:00+08:00"),
                       "method": "lecture",
                       "topics": [{"topic": topics[(seed + class * 7 + k) % topics.len()], "min_level": 3}]}),
            );
        }
    }
    eprintln!(
        "made a plan of {sessions} sessions in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    id
}

/// Staffs the plan with a 60-second run and applies its proposal.
fn staff(api: &impl Fn(reqwest::Method, &str, Value) -> Value, plan: &str) {
    let started = Instant::now();
    let run = api(
        reqwest::Method::POST,
        &format!("/api/v1/plans/{plan}/staffing-runs"),
        json!({"options": {"time_limit_s": 60}}),
    );
    let path = format!("/api/v1/staffing-runs/{}", run["id"].as_str().unwrap());
    let run = loop {
        let run = api(reqwest::Method::GET, &path, Value::Null);
        if run["state"] == "done" || run["state"] == "failed" {
            break run;
        }
        std::thread::sleep(Duration::from_secs(1));
    };
    assert_eq!(run["state"], "done", "{}", run["error"]);
    api(reqwest::Method::POST, &format!("{path}/apply"), Value::Null);
    eprintln!(
        "staffed it ({}, gap {}) and applied in {:.1} s",
        run["solution"]["status"],
        run["solution"]["gap"],
        started.elapsed().as_secs_f64()
    );
}
