//! The console's other pages in headless Chromium: the instructor form with
//! its version conflict and deactivation, deletes from the plan page, lock,
//! unlock and confirm on the board, the admin's accounts, and an
//! instructor's calendar feed, contact details and password.

use serde_json::json;

use crate::console::{choose_topics, sign_in};
use crate::staffing::{apply, seed_plan, seed_pool, staff};
use crate::support::{instructor, Backend, TestApp, PASSWORD};
use crate::webdriver::Browser;

/// Makes the page's `confirm()` say yes and its `prompt()` answer `answer`
/// (until the page next loads).
pub fn answer_dialogs(browser: &Browser, answer: &str) {
    browser.script(
        "const [answer] = arguments; window.confirm = () => true; window.prompt = () => answer;",
        json!([answer]),
    );
}

/// Waits up to 20 s for `done` (a change the page sends without showing it).
pub fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "not so: {what}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

fn the_consoles_other_pages(backend: Backend) {
    let app = TestApp::start(backend);
    let api = app.client("planner", None);
    let (plan, _, sessions) = seed_plan(&api);
    let pool = seed_pool(&api);
    let run = staff(&api, &plan, json!({}));
    apply(&api, &run);
    app.add_user("planner2", "planner", None);
    app.add_user("admin2", "admin", None);
    let base = app.base.clone();
    let browser = Browser::start();

    // A new instructor through the form; the page draws a year of ratings.
    sign_in(&browser, &base, "planner2", "#/instructors/new");
    // Expertise and methods are chosen by their Chinese names, not typed.
    browser.click(&browser.find("#instructor-form [data-picker=expertise] .add-topic"));
    choose_topics(
        &browser,
        "#instructor-form [data-picker=expertise]",
        &[("letter-handling", 4), ("visitor-reception", 3)],
    );
    let shown = browser.strings(
        "return [...document.querySelectorAll('#instructor-form .topic-row select')].map(s => s.selectedOptions[0].textContent)",
        json!([]),
    );
    let topics = api.get("/api/v1/topics").body;
    let name = |code: &str| {
        topics
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["code"] == code)
            .unwrap()["name"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        shown,
        [
            name("letter-handling"),
            "4 级".into(),
            name("visitor-reception"),
            "3 级".into()
        ]
    );
    for method in ["lecture", "case"] {
        browser.click(&browser.find(&format!(
            "#instructor-form [data-picker=methods] input[value={method}]"
        )));
    }
    browser.submit("#instructor-form", &[("name", "孙丽"), ("city", "武汉")]);
    browser.wait_for("h1", |t| t.contains("孙丽"));
    let found = api.get("/api/v1/instructors?q=孙丽").body["items"][0].clone();
    let id = found["id"].as_str().unwrap().to_owned();
    let expertise: Vec<_> = found["expertise"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["topic"].as_str().unwrap(), e["level"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        expertise,
        [("letter-handling", 4), ("visitor-reception", 3)]
    );
    let points = browser.script(
        "return document.querySelectorAll('svg.spark circle').length",
        json!([]),
    );
    assert_eq!(points, 12);
    browser.screenshot("instructor");

    // Edit, then a conflict: someone else saves while the form is open.
    browser.goto(&format!("{base}/#/instructors/{id}/edit"));
    browser.submit("#instructor-form", &[("organisation", "湖北省信访局")]);
    browser.wait_for("h1 small", |t| t.contains("湖北省信访局"));
    browser.goto(&format!("{base}/#/instructors/{id}/edit"));
    browser.find("#instructor-form [name=title]");
    let path = format!("/api/v1/instructors/{id}");
    let etag = api.get(&path).header("etag").unwrap().to_owned();
    let theirs = api.put(
        &path,
        &instructor("孙丽", json!({"title": "处长"})),
        Some(&etag),
    );
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    browser.submit("#instructor-form", &[("title", "副处长")]);
    browser.wait_for("#instructor-form .problem", |t| {
        t.contains("别人已修改了此记录")
    });
    assert_eq!(api.get(&path).body["title"], "处长");

    // Deactivated from its page.
    browser.goto(&format!("{base}/#/instructors/{id}"));
    browser.find("#deactivate");
    answer_dialogs(&browser, "");
    browser.click(&browser.find("#deactivate"));
    browser.wait_for(".tag", |t| t.contains("已停用"));
    assert_eq!(api.get(&path).body["active"], false);

    // The board: lock, unlock and confirm the first session's proposal.
    let slot = api
        .get(&format!("/api/v1/assignments?session={}", sessions[0]))
        .body[0]
        .clone();
    let a = slot["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (&slot["state"], &slot["locked"]),
        (&json!("proposed"), &json!(false))
    );
    let assignment = |state: &str, locked: bool| {
        let all = api
            .get(&format!("/api/v1/assignments?session={}", sessions[0]))
            .body;
        let mine = all
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == a.as_str())
            .unwrap()
            .clone();
        assert_eq!(
            (
                mine["state"].as_str().unwrap(),
                mine["locked"].as_bool().unwrap()
            ),
            (state, locked)
        );
    };
    let chip = format!(".chip[data-assignment=\"{a}\"]");
    browser.goto(&format!("{base}/#/plans/{plan}/board"));
    // Shown in China Standard Time, whatever the browser's zone (UTC here).
    let when =
        browser.text(&browser.find(&format!("tr[data-session=\"{}\"] td.when", sessions[0])));
    assert!(when.ends_with("09:00"), "{when}");
    browser.click(&browser.find(&format!("{chip} button[data-action=lock]")));
    browser.find(&format!("{chip}.locked"));
    assignment("proposed", true);
    browser.click(&browser.find(&format!("{chip} button[data-action=unlock]")));
    browser.find(&format!("{chip}:not(.locked) button[data-action=lock]"));
    assignment("proposed", false);
    browser.click(&browser.find(&format!("{chip} button[data-action=confirm]")));
    browser.find(&format!("{chip}.confirmed"));
    assignment("confirmed", false);
    browser.screenshot("board-confirmed");

    // The plan page: a session with a confirmed assignment is not deleted,
    // one without is; an empty plan goes.
    browser.goto(&format!("{base}/#/plans/{plan}"));
    browser.find(&format!("tr[data-session=\"{}\"]", sessions[1]));
    answer_dialogs(&browser, "");
    browser.click(&browser.find(&format!(
        "tr[data-session=\"{}\"] .remove-session",
        sessions[0]
    )));
    // Said in Chinese in the session's row, the API's words in the tooltip.
    let refusal = browser.wait_for(
        &format!("tr[data-session=\"{}\"] .problem [role=alert]", sessions[0]),
        |t| t.contains("有已确认或已锁定的安排"),
    );
    let tooltip = browser.attribute(&refusal, "title");
    assert!(tooltip.contains("confirmed or locked"), "{tooltip}");
    assert_eq!(
        api.get(&format!("/api/v1/plans/{plan}")).body["classes"][0]["sessions"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    browser.click(&browser.find(&format!(
        "tr[data-session=\"{}\"] .remove-session",
        sessions[1]
    )));
    browser.wait_for("article.class", |t| !t.contains("金融领域信访"));
    let left: Vec<_> = api.get(&format!("/api/v1/plans/{plan}")).body["classes"][0]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!left.contains(&sessions[1]) && left.len() == 3, "{left:?}");
    let empty = api.post(
        "/api/v1/plans",
        &json!({"name": "待删除计划", "year": 2027, "tier": "provincial"}),
    );
    let empty = empty.body["id"].as_str().unwrap().to_owned();
    browser.goto(&format!("{base}/#/plans/{empty}"));
    browser.find("#remove-plan");
    answer_dialogs(&browser, "");
    browser.click(&browser.find("#remove-plan"));
    browser.find("#plans");
    assert_eq!(api.get(&format!("/api/v1/plans/{empty}")).status, 404);

    // Admin: an account made, disabled (its token stops), enabled, reset.
    sign_in(&browser, &base, "admin2", "#/accounts");
    browser.submit(
        "#account-form",
        &[
            ("username", "office9"),
            ("password", "office kettle orbit 9"),
            ("role", "office"),
        ],
    );
    let row = "tr[data-user=office9]";
    browser.wait_for(row, |t| t.contains("在库"));
    let office = app.login("office9", "office kettle orbit 9");
    assert_eq!(office.get("/api/v1/me").status, 200);
    browser.click(&browser.find(&format!("{row} .toggle")));
    browser.wait_for(row, |t| t.contains("已停用"));
    assert_eq!(office.get("/api/v1/me").status, 401);
    browser.click(&browser.find(&format!("{row} .toggle")));
    browser.wait_for(row, |t| t.contains("在库"));
    // The password is typed masked in a form under the row, not a prompt.
    browser.click(&browser.find(&format!("{row} .reset")));
    let masked = browser.find(".reset-form input[name=new_password]");
    assert_eq!(browser.attribute(&masked, "type"), "password");
    browser.submit(
        ".reset-form",
        &[("new_password", "fresh office kettle orbit")],
    );
    browser.wait_for(".reset-form", |t| t.contains("已保存"));
    browser.screenshot("accounts");
    eventually("the reset password signs in", || {
        app.anonymous()
            .post(
                "/api/v1/auth/token",
                &json!({"username": "office9", "password": "fresh office kettle orbit"}),
            )
            .status
            == 200
    });

    // The admin cannot disable their own account from the page.
    let own = browser.find("tr[data-user=admin2]");
    assert!(browser.text(&own).contains("本人"));
    assert!(!browser.exists("tr[data-user=admin2] .toggle"));
    // An instructor's account linked by finding the instructor's name.
    browser.fill(
        &browser.find("#account-form input[name=instructor_search]"),
        "李明",
    );
    browser.wait_for(
        "#account-form select[name=instructor] option:checked",
        |t| t.contains("李明"),
    );
    browser.submit(
        "#account-form",
        &[
            ("username", "teacher9"),
            ("password", "teacher kettle orbit 9"),
            ("role", "instructor"),
        ],
    );
    browser.find("tr[data-user=teacher9]");
    let teacher9 = app.login("teacher9", "teacher kettle orbit 9");
    assert_eq!(
        teacher9.get("/api/v1/me").body["instructor"]["id"],
        json!(pool[0])
    );

    // Instructor: a calendar feed made and revoked, contact and password.
    let teacher = slot["instructor"].as_str().unwrap().to_owned();
    assert!(pool.contains(&teacher));
    app.add_user("teacher2", "instructor", Some(&teacher));
    sign_in(&browser, &base, "teacher2", "#/mine");
    browser.click(&browser.find("#feed-make"));
    browser.find("#feed-url input.copy-text");
    let url = browser.script(
        "return document.querySelector('#feed-url input.copy-text').value",
        json!([]),
    );
    let url = url.as_str().unwrap().to_owned();
    assert!(url.contains("/calendar-feeds/"), "{url}");
    // Copying says it did, or selects the address to copy by hand.
    browser.click(&browser.find("#feed-copy"));
    browser.wait_for("#feed-url .copy-status", |t| !t.is_empty());
    let feed = reqwest::blocking::get(&url).unwrap();
    assert_eq!(feed.status(), 200);
    let ics = feed.text().unwrap();
    assert!(
        ics.starts_with("BEGIN:VCALENDAR") && ics.contains(&format!("{a}@faculty-pool")),
        "{ics}"
    );
    browser.click(&browser.find("#feed-revoke"));
    browser.wait_for("#feed-url", |t| t.contains("已保存"));
    assert_eq!(reqwest::blocking::get(&url).unwrap().status(), 404);
    browser.goto(&format!("{base}/#/profile"));
    browser.submit(
        "#contact-form",
        &[("phone", "027-5555 1234"), ("email", "teacher@example.cn")],
    );
    browser.wait_for("#contact-form", |t| t.contains("已保存"));
    eventually("the contact is saved", || {
        api.get(&format!("/api/v1/instructors/{teacher}")).body["phone"] == "027-5555 1234"
    });
    assert_eq!(
        api.get(&format!("/api/v1/instructors/{teacher}")).body["email"],
        "teacher@example.cn"
    );
    browser.submit(
        "#password-form",
        &[("current", PASSWORD), ("new", "a new teacher kettle orbit")],
    );
    browser.wait_for("#password-form", |t| t.contains("已保存"));
    browser.screenshot("profile");
    app.login("teacher2", "a new teacher kettle orbit");
    assert_eq!(
        app.anonymous()
            .post(
                "/api/v1/auth/token",
                &json!({"username": "teacher2", "password": PASSWORD})
            )
            .status,
        401
    );
}

crate::both_backends!(the_consoles_other_pages);
