//! QR codes for the evaluation sheets: a text's QR symbol as one SVG path,
//! so the console and the printable sheets draw it as vector graphics.

use serde::Serialize;
use utoipa::ToSchema;

/// A QR symbol as an SVG path of its dark modules, one unit per module, in
/// a `size` × `size` square (the quiet zone around it is the drawer's).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QrPath {
    /// Modules per side.
    pub size: usize,
    /// `M x y h1 v1 h-1 z` for each dark module.
    pub path: String,
}

/// The QR symbol of `text` at error-correction level M (15% of the
/// symbol may be smudged or torn).
pub fn path(text: &str) -> Result<QrPath, qrcode::types::QrError> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)?;
    let size = code.width();
    let mut path = String::new();
    for (k, color) in code.to_colors().into_iter().enumerate() {
        if color == qrcode::Color::Dark {
            path.push_str(&format!("M{} {}h1v1h-1z", k % size, k / size));
        }
    }
    Ok(QrPath { size, path })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_symbol_is_a_square_of_modules() {
        let qr = path("https://example.cn/e/ABCDEFGHJK").unwrap();
        // Version 3 for a 31-byte URL at level M: 29 modules a side.
        assert_eq!(qr.size, 29);
        assert!(
            qr.path.starts_with("M0 0h1v1h-1z"),
            "the finder pattern's corner"
        );
    }
}
