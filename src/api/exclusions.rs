//! Planners' exclusions: an instructor kept out of a session or a class.

use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::reach::{Exclusion, InReach, Plan, ToChange};
use crate::auth::{Planner, Reader};
use crate::error::AppError;
use crate::http::json::JsonBody;
use crate::problem_details::ProblemDetails;
use crate::store::exclusions::{self, ExclusionInput, Listed};
use crate::store::{self, DbPool};

#[derive(Debug, Serialize, ToSchema)]
pub struct ExclusionView {
    pub id: String,
    pub instructor: String,
    pub instructor_name: String,
    /// The one session it covers, or
    pub session: Option<String>,
    /// every session of this class.
    pub class: Option<String>,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Unlocked proposals of the instructor it removed (on creation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_proposals: Option<usize>,
}

impl ExclusionView {
    fn new(e: Listed, removed_proposals: Option<usize>) -> Self {
        Self {
            id: e.id,
            instructor: e.instructor_id,
            instructor_name: e.instructor_name,
            session: e.session_id,
            class: e.class_id,
            reason: e.reason,
            created_by: e.created_by,
            created_at: e.created_at.and_utc(),
            removed_proposals,
        }
    }
}

/// Keep an instructor out of a session or a whole class. The instructor's
/// unlocked proposals there are removed, the next run and the
/// recommendations leave them out; 409 while they hold a confirmed or locked
/// assignment there.
#[utoipa::path(tag = "staffing", request_body = ExclusionInput,
    responses((status = 201, body = ExclusionView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/exclusions")]
pub async fn create(
    caller: Planner,
    pool: web::Data<DbPool>,
    JsonBody(input): JsonBody<ExclusionInput>,
) -> Result<HttpResponse, AppError> {
    let (by, office) = (caller.user_id.clone(), caller.office_id.clone());
    let (made, removed) = store::run(&pool, move |conn| {
        exclusions::create(conn, &office, &input, &by)
    })
    .await?;
    Ok(HttpResponse::Created().json(ExclusionView::new(made, Some(removed))))
}

/// The exclusions of a plan's sessions and classes, oldest first.
#[utoipa::path(tag = "staffing", params(("id" = String, Path)),
    responses((status = 200, body = Vec<ExclusionView>),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/plans/{id}/exclusions")]
pub async fn list(
    _caller: Reader,
    pool: web::Data<DbPool>,
    target: InReach<Plan>,
) -> Result<web::Json<Vec<ExclusionView>>, AppError> {
    let id = target.id().to_owned();
    let found = store::run(&pool, move |conn| exclusions::of_plan(conn, &id)).await?;
    Ok(web::Json(
        found
            .into_iter()
            .map(|e| ExclusionView::new(e, None))
            .collect(),
    ))
}

/// Lift an exclusion.
#[utoipa::path(tag = "staffing", params(("id" = String, Path)),
    responses((status = 204),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/api/v1/exclusions/{id}")]
pub async fn delete(
    _caller: Planner,
    pool: web::Data<DbPool>,
    target: InReach<Exclusion, ToChange>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
    store::run(&pool, move |conn| exclusions::delete(conn, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
