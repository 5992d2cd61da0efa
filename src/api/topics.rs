//! `/api/v1/topics` and `/api/v1/teaching-methods`: the vocabulary, as stable
//! English codes with their Chinese names.

use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use solver::FieldError;
use utoipa::ToSchema;

use crate::auth::{Admin, Caller};
use crate::cities::CITIES;
use crate::error::AppError;
use crate::http::json::JsonBody;
use crate::problem_details::ProblemDetails;
use crate::store::topics::{self, Method, Topic};
use crate::store::{self, offices, DbPool};

const CATEGORIES: [&str; 4] = ["comprehensive", "specialised", "outside", "other"];

/// The category codes a topic may have.
pub fn categories() -> Vec<&'static str> {
    CATEGORIES.to_vec()
}

/// A topic: code, Chinese name and category (`comprehensive` 综合类,
/// `specialised` 专题业务类, `outside` for other domains, `other`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicView {
    pub code: String,
    pub name: String,
    pub category: String,
}

impl TopicView {
    pub(super) fn errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let code_ok = (2..=64).contains(&self.code.len())
            && self.code.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            });
        if !code_ok {
            errors.push(FieldError::new(
                "code",
                "format",
                "lower-case words joined by '-', e.g. rule-of-law",
            ));
        }
        if self.name.trim().is_empty() {
            errors.push(FieldError::new("name", "non_empty", "the Chinese name"));
        }
        if !CATEGORIES.contains(&self.category.as_str()) {
            errors.push(FieldError::new(
                "category",
                "one_of",
                format!("one of {}", CATEGORIES.join(", ")),
            ));
        }
        errors
    }
}

/// A teaching method.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeachingMethodView {
    pub code: String,
    pub name: String,
}

/// All topics.
#[utoipa::path(
    tag = "vocabulary",
    responses(
        (status = 200, body = Vec<TopicView>),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/topics")]
pub async fn list(
    _caller: Caller,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Vec<TopicView>>, AppError> {
    let all = store::run(&pool, |conn| Ok(topics::list(conn)?)).await?;
    Ok(web::Json(
        all.into_iter()
            .map(|t| TopicView {
                code: t.code,
                name: t.name,
                category: t.category,
            })
            .collect(),
    ))
}

/// Add a topic (admins of a top office: the vocabulary is every office's).
#[utoipa::path(
    tag = "vocabulary",
    request_body = TopicView,
    responses(
        (status = 201, body = TopicView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/topics")]
pub async fn add(
    caller: Admin,
    pool: web::Data<DbPool>,
    JsonBody(topic): JsonBody<TopicView>,
) -> Result<HttpResponse, AppError> {
    AppError::check(topic.errors())?;
    let office = caller.office_id.clone();
    let row = Topic {
        code: topic.code.clone(),
        name: topic.name.trim().to_owned(),
        category: topic.category.clone(),
    };
    store::run(&pool, move |conn| {
        if offices::get(conn, &office)?.parent_id.is_some() {
            return Err(AppError::Forbidden(
                "topics are shared by every office: only administrators of the top office add them"
                    .into(),
            ));
        }
        topics::add(conn, &row)
    })
    .await?;
    Ok(HttpResponse::Created().json(topic))
}

/// A city the console offers for venues and homes, with its coordinates.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CityView {
    pub name: String,
    pub province: String,
    pub lat: f64,
    pub lon: f64,
}

/// The cities offered for venues and homes (a venue elsewhere is typed
/// with its coordinates).
#[utoipa::path(
    tag = "vocabulary",
    responses(
        (status = 200, body = Vec<CityView>),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/cities")]
pub async fn cities(_caller: Caller) -> web::Json<Vec<CityView>> {
    web::Json(
        CITIES
            .iter()
            .map(|&(name, province, lat, lon)| CityView {
                name: name.to_owned(),
                province: province.to_owned(),
                lat,
                lon,
            })
            .collect(),
    )
}

/// All teaching methods.
#[utoipa::path(
    tag = "vocabulary",
    responses(
        (status = 200, body = Vec<TeachingMethodView>),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/teaching-methods")]
pub async fn methods(
    _caller: Caller,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Vec<TeachingMethodView>>, AppError> {
    let all = store::run(&pool, |conn| Ok(topics::methods(conn)?)).await?;
    Ok(web::Json(
        all.into_iter()
            .map(|Method { code, name }| TeachingMethodView { code, name })
            .collect(),
    ))
}
