//! `/api/v1/me`: the caller's own account and, for instructors, their profile.

use actix_web::{get, put, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::TokenView;
use super::instructors::{profile_response, InstructorView, RatingAt};
use super::offices::OfficeView;
use super::versioning::if_match;
use crate::auth::token::Subject;
use crate::auth::{password, Caller, TokenKeys};
use crate::error::AppError;
use crate::http::json::JsonBody;
use crate::http::query::QueryParams;
use crate::problem_details::ProblemDetails;
use crate::store::instructors::{self, ContactInput};
use crate::store::{self, offices, users, DbPool};
use crate::vocabulary::Role;

/// Who the caller is.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub user_id: String,
    pub username: String,
    pub role: Role,
    /// The office the account acts for.
    pub office: OfficeView,
    /// The instructor profile of an instructor account.
    pub instructor: Option<InstructorView>,
}

/// The caller's account and, for an instructor, their own profile.
#[utoipa::path(
    tag = "me",
    params(RatingAt),
    responses(
        (status = 200, body = MeView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/me")]
pub async fn get(
    caller: Caller,
    pool: web::Data<DbPool>,
    at: QueryParams<RatingAt>,
) -> Result<web::Json<MeView>, AppError> {
    let at = at.time();
    let (office_id, instructor_id) = (caller.office_id.clone(), caller.instructor_id.clone());
    let (office, instructor) = store::run(&pool, move |conn| {
        let office = offices::get(conn, &office_id)?;
        let instructor = instructor_id
            .map(|id| instructors::profile(conn, &id, at))
            .transpose()?;
        Ok((office, instructor))
    })
    .await?;
    Ok(web::Json(MeView {
        user_id: caller.user_id,
        username: caller.username,
        role: caller.role,
        office: OfficeView::new(office, 0),
        instructor: instructor.map(InstructorView::from),
    }))
}

/// A user's change of their own password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current: String,
    /// At least 8 characters, not a common or guessable one.
    #[schema(min_length = 8)]
    pub new: String,
}

/// Change the caller's own password. Every earlier token of the account
/// stops working; the answer carries a new one.
#[utoipa::path(
    tag = "me",
    request_body = PasswordChange,
    responses(
        (status = 200, body = TokenView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/api/v1/me/password")]
pub async fn change_password(
    caller: Caller,
    pool: web::Data<DbPool>,
    keys: web::Data<TokenKeys>,
    JsonBody(change): JsonBody<PasswordChange>,
) -> Result<web::Json<TokenView>, AppError> {
    password::check_strength(&change.new, &[&caller.username]).map_err(|weak| weak.at("new"))?;
    let id = caller.user_id.clone();
    let subject = store::run(&pool, move |conn| {
        let (user, _) = users::account(conn, users::Lookup::Id(&id))?
            .ok_or_else(|| AppError::Unauthorized("the account is gone"))?;
        if !password::verify(&change.current, &user.password_hash) {
            return Err(AppError::field(
                "current",
                "matches",
                "this is not the account's current password",
            ));
        }
        let update = users::UserUpdate {
            password_hash: Some(password::hash(&change.new)?),
            ..users::UserUpdate::default()
        };
        let user = users::update(conn, &id, &update)?;
        Ok(Subject {
            user_id: user.id,
            version: user.token_version,
        })
    })
    .await?;
    Ok(web::Json(TokenView::new(&keys, &subject)?))
}

/// An instructor replaces their own contact fields (the only part of the
/// record they edit); `If-Match` carries the version read.
#[utoipa::path(
    tag = "me",
    params(("If-Match" = String, Header)),
    request_body = ContactInput,
    responses(
        (status = 200, body = InstructorView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/api/v1/me/contact")]
pub async fn update_contact(
    caller: Caller,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    JsonBody(contact): JsonBody<ContactInput>,
) -> Result<HttpResponse, AppError> {
    let id = caller.own_instructor()?.to_owned();
    let version = if_match(&req)?;
    let profile = store::run(&pool, move |conn| {
        instructors::update_contact(conn, &id, version, &contact)
    })
    .await?;
    Ok(profile_response(actix_web::http::StatusCode::OK, profile))
}
