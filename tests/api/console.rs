//! The web console in a real headless Chromium against the real server: a
//! planner builds a plan, staffs it on the board, puts an alternate in by
//! hand and applies a re-run's difference; an instructor blocks time and
//! declines; an office user searches recommendations. Screenshots of each
//! main page go to `target/console-screenshots/` (not committed).

use serde_json::{json, Value};

use crate::staffing::seed_pool;
use crate::support::{create_instructor, Backend, TestApp, PASSWORD};
use crate::webdriver::Browser;

/// Signs out whoever is signed in and signs `username` in on `page`.
pub fn sign_in(browser: &Browser, base: &str, username: &str, page: &str) {
    sign_in_with(browser, base, (username, PASSWORD), page);
}

/// [`sign_in`] with a password of the account's own.
pub fn sign_in_with(browser: &Browser, base: &str, (username, password): (&str, &str), page: &str) {
    browser.goto(&format!("{base}/"));
    browser.script("sessionStorage.clear();", json!([]));
    // A new address loads the page afresh (a new hash alone would not).
    browser.goto(&format!("{base}/?as={username}{page}"));
    browser.submit("#login", &[("username", username), ("password", password)]);
}

/// Chooses topics with levels in the topic picker at `picker`, as a user
/// would: rows added or removed to match, each one's topic and level picked.
pub fn choose_topics(browser: &Browser, picker: &str, topics: &[(&str, u8)]) {
    browser.find(picker);
    browser.script(
        "const [css, topics] = arguments; const p = document.querySelector(css); \
         const rows = () => p.querySelectorAll('.topic-row'); \
         while (rows().length > topics.length) rows()[rows().length - 1].querySelector('.remove-topic').click(); \
         while (rows().length < topics.length) p.querySelector('.add-topic').click(); \
         topics.forEach(([topic, level], k) => { \
           const [s, l] = rows()[k].querySelectorAll('select'); s.value = topic; l.value = String(level); \
           for (const x of [s, l]) x.dispatchEvent(new Event('change', { bubbles: true })); });",
        json!([picker, topics]),
    );
}

/// Starts a re-run from the board, reviews its difference and applies it;
/// returns the difference's lines.
fn rerun(browser: &Browser) -> Vec<String> {
    browser.submit("#run-form", &[("time_limit_s", "5"), ("w_keep", "5")]);
    browser.find("#run-status[data-state=done]");
    browser.wait_for("#run-status", |t| t.contains("已证明最优"));
    browser.click(&browser.find("#review"));
    browser.find("#changes-view");
    let items = browser.strings(
        "return [...document.querySelectorAll('#changes-view li')].map(li => li.textContent)",
        json!([]),
    );
    browser.click(&browser.find("#apply"));
    browser.wait_for("#run-status", |t| t.contains("已采纳"));
    items
}

