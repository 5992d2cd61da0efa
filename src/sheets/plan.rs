//! A yearly training plan from an office's spreadsheet (年度培训计划导入):
//! one row per session (课程), its class's (班次) columns on the same row;
//! rows with the same 班次名称 are one class, whose venue and dates come
//! from its first row (later rows may leave them empty). Dates and times as
//! an office writes them: `2027-03-08`, `2027/3/8`, `2027年3月8日`, an
//! Excel date; `09:00-12:00`, `9:00～11:30`, or 上午 (09:00–12:00), 下午
//! (14:30–17:30), 晚上 (19:00–21:00), all Beijing time. Topics as
//! `办信:3；接访:4` (a minimum level; a bare topic asks for level 3).

use std::collections::HashMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime};
use solver::FieldError;

use crate::china_time;
use crate::error::AppError;
use crate::sheets::read::{items, yes_or_no, Header};
use crate::store::plans::{ClassInput, ClassRows, SessionInput, TopicRequirementInput};
use crate::store::topics::{Method, Topic};
use crate::vocabulary::ClassKind;

/// The columns: field code and Chinese header.
pub const COLUMNS: [(&str, &str); 15] = [
    ("class", "班次名称"),
    ("class_kind", "班次类别"),
    ("city", "城市"),
    ("lat", "纬度"),
    ("lon", "经度"),
    ("start_date", "开班日期"),
    ("end_date", "结班日期"),
    ("min_cadre_share", "干部授课比例"),
    ("title", "课程名称"),
    ("date", "日期"),
    ("time", "时间"),
    ("topics", "专题"),
    ("method", "授课方式"),
    ("needed", "所需教师"),
    ("remote", "远程"),
];
/// Columns a sheet must have.
const REQUIRED: [&str; 8] = [
    "class", "city", "lat", "lon", "title", "date", "time", "topics",
];
/// The level a topic named without one asks for.
const DEFAULT_LEVEL: i32 = 3;

/// A sheet read into classes, with every rule its cells break.
#[derive(Debug)]
pub struct ParsedPlan {
    pub classes: Vec<ClassRows>,
    pub errors: Vec<(usize, FieldError)>,
    /// Headers that are not plan columns: left alone.
    pub ignored_columns: Vec<String>,
    header: Header,
}

impl ParsedPlan {
    /// The error of a row's `column`: `rows[7].date`, "J7 日期: …".
    pub fn error(&self, row: usize, column: &str, rule: &str, detail: &str) -> FieldError {
        self.header.error(row, column, rule, detail)
    }
}

