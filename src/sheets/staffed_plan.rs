//! A staffed plan as a sheet to print (排课表): one row per session and
//! instructor who holds it (proposed or confirmed), in time order, with the
//! class, venue, time, topics, state and the instructor's trip; a session
//! still short of instructors says how many are missing.

use std::collections::HashMap;

use crate::sheets::export::{Cell, Table};
use crate::store::assignments::Listed;
use crate::store::instructors::Home;
use crate::store::plans::{ClassDetail, PlanRow};
use crate::store::road_distances::trip_km;
use crate::vocabulary::{AssignmentState, Named};

/// The sheet of `plan`: its classes with their sessions, the assignments of
/// the plan, each assigned instructor's home, and the
/// cached road distances by (origin, venue) point key; a trip without one
/// is a great circle (SPEC 5.2).
pub fn table(
    plan: &PlanRow,
    classes: &[ClassDetail],
    assignments: &[Listed],
    homes: &HashMap<String, Home>,
    road: &HashMap<(String, String), f64>,
) -> Table {
    let mut rows = Vec::new();
    for class in classes {
        let c = &class.row;
        for session in &class.sessions {
            let s = &session.row;
            let held: Vec<&Listed> = assignments
                .iter()
                .filter(|a| a.session_id == s.id && a.state != AssignmentState::Declined)
                .collect();
            let topics: Vec<String> = session
                .topics
                .iter()
                .map(|(_, name, level)| format!("{name}≥{level}"))
                .collect();
            let cells = |who: Cell, kind: Cell, state: Cell, km: Cell| -> Vec<Cell> {
                vec![
                    c.name.as_str().into(),
                    c.city.as_str().into(),
                    s.title.as_str().into(),
                    crate::china_time::format(s.start_at, "%Y-%m-%d").into(),
                    format!(
                        "{}–{}",
                        crate::china_time::format(s.start_at, "%H:%M"),
                        crate::china_time::format(s.end_at, "%H:%M")
                    )
                    .into(),
                    (if s.remote { "远程" } else { "现场" }).into(),
                    topics.join("；").into(),
                    who,
                    kind,
                    state,
                    km,
                ]
            };
            for a in &held {
                let km = match (s.remote, homes.get(&a.instructor_id)) {
                    (false, Some(home)) => {
                        Cell::Number(trip_km(road, (home.lat, home.lon), (c.lat, c.lon)).round())
                    }
                    _ => Cell::Empty,
                };
                let state = match (a.state, a.locked) {
                    (AssignmentState::Confirmed, _) => "已确认",
                    (_, true) => "拟定（锁定）",
                    _ => "拟定",
                };
                let kind = a.instructor_kind.name_zh();
                rows.push(cells(
                    a.instructor_name.as_str().into(),
                    kind.into(),
                    state.into(),
                    km,
                ));
            }
            let missing = usize::try_from(s.needed)
                .unwrap_or(0)
                .saturating_sub(held.len());
            if missing > 0 {
                rows.push(cells(
                    format!("（缺 {missing} 人）").into(),
                    Cell::Empty,
                    "缺员".into(),
                    Cell::Empty,
                ));
            }
        }
    }
    Table {
        name: format!("{} 排课表", plan.name),
        headers: vec![
            "班次",
            "地点",
            "课程",
            "日期",
            "时间",
            "形式",
            "专题",
            "授课人员",
            "类别",
            "状态",
            "出行公里",
        ],
        rows,
    }
}
