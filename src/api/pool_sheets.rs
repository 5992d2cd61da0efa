//! The pool in and out as a spreadsheet: an office's CSV or XLSX of
//! instructors imported in one transaction (or checked with `dry_run`), and
//! the pool exported with the same columns.

use actix_web::{get, post, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::sheet_import::{self, ImportOptions};
use crate::auth::{Planner, Reader};
use crate::error::AppError;
use crate::http::query::QueryParams;
use crate::problem_details::ProblemDetails;
use crate::sheets;
use crate::sheets::export::{Download, ExportAs};
use crate::sheets::pool::Vocabulary;
use crate::sheets::pool_import::{self, ImportAction};
use crate::sheets::read::Limits;
use crate::store::instructors::{self, InstructorFilter};
use crate::store::{self, topics, DbPool};

/// What became of one row.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedRow {
    /// The row number the spreadsheet shows (the header is row 1).
    pub row: usize,
    pub action: ImportAction,
    /// The instructor (none for a row a dry run would create).
    pub instructor: Option<String>,
    pub name: String,
}

/// What an import did, or with `dry_run` would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Headers that are not columns of the pool, left alone.
    pub ignored_columns: Vec<String>,
    pub rows: Vec<ImportedRow>,
}

/// Import instructors from a CSV (UTF-8, or GB18030/GBK as Excel on Chinese
/// Windows saves it) or XLSX file sent as the body. Headers are field codes
/// or Chinese names (系统编号, 编号, 姓名, 类别, 单位, 职务, 层级, 城市, 纬度,
/// 经度, 专长, 授课方式, 年度课时上限, 接受远程, 最远出行公里, 电话, 邮箱; the
/// export's columns). A row with a 系统编号 updates that instructor, one with
/// a known 编号 (`external_id`) updates its instructor (keeping what the sheet
/// has no column for), others are created; a row that changes nothing is
/// left alone. All rows or none: any broken
/// rule is a 422 naming every cell (`rows[7].expertise`, "K7 专长: …").
#[utoipa::path(
    tag = "instructors",
    params(ImportOptions),
    request_body(
        description = "the sheet: CSV or XLSX",
        content(
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    ),
    responses(
        (status = 200, body = ImportReport),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/pool/import")]
pub async fn import(
    caller: Planner,
    pool: web::Data<DbPool>,
    limits: web::Data<Limits>,
    options: QueryParams<ImportOptions>,
    body: web::Payload,
) -> Result<web::Json<ImportReport>, AppError> {
    let cells = sheet_import::cells(body, options.encoding, &limits).await?;
    let dry_run = options.dry_run.unwrap_or(false);
    let office = caller.office_id.clone();
    let report = store::run(&pool, move |conn| {
        let vocabulary = Vocabulary {
            topics: topics::list(conn)?,
            methods: topics::methods(conn)?,
        };
        let mut parsed = sheets::pool::parse(&cells, &vocabulary)?;
        let check_only = sheet_import::check_only(&options, &parsed.errors);
        let outcomes =
            pool_import::import(conn, &office, &parsed.rows, &parsed.columns(), check_only)?;
        for (row, outcome) in parsed.numbers.iter().zip(&outcomes) {
            if let Err(refusal) = outcome {
                let error = parsed.error(*row, refusal.column, refusal.rule, &refusal.detail);
                parsed.errors.push((*row, error));
            }
        }
        sheet_import::refuse_broken(std::mem::take(&mut parsed.errors))?;
        let rows: Vec<ImportedRow> = parsed
            .numbers
            .iter()
            .zip(outcomes)
            .zip(&parsed.rows)
            .filter_map(|((row, outcome), input)| {
                let (action, instructor) = outcome.ok()?;
                Some(ImportedRow {
                    row: *row,
                    action,
                    instructor,
                    name: input.input.name.trim().to_owned(),
                })
            })
            .collect();
        let count = |a: ImportAction| rows.iter().filter(|r| r.action == a).count();
        Ok(ImportReport {
            dry_run,
            created: count(ImportAction::Created),
            updated: count(ImportAction::Updated),
            unchanged: count(ImportAction::Unchanged),
            ignored_columns: parsed.ignored_columns,
            rows,
        })
    })
    .await?;
    Ok(web::Json(report))
}

/// The pool (filtered as the list is) as CSV or XLSX, with the columns the
/// import reads: export, edit, import.
#[utoipa::path(
    tag = "instructors",
    params(InstructorFilter, ExportAs),
    responses(
        Download,
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/pool/export")]
pub async fn export(
    caller: Reader,
    pool: web::Data<DbPool>,
    filter: QueryParams<InstructorFilter>,
    export_as: QueryParams<ExportAs>,
) -> Result<HttpResponse, AppError> {
    let (filter, office) = (filter.0, caller.office_id.clone());
    let (profiles, _) = store::run(&pool, move |conn| {
        let now = chrono::Utc::now().naive_utc();
        instructors::list(conn, &office, &filter, (i64::MAX, 0), now)
    })
    .await?;
    sheets::pool::table(&profiles).response(export_as.format.unwrap_or_default())
}
