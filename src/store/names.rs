//! Display names beside ids: instructors', sessions' titles, classes' and
//! offices'.

use std::collections::HashMap;

use diesel::prelude::*;

use super::schema::{classes, instructors, offices, sessions};
use super::Db;

/// The (id, name) rows of `$table` for these ids, 500 at a time.
macro_rules! named {
    ($conn:expr, $ids:expr, $table:ident, $name:ident) => {{
        let mut ids: Vec<&str> = $ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        let mut found = HashMap::new();
        for chunk in ids.chunks(500) {
            found.extend(
                $table::table
                    .filter($table::id.eq_any(chunk))
                    .select(($table::id, $table::$name))
                    .load::<(String, String)>($conn)?,
            );
        }
        found
    }};
}

/// The names of these offices, by id.
pub fn offices<'a>(
    conn: &mut Db,
    ids: impl IntoIterator<Item = &'a str>,
) -> QueryResult<HashMap<String, String>> {
    Ok(named!(conn, ids, offices, name))
}

/// Display names of instructors, sessions and classes, by id.
#[derive(Debug, Default, Clone)]
pub struct Names {
    pub instructors: HashMap<String, String>,
    pub sessions: HashMap<String, String>,
    pub classes: HashMap<String, String>,
    /// The name of the office whose pool each instructor comes from (their
    /// owner office), where known.
    pub pools: HashMap<String, String>,
}

impl Names {
    /// The names of these ids (unknown ones are left out).
    pub fn load<'a>(
        conn: &mut Db,
        instructor_ids: impl IntoIterator<Item = &'a str>,
        session_ids: impl IntoIterator<Item = &'a str>,
        class_ids: impl IntoIterator<Item = &'a str>,
    ) -> QueryResult<Self> {
        let names = Self {
            instructors: named!(conn, instructor_ids, instructors, name),
            sessions: named!(conn, session_ids, sessions, title),
            classes: named!(conn, class_ids, classes, name),
            pools: HashMap::new(),
        };
        Ok(names)
    }

    /// The instructor's name, or the id when unknown.
    pub fn instructor<'a>(&'a self, id: &'a str) -> &'a str {
        self.instructors.get(id).map_or(id, String::as_str)
    }

    /// The session's title, or the id when unknown.
    pub fn session<'a>(&'a self, id: &'a str) -> &'a str {
        self.sessions.get(id).map_or(id, String::as_str)
    }

    /// The name of the office whose pool the instructor comes from.
    pub fn pool(&self, instructor: &str) -> Option<&str> {
        self.pools.get(instructor).map(String::as_str)
    }

    /// The class's name, or the id when unknown.
    pub fn class<'a>(&'a self, id: &'a str) -> &'a str {
        self.classes.get(id).map_or(id, String::as_str)
    }
}
