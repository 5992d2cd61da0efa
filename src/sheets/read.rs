//! Reading an office's spreadsheet: CSV (UTF-8 with or without a byte
//! order mark, or GB18030/GBK as Excel on Chinese Windows writes it) or XLSX,
//! as rows of text, and its header row as the columns of a known set, so
//! that every broken rule can be reported at its cell (`E7`).

use std::collections::HashMap;

use solver::FieldError;

use super::export::restored;
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

/// How much an imported sheet may hold. Each bound is checked while the
/// file is read, so a workbook that unpacks to gigabytes, a sheet of a
/// million rows or a cell of 200 MB is refused once it passes the bound,
/// with memory bounded by it, and nothing is written.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes of the request body (CSV or XLSX as sent).
    pub body_bytes: usize,
    /// Bytes an XLSX workbook's parts may unpack to, in all.
    pub unpacked_bytes: u64,
    /// Rows of the sheet, the header included.
    pub rows: usize,
    /// Columns of the sheet.
    pub columns: usize,
    /// Characters of one cell.
    pub cell_chars: usize,
    /// Seconds reading the sheet may take.
    pub seconds: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_bytes: 32 * 1024 * 1024,
            unpacked_bytes: 64 * 1024 * 1024,
            rows: 50_000,
            columns: 200,
            cell_chars: 5_000,
            seconds: 30.0,
        }
    }
}

/// The clock and counts of one reading against its [`Limits`].
struct Reading<'a> {
    limits: &'a Limits,
    started: std::time::Instant,
}

impl<'a> Reading<'a> {
    fn new(limits: &'a Limits) -> Self {
        Self {
            limits,
            started: std::time::Instant::now(),
        }
    }

    /// Fails once the reading has taken longer than its limit.
    fn in_time(&self) -> Result<(), AppError> {
        if self.started.elapsed().as_secs_f64() > self.limits.seconds {
            return Err(AppError::field(
                "file",
                "max_seconds",
                format!(
                    "reading the sheet took longer than {} s (IMPORT_MAX_SECONDS); split it",
                    self.limits.seconds
                ),
            ));
        }
        Ok(())
    }

    /// A row at 0-based `index` must lie within the row limit.
    fn row(&self, index: usize) -> Result<(), AppError> {
        if index >= self.limits.rows {
            return Err(AppError::field(
                "file",
                "max_rows",
                format!(
                    "the sheet has more than {} rows (IMPORT_MAX_ROWS); split it",
                    self.limits.rows
                ),
            ));
        }
        Ok(())
    }

    /// A cell at 0-based (`row`, `column`) with `text` must lie within the
    /// column limit and hold at most the characters allowed.
    fn cell(&self, row: usize, column: usize, text: &str) -> Result<(), AppError> {
        if column >= self.limits.columns {
            return Err(AppError::field(
                "file",
                "max_columns",
                format!(
                    "the sheet has more than {} columns (IMPORT_MAX_COLUMNS)",
                    self.limits.columns
                ),
            ));
        }
        // Bytes bound characters from above: count only long cells.
        if text.len() > self.limits.cell_chars && text.chars().count() > self.limits.cell_chars {
            return Err(AppError::field(
                format!("rows[{}]", row + 1),
                "max_length",
                format!(
                    "{}{}: a cell of more than {} characters (IMPORT_MAX_CELL_CHARS)",
                    letters(column),
                    row + 1,
                    self.limits.cell_chars
                ),
            ));
        }
        Ok(())
    }
}

/// The cells of a sheet, row by row, as text (the first row is the
/// header), read within `limits`.
pub fn rows(
    bytes: &[u8],
    encoding: Option<Encoding>,
    limits: &Limits,
) -> Result<Vec<Vec<String>>, AppError> {
    let reading = Reading::new(limits);
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes, &reading)
    } else {
        read_csv(&decode(bytes, encoding)?, &reading)
    }
}

