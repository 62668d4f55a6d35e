//! Base45 (RFC 9285), the alphabet of the `CA1:` text form: QR codes carry
//! it in their compact alphanumeric mode.
//!
//! Two bytes become three characters (`n = a·256 + b = c + d·45 + e·45²`,
//! written `c d e`), a last single byte two characters. Decoding is strict:
//! a character outside the 45-character alphabet (lowercase included), a
//! triple worth more than 65535, a pair worth more than 255 or a lone last
//! character is an error naming its position.
//!
//! ```
//! use certanchor::base45;
//! assert_eq!(base45::encode(b"AB"), "BB8"); // RFC 9285 §4.3
//! assert_eq!(base45::decode("QED8WEX0").unwrap(), b"ietf!");
//! assert_eq!(
//!     base45::decode("GGW").unwrap_err().to_string(),
//!     "the characters at 0..3 are worth 65536, over 65535"
//! );
//! ```

/// The 45 characters, by value (RFC 9285 §4).
const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Marks a byte that is not in the alphabet.
const NOT_BASE45: u8 = 0xff;

/// The value of each byte, or [`NOT_BASE45`]: one table lookup per
/// character (a search of the alphabet was half of a `CA1:` verification).
// Evaluated at compile time: an index out of bounds would fail the build,
// it cannot panic at run time.
#[allow(clippy::indexing_slicing)]
const VALUES: [u8; 256] = {
    let mut table = [NOT_BASE45; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Why a text is not base45.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Base45Error {
    /// A character outside the alphabet.
    #[error("the character {found:?} at {at} is not in the base45 alphabet")]
    Character {
        /// Byte offset in the text.
        at: usize,
        /// The character found there.
        found: char,
    },
    /// A group of characters worth more than its bytes can hold.
    #[error("the characters at {at}..{end} are worth {value}, over {max}", end = at + width)]
    Value {
        /// Byte offset of the group.
        at: usize,
        /// Characters in the group (3, or 2 at the end).
        width: usize,
        /// What the group is worth.
        value: u32,
        /// The most it may be worth (65535, or 255 for a last pair).
        max: u32,
    },
    /// One character left over at the end.
    #[error("a single character at {at} ends the text; base45 ends with a pair or a triple")]
    Dangling {
        /// Byte offset of the character.
        at: usize,
    },
}

fn symbol(value: u32) -> char {
    ALPHABET
        .get(value as usize)
        .map_or(char::REPLACEMENT_CHARACTER, |&b| char::from(b))
}

/// Encodes `data` as base45.
#[must_use]
pub fn encode(data: impl AsRef<[u8]>) -> String {
    let data = data.as_ref();
    let mut out = String::with_capacity(data.len().div_ceil(2) * 3);
    for pair in data.chunks(2) {
        match *pair {
            [a, b] => {
                let n = u32::from(a) << 8 | u32::from(b);
                out.extend([symbol(n % 45), symbol(n / 45 % 45), symbol(n / 2025)]);
            }
            [a] => {
                let n = u32::from(a);
                out.extend([symbol(n % 45), symbol(n / 45)]);
            }
            _ => {}
        }
    }
    out
}

/// Decodes base45 text.
///
/// # Errors
/// [`Base45Error`] naming the first offending position.
pub fn decode(text: &str) -> Result<Vec<u8>, Base45Error> {
    let bytes = text.as_bytes();
    let value = |at: usize, b: u8| match VALUES.get(usize::from(b)) {
        Some(&v) if v != NOT_BASE45 => Ok(u32::from(v)),
        _ => Err(Base45Error::Character {
            at,
            found: text
                .get(at..)
                .and_then(|s| s.chars().next())
                .unwrap_or('\u{fffd}'),
        }),
    };
    let mut out = Vec::with_capacity(bytes.len() / 3 * 2 + 1);
    for (k, group) in bytes.chunks(3).enumerate() {
        let at = 3 * k;
        match *group {
            [c, d, e] => {
                let n = value(at, c)? + 45 * value(at + 1, d)? + 2025 * value(at + 2, e)?;
                let pair = u16::try_from(n).map_err(|_| Base45Error::Value {
                    at,
                    width: 3,
                    value: n,
                    max: 65535,
                })?;
                out.extend_from_slice(&pair.to_be_bytes());
            }
            [c, d] => {
                let n = value(at, c)? + 45 * value(at + 1, d)?;
                let byte = u8::try_from(n).map_err(|_| Base45Error::Value {
                    at,
                    width: 2,
                    value: n,
                    max: 255,
                })?;
                out.push(byte);
            }
            [c] => {
                value(at, c)?;
                return Err(Base45Error::Dangling { at });
            }
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// RFC 9285 §4.3 and §4.4.
    #[test]
    fn rfc_9285_examples() {
        for (data, text) in [
            (&b"AB"[..], "BB8"),
            (b"Hello!!", "%69 VD92EX0"),
            (b"base-45", "UJCLQE7W581"),
            (b"ietf!", "QED8WEX0"),
            (b"", ""),
        ] {
            assert_eq!(encode(data), text);
            assert_eq!(decode(text).unwrap(), data);
        }
    }

    #[test]
    fn bad_text_is_named_by_position() {
        assert_eq!(
            decode("QED8wEX0").unwrap_err(),
            Base45Error::Character { at: 4, found: 'w' }
        );
        assert_eq!(
            decode("BB8é").unwrap_err(),
            Base45Error::Character { at: 3, found: 'é' }
        );
        // ":::" = 44 + 44·45 + 44·2025 = 91124
        assert_eq!(
            decode("BB8:::").unwrap_err(),
            Base45Error::Value {
                at: 3,
                width: 3,
                value: 91_124,
                max: 65_535
            }
        );
        // "::" = 44 + 44·45 = 2024
        assert_eq!(
            decode("::").unwrap_err().to_string(),
            "the characters at 0..2 are worth 2024, over 255"
        );
        assert_eq!(decode("BB8B").unwrap_err(), Base45Error::Dangling { at: 3 });
    }

    proptest! {
        /// The `base45` crate is the independent reference: the same text
        /// for any bytes, and the same bytes back.
        #[test]
        fn encoding_agrees_with_the_base45_crate(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let text = encode(&data);
            prop_assert_eq!(&text, &base45::encode(&data));
            prop_assert_eq!(decode(&text).unwrap(), data);
        }

        /// On arbitrary text over the alphabet (and a few strangers) we
        /// accept what the crate accepts, with the same bytes, except groups
        /// worth more than their bytes hold: the crate keeps their low bits,
        /// which would let many texts stand for one bundle.
        #[test]
        fn decoding_agrees_with_the_base45_crate(text in "[0-9A-Z $%*+./:a\u{e9}-]{0,40}") {
            match (decode(&text), base45::decode(&text)) {
                (Ok(ours), Ok(theirs)) => prop_assert_eq!(ours, theirs),
                (Err(_), Err(_)) => {}
                (Err(Base45Error::Value { .. }), Ok(_)) => {}
                (ours, theirs) => prop_assert!(false, "{:?} vs {:?}", ours, theirs),
            }
        }
    }
}
