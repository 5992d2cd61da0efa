//! User accounts: a username, an argon2 password hash and one role.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::reach;
use super::schema::{instructors, office_tree, offices, users};
use super::{conflict_if_duplicate, write, Backend, Db};
use crate::error::AppError;
use crate::vocabulary::Role;

/// A stored user.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub instructor_id: Option<String>,
    pub created_at: NaiveDateTime,
    /// A disabled account cannot sign in, and its tokens stop working.
    pub active: bool,
    /// Tokens issued under an older version are refused.
    pub token_version: i32,
    /// The office it acts for (SPEC 10); an instructor account's is the
    /// office that keeps its instructor.
    pub office_id: String,
}

impl User {
    /// Whether the account may act: active, with a known role, and, for an
    /// instructor account, linked to an active instructor.
    pub fn may_act(&self, instructor_active: Option<bool>) -> Option<Role> {
        let role = self.role;
        let linked_ok = match role {
            Role::Instructor => instructor_active == Some(true),
            _ => true,
        };
        (self.active && linked_ok).then_some(role)
    }
}

/// What it takes to create a user; the password is already hashed.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub instructor_id: Option<&'a str>,
    /// Its office, in the subtree of `within`.
    pub office: &'a str,
    /// The office of whoever makes the account: it may only make accounts
    /// of its subtree, for instructors its subtree keeps.
    pub within: &'a str,
}

/// Checks the username and the role's instructor link, then inserts.
pub fn create(conn: &mut Db, new: &NewUser) -> Result<User, AppError> {
    let mut errors = Vec::new();
    let name_ok = (3..=64).contains(&new.username.chars().count())
        && new
            .username
            .chars()
            .all(|c| c.is_alphanumeric() || "._-@".contains(c));
    if !name_ok {
        errors.push(solver::FieldError::new(
            "username",
            "format",
            "3 to 64 letters, digits or . _ - @",
        ));
    }
    match (new.role, new.instructor_id) {
        (Role::Instructor, None) => errors.push(solver::FieldError::new(
            "instructor",
            "required",
            "an instructor account is linked to one instructor",
        )),
        (Role::Instructor, Some(_)) | (_, None) => {}
        (_, Some(_)) => errors.push(solver::FieldError::new(
            "instructor",
            "not_allowed",
            "only the instructor role is linked to an instructor",
        )),
    }
    AppError::check(errors)?;
    write(conn, |conn| {
        let office = match new.instructor_id {
            Some(id) => instructors::table
                .filter(instructors::id.eq(id))
                .filter(reach::instructors_kept_within(new.within))
                .select(instructors::owner_office_id)
                .first::<String>(conn)
                .optional()?
                .ok_or_else(|| {
                    AppError::field(
                        "instructor",
                        "unknown_reference",
                        format!("no instructor {id} kept by your office or below it"),
                    )
                })?,
            None => {
                let active: Option<bool> = offices::table
                    .filter(offices::id.eq(new.office))
                    .filter(diesel::dsl::exists(
                        office_tree::table
                            .filter(office_tree::ancestor_id.eq(new.within))
                            .filter(office_tree::descendant_id.eq(new.office)),
                    ))
                    .select(offices::active)
                    .first(conn)
                    .optional()?;
                match active {
                    Some(true) => new.office.to_owned(),
                    Some(false) => {
                        return Err(AppError::field(
                            "office",
                            "inactive",
                            format!("office {} is deactivated", new.office),
                        ))
                    }
                    None => {
                        return Err(AppError::field(
                            "office",
                            "unknown_reference",
                            format!("no office {} in your part of the tree", new.office),
                        ))
                    }
                }
            }
        };
        let user = User {
            id: uuid::Uuid::new_v4().to_string(),
            username: new.username.to_owned(),
            password_hash: new.password_hash.to_owned(),
            role: new.role,
            instructor_id: new.instructor_id.map(str::to_owned),
            created_at: chrono::Utc::now().naive_utc(),
            active: true,
            token_version: 0,
            office_id: office,
        };
        diesel::insert_into(users::table)
            .values((
                users::id.eq(&user.id),
                users::username.eq(&user.username),
                users::password_hash.eq(&user.password_hash),
                users::role.eq(user.role),
                users::instructor_id.eq(&user.instructor_id),
                users::created_at.eq(user.created_at),
                users::office_id.eq(&user.office_id),
            ))
            .execute(conn)
            .map_err(|e| {
                conflict_if_duplicate(e, format!("the username {} is taken", new.username))
            })?;
        Ok(user)
    })
}

