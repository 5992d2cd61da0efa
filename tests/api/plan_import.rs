//! A yearly plan imported from an office's sheet: CSV in UTF-8 and in
//! GB18030, XLSX with Excel dates, dates and times as offices write them,
//! every broken cell named by its row and column, all rows or none, and
//! the imported plan staffed by a run.

use serde_json::{json, Value};

use crate::staffing::{seed_pool, staff};
use crate::support::{Backend, Client, TestApp};

fn import(
    client: &Client,
    plan: &str,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    client.upload(
        &format!("/api/v1/plans/{plan}/import{query}"),
        content_type,
        body,
    )
}

const HEADER: &str =
    "班次名称,班次类别,城市,纬度,经度,课程名称,日期,时间,专题,授课方式,所需教师,远程,备注";

/// Two classes, four sessions, as an office types them.
const SHEET: &str =
    "班次名称,班次类别,城市,纬度,经度,课程名称,日期,时间,专题,授课方式,所需教师,远程,备注
办信接访专题班,专题业务类,武汉,30.59,114.30,办信实务,2027-03-08,上午,办信:3,讲授式,1,否,
办信接访专题班,,,,,接访实务,2027/3/8,14:30-17:30,接访,,1,,第二天可调
办信接访专题班,,,,,疑难信件办理,2027年3月9日,9：00～11:30,办信:4；接访:3,案例式,2,否,
基层信访干部轮训班,综合类,宜昌,30.69,111.29,信访法治,2027.4.12,下午,letter-handling:3,,1,是,
";

fn plan(planner: &Client) -> String {
    let plan = planner.post(
        "/api/v1/plans",
        &json!({"name": "湖北省2027年度信访干部培训计划", "year": 2027, "tier": "provincial"}),
    );
    assert_eq!(plan.status, 201, "{}", plan.body);
    plan.body["id"].as_str().unwrap().to_owned()
}

fn classes(planner: &Client, plan: &str) -> Vec<Value> {
    planner.get(&format!("/api/v1/plans/{plan}")).body["classes"]
        .as_array()
        .unwrap()
        .clone()
}

fn rules(body: &Value) -> Vec<(String, String, String)> {
    body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["rule"].as_str().unwrap().to_owned(),
                e["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn a_plan_sheet_becomes_classes_and_sessions(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let plan = plan(&planner);
    let csv = [b"\xEF\xBB\xBF".as_slice(), SHEET.as_bytes()].concat();

    // A dry run reports what would be made and makes nothing.
    let (status, report) = import(&planner, &plan, "?dry_run=true", "text/csv", csv.clone());
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["ignored_columns"], json!(["备注"]));
    let made = report["classes"].as_array().unwrap();
    assert_eq!(made.len(), 2);
    assert_eq!(made[0]["row"], 2);
    assert_eq!(made[0]["id"], Value::Null);
    let rows: Vec<&Value> = made[0]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["row"])
        .collect();
    assert_eq!(rows, [&json!(2), &json!(3), &json!(4)]);
    assert!(classes(&planner, &plan).is_empty());

    let (status, report) = import(&planner, &plan, "", "text/csv", csv.clone());
    assert_eq!(status, 200, "{report}");
    let stored = classes(&planner, &plan);
    assert_eq!(stored.len(), 2);
    let wuhan = stored
        .iter()
        .find(|c| c["name"] == "办信接访专题班")
        .unwrap();
    assert_eq!(wuhan["id"], report["classes"][0]["id"]);
    assert_eq!(wuhan["kind"], "specialised");
    assert_eq!(
        (wuhan["lat"].as_f64(), wuhan["lon"].as_f64()),
        (Some(30.59), Some(114.30))
    );
    // Dates from the sessions, times in Beijing time (UTC+8).
    assert_eq!(
        (&wuhan["start_date"], &wuhan["end_date"]),
        (&json!("2027-03-08"), &json!("2027-03-09"))
    );
    let sessions = wuhan["sessions"].as_array().unwrap();
    let by_title = |t: &str| sessions.iter().find(|s| s["title"] == t).unwrap();
    assert_eq!(by_title("办信实务")["start"], "2027-03-08T01:00:00Z");
    assert_eq!(by_title("办信实务")["end"], "2027-03-08T04:00:00Z");
    assert_eq!(by_title("办信实务")["method"], "lecture");
    assert_eq!(by_title("接访实务")["start"], "2027-03-08T06:30:00Z");
    assert_eq!(by_title("接访实务")["topics"][0]["min_level"], 3);
    let hard = by_title("疑难信件办理");
    assert_eq!(
        (&hard["start"], &hard["end"]),
        (
            &json!("2027-03-09T01:00:00Z"),
            &json!("2027-03-09T03:30:00Z")
        )
    );
    assert_eq!(hard["needed"], 2);
    assert_eq!(hard["topics"].as_array().unwrap().len(), 2);
    let yichang = stored
        .iter()
        .find(|c| c["name"] == "基层信访干部轮训班")
        .unwrap();
    assert_eq!(yichang["kind"], "comprehensive");
    assert_eq!(yichang["sessions"][0]["remote"], true);
    assert_eq!(yichang["sessions"][0]["start"], "2027-04-12T06:30:00Z");

    // The same sheet again would double the plan: refused, nothing added.
    let (status, problem) = import(&planner, &plan, "", "text/csv", csv);
    assert_eq!(status, 422, "{problem}");
    let refused = rules(&problem);
    assert!(
        refused
            .iter()
            .any(|(f, r, _)| f == "rows[2].class" && r == "new_class"),
        "{refused:?}"
    );
    assert_eq!(classes(&planner, &plan).len(), 2);

    // The imported plan is staffed like any other.
    seed_pool(&planner);
    let run = staff(&planner, &plan, json!({}));
    assert!(
        !run["solution"]["assignments"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{run}"
    );
}

