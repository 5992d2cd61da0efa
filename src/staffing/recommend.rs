//! Recommendations (SPEC 6) against the whole pool, fast: the pool is read
//! once into a snapshot that is rebuilt only after this process writes or
//! when it is older than its time to live (other replicas' writes), so a
//! request costs a filter and a score, not a dozen queries; a background
//! thread brings it up to date once writes go quiet.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, Utc};
use serde::Deserialize;
use solver::problem::{Class, Distance, Instructor, Pair, Session, TopicRequirement};
use solver::{FieldError, Recommendation};
use utoipa::ToSchema;

use super::class_limit::{ClassLoad, Warning};
use super::problem::{class_of, session_of};
use crate::error::AppError;
use crate::store::plans::{self, ClassRow, SessionDetail, Sessions};
use crate::store::pool::{self, Member};
use crate::store::{self, assignments, exclusions, offices, road_distances, rules, Db, DbPool};
use crate::vocabulary::{AssignmentState, InstructorKind, Visibility};

/// How long this process's writes stay quiet before
/// [`PoolCache::keep_fresh`] brings the snapshot up to date.
const QUIET: Duration = Duration::from_secs(1);

/// The pool as last read, shared by the request threads.
pub struct PoolCache {
    ttl: Duration,
    shared: Arc<Shared>,
    /// The routing profile whose cached road distances recommendations use.
    road_profile: Option<String>,
}

#[derive(Default)]
struct Shared {
    current: Mutex<Option<Arc<Snapshot>>>,
    rebuilding: Mutex<()>,
    refreshing: AtomicBool,
}

/// The pool at one moment, with its members indexed by topic.
pub struct Snapshot {
    /// When the pool was last read whole.
    built: Instant,
    writes: u64,
    /// By id.
    members: Vec<(String, Arc<Member>)>,
    /// Who teaches what and where each member is; shared by the snapshots
    /// that differ only in their members' data.
    index: Arc<MemberIndex>,
    /// Each office with the offices above it (itself included): reach
    /// (SPEC 10) tested in memory, at the same cost at every depth.
    chains: Arc<HashMap<String, HashSet<String>>>,
}

/// Where to find a snapshot's members.
struct MemberIndex {
    /// Indices into `members` of those who teach each topic.
    by_topic: HashMap<String, Vec<usize>>,
    /// Index into `members` of each instructor id.
    position: HashMap<String, usize>,
}

impl MemberIndex {
    fn of(members: &[(String, Arc<Member>)]) -> Self {
        let mut by_topic: HashMap<String, Vec<usize>> = HashMap::new();
        for (k, (_, member)) in members.iter().enumerate() {
            for topic in member.instructor.topics.keys() {
                by_topic.entry(topic.clone()).or_default().push(k);
            }
        }
        let position = members
            .iter()
            .enumerate()
            .map(|(k, (id, _))| (id.clone(), k))
            .collect();
        Self { by_topic, position }
    }
}

impl Snapshot {
    /// The whole pool, as of the `writes`th write or later.
    fn read(pool: &DbPool) -> Result<Self, AppError> {
        let writes = store::writes();
        let conn = &mut *pool.get()?;
        let members = pool::load(conn, Utc::now().naive_utc(), pool::Scope::Active)?;
        let members: Vec<_> = members
            .into_iter()
            .map(|(id, m)| (id, Arc::new(m)))
            .collect();
        let mut chains: HashMap<String, HashSet<String>> = HashMap::new();
        for (ancestor, descendant) in offices::closure(conn)? {
            chains.entry(descendant).or_default().insert(ancestor);
        }
        Ok(Self {
            built: Instant::now(),
            writes,
            index: Arc::new(MemberIndex::of(&members)),
            members,
            chains: Arc::new(chains),
        })
    }

    /// Whether `office` reaches `member` (SPEC 10): it keeps them or an
    /// office below it does; an office above it keeps them and they are not
    /// `own`; or they are open to everyone.
    fn reaches(&self, office: &str, member: &Member) -> bool {
        let above = |of: &str, who: &str| self.chains.get(of).is_some_and(|c| c.contains(who));
        member.visibility == Visibility::Everyone
            || above(&member.owner_office, office)
            || (member.visibility == Visibility::Shared && above(office, &member.owner_office))
    }

