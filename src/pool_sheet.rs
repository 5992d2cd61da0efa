//! The faculty pool as a spreadsheet (师资库导入导出): the columns an office
//! keeps, read from CSV (UTF-8 with or without a byte order mark, or
//! GB18030/GBK as Excel on Chinese Windows writes it) or XLSX, and written
//! back the same way. A header may be a field code or its Chinese name;
//! kinds, tiers, topics and methods by code or Chinese name; expertise as
//! `办信:4；接访:3`. Every broken rule is reported at its cell (`E7`), with
//! the row number the spreadsheet shows.

use std::collections::HashMap;

use solver::FieldError;

use crate::error::AppError;
use crate::export::{Cell, Table};
use crate::store::instructors::{ExpertiseInput, ImportRow, InstructorInput, Profile};
use crate::store::topics::{Method, Topic};
use crate::vocabulary::{Kind, Tier};

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

/// How a CSV file is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    #[serde(rename = "utf-8")]
    Utf8,
    /// GB18030, a superset of GBK and GB2312.
    Gb18030,
    Gbk,
}

/// The cells of a sheet, row by row, as text (the first row is the header).
pub fn read(bytes: &[u8], encoding: Option<Encoding>) -> Result<Vec<Vec<String>>, AppError> {
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else {
        read_csv(&decode(bytes, encoding)?)
    }
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, AppError> {
    use calamine::Reader;
    let unreadable = |_| AppError::field("file", "xlsx", "not a readable XLSX workbook");
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    let sheet = book
        .worksheet_range_at(0)
        .ok_or_else(|| AppError::field("file", "xlsx", "the workbook has no sheet"))?
        .map_err(unreadable)?;
    // The range starts at its first used cell; rows and columns before it
    // are empty, and the row numbers must be the sheet's.
    let (top, left) = sheet.start().unwrap_or((0, 0));
    let mut rows = vec![Vec::new(); top as usize];
    for row in sheet.rows() {
        let mut cells = vec![String::new(); left as usize];
        cells.extend(row.iter().map(cell_text));
        rows.push(cells);
    }
    Ok(rows)
}

/// A cell as the office typed it: whole numbers without `.0`.
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        Data::String(s) => s.clone(),
        Data::DateTime(d) => d.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// The text of a CSV file: UTF-8 (a byte order mark is dropped) unless it
/// is not valid UTF-8 or `encoding` says otherwise, then GB18030.
fn decode(bytes: &[u8], encoding: Option<Encoding>) -> Result<String, AppError> {
    let utf8 = || {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        std::str::from_utf8(bytes).ok().map(str::to_owned)
    };
    let gb18030 = || {
        encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|text| text.into_owned())
    };
    let text = match encoding {
        Some(Encoding::Utf8) => utf8(),
        Some(Encoding::Gb18030 | Encoding::Gbk) => gb18030(),
        None => utf8().or_else(gb18030),
    };
    text.ok_or_else(|| {
        AppError::field(
            "encoding",
            "decodable",
            "the file is neither UTF-8 nor GB18030/GBK text; save it as CSV UTF-8 or XLSX",
        )
    })
}

fn read_csv(text: &str) -> Result<Vec<Vec<String>>, AppError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|record| {
            record
                .map(|r| r.iter().map(str::to_owned).collect())
                .map_err(|e| AppError::field("file", "csv", format!("not readable as CSV: {e}")))
        })
        .collect()
}

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
    /// Where each column is: field code → column letters.
    letters: HashMap<&'static str, String>,
}

impl Parsed {
    /// The field codes of the columns the sheet has.
    pub fn columns(&self) -> Vec<&'static str> {
        self.letters.keys().copied().collect()
    }
}

