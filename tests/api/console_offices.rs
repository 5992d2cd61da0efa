//! The console's offices (SPEC 10) in headless Chromium, on the demo's
//! province: the header names the office; the admin's tree page creates,
//! imports and deactivates offices; pool pages show each instructor's
//! keeper and visibility and let the keeper change them; the board marks
//! instructors borrowed from another office's pool; the plans list chooses
//! an office; accounts are made in an office of the subtree.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::console::sign_in_with;
use crate::console_pages::answer_dialogs;
use crate::demo::Demo;
use crate::support::{Backend, Client};
use crate::webdriver::Browser;

/// The texts of the elements `css` matches, in page order.
fn texts(browser: &Browser, css: &str) -> Vec<String> {
    browser.strings(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent.trim())",
        json!([css]),
    )
}

/// (name, active) of each office `client` lists, depth first.
fn offices(client: &Client) -> Vec<(String, bool)> {
    client
        .get("/api/v1/offices")
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap().to_owned(),
                o["active"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn offices_in_the_console(backend: Backend) {
    let demo = Demo::start(backend);
    let base = demo.app.base.clone();
    let admin = demo.client("demo-admin");
    let planner = demo.client("demo-planner");
    let browser = Browser::start();
    let as_user = |username: &str, page: &str| {
        sign_in_with(&browser, &base, (username, &demo.sign_ins[username]), page);
    };

    // The tree page: the province and everything below it, as the API lists it.
    as_user("demo-admin", "#/offices");
    browser.wait_for("#office-name", |t| t == "湖北省信访局");
    browser.wait_for("#offices", |t| t.contains("江夏区信访局"));
    let names = |browser: &Browser| -> Vec<String> {
        texts(browser, "#offices tr[data-office] td:first-child")
            .into_iter()
            .map(|t| t.trim_start_matches("└ ").to_owned())
            .collect()
    };
    let listed: Vec<String> = offices(&admin).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names(&browser), listed);

    // A city by the form, two counties under it from a sheet: checked first, then loaded.
    browser.submit(
        "#office-form",
        &[("name", "黄石市信访局"), ("region", "湖北省")],
    );
    browser.wait_for("#offices", |t| t.contains("黄石市信访局"));
    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("下级机构.csv");
    std::fs::write(
        &sheet,
        "机构名称,层级,上级机构,地区\n阳新县信访局,县级,黄石市信访局,湖北省\n大冶市信访局,县级,黄石市信访局,湖北省\n",
    )
    .unwrap();
    let file = browser.find("#offices-import-form input[name=sheet]");
    browser.choose_file(&file, &sheet);
    browser.click(&browser.find("#offices-import-form button[type=submit]"));
    browser.wait_for("#offices-import-report", |t| {
        t.contains("仅检查") && t.contains("机构 2 个")
    });
    assert!(!offices(&admin).iter().any(|(n, _)| n == "阳新县信访局"));
    browser.click(&browser.find("#offices-import-form input[name=dry_run]"));
    browser.click(&browser.find("#offices-import-form button[type=submit]"));
    browser.wait_for("#offices", |t| t.contains("阳新县信访局"));
    assert_eq!(
        names(&browser),
        offices(&admin)
            .into_iter()
            .map(|(n, _)| n)
            .collect::<Vec<_>>()
    );
    assert!(offices(&admin).iter().any(|(n, _)| n == "大冶市信访局"));

    // Deactivating 黄石 with active counties below is refused and said so;
    // a county is deactivated.
    answer_dialogs(&browser, "");
    let row = |name: &str| {
        let id = admin
            .get("/api/v1/offices")
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        format!("#offices tr[data-office=\"{id}\"]")
    };
    browser.click(&browser.find(&format!("{} button.toggle", row("黄石市信访局"))));
    browser.wait_for("#offices .problem [role=alert]", |t| !t.is_empty());
    assert!(offices(&admin).contains(&("黄石市信访局".to_owned(), true)));
    browser.click(&browser.find(&format!("{} button.toggle", row("阳新县信访局"))));
    browser.wait_for(
        &format!("{} td:nth-child(4)", row("阳新县信访局")),
        |t| t == "已停用",
    );
    assert!(offices(&admin).contains(&("阳新县信访局".to_owned(), false)));
    browser.screenshot("offices");

    // An account for 武汉's planner, made in 武汉.
    browser.goto(&format!("{base}/#/accounts"));
    let wuhan = admin
        .get("/api/v1/offices")
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "武汉市信访局")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    browser.wait_for("#accounts", |t| t.contains("demo-planner"));
    browser.submit(
        "#account-form",
        &[
            ("username", "wuhan-planner"),
            ("password", "晴川阁 黄鹤楼 长江大桥 东湖 2027"),
            ("office", &wuhan),
        ],
    );
    browser.wait_for("#accounts", |t| t.contains("wuhan-planner"));
    let made = admin.get("/api/v1/users").body;
    let user = made
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "wuhan-planner")
        .unwrap();
    assert_eq!(user["office"], json!(wuhan));

    // The plans list: the province chooses 武汉's plans.
    as_user("demo-planner", "#/plans");
    browser.wait_for("#plans", |t| t.contains("武汉市信访局2027年度教育培训计划"));
    assert_eq!(texts(&browser, "#plans tr[data-plan]").len(), 2);
    browser.script(
        "const s = document.querySelector('#plan-office'); s.value = arguments[0]; s.dispatchEvent(new Event('change'));",
        json!([wuhan]),
    );
    browser.wait_for("#plans", |t| !t.contains("湖北省信访系统"));
    let shown = texts(&browser, "#plans tr[data-plan] td:first-child");
    assert_eq!(shown, ["武汉市信访局2027年度教育培训计划"]);
    browser.screenshot("plans-by-office");

    // The board marks every place taught by another office's instructor.
    let plans = planner.get("/api/v1/plans").body;
    let plan = plans
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "湖北省信访系统2027年度教育培训计划")
        .unwrap()
        .clone();
    let id = plan["id"].as_str().unwrap();
    let assignments = planner.get(&format!("/api/v1/assignments?plan={id}")).body;
    let foreign: Vec<&Value> = assignments
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["state"] != "declined" && a["instructor_office"] != plan["office"])
        .collect();
    assert!(!foreign.is_empty(), "the demo borrows from other pools");
    browser.goto(&format!("{base}/#/plans/{id}/board"));
    browser.wait_for("#borrowed-count", |t| {
        t.contains(&foreign.len().to_string())
    });
    // The demo's plan is long enough that its classes are drawn closed.
    browser.click(&browser.find("#open-all"));
    let marked: BTreeSet<String> = browser
        .strings(
            "return [...document.querySelectorAll('.chip.borrowed')].map(c => c.dataset.assignment)",
            json!([]),
        )
        .into_iter()
        .collect();
    let expected: BTreeSet<String> = foreign
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(marked, expected);
    let first = &foreign[0];
    let chip = browser.find(&format!(
        ".chip[data-assignment=\"{}\"]",
        first["id"].as_str().unwrap()
    ));
    let label = browser.text(&chip);
    assert!(
        label.contains(&format!(
            "借用·{}",
            first["instructor_office_name"].as_str().unwrap()
        )),
        "{label}"
    );
    browser.script(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'center'})",
        json!([format!(
            ".chip[data-assignment=\"{}\"]",
            first["id"].as_str().unwrap()
        )]),
    );
    browser.screenshot("board-borrowed");

    // The pool: a national expert is shown with the bureau and 全系统, and
    // cannot be edited here; the province's own cadre can, and is made 仅本级.
    let pool = planner.get("/api/v1/instructors?per_page=100").body;
    let items = pool["items"].as_array().unwrap();
    let national = items
        .iter()
        .find(|i| i["visibility"] == "everyone")
        .expect("a national expert in the province's pool");
    let own = items
        .iter()
        .find(|i| i["owner_office"] == plan["office"])
        .expect("a province's own instructor");
    browser.goto(&format!("{base}/#/pool"));
    browser.wait_for("#pool", |t| {
        t.contains("全系统") && t.contains("国家信访局")
    });
    browser.screenshot("pool-offices");
    browser.goto(&format!(
        "{base}/#/instructors/{}",
        national["id"].as_str().unwrap()
    ));
    browser.wait_for("dl.facts", |t| {
        t.contains("国家信访局") && t.contains("全系统")
    });
    assert!(
        !browser.exists("a.button[href$=\"/edit\"]"),
        "another office's record has no edit button"
    );
    let own_id = own["id"].as_str().unwrap();
    browser.goto(&format!("{base}/#/instructors/{own_id}/edit"));
    browser.find("#instructor-form select[name=visibility]");
    browser.script(
        "const s = document.querySelector('#instructor-form select[name=visibility]'); s.value = 'own';",
        json!([]),
    );
    browser.click(&browser.find("#instructor-form button[type=submit]"));
    browser.wait_for("dl.facts", |t| t.contains("仅本级"));
    let changed = planner.get(&format!("/api/v1/instructors/{own_id}")).body;
    assert_eq!(changed["visibility"], "own");
    assert_eq!(changed["owner_office"], plan["office"]);
    browser.screenshot("instructor-office");
}

crate::both_backends!(offices_in_the_console);
