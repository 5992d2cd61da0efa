//! The command line's subcommands: `serve` (the HTTP service), `demo`,
//! `national` (a national data set for load tests), `solve`, `user add`,
//! `office add` and `db`, each a thin layer over the service's
//! modules; [`report`] is the readable report `demo` and `solve --summary`
//! print.

pub mod db;
pub mod demo;
pub mod national;
pub mod office;
pub mod report;
pub mod serve;
pub mod solve;
pub mod user;
