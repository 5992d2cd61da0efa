//! Teaching records, evaluations and the rating formula of SPEC section 4 at
//! fixed dates.

use serde_json::json;

use crate::support::{create_instructor, Backend, TestApp};

/// SPEC 4, written out independently of the service.
pub fn spec_rating(evaluations: &[(f64, f64)]) -> f64 {
    let (c, m) = (5.0, 3.5);
    let weighted: f64 = evaluations
        .iter()
        .map(|(r, age)| 0.5f64.powf(age / 365.0) * r)
        .sum();
    let weights: f64 = evaluations
        .iter()
        .map(|(_, age)| 0.5f64.powf(age / 365.0))
        .sum();
    ((c * m + weighted) / (c + weights) - 1.0) / 4.0
}

fn rating_at_fixed_dates(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let id = create_instructor(&planner, "李明", json!({}));
    let records = format!("/api/v1/instructors/{id}/teaching-records");
    let r = planner.post(
        &records,
        &json!({"title": "办信实务", "delivered_at": "2025-01-01T00:00:00Z", "scores": [5, 4, 5]}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["mean_score"], json!(14.0 / 3.0));
    let second = planner.post(
        &records,
        &json!({"title": "接访技巧", "delivered_at": "2026-01-01T00:00:00Z", "scores": [2]}),
    );
    let second_id = second.body["id"].as_str().unwrap();
    // Late evaluations of the second session, given half a year after it.
    let late = planner.post(
        &format!("{records}/{second_id}/evaluations"),
        &json!({"scores": [3, 3], "evaluated_at": "2026-07-02T00:00:00Z"}),
    );
    assert_eq!(late.status, 201, "{}", late.body);
    assert_eq!(late.body["score_counts"], json!([0, 1, 2, 0, 0]));
    assert_eq!(late.body["shown"], true);

    let rating_at = |at: &str| {
        planner
            .get(&format!("/api/v1/instructors/{id}?at={at}"))
            .body["rating"]
            .clone()
    };
    // 2027-01-01: ages 730, 365 and 183 days.
    let r = rating_at("2027-01-01T00:00:00Z");
    let expected = spec_rating(&[
        (5.0, 730.0),
        (4.0, 730.0),
        (5.0, 730.0),
        (2.0, 365.0),
        (3.0, 183.0),
        (3.0, 183.0),
    ]);
    assert!(
        (r["rating"].as_f64().unwrap() - expected).abs() < 1e-12,
        "{r} vs {expected}"
    );
    assert_eq!(r["evaluation_count"], 6);
    assert_eq!(r["mean_score"], json!(22.0 / 6.0));
    // 2026-01-01: the second session's scores count at age 0, the late ones not yet.
    let r = rating_at("2026-01-01T00:00:00Z");
    let expected = spec_rating(&[(5.0, 365.0), (4.0, 365.0), (5.0, 365.0), (2.0, 0.0)]);
    assert!(
        (r["rating"].as_f64().unwrap() - expected).abs() < 1e-12,
        "{r} vs {expected}"
    );
    assert_eq!(r["evaluation_count"], 4);
    // Before any evaluation: the prior.
    assert_eq!(
        rating_at("2024-06-01T00:00:00Z"),
        json!({"rating": 0.625, "evaluation_count": 0, "mean_score": null})
    );
    // The list shows the same rating.
    let list = planner.get("/api/v1/instructors?at=2027-01-01T00:00:00Z");
    assert_eq!(
        list.body["items"][0]["rating"],
        rating_at("2027-01-01T00:00:00Z")
    );
    let history = planner.get(&records);
    assert_eq!(history.body.as_array().unwrap().len(), 2);
    assert_eq!(history.body[0]["title"], "接访技巧");

    // Month by month: each point is the rating at its month's end.
    let months = planner.get(&format!(
        "/api/v1/instructors/{id}/rating-history?months=14&until=2026-07-15T00:00:00Z"
    ));
    assert_eq!(months.status, 200, "{}", months.body);
    let points = months.body.as_array().unwrap();
    assert_eq!(points.len(), 14);
    assert_eq!(points[0]["month"], "2025-06");
    assert_eq!(points[0]["at"], "2025-07-01T00:00:00Z");
    assert_eq!(points[13]["month"], "2026-07");
    assert_eq!(points[13]["at"], "2026-07-15T00:00:00Z");
    for point in points {
        let expected = rating_at(point["at"].as_str().unwrap());
        let (got, want) = (point["rating"].as_f64(), expected["rating"].as_f64());
        assert!(
            (got.unwrap() - want.unwrap()).abs() < 1e-12,
            "{point} vs {expected}"
        );
        assert_eq!(point["evaluation_count"], expected["evaluation_count"]);
        assert_eq!(point["mean_score"], expected["mean_score"]);
    }
    // 2026-01 ends on 2026-02-01: 31 days after the score of 2, 396 after the first three.
    let january = spec_rating(&[(5.0, 396.0), (4.0, 396.0), (5.0, 396.0), (2.0, 31.0)]);
    assert!((points[7]["rating"].as_f64().unwrap() - january).abs() < 1e-12);
    assert_eq!(points[7]["evaluation_count"], 4);
    for bad in ["months=0", "months=61", "months=x"] {
        let r = planner.get(&format!("/api/v1/instructors/{id}/rating-history?{bad}"));
        assert_eq!(r.status, 422, "{bad}: {}", r.body);
    }
    planner
        .get("/api/v1/instructors/nobody/rating-history")
        .problem(404);
}

fn evaluations_are_validated(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let id = create_instructor(&planner, "李明", json!({}));
    let records = format!("/api/v1/instructors/{id}/teaching-records");
    let r = planner.post(
        &records,
        &json!({"title": " ", "delivered_at": "2099-01-01T00:00:00Z", "scores": [0, 3, 6]}),
    );
    let mut errors = r.field_errors();
    errors.sort();
    let expected: Vec<(String, String)> = [
        ("delivered_at", "not_future"),
        ("scores[0]", "score_range"),
        ("scores[2]", "score_range"),
        ("title", "non_empty"),
    ]
    .iter()
    .map(|(f, r)| (f.to_string(), r.to_string()))
    .collect();
    assert_eq!(errors, expected);
    let record = planner.post(
        &records,
        &json!({"title": "办信实务", "delivered_at": "2026-03-01T00:00:00Z"}),
    );
    let record_id = record.body["id"].as_str().unwrap();
    let evaluations = format!("{records}/{record_id}/evaluations");
    let r = planner.post(&evaluations, &json!({"scores": []}));
    assert_eq!(
        r.field_errors(),
        [("scores".to_owned(), "non_empty".to_owned())]
    );
    let r = planner.post(
        &evaluations,
        &json!({"scores": [4], "evaluated_at": "2026-02-01T00:00:00Z"}),
    );
    assert_eq!(
        r.field_errors(),
        [("evaluated_at".to_owned(), "after_delivery".to_owned())]
    );
    planner
        .post(
            &format!("{records}/no-such-record/evaluations"),
            &json!({"scores": [4]}),
        )
        .problem(404);
    assert_eq!(
        app.db().count("SELECT count(*) AS count FROM evaluations"),
        0
    );
}

fn delivered_sessions_become_records(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let li = create_instructor(&planner, "李明", json!({}));
    let plan = planner.post(
        "/api/v1/plans",
        &json!({"name": "2025年度轮训计划", "year": 2025, "tier": "provincial"}),
    );
    let plan = plan.body["id"].as_str().unwrap().to_owned();
    let class = planner.post(
        &format!("/api/v1/plans/{plan}/classes"),
        &json!({"name": "办信接访专题班", "kind": "specialised", "city": "武汉", "lat": 30.59,
                "lon": 114.30, "start_date": "2025-11-03", "end_date": "2025-11-04"}),
    );
    let class = class.body["id"].as_str().unwrap().to_owned();
    let session = |title: &str, day: &str| {
        let r = planner.post(
            &format!("/api/v1/classes/{class}/sessions"),
            &json!({"title": title, "start": format!("{day}T09:00:00+08:00"),
                    "end": format!("{day}T12:00:00+08:00"),
                    "topics": [{"topic": "letter-handling", "min_level": 3}]}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["id"].as_str().unwrap().to_owned()
    };
    let (taught, proposed) = (
        session("办信实务", "2025-11-03"),
        session("接访实务", "2025-11-04"),
    );
    let assign = |session: &str| {
        let r = planner.post(
            "/api/v1/assignments",
            &json!({"session": session, "instructor": li}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["id"].as_str().unwrap().to_owned()
    };
    let confirm = |assignment: &str| {
        let r = planner.post(
            &format!("/api/v1/assignments/{assignment}/confirm"),
            &json!(null),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    };
    confirm(&assign(&taught));
    assign(&proposed);
    // A confirmed session still to come is not recorded either.
    let later = planner.post(
        "/api/v1/plans",
        &json!({"name": "2099年度轮训计划", "year": 2099, "tier": "provincial"}),
    );
    let later = planner.post(
        &format!(
            "/api/v1/plans/{}/classes",
            later.body["id"].as_str().unwrap()
        ),
        &json!({"name": "综合轮训班", "kind": "comprehensive", "city": "武汉", "lat": 30.59,
                "lon": 114.30, "start_date": "2099-03-02", "end_date": "2099-03-02"}),
    );
    assert_eq!(later.status, 201, "{}", later.body);
    let coming = planner.post(
        &format!(
            "/api/v1/classes/{}/sessions",
            later.body["id"].as_str().unwrap()
        ),
        &json!({"title": "信访工作新要求", "start": "2099-03-02T09:00:00+08:00",
                "end": "2099-03-02T12:00:00+08:00",
                "topics": [{"topic": "letter-handling", "min_level": 3}]}),
    );
    assert_eq!(coming.status, 201, "{}", coming.body);
    confirm(&assign(coming.body["id"].as_str().unwrap()));

    // Listed from eight clients at once, the confirmed session is recorded
    // exactly once; the one only proposed is not.
    let records = format!("/api/v1/instructors/{li}/teaching-records");
    let answers: Vec<_> = std::thread::scope(|s| {
        let lists: Vec<_> = (0..8).map(|_| s.spawn(|| planner.get(&records))).collect();
        lists.into_iter().map(|l| l.join().unwrap()).collect()
    });
    for answer in &answers {
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body.as_array().unwrap().len(), 1, "{}", answer.body);
    }
    let record = &answers[0].body[0];
    assert_eq!(record["session"], taught.as_str());
    assert_eq!(
        (&record["class"], &record["plan"]),
        (&json!(class), &json!(plan))
    );
    assert_eq!(record["title"], "办信实务");
    assert_eq!(record["delivered_at"], "2025-11-03T01:00:00Z");
    assert_eq!(
        app.db()
            .count("SELECT count(*) AS count FROM teaching_records"),
        1
    );
    assert_eq!(planner.get(&records).body.as_array().unwrap().len(), 1);

    // Scores on it move the rating; a hand-entered record keeps working beside it.
    let id = record["id"].as_str().unwrap();
    let scored = planner.post(
        &format!("{records}/{id}/evaluations"),
        &json!({"scores": [5, 5], "evaluated_at": "2025-11-03T04:00:00Z"}),
    );
    assert_eq!(scored.status, 201, "{}", scored.body);
    assert_eq!(scored.body["session"], taught.as_str());
    let at = "2025-11-03T04:00:00Z";
    let rating = planner
        .get(&format!("/api/v1/instructors/{li}?at={at}"))
        .body["rating"]
        .clone();
    assert_eq!(rating["evaluation_count"], 2);
    let expected = spec_rating(&[(5.0, 0.0), (5.0, 0.0)]);
    assert!((rating["rating"].as_f64().unwrap() - expected).abs() < 1e-12);
    let by_hand = planner.post(
        &records,
        &json!({"title": "接访技巧", "delivered_at": "2025-06-01T00:00:00Z"}),
    );
    assert_eq!(by_hand.status, 201, "{}", by_hand.body);
    assert!(by_hand.body["session"].is_null());
    assert_eq!(planner.get(&records).body.as_array().unwrap().len(), 2);
}

crate::both_backends!(
    rating_at_fixed_dates,
    evaluations_are_validated,
    delivered_sessions_become_records
);
