//! Reading an office's spreadsheet: CSV (UTF-8 with or without a byte
//! order mark, or GB18030/GBK as Excel on Chinese Windows writes it) or XLSX,
//! as rows of text, and its header row as the columns of a known set, so
//! that every broken rule can be reported at its cell (`E7`).

use std::collections::HashMap;

use solver::FieldError;

use crate::error::AppError;

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
pub fn rows(bytes: &[u8], encoding: Option<Encoding>) -> Result<Vec<Vec<String>>, AppError> {
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
        Data::DateTime(d) => match d.as_datetime() {
            // A time without a date is a day count below one.
            Some(t) if d.as_f64() < 1.0 => t.format("%H:%M").to_string(),
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
            None => d.to_string(),
        },
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

/// The data rows that are not blank, each with the row number the
/// spreadsheet shows (the header is row 1).
pub fn numbered(data: &[Vec<String>]) -> impl Iterator<Item = (usize, &[String])> {
    data.iter()
        .enumerate()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .map(|(k, cells)| (k + 2, cells.as_slice()))
}

/// 是/否 as an office types it (true/false, y/n, 1/0, √/× too); an empty
/// cell is 否.
pub fn yes_or_no(text: &str) -> Option<bool> {
    match text {
        "" | "否" | "false" | "FALSE" | "no" | "N" | "n" | "0" | "×" => Some(false),
        "是" | "true" | "TRUE" | "yes" | "Y" | "y" | "1" | "√" => Some(true),
        _ => None,
    }
}

/// Where a sheet's known columns are, from its header row (row 1).
#[derive(Debug)]
pub struct Header {
    columns: &'static [(&'static str, &'static str)],
    at: HashMap<&'static str, usize>,
    /// Headers that are not known columns: left alone.
    pub ignored: Vec<String>,
}

impl Header {
    /// Finds `columns` (field code, Chinese header) in the first row of
    /// `cells`, by code or Chinese name; returns it with the data rows. A
    /// column missing from `required`, or there twice, is an error.
    pub fn read<'a>(
        cells: &'a [Vec<String>],
        columns: &'static [(&'static str, &'static str)],
        required: &[&str],
    ) -> Result<(Self, &'a [Vec<String>]), AppError> {
        let Some((header, data)) = cells.split_first() else {
            return Err(AppError::field("file", "non_empty", "the sheet is empty"));
        };
        let mut errors = Vec::new();
        let mut at: HashMap<&'static str, usize> = HashMap::new();
        let mut ignored = Vec::new();
        for (k, title) in header.iter().enumerate() {
            let title = title.trim().trim_start_matches('\u{feff}');
            let known = columns
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
                None => ignored.push(title.to_owned()),
            }
        }
        let header = Self {
            columns,
            at,
            ignored,
        };
        for code in required {
            if !header.at.contains_key(code) {
                errors.push(FieldError::new(
                    format!("columns.{code}"),
                    "required",
                    format!("the sheet needs a column {} ({code})", header.title(code)),
                ));
            }
        }
        AppError::check(errors)?;
        Ok((header, data))
    }

    /// The field codes of the columns the sheet has.
    pub fn columns(&self) -> Vec<&'static str> {
        self.at.keys().copied().collect()
    }

    /// A row's cell of column `code`, trimmed; empty if the sheet has no
    /// such column.
    pub fn cell<'a>(&self, cells: &'a [String], code: &str) -> &'a str {
        self.at
            .get(code)
            .and_then(|&k| cells.get(k))
            .map_or("", |c| c.trim())
    }

    /// The Chinese header of a column code.
    fn title<'a>(&self, code: &'a str) -> &'a str {
        self.columns
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(code, |(_, zh)| zh)
    }

    /// The error of a row's `column`: `rows[7].expertise`, "E7 专长: …".
    pub fn error(&self, row: usize, column: &str, rule: &str, detail: &str) -> FieldError {
        let cell = self
            .at
            .get(column)
            .map_or_else(String::new, |&k| format!("{}{row} ", letters(k)));
        FieldError::new(
            format!("rows[{row}].{column}"),
            rule,
            format!("{cell}{}: {detail}", self.title(column)),
        )
    }
}

/// The items of a list cell, split at Chinese or Western separators.
pub fn items(text: &str) -> impl Iterator<Item = &str> {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn gbk_text_is_recognised() {
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,城市\n李明,武汉\n");
        let text = decode(&gbk, None).unwrap();
        assert!(text.starts_with("姓名,城市"));
        assert!(decode(&gbk, Some(Encoding::Utf8)).is_err());
        let bom = [b"\xEF\xBB\xBF".as_slice(), "姓名".as_bytes()].concat();
        assert_eq!(decode(&bom, None).unwrap(), "姓名");
    }

    #[test]
    fn column_letters_run_past_z() {
        assert_eq!(letters(0), "A");
        assert_eq!(letters(25), "Z");
        assert_eq!(letters(26), "AA");
        assert_eq!(letters(27), "AB");
        assert_eq!(letters(702), "AAA");
    }
}
