//! A small deadline burst on PostgreSQL (the national benchmark's,
//! `benches/national_burst.rs`, at the size of a test): `faculty-pool
//! national` loads two provinces with two cities of two counties each, every
//! office's planner queues a run at once on two replicas, every run is
//! executed exactly once, and applying them all in random order refuses
//! collisions with 409 `calendar-collision` and leaves nobody double-booked
//! or over their yearly capacity.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde_json::{json, Value};

use crate::staffing::wait;
use crate::support::{Backend, Client, TestApp, TestDb, SECRET};

const PASSWORD: &str = "national burst test planner";

fn a_small_burst_on_two_replicas() {
    let db = TestDb::new(Backend::Postgres);
    let url = db.url.clone();
    let out = db.cli(
        &[
            "national",
            "--database",
            &url,
            "--provinces",
            "2",
            "--cities",
            "2",
            "--counties",
            "2",
            "--instructors-per-province",
            "120",
            "--province-sessions",
            "40",
            "--password",
            PASSWORD,
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let app = TestApp::start_on(db, &[("JWT_SECRET", SECRET), ("RUN_WORKERS", "1")]);
    let replica = app.second(&[("RUN_WORKERS", "1")]);
    let admin = app.login("admin", PASSWORD);
    let offices = admin.get("/api/v1/offices").body;
    let offices: Vec<&str> = offices
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(offices.len(), 1 + 2 * (1 + 2 + 4));
    // Each office's planner, on one replica or the other, and its plan.
    let planners: Vec<(Client, String)> = offices
        .iter()
        .enumerate()
        .map(|(k, office)| {
            let server = if k % 2 == 0 { &app } else { &replica };
            let planner = server.login(&format!("planner-{office}"), PASSWORD);
            let plans = planner.get("/api/v1/plans").body;
            let plan = plans
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["office"] == *office)
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            (planner, plan)
        })
        .collect();
    let runs: Vec<Value> = std::thread::scope(|s| {
        let queued: Vec<_> = planners
            .iter()
            .map(|(planner, plan)| {
                s.spawn(move || {
                    let r = planner.post(
                        &format!("/api/v1/plans/{plan}/staffing-runs"),
                        &json!({"options": {"time_limit_s": 10}}),
                    );
                    assert_eq!(r.status, 202, "{}", r.body);
                    r.body
                })
            })
            .collect();
        queued.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for ((planner, _), run) in planners.iter().zip(&runs) {
        let done = wait(planner, run["id"].as_str().unwrap());
        assert_eq!(done["state"], "done", "{done}");
    }
    let db = app.db();
    assert_eq!(
        db.count(
            "SELECT count(*) AS count FROM staffing_runs WHERE state = 'done' AND attempts = 1"
        ),
        runs.len() as i64,
        "every run executed exactly once"
    );

    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(3));
    let mut refused = 0;
    for k in order {
        let (planner, _) = &planners[k];
        let r = planner.post(
            &format!(
                "/api/v1/staffing-runs/{}/apply",
                runs[k]["id"].as_str().unwrap()
            ),
            &json!(null),
        );
        if r.status == 409 {
            assert_eq!(r.body["type"], "/problems/calendar-collision", "{}", r.body);
            let detail = r.body["detail"].as_str().unwrap();
            assert!(
                detail.contains(" overlaps session ") || detail.contains(" may teach "),
                "a collision names what collides: {detail}"
            );
            refused += 1;
        } else {
            assert_eq!(r.status, 200, "{}", r.body);
        }
    }
    assert!(refused < runs.len(), "some runs applied");
    assert_eq!(
        db.count(
            "SELECT count(*) AS count FROM assignments a JOIN sessions s ON s.id = a.session_id \
             JOIN assignments b ON b.instructor_id = a.instructor_id AND b.id < a.id \
                  AND b.state IN ('proposed', 'confirmed') \
             JOIN sessions t ON t.id = b.session_id \
             WHERE a.state IN ('proposed', 'confirmed') \
               AND s.start_at < t.end_at AND t.start_at < s.end_at"
        ),
        0,
        "nobody holds two overlapping sessions"
    );
    assert_eq!(
        db.count(
            "SELECT count(*) AS count FROM (SELECT instructor_id, count(*) AS n FROM assignments \
               WHERE state IN ('proposed', 'confirmed') GROUP BY instructor_id) h \
             JOIN instructors i ON i.id = h.instructor_id WHERE h.n > i.yearly_capacity"
        ),
        0,
        "nobody holds more than their capacity"
    );
}

#[test]
fn postgres_burst_on_two_replicas() {
    a_small_burst_on_two_replicas()
}
