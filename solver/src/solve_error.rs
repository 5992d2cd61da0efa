//! Why a problem could not be solved.

use std::os::raw::c_int;

use highs_sys::kHighsStatusOk;

use crate::field_error::FieldError;

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

impl SolveError {
    /// `Ok` when a call of HiGHS's C interface returned `status` OK, else
    /// the failure, saying what HiGHS could not do.
    pub(crate) fn unless_highs_ok(status: c_int, what: &str) -> Result<(), SolveError> {
        if status == kHighsStatusOk {
            Ok(())
        } else {
            Err(SolveError::Solver(format!(
                "HiGHS could not {what} (status {status})"
            )))
        }
    }
}
