//! The staffing board of a province's plan (1,000 sessions in 50 classes,
//! loaded through the imports and staffed by a run) in headless Chromium:
//! its summary against the API's assignments, classes drawn as one line
//! each until opened, the filters, the way from one gap to the next, the
//! reasons of every gap from the applied run that covered its class, actions
//! that redraw only their rows and keep the focus, the change review
//! grouped by class, and the plan's workload listing its first hundred
//! people until asked for all.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Value};
use solver::synthetic::Shape;

use crate::console::sign_in;
use crate::staffing::{apply, staff};
use crate::support::{Backend, TestApp};
use crate::webdriver::Browser;

/// What the API says of the plan: (needed places, filled places, sessions
/// with a gap in class order, classes short of cadres).
fn expected(plan: &Value, assignments: &Value) -> (u64, u64, Vec<String>, usize) {
    let mut holders: HashMap<&str, Vec<&Value>> = HashMap::new();
    for a in assignments.as_array().unwrap() {
        if a["state"] != "declined" {
            holders
                .entry(a["session"].as_str().unwrap())
                .or_default()
                .push(a);
        }
    }
    let mut classes: Vec<&Value> = plan["classes"].as_array().unwrap().iter().collect();
    classes.sort_by_key(|c| {
        (
            c["start_date"].as_str().unwrap(),
            c["name"].as_str().unwrap(),
        )
    });
    let (mut needed, mut filled, mut gaps, mut short) = (0, 0, Vec::new(), 0);
    for c in classes {
        let mut sessions: Vec<&Value> = c["sessions"].as_array().unwrap().iter().collect();
        sessions.sort_by_key(|x| x["start"].as_str().unwrap());
        let (mut places, mut cadres) = (0, 0);
        for x in sessions {
            let id = x["id"].as_str().unwrap();
            let held = holders.get(id).map_or(&[][..], Vec::as_slice);
            let want = x["needed"].as_u64().unwrap();
            let have = (held.len() as u64).min(want);
            places += want;
            filled += have;
            cadres += held
                .iter()
                .filter(|a| a["instructor_kind"] == "cadre")
                .count();
            if have < want {
                gaps.push(id.to_owned());
            }
        }
        needed += places;
        let required = (c["min_cadre_share"].as_f64().unwrap() * places as f64 - 1e-9).ceil();
        if (cadres as f64) < required {
            short += 1;
        }
    }
    (needed, filled, gaps, short)
}

/// The `data-session` of the rows drawn on the board.
fn rows(browser: &Browser) -> Vec<String> {
    browser.strings(
        "return [...document.querySelectorAll('#classes tr[data-session]')].filter(r => r.offsetParent).map(r => r.dataset.session)",
        json!([]),
    )
}

