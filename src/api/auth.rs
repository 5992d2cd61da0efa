//! `POST /api/v1/auth/token`: a bearer token for a username and password.

use actix_web::{post, web, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::token::Subject;
use crate::auth::{password, throttle, TokenKeys};
use crate::error::AppError;
use crate::http::json::JsonBody;
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

impl TokenView {
    /// A new token for `subject`.
    pub fn new(keys: &TokenKeys, subject: &Subject) -> Result<Self, AppError> {
        Ok(Self {
            access_token: keys.issue(subject)?,
            token_type: "Bearer",
            expires_in: keys.ttl_s(),
        })
    }
}

/// Exchange a username and password for a bearer token. A disabled account,
/// or an instructor account whose instructor is deactivated, cannot sign in.
/// After three consecutive failures for a username from one client address,
/// that address's attempts are refused (429 with `Retry-After`) for a delay
/// that doubles with each failure.
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
    req: HttpRequest,
    pool: web::Data<DbPool>,
    keys: web::Data<TokenKeys>,
    JsonBody(credentials): JsonBody<Credentials>,
) -> Result<web::Json<TokenView>, AppError> {
    let client = req
        .peer_addr()
        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
    let subject = store::run(&pool, move |conn| {
        let (username, client) = (credentials.username.as_str(), client.as_str());
        throttle::check(conn, username, client)?;
        let subject = match users::account(conn, users::Lookup::Username(username))? {
            Some((user, instructor_active))
                if password::verify(&credentials.password, &user.password_hash) =>
            {
                user.may_act(instructor_active).map(|_| Subject {
                    user_id: user.id,
                    version: user.token_version,
                })
            }
            Some(_) => None,
            None => {
                password::verify_nobody(&credentials.password);
                None
            }
        };
        match subject {
            Some(subject) => {
                throttle::succeeded(conn, username, client)?;
                Ok(subject)
            }
            None => {
                throttle::failed(conn, username, client)?;
                Err(AppError::Unauthorized(
                    "unknown username, wrong password or disabled account",
                ))
            }
        }
    })
    .await?;
    Ok(web::Json(TokenView::new(&keys, &subject)?))
}
