//! Instructors of the faculty pool: their record, expertise levels, teaching
//! methods and rating; created, filtered, updated under a version, and
//! deactivated (softly: records and history stay).

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;
use solver::FieldError;
use utoipa::{IntoParams, ToSchema};

use super::schema::{
    instructor_expertise, instructor_methods, instructors, teaching_methods, topics,
};
use super::{rules, write_touching, Backend, Db, Touched};
use crate::error::AppError;
use crate::rating::Rating;
use crate::vocabulary::{InstructorKind, Named, StoredKind, Tier, Visibility};

/// An instructor's record as a planner writes it (create, or replace under a
/// version).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstructorInput {
    /// The office's own number for the instructor (编号), unique; spreadsheet
    /// imports find the instructor by it.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 64)]
    pub external_id: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub kind: InstructorKind,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub tier: Option<Tier>,
    /// Home city and its coordinates.
    #[schema(min_length = 1, max_length = 200)]
    pub city: String,
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    #[schema(minimum = -180, maximum = 180)]
    pub lon: f64,
    /// Topics the instructor teaches, each with a level 1–5.
    #[serde(default)]
    pub expertise: Vec<ExpertiseInput>,
    /// Teaching method codes (`lecture`, `case`, …).
    #[serde(default)]
    pub methods: Vec<String>,
    /// Sessions the instructor may teach in a year.
    #[schema(minimum = 0)]
    pub yearly_capacity: i32,
    /// Whether the instructor teaches remote (video) sessions.
    #[serde(default)]
    pub remote_ok: bool,
    /// The farthest the instructor travels, in km; none means no limit.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub max_travel_km: Option<f64>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// The office that keeps the record (SPEC 10): on creation the
    /// planner's own office when omitted; otherwise it stays unless given.
    /// Only an office of the planner's subtree.
    #[serde(default)]
    pub owner_office: Option<String>,
    /// Which offices besides the owner and those above it reach the
    /// instructor: `own` none, `shared` (the default) those below,
    /// `everyone` all. Stays unless given.
    #[serde(default)]
    pub visibility: Option<Visibility>,
}

/// One topic and the level at which the instructor teaches it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpertiseInput {
    pub topic: String,
    #[schema(minimum = 1, maximum = 5)]
    pub level: i32,
}

/// Contact fields, the part of the record an instructor edits themselves.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

impl ContactInput {
    pub fn errors(&self) -> Vec<FieldError> {
        contact_errors(self.phone.as_deref(), self.email.as_deref())
    }
}

/// The format rules of the contact fields.
fn contact_errors(phone: Option<&str>, email: Option<&str>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(phone) = phone {
        let ok = (3..=32).contains(&phone.chars().count())
            && phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-()".contains(c));
        if !ok {
            errors.push(FieldError::new(
                "phone",
                "format",
                "3 to 32 digits, spaces, +, - or parentheses",
            ));
        }
    }
    if let Some(email) = email {
        let ok = email.chars().count() <= 254
            && matches!(email.split_once('@'), Some((user, domain))
                    if !user.is_empty() && domain.contains('.') && !domain.contains('@'));
        if !ok {
            errors.push(FieldError::new(
                "email",
                "format",
                "an e-mail address such as name@example.cn",
            ));
        }
    }
    errors
}

impl InstructorInput {
    /// The rules that need no database.
    pub fn errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Some(id) = &self.external_id {
            let id = id.trim();
            if id.is_empty() || id.chars().count() > 64 {
                errors.push(FieldError::new(
                    "external_id",
                    "length",
                    "1 to 64 characters when given",
                ));
            }
        }
        rules::text(&mut errors, "name", &self.name);
        rules::text(&mut errors, "city", &self.city);
        rules::coordinates(&mut errors, self.lat, self.lon);
        if self.yearly_capacity < 0 {
            errors.push(FieldError::new(
                "yearly_capacity",
                "non_negative",
                "must be >= 0",
            ));
        }
        if let Some(km) = self.max_travel_km {
            if !(km >= 0.0 && km.is_finite()) {
                errors.push(FieldError::new(
                    "max_travel_km",
                    "non_negative",
                    "must be >= 0",
                ));
            }
        }
        rules::topic_levels(
            &mut errors,
            "expertise",
            "level",
            self.expertise.iter().map(|e| (e.topic.as_str(), e.level)),
        );
        for (k, m) in self.methods.iter().enumerate() {
            if self.methods[..k].contains(m) {
                errors.push(FieldError::new(
                    format!("methods[{k}]"),
                    "unique",
                    format!("{m} is listed twice"),
                ));
            }
        }
        errors.extend(contact_errors(self.phone.as_deref(), self.email.as_deref()));
        errors
    }
}

