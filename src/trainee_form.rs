//! The trainees' evaluation form (现场测评): public pages, no account, no
//! script, made for a phone. `/e/{code}` shows the session and a 1–5 score
//! for each of its confirmed instructors, with optional scores for content,
//! method and usefulness and a comment; posting it spends the code. `/e`
//! takes a code typed by hand. A used, unknown, early or expired code gets a
//! page that says so. Unknown codes count as failed attempts of the client
//! address (the sign-in throttle, shared by replicas through the database).

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};
use chrono::{NaiveDateTime, Utc};
use maud::{html, Markup, DOCTYPE};
use solver::FieldError;

use crate::auth::throttle;
use crate::china_time;
use crate::error::AppError;
use crate::store::evaluation_forms::{self, Answers, Ballot, BallotForm, Submitted, Window};
use crate::store::{self, DbPool};

/// Largest form body accepted: five instructors' scores and a 500-character
/// comment fit many times over.
const FORM_LIMIT: usize = 16 * 1024;
/// The throttle's name for guesses at codes (no username can contain `#`).
const GUESSES: &str = "#evaluation-code";
/// Only this origin's style sheet; forms post back here only.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const STYLE: &str = include_str!("../console/trainee.css");
/// The optional aspects, as stored and as shown.
const ASPECTS: [(&str, &str); 3] = [
    ("content", "教学内容"),
    ("method", "教学方法"),
    ("usefulness", "对工作的帮助"),
];
const SCORE_WORDS: [&str; 5] = ["很差", "较差", "一般", "较好", "很好"];

/// The form's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/trainee.css", web::get().to(style)).service(
        web::scope("/e")
            .app_data(web::PayloadConfig::new(FORM_LIMIT))
            .route("", web::get().to(enter_code))
            .route("/{code}", web::get().to(show))
            .route("/{code}", web::post().to(submit)),
    );
}

async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(CacheControl(vec![CacheDirective::NoCache]))
        .body(STYLE)
}

#[derive(serde::Deserialize)]
struct Typed {
    code: Option<String>,
}

/// A code typed by hand: `/e?code=abcde-fghjk` goes to its form.
async fn enter_code(typed: web::Query<Typed>) -> HttpResponse {
    match typed.code.as_deref().map(normalise) {
        Some(code) if !code.is_empty() => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/e/{code}")))
            .finish(),
        _ => page(
            StatusCode::OK,
            "输入测评码",
            html! {
                h1 { "现场测评" }
                p { "请输入测评卡上的 10 位测评码（不区分大小写）。" }
                form method="get" action="/e" class="code" {
                    input name="code" autocomplete="off" autocapitalize="characters"
                        maxlength="20" required aria-label="测评码";
                    button type="submit" { "打开评价表" }
                }
            },
        ),
    }
}

/// Upper case, without the spaces and dashes of the printed grouping.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase()
}

fn client(req: &HttpRequest) -> String {
    req.peer_addr()
        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
}

/// The form of a code, or the page that says why there is none.
async fn show(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = normalise(&code);
    let client = client(&req);
    let ballot = store::run(&pool, move |conn| {
        throttle::check(conn, GUESSES, &client)?;
        lookup(conn, &code, &client)
    })
    .await;
    Ok(match ballot {
        Ok(ballot) => ballot_page(&ballot, &Answers::default(), &[], Utc::now().naive_utc()),
        Err(e) => refusal(e)?,
    })
}

/// The ballot of a code, counting an unknown one as a guess.
fn lookup(conn: &mut store::Db, code: &str, client: &str) -> Result<Ballot, AppError> {
    let ballot = if evaluation_forms::is_code_shaped(code) {
        evaluation_forms::ballot(conn, code)?
    } else {
        Ballot::Unknown
    };
    if matches!(ballot, Ballot::Unknown) {
        throttle::failed(conn, GUESSES, client)?;
    }
    Ok(ballot)
}

