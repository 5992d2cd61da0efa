//! The printable sheet of a session's evaluation codes: A4 pages of twelve
//! cards (three across, four down) to cut apart and hand to trainees, each
//! with the form's QR code, the code to type by hand, and the session.

use chrono::NaiveDateTime;
use maud::html;

use crate::china_time;
use crate::qr::QrPath;

const PAGE_W: f64 = 210.0;
const PAGE_H: f64 = 297.0;
const COLUMNS: usize = 3;
const ROWS: usize = 4;
const CARD_W: f64 = PAGE_W / COLUMNS as f64;
const CARD_H: f64 = PAGE_H / ROWS as f64;
/// The QR code's side, quiet zone included, in millimetres.
const QR_SIDE: f64 = 42.0;
/// Modules of quiet zone around a QR symbol, as the standard asks.
const QUIET: usize = 4;

/// One card: its number on the sheet, the code and the QR code of the
/// form's address with that code.
pub struct Card<'a> {
    pub number: i32,
    pub code: &'a str,
    pub qr: &'a QrPath,
}

/// The cards of a session (its title and UTC start and end) as an SVG
/// document in millimetres, pages one under another.
pub fn svg(
    session_title: &str,
    start: NaiveDateTime,
    end: NaiveDateTime,
    cards: &[Card],
) -> String {
    let per_page = COLUMNS * ROWS;
    let pages = cards.len().div_ceil(per_page).max(1);
    let height = PAGE_H * pages as f64;
    let when = format!(
        "{} – {}",
        china_time::format(start, "%Y-%m-%d %H:%M"),
        china_time::format(end, "%H:%M")
    );
    let title: String = session_title.chars().take(18).collect();
    let markup = html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(format!("{PAGE_W}mm")) height=(format!("{height}mm"))
            viewBox=(format!("0 0 {PAGE_W} {height}"))
            font-family="'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" {
            title { "现场测评码 · " (session_title) }
            rect width=(PAGE_W) height=(height) fill="white" {}
            @for (k, card) in cards.iter().enumerate() {
                @let page = k / per_page;
                @let x = (k % COLUMNS) as f64 * CARD_W;
                @let y = page as f64 * PAGE_H + ((k % per_page) / COLUMNS) as f64 * CARD_H;
                @let modules = (card.qr.size + 2 * QUIET) as f64;
                @let scale = QR_SIDE / modules;
                g transform=(format!("translate({x} {y})")) {
                    rect x="0.5" y="0.5" width=(CARD_W - 1.0) height=(CARD_H - 1.0) fill="none"
                        stroke="#999" stroke-width="0.2" stroke-dasharray="2 1.5" {}
                    text x="4" y="7" font-size="3.6" font-weight="bold" { "现场测评" }
                    text x=(CARD_W - 4.0) y="7" font-size="3" text-anchor="end" { "第 " (card.number) " 号" }
                    text x="4" y="12" font-size="3" { (title) }
                    text x="4" y="16" font-size="2.6" fill="#444" { (when) }
                    g transform=(format!("translate({} 18) scale({scale})", (CARD_W - QR_SIDE) / 2.0)) {
                        path transform=(format!("translate({QUIET} {QUIET})")) d=(card.qr.path) fill="black" {}
                    }
                    text x=(CARD_W / 2.0) y="65" font-size="4.2" text-anchor="middle"
                        font-family="monospace" letter-spacing="0.4" { (grouped(card.code)) }
                    text x=(CARD_W / 2.0) y="70" font-size="2.2" text-anchor="middle" fill="#444" {
                        "手机扫码评价，匿名，限用一次"
                    }
                }
            }
        }
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
        markup.into_string()
    )
}

/// `ABCDEFGHJK` as `ABCDE FGHJK`, easier to type.
fn grouped(code: &str) -> String {
    let (head, tail) = code.split_at(code.len() / 2);
    format!("{head} {tail}")
}
