//! The faculty pool as the solver sees it: each active instructor with
//! expertise, rating (SPEC 4), unavailability and held teaching (one
//! calendar per person across offices, SPEC 10), read in a handful of
//! whole-table queries.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDateTime};
use diesel::prelude::*;
use solver::problem::{Instructor, Interval};

use crate::error::AppError;
use crate::store::reach::{self, Filter};
use crate::store::schema::{
    assignments, classes, instructor_expertise, instructors, plans, sessions, unavailability,
};
use crate::store::{Backend, Db};
use crate::vocabulary::{AssignmentState, StoredKind, Visibility};

/// One pool member, before the questions of a particular problem (which
/// year's capacity, which sessions count as busy) are answered.
#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub organisation: String,
    /// With capacity 0 and only the unavailability blocks; see [`Member::for_office`].
    pub instructor: Instructor,
    pub yearly_capacity: i64,
    /// Confirmed sessions: (session id, start, end).
    pub confirmed: Vec<(String, NaiveDateTime, NaiveDateTime)>,
    /// Proposed sessions: (session id, the plan's office, start, end).
    pub proposed: Vec<(String, String, NaiveDateTime, NaiveDateTime)>,
    /// The office that keeps the record.
    pub owner_office: String,
    pub visibility: Visibility,
}

impl Member {
    /// The solver's view for a problem of `office` about `year` whose own
    /// sessions are `own`: capacity less the sessions of that year held
    /// elsewhere, and those sessions as busy time. Held elsewhere: confirmed
    /// in any plan, proposed in other offices' plans (SPEC 10).
    pub fn for_office(&self, year: i32, own: &HashSet<&str>, office: &str) -> Instructor {
        let proposed_elsewhere = self.proposed_elsewhere(office);
        self.view(year, own, self.confirmed.iter().chain(&proposed_elsewhere))
    }

    /// The sessions this member holds as proposals of plans of offices
    /// other than `office`: (session id, start, end).
    pub fn proposed_elsewhere(&self, office: &str) -> Vec<(String, NaiveDateTime, NaiveDateTime)> {
        self.proposed
            .iter()
            .filter(|(_, of, _, _)| of != office)
            .map(|(session, _, start, end)| (session.clone(), *start, *end))
            .collect()
    }

    fn view<'a>(
        &self,
        year: i32,
        own: &HashSet<&str>,
        held: impl Iterator<Item = &'a (String, NaiveDateTime, NaiveDateTime)>,
    ) -> Instructor {
        let mut instructor = self.instructor.clone();
        let elsewhere = held.filter(|(session, _, _)| !own.contains(session.as_str()));
        let mut used = 0;
        for (_, start, end) in elsewhere {
            if start.year() == year {
                used += 1;
            }
            instructor.unavailable.push(interval(*start, *end));
        }
        instructor
            .unavailable
            .sort_by(|a, b| a.start.cmp(&b.start).then(a.end.cmp(&b.end)));
        instructor.capacity = (self.yearly_capacity - used).max(0);
        instructor
    }
}

/// An interval of naive UTC times, with the `+00:00` offset.
pub fn interval(start: NaiveDateTime, end: NaiveDateTime) -> Interval {
    Interval {
        start: start.and_utc().fixed_offset(),
        end: end.and_utc().fixed_offset(),
    }
}

/// The largest pool whose per-instructor rows [`load`] reads by id (within
/// SQLite's limit of bound values); a larger one reads the tables whole.
const POOL_READ_BY_ID: usize = 20_000;

/// Which instructors [`load`] reads.
pub enum Scope<'a> {
    /// Every active instructor, whichever office reaches them.
    Active,
    /// The active instructors an office reaches (its pool, SPEC 10) and
    /// these (ones a problem still pins, inactive or not).
    PoolOfAnd(&'a str, &'a HashSet<String>),
    /// The active instructors among these.
    ActiveAmong(&'a HashSet<String>),
    /// One instructor, active or not.
    One(&'a str),
}

impl Scope<'_> {
    /// Which instructors' rows are read, and (for a few) their ids, so that
    /// per-instructor tables are read for those only.
    fn filter(
        &self,
        conn: &mut Db,
    ) -> QueryResult<(Filter<instructors::table>, Option<Vec<String>>)> {
        Ok(match self {
            Scope::Active => (Box::new(instructors::active.eq(true)), None),
            Scope::PoolOfAnd(office, also) => {
                let also: Vec<String> = also.iter().cloned().collect();
                let reached = instructors::active
                    .eq(true)
                    .and(reach::reach_of(conn, office)?.instructors())
                    .or(instructors::id.eq_any(also));
                (Box::new(reached), None)
            }
            Scope::ActiveAmong(ids) => {
                let ids: Vec<String> = ids.iter().cloned().collect();
                let among = instructors::active
                    .eq(true)
                    .and(instructors::id.eq_any(ids.clone()));
                (Box::new(among), Some(ids))
            }
            Scope::One(id) => (
                Box::new(instructors::id.eq((*id).to_owned())),
                Some(vec![(*id).to_owned()]),
            ),
        })
    }
}

