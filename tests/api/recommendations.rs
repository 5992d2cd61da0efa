//! Recommendations (SPEC 6), ranked and scored exactly as the formula says.

use serde_json::{json, Value};

use crate::staffing::{seed_plan, seed_pool, staff};
use crate::support::{create_instructor, instructor, Backend, Client, TestApp};

/// Great-circle km on the sphere of SPEC 5.2, written out independently.
fn haversine(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0088 * a.sqrt().asin()
}

/// SPEC 6's score of an instructor profile for a letter-handling session in 武汉.
fn expected_score(profile: &Value, level: f64, remote: bool) -> f64 {
    let travel = if remote {
        0.0
    } else {
        haversine(
            profile["lat"].as_f64().unwrap(),
            profile["lon"].as_f64().unwrap(),
            30.59,
            114.30,
        ) / 1000.0
    };
    level / 5.0 + profile["rating"]["rating"].as_f64().unwrap() - travel
}

fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["instructor"].as_str().unwrap().to_owned())
        .collect()
}

fn level_in(profile: &Value, topic: &str) -> f64 {
    profile["expertise"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["topic"] == topic)
        .map_or(0.0, |e| e["level"].as_f64().unwrap())
}

fn profile(client: &Client, id: &str) -> Value {
    client.get(&format!("/api/v1/instructors/{id}")).body
}

fn ranking_follows_the_formula(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let pool = seed_pool(&planner);
    let (_, _, sessions) = seed_plan(&planner);
    // 李明 has a rating of his own.
    let r = planner.post(
        &format!("/api/v1/instructors/{}/teaching-records", pool[0]),
        &json!({"title": "办信实务", "delivered_at": "2026-01-01T00:00:00Z", "scores": [5, 5, 4]}),
    );
    assert_eq!(r.status, 201);
    let letters = json!([{"topic": "letter-handling", "level": 5}]);
    let far = create_instructor(
        &planner,
        "远方",
        json!({"lat": 43.83, "lon": 87.62, "max_travel_km": 1000.0, "expertise": letters}),
    );
    let busy = create_instructor(
        &planner,
        "忙碌",
        json!({"expertise": letters, "max_travel_km": null}),
    );
    planner.post(
        &format!("/api/v1/instructors/{busy}/unavailability"),
        &json!({"start": "2027-03-08T00:00:00+08:00", "end": "2027-03-09T00:00:00+08:00"}),
    );
    let full = create_instructor(
        &planner,
        "满员",
        json!({"expertise": letters, "yearly_capacity": 0, "max_travel_km": null}),
    );
    let novice = create_instructor(
        &planner,
        "新手",
        json!({"expertise": [{"topic": "letter-handling", "level": 2}]}),
    );

    let office = app.client("office", None);
    let r = office.get(&format!("/api/v1/sessions/{}/recommendations", sessions[0]));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["session"]["id"], sessions[0].as_str());
    let items = &r.body["items"];
    // Eligible for letter-handling >= 3: 李明, 王芳, 陈静, 刘洋.
    let mut expected: Vec<(f64, String)> = [&pool[0], &pool[1], &pool[3], &pool[4]]
        .iter()
        .map(|id| {
            let p = profile(&planner, id);
            (
                expected_score(&p, level_in(&p, "letter-handling"), false),
                (*id).clone(),
            )
        })
        .collect();
    expected.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    assert_eq!(
        ids(items),
        expected.iter().map(|e| e.1.clone()).collect::<Vec<_>>()
    );
    for (item, (score, _)) in items.as_array().unwrap().iter().zip(&expected) {
        assert!(
            (item["score"].as_f64().unwrap() - score).abs() < 1e-6,
            "{item} vs {score}"
        );
        let parts = item["expertise"].as_f64().unwrap() + item["rating"].as_f64().unwrap()
            - item["travel_cost"].as_f64().unwrap();
        assert!(
            (parts - item["score"].as_f64().unwrap()).abs() < 1e-9,
            "{item}"
        );
        assert_eq!(item["available"], true);
        assert!(item["instructor_name"].is_string());
    }
    assert!(
        items[0]["rating"].as_f64().unwrap() != 0.625 || items[0]["instructor"] != pool[0].as_str()
    );

    // The others, with why.
    let all = office.get(&format!(
        "/api/v1/sessions/{}/recommendations?include_unavailable=true&limit=50",
        sessions[0]
    ));
    let reasons = |id: &str| -> Vec<String> {
        let item = all.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["instructor"] == id)
            .unwrap();
        assert_eq!(item["available"], false, "{item}");
        item["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["rule"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(reasons(&far), ["travel"]);
    assert_eq!(reasons(&busy), ["unavailable"]);
    assert_eq!(reasons(&full), ["capacity"]);
    assert_eq!(reasons(&novice), ["topic"]);
    assert_eq!(reasons(&pool[2]), ["topic"]);
    assert_eq!(all.body["items"].as_array().unwrap().len(), 9);
    let scores: Vec<f64> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let two = office.get(&format!(
        "/api/v1/sessions/{}/recommendations?limit=2",
        sessions[0]
    ));
    assert_eq!(
        ids(&two.body["items"]),
        expected[..2]
            .iter()
            .map(|e| e.1.clone())
            .collect::<Vec<_>>()
    );
    office
        .get(&format!(
            "/api/v1/sessions/{}/recommendations?limit=0",
            sessions[0]
        ))
        .problem(422);
    office
        .get("/api/v1/sessions/nope/recommendations")
        .problem(404);

    // The same question asked ad hoc gets the same answer; remote drops travel.
    let query = json!({"topics": [{"topic": "letter-handling", "min_level": 3}], "lat": 30.59, "lon": 114.30,
                       "start": "2027-03-08T09:00:00+08:00", "end": "2027-03-08T12:00:00+08:00"});
    let adhoc = office.post("/api/v1/recommendations", &query);
    assert_eq!(adhoc.status, 200, "{}", adhoc.body);
    assert_eq!(ids(&adhoc.body), ids(items));
    let mut remote = query.clone();
    remote["remote"] = json!(true);
    let remote = office.post("/api/v1/recommendations", &remote);
    for item in remote.body.as_array().unwrap() {
        assert_eq!(item["travel_cost"], 0.0);
    }
    let mut bad = query.clone();
    bad["end"] = json!("2027-03-08T08:00:00+08:00");
    assert_eq!(
        office.post("/api/v1/recommendations", &bad).field_errors(),
        [("end".to_owned(), "after_start".to_owned())]
    );
    bad = query.clone();
    bad["topics"] =
        json!([{"topic": "astrology", "min_level": 3}, {"topic": "finance", "min_level": 9}]);
    let mut errors = office.post("/api/v1/recommendations", &bad).field_errors();
    errors.sort();
    assert_eq!(
        errors,
        [
            ("topics[0].topic".to_owned(), "unknown_reference".to_owned()),
            ("topics[1].min_level".to_owned(), "level_range".to_owned())
        ]
    );
    bad = query.clone();
    bad["lat"] = json!(91.0);
    assert_eq!(
        office.post("/api/v1/recommendations", &bad).field_errors()[0].0,
        "lat"
    );
}

