//! The pool: create, read, filter, paginate, update under a version,
//! deactivate, and instructors editing their own contact fields.

use serde_json::json;

use crate::support::{create_instructor, instructor, Backend, TestApp};

fn create_and_read(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let r = planner.post("/api/v1/instructors", &instructor("李明", json!({})));
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap();
    assert_eq!(r.header("etag"), Some("\"1\""));
    let got = planner.get(&format!("/api/v1/instructors/{id}"));
    assert_eq!(got.status, 200);
    let body = &got.body;
    assert_eq!(body["name"], "李明");
    assert_eq!(body["kind"], "cadre");
    assert_eq!(body["kind_name"], "信访干部");
    assert_eq!(body["tier_name"], "省级");
    assert_eq!(body["active"], true);
    assert_eq!(body["version"], 1);
    assert_eq!(
        body["expertise"],
        json!([
            {"topic": "letter-handling", "name": "办信", "level": 4},
            {"topic": "visitor-reception", "name": "接访", "level": 3}
        ])
    );
    assert_eq!(
        body["methods"],
        json!([{"method": "case", "name": "案例式"}, {"method": "lecture", "name": "讲授式"}])
    );
    assert_eq!(
        body["rating"],
        json!({"rating": 0.625, "evaluation_count": 0, "mean_score": null})
    );
    planner.get("/api/v1/instructors/no-such-id").problem(404);
}

fn invalid_records_are_refused_and_not_stored(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let bad = instructor(
        "",
        json!({
            "lat": 91.0,
            "lon": -181.0,
            "expertise": [{"topic": "no-such-topic", "level": 3}, {"topic": "finance", "level": 6},
                          {"topic": "finance", "level": 2}],
            "methods": ["lecture", "lecture"],
            "yearly_capacity": -1,
            "max_travel_km": -5.0,
            "email": "not-an-address"
        }),
    );
    let r = planner.post("/api/v1/instructors", &bad);
    let mut errors = r.field_errors();
    errors.sort();
    let expected: Vec<(String, String)> = [
        ("email", "format"),
        ("expertise[1].level", "level_range"),
        ("expertise[2].topic", "unique"),
        ("lat", "latitude"),
        ("lon", "longitude"),
        ("max_travel_km", "non_negative"),
        ("methods[1]", "unique"),
        ("name", "non_empty"),
        ("yearly_capacity", "non_negative"),
    ]
    .iter()
    .map(|(f, r)| (f.to_string(), r.to_string()))
    .collect();
    assert_eq!(errors, expected);
    // Reference rules, once the record is otherwise valid.
    let r = planner.post(
        "/api/v1/instructors",
        &instructor(
            "李明",
            json!({"expertise": [{"topic": "no-such-topic", "level": 3}], "methods": ["dance"]}),
        ),
    );
    assert_eq!(
        r.field_errors(),
        [
            (
                "expertise[0].topic".to_owned(),
                "unknown_reference".to_owned()
            ),
            ("methods[0]".to_owned(), "unknown_reference".to_owned())
        ]
    );
    // Type errors name their path; a missing field is `required`.
    let r = planner.post(
        "/api/v1/instructors",
        &instructor("李明", json!({"kind": "wizard"})),
    );
    assert_eq!(r.field_errors(), [("kind".to_owned(), "one_of".to_owned())]);
    let mut missing = instructor("李明", json!({}));
    missing.as_object_mut().unwrap().remove("city");
    let r = planner.post("/api/v1/instructors", &missing);
    assert_eq!(
        r.field_errors(),
        [("city".to_owned(), "required".to_owned())]
    );
    let r = planner.post(
        "/api/v1/instructors",
        &instructor("李明", json!({"salary": 1})),
    );
    assert_eq!(
        r.field_errors(),
        [("salary".to_owned(), "unknown_field".to_owned())]
    );
    let r = planner.post_raw("/api/v1/instructors", b"{not json".to_vec());
    assert_eq!(r.field_errors()[0].1, "json_syntax");
    assert_eq!(
        app.db().count("SELECT count(*) AS count FROM instructors"),
        0
    );
    assert_eq!(
        app.db()
            .count("SELECT count(*) AS count FROM instructor_expertise"),
        0
    );
}

