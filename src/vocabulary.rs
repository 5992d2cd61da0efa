//! Fixed vocabularies, stored as stable English codes and shown with their
//! Chinese names: instructor kinds and tiers (SPEC 3), class kinds, roles
//! (SPEC 1), and the states of assignments and staffing runs. [`coded!`] is
//! the one place where such an enum gets its code, its Chinese name, its
//! JSON and OpenAPI form and its diesel mapping, so a misspelt state cannot
//! compile and an unknown stored code is an error.

pub use solver::problem::InstructorKind;

/// A value of a fixed vocabulary: its stable code and its Chinese name.
pub trait Named: Copy + Sized + 'static {
    /// Every value, in the order lists show them.
    const ALL: &'static [Self];

    /// The stored and JSON code, e.g. `model_figure`.
    fn code(self) -> &'static str;

    /// The Chinese name, e.g. 先进典型人物.
    fn name_zh(self) -> &'static str;

    /// The value with this code.
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }

    /// The value a person typed: its code or its Chinese name.
    fn from_code_or_name(text: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.code() == text || v.name_zh() == text)
    }
}

/// The Chinese names of a vocabulary for a message: `国家级, 省级 or 市级`.
pub fn names<T: Named>() -> String {
    one_of(T::ALL.iter().map(|v| v.name_zh().to_owned()))
}

/// The names with their codes: `信访干部 (cadre), 专家 (expert) or …`.
pub fn names_and_codes<T: Named>() -> String {
    one_of(
        T::ALL
            .iter()
            .map(|v| format!("{} ({})", v.name_zh(), v.code())),
    )
}

fn one_of(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    match items.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Declares an enum of stable codes: `Variant = "code" / "中文名"`. It gets
/// [`Named`], serde and OpenAPI under its codes, and is a diesel `Text`
/// column on both backends (an unknown stored code fails the read).
macro_rules! coded {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:tt / $zh:tt ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant ),+
        }

        impl $crate::vocabulary::Named for $name {
            const ALL: &'static [Self] = &[$(Self::$variant),+];

            fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),+ }
            }

            fn name_zh(self) -> &'static str {
                match self { $(Self::$variant => $zh),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::vocabulary::Named::code(*self))
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                $crate::vocabulary::Named::code(*self).to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let code = String::from_sql(bytes)?;
                <Self as $crate::vocabulary::Named>::from_code(&code).ok_or_else(|| {
                    format!("{code:?} is not a stored {}", stringify!($name)).into()
                })
            }
        }
    };
}

pub(crate) use coded;

/// The three kinds of pool member, named once: full and short Chinese names.
const KIND_NAMES: [(InstructorKind, &str, &str); 3] = [
    (InstructorKind::Cadre, "信访干部", "干部"),
    (InstructorKind::Expert, "专家", "专家"),
    (InstructorKind::ModelFigure, "先进典型人物", "典型"),
];

impl Named for InstructorKind {
    const ALL: &'static [Self] = &InstructorKind::ALL;

    fn code(self) -> &'static str {
        InstructorKind::code(self)
    }

    fn name_zh(self) -> &'static str {
        kind_names(self).0
    }
}

/// The short Chinese name of a kind, for tight tables (干部, 专家, 典型).
pub fn kind_short_zh(kind: InstructorKind) -> &'static str {
    kind_names(kind).1
}

fn kind_names(kind: InstructorKind) -> (&'static str, &'static str) {
    KIND_NAMES
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or(("", ""), |&(_, full, short)| (full, short))
}

/// An instructor kind as stored: its code, read back into the kind. An
/// unknown code fails the read; it never becomes a cadre.
#[derive(Debug, Clone, Copy, diesel::FromSqlRow)]
pub struct StoredKind(pub InstructorKind);

impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for StoredKind
where
    DB: diesel::backend::Backend,
    String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
        let code = String::from_sql(bytes)?;
        <InstructorKind as Named>::from_code(&code)
            .map(Self)
            .ok_or_else(|| format!("{code:?} is not a stored instructor kind").into())
    }
}

impl From<StoredKind> for InstructorKind {
    fn from(stored: StoredKind) -> Self {
        stored.0
    }
}

