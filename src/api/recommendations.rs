//! Recommendations (SPEC 6): ranked instructors for a session or an ad-hoc
//! query, and ranked open sessions for an instructor.

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::plans::SessionView;
use crate::auth::reach::{InReach, Instructor, Session};
use crate::auth::Reader;
use crate::error::AppError;
use crate::http::json::JsonBody;
use crate::http::query::QueryParams;
use crate::problem_details::ProblemDetails;
use crate::staffing::class_limit::Warning;
use crate::staffing::recommend::{self, PoolCache, Query, Ranked};
use crate::store::DbPool;
use crate::vocabulary::{AssignmentState, InstructorKind, Named};

/// One ranked instructor with the score's parts.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationView {
    pub instructor: String,
    pub instructor_name: String,
    pub kind: InstructorKind,
    pub kind_name: &'static str,
    pub organisation: String,
    /// Sessions they hold (proposed or confirmed, in any office's plan) in
    /// the session's year.
    pub held_in_year: usize,
    pub yearly_capacity: i64,
    /// Sessions they hold whose time overlaps this one's: a confirmed one
    /// makes them unavailable, a proposal is theirs until a run or a planner
    /// moves it.
    pub conflicts: Vec<ConflictView>,
    /// `w_expertise · E + w_rating · rating − w_travel · km / 1000` (SPEC 6,
    /// default weights; no travel term for remote sessions).
    pub score: f64,
    pub expertise: f64,
    pub rating: f64,
    pub distance_km: f64,
    pub travel_cost: f64,
    /// Eligible, with capacity left and no confirmed conflicting session.
    pub available: bool,
    /// Why not, when not available.
    pub reasons: Vec<ReasonView>,
    /// What to know before putting them in: `max_sessions_per_class` when
    /// they hold as many sessions of the class as the plan's last run
    /// allowed.
    pub warnings: Vec<Warning>,
}

/// A session held at the same time as the one asked about.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictView {
    pub session: String,
    pub title: String,
    pub class_name: String,
    pub state: AssignmentState,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonView {
    /// `topic`, `unavailable` (including confirmed sessions elsewhere),
    /// `remote`, `travel`, `exclusion` (declined) or `capacity`.
    pub rule: String,
    pub detail: String,
}

impl From<Ranked> for RecommendationView {
    fn from(r: Ranked) -> Self {
        let rec = r.recommendation;
        Self {
            instructor: rec.instructor,
            instructor_name: r.name,
            kind: r.kind,
            kind_name: r.kind.name_zh(),
            organisation: r.organisation,
            held_in_year: r.held_in_year,
            yearly_capacity: r.yearly_capacity,
            conflicts: r
                .conflicts
                .into_iter()
                .map(|c| ConflictView {
                    session: c.session,
                    title: c.title,
                    class_name: c.class_name,
                    state: c.state,
                    start: c.start.and_utc(),
                    end: c.end.and_utc(),
                })
                .collect(),
            score: rec.score,
            expertise: rec.expertise,
            rating: rec.rating,
            distance_km: rec.distance_km,
            travel_cost: rec.travel_cost,
            available: rec.available,
            reasons: rec
                .reasons
                .into_iter()
                .map(|reason| ReasonView {
                    rule: reason.rule.to_owned(),
                    detail: reason.detail,
                })
                .collect(),
            warnings: r.warnings,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Listing {
    /// At most this many (default 20, at most 500).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// Also list instructors who cannot take it, with the reasons.
    #[serde(default)]
    pub include_unavailable: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionRecommendations {
    pub session: SessionView,
    pub items: Vec<RecommendationView>,
}

/// Who should teach this session: the pool of the plan's office ranked by
/// SPEC 6's score.
#[utoipa::path(tag = "recommendations", params(("id" = String, Path), Listing),
    responses((status = 200, body = SessionRecommendations),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/sessions/{id}/recommendations")]
pub async fn for_session(
    _caller: Reader,
    pool: web::Data<DbPool>,
    cache: web::Data<PoolCache>,
    target: InReach<Session>,
    listing: QueryParams<Listing>,
) -> Result<web::Json<SessionRecommendations>, AppError> {
    let (id, office) = (target.id().to_owned(), target.office().to_owned());
    let limit = recommend::limit(listing.limit)?;
    let include = listing.include_unavailable;
    let (session, _, ranked) =
        web::block(move || recommend::for_session(&pool, &cache, &office, &id, include, limit))
            .await??;
    Ok(web::Json(SessionRecommendations {
        session: session.into(),
        items: ranked.into_iter().map(RecommendationView::from).collect(),
    }))
}

/// Who could teach these topics there and then (an ad-hoc question).
#[utoipa::path(tag = "recommendations", request_body = Query,
    responses((status = 200, body = Vec<RecommendationView>),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/recommendations")]
pub async fn for_query(
    caller: Reader,
    pool: web::Data<DbPool>,
    cache: web::Data<PoolCache>,
    JsonBody(query): JsonBody<Query>,
) -> Result<web::Json<Vec<RecommendationView>>, AppError> {
    let office = caller.office_id.clone();
    let ranked = web::block(move || recommend::for_query(&pool, &cache, &office, &query)).await??;
    Ok(web::Json(
        ranked.into_iter().map(RecommendationView::from).collect(),
    ))
}

/// An open session an instructor could take.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpportunityView {
    pub session: SessionView,
    pub class_name: String,
    pub city: String,
    pub score: f64,
    pub expertise: f64,
    pub rating: f64,
    pub distance_km: f64,
    pub travel_cost: f64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Limit {
    /// At most this many (default 20, at most 500).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
}

/// Where else could this instructor teach: open sessions of current plans
/// they are eligible for and free to teach, best first.
#[utoipa::path(tag = "recommendations", params(("id" = String, Path), Limit),
    responses((status = 200, body = Vec<OpportunityView>),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/instructors/{id}/opportunities")]
pub async fn opportunities(
    caller: Reader,
    pool: web::Data<DbPool>,
    cache: web::Data<PoolCache>,
    target: InReach<Instructor>,
    limit: QueryParams<Limit>,
) -> Result<web::Json<Vec<OpportunityView>>, AppError> {
    let (id, within) = (target.id().to_owned(), caller.office_id.clone());
    let limit = recommend::limit(limit.limit)?;
    let found =
        web::block(move || recommend::opportunities(&pool, &cache, &within, &id, limit)).await??;
    Ok(web::Json(
        found
            .into_iter()
            .map(|o| OpportunityView {
                class_name: o.class.name,
                city: o.class.city,
                score: o.recommendation.score,
                expertise: o.recommendation.expertise,
                rating: o.recommendation.rating,
                distance_km: o.recommendation.distance_km,
                travel_cost: o.recommendation.travel_cost,
                session: o.session.into(),
            })
            .collect(),
    ))
}