fn the_board_of_a_province(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let shape = Shape {
        sessions_per_class: 20.0,
        capacity: (1, 3),
        province: Some((30.6, 114.3)),
        ..Shape::new(700, 1000, 11)
    };
    let plan = crate::province::load(&planner, shape);
    let run = staff(&planner, &plan, json!({"options": {"time_limit_s": 10}}));
    apply(&planner, &run);
    let plan_body = planner.get(&format!("/api/v1/plans/{plan}")).body;
    let classes = plan_body["classes"].as_array().unwrap();
    assert!(classes.len() >= 45, "{} classes", classes.len());
    let assignments = planner
        .get(&format!("/api/v1/assignments?plan={plan}"))
        .body;
    let (needed, filled, gaps, short) = expected(&plan_body, &assignments);
    assert!(
        gaps.len() >= 5,
        "the plan leaves gaps to find: {}",
        gaps.len()
    );

    // A second run over one class only, not applied: the latest run, yet
    // every gap keeps the reasons of the applied run that made it.
    let first_class = classes[0]["id"].as_str().unwrap().to_owned();
    staff(
        &planner,
        &plan,
        json!({"classes": [first_class], "options": {"time_limit_s": 5}}),
    );

    app.add_user("board-planner", "planner", None);
    let browser = Browser::start();
    browser.resize(1440, 1000);
    sign_in(
        &browser,
        &app.base,
        "board-planner",
        &format!("#/plans/{plan}/board"),
    );
    let summary = browser.find("#board-summary");
    let data = |key: &str| {
        browser
            .script(
                "return document.getElementById('board-summary').dataset[arguments[0]]",
                json!([key]),
            )
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert_eq!(
        (data("needed"), data("filled"), data("gaps"), data("short")),
        (needed, filled, needed - filled, short as u64)
    );
    let text = browser.text(&summary);
    assert!(
        text.contains(&format!("已安排 {filled} / {needed} 人次")) && text.contains("缺员"),
        "{text}"
    );
    assert!(text.contains("最近一次排课：完成"), "{text}");
    // One line per class, none opened: no session row is drawn yet.
    let sections = browser.script(
        "return document.querySelectorAll('#classes article.class').length",
        json!([]),
    );
    assert_eq!(sections.as_u64().unwrap() as usize, classes.len());
    assert!(rows(&browser).is_empty());
    browser.screenshot("board-1000-1440");

    // Only the gaps: exactly the sessions the API leaves short, each with
    // its reasons in Chinese.
    browser.click(&browser.find("#board-filters input[name=gaps]"));
    browser.wait_for("#filter-count", |t| {
        t.contains(&format!("{} 门课程", gaps.len()))
    });
    let shown: HashSet<String> = rows(&browser).into_iter().collect();
    assert_eq!(shown, gaps.iter().cloned().collect::<HashSet<_>>());
    let without_reasons = browser.strings(
        "return [...document.querySelectorAll('#classes tr.short')].filter(r => !r.querySelector('.why')).map(r => r.dataset.session)",
        json!([]),
    );
    assert!(
        without_reasons.is_empty(),
        "gaps without reasons: {without_reasons:?}"
    );
    let reasons = browser.strings(
        "return [...document.querySelectorAll('#classes .why')].map(w => w.firstChild.textContent)",
        json!([]),
    );
    assert!(
        reasons
            .iter()
            .all(|r| !r.contains("topic") && !r.contains("unavailable")),
        "{reasons:?}"
    );
    browser.screenshot("board-1000-gaps");

    // Next gap walks them in the board's order, focusing each row.
    for (k, id) in gaps.iter().take(3).enumerate() {
        browser.click(&browser.find("#next-gap"));
        browser.wait_for("#gap-status", |t| {
            t.contains(&format!("第 {} / {} 处缺员", k + 1, gaps.len()))
        });
        let focused = browser.script("return document.activeElement.dataset.session", json!([]));
        assert_eq!(focused, json!(id));
    }

    // A class filter with the gap filter off: that class only, opened.
    browser.click(&browser.find("#board-filters input[name=gaps]"));
    let second = classes[1]["id"].as_str().unwrap();
    browser.script(
        "const s = document.querySelector('#board-filters select[name=class]'); s.value = arguments[0]; \
         s.dispatchEvent(new Event('change', { bubbles: true }));",
        json!([second]),
    );
    browser.wait_for("#filter-count", |t| t.contains("显示 1 个班次"));
    let sessions_of = |c: &Value| -> HashSet<String> {
        c["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let class_of = classes.iter().find(|c| c["id"] == second).unwrap();
    assert_eq!(
        rows(&browser).into_iter().collect::<HashSet<_>>(),
        sessions_of(class_of)
    );

    // Locking redraws the row alone and leaves the focus on its chip.
    let proposal = assignments
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["class"] == second && a["state"] == "proposed" && a["locked"] == false)
        .expect("a proposal in the class")
        .clone();
    let id = proposal["id"].as_str().unwrap();
    browser.script(
        "window.boardBefore = document.getElementById('board');",
        json!([]),
    );
    let lock = browser.find(&format!(
        ".chip[data-assignment=\"{id}\"] button[data-action=lock]"
    ));
    browser.click(&lock);
    browser.find(&format!(".chip.locked[data-assignment=\"{id}\"]"));
    let after = browser.script(
        "const a = document.activeElement; \
         return [document.getElementById('board') === window.boardBefore, a.closest('[data-assignment]')?.dataset.assignment, a.dataset.action];",
        json!([]),
    );
    assert_eq!(after, json!([true, id, "unlock"]));
    let locked = planner
        .get(&format!(
            "/api/v1/assignments?session={}",
            proposal["session"].as_str().unwrap()
        ))
        .body;
    assert!(locked
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["id"] == id && a["locked"] == true));

    // Excluding another proposal takes it off its row and lists the
    // exclusion, still without drawing the page again.
    let other = assignments
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["class"] == second && a["state"] == "proposed" && a["id"] != id)
        .expect("another proposal in the class")
        .clone();
    let other_id = other["id"].as_str().unwrap();
    browser.click(&browser.find(&format!(
        ".chip[data-assignment=\"{other_id}\"] button[data-action=exclude]"
    )));
    browser.submit(".exclude-form", &[("reason", "本人申请回避")]);
    browser.wait_for("#exclusions", |t| t.contains("(1)"));
    assert!(!browser.exists(&format!(".chip[data-assignment=\"{other_id}\"]")));
    assert_eq!(
        browser.script(
            "return document.getElementById('board') === window.boardBefore",
            json!([])
        ),
        json!(true)
    );
    let left = planner
        .get(&format!(
            "/api/v1/assignments?session={}",
            other["session"].as_str().unwrap()
        ))
        .body;
    assert!(left.as_array().unwrap().iter().all(|a| a["id"] != other_id));

    // The change review of a new run: grouped by class, each group counted,
    // each change with its session's date and time, applying at both ends.
    staff(
        &planner,
        &plan,
        json!({"weights": {"keep": 0}, "options": {"time_limit_s": 5}}),
    );
    browser.goto(&format!("{}/?review#/plans/{plan}/board", app.base));
    browser.click(&browser.find("#review"));
    browser.find("#changes-view details.change-class");
    let groups = browser.strings(
        "return [...document.querySelectorAll('#changes-view details.change-class')].map(d => d.dataset.class)",
        json!([]),
    );
    let ids: HashSet<&str> = classes.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(
        !groups.is_empty() && groups.iter().all(|g| ids.contains(g.as_str())),
        "{groups:?}"
    );
    assert_eq!(groups.len(), groups.iter().collect::<HashSet<_>>().len());
    let items = browser.strings(
        "return [...document.querySelectorAll('#changes-view li')].map(li => li.textContent)",
        json!([]),
    );
    assert!(
        !items.is_empty() && items.iter().all(|i| i.contains("2027/") && i.contains(':')),
        "{items:?}"
    );
    assert!(browser.exists("#apply") && browser.exists("#apply-bottom"));
    browser.screenshot("board-1000-changes");

    // Applying redraws the board's rows and summary, not the page: the
    // summary then says what the API's assignments say.
    browser.script(
        "window.boardBefore = document.getElementById('board');",
        json!([]),
    );
    browser.click(&browser.find("#apply"));
    browser.wait_for("#run-status", |t| t.contains("已采纳"));
    let plan_body = planner.get(&format!("/api/v1/plans/{plan}")).body;
    let assignments = planner
        .get(&format!("/api/v1/assignments?plan={plan}"))
        .body;
    let (needed, filled, _, short) = expected(&plan_body, &assignments);
    browser.wait_for("#board-summary", |_| {
        data("filled") == filled && data("short") == short as u64
    });
    assert_eq!(data("needed"), needed);
    assert_eq!(
        browser.script(
            "return document.getElementById('board') === window.boardBefore",
            json!([])
        ),
        json!(true)
    );
    for (name, width, height) in [
        ("board-1000-1024", 1024, 900),
        ("board-1000-phone", 390, 844),
    ] {
        browser.resize(width, height);
        browser.screenshot(name);
    }

    // The plan's workload lists its first 100 people, most sessions first,
    // until asked for all of them.
    let load = planner.get(&format!("/api/v1/plans/{plan}/workload")).body;
    let people = load["instructors"].as_array().unwrap().len();
    assert!(people > 100, "{people} people teach in the plan");
    browser.resize(1440, 1000);
    browser.goto(&format!("{}/?workload#/plans/{plan}/workload", app.base));
    let listed = || {
        browser
            .script(
                "return document.querySelectorAll('#workload tr[data-instructor]').length",
                json!([]),
            )
            .as_u64()
            .unwrap() as usize
    };
    let more = browser.find("#show-all-people");
    assert_eq!(listed(), 100);
    assert!(browser.text(&more).contains(&people.to_string()));
    browser.click(&more);
    assert_eq!(listed(), people);
    assert!(!browser.exists("#show-all-people"));
}

crate::both_backends!(the_board_of_a_province);
