//! `POST /api/v1/plans/{id}/import`: a yearly plan's classes and sessions
//! from an office's spreadsheet, in one transaction (or checked with
//! `dry_run`).

use actix_web::{post, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::sheet_import::{self, ImportOptions};
use crate::auth::reach::{InReach, Plan, ToChange};
use crate::auth::Planner;
use crate::error::AppError;
use crate::http::query::QueryParams;
use crate::problem_details::ProblemDetails;
use crate::sheets::plan;
use crate::sheets::read::Limits;
use crate::store::{self, plans, topics, DbPool};

/// A class the import made (or with `dry_run` would make).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedClass {
    /// The row of its first session (the header is row 1).
    pub row: usize,
    /// None in a dry run.
    pub id: Option<String>,
    pub name: String,
    pub sessions: Vec<ImportedSession>,
}

/// A session the import made.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedSession {
    pub row: usize,
    /// None in a dry run.
    pub id: Option<String>,
    pub title: String,
}

/// What a plan import did, or with `dry_run` would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanImportReport {
    pub dry_run: bool,
    pub classes: Vec<ImportedClass>,
    /// Headers that are not plan columns, left alone.
    pub ignored_columns: Vec<String>,
}

/// Import classes and sessions into a plan from a CSV (UTF-8 or
/// GB18030/GBK) or XLSX sheet: one row per session, headed 班次名称,
/// 班次类别, 城市, 纬度, 经度, 开班日期, 结班日期, 干部授课比例, 课程名称, 日期,
/// 时间, 专题, 授课方式, 所需教师, 远程 (or their field codes). Rows with the
/// same 班次名称 form one class. Dates as `2027-03-08`, `2027/3/8` or
/// `2027年3月8日`; times as `09:00-12:00` or 上午/下午/晚上, Beijing time;
/// topics as `办信:3；接访:4`. All rows or none: any broken rule is a 422
/// naming every cell (`rows[7].date`, "J7 日期: …"); a class the plan has
/// already (same name and start date) is refused.
#[utoipa::path(
    tag = "plans",
    params(("id" = String, Path), ImportOptions),
    request_body(
        description = "the sheet: CSV or XLSX",
        content(
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    ),
    responses(
        (status = 200, body = PlanImportReport),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/plans/{id}/import")]
pub async fn import(
    _caller: Planner,
    pool: web::Data<DbPool>,
    target: InReach<Plan, ToChange>,
    limits: web::Data<Limits>,
    options: QueryParams<ImportOptions>,
    body: web::Payload,
) -> Result<web::Json<PlanImportReport>, AppError> {
    let id = target.id().to_owned();
    let cells = sheet_import::cells(body, options.encoding, &limits).await?;
    let dry_run = options.dry_run.unwrap_or(false);
    let report = store::run(&pool, move |conn| {
        plans::plan(conn, &id)?;
        let vocabulary = (topics::list(conn)?, topics::methods(conn)?);
        let mut parsed = plan::parse(&cells, &vocabulary.0, &vocabulary.1)?;
        let check_only = sheet_import::check_only(&options, &parsed.errors);
        let made = plans::import(conn, &id, &parsed.classes, check_only)?;
        let made = sheet_import::settle(made, std::mem::take(&mut parsed.errors), |e| {
            parsed.error(e.row, &e.column, &e.rule, &e.detail)
        })?;
        Ok(PlanImportReport {
            dry_run,
            classes: parsed
                .classes
                .into_iter()
                .zip(made)
                .map(|(class, (class_id, ids))| ImportedClass {
                    row: class.row,
                    id: (!dry_run).then_some(class_id),
                    name: class.input.name,
                    sessions: class
                        .sessions
                        .into_iter()
                        .map(|(row, s)| ImportedSession {
                            row,
                            id: ids
                                .iter()
                                .find(|(r, _)| *r == row)
                                .filter(|_| !dry_run)
                                .map(|(_, id)| id.clone()),
                            title: s.title,
                        })
                        .collect(),
                })
                .collect(),
            ignored_columns: parsed.ignored_columns,
        })
    })
    .await?;
    Ok(web::Json(report))
}
