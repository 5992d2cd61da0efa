//! Black-box tests of the HTTP service, each run on SQLite and on
//! PostgreSQL against the real `faculty-pool` binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod auth;
mod availability;
mod instructors;
mod operations;
mod ratings;
