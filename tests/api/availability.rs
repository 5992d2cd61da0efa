//! Unavailability blocks: half-open periods that never overlap.

use serde_json::json;

use crate::support::{create_instructor, Backend, TestApp};

fn block(start: &str, end: &str) -> serde_json::Value {
    json!({"start": start, "end": end, "note": "省委党校授课"})
}

fn blocks_are_half_open_and_never_overlap(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let id = create_instructor(&planner, "李明", json!({}));
    let path = format!("/api/v1/instructors/{id}/unavailability");
    let first = planner.post(
        &path,
        &block("2027-03-02T00:00:00+08:00", "2027-03-04T00:00:00+08:00"),
    );
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["start"], "2027-03-01T16:00:00Z");
    // Touching at the boundary is not overlapping: [a, b) and [b, c).
    let touching = planner.post(
        &path,
        &block("2027-03-04T00:00:00+08:00", "2027-03-05T00:00:00+08:00"),
    );
    assert_eq!(touching.status, 201, "{}", touching.body);
    let overlapping = planner.post(
        &path,
        &block("2027-03-03T12:00:00+08:00", "2027-03-06T00:00:00+08:00"),
    );
    let problem = overlapping.problem(409);
    assert_eq!(problem["type"], "/problems/overlapping-block");
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains(first.body["id"].as_str().unwrap()));
    // The same instant in another offset is the same instant.
    let same = planner.post(
        &path,
        &block("2027-03-02T20:00:00Z", "2027-03-02T21:00:00Z"),
    );
    same.problem(409);
    let backwards = planner.post(
        &path,
        &block("2027-03-09T00:00:00+08:00", "2027-03-09T00:00:00+08:00"),
    );
    assert_eq!(
        backwards.field_errors(),
        [("end".to_owned(), "after_start".to_owned())]
    );
    let no_offset = planner.post(
        &path,
        &block("2027-03-09T00:00:00", "2027-03-10T00:00:00+08:00"),
    );
    assert_eq!(
        no_offset.field_errors(),
        [("start".to_owned(), "date_time".to_owned())]
    );
    let no_offset = planner.post(
        &path,
        &block("2027-03-09T00:00:00+08:00", "2027-03-10T00:00:00"),
    );
    assert_eq!(
        no_offset.field_errors(),
        [("end".to_owned(), "date_time".to_owned())]
    );
    // A year RFC 3339 cannot write once in UTC (10000, 0) is refused, not
    // stored to be shown as `+10000-01-01T04:00:00Z`.
    for (start, end, field) in [
        (
            "2027-03-09T00:00:00+08:00",
            "9999-12-31T20:00:00-08:00",
            "end",
        ),
        (
            "0001-01-01T01:00:00+09:00",
            "2027-03-10T00:00:00+08:00",
            "start",
        ),
    ] {
        let far = planner.post(&path, &block(start, end));
        assert_eq!(
            far.field_errors(),
            [(field.to_owned(), "date_range".to_owned())]
        );
    }
    let list = planner.get(&path);
    assert_eq!(list.body.as_array().unwrap().len(), 2);
    assert_eq!(
        app.db()
            .count("SELECT count(*) AS count FROM unavailability"),
        2
    );
    let first_id = first.body["id"].as_str().unwrap();
    assert_eq!(planner.delete(&format!("{path}/{first_id}")).status, 204);
    planner.delete(&format!("{path}/{first_id}")).problem(404);
    assert_eq!(planner.get(&path).body.as_array().unwrap().len(), 1);
    planner
        .post(
            "/api/v1/instructors/nobody/unavailability",
            &block("2027-03-02T00:00:00+08:00", "2027-03-04T00:00:00+08:00"),
        )
        .problem(404);
}

fn instructors_keep_their_own_availability(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let id = create_instructor(&planner, "李明", json!({}));
    let me = app.client("instructor", Some(&id));
    let r = me.post(
        "/api/v1/me/unavailability",
        &block("2027-05-01T00:00:00+08:00", "2027-05-06T00:00:00+08:00"),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["instructor"], id.as_str());
    let own = me.get("/api/v1/me/unavailability");
    assert_eq!(own.body.as_array().unwrap().len(), 1);
    // The planner sees the same block.
    let theirs = planner.get(&format!("/api/v1/instructors/{id}/unavailability"));
    assert_eq!(theirs.body, own.body);
    let block_id = r.body["id"].as_str().unwrap();
    assert_eq!(
        me.delete(&format!("/api/v1/me/unavailability/{block_id}"))
            .status,
        204
    );
    assert_eq!(me.get("/api/v1/me/unavailability").body, json!([]));
}

/// Racing writers: of simultaneous overlapping blocks exactly one is stored,
/// and of simultaneous updates from the same version exactly one wins; the
/// others get 409, never a 500.
fn concurrent_writes_do_not_race(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let id = create_instructor(&planner, "李明", json!({}));
    let statuses = |f: &(dyn Fn(usize) -> u16 + Sync)| -> Vec<u16> {
        let mut statuses: Vec<u16> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8).map(|i| s.spawn(move || f(i))).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        statuses.sort();
        statuses
    };
    let path = format!("/api/v1/instructors/{id}/unavailability");
    let blocks = statuses(&|i| {
        let start = format!("2027-06-01T0{i}:00:00+08:00");
        planner
            .post(&path, &block(&start, "2027-06-02T00:00:00+08:00"))
            .status
    });
    assert_eq!(blocks, [201, 409, 409, 409, 409, 409, 409, 409]);
    assert_eq!(
        app.db()
            .count("SELECT count(*) AS count FROM unavailability"),
        1
    );
    let record = format!("/api/v1/instructors/{id}");
    let updates = statuses(&|i| {
        let body = crate::support::instructor("李明", json!({"yearly_capacity": i}));
        planner.put(&record, &body, Some("\"1\"")).status
    });
    assert_eq!(updates, [200, 409, 409, 409, 409, 409, 409, 409]);
    assert_eq!(planner.get(&record).body["version"], 2);
}

crate::both_backends!(
    blocks_are_half_open_and_never_overlap,
    instructors_keep_their_own_availability,
    concurrent_writes_do_not_race,
);
