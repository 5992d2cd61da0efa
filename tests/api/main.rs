//! Black-box tests of the HTTP service, each run on SQLite and on
//! PostgreSQL against the real `faculty-pool` binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

/// The solver crate's independent checker, written apart from the model.
#[path = "../../solver/tests/common/mod.rs"]
mod checker;

mod auth;
mod availability;
mod console;
mod console_api;
mod console_board;
mod console_load;
mod console_offices;
mod console_pages;
mod console_walk;
mod demo;
mod evaluation_pages;
mod evaluations;
mod faults;
mod hardening;
mod instructors;
mod local_http;
mod metrics;
mod national;
mod offices;
mod operations;
mod plan_import;
mod pool_sheets;
mod province;
mod queue;
mod ratings;
mod recommendations;
mod refusals;
mod routing;
mod run_cancel;
mod session_limits;
mod sheet_safety;
mod staffing;
mod webdriver;
mod webhooks;