    /// This snapshot with the `touched` instructors read again, as of the
    /// `writes`th write or later: those no longer active leave it, new
    /// ones join it. When none joins or leaves and none's topics changed
    /// (a block, a capacity, an assignment), the index is kept and only
    /// their entries change.
    fn with_changes(
        &self,
        pool: &DbPool,
        writes: u64,
        touched: &HashSet<String>,
    ) -> Result<Self, AppError> {
        let fresh = pool::load(
            &mut *pool.get()?,
            Utc::now().naive_utc(),
            pool::Scope::ActiveAmong(touched),
        )?;
        let same_topics = |k: usize, member: &Member| {
            let before = &self.members[k].1.instructor.topics;
            before.len() == member.instructor.topics.len()
                && before
                    .keys()
                    .all(|t| member.instructor.topics.contains_key(t))
        };
        // Where each fresh member stands, if none joins, leaves or changes
        // topics.
        let places: Option<Vec<usize>> = if fresh.len() == touched.len() {
            fresh
                .iter()
                .map(|(id, member)| {
                    let k = *self.index.position.get(id)?;
                    same_topics(k, member).then_some(k)
                })
                .collect()
        } else {
            None
        };
        let (members, index) = if let Some(places) = places {
            let mut members = self.members.clone();
            for (k, (_, member)) in places.into_iter().zip(fresh) {
                members[k].1 = Arc::new(member);
            }
            (members, self.index.clone())
        } else {
            let mut members: Vec<(String, Arc<Member>)> = self
                .members
                .iter()
                .filter(|(id, _)| !touched.contains(id))
                .cloned()
                .chain(fresh.into_iter().map(|(id, m)| (id, Arc::new(m))))
                .collect();
            members.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let index = Arc::new(MemberIndex::of(&members));
            (members, index)
        };
        Ok(Self {
            built: self.built,
            writes,
            members,
            index,
            chains: self.chains.clone(),
        })
    }

    /// Member `k` as a plan of `office` sees them for a session in `year`:
    /// capacity left that year, confirmed sessions and proposals in other
    /// offices' plans as busy time (SPEC 10). A member's confirmed session
    /// is busy time even for that session itself, which is right here:
    /// instructors already on a session are neither recommended for it nor
    /// offered it as an opportunity.
    fn view(&self, k: usize, year: i32, office: &str) -> Instructor {
        self.members[k].1.for_office(year, &HashSet::new(), office)
    }
}

impl PoolCache {
    pub fn new(ttl: Duration, road_profile: Option<String>) -> Self {
        Self {
            ttl,
            shared: Arc::default(),
            road_profile,
        }
    }

    /// The cached road distances in km to the venues at `points`, by
    /// (origin, venue) point key (none without a routing provider).
    pub fn road_km(
        &self,
        conn: &mut Db,
        points: &[(f64, f64)],
    ) -> Result<HashMap<(String, String), f64>, AppError> {
        let Some(profile) = &self.road_profile else {
            return Ok(HashMap::new());
        };
        let venues: Vec<String> = points
            .iter()
            .map(|&(lat, lon)| road_distances::point(lat, lon))
            .collect();
        let venues: Vec<&str> = venues.iter().map(String::as_str).collect();
        road_distances::cached(conn, &venues, profile)
    }

    /// How old the snapshot is, if one was built.
    pub fn age(&self) -> Option<Duration> {
        self.current().ok().flatten().map(|s| s.built.elapsed())
    }

    fn current(&self) -> Result<Option<Arc<Snapshot>>, AppError> {
        Ok(self.shared.current.lock().map_err(|_| poisoned())?.clone())
    }

