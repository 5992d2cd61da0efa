//! `/api/v1/offices`: the tree of offices (SPEC 10). Everyone but an
//! instructor reads their office's subtree; admins create and change the
//! offices in it.

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::reach::{InReach, Office, ToChange};
use crate::auth::{Admin, Reader};
use crate::error::AppError;
use crate::http::json::JsonBody;
use crate::problem_details::ProblemDetails;
use crate::store::offices::{self, OfficeChange, OfficeInput};
use crate::store::{self, DbPool};
use crate::vocabulary::{Named, OfficeTier};

/// An office as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeView {
    pub id: String,
    pub name: String,
    pub tier: OfficeTier,
    /// The tier's Chinese name (国家级, 省级, 市级, 县级).
    pub tier_name: &'static str,
    /// The office above it; none for the root.
    pub parent: Option<String>,
    pub region: String,
    /// A deactivated office's accounts cannot sign in; its records stay.
    pub active: bool,
    /// How far below the caller's office it is (0 for the caller's own).
    pub depth: i32,
    pub created_at: DateTime<Utc>,
}

impl OfficeView {
    /// `office`, `depth` levels below the caller's office.
    pub fn new(office: offices::Office, depth: i32) -> Self {
        Self {
            tier_name: office.tier.name_zh(),
            id: office.id,
            name: office.name,
            tier: office.tier,
            parent: office.parent_id,
            region: office.region,
            active: office.active,
            depth,
            created_at: office.created_at.and_utc(),
        }
    }
}

/// The caller's office and every office below it, depth first (each office
/// followed by the offices under it, by name).
#[utoipa::path(
    tag = "offices",
    responses(
        (status = 200, body = Vec<OfficeView>),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/offices")]
pub async fn list(
    caller: Reader,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Vec<OfficeView>>, AppError> {
    let within = caller.office_id.clone();
    let all = store::run(&pool, move |conn| Ok(offices::list(conn, &within)?)).await?;
    Ok(web::Json(
        all.into_iter()
            .map(|(office, depth)| OfficeView::new(office, depth))
            .collect(),
    ))
}

/// Create an office below the caller's (under `parent`, default the
/// caller's own), of a lower tier than its parent.
#[utoipa::path(
    tag = "offices",
    request_body = OfficeInput,
    responses(
        (status = 201, body = OfficeView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/offices")]
pub async fn create(
    caller: Admin,
    pool: web::Data<DbPool>,
    JsonBody(input): JsonBody<OfficeInput>,
) -> Result<HttpResponse, AppError> {
    let within = caller.office_id.clone();
    let view = store::run(&pool, move |conn| {
        let office = offices::create(conn, &within, &input)?;
        let depth = offices::depth_below(conn, &within, &office.id)?;
        Ok(OfficeView::new(office, depth))
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// One office of the caller's subtree.
#[utoipa::path(
    tag = "offices",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = OfficeView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/offices/{id}")]
pub async fn get(
    caller: Reader,
    office: InReach<Office>,
    pool: web::Data<DbPool>,
) -> Result<web::Json<OfficeView>, AppError> {
    let within = caller.office_id.clone();
    let view = store::run(&pool, move |conn| {
        let depth = offices::depth_below(conn, &within, office.id())?;
        Ok(OfficeView::new(offices::get(conn, office.id())?, depth))
    })
    .await?;
    Ok(web::Json(view))
}

/// Rename, retier, move (with its subtree) or (de)activate an office of
/// the caller's subtree. An office is never deleted: one with active
/// offices below it or staffing runs queued or running is not deactivated.
#[utoipa::path(
    tag = "offices",
    params(("id" = String, Path)),
    request_body = OfficeChange,
    responses(
        (status = 200, body = OfficeView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/api/v1/offices/{id}")]
pub async fn change(
    caller: Admin,
    office: InReach<Office, ToChange>,
    pool: web::Data<DbPool>,
    JsonBody(change): JsonBody<OfficeChange>,
) -> Result<web::Json<OfficeView>, AppError> {
    let within = caller.office_id.clone();
    let view = store::run(&pool, move |conn| {
        let changed = offices::update(conn, &within, office.id(), &change)?;
        let depth = offices::depth_below(conn, &within, office.id())?;
        Ok(OfficeView::new(changed, depth))
    })
    .await?;
    Ok(web::Json(view))
}