fn assignments_change_recommendations_and_opportunities(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let pool = seed_pool(&planner);
    let (plan, _, sessions) = seed_plan(&planner);
    // Where could 王芳 teach? Every open session she qualifies for, best first.
    let open = planner.get(&format!("/api/v1/instructors/{}/opportunities", pool[1]));
    assert_eq!(open.status, 200, "{}", open.body);
    let found: Vec<&str> = open
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["session"]["id"].as_str().unwrap())
        .collect();
    let mut expected = vec![
        sessions[0].as_str(),
        sessions[2].as_str(),
        sessions[3].as_str(),
    ];
    expected.sort(); // equal scores: by session id
    assert_eq!(found, expected);
    assert_eq!(open.body[0]["class_name"], "办信接访专题班");

    let run = staff(&planner, &plan, json!({}));
    planner.post(
        &format!(
            "/api/v1/staffing-runs/{}/apply",
            run["id"].as_str().unwrap()
        ),
        &json!(null),
    );
    let first = planner
        .get(&format!("/api/v1/assignments?session={}", sessions[0]))
        .body[0]
        .clone();
    let teacher = first["instructor"].as_str().unwrap().to_owned();
    planner.post(
        &format!(
            "/api/v1/assignments/{}/confirm",
            first["id"].as_str().unwrap()
        ),
        &json!(null),
    );
    // Already on the session: not recommended for it again.
    let r = planner.get(&format!(
        "/api/v1/sessions/{}/recommendations?include_unavailable=true",
        sessions[0]
    ));
    assert!(!ids(&r.body["items"]).contains(&teacher));
    // Busy at that time elsewhere: unavailable, and says so.
    let query = json!({"topics": [{"topic": "letter-handling", "min_level": 1}], "lat": 30.59, "lon": 114.30,
                       "start": "2027-03-08T10:00:00+08:00", "end": "2027-03-08T11:00:00+08:00", "include_unavailable": true});
    let r = planner.post("/api/v1/recommendations", &query);
    let item = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["instructor"] == teacher.as_str())
        .unwrap();
    assert_eq!(item["reasons"][0]["rule"], "unavailable", "{item}");
    // A fully staffed session is no longer an opportunity.
    let open = planner.get(&format!("/api/v1/instructors/{}/opportunities", pool[1]));
    assert!(open
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["session"]["id"] != sessions[0].as_str()));
    planner
        .get("/api/v1/instructors/nope/opportunities")
        .problem(404);
}

