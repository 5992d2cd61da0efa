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
use crate::http::query::QueryParams;
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
const STYLE: &str = include_str!("../../console/trainee.css");
/// The optional aspects, as stored.
const ASPECTS: [&str; 3] = ["content", "method", "usefulness"];

/// The form's language: Chinese, or English with `?lang=en`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum Lang {
    #[default]
    Zh,
    En,
}

#[derive(Debug, Default, serde::Deserialize)]
struct Options {
    lang: Option<Lang>,
    /// A code typed by hand at `/e`.
    code: Option<String>,
}

/// Everything the pages say, in one language; `{}` is filled in.
struct Words {
    html_lang: &'static str,
    other_language: (&'static str, &'static str),
    site: &'static str,
    enter_title: &'static str,
    enter_hint: &'static str,
    code_label: &'static str,
    open_form: &'static str,
    too_large: (&'static str, &'static str),
    not_a_form: (&'static str, &'static str),
    thanks: (&'static str, &'static str),
    too_many: (&'static str, &'static str),
    spent: (&'static str, &'static str),
    unknown: (&'static str, &'static str),
    retype: &'static str,
    early: (&'static str, &'static str),
    closed: (&'static str, &'static str),
    form_title: &'static str,
    fix: &'static str,
    instructor: &'static str,
    more: &'static str,
    aspects: [&'static str; 3],
    scores: [&'static str; 5],
    comment: &'static str,
    send: &'static str,
    anonymous: &'static str,
    required: &'static str,
    changed: &'static str,
    range: &'static str,
    too_long: &'static str,
    plain: &'static str,
}

const ZH: Words = Words {
    html_lang: "zh-CN",
    other_language: ("English", "?lang=en"),
    site: "现场测评",
    enter_title: "输入测评码",
    enter_hint: "请输入测评卡上的 10 位测评码（不区分大小写）。",
    code_label: "测评码",
    open_form: "打开评价表",
    too_large: ("内容过长", "提交的内容超出了限制，请缩短意见后重试。"),
    not_a_form: ("无法识别的提交", "请在评价页面上填写并提交。"),
    thanks: (
        "感谢您的评价！",
        "您的评价已匿名提交，将用于跟踪评价授课质量。",
    ),
    too_many: ("尝试次数过多", "无效的测评码输入过多，请 {} 秒后再试。"),
    spent: ("此测评码已使用", "每个测评码只能提交一次。感谢您的参与！"),
    unknown: (
        "测评码无效",
        "没有找到这个测评码，请核对测评卡上的 10 位测评码后重新输入。",
    ),
    retype: "重新输入测评码",
    early: ("评价尚未开始", "本课程的评价将于 {} 开放，请届时再扫码。"),
    closed: ("评价已结束", "本课程的评价已于 {} 截止。"),
    form_title: "课程评价",
    fix: "请修改后再提交：",
    instructor: "授课人员",
    more: "更多评分（选填）",
    aspects: ["教学内容", "教学方法", "对工作的帮助"],
    scores: ["很差", "较差", "一般", "较好", "很好"],
    comment: "意见和建议（选填，不超过 500 字）",
    send: "提交评价",
    anonymous: "匿名评价：评分不会与测评码或您的身份关联。每个测评码只能提交一次。",
    required: "请为{}打分",
    changed: "评价表已更新，请重新为本课程的授课人员打分",
    range: "评分应为 1 到 5 分",
    too_long: "意见和建议不超过 500 字",
    plain: "意见和建议只能包含普通文字",
};

const EN: Words = Words {
    html_lang: "en",
    other_language: ("中文", "?lang=zh"),
    site: "Training evaluation",
    enter_title: "Enter your code",
    enter_hint: "Type the 10-character code on your card (upper or lower case).",
    code_label: "Code",
    open_form: "Open the form",
    too_large: ("Too long", "What you sent is over the limit; shorten your comment and try again."),
    not_a_form: ("Not understood", "Please fill in and send the form on its page."),
    thanks: ("Thank you!", "Your evaluation was sent anonymously; it helps track the quality of teaching."),
    too_many: ("Too many tries", "Too many unknown codes were tried; try again in {} s."),
    spent: ("This code has been used", "Each code can be used once. Thank you for taking part!"),
    unknown: ("Unknown code", "There is no such code; check the 10 characters on your card and type it again."),
    retype: "Type the code again",
    early: ("Not open yet", "This session's evaluation opens at {} (China time); scan again then."),
    closed: ("Evaluation closed", "This session's evaluation closed at {} (China time)."),
    form_title: "Evaluate this session",
    fix: "Please correct and send again:",
    instructor: "Instructor",
    more: "More scores (optional)",
    aspects: ["Content", "Teaching method", "Use for your work"],
    scores: ["Poor", "Weak", "Fair", "Good", "Excellent"],
    comment: "Comments and suggestions (optional, up to 500 characters)",
    send: "Send",
    anonymous: "Anonymous: your scores are never linked to your code or to you. Each code can be used once.",
    required: "Please score {}",
    changed: "The form has changed; please score this session's instructors again",
    range: "Scores are from 1 to 5",
    too_long: "Comments are at most 500 characters",
    plain: "Comments are plain text only",
};

impl Lang {
    fn words(self) -> &'static Words {
        match self {
            Self::Zh => &ZH,
            Self::En => &EN,
        }
    }

    /// The query that keeps this language on the next page.
    fn query(self) -> &'static str {
        match self {
            Self::Zh => "",
            Self::En => "?lang=en",
        }
    }
}

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

