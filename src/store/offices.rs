//! The tree of offices (SPEC 10) and its closure table `office_tree`: one
//! row per office and each office above it (itself at depth 0), so "the
//! subtree of O" and "the offices above O" are one indexed lookup at any
//! depth.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;
use solver::FieldError;
use utoipa::ToSchema;

use super::schema::{office_tree, offices, staffing_runs};
use super::{import_rows, rules, write, Db, RowError};
use crate::error::AppError;
use crate::vocabulary::{Named, OfficeTier, RunState};

/// The office every database has from its first migration: it owns what
/// was stored before offices existed, and is the root of a single office's
/// deployment.
pub const ROOT: &str = "root";

/// A stored office.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = offices)]
pub struct Office {
    pub id: String,
    pub name: String,
    pub tier: OfficeTier,
    pub parent_id: Option<String>,
    pub region: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

/// A new office.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficeInput {
    #[schema(example = "南山市信访局")]
    pub name: String,
    pub tier: OfficeTier,
    /// The office above it; the caller's own office when omitted.
    pub parent: Option<String>,
    /// The province it is in.
    #[serde(default)]
    pub region: String,
}

/// A change to an office; omitted fields stay.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficeChange {
    pub name: Option<String>,
    pub tier: Option<OfficeTier>,
    /// Moves the office (with its subtree) under another office.
    pub parent: Option<String>,
    pub region: Option<String>,
    /// `false` deactivates it: its accounts can no longer sign in; its
    /// plans, pool and history stay.
    pub active: Option<bool>,
}

/// The ids of the offices in `office`'s subtree (itself included).
pub fn subtree(
    office: &str,
) -> office_tree::BoxedQuery<'_, super::Backend, diesel::sql_types::Text> {
    office_tree::table
        .filter(office_tree::ancestor_id.eq(office))
        .select(office_tree::descendant_id)
        .into_boxed()
}

/// Whether `office` is `ancestor` or below it.
pub fn is_within(conn: &mut Db, office: &str, ancestor: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        office_tree::table
            .filter(office_tree::ancestor_id.eq(ancestor))
            .filter(office_tree::descendant_id.eq(office)),
    ))
    .get_result(conn)
}

/// How many levels `office` is below `ancestor` (0 for itself).
pub fn depth_below(conn: &mut Db, ancestor: &str, office: &str) -> QueryResult<i32> {
    office_tree::table
        .find((ancestor, office))
        .select(office_tree::depth)
        .first(conn)
}

/// The whole closure, (ancestor, descendant) pairs, for in-memory reach
/// tests over a snapshot of the pool.
pub fn closure(conn: &mut Db) -> QueryResult<Vec<(String, String)>> {
    office_tree::table
        .select((office_tree::ancestor_id, office_tree::descendant_id))
        .load(conn)
}

/// One office, whoever asks (callers check reach first).
pub fn get(conn: &mut Db, id: &str) -> Result<Office, AppError> {
    offices::table
        .find(id)
        .select(Office::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| not_found(id))
}

fn not_found(id: &str) -> AppError {
    AppError::NotFound(format!("no office {id}"))
}

/// The offices of `within`'s subtree with their depth below it, the tree
/// in depth-first order (each office followed by its children by name).
pub fn list(conn: &mut Db, within: &str) -> QueryResult<Vec<(Office, i32)>> {
    let rows: Vec<(Office, i32)> = offices::table
        .inner_join(office_tree::table.on(office_tree::descendant_id.eq(offices::id)))
        .filter(office_tree::ancestor_id.eq(within))
        .order((office_tree::depth, offices::name, offices::id))
        .select((Office::as_select(), office_tree::depth))
        .load(conn)?;
    Ok(depth_first(rows, within))
}

/// `rows` (each office once, parents before children) as a depth-first walk from `top`.
fn depth_first(rows: Vec<(Office, i32)>, top: &str) -> Vec<(Office, i32)> {
    let mut children: std::collections::HashMap<Option<String>, Vec<(Office, i32)>> =
        std::collections::HashMap::new();
    let mut root = None;
    for (office, depth) in rows {
        if office.id == top {
            root = Some((office, depth));
        } else {
            children
                .entry(office.parent_id.clone())
                .or_default()
                .push((office, depth));
        }
    }
    let mut ordered = Vec::new();
    let mut stack: Vec<(Office, i32)> = root.into_iter().collect();
    while let Some((office, depth)) = stack.pop() {
        if let Some(mut below) = children.remove(&Some(office.id.clone())) {
            below.reverse();
            stack.extend(below);
        }
        ordered.push((office, depth));
    }
    ordered
}

