//! Merging a pool sheet into the pool (师资库导入): each row matched to the
//! instructor it names (by system id or office number) or made new, what
//! its sheet has no column for kept from the stored record, and every row
//! written in one transaction only if none is refused.

use std::collections::HashMap;

use utoipa::ToSchema;

use crate::error::AppError;
use crate::store::instructors::{self, ExpertiseInput, InstructorInput, InstructorRow, Profile};
use crate::store::webhooks::{self, EventType};
use crate::store::{write, Db};

/// A row of a spreadsheet import: the instructor it names by system id, if
/// it does, and the record it gives.
#[derive(Debug)]
pub struct ImportRow {
    pub id: Option<String>,
    pub input: InstructorInput,
}

/// What an import does with a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    Created,
    Updated,
    /// The row says what is stored already: nothing is written.
    Unchanged,
}

/// Why a row cannot be imported: its column (a field code) and the rule.
#[derive(Debug, Clone)]
pub struct RowRefusal {
    pub column: &'static str,
    pub rule: &'static str,
    pub detail: String,
}

/// A row's fate: its action and instructor (none for a row a dry run would
/// create), or why it cannot be imported.
pub type RowOutcome = Result<(ImportAction, Option<String>), RowRefusal>;

/// Imports `rows`: a row naming a system `id` updates that instructor, one
/// whose `external_id` is one of `office`'s own numbers updates its
/// instructor, any other creates one. An update keeps what the sheet has no column for (`given` lists the
/// columns it has, by field code); a row that says what is stored changes
/// nothing (no new version). Unless `dry_run`, every row is written in one
/// transaction, and only if no row is refused: all or none. Rows update
/// only instructors `office` keeps (or an office below it); new ones are
/// kept by `office`.
pub fn import(
    conn: &mut Db,
    office: &str,
    rows: &[ImportRow],
    given: &[&str],
    dry_run: bool,
) -> Result<Vec<RowOutcome>, AppError> {
    let outcomes = |planned: Vec<Planned>| {
        planned
            .into_iter()
            .map(|p| p.map(|(action, target, _)| (action, target.map(|(id, _)| id))))
            .collect()
    };
    if dry_run {
        return Ok(outcomes(plan_import(conn, office, rows, given)?));
    }
    for row in rows {
        AppError::check(row.input.errors())?;
    }
    write(conn, |conn| {
        let planned = plan_import(conn, office, rows, given)?;
        if planned.iter().any(Result::is_err) {
            return Ok(outcomes(planned));
        }
        let mut done = Vec::with_capacity(rows.len());
        let mut created = Vec::new();
        for (row, (action, target, merged)) in rows.iter().zip(planned.into_iter().flatten()) {
            let input = merged.as_ref().unwrap_or(&row.input);
            let id = match (action, target) {
                (ImportAction::Created, _) => {
                    let id = uuid::Uuid::new_v4().to_string();
                    created.push((id.clone(), &row.input));
                    id
                }
                (ImportAction::Updated, Some((id, version))) => {
                    instructors::overwrite(conn, &id, version, input)?;
                    id
                }
                (action, target) => {
                    let (id, _) = target.ok_or_else(|| {
                        AppError::Internal(anyhow::anyhow!("{action:?} without an instructor"))
                    })?;
                    id
                }
            };
            done.push(Ok((action, Some(id))));
        }
        instructors::insert_many(conn, office, &created)?;
        let count = |wanted: ImportAction| {
            done.iter()
                .filter(|d| matches!(d, Ok((action, _)) if *action == wanted))
                .count()
        };
        let data = serde_json::json!({
            "created": count(ImportAction::Created),
            "updated": count(ImportAction::Updated),
            "unchanged": count(ImportAction::Unchanged),
        });
        webhooks::emit(conn, office, EventType::PoolImported, data)?;
        Ok(done)
    })
}

/// A row's planned action, the instructor (id, version) it touches and,
/// for one it updates, the record to write: the row with what its sheet has
/// no column for kept from the stored record.
type Planned = Result<(ImportAction, Option<(String, i32)>, Option<InstructorInput>), RowRefusal>;