/// A code typed by hand: `/e?code=abcde-fghjk` goes to its form.
async fn enter_code(options: QueryParams<Options>) -> HttpResponse {
    let lang = options.lang.unwrap_or_default();
    let w = lang.words();
    match options.code.as_deref().map(normalise) {
        Some(code) if !code.is_empty() => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/e/{code}{}", lang.query())))
            .finish(),
        _ => page(
            lang,
            StatusCode::OK,
            w.enter_title,
            html! {
                h1 { (w.site) }
                p { (w.enter_hint) }
                form method="get" action="/e" class="code" {
                    input name="code" autocomplete="off" autocapitalize="characters"
                        maxlength="20" required aria-label=(w.code_label);
                    @if lang == Lang::En { input type="hidden" name="lang" value="en"; }
                    button type="submit" { (w.open_form) }
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
    options: QueryParams<Options>,
) -> Result<HttpResponse, AppError> {
    let lang = options.lang.unwrap_or_default();
    let code = normalise(&code);
    let client = client(&req);
    let ballot = store::run(&pool, move |conn| {
        throttle::check(conn, GUESSES, &client)?;
        lookup(conn, &code, &client)
    })
    .await;
    Ok(match ballot {
        Ok(ballot) => ballot_page(
            lang,
            &ballot,
            &Answers::default(),
            &[],
            Utc::now().naive_utc(),
        ),
        Err(e) => refusal(lang, e)?,
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
    options: QueryParams<Options>,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    let lang = options.lang.unwrap_or_default();
    let w = lang.words();
    let Ok(body) = body else {
        return Ok(notice(lang, StatusCode::PAYLOAD_TOO_LARGE, w.too_large, ""));
    };
    let form_encoded = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_encoded {
        return Ok(notice(
            lang,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            w.not_a_form,
            "",
        ));
    }
    let Ok(fields) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return Ok(notice(lang, StatusCode::BAD_REQUEST, w.not_a_form, ""));
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
        Ok((Submitted::Counted, _)) => notice(lang, StatusCode::OK, w.thanks, ""),
        Ok((Submitted::Refused(ballot, errors), answers)) => {
            ballot_page(lang, &ballot, &answers, &errors, now)
        }
        Err(e) => refusal(lang, e)?,
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
fn refusal(lang: Lang, e: AppError) -> Result<HttpResponse, AppError> {
    match e {
        AppError::TooManyAttempts { retry_after_s } => {
            let mut response = notice(
                lang,
                StatusCode::TOO_MANY_REQUESTS,
                lang.words().too_many,
                &retry_after_s.to_string(),
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
    lang: Lang,
    ballot: &Ballot,
    answers: &Answers,
    errors: &[FieldError],
    now: NaiveDateTime,
) -> HttpResponse {
    let w = lang.words();
    let Ballot::Form(open) = ballot else {
        return match ballot {
            Ballot::Spent => notice(lang, StatusCode::GONE, w.spent, ""),
            _ => page(
                lang,
                StatusCode::NOT_FOUND,
                w.unknown.0,
                html! {
                    h1 { (w.unknown.0) }
                    p { (w.unknown.1) }
                    p { a href=(format!("/e{}", lang.query())) { (w.retype) } }
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
        Window::NotYetOpen => Some((StatusCode::FORBIDDEN, w.early, form.opens_at)),
        Window::Closed => Some((StatusCode::GONE, w.closed, form.closes_at)),
        Window::Open => None,
    };
    if let Some((status, words, at)) = shut {
        return notice(lang, status, words, &minute(at));
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
                @for (k, word) in w.scores.iter().enumerate() {
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
        lang,
        status,
        w.form_title,
        html! {
            h1 { (w.form_title) }
            p class="session" {
                strong { (session.title) } br;
                (class.name) " · " (minute(session.start_at)) "–" (china_time::format(session.end_at, "%H:%M"))
            }
            @if !errors.is_empty() {
                div class="errors" role="alert" {
                    p { (w.fix) }
                    ul { @for e in errors { li { (error_text(w, e, instructors)) } } }
                }
            }
            form method="post" action=(lang.query()) {
                @for (id, name) in instructors {
                    fieldset class="instructor" {
                        legend { (w.instructor) " " strong { (name) } }
                        (scale(&format!("score.{id}"), true))
                    }
                }
                details open[answers.content.is_some() || answers.method.is_some() || answers.usefulness.is_some()] {
                    summary { (w.more) }
                    @for (field, label) in ASPECTS.iter().zip(w.aspects) {
                        fieldset { legend { (label) } (scale(field, false)) }
                    }
                }
                label class="comment" {
                    (w.comment)
                    textarea name="comment" maxlength=(evaluation_forms::MAX_COMMENT) rows="4" {
                        (answers.comment.as_deref().unwrap_or_default())
                    }
                }
                button type="submit" { (w.send) }
                p class="hint" { (w.anonymous) }
            }
        },
    )
}

/// What a broken rule means to a trainee.
fn error_text(w: &Words, e: &FieldError, instructors: &[(String, String)]) -> String {
    let name = e
        .field
        .strip_prefix("score.")
        .and_then(|id| instructors.iter().find(|(i, _)| i == id))
        .map(|(_, n)| n.as_str());
    match (e.rule.as_str(), name) {
        ("required", Some(name)) => w.required.replace("{}", name),
        ("instructor", _) => w.changed.to_owned(),
        ("score_range", _) => w.range.to_owned(),
        ("max_length", _) => w.too_long.to_owned(),
        ("control_characters", _) => w.plain.to_owned(),
        _ => e.detail.clone(),
    }
}

/// A page with a heading and one paragraph, its `{}` filled with `fill`.
fn notice(lang: Lang, status: StatusCode, (title, text): (&str, &str), fill: &str) -> HttpResponse {
    page(
        lang,
        status,
        title,
        html! { h1 { (title) } p { (text.replace("{}", fill)) } },
    )
}

/// A whole page in `lang`, with a link to the other language and this
/// module's security headers.
fn page(lang: Lang, status: StatusCode, title: &str, body: Markup) -> HttpResponse {
    let w = lang.words();
    let markup = html! {
        (DOCTYPE)
        html lang=(w.html_lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (w.site) }
                link rel="stylesheet" href="/trainee.css";
            }
            body {
                main {
                    p class="language" { a href=(w.other_language.1) hreflang=(if lang == Lang::Zh { "en" } else { "zh" }) { (w.other_language.0) } }
                    (body)
                }
            }
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
