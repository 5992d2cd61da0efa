//! The endpoints the console added: editing and deleting plans, classes and
//! sessions; a planner's assignment by hand; exclusions; an instructor
//! accepting; a run's difference; the secret calendar feed; changing one's
//! own password.

use serde_json::{json, Value};

use crate::staffing::{apply, pairs, seed_plan, seed_pool, staff};
use crate::support::{create_instructor, Backend, TestApp, PASSWORD};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

fn editing_plans_classes_and_sessions(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let office = app.client("office", None);
    let (plan, class, sessions) = seed_plan(&planner);
    let pool = seed_pool(&planner);

    let renamed = planner.put(
        &format!("/api/v1/plans/{plan}"),
        &json!({"name": "湖北省2027年度轮训计划（修订）", "year": 2027, "tier": "provincial"}),
        None,
    );
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(renamed.body["name"], "湖北省2027年度轮训计划（修订）");
    let blank = planner.put(
        &format!("/api/v1/plans/{plan}"),
        &json!({"name": " ", "year": 2027, "tier": "provincial"}),
        None,
    );
    assert_eq!(blank.status, 422);
    assert_eq!(
        office
            .put(
                &format!("/api/v1/plans/{plan}"),
                &json!({"name": "x", "year": 2027, "tier": "provincial"}),
                None
            )
            .status,
        403
    );

    // A class cannot shrink around its sessions; it can move venue.
    let class_body = |start: &str, city: &str| {
        json!({"name": "办信接访专题班", "kind": "specialised", "city": city, "lat": 30.5, "lon": 114.2,
               "start_date": start, "end_date": "2027-03-10", "min_cadre_share": 0.4})
    };
    let shrunk = planner.put(
        &format!("/api/v1/classes/{class}"),
        &class_body("2027-03-09", "武汉"),
        None,
    );
    assert_eq!(shrunk.status, 422, "{}", shrunk.body);
    assert_eq!(
        shrunk.field_errors(),
        vec![("start_date".to_owned(), "covers_sessions".to_owned())]
    );
    let moved = planner.put(
        &format!("/api/v1/classes/{class}"),
        &class_body("2027-03-08", "黄陂"),
        None,
    );
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["city"], "黄陂");
    assert_eq!(moved.body["min_cadre_share"], 0.4);
    assert_eq!(moved.body["sessions"].as_array().unwrap().len(), 4);

    // A session's time and topics change, validated as on creation.
    let session_body = |start: &str, end: &str, topic: &str| {
        json!({"title": "办信实务（二）", "start": start, "end": end, "needed": 2, "remote": true,
               "topics": [{"topic": topic, "min_level": 2}]})
    };
    let edited = planner.put(
        &format!("/api/v1/sessions/{}", sessions[0]),
        &session_body(
            "2027-03-08T10:00:00+08:00",
            "2027-03-08T12:00:00+08:00",
            "visitor-reception",
        ),
        None,
    );
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.body["topics"][0]["topic"], "visitor-reception");
    assert_eq!(edited.body["needed"], 2);
    for (body, field) in [
        (
            session_body(
                "2027-03-08T12:00:00+08:00",
                "2027-03-08T10:00:00+08:00",
                "finance",
            ),
            "end",
        ),
        (
            session_body(
                "2027-04-08T10:00:00+08:00",
                "2027-04-08T12:00:00+08:00",
                "finance",
            ),
            "start",
        ),
        (
            session_body(
                "2027-03-08T10:00:00+08:00",
                "2027-03-08T12:00:00+08:00",
                "no-such-topic",
            ),
            "topics[0].topic",
        ),
    ] {
        let r = planner.put(&format!("/api/v1/sessions/{}", sessions[0]), &body, None);
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.field_errors().iter().any(|(f, _)| f == field),
            "{field}: {}",
            r.body
        );
    }
    let unchanged = planner.get(&format!("/api/v1/sessions/{}", sessions[0]));
    assert_eq!(unchanged.body["title"], "办信实务（二）");
    assert_eq!(unchanged.body["topics"][0]["topic"], "visitor-reception");

    // Deleting refuses while an assignment is confirmed or locked.
    let run = staff(&planner, &plan, json!({}));
    apply(&planner, &run);
    let assignments = planner
        .get(&format!("/api/v1/assignments?session={}", sessions[1]))
        .body;
    let held = id(&assignments[0]);
    assert_eq!(
        planner
            .post(&format!("/api/v1/assignments/{held}/lock"), &json!(null))
            .status,
        200
    );
    for path in [
        format!("/api/v1/sessions/{}", sessions[1]),
        format!("/api/v1/classes/{class}"),
        format!("/api/v1/plans/{plan}"),
    ] {
        let r = planner.delete(&path);
        assert_eq!(r.status, 409, "{path}: {}", r.body);
        assert_eq!(r.body["type"], "/problems/has-held-assignments");
    }
    assert_eq!(
        planner
            .get(&format!("/api/v1/sessions/{}", sessions[1]))
            .status,
        200
    );
    // A session with only proposals goes with them.
    let other = planner
        .get(&format!("/api/v1/assignments?session={}", sessions[2]))
        .body;
    assert_eq!(other[0]["state"], "proposed");
    assert_eq!(
        planner
            .delete(&format!("/api/v1/sessions/{}", sessions[2]))
            .status,
        204
    );
    assert_eq!(
        planner
            .get(&format!("/api/v1/assignments?session={}", sessions[2]))
            .body,
        json!([])
    );
    assert_eq!(
        planner
            .post(&format!("/api/v1/assignments/{held}/unlock"), &json!(null))
            .status,
        200
    );
    assert_eq!(planner.delete(&format!("/api/v1/plans/{plan}")).status, 204);
    assert_eq!(planner.get(&format!("/api/v1/plans/{plan}")).status, 404);
    assert_eq!(planner.get(&format!("/api/v1/classes/{class}")).status, 404);
    assert_eq!(
        planner
            .get(&format!("/api/v1/instructors/{}", pool[0]))
            .status,
        200
    );
}