/// Spends the code on the answers given, or shows the form again with what
/// is wrong (the code stays unspent).
async fn submit(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    code: web::Path<String>,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    let Ok(body) = body else {
        return Ok(notice(
            StatusCode::PAYLOAD_TOO_LARGE,
            "内容过长",
            "提交的内容超出了限制，请缩短意见后重试。",
        ));
    };
    let form_encoded = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_encoded {
        return Ok(notice(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "无法识别的提交",
            "请在评价页面上填写并提交。",
        ));
    }
    let Ok(fields) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return Ok(notice(
            StatusCode::BAD_REQUEST,
            "无法识别的提交",
            "请在评价页面上填写并提交。",
        ));
    };
    let answers = answers(&fields);
    let code = normalise(&code);
    let client = client(&req);
    let now = Utc::now().naive_utc();
    let outcome = store::run(&pool, move |conn| {
        throttle::check(conn, GUESSES, &client)?;
        if !evaluation_forms::is_code_shaped(&code) {
            return lookup(conn, &code, &client)
                .map(|b| (Submitted::Refused(b, Vec::new()), answers));
        }
        let outcome = evaluation_forms::submit(conn, &code, &answers, now)?;
        match &outcome {
            Submitted::Counted => throttle::succeeded(conn, GUESSES, &client)?,
            Submitted::Refused(Ballot::Unknown, _) => throttle::failed(conn, GUESSES, &client)?,
            Submitted::Refused(..) => {}
        }
        Ok((outcome, answers))
    })
    .await;
    Ok(match outcome {
        Ok((Submitted::Counted, _)) => notice(
            StatusCode::OK,
            "感谢您的评价！",
            "您的评价已匿名提交，将用于跟踪评价授课质量。",
        ),
        Ok((Submitted::Refused(ballot, errors), answers)) => {
            ballot_page(&ballot, &answers, &errors, now)
        }
        Err(e) => refusal(e)?,
    })
}

/// The answers in a posted form: `score.{instructor}`, the aspects and the
/// comment. A value that is not a number is kept as 0, which the rules refuse.
fn answers(fields: &[(String, String)]) -> Answers {
    let number = |v: &str| v.trim().parse::<i32>().unwrap_or(0);
    let aspect = |name: &str| {
        fields
            .iter()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| number(v))
    };
    let comment = fields
        .iter()
        .find(|(k, _)| k == "comment")
        .map(|(_, v)| v.trim().replace("\r\n", "\n"))
        .filter(|v| !v.is_empty());
    Answers {
        scores: fields
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("score.")?.to_owned(), number(v))))
            .collect(),
        content: aspect("content"),
        method: aspect("method"),
        usefulness: aspect("usefulness"),
        comment,
    }
}

