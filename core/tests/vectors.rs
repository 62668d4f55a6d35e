//! Checks the cross-language vectors in `tests/vectors/bundles.json` (also
//! read by the Python and WASM suites), and `bundles-undated-endorsements.json`:
//! the same cases as generated before endorsements signed their time, which
//! must keep their verdicts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use certanchor::{Anchor, TrustStore, Verifier, keys::PublicKey};
use serde_json::Value as J;

const FILES: [&str; 2] = ["bundles.json", "bundles-undated-endorsements.json"];

fn vectors_in(file: &str) -> J {
    let p = format!("{}/../tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn verifier(v: &J) -> Verifier {
    Verifier::new(TrustStore::from_json(&v["trust_store"].to_string()).unwrap())
}

#[test]
fn every_case_gives_its_verdict_and_failing_check() {
    for file in FILES {
        every_case_in(&vectors_in(file));
    }
}

fn every_case_in(v: &J) {
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 16);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let now = c["now"].as_u64().unwrap();
        for input in [
            B64.decode(c["bundle"].as_str().unwrap()).unwrap(),
            c["text"].as_str().unwrap().as_bytes().to_vec(),
        ] {
            // a fresh verifier per case: status lists seen earlier must not leak in
            let r = verifier(v).verify(&input, now);
            assert_eq!(
                r.verdict.as_str(),
                c["verdict"].as_str().unwrap(),
                "{name}: {r}"
            );
            if let Some(check) = c["check"].as_str() {
                let ch = r.checks.iter().find(|x| x.check.as_str() == check).unwrap();
                assert_eq!(ch.code, c["code"].as_str().unwrap(), "{name}: {r}");
            }
        }
    }
    for c in v["malformed"].as_array().unwrap() {
        let input = B64.decode(c["bundle"].as_str().unwrap()).unwrap();
        let r = verifier(v).verify(&input, 0);
        assert_eq!(r.verdict.as_str(), "invalid");
        assert_eq!(
            r.checks[0].code,
            c["code"].as_str().unwrap(),
            "{}",
            c["name"]
        );
    }
}

#[test]
fn anchors_list_their_signers_in_order() {
    for file in FILES {
        signers_in(&vectors_in(file), file);
    }
}

#[test]
fn endorsements_sign_their_time_except_in_the_undated_file() {
    for (file, dated) in [(FILES[0], true), (FILES[1], false)] {
        for a in vectors_in(file)["anchors"].as_array().unwrap() {
            let anchor =
                Anchor::from_slice(&B64.decode(a["cose"].as_str().unwrap()).unwrap()).unwrap();
            let times = anchor.signature_times();
            assert_eq!(times[0], None, "the issuer's signature has no time");
            assert!(
                times[1..].iter().all(|t| t.is_some() == dated),
                "{file}: {times:?}"
            );
        }
    }
}

fn signers_in(v: &J, file: &str) {
    let keys: Vec<(String, PublicKey)> = v["authorities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_owned(),
                PublicKey::from_base64(a["public_key"].as_str().unwrap()).unwrap(),
            )
        })
        .collect();
    for a in v["anchors"].as_array().unwrap() {
        let anchor = Anchor::from_slice(&B64.decode(a["cose"].as_str().unwrap()).unwrap()).unwrap();
        for (i, signer) in a["signers"].as_array().unwrap().iter().enumerate() {
            let key = &keys
                .iter()
                .find(|(id, _)| id == signer.as_str().unwrap())
                .unwrap()
                .1;
            assert_eq!(anchor.signer_key_ids()[i], key.key_id(), "{file}");
            assert!(anchor.verify_signature(i, key), "{file}");
        }
    }
}
