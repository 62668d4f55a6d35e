//! Writes the seed corpora `fuzz/corpus/<target>/` from the fixtures and from
//! `tests/vectors/*.json`. Deterministic apart from salts: re-running it
//! rewrites the same file names.
//!
//! Built as an example of the core crate (so it shares the workspace build):
//! `cargo run -p certanchor --example fuzz_corpus`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use certanchor::Document;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use certanchor::ledger::FileLedger;
use certanchor::ledger::Ledger as _;
use certanchor::{Bundle, Value};
#[path = "src/lib.rs"]
#[allow(dead_code)]
mod fixtures;

use fixtures::{
    CHECKPOINTS, LEDGER_ORIGIN, SEGMENT, batch, bundle, fixture_clock, ledger_anchors, ledger_key,
    ledger_snapshot, ledger_template, scratch_dir,
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn put(target: &str, name: &str, bytes: &[u8]) {
    let dir = root().join("fuzz/corpus").join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn vectors(name: &str) -> serde_json::Value {
    let p = root().join("tests/vectors").join(name);
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn b64(v: &serde_json::Value) -> Option<Vec<u8>> {
    v.as_str().and_then(|s| B64.decode(s).ok())
}

fn main() {
    let b = bundle();
    let batch = batch();
    let header = b.decoded_header().unwrap();

    // a bundle with a ledger receipt
    let dir = scratch_dir("gen");
    let receipt = {
        let mut l = FileLedger::create(&dir, LEDGER_ORIGIN, ledger_key()).unwrap();
        l.set_clock(fixture_clock);
        l.append(ledger_anchors()[0].as_slice()).unwrap();
        l.append(batch.anchor().as_bytes()).unwrap()
    };
    let _ = std::fs::remove_dir_all(&dir);
    let mut with_receipt = b.clone();
    with_receipt.receipt = Some(receipt.to_bundle_receipt());
    let full = batch.bundle(0, None).unwrap();
    let revoked = batch.bundle(2, Some(&["name"])).unwrap();

    let bundles: Vec<(&str, Bundle)> = vec![
        ("fixture_two_fields", b.clone()),
        ("fixture_all_fields", full),
        ("fixture_revoked", revoked),
        ("fixture_receipt", with_receipt.clone()),
    ];
    for (name, bd) in &bundles {
        put("bundle_binary", name, &bd.to_vec());
        put("bundle_text", name, bd.to_text().as_bytes());
        put("verify_bytes", name, &bd.to_vec());
        put(
            "verify_bytes",
            &format!("{name}_text"),
            bd.to_text().as_bytes(),
        );
    }

    // CBOR values: every nested document, and a few small shapes
    put("cbor_value", "bundle", &b.to_vec());
    put("cbor_value", "header", &b.header);
    put("cbor_value", "anchor_body", &batch.anchor().body().to_vec());
    put(
        "cbor_value",
        "status_body",
        &batch.status_lists()[0].body().to_vec(),
    );
    let mut m = std::collections::BTreeMap::new();
    m.insert("a".to_owned(), Value::Int(-1));
    m.insert(
        "bb".to_owned(),
        Value::Array(vec![Value::Null, Value::Bool(true)]),
    );
    m.insert("c".to_owned(), Value::Bytes(vec![1, 2, 3]));
    put("cbor_value", "small_map", &Value::Map(m).to_vec());
    for d in &b.disclosed {
        put(
            "cbor_value",
            &format!("value_{}", d.name),
            &d.value.to_vec(),
        );
    }

    put("header", "fixture", &b.header);
    put(
        "header",
        "fixture_leaf0",
        &batch.bundle(0, None).unwrap().header,
    );
    let _ = header;

    // ledger entries, bundles, paths, snapshots
    let snap = ledger_snapshot();
    put("ledger_tiles", "snapshot", snap);
    put("ledger_tiles", "snapshot_cut", &snap[..snap.len() - 7]);
    put("ledger_tiles", "tile_path", b"tile/0/x001/x234/067");
    put("ledger_tiles", "entries_path", b"tile/entries/005.p/17");
    let mut typed = vec![0x01];
    typed.extend_from_slice(batch.anchor().id().as_bytes());
    put("ledger_tiles", "anchor_entry", &typed);
    let mut list = vec![0x02];
    list.extend_from_slice(batch.status_lists()[0].as_bytes());
    put("ledger_tiles", "status_entry", &list);
    let mut bundle = vec![2u8];
    for e in [&typed, &list] {
        bundle.extend_from_slice(&(e.len() as u16).to_be_bytes());
        bundle.extend_from_slice(e);
    }
    put("ledger_tiles", "bundle_of_two", &bundle);

    put("anchor", "fixture", batch.anchor().as_bytes());
    put("anchor", "ledger_0", &ledger_anchors()[0]);
    put("anchor", "body_only", &batch.anchor().body().to_vec());

    for (i, l) in batch.status_lists().iter().enumerate() {
        put("status_list", &format!("fixture_{i}"), l.as_bytes());
        put(
            "status_list",
            &format!("fixture_body_{i}"),
            &l.body().to_vec(),
        );
    }

    put("batch_record", "fixture", &batch.to_vec());

    put(
        "trust_store_json",
        "fixture",
        fixtures::trust_store().to_json().as_bytes(),
    );

    let rc = with_receipt.receipt.as_ref().unwrap();
    put(
        "checkpoint_note",
        "fixture_signed",
        rc.checkpoint.as_bytes(),
    );
    // a witness's add-checkpoint request carrying it (SPEC §9.7.3)
    put(
        "checkpoint_note",
        "add_checkpoint_request",
        certanchor::witness::AddCheckpointRequest::new(0, vec![], &rc.checkpoint)
            .to_body()
            .as_bytes(),
    );
    if let Some((text, _)) = rc.checkpoint.split_once("\n\n") {
        put(
            "checkpoint_note",
            "fixture_text",
            format!("{text}\n").as_bytes(),
        );
    }

    for (name, bytes) in ledger_template() {
        if name == SEGMENT {
            put(
                "ledger_recovery",
                "segment_whole",
                &[&[0u8][..], bytes].concat(),
            );
            put(
                "ledger_recovery",
                "segment_second",
                &[&[2u8][..], bytes].concat(),
            );
            let tail = bytes.get(8..).unwrap_or_default();
            put(
                "ledger_recovery",
                "segment_append",
                &[&[4u8][..], tail].concat(),
            );
        }
        if name == CHECKPOINTS {
            put(
                "ledger_recovery",
                "checkpoints_whole",
                &[&[1u8][..], bytes].concat(),
            );
            let tail = bytes.get(8..).unwrap_or_default();
            put(
                "ledger_recovery",
                "checkpoints_append",
                &[&[5u8][..], tail].concat(),
            );
        }
    }

    // certificate input: JSONL and CSV of sample licenses and titles
    for (sel, kind) in [(0u8, "business_license"), (2u8, "real_estate_title")] {
        let certs: Vec<_> = (0..3)
            .map(|i| {
                if kind == "business_license" {
                    certanchor::sample::business_license(i)
                } else {
                    certanchor::sample::real_estate_title(i)
                }
            })
            .collect();
        let mut jsonl = vec![sel];
        for c in &certs {
            let line = serde_json::json!({
                "id": c.id, "valid_from": c.valid_from, "valid_until": c.valid_until,
                "fields": c.fields.iter().map(|(k, v)| (k.clone(), v.to_json()))
                    .collect::<serde_json::Map<_, _>>(),
            });
            jsonl.extend_from_slice(line.to_string().as_bytes());
            jsonl.push(b'\n');
        }
        put("certificate_input", &format!("{kind}_jsonl"), &jsonl);
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let names: Vec<&String> = certs[0].fields.keys().collect();
        let mut csv = String::from("id,valid_from,valid_until");
        for n in &names {
            csv.push(',');
            csv.push_str(&quote(n));
        }
        csv.push('\n');
        for c in &certs {
            csv.push_str(&format!(
                "{},2024-01-01,{}",
                quote(&c.id),
                c.valid_until.map_or(String::new(), |t: u64| t.to_string())
            ));
            for n in &names {
                csv.push(',');
                match c.fields.get(*n) {
                    None | Some(Value::Null) => {}
                    Some(Value::Text(t)) => csv.push_str(&quote(t)),
                    Some(v) => csv.push_str(&quote(&v.to_json().to_string())),
                }
            }
            csv.push('\n');
        }
        put(
            "certificate_input",
            &format!("{kind}_csv"),
            &[&[sel + 1][..], csv.as_bytes()].concat(),
        );
    }

    // tests/vectors
    let bv = vectors("bundles.json");
    for (i, a) in bv["anchors"].as_array().unwrap().iter().enumerate() {
        if let Some(x) = b64(&a["cose"]) {
            put("anchor", &format!("vector_{i}"), &x);
        }
    }
    for (i, s) in bv["status_lists"].as_array().unwrap().iter().enumerate() {
        if let Some(x) = b64(&s["cose"]) {
            put("status_list", &format!("vector_{i}"), &x);
        }
    }
    for key in ["cases", "malformed"] {
        for (i, c) in bv[key].as_array().unwrap().iter().enumerate() {
            if let Some(x) = b64(&c["bundle"]) {
                put("bundle_binary", &format!("vector_{key}_{i}"), &x);
                put("verify_bytes", &format!("vector_{key}_{i}"), &x);
                if i < 3 {
                    put("cbor_value", &format!("vector_{key}_{i}"), &x);
                }
            }
        }
    }
    put(
        "trust_store_json",
        "vector",
        serde_json::to_string_pretty(&bv["trust_store"])
            .unwrap()
            .as_bytes(),
    );
    let nv = vectors("note.json");
    for key in ["open", "verify_checkpoint"] {
        for (i, c) in nv[key].as_array().unwrap().iter().enumerate().take(6) {
            if let Some(s) = c["note"].as_str() {
                put(
                    "checkpoint_note",
                    &format!("vector_{key}_{i}"),
                    s.as_bytes(),
                );
            }
        }
    }
    for key in ["checkpoints", "invalid_checkpoints"] {
        for (i, c) in nv[key].as_array().unwrap().iter().enumerate().take(6) {
            if let Some(s) = c["text"].as_str() {
                put(
                    "checkpoint_note",
                    &format!("vector_{key}_{i}"),
                    s.as_bytes(),
                );
            }
        }
    }
    println!(
        "corpora written under {}",
        root().join("fuzz/corpus").display()
    );
}