fn filters_and_pages(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    create_instructor(&planner, "李明", json!({}));
    create_instructor(
        &planner,
        "王芳",
        json!({"kind": "expert", "organisation": "武汉大学法学院", "tier": null, "city": "北京",
               "expertise": [{"topic": "rule-of-law", "level": 5}]}),
    );
    let zhao = create_instructor(
        &planner,
        "赵强",
        json!({"kind": "model_figure", "tier": "county", "expertise": [{"topic": "letter-handling", "level": 2}]}),
    );
    for i in 0..7 {
        create_instructor(&planner, &format!("学员{i}"), json!({"tier": "municipal"}));
    }
    planner.delete(&format!("/api/v1/instructors/{zhao}"));
    let names = |query: &str| -> Vec<String> {
        let r = planner.get(&format!("/api/v1/instructors?{query}"));
        assert_eq!(r.status, 200, "{query}: {}", r.body);
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names("kind=expert"), ["王芳"]);
    assert_eq!(names("kind=model_figure"), ["赵强"]);
    assert_eq!(
        names("topic=letter-handling&min_level=3&tier=provincial"),
        ["李明"]
    );
    assert_eq!(
        names("topic=letter-handling&min_level=2&kind=model_figure"),
        ["赵强"]
    );
    assert_eq!(names("topic=rule-of-law"), ["王芳"]);
    assert_eq!(names("city=%E5%8C%97%E4%BA%AC"), ["王芳"]); // 北京
    assert_eq!(names("q=%E6%B3%95%E5%AD%A6"), ["王芳"]); // 法学, in the organisation
    assert_eq!(names("q=%E8%B5%B5"), ["赵强"]); // 赵, in the name
    assert_eq!(names("q=100%25"), Vec::<String>::new()); // a literal %
    assert_eq!(names("active=false"), ["赵强"]);
    assert_eq!(names("active=true").len(), 9);
    let page = planner.get("/api/v1/instructors?tier=municipal&per_page=3&page=3");
    assert_eq!(page.body["total"], 7);
    assert_eq!(page.body["page"], 3);
    assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
    let all: Vec<String> = (1..=3)
        .flat_map(|p| names(&format!("tier=municipal&per_page=3&page={p}")))
        .collect();
    assert_eq!(all, (0..7).map(|i| format!("学员{i}")).collect::<Vec<_>>());
    let bad = planner.get("/api/v1/instructors?page=0&per_page=500");
    let mut errors = bad.field_errors();
    errors.sort();
    assert_eq!(
        errors,
        [
            ("page".to_owned(), "min_1".to_owned()),
            ("per_page".to_owned(), "range".to_owned())
        ]
    );
    // A parameter that does not parse is named, with its rule.
    for (query, field, rule) in [
        ("page=abc", "page", "type"),
        ("per_page=", "per_page", "type"),
        ("active=maybe", "active", "type"),
        ("at=yesterday", "at", "date_time"),
        ("at=9999-12-31T20:00:00-08:00", "at", "date_range"),
        ("kind=wizard&page=2", "kind", "one_of"),
    ] {
        let bad = planner.get(&format!("/api/v1/instructors?{query}"));
        assert_eq!(bad.status, 422, "{query}");
        assert_eq!(
            bad.field_errors(),
            [(field.to_owned(), rule.to_owned())],
            "{query}"
        );
    }
    let bad = planner.get("/api/v1/instructors?min_level=9");
    let mut errors = bad.field_errors();
    errors.sort();
    assert_eq!(
        errors,
        [
            ("min_level".to_owned(), "level_range".to_owned()),
            ("min_level".to_owned(), "requires".to_owned())
        ]
    );
}

