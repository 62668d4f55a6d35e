//! Capped, exact zlib inflation (RFC 1950) for compressed parts of documents:
//! the `CA1:` text form of a bundle, and status-list bitstrings.
//!
//! Two rules beyond a plain inflate:
//!
//! * **cap**: output is limited while inflating, so a small input cannot
//!   expand into a large allocation ([`DecodeError::TooLarge`]);
//! * **exact**: the zlib stream must be the whole input. A byte after its
//!   Adler-32 trailer is refused ([`DecodeError::TrailingAfterZlib`]), so a
//!   document cannot carry data no decoder looks at, and junk appended to a
//!   text does not leave it accepted.
//!
//! The loop is our own over `miniz_oxide`'s `inflate::core::decompress`
//! because its `decompress_to_vec*` helpers do not say how much input the
//! stream used.

use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

use crate::error::DecodeError;

/// Inflates the zlib stream `data`, which must end exactly where the input
/// ends, into at most `max` bytes. `what` names the document part in errors.
///
/// # Errors
/// * [`DecodeError::TooLarge`] when the output would exceed `max` bytes
///   (`found` is then `max + 1`: how much more is not worked out);
/// * [`DecodeError::Invalid`] for a bad zlib header or deflate data, a
///   truncated stream or an Adler-32 mismatch (the reason says which);
/// * [`DecodeError::TrailingAfterZlib`] for bytes after the end of the
///   stream, with the offset of the first one.
pub(crate) fn inflate_exact(
    data: &[u8],
    max: usize,
    what: &'static str,
) -> Result<Vec<u8>, DecodeError> {
    // One byte over the cap tells "exactly max" from "more than max".
    let limit = max.saturating_add(1);
    let flags = inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
        | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let too_large = || DecodeError::TooLarge {
        what,
        found: limit,
        max,
    };
    let mut out = vec![0u8; data.len().saturating_mul(2).max(64).min(limit)];
    let mut state = Box::<DecompressorOxide>::default();
    let (mut in_pos, mut out_pos) = (0usize, 0usize);
    loop {
        let input = data.get(in_pos..).unwrap_or_default();
        let (status, consumed, written) = decompress(&mut state, input, &mut out, out_pos, flags);
        in_pos = in_pos.saturating_add(consumed);
        out_pos = out_pos.saturating_add(written);
        match status {
            TINFLStatus::Done => {
                if out_pos > max {
                    return Err(too_large());
                }
                if in_pos < data.len() {
                    return Err(DecodeError::TrailingAfterZlib {
                        what,
                        offset: in_pos,
                        remaining: data.len() - in_pos,
                    });
                }
                out.truncate(out_pos);
                return Ok(out);
            }
            TINFLStatus::HasMoreOutput => {
                if out.len() >= limit {
                    return Err(too_large());
                }
                let grown = out.len().saturating_mul(2).min(limit);
                out.resize(grown, 0);
            }
            failure => {
                return Err(DecodeError::Invalid {
                    what,
                    reason: format!("bad zlib data: {}", failure_reason(failure)),
                });
            }
        }
    }
}

/// What a failed inflate means, in words.
fn failure_reason(status: TINFLStatus) -> &'static str {
    match status {
        TINFLStatus::FailedCannotMakeProgress => "truncated stream",
        TINFLStatus::Adler32Mismatch => "Adler-32 checksum mismatch",
        _ => "corrupt deflate stream or zlib header",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn zlib(data: &[u8], level: u8) -> Vec<u8> {
        miniz_oxide::deflate::compress_to_vec_zlib(data, level)
    }

    #[test]
    fn round_trips_up_to_the_cap_and_refuses_one_byte_more() {
        for len in [0usize, 1, 63, 64, 65, 1000, 4096] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            for level in [0, 1, 6, 9] {
                let z = zlib(&data, level);
                assert_eq!(inflate_exact(&z, len, "x").unwrap(), data, "{len} {level}");
                if len > 0 {
                    let e = inflate_exact(&z, len - 1, "x").unwrap_err();
                    assert_eq!(
                        e,
                        DecodeError::TooLarge {
                            what: "x",
                            found: len,
                            max: len - 1
                        }
                    );
                }
            }
        }
    }

    #[test]
    fn bytes_after_the_stream_are_refused_with_their_offset() {
        let z = zlib(b"hello hello hello", 9);
        for junk in [&b"\0"[..], b"x", b"\x78\x9c", &z] {
            let input = [&z[..], junk].concat();
            assert_eq!(
                inflate_exact(&input, 100, "bundle").unwrap_err(),
                DecodeError::TrailingAfterZlib {
                    what: "bundle",
                    offset: z.len(),
                    remaining: junk.len(),
                }
            );
        }
        let e = inflate_exact(&[&z[..], b"!"].concat(), 100, "bundle").unwrap_err();
        assert_eq!(e.code(), "trailing_after_zlib");
        assert!(e.to_string().contains("bundle"), "{e}");
        assert!(e.to_string().contains(&format!("byte {}", z.len())), "{e}");
    }

    #[test]
    fn truncated_corrupt_and_bad_checksum_are_typed() {
        let z = zlib(b"some data to compress, some data to compress", 9);
        let reason = |input: &[u8]| match inflate_exact(input, 1000, "x").unwrap_err() {
            DecodeError::Invalid { what: "x", reason } => reason,
            e => panic!("{e:?}"),
        };
        assert!(reason(&z[..z.len() - 1]).contains("truncated stream"));
        assert!(reason(&[]).contains("truncated stream"));
        let mut bad_sum = z.clone();
        *bad_sum.last_mut().unwrap() ^= 1;
        assert!(reason(&bad_sum).contains("Adler-32 checksum mismatch"));
        assert!(reason(b"not zlib").contains("corrupt deflate stream or zlib header"));
    }

    #[test]
    fn a_bomb_stops_at_the_cap() {
        let bomb = zlib(&vec![0u8; 4 << 20], 9);
        assert!(bomb.len() < 8192);
        assert_eq!(
            inflate_exact(&bomb, 1 << 16, "bundle").unwrap_err().code(),
            "too_large"
        );
    }
}