/// The instructors of `scope` by id, each with the revision of what a
/// staffing run reads of them (raised by the database on every change of
/// their record's solver fields, expertise or unavailable time).
pub fn revisions(conn: &mut Db, scope: Scope) -> QueryResult<Vec<(String, i32)>> {
    instructors::table
        .filter(scope.filter(conn)?.0)
        .order(instructors::id)
        .select((instructors::id, instructors::inputs_revision))
        .load(conn)
}

/// The instructors of `scope`, by id, with their ratings as of `as_of` (SPEC 4).
pub fn load(
    conn: &mut Db,
    as_of: NaiveDateTime,
    scope: Scope,
) -> Result<Vec<(String, Member)>, AppError> {
    type Row = (
        String,
        String,
        String,
        StoredKind,
        f64,
        f64,
        i32,
        bool,
        Option<f64>,
        String,
        Visibility,
    );
    let pool = matches!(scope, Scope::PoolOfAnd(..));
    let (filter, only) = scope.filter(conn)?;
    let rows: Vec<Row> = instructors::table
        .filter(filter)
        .order(instructors::id)
        .select((
            instructors::id,
            instructors::name,
            instructors::organisation,
            instructors::kind,
            instructors::lat,
            instructors::lon,
            instructors::yearly_capacity,
            instructors::remote_ok,
            instructors::max_travel_km,
            instructors::owner_office_id,
            instructors::visibility,
        ))
        .load(conn)?;
    // A county's run reads its pool's rows, not the nation's; a pool as
    // large as most of the nation's reads the tables whole.
    let only = only.or_else(|| {
        (pool && rows.len() <= POOL_READ_BY_ID).then(|| rows.iter().map(|r| r.0.clone()).collect())
    });
    let mut topics: HashMap<String, Vec<(String, i32)>> = HashMap::new();
    let mut expertise = instructor_expertise::table.into_boxed::<Backend>();
    let mut unavailable = unavailability::table.into_boxed::<Backend>();
    let mut held = assignments::table
        .inner_join(sessions::table.inner_join(classes::table.inner_join(plans::table)))
        .into_boxed::<Backend>();
    if let Some(ids) = &only {
        expertise = expertise.filter(instructor_expertise::instructor_id.eq_any(ids.clone()));
        unavailable = unavailable.filter(unavailability::instructor_id.eq_any(ids.clone()));
        held = held.filter(assignments::instructor_id.eq_any(ids.clone()));
    }
    for (id, topic, level) in expertise
        .select((
            instructor_expertise::instructor_id,
            instructor_expertise::topic,
            instructor_expertise::level,
        ))
        .load::<(String, String, i32)>(conn)?
    {
        topics.entry(id).or_default().push((topic, level));
    }
    let ids: Option<Vec<&str>> = only
        .as_ref()
        .map(|ids| ids.iter().map(String::as_str).collect());
    let mut ratings = super::ratings::of(conn, ids.as_deref(), as_of)?;
    let mut blocks: HashMap<String, Vec<Interval>> = HashMap::new();
    for (id, start, end) in unavailable
        .order(unavailability::start_at)
        .select((
            unavailability::instructor_id,
            unavailability::start_at,
            unavailability::end_at,
        ))
        .load::<(String, NaiveDateTime, NaiveDateTime)>(conn)?
    {
        blocks.entry(id).or_default().push(interval(start, end));
    }
    let mut confirmed: HashMap<String, Vec<(String, NaiveDateTime, NaiveDateTime)>> =
        HashMap::new();
    let mut proposed: HashMap<String, Vec<(String, String, NaiveDateTime, NaiveDateTime)>> =
        HashMap::new();
    for (id, state, session, office, start, end) in held
        .filter(assignments::state.ne(AssignmentState::Declined))
        .select((
            assignments::instructor_id,
            assignments::state,
            sessions::id,
            plans::office_id,
            sessions::start_at,
            sessions::end_at,
        ))
        .load::<(
            String,
            AssignmentState,
            String,
            String,
            NaiveDateTime,
            NaiveDateTime,
        )>(conn)?
    {
        if state == AssignmentState::Confirmed {
            confirmed.entry(id).or_default().push((session, start, end));
        } else {
            proposed
                .entry(id)
                .or_default()
                .push((session, office, start, end));
        }
    }
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                name,
                organisation,
                kind,
                lat,
                lon,
                capacity,
                remote_ok,
                max_travel_km,
                owner,
                visibility,
            )| {
                let member = Member {
                    name,
                    organisation,
                    instructor: Instructor {
                        id: id.clone(),
                        kind: kind.into(),
                        lat,
                        lon,
                        capacity: 0,
                        remote_ok,
                        max_travel_km,
                        rating: ratings.remove(&id).unwrap_or_default().rating().rating,
                        topics: topics
                            .remove(&id)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(t, l)| (t, i64::from(l)))
                            .collect(),
                        unavailable: blocks.remove(&id).unwrap_or_default(),
                    },
                    yearly_capacity: i64::from(capacity),
                    confirmed: confirmed.remove(&id).unwrap_or_default(),
                    proposed: proposed.remove(&id).unwrap_or_default(),
                    owner_office: owner,
                    visibility,
                };
                (id, member)
            },
        )
        .collect())
}
