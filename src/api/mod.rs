//! The HTTP API: the route table, the OpenAPI document and the shared
//! request plumbing. Handlers are thin: check the role, parse, call the store
//! inside `web::block`, return a view.

pub mod assignments;
pub mod auth;
pub mod availability;
pub mod evaluations;
pub mod exclusions;
pub mod health;
pub mod input_rules;
pub mod instructors;
pub mod me;
pub mod offices;
pub mod pagination;
pub mod plan_import;
pub mod plans;
pub mod pool_sheets;
pub mod quality;
pub mod recommendations;
pub mod request_target;
pub mod runs;
pub mod sheet_import;
pub mod solve;
pub mod teaching;
pub mod topics;
pub mod users;
pub mod versioning;
pub mod webhooks;
pub mod workload;

use actix_web::http::header;
use actix_web::{web, App, HttpRequest, HttpResponse};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, PathItem};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::AppError;
use crate::problem_details::ProblemDetails;

/// The OpenAPI document's frame; its paths come from [`routes`].
#[derive(OpenApi)]
#[openapi(
    info(
        title = "faculty-pool",
        description = "Faculty pool (师资库) and instructor matching for cadre training offices."
    ),
    components(schemas(ProblemDetails)),
    modifiers(&BearerAuth)
)]
struct ApiFrame;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The whole route table: every operation of the API, registered with its
/// OpenAPI description, so the document cannot miss or invent one.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(auth::token)
        .service(me::get)
        .service(me::update_contact)
        .service(me::change_password)
        .service(availability::list_own)
        .service(availability::add_own)
        .service(availability::remove_own)
        .service(topics::list)
        .service(topics::add)
        .service(topics::methods)
        .service(topics::cities)
        .service(offices::list)
        .service(offices::create)
        .service(offices::import)
        .service(offices::get)
        .service(offices::change)
        .service(users::list)
        .service(users::create)
        .service(users::change)
        .service(instructors::list)
        .service(instructors::create)
        .service(instructors::get)
        .service(quality::rating_history)
        .service(quality::of_instructor)
        .service(instructors::update)
        .service(instructors::deactivate)
        .service(pool_sheets::import)
        .service(pool_sheets::export)
        .service(availability::list)
        .service(availability::add)
        .service(availability::remove)
        .service(teaching::list)
        .service(teaching::create)
        .service(teaching::evaluate)
        .service(recommendations::opportunities)
        .service(plans::create)
        .service(plans::list)
        .service(plans::get)
        .service(plans::update)
        .service(plans::delete)
        .service(plans::create_class)
        .service(plans::get_class)
        .service(plans::update_class)
        .service(plans::delete_class)
        .service(plans::create_session)
        .service(plans::get_session)
        .service(plans::update_session)
        .service(plans::delete_session)
        .service(plans::export)
        .service(plan_import::import)
        .service(evaluations::open)
        .service(evaluations::update)
        .service(evaluations::get)
        .service(evaluations::codes)
        .service(evaluations::sheet)
        .service(evaluations::open_class)
        .service(evaluations::of_plan)
        .service(quality::of_plan)
        .service(quality::export)
        .service(workload::of_plan)
        .service(recommendations::for_session)
        .service(recommendations::for_query)
        .service(runs::create)
        .service(runs::list)
        .service(runs::get)
        .service(runs::changes)
        .service(runs::apply)
        .service(runs::cancel)
        .service(runs::problem)
        .service(solve::solve)
        .service(assignments::list)
        .service(assignments::create)
        .service(assignments::lock)
        .service(assignments::unlock)
        .service(assignments::confirm)
        .service(assignments::calendar)
        .service(assignments::own)
        .service(assignments::accept)
        .service(assignments::decline)
        .service(assignments::create_feed)
        .service(assignments::revoke_feed)
        .service(assignments::feed)
        .service(exclusions::create)
        .service(exclusions::list)
        .service(exclusions::delete)
        .service(webhooks::event_types)
        .service(webhooks::list)
        .service(webhooks::create)
        .service(webhooks::get)
        .service(webhooks::update)
        .service(webhooks::remove)
        .service(webhooks::rotate_secret)
        .service(webhooks::ping)
        .service(webhooks::deliveries)
        .service(webhooks::redeliver);
}

