//! Evaluation forms (现场测评): a planner opens a session's form for a number
//! of trainees, each of whom gets a single-use code; a trainee's submission
//! spends the code and leaves a score for each of the session's confirmed
//! instructors on their teaching record of it (so the rating of SPEC 4 uses
//! it at once), and an anonymous response with the optional aspects and
//! comment. Nothing stored links a response or a score to its code.

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime};
use diesel::prelude::*;
use rand::Rng;
use serde::Deserialize;
use solver::FieldError;
use utoipa::ToSchema;

use super::plans::{ClassRow, SessionRow};
use super::schema::{
    assignments, classes, evaluation_codes, evaluation_forms, evaluation_responses, instructors,
    sessions,
};
use super::{teaching, write, Db};
use crate::error::AppError;
use crate::vocabulary::AssignmentState;

/// Most trainees (codes) one session's form may have.
pub const MAX_TRAINEES: i32 = 500;
/// Longest comment a trainee may leave, in characters.
pub const MAX_COMMENT: usize = 500;
/// A form opens by default this long before its session ends…
const OPENS_BEFORE_END: Duration = Duration::minutes(15);
/// …and closes this long after.
const CLOSES_AFTER_END: Duration = Duration::days(7);
/// Letters and digits that cannot be mistaken for one another (no 0/O,
/// 1/I/L) when a trainee types a code from the sheet.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// 31¹⁰ ≈ 8 × 10¹⁴ codes: guessing one is hopeless.
const CODE_LENGTH: usize = 10;

/// Opening (or changing) a session's evaluation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormInput {
    /// Trainees to issue codes for, 1–500. A change may add codes, never
    /// take printed ones back.
    #[schema(minimum = 1, maximum = 500)]
    pub trainees: i32,
    /// When the form opens (RFC 3339); by default 15 minutes before the
    /// session ends. Not before the session starts.
    #[serde(default, deserialize_with = "solver::time_range::optional_time")]
    pub opens_at: Option<DateTime<FixedOffset>>,
    /// When it closes; by default 7 days after the session ends.
    #[serde(default, deserialize_with = "solver::time_range::optional_time")]
    pub closes_at: Option<DateTime<FixedOffset>>,
}

/// Opening the evaluation of every session of a class.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassFormInput {
    /// Trainees of the class, 1–500: codes for each session.
    #[schema(minimum = 1, maximum = 500)]
    pub trainees: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evaluation_forms)]
pub struct FormRow {
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// A form with its session, class and counts.
#[derive(Debug, Clone)]
pub struct Form {
    pub row: FormRow,
    pub session: SessionRow,
    pub class: ClassRow,
    /// Codes issued.
    pub trainees: i64,
    /// Codes spent, that is responses received.
    pub responses: i64,
}

/// Where a form stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    NotYetOpen,
    Open,
    Closed,
}

impl FormRow {
    /// Open from `opens_at` up to, not including, `closes_at`.
    pub fn window(&self, now: NaiveDateTime) -> Window {
        if now < self.opens_at {
            Window::NotYetOpen
        } else if now < self.closes_at {
            Window::Open
        } else {
            Window::Closed
        }
    }
}

/// Opens the evaluation of a session that has a confirmed instructor.
pub fn open(
    conn: &mut Db,
    session_id: &str,
    by: &str,
    input: &FormInput,
) -> Result<Form, AppError> {
    write(conn, |conn| {
        let (session, _) = session_and_class(conn, session_id)?;
        open_for(conn, &session, by, input)?.ok_or_else(|| no_instructor(&session))
    })
}

