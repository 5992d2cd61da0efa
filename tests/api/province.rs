//! A province-sized plan for the tests that need a run with work to do:
//! the solver's seeded generator (SPEC 5.6's shape) loaded through the
//! service's own pool and plan imports, as an office would load its sheets.

use chrono::FixedOffset;
use serde_json::{json, Value};
use solver::synthetic::{generate, Shape};

use crate::support::Client;

/// Posts a CSV sheet to `path`; the import's report.
fn import(planner: &Client, path: &str, csv: String) -> Value {
    let (status, body) = planner.upload(path, "text/csv", csv.into_bytes());
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// Loads the generated `shape` (its pool, and its classes and sessions as a
/// new plan of 2027); returns the plan's id.
pub fn load(planner: &Client, shape: Shape) -> String {
    let problem = generate(shape);
    let topics = |list: &mut dyn Iterator<Item = (String, i64)>| -> String {
        list.map(|(t, l)| format!("{t}:{l}"))
            .collect::<Vec<_>>()
            .join("；")
    };
    let mut pool =
        String::from("编号,姓名,类别,城市,纬度,经度,年度课时上限,专长,接受远程,最远出行公里\n");
    for i in &problem.instructors {
        pool.push_str(&format!(
            "{id},教员{id},{kind},城市,{lat},{lon},{cap},{topics},{remote},{km}\n",
            id = i.id,
            kind = i.kind.code(),
            lat = i.lat,
            lon = i.lon,
            cap = i.capacity,
            topics = topics(&mut i.topics.iter().map(|(t, l)| (t.clone(), *l))),
            remote = if i.remote_ok { "是" } else { "否" },
            km = i.max_travel_km.map_or(String::new(), |k| k.to_string()),
        ));
    }
    import(planner, "/api/v1/pool/import", pool);
    let plan = planner.post(
        "/api/v1/plans",
        &json!({"name": "省级轮训计划（生成）", "year": 2027, "tier": "provincial"}),
    );
    assert_eq!(plan.status, 201, "{}", plan.body);
    let plan = plan.body["id"].as_str().unwrap().to_owned();
    let china = FixedOffset::east_opt(8 * 3600).unwrap();
    let mut sheet = String::from(
        "班次名称,城市,纬度,经度,干部授课比例,课程名称,日期,时间,专题,所需教师,远程\n",
    );
    for s in &problem.sessions {
        let class = problem.classes.iter().find(|c| c.id == s.class).unwrap();
        let (start, end) = (s.start.with_timezone(&china), s.end.with_timezone(&china));
        sheet.push_str(&format!(
            "班次{c},城市,{lat},{lon},{share},课程{id},{date},{from}-{to},{topics},{needed},{remote}\n",
            c = class.id,
            lat = class.lat,
            lon = class.lon,
            share = class.min_cadre_share,
            id = s.id,
            date = start.format("%Y-%m-%d"),
            from = start.format("%H:%M"),
            to = end.format("%H:%M"),
            topics = topics(&mut s.topics.iter().map(|t| (t.topic.clone(), t.min_level))),
            needed = s.needed,
            remote = if s.remote { "是" } else { "否" },
        ));
    }
    import(planner, &format!("/api/v1/plans/{plan}/import"), sheet);
    plan
}
