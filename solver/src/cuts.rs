//! Cuts: rows valid for every integral staffing, learnt from the
//! instructors' schedules ([`crate::schedules`]) and added to the LP parts
//! ([`crate::highs_part`]) and their prices ([`crate::pricing`]).

use crate::sparse::Sparse;

/// Rows valid for every integral staffing: each `Σ a_j · x_j ≤ rhs` over
/// model columns.
#[derive(Debug, Clone)]
pub struct Cuts {
    pub rows: Sparse,
    pub rhs: Vec<f64>,
}

impl Cuts {
    pub fn new() -> Self {
        Self {
            rows: Sparse::new(),
            rhs: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.rhs.len()
    }
}