/// Opens `session`'s evaluation, or gives `None` when it has no confirmed
/// instructor to evaluate.
fn open_for(
    conn: &mut Db,
    session: &SessionRow,
    by: &str,
    input: &FormInput,
) -> Result<Option<Form>, AppError> {
    if confirmed_instructors(conn, &session.id)?.is_empty() {
        return Ok(None);
    }
    let (opens_at, closes_at) = checked_window(session, input)?;
    let created = diesel::insert_into(evaluation_forms::table)
        .values((
            evaluation_forms::session_id.eq(&session.id),
            evaluation_forms::opens_at.eq(opens_at),
            evaluation_forms::closes_at.eq(closes_at),
            evaluation_forms::created_by.eq(by),
            evaluation_forms::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(conn);
    created.map_err(|e| {
        super::conflict_if_duplicate(
            e,
            format!(
                "the evaluation of session {} is open already; change it with PUT",
                session.id
            ),
        )
    })?;
    issue_codes(conn, &session.id, 0, input.trainees)?;
    Ok(Some(get(conn, &session.id)?))
}

/// What opening a class's evaluation did: the forms opened, and the
/// sessions passed over with the reason (`already_open`,
/// `no_confirmed_instructor`).
#[derive(Debug, Clone)]
pub struct ClassOpening {
    pub opened: Vec<Form>,
    pub skipped: Vec<(SessionRow, &'static str)>,
}

/// Opens the evaluation of every session of a class that has a confirmed
/// instructor and no form yet, with the default window; the other sessions
/// come back with the reason they were passed over.
pub fn open_class(
    conn: &mut Db,
    class_id: &str,
    by: &str,
    input: &ClassFormInput,
) -> Result<ClassOpening, AppError> {
    check_trainees(input.trainees, 0)?;
    write(conn, |conn| {
        let found = classes::table
            .find(class_id)
            .count()
            .get_result::<i64>(conn)?;
        if found == 0 {
            return Err(AppError::NotFound(format!("no class {class_id}")));
        }
        let rows: Vec<SessionRow> = sessions::table
            .filter(sessions::class_id.eq(class_id))
            .order((sessions::start_at, sessions::id))
            .select(SessionRow::as_select())
            .load(conn)?;
        let (mut opened, mut skipped) = (Vec::new(), Vec::new());
        for session in rows {
            let has_form = evaluation_forms::table
                .find(&session.id)
                .count()
                .get_result::<i64>(conn)?
                > 0;
            if has_form {
                skipped.push((session, "already_open"));
                continue;
            }
            let each = FormInput {
                trainees: input.trainees,
                opens_at: None,
                closes_at: None,
            };
            match open_for(conn, &session, by, &each)? {
                Some(form) => opened.push(form),
                None => skipped.push((session, "no_confirmed_instructor")),
            }
        }
        Ok(ClassOpening { opened, skipped })
    })
}

/// Changes a form's window and adds codes up to `trainees`.
pub fn update(conn: &mut Db, session_id: &str, input: &FormInput) -> Result<Form, AppError> {
    write(conn, |conn| {
        let form = get(conn, session_id)?;
        check_trainees(input.trainees, form.trainees)?;
        let (opens_at, closes_at) = checked_window(&form.session, input)?;
        diesel::update(evaluation_forms::table.find(session_id))
            .set((
                evaluation_forms::opens_at.eq(opens_at),
                evaluation_forms::closes_at.eq(closes_at),
            ))
            .execute(conn)?;
        issue_codes(conn, session_id, form.trainees, input.trainees)?;
        get(conn, session_id)
    })
}

/// A session's form (404 if the session or its form does not exist).
pub fn get(conn: &mut Db, session_id: &str) -> Result<Form, AppError> {
    let (row, session, class) = uncounted(conn, session_id)?;
    Ok(Form::counted(conn, row, session, class)?)
}

/// A session's form with its session and class, without the counts.
fn uncounted(conn: &mut Db, session_id: &str) -> Result<(FormRow, SessionRow, ClassRow), AppError> {
    let (session, class) = session_and_class(conn, session_id)?;
    let row = evaluation_forms::table
        .find(session_id)
        .select(FormRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "the evaluation of session {session_id} is not open"
            ))
        })?;
    Ok((row, session, class))
}

