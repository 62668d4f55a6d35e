//! Checks `tests/vectors/codes.json` (also read by the Python and WASM
//! suites): every case gives its verdict, and its check its outcome and
//! code, in binary and in `CA1:` text form; every result code of
//! [`ResultCode::ALL`] is the code of a case, of a note key error, or listed
//! in `not_covered` (never two of these); every check of [`CheckCode::ALL`]
//! fails (or is indeterminate) in some case; and the committed file is what
//! the generator writes today.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[allow(dead_code)]
#[path = "../../examples/rust/gen_code_vectors.rs"]
mod gen_code_vectors;

use certanchor::Document;
use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use certanchor::note::NoteVerifier;
use certanchor::{Bundle, CheckCode, Outcome, ResultCode, TrustStore, Verifier};
use serde_json::Value as J;

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/codes.json");

fn vectors() -> J {
    serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap()
}

fn cases(v: &J) -> &[J] {
    v["cases"].as_array().unwrap()
}

fn str_of<'a>(c: &'a J, key: &str) -> &'a str {
    c[key].as_str().unwrap_or_else(|| panic!("{key} of {c}"))
}

/// A fresh verifier over the case's trust store, given the case's status
/// lists first (a fresh one per case: lists seen earlier must not leak in).
fn verifier_for(v: &J, c: &J) -> Verifier {
    let store = &v["trust_stores"][str_of(c, "trust_store")];
    assert!(store.is_object(), "{}: no such trust store", c["name"]);
    let verifier = Verifier::new(TrustStore::from_json(&store.to_string()).unwrap());
    let now = c["now"].as_u64().unwrap();
    for s in c["add_status"].as_array().map_or(&[][..], Vec::as_slice) {
        let bytes = B64.decode(s.as_str().unwrap()).unwrap();
        verifier
            .add_status_list(&bytes, now)
            .unwrap_or_else(|e| panic!("{}: {e}", c["name"]));
    }
    verifier
}

/// The case's input, and its other form when there is one: the `CA1:` text
/// of a binary bundle that decodes.
fn inputs(c: &J) -> Vec<(&'static str, Vec<u8>)> {
    if let Some(text) = c["text"].as_str() {
        assert!(c.get("bundle").is_none(), "{}: bundle and text", c["name"]);
        return vec![("text", text.as_bytes().to_vec())];
    }
    let bytes = B64.decode(str_of(c, "bundle")).unwrap();
    let mut out = Vec::new();
    if let Ok(b) = Bundle::from_slice(&bytes) {
        assert_eq!(b.to_vec(), bytes, "{}: not canonical", c["name"]);
        out.push(("CA1 text", b.to_text().into_bytes()));
    }
    out.insert(0, ("binary", bytes));
    out
}

#[test]
fn every_case_gives_its_verdict_check_outcome_and_code() {
    let v = vectors();
    let mut names = BTreeSet::new();
    for c in cases(&v) {
        let name = str_of(c, "name");
        assert!(names.insert(name), "{name} twice");
        let now = c["now"].as_u64().unwrap();
        for (form, input) in inputs(c) {
            let r = verifier_for(&v, c).verify(&input, now);
            let what = format!("{name} ({form})");
            assert_eq!(r.verdict.as_str(), str_of(c, "verdict"), "{what}: {r}");
            assert_eq!(
                r.checks.iter().map(|x| x.check).collect::<Vec<_>>(),
                CheckCode::ALL,
                "{what}"
            );
            let ch = r
                .checks
                .iter()
                .find(|x| x.check.as_str() == str_of(c, "check"))
                .unwrap_or_else(|| panic!("{what}: no check {}", c["check"]));
            assert_eq!(
                (ch.outcome.as_str(), ch.code.as_str()),
                (str_of(c, "outcome"), str_of(c, "code")),
                "{what}: {}",
                ch.reason
            );
        }
    }
}

#[test]
fn every_note_key_error_has_its_code() {
    let v = vectors();
    for e in v["note_key_errors"].as_array().unwrap() {
        let err = NoteVerifier::from_verifier_key(str_of(e, "verifier_key")).unwrap_err();
        assert_eq!(err.result_code().as_str(), str_of(e, "code"), "{e}: {err}");
    }
}

/// Every result code is covered exactly once over: the cases' codes, the
/// note key errors' codes, and `not_covered`.
#[test]
fn every_result_code_is_covered_or_said_not_to_be() {
    let v = vectors();
    let named = |list: &J| -> BTreeSet<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|c| str_of(c, "code").to_owned())
            .collect()
    };
    let covered: BTreeSet<String> = named(&v["cases"])
        .into_iter()
        .chain(named(&v["note_key_errors"]))
        .collect();
    let not_covered: BTreeMap<String, String> = v["not_covered"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, why)| (k.clone(), why.as_str().unwrap().to_owned()))
        .collect();
    for code in covered.iter().chain(not_covered.keys()) {
        assert!(
            ResultCode::from_name(code).is_some(),
            "`{code}` is not a result code"
        );
    }
    for (code, why) in &not_covered {
        assert!(!why.trim().is_empty(), "{code}: no reason");
    }
    let both: Vec<&String> = covered
        .iter()
        .filter(|c| not_covered.contains_key(*c))
        .collect();
    assert!(
        both.is_empty(),
        "covered, yet listed in not_covered: {both:?}"
    );
    let missing: Vec<&str> = ResultCode::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !covered.contains(*c) && !not_covered.contains_key(*c))
        .collect();
    assert!(
        missing.is_empty(),
        "result codes neither covered by codes.json nor listed in its not_covered: {missing:?}"
    );
}

/// Every check is the failing (or indeterminate) check of some case.
#[test]
fn every_check_fails_in_some_case() {
    let v = vectors();
    let failing: BTreeSet<&str> = cases(&v)
        .iter()
        .filter(|c| matches!(str_of(c, "outcome"), "failed" | "indeterminate"))
        .map(|c| str_of(c, "check"))
        .collect();
    let missing: Vec<&str> = CheckCode::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !failing.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "checks that fail in no case of codes.json: {missing:?}"
    );
    // the verdict follows the named check's outcome
    for c in cases(&v) {
        let expect = match str_of(c, "outcome") {
            "failed" => Some("invalid"),
            "indeterminate" => Some("indeterminate"),
            _ => None,
        };
        if let Some(verdict) = expect {
            assert_eq!(str_of(c, "verdict"), verdict, "{}", c["name"]);
        }
        assert!(
            [
                Outcome::Passed,
                Outcome::Failed,
                Outcome::Indeterminate,
                Outcome::Skipped
            ]
            .iter()
            .any(|o| o.as_str() == str_of(c, "outcome")),
            "{}",
            c["name"]
        );
    }
}

/// The committed file is what `examples/rust/gen_code_vectors.rs` writes:
/// deterministic, so any change to the verifier's codes or to the cases
/// shows up here.
#[test]
fn the_committed_file_is_a_fresh_generation() {
    let fresh = gen_code_vectors::generate().unwrap();
    assert_eq!(
        fresh,
        gen_code_vectors::generate().unwrap(),
        "not deterministic"
    );
    let committed = std::fs::read_to_string(PATH).unwrap();
    assert!(
        committed == fresh,
        "tests/vectors/codes.json differs from a fresh generation: run \
         `cargo run -p certanchor --example gen_code_vectors`"
    );
}