/// Filters of the instructor list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InstructorFilter {
    pub kind: Option<InstructorKind>,
    /// Only instructors who teach this topic …
    pub topic: Option<String>,
    /// … at this level or above (1–5, default 1; needs `topic`).
    #[param(minimum = 1, maximum = 5)]
    pub min_level: Option<i32>,
    pub tier: Option<Tier>,
    pub city: Option<String>,
    pub active: Option<bool>,
    /// Text in the name or the organisation (case-insensitive).
    pub q: Option<String>,
}

/// A stored instructor row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = instructors)]
pub struct InstructorRow {
    pub id: String,
    pub name: String,
    #[diesel(deserialize_as = StoredKind)]
    pub kind: InstructorKind,
    pub organisation: String,
    pub title: String,
    pub tier: Option<Tier>,
    pub city: String,
    pub lat: f64,
    pub lon: f64,
    pub yearly_capacity: i32,
    pub remote_ok: bool,
    pub max_travel_km: Option<f64>,
    pub active: bool,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub external_id: Option<String>,
    pub owner_office_id: String,
    pub visibility: Visibility,
}

/// The columns a planner's write sets.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = instructors, treat_none_as_null = true)]
struct Editable<'a> {
    external_id: Option<&'a str>,
    name: &'a str,
    kind: &'a str,
    organisation: &'a str,
    title: &'a str,
    tier: Option<Tier>,
    city: &'a str,
    lat: f64,
    lon: f64,
    yearly_capacity: i32,
    remote_ok: bool,
    max_travel_km: Option<f64>,
    phone: Option<&'a str>,
    email: Option<&'a str>,
}

impl<'a> From<&'a InstructorInput> for Editable<'a> {
    fn from(i: &'a InstructorInput) -> Self {
        Self {
            external_id: i.external_id.as_deref().map(str::trim),
            name: i.name.trim(),
            kind: i.kind.code(),
            organisation: i.organisation.trim(),
            title: i.title.trim(),
            tier: i.tier,
            city: i.city.trim(),
            lat: i.lat,
            lon: i.lon,
            yearly_capacity: i.yearly_capacity,
            remote_ok: i.remote_ok,
            max_travel_km: i.max_travel_km,
            phone: i.phone.as_deref(),
            email: i.email.as_deref(),
        }
    }
}

/// One topic of an instructor's expertise, with its Chinese name.
#[derive(Debug, Clone, Queryable)]
pub struct ExpertiseEntry {
    pub topic: String,
    pub name: String,
    pub level: i32,
}

/// An instructor with everything a profile shows.
#[derive(Debug, Clone)]
pub struct Profile {
    pub row: InstructorRow,
    pub expertise: Vec<ExpertiseEntry>,
    /// Method codes with their Chinese names.
    pub methods: Vec<(String, String)>,
    pub rating: Rating,
    /// The name of the office that keeps the record.
    pub owner_office_name: String,
}

