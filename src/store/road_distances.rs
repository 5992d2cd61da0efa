//! The cache of road distances, by (origin, venue, profile).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::road_distances;
use super::{write_bookkeeping, Db};
use crate::error::AppError;

/// A point as the cache keys it: "lat,lon" with five decimals (about a metre).
pub fn point(lat: f64, lon: f64) -> String {
    format!("{lat:.5},{lon:.5}")
}

/// The km of a trip from `home` to `venue` (latitude, longitude): the
/// cached road distance when there is one, else the great circle (SPEC 5.2).
pub fn trip_km(road: &HashMap<(String, String), f64>, home: (f64, f64), venue: (f64, f64)) -> f64 {
    road.get(&(point(home.0, home.1), point(venue.0, venue.1)))
        .copied()
        .unwrap_or_else(|| solver::geo::haversine_km(home.0, home.1, venue.0, venue.1))
}

/// The cached distances in km to `venues` by `profile`, by (origin, venue).
pub fn cached(
    conn: &mut Db,
    venues: &[&str],
    profile: &str,
) -> Result<HashMap<(String, String), f64>, AppError> {
    let rows = super::chunked(venues, |chunk| {
        road_distances::table
            .filter(road_distances::profile.eq(profile))
            .filter(road_distances::venue.eq_any(chunk))
            .select((
                road_distances::origin,
                road_distances::venue,
                road_distances::km,
            ))
            .load::<(String, String, f64)>(conn)
    })?;
    Ok(rows
        .into_iter()
        .map(|(origin, venue, km)| ((origin, venue), km))
        .collect())
}

/// Keeps fetched distances (origin, venue, km); pairs cached meanwhile by
/// another run stay as they are.
pub fn keep(
    conn: &mut Db,
    profile: &str,
    fetched: &[(String, String, f64)],
    at: NaiveDateTime,
) -> Result<(), AppError> {
    write_bookkeeping(conn, |conn| {
        for chunk in fetched.chunks(1000) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|(origin, venue, km)| {
                    (
                        road_distances::origin.eq(origin),
                        road_distances::venue.eq(venue),
                        road_distances::profile.eq(profile),
                        road_distances::km.eq(km),
                        road_distances::fetched_at.eq(at),
                    )
                })
                .collect();
            on_backend!(conn, |c| diesel::insert_into(road_distances::table)
                .values(&rows)
                .on_conflict_do_nothing()
                .execute(c))?;
        }
        Ok(())
    })
}
