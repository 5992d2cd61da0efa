//! `/api/v1/offices`: the tree of offices (SPEC 10). Everyone but an
//! instructor reads their office's subtree; admins create and change the
//! offices in it.

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::sheet_import::{self, ImportOptions};
use crate::auth::reach::{InReach, Office, ToChange};
use crate::auth::{Admin, Reader};
use crate::error::AppError;
use crate::http::json::JsonBody;
use crate::http::query::QueryParams;
use crate::problem_details::ProblemDetails;
use crate::sheets::offices as sheet_offices;
use crate::sheets::read::Limits;
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

/// An office an import made (or with `dry_run` would make).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedOffice {
    /// Its row (the header is row 1).
    pub row: usize,
    /// None in a dry run.
    pub id: Option<String>,
    pub name: String,
    pub tier: OfficeTier,
    pub tier_name: &'static str,
    /// The name of the office above it.
    pub parent_name: String,
}

/// What an offices import did, or with `dry_run` would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficesImportReport {
    pub dry_run: bool,
    /// In row order.
    pub offices: Vec<ImportedOffice>,
    /// Headers that are not office columns, left alone.
    pub ignored_columns: Vec<String>,
}

/// Create offices below office `id` (of the caller's subtree) from a CSV
/// (UTF-8 or GB18030/GBK) or XLSX sheet, one row per office, headed
/// 机构名称, 层级 (国家级, 省级, 市级, 县级), 上级机构, 地区 (or `name`,
/// `tier`, `parent`, `region`). 上级机构 is another row's 机构名称, or an
/// office of `id`'s subtree by id or name; empty, office `id`. Rows may come
/// in any order. All rows or none: any broken rule is a 422 naming every
/// cell (`rows[5].tier`, "B5 层级: …"); an office its parent has already
/// (same name) is refused, so a sheet imported twice does not double the
/// tree.
#[utoipa::path(
    tag = "offices",
    params(("id" = String, Path), ImportOptions),
    request_body(
        description = "the sheet: CSV or XLSX",
        content(
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    ),
    responses(
        (status = 200, body = OfficesImportReport),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/offices/{id}/import")]
pub async fn import(
    _caller: Admin,
    office: InReach<Office, ToChange>,
    pool: web::Data<DbPool>,
    limits: web::Data<Limits>,
    options: QueryParams<ImportOptions>,
    body: web::Payload,
) -> Result<web::Json<OfficesImportReport>, AppError> {
    let within = office.id().to_owned();
    let cells = sheet_import::cells(body, options.encoding, &limits).await?;
    let dry_run = options.dry_run.unwrap_or(false);
    let report = store::run(&pool, move |conn| {
        let mut parsed = sheet_offices::parse(&cells)?;
        let check_only = sheet_import::check_only(&options, &parsed.errors);
        let made = offices::import(conn, &within, &parsed.rows, check_only)?;
        let made = sheet_import::settle(made, std::mem::take(&mut parsed.errors), |e| {
            parsed.header.error(e.row, &e.column, &e.rule, &e.detail)
        })?;
        Ok(OfficesImportReport {
            dry_run,
            offices: made
                .into_iter()
                .filter_map(|done| {
                    let row = parsed.rows.iter().find(|r| r.row == done.row)?;
                    Some(ImportedOffice {
                        row: done.row,
                        id: (!dry_run).then_some(done.id),
                        name: row.name.clone(),
                        tier: row.tier,
                        tier_name: row.tier.name_zh(),
                        parent_name: done.parent_name,
                    })
                })
                .collect(),
            ignored_columns: parsed.ignored_columns,
        })
    })
    .await?;
    Ok(web::Json(report))
}