/// Creates an instructor (active, version 1) kept by `input.owner_office`,
/// or by `within`, the planner's office.
pub fn create(conn: &mut Db, within: &str, input: &InstructorInput) -> Result<Profile, AppError> {
    AppError::check(input.errors())?;
    let id = uuid::Uuid::new_v4().to_string();
    write_touching(conn, Touched::Instructors(vec![id.clone()]), |conn| {
        check_references(conn, input)?;
        let owner = owner_within(conn, within, input.owner_office.as_deref())?;
        let now = chrono::Utc::now().naive_utc();
        diesel::insert_into(instructors::table)
            .values((
                Editable::from(input),
                instructors::id.eq(&id),
                instructors::owner_office_id.eq(owner.unwrap_or(within)),
                instructors::visibility.eq(input.visibility.unwrap_or(Visibility::Shared)),
                instructors::active.eq(true),
                instructors::version.eq(1),
                instructors::created_at.eq(now),
                instructors::updated_at.eq(now),
            ))
            .execute(conn)
            .map_err(|e| taken(e, input))?;
        replace_expertise_and_methods(conn, &id, input)?;
        profile(conn, &id, now)
    })
}

/// The owner office an input names, if it names one: an active office of
/// `within`'s subtree (else a 422 at `owner_office`).
fn owner_within<'a>(
    conn: &mut Db,
    within: &str,
    owner: Option<&'a str>,
) -> Result<Option<&'a str>, AppError> {
    let Some(owner) = owner else {
        return Ok(None);
    };
    let active: Option<bool> = super::schema::offices::table
        .find(owner)
        .filter(diesel::dsl::exists(
            super::schema::office_tree::table
                .filter(super::schema::office_tree::ancestor_id.eq(within))
                .filter(super::schema::office_tree::descendant_id.eq(owner)),
        ))
        .select(super::schema::offices::active)
        .first(conn)
        .optional()?;
    match active {
        Some(true) => Ok(Some(owner)),
        Some(false) => Err(AppError::field(
            "owner_office",
            "inactive",
            format!("office {owner} is deactivated"),
        )),
        None => Err(AppError::field(
            "owner_office",
            "unknown_reference",
            format!("no office {owner} in your part of the tree"),
        )),
    }
}

/// Clears the contact fields of the profiles whose record `office` may not
/// edit (kept outside its subtree): only the keepers see them.
pub fn hide_contacts(conn: &mut Db, office: &str, profiles: &mut [Profile]) -> QueryResult<()> {
    let ids: Vec<&str> = profiles.iter().map(|p| p.row.id.as_str()).collect();
    let kept: std::collections::HashSet<String> = super::chunked(&ids, |chunk| {
        instructors::table
            .filter(instructors::id.eq_any(chunk))
            .filter(super::reach::instructors_kept_within(office))
            .select(instructors::id)
            .load(conn)
    })?
    .into_iter()
    .collect();
    for profile in profiles.iter_mut().filter(|p| !kept.contains(&p.row.id)) {
        profile.row.phone = None;
        profile.row.email = None;
    }
    Ok(())
}

/// A duplicate office number is a 409.
fn taken(e: diesel::result::Error, input: &InstructorInput) -> AppError {
    super::conflict_if_duplicate(
        e,
        format!(
            "another instructor has the number {}",
            input.external_id.as_deref().unwrap_or_default()
        ),
    )
}

/// Replaces an instructor's record if `version` is still current (409 if
/// not); a new owner office must be in `within`'s subtree.
pub fn update(
    conn: &mut Db,
    within: &str,
    id: &str,
    version: i32,
    input: &InstructorInput,
) -> Result<Profile, AppError> {
    AppError::check(input.errors())?;
    write_touching(conn, Touched::Instructors(vec![id.to_owned()]), |conn| {
        check_references(conn, input)?;
        let owner = owner_within(conn, within, input.owner_office.as_deref())?;
        let now = overwrite(conn, id, version, input)?;
        if let Some(owner) = owner {
            diesel::update(instructors::table.find(id))
                .set(instructors::owner_office_id.eq(owner))
                .execute(conn)?;
        }
        profile(conn, id, now)
    })
}

/// Replaces an instructor's record, expertise and methods with `input` if
/// `version` is still current (409 if not), inside the caller's
/// transaction; returns the new version's stamp.
pub fn overwrite(
    conn: &mut Db,
    id: &str,
    version: i32,
    input: &InstructorInput,
) -> Result<NaiveDateTime, AppError> {
    let now = next_version(conn, id, version)?;
    diesel::update(instructors::table.find(id))
        .set(Editable::from(input))
        .execute(conn)
        .map_err(|e| taken(e, input))?;
    if let Some(visibility) = input.visibility {
        diesel::update(instructors::table.find(id))
            .set(instructors::visibility.eq(visibility))
            .execute(conn)?;
    }
    replace_expertise_and_methods(conn, id, input)?;
    Ok(now)
}