/// Reads the rows of a plan sheet; a sheet without the columns it needs is
/// an error, a row's broken rules are listed at their cells.
pub fn parse(
    cells: &[Vec<String>],
    topics: &[Topic],
    methods: &[Method],
) -> Result<ParsedPlan, AppError> {
    let (header, data) = Header::read(cells, &COLUMNS, &REQUIRED)?;
    let mut parsed = ParsedPlan {
        classes: Vec::new(),
        errors: Vec::new(),
        ignored_columns: header.ignored.clone(),
        header,
    };
    let (mut errors, rows) = parsed.header.clean_rows(data);
    let mut class_at: HashMap<String, usize> = HashMap::new();
    let mut dates: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for (row, cells) in rows {
        let get = |code: &str| parsed.header.cell(cells, code);
        let mut fail = |column: &str, rule: &str, detail: &str| {
            errors.push((row, parsed.error(row, column, rule, detail)));
        };
        let class_name = get("class");
        if class_name.is_empty() {
            fail("class", "non_empty", "the class (班次) of the session");
            continue;
        }
        let date = parse_date(get("date"));
        if date.is_none() {
            fail(
                "date",
                "date",
                "a date such as 2027-03-08, 2027/3/8 or 2027年3月8日",
            );
        }
        let times = parse_times(get("time"));
        if times.is_none() {
            fail(
                "time",
                "time_range",
                "a time range such as 09:00-12:00, or 上午, 下午, 晚上",
            );
        }
        // A session without a readable time is not checked further.
        let when = match (date, times) {
            (Some(date), Some((from, to))) => Some((at(date, from), at(date, to))),
            _ => None,
        };
        let required = topic_levels(get("topics"), topics).unwrap_or_else(|detail| {
            fail("topics", "topic_levels", &detail);
            Vec::new()
        });
        let method = match get("method") {
            "" => None,
            given => {
                let known = methods.iter().find(|m| m.code == given || m.name == given);
                if known.is_none() {
                    fail(
                        "method",
                        "known",
                        &format!("{given} is not a teaching method"),
                    );
                }
                known.map(|m| m.code.clone())
            }
        };
        let needed = match get("needed") {
            "" => 1,
            given => given.parse().unwrap_or_else(|_| {
                fail("needed", "whole_number", "a whole number of instructors");
                1
            }),
        };
        let remote = yes_or_no(get("remote")).unwrap_or_else(|| {
            fail("remote", "yes_or_no", "是 or 否");
            false
        });
        let session = when.map(|(start, end)| SessionInput {
            title: get("title").to_owned(),
            start,
            end,
            remote,
            method,
            needed,
            topics: required,
        });
        let k = match class_at.get(class_name) {
            Some(&k) => {
                for code in [
                    "class_kind",
                    "city",
                    "lat",
                    "lon",
                    "start_date",
                    "end_date",
                    "min_cadre_share",
                ] {
                    let first = &data[parsed.classes[k].row - 2];
                    let (given, stated) = (get(code), parsed.header.cell(first, code));
                    if !given.is_empty() && given != stated {
                        let detail = format!(
                            "differs from row {} of the same class",
                            parsed.classes[k].row
                        );
                        fail(code, "same_class", &detail);
                    }
                }
                k
            }
            None => {
                let class = class_input(&mut fail, &get, class_name);
                class_at.insert(class_name.to_owned(), parsed.classes.len());
                parsed.classes.push(ClassRows {
                    row,
                    input: class,
                    sessions: Vec::new(),
                });
                dates.push((NaiveDate::MAX, NaiveDate::MIN));
                parsed.classes.len() - 1
            }
        };
        if let Some(date) = date {
            dates[k] = (dates[k].0.min(date), dates[k].1.max(date));
        }
        if let Some(session) = session {
            parsed.classes[k].sessions.push((row, session));
        }
    }
    // A class without its own dates runs from its first session to its
    // last; one with no readable date at all is not checked further.
    for (class, (first, last)) in parsed.classes.iter_mut().zip(dates) {
        if class.input.start_date == NaiveDate::MIN {
            class.input.start_date = first;
        }
        if class.input.end_date == NaiveDate::MIN {
            class.input.end_date = last;
        }
    }
    parsed
        .classes
        .retain(|c| c.input.start_date != NaiveDate::MAX && c.input.end_date != NaiveDate::MIN);
    parsed.errors = errors;
    Ok(parsed)
}

/// A class's columns on its first row (dates left at `NaiveDate::MIN` when
/// not given).
fn class_input<'a>(
    fail: &mut impl FnMut(&str, &str, &str),
    get: &impl Fn(&str) -> &'a str,
    name: &str,
) -> ClassInput {
    let kind = match get("class_kind") {
        "" | "综合类" | "综合" | "comprehensive" => ClassKind::Comprehensive,
        "专题业务类" | "专题" | "专题班" | "specialised" => ClassKind::Specialised,
        _ => {
            fail(
                "class_kind",
                "known",
                "综合类 (comprehensive) or 专题业务类 (specialised)",
            );
            ClassKind::Comprehensive
        }
    };
    let mut number = |code: &str, fallback: f64| match get(code) {
        "" if code == "min_cadre_share" => fallback,
        text => text
            .trim_end_matches('%')
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(|v| if text.ends_with('%') { v / 100.0 } else { v })
            .unwrap_or_else(|| {
                fail(code, "number", "a number");
                fallback
            }),
    };
    let (lat, lon, share) = (
        number("lat", 0.0),
        number("lon", 0.0),
        number("min_cadre_share", 0.5),
    );
    let mut day = |code: &str| match get(code) {
        "" => NaiveDate::MIN,
        text => parse_date(text).unwrap_or_else(|| {
            let rule = solver::time_range::rule();
            fail(code, "date", &format!("a date such as 2027-03-08 ({rule})"));
            NaiveDate::MIN
        }),
    };
    ClassInput {
        name: name.to_owned(),
        kind,
        city: get("city").to_owned(),
        lat,
        lon,
        start_date: day("start_date"),
        end_date: day("end_date"),
        min_cadre_share: share,
    }
}

