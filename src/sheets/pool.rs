//! The faculty pool as a spreadsheet (师资库导入导出): the columns an office
//! keeps, read from CSV (UTF-8 with or without a byte order mark, or
//! GB18030/GBK as Excel on Chinese Windows writes it) or XLSX, and written
//! back the same way. A header may be a field code or its Chinese name;
//! kinds, tiers, topics and methods by code or Chinese name; expertise as
//! `办信:4；接访:3`. Every broken rule is reported at its cell (`E7`), with
//! the row number the spreadsheet shows.

use solver::FieldError;

use crate::error::AppError;
use crate::sheets::export::{Cell, Table};
use crate::sheets::pool_import::ImportRow;
use crate::sheets::read::{items, yes_or_no, Header};
use crate::store::instructors::{ExpertiseInput, InstructorInput, Profile};
use crate::store::topics::{Method, Topic};
use crate::vocabulary::{names, names_and_codes, InstructorKind, Named, Tier};

/// The columns, in export order: field code and Chinese header.
pub const COLUMNS: [(&str, &str); 17] = [
    ("id", "系统编号"),
    ("external_id", "编号"),
    ("name", "姓名"),
    ("kind", "类别"),
    ("organisation", "单位"),
    ("title", "职务"),
    ("tier", "层级"),
    ("city", "城市"),
    ("lat", "纬度"),
    ("lon", "经度"),
    ("expertise", "专长"),
    ("methods", "授课方式"),
    ("yearly_capacity", "年度课时上限"),
    ("remote_ok", "接受远程"),
    ("max_travel_km", "最远出行公里"),
    ("phone", "电话"),
    ("email", "邮箱"),
];
/// Columns a sheet must have.
const REQUIRED: [&str; 6] = ["name", "kind", "city", "lat", "lon", "yearly_capacity"];

/// Rows parsed from a sheet, with their spreadsheet row numbers.
#[derive(Debug)]
pub struct Parsed {
    /// The rows with data…
    pub rows: Vec<ImportRow>,
    /// …and their numbers (the header is row 1).
    pub numbers: Vec<usize>,
    /// Headers that are not columns of the pool: left alone.
    pub ignored_columns: Vec<String>,
    /// The rules the rows break, with their row numbers.
    pub errors: Vec<(usize, FieldError)>,
    header: Header,
}

impl Parsed {
    /// The field codes of the columns the sheet has.
    pub fn columns(&self) -> Vec<&'static str> {
        self.header.columns()
    }

    /// The error of a row's `column`: `rows[7].expertise`, "E7 专长: …".
    pub fn error(&self, row: usize, column: &str, rule: &str, detail: &str) -> FieldError {
        self.header.error(row, column, rule, detail)
    }
}

/// The topics and methods rows may name, by code or Chinese name.
pub struct Vocabulary {
    pub topics: Vec<Topic>,
    pub methods: Vec<Method>,
}

