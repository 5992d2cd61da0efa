//! No session holds more instructors than it needs, by any path that writes
//! assignments: applying a run that had to drop a confirmed pin, a
//! planner's assignment by hand, lowering a session's `needed`, and SQL
//! written past the service. Each either keeps the count within `needed`
//! or is refused, changing nothing.

use serde_json::{json, Value};

use crate::staffing::{apply, seed_plan, seed_pool, staff};
use crate::support::{Backend, Client, TestApp};

/// The assignments of a session that are not declined.
fn taking(planner: &Client, session: &str) -> Vec<Value> {
    planner
        .get(&format!("/api/v1/assignments?session={session}"))
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["state"] != "declined")
        .cloned()
        .collect()
}

/// A confirmed instructor blocks a day; the planner moves the session into
/// it; the run drops the pin and proposes another; applying does what the
/// run's changes said: the session ends with one instructor, not two.
fn applying_a_run_that_dropped_a_pin(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    seed_pool(&planner);
    let (plan, _, sessions) = seed_plan(&planner);
    let session = &sessions[0]; // 办信实务, needs one
    apply(&planner, &staff(&planner, &plan, json!({})));
    let held = taking(&planner, session);
    assert_eq!(held.len(), 1, "{held:?}");
    let (assignment, teacher) = (
        held[0]["id"].as_str().unwrap().to_owned(),
        held[0]["instructor"].as_str().unwrap().to_owned(),
    );
    let r = planner.post(
        &format!("/api/v1/assignments/{assignment}/confirm"),
        &json!(null),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = planner.post(
        &format!("/api/v1/instructors/{teacher}/unavailability"),
        &json!({"start": "2027-03-10T00:00:00+08:00", "end": "2027-03-11T00:00:00+08:00"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = planner.put(
        &format!("/api/v1/sessions/{session}"),
        &json!({"title": "办信实务", "start": "2027-03-10T09:00:00+08:00",
                "end": "2027-03-10T12:00:00+08:00", "method": "lecture", "needed": 1,
                "topics": [{"topic": "letter-handling", "min_level": 3}]}),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let run = staff(&planner, &plan, json!({}));
    assert!(
        run["dropped_pins"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["instructor"] == teacher.as_str() && p["rule"] == "pin_unavailable"),
        "{}",
        run["dropped_pins"]
    );
    let changes = planner
        .get(&format!(
            "/api/v1/staffing-runs/{}/changes",
            run["id"].as_str().unwrap()
        ))
        .body;
    let dropped = |list: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .any(|c| c["instructor"] == teacher.as_str() && c["session"] == session.as_str())
    };
    let moved_off =
        changes["moved"].as_array().unwrap().iter().any(|m| {
            m["instructor"] == teacher.as_str() && m["from"]["session"] == session.as_str()
        });
    assert!(dropped(&changes["dropped"]) || moved_off, "{changes}");
    apply(&planner, &run);
    let after = taking(&planner, session);
    assert_eq!(after.len(), 1, "{after:?}");
    assert_ne!(after[0]["instructor"], teacher.as_str());
}

/// By hand: a full session takes another only in the place of one named
/// in `replace`; lowering `needed` under what a session holds is refused;
/// SQL past the service is refused by the database itself.
fn every_other_path_stays_within_needed(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let pool = seed_pool(&planner);
    let (plan, _, sessions) = seed_plan(&planner);
    apply(&planner, &staff(&planner, &plan, json!({})));
    let session = &sessions[0];
    let held = taking(&planner, session);
    let proposal = held[0]["id"].as_str().unwrap().to_owned();
    let holder = held[0]["instructor"].as_str().unwrap().to_owned();
    let other = pool
        .iter()
        .take(2) // 李明 and 王芳 both teach letter handling
        .find(|id| **id != holder)
        .unwrap()
        .clone();
    let r = planner.post(
        "/api/v1/assignments",
        &json!({"session": session, "instructor": other}),
    );
    assert_eq!(r.problem(409)["type"], "/problems/session-full");
    assert_eq!(taking(&planner, session).len(), 1);
    let r = planner.post(
        "/api/v1/assignments",
        &json!({"session": session, "instructor": other, "replace": "nope"}),
    );
    assert_eq!(r.field_errors()[0].0, "replace");
    let r = planner.post(
        "/api/v1/assignments",
        &json!({"session": session, "instructor": other, "replace": proposal}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let now = taking(&planner, session);
    assert_eq!(now.len(), 1, "{now:?}");
    assert_eq!(now[0]["instructor"], other.as_str());
    assert_eq!(now[0]["locked"], true);

    // 疑难信件办理 needs two and holds two: one is not enough.
    let pair = &sessions[3];
    assert_eq!(taking(&planner, pair).len(), 2);
    let r = planner.put(
        &format!("/api/v1/sessions/{pair}"),
        &json!({"title": "疑难信件办理", "start": "2027-03-09T14:00:00+08:00",
                "end": "2027-03-09T17:00:00+08:00", "method": "lecture", "needed": 1,
                "topics": [{"topic": "letter-handling", "min_level": 4}]}),
        None,
    );
    assert_eq!(r.problem(409)["type"], "/problems/session-full");
    assert_eq!(
        planner.get(&format!("/api/v1/sessions/{pair}")).body["needed"],
        2
    );

    // Past the service: the database refuses a third instructor.
    let third = pool
        .iter()
        .find(|id| {
            taking(&planner, pair)
                .iter()
                .all(|a| a["instructor"] != id.as_str())
        })
        .unwrap();
    let refused = app.db().try_execute(&format!(
        "INSERT INTO assignments (id, session_id, instructor_id, state, locked, created_at, updated_at) \
         VALUES ('x', '{pair}', '{third}', 'proposed', false, '2027-01-01 00:00:00', '2027-01-01 00:00:00')"
    ));
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("session_overstaffed")),
        "{refused:?}"
    );
    assert_eq!(taking(&planner, pair).len(), 2);
}

crate::both_backends!(
    applying_a_run_that_dropped_a_pin,
    every_other_path_stays_within_needed,
);