coded! {
    /// The administrative tier an instructor belongs to.
    pub enum Tier {
        National = "national" / "国家级",
        Provincial = "provincial" / "省级",
        Municipal = "municipal" / "市级",
        County = "county" / "县级",
        Township = "township" / "乡镇级",
    }
}

coded! {
    /// The tier of an office of the complaints system (SPEC 10): a child's
    /// tier is below its parent's.
    #[derive(clap::ValueEnum)]
    pub enum OfficeTier {
        National = "national" / "国家级",
        Provincial = "provincial" / "省级",
        Municipal = "municipal" / "市级",
        County = "county" / "县级",
    }
}

impl OfficeTier {
    /// 0 for the national bureau, 3 for a county office.
    pub fn rank(self) -> usize {
        Self::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

coded! {
    /// Which offices reach an instructor besides their owner and the
    /// offices above it (SPEC 10).
    pub enum Visibility {
        /// Only the owner office and the offices above it.
        Own = "own" / "仅本级",
        /// Also the offices below the owner.
        Shared = "shared" / "本级及下级",
        /// Every office (the national experts' register).
        Everyone = "everyone" / "全系统",
    }
}

coded! {
    /// The two kinds of class of the training policy.
    pub enum ClassKind {
        /// 综合类
        Comprehensive = "comprehensive" / "综合类",
        /// 专题业务类
        Specialised = "specialised" / "专题业务类",
    }
}

coded! {
    /// A user's one role.
    #[derive(clap::ValueEnum)]
    pub enum Role {
        /// System administrator: everything, user accounts, topics.
        Admin = "admin" / "系统管理员",
        /// Training planner: manages the pool, plans and staffing.
        Planner = "planner" / "培训计划员",
        /// Training office staff: reads the pool and results, asks for recommendations.
        Office = "office" / "培训办",
        /// A pool member: their own profile, availability and assignments.
        Instructor = "instructor" / "授课人员",
    }
}

coded! {
    /// Where a staffing run stands.
    pub enum RunState {
        /// Waiting for a worker.
        Queued = "queued" / "排队中",
        /// A worker is solving it.
        Running = "running" / "求解中",
        /// Solved: its solution is stored.
        Done = "done" / "完成",
        /// It could not be solved; `error` says why.
        Failed = "failed" / "失败",
        /// Stopped on request: its best staffing so far is kept, and applying
        /// it needs `confirm`.
        Cancelled = "cancelled" / "已取消",
    }
}

coded! {
    /// Where an assignment stands.
    pub enum AssignmentState {
        /// Proposed by a run or put in by a planner, not yet confirmed.
        Proposed = "proposed" / "拟定",
        /// Confirmed by the planner or accepted by the instructor.
        Confirmed = "confirmed" / "已确认",
        /// Declined by the instructor, with a reason.
        Declined = "declined" / "已婉拒",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Every code is the value's JSON form, and reads back to it.
    fn codes_are_json<T: Named + serde::Serialize + serde::de::DeserializeOwned + PartialEq>() {
        for &value in T::ALL {
            let json = serde_json::to_value(value).unwrap();
            assert_eq!(json, value.code());
            assert!(T::from_code(value.code()) == Some(value));
            assert!(T::from_code_or_name(value.name_zh()) == Some(value));
            assert!(!value.name_zh().is_empty());
        }
    }

    #[test]
    fn every_vocabulary_reads_back_its_codes_and_names() {
        codes_are_json::<InstructorKind>();
        codes_are_json::<Tier>();
        codes_are_json::<ClassKind>();
        codes_are_json::<Role>();
        codes_are_json::<RunState>();
        codes_are_json::<AssignmentState>();
        assert_eq!(kind_short_zh(InstructorKind::ModelFigure), "典型");
        assert!(<InstructorKind as Named>::from_code("wizard").is_none());
        assert_eq!(
            names_and_codes::<InstructorKind>(),
            "信访干部 (cadre), 专家 (expert) or 先进典型人物 (model_figure)"
        );
        assert_eq!(names::<Tier>(), "国家级, 省级, 市级, 县级 or 乡镇级");
    }
}
