//! The staffing model of SPEC section 5: assigns pool instructors to training
//! sessions with a mixed-integer program (good_lp + HiGHS).
//!
//! [`solve`] takes a [`Problem`] and returns a [`Solution`]; both are the JSON
//! contract shared by the CLI, the `/solve` endpoint and staffing runs. This
//! crate knows nothing of HTTP or databases.

mod candidates;
mod conflicts;
mod deadline;
mod eligibility;
pub mod geo;
mod greedy;
mod index;
mod model;
mod pins;
pub mod problem;
mod recommend;
mod report;
pub mod solution;
mod solve;
pub mod synthetic;
mod validate;

pub use problem::Problem;
pub use recommend::{recommend, recommend_for_session, Reason, Recommendation};
pub use solution::{Solution, Status};
pub use solve::{greedy_objective, solve, SolveError};
pub use validate::{parse, parse_json, validate, FieldError};
