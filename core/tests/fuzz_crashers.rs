//! Replays every file under `core/tests/fuzz-crashers/<target>/` through the
//! exact code of fuzz target `<target>` (shared with `fuzz/src/lib.rs`): no
//! panic, no failed round trip. Files are named by the defect they exposed.
//! For decoder targets the crash input must also be refused (`Err`), unless
//! its name ends in `.ok` (inputs that are valid and once broke a round trip).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../fuzz/src/lib.rs"]
#[allow(dead_code, missing_docs)]
mod fixtures;

use certanchor::Document;
use std::path::Path;

/// `Some(is_err)` for targets with one primary decoder.
fn primary_is_err(target: &str, data: &[u8]) -> Option<bool> {
    use certanchor::{Anchor, Bundle, CertificateHeader, IssuedBatch, TrustStore};
    let text = || std::str::from_utf8(data).ok();
    Some(match target {
        "cbor_value" => certanchor::cbor::decode_value(data, 64 * 1024).is_err(),
        "bundle_binary" => Bundle::from_slice(data).is_err(),
        "bundle_text" => Bundle::decode_any(data).is_err(),
        "anchor" => Anchor::from_slice(data).is_err(),
        "status_list" => certanchor::status::StatusList::from_slice(data).is_err(),
        "trust_store_json" => text().is_none_or(|s| TrustStore::from_json(s).is_err()),
        "checkpoint_note" => text().is_none_or(|s| {
            certanchor::note::verify_checkpoint(s, fixtures::ledger_verifiers()).is_err()
        }),
        "header" => CertificateHeader::from_slice(data).is_err(),
        "batch_record" => IssuedBatch::from_slice(data).is_err(),
        _ => return None,
    })
}

#[test]
fn fuzz_crashers_replay_without_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-crashers");
    let mut n = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let target = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            fixtures::TARGETS.contains(&target.as_str()),
            "unknown target dir {target}"
        );
        for f in std::fs::read_dir(&dir).unwrap() {
            let path = f.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let replay = std::panic::catch_unwind(|| fixtures::run(&target, &data));
            assert!(replay.is_ok(), "{target}/{name} panics");
            if !name.ends_with(".ok")
                && let Some(is_err) = primary_is_err(&target, &data)
            {
                assert!(is_err, "{target}/{name} decodes, but must be refused");
            }
            n += 1;
        }
    }
    eprintln!("replayed {n} fuzz crashers");
}

/// The seed corpora replay cleanly too (they are what the smoke starts from).
#[test]
fn fuzz_seed_corpora_replay_without_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    for target in fixtures::TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        for f in entries {
            let path = f.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            fixtures::run(target, &data);
        }
    }
}
