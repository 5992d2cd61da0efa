//! Evaluation forms (现场测评): planners open a session's (or a whole
//! class's) evaluation, print its single-use codes as QR cards, and watch
//! the responses come in. Trainees answer on the public form
//! ([`crate::trainee_form`]).

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::reach::{Class, InReach, Plan, Session, ToChange};
use crate::auth::{Planner, Reader};
use crate::error::AppError;
use crate::http::json::JsonBody;
use crate::problem_details::ProblemDetails;
use crate::qr::{self, QrPath};
use crate::sheets::evaluation_cards::{self, Card};
use crate::store::evaluation_forms::{self, ClassFormInput, Form, FormInput, Window};
use crate::store::{self, DbPool};

/// Where trainees' forms are reached from outside: `--public-url`, or the
/// scheme and host this request came to.
#[derive(Debug, Clone, Default)]
pub struct PublicUrl(pub Option<String>);

impl PublicUrl {
    /// The address of the form of `code`.
    pub fn form(&self, req: &HttpRequest, code: &str) -> String {
        format!("{}/e/{code}", self.base(req))
    }

    fn base(&self, req: &HttpRequest) -> String {
        match &self.0 {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => {
                let info = req.connection_info();
                format!("{}://{}", info.scheme(), info.host())
            }
        }
    }
}

/// A session's evaluation form.
#[derive(Debug, Serialize, ToSchema)]
pub struct FormView {
    pub session: String,
    pub session_title: String,
    pub class: String,
    pub class_name: String,
    pub plan: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    /// The account that opened it, and when.
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    /// `not_yet_open`, `open` or `closed`, now.
    pub state: &'static str,
    /// Codes issued.
    pub trainees: i64,
    /// Forms submitted.
    pub responses: i64,
    pub response_rate: f64,
}

impl From<Form> for FormView {
    fn from(form: Form) -> Self {
        let state = match form.row.window(Utc::now().naive_utc()) {
            Window::NotYetOpen => "not_yet_open",
            Window::Open => "open",
            Window::Closed => "closed",
        };
        Self {
            session: form.session.id,
            session_title: form.session.title,
            class: form.class.id,
            class_name: form.class.name,
            plan: form.class.plan_id,
            start: form.session.start_at.and_utc(),
            end: form.session.end_at.and_utc(),
            opens_at: form.row.opens_at.and_utc(),
            closes_at: form.row.closes_at.and_utc(),
            opened_by: form.row.created_by,
            opened_at: form.row.created_at.and_utc(),
            state,
            trainees: form.trainees,
            responses: form.responses,
            response_rate: if form.trainees > 0 {
                form.responses as f64 / form.trainees as f64
            } else {
                0.0
            },
        }
    }
}

/// One printed code.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeView {
    /// Its number on the sheet.
    pub number: i32,
    pub code: String,
    /// The form's address, which the QR code holds.
    pub url: String,
    pub qr: QrPath,
}

/// A form with its codes, for printing.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodesView {
    pub form: FormView,
    pub codes: Vec<CodeView>,
}

/// A session the class-wide opening passed over.
#[derive(Debug, Serialize, ToSchema)]
pub struct Skipped {
    pub session: String,
    pub title: String,
    /// `already_open` or `no_confirmed_instructor`.
    pub reason: &'static str,
}

/// What opening a class's evaluation did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClassOpened {
    pub opened: Vec<FormView>,
    pub skipped: Vec<Skipped>,
}