/// The rows `office` may edit (kept by it or below it), active or not.
pub fn kept_rows(conn: &mut Db, office: &str) -> QueryResult<Vec<InstructorRow>> {
    instructors::table
        .filter(super::reach::instructors_kept_within(office))
        .select(InstructorRow::as_select())
        .load(conn)
}

/// Replaces an instructor's contact fields if `version` is still current.
pub fn update_contact(
    conn: &mut Db,
    id: &str,
    version: i32,
    contact: &ContactInput,
) -> Result<Profile, AppError> {
    AppError::check(contact.errors())?;
    write_touching(conn, Touched::Instructors(vec![id.to_owned()]), |conn| {
        let now = next_version(conn, id, version)?;
        diesel::update(instructors::table.find(id))
            .set((
                instructors::phone.eq(&contact.phone),
                instructors::email.eq(&contact.email),
            ))
            .execute(conn)?;
        profile(conn, id, now)
    })
}

/// Moves an instructor from `version` to the next one, stamped now, and
/// returns the stamp; 409 if `version` is no longer current (someone wrote
/// since it was read), 404 if the instructor is gone. The row stays locked
/// for the rest of the transaction, which then makes the change.
fn next_version(conn: &mut Db, id: &str, version: i32) -> Result<NaiveDateTime, AppError> {
    let now = chrono::Utc::now().naive_utc();
    let updated = diesel::update(
        instructors::table
            .find(id)
            .filter(instructors::version.eq(version)),
    )
    .set((
        instructors::version.eq(instructors::version + 1),
        instructors::updated_at.eq(now),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Err(stale(conn, id, version));
    }
    Ok(now)
}

/// Marks an instructor inactive: they leave staffing, their history stays.
pub fn deactivate(conn: &mut Db, id: &str) -> Result<Profile, AppError> {
    write_touching(conn, Touched::Instructors(vec![id.to_owned()]), |conn| {
        let now = chrono::Utc::now().naive_utc();
        let updated = diesel::update(instructors::table.find(id))
            .set((
                instructors::active.eq(false),
                instructors::version.eq(instructors::version + 1),
                instructors::updated_at.eq(now),
            ))
            .execute(conn)?;
        if updated == 0 {
            return Err(not_found(id));
        }
        profile(conn, id, now)
    })
}

/// Locks an instructor's row for the rest of the transaction (so that
/// checks on their availability or records cannot race), or 404.
pub fn lock(conn: &mut Db, id: &str) -> Result<(), AppError> {
    let found = diesel::update(instructors::table.find(id))
        .set(instructors::version.eq(instructors::version))
        .execute(conn)?;
    if found == 0 {
        Err(not_found(id))
    } else {
        Ok(())
    }
}

/// Locks the rows of instructors `ids` for the rest of the transaction, in
/// id order (as every transaction that locks several does, so that two
/// never wait on each other), in one statement. SQLite's write transaction
/// holds the whole database already ([`super::write`]).
pub fn lock_all(conn: &mut Db, ids: &[&str]) -> QueryResult<()> {
    match conn {
        Db::Sqlite(_) => Ok(()),
        Db::Postgresql(c) => instructors::table
            .filter(instructors::id.eq_any(ids))
            .order(instructors::id)
            .select(instructors::id)
            .for_update()
            .load::<String>(c)
            .map(drop),
    }
}

/// The names and yearly capacities of `ids`, by id.
pub fn capacities(
    conn: &mut Db,
    ids: &[&str],
) -> QueryResult<std::collections::HashMap<String, (String, i64)>> {
    Ok(instructors::table
        .filter(instructors::id.eq_any(ids))
        .select((
            instructors::id,
            instructors::name,
            instructors::yearly_capacity,
        ))
        .load::<(String, String, i32)>(conn)?
        .into_iter()
        .map(|(id, name, capacity)| (id, (name, i64::from(capacity))))
        .collect())
}

/// Succeeds if the instructor exists (404 if not).
pub fn exists(conn: &mut Db, id: &str) -> Result<(), AppError> {
    let found = instructors::table
        .find(id)
        .count()
        .get_result::<i64>(conn)?;
    if found == 0 {
        Err(not_found(id))
    } else {
        Ok(())
    }
}

/// One instructor's profile, with the rating at `at`.
pub fn profile(conn: &mut Db, id: &str, at: NaiveDateTime) -> Result<Profile, AppError> {
    let row = instructors::table
        .find(id)
        .select(InstructorRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| not_found(id))?;
    Ok(profiles(conn, vec![row], at)?.remove(0))
}

/// The instructors of `office`'s pool matching `filter`, by name, `limit`
/// of them from `offset`, and how many match in all; contact fields only
/// of those it keeps.
pub fn list(
    conn: &mut Db,
    office: &str,
    filter: &InstructorFilter,
    (limit, offset): (i64, i64),
    at: NaiveDateTime,
) -> Result<(Vec<Profile>, i64), AppError> {
    AppError::check(filter_errors(filter))?;
    let reach = super::reach::reach_of(conn, office)?;
    let total = filtered(filter)
        .filter(reach.instructors())
        .count()
        .get_result::<i64>(conn)?;
    let rows = filtered(filter)
        .filter(reach.instructors())
        .order((instructors::name, instructors::id))
        .limit(limit)
        .offset(offset)
        .select(InstructorRow::as_select())
        .load(conn)?;
    let mut profiles = profiles(conn, rows, at)?;
    hide_contacts(conn, office, &mut profiles)?;
    Ok((profiles, total))
}

fn filter_errors(filter: &InstructorFilter) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(level) = filter.min_level {
        if !(1..=5).contains(&level) {
            errors.push(FieldError::new(
                "min_level",
                "level_range",
                "a level from 1 to 5",
            ));
        }
        if filter.topic.is_none() {
            errors.push(FieldError::new(
                "min_level",
                "requires",
                "min_level needs topic",
            ));
        }
    }
    errors
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

fn filtered(filter: &InstructorFilter) -> instructors::BoxedQuery<'_, Backend> {
    let mut query = instructors::table.into_boxed();
    if let Some(kind) = filter.kind {
        query = query.filter(instructors::kind.eq(kind.code()));
    }
    if let Some(tier) = filter.tier {
        query = query.filter(instructors::tier.eq(tier.code()));
    }
    if let Some(city) = &filter.city {
        query = query.filter(instructors::city.eq(city));
    }
    if let Some(active) = filter.active {
        query = query.filter(instructors::active.eq(active));
    }
    if let Some(topic) = &filter.topic {
        let teaching = instructor_expertise::table
            .filter(instructor_expertise::topic.eq(topic))
            .filter(instructor_expertise::level.ge(filter.min_level.unwrap_or(1)))
            .select(instructor_expertise::instructor_id);
        query = query.filter(instructors::id.eq_any(teaching));
    }
    if let Some(text) = &filter.q {
        let escaped: String = text
            .to_lowercase()
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        let pattern = format!("%{escaped}%");
        query = query.filter(
            lower(instructors::name)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(instructors::organisation).like(pattern).escape('\\')),
        );
    }
    query
}

