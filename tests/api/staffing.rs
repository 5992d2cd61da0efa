//! The staffing workflow over HTTP: pool → plan → run → apply → decline →
//! re-run, with every solution checked by the solver crate's independent
//! checker; locks and confirmations as pins; the calendar feed; stale runs;
//! the stateless `/solve`; roles on every endpoint.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::checker;
use crate::support::{create_instructor, instructor_input, Backend, Client, TestApp};

/// A plan with one class in 武汉 and four sessions; returns (plan, class, sessions).
pub fn seed_plan(planner: &Client) -> (String, String, Vec<String>) {
    let plan = planner.post(
        "/api/v1/plans",
        &json!({"name": "湖北省2027年度轮训计划", "year": 2027, "tier": "provincial"}),
    );
    assert_eq!(plan.status, 201, "{}", plan.body);
    let plan = plan.body["id"].as_str().unwrap().to_owned();
    let class = planner.post(
        &format!("/api/v1/plans/{plan}/classes"),
        &json!({"name": "办信接访专题班", "kind": "specialised", "city": "武汉", "lat": 30.59, "lon": 114.30,
                "start_date": "2027-03-08", "end_date": "2027-03-10"}),
    );
    assert_eq!(class.status, 201, "{}", class.body);
    assert_eq!(class.body["min_cadre_share"], 0.5);
    let class = class.body["id"].as_str().unwrap().to_owned();
    let sessions = [
        ("办信实务", "2027-03-08T09:00:00+08:00", "letter-handling", 3, 1),
        ("金融领域信访", "2027-03-08T14:00:00+08:00", "finance", 4, 1),
        ("接访实务", "2027-03-09T09:00:00+08:00", "visitor-reception", 3, 1),
        ("疑难信件办理", "2027-03-09T14:00:00+08:00", "letter-handling", 4, 2),
    ]
    .iter()
    .map(|(title, start, topic, level, needed)| {
        let start_time = chrono::DateTime::parse_from_rfc3339(start).unwrap();
        let end = (start_time + chrono::Duration::hours(3)).to_rfc3339();
        let r = planner.post(
            &format!("/api/v1/classes/{class}/sessions"),
            &json!({"title": title, "start": start, "end": end, "method": "lecture", "needed": needed,
                    "topics": [{"topic": topic, "min_level": level}]}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["id"].as_str().unwrap().to_owned()
    })
    .collect();
    (plan, class, sessions)
}

/// Instructors for [`seed_plan`]: enough for every session, with a spare.
pub fn seed_pool(planner: &Client) -> Vec<String> {
    seed_pool_with(planner, &json!({}))
}

/// [`seed_pool`] with `extra` fields in every record.
pub fn seed_pool_with(planner: &Client, extra: &Value) -> Vec<String> {
    [
        ("李明", "cadre", 30.59, 114.30, json!([{"topic": "letter-handling", "level": 5}])),
        ("王芳", "cadre", 30.69, 111.29, json!([{"topic": "letter-handling", "level": 4}, {"topic": "visitor-reception", "level": 4}])),
        ("赵强", "expert", 39.90, 116.40, json!([{"topic": "finance", "level": 5}])),
        ("陈静", "cadre", 30.59, 114.30, json!([{"topic": "visitor-reception", "level": 3}, {"topic": "letter-handling", "level": 4}])),
        ("刘洋", "model_figure", 32.01, 112.12, json!([{"topic": "letter-handling", "level": 4}, {"topic": "visitor-reception", "level": 5}])),
    ]
    .iter()
    .map(|(name, kind, lat, lon, expertise)| {
        let mut record = json!({"kind": kind, "lat": lat, "lon": lon, "expertise": expertise, "max_travel_km": null, "yearly_capacity": 3});
        for (k, v) in extra.as_object().into_iter().flatten() {
            record[k] = v.clone();
        }
        create_instructor(planner, name, record)
    })
    .collect()
}

/// Queues a run and waits until it is done; checks its solution against its
/// problem with the independent checker. Returns the run.
pub fn staff(planner: &Client, plan: &str, request: Value) -> Value {
    let queued = planner.post(&format!("/api/v1/plans/{plan}/staffing-runs"), &request);
    assert_eq!(queued.status, 202, "{}", queued.body);
    let id = queued.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        queued.header("location"),
        Some(format!("/api/v1/staffing-runs/{id}").as_str())
    );
    let run = wait(planner, &id);
    assert_eq!(run["state"], "done", "{run}");
    check(planner, &run);
    // The solver's progress is kept with the run and ends at its solution.
    let last = run["progress"]
        .as_array()
        .and_then(|p| p.last())
        .cloned()
        .unwrap_or_default();
    for figure in ["objective", "bound"] {
        let (reported, solved) = (last[figure].as_f64(), run["solution"][figure].as_f64());
        assert!(
            reported
                .zip(solved)
                .is_some_and(|(a, b)| (a - b).abs() < 1e-6),
            "{figure}: progress {last} against the solution's {solved:?}"
        );
    }
    run
}

/// Applies a done run; returns the answer, after checking that what it
/// says it wrote is what the plan's assignments became: those before less
/// the `removed` ones, with the `proposed` ones (the run's, as `?run=`
/// lists them).
pub fn apply(planner: &Client, run: &Value) -> crate::support::Response {
    let (id, plan) = (run["id"].as_str().unwrap(), run["plan"].as_str().unwrap());
    let ids = |list: &Value| -> BTreeSet<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = ids(&planner
        .get(&format!("/api/v1/assignments?plan={plan}"))
        .body);
    let applied = planner.post(&format!("/api/v1/staffing-runs/{id}/apply"), &json!(null));
    assert_eq!(applied.status, 200, "{}", applied.body);
    // The run as lists show it: the caller has read its solution already.
    assert!(applied.body["applied_at"].is_string() && applied.body.get("solution").is_none());
    let (proposed, removed) = (
        ids(&applied.body["proposed"]),
        ids_of(&applied.body["removed"]),
    );
    for a in applied.body["proposed"].as_array().unwrap() {
        assert_eq!(
            (&a["run"], &a["state"], &a["plan"]),
            (&json!(id), &json!("proposed"), &json!(plan))
        );
    }
    assert!(
        removed.is_subset(&before),
        "{removed:?} were not the plan's"
    );
    let after = ids(&planner
        .get(&format!("/api/v1/assignments?plan={plan}"))
        .body);
    let expected: BTreeSet<String> = before
        .difference(&removed)
        .cloned()
        .chain(proposed.clone())
        .collect();
    assert_eq!(after, expected);
    let made = planner.get(&format!("/api/v1/assignments?plan={plan}&run={id}"));
    assert_eq!(ids(&made.body), proposed);
    applied
}

fn ids_of(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_owned())
        .collect()
}

