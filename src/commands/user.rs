//! `faculty-pool user add`: creates an account from the command line (this
//! is how the first admin is made).

use std::io::{BufRead, IsTerminal};

use crate::auth::password;
use crate::store::{self, offices, users};
use crate::vocabulary::Role;

/// Creates the user, reading the password from standard input (prompted
/// twice, without echo, on a terminal; the first line otherwise).
pub fn add(
    database_url: &str,
    username: &str,
    role: Role,
    instructor: Option<&str>,
    office: Option<&str>,
) -> anyhow::Result<()> {
    let password = read_password()?;
    password::check_strength(&password, &[username])
        .map_err(|weak| anyhow::anyhow!(weak.detail))?;
    let hash = password::hash(&password)?;
    let pool = store::open(database_url, 1)?;
    let user = users::create(
        &mut *pool.get()?,
        &users::NewUser {
            username,
            password_hash: &hash,
            role,
            instructor_id: instructor,
            office: office.unwrap_or(offices::ROOT),
            within: offices::ROOT,
        },
    )?;
    println!(
        "created user {} ({}) of office {} with id {}",
        user.username, user.role, user.office_id, user.id
    );
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("password: ")?;
        let again = rpassword::prompt_password("again: ")?;
        anyhow::ensure!(first == again, "the passwords differ");
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}