/// Reads the rows of a sheet into instructor records, with every rule a
/// row breaks at its cell; a sheet without the columns it needs is an error.
pub fn parse(cells: &[Vec<String>], vocabulary: &Vocabulary) -> Result<Parsed, AppError> {
    let (header, data) = Header::read(cells, &COLUMNS, &REQUIRED)?;
    let mut parsed = Parsed {
        rows: Vec::new(),
        numbers: Vec::new(),
        errors: Vec::new(),
        ignored_columns: header.ignored.clone(),
        header,
    };
    let (mut errors, rows) = parsed.header.clean_rows(data);
    for (row, cells) in rows {
        let get = |code: &str| parsed.header.cell(cells, code);
        let mut fail = |column: &str, rule: &str, detail: &str| {
            errors.push((row, parsed.error(row, column, rule, detail)));
        };
        let optional = |code: &str| Some(get(code)).filter(|v| !v.is_empty()).map(str::to_owned);
        // A row with an unknown kind is refused; the placeholder is never stored.
        let kind = InstructorKind::from_code_or_name(get("kind")).unwrap_or_else(|| {
            fail("kind", "known", &names_and_codes::<InstructorKind>());
            InstructorKind::Cadre
        });
        let tier = match get("tier") {
            "" => None,
            given => {
                let tier = Tier::from_code_or_name(given);
                if tier.is_none() {
                    fail(
                        "tier",
                        "known",
                        &format!("{} (or its code)", names::<Tier>()),
                    );
                }
                tier
            }
        };
        let mut number = |code: &str, required: bool| -> Option<f64> {
            match get(code) {
                "" if !required => None,
                text => {
                    let value = text.parse::<f64>().ok().filter(|v| v.is_finite());
                    if value.is_none() {
                        fail(code, "number", "a number");
                    }
                    value
                }
            }
        };
        let lat = number("lat", true).unwrap_or(0.0);
        let lon = number("lon", true).unwrap_or(0.0);
        let max_travel_km = number("max_travel_km", false);
        let capacity = number("yearly_capacity", true).unwrap_or(0.0);
        if capacity.fract() != 0.0 || capacity.abs() > 10_000.0 {
            fail(
                "yearly_capacity",
                "whole_number",
                "a whole number of sessions",
            );
        }
        let remote_ok = yes_or_no(get("remote_ok")).unwrap_or_else(|| {
            fail("remote_ok", "yes_or_no", "是 or 否");
            false
        });
        let expertise = expertise(get("expertise"), &vocabulary.topics).unwrap_or_else(|detail| {
            fail("expertise", "topic_levels", &detail);
            Vec::new()
        });
        let methods = methods(get("methods"), &vocabulary.methods).unwrap_or_else(|detail| {
            fail("methods", "known", &detail);
            Vec::new()
        });
        let input = InstructorInput {
            external_id: optional("external_id"),
            name: get("name").to_owned(),
            kind,
            organisation: get("organisation").to_owned(),
            title: get("title").to_owned(),
            tier,
            city: get("city").to_owned(),
            lat,
            lon,
            expertise,
            methods,
            yearly_capacity: capacity as i32,
            remote_ok,
            max_travel_km,
            phone: optional("phone"),
            email: optional("email"),
            owner_office: None,
            visibility: None,
        };
        for e in input.errors() {
            // `expertise[1].level` is a rule of the expertise cell.
            let column = e
                .field
                .split(['[', '.'])
                .next()
                .unwrap_or_default()
                .to_owned();
            errors.push((row, parsed.error(row, &column, &e.rule, &e.detail)));
        }
        parsed.numbers.push(row);
        parsed.rows.push(ImportRow {
            id: optional("id"),
            input,
        });
    }
    parsed.errors = errors;
    Ok(parsed)
}

/// `办信:4；接访:3` (or `letter-handling:4, …`) as topics with levels.
fn expertise(text: &str, topics: &[Topic]) -> Result<Vec<ExpertiseInput>, String> {
    items(text)
        .map(|item| {
            let (topic, level) = item
                .split_once([':', '：'])
                .ok_or_else(|| format!("{item} needs a level, as in 办信:4"))?;
            let topic = topic.trim();
            let known = topics
                .iter()
                .find(|t| t.code == topic || t.name == topic)
                .ok_or_else(|| format!("{topic} is not a topic"))?;
            let level = level
                .trim()
                .parse()
                .map_err(|_| format!("the level of {topic} is a whole number from 1 to 5"))?;
            Ok(ExpertiseInput {
                topic: known.code.clone(),
                level,
            })
        })
        .collect()
}

/// `讲授式、案例式` (or codes) as method codes.
fn methods(text: &str, methods: &[Method]) -> Result<Vec<String>, String> {
    items(text)
        .map(|item| {
            methods
                .iter()
                .find(|m| m.code == item || m.name == item)
                .map(|m| m.code.clone())
                .ok_or_else(|| format!("{item} is not a teaching method"))
        })
        .collect()
}