fn broken_rows_are_named_and_nothing_is_stored(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let plan = plan(&planner);
    // GB18030, as Excel on Chinese Windows saves CSV.
    let text = format!(
        "{HEADER}\n\
         办信接访专题班,专题业务类,武汉,30.59,114.30,办信实务,2027-03-08,上午,办信:3,,1,,\n\
         办信接访专题班,,,,,接访实务,2027-13-40,上午,接访,,1,,\n\
         办信接访专题班,,汉口,,,信访条例,2027-03-09,9点,不存在的专题,口授,两,也许,\n\
         宜昌班,综合类,宜昌,北纬30,111.29,,2027-04-12,08:00-12:00,办信:9,,1,,\n"
    );
    let (gb, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    let (status, problem) = import(&planner, &plan, "", "text/csv", gb.into_owned());
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["type"], "/problems/validation");
    let found: Vec<(String, String)> = rules(&problem)
        .into_iter()
        .map(|(f, r, _)| (f, r))
        .collect();
    for expected in [
        ("rows[3].date", "date"),
        ("rows[4].city", "same_class"),
        ("rows[4].time", "time_range"),
        ("rows[4].topics", "topic_levels"),
        ("rows[4].method", "known"),
        ("rows[4].needed", "whole_number"),
        ("rows[4].remote", "yes_or_no"),
        ("rows[5].lat", "number"),
        ("rows[5].title", "non_empty"),
        ("rows[5].topics", "level_range"),
    ] {
        assert!(
            found.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} not in {found:?}"
        );
    }
    // The cell as the sheet shows it, with the Chinese header.
    let date = rules(&problem)
        .into_iter()
        .find(|(f, _, _)| f == "rows[3].date")
        .unwrap();
    assert!(date.2.starts_with("G3 日期:"), "{date:?}");
    assert!(classes(&planner, &plan).is_empty());

    // Missing columns are named before any row is read.
    let (status, problem) = import(
        &planner,
        &plan,
        "",
        "text/csv",
        "班次名称,课程名称\n班,课\n".into(),
    );
    assert_eq!(status, 422);
    let missing: Vec<String> = rules(&problem).into_iter().map(|(f, _, _)| f).collect();
    assert!(
        missing.contains(&"columns.date".to_owned())
            && missing.contains(&"columns.topics".to_owned()),
        "{missing:?}"
    );
    // Planners only; an unknown plan is a 404.
    let office = app.client("office", None);
    assert_eq!(import(&office, &plan, "", "text/csv", SHEET.into()).0, 403);
    assert_eq!(
        import(&planner, "nope", "", "text/csv", SHEET.into()).0,
        404
    );
}

