//! `certanchor trust fingerprint`: the SHA-256 of a trust store file's bytes
//! that the clerk's page shows in its banner, checked against coreutils'
//! `sha256sum`; a file that is not a valid trust store gets no fingerprint.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Office, ca, run_json_code};

#[test]
fn the_fingerprint_is_sha256_of_the_file_and_its_short_form_is_what_the_page_shows() {
    let o = Office::new();
    let trust = o.p("trust.json");
    let out = run_json_code(&["trust", "fingerprint", &trust], 0);
    let fp = out["fingerprint"].as_str().unwrap();
    let theirs = std::process::Command::new("sha256sum")
        .arg(&trust)
        .output()
        .expect("sha256sum (coreutils)");
    let theirs = String::from_utf8(theirs.stdout).unwrap();
    assert_eq!(fp, theirs.split_whitespace().next().unwrap());
    let short = out["short"].as_str().unwrap();
    assert_eq!(short.replace(' ', ""), fp[..16]);
    assert_eq!(short.len(), 19);
    // the human form names both
    let human = ca()
        .args(["trust", "fingerprint", &trust])
        .output()
        .unwrap();
    let human = String::from_utf8(human.stdout).unwrap();
    assert!(human.contains(short) && human.contains(fp), "{human}");
    // one byte more (a trailing newline) is another file
    let copy = o.file("copy.json");
    let mut bytes = std::fs::read(&trust).unwrap();
    bytes.push(b'\n');
    std::fs::write(&copy, &bytes).unwrap();
    let other = run_json_code(&["trust", "fingerprint", copy.to_str().unwrap()], 0);
    assert_ne!(other["fingerprint"], out["fingerprint"]);
}

#[test]
fn a_file_that_is_not_a_trust_store_gets_no_fingerprint() {
    let o = Office::new();
    let bad = o.file("bad.json");
    std::fs::write(
        &bad,
        "{\"version\": 2, \"issuers\": [], \"policies\": [], \"ledgers\": []}",
    )
    .unwrap();
    let out = run_json_code(&["trust", "fingerprint", bad.to_str().unwrap()], 2);
    assert_eq!(out["error"]["code"], "unsupported_version", "{out}");
}