    /// The pool as this process last wrote it. A snapshot older than this
    /// process's last write is brought up to date before answering (one
    /// thread does it, the others wait): when the writes since touched only
    /// some instructors' data, only theirs is read again. One that is only
    /// older than the time to live (other replicas may have written)
    /// answers now and is read again whole in the background.
    pub fn snapshot(&self, pool: &DbPool) -> Result<Arc<Snapshot>, AppError> {
        if let Some(snapshot) = self.current()? {
            if snapshot.writes == store::writes() {
                if snapshot.built.elapsed() >= self.ttl {
                    self.refresh_in_background(pool);
                }
                return Ok(snapshot);
            }
        }
        let _one_at_a_time = self.shared.rebuilding.lock().map_err(|_| poisoned())?;
        let current = self.current()?;
        if let Some(snapshot) = &current {
            if snapshot.writes == store::writes() {
                return Ok(snapshot.clone());
            }
        }
        let changes = current
            .as_ref()
            .and_then(|s| Some((s, store::changed_since(s.writes)?)));
        let snapshot = Arc::new(match changes {
            Some((old, (writes, touched))) => old.with_changes(pool, writes, &touched)?,
            None => Snapshot::read(pool)?,
        });
        *self.shared.current.lock().map_err(|_| poisoned())? = Some(snapshot.clone());
        Ok(snapshot)
    }

    /// Keeps the snapshot up to date in the background: read at start, and
    /// brought up to date (only what was touched, where it can) once this
    /// process's writes have been quiet for [`QUIET`], so that a
    /// recommendation after an edit seldom waits for the pool to be read.
    pub fn keep_fresh(self: Arc<Self>, pool: DbPool) {
        std::thread::spawn(move || {
            let mut seen = None;
            loop {
                let writes = store::writes();
                let current = self.current().ok().flatten();
                let behind = current.is_none_or(|s| s.writes != writes);
                if behind && seen == Some(writes) {
                    if let Err(e) = self.snapshot(&pool) {
                        tracing::warn!(error = %e, "cannot bring the pool snapshot up to date");
                    }
                }
                seen = Some(writes);
                std::thread::sleep(QUIET);
            }
        });
    }

    fn refresh_in_background(&self, pool: &DbPool) {
        if self.shared.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let (shared, pool) = (self.shared.clone(), pool.clone());
        std::thread::spawn(move || {
            match Snapshot::read(&pool) {
                Ok(fresh) => {
                    if let Ok(mut current) = shared.current.lock() {
                        *current = Some(Arc::new(fresh));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot refresh the pool snapshot"),
            }
            shared.refreshing.store(false, Ordering::Release);
        });
    }
}

fn poisoned() -> AppError {
    AppError::Internal(anyhow::anyhow!("the pool cache's lock is poisoned"))
}

/// A ranked instructor with who they are and what a planner should know
/// before putting them in.
pub struct Ranked {
    pub name: String,
    pub organisation: String,
    pub kind: InstructorKind,
    /// Sessions they hold (proposed or confirmed, in any office's plan) in
    /// the session's year, and their yearly cap.
    pub held_in_year: usize,
    pub yearly_capacity: i64,
    /// The sessions they hold at the same time.
    pub conflicts: Vec<Conflict>,
    pub recommendation: Recommendation,
    pub warnings: Vec<Warning>,
}

/// A session an instructor holds at the time of the one asked about.
pub struct Conflict {
    pub session: String,
    pub title: String,
    pub class_name: String,
    pub state: AssignmentState,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

/// An ad-hoc question: who could teach these topics there and then?
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// Required topics with minimum levels, at least one.
    #[schema(min_items = 1)]
    pub topics: Vec<crate::store::plans::TopicRequirementInput>,
    /// Venue coordinates.
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    #[schema(minimum = -180, maximum = 180)]
    pub lon: f64,
    #[serde(deserialize_with = "solver::time_range::time")]
    pub start: DateTime<FixedOffset>,
    #[serde(deserialize_with = "solver::time_range::time")]
    pub end: DateTime<FixedOffset>,
    #[serde(default)]
    pub remote: bool,
    #[serde(default)]
    pub include_unavailable: bool,
    /// At most this many (default 20, at most 500).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
}

/// Default and largest list lengths.
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 500;

/// Checks a requested list length.
pub fn limit(requested: Option<usize>) -> Result<usize, AppError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(AppError::field(
            "limit",
            "range",
            format!("from 1 to {MAX_LIMIT}"),
        )),
    }
}