/// The forms of a plan's sessions, in session time order.
pub fn of_plan(conn: &mut Db, plan_id: &str) -> Result<Vec<Form>, AppError> {
    super::plans::plan(conn, plan_id)?;
    let rows: Vec<(FormRow, SessionRow, ClassRow)> = evaluation_forms::table
        .inner_join(sessions::table.inner_join(classes::table))
        .filter(classes::plan_id.eq(plan_id))
        .order((sessions::start_at, sessions::id))
        .select((
            FormRow::as_select(),
            SessionRow::as_select(),
            ClassRow::as_select(),
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(row, session, class)| Ok(Form::counted(conn, row, session, class)?))
        .collect()
}

/// A form and its codes with their numbers on the sheet. Whether a code is
/// spent is not given out: a planner who handed code 7 to a trainee could
/// otherwise tell which response was theirs.
pub fn codes(conn: &mut Db, session_id: &str) -> Result<(Form, Vec<(i32, String)>), AppError> {
    let form = get(conn, session_id)?;
    let codes = evaluation_codes::table
        .filter(evaluation_codes::session_id.eq(session_id))
        .order(evaluation_codes::seq)
        .select((evaluation_codes::seq, evaluation_codes::code))
        .load(conn)?;
    Ok((form, codes))
}

/// What a trainee's code opens.
#[derive(Debug, Clone)]
pub enum Ballot {
    /// No such code.
    Unknown,
    /// The code was used.
    Spent,
    /// The form of a valid code.
    Form(Box<BallotForm>),
}

/// A valid code's form, with the session's confirmed instructors (id and
/// name) to score.
#[derive(Debug, Clone)]
pub struct BallotForm {
    pub form: FormRow,
    pub session: SessionRow,
    pub class: ClassRow,
    pub instructors: Vec<(String, String)>,
}

/// The ballot behind `code` (read only).
pub fn ballot(conn: &mut Db, code: &str) -> Result<Ballot, AppError> {
    let found = evaluation_codes::table
        .find(code)
        .select((evaluation_codes::session_id, evaluation_codes::spent))
        .first::<(String, bool)>(conn)
        .optional()?;
    let Some((session_id, spent)) = found else {
        return Ok(Ballot::Unknown);
    };
    if spent {
        return Ok(Ballot::Spent);
    }
    // A trainee's page needs no counts of codes.
    let (form, session, class) = uncounted(conn, &session_id)?;
    let instructors = confirmed_instructors(conn, &session_id)?;
    Ok(Ballot::Form(Box::new(BallotForm {
        form,
        session,
        class,
        instructors,
    })))
}

/// A trainee's answers.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    /// A score 1–5 for each instructor id.
    pub scores: Vec<(String, i32)>,
    pub content: Option<i32>,
    pub method: Option<i32>,
    pub usefulness: Option<i32>,
    pub comment: Option<String>,
}

/// What became of a submission.
#[derive(Debug, Clone)]
pub enum Submitted {
    /// Counted; the code is spent.
    Counted,
    /// Not counted, and the code is unspent: the ballot as it is now (an
    /// unknown or spent code, a closed form, or answers that break these
    /// rules).
    Refused(Ballot, Vec<FieldError>),
}

