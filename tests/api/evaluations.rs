//! Trainees' evaluations on the spot (现场测评) and quality tracking: forms
//! opened by planners, single-use codes on QR cards, the public form, the
//! scores becoming ratings, and the quality reports and exports.

use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde_json::{json, Value};

use crate::ratings::spec_rating;
use crate::support::{create_instructor, Backend, Client, TestApp};

/// China Standard Time, in which the test writes its sessions.
fn china(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
}

/// A plan with one class around `start`..`end` and a session then, taught
/// by `instructors` (assigned by hand and confirmed): (plan, class, session).
pub fn taught_session(
    planner: &Client,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    instructors: &[&str],
) -> (String, String, String) {
    let plan = planner.post(
        "/api/v1/plans",
        &json!({"name": "年度轮训计划", "year": 2026, "tier": "provincial"}),
    );
    assert_eq!(plan.status, 201, "{}", plan.body);
    let plan = plan.body["id"].as_str().unwrap().to_owned();
    let class = planner.post(
        &format!("/api/v1/plans/{plan}/classes"),
        &json!({"name": "办信接访专题班", "kind": "specialised", "city": "武汉", "lat": 30.59,
                "lon": 114.30, "start_date": china(start).date_naive(),
                "end_date": china(end + Duration::days(3)).date_naive()}),
    );
    assert_eq!(class.status, 201, "{}", class.body);
    let class = class.body["id"].as_str().unwrap().to_owned();
    let session = add_session(planner, &class, "办信实务", start, end, instructors);
    (plan, class, session)
}

/// A session of `class` taught by `instructors` (confirmed).
pub fn add_session(
    planner: &Client,
    class: &str,
    title: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    instructors: &[&str],
) -> String {
    let session = planner.post(
        &format!("/api/v1/classes/{class}/sessions"),
        &json!({"title": title, "start": china(start).to_rfc3339(), "end": china(end).to_rfc3339(),
                "needed": instructors.len().max(1),
                "topics": [{"topic": "letter-handling", "min_level": 3}]}),
    );
    assert_eq!(session.status, 201, "{}", session.body);
    let session = session.body["id"].as_str().unwrap().to_owned();
    for instructor in instructors {
        let a = planner.post(
            "/api/v1/assignments",
            &json!({"session": session, "instructor": instructor}),
        );
        assert_eq!(a.status, 201, "{}", a.body);
        let confirmed = planner.post(
            &format!(
                "/api/v1/assignments/{}/confirm",
                a.body["id"].as_str().unwrap()
            ),
            &json!(null),
        );
        assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    }
    session
}

/// A response of the public form: status and page text.
pub struct Page {
    pub status: u16,
    pub text: String,
    pub headers: reqwest::header::HeaderMap,
}

/// The public form of `code`, as a trainee's phone asks for it.
pub fn form_page(app: &TestApp, code: &str) -> Page {
    let r = reqwest::blocking::get(format!("{}/e/{code}", app.base)).unwrap();
    page(r)
}

