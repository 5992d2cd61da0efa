//! The HTTP API: the route table, the OpenAPI document and the shared
//! request plumbing. Handlers are thin: check the role, parse, call the store
//! inside `web::block`, return a view.

pub mod assignments;
pub mod auth;
pub mod availability;
pub mod health;
pub mod instructors;
pub mod json;
pub mod me;
pub mod pagination;
pub mod plans;
pub mod recommendations;
pub mod runs;
pub mod solve;
pub mod teaching;
pub mod topics;
pub mod users;
pub mod versioning;

use actix_web::{web, HttpResponse};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::AppError;

/// The OpenAPI document, generated from the handlers and types.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "faculty-pool",
        description = "Faculty pool (师资库) and instructor matching for cadre training offices."
    ),
    paths(
        health::healthz,
        health::readyz,
        auth::token,
        me::get,
        me::update_contact,
        availability::list_own,
        availability::add_own,
        availability::remove_own,
        topics::list,
        topics::add,
        topics::methods,
        users::list,
        users::create,
        instructors::list,
        instructors::create,
        instructors::get,
        instructors::update,
        instructors::deactivate,
        availability::list,
        availability::add,
        availability::remove,
        teaching::list,
        teaching::create,
        teaching::evaluate,
        recommendations::opportunities,
        plans::create,
        plans::list,
        plans::get,
        plans::create_class,
        plans::get_class,
        plans::create_session,
        plans::get_session,
        plans::delete_session,
        recommendations::for_session,
        recommendations::for_query,
        runs::create,
        runs::list,
        runs::get,
        runs::apply,
        runs::problem,
        solve::solve,
        assignments::list,
        assignments::lock,
        assignments::unlock,
        assignments::confirm,
        assignments::own,
        assignments::decline,
        assignments::calendar,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

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

/// The whole route table.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(auth::token)
        .service(me::get)
        .service(me::update_contact)
        .service(availability::list_own)
        .service(availability::add_own)
        .service(availability::remove_own)
        .service(topics::list)
        .service(topics::add)
        .service(topics::methods)
        .service(users::list)
        .service(users::create)
        .service(instructors::list)
        .service(instructors::create)
        .service(instructors::get)
        .service(instructors::update)
        .service(instructors::deactivate)
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
        .service(plans::create_class)
        .service(plans::get_class)
        .service(plans::create_session)
        .service(plans::get_session)
        .service(plans::delete_session)
        .service(recommendations::for_session)
        .service(recommendations::for_query)
        .service(runs::create)
        .service(runs::list)
        .service(runs::get)
        .service(runs::apply)
        .service(runs::problem)
        .service(solve::solve)
        .service(assignments::list)
        .service(assignments::lock)
        .service(assignments::unlock)
        .service(assignments::confirm)
        .service(assignments::calendar)
        .service(assignments::own)
        .service(assignments::decline)
        .route("/docs", web::get().to(docs_redirect))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", ApiDoc::openapi()))
        .default_service(web::to(not_found));
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, "/docs/"))
        .finish()
}

async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound("no such endpoint".to_owned()))
}
