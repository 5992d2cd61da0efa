//! `/api/v1/users`: accounts, managed by admins.

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::reach::{InReach, ToChange, User};
use crate::auth::{password, Admin};
use crate::error::AppError;
use crate::http::json::JsonBody;
use crate::problem_details::ProblemDetails;
use crate::store::users::{self, NewUser, UserUpdate};
use crate::store::{self, DbPool};
use crate::vocabulary::Role;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    pub username: String,
    /// At least 8 characters, not a common or guessable one.
    #[schema(min_length = 8)]
    pub password: String,
    pub role: Role,
    /// The instructor an `instructor` account speaks for.
    #[serde(default)]
    pub instructor: Option<String>,
    /// The office the account acts for: the creator's own office when
    /// omitted, else one below it. An instructor account belongs to the
    /// office that keeps its instructor.
    #[serde(default)]
    pub office: Option<String>,
}

/// An admin's change of an account: any field may be left out. Every
/// change revokes the account's tokens issued before it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// A new role; the instructor role stays with accounts linked to an instructor.
    #[serde(default)]
    pub role: Option<Role>,
    /// `false` disables the account: it cannot sign in and its tokens stop working.
    #[serde(default)]
    pub active: Option<bool>,
    /// A new password (a reset), at least 8 characters.
    #[serde(default)]
    #[schema(min_length = 8)]
    pub password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub role: Role,
    pub instructor: Option<String>,
    /// The office it acts for.
    pub office: String,
    /// A disabled account cannot sign in.
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<users::User> for UserView {
    fn from(u: users::User) -> Self {
        Self {
            id: u.id,
            username: u.username,
            role: u.role,
            instructor: u.instructor_id,
            office: u.office_id,
            active: u.active,
            created_at: u.created_at.and_utc(),
        }
    }
}

/// The accounts of the caller's office and the offices below it.
#[utoipa::path(
    tag = "users",
    responses(
        (status = 200, body = Vec<UserView>),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/users")]
pub async fn list(
    caller: Admin,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Vec<UserView>>, AppError> {
    let within = caller.office_id.clone();
    let all = store::run(&pool, move |conn| Ok(users::list(conn, &within)?)).await?;
    Ok(web::Json(all.into_iter().map(UserView::from).collect()))
}

/// Create an account.
#[utoipa::path(
    tag = "users",
    request_body = UserInput,
    responses(
        (status = 201, body = UserView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/users")]
pub async fn create(
    caller: Admin,
    pool: web::Data<DbPool>,
    JsonBody(input): JsonBody<UserInput>,
) -> Result<HttpResponse, AppError> {
    password::check_strength(&input.password, &[&input.username])
        .map_err(|weak| weak.at("password"))?;
    let user = store::run(&pool, move |conn| {
        let hash = password::hash(&input.password)?;
        users::create(
            conn,
            &NewUser {
                username: &input.username,
                password_hash: &hash,
                role: input.role,
                instructor_id: input.instructor.as_deref(),
                office: input.office.as_deref().unwrap_or(&caller.office_id),
                within: &caller.office_id,
            },
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(UserView::from(user)))
}

/// Change an account: its role, whether it is active, or its password.
#[utoipa::path(
    tag = "users",
    params(("id" = String, Path)),
    request_body = UserChange,
    responses(
        (status = 200, body = UserView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/api/v1/users/{id}")]
pub async fn change(
    _caller: Admin,
    user: InReach<User, ToChange>,
    pool: web::Data<DbPool>,
    JsonBody(input): JsonBody<UserChange>,
) -> Result<web::Json<UserView>, AppError> {
    let user = store::run(&pool, move |conn| {
        let user_id = user.id();
        if let Some(password) = &input.password {
            let user = users::get(conn, user_id)?;
            password::check_strength(password, &[&user.username])
                .map_err(|weak| weak.at("password"))?;
        }
        let password_hash = input.password.as_deref().map(password::hash).transpose()?;
        users::update(
            conn,
            user_id,
            &UserUpdate {
                role: input.role,
                active: input.active,
                password_hash,
            },
        )
    })
    .await?;
    Ok(web::Json(UserView::from(user)))
}