/// What importing `rows` would do, against the pool as it is.
fn plan_import(
    conn: &mut Db,
    office: &str,
    rows: &[ImportRow],
    given: &[&str],
) -> Result<Vec<Planned>, AppError> {
    let stored = instructors::kept_rows(conn, office)?;
    let by_id: HashMap<&str, &InstructorRow> = stored.iter().map(|r| (r.id.as_str(), r)).collect();
    // Numbers are the importing office's own (each office numbers its
    // instructors); ids reach the records of its whole subtree.
    let by_number: HashMap<&str, &InstructorRow> = stored
        .iter()
        .filter(|r| r.owner_office_id == office)
        .filter_map(|r| Some((r.external_id.as_deref()?, r)))
        .collect();
    let mut targets = Vec::with_capacity(rows.len());
    let mut numbers: HashMap<&str, usize> = HashMap::new();
    for (k, row) in rows.iter().enumerate() {
        let number = row.input.external_id.as_deref().map(str::trim);
        let target = match (&row.id, number) {
            (Some(id), _) => match by_id.get(id.as_str()) {
                Some(found) => Ok(Some(*found)),
                None => Err(RowRefusal {
                    column: "id",
                    rule: "known",
                    detail: format!("no instructor has the system id {id}"),
                }),
            },
            (None, Some(number)) => Ok(by_number.get(number).copied()),
            (None, None) => Ok(None),
        };
        let target = target.and_then(|target| {
            let Some(number) = number else {
                return Ok(target);
            };
            if let Some(first) = numbers.insert(number, k) {
                return Err(RowRefusal {
                    column: "external_id",
                    rule: "unique",
                    detail: format!(
                        "the number {number} is given twice (row {} of the data)",
                        first + 1
                    ),
                });
            }
            match by_number.get(number) {
                Some(other) if target.is_none_or(|t| t.id != other.id) => Err(RowRefusal {
                    column: "external_id",
                    rule: "unique",
                    detail: format!("{} has the number {number} already", other.name),
                }),
                _ => Ok(target),
            }
        });
        targets.push(target);
    }
    let touched: Vec<InstructorRow> = targets
        .iter()
        .filter_map(|t| t.as_ref().ok().copied().flatten().cloned())
        .collect();
    let mut current: HashMap<String, Profile> = HashMap::new();
    for chunk in touched.chunks(5_000) {
        for profile in instructors::profiles(conn, chunk.to_vec(), chrono::Utc::now().naive_utc())?
        {
            current.insert(profile.row.id.clone(), profile);
        }
    }
    Ok(rows
        .iter()
        .zip(targets)
        .map(|(row, target)| {
            Ok(match target? {
                None => (ImportAction::Created, None, None),
                Some(found) => {
                    let merged = current
                        .get(&found.id)
                        .map(|p| kept_where_not_given(&row.input, p, given));
                    let same = merged
                        .as_ref()
                        .zip(current.get(&found.id))
                        .is_some_and(|(m, p)| instructors::unchanged_by(p, m));
                    let action = if same {
                        ImportAction::Unchanged
                    } else {
                        ImportAction::Updated
                    };
                    (action, Some((found.id.clone(), found.version)), merged)
                }
            })
        })
        .collect())
}

/// `input` with every field whose column (field code) is not `given` taken
/// from `profile`.
fn kept_where_not_given(
    input: &InstructorInput,
    profile: &Profile,
    given: &[&str],
) -> InstructorInput {
    let row = &profile.row;
    let keep = |code: &str| !given.contains(&code);
    let mut merged = input.clone();
    if keep("external_id") {
        merged.external_id = row.external_id.clone();
    }
    if keep("organisation") {
        merged.organisation = row.organisation.clone();
    }
    if keep("title") {
        merged.title = row.title.clone();
    }
    if keep("tier") {
        merged.tier = row.tier;
    }
    if keep("expertise") {
        merged.expertise = profile
            .expertise
            .iter()
            .map(|e| ExpertiseInput {
                topic: e.topic.clone(),
                level: e.level,
            })
            .collect();
    }
    if keep("methods") {
        merged.methods = profile.methods.iter().map(|(m, _)| m.clone()).collect();
    }
    if keep("remote_ok") {
        merged.remote_ok = row.remote_ok;
    }
    if keep("max_travel_km") {
        merged.max_travel_km = row.max_travel_km;
    }
    if keep("phone") {
        merged.phone = row.phone.clone();
    }
    if keep("email") {
        merged.email = row.email.clone();
    }
    merged
}