/// Spends `code` and stores `answers` in one transaction, if the code is
/// unspent, its form open at `now`, and every confirmed instructor of the
/// session (and no one else) has a score 1–5. Of concurrent submissions of
/// one code exactly one counts.
pub fn submit(
    conn: &mut Db,
    code: &str,
    answers: &Answers,
    now: NaiveDateTime,
) -> Result<Submitted, AppError> {
    // A refusal is decided by a plain read, so answers sent again and again
    // on a spent code or a closed form never take the write lock (on
    // SQLite, every other writer's); an acceptance is decided again under it.
    if let Err(refused) = check(conn, code, answers, now)? {
        return Ok(refused);
    }
    write(conn, |conn| {
        let open = match check(conn, code, answers, now)? {
            Ok(open) => open,
            Err(refused) => return Ok(refused),
        };
        let BallotForm { session, .. } = open.as_ref();
        // The row lock (PostgreSQL) or the write lock (SQLite) makes this
        // the one place a code is spent, once.
        let spent = diesel::update(
            evaluation_codes::table
                .find(code)
                .filter(evaluation_codes::spent.eq(false)),
        )
        .set(evaluation_codes::spent.eq(true))
        .execute(conn)?;
        if spent == 0 {
            return Ok(Submitted::Refused(Ballot::Spent, Vec::new()));
        }
        // The day only: a time to the second would pair an answer with the
        // moment a trainee was seen handing in.
        let at = crate::china_time::start_of_day(now);
        diesel::insert_into(evaluation_responses::table)
            .values((
                evaluation_responses::id.eq(uuid::Uuid::new_v4().to_string()),
                evaluation_responses::session_id.eq(&session.id),
                evaluation_responses::submitted_at.eq(at),
                evaluation_responses::content.eq(answers.content),
                evaluation_responses::method.eq(answers.method),
                evaluation_responses::usefulness.eq(answers.usefulness),
                evaluation_responses::comment.eq(answers.comment.as_deref()),
            ))
            .execute(conn)?;
        for (instructor, score) in &answers.scores {
            let (record, _) = teaching::session_record(
                conn,
                instructor,
                &session.id,
                &session.title,
                session.start_at,
                at,
            )?;
            teaching::insert_scores(conn, &record, &[*score], at)?;
            teaching::reshuffle(conn, &record)?;
        }
        reshuffle_responses(conn, &session.id)?;
        // Which session, never who or what: the answers stay anonymous.
        let data = serde_json::json!({ "session": session.id, "class": session.class_id });
        let office = super::reach::office_of(conn, super::reach::Kind::Session, &session.id)?;
        super::webhooks::emit(
            conn,
            &office,
            super::webhooks::EventType::EvaluationSubmitted,
            data,
        )?;
        Ok(Submitted::Counted)
    })
}

