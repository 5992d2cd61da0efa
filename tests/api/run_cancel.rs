//! Stopping a staffing run: a queued one never starts; a running one stops
//! its solver within moments, on whichever server runs it, and keeps the
//! best staffing found so far, which is applied only when confirmed.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use solver::synthetic::Shape;

use crate::staffing::{check, seed_plan, seed_pool, wait};
use crate::support::{Backend, Client, TestApp, TestDb, SECRET};

fn run(client: &Client, id: &str) -> Value {
    client.get(&format!("/api/v1/staffing-runs/{id}")).body
}

/// A queued run cancelled never starts, even once a worker is there.
fn a_queued_run_never_starts(backend: Backend) {
    let api_only = [("JWT_SECRET", SECRET), ("RUN_WORKERS", "0")];
    let app = TestApp::start_on(TestDb::new(backend), &api_only);
    let planner = app.client("planner", None);
    seed_pool(&planner);
    let (plan, _, _) = seed_plan(&planner);
    let queued = planner.post(&format!("/api/v1/plans/{plan}/staffing-runs"), &json!({}));
    assert_eq!(queued.status, 202);
    let id = queued.body["id"].as_str().unwrap().to_owned();
    let r = planner.post(&format!("/api/v1/staffing-runs/{id}/cancel"), &json!(null));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["state"], "cancelled");
    // Again: it has ended.
    let r = planner.post(&format!("/api/v1/staffing-runs/{id}/cancel"), &json!(null));
    assert_eq!(r.problem(409)["type"], "/problems/run-ended");
    app.client("office", None)
        .post(&format!("/api/v1/staffing-runs/{id}/cancel"), &json!(null))
        .problem(403);
    // A server with a worker takes a later run but never this one.
    let db = app.kill();
    let app = TestApp::start_on(db, &[("JWT_SECRET", SECRET)]);
    let planner = app.login_as_existing(&planner);
    let later = planner.post(&format!("/api/v1/plans/{plan}/staffing-runs"), &json!({}));
    wait(&planner, later.body["id"].as_str().unwrap());
    let cancelled = run(&planner, &id);
    assert_eq!(cancelled["state"], "cancelled");
    assert_eq!(cancelled["attempts"], 0);
    assert!(cancelled["started_at"].is_null());
}

/// A running run on a province-sized plan (scarce capacity, asked for the
/// exact optimum within two minutes) is asked to stop through another
/// server on PostgreSQL (the same one on SQLite): it stops long before its
/// limit, keeps a valid staffing, and applies only when confirmed.
fn a_running_run_stops_and_keeps_its_best(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let mut shape = Shape::overlapping(2000, 1000, 10, 4);
    shape.capacity = (1, 2);
    let plan = crate::province::load(&planner, shape);
    let queued = planner.post(
        &format!("/api/v1/plans/{plan}/staffing-runs"),
        &json!({"options": {"time_limit_s": 120, "mip_gap": 0}}),
    );
    assert_eq!(queued.status, 202, "{}", queued.body);
    let id = queued.body["id"].as_str().unwrap().to_owned();
    // Solving: its progress has a point beyond the hand method's.
    let deadline = Instant::now() + Duration::from_secs(60);
    while run(&planner, &id)["progress"].as_array().unwrap().len() < 2 {
        assert!(Instant::now() < deadline, "{}", run(&planner, &id));
        std::thread::sleep(Duration::from_millis(100));
    }
    let other = (backend == Backend::Postgres).then(|| app.second(&[("RUN_WORKERS", "0")]));
    let asking = other
        .as_ref()
        .map_or(planner.clone(), |o| o.login_as_existing(&planner));
    let r = asking.post(&format!("/api/v1/staffing-runs/{id}/cancel"), &json!(null));
    assert_eq!(r.status, 202, "{}", r.body);
    assert!(r.body["cancel_requested_at"].is_string());
    let ended = wait_for_end(&planner, &id);
    assert_eq!(ended["state"], "cancelled", "{ended}");
    let asked =
        chrono::DateTime::parse_from_rfc3339(ended["cancel_requested_at"].as_str().unwrap());
    let finished = chrono::DateTime::parse_from_rfc3339(ended["finished_at"].as_str().unwrap());
    let stopping = (finished.unwrap() - asked.unwrap()).as_seconds_f64();
    // Far under the two minutes it asked for: it stopped because it was told to.
    assert!(stopping < 20.0, "it took {stopping:.1} s to stop");
    assert_eq!(ended["solution"]["status"], "time_limit");
    assert!(!ended["solution"]["assignments"]
        .as_array()
        .unwrap()
        .is_empty());
    check(&planner, &ended);
    let apply = |query: &str| {
        planner.post(
            &format!("/api/v1/staffing-runs/{id}/apply{query}"),
            &json!(null),
        )
    };
    assert_eq!(apply("").problem(409)["type"], "/problems/run-cancelled");
    assert_eq!(
        app.db().count("SELECT count(*) AS count FROM assignments"),
        0
    );
    let applied = apply("?confirm=true");
    assert_eq!(applied.status, 200, "{}", applied.body);
    assert!(app.db().count("SELECT count(*) AS count FROM assignments") > 0);
}

/// Polls a run until it has ended (done, failed or cancelled).
fn wait_for_end(client: &Client, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let current = run(client, id);
        if ["done", "failed", "cancelled"].contains(&current["state"].as_str().unwrap_or_default())
        {
            return current;
        }
        assert!(Instant::now() < deadline, "{current}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The board's 停止运行 stops a run from the console (a server without a
/// worker keeps it queued, so the button is there to press).
fn the_board_stops_a_run(backend: Backend) {
    let api_only = [("JWT_SECRET", SECRET), ("RUN_WORKERS", "0")];
    let app = TestApp::start_on(TestDb::new(backend), &api_only);
    let planner = app.client("planner", None);
    seed_pool(&planner);
    let (plan, _, _) = seed_plan(&planner);
    app.add_user("board-planner", "planner", None);
    let browser = crate::webdriver::Browser::start();
    crate::console::sign_in(
        &browser,
        &app.base,
        "board-planner",
        &format!("#/plans/{plan}/board"),
    );
    browser.submit("#run-form", &[("time_limit_s", "5")]);
    browser.find("#run-status[data-state=queued]");
    browser.click(&browser.find("#cancel-run"));
    browser.wait_for("#run-status[data-state=cancelled]", |t| {
        t.contains("已取消")
    });
    browser.screenshot("run-cancelled");
    let runs = planner
        .get(&format!("/api/v1/plans/{plan}/staffing-runs"))
        .body;
    assert_eq!(runs[0]["state"], "cancelled");
}

crate::both_backends!(
    a_queued_run_never_starts,
    a_running_run_stops_and_keeps_its_best,
    the_board_stops_a_run,
);
