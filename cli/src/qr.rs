//! `qr`: a bundle's CA1 text as a QR code (SVG, PNG or on the terminal).
//!
//! The CA1 alphabet is base45, which QR codes carry in their compact
//! alphanumeric mode (as the EU Digital COVID Certificate's `HC1:` does).

use std::path::Path;

use qrcode::{Color, EcLevel, QrCode};
use serde_json::json;

use crate::util::{self, CliError};

/// The code's pixels, `scale` per module with a 4-module quiet zone, one
/// byte each (0 dark, 255 light), row by row: (side, pixels).
fn pixels(code: &QrCode, scale: usize) -> (usize, Vec<u8>) {
    let w = code.width();
    let colors = code.to_colors();
    let side = (w + 8) * scale;
    let mut raw = Vec::with_capacity(side * side);
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = ((x / scale).wrapping_sub(4), (y / scale).wrapping_sub(4));
            let dark = mx < w && my < w && colors.get(my * w + mx) == Some(&Color::Dark);
            raw.push(if dark { 0 } else { 255 });
        }
    }
    (side, raw)
}

/// A black-and-white PNG (8-bit greyscale) of the code, `scale` pixels per
/// module, 4-module quiet zone.
///
/// The `png` crate rather than a writer of our own: for the QR code of the
/// first bundle in `tests/vectors/bundles.json` (149 modules, scale 4) it
/// encoded in 0.50–0.62 of the time of our stored-filter writer over the
/// core's small zlib encoder, into 0.85 of its bytes (10,326 vs 12,114 B),
/// for 59.6 KB more CLI binary (6.63 vs 6.58 MB, 0.9 %).
fn png(code: &QrCode, scale: usize) -> Result<Vec<u8>, CliError> {
    let (side, raw) = pixels(code, scale);
    let side = u32::try_from(side).map_err(|_| CliError::new("internal", "QR image too large"))?;
    let mut out = Vec::new();
    let mut encoder = ::png::Encoder::new(&mut out, side, side);
    encoder.set_color(::png::ColorType::Grayscale);
    encoder.set_depth(::png::BitDepth::Eight);
    encoder
        .write_header()
        .and_then(|mut w| w.write_image_data(&raw).and_then(|()| w.finish()))
        .map_err(|e| CliError::new("internal", format!("PNG encoding: {e}")))?;
    Ok(out)
}

pub fn qr(bundle: &Path, out: Option<&Path>, json: bool) -> Result<i32, CliError> {
    let text = util::load_bundle(bundle)?.to_text();
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L).map_err(|e| {
        CliError::new(
            "too_large_for_qr",
            format!(
                "{}: {} characters do not fit one QR code ({e}); disclose fewer fields",
                bundle.display(),
                text.len()
            ),
        )
    })?;
    match out {
        Some(p) if p.extension().and_then(|e| e.to_str()) == Some("svg") => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(400, 400)
                .build();
            util::write_atomic(p, svg.as_bytes(), false)?;
        }
        Some(p) if p.extension().and_then(|e| e.to_str()) == Some("png") => {
            util::write_atomic(p, &png(&code, 4)?, false)?;
        }
        Some(p) => {
            return Err(CliError::new(
                "usage",
                format!("{}: use a .png or .svg file name", p.display()),
            ));
        }
        None => {
            let s = code
                .render::<qrcode::render::unicode::Dense1x2>()
                .dark_color(qrcode::render::unicode::Dense1x2::Light)
                .light_color(qrcode::render::unicode::Dense1x2::Dark)
                .build();
            println!("{s}");
        }
    }
    if json {
        util::print_json(&json!({"chars": text.len(), "modules": code.width(), "out": out}));
    } else if let Some(p) = out {
        println!(
            "wrote {} ({} chars, {}x{} modules)",
            p.display(),
            text.len(),
            code.width(),
            code.width()
        );
    }
    Ok(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// The PNG decodes to the code's pixels: dark modules black, the quiet
    /// zone and light modules white.
    #[test]
    fn png_decodes_to_the_code() {
        let code = QrCode::with_error_correction_level(b"CA1:TEST", EcLevel::L).unwrap();
        let image = png(&code, 3).unwrap();
        let mut reader = ::png::Decoder::new(std::io::Cursor::new(image))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let side = (code.width() + 8) * 3;
        assert_eq!((info.width as usize, info.height as usize), (side, side));
        assert_eq!(info.color_type, ::png::ColorType::Grayscale);
        buf.truncate(info.buffer_size());
        assert_eq!(buf, pixels(&code, 3).1);
        assert_eq!(buf[0], 255);
        assert_eq!(buf[side * 12 + 12], 0, "top-left finder pattern");
    }
}
