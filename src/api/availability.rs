//! Unavailability blocks: planners manage anyone's under
//! `/api/v1/instructors/{id}/unavailability`, instructors their own under
//! `/api/v1/me/unavailability`. Both paths run the same code.

use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::reach::{InReach, Instructor, ToChange};
use crate::auth::{Caller, Planner, Reader};
use crate::error::AppError;
use crate::http::json::JsonBody;
use crate::problem_details::ProblemDetails;
use crate::store::availability::{self, Block, BlockInput};
use crate::store::{self, DbPool};

/// A period `[start, end)` in which the instructor cannot teach.
#[derive(Debug, Serialize, ToSchema)]
pub struct BlockView {
    pub id: String,
    pub instructor: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub note: String,
}

impl From<Block> for BlockView {
    fn from(b: Block) -> Self {
        Self {
            id: b.id,
            instructor: b.instructor_id,
            start: b.start_at.and_utc(),
            end: b.end_at.and_utc(),
            note: b.note,
        }
    }
}

async fn list_of(pool: &DbPool, instructor: String) -> Result<web::Json<Vec<BlockView>>, AppError> {
    let blocks = store::run(pool, move |conn| availability::list(conn, &instructor)).await?;
    Ok(web::Json(blocks.into_iter().map(BlockView::from).collect()))
}

async fn add_to(
    pool: &DbPool,
    instructor: String,
    input: BlockInput,
) -> Result<HttpResponse, AppError> {
    let block = store::run(pool, move |conn| {
        availability::add(conn, &instructor, &input)
    })
    .await?;
    Ok(HttpResponse::Created().json(BlockView::from(block)))
}

async fn remove_from(
    pool: &DbPool,
    instructor: String,
    block: String,
) -> Result<HttpResponse, AppError> {
    store::run(pool, move |conn| {
        availability::remove(conn, &instructor, &block)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An instructor's unavailability.
#[utoipa::path(
    tag = "availability",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Vec<BlockView>),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/instructors/{id}/unavailability")]
pub async fn list(
    _caller: Reader,
    pool: web::Data<DbPool>,
    target: InReach<Instructor>,
) -> Result<web::Json<Vec<BlockView>>, AppError> {
    let id = target.id().to_owned();
    list_of(&pool, id).await
}

/// Add a block to an instructor's unavailability (409 if it overlaps one).
#[utoipa::path(
    tag = "availability",
    params(("id" = String, Path)),
    request_body = BlockInput,
    responses(
        (status = 201, body = BlockView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/instructors/{id}/unavailability")]
pub async fn add(
    _caller: Planner,
    pool: web::Data<DbPool>,
    target: InReach<Instructor, ToChange>,
    JsonBody(input): JsonBody<BlockInput>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
    add_to(&pool, id, input).await
}

/// Remove a block.
#[utoipa::path(
    tag = "availability",
    params(("id" = String, Path), ("block" = String, Path)),
    responses(
        (status = 204),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[delete("/api/v1/instructors/{id}/unavailability/{block}")]
pub async fn remove(
    _caller: Planner,
    _reached: InReach<Instructor, ToChange>,
    pool: web::Data<DbPool>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, block) = path.into_inner();
    remove_from(&pool, id, block).await
}

/// The caller's own unavailability (instructor accounts).
#[utoipa::path(
    tag = "me",
    responses(
        (status = 200, body = Vec<BlockView>),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/me/unavailability")]
pub async fn list_own(
    caller: Caller,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Vec<BlockView>>, AppError> {
    list_of(&pool, caller.own_instructor()?.to_owned()).await
}

/// Add a block to the caller's own unavailability.
#[utoipa::path(
    tag = "me",
    request_body = BlockInput,
    responses(
        (status = 201, body = BlockView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/me/unavailability")]
pub async fn add_own(
    caller: Caller,
    pool: web::Data<DbPool>,
    JsonBody(input): JsonBody<BlockInput>,
) -> Result<HttpResponse, AppError> {
    add_to(&pool, caller.own_instructor()?.to_owned(), input).await
}

/// Remove a block of the caller's own.
#[utoipa::path(
    tag = "me",
    params(("block" = String, Path)),
    responses(
        (status = 204),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[delete("/api/v1/me/unavailability/{block}")]
pub async fn remove_own(
    caller: Caller,
    pool: web::Data<DbPool>,
    block: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    remove_from(
        &pool,
        caller.own_instructor()?.to_owned(),
        block.into_inner(),
    )
    .await
}
