//! The staffing solution: the output half of the JSON contract (SPEC 5.5).

use serde::{Deserialize, Serialize};

/// How the solver ended.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Proved optimal within `mip_gap`.
    Optimal,
    /// The time limit struck; the best solution found is returned.
    TimeLimit,
}

/// A complete staffing solution.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Solution {
    pub status: Status,
    pub objective: f64,
    pub bound: f64,
    pub gap: f64,
    pub assignments: Vec<Assignment>,
    pub trips: Vec<Trip>,
    pub unfilled: Vec<Unfilled>,
    pub cadre_shortfalls: Vec<CadreShortfall>,
    /// With `weights.balance` above 0: every instructor holding 2 sessions
    /// or more and the balance term it costs; absent otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub loads: Vec<Load>,
    pub stats: Stats,
}

/// One instructor teaching one session, with the parts of its score.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignment {
    pub session: String,
    pub instructor: String,
    pub expertise: f64,
    pub rating: f64,
    pub kept: bool,
    pub score: f64,
}

/// An instructor travelling to a class venue, paid once per class.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trip {
    pub instructor: String,
    pub class: String,
    pub distance_km: f64,
    pub cost: f64,
}

/// A session left with fewer instructors than it needs, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unfilled {
    pub session: String,
    pub missing: i64,
    pub eligible: usize,
    pub excluded_by: ExcludedBy,
    pub near_misses: Vec<NearMiss>,
}

/// Instructors not eligible for a session, each counted under the first
/// rule of SPEC 5.2 it fails.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExcludedBy {
    pub topic: usize,
    pub unavailable: usize,
    pub travel: usize,
    pub remote: usize,
    pub exclusion: usize,
}

/// An instructor who could almost have taken an unfilled place.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NearMiss {
    pub instructor: String,
    /// `topic`, `unavailable`, `remote`, `travel`, `exclusion`, `capacity`
    /// or `conflict`.
    pub blocked_by: String,
    pub detail: String,
}

/// A class with fewer cadre assignments than its `min_cadre_share` asks.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CadreShortfall {
    pub class: String,
    pub required: f64,
    pub assigned: usize,
    pub shortfall: f64,
}

/// The balance term of one instructor (SPEC 5.4):
/// `w_balance · sessions · (sessions − 1) / (2 · capacity)`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Load {
    pub instructor: String,
    pub sessions: usize,
    pub capacity: i64,
    pub cost: f64,
}

/// Model size and timings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    /// Eligible (session, instructor) pairs before pruning.
    pub candidate_pairs: usize,
    /// Eligible pairs left out of the model by `max_candidates_per_session`.
    pub pruned_pairs: usize,
    /// Pairs the LP took in by pricing (the rest never gained it anything).
    #[serde(default)]
    pub lp_pairs: usize,
    /// Pairs left for the last MIP after reduced-cost fixing ruled out the
    /// pairs that cannot beat the incumbent.
    #[serde(default)]
    pub mip_pairs: usize,
    /// Columns of the whole model: assignments, trips and class presence,
    /// cadre slacks.
    pub variables: usize,
    /// Rows of the whole model, the links of trips and presence included.
    pub constraints: usize,
    pub build_ms: u64,
    pub solve_ms: u64,
}
