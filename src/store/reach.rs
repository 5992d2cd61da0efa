//! Reach (SPEC 10): what an office's accounts may see and change. The one
//! place that turns an office into filters on the stored tables, and an
//! object into the office it belongs to; lists filter with
//! [`plans_of`] and [`Reach::instructors`], single objects go through
//! [`locate`] and [`Owner::allows`].

use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::schema::{
    assignments, classes, exclusions, instructors, office_tree, plans, sessions, staffing_runs,
    users, webhook_endpoints,
};
use super::{Backend, Db};
use crate::error::AppError;
use crate::vocabulary::Visibility;

/// A boolean filter on `T`'s rows.
pub type Filter<T> = Box<dyn BoxableExpression<T, Backend, SqlType = Bool>>;

/// Whether `column`'s office is `office` or below it. An `IN` over the
/// subtree, not a correlated `EXISTS`: the subtree is read once, not once
/// per row (a county's pool among 100,000 instructors: 49 ms, not 627).
macro_rules! within {
    ($column:expr, $office:expr) => {
        $column.eq_any(
            office_tree::table
                .filter(office_tree::ancestor_id.eq($office.to_owned()))
                .select(office_tree::descendant_id),
        )
    };
}

/// Whether `column`'s office is `office` or above it.
macro_rules! above {
    ($column:expr, $office:expr) => {
        $column.eq_any(
            office_tree::table
                .filter(office_tree::descendant_id.eq($office.to_owned()))
                .select(office_tree::ancestor_id),
        )
    };
}

/// The plans of `office` and of the offices below it: what its accounts read.
pub fn plans_of(office: &str) -> Filter<plans::table> {
    Box::new(within!(plans::office_id, office))
}

/// The ids of the plans `office` reads, as a subquery.
#[diesel::dsl::auto_type(no_type_alias)]
pub fn plan_ids_of<'a>(office: &'a str) -> _ {
    let subtree: diesel::dsl::Select<
        diesel::dsl::Filter<office_tree::table, diesel::dsl::Eq<office_tree::ancestor_id, &'a str>>,
        office_tree::descendant_id,
    > = office_tree::table
        .filter(office_tree::ancestor_id.eq(office))
        .select(office_tree::descendant_id);
    plans::table
        .filter(plans::office_id.eq_any(subtree))
        .select(plans::id)
}

/// The offices whose instructors an office may reach (SPEC 10), read once
/// so that its pool is filtered by lists of offices: PostgreSQL then looks
/// the pool up through the owner and `everyone` indexes instead of testing
/// every instructor against the subtree (a county's pool of one topic
/// among 100,000 instructors, counted: 45 ms as subqueries, 15 ms so).
pub struct Reach {
    /// The office and the offices below it.
    below: Vec<String>,
    /// Those and the offices above it.
    keepers: Vec<String>,
}

/// What `office` reaches.
pub fn reach_of(conn: &mut Db, office: &str) -> QueryResult<Reach> {
    let below: Vec<String> = office_tree::table
        .filter(office_tree::ancestor_id.eq(office))
        .select(office_tree::descendant_id)
        .load(conn)?;
    let mut keepers: Vec<String> = office_tree::table
        .filter(office_tree::descendant_id.eq(office))
        .filter(office_tree::ancestor_id.ne(office))
        .select(office_tree::ancestor_id)
        .load(conn)?;
    keepers.extend(below.iter().cloned());
    Ok(Reach { below, keepers })
}

impl Reach {
    /// The instructors it reaches (the office's pool): kept by the office
    /// or below it, kept above it and not `own`, or open to `everyone`.
    pub fn instructors(&self) -> Filter<instructors::table> {
        Box::new(
            instructors::owner_office_id
                .eq_any(self.keepers.clone())
                .and(
                    instructors::owner_office_id
                        .eq_any(self.below.clone())
                        .or(instructors::visibility.ne(Visibility::Own)),
                )
                .or(instructors::visibility.eq(Visibility::Everyone)),
        )
    }
}