fn assignments_by_hand_and_exclusions(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let (plan, class, sessions) = seed_plan(&planner);
    let pool = seed_pool(&planner);
    // sessions[1] needs finance ≥ 4: only 赵强 (pool[2]) knows it.
    let (finance, zhao, li) = (&sessions[1], &pool[2], &pool[0]);

    let not_eligible = planner.post(
        "/api/v1/assignments",
        &json!({"session": finance, "instructor": li}),
    );
    assert_eq!(not_eligible.status, 422, "{}", not_eligible.body);
    assert_eq!(
        not_eligible.field_errors(),
        vec![("instructor".to_owned(), "topic".to_owned())]
    );
    let unknown = planner.post(
        "/api/v1/assignments",
        &json!({"session": finance, "instructor": "nobody"}),
    );
    assert_eq!(unknown.status, 422);

    let made = planner.post(
        "/api/v1/assignments",
        &json!({"session": finance, "instructor": zhao}),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(made.body["locked"], true);
    assert_eq!(made.body["state"], "proposed");
    assert_eq!(made.body["instructor_kind"], "expert");
    let again = planner.post(
        "/api/v1/assignments",
        &json!({"session": finance, "instructor": zhao}),
    );
    assert_eq!(again.status, 409, "{}", again.body);

    // Busy: a session at the same time as a locked one is a conflict.
    let clash = planner.post(
        &format!("/api/v1/classes/{class}/sessions"),
        &json!({"title": "金融信访案例", "start": "2027-03-08T15:00:00+08:00", "end": "2027-03-08T16:00:00+08:00",
                "topics": [{"topic": "finance", "min_level": 3}]}),
    );
    let clash = id(&clash.body);
    let busy = planner.post(
        "/api/v1/assignments",
        &json!({"session": clash, "instructor": zhao}),
    );
    assert_eq!(busy.status, 422, "{}", busy.body);
    assert_eq!(
        busy.field_errors(),
        vec![("instructor".to_owned(), "conflict".to_owned())]
    );

    // Over capacity: a yearly capacity of one, used by a locked session.
    let once = create_instructor(
        &planner,
        "孙丽",
        json!({"yearly_capacity": 1, "expertise": [{"topic": "letter-handling", "level": 5}]}),
    );
    assert_eq!(
        planner
            .post(
                "/api/v1/assignments",
                &json!({"session": sessions[0], "instructor": once})
            )
            .status,
        201
    );
    let over = planner.post(
        "/api/v1/assignments",
        &json!({"session": sessions[3], "instructor": once}),
    );
    assert_eq!(over.status, 422, "{}", over.body);
    assert_eq!(
        over.field_errors(),
        vec![("instructor".to_owned(), "capacity".to_owned())]
    );

    // The next run keeps the hand-made assignment as a pin.
    let run = staff(&planner, &plan, json!({}));
    let pairs = pairs(&run);
    assert!(
        pairs.contains(&(finance.clone(), zhao.clone())),
        "{pairs:?}"
    );

    // Excluding 赵强 from the class: refused while he holds a locked assignment there.
    let exclusion = json!({"instructor": zhao, "class": class, "reason": "本人所在单位承办"});
    let refused = planner.post("/api/v1/exclusions", &exclusion);
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.body["type"], "/problems/exclusion-over-assignment");
    let mine = id(&made.body);
    assert_eq!(
        planner
            .post(&format!("/api/v1/assignments/{mine}/unlock"), &json!(null))
            .status,
        200
    );
    let both = planner.post(
        "/api/v1/exclusions",
        &json!({"instructor": zhao, "class": class, "session": finance, "reason": "x"}),
    );
    assert_eq!(both.status, 422);
    let excluded = planner.post("/api/v1/exclusions", &exclusion);
    assert_eq!(excluded.status, 201, "{}", excluded.body);
    assert_eq!(excluded.body["removed_proposals"], 1);
    assert_eq!(planner.post("/api/v1/exclusions", &exclusion).status, 409);
    let listed = planner.get(&format!("/api/v1/plans/{plan}/exclusions"));
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert_eq!(listed.body[0]["instructor_name"], "赵强");

    // The recommendations and the next run leave him out of every session of the class.
    let alternates = planner.get(&format!(
        "/api/v1/sessions/{finance}/recommendations?include_unavailable=true"
    ));
    let zhao_entry = alternates.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["instructor"] == *zhao)
        .unwrap()
        .clone();
    assert_eq!(zhao_entry["available"], false);
    assert!(zhao_entry["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["rule"] == "exclusion"));
    let by_hand = planner.post(
        "/api/v1/assignments",
        &json!({"session": finance, "instructor": zhao}),
    );
    assert_eq!(
        by_hand.field_errors(),
        vec![("instructor".to_owned(), "exclusion".to_owned())]
    );
    let run = staff(&planner, &plan, json!({}));
    assert!(
        run["solution"]["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["instructor"] != *zhao),
        "{run}"
    );
    let unfilled = &run["solution"]["unfilled"];
    assert!(
        unfilled
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["session"] == *finance && u["excluded_by"]["exclusion"] == 1),
        "{unfilled}"
    );

    // Lifted, he can teach it again.
    let lifted = planner.delete(&format!("/api/v1/exclusions/{}", id(&excluded.body)));
    assert_eq!(lifted.status, 204);
    assert_eq!(
        planner
            .delete(&format!("/api/v1/exclusions/{}", id(&excluded.body)))
            .status,
        404
    );
    let run = staff(&planner, &plan, json!({}));
    assert!(run["solution"]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["instructor"] == *zhao));
}

