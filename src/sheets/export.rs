//! Tables a user downloads to open in Excel or WPS: CSV (UTF-8 with a byte
//! order mark, without which Excel on Chinese Windows reads UTF-8 as GBK)
//! or XLSX, with the same columns either way.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::HttpResponse;
use std::collections::BTreeMap;

use serde::Deserialize;
use utoipa::openapi::{RefOr, Response};
use utoipa::ToSchema;

use crate::error::AppError;

/// The media type of an XLSX workbook.
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The file format of an export.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// Comma-separated, UTF-8 with a byte order mark.
    #[default]
    Csv,
    /// An Excel workbook of one sheet.
    Xlsx,
}

/// The `?format=` of a download.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportAs {
    /// `csv` (default) or `xlsx`.
    pub format: Option<ExportFormat>,
}

/// A download's success response in the OpenAPI document: the file as CSV
/// or as XLSX (`responses(Download, …)` in a handler's path).
pub struct Download;

impl utoipa::IntoResponses for Download {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        use utoipa::openapi::{ContentBuilder, ResponseBuilder};
        use utoipa::PartialSchema;
        let file = ResponseBuilder::new()
            .description("CSV (UTF-8 with a byte order mark) or XLSX")
            .content(
                "text/csv",
                ContentBuilder::new().schema(Some(String::schema())).build(),
            )
            .content(
                XLSX,
                ContentBuilder::new()
                    .schema(Some(<Vec<u8>>::schema()))
                    .build(),
            )
            .build();
        BTreeMap::from([("200".to_owned(), file.into())])
    }
}

/// The characters that make a spreadsheet program read a cell as a formula
/// (OWASP's CSV injection list), and the quote that escapes them.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];
const ESCAPE: char = '\'';

/// A text cell of a CSV as written: one beginning with a formula character
/// (or with the escape itself) gets a leading `'`, so Excel and WPS show it
/// as text instead of running it. [`restored`] undoes it on import.
fn neutralised(text: &str) -> String {
    match text.chars().next() {
        Some(c) if FORMULA_STARTS.contains(&c) || c == ESCAPE => format!("{ESCAPE}{text}"),
        _ => text.to_owned(),
    }
}

/// A cell as imported: the `'` that [`neutralised`] put before a formula
/// character (or before another `'`) is taken off, so an export imported
/// again gives back the text that was exported.
pub fn restored(cell: String) -> String {
    let mut chars = cell.chars();
    match (chars.next(), chars.next()) {
        (Some(ESCAPE), Some(c)) if FORMULA_STARTS.contains(&c) || c == ESCAPE => {
            cell[ESCAPE.len_utf8()..].to_owned()
        }
        _ => cell,
    }
}

/// One cell: text, a number, or nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Self {
        Self::Number(n)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Self::Number(n as f64)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Empty, Into::into)
    }
}

/// A titled table: its sheet name, column headers and rows.
#[derive(Debug, Clone)]
pub struct Table {
    /// The XLSX sheet's name and the file's stem.
    pub name: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The table as a download in `format`.
    pub fn response(&self, format: ExportFormat) -> Result<HttpResponse, AppError> {
        let (bytes, content_type, extension) = match format {
            ExportFormat::Csv => (self.csv()?, "text/csv; charset=utf-8", "csv"),
            ExportFormat::Xlsx => (self.xlsx()?, XLSX, "xlsx"),
        };
        let disposition = ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::FilenameExt(header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: format!("{}.{extension}", self.name).into_bytes(),
            })],
        };
        Ok(HttpResponse::Ok()
            .content_type(content_type)
            .insert_header(disposition)
            .body(bytes))
    }

    fn csv(&self) -> Result<Vec<u8>, AppError> {
        let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        let failed = |e: csv::Error| AppError::Internal(e.into());
        writer.write_record(&self.headers).map_err(failed)?;
        for row in &self.rows {
            writer
                .write_record(row.iter().map(|cell| match cell {
                    Cell::Text(text) => neutralised(text),
                    Cell::Number(n) => n.to_string(),
                    Cell::Empty => String::new(),
                }))
                .map_err(failed)?;
        }
        writer
            .into_inner()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("CSV: {e}")))
    }

    fn xlsx(&self) -> Result<Vec<u8>, AppError> {
        let failed = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.into());
        let mut book = rust_xlsxwriter::Workbook::new();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let sheet = book.add_worksheet();
        // A sheet's name is at most 31 characters, without []:*?/\.
        let name: String = self
            .name
            .chars()
            .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
            .take(31)
            .collect();
        sheet.set_name(name).map_err(failed)?;
        for (c, title) in self.headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, *title, &bold)
                .map_err(failed)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(text) => sheet.write_string(r, c, text).map(|_| ()),
                    Cell::Number(n) => sheet.write_number(r, c, *n).map(|_| ()),
                    Cell::Empty => Ok(()),
                }
                .map_err(failed)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(failed)?;
        book.save_to_buffer().map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn formulas_are_written_as_text_and_read_back() {
        for text in [
            "=1+2", "+86 10", "-5", "@SUM(A1)", "\tx", "\rx", "'=x", "'plain", "'",
        ] {
            let written = neutralised(text);
            assert!(written.starts_with('\''), "{text:?} written as {written:?}");
            assert_eq!(restored(written), text);
        }
        for text in ["李明", "a=b", "", "3"] {
            assert_eq!(neutralised(text), text);
            assert_eq!(restored(text.to_owned()), text);
        }
    }

    #[test]
    fn csv_starts_with_a_bom_and_quotes_what_needs_it() {
        let table = Table {
            name: "测评".to_owned(),
            headers: vec!["课程", "平均分"],
            rows: vec![
                vec!["办信, 实务".into(), 4.5.into()],
                vec!["接访".into(), Cell::Empty],
            ],
        };
        let text = String::from_utf8(table.csv().unwrap()).unwrap();
        assert_eq!(text, "\u{feff}课程,平均分\n\"办信, 实务\",4.5\n接访,\n");
    }
}