/// The instructors `office` keeps or an office below it keeps: whose record
/// and contact its planners edit.
pub fn instructors_kept_within(office: &str) -> Filter<instructors::table> {
    Box::new(within!(instructors::owner_office_id, office))
}

/// The accounts of `office` and of the offices below it.
pub fn users_of(office: &str) -> Filter<users::table> {
    Box::new(within!(users::office_id, office))
}

/// The webhook endpoints of `office` and of the offices below it.
pub fn endpoints_of(office: &str) -> Filter<webhook_endpoints::table> {
    Box::new(within!(webhook_endpoints::office_id, office))
}

/// The webhook endpoints of `office` and of the offices above it: those
/// that hear its events.
pub fn endpoints_over(office: &str) -> Filter<webhook_endpoints::table> {
    Box::new(above!(webhook_endpoints::office_id, office))
}

/// Whom an object belongs to, as reach sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// Something of an office's own work (a plan and what is in it, an
    /// account, a webhook endpoint, the office itself): read and changed
    /// within the subtree of the office above it.
    Office(String),
    /// A plan's work: read by the offices above, changed only by its office.
    Plan(String),
    /// An instructor record kept by `owner` with `visibility`.
    Instructor {
        owner: String,
        visibility: Visibility,
    },
}

/// What a caller wants to do with an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Change,
}

/// What reach says about one object and one office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// The office sees it but may not change it (403).
    ReadOnly,
    /// The office does not reach it: its accounts must not learn it exists (404).
    Hidden,
}

impl Owner {
    /// The office it belongs to (a plan's office for what is in a plan; an
    /// instructor's owner).
    pub fn office(&self) -> &str {
        match self {
            Self::Office(office) | Self::Plan(office) => office,
            Self::Instructor { owner, .. } => owner,
        }
    }

    /// Whether accounts of `office` may do `access` to the object.
    pub fn allows(&self, conn: &mut Db, office: &str, access: Access) -> QueryResult<Verdict> {
        let within = |conn: &mut Db, of: &str| super::offices::is_within(conn, of, office);
        let verdict = match (self, access) {
            (Self::Office(of), _) => visible(within(conn, of)?),
            (Self::Plan(of), Access::Read) => visible(within(conn, of)?),
            (Self::Plan(of), Access::Change) if of == office => Verdict::Allowed,
            (Self::Plan(of), Access::Change) => read_only(within(conn, of)?),
            (Self::Instructor { owner, .. }, _) if within(conn, owner)? => Verdict::Allowed,
            (Self::Instructor { owner, visibility }, access) => {
                let reached = *visibility == Visibility::Everyone
                    || (*visibility == Visibility::Shared
                        && super::offices::is_within(conn, office, owner)?);
                match (reached, access) {
                    (false, _) => Verdict::Hidden,
                    (true, Access::Read) => Verdict::Allowed,
                    (true, Access::Change) => Verdict::ReadOnly,
                }
            }
        };
        Ok(verdict)
    }
}

fn visible(within: bool) -> Verdict {
    if within {
        Verdict::Allowed
    } else {
        Verdict::Hidden
    }
}

fn read_only(within: bool) -> Verdict {
    if within {
        Verdict::ReadOnly
    } else {
        Verdict::Hidden
    }
}

/// The kinds of object a path names by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Office,
    User,
    WebhookEndpoint,
    Instructor,
    Plan,
    Class,
    Session,
    StaffingRun,
    Assignment,
    Exclusion,
}

impl Kind {
    /// How a 404 names it.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Office => "office",
            Self::User => "user",
            Self::WebhookEndpoint => "webhook endpoint",
            Self::Instructor => "instructor",
            Self::Plan => "plan",
            Self::Class => "class",
            Self::Session => "session",
            Self::StaffingRun => "staffing run",
            Self::Assignment => "assignment",
            Self::Exclusion => "exclusion",
        }
    }
}

