//! `qr`: a bundle's CA1 text as a QR code (SVG, PNG or on the terminal).
//!
//! The CA1 alphabet is base45, which QR codes carry in their compact
//! alphanumeric mode (as the EU Digital COVID Certificate's `HC1:` does).

use std::path::Path;

use qrcode::{Color, EcLevel, QrCode};
use serde_json::json;

use crate::util::{self, CliError};

/// CRC-32 (ISO 3309, as PNG uses).
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for p in parts {
        for &b in *p {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
    }
    !c
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
}

/// A black-and-white PNG of the code, `scale` pixels per module, 4-module quiet zone.
fn png(code: &QrCode, scale: usize) -> Vec<u8> {
    let w = code.width();
    let colors = code.to_colors();
    let side = (w + 8) * scale;
    let mut raw = Vec::with_capacity(side * (side + 1));
    for y in 0..side {
        raw.push(0); // filter: none
        for x in 0..side {
            let (mx, my) = ((x / scale).wrapping_sub(4), (y / scale).wrapping_sub(4));
            let dark = mx < w && my < w && colors.get(my * w + mx) == Some(&Color::Dark);
            raw.push(if dark { 0 } else { 255 });
        }
    }
    let idat = certanchor::deflate::compress(&raw);
    let side32 = u32::try_from(side).unwrap_or(0).to_be_bytes();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&side32);
    ihdr.extend_from_slice(&side32);
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"IDAT", &idat);
    png_chunk(&mut out, b"IEND", &[]);
    out
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
            util::write_atomic(p, &png(&code, 4), false)?;
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
mod tests {
    #[test]
    fn crc32_check_value() {
        assert_eq!(super::crc32(&[b"123456789"]), 0xcbf4_3926);
    }
}
