//! A small deadline burst on PostgreSQL (the national benchmark's,
//! `benches/national_burst.rs`, at the size of a test): `faculty-pool
//! national` loads two provinces with two cities of two counties each, every
//! office's planner queues a run at once on two replicas, one replica is
//! killed (SIGKILL) while it solves, the other takes its runs over, every
//! other run is executed exactly once, and applying them all in random
//! order refuses collisions with 409 `calendar-collision` and leaves nobody
//! double-booked or over their yearly capacity.

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
    // A short lease: the killed replica's run is taken over within seconds.
    let app = TestApp::start_on(
        db,
        &[
            ("JWT_SECRET", SECRET),
            ("RUN_WORKERS", "1"),
            ("RUN_LEASE_S", "2"),
        ],
    );
    let replica = app.second(&[("RUN_WORKERS", "1"), ("RUN_LEASE_S", "2")]);
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
    let db = app.db();
    let (killed, held) = kill_while_solving(db, replica);
    // Every planner now goes through the replica that lives.
    let planners: Vec<(Client, String)> = planners
        .into_iter()
        .map(|(planner, plan)| (app.login_as_existing(&planner), plan))
        .collect();
    for ((planner, _), run) in planners.iter().zip(&runs) {
        let done = wait(planner, run["id"].as_str().unwrap());
        assert_eq!(done["state"], "done", "{done}");
        if held.contains(&done["id"].as_str().unwrap().to_owned()) {
            assert_eq!(done["attempts"], 2, "taken over once: {done}");
            let worker = done["worker"].as_str().unwrap();
            assert!(
                !worker.starts_with(&killed),
                "finished by the killed replica: {done}"
            );
        } else {
            assert_eq!(done["attempts"], 1, "executed once: {done}");
        }
    }

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

/// Kills `replica` with SIGKILL while it holds a run: the prefix of its
/// workers' names and the runs it held. It is stopped (SIGSTOP) first, so
/// that the runs read as its own are those it dies holding.
fn kill_while_solving(db: &TestDb, replica: TestApp) -> (String, Vec<String>) {
    let workers = format!("{}-", replica.pid());
    let held = format!(
        "SELECT id FROM staffing_runs WHERE state = 'running' AND worker LIKE '{workers}%'"
    );
    let signal = |name: &str| {
        let sent = std::process::Command::new("kill")
            .args([name, &replica.pid().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        assert!(
            std::time::Instant::now() < deadline,
            "the replica never held a run"
        );
        if !db.ids(&held).is_empty() {
            signal("-STOP");
            let ids = db.ids(&held);
            if !ids.is_empty() {
                drop(replica);
                return (workers, ids);
            }
            signal("-CONT");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn postgres_burst_on_two_replicas() {
    a_small_burst_on_two_replicas()
}
