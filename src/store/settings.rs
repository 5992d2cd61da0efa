//! Server settings kept in the database: the generated token secret of a
//! zero-configuration SQLite start.

use diesel::prelude::*;
use rand::RngCore;

use super::schema::server_settings;
use super::{write, Db};

const JWT_SECRET: &str = "jwt_secret";

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
