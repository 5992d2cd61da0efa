//! What an outsider or a careless client tries: control characters, huge
//! parameters, bodies of the wrong shape or type, tokens of accounts that
//! are gone, a second server on one SQLite file, weak secrets, guessing
//! passwords, and an instructor's block over a planner's pin. None of it
//! may give a 500 or change stored data.

use serde_json::{json, Value};

use crate::staffing::{apply, seed_plan, seed_pool, staff, wait};
use crate::support::{
    create_instructor, instructor, instructor_input, Backend, TestApp, TestDb, PASSWORD, SECRET,
};

fn nul_bytes_and_long_parameters_are_refused(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let anonymous = app.anonymous();
    let login = anonymous.post(
        "/api/v1/auth/token",
        &json!({"username": "a\u{0}", "password": "x"}),
    );
    assert_eq!(
        login.field_errors(),
        [("username".to_owned(), "control_character".to_owned())]
    );
    let r = planner.post(
        "/api/v1/instructors",
        &instructor(
            "李\u{0}明",
            json!({"expertise": [{"topic": "letter\u{7}", "level": 3}]}),
        ),
    );
    assert_eq!(
        r.field_errors(),
        [
            (
                "expertise[0].topic".to_owned(),
                "control_character".to_owned()
            ),
            ("name".to_owned(), "control_character".to_owned()),
        ]
    );
    assert_eq!(
        app.db().count("SELECT COUNT(*) AS count FROM instructors"),
        0
    );
    // Line breaks and tabs are text, not control characters.
    let id = create_instructor(&planner, "李明", json!({"title": "处长\t(兼)\n教研室"}));
    for (path, field) in [
        ("/api/v1/instructors?q=%00", "q"),
        ("/api/v1/instructors?city=a%01b", "city"),
        (&format!("/api/v1/instructors/{id}%00"), "path"),
        ("/api/v1/plans/%00/staffing-runs", "path"),
    ] {
        let r = planner.get(path);
        assert_eq!(
            r.field_errors(),
            [(field.to_owned(), "control_character".to_owned())],
            "{path}"
        );
    }
    let long = "x".repeat(50_000);
    let r = planner.get(&format!("/api/v1/instructors?q={long}"));
    assert_eq!(
        r.field_errors(),
        [("q".to_owned(), "max_length".to_owned())]
    );
    let r = planner.get(&format!("/api/v1/instructors?q={}", "李".repeat(200)));
    assert_eq!(r.status, 200, "{}", r.body);
}

