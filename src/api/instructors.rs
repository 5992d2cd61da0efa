//! `/api/v1/instructors`: the faculty pool (师资库).

use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::pagination::{Page, Paginated};
use super::versioning::{etag, if_match};
use crate::auth::reach::{InReach, Instructor, ToChange};
use crate::auth::{Planner, Reader};
use crate::error::AppError;
use crate::http::json::JsonBody;
use crate::http::query::QueryParams;
use crate::problem_details::ProblemDetails;
use crate::rating::Rating;
use crate::store::instructors::{self, InstructorFilter, InstructorInput, Profile};
use crate::store::{self, DbPool};
use crate::vocabulary::{InstructorKind, Named, Tier, Visibility};

/// An instructor's profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstructorView {
    pub id: String,
    /// The office's own number (编号).
    pub external_id: Option<String>,
    pub name: String,
    pub kind: InstructorKind,
    /// The kind's Chinese name.
    pub kind_name: &'static str,
    pub organisation: String,
    pub title: String,
    pub tier: Option<Tier>,
    pub tier_name: Option<&'static str>,
    pub city: String,
    pub lat: f64,
    pub lon: f64,
    /// Topics with their Chinese names and levels, strongest first.
    pub expertise: Vec<ExpertiseView>,
    pub methods: Vec<MethodView>,
    pub yearly_capacity: i32,
    pub remote_ok: bool,
    pub max_travel_km: Option<f64>,
    pub active: bool,
    /// Contact fields: shown only to the offices that keep the record.
    pub phone: Option<String>,
    pub email: Option<String>,
    /// The office that keeps the record (SPEC 10).
    pub owner_office: String,
    pub owner_office_name: String,
    /// Which offices reach the instructor: `own`, `shared` or `everyone`.
    pub visibility: Visibility,
    /// The visibility's Chinese name.
    pub visibility_name: &'static str,
    /// Send it back in `If-Match` to update.
    pub version: i32,
    /// SPEC section 4, at the time asked (`at`, default now).
    pub rating: Rating,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExpertiseView {
    pub topic: String,
    pub name: String,
    pub level: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MethodView {
    pub method: String,
    pub name: String,
}

impl From<Profile> for InstructorView {
    fn from(p: Profile) -> Self {
        let row = p.row;
        Self {
            kind_name: row.kind.name_zh(),
            tier_name: row.tier.map(Tier::name_zh),
            id: row.id,
            external_id: row.external_id,
            name: row.name,
            kind: row.kind,
            organisation: row.organisation,
            title: row.title,
            tier: row.tier,
            city: row.city,
            lat: row.lat,
            lon: row.lon,
            expertise: p
                .expertise
                .into_iter()
                .map(|e| ExpertiseView {
                    topic: e.topic,
                    name: e.name,
                    level: e.level,
                })
                .collect(),
            methods: p
                .methods
                .into_iter()
                .map(|(method, name)| MethodView { method, name })
                .collect(),
            yearly_capacity: row.yearly_capacity,
            remote_ok: row.remote_ok,
            max_travel_km: row.max_travel_km,
            active: row.active,
            phone: row.phone,
            email: row.email,
            visibility_name: row.visibility.name_zh(),
            owner_office: row.owner_office_id,
            owner_office_name: p.owner_office_name,
            visibility: row.visibility,
            version: row.version,
            rating: p.rating,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// The time at which ratings are computed.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RatingAt {
    /// RFC 3339; default now. Evaluations given later do not count.
    #[serde(default, deserialize_with = "solver::time_range::optional_time")]
    pub at: Option<DateTime<FixedOffset>>,
}

impl RatingAt {
    pub fn time(&self) -> chrono::NaiveDateTime {
        naive_or_now(self.at)
    }
}

/// A query's time as naive UTC, or now when it gives none.
pub fn naive_or_now(time: Option<DateTime<FixedOffset>>) -> chrono::NaiveDateTime {
    time.map_or_else(|| Utc::now().naive_utc(), |t| t.naive_utc())
}

/// A profile with its version as the `ETag`.
pub fn profile_response(status: actix_web::http::StatusCode, profile: Profile) -> HttpResponse {
    let version = profile.row.version;
    HttpResponse::build(status)
        .insert_header(etag(version))
        .json(InstructorView::from(profile))
}

/// List and filter the pool.
#[utoipa::path(
    tag = "instructors",
    params(InstructorFilter, Page, RatingAt),
    responses(
        (status = 200, body = Paginated<InstructorView>),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/instructors")]
pub async fn list(
    caller: Reader,
    pool: web::Data<DbPool>,
    filter: QueryParams<InstructorFilter>,
    page: QueryParams<Page>,
    at: QueryParams<RatingAt>,
) -> Result<web::Json<Paginated<InstructorView>>, AppError> {
    page.check()?;
    let (filter, at, window) = (filter.0, at.time(), (page.limit(), page.offset()));
    let office = caller.office_id.clone();
    let (profiles, total) = store::run(&pool, move |conn| {
        instructors::list(conn, &office, &filter, window, at)
    })
    .await?;
    let items = profiles.into_iter().map(InstructorView::from).collect();
    Ok(web::Json(Paginated::new(items, &page, total)))
}

/// Add an instructor to the pool.
#[utoipa::path(
    tag = "instructors",
    request_body = InstructorInput,
    responses(
        (status = 201, body = InstructorView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/instructors")]
pub async fn create(
    caller: Planner,
    pool: web::Data<DbPool>,
    JsonBody(input): JsonBody<InstructorInput>,
) -> Result<HttpResponse, AppError> {
    let office = caller.office_id.clone();
    let profile = store::run(&pool, move |conn| {
        instructors::create(conn, &office, &input)
    })
    .await?;
    Ok(profile_response(
        actix_web::http::StatusCode::CREATED,
        profile,
    ))
}

/// One instructor's profile; the `ETag` is its version.
#[utoipa::path(
    tag = "instructors",
    params(("id" = String, Path), RatingAt),
    responses(
        (status = 200, body = InstructorView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/instructors/{id}")]
pub async fn get(
    caller: Reader,
    pool: web::Data<DbPool>,
    target: InReach<Instructor>,
    at: QueryParams<RatingAt>,
) -> Result<HttpResponse, AppError> {
    let (id, office) = (target.id().to_owned(), caller.office_id.clone());
    let at = at.time();
    let profile = store::run(&pool, move |conn| {
        let mut profile = [instructors::profile(conn, &id, at)?];
        instructors::hide_contacts(conn, &office, &mut profile)?;
        let [profile] = profile;
        Ok(profile)
    })
    .await?;
    Ok(profile_response(actix_web::http::StatusCode::OK, profile))
}

/// Replace an instructor's record; `If-Match` must carry the version read
/// (409 if someone wrote since, 428 without it).
#[utoipa::path(
    tag = "instructors",
    params(("id" = String, Path), ("If-Match" = String, Header)),
    request_body = InstructorInput,
    responses(
        (status = 200, body = InstructorView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/api/v1/instructors/{id}")]
pub async fn update(
    caller: Planner,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    target: InReach<Instructor, ToChange>,
    JsonBody(input): JsonBody<InstructorInput>,
) -> Result<HttpResponse, AppError> {
    let (id, office) = (target.id().to_owned(), caller.office_id.clone());
    let version = if_match(&req)?;
    let profile = store::run(&pool, move |conn| {
        instructors::update(conn, &office, &id, version, &input)
    })
    .await?;
    Ok(profile_response(actix_web::http::StatusCode::OK, profile))
}

/// Deactivate an instructor: they leave staffing, their history stays.
#[utoipa::path(
    tag = "instructors",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = InstructorView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[delete("/api/v1/instructors/{id}")]
pub async fn deactivate(
    _caller: Planner,
    pool: web::Data<DbPool>,
    target: InReach<Instructor, ToChange>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
    let profile = store::run(&pool, move |conn| instructors::deactivate(conn, &id)).await?;
    Ok(profile_response(actix_web::http::StatusCode::OK, profile))
}
