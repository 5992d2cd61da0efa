//! `GET /metrics`: behind its token, off when asked, and moving when work
//! happens (requests by route pattern, runs by state and outcome, the last
//! run's gap, the recommendation snapshot's age).

use serde_json::json;

use crate::staffing::{seed_plan, seed_pool, staff};
use crate::support::{Backend, TestApp, TestDb, SECRET};

const TOKEN: &str = "metrics-token-of-the-operators";

/// The value of the sample `name{labels}` in a scrape, if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

fn metrics_move_with_work(backend: Backend) {
    let app = TestApp::start_on(
        TestDb::new(backend),
        &[("JWT_SECRET", SECRET), ("METRICS_TOKEN", TOKEN)],
    );
    let scrape = |token: Option<&str>| {
        let mut request = reqwest::blocking::Client::new().get(format!("{}/metrics", app.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().unwrap()
    };
    assert_eq!(scrape(None).status(), 401);
    assert_eq!(scrape(Some("guess")).status(), 401);
    let first = scrape(Some(TOKEN));
    assert_eq!(first.status(), 200);
    assert!(first.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let before = first.text().unwrap();
    assert_eq!(
        sample(&before, "faculty_pool_staffing_runs{state=\"done\"}"),
        Some(0.0)
    );
    // Not a number until the pool is first read, which the server does in
    // the background a second after it starts.
    assert!(
        sample(&before, "faculty_pool_recommendation_snapshot_age_seconds")
            .is_some_and(|age| age.is_nan() || (0.0..60.0).contains(&age))
    );

    let api = app.client("planner", None);
    seed_pool(&api);
    let (plan, _, sessions) = seed_plan(&api);
    for _ in 0..3 {
        assert_eq!(api.get(&format!("/api/v1/plans/{plan}")).status, 200);
    }
    let run = staff(&api, &plan, json!({}));
    assert_eq!(run["state"], "done", "{run}");
    let ranked = api.get(&format!("/api/v1/sessions/{}/recommendations", sessions[0]));
    assert_eq!(ranked.status, 200);

    let after = scrape(Some(TOKEN)).text().unwrap();
    let requests = sample(
        &after,
        "faculty_pool_http_requests_total{endpoint=\"/api/v1/plans/{id}\",method=\"GET\",status=\"200\"}",
    );
    assert_eq!(requests, Some(3.0), "{after}");
    assert_eq!(
        sample(&after, "faculty_pool_staffing_runs{state=\"done\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&after, "faculty_pool_staffing_runs{state=\"queued\"}"),
        Some(0.0)
    );
    assert_eq!(
        sample(
            &after,
            "faculty_pool_staffing_run_seconds_count{outcome=\"done\"}"
        ),
        Some(1.0)
    );
    let gap = sample(&after, "faculty_pool_staffing_run_gap{status=\"optimal\"}");
    assert!(gap.is_some_and(|g| (0.0..=1e-4).contains(&g)), "{after}");
    let age = sample(&after, "faculty_pool_recommendation_snapshot_age_seconds");
    assert!(age.is_some_and(|a| (0.0..60.0).contains(&a)), "{age:?}");
    let unknown = reqwest::blocking::get(format!("{}/no/such/page", app.base)).unwrap();
    assert_eq!(unknown.status(), 404);
    let masked = scrape(Some(TOKEN)).text().unwrap();
    assert!(
        masked.contains("endpoint=\"unmatched\""),
        "paths without a route are not labels"
    );
    assert!(!masked.contains("/no/such/page"));
}

fn metrics_can_be_off(backend: Backend) {
    let app = TestApp::start_on(
        TestDb::new(backend),
        &[("JWT_SECRET", SECRET), ("METRICS", "off")],
    );
    let r = app.anonymous().get("/metrics");
    r.problem(404);
}

crate::both_backends!(metrics_move_with_work, metrics_can_be_off);
