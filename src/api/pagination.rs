//! Page-number pagination for list endpoints.

use serde::{Deserialize, Serialize};
use solver::FieldError;
use utoipa::{IntoParams, ToSchema};

use crate::error::AppError;

const MAX_PER_PAGE: i64 = 200;
const DEFAULT_PER_PAGE: i64 = 50;

/// Which page of a list to return.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// 1-based page number (default 1).
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
}

impl Page {
    /// Fails with the broken rules of the page parameters.
    pub fn check(&self) -> Result<(), AppError> {
        let mut errors = Vec::new();
        if self.page.is_some_and(|p| p < 1) {
            errors.push(FieldError::new("page", "min_1", "pages start at 1"));
        }
        if self
            .per_page
            .is_some_and(|n| !(1..=MAX_PER_PAGE).contains(&n))
        {
            errors.push(FieldError::new(
                "per_page",
                "range",
                format!("from 1 to {MAX_PER_PAGE}"),
            ));
        }
        AppError::check(errors)
    }

    pub fn number(&self) -> i64 {
        self.page.unwrap_or(1)
    }

    pub fn limit(&self) -> i64 {
        self.per_page.unwrap_or(DEFAULT_PER_PAGE)
    }

    pub fn offset(&self) -> i64 {
        (self.number() - 1).saturating_mul(self.limit())
    }
}

/// One page of a list and the size of the whole list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paginated<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

impl<T> Paginated<T> {
    pub fn new(items: Vec<T>, page: &Page, total: i64) -> Self {
        Self {
            items,
            page: page.number(),
            per_page: page.limit(),
            total,
        }
    }
}