/// Attaches expertise, methods and ratings to `rows`, keeping their order.
pub fn profiles(
    conn: &mut Db,
    rows: Vec<InstructorRow>,
    at: NaiveDateTime,
) -> Result<Vec<Profile>, AppError> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut expertise: HashMap<String, Vec<ExpertiseEntry>> = HashMap::new();
    for (instructor, entry) in instructor_expertise::table
        .inner_join(topics::table)
        .filter(instructor_expertise::instructor_id.eq_any(&ids))
        .order((
            instructor_expertise::level.desc(),
            instructor_expertise::topic,
        ))
        .select((
            instructor_expertise::instructor_id,
            (
                instructor_expertise::topic,
                topics::name,
                instructor_expertise::level,
            ),
        ))
        .load::<(String, ExpertiseEntry)>(conn)?
    {
        expertise.entry(instructor).or_default().push(entry);
    }
    let mut methods: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (instructor, code, name) in instructor_methods::table
        .inner_join(teaching_methods::table)
        .filter(instructor_methods::instructor_id.eq_any(&ids))
        .order(instructor_methods::method)
        .select((
            instructor_methods::instructor_id,
            instructor_methods::method,
            teaching_methods::name,
        ))
        .load::<(String, String, String)>(conn)?
    {
        methods.entry(instructor).or_default().push((code, name));
    }
    let mut ratings = super::ratings::of(conn, Some(&ids), at)?;
    let owners = super::names::offices(conn, rows.iter().map(|r| r.owner_office_id.as_str()))?;
    Ok(rows
        .into_iter()
        .map(|row| Profile {
            owner_office_name: owners
                .get(&row.owner_office_id)
                .cloned()
                .unwrap_or_default(),
            expertise: expertise.remove(&row.id).unwrap_or_default(),
            methods: methods.remove(&row.id).unwrap_or_default(),
            rating: ratings.remove(&row.id).unwrap_or_default().rating(),
            row,
        })
        .collect())
}

