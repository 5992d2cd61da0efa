//! Teaching records and trainee evaluations (跟踪评价, 现场测评), from which
//! the ratings of SPEC section 4 are computed.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::reach::{InReach, Instructor, ToChange};
use crate::auth::{Planner, Reader};
use crate::error::AppError;
use crate::http::json::JsonBody;
use crate::problem_details::ProblemDetails;
use crate::store::quality::MIN_TO_SHOW;
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
    /// How many scores (1–5) were given of each value: `score_counts[0]`
    /// ones, … `score_counts[4]` fives; never in the order given, and all
    /// zero until at least 3 are in (`shown`).
    pub score_counts: [usize; 5],
    pub evaluation_count: usize,
    /// Whether enough scores are in to be shown (SPEC 11: at least 3).
    pub shown: bool,
    /// Plain mean of the scores, once shown.
    pub mean_score: Option<f64>,
}

impl From<EvaluatedRecord> for RecordView {
    fn from(r: EvaluatedRecord) -> Self {
        let count = r.scores.len();
        let shown = count >= MIN_TO_SHOW;
        let mean =
            shown.then(|| r.scores.iter().map(|&s| f64::from(s)).sum::<f64>() / count as f64);
        let mut score_counts = [0; 5];
        for &score in r.scores.iter().filter(|_| shown) {
            if let Some(n) = usize::try_from(score - 1)
                .ok()
                .and_then(|k| score_counts.get_mut(k))
            {
                *n += 1;
            }
        }
        let (class, plan) = r.class_and_plan.unzip();
        Self {
            id: r.record.id,
            instructor: r.record.instructor_id,
            title: r.record.title,
            delivered_at: r.record.delivered_at.and_utc(),
            session: r.record.session_id,
            class,
            plan,
            score_counts,
            evaluation_count: count,
            shown,
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
    target: InReach<Instructor>,
) -> Result<web::Json<Vec<RecordView>>, AppError> {
    let id = target.id().to_owned();
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
    target: InReach<Instructor, ToChange>,
    JsonBody(input): JsonBody<RecordInput>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
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
    _reached: InReach<Instructor, ToChange>,
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
