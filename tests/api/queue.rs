//! The staffing-run queue in the database: runs survive a dead server, and
//! on PostgreSQL two server processes share the queue, each run executed once.

use serde_json::json;

use crate::staffing::{check, seed_plan, seed_pool, wait};
use crate::support::{Backend, Client, TestApp, TestDb, SECRET};

/// A run queued on a server without workers, which is then killed: the
/// database, a planner's client and the run's id.
fn queued_on_a_killed_server(backend: Backend) -> (TestDb, Client, String) {
    let app = TestApp::start_on(
        TestDb::new(backend),
        &[("JWT_SECRET", SECRET), ("RUN_WORKERS", "0")],
    );
    let planner = app.client("planner", None);
    seed_pool(&planner);
    let (plan, _, _) = seed_plan(&planner);
    let queued = planner.post(&format!("/api/v1/plans/{plan}/staffing-runs"), &json!({}));
    assert_eq!(queued.status, 202);
    let id = queued.body["id"].as_str().unwrap().to_owned();
    // No worker in this process: the run waits in the queue.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let state = planner.get(&format!("/api/v1/staffing-runs/{id}")).body["state"].clone();
    assert_eq!(state, "queued");
    (app.kill(), planner, id)
}

/// A server dies while solving (SIGKILL); its run, left `running` with a
/// lease that runs out, is executed again by the next server.
fn runs_survive_a_dead_server(backend: Backend) {
    let (db, planner, id) = queued_on_a_killed_server(backend);
    // What a server killed mid-solve leaves behind: its claim. On PostgreSQL
    // another replica may still hold it, so it waits for the lease to run
    // out; an SQLite database has one server, which takes it up at start.
    let lease = match backend {
        Backend::Postgres => "2026-01-01 00:00:30",
        Backend::Sqlite => "2999-01-01 00:00:00",
    };
    db.execute(&format!(
        "UPDATE staffing_runs SET state = 'running', worker = 'dead-0', attempts = 1, \
         started_at = '2026-01-01 00:00:00', lease_until = '{lease}' WHERE id = '{id}'"
    ));
    let again = TestApp::start_on(db, &[("JWT_SECRET", SECRET), ("RUN_LEASE_S", "2")]);
    let planner = again.login_as_existing(&planner);
    let run = wait(&planner, &id);
    assert_eq!(run["state"], "done", "{run}");
    assert_eq!(run["attempts"], 2);
    assert_ne!(run["worker"], "dead-0");
    check(&planner, &run);
}

/// A run interrupted too often is failed, not retried forever.
fn runs_give_up_after_three_attempts(backend: Backend) {
    let (db, planner, id) = queued_on_a_killed_server(backend);
    db.execute(&format!(
        "UPDATE staffing_runs SET state = 'running', worker = 'dead-0', attempts = 3, \
         lease_until = '2026-01-01 00:00:30' WHERE id = '{id}'"
    ));
    let again = TestApp::start_on(db, &[("JWT_SECRET", SECRET)]);
    let planner = again.login_as_existing(&planner);
    let run = wait(&planner, &id);
    assert_eq!(run["state"], "failed");
    assert!(
        run["error"]
            .as_str()
            .unwrap()
            .contains("interrupted 3 times"),
        "{run}"
    );
}

/// Two server processes on one PostgreSQL database: every run is executed
/// exactly once, and both processes execute runs.
fn two_servers_share_the_queue(_: Backend) {
    let app = TestApp::start_on(
        TestDb::new(Backend::Postgres),
        &[("JWT_SECRET", SECRET), ("RUN_WORKERS", "2")],
    );
    let other = app.second(&[("RUN_WORKERS", "2")]);
    let planner = app.client("planner", None);
    seed_pool(&planner);
    let (plan, _, _) = seed_plan(&planner);
    let via_other = other.login_as_existing(&planner);
    let ids: Vec<String> = (0..8)
        .map(|k| {
            // Ask both servers, alternately.
            let server = if k % 2 == 0 { &planner } else { &via_other };
            let r = server.post(&format!("/api/v1/plans/{plan}/staffing-runs"), &json!({}));
            assert_eq!(r.status, 202, "{}", r.body);
            r.body["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let mut workers = std::collections::BTreeSet::new();
    for id in &ids {
        let run = wait(&via_other, id);
        assert_eq!(run["state"], "done", "{run}");
        assert_eq!(
            run["attempts"], 1,
            "run {id} was executed more than once: {run}"
        );
        // `<pid>-<random>-<worker number>`: the process is all but the last part.
        let worker = run["worker"].as_str().unwrap();
        workers.insert(worker.rsplit_once('-').unwrap().0.to_owned());
    }
    // Each server's own doorbell wakes its idle workers when a run is queued
    // through it, so the runs queued through each are taken up by both.
    assert_eq!(
        workers.len(),
        2,
        "every run was executed by one process: {workers:?}"
    );
}

crate::both_backends!(
    runs_survive_a_dead_server,
    runs_give_up_after_three_attempts
);

mod postgres_only {
    #[test]
    fn two_servers_share_the_queue() {
        super::two_servers_share_the_queue(crate::support::Backend::Postgres)
    }
}
