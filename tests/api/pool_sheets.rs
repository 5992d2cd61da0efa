//! The pool in and out as a spreadsheet: CSV in UTF-8 and in GBK, XLSX,
//! dry runs, broken rows named at their cells, upserts by the office's own
//! number, and export → import changing nothing.

use serde_json::{json, Value};

use crate::support::{create_instructor, Backend, Client, TestApp};

/// Posts a sheet to the pool's import (`query` after the path) as `content_type`.
pub fn import(client: &Client, query: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    client.upload(&format!("/api/v1/pool/import{query}"), content_type, body)
}

fn export(client: &Client, format: &str) -> Vec<u8> {
    let r = client.download(&format!("/api/v1/pool/export?format={format}"));
    assert_eq!(r.status(), 200);
    r.bytes().unwrap().to_vec()
}

fn rules(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {body}"))
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

const SHEET: &str = "编号,姓名,类别,单位,职务,层级,城市,纬度,经度,专长,授课方式,年度课时上限,接受远程,最远出行公里,电话,邮箱,备注\n\
HB-001,李明,信访干部,湖北省信访局,处长,省级,武汉,30.59,114.30,办信:4；接访:3,讲授式、案例式,8,是,800,027-8888 6666,li@example.cn,老教员\n\
HB-002,王芳,专家,华中师范大学,教授,,武汉,30.52,114.36,法治信访:5,研讨式,4,否,,,,\n\
,赵强,先进典型人物,襄阳市信访局,,市级,襄阳,32.01,112.12,接访:4,现场教学,2,否,300,,,\n";

fn spreadsheets_in_and_out(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let office = app.client("office", None);
    let count = || app.db().count("SELECT count(*) AS count FROM instructors");
    let csv = "text/csv";

    // A dry run reports every row and writes nothing.
    let (status, report) = import(&planner, "?dry_run=true", csv, SHEET.as_bytes().to_vec());
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (&report["created"], &report["dry_run"]),
        (&json!(3), &json!(true))
    );
    assert_eq!(report["ignored_columns"], json!(["备注"]));
    assert_eq!(report["rows"][0]["row"], 2);
    assert_eq!(count(), 0);
    let (status, _) = import(&office, "", csv, SHEET.as_bytes().to_vec());
    assert_eq!(status, 403);

    // The import itself: Chinese names become codes.
    let (status, report) = import(&planner, "", csv, SHEET.as_bytes().to_vec());
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["created"], 3);
    assert_eq!(count(), 3);
    let li = report["rows"][0]["instructor"].as_str().unwrap().to_owned();
    let profile = planner.get(&format!("/api/v1/instructors/{li}")).body;
    assert_eq!(profile["external_id"], "HB-001");
    assert_eq!(
        (&profile["kind"], &profile["tier"]),
        (&json!("cadre"), &json!("provincial"))
    );
    let expertise: Vec<(&str, i64)> = profile["expertise"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["topic"].as_str().unwrap(), e["level"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        expertise,
        [("letter-handling", 4), ("visitor-reception", 3)]
    );
    assert_eq!(profile["methods"].as_array().unwrap().len(), 2);
    assert_eq!(
        (&profile["remote_ok"], &profile["max_travel_km"]),
        (&json!(true), &json!(800.0))
    );

    // Broken rows: every broken cell named, nothing written.
    let broken = "姓名,类别,城市,纬度,经度,年度课时上限,专长,编号\n\
孙丽,信访干部,武汉,30.59,114.30,8,办信:4,HB-010\n\
周杰,教授,武汉,30.59,114.30,8,办信:4,HB-011\n\
吴敏,专家,武汉,95,114.30,8,办信:7；统计:2,HB-010\n";
    let (status, problem) = import(&planner, "", csv, broken.as_bytes().to_vec());
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        rules(&problem),
        [
            ("rows[3].kind".into(), "known".into()),
            ("rows[4].expertise".into(), "topic_levels".into()),
            ("rows[4].lat".into(), "latitude".into()),
            ("rows[4].external_id".into(), "unique".into()),
        ],
        "{problem}"
    );
    let details: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert!(details[0].starts_with("B3 类别: "), "{details:?}");
    assert!(details[2].starts_with("D4 纬度: "), "{details:?}");
    assert_eq!(count(), 3);

    // GBK, as Excel on Chinese Windows saves it: upserts by 编号.
    let changed = "编号,姓名,类别,城市,纬度,经度,年度课时上限,专长\n\
HB-001,李明,信访干部,武汉,30.59,114.30,10,办信:4；接访:3\n\
HB-002,王芳,专家,武汉,30.52,114.36,4,法治信访:5\n\
HB-003,钱伟,信访干部,宜昌,30.69,111.29,6,督查:3\n";
    let (gbk, _, lossy) = encoding_rs::GBK.encode(changed);
    assert!(!lossy);
    let (status, problem) = import(&planner, "?encoding=utf-8", csv, gbk.to_vec());
    assert_eq!(
        rules(&problem),
        [("encoding".into(), "decodable".into())],
        "{status}"
    );
    let versions =
        |id: &str| planner.get(&format!("/api/v1/instructors/{id}")).body["version"].clone();
    let wang = planner.get("/api/v1/instructors?q=王芳").body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let wang_version = versions(&wang);
    let (status, report) = import(&planner, "", csv, gbk.to_vec());
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (&report["created"], &report["updated"], &report["unchanged"]),
        (&json!(1), &json!(1), &json!(1)),
        "{report}"
    );
    let li_now = planner.get(&format!("/api/v1/instructors/{li}")).body;
    assert_eq!(li_now["yearly_capacity"], 10);
    assert_eq!(
        (
            &li_now["organisation"],
            &li_now["methods"].as_array().unwrap().len()
        ),
        (&json!("湖北省信访局"), &2),
        "what the sheet has no column for is kept"
    );
    assert_eq!(count(), 4);
    assert_eq!(
        versions(&wang),
        wang_version,
        "an unchanged row writes nothing"
    );

    // A number taken by another instructor is refused, through the API too.
    let clash = "系统编号,编号,姓名,类别,城市,纬度,经度,年度课时上限\n".to_owned()
        + &format!("{wang},HB-001,王芳,专家,武汉,30.52,114.36,4\n");
    let (status, problem) = import(&planner, "", csv, clash.into_bytes());
    assert_eq!(status, 422);
    assert_eq!(
        rules(&problem),
        [("rows[2].external_id".into(), "unique".into())]
    );
    let r = planner.post(
        "/api/v1/instructors",
        &crate::support::instructor("重号", json!({"external_id": "HB-001"})),
    );
    assert_eq!(r.problem(409)["type"], "/problems/duplicate");
    create_instructor(&planner, "无编号", json!({}));

    // Export → import changes nothing, in CSV and in XLSX.
    let all_versions = || {
        let mut v: Vec<(String, i64)> = planner.get("/api/v1/instructors?per_page=100").body
            ["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["id"].as_str().unwrap().to_owned(),
                    i["version"].as_i64().unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = all_versions();
    let exported = export(&office, "csv");
    assert!(exported.starts_with(b"\xEF\xBB\xBF"));
    assert!(String::from_utf8_lossy(&exported).contains("办信:4；接访:3"));
    let (status, report) = import(&planner, "", csv, exported);
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (&report["unchanged"], &report["created"]),
        (&json!(5), &json!(0)),
        "{report}"
    );
    let xlsx = export(&office, "xlsx");
    let (status, report) = import(
        &planner,
        "",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        xlsx,
    );
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["unchanged"], 5, "{report}");
    assert_eq!(all_versions(), before);

    // An XLSX with a broken row: the row number the sheet shows.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, title) in ["姓名", "类别", "城市", "纬度", "经度", "年度课时上限"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *title).unwrap();
    }
    for (r, row) in [("郑好", "专家", "武汉", 30.5), ("冯晓", "专家", "", 30.5)]
        .iter()
        .enumerate()
    {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, row.0).unwrap();
        sheet.write_string(r, 1, row.1).unwrap();
        sheet.write_string(r, 2, row.2).unwrap();
        sheet.write_number(r, 3, row.3).unwrap();
        sheet.write_number(r, 4, 114.3).unwrap();
        sheet.write_number(r, 5, 3).unwrap();
    }
    let (status, problem) = import(
        &planner,
        "",
        "application/octet-stream",
        book.save_to_buffer().unwrap(),
    );
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        rules(&problem),
        [("rows[3].city".into(), "non_empty".into())]
    );
    assert_eq!(count(), 5);
}

