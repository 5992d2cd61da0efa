//! The per-class limit as the plan's last run set it (SPEC 5.3
//! `max_sessions_per_class`), held against one more session of a class:
//! recommendations and assigning by hand warn of it and do not refuse, for
//! the planner may have run without the limit since or mean to break it.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::problem::RunRequest;
use crate::error::AppError;
use crate::store::plans::Sessions;
use crate::store::{assignments, plans, runs, Db};
use crate::vocabulary::AssignmentState;

/// Something a planner should know before putting an instructor in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Warning {
    /// `max_sessions_per_class`.
    pub rule: String,
    pub detail: String,
}

/// How many sessions of one class each instructor holds, against the limit.
pub struct ClassLoad {
    limit: i64,
    held: HashMap<String, i64>,
}

impl ClassLoad {
    /// The limit of the last run of `class`'s plan and the sessions of the
    /// class each instructor holds (proposed, locked or confirmed; `except`
    /// left out); `None` when that run set no limit.
    pub fn read(
        conn: &mut Db,
        class: &plans::ClassRow,
        except: &str,
    ) -> Result<Option<Self>, AppError> {
        let Some(request) = runs::latest_request(conn, &class.plan_id)? else {
            return Ok(None);
        };
        let request: RunRequest =
            serde_json::from_str(&request).map_err(|e| AppError::Internal(e.into()))?;
        let Some(limit) = request
            .options
            .get("max_sessions_per_class")
            .and_then(serde_json::Value::as_i64)
        else {
            return Ok(None);
        };
        let sessions = plans::session_ids(conn, &class.id)?;
        let others: Vec<&str> = sessions
            .iter()
            .map(String::as_str)
            .filter(|&s| s != except)
            .collect();
        let mut held = HashMap::new();
        for holding in assignments::holdings(conn, Sessions::Ids(&others))? {
            if holding.state != AssignmentState::Declined {
                *held.entry(holding.instructor_id).or_default() += 1;
            }
        }
        Ok(Some(Self { limit, held }))
    }

    /// The warning for `instructor` taking one more session of the class,
    /// when that breaks the limit.
    pub fn warning(&self, instructor: &str) -> Option<Warning> {
        let held = self.held.get(instructor).copied().unwrap_or(0);
        (held >= self.limit).then(|| Warning {
            rule: "max_sessions_per_class".to_owned(),
            detail: format!(
                "already holds {held} sessions of this class; the plan's last run allowed {}",
                self.limit
            ),
        })
    }
}

/// The warnings of `instructor` taking a session of `class` other than
/// `except`.
pub fn warnings(
    conn: &mut Db,
    class: &plans::ClassRow,
    except: &str,
    instructor: &str,
) -> Result<Vec<Warning>, AppError> {
    Ok(ClassLoad::read(conn, class, except)?
        .and_then(|load| load.warning(instructor))
        .into_iter()
        .collect())
}
