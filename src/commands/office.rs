//! `faculty-pool office add`: creates an office of the tree (SPEC 10) from
//! the command line, under the root office or another one.

use crate::store;
use crate::store::offices::{self, OfficeInput};

/// Creates the office and prints its id.
pub fn add(database_url: &str, input: &OfficeInput) -> anyhow::Result<()> {
    let pool = store::open(database_url, 1)?;
    let office = offices::create(&mut *pool.get()?, offices::ROOT, input)?;
    println!(
        "created office {} ({}) with id {}",
        office.name, office.tier, office.id
    );
    Ok(())
}
