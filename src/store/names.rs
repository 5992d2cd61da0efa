//! Display names beside ids: instructors', sessions' titles and classes'.

use std::collections::HashMap;

use diesel::prelude::*;

use super::schema::{classes, instructors, sessions};
use super::Db;

/// Display names of instructors, sessions and classes, by id.
#[derive(Debug, Default, Clone)]
pub struct Names {
    pub instructors: HashMap<String, String>,
    pub sessions: HashMap<String, String>,
    pub classes: HashMap<String, String>,
}

impl Names {
    /// The names of these ids (unknown ones are left out).
    pub fn load<'a>(
        conn: &mut Db,
        instructor_ids: impl IntoIterator<Item = &'a str>,
        session_ids: impl IntoIterator<Item = &'a str>,
        class_ids: impl IntoIterator<Item = &'a str>,
    ) -> QueryResult<Self> {
        /// The (id, name) rows of `$table` for these ids, 500 at a time.
        macro_rules! named {
            ($ids:expr, $table:ident, $name:ident) => {{
                let mut ids: Vec<&str> = $ids.into_iter().collect();
                ids.sort_unstable();
                ids.dedup();
                let mut found = HashMap::new();
                for chunk in ids.chunks(500) {
                    found.extend(
                        $table::table
                            .filter($table::id.eq_any(chunk))
                            .select(($table::id, $table::$name))
                            .load::<(String, String)>(conn)?,
                    );
                }
                found
            }};
        }
        let names = Self {
            instructors: named!(instructor_ids, instructors, name),
            sessions: named!(session_ids, sessions, title),
            classes: named!(class_ids, classes, name),
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

    /// The class's name, or the id when unknown.
    pub fn class<'a>(&'a self, id: &'a str) -> &'a str {
        self.classes.get(id).map_or(id, String::as_str)
    }
}
