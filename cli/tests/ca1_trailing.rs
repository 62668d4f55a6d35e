//! `certanchor verify` (and commands that take a bundle) refuse a `CA1:` text
//! with bytes after its zlib stream.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use certanchor::base45;
use common::{LATER, Office, check, run_json_code};

#[test]
fn verify_refuses_a_ca1_text_with_bytes_after_the_zlib_stream() {
    let o = Office::new();
    let trust = o.p("trust.json");
    let path = o.prove(1, "b1.txt", true);
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.trim();
    // as written: valid
    let r = run_json_code(&["verify", "--trust", &trust, "--at", LATER, text], 0);
    assert_eq!(r["verdict"], "valid", "{r:#}");
    // the same zlib stream followed by junk: invalid, a format failure
    let z = base45::decode(text.strip_prefix("CA1:").unwrap()).unwrap();
    let junked = format!("CA1:{}", base45::encode([&z[..], b"junk"].concat()));
    std::fs::write(o.file("junk.txt"), &junked).unwrap();
    for input in [junked.as_str(), &o.p("junk.txt")] {
        let r = run_json_code(&["verify", "--trust", &trust, "--at", LATER, input], 1);
        assert_eq!(r["verdict"], "invalid", "{r:#}");
        let c = check(&r, "format");
        assert_eq!(c["outcome"], "failed", "{r:#}");
        assert_eq!(c["code"], "trailing_after_zlib", "{r:#}");
        assert!(
            c["reason"]
                .as_str()
                .unwrap()
                .contains(&format!("at byte {}", z.len())),
            "{r:#}"
        );
    }
    // commands that take a bundle refuse it as an error (exit 2)
    let e = run_json_code(
        &[
            "disclose",
            &o.p("junk.txt"),
            "--fields",
            "location",
            "--out",
            &o.p("less.cab"),
        ],
        2,
    );
    assert_eq!(e["error"]["code"], "trailing_after_zlib", "{e:#}");
    assert!(!o.file("less.cab").exists());
    // and `inspect` does not show it as a bundle
    let e = run_json_code(&["inspect", &o.p("junk.txt")], 2);
    assert_ne!(
        e.get("kind").and_then(|k| k.as_str()),
        Some("bundle"),
        "{e:#}"
    );
}