/// Writes a session's responses again, in a random order with new random
/// ids (inside the submission's transaction), so that nothing stored
/// follows the order they came in: not the rows' physical order, not their
/// ids, and on PostgreSQL not the transaction that wrote each (every
/// response of the session now has the latest one's, which also spent the
/// latest code; the codes spent before have their own, which no response
/// keeps).
fn reshuffle_responses(conn: &mut Db, session: &str) -> QueryResult<()> {
    use rand::seq::SliceRandom;
    type Row = (
        NaiveDateTime,
        Option<i32>,
        Option<i32>,
        Option<i32>,
        Option<String>,
    );
    let of_session =
        evaluation_responses::table.filter(evaluation_responses::session_id.eq(session));
    let mut rows: Vec<Row> = of_session
        .select((
            evaluation_responses::submitted_at,
            evaluation_responses::content,
            evaluation_responses::method,
            evaluation_responses::usefulness,
            evaluation_responses::comment,
        ))
        .load(conn)?;
    rows.shuffle(&mut rand::rng());
    diesel::delete(of_session).execute(conn)?;
    for (at, content, method, usefulness, comment) in rows {
        diesel::insert_into(evaluation_responses::table)
            .values((
                evaluation_responses::id.eq(uuid::Uuid::new_v4().to_string()),
                evaluation_responses::session_id.eq(session),
                evaluation_responses::submitted_at.eq(at),
                evaluation_responses::content.eq(content),
                evaluation_responses::method.eq(method),
                evaluation_responses::usefulness.eq(usefulness),
                evaluation_responses::comment.eq(comment),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether `answers` may spend `code` at `now`: the code's form, or the
/// refusal.
fn check(
    conn: &mut Db,
    code: &str,
    answers: &Answers,
    now: NaiveDateTime,
) -> Result<Result<Box<BallotForm>, Submitted>, AppError> {
    let open = match ballot(conn, code)? {
        Ballot::Form(open) => open,
        other => return Ok(Err(Submitted::Refused(other, Vec::new()))),
    };
    if open.form.window(now) != Window::Open {
        return Ok(Err(Submitted::Refused(Ballot::Form(open), Vec::new())));
    }
    let errors = answer_errors(answers, &open.instructors);
    if errors.is_empty() {
        Ok(Ok(open))
    } else {
        Ok(Err(Submitted::Refused(Ballot::Form(open), errors)))
    }
}

/// The rules a trainee's answers break: one score 1–5 per instructor, the
/// aspects 1–5 when given, a comment of plain text up to [`MAX_COMMENT`].
fn answer_errors(answers: &Answers, instructors: &[(String, String)]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (id, _) in instructors {
        match answers.scores.iter().find(|(i, _)| i == id) {
            None => errors.push(FieldError::new(
                format!("score.{id}"),
                "required",
                "score every instructor",
            )),
            Some((_, s)) if !(1..=5).contains(s) => errors.push(FieldError::new(
                format!("score.{id}"),
                "score_range",
                "a score from 1 to 5",
            )),
            Some(_) => {}
        }
    }
    for (k, (id, _)) in answers.scores.iter().enumerate() {
        let known = instructors.iter().any(|(i, _)| i == id);
        let repeated = answers.scores[..k].iter().any(|(i, _)| i == id);
        if !known || repeated {
            errors.push(FieldError::new(
                format!("score.{id}"),
                "instructor",
                "scores are for the session's instructors, once each",
            ));
        }
    }
    for (field, value) in [
        ("content", answers.content),
        ("method", answers.method),
        ("usefulness", answers.usefulness),
    ] {
        if value.is_some_and(|v| !(1..=5).contains(&v)) {
            errors.push(FieldError::new(field, "score_range", "a score from 1 to 5"));
        }
    }
    if let Some(comment) = &answers.comment {
        if comment.chars().count() > MAX_COMMENT {
            errors.push(FieldError::new(
                "comment",
                "max_length",
                format!("at most {MAX_COMMENT} characters"),
            ));
        }
        if comment
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            errors.push(FieldError::new(
                "comment",
                "control_characters",
                "plain text only",
            ));
        }
    }
    errors
}

fn session_and_class(conn: &mut Db, session_id: &str) -> Result<(SessionRow, ClassRow), AppError> {
    sessions::table
        .inner_join(classes::table)
        .filter(sessions::id.eq(session_id))
        .select((SessionRow::as_select(), ClassRow::as_select()))
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("no session {session_id}")))
}

/// The session's confirmed instructors, id and name, by name.
pub fn confirmed_instructors(
    conn: &mut Db,
    session_id: &str,
) -> QueryResult<Vec<(String, String)>> {
    assignments::table
        .inner_join(instructors::table)
        .filter(assignments::session_id.eq(session_id))
        .filter(assignments::state.eq(AssignmentState::Confirmed))
        .order((instructors::name, instructors::id))
        .select((instructors::id, instructors::name))
        .load(conn)
}

fn no_instructor(session: &SessionRow) -> AppError {
    AppError::Conflict {
        kind: "/problems/no-confirmed-instructor",
        detail: format!(
            "session {} has no confirmed instructor to evaluate",
            session.id
        ),
    }
}

fn check_trainees(trainees: i32, issued: i64) -> Result<(), AppError> {
    if !(1..=MAX_TRAINEES).contains(&trainees) {
        return Err(AppError::field(
            "trainees",
            "range",
            format!("from 1 to {MAX_TRAINEES}"),
        ));
    }
    if i64::from(trainees) < issued {
        return Err(AppError::field(
            "trainees",
            "not_fewer",
            format!("{issued} codes are issued already; printed codes cannot be taken back"),
        ));
    }
    Ok(())
}

/// The window `input` asks for, defaults filled in, checked against the
/// session.
fn checked_window(
    session: &SessionRow,
    input: &FormInput,
) -> Result<(NaiveDateTime, NaiveDateTime), AppError> {
    check_trainees(input.trainees, 0)?;
    let opens_at = input.opens_at.map_or(
        (session.end_at - OPENS_BEFORE_END).max(session.start_at),
        |t| t.naive_utc(),
    );
    let closes_at = input
        .closes_at
        .map_or(session.end_at + CLOSES_AFTER_END, |t| t.naive_utc());
    let mut errors = Vec::new();
    if opens_at < session.start_at {
        errors.push(FieldError::new(
            "opens_at",
            "after_start",
            "a session is evaluated once it has started",
        ));
    }
    if closes_at <= opens_at {
        errors.push(FieldError::new(
            "closes_at",
            "after_opens",
            "the form closes after it opens",
        ));
    }
    AppError::check(errors)?;
    Ok((opens_at, closes_at))
}

/// Adds codes numbered `issued + 1 ..= trainees`.
fn issue_codes(conn: &mut Db, session_id: &str, issued: i64, trainees: i32) -> QueryResult<()> {
    let mut rng = rand::rng();
    for seq in (issued as i32 + 1)..=trainees {
        let code: String = (0..CODE_LENGTH)
            .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
            .collect();
        diesel::insert_into(evaluation_codes::table)
            .values((
                evaluation_codes::code.eq(code),
                evaluation_codes::session_id.eq(session_id),
                evaluation_codes::seq.eq(seq),
                evaluation_codes::spent.eq(false),
            ))
            .execute(conn)?;
    }
    Ok(())
}

impl Form {
    /// A form of `session` with its codes issued and spent counted.
    fn counted(
        conn: &mut Db,
        row: FormRow,
        session: SessionRow,
        class: ClassRow,
    ) -> QueryResult<Self> {
        let codes = || evaluation_codes::table.filter(evaluation_codes::session_id.eq(&session.id));
        let trainees = codes().count().get_result(conn)?;
        let responses = codes()
            .filter(evaluation_codes::spent.eq(true))
            .count()
            .get_result(conn)?;
        Ok(Self {
            row,
            session,
            class,
            trainees,
            responses,
        })
    }
}

/// Whether `code` has the form of an evaluation code (before any lookup).
pub fn is_code_shaped(code: &str) -> bool {
    code.len() == CODE_LENGTH && code.bytes().all(|b| CODE_ALPHABET.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_checked_against_the_instructors() {
        let instructors = vec![
            ("a".to_owned(), "甲".to_owned()),
            ("b".to_owned(), "乙".to_owned()),
        ];
        let answers = Answers {
            scores: vec![("a".to_owned(), 6), ("x".to_owned(), 3)],
            comment: Some("好\u{7}".to_owned()),
            ..Answers::default()
        };
        let rules: Vec<_> = answer_errors(&answers, &instructors)
            .into_iter()
            .map(|e| (e.field, e.rule))
            .collect();
        assert_eq!(
            rules,
            [
                ("score.a".to_owned(), "score_range".to_owned()),
                ("score.b".to_owned(), "required".to_owned()),
                ("score.x".to_owned(), "instructor".to_owned()),
                ("comment".to_owned(), "control_characters".to_owned()),
            ]
        );
    }

    #[test]
    fn a_window_is_half_open() {
        let at = |m: i64| {
            chrono::DateTime::from_timestamp(1_800_000_000 + m * 60, 0)
                .map(|t| t.naive_utc())
                .unwrap_or_default()
        };
        let form = FormRow {
            opens_at: at(0),
            closes_at: at(10),
            created_by: "p".to_owned(),
            created_at: at(0),
        };
        let just_before = at(0) - Duration::seconds(1);
        assert_eq!(form.window(just_before), Window::NotYetOpen);
        assert_eq!(form.window(at(0)), Window::Open);
        assert_eq!(form.window(at(10) - Duration::seconds(1)), Window::Open);
        assert_eq!(form.window(at(10)), Window::Closed);
    }

    #[test]
    fn codes_avoid_look_alike_characters() {
        for c in [b'0', b'O', b'1', b'I', b'L'] {
            assert!(!CODE_ALPHABET.contains(&c));
        }
        assert!(is_code_shaped("ABCDEFGH23"));
        assert!(!is_code_shaped("ABCDEFGH2O"));
    }
}