/// A planner checks, then imports, a sheet from the pool page.
fn importing_from_the_console(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    app.add_user("planner2", "planner", None);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("师资库.csv");
    std::fs::write(&path, SHEET).unwrap();
    let browser = crate::webdriver::Browser::start();
    crate::console::sign_in(&browser, &app.base, "planner2", "#/pool");
    browser.choose_file(&browser.find("#import-form input[name=sheet]"), &path);
    browser.click(&browser.find("#import-form button[type=submit]"));
    browser.wait_for("#import-report", |t| {
        t.contains("仅检查") && t.contains("新增 3")
    });
    assert!(browser
        .text(&browser.find("#import-report"))
        .contains("备注"));
    assert_eq!(
        app.db().count("SELECT count(*) AS count FROM instructors"),
        0
    );
    browser.click(&browser.find("#import-form input[name=dry_run]"));
    browser.click(&browser.find("#import-form button[type=submit]"));
    browser.wait_for("#notice", |t| t.contains("已保存") && t.contains("新增 3"));
    browser.wait_for("#pool", |t| t.contains("李明") && t.contains("赵强"));
    assert_eq!(planner.get("/api/v1/instructors").body["total"], 3);
    browser.screenshot("pool-import");
    // The export buttons' download goes through the console's api(), with its token.
    browser.script(
        "window.exported = null; import('/console/api.js') \
         .then((m) => m.api('GET', '/api/v1/pool/export?format=csv', undefined, { blob: true })) \
         .then((b) => b.text()).then((t) => { window.exported = t; });",
        json!([]),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let exported = loop {
        let text = browser.script("return window.exported", json!([]));
        if let Some(text) = text.as_str() {
            break text.to_owned();
        }
        assert!(std::time::Instant::now() < deadline, "no export");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(
        exported.contains("HB-001") && exported.contains("赵强"),
        "{exported}"
    );
}

/// SPEC 5.2's distance, written out here: haversine on a 6371.0088 km sphere.
fn great_circle_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let h = ((p2 - p1) / 2.0).sin().powi(2)
        + p1.cos() * p2.cos() * ((lon2 - lon1).to_radians() / 2.0).sin().powi(2);
    2.0 * 6371.0088 * h.sqrt().asin()
}

/// A staffed plan printed as a sheet: every held place, who and how far.
fn a_staffed_plan_as_a_sheet(backend: Backend) {
    use calamine::{DataType, Reader};
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let office = app.client("office", None);
    crate::staffing::seed_pool(&planner);
    let (plan, class, _) = crate::staffing::seed_plan(&planner);
    let run = crate::staffing::staff(&planner, &plan, json!({}));
    crate::staffing::apply(&planner, &run);
    // One more session nobody can teach: the sheet says it is short.
    let short = planner.post(
        &format!("/api/v1/classes/{class}/sessions"),
        &json!({"title": "环保领域信访", "start": "2027-03-10T09:00:00+08:00",
                "end": "2027-03-10T12:00:00+08:00", "needed": 2,
                "topics": [{"topic": "environmental-protection", "min_level": 5}]}),
    );
    assert_eq!(short.status, 201, "{}", short.body);
    let held = planner
        .get(&format!("/api/v1/assignments?plan={plan}"))
        .body;
    let held = held.as_array().unwrap();
    let r = office.download(&format!("/api/v1/plans/{plan}/export?format=xlsx"));
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().unwrap().to_vec();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0][7], "授课人员");
    assert_eq!(rows.len(), 1 + held.len() + 1, "{rows:?}");
    for a in held {
        let name = a["instructor_name"].as_str().unwrap();
        let row = rows
            .iter()
            .find(|r| r[7] == name && r[2] == a["session_title"].as_str().unwrap())
            .unwrap_or_else(|| panic!("{name} not on the sheet: {rows:?}"));
        assert_eq!(row[9], "拟定");
        // The trip, great-circle (SPEC 5.2), rounded to the kilometre.
        let home = planner
            .get(&format!(
                "/api/v1/instructors/{}",
                a["instructor"].as_str().unwrap()
            ))
            .body;
        let km = great_circle_km(
            home["lat"].as_f64().unwrap(),
            home["lon"].as_f64().unwrap(),
            30.59,
            114.30,
        );
        assert_eq!(row[10], format!("{}", km.round()), "{name}");
    }
    let missing = rows.iter().find(|r| r[2] == "环保领域信访").unwrap();
    assert_eq!(
        (missing[7].as_str(), missing[9].as_str()),
        ("（缺 2 人）", "缺员")
    );
    assert!(sheet
        .get((1, 3))
        .is_some_and(|c| c.get_string() == Some("2027-03-08")));
    let csv = office.download(&format!("/api/v1/plans/{plan}/export"));
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(String::from_utf8(csv.bytes().unwrap().to_vec())
        .unwrap()
        .contains("（缺 2 人）"));
}

crate::both_backends!(
    spreadsheets_in_and_out,
    importing_from_the_console,
    a_staffed_plan_as_a_sheet
);
