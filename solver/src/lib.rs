//! The staffing model of SPEC section 5: assigns pool instructors to training
//! sessions with a mixed-integer program solved by price and fix over HiGHS
//! (through the `highs` crate: column generation needs row duals and columns
//! added to a solved model, which good_lp, the stack's first choice, does not
//! offer).
//!
//! [`solve`] takes a [`Problem`] and returns a [`Solution`]; both are the JSON
//! contract shared by the CLI, the `/solve` endpoint and staffing runs. This
//! crate knows nothing of HTTP or databases.

mod candidates;
mod conflicts;
mod cuts;
mod deadline;
mod eligibility;
mod field_error;
pub mod geo;
mod greedy;
mod highs_part;
mod index;
mod json_input;
mod model;
mod optimise;
mod pins;
mod pricing;
pub mod problem;
mod recommend;
mod report;
mod rounding;
mod row_activity;
mod schedules;
pub mod solution;
mod solve;
mod solve_error;
mod sparse;
pub mod synthetic;
pub mod time_range;
mod validate;

pub use deadline::Cancel;
pub use field_error::FieldError;
pub use json_input::{
    control_character_error, has_control_character, parse_json, parse_json_value, path_error,
};
pub use model::cadres_required;
pub use pins::broken_pins;
pub use problem::Problem;
pub use recommend::{recommend, recommend_for_session, Reason, Recommendation};
pub use solution::{Solution, Status};
pub use solve::{greedy_objective, solve, solve_cancellable, solve_with_progress, ProgressPoint};
pub use solve_error::SolveError;
pub use validate::{parse, validate, validate_parameters};
