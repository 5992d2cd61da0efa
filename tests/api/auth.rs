//! Tokens, login throttling and the role matrix of SPEC section 1.

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::support::{create_instructor, Backend, TestApp, PASSWORD, SECRET};

fn claims(app_user: &str, exp_offset_s: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": app_user, "iss": "faculty-pool", "aud": "faculty-pool-api",
        "exp": now + exp_offset_s, "iat": now, "ver": 0
    })
}

fn sign(alg: Algorithm, claims: &Value) -> String {
    encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

fn login_and_me(backend: Backend) {
    let app = TestApp::start(backend);
    app.add_user("zhang.wei", "planner", None);
    let r = app.anonymous().post(
        "/api/v1/auth/token",
        &json!({"username": "zhang.wei", "password": PASSWORD}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["expires_in"], 3600);
    let client = app.login("zhang.wei", PASSWORD);
    let me = client.get("/api/v1/me");
    assert_eq!(me.status, 200);
    assert_eq!(me.body["username"], "zhang.wei");
    assert_eq!(me.body["role"], "planner");
    assert!(me.body["instructor"].is_null());

    let wrong = app.anonymous().post(
        "/api/v1/auth/token",
        &json!({"username": "zhang.wei", "password": "not the password"}),
    );
    wrong.problem(401);
    let nobody = app.anonymous().post(
        "/api/v1/auth/token",
        &json!({"username": "nobody", "password": PASSWORD}),
    );
    assert_eq!(nobody.problem(401)["detail"], wrong.body["detail"]);
}

fn bad_tokens_are_refused(backend: Backend) {
    let app = TestApp::start(backend);
    let anonymous = app.anonymous();
    let u1 = app.client("admin", None).get("/api/v1/me").body["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let claims = |user: &str, exp| claims(if user == "u1" { &u1 } else { user }, exp);
    let good = sign(Algorithm::HS256, &claims("u1", 600));
    assert_eq!(anonymous.with_token(&good).get("/api/v1/me").status, 200);
    let mut not_yet = claims("u1", 600);
    not_yet["nbf"] = json!(chrono::Utc::now().timestamp() + 300);
    let mut old_version = claims("u1", 600);
    old_version["ver"] = json!(-1);

    anonymous.get("/api/v1/me").problem(401);
    let expired = sign(Algorithm::HS256, &claims("u1", -120));
    let mut tampered = good.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let wrong_alg = sign(Algorithm::HS384, &claims("u1", 600));
    let mut wrong_aud = claims("u1", 600);
    wrong_aud["aud"] = json!("someone-else");
    let mut wrong_iss = claims("u1", 600);
    wrong_iss["iss"] = json!("someone-else");
    let mut no_exp = claims("u1", 600);
    no_exp.as_object_mut().unwrap().remove("exp");
    let mut no_sub = claims("u1", 600);
    no_sub.as_object_mut().unwrap().remove("sub");
    // alg "none": a header and claims with an empty signature.
    let b64 = |v: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims("u1", 600))
    );
    let other_secret = encode(
        &Header::new(Algorithm::HS256),
        &claims("u1", 600),
        &EncodingKey::from_secret(b"another-secret-of-more-than-thirty-two-bytes"),
    )
    .unwrap();
    for (what, token) in [
        ("expired", expired),
        ("tampered", tampered),
        ("wrong algorithm", wrong_alg),
        ("wrong audience", sign(Algorithm::HS256, &wrong_aud)),
        ("wrong issuer", sign(Algorithm::HS256, &wrong_iss)),
        ("no exp", sign(Algorithm::HS256, &no_exp)),
        ("no sub", sign(Algorithm::HS256, &no_sub)),
        ("not valid yet", sign(Algorithm::HS256, &not_yet)),
        ("revoked version", sign(Algorithm::HS256, &old_version)),
        (
            "unknown account",
            sign(Algorithm::HS256, &claims("nobody", 600)),
        ),
        ("alg none", alg_none),
        ("other secret", other_secret),
        ("garbage", "not.a.token".to_owned()),
    ] {
        let r = anonymous.with_token(&token).get("/api/v1/me");
        assert_eq!(r.status, 401, "{what} token was accepted");
        r.problem(401);
    }
}

fn failed_logins_are_slowed_down(backend: Backend) {
    let app = TestApp::start(backend);
    app.add_user("wang.fang", "office", None);
    let attempt = |password: &str| {
        app.anonymous().post(
            "/api/v1/auth/token",
            &json!({"username": "wang.fang", "password": password}),
        )
    };
    for _ in 0..3 {
        attempt("guess").problem(401);
    }
    // Even the right password is refused while the delay runs.
    let refused = attempt(PASSWORD);
    refused.problem(429);
    assert!(refused.header("retry-after").is_some());
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(attempt(PASSWORD).status, 200);
}

/// Every role against every class of endpoint.
fn role_matrix(backend: Backend) {
    let app = TestApp::start(backend);
    let admin = app.client("admin", None);
    let own = create_instructor(&admin, "李明", json!({}));
    let other = create_instructor(&admin, "王芳", json!({}));
    let other_block = admin.post(
        &format!("/api/v1/instructors/{other}/unavailability"),
        &json!({"start": "2027-03-02T00:00:00+08:00", "end": "2027-03-03T00:00:00+08:00"}),
    );
    assert_eq!(other_block.status, 201);
    let other_block = other_block.body["id"].as_str().unwrap().to_owned();
    let clients = [
        ("admin", admin.clone()),
        ("planner", app.client("planner", None)),
        ("office", app.client("office", None)),
        ("instructor", app.client("instructor", Some(&own))),
    ];
    let block = |day: u32| json!({"start": format!("2027-04-{day:02}T00:00:00+08:00"), "end": format!("2027-04-{day:02}T12:00:00+08:00")});
    let record =
        json!({"title": "办信实务", "delivered_at": "2026-05-01T09:00:00+08:00", "scores": [5]});
    // (what, [admin, planner, office, instructor] expected statuses, request)
    type Call<'a> = Box<dyn Fn(&crate::support::Client, usize) -> u16 + 'a>;
    let cases: Vec<(&str, [u16; 4], Call)> = vec![
        (
            "read the pool",
            [200, 200, 200, 403],
            Box::new(|c, _| c.get("/api/v1/instructors").status),
        ),
        (
            "read an instructor",
            [200, 200, 200, 403],
            Box::new(|c, _| c.get(&format!("/api/v1/instructors/{other}")).status),
        ),
        (
            "add to the pool",
            [201, 201, 403, 403],
            Box::new(|c, i| {
                c.post(
                    "/api/v1/instructors",
                    &crate::support::instructor(&format!("新人{i}"), json!({})),
                )
                .status
            }),
        ),
        (
            "deactivate",
            [200, 200, 403, 403],
            Box::new(|c, i| {
                let id = create_instructor(&admin, &format!("待停用{i}"), json!({}));
                c.delete(&format!("/api/v1/instructors/{id}")).status
            }),
        ),
        (
            "read others' availability",
            [200, 200, 200, 403],
            Box::new(|c, _| {
                c.get(&format!("/api/v1/instructors/{other}/unavailability"))
                    .status
            }),
        ),
        (
            "add to others' availability",
            [201, 201, 403, 403],
            Box::new(|c, i| {
                c.post(
                    &format!("/api/v1/instructors/{other}/unavailability"),
                    &block(i as u32 + 1),
                )
                .status
            }),
        ),
        (
            "remove from others' availability",
            [404, 404, 403, 403],
            Box::new(|c, _| {
                c.delete(&format!(
                    "/api/v1/instructors/{other}/unavailability/no-such-block"
                ))
                .status
            }),
        ),
        (
            "own availability",
            [403, 403, 403, 201],
            Box::new(|c, _| c.post("/api/v1/me/unavailability", &block(20)).status),
        ),
        (
            "own contact",
            [403, 403, 403, 428],
            Box::new(|c, _| {
                c.put("/api/v1/me/contact", &json!({"phone": "123456"}), None)
                    .status
            }),
        ),
        (
            "record teaching",
            [201, 201, 403, 403],
            Box::new(|c, _| {
                c.post(
                    &format!("/api/v1/instructors/{other}/teaching-records"),
                    &record,
                )
                .status
            }),
        ),
        (
            "read teaching records",
            [200, 200, 200, 403],
            Box::new(|c, _| {
                c.get(&format!("/api/v1/instructors/{other}/teaching-records"))
                    .status
            }),
        ),
        (
            "read topics",
            [200, 200, 200, 200],
            Box::new(|c, _| c.get("/api/v1/topics").status),
        ),
        (
            "add topics",
            [201, 403, 403, 403],
            Box::new(|c, i| {
                c.post("/api/v1/topics", &json!({"code": format!("new-topic-{i}"), "name": "新专题", "category": "other"})).status
            }),
        ),
        (
            "manage users",
            [200, 403, 403, 403],
            Box::new(|c, _| c.get("/api/v1/users").status),
        ),
    ];
    for (what, expected, call) in &cases {
        for (i, (role, client)) in clients.iter().enumerate() {
            assert_eq!(
                call(client, i),
                expected[i],
                "{role} may not {what} as expected"
            );
        }
    }
    // An instructor cannot remove another instructor's block through /me
    // either: it is not theirs, and it stays.
    let (_, instructor) = &clients[3];
    instructor
        .delete(&format!("/api/v1/me/unavailability/{other_block}"))
        .problem(404);
    let blocks = admin.get(&format!("/api/v1/instructors/{other}/unavailability"));
    assert!(blocks
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["id"] == other_block.as_str()));
}