/// Makes an office under `input.parent` (default `within`), which must be
/// in `within`'s subtree, active, and of a higher tier.
pub fn create(conn: &mut Db, within: &str, input: &OfficeInput) -> Result<Office, AppError> {
    let mut errors = Vec::new();
    rules::text(&mut errors, "name", &input.name);
    if solver::has_control_character(&input.region) || input.region.chars().count() > 200 {
        errors.push(FieldError::new(
            "region",
            "text",
            "at most 200 characters, no control characters",
        ));
    }
    AppError::check(errors)?;
    let parent_id = input.parent.clone().unwrap_or_else(|| within.to_owned());
    write(conn, |conn| {
        let parent = parent_in_reach(conn, within, &parent_id)?;
        check_tier_below(&parent, input.tier, "tier")?;
        let office = Office {
            id: uuid::Uuid::new_v4().to_string(),
            name: input.name.trim().to_owned(),
            tier: input.tier,
            parent_id: Some(parent.id.clone()),
            region: input.region.trim().to_owned(),
            active: true,
            created_at: chrono::Utc::now().naive_utc(),
        };
        diesel::insert_into(offices::table)
            .values((
                offices::id.eq(&office.id),
                offices::name.eq(&office.name),
                offices::tier.eq(office.tier.code()),
                offices::parent_id.eq(&office.parent_id),
                offices::region.eq(&office.region),
                offices::active.eq(true),
                offices::created_at.eq(office.created_at),
            ))
            .execute(conn)?;
        attach(conn, &office.id, &parent.id)?;
        Ok(office)
    })
}

/// One office of a sheet to import.
#[derive(Debug, Clone)]
pub struct OfficeRow {
    /// The row number the spreadsheet shows.
    pub row: usize,
    pub name: String,
    pub tier: OfficeTier,
    /// Empty for the importing admin's own office.
    pub parent: String,
    pub region: String,
}

/// An office a sheet import made (or with `dry_run` would make).
#[derive(Debug)]
pub struct ImportedOffice {
    pub row: usize,
    pub id: String,
    /// The name of the office it was put under.
    pub parent_name: String,
}

