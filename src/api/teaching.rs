//! Teaching records and trainee evaluations (跟踪评价, 现场测评), from which
//! the ratings of SPEC section 4 are computed.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Planner, Reader};
use crate::error::AppError;
use crate::http::json::JsonBody;
use crate::problem_details::ProblemDetails;
use crate::store::teaching::{self, EvaluatedRecord, EvaluationInput, RecordInput};
use crate::store::{self, DbPool};

/// A delivered session and its trainees' scores.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordView {
    pub id: String,
    pub instructor: String,
    pub title: String,
    pub delivered_at: DateTime<Utc>,
    /// The delivered session, class and plan it was made from (none for a
    /// record entered by hand).
    pub session: Option<String>,
    pub class: Option<String>,
    pub plan: Option<String>,
    pub scores: Vec<i32>,
    pub evaluation_count: usize,
    /// Plain mean of the scores, if any.
    pub mean_score: Option<f64>,
}

impl From<EvaluatedRecord> for RecordView {
    fn from(r: EvaluatedRecord) -> Self {
        let count = r.scores.len();
        let mean =
            (count > 0).then(|| r.scores.iter().map(|&s| f64::from(s)).sum::<f64>() / count as f64);
        let (class, plan) = r.class_and_plan.unzip();
        Self {
            id: r.record.id,
            instructor: r.record.instructor_id,
            title: r.record.title,
            delivered_at: r.record.delivered_at.and_utc(),
            session: r.record.session_id,
            class,
            plan,
            scores: r.scores,
            evaluation_count: count,
            mean_score: mean,
        }
    }
}

/// An instructor's teaching records, newest first; their confirmed
/// sessions that have ended are recorded first (once).
#[utoipa::path(
    tag = "teaching records",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Vec<RecordView>),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/instructors/{id}/teaching-records")]
pub async fn list(
    _caller: Reader,
    pool: web::Data<DbPool>,
    id: web::Path<String>,
) -> Result<web::Json<Vec<RecordView>>, AppError> {
    let records = store::run(&pool, move |conn| teaching::list(conn, &id)).await?;
    Ok(web::Json(
        records.into_iter().map(RecordView::from).collect(),
    ))
}

/// Record a delivered session, with its scores if they are in.
#[utoipa::path(
    tag = "teaching records",
    params(("id" = String, Path)),
    request_body = RecordInput,
    responses(
        (status = 201, body = RecordView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/instructors/{id}/teaching-records")]
pub async fn create(
    _caller: Planner,
    pool: web::Data<DbPool>,
    id: web::Path<String>,
    JsonBody(input): JsonBody<RecordInput>,
) -> Result<HttpResponse, AppError> {
    let record = store::run(&pool, move |conn| teaching::create(conn, &id, &input)).await?;
    Ok(HttpResponse::Created().json(RecordView::from(record)))
}

/// Add a batch of trainee scores to a record.
#[utoipa::path(
    tag = "teaching records",
    params(("id" = String, Path), ("record" = String, Path)),
    request_body = EvaluationInput,
    responses(
        (status = 201, body = RecordView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/instructors/{id}/teaching-records/{record}/evaluations")]
pub async fn evaluate(
    _caller: Planner,
    pool: web::Data<DbPool>,
    path: web::Path<(String, String)>,
    JsonBody(input): JsonBody<EvaluationInput>,
) -> Result<HttpResponse, AppError> {
    let (id, record) = path.into_inner();
    let record = store::run(&pool, move |conn| {
        teaching::evaluate(conn, &id, &record, &input)
    })
    .await?;
    Ok(HttpResponse::Created().json(RecordView::from(record)))
}
