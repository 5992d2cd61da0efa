//! The vocabulary: topics (extendable by admins) and teaching methods.

use diesel::prelude::*;

use super::schema::{teaching_methods, topics};
use super::{conflict_if_duplicate, write, Db};
use crate::error::AppError;

/// A topic: a stable English code and its Chinese name.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = topics)]
pub struct Topic {
    pub code: String,
    pub name: String,
    pub category: String,
}

/// A teaching method (讲授式, 案例式, …).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = teaching_methods)]
pub struct Method {
    pub code: String,
    pub name: String,
}

/// All topics, by category then code.
pub fn list(conn: &mut Db) -> QueryResult<Vec<Topic>> {
    topics::table
        .order((topics::category, topics::code))
        .select(Topic::as_select())
        .load(conn)
}

/// Adds a topic; a taken code is a 409.
pub fn add(conn: &mut Db, topic: &Topic) -> Result<(), AppError> {
    write(conn, |conn| {
        diesel::insert_into(topics::table)
            .values(topic)
            .execute(conn)
            .map_err(|e| conflict_if_duplicate(e, format!("the topic {} exists", topic.code)))?;
        Ok(())
    })
}

/// All teaching methods, by code.
pub fn methods(conn: &mut Db) -> QueryResult<Vec<Method>> {
    teaching_methods::table
        .order(teaching_methods::code)
        .select(Method::as_select())
        .load(conn)
}
