//! Teaching-quality tracking (跟踪评价): an instructor's rating over time
//! with its trend, evaluated sessions and comments; a plan's response rates,
//! means and low-scoring sessions, also as CSV or XLSX. Offices and planners
//! read every instructor's; an instructor reads their own.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use utoipa::IntoParams;

use super::instructors::naive_or_now;
use crate::auth::reach::{InReach, Instructor, Plan};
use crate::auth::{Caller, Reader};
use crate::error::AppError;
use crate::http::query::QueryParams;
use crate::problem_details::ProblemDetails;
use crate::sheets::export::{Cell, Download, ExportAs, Table};
use crate::store::quality::{self, InstructorQuality, PlanQuality, RatingPoint};
use crate::store::{self, DbPool};

const MAX_HISTORY_MONTHS: u32 = 60;
/// Sessions whose mean score is below this are marked, by default.
const DEFAULT_THRESHOLD: f64 = 3.5;

/// How far back a rating history goes.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryRange {
    /// Months, 1–60 (default 12).
    #[param(minimum = 1, maximum = 60)]
    pub months: Option<u32>,
    /// RFC 3339; default now. The last month's point is at this time.
    #[serde(default, deserialize_with = "solver::time_range::optional_time")]
    pub until: Option<DateTime<FixedOffset>>,
}

impl HistoryRange {
    fn checked(&self) -> Result<(u32, chrono::NaiveDateTime), AppError> {
        let months = self.months.unwrap_or(12);
        if !(1..=MAX_HISTORY_MONTHS).contains(&months) {
            return Err(AppError::field(
                "months",
                "range",
                format!("from 1 to {MAX_HISTORY_MONTHS}"),
            ));
        }
        Ok((months, naive_or_now(self.until)))
    }
}

/// Which part of a plan, and what counts as a low score.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanScope {
    /// One class of the plan only.
    pub class: Option<String>,
    /// Sessions whose mean score is below this (1–5, default 3.5) are marked.
    #[param(minimum = 1, maximum = 5)]
    pub threshold: Option<f64>,
}

impl PlanScope {
    fn threshold(&self) -> Result<f64, AppError> {
        let threshold = self.threshold.unwrap_or(DEFAULT_THRESHOLD);
        if (1.0..=5.0).contains(&threshold) {
            Ok(threshold)
        } else {
            Err(AppError::field("threshold", "range", "a score from 1 to 5"))
        }
    }
}

/// An instructor's rating (SPEC 4) as of the end of each month, oldest
/// first, with the evaluations counted and their plain mean.
#[utoipa::path(
    tag = "quality",
    params(("id" = String, Path), HistoryRange),
    responses(
        (status = 200, body = Vec<RatingPoint>),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/instructors/{id}/rating-history")]
pub async fn rating_history(
    caller: Caller,
    pool: web::Data<DbPool>,
    target: InReach<Instructor>,
    range: QueryParams<HistoryRange>,
) -> Result<web::Json<Vec<RatingPoint>>, AppError> {
    let id = target.id().to_owned();
    caller.may_read_instructor(&id)?;
    let (months, until) = range.checked()?;
    let points = store::run(&pool, move |conn| {
        quality::rating_history(conn, &id, months, until)
    })
    .await?;
    Ok(web::Json(points))
}

/// An instructor's teaching quality: the rating month by month and its
/// trend, their evaluated sessions and the trainees' (anonymous) comments.
#[utoipa::path(
    tag = "quality",
    params(("id" = String, Path), HistoryRange),
    responses(
        (status = 200, body = InstructorQuality),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/instructors/{id}/quality")]
pub async fn of_instructor(
    caller: Caller,
    pool: web::Data<DbPool>,
    target: InReach<Instructor>,
    range: QueryParams<HistoryRange>,
) -> Result<web::Json<InstructorQuality>, AppError> {
    let id = target.id().to_owned();
    caller.may_read_instructor(&id)?;
    let (months, until) = range.checked()?;
    let report = store::run(&pool, move |conn| {
        quality::of_instructor(conn, &id, months, until)
    })
    .await?;
    Ok(web::Json(report))
}

/// A plan's (or one class's) teaching quality: response rate and mean
/// scores per session, sessions below the threshold, mean per instructor,
/// comments.
#[utoipa::path(
    tag = "quality",
    params(("id" = String, Path), PlanScope),
    responses(
        (status = 200, body = PlanQuality),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/plans/{id}/quality")]
pub async fn of_plan(
    _caller: Reader,
    pool: web::Data<DbPool>,
    target: InReach<Plan>,
    scope: QueryParams<PlanScope>,
) -> Result<web::Json<PlanQuality>, AppError> {
    let id = target.id().to_owned();
    Ok(web::Json(plan_report(&pool, id, &scope).await?))
}

async fn plan_report(
    pool: &DbPool,
    id: String,
    scope: &PlanScope,
) -> Result<PlanQuality, AppError> {
    let threshold = scope.threshold()?;
    let class = scope.class.clone();
    store::run(pool, move |conn| {
        quality::of_plan(conn, &id, class.as_deref(), threshold)
    })
    .await
}

/// The plan's quality as a spreadsheet: one row per session and instructor.
#[utoipa::path(
    tag = "quality",
    params(("id" = String, Path), PlanScope, ExportAs),
    responses(
        Download,
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/plans/{id}/quality/export")]
pub async fn export(
    _caller: Reader,
    pool: web::Data<DbPool>,
    target: InReach<Plan>,
    scope: QueryParams<PlanScope>,
    export_as: QueryParams<ExportAs>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
    let report = plan_report(&pool, id, &scope).await?;
    quality_table(&report).response(export_as.format.unwrap_or_default())
}

/// The export's columns, in Chinese as an office's sheets have them.
fn quality_table(report: &PlanQuality) -> Table {
    let mut rows = Vec::new();
    for s in &report.sessions {
        let session_cells = |instructor: Cell, count: Cell, mean: Cell| -> Vec<Cell> {
            vec![
                s.class_name.as_str().into(),
                s.title.as_str().into(),
                crate::china_time::format(s.start.naive_utc(), "%Y-%m-%d %H:%M").into(),
                instructor,
                count,
                mean,
                s.trainees.into(),
                s.responses.into(),
                s.response_rate.into(),
                s.mean_score.into(),
                s.content.into(),
                s.method.into(),
                s.usefulness.into(),
                (if s.below_threshold { "是" } else { "" }).into(),
            ]
        };
        if s.instructors.is_empty() {
            rows.push(session_cells(Cell::Empty, Cell::Empty, Cell::Empty));
        }
        for i in &s.instructors {
            rows.push(session_cells(
                i.name.as_str().into(),
                (i.evaluation_count as i64).into(),
                i.mean_score.into(),
            ));
        }
    }
    Table {
        name: format!("{} 教学质量", report.plan_name),
        headers: vec![
            "班次",
            "课程",
            "开始时间",
            "授课人员",
            "评分人数",
            "授课人员平均分",
            "发放测评码",
            "回收",
            "回收率",
            "课程平均分",
            "教学内容",
            "教学方法",
            "对工作的帮助",
            "低于阈值",
        ],
        rows,
    }
}
