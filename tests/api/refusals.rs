//! Requests that must not do what they seem to: weak passwords, a key given
//! twice, the last administrator locking everyone out, a body in another
//! charset, `HEAD` on a page, and a run asking for more time than the
//! server gives. Each is refused with a problem that says why, and changes
//! nothing; `HEAD` is answered as `GET` without the body.

use serde_json::{json, Value};

use crate::staffing::seed_plan;
use crate::support::{Backend, Client, TestApp, PASSWORD};

fn users(app: &TestApp) -> i64 {
    app.db().count("SELECT count(*) AS count FROM users")
}

/// Blank and common passwords are refused wherever a password is set, in
/// Chinese and English; an account made before keeps signing in.
fn weak_passwords_are_refused(backend: Backend) {
    let app = TestApp::start(backend);
    let admin = app.client("admin", None);
    // An account whose password predates the rule (set in the database).
    app.add_user("legacy", "office", None);
    let legacy = app.login("legacy", PASSWORD);
    let before = users(&app);
    for weak in [
        "        ",
        "\t\t\t\t\t\t\t\t",
        "password",
        "12345678",
        "qwertyui",
    ] {
        let r = admin.post(
            "/api/v1/users",
            &json!({"username": "zhao.qiang", "password": weak, "role": "office"}),
        );
        let rule = &r.field_errors()[0];
        assert_eq!(rule.0, "password", "{weak:?}");
        assert!(
            ["blank", "weak"].contains(&rule.1.as_str()),
            "{weak:?}: {rule:?}"
        );
        assert!(r.body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("密码"));
        let r = legacy.put(
            "/api/v1/me/password",
            &json!({"current": PASSWORD, "new": weak}),
            None,
        );
        assert_eq!(r.field_errors()[0].0, "new", "{weak:?}");
        let target = legacy.get("/api/v1/me").body["user_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = admin.patch(
            &format!("/api/v1/users/{target}"),
            &json!({"password": weak}),
        );
        assert_eq!(r.field_errors()[0].0, "password", "{weak:?}");
    }
    // The username itself is an easy guess.
    let r = admin.post(
        "/api/v1/users",
        &json!({"username": "zhao.qiang", "password": "zhao.qiang", "role": "office"}),
    );
    assert_eq!(r.field_errors()[0].1, "weak");
    assert_eq!(users(&app), before);
    assert_eq!(legacy.get("/api/v1/me").status, 200);
    assert_eq!(app.login("legacy", PASSWORD).get("/api/v1/me").status, 200);
    // The command line says so too, and makes nobody.
    let out = app.db().cli(
        &["user", "add", "--username", "wang.fang", "--role", "office"],
        "password\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("密码"));
    assert_eq!(users(&app), before);
}

/// A key given twice in a JSON body is a 422 naming the key, never the
/// second value quietly winning: no admin is made, nobody signs in.
fn keys_given_twice_are_refused(backend: Backend) {
    let app = TestApp::start(backend);
    let admin = app.client("admin", None);
    let before = users(&app);
    let r = admin.post_raw(
        "/api/v1/users",
        br#"{"username": "sneaky", "password": "yellow kettle orbit", "role": "office", "role": "admin"}"#
            .to_vec(),
    );
    assert_eq!(
        r.field_errors(),
        [("role".to_owned(), "duplicate".to_owned())]
    );
    assert_eq!(users(&app), before);
    app.add_user("victim", "admin", None);
    let r = app.anonymous().post_raw(
        "/api/v1/auth/token",
        format!(r#"{{"username": "nobody", "username": "victim", "password": "{PASSWORD}"}}"#)
            .into_bytes(),
    );
    assert_eq!(
        r.field_errors(),
        [("username".to_owned(), "duplicate".to_owned())]
    );
    let planner = app.client("planner", None);
    let r = planner.post_raw(
        "/api/v1/instructors",
        br#"{"name": "a", "kind": "cadre", "city": "x", "lat": 1, "lon": 1, "yearly_capacity": 1,
             "expertise": [{"topic": "finance", "level": 1, "level": 5}]}"#
            .to_vec(),
    );
    assert_eq!(
        r.field_errors(),
        [("expertise[0].level".to_owned(), "duplicate".to_owned())]
    );
}

fn user_id(client: &Client) -> String {
    client.get("/api/v1/me").body["user_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The only active administrator can neither disable nor demote
/// themselves (409); with a second one, either can, but not both.
fn the_last_admin_stays(backend: Backend) {
    let app = TestApp::start(backend);
    let admin = app.client("admin", None);
    let me = user_id(&admin);
    for change in [json!({"active": false}), json!({"role": "planner"})] {
        let r = admin.patch(&format!("/api/v1/users/{me}"), &change);
        assert_eq!(r.problem(409)["type"], "/problems/last-admin", "{change}");
    }
    assert_eq!(admin.get("/api/v1/me").body["role"], "admin");
    // Another admin: now one may step down, then the other may not.
    let second = app.client("admin", None);
    let other = user_id(&second);
    let r = admin.patch(&format!("/api/v1/users/{me}"), &json!({"role": "planner"}));
    assert_eq!(r.status, 200, "{}", r.body);
    let r = second.patch(&format!("/api/v1/users/{other}"), &json!({"active": false}));
    assert_eq!(r.problem(409)["type"], "/problems/last-admin");
    // Two admins disabling each other at once: never both.
    let third = app.client("admin", None);
    let third_id = user_id(&third);
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| {
            second.patch(
                &format!("/api/v1/users/{third_id}"),
                &json!({"active": false}),
            )
        });
        let b = scope
            .spawn(|| third.patch(&format!("/api/v1/users/{other}"), &json!({"active": false})));
        (a.join().unwrap().status, b.join().unwrap().status)
    });
    let active_admins = app
        .db()
        .count("SELECT count(*) AS count FROM users WHERE role = 'admin' AND active");
    // One steps the other down; the other is refused (409), or finds its
    // own account disabled already (401).
    assert!(!(a == 200 && b == 200), "both disabled the other");
    assert_eq!(active_admins, 1, "statuses {a} and {b}");
}