/// Creates a sheet's offices in `within`'s subtree by the rules of
/// [`create`], each parent before its children, in one transaction: all
/// rows or, if any breaks a rule (every one is listed) or `dry_run`, none.
/// A row's parent is another row's name, or an office of the subtree by id
/// or by its name (when one office has it); empty, it is `within`. An
/// office whose parent has a child of that name already is refused, so that
/// a sheet imported twice does not double the tree.
pub fn import(
    conn: &mut Db,
    within: &str,
    rows: &[OfficeRow],
    dry_run: bool,
) -> Result<Result<Vec<ImportedOffice>, Vec<RowError>>, AppError> {
    import_rows(conn, dry_run, |conn, errors| {
        let existing: Vec<Office> = list(conn, within)?.into_iter().map(|(o, _)| o).collect();
        let mut made: HashMap<&str, (String, String)> = HashMap::new();
        let mut done = Vec::new();
        let mut waiting: Vec<&OfficeRow> = rows.iter().collect();
        loop {
            let before = waiting.len();
            let mut still = Vec::new();
            for row in waiting {
                let parent = if row.parent.is_empty() {
                    existing
                        .iter()
                        .find(|o| o.id == within)
                        .map(|o| (o.id.clone(), o.name.clone()))
                } else if rows.iter().any(|r| r.name == row.parent) {
                    match made.get(row.parent.as_str()) {
                        Some(found) => Some(found.clone()),
                        None => {
                            still.push(row);
                            continue;
                        }
                    }
                } else {
                    match existing_parent(&existing, &row.parent) {
                        Ok(found) => Some(found),
                        Err(e) => {
                            errors.push(RowError::new(row.row, "parent", e));
                            continue;
                        }
                    }
                };
                let Some((parent_id, parent_name)) = parent else {
                    continue;
                };
                let twin = existing
                    .iter()
                    .any(|o| o.parent_id.as_deref() == Some(&parent_id) && o.name == row.name);
                if twin {
                    let detail = format!("{parent_name} has an office {} already", row.name);
                    errors.push(RowError::new(
                        row.row,
                        "name",
                        FieldError::new("name", "new_office", detail),
                    ));
                    continue;
                }
                let input = OfficeInput {
                    name: row.name.clone(),
                    tier: row.tier,
                    parent: Some(parent_id),
                    region: row.region.clone(),
                };
                match create(conn, within, &input) {
                    Ok(office) => {
                        made.insert(&row.name, (office.id.clone(), office.name));
                        done.push(ImportedOffice {
                            row: row.row,
                            id: office.id,
                            parent_name,
                        });
                    }
                    Err(AppError::Validation(found)) => {
                        for e in found {
                            let column = e.field.clone();
                            errors.push(RowError::new(row.row, &column, e));
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            if still.is_empty() {
                break;
            }
            if still.len() == before {
                for row in still {
                    let detail = format!(
                        "{} waits for an office of the sheet that is refused or that waits for it in turn",
                        row.parent
                    );
                    errors.push(RowError::new(
                        row.row,
                        "parent",
                        FieldError::new("parent", "parent_row", detail),
                    ));
                }
                break;
            }
            waiting = still;
        }
        done.sort_by_key(|o| o.row);
        Ok(done)
    })
}

/// The office of the subtree a sheet names as a parent, by id or by its
/// name when exactly one office has it; its id and name.
fn existing_parent(existing: &[Office], named: &str) -> Result<(String, String), FieldError> {
    if let Some(office) = existing.iter().find(|o| o.id == named) {
        return Ok((office.id.clone(), office.name.clone()));
    }
    let mut same_name = existing.iter().filter(|o| o.name == named);
    match (same_name.next(), same_name.next()) {
        (Some(office), None) => Ok((office.id.clone(), office.name.clone())),
        (Some(_), Some(_)) => Err(FieldError::new(
            "parent",
            "ambiguous",
            format!("more than one office is named {named}: give its id"),
        )),
        (None, _) => Err(FieldError::new(
            "parent",
            "unknown_reference",
            format!("no office {named} in the sheet or in your part of the tree"),
        )),
    }
}

/// The active office `id` in `within`'s subtree, for a parent; else a 422
/// at `parent` that does not tell an office outside reach from none.
fn parent_in_reach(conn: &mut Db, within: &str, id: &str) -> Result<Office, AppError> {
    let unknown = || {
        AppError::Validation(vec![FieldError::new(
            "parent",
            "unknown_reference",
            format!("no office {id} in your part of the tree"),
        )])
    };
    if !is_within(conn, id, within)? {
        return Err(unknown());
    }
    let parent = get(conn, id).map_err(|_| unknown())?;
    if !parent.active {
        return Err(AppError::Validation(vec![FieldError::new(
            "parent",
            "inactive",
            format!("office {id} ({}) is deactivated", parent.name),
        )]));
    }
    Ok(parent)
}

/// A child's tier is below its parent's.
fn check_tier_below(parent: &Office, tier: OfficeTier, field: &str) -> Result<(), AppError> {
    if tier.rank() <= parent.tier.rank() {
        return Err(AppError::Validation(vec![FieldError::new(
            field,
            "tier_below_parent",
            format!(
                "an office under {} ({}) must be of a lower tier than {}",
                parent.name,
                parent.tier.name_zh(),
                parent.tier.name_zh()
            ),
        )]));
    }
    Ok(())
}

/// Closure rows of `office` (a leaf, or the top of a detached subtree)
/// placed under `parent`: each office of its subtree gets each office
/// from `parent` up as an ancestor.
fn attach(conn: &mut Db, office: &str, parent: &str) -> QueryResult<()> {
    let above: Vec<(String, i32)> = office_tree::table
        .filter(office_tree::descendant_id.eq(parent))
        .select((office_tree::ancestor_id, office_tree::depth))
        .load(conn)?;
    let mut below: Vec<(String, i32)> = office_tree::table
        .filter(office_tree::ancestor_id.eq(office))
        .select((office_tree::descendant_id, office_tree::depth))
        .load(conn)?;
    if below.is_empty() {
        diesel::insert_into(office_tree::table)
            .values((
                office_tree::ancestor_id.eq(office),
                office_tree::descendant_id.eq(office),
                office_tree::depth.eq(0),
            ))
            .execute(conn)?;
        below.push((office.to_owned(), 0));
    }
    for (ancestor, up) in &above {
        for (descendant, down) in &below {
            diesel::insert_into(office_tree::table)
                .values((
                    office_tree::ancestor_id.eq(ancestor),
                    office_tree::descendant_id.eq(descendant),
                    office_tree::depth.eq(up + down + 1),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Changes office `id` (in `within`'s subtree; the caller checked) as
/// `change` says. Moving it keeps tiers descending and refuses a cycle;
/// deactivating it is refused while it has active offices below it or
/// queued or running staffing runs, and for the caller's own office.
pub fn update(
    conn: &mut Db,
    within: &str,
    id: &str,
    change: &OfficeChange,
) -> Result<Office, AppError> {
    let mut errors = Vec::new();
    if let Some(name) = &change.name {
        rules::text(&mut errors, "name", name);
    }
    if let Some(region) = &change.region {
        if solver::has_control_character(region) || region.chars().count() > 200 {
            errors.push(FieldError::new(
                "region",
                "text",
                "at most 200 characters, no control characters",
            ));
        }
    }
    if change.parent.is_some() && id == within {
        errors.push(FieldError::new(
            "parent",
            "own_office",
            "your own office cannot be moved: an office above it can move it",
        ));
    }
    if change.active == Some(false) && id == within {
        errors.push(FieldError::new(
            "active",
            "own_office",
            "your own office cannot be deactivated: an office above it can",
        ));
    }
    AppError::check(errors)?;
    write(conn, |conn| {
        let mut office = get(conn, id)?;
        let tier = change.tier.unwrap_or(office.tier);
        if let Some(parent_id) = &change.parent {
            if is_within(conn, parent_id, id)? {
                return Err(AppError::Validation(vec![FieldError::new(
                    "parent",
                    "cycle",
                    format!("office {parent_id} is {id} itself or below it: the tree would have a cycle"),
                )]));
            }
            let parent = parent_in_reach(conn, within, parent_id)?;
            check_tier_below(&parent, tier, "parent")?;
            detach(conn, id)?;
            attach(conn, id, &parent.id)?;
            office.parent_id = Some(parent.id);
        } else if let Some(parent_id) = &office.parent_id {
            check_tier_below(&get(conn, parent_id)?, tier, "tier")?;
        }
        check_children_below(conn, id, tier)?;
        if change.active == Some(false) && office.active {
            check_may_deactivate(conn, id)?;
        }
        if change.active == Some(true) {
            if let Some(parent_id) = &office.parent_id {
                if !get(conn, parent_id)?.active {
                    return Err(AppError::Validation(vec![FieldError::new(
                        "active",
                        "inactive_parent",
                        "the office above it is deactivated; reactivate that first",
                    )]));
                }
            }
        }
        office.tier = tier;
        office.name = change
            .name
            .as_deref()
            .map_or(office.name, |n| n.trim().to_owned());
        office.region = change
            .region
            .as_deref()
            .map_or(office.region, |r| r.trim().to_owned());
        office.active = change.active.unwrap_or(office.active);
        diesel::update(offices::table.find(id))
            .set((
                offices::name.eq(&office.name),
                offices::tier.eq(office.tier.code()),
                offices::parent_id.eq(&office.parent_id),
                offices::region.eq(&office.region),
                offices::active.eq(office.active),
            ))
            .execute(conn)?;
        Ok(office)
    })
}

/// Removes the closure rows linking `id`'s subtree to the offices above `id`.
fn detach(conn: &mut Db, id: &str) -> QueryResult<()> {
    let below: Vec<String> = subtree(id).load(conn)?;
    let above: Vec<String> = office_tree::table
        .filter(office_tree::descendant_id.eq(id))
        .filter(office_tree::depth.gt(0))
        .select(office_tree::ancestor_id)
        .load(conn)?;
    diesel::delete(
        office_tree::table
            .filter(office_tree::descendant_id.eq_any(&below))
            .filter(office_tree::ancestor_id.eq_any(&above)),
    )
    .execute(conn)?;
    Ok(())
}

/// The offices directly below `id` keep a tier below `tier`.
fn check_children_below(conn: &mut Db, id: &str, tier: OfficeTier) -> Result<(), AppError> {
    let children: Vec<Office> = offices::table
        .filter(offices::parent_id.eq(id))
        .select(Office::as_select())
        .load(conn)?;
    let clashing: Vec<String> = children
        .iter()
        .filter(|c| c.tier.rank() <= tier.rank())
        .map(|c| format!("{} ({})", c.name, c.tier.name_zh()))
        .collect();
    if clashing.is_empty() {
        return Ok(());
    }
    Err(AppError::Validation(vec![FieldError::new(
        "tier",
        "tier_above_children",
        format!(
            "offices below it would not be of a lower tier: {}",
            clashing.join(", ")
        ),
    )]))
}

/// An office is deactivated only with no active office below it and no run
/// of its plans queued or running.
fn check_may_deactivate(conn: &mut Db, id: &str) -> Result<(), AppError> {
    let active_children: Vec<String> = offices::table
        .filter(offices::parent_id.eq(id))
        .filter(offices::active.eq(true))
        .select(offices::name)
        .load(conn)?;
    if !active_children.is_empty() {
        return Err(AppError::Conflict {
            kind: "/problems/office-has-active-offices",
            detail: format!(
                "deactivate the offices below it first: {}",
                active_children.join(", ")
            ),
        });
    }
    let pending: i64 = staffing_runs::table
        .filter(staffing_runs::office_id.eq(id))
        .filter(staffing_runs::state.eq_any([RunState::Queued, RunState::Running]))
        .count()
        .get_result(conn)?;
    if pending > 0 {
        return Err(AppError::Conflict {
            kind: "/problems/office-has-pending-runs",
            detail: format!(
                "{pending} staffing run(s) of its plans are queued or running; cancel them or \
                 let them finish first"
            ),
        });
    }
    Ok(())
}
