//! Offices (SPEC 10): the tree and its rules; pools reached up, down and
//! across; isolation of a sibling's and a parent's objects on every
//! operation of the API document; one calendar per person across offices;
//! the queue's fairness between offices.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{json, Value};

use crate::local_http;
use crate::pool_sheets::import;
use crate::staffing::{seed_plan, seed_pool, seed_pool_with, staff, wait};
use crate::support::{create_instructor, Backend, Client, TestApp, TestDb, SECRET};

/// Creates an office as `admin`; returns its id.
fn office(admin: &Client, name: &str, tier: &str, parent: Option<&str>) -> String {
    let r = admin.post(
        "/api/v1/offices",
        &json!({"name": name, "tier": tier, "parent": parent, "region": "湖北省"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

/// The (name, depth) of the offices `client` lists, in order.
fn tree(client: &Client) -> Vec<(String, i64)> {
    let r = client.get("/api/v1/offices");
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap().to_owned(),
                o["depth"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn named(tree: &[(&str, i64)]) -> Vec<(String, i64)> {
    tree.iter().map(|(n, d)| ((*n).to_owned(), *d)).collect()
}

/// Asserts a 422 naming exactly `field` and `rule`.
fn refused(r: &crate::support::Response, field: &str, rule: &str) {
    r.problem(422);
    assert_eq!(
        r.field_errors(),
        [(field.to_owned(), rule.to_owned())],
        "{}",
        r.body
    );
}

fn tiers_descend_without_cycles(backend: Backend) {
    // No worker: runs stay queued, so an office with pending runs exists.
    let app = TestApp::start_on(
        TestDb::new(backend),
        &[("JWT_SECRET", SECRET), ("RUN_WORKERS", "0")],
    );
    let root = app.client("admin", None);
    let me = root.get("/api/v1/me");
    assert_eq!(
        (&me.body["office"]["id"], &me.body["office"]["depth"]),
        (&json!("root"), &json!(0))
    );
    // The operator makes the province on the command line.
    let out = app.db().cli(
        &[
            "office",
            "add",
            "--name",
            "湖北省信访局",
            "--tier",
            "provincial",
            "--region",
            "湖北省",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).unwrap();
    let hubei = printed.trim().rsplit(' ').next().unwrap().to_owned();
    let wuhan = office(&root, "武汉市信访局", "municipal", Some(&hubei));
    let yichang = office(&root, "宜昌市信访局", "municipal", Some(&hubei));
    let jiangan = office(&root, "江岸区信访局", "county", Some(&wuhan));
    refused(
        &root.post(
            "/api/v1/offices",
            &json!({"name": "襄阳市信访局", "tier": "provincial", "parent": hubei}),
        ),
        "tier",
        "tier_below_parent",
    );

    // A province's admin sees its subtree, depth first, and nothing above.
    let province = app.client_in("admin", &hubei);
    // (Children in the order of their names' code points: 宜 before 武.)
    let before = named(&[
        ("湖北省信访局", 0),
        ("宜昌市信访局", 1),
        ("武汉市信访局", 1),
        ("江岸区信访局", 2),
    ]);
    assert_eq!(tree(&province), before);
    province.get("/api/v1/offices/root").problem(404);
    let wuhan_view = province.get(&format!("/api/v1/offices/{wuhan}"));
    assert_eq!(
        (&wuhan_view.body["parent"], &wuhan_view.body["tier_name"]),
        (&json!(hubei), &json!("市级"))
    );

    // Each broken change is named and changes nothing.
    let edit = |id: &str, body: Value| province.patch(&format!("/api/v1/offices/{id}"), &body);
    refused(
        &province.post(
            "/api/v1/offices",
            &json!({"name": "襄阳市信访局", "tier": "municipal", "parent": "root"}),
        ),
        "parent",
        "unknown_reference",
    );
    refused(&edit(&wuhan, json!({"parent": jiangan})), "parent", "cycle");
    refused(&edit(&wuhan, json!({"parent": wuhan})), "parent", "cycle");
    refused(
        &edit(&wuhan, json!({"tier": "county"})),
        "tier",
        "tier_above_children",
    );
    refused(
        &edit(&hubei, json!({"active": false})),
        "active",
        "own_office",
    );
    refused(
        &edit(&hubei, json!({"parent": "root"})),
        "parent",
        "own_office",
    );
    edit("root", json!({"name": "x"})).problem(404);
    let deactivate = |id: &str| edit(id, json!({"active": false}));
    assert_eq!(
        deactivate(&wuhan).problem(409)["type"],
        "/problems/office-has-active-offices"
    );
    assert_eq!(tree(&province), before);

    // A move takes the subtree along.
    let moved = edit(&jiangan, json!({"parent": yichang}));
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["depth"], 2);
    assert_eq!(
        tree(&province),
        named(&[
            ("湖北省信访局", 0),
            ("宜昌市信访局", 1),
            ("江岸区信访局", 2),
            ("武汉市信访局", 1),
        ])
    );

    // An office with queued runs is not deactivated; once they are
    // cancelled it is, and its accounts stop working at once.
    let planner = app.client_in("planner", &wuhan);
    let (plan, _, _) = seed_plan(&planner);
    assert_eq!(
        planner.get("/api/v1/me").body["office"]["name"],
        "武汉市信访局"
    );
    let queued = planner.post(&format!("/api/v1/plans/{plan}/staffing-runs"), &json!({}));
    assert_eq!(queued.status, 202, "{}", queued.body);
    assert_eq!(
        deactivate(&wuhan).problem(409)["type"],
        "/problems/office-has-pending-runs"
    );
    let run = queued.body["id"].as_str().unwrap();
    let cancelled = planner.post(&format!("/api/v1/staffing-runs/{run}/cancel"), &json!(null));
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    let done = deactivate(&wuhan);
    assert_eq!(done.body["active"], false, "{}", done.body);
    planner.get("/api/v1/plans").problem(401);
    // Its plans stay, read from above; nothing new goes under it.
    assert_eq!(province.get(&format!("/api/v1/plans/{plan}")).status, 200);
    refused(
        &province.post(
            "/api/v1/offices",
            &json!({"name": "汉阳区信访局", "tier": "county", "parent": wuhan}),
        ),
        "parent",
        "inactive",
    );
}

/// One instructor per (owner, visibility) of a national bureau, a province
/// and two of its cities; returns the ids by label.
fn pools(
    app: &TestApp,
) -> (
    BTreeMap<&'static str, String>,
    BTreeMap<&'static str, Client>,
) {
    let root = app.client("admin", None);
    let province = office(&root, "湖北省信访局", "provincial", None);
    let a = office(&root, "武汉市信访局", "municipal", Some(&province));
    let b = office(&root, "宜昌市信访局", "municipal", Some(&province));
    let planners: BTreeMap<&str, Client> = [
        ("root", app.client("planner", None)),
        ("province", app.client_in("planner", &province)),
        ("a", app.client_in("planner", &a)),
        ("b", app.client_in("planner", &b)),
    ]
    .into_iter()
    .collect();
    let ids = [
        ("root-own", "root", "own"),
        ("root-shared", "root", "shared"),
        ("root-everyone", "root", "everyone"),
        ("province-own", "province", "own"),
        ("province-shared", "province", "shared"),
        ("a-own", "a", "own"),
        ("b-shared", "b", "shared"),
        ("b-everyone", "b", "everyone"),
    ]
    .into_iter()
    .map(|(label, keeper, visibility)| {
        let id = create_instructor(&planners[keeper], label, json!({"visibility": visibility}));
        (label, id)
    })
    .collect();
    (ids, planners)
}

/// The labels of the instructors `client` lists, with whether their phone shows.
fn pool_of(client: &Client) -> BTreeMap<String, bool> {
    let r = client.get("/api/v1/instructors?limit=100");
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_owned(),
                !i["phone"].is_null(),
            )
        })
        .collect()
}

fn pools_reach_down_up_and_across(backend: Backend) {
    let app = TestApp::start(backend);
    let (ids, planners) = pools(&app);
    let expect = |seen: &[(&str, bool)]| -> BTreeMap<String, bool> {
        seen.iter().map(|(l, c)| ((*l).to_owned(), *c)).collect()
    };
    // A city reaches its own, what is shared from above and what is open
    // to everyone; contacts only of what its office keeps.
    assert_eq!(
        pool_of(&planners["a"]),
        expect(&[
            ("a-own", true),
            ("b-everyone", false),
            ("province-shared", false),
            ("root-everyone", false),
            ("root-shared", false),
        ])
    );
    // The province reaches its whole subtree and what the bureau shares.
    assert_eq!(
        pool_of(&planners["province"]),
        expect(&[
            ("a-own", true),
            ("b-everyone", true),
            ("b-shared", true),
            ("province-own", true),
            ("province-shared", true),
            ("root-everyone", false),
            ("root-shared", false),
        ])
    );
    assert_eq!(pool_of(&planners["root"]).len(), ids.len());

    // Outside the pool: 404; in it but kept above: read, not changed.
    let a = &planners["a"];
    for hidden in ["b-shared", "province-own", "root-own"] {
        a.get(&format!("/api/v1/instructors/{}", ids[hidden]))
            .problem(404);
    }
    let shared = a.get(&format!("/api/v1/instructors/{}", ids["province-shared"]));
    assert_eq!(shared.status, 200);
    assert!(shared.body["phone"].is_null(), "{}", shared.body);
    assert_eq!(
        (&shared.body["visibility"], &shared.body["visibility_name"]),
        (&json!("shared"), &json!("本级及下级"))
    );
    let record = crate::support::instructor("province-shared", json!({"city": "宜昌"}));
    a.put(
        &format!("/api/v1/instructors/{}", ids["province-shared"]),
        &record,
        Some("\"1\""),
    )
    .problem(403);

    // Owners are offices of one's subtree, nowhere else.
    let b_office = planners["b"].get("/api/v1/me").body["office"]["id"].clone();
    refused(
        &a.post(
            "/api/v1/instructors",
            &crate::support::instructor("借调", json!({"owner_office": b_office})),
        ),
        "owner_office",
        "unknown_reference",
    );
    // The province hands a-own to b: a no longer reaches it (it is `own`).
    let province = &planners["province"];
    let moved = province.put(
        &format!("/api/v1/instructors/{}", ids["a-own"]),
        &crate::support::instructor(
            "a-own",
            json!({"owner_office": b_office, "visibility": "own"}),
        ),
        Some("\"1\""),
    );
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["owner_office"], b_office);
    a.get(&format!("/api/v1/instructors/{}", ids["a-own"]))
        .problem(404);
    assert_eq!(
        planners["b"]
            .get(&format!("/api/v1/instructors/{}", ids["a-own"]))
            .status,
        200
    );

    // A run of the city's plan sees exactly its pool.
    let (plan, _, _) = seed_plan(a);
    let run = staff(a, &plan, json!({}));
    let problem = a.get(&format!(
        "/api/v1/staffing-runs/{}/problem",
        run["id"].as_str().unwrap()
    ));
    let seen: BTreeSet<&str> = problem.body["instructors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    let reached: BTreeSet<&str> = [
        "b-everyone",
        "province-shared",
        "root-everyone",
        "root-shared",
    ]
    .iter()
    .map(|l| ids[l].as_str())
    .collect();
    assert_eq!(seen, reached);
}

/// What offices B (a sibling of A) and P (A's parent) keep, one object of
/// every kind a path can name.
struct Holdings {
    office: String,
    ids: BTreeMap<&'static str, String>,
}

/// Fills office `office` (with `admin` and `planner` of it) with one object
/// of every kind; `keep_own` makes its instructors `own` (for a parent,
/// whose `shared` instructors its children reach).
fn holdings(
    app: &TestApp,
    office: &str,
    admin: &Client,
    receiver: &str,
    keep_own: bool,
) -> Holdings {
    let planner = app.client_in("planner", office);
    let visibility = if keep_own { "own" } else { "shared" };
    let pool = seed_pool_with(&planner, &json!({"visibility": visibility}));
    let instructor = pool[0].clone();
    let (plan, class, sessions) = seed_plan(&planner);
    let run = staff(&planner, &plan, json!({}));
    crate::staffing::apply(&planner, &run);
    let assignments = planner.get(&format!("/api/v1/assignments?plan={plan}"));
    let assignment = assignments.body[0]["id"].as_str().unwrap().to_owned();
    let exclusion = planner.post(
        "/api/v1/exclusions",
        &json!({"instructor": pool[1], "class": class, "reason": "回避"}),
    );
    assert_eq!(exclusion.status, 201, "{}", exclusion.body);
    let record = planner.post(
        &format!("/api/v1/instructors/{instructor}/teaching-records"),
        &json!({"title": "办信实务", "delivered_at": "2026-05-01T09:00:00+08:00", "scores": [5, 4]}),
    );
    assert_eq!(record.status, 201, "{}", record.body);
    let block = planner.post(
        &format!("/api/v1/instructors/{instructor}/unavailability"),
        &json!({"start": "2027-05-01T00:00:00+08:00", "end": "2027-05-02T00:00:00+08:00"}),
    );
    assert_eq!(block.status, 201, "{}", block.body);
    let user = admin.post(
        "/api/v1/users",
        &json!({"username": format!("u-{}", &plan[..8]), "password": "a long password", "role": "office"}),
    );
    assert_eq!(user.status, 201, "{}", user.body);
    let endpoint = admin.post(
        "/api/v1/webhooks",
        &json!({"url": receiver, "event_types": ["staffing_run.done"]}),
    );
    assert_eq!(endpoint.status, 201, "{}", endpoint.body);
    let endpoint = endpoint.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        admin
            .post(&format!("/api/v1/webhooks/{endpoint}/ping"), &json!(null))
            .status,
        202
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let delivery = loop {
        let list = admin.get(&format!("/api/v1/webhooks/{endpoint}/deliveries"));
        if let Some(d) = list.body.get(0) {
            break d["id"].as_str().unwrap().to_owned();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the ping was never logged: {}",
            list.body
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let id = |r: &crate::support::Response| r.body["id"].as_str().unwrap().to_owned();
    Holdings {
        office: office.to_owned(),
        ids: [
            ("offices", office.to_owned()),
            ("users", id(&user)),
            ("webhooks", endpoint),
            ("delivery", delivery),
            ("instructors", instructor),
            ("record", id(&record)),
            ("block", id(&block)),
            ("plans", plan),
            ("classes", class),
            ("sessions", sessions[0].clone()),
            ("staffing-runs", run["id"].as_str().unwrap().to_owned()),
            ("assignments", assignment),
            ("exclusions", id(&exclusion)),
        ]
        .into_iter()
        .collect(),
    }
}

/// A plausible body for each operation that takes one, so that a missing
/// reach check would change something rather than fail on the body.
fn body_for(method: &str, path: &str) -> Value {
    let class = json!({"name": "专题班", "kind": "specialised", "city": "武汉", "lat": 30.59, "lon": 114.30,
                       "start_date": "2027-06-08", "end_date": "2027-06-10"});
    let session = json!({"title": "办信实务", "start": "2027-06-08T09:00:00+08:00", "end": "2027-06-08T12:00:00+08:00",
                         "topics": [{"topic": "letter-handling", "min_level": 1}]});
    match (method, path) {
        ("put", "/api/v1/classes/{id}") | ("post", "/api/v1/plans/{id}/classes") => class,
        ("post", "/api/v1/classes/{id}/sessions") | ("put", "/api/v1/sessions/{id}") => session,
        ("post", "/api/v1/classes/{id}/evaluations")
        | ("post" | "put", "/api/v1/sessions/{id}/evaluation") => json!({"trainees": 3}),
        ("put", "/api/v1/instructors/{id}") => crate::support::instructor("改名", json!({})),
        ("post", "/api/v1/instructors/{id}/teaching-records") => {
            json!({"title": "接访实务", "delivered_at": "2026-06-01T09:00:00+08:00", "scores": [5]})
        }
        ("post", "/api/v1/instructors/{id}/teaching-records/{record}/evaluations") => {
            json!({"scores": [1]})
        }
        ("post", "/api/v1/instructors/{id}/unavailability") => {
            json!({"start": "2027-03-08T00:00:00+08:00", "end": "2027-03-10T00:00:00+08:00"})
        }
        ("post", "/api/v1/me/assignments/{id}/decline") => json!({"reason": "另有安排"}),
        ("patch", "/api/v1/offices/{id}") => json!({"name": "改名", "active": false}),
        ("put", "/api/v1/plans/{id}") => json!({"name": "改名", "year": 2028, "tier": "county"}),
        ("patch", "/api/v1/users/{id}") => json!({"active": false, "role": "admin"}),
        ("put", "/api/v1/webhooks/{id}") => {
            json!({"url": "http://127.0.0.1:9/x", "event_types": ["staffing_run.failed"], "enabled": false})
        }
        _ => json!({}),
    }
}

/// Operations that name no object by path, each with why the matrix leaves
/// it to an explicit check below or needs none.
const UNADDRESSED: &[(&str, &str, &str)] = &[
    ("get", "/api/v1/assignments", "checked: filtered"),
    ("post", "/api/v1/assignments", "checked: a foreign session"),
    (
        "post",
        "/api/v1/exclusions",
        "checked: a foreign instructor",
    ),
    ("get", "/api/v1/instructors", "checked: filtered"),
    ("post", "/api/v1/instructors", "checked: a foreign owner"),
    ("get", "/api/v1/offices", "checked: filtered"),
    ("post", "/api/v1/offices", "checked: a foreign parent"),
    ("get", "/api/v1/plans", "checked: filtered"),
    (
        "post",
        "/api/v1/plans",
        "own office only: names no other object",
    ),
    ("get", "/api/v1/pool/export", "checked: filtered"),
    ("post", "/api/v1/pool/import", "checked: a foreign 系统编号"),
    ("post", "/api/v1/recommendations", "checked: from the pool"),
    ("get", "/api/v1/users", "checked: filtered"),
    ("post", "/api/v1/users", "checked: a foreign office"),
    ("get", "/api/v1/webhooks", "checked: filtered"),
    (
        "post",
        "/api/v1/webhooks",
        "own office only: names no other object",
    ),
    ("get", "/api/v1/topics", "the shared vocabulary"),
    ("post", "/api/v1/topics", "checked: top office only"),
    ("get", "/api/v1/teaching-methods", "the shared vocabulary"),
    ("get", "/api/v1/cities", "the shared vocabulary"),
    (
        "get",
        "/api/v1/webhook-event-types",
        "the shared vocabulary",
    ),
    (
        "post",
        "/api/v1/solve",
        "stateless: reads and stores nothing",
    ),
    ("post", "/api/v1/auth/token", "signing in"),
    ("get", "/api/v1/me", "the caller's own"),
    ("get", "/api/v1/me/assignments", "the caller's own"),
    ("get", "/api/v1/me/assignments.ics", "the caller's own"),
    ("get", "/api/v1/me/unavailability", "the caller's own"),
    ("post", "/api/v1/me/unavailability", "the caller's own"),
    ("post", "/api/v1/me/calendar-feed", "the caller's own"),
    ("delete", "/api/v1/me/calendar-feed", "the caller's own"),
    ("put", "/api/v1/me/contact", "the caller's own"),
    ("put", "/api/v1/me/password", "the caller's own"),
    ("get", "/healthz", "no data"),
    ("get", "/readyz", "no data"),
    (
        "get",
        "/api/v1/calendar-feeds/{secret}",
        "a secret, not an id: unguessable",
    ),
];

/// Tables a background worker may write while the matrix runs.
const WORKED: [&str; 2] = ["webhook_deliveries", "webhook_attempts"];

fn a_sibling_and_a_parent_are_out_of_reach(backend: Backend) {
    let receiver = local_http::serve(|_| (200, "{}".into()));
    let app = TestApp::start_on(
        TestDb::new(backend),
        &[("JWT_SECRET", SECRET), ("WEBHOOK_ALLOW_PRIVATE", "true")],
    );
    let root = app.client("admin", None);
    let p = office(&root, "湖北省信访局", "provincial", None);
    let a = office(&root, "武汉市信访局", "municipal", Some(&p));
    let b = office(&root, "宜昌市信访局", "municipal", Some(&p));
    let p_admin = app.client_in("admin", &p);
    let b_admin = app.client_in("admin", &b);
    let url = format!("{}/hook", receiver.base);
    let relations = [
        ("sibling", holdings(&app, &b, &b_admin, &url, false)),
        ("parent", holdings(&app, &p, &p_admin, &url, true)),
    ];
    // A's admin, and an instructor A keeps, with an account.
    let a_admin = app.client_in("admin", &a);
    let a_planner = app.client_in("planner", &a);
    let own = create_instructor(&a_planner, "武汉讲师", json!({"visibility": "own"}));
    let a_instructor_name = format!("teacher-{}", &own[..8]);
    let made = a_admin.post(
        "/api/v1/users",
        &json!({"username": a_instructor_name, "password": "a long password", "role": "instructor", "instructor": own}),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let a_instructor = app.login(&a_instructor_name, "a long password");
    let (a_plan, a_class, _) = seed_plan(&a_planner);

    let doc = app.anonymous().get("/api/v1/openapi.json").body;
    let before = app.db().contents(&WORKED);
    let mut wrong = Vec::new();
    let mut calls = 0;
    for (relation, held) in &relations {
        for (path, operations) in doc["paths"].as_object().unwrap() {
            if !path.contains('{') || path.contains("{secret}") {
                continue;
            }
            let prefix = path
                .trim_start_matches("/api/v1/")
                .split('/')
                .next()
                .unwrap();
            let mut target = path.clone();
            for (param, key) in [
                ("{record}", "record"),
                ("{block}", "block"),
                ("{delivery}", "delivery"),
            ] {
                target = target.replace(param, &held.ids[key]);
            }
            let id_key = match prefix {
                "me" if path.contains("unavailability") => "block",
                "me" => "assignments",
                other => other,
            };
            target = target.replace("{id}", &held.ids[id_key]);
            let caller = if prefix == "me" {
                &a_instructor
            } else {
                &a_admin
            };
            for method in operations.as_object().unwrap().keys() {
                let r = caller.call(method, &target, &body_for(method, path));
                calls += 1;
                let problem = r
                    .header("content-type")
                    .is_some_and(|t| t.starts_with("application/problem+json"));
                if r.status != 404 || !problem {
                    wrong.push(format!(
                        "{relation}: {method} {target} → {} {}",
                        r.status, r.body
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "answered other than 404:\n{}",
        wrong.join("\n")
    );
    assert!(calls > 80, "only {calls} calls");

    // The operations that name nothing in their path, each checked here.
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(path, _)| !path.contains('{') || path.contains("{secret}"))
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(|m| (m.clone(), path.clone()))
        })
        .collect();
    let classified: BTreeSet<(String, String)> = UNADDRESSED
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(
        documented, classified,
        "every operation is in the matrix or classified"
    );

    for (relation, held) in &relations {
        let foreign: BTreeSet<&str> = held.ids.values().map(String::as_str).collect();
        let listed = |path: &str| -> Vec<String> {
            let r = a_admin.get(path);
            assert_eq!(r.status, 200, "{path}: {}", r.body);
            let items = r.body.get("items").unwrap_or(&r.body);
            items
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect()
        };
        for path in [
            "/api/v1/assignments",
            "/api/v1/instructors?limit=100",
            "/api/v1/offices",
            "/api/v1/plans",
            "/api/v1/users",
            "/api/v1/webhooks",
        ] {
            let leaked: Vec<String> = listed(path)
                .into_iter()
                .filter(|id| foreign.contains(id.as_str()))
                .collect();
            assert!(leaked.is_empty(), "{relation}: {path} lists {leaked:?}");
        }
        // A filter on a plan out of reach finds what one on no plan finds.
        let filtered = a_admin.get(&format!("/api/v1/assignments?plan={}", held.ids["plans"]));
        assert_eq!(filtered.body, json!([]), "{relation}");
        let export = a_admin.download("/api/v1/pool/export?format=csv");
        let export = export.text().unwrap();
        assert!(
            !export.contains(&held.ids["instructors"]),
            "{relation}: {export}"
        );
        assert!(!export.contains("李明"), "{relation}: {export}");
        let recommended = a_admin.post(
            "/api/v1/recommendations",
            &json!({"topics": [{"topic": "letter-handling", "min_level": 1}], "lat": 30.59, "lon": 114.30,
                    "start": "2027-07-01T09:00:00+08:00", "end": "2027-07-01T12:00:00+08:00"}),
        );
        assert_eq!(recommended.status, 200, "{}", recommended.body);
        let names: Vec<&str> = recommended
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["instructor_name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["武汉讲师"], "{relation}");

        // Foreign ids in bodies are unknown references.
        refused(
            &a_admin.post(
                "/api/v1/assignments",
                &json!({"session": held.ids["sessions"], "instructor": own}),
            ),
            "session",
            "unknown_reference",
        );
        refused(
            &a_admin.post(
                "/api/v1/exclusions",
                &json!({"instructor": held.ids["instructors"], "class": a_class, "reason": "回避"}),
            ),
            "instructor",
            "unknown_reference",
        );
        refused(
            &a_admin.post(
                "/api/v1/instructors",
                &crate::support::instructor("借调", json!({"owner_office": held.office})),
            ),
            "owner_office",
            "unknown_reference",
        );
        refused(
            &a_admin.post(
                "/api/v1/offices",
                &json!({"name": "某县信访局", "tier": "county", "parent": held.office}),
            ),
            "parent",
            "unknown_reference",
        );
        refused(
            &a_admin.post(
                "/api/v1/users",
                &json!({"username": "intruder", "password": "a long password", "role": "admin", "office": held.office}),
            ),
            "office",
            "unknown_reference",
        );
        refused(
            &a_admin.post(
                &format!("/api/v1/plans/{a_plan}/staffing-runs"),
                &json!({"classes": [held.ids["classes"]]}),
            ),
            "classes[0]",
            "unknown_reference",
        );
        let sheet = format!(
            "系统编号,姓名,类别,城市,纬度,经度,年度课时上限\n{},冒名,信访干部,武汉,30.59,114.30,8\n",
            held.ids["instructors"]
        );
        let (status, problem) = import(&a_admin, "", "text/csv", sheet.into_bytes());
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "rows[2].id", "{problem}");
        assert_eq!(problem["errors"][0]["rule"], "known", "{problem}");
        let sheet = format!("机构名称,层级,上级机构\n某县信访局,县级,{}\n", held.office);
        let path = format!("/api/v1/offices/{a}/import");
        let (status, problem) = a_admin.upload(&path, "text/csv", sheet.into_bytes());
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "rows[2].parent", "{problem}");
        assert_eq!(problem["errors"][0]["rule"], "unknown_reference");
    }
    a_admin
        .post(
            "/api/v1/topics",
            &json!({"code": "a-topic", "name": "某专题", "category": "specialised"}),
        )
        .problem(403);
    assert!(
        app.db().contents(&WORKED) == before,
        "a refused request changed stored data"
    );
    eprintln!("isolation matrix: {calls} calls (operations × relations) on {backend:?}");
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An XLSX workbook of one sheet holding `rows` as text.
fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, cells) in rows.iter().enumerate() {
        for (c, text) in cells.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *text).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// `(field, rule)` of each error of a 422 answer, in order.
fn rules_of(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {problem}"))
        .iter()
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap().to_owned();
            (text("field"), text("rule"))
        })
        .collect()
}

/// A province's admin loads its cities and a county from one sheet, the
/// county's row before its city's: a dry run writes nothing, the import
/// builds the tree, the same sheet again is refused whole, and a broken
/// sheet (tier not below its parent's, an unknown tier, a parent outside
/// the province, two rows that name each other, a name twice) is one 422
/// naming every cell, in CSV and in XLSX, with no office made.
fn offices_from_a_sheet(backend: Backend) {
    let app = TestApp::start(backend);
    let root = app.client("admin", None);
    let province = office(&root, "湖北省信访局", "provincial", None);
    let admin = app.client_in("admin", &province);
    let import_path = format!("/api/v1/offices/{province}/import");
    let sheet = "机构名称,层级,上级机构,地区,备注\n\
                 江夏区信访局,县级,武汉市信访局,湖北省,新设\n\
                 武汉市信访局,市级,,湖北省,\n\
                 宜昌市信访局,municipal,湖北省信访局,湖北省,\n";
    let (status, report) = admin.upload(
        &format!("/api/v1/offices/{province}/import?dry_run=true"),
        "text/csv",
        sheet.into(),
    );
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["ignored_columns"], json!(["备注"]));
    let made: Vec<(i64, &str, &str, &str)> = report["offices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            assert!(o["id"].is_null(), "a dry run names no id: {o}");
            (
                o["row"].as_i64().unwrap(),
                o["name"].as_str().unwrap(),
                o["tier_name"].as_str().unwrap(),
                o["parent_name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        made,
        [
            (2, "江夏区信访局", "县级", "武汉市信访局"),
            (3, "武汉市信访局", "市级", "湖北省信访局"),
            (4, "宜昌市信访局", "市级", "湖北省信访局"),
        ]
    );
    assert_eq!(tree(&admin), named(&[("湖北省信访局", 0)]));

    let (status, report) = admin.upload(&import_path, "text/csv", sheet.into());
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["dry_run"], false);
    let county = report["offices"][0]["id"].as_str().unwrap().to_owned();
    let expected = named(&[
        ("湖北省信访局", 0),
        ("宜昌市信访局", 1),
        ("武汉市信访局", 1),
        ("江夏区信访局", 2),
    ]);
    assert_eq!(tree(&admin), expected);
    assert_eq!(
        tree(&app.client_in("admin", &county)),
        named(&[("江夏区信访局", 0)])
    );

    // The same sheet again: every office is there already; the county
    // waits for a city that is refused.
    let (status, problem) = admin.upload(&import_path, "text/csv", sheet.into());
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        rules_of(&problem),
        [
            ("rows[2].parent".to_owned(), "parent_row".to_owned()),
            ("rows[3].name".to_owned(), "new_office".to_owned()),
            ("rows[4].name".to_owned(), "new_office".to_owned()),
        ]
    );

    let broken: &[&[&str]] = &[
        &["机构名称", "层级", "上级机构"],
        &["黄石市信访局", "市级", ""],
        &["荆州省信访局", "省级", ""],
        &["某乡信访办", "乡级", ""],
        &["越级县信访局", "县级", "root"],
        &["甲县信访局", "县级", "乙县信访局"],
        &["乙县信访局", "县级", "甲县信访局"],
        &["黄石市信访局", "市级", ""],
    ];
    let expected = [
        ("rows[3].tier", "tier_below_parent"),
        ("rows[4].tier", "known"),
        ("rows[5].parent", "unknown_reference"),
        ("rows[6].parent", "parent_row"),
        ("rows[7].parent", "parent_row"),
        ("rows[8].name", "unique"),
    ]
    .map(|(f, r)| (f.to_owned(), r.to_owned()));
    let csv: String = broken.iter().map(|row| row.join(",") + "\n").collect();
    for (content_type, body) in [("text/csv", csv.into_bytes()), (XLSX, workbook(broken))] {
        for query in ["?dry_run=true", ""] {
            let path = format!("{import_path}{query}");
            let (status, problem) = admin.upload(&path, content_type, body.clone());
            assert_eq!(status, 422, "{content_type}: {problem}");
            assert_eq!(rules_of(&problem), expected, "{content_type}");
            let detail = problem["errors"][0]["detail"].as_str().unwrap();
            assert!(detail.starts_with("B3 层级: "), "{detail}");
        }
    }
    let after = tree(&admin);
    assert!(
        !after.iter().any(|(name, _)| name == "黄石市信访局"),
        "a refused sheet made an office: {after:?}"
    );

    // Admins only.
    let planner = app.client_in("planner", &province);
    let (status, problem) = planner.upload(&import_path, "text/csv", sheet.into());
    assert_eq!(status, 403, "{problem}");
}

/// Offices A and B each plan a finance session at the same hour; the
/// bureau's finance expert (`everyone`) is the only one who can teach it.
struct Contest {
    app: TestApp,
    planners: [Client; 2],
    plans: [String; 2],
    expert: String,
}

fn contest(backend: Backend) -> Contest {
    let app = TestApp::start(backend);
    let root = app.client("admin", None);
    let province = office(&root, "湖北省信访局", "provincial", None);
    let a = office(&root, "武汉市信访局", "municipal", Some(&province));
    let b = office(&root, "宜昌市信访局", "municipal", Some(&province));
    let expert = create_instructor(
        &app.client("planner", None),
        "赵强",
        json!({"kind": "expert", "visibility": "everyone", "max_travel_km": null,
               "expertise": [{"topic": "finance", "level": 5}], "yearly_capacity": 5}),
    );
    let planners = [app.client_in("planner", &a), app.client_in("planner", &b)];
    let plans = [0, 1].map(|k| {
        let planner = &planners[k];
        let plan = planner.post(
            "/api/v1/plans",
            &json!({"name": "2027年度轮训计划", "year": 2027, "tier": "municipal"}),
        );
        let plan = plan.body["id"].as_str().unwrap().to_owned();
        let class = planner.post(
            &format!("/api/v1/plans/{plan}/classes"),
            &json!({"name": "金融信访专题班", "kind": "specialised", "city": "武汉", "lat": 30.59, "lon": 114.30,
                    "start_date": "2027-04-12", "end_date": "2027-04-12"}),
        );
        let class = class.body["id"].as_str().unwrap();
        let session = planner.post(
            &format!("/api/v1/classes/{class}/sessions"),
            &json!({"title": "金融领域信访", "start": "2027-04-12T09:00:00+08:00", "end": "2027-04-12T12:00:00+08:00",
                    "topics": [{"topic": "finance", "min_level": 4}]}),
        );
        assert_eq!(session.status, 201, "{}", session.body);
        plan
    });
    Contest {
        app,
        planners,
        plans,
        expert,
    }
}

/// The instructors a done run assigns.
fn assigned(run: &Value) -> Vec<String> {
    run["solution"]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["instructor"].as_str().unwrap().to_owned())
        .collect()
}

fn one_calendar_across_offices(backend: Backend) {
    let Contest {
        app,
        planners,
        plans,
        expert,
    } = contest(backend);
    // Both offices' runs, computed before either applies, want him.
    let runs = [0, 1].map(|k| staff(&planners[k], &plans[k], json!({})));
    for run in &runs {
        assert_eq!(assigned(run), std::slice::from_ref(&expert));
    }
    crate::staffing::apply(&planners[0], &runs[0]);
    let assignments_before = app.db().count("SELECT count(*) AS count FROM assignments");
    let second = planners[1].post(
        &format!(
            "/api/v1/staffing-runs/{}/apply",
            runs[1]["id"].as_str().unwrap()
        ),
        &json!(null),
    );
    let problem = second.problem(409);
    assert_eq!(problem["type"], "/problems/calendar-collision", "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("赵强") && detail.contains("武汉市信访局"),
        "{detail}"
    );
    assert_eq!(
        app.db().count("SELECT count(*) AS count FROM assignments"),
        assignments_before
    );
    // A new run of B sees him busy and leaves the session open.
    let rerun = staff(&planners[1], &plans[1], json!({}));
    assert!(assigned(&rerun).is_empty(), "{rerun}");
    // He sees both offices' work in one place: his assignment in A.
    let teacher = format!("zhao-{}", &expert[..8]);
    app.add_user(&teacher, "instructor", Some(&expert));
    let mine = app
        .login(&teacher, crate::support::PASSWORD)
        .get("/api/v1/me/assignments");
    assert_eq!(mine.body.as_array().unwrap().len(), 1, "{}", mine.body);
}

/// Two replicas apply the two offices' conflicting runs at the same moment:
/// exactly one succeeds, the other is told why, and he is booked once.
fn replicas_never_double_book(backend: Backend) {
    let Contest {
        app,
        planners,
        plans,
        expert,
    } = contest(backend);
    let runs = [0, 1].map(|k| staff(&planners[k], &plans[k], json!({})));
    let replica = app.second(&[]);
    let clients = [
        app.login_as_existing(&planners[0]),
        replica.login_as_existing(&planners[1]),
    ];
    let barrier = std::sync::Barrier::new(2);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = [0, 1]
            .map(|k| {
                let (client, run, barrier) = (&clients[k], &runs[k], &barrier);
                s.spawn(move || {
                    barrier.wait();
                    client
                        .post(
                            &format!(
                                "/api/v1/staffing-runs/{}/apply",
                                run["id"].as_str().unwrap()
                            ),
                            &json!(null),
                        )
                        .status
                })
            })
            .into_iter()
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut sorted = statuses.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [200, 409], "{statuses:?}");
    assert_eq!(
        app.db().count(&format!(
            "SELECT count(*) AS count FROM assignments WHERE instructor_id = '{expert}' AND state <> 'declined'"
        )),
        1
    );
}

fn a_burst_does_not_starve_another_office(backend: Backend) {
    // The cap alone (1, the default) and the order alone (a cap of 3, which
    // a first-come queue would fill with the burst) each let the city in.
    for cap in ["1", "3"] {
        burst_then_single(backend, cap);
    }
}

/// A province queues four runs, then a city one; two workers start on them.
fn burst_then_single(backend: Backend, cap: &str) {
    // A routing provider that takes 1.5 s and then fails, so every run
    // lasts (the service falls back to straight-line distances).
    let slow = local_http::serve(|_| {
        std::thread::sleep(Duration::from_millis(1500));
        (500, "{}".into())
    });
    let queue_only = [("JWT_SECRET", SECRET), ("RUN_WORKERS", "0")];
    let app = TestApp::start_on(TestDb::new(backend), &queue_only);
    let root = app.client("admin", None);
    let province = office(&root, "湖北省信访局", "provincial", None);
    let city = office(&root, "武汉市信访局", "municipal", Some(&province));
    let big = app.client_in("planner", &province);
    let small = app.client_in("planner", &city);
    seed_pool(&big);
    let queue = |planner: &Client| {
        let (plan, _, _) = seed_plan(planner);
        let r = planner.post(&format!("/api/v1/plans/{plan}/staffing-runs"), &json!({}));
        assert_eq!(r.status, 202, "{}", r.body);
        r.body["id"].as_str().unwrap().to_owned()
    };
    let burst: Vec<String> = (0..4).map(|_| queue(&big)).collect();
    let single = queue(&small);
    let db = app.kill();
    let env = [
        ("ROUTING_URL", slow.base.as_str()),
        ("MAX_RUNNING_PER_OFFICE", cap),
    ];
    // Two workers: in one process on SQLite, one in each of two replicas
    // on PostgreSQL.
    let workers: Vec<TestApp> = if db.is_postgres() {
        let first = TestApp::start_on(db, &[queue_only[0], ("RUN_WORKERS", "1"), env[0], env[1]]);
        let second = first.second(&[("RUN_WORKERS", "1"), env[0], env[1]]);
        vec![first, second]
    } else {
        vec![TestApp::start_on(
            db,
            &[queue_only[0], ("RUN_WORKERS", "2"), env[0], env[1]],
        )]
    };
    let reader = workers[0].login_as_existing(&big);
    let time = |run: &Value, field: &str| {
        chrono::DateTime::parse_from_rfc3339(run[field].as_str().unwrap()).unwrap()
    };
    let started = |id: &str| {
        let run = wait(&reader, id);
        assert_eq!(run["state"], "done", "{run}");
        // The premise: a run lasts while the others queue.
        let took = time(&run, "finished_at") - time(&run, "started_at");
        assert!(took >= chrono::Duration::seconds(1), "{run}");
        time(&run, "started_at")
    };
    let single_started = started(&single);
    let burst_started: Vec<_> = burst.iter().map(|id| started(id)).collect();
    // One of the burst starts first; the city's run goes next, before the
    // rest of the burst, though it was queued after all of them.
    assert!(
        burst_started[1..].iter().all(|t| *t >= single_started),
        "cap {cap}: the city's run started at {single_started}, the burst at {burst_started:?}"
    );
}

fn undoing_the_migration_keeps_everything(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    seed_pool(&planner);
    let (plan, _, _) = seed_plan(&planner);
    let run = staff(&planner, &plan, json!({}));
    crate::staffing::apply(&planner, &run);
    let counted = |db: &TestDb| {
        [
            "instructors",
            "plans",
            "sessions",
            "assignments",
            "users",
            "staffing_runs",
        ]
        .map(|t| db.count(&format!("SELECT count(*) AS count FROM {t}")))
    };
    let before = counted(app.db());
    let db = app.kill();
    // The migrations after the offices' first (the inputs' revisions, the
    // runs' problems beside them, the rating sums'), then theirs.
    for _ in 0..4 {
        let out = db.cli(&["db", "revert"], "");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(counted(&db), before);
    assert!(db.try_execute("SELECT count(*) FROM offices").is_err());
    // The run's problem is back in its row.
    assert_eq!(
        db.count("SELECT count(*) AS count FROM staffing_runs WHERE problem LIKE '{%'"),
        1
    );
    // Migrating up again puts everything in the one root office.
    let app = TestApp::start_on(db, &[("JWT_SECRET", SECRET)]);
    assert_eq!(counted(app.db()), before);
    assert_eq!(
        app.db()
            .count("SELECT count(*) AS count FROM plans WHERE office_id <> 'root'"),
        0
    );
    let again = app.login_as_existing(&planner);
    assert_eq!(again.get("/api/v1/me").body["office"]["id"], "root");
    assert_eq!(again.get(&format!("/api/v1/plans/{plan}")).status, 200);
    let problem = again.get(&format!(
        "/api/v1/staffing-runs/{}/problem",
        run["id"].as_str().unwrap()
    ));
    assert_eq!(problem.status, 200);
    assert!(problem.body["sessions"]
        .as_array()
        .is_some_and(|s| !s.is_empty()));
}

crate::both_backends!(
    tiers_descend_without_cycles,
    offices_from_a_sheet,
    pools_reach_down_up_and_across,
    a_sibling_and_a_parent_are_out_of_reach,
    one_calendar_across_offices,
    a_burst_does_not_starve_another_office,
    undoing_the_migration_keeps_everything,
);

mod postgres_replicas {
    #[test]
    fn replicas_never_double_book() {
        super::replicas_never_double_book(crate::support::Backend::Postgres)
    }
}