/// A JSON body in a charset other than UTF-8 is a 415, not read as UTF-8.
fn bodies_in_other_charsets_are_refused(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let body = json!({"name": "计划", "year": 2027, "tier": "provincial"}).to_string();
    for charset in ["utf-16", "latin1", "gbk"] {
        let r = reqwest::blocking::Client::new()
            .post(format!("{}/api/v1/plans", app.base))
            .bearer_auth(planner.token.as_deref().unwrap())
            .header(
                "content-type",
                format!("application/json; charset={charset}"),
            )
            .body(body.clone())
            .send()
            .unwrap();
        assert_eq!(r.status(), 415, "{charset}");
        let problem: Value = r.json().unwrap();
        assert!(problem["detail"].as_str().unwrap().contains("UTF-8"));
    }
    assert_eq!(app.db().count("SELECT count(*) AS count FROM plans"), 0);
    for charset in ["utf-8", "UTF-8", "\"utf-8\""] {
        let r = reqwest::blocking::Client::new()
            .post(format!("{}/api/v1/plans", app.base))
            .bearer_auth(planner.token.as_deref().unwrap())
            .header(
                "content-type",
                format!("application/json; charset={charset}"),
            )
            .body(body.clone())
            .send()
            .unwrap();
        assert_eq!(r.status(), 201, "{charset}");
    }
}

/// `HEAD` answers as `GET` would, without the body.
fn head_answers_like_get(backend: Backend) {
    let app = TestApp::start(backend);
    let http = reqwest::blocking::Client::new();
    for path in [
        "/",
        "/api/v1/openapi.json",
        "/healthz",
        "/api/v1/no-such-thing",
    ] {
        let get = http.get(format!("{}{path}", app.base)).send().unwrap();
        let head = http.head(format!("{}{path}", app.base)).send().unwrap();
        assert_eq!(head.status(), get.status(), "{path}");
        assert_eq!(
            head.headers().get("content-type"),
            get.headers().get("content-type"),
            "{path}"
        );
        assert!(head.bytes().unwrap().is_empty(), "{path}");
    }
}

/// A run asking for more time than the server gives is refused and names
/// the bound, instead of being stored as asked.
fn runs_ask_for_at_most_the_servers_time(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let (plan, _, _) = seed_plan(&planner);
    let r = planner.post(
        &format!("/api/v1/plans/{plan}/staffing-runs"),
        &json!({"options": {"time_limit_s": 1e308}}),
    );
    assert_eq!(
        r.field_errors(),
        [("options.time_limit_s".to_owned(), "max".to_owned())]
    );
    assert!(r.body["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("MAX_TIME_LIMIT_S"));
    assert_eq!(
        app.db()
            .count("SELECT count(*) AS count FROM staffing_runs"),
        0
    );
}

/// Webhook addresses that reach loopback or private networks through an
/// IPv6 form carrying IPv4, and malformed ones, are refused at `url`.
fn webhooks_never_point_inward(backend: Backend) {
    let app = TestApp::start(backend);
    let admin = app.client("admin", None);
    for url in [
        "http://[64:ff9b::7f00:1]/",
        "http://[2002:7f00:1::]/",
        "http://[::ffff:0:7f00:1]/",
        "http://[::127.0.0.1]/",
        "http:///x",
    ] {
        let r = admin.post(
            "/api/v1/webhooks",
            &json!({"url": url, "event_types": ["webhook.ping"]}),
        );
        assert_eq!(r.field_errors()[0].0, "url", "{url}: {}", r.body);
    }
    assert_eq!(
        app.db()
            .count("SELECT count(*) AS count FROM webhook_endpoints"),
        0
    );
}

crate::both_backends!(
    webhooks_never_point_inward,
    weak_passwords_are_refused,
    keys_given_twice_are_refused,
    the_last_admin_stays,
    bodies_in_other_charsets_are_refused,
    head_answers_like_get,
    runs_ask_for_at_most_the_servers_time,
);