fn instructors_accept_and_subscribe(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let (plan, _, _) = seed_plan(&planner);
    let pool = seed_pool(&planner);
    let run = staff(&planner, &plan, json!({}));
    apply(&planner, &run);
    let li = &pool[0];
    let instructor = app.client("instructor", Some(li));
    let other = app.client("instructor", Some(&pool[1]));
    let mine = instructor.get("/api/v1/me/assignments").body;
    let first = id(&mine[0]);
    assert_eq!(
        other
            .post(
                &format!("/api/v1/me/assignments/{first}/accept"),
                &json!(null)
            )
            .status,
        404
    );
    let accepted = instructor.post(
        &format!("/api/v1/me/assignments/{first}/accept"),
        &json!(null),
    );
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.body["state"], "confirmed");

    // The feed needs no token; a new one replaces the old; revoked, it is gone.
    let feed = instructor.post("/api/v1/me/calendar-feed", &json!(null));
    assert_eq!(feed.status, 201, "{}", feed.body);
    let path = feed.body["path"].as_str().unwrap().to_owned();
    let ics = app.anonymous().get(&path);
    assert_eq!(ics.status, 200);
    assert_eq!(
        ics.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    let text = ics.body.as_str().unwrap();
    assert!(text.contains(&format!("{first}@faculty-pool")), "{text}");
    assert_eq!(
        text.matches("BEGIN:VEVENT").count(),
        1,
        "only confirmed sessions: {text}"
    );
    let replaced = instructor.post("/api/v1/me/calendar-feed", &json!(null));
    assert_eq!(app.anonymous().get(&path).status, 404);
    let path = replaced.body["path"].as_str().unwrap().to_owned();
    assert_eq!(app.anonymous().get(&path).status, 200);
    assert_eq!(
        planner
            .post("/api/v1/me/calendar-feed", &json!(null))
            .status,
        403
    );
    assert_eq!(instructor.delete("/api/v1/me/calendar-feed").status, 204);
    assert_eq!(app.anonymous().get(&path).status, 404);
    assert_eq!(
        app.anonymous().get("/api/v1/calendar-feeds/0000").status,
        404
    );
}

