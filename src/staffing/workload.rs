//! Who a plan keeps busy, and when: every instructor holding a session of
//! the plan, with those sessions, their trips, and what they hold outside
//! the plan in its year that a run counts against their yearly cap.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::Datelike;

use super::recommend::PoolCache;
use crate::error::AppError;
use crate::store::assignments::{self, AssignmentFilter, Listed};
use crate::store::calendar::{self, HeldElsewhere};
use crate::store::instructors::{self, Home};
use crate::store::plans::{self, PlanRow};
use crate::store::road_distances::trip_km;
use crate::store::Db;
use crate::vocabulary::AssignmentState;

/// One instructor's share of a plan.
pub struct Load {
    /// Their sessions of the plan, proposed or confirmed, in time order.
    pub sessions: Vec<Listed>,
    /// What they hold outside the plan in its year and a run of the plan
    /// counts: confirmed sessions anywhere, proposals of other offices' plans.
    pub elsewhere: Vec<HeldElsewhere>,
    pub home: Home,
    /// Classes they travel to (an in-person session held), and the km there.
    pub trips: usize,
    pub distance_km: f64,
}

/// The loads of plan `plan_id`'s instructors, most sessions of the plan
/// first, then by name. A trip is as long as the cached road distance, or
/// the great circle without one.
pub fn of_plan(conn: &mut Db, plan: &PlanRow, cache: &PoolCache) -> Result<Vec<Load>, AppError> {
    let filter = AssignmentFilter {
        plan: Some(plan.id.clone()),
        ..AssignmentFilter::default()
    };
    let mut held: BTreeMap<String, Vec<Listed>> = BTreeMap::new();
    for a in assignments::list(conn, &filter)? {
        if a.state != AssignmentState::Declined {
            held.entry(a.instructor_id.clone()).or_default().push(a);
        }
    }
    let ids: Vec<&str> = held.keys().map(String::as_str).collect();
    let mut homes = instructors::homes(conn, &ids)?;
    let mut elsewhere: HashMap<String, Vec<HeldElsewhere>> = HashMap::new();
    for h in calendar::held_elsewhere(conn, &plan.id, &plan.office_id, &ids)? {
        if h.start.year() == plan.year {
            elsewhere.entry(h.instructor.clone()).or_default().push(h);
        }
    }
    let venues = plans::venues(conn, &plan.id)?;
    let road = cache.road_km(conn, &venues.values().copied().collect::<Vec<_>>())?;
    let mut loads: Vec<Load> = held
        .into_iter()
        .filter_map(|(id, sessions)| {
            let home = homes.remove(&id)?;
            let travelled: HashSet<&str> = sessions
                .iter()
                .filter(|a| !a.remote)
                .map(|a| a.class_id.as_str())
                .collect();
            let distance_km = travelled
                .iter()
                .filter_map(|c| venues.get(*c))
                .map(|&venue| trip_km(&road, (home.lat, home.lon), venue))
                .sum();
            Some(Load {
                trips: travelled.len(),
                distance_km,
                elsewhere: elsewhere.remove(&id).unwrap_or_default(),
                home,
                sessions,
            })
        })
        .collect();
    loads.sort_by(|a, b| {
        b.sessions.len().cmp(&a.sessions.len()).then_with(|| {
            a.sessions[0]
                .instructor_name
                .cmp(&b.sessions[0].instructor_name)
        })
    });
    Ok(loads)
}