/// How an account is looked up: by id (a token's subject) or by username
/// (a sign-in).
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'a> {
    Id(&'a str),
    Username(&'a str),
}

/// The user an account lookup finds, with whether its linked instructor is
/// active: what sign-in and every authenticated request check. An account
/// of a deactivated office is not found (an instructor account still is:
/// instructors keep their assignments from every office).
pub fn account(conn: &mut Db, lookup: Lookup) -> QueryResult<Option<(User, Option<bool>)>> {
    let query = users::table
        .left_join(instructors::table)
        .inner_join(offices::table.on(offices::id.eq(users::office_id)))
        .filter(
            offices::active
                .eq(true)
                .or(users::role.eq(Role::Instructor)),
        )
        .select((User::as_select(), instructors::active.nullable()))
        .into_boxed::<Backend>();
    let query = match lookup {
        Lookup::Id(id) => query.filter(users::id.eq(id)),
        Lookup::Username(name) => query.filter(users::username.eq(name)),
    };
    query.first(conn).optional()
}

/// One account, whatever its state (callers check reach first).
pub fn get(conn: &mut Db, id: &str) -> Result<User, AppError> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("no user {id}")))
}

/// An admin's change of an account; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct UserUpdate {
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// A new argon2 hash.
    pub password_hash: Option<String>,
}

/// Changes an account (404 if unknown). Any change revokes the tokens issued
/// before it; a role other than `instructor` cannot be given to an account
/// linked to an instructor, nor the reverse; and the last active
/// administrator can be neither disabled nor demoted (409), so a deployment
/// always has one.
pub fn update(conn: &mut Db, id: &str, change: &UserUpdate) -> Result<User, AppError> {
    write(conn, |conn| {
        if change.role.is_some() || change.active.is_some() {
            super::serialize_on(conn, super::Serial::Admins)?;
        }
        let user = get(conn, id)?;
        if let Some(role) = change.role {
            if (role == Role::Instructor) != user.instructor_id.is_some() {
                return Err(AppError::field(
                    "role",
                    "instructor_link",
                    "only an account linked to an instructor has the instructor role, and it keeps it",
                ));
            }
        }
        diesel::update(users::table.find(id))
            .set((
                users::role.eq(change.role.unwrap_or(user.role)),
                users::active.eq(change.active.unwrap_or(user.active)),
                users::password_hash.eq(change
                    .password_hash
                    .clone()
                    .unwrap_or(user.password_hash.clone())),
                users::token_version.eq(user.token_version + 1),
            ))
            .execute(conn)?;
        let changed = get(conn, id)?;
        let was_admin = user.active && user.role == Role::Admin;
        let is_admin = changed.active && changed.role == Role::Admin;
        if was_admin && !is_admin && active_admins(conn)? == 0 {
            return Err(AppError::Conflict {
                kind: "/problems/last-admin",
                detail: "this is the last active administrator: make another account an \
                         administrator first"
                    .to_owned(),
            });
        }
        Ok(changed)
    })
}

/// How many accounts are active administrators.
fn active_admins(conn: &mut Db) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq(Role::Admin))
        .filter(users::active.eq(true))
        .count()
        .get_result(conn)
}

/// Sets (a SHA-256 hex digest) or clears the account's calendar feed secret.
pub fn set_calendar_feed(conn: &mut Db, id: &str, digest: Option<&str>) -> Result<(), AppError> {
    write(conn, |conn| {
        let found = diesel::update(users::table.find(id))
            .set(users::calendar_feed.eq(digest))
            .execute(conn)?;
        if found == 0 {
            Err(AppError::NotFound(format!("no user {id}")))
        } else {
            Ok(())
        }
    })
}

/// The account whose calendar feed secret has this digest, with whether its
/// instructor is active.
pub fn by_calendar_feed(conn: &mut Db, digest: &str) -> QueryResult<Option<(User, Option<bool>)>> {
    users::table
        .left_join(instructors::table)
        .filter(users::calendar_feed.eq(digest))
        .select((User::as_select(), instructors::active.nullable()))
        .first(conn)
        .optional()
}

/// The accounts of `within`'s subtree, by username.
pub fn list(conn: &mut Db, within: &str) -> QueryResult<Vec<User>> {
    users::table
        .filter(reach::users_of(within))
        .order(users::username)
        .select(User::as_select())
        .load(conn)
}