/// Polls a run until it is done or failed.
pub fn wait(client: &Client, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let run = client.get(&format!("/api/v1/staffing-runs/{id}"));
        assert_eq!(run.status, 200, "{}", run.body);
        if run.body["state"] == "done" || run.body["state"] == "failed" {
            return run.body;
        }
        assert!(
            Instant::now() < deadline,
            "run {id} is still {}",
            run.body["state"]
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The independent checker on a done run's problem and solution.
pub fn check(planner: &Client, run: &Value) {
    let problem = planner.get(&format!(
        "/api/v1/staffing-runs/{}/problem",
        run["id"].as_str().unwrap()
    ));
    assert_eq!(problem.status, 200, "{}", problem.body);
    let problem: solver::Problem = serde_json::from_value(problem.body).unwrap();
    let solution: solver::Solution = serde_json::from_value(run["solution"].clone()).unwrap();
    let errors = checker::check(&problem, &solution);
    assert!(
        errors.is_empty(),
        "the checker refuses the run's solution: {errors:#?}"
    );
}

/// The (session, instructor) pairs of a done run's solution.
pub fn pairs(run: &Value) -> BTreeSet<(String, String)> {
    run["solution"]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["session"].as_str().unwrap().to_owned(),
                a["instructor"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn stored(planner: &Client, plan: &str) -> BTreeSet<(String, String, String)> {
    let r = planner.get(&format!("/api/v1/assignments?plan={plan}"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["session"].as_str().unwrap().to_owned(),
                a["instructor"].as_str().unwrap().to_owned(),
                a["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn workflow(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let pool = seed_pool(&planner);
    let (plan, _, sessions) = seed_plan(&planner);
    let first = staff(&planner, &plan, json!({}));
    let solution = &first["solution"];
    assert_eq!(solution["status"], "optimal");
    assert_eq!(solution["unfilled"], json!([]));
    // Names are resolved beside the ids.
    let a0 = &solution["assignments"][0];
    assert!(
        a0["instructor_name"].is_string() && a0["session_title"].is_string(),
        "{a0}"
    );
    assert_eq!(first["request"]["classes"], json!([]));
    let first_pairs = pairs(&first);
    assert_eq!(first_pairs.len(), 5);

    let applied = apply(&planner, &first);
    assert!(applied.body["applied_at"].is_string());
    let proposals: BTreeSet<(String, String)> = stored(&planner, &plan)
        .into_iter()
        .map(|(s, i, state)| {
            assert_eq!(state, "proposed");
            (s, i)
        })
        .collect();
    assert_eq!(proposals, first_pairs);
    planner
        .post(
            &format!(
                "/api/v1/staffing-runs/{}/apply",
                first["id"].as_str().unwrap()
            ),
            &json!(null),
        )
        .problem(409);

    // The instructor of the letter-handling session declines it.
    let (declined_session, decliner) = first_pairs
        .iter()
        .find(|(s, _)| s == &sessions[0])
        .unwrap()
        .clone();
    let me = app.client("instructor", Some(&decliner));
    let mine = me.get("/api/v1/me/assignments");
    assert_eq!(mine.status, 200);
    let assignment = mine
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["session"] == declined_session.as_str())
        .unwrap();
    let id = assignment["id"].as_str().unwrap();
    me.post(
        &format!("/api/v1/me/assignments/{id}/decline"),
        &json!({"reason": ""}),
    )
    .problem(422);
    let declined = me.post(
        &format!("/api/v1/me/assignments/{id}/decline"),
        &json!({"reason": "当天另有公务"}),
    );
    assert_eq!(declined.status, 200, "{}", declined.body);
    assert_eq!(declined.body["state"], "declined");
    // Nobody else's assignments are the instructor's to decline.
    let other = stored(&planner, &plan)
        .into_iter()
        .find(|(_, i, _)| i != &decliner)
        .unwrap();
    let other_id = planner
        .get(&format!(
            "/api/v1/assignments?session={}&instructor={}",
            other.0, other.1
        ))
        .body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    me.post(
        &format!("/api/v1/me/assignments/{other_id}/decline"),
        &json!({"reason": "x"}),
    )
    .problem(404);

    // The re-run keeps every other assignment and fills the declined slot.
    let second = staff(&planner, &plan, json!({}));
    let second_pairs = pairs(&second);
    let kept: BTreeSet<_> = first_pairs
        .iter()
        .filter(|(s, _)| s != &declined_session)
        .cloned()
        .collect();
    assert!(
        second_pairs.is_superset(&kept),
        "{second_pairs:?} dropped some of {kept:?}"
    );
    let replacement: Vec<_> = second_pairs.difference(&kept).collect();
    assert_eq!(replacement.len(), 1, "{replacement:?}");
    assert_eq!(replacement[0].0, declined_session);
    assert_ne!(replacement[0].1, decliner);
    apply(&planner, &second);
    let after = stored(&planner, &plan);
    assert!(after.contains(&(
        declined_session.clone(),
        decliner.clone(),
        "declined".to_owned()
    )));
    assert_eq!(after.len(), 6);
    let _ = pool;
}

fn pins_calendar_and_stale_runs(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    seed_pool(&planner);
    let (plan, _, _) = seed_plan(&planner);
    let first = staff(&planner, &plan, json!({}));
    planner.post(
        &format!(
            "/api/v1/staffing-runs/{}/apply",
            first["id"].as_str().unwrap()
        ),
        &json!(null),
    );
    let all = planner
        .get(&format!("/api/v1/assignments?plan={plan}"))
        .body;
    let (a, b) = (&all[0], &all[1]);
    let confirmed = planner.post(
        &format!("/api/v1/assignments/{}/confirm", a["id"].as_str().unwrap()),
        &json!(null),
    );
    assert_eq!(confirmed.body["state"], "confirmed");
    let locked = planner.post(
        &format!("/api/v1/assignments/{}/lock", b["id"].as_str().unwrap()),
        &json!(null),
    );
    assert_eq!(locked.body["locked"], true);
    // A confirmed and a locked assignment are pins of the next run.
    let second = staff(&planner, &plan, json!({"weights": {"keep": 0}}));
    let problem = planner
        .get(&format!(
            "/api/v1/staffing-runs/{}/problem",
            second["id"].as_str().unwrap()
        ))
        .body;
    let pins: BTreeSet<(String, String)> = problem["pins"]
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
    let expected: BTreeSet<(String, String)> = [a, b]
        .iter()
        .map(|x| {
            (
                x["session"].as_str().unwrap().to_owned(),
                x["instructor"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(pins, expected);
    assert_eq!(problem["weights"]["keep"], 0.0);
    assert_eq!(second["request"]["weights"], json!({"keep": 0}));

    // The calendar of the confirmed instructor.
    let me = app.client("instructor", Some(a["instructor"].as_str().unwrap()));
    let ics = me.get("/api/v1/me/assignments.ics");
    assert_eq!(ics.status, 200);
    assert!(ics
        .header("content-type")
        .unwrap()
        .starts_with("text/calendar"));
    let text = ics.body.as_str().unwrap();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
    assert!(text.contains("BEGIN:VEVENT\r\n"));
    assert!(text.contains(&format!("SUMMARY:{}", a["session_title"].as_str().unwrap())));
    let start = a["start"].as_str().unwrap().replace(['-', ':'], "");
    assert!(
        text.contains(&format!("DTSTART:{}", start)),
        "{text} lacks {start}"
    );
    assert_eq!(
        text.matches("BEGIN:VEVENT").count(),
        1,
        "only confirmed sessions"
    );

    // Ratings are the run's measurement at its start: evaluations entered
    // after it started, even ones dated before, do not make it stale, and
    // the problem it solved keeps the ratings it read.
    let someone = a["instructor"].as_str().unwrap();
    let rated = staff(&planner, &plan, json!({}));
    let problem_of_rated = format!(
        "/api/v1/staffing-runs/{}/problem",
        rated["id"].as_str().unwrap()
    );
    let rating_in = |problem: &Value| {
        problem["instructors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == someone)
            .map(|i| i["rating"].as_f64().unwrap())
            .unwrap()
    };
    let read = rating_in(&planner.get(&problem_of_rated).body);
    let late = planner.post(
        &format!("/api/v1/instructors/{someone}/teaching-records"),
        &json!({"title": "补录的讲座", "delivered_at": "2026-01-05T00:00:00Z", "scores": [1, 1, 1, 1, 1]}),
    );
    assert_eq!(late.status, 201, "{}", late.body);
    let now = planner.get(&format!("/api/v1/instructors/{someone}")).body["rating"]["rating"]
        .as_f64()
        .unwrap();
    assert!(
        now < read - 0.01,
        "five scores of 1 lower the rating: {read} -> {now}"
    );
    apply(&planner, &rated);
    assert_eq!(rating_in(&planner.get(&problem_of_rated).body), read);

    // A run whose inputs changed after it started cannot be applied.
    let third = staff(&planner, &plan, json!({}));
    let block = planner.post(
        &format!("/api/v1/instructors/{someone}/unavailability"),
        &json!({"start": "2027-07-01T00:00:00+08:00", "end": "2027-07-02T00:00:00+08:00"}),
    );
    assert_eq!(block.status, 201);
    let stale = planner.post(
        &format!(
            "/api/v1/staffing-runs/{}/apply",
            third["id"].as_str().unwrap()
        ),
        &json!(null),
    );
    assert_eq!(stale.problem(409)["type"], "/problems/inputs-changed");
    let runs = planner.get(&format!("/api/v1/plans/{plan}/staffing-runs"));
    assert_eq!(runs.body.as_array().unwrap().len(), 4);
}

/// Applying a run that moves someone answers with what it wrote, and the
/// plan's assignments are exactly that ([`apply`] checks it).
fn applying_says_what_it_wrote(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    seed_pool(&planner);
    let (plan, _, sessions) = seed_plan(&planner);
    let first = apply(&planner, &staff(&planner, &plan, json!({})));
    assert_eq!(ids_of(&first.body["removed"]), BTreeSet::new());
    assert_eq!(first.body["proposed"].as_array().unwrap().len(), 5);
    // The instructor of the first session becomes unavailable then: the
    // next run takes them off it.
    let held = &planner
        .get(&format!("/api/v1/assignments?session={}", sessions[0]))
        .body[0];
    let block = planner.post(
        &format!(
            "/api/v1/instructors/{}/unavailability",
            held["instructor"].as_str().unwrap()
        ),
        &json!({"start": "2027-03-08T00:00:00+08:00", "end": "2027-03-09T00:00:00+08:00"}),
    );
    assert_eq!(block.status, 201, "{}", block.body);
    let second = apply(&planner, &staff(&planner, &plan, json!({})));
    assert_eq!(
        ids_of(&second.body["removed"]),
        BTreeSet::from([held["id"].as_str().unwrap().to_owned()])
    );
    let replacement = second.body["proposed"].as_array().unwrap();
    assert_eq!(replacement.len(), 1, "{replacement:?}");
    assert_eq!(replacement[0]["session"], sessions[0].as_str());
    assert_ne!(replacement[0]["instructor"], held["instructor"]);
}

/// Every input a run's staffing depends on makes it stale when it changes,
/// by whatever path: its digest covers the revisions the database raises on
/// each change of a chosen instructor's solver fields, expertise or
/// unavailable time, of a class, its sessions or their topics, and what the
/// sessions hold. What a run does not read (a phone number, a session's
/// title) does not, nor does a change to a pool member it did not choose or
/// a new member: its staffing is as valid as it was.
fn what_makes_a_run_stale(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let pool = seed_pool(&planner);
    let (plan, class, sessions) = seed_plan(&planner);
    apply(&planner, &staff(&planner, &plan, json!({})));
    let put = |path: &str, body: &Value, etag: Option<&str>| {
        let r = planner.put(path, body, etag);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
    };
    let edit_instructor = |id: &str, change: &dyn Fn(&mut Value)| {
        let path = format!("/api/v1/instructors/{id}");
        let stored = planner.get(&path);
        let mut record = instructor_input(&stored.body);
        change(&mut record);
        put(&path, &record, stored.header("etag"));
    };
    let edit_session = |id: &str, change: &dyn Fn(&mut Value)| {
        let path = format!("/api/v1/sessions/{id}");
        let stored = planner.get(&path).body;
        let mut body = json!({});
        for field in ["title", "start", "end", "needed", "remote", "method"] {
            body[field] = stored[field].clone();
        }
        body["topics"] = stored["topics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| json!({"topic": t["topic"], "min_level": t["min_level"]}))
            .collect();
        change(&mut body);
        put(&path, &body, None);
    };
    let class_path = format!("/api/v1/classes/{class}");
    let holder = || {
        planner
            .get(&format!("/api/v1/assignments?session={}", sessions[0]))
            .body[0]
            .clone()
    };
    // An instructor the run chose, and a pool member it did not.
    let chosen = |run: &Value| -> String {
        run["solution"]["assignments"][0]["instructor"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let not_chosen = |run: &Value| -> String {
        let named: BTreeSet<&str> = run["solution"]["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["instructor"].as_str().unwrap())
            .collect();
        pool.iter()
            .find(|id| !named.contains(id.as_str()))
            .unwrap()
            .clone()
    };
    let block = |instructor: &str| {
        let r = planner.post(
            &format!("/api/v1/instructors/{instructor}/unavailability"),
            &json!({"start": "2027-05-01T00:00:00+08:00", "end": "2027-05-02T00:00:00+08:00"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    };
    // What changes, whether the run goes stale, and the change (given the
    // run).
    type Change<'a> = (&'a str, bool, Box<dyn Fn(&Value) + 'a>);
    let changes: Vec<Change> = vec![
        (
            "a chosen instructor's phone",
            false,
            Box::new(|run| edit_instructor(&chosen(run), &|r| r["phone"] = json!("027-1234 5678"))),
        ),
        (
            "a session's title",
            false,
            Box::new(|_| edit_session(&sessions[1], &|s| s["title"] = json!("金融信访案例"))),
        ),
        (
            "a chosen instructor's yearly capacity",
            true,
            Box::new(|run| edit_instructor(&chosen(run), &|r| r["yearly_capacity"] = json!(7))),
        ),
        (
            "a chosen instructor's expertise",
            true,
            Box::new(|run| {
                edit_instructor(&chosen(run), &|r| r["expertise"][0]["level"] = json!(2))
            }),
        ),
        (
            "a chosen instructor's unavailable time",
            true,
            Box::new(|run| block(&chosen(run))),
        ),
        (
            "the unavailable time of a pool member it did not choose",
            false,
            Box::new(|run| block(&not_chosen(run))),
        ),
        (
            "the expertise of a pool member it did not choose",
            false,
            Box::new(|run| {
                edit_instructor(&not_chosen(run), &|r| r["expertise"][0]["level"] = json!(5))
            }),
        ),
        (
            "a new pool member",
            false,
            Box::new(|_| {
                create_instructor(&planner, "周敏", json!({}));
            }),
        ),
        (
            "a session's time",
            true,
            Box::new(|_| {
                edit_session(&sessions[2], &|s| {
                    s["start"] = json!("2027-03-09T10:00:00+08:00");
                    s["end"] = json!("2027-03-09T12:00:00+08:00");
                })
            }),
        ),
        (
            "a session's topics",
            true,
            Box::new(|_| edit_session(&sessions[2], &|s| s["topics"][0]["min_level"] = json!(2))),
        ),
        (
            "a new session",
            true,
            Box::new(|_| {
                let r = planner.post(
                    &format!("{class_path}/sessions"),
                    &json!({"title": "信访法治", "start": "2027-03-10T09:00:00+08:00",
                            "end": "2027-03-10T11:00:00+08:00", "needed": 1,
                            "topics": [{"topic": "letter-handling", "min_level": 2}]}),
                );
                assert_eq!(r.status, 201, "{}", r.body);
            }),
        ),
        (
            "the class's cadre share",
            true,
            Box::new(|_| {
                let stored = planner.get(&class_path).body;
                let mut body = json!({"min_cadre_share": 0.25});
                for field in [
                    "name",
                    "kind",
                    "city",
                    "lat",
                    "lon",
                    "start_date",
                    "end_date",
                ] {
                    body[field] = stored[field].clone();
                }
                put(&class_path, &body, None);
            }),
        ),
        (
            "an assignment locked",
            true,
            Box::new(|_| {
                let lock = format!(
                    "/api/v1/assignments/{}/lock",
                    holder()["id"].as_str().unwrap()
                );
                assert_eq!(planner.post(&lock, &json!(null)).status, 200);
            }),
        ),
        (
            "an exclusion",
            true,
            Box::new(|_| {
                let held = holder()["instructor"].clone();
                let other = pool.iter().find(|id| **id != held).unwrap();
                let r = planner.post(
                    "/api/v1/exclusions",
                    &json!({"instructor": other, "session": sessions[0], "reason": "回避"}),
                );
                assert_eq!(r.status, 201, "{}", r.body);
            }),
        ),
    ];
    for (what, stale, change) in changes {
        let run = staff(&planner, &plan, json!({}));
        change(&run);
        let path = format!(
            "/api/v1/staffing-runs/{}/apply",
            run["id"].as_str().unwrap()
        );
        let r = planner.post(&path, &json!(null));
        if stale {
            assert_eq!(r.problem(409)["type"], "/problems/inputs-changed", "{what}");
        } else {
            assert_eq!(r.status, 200, "{what}: {}", r.body);
        }
    }
}

fn plan_validation(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let (plan, class, _) = seed_plan(&planner);
    let r = planner.post(
        "/api/v1/plans",
        &json!({"name": " ", "year": 1999, "tier": "provincial"}),
    );
    let mut errors = r.field_errors();
    errors.sort();
    assert_eq!(
        errors,
        [
            ("name".to_owned(), "non_empty".to_owned()),
            ("year".to_owned(), "range".to_owned())
        ]
    );
    let r = planner.post(
        &format!("/api/v1/plans/{plan}/classes"),
        &json!({"name": "班", "kind": "specialised", "city": "武汉", "lat": 95.0, "lon": 114.3,
                "start_date": "2027-03-10", "end_date": "2027-03-08", "min_cadre_share": 1.5}),
    );
    let mut errors = r.field_errors();
    errors.sort();
    assert_eq!(
        errors,
        [
            ("end_date".to_owned(), "after_start".to_owned()),
            ("lat".to_owned(), "latitude".to_owned()),
            ("min_cadre_share".to_owned(), "unit_interval".to_owned())
        ]
    );
    let session = |start: &str, end: &str, needed: i64, topics: Value| {
        planner.post(
            &format!("/api/v1/classes/{class}/sessions"),
            &json!({"title": "课", "start": start, "end": end, "needed": needed, "topics": topics}),
        )
    };
    let r = session(
        "2027-03-08T09:00:00+08:00",
        "2027-03-08T08:00:00+08:00",
        0,
        json!([]),
    );
    let mut errors = r.field_errors();
    errors.sort();
    assert_eq!(
        errors,
        [
            ("end".to_owned(), "after_start".to_owned()),
            ("needed".to_owned(), "min_1".to_owned()),
            ("topics".to_owned(), "non_empty".to_owned())
        ]
    );
    let r = session(
        "2027-03-08T09:00:00+08:00",
        "2027-03-08T12:00:00+08:00",
        1,
        json!([{"topic": "finance", "min_level": 6}, {"topic": "finance", "min_level": 3}, {"topic": "astrology", "min_level": 3}]),
    );
    let mut errors = r.field_errors();
    errors.sort();
    assert_eq!(
        errors,
        [
            ("topics[0].min_level".to_owned(), "level_range".to_owned()),
            ("topics[1].topic".to_owned(), "unique".to_owned())
        ]
    );
    let r = session(
        "2027-03-08T09:00:00+08:00",
        "2027-03-08T12:00:00+08:00",
        1,
        json!([{"topic": "astrology", "min_level": 3}]),
    );
    assert_eq!(
        r.field_errors(),
        [("topics[0].topic".to_owned(), "unknown_reference".to_owned())]
    );
    // Inside the class's dates, in the session's own local time.
    let r = session(
        "2027-03-11T09:00:00+08:00",
        "2027-03-11T12:00:00+08:00",
        1,
        json!([{"topic": "finance", "min_level": 3}]),
    );
    assert_eq!(
        r.field_errors(),
        [("start".to_owned(), "within_class".to_owned())]
    );
    let detail = planner.get(&format!("/api/v1/plans/{plan}"));
    assert_eq!(
        detail.body["classes"][0]["sessions"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(detail.body["classes"][0]["kind_name"], "专题业务类");
    assert_eq!(app.db().count("SELECT count(*) AS count FROM sessions"), 4);
    // Staffing unknown classes is refused before anything is queued.
    let r = planner.post(
        &format!("/api/v1/plans/{plan}/staffing-runs"),
        &json!({"classes": ["nope"]}),
    );
    assert_eq!(
        r.field_errors(),
        [("classes[0]".to_owned(), "unknown_reference".to_owned())]
    );
    let r = planner.post(
        &format!("/api/v1/plans/{plan}/staffing-runs"),
        &json!({"weights": {"keeep": 1}}),
    );
    assert_eq!(
        r.field_errors(),
        [("weights.keeep".to_owned(), "unknown_field".to_owned())]
    );
    assert_eq!(
        app.db()
            .count("SELECT count(*) AS count FROM staffing_runs"),
        0
    );
    planner
        .post("/api/v1/plans/nope/staffing-runs", &json!({}))
        .problem(404);
}

fn stateless_solve(backend: Backend) {
    let app = TestApp::start_on(
        crate::support::TestDb::new(backend),
        &[
            ("JWT_SECRET", crate::support::SECRET),
            ("MAX_TIME_LIMIT_S", "5"),
        ],
    );
    let planner = app.client("planner", None);
    let problem: Value =
        serde_json::from_str(include_str!("../../examples/spec-5.1.json")).unwrap();
    let r = planner.post("/api/v1/solve", &problem);
    assert_eq!(r.status, 200, "{}", r.body);
    let solution: solver::Solution = serde_json::from_value(r.body.clone()).unwrap();
    let parsed: solver::Problem = serde_json::from_value(problem.clone()).unwrap();
    assert!(checker::check(&parsed, &solution).is_empty());
    let mut bad = problem.clone();
    bad["sessions"][0]["needed"] = json!(0);
    assert_eq!(
        planner.post("/api/v1/solve", &bad).field_errors()[0],
        ("sessions[0].needed".to_owned(), "min_1".to_owned())
    );
    app.client("office", None)
        .post("/api/v1/solve", &problem)
        .problem(403);
}

/// Every new endpoint against every role.
fn staffing_roles(backend: Backend) {
    let app = TestApp::start(backend);
    let admin = app.client("admin", None);
    let pool = seed_pool(&admin);
    let (plan, class, sessions) = seed_plan(&admin);
    let run = staff(&admin, &plan, json!({}));
    let run_id = run["id"].as_str().unwrap().to_owned();
    let clients = [
        app.client("admin", None),
        app.client("planner", None),
        app.client("office", None),
        app.client("instructor", Some(&pool[0])),
    ];
    let problem: Value =
        serde_json::from_str(include_str!("../../examples/spec-5.1.json")).unwrap();
    let query = json!({"topics": [{"topic": "finance", "min_level": 3}], "lat": 30.6, "lon": 114.3,
                       "start": "2027-05-01T09:00:00+08:00", "end": "2027-05-01T12:00:00+08:00"});
    type Call<'a> = Box<dyn Fn(&Client) -> u16 + 'a>;
    let cases: Vec<(&str, [u16; 4], Call)> = vec![
        (
            "list plans",
            [200, 200, 200, 403],
            Box::new(|c| c.get("/api/v1/plans").status),
        ),
        (
            "read a plan",
            [200, 200, 200, 403],
            Box::new(|c| c.get(&format!("/api/v1/plans/{plan}")).status),
        ),
        (
            "make a plan",
            [201, 201, 403, 403],
            Box::new(|c| {
                c.post(
                    "/api/v1/plans",
                    &json!({"name": "计划", "year": 2027, "tier": "county"}),
                )
                .status
            }),
        ),
        (
            "add a class",
            [422, 422, 403, 403],
            Box::new(|c| {
                c.post(&format!("/api/v1/plans/{plan}/classes"), &json!({}))
                    .status
            }),
        ),
        (
            "read a class",
            [200, 200, 200, 403],
            Box::new(|c| c.get(&format!("/api/v1/classes/{class}")).status),
        ),
        (
            "add a session",
            [422, 422, 403, 403],
            Box::new(|c| {
                c.post(&format!("/api/v1/classes/{class}/sessions"), &json!({}))
                    .status
            }),
        ),
        (
            "read a session",
            [200, 200, 200, 403],
            Box::new(|c| c.get(&format!("/api/v1/sessions/{}", sessions[0])).status),
        ),
        (
            "remove a session",
            [404, 404, 403, 403],
            Box::new(|c| c.delete("/api/v1/sessions/nope").status),
        ),
        (
            "queue a run",
            [422, 422, 403, 403],
            Box::new(|c| {
                c.post(
                    &format!("/api/v1/plans/{plan}/staffing-runs"),
                    &json!({"classes": ["nope"]}),
                )
                .status
            }),
        ),
        (
            "read a run",
            [200, 200, 200, 403],
            Box::new(|c| c.get(&format!("/api/v1/staffing-runs/{run_id}")).status),
        ),
        (
            "list runs",
            [200, 200, 200, 403],
            Box::new(|c| c.get(&format!("/api/v1/plans/{plan}/staffing-runs")).status),
        ),
        (
            "read a run's problem",
            [200, 200, 403, 403],
            Box::new(|c| {
                c.get(&format!("/api/v1/staffing-runs/{run_id}/problem"))
                    .status
            }),
        ),
        (
            "apply a run",
            [404, 404, 403, 403],
            Box::new(|c| {
                c.post("/api/v1/staffing-runs/nope/apply", &json!(null))
                    .status
            }),
        ),
        (
            "solve",
            [200, 200, 403, 403],
            Box::new(|c| c.post("/api/v1/solve", &problem).status),
        ),
        (
            "list assignments",
            [200, 200, 200, 403],
            Box::new(|c| c.get("/api/v1/assignments").status),
        ),
        (
            "lock",
            [404, 404, 403, 403],
            Box::new(|c| c.post("/api/v1/assignments/nope/lock", &json!(null)).status),
        ),
        (
            "unlock",
            [404, 404, 403, 403],
            Box::new(|c| {
                c.post("/api/v1/assignments/nope/unlock", &json!(null))
                    .status
            }),
        ),
        (
            "confirm",
            [404, 404, 403, 403],
            Box::new(|c| {
                c.post("/api/v1/assignments/nope/confirm", &json!(null))
                    .status
            }),
        ),
        (
            "own assignments",
            [403, 403, 403, 200],
            Box::new(|c| c.get("/api/v1/me/assignments").status),
        ),
        (
            "own calendar",
            [403, 403, 403, 200],
            Box::new(|c| c.get("/api/v1/me/assignments.ics").status),
        ),
        (
            "decline",
            [403, 403, 403, 404],
            Box::new(|c| {
                c.post(
                    "/api/v1/me/assignments/nope/decline",
                    &json!({"reason": "x"}),
                )
                .status
            }),
        ),
        (
            "session recommendations",
            [200, 200, 200, 403],
            Box::new(|c| {
                c.get(&format!("/api/v1/sessions/{}/recommendations", sessions[0]))
                    .status
            }),
        ),
        (
            "ad-hoc recommendations",
            [200, 200, 200, 403],
            Box::new(|c| c.post("/api/v1/recommendations", &query).status),
        ),
        (
            "opportunities",
            [200, 200, 200, 403],
            Box::new(|c| {
                c.get(&format!("/api/v1/instructors/{}/opportunities", pool[1]))
                    .status
            }),
        ),
    ];
    let roles = ["admin", "planner", "office", "instructor"];
    for (what, expected, call) in &cases {
        for (k, client) in clients.iter().enumerate() {
            assert_eq!(call(client), expected[k], "{}: {what}", roles[k]);
        }
    }
    for what in [
        "/api/v1/plans",
        "/api/v1/assignments",
        "/api/v1/me/assignments",
    ] {
        app.anonymous().get(what).problem(401);
    }
}

/// A run's `max_sessions_per_class` reaches its problem and binds: with 1,
/// nobody teaches two sessions of the class, where without it someone does.
fn a_class_limit(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    seed_pool(&planner);
    let (plan, _, _) = seed_plan(&planner);
    let repeats = |run: &Value| {
        let teachers: Vec<String> = pairs(run).into_iter().map(|(_, i)| i).collect();
        let distinct: BTreeSet<&String> = teachers.iter().collect();
        teachers.len() - distinct.len()
    };
    let free = staff(&planner, &plan, json!({}));
    assert!(
        repeats(&free) > 0,
        "the limit would not bind: {}",
        free["solution"]
    );
    let limited = staff(
        &planner,
        &plan,
        json!({"options": {"max_sessions_per_class": 1}}),
    );
    assert_eq!(repeats(&limited), 0, "{}", limited["solution"]);
    let problem = planner.get(&format!(
        "/api/v1/staffing-runs/{}/problem",
        limited["id"].as_str().unwrap()
    ));
    assert_eq!(problem.body["options"]["max_sessions_per_class"], 1);
    let refused = planner.post(
        &format!("/api/v1/plans/{plan}/staffing-runs"),
        &json!({"options": {"max_sessions_per_class": 0}}),
    );
    assert_eq!(
        refused.field_errors(),
        [(
            "options.max_sessions_per_class".to_owned(),
            "min_1".to_owned()
        )]
    );
}

/// A run's `weights.balance` reaches its problem, and its solution lists
/// the load of everyone holding two sessions or more with the term SPEC 5.4
/// gives it (from the capacity the run's problem holds) and the name.
fn balance_in_a_run(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    seed_pool(&planner);
    let (plan, _, _) = seed_plan(&planner);
    let run = staff(&planner, &plan, json!({"weights": {"balance": 0.01}}));
    check(&planner, &run);
    let problem = planner
        .get(&format!(
            "/api/v1/staffing-runs/{}/problem",
            run["id"].as_str().unwrap()
        ))
        .body;
    assert_eq!(problem["weights"]["balance"], 0.01);
    let mut held: BTreeMap<String, usize> = BTreeMap::new();
    for (_, instructor) in pairs(&run) {
        *held.entry(instructor).or_default() += 1;
    }
    held.retain(|_, n| *n >= 2);
    let loads = run["solution"]["loads"].as_array().unwrap();
    assert!(!held.is_empty(), "nobody holds two: {}", run["solution"]);
    assert_eq!(loads.len(), held.len(), "{loads:?} vs {held:?}");
    for load in loads {
        let id = load["instructor"].as_str().unwrap();
        let sessions = load["sessions"].as_u64().unwrap() as f64;
        assert_eq!(sessions as usize, held[id]);
        let capacity = problem["instructors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap()["capacity"]
            .as_f64()
            .unwrap();
        assert_eq!(load["capacity"].as_f64().unwrap(), capacity);
        let cost = 0.01 * sessions * (sessions - 1.0) / (2.0 * capacity);
        assert!(
            (load["cost"].as_f64().unwrap() - cost).abs() < 1e-12,
            "{load}"
        );
        assert!(!load["instructor_name"].as_str().unwrap().is_empty());
    }
    let unweighed = staff(&planner, &plan, json!({}));
    assert_eq!(unweighed["solution"]["loads"], json!([]));
    let refused = planner.post(
        &format!("/api/v1/plans/{plan}/staffing-runs"),
        &json!({"weights": {"balance": -1}}),
    );
    assert_eq!(
        refused.field_errors(),
        [("weights.balance".to_owned(), "non_negative".to_owned())]
    );
}

/// After a run with `max_sessions_per_class` 1 is applied, recommending
/// for another session of the class warns of exactly those who hold one
/// already, and putting one of them in by hand (in a proposal's place)
/// succeeds with the same warning; after a run without the limit, no
/// warning.
fn the_last_runs_class_limit_warns(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    seed_pool(&planner);
    let (plan, _, sessions) = seed_plan(&planner);
    let run = staff(
        &planner,
        &plan,
        json!({"options": {"max_sessions_per_class": 1}}),
    );
    apply(&planner, &run);
    let hard = &sessions[3];
    let on_hard: BTreeSet<String> = pairs(&run)
        .into_iter()
        .filter(|(s, _)| s == hard)
        .map(|(_, i)| i)
        .collect();
    let elsewhere: BTreeSet<String> = pairs(&run)
        .into_iter()
        .filter(|(s, _)| s != hard)
        .map(|(_, i)| i)
        .collect();
    let recommend = || {
        planner
            .get(&format!(
                "/api/v1/sessions/{hard}/recommendations?include_unavailable=true&limit=500"
            ))
            .body["items"]
            .as_array()
            .unwrap()
            .clone()
    };
    let items = recommend();
    assert!(!items.is_empty());
    let mut warned = None;
    for item in &items {
        let id = item["instructor"].as_str().unwrap();
        let rules: Vec<&str> = item["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["rule"].as_str().unwrap())
            .collect();
        if elsewhere.contains(id) {
            assert_eq!(rules, ["max_sessions_per_class"], "{item}");
            if item["available"] == true {
                warned = Some(id.to_owned());
            }
        } else {
            assert!(rules.is_empty(), "{item}");
        }
    }
    let warned = warned.expect("someone holding another session can take it");
    let current = planner
        .get(&format!("/api/v1/assignments?session={hard}"))
        .body;
    let replaced = current
        .as_array()
        .unwrap()
        .iter()
        .find(|a| on_hard.contains(a["instructor"].as_str().unwrap()))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let made = planner.post(
        "/api/v1/assignments",
        &json!({"session": hard, "instructor": warned, "replace": replaced}),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(made.body["instructor"], warned.as_str());
    assert_eq!(
        made.body["warnings"][0]["rule"], "max_sessions_per_class",
        "{}",
        made.body
    );
    staff(&planner, &plan, json!({}));
    assert!(recommend().iter().all(|item| item["warnings"] == json!([])));
}

crate::both_backends!(
    applying_says_what_it_wrote,
    what_makes_a_run_stale,
    the_last_runs_class_limit_warns,
    balance_in_a_run,
    a_class_limit,
    workflow,
    pins_calendar_and_stale_runs,
    plan_validation,
    stateless_solve,
    staffing_roles,
);