/// Posts the form of `code` with `fields`, as the page does.
pub fn post_form(base: &str, code: &str, fields: &[(String, String)]) -> Page {
    let r = reqwest::blocking::Client::new()
        .post(format!("{base}/e/{code}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(fields).unwrap())
        .send()
        .unwrap();
    page(r)
}

fn page(r: reqwest::blocking::Response) -> Page {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    Page {
        status,
        headers,
        text: r.text().unwrap(),
    }
}

fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The codes of a session's form.
pub fn codes(planner: &Client, session: &str) -> Vec<Value> {
    let r = planner.get(&format!("/api/v1/sessions/{session}/evaluation/codes"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["codes"].as_array().unwrap().clone()
}

/// Reads a QR symbol back from its SVG path (`M x y h1v1h-1z` per dark
/// module) with an independent decoder.
fn decode_qr(qr: &Value) -> String {
    let size = qr["size"].as_u64().unwrap() as usize;
    let mut dark = vec![false; size * size];
    for module in qr["path"]
        .as_str()
        .unwrap()
        .split('M')
        .filter(|m| !m.is_empty())
    {
        let xy = module.trim_end_matches("h1v1h-1z");
        let (x, y) = xy.split_once(' ').unwrap();
        let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
        dark[y * size + x] = true;
    }
    let grid = rqrr::SimpleGrid::from_func(size, |x, y| dark[y * size + x]);
    rqrr::Grid::new(grid).decode().unwrap().1
}

fn the_evaluation_loop(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let office = app.client("office", None);
    let li = create_instructor(&planner, "李明", json!({}));
    let wang = create_instructor(&planner, "王芳", json!({"kind": "expert"}));
    let li_account = app.client("instructor", Some(&li));
    let wang_account = app.client("instructor", Some(&wang));
    let now = Utc::now();
    let (start, end) = (now - Duration::hours(2), now - Duration::minutes(10));
    let (plan, class, session) = taught_session(&planner, start, end, &[]);
    let evaluation = format!("/api/v1/sessions/{session}/evaluation");

    // No confirmed instructor yet: nothing to evaluate.
    let r = planner.post(&evaluation, &json!({"trainees": 20}));
    assert_eq!(r.problem(409)["type"], "/problems/no-confirmed-instructor");
    let session = add_session(&planner, &class, "接访实务", start, end, &[&li, &wang]);
    let evaluation = format!("/api/v1/sessions/{session}/evaluation");

    // Bad input changes nothing.
    let r = planner.post(&evaluation, &json!({"trainees": 0}));
    assert_eq!(r.field_errors(), [("trainees".into(), "range".into())]);
    let r = planner.post(
        &evaluation,
        &json!({"trainees": 5, "opens_at": china(start - Duration::minutes(1)).to_rfc3339(),
                "closes_at": china(start - Duration::minutes(2)).to_rfc3339()}),
    );
    assert_eq!(
        r.field_errors(),
        [
            ("opens_at".into(), "after_start".into()),
            ("closes_at".into(), "after_opens".into())
        ]
    );
    assert_eq!(planner.post(&evaluation, &json!([])).status, 422);
    office
        .post(&evaluation, &json!({"trainees": 20}))
        .problem(403);
    planner
        .post("/api/v1/sessions/nope/evaluation", &json!({"trainees": 20}))
        .problem(404);
    planner.get(&evaluation).problem(404);
    assert_eq!(
        app.db()
            .count("SELECT count(*) AS count FROM evaluation_codes"),
        0
    );

    // Opened with the default window: from 15 minutes before the end.
    let r = planner.post(&evaluation, &json!({"trainees": 20}));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["state"], "open");
    assert_eq!(
        (&r.body["trainees"], &r.body["responses"]),
        (&json!(20), &json!(0))
    );
    let opens: DateTime<Utc> = r.body["opens_at"].as_str().unwrap().parse().unwrap();
    let closes: DateTime<Utc> = r.body["closes_at"].as_str().unwrap().parse().unwrap();
    let end_s = end.timestamp();
    assert_eq!(opens.timestamp(), end_s - 15 * 60);
    assert_eq!(closes.timestamp(), end_s + 7 * 86_400);
    assert_eq!(
        planner
            .post(&evaluation, &json!({"trainees": 20}))
            .problem(409)["type"],
        "/problems/duplicate"
    );
    assert_eq!(office.get(&evaluation).body["responses"], 0);

    // Twenty distinct codes, each in a QR symbol that reads back as its form.
    let issued = codes(&planner, &session);
    assert_eq!(issued.len(), 20);
    let mut distinct: Vec<&str> = issued.iter().map(|c| c["code"].as_str().unwrap()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 20);
    for (k, c) in issued.iter().enumerate() {
        let code = c["code"].as_str().unwrap();
        assert_eq!(c["number"], k + 1);
        assert_eq!(c["url"], format!("{}/e/{code}", app.base));
        assert_eq!(decode_qr(&c["qr"]), c["url"].as_str().unwrap());
        assert!(c.get("spent").is_none(), "spent codes are not given out");
    }
    office.get(&format!("{evaluation}/codes")).problem(403);
    let sheet = planner.get(&format!("{evaluation}/sheet"));
    assert_eq!(sheet.status, 200);
    assert!(sheet
        .header("content-type")
        .unwrap()
        .starts_with("image/svg+xml"));
    let svg = sheet.body.as_str().unwrap();
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/console-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    std::fs::write(shots.join("evaluation-sheet.svg"), svg).unwrap();
    // Two A4 pages of twelve cards, each code printed in two groups of five.
    assert!(svg.contains("height=\"594mm\""), "{}", &svg[..300]);
    let first = issued[0]["code"].as_str().unwrap();
    assert!(svg.contains(&format!("{} {}", &first[..5], &first[5..])));
    assert_eq!(svg.matches("<path ").count(), 20);

    // The trainee's form names the session and both instructors.
    let rating_before =
        |id: &str| planner.get(&format!("/api/v1/instructors/{id}")).body["rating"].clone();
    assert_eq!(rating_before(&li)["evaluation_count"], 0);
    assert_eq!(
        rating_before(&li)["rating"],
        spec_rating(&[]),
        "the prior alone"
    );
    let form = form_page(&app, first);
    assert_eq!(form.status, 200, "{}", form.text);
    assert!(form.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    for text in [
        "接访实务",
        "李明",
        "王芳",
        &format!("score.{li}"),
        &format!("score.{wang}"),
    ] {
        assert!(form.text.contains(text), "{text} in {}", form.text);
    }
    // Leaving one instructor unscored shows the form again; the code stays unspent.
    let partial = post_form(&app.base, first, &fields(&[(&format!("score.{li}"), "5")]));
    assert_eq!(partial.status, 422, "{}", partial.text);
    assert!(partial.text.contains("请为王芳打分"), "{}", partial.text);
    assert!(partial.text.contains("checked"), "the given score is kept");
    assert_eq!(form_page(&app, first).status, 200);

    // Twenty submissions of one code at once: exactly one counts.
    let comment = "案例很贴近实际，希望多讲<b>接访</b>技巧";
    let answers = fields(&[
        (&format!("score.{li}"), "5"),
        (&format!("score.{wang}"), "2"),
        ("content", "4"),
        ("method", ""),
        ("usefulness", "5"),
        ("comment", comment),
    ]);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let posts: Vec<_> = (0..20)
            .map(|_| s.spawn(|| post_form(&app.base, first, &answers).status))
            .collect();
        posts.into_iter().map(|p| p.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 410).count(),
        19,
        "{statuses:?}"
    );
    let count = |sql: &str| app.db().count(sql);
    assert_eq!(
        count("SELECT count(*) AS count FROM evaluation_responses"),
        1
    );
    assert_eq!(count("SELECT count(*) AS count FROM evaluations"), 2);
    let used = form_page(&app, first);
    assert_eq!(used.status, 410);
    assert!(used.text.contains("此测评码已使用"), "{}", used.text);
    let unknown = form_page(&app, "ABCDEFGHJK");
    assert_eq!(unknown.status, 404);
    assert!(unknown.text.contains("测评码无效"));

    // Anonymity: no stored row names the code or the trainee's address; a
    // code row has no time to match a response by.
    let columns = |table: &str| {
        if app.db().is_postgres() {
            count(&format!(
                "SELECT count(*) AS count FROM information_schema.columns WHERE table_name = '{table}'"
            ))
        } else {
            count(&format!(
                "SELECT count(*) AS count FROM pragma_table_info('{table}')"
            ))
        }
    };
    assert_eq!(
        columns("evaluation_codes"),
        4,
        "code, session, number, spent"
    );
    assert_eq!(columns("evaluation_responses"), 7);
    assert_eq!(columns("evaluations"), 4);
    for sql in [
        format!("SELECT count(*) AS count FROM evaluation_responses WHERE id = '{first}' OR comment LIKE '%{first}%' OR comment LIKE '%127.0.0.1%'"),
        format!("SELECT count(*) AS count FROM evaluations WHERE id = '{first}' OR record_id = '{first}'"),
        format!("SELECT count(*) AS count FROM teaching_records WHERE id = '{first}' OR title LIKE '%{first}%'"),
    ] {
        assert_eq!(count(&sql), 0, "{sql}");
    }

    // The scores are ratings at once, by the formula of SPEC 4. A trainee's
    // scores are dated to the day (00:00 in China), so their age is the
    // hours since then.
    let china_midnight = {
        let china = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        let today = Utc::now().with_timezone(&china).date_naive();
        today.and_hms_opt(0, 0, 0).unwrap() - chrono::Duration::hours(8)
    };
    let age_days =
        (Utc::now().naive_utc() - china_midnight).num_milliseconds() as f64 / 86_400_000.0;
    let li_rating = planner.get(&format!("/api/v1/instructors/{li}")).body["rating"].clone();
    assert_eq!(li_rating["evaluation_count"], 1);
    assert!((li_rating["rating"].as_f64().unwrap() - spec_rating(&[(5.0, age_days)])).abs() < 1e-6);
    let wang_rating = planner.get(&format!("/api/v1/instructors/{wang}")).body["rating"].clone();
    assert!(
        (wang_rating["rating"].as_f64().unwrap() - spec_rating(&[(2.0, age_days)])).abs() < 1e-6
    );
    // …and recommendations rank with them.
    let later = add_session(
        &planner,
        &class,
        "信访法治",
        now + Duration::hours(30),
        now + Duration::hours(32),
        &[],
    );
    let ranked = planner.get(&format!(
        "/api/v1/sessions/{later}/recommendations?include_unavailable=true"
    ));
    assert_eq!(ranked.status, 200, "{}", ranked.body);
    let entry = ranked.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["instructor"] == li.as_str())
        .unwrap_or_else(|| panic!("{}", ranked.body));
    assert!(
        (entry["rating"].as_f64().unwrap() - li_rating["rating"].as_f64().unwrap()).abs() < 1e-6
    );

    // One response of twenty: the counts show, the results wait (SPEC 11).
    let quality = office.get(&format!("/api/v1/plans/{plan}/quality"));
    assert_eq!(quality.status, 200, "{}", quality.body);
    let q = &quality.body;
    assert_eq!(q["sessions"].as_array().unwrap().len(), 1, "{q}");
    let s = &q["sessions"][0];
    assert_eq!((&s["trainees"], &s["responses"]), (&json!(20), &json!(1)));
    assert_eq!(s["response_rate"], 0.05);
    assert_eq!(s["shown"], false);
    for hidden in ["mean_score", "content", "method", "usefulness"] {
        assert_eq!(s[hidden], Value::Null, "{hidden}: {s}");
    }
    assert!(s["instructors"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["mean_score"].is_null() && i["evaluation_count"] == 1));
    assert_eq!(q["comments"], json!([]));
    assert_eq!(q["instructors"], json!([]));
    let records = planner
        .get(&format!("/api/v1/instructors/{li}/teaching-records"))
        .body;
    let record = &records[0];
    assert_eq!(
        (&record["evaluation_count"], &record["shown"]),
        (&json!(1), &json!(false))
    );
    assert_eq!(record["score_counts"], json!([0, 0, 0, 0, 0]));
    assert!(record["mean_score"].is_null());
    let mine = li_account
        .get(&format!("/api/v1/instructors/{li}/quality"))
        .body;
    assert!(mine["sessions"][0]["mean_score"].is_null());
    assert_eq!(mine["comments"], json!([]));

    // Two more: now the results show, comments by text (not as given).
    let later_comments = ["组织得很好", "希望增加案例"];
    for (k, (li_score, wang_score)) in [("4", "3"), ("3", "4")].into_iter().enumerate() {
        let code = issued[k + 1]["code"].as_str().unwrap();
        let more = fields(&[
            (&format!("score.{li}"), li_score),
            (&format!("score.{wang}"), wang_score),
            ("content", "2"),
            ("comment", later_comments[k]),
        ]);
        assert_eq!(post_form(&app.base, code, &more).status, 200);
    }
    let quality = office.get(&format!("/api/v1/plans/{plan}/quality"));
    let q = &quality.body;
    let s = &q["sessions"][0];
    assert_eq!((&s["responses"], &s["shown"]), (&json!(3), &json!(true)));
    assert_eq!(s["mean_score"], 3.5);
    assert_eq!(
        (&s["content"], &s["method"], &s["usefulness"]),
        (&json!(8.0 / 3.0), &Value::Null, &json!(5.0))
    );
    assert_eq!(s["below_threshold"], false);
    let by_name: Vec<(&str, f64)> = s["instructors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap(),
                i["mean_score"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(by_name, [("李明", 4.0), ("王芳", 3.0)]);
    let texts: Vec<&str> = q["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    let mut sorted = vec![comment, later_comments[0], later_comments[1]];
    sorted.sort_unstable();
    assert_eq!(texts, sorted);
    assert_eq!(q["instructors"][0]["name"], "李明", "best mean first");
    let records = planner
        .get(&format!("/api/v1/instructors/{li}/teaching-records"))
        .body;
    assert_eq!(records[0]["score_counts"], json!([0, 0, 1, 1, 1]));
    assert_eq!(records[0]["mean_score"], 4.0);
    let strict = office.get(&format!("/api/v1/plans/{plan}/quality?threshold=4"));
    assert_eq!(strict.body["sessions"][0]["below_threshold"], true);
    assert_eq!(
        office
            .get(&format!("/api/v1/plans/{plan}/quality?threshold=6"))
            .field_errors(),
        [("threshold".into(), "range".into())]
    );
    let other_class = office.get(&format!("/api/v1/plans/{plan}/quality?class=nope"));
    assert_eq!(other_class.body["sessions"], json!([]));

    // Stored: every response and score dated to the day, the session's
    // responses rewritten (new ids) with each answer.
    assert_eq!(
        count("SELECT count(*) AS count FROM evaluation_responses"),
        3
    );
    assert_eq!(
        count("SELECT count(DISTINCT submitted_at) AS count FROM evaluation_responses"),
        1
    );
    let midnight = china_midnight.format("%Y-%m-%d %H:%M:%S").to_string();
    assert_eq!(
        count(&format!(
            "SELECT count(*) AS count FROM evaluations WHERE evaluated_at = '{midnight}'"
        )),
        6
    );

    // Exported as CSV (with a BOM) and XLSX, one row per session and instructor.
    let csv = office.download(&format!("/api/v1/plans/{plan}/quality/export?format=csv"));
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let csv = csv.bytes().unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("班次,课程,开始时间,授课人员"));
    assert!(
        lines[1].contains("接访实务") && lines[1].contains("李明") && lines[1].contains(",4,"),
        "{}",
        lines[1]
    );
    let xlsx = office
        .download(&format!("/api/v1/plans/{plan}/quality/export?format=xlsx"))
        .bytes()
        .unwrap();
    use calamine::{DataType, Reader};
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][3].to_string(), "授课人员");
    assert_eq!(rows[2][3].to_string(), "王芳");
    assert_eq!(rows[2][5].get_float(), Some(3.0));
    assert_eq!(rows[1][8].get_float(), Some(0.15));

    // An instructor reads their own quality, not a colleague's.
    let mine = li_account.get(&format!("/api/v1/instructors/{li}/quality"));
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(mine.body["trend"]["direction"], "rising");
    assert_eq!(mine.body["sessions"][0]["mean_score"], 4.0);
    assert_eq!(mine.body["sessions"][0]["title"], "接访实务");
    assert_eq!(mine.body["comments"][0]["text"], sorted[0]);
    assert_eq!(mine.body["months"].as_array().unwrap().len(), 12);
    assert_eq!(
        mine.body["rating"]["evaluation_count"],
        mine.body["months"][11]["evaluation_count"]
    );
    assert_eq!(
        li_account
            .get(&format!("/api/v1/instructors/{li}/rating-history?months=3"))
            .status,
        200
    );
    wang_account
        .get(&format!("/api/v1/instructors/{li}/quality"))
        .problem(403);
    wang_account
        .get(&format!("/api/v1/instructors/{li}/rating-history"))
        .problem(403);
    assert_eq!(
        office
            .get(&format!("/api/v1/instructors/{wang}/quality"))
            .body["trend"]["direction"],
        "falling"
    );
}

fn evaluation_windows_and_classes(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let li = create_instructor(&planner, "李明", json!({}));
    let now = Utc::now();
    // A session under way: its form opens 15 minutes before it ends.
    let (start, end) = (now - Duration::hours(1), now + Duration::hours(1));
    let (plan, class, session) = taught_session(&planner, start, end, &[&li]);
    let evaluation = format!("/api/v1/sessions/{session}/evaluation");
    let r = planner.post(&evaluation, &json!({"trainees": 3}));
    assert_eq!(r.body["state"], "not_yet_open", "{}", r.body);
    let code = codes(&planner, &session)[0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let early = form_page(&app, &code);
    assert_eq!(early.status, 403);
    assert!(early.text.contains("评价尚未开始"), "{}", early.text);
    let score = fields(&[(&format!("score.{li}"), "4")]);
    assert_eq!(post_form(&app.base, &code, &score).status, 403);

    // Opened from the session's start; fewer codes than printed is refused.
    let at = |t: DateTime<Utc>| china(t).to_rfc3339();
    let r = planner.put(
        &evaluation,
        &json!({"trainees": 2, "opens_at": at(start), "closes_at": at(end)}),
        None,
    );
    assert_eq!(r.field_errors(), [("trainees".into(), "not_fewer".into())]);
    let r = planner.put(
        &evaluation,
        &json!({"trainees": 5, "opens_at": at(start), "closes_at": at(end)}),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (&r.body["state"], &r.body["trainees"]),
        (&json!("open"), &json!(5))
    );
    assert_eq!(codes(&planner, &session).len(), 5);
    assert_eq!(
        codes(&planner, &session)[0]["code"],
        code.as_str(),
        "printed codes stay"
    );
    // A typed code, in lower case with the printed space, finds its form.
    let typed = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!(
            "{}/e?code={}+{}",
            app.base,
            code[..5].to_lowercase(),
            &code[5..]
        ))
        .send()
        .unwrap();
    assert_eq!(typed.status(), 303);
    assert_eq!(typed.headers()["location"], format!("/e/{code}").as_str());
    assert_eq!(post_form(&app.base, &code, &score).status, 200);

    // Closed: the window is half-open, so a form closing now is closed.
    let second = codes(&planner, &session)[1]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = planner.put(
        &evaluation,
        &json!({"trainees": 5, "opens_at": at(start), "closes_at": at(start + Duration::minutes(1))}),
        None,
    );
    assert_eq!(r.body["state"], "closed");
    let late = post_form(&app.base, &second, &score);
    assert_eq!(late.status, 410);
    assert!(late.text.contains("评价已结束"), "{}", late.text);
    assert_eq!(
        planner.get(&evaluation).body["responses"],
        1,
        "a late submission spends nothing"
    );

    // A whole class at once: sessions with a confirmed instructor and no form.
    let (later_start, later_end) = (start + Duration::hours(3), end + Duration::hours(3));
    let second_session = add_session(&planner, &class, "接访实务", later_start, later_end, &[&li]);
    let empty = add_session(&planner, &class, "督查", later_start, later_end, &[]);
    let r = planner.post(
        &format!("/api/v1/classes/{class}/evaluations"),
        &json!({"trainees": 30}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["opened"][0]["session"], second_session.as_str());
    assert_eq!(r.body["opened"][0]["trainees"], 30);
    let skipped: Vec<(&str, &str)> = r.body["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["session"].as_str().unwrap(),
                s["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        skipped.contains(&(session.as_str(), "already_open")),
        "{skipped:?}"
    );
    assert!(
        skipped.contains(&(empty.as_str(), "no_confirmed_instructor")),
        "{skipped:?}"
    );
    assert_eq!(
        planner
            .post("/api/v1/classes/nope/evaluations", &json!({"trainees": 30}))
            .status,
        404
    );
    let forms = planner.get(&format!("/api/v1/plans/{plan}/evaluations"));
    assert_eq!(forms.body.as_array().unwrap().len(), 2, "{}", forms.body);
}

/// A session 李明 taught until an hour ago, with an evaluation open for
/// `trainees`: his id and the session's.
fn evaluation_open_for(planner: &Client, trainees: u32) -> (String, String) {
    let li = create_instructor(planner, "李明", json!({}));
    let now = Utc::now();
    let (_, _, session) = taught_session(
        planner,
        now - Duration::hours(2),
        now - Duration::hours(1),
        &[&li],
    );
    let r = planner.post(
        &format!("/api/v1/sessions/{session}/evaluation"),
        &json!({"trainees": trainees}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    (li, session)
}

fn the_form_refuses_bad_input_and_guessing(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let (li, session) = evaluation_open_for(&planner, 2);
    let code = codes(&planner, &session)[0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let score = format!("score.{li}");
    let client = reqwest::blocking::Client::new();
    let url = format!("{}/e/{code}", app.base);

    // Oversized, not a form, malformed, out of range: refused with a page,
    // and the code is not spent.
    let huge = client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("{score}=5&comment={}", "长".repeat(20_000)))
        .send()
        .unwrap();
    assert_eq!(huge.status(), 413);
    let json_body = client
        .post(&url)
        .json(&json!({score.clone(): 5}))
        .send()
        .unwrap();
    assert_eq!(json_body.status(), 415);
    let nul = post_form(
        &app.base,
        &code,
        &fields(&[(&score, "5"), ("comment", "a\u{0}b")]),
    );
    assert_eq!(nul.status, 422);
    assert!(nul.text.contains("普通文字"), "{}", nul.text);
    let wrong = post_form(
        &app.base,
        &code,
        &fields(&[(&score, "9"), ("content", "x")]),
    );
    assert_eq!(wrong.status, 422);
    let long = post_form(
        &app.base,
        &code,
        &fields(&[(&score, "5"), ("comment", &"好".repeat(501))]),
    );
    assert_eq!(long.status, 422);
    let stranger = post_form(
        &app.base,
        &code,
        &fields(&[(&score, "5"), ("score.someone", "5")]),
    );
    assert_eq!(stranger.status, 422);
    assert_eq!(
        app.db()
            .count("SELECT count(*) AS count FROM evaluation_responses"),
        0
    );
    assert_eq!(form_page(&app, &code).status, 200);

    // In English on request, and its answers keep the language.
    let english = form_page(&app, &format!("{code}?lang=en"));
    assert_eq!(english.status, 200);
    assert!(
        english.text.contains("<html lang=\"en\">")
            && english.text.contains("Evaluate this session")
    );
    assert!(english.text.contains("action=\"?lang=en\""));
    let again = post_form(
        &app.base,
        &format!("{code}?lang=en"),
        &fields(&[("comment", "ok")]),
    );
    assert_eq!(again.status, 422);
    assert!(again.text.contains("Please score 李明"), "{}", again.text);

    // Guessing codes from one address is slowed down; another address is not.
    let statuses: Vec<u16> = (0..6)
        .map(|k| form_page(&app, &format!("ABCDEFGH{}{}", 2 + k, 3)).status)
        .collect();
    assert_eq!(&statuses[..3], [404, 404, 404]);
    let blocked = form_page(&app, "ABCDEFGHJK");
    assert_eq!(blocked.status, 429, "{statuses:?}");
    assert!(blocked.headers.contains_key("retry-after"));
    assert!(blocked.text.contains("尝试次数过多"));
    let elsewhere = reqwest::blocking::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap()
        .get(&url)
        .send()
        .unwrap();
    assert_eq!(elsewhere.status(), 200);
}

/// What a database administrator finds after five answers: every response
/// and score row rewritten with new ids at each answer (no id survives from
/// one answer to the next), all dated to the same day; on PostgreSQL every
/// response carries the one transaction id of the latest answer, which only
/// the latest spent code shares, so no earlier card can be matched to its
/// answer by transaction.
fn stored_answers_keep_no_order(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let (li, session) = evaluation_open_for(&planner, 5);
    let issued = codes(&planner, &session);
    let ids = |table: &str| -> std::collections::BTreeSet<String> {
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::Text)]
            id: String,
        }
        use diesel::{Connection, RunQueryDsl};
        let sql = format!("SELECT id FROM {table}");
        let rows: Vec<Id> = if app.db().is_postgres() {
            let mut conn = diesel::PgConnection::establish(&app.db().url).unwrap();
            diesel::sql_query(&sql).load(&mut conn).unwrap()
        } else {
            let mut conn = diesel::SqliteConnection::establish(&app.db().url).unwrap();
            diesel::sql_query(&sql).load(&mut conn).unwrap()
        };
        rows.into_iter().map(|r| r.id).collect()
    };
    let mut seen = std::collections::BTreeSet::new();
    for (k, card) in issued.iter().enumerate() {
        let code = card["code"].as_str().unwrap();
        let answer = fields(&[
            (&format!("score.{li}"), &(k % 5 + 1).to_string()),
            ("comment", &format!("第{}条意见", k + 1)),
        ]);
        assert_eq!(post_form(&app.base, code, &answer).status, 200);
        let now_ids: std::collections::BTreeSet<String> = ids("evaluation_responses")
            .union(&ids("evaluations"))
            .cloned()
            .collect();
        assert_eq!(now_ids.len(), 2 * (k + 1));
        assert!(
            now_ids.is_disjoint(&seen),
            "an id survived answer {}",
            k + 1
        );
        seen.extend(now_ids);
    }
    let count = |sql: &str| app.db().count(sql);
    assert_eq!(
        count("SELECT count(DISTINCT submitted_at) AS count FROM evaluation_responses"),
        1
    );
    if app.db().is_postgres() {
        assert_eq!(
            count("SELECT count(DISTINCT xmin::text) AS count FROM evaluation_responses"),
            1
        );
        assert_eq!(
            count(
                "SELECT count(*) AS count FROM evaluation_codes \
                 WHERE spent AND xmin::text IN (SELECT xmin::text FROM evaluation_responses)"
            ),
            1,
            "only the latest card shares the responses' transaction"
        );
    }
}

/// An instructor cannot decline a session once it has started: 409, and
/// the assignment stays as it was; a later one they can.
fn a_held_session_cannot_be_declined(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let li = create_instructor(&planner, "李明", json!({}));
    let now = Utc::now();
    let (_, class, held) = taught_session(
        &planner,
        now - Duration::hours(2),
        now - Duration::hours(1),
        &[&li],
    );
    let later = add_session(
        &planner,
        &class,
        "接访实务",
        now + Duration::days(1),
        now + Duration::days(1) + Duration::hours(2),
        &[&li],
    );
    let me = app.client("instructor", Some(&li));
    let mine = |session: &str| {
        planner
            .get(&format!("/api/v1/assignments?session={session}"))
            .body[0]
            .clone()
    };
    let before = mine(&held);
    let refused = me.post(
        &format!(
            "/api/v1/me/assignments/{}/decline",
            before["id"].as_str().unwrap()
        ),
        &json!({"reason": "忘记了"}),
    );
    assert_eq!(refused.problem(409)["type"], "/problems/session-started");
    assert_eq!(mine(&held), before);
    let declined = me.post(
        &format!(
            "/api/v1/me/assignments/{}/decline",
            mine(&later)["id"].as_str().unwrap()
        ),
        &json!({"reason": "当天另有公务"}),
    );
    assert_eq!(declined.status, 200, "{}", declined.body);
}

crate::both_backends!(
    a_held_session_cannot_be_declined,
    the_evaluation_loop,
    evaluation_windows_and_classes,
    the_form_refuses_bad_input_and_guessing,
    stored_answers_keep_no_order,
);