impl Parsed {
    /// The error of a row's `column`: `rows[7].expertise`, "E7 专长: …".
    pub fn error(&self, row: usize, column: &str, rule: &str, detail: &str) -> FieldError {
        let cell = self
            .letters
            .get(column)
            .map_or_else(String::new, |l| format!("{l}{row} "));
        let header = COLUMNS
            .iter()
            .find(|(code, _)| *code == column)
            .map_or(column, |(_, zh)| zh);
        FieldError::new(
            format!("rows[{row}].{column}"),
            rule,
            format!("{cell}{header}: {detail}"),
        )
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
    let Some((header, data)) = cells.split_first() else {
        return Err(AppError::field("file", "non_empty", "the sheet is empty"));
    };
    let mut errors = Vec::new();
    let mut at: HashMap<&'static str, usize> = HashMap::new();
    let mut ignored_columns = Vec::new();
    for (k, title) in header.iter().enumerate() {
        let title = title.trim().trim_start_matches('\u{feff}');
        let known = COLUMNS
            .iter()
            .find(|(code, zh)| title.eq_ignore_ascii_case(code) || title == *zh);
        match known {
            Some((code, _)) if at.contains_key(code) => errors.push(FieldError::new(
                format!("columns.{code}"),
                "unique",
                format!("{}1: the column {title} is there twice", letters(k)),
            )),
            Some((code, _)) => {
                at.insert(code, k);
            }
            None if title.is_empty() => {}
            None => ignored_columns.push(title.to_owned()),
        }
    }
    for code in REQUIRED {
        if !at.contains_key(code) {
            let zh = COLUMNS
                .iter()
                .find(|(c, _)| *c == code)
                .map_or(code, |(_, z)| z);
            errors.push(FieldError::new(
                format!("columns.{code}"),
                "required",
                format!("the sheet needs a column {zh} ({code})"),
            ));
        }
    }
    AppError::check(errors)?;
    let mut parsed = Parsed {
        rows: Vec::new(),
        numbers: Vec::new(),
        errors: Vec::new(),
        ignored_columns,
        letters: at.iter().map(|(code, k)| (*code, letters(*k))).collect(),
    };
    let mut errors = Vec::new();
    for (k, cells) in data.iter().enumerate() {
        let row = k + 2;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let get = |code: &str| -> &str {
            at.get(code)
                .and_then(|&k| cells.get(k))
                .map_or("", |c| c.trim())
        };
        let mut fail = |column: &str, rule: &str, detail: &str| {
            errors.push((row, parsed.error(row, column, rule, detail)));
        };
        let optional = |code: &str| Some(get(code)).filter(|v| !v.is_empty()).map(str::to_owned);
        let kind = match Kind::ALL
            .into_iter()
            .find(|k| get("kind") == k.code() || get("kind") == k.name_zh())
        {
            Some(kind) => kind,
            None => {
                fail(
                    "kind",
                    "known",
                    "信访干部 (cadre), 专家 (expert) or 先进典型人物 (model_figure)",
                );
                Kind::Cadre
            }
        };
        let tier = match get("tier") {
            "" => None,
            given => {
                let tier = Tier::ALL
                    .into_iter()
                    .find(|t| given == t.code() || given == t.name_zh());
                if tier.is_none() {
                    fail(
                        "tier",
                        "known",
                        "国家级, 省级, 市级, 县级 or 乡镇级 (or its code)",
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
        let remote_ok = match get("remote_ok") {
            "" | "否" | "false" | "FALSE" | "no" | "N" | "n" | "0" | "×" => false,
            "是" | "true" | "TRUE" | "yes" | "Y" | "y" | "1" | "√" => true,
            _ => {
                fail("remote_ok", "yes_or_no", "是 or 否");
                false
            }
        };
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

/// The items of a list cell, split at Chinese or Western separators.
fn items(text: &str) -> impl Iterator<Item = &str> {
    text.split(['；', ';', '，', ',', '、', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// `A`, `B`, …, `Z`, `AA`, … for the 0-based column `k`.
fn letters(mut k: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (k % 26) as u8);
        if k < 26 {
            break;
        }
        k = k / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
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
                Kind::from_code(&r.kind)
                    .map_or_else(|| r.kind.clone(), |k| k.name_zh().to_owned())
                    .into(),
                r.organisation.as_str().into(),
                r.title.as_str().into(),
                r.tier
                    .as_deref()
                    .map(|t| {
                        Tier::from_code(t).map_or_else(|| t.to_owned(), |t| t.name_zh().to_owned())
                    })
                    .into(),
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
    fn column_letters_run_past_z() {
        assert_eq!(letters(0), "A");
        assert_eq!(letters(25), "Z");
        assert_eq!(letters(26), "AA");
        assert_eq!(letters(27), "AB");
        assert_eq!(letters(702), "AAA");
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
        assert_eq!(first.input.kind, Kind::Cadre);
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

    #[test]
    fn gbk_text_is_recognised() {
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,城市\n李明,武汉\n");
        let text = decode(&gbk, None).unwrap();
        assert!(text.starts_with("姓名,城市"));
        assert!(decode(&gbk, Some(Encoding::Utf8)).is_err());
        let bom = [b"\xEF\xBB\xBF".as_slice(), "姓名".as_bytes()].concat();
        assert_eq!(decode(&bom, None).unwrap(), "姓名");
    }
}
