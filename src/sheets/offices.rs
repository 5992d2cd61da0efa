//! The offices of a part of the tree from a spreadsheet (机构导入), so that a
//! province loads its cities and counties at once: one row per office,
//! headed 机构名称, 层级, 上级机构, 地区 (or their field codes). 上级机构
//! names another row of the sheet or an office already in the tree (by
//! name or id); empty, it is the importing admin's own office.

use std::collections::HashMap;

use crate::error::AppError;
use crate::sheets::read::{CellErrors, Header};
use crate::store::offices::OfficeRow;
use crate::vocabulary::{names, Named, OfficeTier};

/// The columns: field code and Chinese header.
pub const COLUMNS: [(&str, &str); 4] = [
    ("name", "机构名称"),
    ("tier", "层级"),
    ("parent", "上级机构"),
    ("region", "地区"),
];
/// Columns a sheet must have.
const REQUIRED: [&str; 2] = ["name", "tier"];

/// A sheet read into office rows, with every rule its cells break.
#[derive(Debug)]
pub struct ParsedOffices {
    pub rows: Vec<OfficeRow>,
    pub errors: CellErrors,
    /// Headers that are not office columns: left alone.
    pub ignored_columns: Vec<String>,
    pub header: Header,
}

/// Reads the rows of an offices sheet; a sheet without the columns it
/// needs is an error, a row's broken rules are listed at their cells. Two
/// rows may not name the same office.
pub fn parse(cells: &[Vec<String>]) -> Result<ParsedOffices, AppError> {
    let (header, data) = Header::read(cells, &COLUMNS, &REQUIRED)?;
    let (mut errors, clean) = header.clean_rows(data);
    let mut rows = Vec::new();
    let mut first_row: HashMap<String, usize> = HashMap::new();
    for (row, cells) in clean {
        let get = |code: &str| header.cell(cells, code).to_owned();
        let name = get("name");
        if name.is_empty() {
            let error = header.error(row, "name", "non_empty", "the office's name");
            errors.push((row, error));
            continue;
        }
        if let Some(earlier) = first_row.insert(name.clone(), row) {
            let detail = format!("{name} is on row {earlier} already");
            errors.push((row, header.error(row, "name", "unique", &detail)));
            continue;
        }
        let Some(tier) = OfficeTier::from_code_or_name(&get("tier")) else {
            let detail = format!("one of {}", names::<OfficeTier>());
            errors.push((row, header.error(row, "tier", "known", &detail)));
            continue;
        };
        rows.push(OfficeRow {
            row,
            name,
            tier,
            parent: get("parent"),
            region: get("region"),
        });
    }
    Ok(ParsedOffices {
        rows,
        errors,
        ignored_columns: header.ignored.clone(),
        header,
    })
}
