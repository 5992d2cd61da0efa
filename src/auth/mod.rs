//! Authentication and the role matrix of SPEC section 1.
//!
//! A caller proves who they are with a bearer JWT ([`token`]) obtained from a
//! username and an argon2-hashed password ([`password`]); repeated failures
//! are slowed down ([`throttle`]). A token names an account and nothing
//! more: every request reads the account (one primary-key lookup), so a
//! deleted or disabled account, a changed role or a revoked token takes
//! effect at once on every replica. Handlers take a [`Caller`] and say which
//! roles may proceed.

pub mod password;
pub mod reach;
pub mod throttle;
pub mod token;

use std::future::{ready, Future, Ready};
use std::marker::PhantomData;
use std::ops::Deref;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{http::header, web, FromRequest, HttpMessage, HttpRequest};

use crate::error::AppError;
use crate::store::{self, users, DbPool};
use crate::vocabulary::{Named, Role};
pub use token::TokenKeys;

/// Who may read the pool, plans, staffing results and recommendations.
pub const READERS: &[Role] = &[Role::Admin, Role::Planner, Role::Office];
/// Who may change the pool and plans, and staff them.
pub const PLANNERS: &[Role] = &[Role::Admin, Role::Planner];
/// Who may manage accounts and the vocabulary.
pub const ADMINS: &[Role] = &[Role::Admin];

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: String,
    pub username: String,
    pub role: Role,
    /// The instructor an `instructor` account speaks for.
    pub instructor_id: Option<String>,
    /// The office the account acts for: its reach (SPEC 10) is this
    /// office's subtree and pool.
    pub office_id: String,
}

impl Caller {
    /// Proceeds only if the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "the {} role may not do this",
                self.role.code()
            )))
        }
    }

    /// Proceeds if the caller may read what is tracked of `instructor`'s
    /// teaching: a reader, or that instructor's own account.
    pub fn may_read_instructor(&self, instructor: &str) -> Result<(), AppError> {
        if self.instructor_id.as_deref() == Some(instructor) {
            Ok(())
        } else {
            self.require(READERS)
        }
    }

    /// The instructor this caller speaks for; only instructor accounts have one.
    pub fn own_instructor(&self) -> Result<&str, AppError> {
        self.instructor_id.as_deref().ok_or_else(|| {
            AppError::Forbidden("only instructor accounts have their own profile".to_owned())
        })
    }
}

/// A set of roles allowed to do something.
pub trait Roles {
    const ROLES: &'static [Role];
}

/// [`READERS`].
pub struct Readers;
/// [`PLANNERS`].
pub struct Planners;
/// [`ADMINS`].
pub struct Admins;

impl Roles for Readers {
    const ROLES: &'static [Role] = READERS;
}
impl Roles for Planners {
    const ROLES: &'static [Role] = PLANNERS;
}
impl Roles for Admins {
    const ROLES: &'static [Role] = ADMINS;
}

/// A caller whose role is in `R`. As the first argument of a handler it
/// answers 401 or 403 before the request body is read.
pub struct Allowed<R: Roles>(Caller, PhantomData<R>);

/// A caller who may read the pool, plans and results.
pub type Reader = Allowed<Readers>;
/// A caller who may change the pool and plans, and staff them.
pub type Planner = Allowed<Planners>;
/// An administrator.
pub type Admin = Allowed<Admins>;

impl<R: Roles> Deref for Allowed<R> {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl<R: Roles> FromRequest for Allowed<R> {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(identified(req).and_then(|caller| {
            caller.require(R::ROLES)?;
            Ok(Allowed(caller, PhantomData))
        }))
    }
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(identified(req))
    }
}

/// Who [`identify`] found behind the request's token.
struct Identity(Result<Caller, AppError>);

/// Middleware: authenticates a request that carries an `Authorization`
/// header (one account lookup) before any handler or extractor runs, so the
/// extractors that check roles answer 401 or 403 before a body is read. A
/// request without the header goes on anonymous; a public route ignores
/// what was found.
pub async fn identify(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.headers().contains_key(header::AUTHORIZATION) {
        let identity = authenticate(req.request()).await;
        req.extensions_mut().insert(Identity(identity));
    }
    next.call(req).await
}

/// The caller [`identify`] found, or why there is none (taken: a handler
/// has one caller extractor). The caller stays in the request's extensions
/// for the [`reach::InReach`] extractors that follow.
fn identified(req: &HttpRequest) -> Result<Caller, AppError> {
    let found = req.extensions_mut().remove::<Identity>();
    match found {
        Some(Identity(Ok(caller))) => {
            req.extensions_mut().insert(caller.clone());
            Ok(caller)
        }
        Some(Identity(Err(e))) => Err(e),
        None => Err(AppError::Unauthorized(
            "an Authorization: Bearer token is required",
        )),
    }
}

/// The caller behind the request's bearer token: the token must be genuine
/// and current, and its account must exist, be active, have the token's
/// version and (for an instructor) speak for an active instructor. The role
/// is the account's, not the token's.
fn authenticate(req: &HttpRequest) -> impl Future<Output = Result<Caller, AppError>> {
    let subject = bearer_subject(req);
    let pool = req.app_data::<web::Data<DbPool>>().cloned();
    async move {
        let subject = subject?;
        let pool = pool.ok_or_else(|| AppError::Internal(anyhow::anyhow!("no database pool")))?;
        let account = store::run(&pool, move |conn| {
            Ok(users::account(conn, users::Lookup::Id(&subject.user_id))?
                .filter(|(user, _)| user.token_version == subject.version))
        })
        .await?;
        let refused = || AppError::Unauthorized("the token's account is unknown or disabled");
        let (user, instructor_active) = account.ok_or_else(refused)?;
        let role = user.may_act(instructor_active).ok_or_else(refused)?;
        Ok(Caller {
            user_id: user.id,
            username: user.username,
            role,
            instructor_id: user.instructor_id,
            office_id: user.office_id,
        })
    }
}

/// The account named by a genuine bearer token.
fn bearer_subject(req: &HttpRequest) -> Result<token::Subject, AppError> {
    let keys = req
        .app_data::<web::Data<TokenKeys>>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("token keys are not configured")))?;
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(AppError::Unauthorized(
            "an Authorization: Bearer token is required",
        ))?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(AppError::Unauthorized(
            "the Authorization header must be `Bearer <token>`",
        ))?;
    keys.verify(token.trim())
}