fn an_xlsx_plan_with_excel_dates(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let plan = plan(&planner);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy/m/d");
    for (c, title) in [
        "班次名称",
        "城市",
        "纬度",
        "经度",
        "课程名称",
        "日期",
        "时间",
        "专题",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *title).unwrap();
    }
    for (r, (title, day, time)) in [("办信实务", 8, "上午"), ("接访实务", 9, "14:00-17:00")]
        .iter()
        .enumerate()
    {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, "办信接访专题班").unwrap();
        sheet.write_string(r, 1, "武汉").unwrap();
        sheet.write_number(r, 2, 30.59).unwrap();
        sheet.write_number(r, 3, 114.30).unwrap();
        sheet.write_string(r, 4, *title).unwrap();
        let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2027, 3, *day).unwrap();
        sheet.write_datetime_with_format(r, 5, &day, &date).unwrap();
        sheet.write_string(r, 6, *time).unwrap();
        sheet.write_string(r, 7, "办信:3").unwrap();
    }
    let xlsx = book.save_to_buffer().unwrap();
    let (status, report) = import(
        &planner,
        &plan,
        "",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        xlsx,
    );
    assert_eq!(status, 200, "{report}");
    let stored = classes(&planner, &plan);
    assert_eq!(
        (&stored[0]["start_date"], &stored[0]["end_date"]),
        (&json!("2027-03-08"), &json!("2027-03-09"))
    );
    let starts: Vec<&Value> = stored[0]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["start"])
        .collect();
    assert_eq!(
        starts,
        [
            &json!("2027-03-08T01:00:00Z"),
            &json!("2027-03-09T06:00:00Z")
        ]
    );
}

fn importing_a_plan_from_the_console(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let plan = plan(&planner);
    app.add_user("planner2", "planner", None);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("2027年度培训计划.csv");
    std::fs::write(&path, SHEET).unwrap();
    let browser = crate::webdriver::Browser::start();
    crate::console::sign_in(&browser, &app.base, "planner2", &format!("#/plans/{plan}"));
    browser.choose_file(&browser.find("#plan-import-form input[name=sheet]"), &path);
    browser.click(&browser.find("#plan-import-form button[type=submit]"));
    browser.wait_for("#plan-import-report", |t| {
        t.contains("仅检查") && t.contains("班次 2 个，课程 4 门")
    });
    assert!(classes(&planner, &plan).is_empty());
    browser.click(&browser.find("#plan-import-form input[name=dry_run]"));
    browser.click(&browser.find("#plan-import-form button[type=submit]"));
    browser.wait_for("#notice", |t| {
        t.contains("已保存") && t.contains("班次 2 个，课程 4 门")
    });
    browser.wait_for("main", |t| {
        t.contains("基层信访干部轮训班") && t.contains("疑难信件办理")
    });
    browser.screenshot("plan-import");
    assert_eq!(classes(&planner, &plan).len(), 2);
    // The same sheet again: the refusal names the cell.
    browser.click(&browser.find("#plan-import-form input[name=dry_run]"));
    browser.choose_file(&browser.find("#plan-import-form input[name=sheet]"), &path);
    browser.click(&browser.find("#plan-import-form button[type=submit]"));
    browser.wait_for("#plan-import-form .problem", |t| t.contains("A2 班次名称"));
    assert_eq!(classes(&planner, &plan).len(), 2);
}

crate::both_backends!(
    importing_a_plan_from_the_console,
    a_plan_sheet_becomes_classes_and_sessions,
    broken_rows_are_named_and_nothing_is_stored,
    an_xlsx_plan_with_excel_dates,
);
