//! Why a problem could not be solved.

use crate::validate::FieldError;

/// Why a problem could not be solved.
#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    /// The input breaks rules of the contract; every broken rule is listed.
    #[error("the problem is invalid ({} errors)", .0.len())]
    Invalid(Vec<FieldError>),
    /// HiGHS failed in a way a valid problem should never cause.
    #[error("the MIP solver failed: {0}")]
    Solver(String),
}