/// Too many guesses is a page too; anything else stays an error.
fn refusal(e: AppError) -> Result<HttpResponse, AppError> {
    match e {
        AppError::TooManyAttempts { retry_after_s } => {
            let mut response = notice(
                StatusCode::TOO_MANY_REQUESTS,
                "尝试次数过多",
                &format!("无效的测评码输入过多，请 {retry_after_s} 秒后再试。"),
            );
            if let Ok(value) = header::HeaderValue::from_str(&retry_after_s.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Ok(response)
        }
        e => Err(e),
    }
}

/// The page for a ballot: the form when it is open, else why not.
fn ballot_page(
    ballot: &Ballot,
    answers: &Answers,
    errors: &[FieldError],
    now: NaiveDateTime,
) -> HttpResponse {
    let Ballot::Form(open) = ballot else {
        return match ballot {
            Ballot::Spent => notice(
                StatusCode::GONE,
                "此测评码已使用",
                "每个测评码只能提交一次。感谢您的参与！",
            ),
            _ => page(
                StatusCode::NOT_FOUND,
                "测评码无效",
                html! {
                    h1 { "测评码无效" }
                    p { "没有找到这个测评码，请核对测评卡上的 10 位测评码后重新输入。" }
                    p { a href="/e" { "重新输入测评码" } }
                },
            ),
        };
    };
    let BallotForm {
        form,
        session,
        class,
        instructors,
    } = open.as_ref();
    let shut = match form.window(now) {
        Window::NotYetOpen => Some((
            StatusCode::FORBIDDEN,
            "评价尚未开始",
            format!(
                "本课程的评价将于 {} 开放，请届时再扫码。",
                minute(form.opens_at)
            ),
        )),
        Window::Closed => Some((
            StatusCode::GONE,
            "评价已结束",
            format!("本课程的评价已于 {} 截止。", minute(form.closes_at)),
        )),
        Window::Open => None,
    };
    if let Some((status, title, text)) = shut {
        return notice(status, title, &text);
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let chosen = |field: &str| -> Option<i32> {
        match field.strip_prefix("score.") {
            Some(id) => answers
                .scores
                .iter()
                .find(|(i, _)| i == id)
                .map(|(_, s)| *s),
            None => match field {
                "content" => answers.content,
                "method" => answers.method,
                _ => answers.usefulness,
            },
        }
    };
    let scale = |field: &str, required: bool| {
        html! {
            div class="scale" {
                @for (k, word) in SCORE_WORDS.iter().enumerate() {
                    @let value = k as i32 + 1;
                    label {
                        input type="radio" name=(field) value=(value) required[required]
                            checked[chosen(field) == Some(value)];
                        span { b { (value) } small { (word) } }
                    }
                }
            }
        }
    };
    page(
        status,
        "课程评价",
        html! {
            h1 { "课程评价" }
            p class="session" {
                strong { (session.title) } br;
                (class.name) " · " (minute(session.start_at)) "–" (china_time::format(session.end_at, "%H:%M"))
            }
            @if !errors.is_empty() {
                div class="errors" role="alert" {
                    p { "请修改后再提交：" }
                    ul { @for e in errors { li { (error_text(e, instructors)) } } }
                }
            }
            form method="post" {
                @for (id, name) in instructors {
                    fieldset class="instructor" {
                        legend { "授课人员 " strong { (name) } }
                        (scale(&format!("score.{id}"), true))
                    }
                }
                details open[answers.content.is_some() || answers.method.is_some() || answers.usefulness.is_some()] {
                    summary { "更多评分（选填）" }
                    @for (field, label) in ASPECTS {
                        fieldset { legend { (label) } (scale(field, false)) }
                    }
                }
                label class="comment" {
                    "意见和建议（选填，不超过 500 字）"
                    textarea name="comment" maxlength="500" rows="4" {
                        (answers.comment.as_deref().unwrap_or_default())
                    }
                }
                button type="submit" { "提交评价" }
                p class="hint" { "匿名评价：评分不会与测评码或您的身份关联。每个测评码只能提交一次。" }
            }
        },
    )
}

/// What a broken rule means to a trainee.
fn error_text(e: &FieldError, instructors: &[(String, String)]) -> String {
    let name = e
        .field
        .strip_prefix("score.")
        .and_then(|id| instructors.iter().find(|(i, _)| i == id))
        .map(|(_, n)| n.as_str());
    match (e.rule.as_str(), name) {
        ("required", Some(name)) => format!("请为{name}打分"),
        ("instructor", _) => "评价表已更新，请重新为本课程的授课人员打分".to_owned(),
        ("score_range", _) => "评分应为 1 到 5 分".to_owned(),
        ("max_length", _) => format!("意见和建议不超过 {} 字", evaluation_forms::MAX_COMMENT),
        ("control_characters", _) => "意见和建议只能包含普通文字".to_owned(),
        _ => e.detail.clone(),
    }
}

/// A page with a heading and one paragraph.
fn notice(status: StatusCode, title: &str, text: &str) -> HttpResponse {
    page(status, title, html! { h1 { (title) } p { (text) } })
}

/// A whole page in Chinese, with this module's security headers.
fn page(status: StatusCode, title: &str, body: Markup) -> HttpResponse {
    let markup = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · 现场测评" }
                link rel="stylesheet" href="/trainee.css";
            }
            body { main { (body) } }
        }
    };
    headers(HttpResponse::build(status))
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}

fn headers(mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
    builder
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header(CacheControl(vec![CacheDirective::NoStore]));
    builder
}

/// A stored time in China, to the minute.
fn minute(utc: NaiveDateTime) -> String {
    china_time::format(utc, "%Y-%m-%d %H:%M")
}