fn bodies_of_the_wrong_shape_are_refused(backend: Backend) {
    let app = TestApp::start(backend);
    let admin = app.client("admin", None);
    let planner = app.client("planner", None);
    seed_pool(&planner);
    let (plan, _, _) = seed_plan(&planner);
    let counts = |app: &TestApp| {
        ["plans", "topics", "users", "staffing_runs"].map(|t| {
            app.db()
                .count(&format!("SELECT COUNT(*) AS count FROM {t}"))
        })
    };
    let before = counts(&app);
    for (client, path) in [
        (&planner, "/api/v1/plans".to_owned()),
        (&admin, "/api/v1/topics".to_owned()),
        (&admin, "/api/v1/users".to_owned()),
        (&planner, "/api/v1/auth/token".to_owned()),
        (&planner, format!("/api/v1/plans/{plan}/staffing-runs")),
    ] {
        for body in ["[]", "null", "[\"a\", 2027, \"provincial\"]", "3"] {
            if body == "null" && path.ends_with("/staffing-runs") {
                continue; // a run's request is optional: `null` asks for the defaults
            }
            let r = client.post_raw(&path, body.as_bytes().to_vec());
            assert_eq!(
                r.field_errors(),
                [(String::new(), "object".to_owned())],
                "{path} {body}"
            );
        }
        let r = client.post_raw(&path, b"{\"name\": ".to_vec());
        assert_eq!(
            r.field_errors(),
            [(String::new(), "json_syntax".to_owned())]
        );
    }
    let runs = format!("/api/v1/plans/{plan}/staffing-runs");
    for (body, field, rule) in [
        (
            json!({"options": {"time_limit_s": -1}}),
            "options.time_limit_s",
            "positive",
        ),
        (
            json!({"options": {"time_limit_s": "soon"}}),
            "options.time_limit_s",
            "type",
        ),
        (
            json!({"weights": {"unfilled": -5}}),
            "weights.unfilled",
            "non_negative",
        ),
        (
            json!({"weights": {"speed": 1}}),
            "weights.speed",
            "unknown_field",
        ),
        (json!({"classes": "all"}), "classes", "type"),
    ] {
        let r = planner.post(&runs, &body);
        let errors = r.field_errors();
        assert_eq!(errors.len(), 1, "{body}: {}", r.body);
        assert_eq!(errors[0].0, field, "{body}: {}", r.body);
        assert!(errors[0].1.contains(rule), "{body}: {}", r.body);
    }
    // Error details are ours, never the parser's.
    for body in [
        json!({"name": null, "year": 2027}),
        json!({"name": "x", "year": "2027", "tier": "provincial"}),
    ] {
        let r = planner.post("/api/v1/plans", &body);
        let text = r.problem(422).to_string();
        for internal in [
            "invalid type",
            "expected struct",
            "line 1 column",
            "expected i32",
            "i64",
        ] {
            assert!(!text.contains(internal), "{text}");
        }
    }
    // Not JSON at all.
    let typed = |content_type: &str| {
        reqwest::blocking::Client::new()
            .post(format!("{}/api/v1/plans", app.base))
            .bearer_auth(planner.token.as_deref().unwrap())
            .header("content-type", content_type)
            .body(r#"{"name": "计划", "year": 2027, "tier": "provincial"}"#)
            .send()
            .unwrap()
    };
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let r = typed(content_type);
        assert_eq!(r.status(), 415);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
    assert_eq!(counts(&app), before);
    assert_eq!(typed("application/json; charset=utf-8").status(), 201);
    // The document calls a run's request optional (`null` or absent).
    let queued = planner.post_raw(&runs, b"null".to_vec());
    assert_eq!(queued.status, 202, "{}", queued.body);
}

/// A token names an account; what the account is now decides.
fn tokens_follow_their_account(backend: Backend) {
    let app = TestApp::start(backend);
    let admin = app.client("admin", None);
    let planner = app.client("planner", None);
    let me = |client: &crate::support::Client| client.get("/api/v1/me");
    let planner_id = me(&planner).body["user_id"].as_str().unwrap().to_owned();

    // Demoted: the account's role counts, not the token's.
    app.add_user("boss", "admin", None);
    let boss = app.login("boss", PASSWORD);
    assert_eq!(boss.get("/api/v1/users").status, 200);
    app.db()
        .execute("UPDATE users SET role = 'office' WHERE username = 'boss'");
    boss.get("/api/v1/users").problem(403);
    assert_eq!(me(&boss).body["role"], "office");

    // Disabled by an admin: every token stops working, and no new one.
    let r = admin.patch(
        &format!("/api/v1/users/{planner_id}"),
        &json!({"active": false}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["active"], false);
    me(&planner).problem(401);
    let username = r.body["username"].as_str().unwrap().to_owned();
    app.anonymous()
        .post(
            "/api/v1/auth/token",
            &json!({"username": username, "password": PASSWORD}),
        )
        .problem(401);
    let r = admin.patch(
        &format!("/api/v1/users/{planner_id}"),
        &json!({"active": true}),
    );
    assert_eq!(r.status, 200);
    let planner = app.login(&username, PASSWORD);
    assert_eq!(me(&planner).status, 200);

    // A new password revokes the tokens issued before it.
    let r = admin.patch(
        &format!("/api/v1/users/{planner_id}"),
        &json!({"password": "another kettle orbit 9"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    me(&planner).problem(401);
    let planner = app.login(&username, "another kettle orbit 9");

    // Deleted: the token names nobody (a write with it was a 500 before).
    app.db()
        .execute(&format!("DELETE FROM users WHERE id = '{planner_id}'"));
    planner
        .post(
            "/api/v1/plans",
            &json!({"name": "计划", "year": 2027, "tier": "provincial"}),
        )
        .problem(401);
    assert_eq!(app.db().count("SELECT COUNT(*) AS count FROM plans"), 0);

    // A deactivated instructor can neither use a token nor sign in.
    let other_planner = app.client("planner", None);
    let id = create_instructor(&other_planner, "李明", json!({}));
    app.add_user("li.ming", "instructor", Some(&id));
    let li = app.login("li.ming", PASSWORD);
    assert_eq!(me(&li).status, 200);
    assert_eq!(
        other_planner
            .delete(&format!("/api/v1/instructors/{id}"))
            .status,
        200
    );
    me(&li).problem(401);
    app.anonymous()
        .post(
            "/api/v1/auth/token",
            &json!({"username": "li.ming", "password": PASSWORD}),
        )
        .problem(401);

    // Admins cannot give the instructor role to an account without an instructor.
    let admin_id = me(&admin).body["user_id"].as_str().unwrap().to_owned();
    let r = admin.patch(
        &format!("/api/v1/users/{admin_id}"),
        &json!({"role": "instructor"}),
    );
    assert_eq!(
        r.field_errors(),
        [("role".to_owned(), "instructor_link".to_owned())]
    );
    admin
        .patch("/api/v1/users/nobody", &json!({"active": false}))
        .problem(404);
}

/// Failed logins count per (account, client address) in the database: a
/// stranger's guesses do not lock the owner out, and every replica sees them.
fn guessing_locks_out_only_the_guesser(backend: Backend) {
    let app = TestApp::start(backend);
    app.add_user("wang.fang", "office", None);
    let stranger = app.anonymous().connecting_from([127, 0, 0, 2]);
    let attempt = |client: &crate::support::Client, password: &str| {
        client.post(
            "/api/v1/auth/token",
            &json!({"username": "wang.fang", "password": password}),
        )
    };
    for _ in 0..3 {
        attempt(&stranger, "guess").problem(401);
    }
    attempt(&stranger, PASSWORD).problem(429);
    // The owner, from another address, signs in.
    assert_eq!(attempt(&app.anonymous(), PASSWORD).status, 200);
    assert_eq!(
        app.db()
            .count("SELECT COUNT(*) AS count FROM login_failures WHERE client = '127.0.0.2'"),
        1
    );
    if backend == Backend::Postgres {
        // Another replica refuses the stranger too.
        let other = app.second(&[]);
        let stranger_there = other.anonymous().connecting_from([127, 0, 0, 2]);
        attempt(&stranger_there, PASSWORD).problem(429);
    }
}

/// An instructor's block over a confirmed assignment is refused; a pin
/// that breaks a rule anyway (the planner lowered the expertise) is dropped
/// from the run and reported, and the run is done.
fn instructors_cannot_break_a_planners_run(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    seed_pool(&planner);
    let (plan, _, _) = seed_plan(&planner);
    let first = staff(&planner, &plan, json!({}));
    apply(&planner, &first);
    let all = planner
        .get(&format!("/api/v1/assignments?plan={plan}"))
        .body;
    let a = all[0].clone();
    let (assignment, who) = (a["id"].as_str().unwrap(), a["instructor"].as_str().unwrap());
    planner.post(
        &format!("/api/v1/assignments/{assignment}/confirm"),
        &json!(null),
    );
    let instructor = app.client("instructor", Some(who));
    let block = json!({"start": a["start"], "end": a["end"], "note": "出差"});
    let r = instructor.post("/api/v1/me/unavailability", &block);
    assert_eq!(r.problem(409)["type"], "/problems/block-over-assignment");
    let r = planner.post(&format!("/api/v1/instructors/{who}/unavailability"), &block);
    assert_eq!(r.problem(409)["type"], "/problems/block-over-assignment");
    assert_eq!(
        app.db()
            .count("SELECT COUNT(*) AS count FROM unavailability"),
        0
    );
    let second = staff(&planner, &plan, json!({}));
    assert_eq!(second["dropped_pins"], json!([]));

    // Confirming or locking while the instructor is unavailable is refused.
    let b = all[1].clone();
    let other = b["instructor"].as_str().unwrap();
    let r = planner.post(
        &format!("/api/v1/instructors/{other}/unavailability"),
        &json!({"start": b["start"], "end": b["end"]}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    for action in ["confirm", "lock"] {
        let r = planner.post(
            &format!("/api/v1/assignments/{}/{action}", b["id"].as_str().unwrap()),
            &json!(null),
        );
        assert_eq!(r.problem(409)["type"], "/problems/instructor-unavailable");
    }

    // The planner takes away the pinned instructor's expertise: the pin is
    // dropped and reported, and the run still staffs the plan.
    let record = planner.get(&format!("/api/v1/instructors/{who}"));
    let etag = record.header("etag").unwrap().to_owned();
    let mut body: Value = record.body.clone();
    let updated = instructor_record(&mut body);
    let r = planner.put(&format!("/api/v1/instructors/{who}"), &updated, Some(&etag));
    assert_eq!(r.status, 200, "{}", r.body);
    let third = staff(&planner, &plan, json!({}));
    let dropped = third["dropped_pins"].as_array().unwrap();
    assert_eq!(dropped.len(), 1, "{third}");
    assert_eq!(dropped[0]["session"], a["session"]);
    assert_eq!(dropped[0]["instructor"], a["instructor"]);
    assert_eq!(dropped[0]["rule"], "pin_topic");
    let again = wait(&planner, third["id"].as_str().unwrap());
    assert_eq!(again["state"], "done");
}

/// The instructor input of a stored record, with every expertise at level 1.
fn instructor_record(stored: &mut Value) -> Value {
    let mut record = instructor_input(stored);
    for expertise in record["expertise"].as_array_mut().unwrap() {
        expertise["level"] = json!(1);
    }
    record
}

/// One server serves an SQLite file: a second refuses to start and changes
/// nothing, and a server that cannot listen changes nothing either.
fn a_second_server_changes_nothing(_: Backend) {
    let app = TestApp::start(Backend::Sqlite);
    let planner = app.client("planner", None);
    seed_pool(&planner);
    let (plan, _, _) = seed_plan(&planner);
    let run = staff(&planner, &plan, json!({}));
    let url = app.db().url.clone();
    let second = std::process::Command::new(crate::support::BIN)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", &url)
        .env("JWT_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("another faculty-pool server"), "{stderr}");
    // Nor through a symbolic or a hard link to the same file.
    let dir = app.db().dir.path();
    let (symlink, hardlink) = (dir.join("symlink.db"), dir.join("hardlink.db"));
    std::os::unix::fs::symlink(&url, &symlink).unwrap();
    std::fs::hard_link(&url, &hardlink).unwrap();
    for other in [&symlink, &hardlink] {
        let mut second = std::process::Command::new(crate::support::BIN)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("DATABASE_URL", other)
            .env("JWT_SECRET", SECRET)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // A server that did start would run until killed.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let status = loop {
            if let Some(status) = second.try_wait().unwrap() {
                break Some(status);
            }
            if std::time::Instant::now() > deadline {
                let _ = second.kill();
                break None;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        assert!(
            status.is_some_and(|s| !s.success()),
            "a second server served {other:?}"
        );
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut second.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(stderr.contains("another faculty-pool server"), "{stderr}");
    }
    let again = planner.get(&format!(
        "/api/v1/staffing-runs/{}",
        run["id"].as_str().unwrap()
    ));
    assert_eq!(again.body["attempts"], 1);
    assert_eq!(again.body["worker"], run["worker"]);

    // A server that cannot take its address leaves no database behind.
    let db = TestDb::new(Backend::Sqlite);
    let taken = app.base.trim_start_matches("http://").to_owned();
    let refused = std::process::Command::new(crate::support::BIN)
        .args(["serve", "--bind", &taken])
        .env("DATABASE_URL", &db.url)
        .env("JWT_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("cannot listen"));
    assert!(
        !std::path::Path::new(&db.url).exists(),
        "the database was created"
    );
}

/// Secrets that are long enough but predictable are refused at start.
fn weak_secrets_are_refused(backend: Backend) {
    for weak in [" ".repeat(32), "a".repeat(32), "ab".repeat(20)] {
        let db = TestDb::new(backend);
        let Err((_, message)) = TestApp::try_start(db, &[("JWT_SECRET", &weak)]) else {
            panic!("the server started with the secret {weak:?}");
        };
        assert!(message.contains("too predictable"), "{message}");
        assert!(!message.contains("-0 bits"), "{message}");
    }
}

crate::both_backends!(
    nul_bytes_and_long_parameters_are_refused,
    bodies_of_the_wrong_shape_are_refused,
    tokens_follow_their_account,
    guessing_locks_out_only_the_guesser,
    instructors_cannot_break_a_planners_run,
    weak_secrets_are_refused,
);

mod sqlite_only {
    #[test]
    fn a_second_server_changes_nothing() {
        super::a_second_server_changes_nothing(crate::support::Backend::Sqlite)
    }
}