/// Ranks the pool of `office` (what it reaches) for one problem session.
/// `assigned` instructors (already on the session) are left out;
/// `exclusions` (declines and planners' exclusions) fail that rule.
#[allow(clippy::too_many_arguments)]
fn rank(
    snapshot: &Snapshot,
    office: &str,
    class: Class,
    session: Session,
    exclusions: Vec<Pair>,
    road: &HashMap<(String, String), f64>,
    assigned: &HashSet<String>,
    include_unavailable: bool,
    limit: usize,
) -> Result<Vec<Ranked>, AppError> {
    let year = session.start.naive_utc().year();
    // Without the unavailable ones, only instructors who know every topic
    // well enough can appear: look them up by topic.
    let qualified = |k: &usize| {
        let topics = &snapshot.members[*k].1.instructor.topics;
        session.topics.iter().all(|t| {
            topics
                .get(&t.topic)
                .is_some_and(|&level| level >= t.min_level)
        })
    };
    let candidates: Vec<usize> = match session.topics.first() {
        Some(first) if !include_unavailable => snapshot
            .index
            .by_topic
            .get(&first.topic)
            .into_iter()
            .flatten()
            .copied()
            .filter(qualified)
            .collect(),
        _ => (0..snapshot.members.len()).collect(),
    };
    let candidates: Vec<Instructor> = candidates
        .into_iter()
        .filter(|&k| {
            let (id, member) = &snapshot.members[k];
            !assigned.contains(id) && snapshot.reaches(office, member)
        })
        .map(|k| snapshot.view(k, year, office))
        .collect();
    let candidates: Vec<&Instructor> = candidates.iter().collect();
    let distances = road_distances_to(&class, &candidates, road);
    let ranked = solver::recommend_for_session(
        Default::default(),
        candidates,
        &class,
        &session,
        &exclusions,
        &distances,
        include_unavailable,
        limit,
    )
    .map_err(|e| match e {
        solver::SolveError::Invalid(errors) => AppError::Validation(errors),
        e => AppError::Internal(e.into()),
    })?;
    let (start, end) = (session.start.naive_utc(), session.end.naive_utc());
    Ok(ranked
        .into_iter()
        .filter_map(|r| {
            let member = &snapshot.members[*snapshot.index.position.get(&r.instructor)?].1;
            let held = member
                .confirmed
                .iter()
                .map(|(s, from, to)| (s, AssignmentState::Confirmed, from, to))
                .chain(
                    member
                        .proposed
                        .iter()
                        .map(|(s, _, from, to)| (s, AssignmentState::Proposed, from, to)),
                );
            let mut held_in_year = 0;
            let mut conflicts = Vec::new();
            for (id, state, from, to) in held {
                held_in_year += usize::from(from.year() == year);
                if *from < end && start < *to {
                    conflicts.push(Conflict {
                        session: id.clone(),
                        title: String::new(),
                        class_name: String::new(),
                        state,
                        start: *from,
                        end: *to,
                    });
                }
            }
            Some(Ranked {
                name: member.name.clone(),
                organisation: member.organisation.clone(),
                kind: member.instructor.kind,
                held_in_year,
                yearly_capacity: member.yearly_capacity,
                conflicts,
                recommendation: r,
                warnings: Vec::new(),
            })
        })
        .collect())
}

/// Fills in the title and class of every ranked instructor's conflicts.
fn name_conflicts(conn: &mut Db, ranked: &mut [Ranked]) -> Result<(), AppError> {
    let ids: Vec<String> = ranked
        .iter()
        .flat_map(|r| r.conflicts.iter().map(|c| c.session.clone()))
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let names = plans::session_names(conn, &ids)?;
    for conflict in ranked.iter_mut().flat_map(|r| r.conflicts.iter_mut()) {
        if let Some((title, class_name)) = names.get(&conflict.session) {
            conflict.title.clone_from(title);
            conflict.class_name.clone_from(class_name);
        }
    }
    Ok(())
}

