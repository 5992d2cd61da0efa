//! Webhooks: admins register endpoints, changes write events to the outbox,
//! a worker delivers them signed (Standard Webhooks) to a local receiver
//! that checks every signature, retries a receiver that fails until it
//! recovers, disables one that keeps failing, survives a restart, signs
//! with both secrets for a day after a rotation, and two replicas deliver
//! each event once; admins manage endpoints from the console's 消息推送 pages.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::console::sign_in;
use crate::console_pages::{answer_dialogs, eventually};
use crate::local_http::{self, LocalServer, Request};
use crate::staffing::{seed_plan, seed_pool, staff};
use crate::support::{Backend, Client, TestApp, TestDb, SECRET};
use crate::webdriver::Browser;

/// The server settings of these tests: a receiver on 127.0.0.1, quick retries.
const ENV: [(&str, &str); 3] = [
    ("JWT_SECRET", SECRET),
    ("WEBHOOK_ALLOW_PRIVATE", "true"),
    ("WEBHOOK_RETRY_BASE_MS", "200"),
];

/// A webhook receiver: answers with the next scripted status (200 when the
/// script is empty) and keeps every request.
struct Receiver {
    server: LocalServer,
    got: Arc<Mutex<Vec<Request>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    fn start() -> Self {
        let got = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::new()));
        let (kept, answers) = (got.clone(), script.clone());
        let server = local_http::serve(move |request| {
            kept.lock().unwrap().push(request.clone());
            let status = answers.lock().unwrap().pop_front().unwrap_or(200);
            (status, format!("{{\"received\": {status}}}"))
        });
        Self {
            server,
            got,
            script,
        }
    }

    fn url(&self) -> String {
        format!("{}/hooks/faculty-pool", self.server.base)
    }

    /// Answers the next `n` requests with `status`.
    fn fail_next(&self, n: usize, status: u16) {
        self.script
            .lock()
            .unwrap()
            .extend(std::iter::repeat_n(status, n));
    }

    fn requests(&self) -> Vec<Request> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `done` holds of the requests received so far.
    fn wait_for(&self, what: &str, done: impl Fn(&[Request]) -> bool) -> Vec<Request> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let got = self.requests();
            if done(&got) {
                return got;
            }
            assert!(Instant::now() < deadline, "no {what}: {got:#?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Checks a request as the Standard Webhooks specification tells a
/// receiver to, and returns its event.
fn verified(secret: &str, request: &Request) -> Value {
    let id = request.header("webhook-id").expect("webhook-id");
    let timestamp = request
        .header("webhook-timestamp")
        .expect("webhook-timestamp");
    let age = chrono::Utc::now().timestamp() - timestamp.parse::<i64>().unwrap();
    assert!(
        (-5..=300).contains(&age),
        "timestamp {timestamp} is {age} s old"
    );
    let body = std::str::from_utf8(&request.body).unwrap();
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let signatures = request
        .header("webhook-signature")
        .expect("webhook-signature");
    assert!(
        signatures.split(' ').any(|s| s == expected),
        "bad signature {signatures} for {id}"
    );
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/hooks/faculty-pool");
    assert!(request
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    let event: Value = serde_json::from_str(body).unwrap();
    assert!(event["timestamp"].is_string(), "{event}");
    event
}

fn types(secret: &str, requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| verified(secret, r)["type"].as_str().unwrap().to_owned())
        .collect()
}

fn register(admin: &Client, url: &str, events: Value) -> (String, String) {
    let made = admin.post(
        "/api/v1/webhooks",
        &json!({"url": url, "event_types": events, "description": "省委组织部干部信息系统"}),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let secret = made.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    (made.body["id"].as_str().unwrap().to_owned(), secret)
}

fn deliveries(admin: &Client, endpoint: &str) -> Vec<Value> {
    let list = admin.get(&format!("/api/v1/webhooks/{endpoint}/deliveries"));
    assert_eq!(list.status, 200, "{}", list.body);
    list.body.as_array().unwrap().clone()
}

/// Waits until the endpoint's deliveries satisfy `done`.
fn wait_deliveries(admin: &Client, endpoint: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let list = deliveries(admin, endpoint);
        if done(&list) {
            return list;
        }
        assert!(Instant::now() < deadline, "{list:#?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}

fn staffing_events_are_signed_and_retried(backend: Backend) {
    let app = TestApp::start_on(TestDb::new(backend), &ENV);
    let admin = app.client("admin", None);
    let planner = app.client("planner", None);
    let receiver = Receiver::start();

    // Bad registrations are refused with the field and the rule, and store nothing.
    for (body, field, rule) in [
        (
            json!({"url": "ftp://example.org/x", "event_types": ["staffing_run.done"]}),
            "url",
            "webhook_url",
        ),
        (
            json!({"url": receiver.url(), "event_types": ["staffing_run.started"]}),
            "event_types[0]",
            "known",
        ),
        (
            json!({"url": receiver.url(), "event_types": []}),
            "event_types",
            "non_empty",
        ),
        (
            json!({"url": receiver.url(), "event_types": ["webhook.ping"]}),
            "event_types[0]",
            "known",
        ),
    ] {
        let refused = admin.post("/api/v1/webhooks", &body);
        refused.problem(422);
        assert!(
            refused
                .field_errors()
                .contains(&(field.to_owned(), rule.to_owned())),
            "{}",
            refused.body
        );
    }
    planner
        .post(
            "/api/v1/webhooks",
            &json!({"url": receiver.url(), "event_types": ["staffing_run.done"]}),
        )
        .problem(403);
    assert_eq!(admin.get("/api/v1/webhooks").body, json!([]));
    let kinds = admin.get("/api/v1/webhook-event-types");
    assert_eq!(kinds.status, 200);
    assert!(kinds
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["code"] == "assignment.declined" && k["name"] == "教师婉拒授课"));

    let (endpoint, secret) = register(
        &admin,
        &receiver.url(),
        json!([
            "staffing_run.done",
            "assignments.proposed",
            "assignment.confirmed",
            "assignment.declined"
        ]),
    );
    // The secret is shown once.
    let shown = admin.get(&format!("/api/v1/webhooks/{endpoint}"));
    assert_eq!(shown.status, 200);
    assert!(shown.body.get("secret").is_none(), "{}", shown.body);
    assert!(admin.get("/api/v1/webhooks").body[0]
        .get("secret")
        .is_none());

    // The receiver fails twice, then recovers.
    receiver.fail_next(2, 500);
    seed_pool(&planner);
    let (plan, _, sessions) = seed_plan(&planner);
    let run = staff(&planner, &plan, json!({}));
    let run_id = run["id"].as_str().unwrap();
    let got = receiver.wait_for("run event", |got| got.len() >= 3);
    let ids: Vec<&str> = got
        .iter()
        .map(|r| r.header("webhook-id").unwrap())
        .collect();
    assert!(
        ids.iter().all(|id| *id == ids[0] && id.starts_with("msg_")),
        "{ids:?}"
    );
    let done = verified(&secret, &got[2]);
    assert_eq!(done["type"], "staffing_run.done");
    assert_eq!(done["data"]["run"], run_id);
    assert_eq!(done["data"]["plan"], plan.as_str());
    assert_eq!(done["data"]["status"], run["solution"]["status"]);
    assert_eq!(
        done["data"]["assignments"],
        run["solution"]["assignments"].as_array().unwrap().len()
    );
    // The log keeps each attempt: two 500s, then the 200.
    let log = wait_deliveries(&admin, &endpoint, |d| {
        d.len() == 1 && d[0]["state"] == "succeeded"
    });
    let statuses: Vec<&Value> = log[0]["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["status"])
        .collect();
    assert_eq!(statuses, [&json!(500), &json!(500), &json!(200)]);
    assert_eq!(log[0]["attempts"], 3);
    assert_eq!(log[0]["event"], ids[0]);
    assert_eq!(log[0]["log"][0]["response_excerpt"], "{\"received\": 500}");

    // Applying proposes; confirming and declining are events too.
    let applied = planner.post(
        &format!("/api/v1/staffing-runs/{run_id}/apply"),
        &json!(null),
    );
    assert_eq!(applied.status, 200, "{}", applied.body);
    let assignments = planner
        .get(&format!("/api/v1/assignments?plan={plan}"))
        .body;
    let assignments = assignments.as_array().unwrap();
    let confirm = &assignments[0];
    let confirmed = planner.post(
        &format!(
            "/api/v1/assignments/{}/confirm",
            confirm["id"].as_str().unwrap()
        ),
        &json!(null),
    );
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    let decline = assignments
        .iter()
        .find(|a| a["instructor"] != confirm["instructor"])
        .unwrap();
    let me = app.client("instructor", Some(decline["instructor"].as_str().unwrap()));
    let declined = me.post(
        &format!(
            "/api/v1/me/assignments/{}/decline",
            decline["id"].as_str().unwrap()
        ),
        &json!({"reason": "当天另有公务"}),
    );
    assert_eq!(declined.status, 200, "{}", declined.body);
    let got = receiver.wait_for("assignment events", |got| got.len() >= 6);
    assert_eq!(
        types(&secret, &got[3..]),
        [
            "assignments.proposed",
            "assignment.confirmed",
            "assignment.declined"
        ]
    );
    let proposed = verified(&secret, &got[3]);
    let mut pairs: Vec<(String, String)> = proposed["data"]["proposed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["session"].as_str().unwrap().to_owned(),
                p["instructor"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut stored: Vec<(String, String)> = assignments
        .iter()
        .map(|a| {
            (
                a["session"].as_str().unwrap().to_owned(),
                a["instructor"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    pairs.sort();
    stored.sort();
    assert_eq!(pairs, stored);
    assert_eq!(
        verified(&secret, &got[4])["data"]["assignment"],
        confirm["id"]
    );
    let declined_event = verified(&secret, &got[5]);
    assert_eq!(declined_event["data"]["assignment"], decline["id"]);
    assert_eq!(declined_event["data"]["reason"], "当天另有公务");
    assert!(sessions.contains(
        &declined_event["data"]["session"]
            .as_str()
            .unwrap()
            .to_owned()
    ));

    // A ping goes to the endpoint whatever it subscribes to.
    assert_eq!(
        admin
            .post(&format!("/api/v1/webhooks/{endpoint}/ping"), &json!(null))
            .status,
        202
    );
    let got = receiver.wait_for("ping", |got| got.len() >= 7);
    assert_eq!(verified(&secret, &got[6])["type"], "webhook.ping");

    // Redelivery sends the same event with the same id, newly signed.
    let all = wait_deliveries(&admin, &endpoint, |d| {
        d.iter().all(|d| d["state"] == "succeeded")
    });
    let first = all
        .iter()
        .find(|d| d["event_type"] == "staffing_run.done")
        .unwrap();
    let again = admin.post(
        &format!(
            "/api/v1/webhooks/{endpoint}/deliveries/{}/redeliver",
            first["id"].as_str().unwrap()
        ),
        &json!(null),
    );
    assert_eq!(again.status, 202, "{}", again.body);
    let got = receiver.wait_for("redelivery", |got| got.len() >= 8);
    assert_eq!(got[7].header("webhook-id"), Some(ids[0]));
    assert_eq!(verified(&secret, &got[7])["data"]["run"], run_id);
    admin
        .post(
            &format!("/api/v1/webhooks/{endpoint}/deliveries/nope/redeliver"),
            &json!(null),
        )
        .problem(404);
    let filtered = admin.get(&format!(
        "/api/v1/webhooks/{endpoint}/deliveries?state=failed"
    ));
    assert_eq!(filtered.body, json!([]));
    admin
        .get(&format!(
            "/api/v1/webhooks/{endpoint}/deliveries?state=lost"
        ))
        .problem(422);
    admin
        .get(&format!("/api/v1/webhooks/{endpoint}/deliveries?limit=0"))
        .problem(422);

    // The metrics count the attempts by outcome and the stored deliveries:
    // two failures, five deliveries and the redelivery. The receiver saw the
    // redelivery before the server read its answer and counted it, so the
    // count is awaited.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let metrics = reqwest::blocking::get(format!("{}/metrics", app.base))
            .unwrap()
            .text()
            .unwrap();
        let attempts = |outcome: &str| {
            sample(
                &metrics,
                &format!("faculty_pool_webhook_attempts_total{{outcome=\"{outcome}\"}}"),
            )
        };
        if attempts("failed") >= 2.0 && attempts("succeeded") >= 6.0 {
            break;
        }
        assert!(Instant::now() < deadline, "{metrics}");
        std::thread::sleep(Duration::from_millis(50));
    }
    wait_deliveries(&admin, &endpoint, |d| {
        d.iter().all(|d| d["state"] == "succeeded")
    });
    let metrics = reqwest::blocking::get(format!("{}/metrics", app.base))
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(
        sample(
            &metrics,
            "faculty_pool_webhook_deliveries{state=\"succeeded\"}"
        ),
        5.0
    );

    // Deleting the endpoint removes its log.
    assert_eq!(
        admin.delete(&format!("/api/v1/webhooks/{endpoint}")).status,
        204
    );
    admin
        .get(&format!("/api/v1/webhooks/{endpoint}"))
        .problem(404);
    assert_eq!(
        app.db()
            .count("SELECT COUNT(*) AS count FROM webhook_deliveries"),
        0
    );
}

fn failing_endpoint_is_disabled_and_deliveries_survive_a_restart(backend: Backend) {
    let mut env = ENV.to_vec();
    env.push(("WEBHOOK_DISABLE_AFTER_S", "2"));
    // Attempts follow their waits closely (not the default 500 ms polls,
    // which can make the third wait look as short as the first).
    env.push(("WEBHOOK_POLL_MS", "20"));
    let app = TestApp::start_on(TestDb::new(backend), &env);
    let admin = app.client("admin", None);
    let receiver = Receiver::start();
    let (endpoint, secret) = register(&admin, &receiver.url(), json!(["staffing_run.done"]));

    // A receiver that never recovers: retried with growing waits, then the
    // endpoint is disabled and its delivery given up.
    receiver.fail_next(1000, 503);
    assert_eq!(
        admin
            .post(&format!("/api/v1/webhooks/{endpoint}/ping"), &json!(null))
            .status,
        202
    );
    let given_up = wait_deliveries(&admin, &endpoint, |d| {
        d.len() == 1 && d[0]["state"] == "failed"
    });
    let log = given_up[0]["log"].as_array().unwrap();
    assert!(log.len() >= 3, "{log:#?}");
    assert!(log.iter().all(|a| a["status"] == 503));
    let at =
        |k: usize| chrono::DateTime::parse_from_rfc3339(log[k]["at"].as_str().unwrap()).unwrap();
    let gaps: Vec<i64> = (1..log.len())
        .map(|k| (at(k) - at(k - 1)).num_milliseconds())
        .collect();
    // Waits double (±50 % jitter): the last is longer than the first.
    assert!(gaps.last().unwrap() > &gaps[0], "{gaps:?}");
    let shown = admin.get(&format!("/api/v1/webhooks/{endpoint}")).body;
    assert_eq!(shown["enabled"], false, "{shown}");
    assert!(shown["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("every attempt failed"));
    assert_eq!(shown["disabled_by"], "failures", "{shown}");
    admin
        .post(&format!("/api/v1/webhooks/{endpoint}/ping"), &json!(null))
        .problem(409);
    let delivery = given_up[0]["id"].as_str().unwrap().to_owned();
    admin
        .post(
            &format!("/api/v1/webhooks/{endpoint}/deliveries/{delivery}/redeliver"),
            &json!(null),
        )
        .problem(409);

    // Enabled again, it takes the redelivery once the receiver recovers.
    receiver.script.lock().unwrap().clear();
    let enabled = admin.put(
        &format!("/api/v1/webhooks/{endpoint}"),
        &json!({"url": receiver.url(), "event_types": ["staffing_run.done"], "enabled": true}),
        None,
    );
    assert_eq!(enabled.status, 200, "{}", enabled.body);
    assert_eq!(enabled.body["disabled_reason"], Value::Null);
    assert_eq!(enabled.body["disabled_by"], Value::Null);
    let before = receiver.requests().len();
    assert_eq!(
        admin
            .post(
                &format!("/api/v1/webhooks/{endpoint}/deliveries/{delivery}/redeliver"),
                &json!(null)
            )
            .status,
        202
    );
    let got = receiver.wait_for("redelivery", |got| got.len() > before);
    assert_eq!(verified(&secret, &got[before])["type"], "webhook.ping");
    wait_deliveries(&admin, &endpoint, |d| d[0]["state"] == "succeeded");

    // An event queued while the receiver is down is delivered by the next
    // server process on the same database (this one retries in seconds, so
    // it is stopped between two attempts).
    let db = app.kill();
    let mut slow = ENV.to_vec();
    slow[2] = ("WEBHOOK_RETRY_BASE_MS", "5000");
    let app = TestApp::start_on(db, &slow);
    let admin = app.login_as_existing(&admin);
    receiver.fail_next(1000, 503);
    assert_eq!(
        admin
            .post(&format!("/api/v1/webhooks/{endpoint}/ping"), &json!(null))
            .status,
        202
    );
    wait_deliveries(&admin, &endpoint, |d| {
        d.iter()
            .any(|d| d["state"] == "pending" && d["attempts"] == 1)
    });
    let db = app.kill();
    receiver.script.lock().unwrap().clear();
    let seen = receiver.requests().len();
    let app = TestApp::start_on(db, &ENV);
    let admin = app.login_as_existing(&admin);
    let got = receiver.wait_for("delivery after restart", |got| got.len() > seen);
    assert_eq!(verified(&secret, &got[seen])["type"], "webhook.ping");
    let delivered = wait_deliveries(&admin, &endpoint, |d| {
        d.iter().all(|d| d["state"] == "succeeded")
    });
    assert_eq!(delivered.len(), 2);
    assert_eq!(
        delivered[0]["event"].as_str(),
        got[seen].header("webhook-id")
    );
    assert_eq!(delivered[0]["attempts"], 2);
}

fn endpoints_on_private_addresses_are_refused_by_default(backend: Backend) {
    let app = TestApp::start(backend);
    let admin = app.client("admin", None);
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://10.0.0.7/hook",
        "http://[::1]/hook",
    ] {
        let refused = admin.post(
            "/api/v1/webhooks",
            &json!({"url": url, "event_types": ["staffing_run.done"]}),
        );
        refused.problem(422);
        assert_eq!(
            refused.field_errors(),
            [("url".to_owned(), "webhook_url".to_owned())],
            "{url}"
        );
    }
    assert_eq!(
        app.db()
            .count("SELECT COUNT(*) AS count FROM webhook_endpoints"),
        0
    );
}

/// A rotated secret is shown once; for a day both secrets sign every
/// event, so a receiver holding either accepts it; then only the new one.
fn secrets_rotate_without_failing_an_event(backend: Backend) {
    let app = TestApp::start_on(TestDb::new(backend), &ENV);
    let admin = app.client("admin", None);
    let receiver = Receiver::start();
    let (endpoint, old) = register(&admin, &receiver.url(), json!(["staffing_run.done"]));
    let rotate = format!("/api/v1/webhooks/{endpoint}/secret");
    let rotated = admin.post(&rotate, &json!(null));
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new = rotated.body["secret"].as_str().unwrap().to_owned();
    assert!(new.starts_with("whsec_") && new != old, "{new}");
    assert!(rotated.body["previous_secret_until"].is_string());
    let shown = admin.get(&format!("/api/v1/webhooks/{endpoint}")).body;
    assert!(shown.get("secret").is_none(), "{shown}");
    let ping = || {
        let pinged = admin.post(&format!("/api/v1/webhooks/{endpoint}/ping"), &json!(null));
        assert_eq!(pinged.status, 202, "{}", pinged.body);
    };
    let signatures = |r: &Request| r.header("webhook-signature").unwrap().split(' ').count();

    ping();
    let got = receiver.wait_for("a ping after the rotation", |got| !got.is_empty());
    assert_eq!(signatures(&got[0]), 2);
    assert_eq!(verified(&new, &got[0])["type"], "webhook.ping");
    assert_eq!(verified(&old, &got[0])["type"], "webhook.ping");

    // Once the old secret's day is over, only the new one signs.
    app.db()
        .execute("UPDATE webhook_endpoints SET previous_secret_until = '2026-01-01 00:00:00'");
    ping();
    let got = receiver.wait_for("a ping a day later", |got| got.len() == 2);
    assert_eq!(signatures(&got[1]), 1);
    assert_eq!(verified(&new, &got[1])["type"], "webhook.ping");
    let shown = admin.get(&format!("/api/v1/webhooks/{endpoint}")).body;
    assert!(shown["previous_secret_until"].is_null(), "{shown}");

    // The overlap is the admin's to choose, within a week; a refused
    // rotation changes nothing.
    for hours in ["169", "-1"] {
        let refused = admin.post(&format!("{rotate}?overlap_hours={hours}"), &json!(null));
        refused.problem(422);
        assert_eq!(
            refused.field_errors(),
            [("overlap_hours".to_owned(), "range".to_owned())]
        );
    }
    ping();
    let got = receiver.wait_for("a ping after refused rotations", |got| got.len() == 3);
    assert_eq!(signatures(&got[2]), 1);
    verified(&new, &got[2]);
    let rotated = admin.post(&format!("{rotate}?overlap_hours=2"), &json!(null));
    let until = rotated.body["previous_secret_until"].as_str().unwrap();
    let until = chrono::DateTime::parse_from_rfc3339(until).unwrap();
    let minutes = (until.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!((119..=120).contains(&minutes), "{}", rotated.body);
    // A leaked secret stops at once: 0 hours, and the next event carries
    // the new signature alone.
    let rotated = admin.post(&format!("{rotate}?overlap_hours=0"), &json!(null));
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    assert!(
        rotated.body["previous_secret_until"].is_null(),
        "{}",
        rotated.body
    );
    let newest = rotated.body["secret"].as_str().unwrap().to_owned();
    ping();
    let got = receiver.wait_for("a ping after a rotation without overlap", |got| {
        got.len() == 4
    });
    assert_eq!(signatures(&got[3]), 1);
    verified(&newest, &got[3]);

    // Only an admin rotates, and only a known endpoint.
    app.client("planner", None)
        .post(&rotate, &json!(null))
        .problem(403);
    admin
        .post("/api/v1/webhooks/nobody/secret", &json!(null))
        .problem(404);
}

/// The console's webhook pages, in headless Chromium: an admin registers an
/// endpoint for two events and is shown its secret once, sends a test that
/// the receiver verifies with that secret, reads the delivery and sends it
/// again, changes the events, rotates the secret (the next test is signed
/// with both), pauses and enables the endpoint, sees it disabled after a
/// receiver keeps failing, and removes it.
fn the_console_manages_endpoints(backend: Backend) {
    let mut env = ENV.to_vec();
    env.push(("WEBHOOK_DISABLE_AFTER_S", "2"));
    let app = TestApp::start_on(TestDb::new(backend), &env);
    let admin = app.client("admin", None);
    app.add_user("admin-console", "admin", None);
    let receiver = Receiver::start();
    let browser = Browser::start();
    sign_in(&browser, &app.base, "admin-console", "#/webhooks");
    for unchecked in [
        "assignment.confirmed",
        "assignment.declined",
        "evaluation.submitted",
        "pool.imported",
        "staffing_run.failed",
        "staffing_run.cancelled",
    ] {
        browser.click(&browser.find(&format!("#endpoint-form [name=\"{unchecked}\"]")));
    }
    browser.submit(
        "#endpoint-form",
        &[
            ("url", &receiver.url()),
            ("description", "省委组织部干部信息系统"),
        ],
    );
    let secret = browser.text(&browser.wait_for("#notice #secret", |t| t.starts_with("whsec_")));
    let listed = admin.get("/api/v1/webhooks").body;
    let endpoint = listed[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        listed[0]["event_types"],
        json!(["staffing_run.done", "assignments.proposed"])
    );
    assert_eq!(listed[0]["description"], "省委组织部干部信息系统");
    let row = format!("tr[data-endpoint=\"{endpoint}\"]");
    browser.wait_for(&row, |t| {
        t.contains("排课运行完成、排课方案已采用") && t.contains("启用中")
    });

    // A test the receiver verifies with the secret the page showed.
    browser.click(&browser.find(&format!("{row} .ping")));
    browser.wait_for("#notice", |t| t.contains("测试消息已排队"));
    let got = receiver.wait_for("the console's ping", |got| got.len() == 1);
    assert_eq!(verified(&secret, &got[0])["type"], "webhook.ping");

    // Its delivery, read and sent again with the same webhook-id.
    browser.goto(&format!("{}/#/webhooks/{endpoint}", app.base));
    let delivered = "#deliveries tr[data-state=succeeded]";
    browser.wait_for(delivered, |t| t.contains("测试推送") && t.contains("200"));
    browser.click(&browser.find(&format!("{delivered} .redeliver")));
    let got = receiver.wait_for("the redelivery", |got| got.len() == 2);
    assert_eq!(got[1].header("webhook-id"), got[0].header("webhook-id"));
    verified(&secret, &got[1]);
    // Only the failed ones: none.
    let state = browser.find("h2 select[name=state]");
    browser.fill(&state, "failed");
    browser.wait_for("section", |t| t.contains("尚无投递"));
    let state = browser.find("h2 select[name=state]");
    browser.fill(&state, "");
    browser.find("#deliveries tr[data-delivery]");
    browser.screenshot("webhook-deliveries");

    // The events changed on the endpoint's page.
    browser.click(&browser.find("#endpoint-form [name=\"assignments.proposed\"]"));
    browser.click(&browser.find("#endpoint-form [name=\"assignment.declined\"]"));
    browser.submit("#endpoint-form", &[("description", "干部信息系统（测试）")]);
    browser.wait_for("#notice", |t| t.contains("已保存"));
    let shown = admin.get(&format!("/api/v1/webhooks/{endpoint}")).body;
    assert_eq!(
        shown["event_types"],
        json!(["staffing_run.done", "assignment.declined"])
    );
    assert_eq!(shown["description"], "干部信息系统（测试）");

    // A rotation with a day's overlap shows the new secret; the next test
    // carries both signatures.
    browser.goto(&format!("{}/#/webhooks", app.base));
    answer_dialogs(&browser, "24");
    browser.click(&browser.find(&format!("{row} .rotate")));
    let new = browser.text(&browser.wait_for("#notice #secret", |t| {
        t.starts_with("whsec_") && t != secret
    }));
    browser.wait_for(&row, |t| t.contains("旧密钥签名至"));
    browser.click(&browser.find(&format!("{row} .ping")));
    let got = receiver.wait_for("a ping after the rotation", |got| got.len() == 3);
    assert_eq!(verified(&new, &got[2])["type"], "webhook.ping");
    verified(&secret, &got[2]);

    // Paused by the admin, and enabled again.
    browser.click(&browser.find(&format!("{row} .toggle")));
    browser.wait_for(&row, |t| t.contains("已停用（管理员停用）"));
    let paused = admin.get(&format!("/api/v1/webhooks/{endpoint}")).body;
    assert_eq!(paused["enabled"], false);
    assert_eq!(paused["disabled_by"], "admin");
    browser.click(&browser.find(&format!("{row} .toggle")));
    browser.wait_for(&row, |t| t.contains("启用中"));

    // A receiver that keeps failing: the page says, in Chinese, that the
    // endpoint was disabled after its failures, and the log shows them.
    receiver.fail_next(1000, 503);
    browser.click(&browser.find(&format!("{row} .ping")));
    wait_deliveries(&admin, &endpoint, |d| d[0]["state"] == "failed");
    browser.goto(&format!("{}/#/webhooks", app.base));
    browser.script("location.reload()", json!([]));
    browser.wait_for(&row, |t| t.contains("投递全部失败，已自动停用"));
    browser.screenshot("webhooks");
    browser.goto(&format!("{}/#/webhooks/{endpoint}", app.base));
    browser.wait_for("#deliveries tr[data-state=failed]", |t| {
        t.contains("失败") && t.contains("503")
    });

    // Removed.
    browser.goto(&format!("{}/#/webhooks", app.base));
    answer_dialogs(&browser, "");
    browser.click(&browser.find(&format!("{row} .remove")));
    browser.find("#webhooks");
    eventually("the endpoint is removed", || {
        admin.get(&format!("/api/v1/webhooks/{endpoint}")).status == 404
    });
}

crate::both_backends!(
    staffing_events_are_signed_and_retried,
    failing_endpoint_is_disabled_and_deliveries_survive_a_restart,
    endpoints_on_private_addresses_are_refused_by_default,
    secrets_rotate_without_failing_an_event,
    the_console_manages_endpoints,
);

/// Two replicas on one PostgreSQL database share the outbox: every event
/// reaches the receiver exactly once.
#[test]
fn two_replicas_deliver_each_event_once() {
    let first = TestApp::start_on(TestDb::new(Backend::Postgres), &ENV);
    let second = first.second(&ENV[1..]);
    let admin = first.client("admin", None);
    let admins = [admin.clone(), second.login_as_existing(&admin)];
    let receiver = Receiver::start();
    let (endpoint, secret) = register(&admin, &receiver.url(), json!(["staffing_run.done"]));
    const EVENTS: usize = 40;
    for k in 0..EVENTS {
        let pinged = admins[k % 2].post(&format!("/api/v1/webhooks/{endpoint}/ping"), &json!(null));
        assert_eq!(pinged.status, 202);
    }
    receiver.wait_for("every event", |got| got.len() >= EVENTS);
    wait_deliveries(&admin, &endpoint, |d| {
        d.len() == EVENTS && d.iter().all(|d| d["state"] == "succeeded")
    });
    // Time for a duplicate to arrive if one were sent.
    std::thread::sleep(Duration::from_secs(2));
    let mut times: BTreeMap<String, usize> = BTreeMap::new();
    for request in receiver.requests() {
        verified(&secret, &request);
        *times
            .entry(request.header("webhook-id").unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(times.len(), EVENTS);
    assert!(times.values().all(|n| *n == 1), "{times:?}");
}