/// A date and time on the clocks of China.
fn at(date: NaiveDate, time: NaiveTime) -> DateTime<FixedOffset> {
    china_time::local(date.and_time(time))
}

/// A date as offices write it.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let day = text.split([' ', 'T']).next().unwrap_or(text);
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(day, f).ok())
        .filter(|d| solver::time_range::in_range(d.year()))
}

/// A session's time range, or a half day by name.
fn parse_times(text: &str) -> Option<(NaiveTime, NaiveTime)> {
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0);
    let named = match text.trim() {
        "上午" => Some((hm(9, 0)?, hm(12, 0)?)),
        "下午" => Some((hm(14, 30)?, hm(17, 30)?)),
        "晚上" => Some((hm(19, 0)?, hm(21, 0)?)),
        _ => None,
    };
    if named.is_some() {
        return named;
    }
    let text = text.replace('：', ":");
    let (from, to) = text.split_once(['-', '－', '—', '–', '~', '～', '至'])?;
    let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").ok();
    Some((time(from)?, time(to)?))
}

/// `办信:3；接访:4` (or codes; a bare topic asks for level 3).
fn topic_levels(text: &str, topics: &[Topic]) -> Result<Vec<TopicRequirementInput>, String> {
    let listed: Vec<&str> = items(text).collect();
    if listed.is_empty() {
        return Err("at least one topic, as in 办信:3".to_owned());
    }
    listed
        .into_iter()
        .map(|item| {
            let (topic, level) = match item.split_once([':', '：']) {
                Some((topic, level)) => (
                    topic.trim(),
                    level.trim().parse().map_err(|_| {
                        format!("the level of {topic} is a whole number from 1 to 5")
                    })?,
                ),
                None => (item, DEFAULT_LEVEL),
            };
            let known = topics
                .iter()
                .find(|t| t.code == topic || t.name == topic)
                .ok_or_else(|| format!("{topic} is not a topic"))?;
            Ok(TopicRequirementInput {
                topic: known.code.clone(),
                min_level: level,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dates_and_times_as_offices_write_them() {
        let d = NaiveDate::from_ymd_opt(2027, 3, 8).unwrap();
        for text in [
            "2027-03-08",
            "2027/3/8",
            "2027.3.8",
            "2027年3月8日",
            "2027-03-08 00:00",
        ] {
            assert_eq!(parse_date(text), Some(d), "{text}");
        }
        assert_eq!(parse_date("3/8/2027"), None);
        assert_eq!(parse_date("0001-01-01"), None, "before the years of a plan");
        assert_eq!(parse_date("9999-12-31"), None, "after them");
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(parse_times("09:00-12:00"), Some((t(9, 0), t(12, 0))));
        assert_eq!(parse_times("9：00～11:30"), Some((t(9, 0), t(11, 30))));
        assert_eq!(parse_times("14:30至17:30"), Some((t(14, 30), t(17, 30))));
        assert_eq!(parse_times("下午"), Some((t(14, 30), t(17, 30))));
        assert_eq!(parse_times("9点"), None);
    }
}
