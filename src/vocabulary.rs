//! Fixed vocabularies of SPEC section 3: instructor kinds and tiers, stored as
//! stable English codes and shown with their Chinese names.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What kind of pool member an instructor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 信访干部: complaints-system cadres, the main teaching force (主体力量).
    Cadre,
    /// 专家: leading cadres, scholars and specialists from other bodies.
    Expert,
    /// 先进典型人物: exemplary individuals.
    ModelFigure,
}

/// The administrative tier an instructor belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    National,
    Provincial,
    Municipal,
    County,
    Township,
}

impl Kind {
    pub const ALL: [Self; 3] = [Self::Cadre, Self::Expert, Self::ModelFigure];

    pub fn code(self) -> &'static str {
        match self {
            Self::Cadre => "cadre",
            Self::Expert => "expert",
            Self::ModelFigure => "model_figure",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Cadre => "信访干部",
            Self::Expert => "专家",
            Self::ModelFigure => "先进典型人物",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

impl Tier {
    pub const ALL: [Self; 5] = [
        Self::National,
        Self::Provincial,
        Self::Municipal,
        Self::County,
        Self::Township,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::National => "national",
            Self::Provincial => "provincial",
            Self::Municipal => "municipal",
            Self::County => "county",
            Self::Township => "township",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::National => "国家级",
            Self::Provincial => "省级",
            Self::Municipal => "市级",
            Self::County => "县级",
            Self::Township => "乡镇级",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }
}
