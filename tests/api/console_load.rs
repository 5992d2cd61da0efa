//! Load and time, and assigning by hand (issue 31, items 3 and 4): the
//! plan's workload from the API against what its assignments and the
//! instructors' homes say, the workload page's table and timeline in
//! headless Chromium (a click on the timeline opens the session on the
//! board), and the alternates of a full session: who each candidate is,
//! their load and what they hold at the same time, a candidate a rule keeps
//! out never sent, a conflict asked about before anything is sent.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::console::sign_in;
use crate::staffing::{apply, seed_plan, seed_pool, staff};
use crate::support::{Backend, Client, TestApp};
use crate::webdriver::Browser;

/// Creates a session of `class`, three hours from `start`, on letter handling.
fn add_session(planner: &Client, class: &str, title: &str, start: &str, level: u8) -> String {
    let end = (chrono::DateTime::parse_from_rfc3339(start).unwrap() + chrono::Duration::hours(3))
        .to_rfc3339();
    let r = planner.post(
        &format!("/api/v1/classes/{class}/sessions"),
        &json!({"title": title, "start": start, "end": end, "method": "lecture", "needed": 1,
                "topics": [{"topic": "letter-handling", "min_level": level}]}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

/// Assigns by hand (a locked proposal) and returns the assignment's id.
fn assign(planner: &Client, session: &str, instructor: &str) -> String {
    let r = planner.post(
        "/api/v1/assignments",
        &json!({"session": session, "instructor": instructor}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

/// The plan's assignments that are not declined, by instructor.
fn held_by(planner: &Client, plan: &str) -> HashMap<String, Vec<Value>> {
    let mut held: HashMap<String, Vec<Value>> = HashMap::new();
    for a in planner
        .get(&format!("/api/v1/assignments?plan={plan}"))
        .body
        .as_array()
        .unwrap()
    {
        if a["state"] != "declined" {
            held.entry(a["instructor"].as_str().unwrap().to_owned())
                .or_default()
                .push(a.clone());
        }
    }
    held
}

fn load_time_and_alternates(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let ids = seed_pool(&planner);
    let names = ["李明", "王芳", "赵强", "陈静", "刘洋"];
    let name_of = |id: &str| names[ids.iter().position(|i| i == id).unwrap()];
    let homes = [
        (30.59, 114.30),
        (30.69, 111.29),
        (39.90, 116.40),
        (30.59, 114.30),
        (32.01, 112.12),
    ];
    let (plan, class, sessions) = seed_plan(&planner);
    // At the time of 疑难信件办理 (needs two): whoever takes this cannot take that.
    let same_time = add_session(&planner, &class, "信访法规", "2027-03-09T14:00:00+08:00", 3);
    // 李明 teaches 办信实务 by hand, and a session of another plan, confirmed.
    assign(&planner, &sessions[0], &ids[0]);
    let other = planner.post(
        "/api/v1/plans",
        &json!({"name": "北京专题培训", "year": 2027, "tier": "provincial"}),
    );
    let other_class = planner.post(
        &format!("/api/v1/plans/{}/classes", other.body["id"].as_str().unwrap()),
        &json!({"name": "信访业务骨干班", "kind": "specialised", "city": "北京", "lat": 39.90, "lon": 116.40,
                "start_date": "2027-05-10", "end_date": "2027-05-10"}),
    );
    let elsewhere = add_session(
        &planner,
        other_class.body["id"].as_str().unwrap(),
        "办信规范",
        "2027-05-10T09:00:00+08:00",
        3,
    );
    let confirmed = assign(&planner, &elsewhere, &ids[0]);
    assert_eq!(
        planner
            .post(
                &format!("/api/v1/assignments/{confirmed}/confirm"),
                &json!(null)
            )
            .status,
        200
    );
    apply(&planner, &staff(&planner, &plan, json!({})));

    // The cadre places a class asks for come from the API: share × places.
    let body = planner.get(&format!("/api/v1/plans/{plan}")).body;
    assert_eq!(body["classes"][0]["cadres_required"], json!(0.5 * 6.0));

    // The workload, against the plan's assignments and the homes.
    let held = held_by(&planner, &plan);
    let load = planner.get(&format!("/api/v1/plans/{plan}/workload"));
    assert_eq!(load.status, 200, "{}", load.body);
    assert_eq!(load.body["year"], 2027);
    let rows = load.body["instructors"].as_array().unwrap();
    assert_eq!(rows.len(), held.len(), "{}", load.body);
    for r in rows {
        let id = r["instructor"].as_str().unwrap();
        let mine = &held[id];
        let k = ids.iter().position(|i| i == id).unwrap();
        let extra = usize::from(k == 0);
        let km = solver::geo::haversine_km(homes[k].0, homes[k].1, 30.59, 114.30);
        assert_eq!(r["instructor_name"], names[k]);
        assert_eq!(r["in_plan"], mine.len(), "{r}");
        assert_eq!(r["elsewhere"], extra, "{r}");
        assert_eq!(r["trips"], 1, "{r}");
        assert!(
            (r["distance_km"].as_f64().unwrap() - km).abs() < 1e-6,
            "{r}"
        );
        assert_eq!(r["yearly_capacity"], 3);
        let share = (mine.len() + extra) as f64 / 3.0;
        assert!(
            (r["cap_share"].as_f64().unwrap() - share).abs() < 1e-9,
            "{r}"
        );
        let mut sessions: Vec<&str> = r["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["session"].as_str().unwrap())
            .collect();
        let mut expected: Vec<&str> = mine
            .iter()
            .map(|a| a["session"].as_str().unwrap())
            .collect();
        sessions.sort_unstable();
        expected.sort_unstable();
        assert_eq!(sessions, expected);
        assert_eq!(r["busy_elsewhere"].as_array().unwrap().len(), extra);
    }
    let order: Vec<(i64, &str)> = rows
        .iter()
        .map(|r| {
            (
                -r["in_plan"].as_i64().unwrap(),
                r["instructor_name"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "{order:?}");
    let farthest = rows
        .iter()
        .max_by(|a, b| {
            a["distance_km"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["distance_km"].as_f64().unwrap())
        })
        .unwrap()["instructor"]
        .clone();

    // The page: a row a person, sorted by a click; the timeline draws every
    // session held and the one held elsewhere.
    app.add_user("load-planner", "planner", None);
    let browser = Browser::start();
    browser.resize(1440, 1000);
    sign_in(
        &browser,
        &app.base,
        "load-planner",
        &format!("#/plans/{plan}/workload"),
    );
    browser.find("#workload tr[data-instructor]");
    let listed = browser.strings(
        "return [...document.querySelectorAll('#workload tr[data-instructor]')].map(r => r.dataset.instructor)",
        json!([]),
    );
    let api_order: Vec<&str> = rows
        .iter()
        .map(|r| r["instructor"].as_str().unwrap())
        .collect();
    assert_eq!(listed, api_order);
    browser.click(&browser.find("#workload button[data-sort=distance_km]"));
    let first = browser.script(
        "return document.querySelector('#workload tr[data-instructor]').dataset.instructor",
        json!([]),
    );
    assert_eq!(first, farthest, "the longest trip first");
    let marks = |css: &str| {
        browser
            .script(
                "return document.querySelectorAll(arguments[0]).length",
                json!([css]),
            )
            .as_u64()
            .unwrap() as usize
    };
    let in_plan: usize = held.values().map(Vec::len).sum();
    assert_eq!(marks("svg.timeline a[data-session]"), in_plan);
    assert_eq!(marks("svg.timeline .item.elsewhere"), 1);
    let head = browser.text(&browser.find("#workload tr"));
    assert!(
        head.contains("本计划课次") && head.contains("占年度上限"),
        "{head}"
    );
    for (name, width, height) in [
        ("workload-1440", 1440, 1000),
        ("workload-1024", 1024, 900),
        ("workload-phone", 390, 844),
    ] {
        browser.resize(width, height);
        browser.screenshot(name);
    }
    browser.resize(1440, 1000);

    // Classes as rows: every session of the plan, a gap marked as one.
    browser.script(
        "const s = document.querySelector('select[name=rows]'); s.value = 'classes'; \
         s.dispatchEvent(new Event('change', { bubbles: true }));",
        json!([]),
    );
    browser.find("svg.timeline .item.filled, svg.timeline .item.gap");
    assert_eq!(marks("svg.timeline a[data-session]"), sessions.len() + 1);
    browser.screenshot("workload-classes");

    // A click on a mark opens its session on the board, focused.
    let target = &sessions[0];
    browser.click(&browser.find(&format!("svg.timeline a[data-session=\"{target}\"] rect")));
    browser.find(&format!("tr.current-gap[data-session=\"{target}\"]"));
    let focused = browser.script("return document.activeElement.dataset.session", json!([]));
    assert_eq!(focused, json!(target));

    // The alternates of 疑难信件办理, full: who, their load, the same-time
    // session; what a rule keeps out cannot be sent.
    let hard = &sessions[3];
    let holder = held
        .iter()
        .find(|(_, list)| list.iter().any(|a| a["session"] == same_time.as_str()))
        .map(|(id, _)| id.clone())
        .expect("someone holds 信访法规");
    let taking: Vec<String> = held
        .iter()
        .filter(|(_, list)| list.iter().any(|a| a["session"] == hard.as_str()))
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(taking.len(), 2, "the run fills 疑难信件办理");
    let found = planner
        .get(&format!("/api/v1/sessions/{hard}/recommendations?limit=8"))
        .body;
    let entry = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["instructor"] == holder.as_str())
        .expect("the holder of the same-time session is a candidate")
        .clone();
    assert_eq!(
        entry["conflicts"][0]["session"],
        same_time.as_str(),
        "{entry}"
    );
    assert_eq!(entry["conflicts"][0]["title"], "信访法规");
    assert_eq!(entry["conflicts"][0]["state"], "proposed");
    let k = ids.iter().position(|i| *i == holder).unwrap();
    assert_eq!(
        entry["held_in_year"],
        held[&holder].len() + usize::from(k == 0),
        "{entry}"
    );
    assert_eq!(entry["organisation"], "湖北省信访局");

    browser.click(&browser.find(&format!("tr[data-session=\"{hard}\"] button.alternates")));
    let full = browser.find(".alternates-row .replace .warn");
    assert!(browser.text(&full).contains("本课程已满（需 2 人）"));
    let zhao = browser.find(&format!(
        ".alternates-list tr[data-instructor=\"{}\"]",
        ids[2]
    ));
    let button = browser.find(&format!(
        ".alternates-list tr[data-instructor=\"{}\"] button.assign",
        ids[2]
    ));
    assert_eq!(browser.attribute(&button, "disabled"), "true");
    assert!(browser.attribute(&button, "title").contains("专长不符"));
    assert!(
        browser.text(&zhao).contains("专家"),
        "{}",
        browser.text(&zhao)
    );
    let row = format!(".alternates-list tr[data-instructor=\"{holder}\"]");
    let text = browser.text(&browser.find(&row));
    assert!(
        text.contains("信访法规") && text.contains(&format!("{} / 3", entry["held_in_year"])),
        "{text}"
    );
    browser.script(
        "document.querySelector('.alternates-row').scrollIntoView({ block: 'center' })",
        json!([]),
    );
    browser.screenshot("alternates-conflict");
    let before = planner
        .get(&format!("/api/v1/assignments?session={hard}"))
        .body;
    browser.click(&browser.find(&format!("{row} button.assign")));
    let ask = browser.find(".confirm-assign");
    assert!(
        browser
            .text(&ask)
            .contains(&format!("仍要指派 {} 吗", name_of(&holder))),
        "{}",
        browser.text(&ask)
    );
    assert_eq!(
        planner
            .get(&format!("/api/v1/assignments?session={hard}"))
            .body,
        before,
        "nothing is sent before the planner says so"
    );
    browser.screenshot("alternates-ask");
    browser.click(&browser.find(".confirm-assign .assign-anyway"));
    browser.find(&format!("tr[data-session=\"{hard}\"] .chip.locked"));
    let after = held_by(&planner, &plan);
    assert!(after[&holder]
        .iter()
        .any(|a| a["session"] == hard.as_str() && a["locked"] == true));
    let now_taking = after
        .values()
        .flatten()
        .filter(|a| a["session"] == hard.as_str())
        .count();
    assert_eq!(now_taking, 2, "the new one took a place, not a third");
}

crate::both_backends!(load_time_and_alternates);