/// Unpacks every part of the workbook, counting the bytes each really
/// unpacks to (never what its header claims), and fails as soon as the
/// total passes the limit: the parser that reads it next unpacks nothing
/// more than was counted here.
fn check_unpacked(bytes: &[u8], reading: &Reading) -> Result<(), AppError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    let limit = reading.limits.unpacked_bytes;
    let too_large = || {
        AppError::PayloadTooLarge(format!(
            "the workbook unpacks to more than {limit} bytes (IMPORT_MAX_UNPACKED_BYTES); \
             split it or save it as CSV"
        ))
    };
    let mut total: u64 = 0;
    let mut buffer = vec![0u8; 64 * 1024];
    for k in 0..archive.len() {
        let mut part = archive.by_index(k).map_err(unreadable)?;
        loop {
            let n = std::io::Read::read(&mut part, &mut buffer).map_err(unreadable)?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > limit {
                return Err(too_large());
            }
            reading.in_time()?;
        }
    }
    Ok(())
}

/// The refusal of a file that is no workbook, whatever the reader's error.
fn unreadable<E>(_: E) -> AppError {
    AppError::field("file", "xlsx", "not a readable XLSX workbook")
}

fn read_xlsx(bytes: &[u8], reading: &Reading) -> Result<Vec<Vec<String>>, AppError> {
    use calamine::Reader;
    check_unpacked(bytes, reading)?;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    let first = book
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| AppError::field("file", "xlsx", "the workbook has no sheet"))?;
    // Cell by cell, never the sheet's whole range at once: one cell at
    // XFD1048576 would make that range seventeen billion cells.
    let mut cells = book.worksheet_cells_reader(&first).map_err(unreadable)?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, column) = cell.get_position();
        let (row, column) = (row as usize, column as usize);
        reading.row(row)?;
        let text = restored(cell_text(&calamine::Data::from(cell.get_value().clone())));
        reading.cell(row, column, &text)?;
        if rows.len() <= row {
            rows.resize_with(row + 1, Vec::new);
            reading.in_time()?;
        }
        let cells = &mut rows[row];
        if cells.len() <= column {
            cells.resize(column + 1, String::new());
        }
        cells[column] = text;
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

fn read_csv(text: &str, reading: &Reading) -> Result<Vec<Vec<String>>, AppError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record
            .map_err(|e| AppError::field("file", "csv", format!("not readable as CSV: {e}")))?;
        reading.row(row)?;
        let mut cells = Vec::with_capacity(record.len());
        for (column, text) in record.iter().enumerate() {
            reading.cell(row, column, text)?;
            cells.push(restored(text.to_owned()));
        }
        rows.push(cells);
        if row % 1024 == 0 {
            reading.in_time()?;
        }
    }
    Ok(rows)
}

/// The data rows that are not blank, each with the row number the
/// spreadsheet shows (the header is row 1).
fn numbered(data: &[Vec<String>]) -> impl Iterator<Item = (usize, &[String])> {
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

/// Broken rules, each with the row number the spreadsheet shows.
pub type CellErrors = Vec<(usize, FieldError)>;

/// A data row's number and cells.
pub type DataRow<'a> = (usize, &'a [String]);

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

    /// The data rows that are not blank, each with the row number the
    /// spreadsheet shows, less the rows with a control character (NUL…,
    /// also as XLSX's `_x0000_`) in a known column: those are refused at
    /// each such cell, returned first, and go no further, so such text never
    /// reaches the database, not even in a dry run.
    pub fn clean_rows<'a>(&self, data: &'a [Vec<String>]) -> (CellErrors, Vec<DataRow<'a>>) {
        let mut columns: Vec<(&str, usize)> = self.at.iter().map(|(c, k)| (*c, *k)).collect();
        columns.sort_by_key(|(_, k)| *k);
        let mut refused = Vec::new();
        let mut clean = Vec::new();
        for (row, cells) in numbered(data) {
            let before = refused.len();
            for &(code, k) in &columns {
                if cells
                    .get(k)
                    .is_some_and(|c| solver::has_control_character(c))
                {
                    let detail = "text may not contain control characters (such as NUL)";
                    refused.push((row, self.error(row, code, "control_character", detail)));
                }
            }
            if refused.len() == before {
                clean.push((row, cells));
            }
        }
        (refused, clean)
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