/// The pool as a table with the columns of [`COLUMNS`], which [`parse`]
/// reads back to the same records.
pub fn table(profiles: &[Profile]) -> Table {
    let rows = profiles
        .iter()
        .map(|p| {
            let r = &p.row;
            let expertise: Vec<String> = p
                .expertise
                .iter()
                .map(|e| format!("{}:{}", e.name, e.level))
                .collect();
            let methods: Vec<&str> = p.methods.iter().map(|(_, name)| name.as_str()).collect();
            vec![
                r.id.as_str().into(),
                r.external_id.clone().into(),
                r.name.as_str().into(),
                r.kind.name_zh().into(),
                r.organisation.as_str().into(),
                r.title.as_str().into(),
                r.tier.map(Tier::name_zh).into(),
                r.city.as_str().into(),
                r.lat.into(),
                r.lon.into(),
                expertise.join("；").into(),
                methods.join("、").into(),
                i64::from(r.yearly_capacity).into(),
                (if r.remote_ok { "是" } else { "否" }).into(),
                r.max_travel_km.into(),
                r.phone.clone().into(),
                r.email.clone().into(),
            ]
        })
        .collect::<Vec<Vec<Cell>>>();
    Table {
        name: "师资库".to_owned(),
        headers: COLUMNS.iter().map(|(_, zh)| *zh).collect(),
        rows,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn vocabulary() -> Vocabulary {
        Vocabulary {
            topics: vec![Topic {
                code: "letter-handling".to_owned(),
                name: "办信".to_owned(),
                category: "specialised".to_owned(),
            }],
            methods: vec![Method {
                code: "lecture".to_owned(),
                name: "讲授式".to_owned(),
            }],
        }
    }

    fn sheet(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
            .collect()
    }

    #[test]
    fn chinese_headers_and_names_are_read() {
        let parsed = parse(
            &sheet(&[
                &[
                    "姓名",
                    "类别",
                    "城市",
                    "纬度",
                    "经度",
                    "年度课时上限",
                    "专长",
                    "授课方式",
                    "接受远程",
                    "备注",
                ],
                &[
                    "李明",
                    "信访干部",
                    "武汉",
                    "30.59",
                    "114.3",
                    "8",
                    "办信：4",
                    "讲授式",
                    "是",
                    "x",
                ],
            ]),
            &vocabulary(),
        )
        .unwrap();
        let (row, first) = (parsed.numbers[0], &parsed.rows[0]);
        assert_eq!(row, 2);
        assert_eq!(first.input.kind, InstructorKind::Cadre);
        assert_eq!(first.input.expertise[0].topic, "letter-handling");
        assert_eq!(first.input.methods, ["lecture"]);
        assert!(first.input.remote_ok);
        assert_eq!(parsed.ignored_columns, ["备注"]);
    }

    #[test]
    fn every_broken_cell_is_named() {
        let parsed = parse(
            &sheet(&[
                &[
                    "name",
                    "kind",
                    "city",
                    "lat",
                    "lon",
                    "yearly_capacity",
                    "expertise",
                ],
                &["李明", "cadre", "武汉", "30.59", "114.3", "8", "办信:4"],
                &[],
                &[
                    "王芳",
                    "教授",
                    "武汉",
                    "north",
                    "114.3",
                    "8",
                    "办信:9；统计:2",
                ],
            ]),
            &vocabulary(),
        )
        .unwrap();
        let errors: Vec<&FieldError> = parsed.errors.iter().map(|(_, e)| e).collect();
        let found: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.rule.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("rows[4].kind", "known"),
                ("rows[4].lat", "number"),
                ("rows[4].expertise", "topic_levels"),
            ]
        );
        assert!(
            errors[1].detail.starts_with("D4 纬度: "),
            "{}",
            errors[1].detail
        );
    }
}
