//! The service's one error type and its `application/problem+json` form.
//!
//! Every error a handler returns becomes a problem body with a stable `type`.
//! Unexpected failures become a generic 500 whose cause goes to the log (with
//! the request's id, through the tracing span), never into the body.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use solver::FieldError;

use crate::problem_details::ProblemDetails;

/// What can go wrong in a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 422: the input breaks these rules.
    #[error("invalid input: {}", describe(.0))]
    Validation(Vec<FieldError>),
    /// 400: the request cannot be read at all (not JSON, bad header).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401: no valid credentials.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// 403: valid credentials, but the role may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: no such resource (or not visible to the caller).
    #[error("not found: {0}")]
    NotFound(String),
    /// 405: the path is known, the method is not; these are.
    #[error("method not allowed")]
    MethodNotAllowed(Vec<String>),
    /// 409: the request conflicts with stored data; `kind` names how.
    #[error("conflict: {detail}")]
    Conflict { kind: &'static str, detail: String },
    /// 428: an update without `If-Match`.
    #[error("precondition required")]
    PreconditionRequired,
    /// 415: a body not sent as the endpoint reads it; this says how to send it.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(&'static str),
    /// 413: the body (or what it unpacks to) is larger than the limit this
    /// says.
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    /// 429: too many failed logins; retry after this many seconds.
    #[error("too many attempts")]
    TooManyAttempts { retry_after_s: u64 },
    /// 503: the database cannot be reached or cannot store changes now;
    /// `detail` says which, for the client, `cause` is logged.
    #[error("unavailable: {cause}")]
    Unavailable { detail: &'static str, cause: String },
    /// 500: a bug or an unexpected failure; logged, not shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {} ({})", e.field, e.detail, e.rule))
        .collect::<Vec<_>>()
        .join("; ")
}

impl AppError {
    /// A single-field validation error.
    pub fn field(field: impl Into<String>, rule: &str, detail: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, rule, detail)])
    }

    /// Fails with all `errors`, if there are any.
    pub fn check(errors: Vec<FieldError>) -> Result<(), Self> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Self::Validation(errors))
        }
    }

    fn problem(&self) -> ProblemDetails {
        let (kind, title, detail) = match self {
            Self::Validation(errors) => return ProblemDetails::validation(errors.clone()),
            Self::BadRequest(d) => ("/problems/bad-request", "Bad request", d.clone()),
            Self::Unauthorized(d) => ("/problems/unauthorized", "Unauthorized", (*d).to_owned()),
            Self::Forbidden(d) => ("/problems/forbidden", "Forbidden", d.clone()),
            Self::NotFound(d) => ("/problems/not-found", "Not found", d.clone()),
            Self::MethodNotAllowed(allowed) => (
                "/problems/method-not-allowed",
                "Method not allowed",
                format!("this path answers {}", allowed.join(", ")),
            ),
            Self::Conflict { kind, detail } => (*kind, "Conflict", detail.clone()),
            Self::PreconditionRequired => (
                "/problems/precondition-required",
                "Precondition required",
                "send If-Match with the version (ETag) you read".to_owned(),
            ),
            Self::UnsupportedMediaType(how) => (
                "/problems/unsupported-media-type",
                "Unsupported media type",
                (*how).to_owned(),
            ),
            Self::PayloadTooLarge(limit) => (
                "/problems/payload-too-large",
                "Payload too large",
                limit.clone(),
            ),
            Self::TooManyAttempts { retry_after_s } => (
                "/problems/too-many-attempts",
                "Too many attempts",
                format!("too many failed logins; retry in {retry_after_s} s"),
            ),
            Self::Unavailable { detail, .. } => (
                "/problems/unavailable",
                "Service unavailable",
                format!("{detail}; nothing was changed, try again shortly"),
            ),
            Self::Internal(_) => (
                "/problems/internal",
                "Internal error",
                "an unexpected error occurred; it has been logged".to_owned(),
            ),
        };
        ProblemDetails {
            kind,
            title,
            status: self.status_code().as_u16(),
            detail,
            errors: Vec::new(),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "request failed")
            }
            Self::Unavailable { cause, .. } => {
                tracing::error!(error = %cause, "database unavailable")
            }
            _ => tracing::debug!(error = %self, "request refused"),
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        if let Self::TooManyAttempts { retry_after_s } = self {
            response.insert_header((header::RETRY_AFTER, retry_after_s.to_string()));
        }
        if let Self::Unavailable { .. } = self {
            response.insert_header((header::RETRY_AFTER, RETRY_UNAVAILABLE_S.to_string()));
        }
        if let Self::MethodNotAllowed(allowed) = self {
            response.insert_header((header::ALLOW, allowed.join(", ")));
        }
        if let Self::Unauthorized(_) = self {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(self.problem())
    }
}

/// Seconds a client is asked to wait after a 503.
const RETRY_UNAVAILABLE_S: u64 = 5;

/// What a client is told when the database is away.
const UNREACHABLE: &str = "the database cannot be reached";

impl AppError {
    /// A 503 for a database that cannot be reached.
    pub fn unreachable(cause: impl ToString) -> Self {
        Self::Unavailable {
            detail: UNREACHABLE,
            cause: cause.to_string(),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    /// A lost connection, a database server shutting down, a full or
    /// read-only disk are outages (503, the transaction rolled back), not
    /// bugs; any other database error is internal.
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        // SQLite rolls a whole transaction back by itself on a full disk or
        // an I/O error; what follows (a savepoint's or the transaction's own
        // rollback) then finds nothing to roll back.
        const ABORTED: &str = "the database stopped the transaction (a full disk or an I/O error)";
        let message = match &e {
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
            | Error::BrokenTransactionManager => return Self::unreachable(&e),
            Error::NotInTransaction => {
                return Self::Unavailable {
                    detail: ABORTED,
                    cause: e.to_string(),
                }
            }
            Error::DatabaseError(_, info) => info.message().to_ascii_lowercase(),
            _ => return Self::Internal(e.into()),
        };
        const FULL: [&str; 2] = ["database or disk is full", "no space left on device"];
        const READ_ONLY: [&str; 2] = ["readonly database", "read-only file system"];
        const GONE: [&str; 9] = [
            "unable to open database file",
            "server closed the connection",
            "terminating connection",
            "connection to server",
            "could not connect",
            "shutting down",
            "starting up",
            "no connection to the server",
            "disk i/o error",
        ];
        // The database's own rule that no session holds more than it needs
        // (migration session_staffing_limit): a conflict with stored data.
        if message.contains("session_overstaffed") {
            return Self::Conflict {
                kind: "/problems/session-full",
                detail: "a session would hold more instructors than it needs: give one up first"
                    .to_owned(),
            };
        }
        const ROLLED_BACK: [&str; 2] = ["no such savepoint", "no transaction is active"];
        let detail = if ROLLED_BACK.iter().any(|m| message.contains(m)) {
            ABORTED
        } else if FULL.iter().any(|m| message.contains(m)) {
            "the database's disk is full"
        } else if READ_ONLY.iter().any(|m| message.contains(m)) {
            "the database is read-only"
        } else if GONE.iter().any(|m| message.contains(m)) {
            UNREACHABLE
        } else {
            return Self::Internal(e.into());
        };
        Self::Unavailable {
            detail,
            cause: e.to_string(),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Self::unreachable(e)
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}
