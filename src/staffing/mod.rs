//! Staffing: the orchestration between the store and the solver. It builds
//! staffing problems from the database ([`problem`], [`pool`]), runs them in
//! the background ([`runs`]) and keeps the digest of their inputs
//! ([`inputs`]), shows what a run would change ([`changes`]),
//! applies it ([`apply`]), checks a planner's assignment by hand
//! ([`assign`]), answers recommendation questions ([`recommend`]) and warns
//! of the last run's per-class limit in both ([`class_limit`]), and says
//! whom a plan keeps busy and when ([`workload`]).

pub mod apply;
pub mod assign;
pub mod changes;
pub mod class_limit;
pub mod inputs;
pub mod problem;
pub mod recommend;
pub mod runs;
pub mod workload;