fn a_runs_difference(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let (plan, _, sessions) = seed_plan(&planner);
    let pool = seed_pool(&planner);
    let first = staff(&planner, &plan, json!({}));
    let changes = planner.get(&format!("/api/v1/staffing-runs/{}/changes", id(&first)));
    assert_eq!(changes.status, 200, "{}", changes.body);
    let proposed = first["solution"]["assignments"].as_array().unwrap().len();
    assert_eq!(changes.body["added"].as_array().unwrap().len(), proposed);
    assert_eq!(changes.body["unchanged"], 0);
    let named = &first["solution"]["assignments"][0];
    assert!(
        named["instructor_name"].is_string() && named["session_title"].is_string(),
        "{named}"
    );
    apply(&planner, &first);

    // An instructor declines one slot; the re-run changes only that slot.
    let declined = planner
        .get(&format!("/api/v1/assignments?session={}", sessions[0]))
        .body[0]
        .clone();
    let who = declined["instructor"].as_str().unwrap().to_owned();
    let instructor = app.client("instructor", Some(&who));
    let r = instructor.post(
        &format!("/api/v1/me/assignments/{}/decline", id(&declined)),
        &json!({"reason": "出差"}),
    );
    assert_eq!(r.status, 200);
    let second = staff(&planner, &plan, json!({"weights": {"keep": 5.0}}));
    let changes = planner
        .get(&format!("/api/v1/staffing-runs/{}/changes", id(&second)))
        .body;
    let touched: Vec<&Value> = changes["added"]
        .as_array()
        .unwrap()
        .iter()
        .chain(changes["dropped"].as_array().unwrap())
        .collect();
    assert!(
        changes["moved"].as_array().unwrap().is_empty()
            || changes["moved"][0]["to"]["session"] == sessions[0].as_str(),
        "{changes}"
    );
    assert!(
        touched.iter().all(|p| p["session"] == sessions[0].as_str()),
        "{changes}"
    );
    assert!(changes["added"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["instructor"] != who.as_str()));
    assert_eq!(changes["unchanged"], proposed - 1, "{changes}");
    let queued = planner.post(&format!("/api/v1/plans/{plan}/staffing-runs"), &json!({}));
    let fresh = planner.get(&format!(
        "/api/v1/staffing-runs/{}/changes",
        id(&queued.body)
    ));
    assert!(fresh.status == 409 || fresh.status == 200, "{}", fresh.body);
    assert!(pool.contains(&who));
}

fn own_password(backend: Backend) {
    let app = TestApp::start(backend);
    let office = app.client("office", None);
    let wrong = office.put(
        "/api/v1/me/password",
        &json!({"current": "not it at all", "new": "a brand new kettle orbit"}),
        None,
    );
    assert_eq!(wrong.status, 422);
    assert_eq!(
        wrong.field_errors(),
        vec![("current".to_owned(), "matches".to_owned())]
    );
    let short = office.put(
        "/api/v1/me/password",
        &json!({"current": PASSWORD, "new": "short"}),
        None,
    );
    assert_eq!(
        short.field_errors(),
        vec![("new".to_owned(), "min_length".to_owned())]
    );
    let changed = office.put(
        "/api/v1/me/password",
        &json!({"current": PASSWORD, "new": "a brand new kettle orbit"}),
        None,
    );
    assert_eq!(changed.status, 200, "{}", changed.body);
    // The old token stops working; the new one works.
    assert_eq!(office.get("/api/v1/me").status, 401);
    let token = changed.body["access_token"].as_str().unwrap();
    let me = office.with_token(token).get("/api/v1/me");
    assert_eq!(me.status, 200);
    let username = me.body["username"].as_str().unwrap().to_owned();
    let again = app.anonymous().post(
        "/api/v1/auth/token",
        &json!({"username": username, "password": "a brand new kettle orbit"}),
    );
    assert_eq!(again.status, 200);
}

crate::both_backends!(
    editing_plans_classes_and_sessions,
    assignments_by_hand_and_exclusions,
    instructors_accept_and_subscribe,
    a_runs_difference,
    own_password,
);