fn the_console_end_to_end(backend: Backend) {
    let app = TestApp::start(backend);
    let api = app.client("planner", None);
    let pool = seed_pool(&api);
    // A name that would be markup if the console ever built HTML from text.
    let tricky = "<img src=x onerror=alert(1)>王";
    create_instructor(
        &api,
        tricky,
        json!({"expertise": [{"topic": "letter-handling", "level": 3}]}),
    );
    app.add_user("planner1", "planner", None);
    app.add_user("office1", "office", None);
    let base = app.base.clone();
    let browser = Browser::start();

    // The page is served with a strict policy.
    let page = reqwest::blocking::get(format!("{base}/")).unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(page.text().unwrap().contains("lang=\"zh-CN\""));
    let http = reqwest::blocking::Client::new();
    let head = http.head(format!("{base}/")).send().unwrap();
    assert_eq!(head.status(), 200);
    for icon in ["/favicon.ico", "/favicon.svg"] {
        let answer = http.get(format!("{base}{icon}")).send().unwrap();
        assert_eq!(answer.status(), 200, "{icon}");
        assert_eq!(answer.headers()["content-type"], "image/svg+xml");
        assert!(answer.text().unwrap().starts_with("<svg"));
    }

    // Planner: sign in, the pool shows names as text.
    sign_in(&browser, &base, "planner1", "#/pool");
    let row = browser.wait_for("#pool td a", |t| t.contains("onerror"));
    assert_eq!(browser.text(&row), tricky);
    assert!(!browser.exists("#pool img"));
    browser.screenshot("pool");

    // An expired session: the sign-in comes over the page, and the search goes on.
    browser.script(
        "sessionStorage.setItem('token', 'expired.token.value');",
        json!([]),
    );
    browser.submit(".filters", &[("q", "李")]);
    browser.find("#overlay .dialog");
    browser.submit(
        "#overlay #login",
        &[("username", "planner1"), ("password", PASSWORD)],
    );
    browser.wait_for("#pool tbody", |t| t.contains("李明") && !t.contains("王芳"));

    // A plan with a class and three sessions.
    browser.goto(&format!("{base}/#/plans"));
    browser.submit(
        "#plan-form",
        &[
            ("name", "湖北省2027年度轮训计划"),
            ("year", "2027"),
            ("tier", "provincial"),
        ],
    );
    browser.wait_for("h1", |t| t.contains("湖北省2027年度轮训计划"));
    browser.submit(
        ".class-form",
        &[
            ("name", "办信接访专题班"),
            ("kind", "specialised"),
            ("city", "武汉"),
            ("lat", "30.59"),
            ("lon", "114.30"),
            ("start_date", "2027-03-08"),
            ("end_date", "2027-03-10"),
            ("min_cadre_share", "0.5"),
        ],
    );
    let sessions = [
        (
            "办信实务",
            "2027-03-08T09:00",
            "2027-03-08T12:00",
            "letter-handling:3",
            "1",
        ),
        (
            "接访实务",
            "2027-03-08T14:00",
            "2027-03-08T17:00",
            "visitor-reception:3",
            "1",
        ),
        (
            "疑难信件办理",
            "2027-03-09T09:00",
            "2027-03-09T12:00",
            "letter-handling:4",
            "2",
        ),
    ];
    for (k, (title, start, end, topics, needed)) in sessions.iter().enumerate() {
        browser.wait_for("article.class table", |t| t.matches("×").count() == k);
        let (topic, level) = topics.split_once(':').unwrap();
        choose_topics(
            &browser,
            "article.class .session-form [data-picker=topics]",
            &[(topic, level.parse().unwrap())],
        );
        browser.submit(
            "article.class .session-form",
            &[
                ("title", title),
                ("start", start),
                ("end", end),
                ("needed", needed),
            ],
        );
    }
    browser.wait_for("article.class table", |t| t.contains("疑难信件办理"));
    browser.screenshot("plan");

    // The board: a run, watched until done, reviewed and applied.
    browser.click(&browser.find("#open-board"));
    browser.find("#run-form");
    assert!(browser
        .text(&browser.find("#class-limit-help"))
        .contains("每位教师"));
    assert!(browser
        .text(&browser.find("#balance-help"))
        .contains("教师"));
    browser.submit(
        "#run-form",
        &[
            ("time_limit_s", "5"),
            ("max_sessions_per_class", "3"),
            ("w_balance", "0.5"),
        ],
    );
    browser.find("#run-status[data-state=done]");
    browser.click(&browser.find("#review"));
    browser.wait_for("#changes-view", |t| t.contains("新增"));
    browser.screenshot("changes");
    browser.click(&browser.find("#apply"));
    browser.wait_for("#run-status", |t| t.contains("已采纳"));
    assert!(browser.exists(".chip.proposed"));
    browser.screenshot("board");

    // Alternates of 疑难信件办理 (needs two, holds two proposals): one put in
    // by hand takes a proposal's place, locked.
    let plan = api.get("/api/v1/plans").body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let runs = api.get(&format!("/api/v1/plans/{plan}/staffing-runs")).body;
    assert_eq!(
        runs[0]["request"]["options"]["max_sessions_per_class"], 3,
        "the form's class limit reaches the run: {runs}"
    );
    assert_eq!(
        runs[0]["request"]["weights"]["balance"], 0.5,
        "the form's balance weight reaches the run: {runs}"
    );
    let hard = api.get(&format!("/api/v1/plans/{plan}")).body["classes"][0]["sessions"][2]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    browser.click(&browser.find(&format!("tr[data-session=\"{hard}\"] button.alternates")));
    browser.click(&browser.find(".alternates-list button.assign"));
    browser.find(&format!("tr[data-session=\"{hard}\"] .chip.locked"));
    let by_hand: Vec<_> = api
        .get(&format!("/api/v1/assignments?session={hard}"))
        .body
        .as_array()
        .unwrap()
        .clone();
    assert!(
        by_hand
            .iter()
            .any(|a| a["locked"] == true && a["run"].is_null()),
        "{by_hand:?}"
    );
    assert_eq!(by_hand.len(), 2, "{by_hand:?}");

    // The re-run keeps the hand-made pin; whatever else it changes is in
    // that session.
    let items = rerun(&browser);
    assert!(
        items.iter().all(|i| i.contains("疑难信件办理")),
        "{items:?}"
    );
    let after = api.get(&format!("/api/v1/assignments?session={hard}")).body;
    let after = after.as_array().unwrap();
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(after
        .iter()
        .any(|a| a["locked"] == true && a["run"].is_null()));
    browser.screenshot("board-after-rerun");

    // Instructor: the teacher of 办信实务 blocks a day and declines it.
    let first = api.get(&format!("/api/v1/plans/{plan}")).body["classes"][0]["sessions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let slot = api
        .get(&format!("/api/v1/assignments?session={first}"))
        .body[0]
        .clone();
    let teacher = slot["instructor"].as_str().unwrap().to_owned();
    assert!(pool.contains(&teacher));
    app.add_user("teacher1", "instructor", Some(&teacher));
    sign_in(&browser, &base, "teacher1", "#/blocks");
    // The calendar moves month by month, with weekdays and a legend; two
    // clicks on days block the days between them.
    browser.find(".calendar .days .weekday");
    let weekdays = browser.strings(
        "return [...document.querySelector('.calendar .days').querySelectorAll('.weekday')].map(w => w.textContent)",
        json!([]),
    );
    assert_eq!(weekdays, ["一", "二", "三", "四", "五", "六", "日"]);
    assert!(browser
        .text(&browser.find(".calendar .legend"))
        .contains("不可授课"));
    for _ in 0..24 {
        if browser.exists("button.day[data-day=\"2027-07-07\"]") {
            break;
        }
        browser.click(&browser.find("#calendar-next"));
    }
    browser.click(&browser.find("button.day[data-day=\"2027-07-07\"]"));
    browser.click(&browser.find("button.day[data-day=\"2027-07-05\"]"));
    browser.wait_for("#calendar-hint", |t| t.contains("2027-07-05 至 2027-07-07"));
    browser.submit("#block-form", &[("note", "年休假")]);
    browser.wait_for("#my-blocks", |t| t.contains("年休假"));
    let teacher_api = app.login("teacher1", PASSWORD);
    let leave: Vec<Value> = teacher_api
        .get("/api/v1/me/unavailability")
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["note"] == "年休假")
        .cloned()
        .collect();
    assert_eq!(leave.len(), 1, "{leave:?}");
    let at = |text: &str| chrono::DateTime::parse_from_rfc3339(text).unwrap();
    assert_eq!(
        (
            at(leave[0]["start"].as_str().unwrap()),
            at(leave[0]["end"].as_str().unwrap())
        ),
        (
            at("2027-07-05T00:00:00+08:00"),
            at("2027-07-08T00:00:00+08:00")
        ),
        "from the first day's midnight to the last's end, in China Standard Time"
    );
    browser.submit(
        "#block-form",
        &[
            ("start", "2027-05-10T09:00"),
            ("end", "2027-05-10T18:00"),
            ("note", "外出调研"),
        ],
    );
    browser.wait_for("#my-blocks", |t| t.contains("外出调研"));
    browser.screenshot("instructor-blocks");
    browser.goto(&format!("{base}/#/mine"));
    let id = slot["id"].as_str().unwrap();
    browser.click(&browser.find(&format!("tr[data-assignment=\"{id}\"] button.decline")));
    browser.submit("#decline-form", &[("reason", "时间冲突")]);
    browser.wait_for(&format!("tr[data-assignment=\"{id}\"]"), |t| {
        t.contains("已婉拒")
    });
    browser.screenshot("instructor-assignments");

    // Planner: the re-run changes only the declined slot.
    sign_in(
        &browser,
        &base,
        "planner1",
        &format!("#/plans/{plan}/board"),
    );
    let items = rerun(&browser);
    assert!(
        !items.is_empty() && items.iter().all(|i| i.contains("办信实务")),
        "{items:?}"
    );

    // Office: a recommendation search with ranked results.
    sign_in(&browser, &base, "office1", "#/recommend");
    choose_topics(
        &browser,
        "#recommend-form [data-picker=topics]",
        &[("letter-handling", 3)],
    );
    browser.submit(
        "#recommend-form",
        &[("start", "2027-06-01T09:00"), ("end", "2027-06-01T12:00")],
    );
    browser.wait_for("#results", |t| t.contains("李明"));
    browser.screenshot("recommendations");

    // English on request.
    browser.click(&browser.find("#language"));
    browser.wait_for("header", |t| t.contains("Recommendations"));
}

crate::both_backends!(the_console_end_to_end);
