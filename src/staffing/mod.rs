//! Staffing: the orchestration between the store and the solver. It builds
//! staffing problems from the database ([`problem`], [`pool`]), runs them in
//! the background ([`runs`]), shows what a run would change ([`changes`]),
//! applies it ([`apply`]), checks a planner's assignment by hand
//! ([`assign`]) and answers recommendation questions ([`recommend`]).

pub mod apply;
pub mod assign;
pub mod changes;
pub mod problem;
pub mod recommend;
pub mod runs;