/// The cached road distances from `instructors` to `class`.
pub fn road_distances_to(
    class: &Class,
    instructors: &[&Instructor],
    road: &HashMap<(String, String), f64>,
) -> Vec<Distance> {
    if road.is_empty() {
        return Vec::new();
    }
    let venue = road_distances::point(class.lat, class.lon);
    instructors
        .iter()
        .filter_map(|i| {
            let km = road.get(&(road_distances::point(i.lat, i.lon), venue.clone()))?;
            Some(Distance {
                instructor: i.id.clone(),
                class: class.id.clone(),
                km: *km,
            })
        })
        .collect()
}

/// The pool of `office` (the session's plan's office) ranked for a stored session.
pub fn for_session(
    pool: &DbPool,
    cache: &PoolCache,
    office: &str,
    session_id: &str,
    include_unavailable: bool,
    limit: usize,
) -> Result<(SessionDetail, ClassRow, Vec<Ranked>), AppError> {
    let mut conn = pool.get()?;
    let (detail, class) = plans::session(&mut conn, session_id)?;
    let mut assigned = HashSet::new();
    let mut exclusions = Vec::new();
    for holding in assignments::holdings(&mut conn, Sessions::Ids(&[session_id]))? {
        if holding.state == AssignmentState::Declined {
            exclusions.push(Pair {
                session: session_id.to_owned(),
                instructor: holding.instructor_id,
            });
        } else {
            assigned.insert(holding.instructor_id);
        }
    }
    for (session, instructor) in exclusions::pairs(&mut conn, Sessions::Ids(&[session_id]))? {
        exclusions.push(Pair {
            session,
            instructor,
        });
    }
    let mut seen = HashSet::new();
    exclusions.retain(|p| seen.insert(p.instructor.clone()));
    let road = cache.road_km(&mut conn, &[(class.lat, class.lon)])?;
    let class_load = ClassLoad::read(&mut conn, &class, session_id)?;
    drop(conn);
    let snapshot = cache.snapshot(pool)?;
    let mut ranked = rank(
        &snapshot,
        office,
        class_of(&class),
        session_of(&detail),
        exclusions,
        &road,
        &assigned,
        include_unavailable,
        limit,
    )?;
    if let Some(load) = class_load {
        for r in &mut ranked {
            r.warnings
                .extend(load.warning(&r.recommendation.instructor));
        }
    }
    name_conflicts(&mut *pool.get()?, &mut ranked)?;
    Ok((detail, class, ranked))
}

/// The pool of `office` ranked for an ad-hoc query.
pub fn for_query(
    pool: &DbPool,
    cache: &PoolCache,
    office: &str,
    query: &Query,
) -> Result<Vec<Ranked>, AppError> {
    let limit = limit(query.limit)?;
    let mut errors = Vec::new();
    if query.start >= query.end {
        errors.push(FieldError::new(
            "end",
            "after_start",
            "end must be after start",
        ));
    }
    rules::topic_levels(
        &mut errors,
        "topics",
        "min_level",
        query.topics.iter().map(|t| (t.topic.as_str(), t.min_level)),
    );
    rules::known_topics(
        &mut *pool.get()?,
        &mut errors,
        "topics",
        query.topics.iter().map(|t| t.topic.as_str()),
    )?;
    AppError::check(errors)?;
    let road = cache.road_km(&mut *pool.get()?, &[(query.lat, query.lon)])?;
    let snapshot = cache.snapshot(pool)?;
    let session = Session {
        id: "query".to_owned(),
        class: "query".to_owned(),
        start: query.start,
        end: query.end,
        remote: query.remote,
        needed: 1,
        topics: query
            .topics
            .iter()
            .map(|t| TopicRequirement {
                topic: t.topic.clone(),
                min_level: i64::from(t.min_level),
            })
            .collect(),
    };
    let class = Class {
        id: "query".to_owned(),
        lat: query.lat,
        lon: query.lon,
        min_cadre_share: 0.0,
    };
    let mut ranked = rank(
        &snapshot,
        office,
        class,
        session,
        Vec::new(),
        &road,
        &HashSet::new(),
        query.include_unavailable,
        limit,
    )
    .map_err(|e| match e {
        // The synthetic problem's paths name the query's fields.
        AppError::Validation(errors) => AppError::Validation(
            errors
                .into_iter()
                .map(|e| FieldError {
                    field: e
                        .field
                        .replace("sessions[0].", "")
                        .replace("classes[0].", ""),
                    ..e
                })
                .collect(),
        ),
        e => e,
    })?;
    name_conflicts(&mut *pool.get()?, &mut ranked)?;
    Ok(ranked)
}