/// An instructor kept out of a whole class is marked where they qualify and
/// stays out of the way where they do not: the class's other sessions are
/// still ranked (they were a 422 at `exclusions[0].instructor`).
fn a_class_wide_exclusion_leaves_the_class_ranked(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let pool = seed_pool(&planner);
    let (plan, class, sessions) = seed_plan(&planner);
    // 李明 teaches letter handling only: not the finance session (1).
    let r = planner.post(
        "/api/v1/exclusions",
        &json!({"instructor": pool[0], "class": class, "reason": "回避"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    for session in &sessions {
        for query in ["", "?include_unavailable=true"] {
            let r = planner.get(&format!(
                "/api/v1/sessions/{session}/recommendations{query}"
            ));
            assert_eq!(r.status, 200, "{session}{query}: {}", r.body);
            let items = r.body["items"].as_array().unwrap();
            let li = items.iter().find(|i| i["instructor"] == pool[0].as_str());
            match (query, li) {
                ("", found) => assert!(found.is_none(), "{found:?}"),
                (_, Some(li)) => {
                    let rules: Vec<&str> = li["reasons"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| r["rule"].as_str().unwrap())
                        .collect();
                    assert!(rules.contains(&"exclusion"), "{session}: {rules:?}");
                }
                (_, None) => {}
            }
        }
    }
    // The run treats the exclusion as SPEC 5.2 says: 李明 nowhere in the class.
    let run = staff(&planner, &plan, json!({}));
    assert!(run["solution"]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["instructor"] != pool[0].as_str()));
}

/// Each change to one instructor shows in the next recommendation, with the
/// rest of the pool as it was: the pool snapshot reads again only the
/// instructors a write touched (a block added or removed, a record
/// changed, an instructor created or deactivated), and must miss none.
fn instructor_changes_show_in_the_next_recommendation(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let pool = seed_pool(&planner);
    let (_, _, sessions) = seed_plan(&planner);
    let session = &sessions[0];
    let listing = || {
        let r = planner.get(&format!(
            "/api/v1/sessions/{session}/recommendations?include_unavailable=true&limit=50"
        ));
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let rules: Vec<&str> = i["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["rule"].as_str().unwrap())
                    .collect();
                (
                    i["instructor"].as_str().unwrap().to_owned(),
                    rules.join(","),
                )
            })
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let before = listing();
    assert_eq!(before[&pool[1]], "");
    let with = |changed: &[(&String, Option<&str>)]| {
        let mut expected = before.clone();
        for (id, rules) in changed {
            match rules {
                Some(rules) => expected.insert((*id).clone(), (*rules).to_owned()),
                None => expected.remove(*id),
            };
        }
        expected
    };

    // 王芳 blocks the session's day: unavailable at once, nobody else moves.
    let block = planner.post(
        &format!("/api/v1/instructors/{}/unavailability", pool[1]),
        &json!({"start": "2027-03-08T00:00:00+08:00", "end": "2027-03-09T00:00:00+08:00"}),
    );
    assert_eq!(block.status, 201, "{}", block.body);
    assert_eq!(listing(), with(&[(&pool[1], Some("unavailable"))]));
    let removed = planner.delete(&format!(
        "/api/v1/instructors/{}/unavailability/{}",
        pool[1],
        block.body["id"].as_str().unwrap()
    ));
    assert_eq!(removed.status, 204);
    assert_eq!(listing(), before);

    // Her record loses the topic.
    let current = planner.get(&format!("/api/v1/instructors/{}", pool[1]));
    let changed = planner.put(
        &format!("/api/v1/instructors/{}", pool[1]),
        &instructor(
            "王芳",
            json!({"expertise": [{"topic": "finance", "level": 5}]}),
        ),
        current.header("etag"),
    );
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(listing(), with(&[(&pool[1], Some("topic"))]));

    // A new instructor joins; a deactivated one leaves.
    let newcomer = create_instructor(
        &planner,
        "新人",
        json!({"expertise": [{"topic": "letter-handling", "level": 5}], "max_travel_km": null}),
    );
    let now = listing();
    assert_eq!(now.get(&newcomer).map(String::as_str), Some(""), "{now:?}");
    let gone = planner.delete(&format!("/api/v1/instructors/{}", pool[0]));
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert_eq!(
        listing(),
        with(&[
            (&pool[1], Some("topic")),
            (&newcomer, Some("")),
            (&pool[0], None)
        ])
    );
}

crate::both_backends!(
    ranking_follows_the_formula,
    assignments_change_recommendations_and_opportunities,
    a_class_wide_exclusion_leaves_the_class_ranked,
    instructor_changes_show_in_the_next_recommendation,
);
