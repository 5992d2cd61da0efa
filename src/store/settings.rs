//! Server settings kept in the database: the generated token secret of a
//! zero-configuration SQLite start; `/readyz` writes a row and takes it
//! back.

use diesel::prelude::*;
use rand::RngCore;

use super::schema::server_settings;
use super::{write, write_bookkeeping, Db};

const JWT_SECRET: &str = "jwt_secret";
const READY_PROBE: &str = "ready_probe";

/// Stores a change and commits it, as every write must: fails while the
/// database cannot store changes (a full or read-only disk), which a read
/// would not notice. The transaction writes a row and deletes it again, so
/// the commit writes pages but the stored data stay as they were.
pub fn probe_write(conn: &mut Db) -> QueryResult<()> {
    let now = chrono::Utc::now().to_rfc3339();
    write_bookkeeping(conn, |conn| {
        // The row an earlier version kept there would block the insert.
        diesel::delete(server_settings::table.find(READY_PROBE)).execute(conn)?;
        diesel::insert_into(server_settings::table)
            .values((
                server_settings::name.eq(READY_PROBE),
                server_settings::value.eq(&now),
            ))
            .execute(conn)?;
        diesel::delete(server_settings::table.find(READY_PROBE)).execute(conn)?;
        Ok(())
    })
}

/// The stored token secret, generated (64 random bytes, hex) on first use.
pub fn jwt_secret(conn: &mut Db) -> QueryResult<String> {
    write(conn, |conn| {
        let stored = server_settings::table
            .find(JWT_SECRET)
            .select(server_settings::value)
            .first::<String>(conn)
            .optional()?;
        if let Some(secret) = stored {
            return Ok(secret);
        }
        let mut bytes = [0u8; 64];
        rand::rng().fill_bytes(&mut bytes);
        let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        diesel::insert_into(server_settings::table)
            .values((
                server_settings::name.eq(JWT_SECRET),
                server_settings::value.eq(&secret),
            ))
            .execute(conn)?;
        Ok(secret)
    })
}