/// An open session an instructor could take, ranked.
pub struct Opportunity {
    pub session: SessionDetail,
    pub class: ClassRow,
    pub recommendation: Recommendation,
}

/// The open sessions of current plans `within` reads (starting after now,
/// not yet fully staffed, not already the instructor's, not excluded by a
/// planner) whose office reaches `instructor` and that they are eligible
/// for and free to teach, best first.
pub fn opportunities(
    pool: &DbPool,
    cache: &PoolCache,
    within: &str,
    instructor: &str,
    limit: usize,
) -> Result<Vec<Opportunity>, AppError> {
    let mut conn = pool.get()?;
    crate::store::instructors::exists(&mut conn, instructor)?;
    let now = Utc::now().naive_utc();
    let excluded = exclusions::sessions_of(&mut conn, instructor)?;
    let mut open = open_sessions(&mut conn, within, instructor, now)?;
    open.retain(|(detail, _, _)| !excluded.contains(&detail.row.id));
    let venues: Vec<(f64, f64)> = open.iter().map(|(_, c, _)| (c.lat, c.lon)).collect();
    let road = cache.road_km(&mut conn, &venues)?;
    drop(conn);
    let snapshot = cache.snapshot(pool)?;
    let Some(&k) = snapshot.index.position.get(instructor) else {
        return Ok(Vec::new()); // inactive instructors have no opportunities
    };
    let mut found = Vec::new();
    for (detail, class, office) in open {
        if !snapshot.reaches(&office, &snapshot.members[k].1) {
            continue;
        }
        let session = session_of(&detail);
        let year = session.start.naive_utc().year();
        let view = snapshot.view(k, year, &office);
        let class_view = class_of(&class);
        let ranked = solver::recommend_for_session(
            Default::default(),
            [&view],
            &class_view,
            &session,
            &[],
            &road_distances_to(&class_view, &[&view], &road),
            false,
            1,
        )
        .map_err(|e| AppError::Internal(e.into()))?;
        if let Some(recommendation) = ranked.into_iter().next() {
            found.push(Opportunity {
                session: detail,
                class,
                recommendation,
            });
        }
    }
    found.sort_by(|a, b| {
        b.recommendation
            .score
            .total_cmp(&a.recommendation.score)
            .then_with(|| a.session.row.id.cmp(&b.session.row.id))
    });
    found.truncate(limit);
    Ok(found)
}

/// The open sessions of the plans `within` reads, each with its plan's office.
fn open_sessions(
    conn: &mut Db,
    within: &str,
    instructor: &str,
    now: NaiveDateTime,
) -> Result<Vec<(SessionDetail, ClassRow, String)>, AppError> {
    let offices: HashMap<String, String> = plans::offices_of_plans(conn, within)?;
    let mut rows = plans::sessions_starting_after(conn, now)?;
    rows.retain(|(_, class)| offices.contains_key(&class.plan_id));
    let mut taken: HashMap<String, i32> = HashMap::new();
    let mut mine = HashSet::new();
    for holding in assignments::holdings(conn, Sessions::All)? {
        if holding.instructor_id == instructor {
            mine.insert(holding.session_id.clone());
        }
        if holding.state != AssignmentState::Declined {
            *taken.entry(holding.session_id).or_default() += 1;
        }
    }
    let (rows, classes): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .filter(|(s, _)| !mine.contains(&s.id) && taken.get(&s.id).copied().unwrap_or(0) < s.needed)
        .unzip();
    let details = plans::session_details(conn, rows)?;
    Ok(details
        .into_iter()
        .zip(classes)
        .map(|(detail, class)| {
            let office = offices.get(&class.plan_id).cloned().unwrap_or_default();
            (detail, class, office)
        })
        .collect())
}