fn user_accounts(backend: Backend) {
    let app = TestApp::start(backend);
    let admin = app.client("admin", None);
    let id = create_instructor(&admin, "赵强", json!({}));
    let r = admin.post(
        "/api/v1/users",
        &json!({"username": "zhao.qiang", "password": "yellow kettle orbit", "role": "instructor", "instructor": id}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let me = app
        .login("zhao.qiang", "yellow kettle orbit")
        .get("/api/v1/me");
    assert_eq!(me.body["instructor"]["id"], id.as_str());
    let taken = admin.post(
        "/api/v1/users",
        &json!({"username": "zhao.qiang", "password": "yellow kettle orbit", "role": "office"}),
    );
    assert_eq!(taken.problem(409)["type"], "/problems/duplicate");
    let invalid = admin.post(
        "/api/v1/users",
        &json!({"username": "x", "password": "short", "role": "instructor"}),
    );
    assert_eq!(
        invalid.field_errors(),
        [("password".to_owned(), "min_length".to_owned())]
    );
    let invalid = admin.post(
        "/api/v1/users",
        &json!({"username": "x", "password": "yellow kettle orbit", "role": "instructor"}),
    );
    assert_eq!(
        invalid.field_errors(),
        [
            ("username".to_owned(), "format".to_owned()),
            ("instructor".to_owned(), "required".to_owned())
        ]
    );
    // The CLI refuses an instructor account for an unknown instructor.
    let out = app.db().cli(
        &[
            "user",
            "add",
            "--username",
            "ghost",
            "--role",
            "instructor",
            "--instructor",
            "nope",
        ],
        "yellow kettle orbit\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown_reference"));
}

crate::both_backends!(
    login_and_me,
    bad_tokens_are_refused,
    failed_logins_are_slowed_down,
    role_matrix,
    user_accounts,
);