/// The office object `id` of `kind` belongs to, for an object known to
/// exist (an event's office).
pub fn office_of(conn: &mut Db, kind: Kind, id: &str) -> Result<String, AppError> {
    let owner = locate(conn, kind, id)?
        .ok_or_else(|| AppError::NotFound(format!("no {} {id}", kind.noun())))?;
    Ok(owner.office().to_owned())
}

/// Whom object `id` of `kind` belongs to; `None` if there is no such object.
pub fn locate(conn: &mut Db, kind: Kind, id: &str) -> QueryResult<Option<Owner>> {
    let office = match kind {
        Kind::Office => {
            return Ok(super::schema::offices::table
                .find(id)
                .select(super::schema::offices::id)
                .first::<String>(conn)
                .optional()?
                .map(Owner::Office))
        }
        Kind::User => {
            return Ok(users::table
                .find(id)
                .select(users::office_id)
                .first::<String>(conn)
                .optional()?
                .map(Owner::Office))
        }
        Kind::WebhookEndpoint => {
            return Ok(webhook_endpoints::table
                .find(id)
                .select(webhook_endpoints::office_id)
                .first::<String>(conn)
                .optional()?
                .map(Owner::Office))
        }
        Kind::Instructor => {
            return Ok(instructors::table
                .find(id)
                .select((instructors::owner_office_id, instructors::visibility))
                .first::<(String, Visibility)>(conn)
                .optional()?
                .map(|(owner, visibility)| Owner::Instructor { owner, visibility }))
        }
        Kind::Plan => plans::table
            .find(id)
            .select(plans::office_id)
            .first::<String>(conn)
            .optional()?,
        Kind::Class => classes::table
            .inner_join(plans::table)
            .filter(classes::id.eq(id))
            .select(plans::office_id)
            .first(conn)
            .optional()?,
        Kind::Session => session_office(conn, id)?,
        Kind::StaffingRun => staffing_runs::table
            .find(id)
            .select(staffing_runs::office_id)
            .first(conn)
            .optional()?,
        Kind::Assignment => assignments::table
            .inner_join(sessions::table.inner_join(classes::table.inner_join(plans::table)))
            .filter(assignments::id.eq(id))
            .select(plans::office_id)
            .first(conn)
            .optional()?,
        Kind::Exclusion => {
            let target: Option<(Option<String>, Option<String>)> = exclusions::table
                .find(id)
                .select((exclusions::session_id, exclusions::class_id))
                .first(conn)
                .optional()?;
            match target {
                Some((Some(session), _)) => session_office(conn, &session)?,
                Some((None, Some(class))) => return locate(conn, Kind::Class, &class),
                _ => None,
            }
        }
    };
    Ok(office.map(Owner::Plan))
}

/// What reach says about `office`'s accounts doing `access` to object `id`
/// of `kind`: [`Verdict::Hidden`] also when there is no such object.
pub fn verdict(
    conn: &mut Db,
    office: &str,
    kind: Kind,
    id: &str,
    access: Access,
) -> QueryResult<Verdict> {
    match locate(conn, kind, id)? {
        Some(owner) => owner.allows(conn, office, access),
        None => Ok(Verdict::Hidden),
    }
}

/// Instructor `id`, as a request's body names it for `office`'s plan or
/// pool: in that office's pool, else a 422 at `instructor` that does not
/// tell one outside the pool from none.
pub fn instructor_in_pool(conn: &mut Db, office: &str, id: &str) -> Result<(), AppError> {
    if verdict(conn, office, Kind::Instructor, id, Access::Read)? == Verdict::Allowed {
        return Ok(());
    }
    Err(AppError::field(
        "instructor",
        "unknown_reference",
        "no such instructor in the pool of the plan's office",
    ))
}

fn session_office(conn: &mut Db, id: &str) -> QueryResult<Option<String>> {
    sessions::table
        .inner_join(classes::table.inner_join(plans::table))
        .filter(sessions::id.eq(id))
        .select(plans::office_id)
        .first(conn)
        .optional()
}
