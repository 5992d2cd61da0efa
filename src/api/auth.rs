//! `POST /api/v1/auth/token`: a bearer token for a username and password.

use actix_web::{post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::JsonBody;
use crate::auth::throttle::LoginThrottle;
use crate::auth::{password, Caller, Role, TokenKeys};
use crate::error::AppError;
use crate::problem_details::ProblemDetails;
use crate::store::{self, users, DbPool};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// An OAuth-style token answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: i64,
}

/// Exchange a username and password for a bearer token. After three
/// consecutive failures for a username, attempts are refused (429 with
/// `Retry-After`) for a delay that doubles with each failure.
#[utoipa::path(
    tag = "auth",
    request_body = Credentials,
    responses(
        (status = 200, body = TokenView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/auth/token")]
pub async fn token(
    pool: web::Data<DbPool>,
    keys: web::Data<TokenKeys>,
    throttle: web::Data<LoginThrottle>,
    JsonBody(credentials): JsonBody<Credentials>,
) -> Result<web::Json<TokenView>, AppError> {
    throttle.check(&credentials.username)?;
    let username = credentials.username.clone();
    let caller = store::run(&pool, move |conn| {
        let user = users::by_username(conn, &credentials.username)?;
        Ok(match user {
            Some(user) if password::verify(&credentials.password, &user.password_hash) => {
                Role::from_code(&user.role).map(|role| Caller {
                    user_id: user.id,
                    username: user.username,
                    role,
                    instructor_id: user.instructor_id,
                })
            }
            Some(_) => None,
            None => {
                password::verify_nobody(&credentials.password);
                None
            }
        })
    })
    .await?;
    let Some(caller) = caller else {
        throttle.failed(&username)?;
        return Err(AppError::Unauthorized("unknown username or wrong password"));
    };
    throttle.succeeded(&username)?;
    Ok(web::Json(TokenView {
        access_token: keys.issue(&caller)?,
        token_type: "Bearer",
        expires_in: keys.ttl_s(),
    }))
}
