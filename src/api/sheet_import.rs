//! What the sheet imports (the pool's and a plan's) share: the uploaded
//! file read into cells, the options, and one answer that names every
//! broken cell, whether the sheet's own rules or the stored data refused it.

use actix_web::web;
use serde::Deserialize;
use solver::FieldError;
use utoipa::IntoParams;

use crate::error::AppError;
use crate::sheets::read::{Encoding, Limits};
use crate::store::RowError;

/// How to read an import.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportOptions {
    /// Check every row and report what would happen, writing nothing.
    pub dry_run: Option<bool>,
    /// A CSV file's encoding: `utf-8`, `gb18030` or `gbk`; by default UTF-8
    /// when the file is valid UTF-8, else GB18030.
    pub encoding: Option<Encoding>,
}

/// The cells of a sheet sent as a request body (CSV or XLSX), read within
/// `limits` on a blocking thread.
pub async fn cells(
    body: web::Payload,
    encoding: Option<Encoding>,
    limits: &Limits,
) -> Result<Vec<Vec<String>>, AppError> {
    let bytes = match body.to_bytes_limited(limits.body_bytes).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => {
            return Err(AppError::BadRequest(
                "the request body could not be read".to_owned(),
            ))
        }
        Err(_) => {
            return Err(AppError::PayloadTooLarge(format!(
                "the sheet is larger than {} bytes (IMPORT_MAX_BYTES)",
                limits.body_bytes
            )))
        }
    };
    let limits = *limits;
    web::block(move || crate::sheets::read::rows(&bytes, encoding, &limits)).await?
}

/// Whether an import only checks: asked for, or some row already broke
/// the sheet's own rules (the rows are still checked against the stored
/// data, writing nothing, so that one answer names every broken rule).
pub fn check_only(options: &ImportOptions, sheet_errors: &[(usize, FieldError)]) -> bool {
    options.dry_run.unwrap_or(false) || !sheet_errors.is_empty()
}

/// What the store made of a sheet's rows, or a 422 naming every broken
/// cell: the sheet's own (`errors`) and those the store refused, each
/// placed at its cell by `at_cell`.
pub fn settle<T>(
    made: Result<T, Vec<RowError>>,
    mut errors: Vec<(usize, FieldError)>,
    at_cell: impl Fn(&RowError) -> FieldError,
) -> Result<T, AppError> {
    for e in made.as_ref().err().into_iter().flatten() {
        errors.push((e.row, at_cell(e)));
    }
    refuse_broken(errors)?;
    made.map_err(|_| AppError::Internal(anyhow::anyhow!("refused rows without an error")))
}

/// A 422 naming every broken cell (each with its row number), in row
/// order, each cell once; nothing if there is none.
pub fn refuse_broken(mut errors: Vec<(usize, FieldError)>) -> Result<(), AppError> {
    errors.sort_by_key(|(row, _)| *row);
    let mut named = std::collections::HashSet::new();
    AppError::check(
        errors
            .into_iter()
            .filter(|(_, e)| named.insert(e.field.clone()))
            .map(|(_, e)| e)
            .collect(),
    )
}
