//! Staffing: the orchestration between the store and the solver. It builds
//! staffing problems from the database ([`problem`], [`pool`]), runs them in
//! the background ([`runs`]), applies their results ([`apply`]) and answers
//! recommendation questions ([`recommend`]).

pub mod apply;
pub mod pool;
pub mod problem;
pub mod recommend;
pub mod runs;