/// Unknown topic or method codes are 422s at their field.
fn check_references(conn: &mut Db, input: &InstructorInput) -> Result<(), AppError> {
    let mut errors = Vec::new();
    rules::known_topics(
        conn,
        &mut errors,
        "expertise",
        input.expertise.iter().map(|e| e.topic.as_str()),
    )?;
    rules::known_methods(
        conn,
        &mut errors,
        |k| format!("methods[{k}]"),
        input.methods.iter().map(String::as_str),
    )?;
    AppError::check(errors)
}

/// Sets an instructor's expertise and methods to `input`'s. The expertise
/// is written only if it differs: each write of it raises the instructor's
/// inputs revision, which makes the runs that read it stale.
fn replace_expertise_and_methods(
    conn: &mut Db,
    id: &str,
    input: &InstructorInput,
) -> QueryResult<()> {
    let stored: BTreeSet<(String, i32)> = instructor_expertise::table
        .filter(instructor_expertise::instructor_id.eq(id))
        .select((instructor_expertise::topic, instructor_expertise::level))
        .load(conn)?
        .into_iter()
        .collect();
    let given: BTreeSet<(String, i32)> = (input.expertise.iter())
        .map(|e| (e.topic.clone(), e.level))
        .collect();
    if stored != given {
        diesel::delete(
            instructor_expertise::table.filter(instructor_expertise::instructor_id.eq(id)),
        )
        .execute(conn)?;
        for e in &input.expertise {
            diesel::insert_into(instructor_expertise::table)
                .values((
                    instructor_expertise::instructor_id.eq(id),
                    instructor_expertise::topic.eq(&e.topic),
                    instructor_expertise::level.eq(e.level),
                ))
                .execute(conn)?;
        }
    }
    diesel::delete(instructor_methods::table.filter(instructor_methods::instructor_id.eq(id)))
        .execute(conn)?;
    for m in &input.methods {
        diesel::insert_into(instructor_methods::table)
            .values((
                instructor_methods::instructor_id.eq(id),
                instructor_methods::method.eq(m),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Why a versioned update touched no row: the instructor is gone (404) or
/// someone else wrote first (409).
fn stale(conn: &mut Db, id: &str, version: i32) -> AppError {
    let current = instructors::table
        .find(id)
        .select(instructors::version)
        .first::<i32>(conn)
        .optional();
    match current {
        Ok(Some(current)) => AppError::Conflict {
            kind: "/problems/version-conflict",
            detail: format!(
                "instructor {id} is at version {current}, not {version}; read it again and retry"
            ),
        },
        Ok(None) => not_found(id),
        Err(e) => e.into(),
    }
}

/// The 404 of an unknown instructor.
pub fn not_found(id: &str) -> AppError {
    AppError::NotFound(format!("no instructor {id}"))
}

/// Where an instructor lives and how much they teach a year: what a plan's
/// trips and loads are measured against.
#[derive(Debug, Clone, Queryable)]
pub struct Home {
    pub organisation: String,
    pub lat: f64,
    pub lon: f64,
    pub yearly_capacity: i32,
}

/// The homes of the instructors `ids`, by id.
pub fn homes(conn: &mut Db, ids: &[&str]) -> QueryResult<HashMap<String, Home>> {
    let homes = super::chunked(ids, |chunk| {
        instructors::table
            .filter(instructors::id.eq_any(chunk))
            .select((
                instructors::id,
                (
                    instructors::organisation,
                    instructors::lat,
                    instructors::lon,
                    instructors::yearly_capacity,
                ),
            ))
            .load::<(String, Home)>(conn)
    })?;
    Ok(homes.into_iter().collect())
}

/// Inserts new instructors with their expertise and methods, many rows a
/// statement (each within both backends' limit of bound parameters).
/// They are kept by `owner` and `shared`.
pub fn insert_many(
    conn: &mut Db,
    owner: &str,
    created: &[(String, &InstructorInput)],
) -> Result<(), AppError> {
    let now = chrono::Utc::now().naive_utc();
    for chunk in created.chunks(500) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(id, input)| {
                (
                    Editable::from(*input),
                    instructors::id.eq(id.as_str()),
                    instructors::active.eq(true),
                    instructors::version.eq(1),
                    instructors::created_at.eq(now),
                    instructors::updated_at.eq(now),
                    instructors::owner_office_id.eq(owner),
                )
            })
            .collect();
        on_backend!(conn, |c| diesel::insert_into(instructors::table)
            .values(&rows)
            .execute(c))?;
        let expertise: Vec<_> = chunk
            .iter()
            .flat_map(|(id, input)| {
                input.expertise.iter().map(move |e| {
                    (
                        instructor_expertise::instructor_id.eq(id.as_str()),
                        instructor_expertise::topic.eq(e.topic.as_str()),
                        instructor_expertise::level.eq(e.level),
                    )
                })
            })
            .collect();
        if !expertise.is_empty() {
            on_backend!(conn, |c| diesel::insert_into(instructor_expertise::table)
                .values(&expertise)
                .execute(c))?;
        }
        let methods: Vec<_> = chunk
            .iter()
            .flat_map(|(id, input)| {
                input.methods.iter().map(move |m| {
                    (
                        instructor_methods::instructor_id.eq(id.as_str()),
                        instructor_methods::method.eq(m.as_str()),
                    )
                })
            })
            .collect();
        if !methods.is_empty() {
            on_backend!(conn, |c| diesel::insert_into(instructor_methods::table)
                .values(&methods)
                .execute(c))?;
        }
    }
    Ok(())
}

/// Whether writing `input` would leave `profile` as it is.
pub fn unchanged_by(profile: &Profile, input: &InstructorInput) -> bool {
    let row = &profile.row;
    let given = Editable::from(input);
    let mut expertise: Vec<(&str, i32)> = input
        .expertise
        .iter()
        .map(|e| (e.topic.as_str(), e.level))
        .collect();
    expertise.sort_unstable();
    let mut stored: Vec<(&str, i32)> = profile
        .expertise
        .iter()
        .map(|e| (e.topic.as_str(), e.level))
        .collect();
    stored.sort_unstable();
    let mut methods: Vec<&str> = input.methods.iter().map(String::as_str).collect();
    methods.sort_unstable();
    let stored_methods: Vec<&str> = profile.methods.iter().map(|(m, _)| m.as_str()).collect();
    given.external_id == row.external_id.as_deref()
        && given.name == row.name
        && input.kind == row.kind
        && given.organisation == row.organisation
        && given.title == row.title
        && given.tier == row.tier
        && given.city == row.city
        && given.lat == row.lat
        && given.lon == row.lon
        && given.yearly_capacity == row.yearly_capacity
        && given.remote_ok == row.remote_ok
        && given.max_travel_km == row.max_travel_km
        && given.phone == row.phone.as_deref()
        && given.email == row.email.as_deref()
        && expertise == stored
        && methods == stored_methods
}