/// Open a session's evaluation: one single-use code per trainee. The
/// session needs a confirmed instructor (409 otherwise, and 409 when it is
/// open already).
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path)),
    request_body = FormInput,
    responses(
        (status = 201, body = FormView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/sessions/{id}/evaluation")]
pub async fn open(
    caller: Planner,
    pool: web::Data<DbPool>,
    target: InReach<Session, ToChange>,
    JsonBody(input): JsonBody<FormInput>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
    let by = caller.user_id.clone();
    let form = store::run(&pool, move |conn| {
        evaluation_forms::open(conn, &id, &by, &input)
    })
    .await?;
    Ok(HttpResponse::Created().json(FormView::from(form)))
}

/// Change a session's evaluation window, or add codes (printed ones are
/// never taken back).
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path)),
    request_body = FormInput,
    responses(
        (status = 200, body = FormView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/api/v1/sessions/{id}/evaluation")]
pub async fn update(
    _caller: Planner,
    pool: web::Data<DbPool>,
    target: InReach<Session, ToChange>,
    JsonBody(input): JsonBody<FormInput>,
) -> Result<web::Json<FormView>, AppError> {
    let id = target.id().to_owned();
    let form = store::run(&pool, move |conn| {
        evaluation_forms::update(conn, &id, &input)
    })
    .await?;
    Ok(web::Json(form.into()))
}

/// A session's evaluation: its window and how many have answered.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = FormView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/sessions/{id}/evaluation")]
pub async fn get(
    _caller: Reader,
    pool: web::Data<DbPool>,
    target: InReach<Session>,
) -> Result<web::Json<FormView>, AppError> {
    let id = target.id().to_owned();
    let form = store::run(&pool, move |conn| evaluation_forms::get(conn, &id)).await?;
    Ok(web::Json(form.into()))
}

/// The evaluation codes of a session with their form addresses and QR
/// symbols, for printing. Which codes are spent is not shown: that would
/// tell who wrote which response.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = CodesView),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/sessions/{id}/evaluation/codes")]
pub async fn codes(
    _caller: Planner,
    req: HttpRequest,
    public: web::Data<PublicUrl>,
    pool: web::Data<DbPool>,
    target: InReach<Session, ToChange>,
) -> Result<web::Json<CodesView>, AppError> {
    let id = target.id().to_owned();
    Ok(web::Json(codes_view(&req, &public, &pool, id).await?))
}

async fn codes_view(
    req: &HttpRequest,
    public: &PublicUrl,
    pool: &DbPool,
    id: String,
) -> Result<CodesView, AppError> {
    let (form, issued) = store::run(pool, move |conn| evaluation_forms::codes(conn, &id)).await?;
    let cards = issued
        .into_iter()
        .map(|(number, code)| {
            let url = public.form(req, &code);
            let qr = qr::path(&url).map_err(|e| AppError::Internal(anyhow::anyhow!("QR: {e}")))?;
            Ok(CodeView {
                number,
                code,
                url,
                qr,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(CodesView {
        form: form.into(),
        codes: cards,
    })
}

/// The printable sheet of a session's codes: A4 pages of twelve cards, each
/// with its QR code, its code and the session, as one SVG.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = String, content_type = "image/svg+xml"),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/sessions/{id}/evaluation/sheet")]
pub async fn sheet(
    _caller: Planner,
    req: HttpRequest,
    public: web::Data<PublicUrl>,
    pool: web::Data<DbPool>,
    target: InReach<Session, ToChange>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
    let view = codes_view(&req, &public, &pool, id).await?;
    let cards: Vec<Card> = view
        .codes
        .iter()
        .map(|c| Card {
            number: c.number,
            code: &c.code,
            qr: &c.qr,
        })
        .collect();
    let form = &view.form;
    let svg = evaluation_cards::svg(
        &form.session_title,
        form.start.naive_utc(),
        form.end.naive_utc(),
        &cards,
    );
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml; charset=utf-8")
        .body(svg))
}

/// Open the evaluation of every session of a class that has a confirmed
/// instructor and no form yet, each with the default window; the others are
/// listed with the reason they were passed over.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path)),
    request_body = ClassFormInput,
    responses(
        (status = 201, body = ClassOpened),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/classes/{id}/evaluations")]
pub async fn open_class(
    caller: Planner,
    pool: web::Data<DbPool>,
    target: InReach<Class, ToChange>,
    JsonBody(input): JsonBody<ClassFormInput>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
    let by = caller.user_id.clone();
    let done = store::run(&pool, move |conn| {
        evaluation_forms::open_class(conn, &id, &by, &input)
    })
    .await?;
    Ok(HttpResponse::Created().json(ClassOpened {
        opened: done.opened.into_iter().map(FormView::from).collect(),
        skipped: done
            .skipped
            .into_iter()
            .map(|(session, reason)| Skipped {
                session: session.id,
                title: session.title,
                reason,
            })
            .collect(),
    }))
}

/// The evaluation forms of a plan's sessions, in time order.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Vec<FormView>),
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/plans/{id}/evaluations")]
pub async fn of_plan(
    _caller: Reader,
    pool: web::Data<DbPool>,
    target: InReach<Plan>,
) -> Result<web::Json<Vec<FormView>>, AppError> {
    let id = target.id().to_owned();
    let forms = store::run(&pool, move |conn| evaluation_forms::of_plan(conn, &id)).await?;
    Ok(web::Json(forms.into_iter().map(FormView::from).collect()))
}
