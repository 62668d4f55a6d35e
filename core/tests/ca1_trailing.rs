//! `CA1:` text: bytes after the zlib stream are refused, the inflation cap
//! holds, and accepted texts round-trip (found in an adversarial review: one
//! bundle had many texts).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use certanchor::Document;
use std::sync::OnceLock;

use certanchor::bundle::{MAX_BUNDLE_LEN, TEXT_PREFIX};
use certanchor::sample::{self, JAN_1_2024};
use certanchor::{Bundle, CheckCode, DecodeError, IssueOptions, Issuer, Outcome, Verdict, base45};
use common::{authority, demo_verifier as verifier};
use proptest::prelude::*;

const ISSUED: u64 = JAN_1_2024 + 86_400 * 150;
const NOW: u64 = ISSUED + 3600;

/// A valid, endorsed business-license bundle (made once).
fn bundle() -> &'static Bundle {
    static B: OnceLock<Bundle> = OnceLock::new();
    B.get_or_init(|| {
        let certs: Vec<_> = (0..3).map(sample::business_license).collect();
        let mut batch = Issuer::new(authority("cn.beijing.scjgj"), "cn.beijing.scjgj")
            .issue("hardening", &certs, &IssueOptions::at(ISSUED))
            .unwrap();
        batch.endorse(&authority("cn.beijing.tax"), ISSUED).unwrap();
        batch.bundle(1, None).unwrap()
    })
}

fn zlib(data: &[u8], level: u32) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, u8::try_from(level).unwrap())
}

fn ca1(compressed: &[u8]) -> String {
    format!("{TEXT_PREFIX}{}", base45::encode(compressed))
}

#[test]
fn ca1_text_with_bytes_after_the_zlib_stream_is_refused() {
    let b = bundle();
    let v = verifier();
    let z = zlib(&b.to_vec(), 9);
    // without junk: a text of miniz_oxide's best level (the CLI's encoder
    // until the core's small encoder replaced it) decodes and verifies
    let good = ca1(&z);
    assert_eq!(Bundle::from_text(&good).as_ref(), Ok(b));
    assert_eq!(Bundle::from_text(&b.to_text()).as_ref(), Ok(b));
    assert_eq!(v.verify(good.as_bytes(), NOW).verdict, Verdict::Valid);
    for junk in [&b"\0"[..], b"junk", &z] {
        let text = ca1(&[&z[..], junk].concat());
        let want = DecodeError::TrailingAfterZlib {
            what: "bundle",
            offset: z.len(),
            remaining: junk.len(),
        };
        assert_eq!(Bundle::from_text(&text), Err(want.clone()));
        assert_eq!(Bundle::decode_any(text.as_bytes()), Err(want.clone()));
        let e = Bundle::from_text(&text).unwrap_err();
        assert_eq!(e.code(), "trailing_after_zlib");
        let msg = e.to_string();
        assert!(
            msg.contains("bundle") && msg.contains(&format!("byte {}", z.len())),
            "{msg}"
        );
        let r = v.verify(text.as_bytes(), NOW);
        assert_eq!(r.verdict, Verdict::Invalid);
        let c = r.check(CheckCode::Format).unwrap();
        assert_eq!(
            (c.outcome, c.code.as_str()),
            (Outcome::Failed, "trailing_after_zlib")
        );
    }
}

#[test]
fn ca1_inflation_cap_still_holds() {
    let over = ca1(&zlib(&vec![0u8; MAX_BUNDLE_LEN + 1], 9));
    assert_eq!(
        Bundle::from_text(&over),
        Err(DecodeError::TooLarge {
            what: "bundle",
            found: MAX_BUNDLE_LEN + 1,
            max: MAX_BUNDLE_LEN,
        })
    );
    // exactly at the cap: inflated, then refused as CBOR (zeros are not a bundle)
    let at = ca1(&zlib(&vec![0u8; MAX_BUNDLE_LEN], 9));
    assert_ne!(Bundle::from_text(&at).unwrap_err().code(), "too_large");
    // a bomb followed by junk is stopped by the cap before its end is seen
    let bomb = zlib(&vec![0u8; 8 * 1024 * 1024], 9);
    let text = ca1(&[&bomb[..], b"junk"].concat());
    assert_eq!(Bundle::from_text(&text).unwrap_err().code(), "too_large");
    // truncated and bad checksums keep their typed reasons
    let z = zlib(&bundle().to_vec(), 9);
    let mut bad_sum = z.clone();
    *bad_sum.last_mut().unwrap() ^= 1;
    for (data, says) in [
        (&bad_sum[..], "Adler-32 checksum mismatch"),
        (&z[..z.len() - 1], "truncated stream"),
    ] {
        let e = Bundle::from_text(&ca1(data)).unwrap_err();
        assert_eq!(e.code(), "invalid_text_form", "{e}");
        assert!(e.to_string().contains(says), "{e}");
    }
}

/// zlib has many streams for one input, so a bundle has many accepted texts
/// (one per compression level and encoder, at least): the rule that holds,
/// as in the `bundle_text` fuzz target, is that an accepted text decodes to
/// a bundle whose own text decodes to it again. Byte identity holds for
/// texts [`Bundle::to_text`] writes.
#[test]
fn another_zlib_stream_of_the_same_bundle_is_accepted_but_not_byte_identical() {
    let b = bundle();
    let stored = ca1(&zlib(&b.to_vec(), 0));
    assert_ne!(stored, b.to_text());
    assert_eq!(Bundle::from_text(&stored).as_ref(), Ok(b));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any stream of the bundle, at any level, followed by any non-empty junk:
    /// refused at the stream's end. Without junk: accepted, and the accepted
    /// bundle's own text decodes to it and is [`Bundle::to_text`] exactly.
    #[test]
    fn accepted_texts_round_trip_and_junk_is_refused(
        level in 0u32..=9,
        keep in proptest::collection::vec(any::<bool>(), 8),
        junk in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        let full = bundle();
        let names: Vec<&str> = full
            .disclosed
            .iter()
            .zip(keep.iter().cycle())
            .filter(|(_, k)| **k)
            .map(|(d, _)| d.name.as_str())
            .collect();
        let b = full.with_fewer_fields(&names).unwrap();
        let z = zlib(&b.to_vec(), level);
        let text = ca1(&[&z[..], &junk[..]].concat());
        match Bundle::from_text(&text) {
            Ok(back) => {
                prop_assert!(junk.is_empty());
                prop_assert_eq!(&back, &b);
                let again = back.to_text();
                prop_assert_eq!(Bundle::from_text(&again), Ok(back.clone()));
                prop_assert_eq!(&again, &b.to_text());
            }
            Err(e) => prop_assert_eq!(
                e,
                DecodeError::TrailingAfterZlib {
                    what: "bundle",
                    offset: z.len(),
                    remaining: junk.len(),
                }
            ),
        }
    }
}
