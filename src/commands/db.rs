//! `faculty-pool db migrate` and `db revert`: the schema's migrations by
//! hand (a server applies the pending ones when it starts).

use diesel::r2d2::ManageConnection;

use crate::store;

/// Applies every pending migration and prints each version.
pub fn migrate(database_url: &str) -> anyhow::Result<()> {
    let mut conn = store::Manager::new(database_url).connect()?;
    report("applied", store::migrate(&mut conn)?);
    Ok(())
}

/// Reverts the newest migration (or all of them) and prints each version.
pub fn revert(database_url: &str, all: bool) -> anyhow::Result<()> {
    let mut conn = store::Manager::new(database_url).connect()?;
    report("reverted", store::revert(&mut conn, all)?);
    Ok(())
}

fn report(verb: &str, versions: Vec<String>) {
    if versions.is_empty() {
        println!("nothing to do");
    }
    for version in versions {
        println!("{verb} {version}");
    }
}