/// The OpenAPI document of [`routes`], with what every operation can answer
/// besides its own responses and the rules every input obeys.
pub fn document() -> Document {
    let (_, mut document) = App::new()
        .into_utoipa_app()
        .openapi(ApiFrame::openapi())
        .configure(routes)
        .split_for_parts();
    CommonResponses.modify(&mut document);
    input_rules::InputRules.modify(&mut document);
    document
}

/// What every operation shares: a unique operation id made of its method
/// and path (`get_instructors_id`; handler names repeat across modules), and
/// the 503 it answers while the database is away.
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut Document) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let unavailable = ResponseBuilder::new()
            .description("the database cannot be reached; retry after `Retry-After` seconds")
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ProblemDetails")))
                    .build(),
            )
            .build();
        for (path, item) in openapi.paths.paths.iter_mut() {
            let name: String = path
                .trim_start_matches("/api/v1")
                .chars()
                .filter(|c| !matches!(c, '{' | '}'))
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            for (method, operation) in operations(item) {
                operation.operation_id = Some(format!("{method}{name}"));
                operation
                    .responses
                    .responses
                    .entry("503".to_owned())
                    .or_insert_with(|| unavailable.clone().into());
            }
        }
    }
}

/// The operations of a path, each with its method in lower case.
fn operations(
    item: &mut PathItem,
) -> impl Iterator<Item = (&'static str, &mut utoipa::openapi::path::Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("options", item.options.as_mut()),
        ("head", item.head.as_mut()),
        ("patch", item.patch.as_mut()),
        ("trace", item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.map(|o| (method, o)))
}

/// The methods each documented path answers, for the 405s of the others.
pub struct PathMethods(Vec<(Vec<String>, Vec<String>)>);

impl PathMethods {
    /// The path templates (`/api/v1/plans/{id}`) and methods of `document`.
    pub fn of(document: &Document) -> Self {
        let paths = document
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let segments = template.split('/').map(str::to_owned).collect();
                let methods = operations(&mut item.clone())
                    .map(|(method, _)| method.to_ascii_uppercase())
                    .collect();
                (segments, methods)
            })
            .collect();
        Self(paths)
    }

    /// Whether `path` is documented without `method`: such a request is a
    /// 405, whatever its path or query holds.
    pub fn refuses(&self, method: &str, path: &str) -> bool {
        let allowed = self.allowed(path);
        !allowed.is_empty() && !allowed.iter().any(|m| m == method)
    }

    /// The methods of the documented path that `path` is an instance of.
    fn allowed(&self, path: &str) -> Vec<String> {
        let given: Vec<&str> = path.split('/').collect();
        let mut allowed: Vec<String> = self
            .0
            .iter()
            .filter(|(template, _)| {
                template.len() == given.len()
                    && template
                        .iter()
                        .zip(&given)
                        .all(|(t, g)| (t.starts_with('{') && !g.is_empty()) || t == g)
            })
            .flat_map(|(_, methods)| methods.iter().cloned())
            .collect();
        allowed.sort_unstable();
        allowed.dedup();
        allowed
    }
}

/// Everything the service answers: the API of [`routes`], the web console,
/// the trainees' evaluation form, the metrics, the browsable `document`, and
/// a problem body for every path or method it does not know.
pub fn configure(cfg: &mut web::ServiceConfig, document: Document) {
    routes(&mut ServiceConfig::new(cfg));
    crate::pages::console::configure(cfg);
    crate::pages::trainee_form::configure(cfg);
    crate::metrics::configure(cfg);
    cfg.route("/docs", web::get().to(docs_redirect))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", document))
        .default_service(web::to(unknown));
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// A 405 naming the allowed methods when the path is known, else a 404.
async fn unknown(
    req: HttpRequest,
    paths: web::Data<PathMethods>,
) -> Result<HttpResponse, AppError> {
    let allowed = paths.allowed(req.path());
    if allowed.is_empty() {
        Err(AppError::NotFound("no such endpoint".to_owned()))
    } else {
        Err(AppError::MethodNotAllowed(allowed))
    }
}