fn updates_need_the_current_version(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let id = create_instructor(&planner, "李明", json!({}));
    let path = format!("/api/v1/instructors/{id}");
    let changed = instructor(
        "李明",
        json!({"yearly_capacity": 3, "expertise": [{"topic": "finance", "level": 5}]}),
    );
    planner.put(&path, &changed, None).problem(428);
    let r = planner.put(&path, &changed, Some("\"1\""));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("etag"), Some("\"2\""));
    assert_eq!(r.body["yearly_capacity"], 3);
    assert_eq!(
        r.body["expertise"],
        json!([{"topic": "finance", "name": "金融", "level": 5}])
    );
    // A second writer who read version 1 loses, and changes nothing.
    let stale = planner.put(
        &path,
        &instructor("李明", json!({"yearly_capacity": 9})),
        Some("\"1\""),
    );
    assert_eq!(stale.problem(409)["type"], "/problems/version-conflict");
    let now = planner.get(&path);
    assert_eq!(now.body["yearly_capacity"], 3);
    assert_eq!(now.body["version"], 2);
    // An invalid update changes nothing either.
    let invalid = planner.put(
        &path,
        &instructor("李明", json!({"lat": 100.0})),
        Some("\"2\""),
    );
    invalid.problem(422);
    assert_eq!(planner.get(&path).body["version"], 2);
    planner
        .put("/api/v1/instructors/no-such-id", &changed, Some("\"1\""))
        .problem(404);
    // Deactivation is soft: the record stays, inactive.
    let r = planner.delete(&path);
    assert_eq!(r.status, 200);
    assert_eq!(r.body["active"], false);
    assert_eq!(planner.get(&path).body["active"], false);
}

fn instructors_edit_their_contact_only(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let id = create_instructor(&planner, "李明", json!({}));
    let me = app.client("instructor", Some(&id));
    let profile = me.get("/api/v1/me");
    assert_eq!(profile.body["instructor"]["id"], id.as_str());
    let r = me.put(
        "/api/v1/me/contact",
        &json!({"phone": "+86 139 0000 0000", "email": "li.ming@example.cn"}),
        Some("\"1\""),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["phone"], "+86 139 0000 0000");
    assert_eq!(r.body["version"], 2);
    // Nothing else of the record is theirs to edit.
    let r = me.put(
        "/api/v1/me/contact",
        &json!({"yearly_capacity": 99}),
        Some("\"2\""),
    );
    assert_eq!(
        r.field_errors(),
        [("yearly_capacity".to_owned(), "unknown_field".to_owned())]
    );
    let r = me.put(
        "/api/v1/me/contact",
        &json!({"email": "nobody"}),
        Some("\"2\""),
    );
    assert_eq!(
        r.field_errors(),
        [("email".to_owned(), "format".to_owned())]
    );
    me.put("/api/v1/me/contact", &json!({}), Some("\"1\""))
        .problem(409);
    me.put(
        &format!("/api/v1/instructors/{id}"),
        &instructor("李明", json!({})),
        Some("\"2\""),
    )
    .problem(403);
    let stored = planner.get(&format!("/api/v1/instructors/{id}"));
    assert_eq!(stored.body["email"], "li.ming@example.cn");
    assert_eq!(stored.body["yearly_capacity"], 8);
}

/// The cities the console offers for venues and homes: each once, with
/// coordinates in China; for any signed-in role, nobody else.
fn cities_come_with_their_coordinates(backend: Backend) {
    let app = TestApp::start(backend);
    let r = app.client("office", None).get("/api/v1/cities");
    assert_eq!(r.status, 200, "{}", r.body);
    let cities = r.body.as_array().unwrap();
    assert!(cities.len() >= 20, "{}", r.body);
    let wuhan = cities.iter().find(|c| c["name"] == "武汉").unwrap();
    assert_eq!(
        (&wuhan["province"], &wuhan["lat"], &wuhan["lon"]),
        (&json!("湖北"), &json!(30.59), &json!(114.30))
    );
    let names: std::collections::HashSet<_> = cities.iter().map(|c| &c["name"]).collect();
    assert_eq!(names.len(), cities.len());
    assert!(cities.iter().all(|c| {
        let (lat, lon) = (c["lat"].as_f64().unwrap(), c["lon"].as_f64().unwrap());
        (18.0..54.0).contains(&lat) && (73.0..136.0).contains(&lon)
    }));
    assert_eq!(app.anonymous().get("/api/v1/cities").status, 401);
}

crate::both_backends!(
    cities_come_with_their_coordinates,
    create_and_read,
    invalid_records_are_refused_and_not_stored,
    filters_and_pages,
    updates_need_the_current_version,
    instructors_edit_their_contact_only,
);
