//! The staffing problem: the input half of the JSON contract (SPEC 5.1).
//!
//! Numbers that have a sign rule (capacity, needed, levels, weights) are read
//! as wide signed or floating types so that a bad value reaches validation and
//! is reported with its field path instead of failing deserialisation.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// A complete staffing problem.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Problem {
    #[serde(default)]
    pub weights: Weights,
    #[serde(default)]
    pub options: Options,
    pub instructors: Vec<Instructor>,
    pub classes: Vec<Class>,
    pub sessions: Vec<Session>,
    #[serde(default)]
    pub pins: Vec<Pair>,
    #[serde(default)]
    pub exclusions: Vec<Pair>,
    #[serde(default)]
    pub previous: Vec<Pair>,
    #[serde(default)]
    pub distances: Vec<Distance>,
}

/// Objective weights of SPEC 5.4.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub expertise: f64,
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub rating: f64,
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub travel_per_1000km: f64,
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub unfilled: f64,
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub cadre_shortfall: f64,
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub keep: f64,
    /// Spreads the load: each instructor's k-th session costs
    /// `balance · (k − 1) / capacity` (SPEC 5.4); 0 leaves it out.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub balance: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            expertise: 1.0,
            rating: 1.0,
            travel_per_1000km: 1.0,
            unfilled: 100.0,
            cadre_shortfall: 10.0,
            keep: 0.0,
            balance: 0.0,
        }
    }
}

/// Solver options.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// Bound on the whole call, model building included.
    #[cfg_attr(feature = "openapi", schema(exclusive_minimum = 0))]
    pub time_limit_s: f64,
    /// Relative gap at which a solution counts as optimal.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub mip_gap: f64,
    /// Minimum time between in-person sessions of two different classes.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub travel_buffer_minutes: f64,
    /// Keep at most this many candidates per session (best single-pair score
    /// first) in the model; `null` keeps all. Pins and previous pairs are
    /// always kept. Pruning can lose optimality; `stats.pruned_pairs` says
    /// how many eligible pairs it dropped.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub max_candidates_per_session: Option<i64>,
    /// No instructor holds more than this many sessions of one class, so
    /// that a class hears several voices; `null` sets no such limit.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub max_sessions_per_class: Option<i64>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            time_limit_s: 60.0,
            mip_gap: 1e-4,
            travel_buffer_minutes: 0.0,
            max_candidates_per_session: None,
            max_sessions_per_class: None,
        }
    }
}

/// The three kinds of pool member.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InstructorKind {
    /// 信访干部: by policy the main teaching force.
    Cadre,
    /// 外聘专家: leading cadres, scholars and specialists of other bodies.
    Expert,
    /// 先进典型人物.
    ModelFigure,
}

impl InstructorKind {
    /// Every kind.
    pub const ALL: [Self; 3] = [Self::Cadre, Self::Expert, Self::ModelFigure];

    /// The kind's code, as JSON writes it.
    pub fn code(self) -> &'static str {
        match self {
            Self::Cadre => "cadre",
            Self::Expert => "expert",
            Self::ModelFigure => "model_figure",
        }
    }
}

/// One pool member as the solver sees them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Instructor {
    pub id: String,
    pub kind: InstructorKind,
    #[cfg_attr(feature = "openapi", schema(minimum = -90, maximum = 90))]
    pub lat: f64,
    #[cfg_attr(feature = "openapi", schema(minimum = -180, maximum = 180))]
    pub lon: f64,
    /// Sessions this instructor may still teach.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub capacity: i64,
    #[serde(default)]
    pub remote_ok: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub max_travel_km: Option<f64>,
    /// Rating in [0, 1] (SPEC 4).
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1))]
    pub rating: f64,
    /// Expertise: topic code → level 1–5.
    pub topics: BTreeMap<String, i64>,
    #[serde(default)]
    pub unavailable: Vec<Interval>,
}

/// A half-open time interval `[start, end)`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Interval {
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
}

/// A class (班次) with its venue.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Class {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(minimum = -90, maximum = 90))]
    pub lat: f64,
    #[cfg_attr(feature = "openapi", schema(minimum = -180, maximum = 180))]
    pub lon: f64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1))]
    pub min_cadre_share: f64,
}

/// A session (课程) to staff.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    pub id: String,
    pub class: String,
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    #[serde(default)]
    pub remote: bool,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub needed: i64,
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub topics: Vec<TopicRequirement>,
}

/// A required topic with the minimum expertise level.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopicRequirement {
    pub topic: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 5))]
    pub min_level: i64,
}

/// A (session, instructor) pair, used by pins, exclusions and previous.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pair {
    pub session: String,
    pub instructor: String,
}

/// A distance that overrides the great-circle distance for one pair.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Distance {
    pub instructor: String,
    pub class: String,
    pub km: f64,
}
