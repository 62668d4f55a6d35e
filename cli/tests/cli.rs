//! The `certanchor` command line, end to end: an issuing office and a
//! verifying department, exit codes, `--json` shapes, bad input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use certanchor::keys::SigningKey;
use certanchor::sample;
use serde_json::Value as J;

mod common;

use common::{AT, LAND, LATER, Office, Setup, ca, run_json, run_json_code, s, write_jsonl};

/// An office with a ledger: named issuers, six titles issued (appended to
/// the ledger) and endorsed.
fn office() -> Office {
    Office::with(Setup {
        titles: 6,
        names: Some(("北京市规划和自然资源委员会", "国家税务总局北京市税务局")),
        policy: Some(&["--at-least", "1"]),
        ledger: true,
        ..Setup::default()
    })
}

#[test]
fn issuing_office_and_verifying_department() {
    let o = office();
    let trust = o.p("trust.json");
    // bundles written at issue time were refreshed by `endorse`: valid
    ca().args([
        "verify",
        "--trust",
        &trust,
        "--at",
        LATER,
        &o.p("batch/bundles/0.cab"),
    ])
    .assert()
    .code(0);
    // prove after the endorsement: valid, with a ledger receipt
    ca().args([
        "prove",
        "--batch",
        &o.p("batch"),
        "--index",
        "2",
        "--disclose",
        "location,right_holders",
        "--out",
        &o.p("b2.cab"),
    ])
    .assert()
    .success();
    let r = run_json(&["verify", "--trust", &trust, "--at", LATER, &o.p("b2.cab")]);
    assert_eq!(r["verdict"], "valid", "{r:#}");
    assert_eq!(r["checks"].as_array().unwrap().len(), 10);
    assert_eq!(r["checks"][9]["check"], "ledger");
    assert_eq!(r["checks"][9]["outcome"], "passed");
    assert_eq!(r["disclosed"].as_object().unwrap().len(), 2);
    // the holder discloses less; text form; CA1 text on the command line and on stdin
    ca().args([
        "disclose",
        &o.p("b2.cab"),
        "--fields",
        "location",
        "--text",
        "--out",
        &o.p("b2.txt"),
    ])
    .assert()
    .success();
    let text = std::fs::read_to_string(o.p("b2.txt")).unwrap();
    assert!(text.starts_with("CA1:"));
    ca().args(["verify", "--trust", &trust, "--at", LATER, &text])
        .assert()
        .code(0);
    ca().args(["verify", "--trust", &trust, "--at", LATER, "-"])
        .write_stdin(text.clone())
        .assert()
        .code(0);
    // by id
    ca().args([
        "prove",
        "--batch",
        &o.p("batch"),
        "--id",
        &sample::real_estate_title(4).id,
        "--out",
        &o.p("b4.cab"),
    ])
    .assert()
    .success();
    // revoke 4 (a sale): invalid; stale status later: indeterminate
    ca().args([
        "status",
        "revoke",
        "--key",
        &o.p("land.pem"),
        "--batch",
        &o.p("batch"),
        "--index",
        "4",
        "--at",
        AT,
        "--ttl",
        "3600",
    ])
    .assert()
    .success();
    o.prove(4, "b4r.cab", false);
    let r = run_json_code(
        &["verify", "--trust", &trust, "--at", LATER, &o.p("b4r.cab")],
        1,
    );
    assert_eq!(r["checks"][6]["code"], "revoked");
    o.prove(3, "b3.cab", false);
    ca().args([
        "verify",
        "--trust",
        &trust,
        "--at",
        "2024-06-02T00:00:00Z",
        &o.p("b3.cab"),
    ])
    .assert()
    .code(3);
    // suspend then reinstate 3
    o.status("suspend", "land.pem", 3, AT);
    o.prove(3, "b3s.cab", false);
    ca().args(["verify", "--trust", &trust, "--at", LATER, &o.p("b3s.cab")])
        .assert()
        .code(1);
    o.status("reinstate", "land.pem", 3, AT);
    o.prove(3, "b3r.cab", false);
    ca().args(["verify", "--trust", &trust, "--at", LATER, &o.p("b3r.cab")])
        .assert()
        .code(0);
    // verify-many over a directory: summary and worst exit code
    ca().args([
        "prove",
        "--batch",
        &o.p("batch"),
        "--all",
        "--out",
        &o.p("all"),
    ])
    .assert()
    .success();
    let out = ca()
        .args([
            "--json",
            "verify-many",
            "--trust",
            &trust,
            "--at",
            LATER,
            &o.p("all"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let j: J = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["total"], 6);
    assert_eq!(j["verdicts"]["invalid"], 1);
    assert_eq!(j["problems"]["status/revoked"], 1);
    // per input: its name, verdict and failed checks, in input order
    let results = j["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    let invalid: Vec<&J> = results
        .iter()
        .filter(|r| r["verdict"] == "invalid")
        .collect();
    assert_eq!(invalid.len(), 1, "{j:#}");
    assert_eq!(invalid[0]["failed"], serde_json::json!(["status/revoked"]));
    assert!(
        invalid[0]["input"]
            .as_str()
            .unwrap()
            .starts_with(&o.p("all"))
    );
    assert!(
        results
            .iter()
            .filter(|r| r["verdict"] == "valid")
            .all(|r| r["failed"] == serde_json::json!([]))
    );
    // the same as JSONL of CA1 texts
    let jsonl: String = [0, 1]
        .iter()
        .map(|_| serde_json::to_string(&text).unwrap() + "\n")
        .collect();
    std::fs::write(o.p("many.jsonl"), jsonl).unwrap();
    ca().args([
        "verify-many",
        "--trust",
        &trust,
        "--at",
        LATER,
        &o.p("many.jsonl"),
    ])
    .assert()
    .code(0);
}

#[test]
fn ledger_commands() {
    let o = office();
    let ledger = o.p("ledger");
    let anchor = o.p("batch/anchor.cose");
    let p = run_json(&["ledger", "prove", &ledger, "--anchor", &anchor]);
    assert_eq!(p["index"], 0);
    assert_eq!(p["tree_size"], 1);
    assert_eq!(p["leaf_hash"].as_str().unwrap().len(), 64);
    // appending the same anchor again is refused; another anchor grows the log
    ca().args(["ledger", "append", &ledger, &anchor])
        .assert()
        .code(2);
    let other = o.path().join("other");
    let land = o.p("land.pem");
    let input = o.path().join("one.jsonl");
    write_jsonl(&input, &[sample::real_estate_title(99)]);
    ca().args([
        "issue",
        "--key",
        &land,
        "--issuer",
        LAND,
        "--batch",
        "other",
        "--kind",
        "real_estate_title",
        "--input",
        s(&input),
        "--out",
        s(&other),
        "--at",
        AT,
    ])
    .assert()
    .success();
    let r = run_json(&["ledger", "append", &ledger, s(&other.join("anchor.cose"))]);
    assert_eq!(r[0]["index"], 1);
    let c = run_json(&["ledger", "consistency", &ledger, "--from", "1"]);
    assert_eq!(c["new_size"], 2);
    assert_eq!(c["path"].as_array().unwrap().len(), 1);
    ca().args(["ledger", "verify", &ledger]).assert().success();
    let cp = o.path().join("cp.txt");
    let out = ca()
        .args(["ledger", "checkpoint", &ledger])
        .output()
        .unwrap();
    std::fs::write(&cp, &out.stdout).unwrap();
    let vkey = run_json(&["ledger", "vkey", &ledger])["vkey"]
        .as_str()
        .unwrap()
        .to_owned();
    ca().args(["note", "verify", "--vkey", &vkey, s(&cp)])
        .assert()
        .success();
    let other_vkey = certanchor::note::NoteVerifier::new(
        "ledger.test/certanchor",
        SigningKey::from_seed(&[7; 32]).public_key(),
    )
    .unwrap()
    .to_verifier_key();
    ca().args(["note", "verify", "--vkey", &other_vkey, s(&cp)])
        .assert()
        .code(2);
    // a second writer is locked out while a first holds the ledger
    let _held =
        certanchor::ledger::FileLedger::open(&ledger, SigningKey::from_seed(&[0x42; 32])).unwrap();
    let out = ca()
        .args(["--json", "ledger", "append", &ledger, &anchor])
        .output()
        .unwrap();
    let e: J = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(e["error"]["code"], "locked");
}

#[test]
fn status_lists_go_to_the_batch_ledger() {
    let o = office();
    let ledger = o.p("ledger");
    let batch = o.p("batch");
    let land = o.p("land.pem");
    let status = |extra: &[&str]| -> Vec<String> {
        ["status", "revoke", "--key", &land, "--batch", &batch]
            .iter()
            .chain(extra)
            .map(|x| (*x).to_owned())
            .collect()
    };
    let run_status = |extra: &[&str]| {
        let args = status(extra);
        run_json(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    // `issue --ledger` recorded the ledger; `status` logs the new list there
    let r = run_status(&["--index", "2", "--at", LATER]);
    assert_eq!(r["ledger_index"], 1);
    let v = run_json(&["ledger", "verify", &ledger]);
    assert_eq!(
        (v["anchors"].as_u64(), v["status_lists"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(v["format"], 2);
    // the same list again is a duplicate; `ledger append` takes a list file
    let list = o.p("batch/status-revocation.cose");
    let out = ca()
        .args(["--json", "ledger", "append", &ledger, &list])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e: J = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(e["error"]["code"], "duplicate");
    // --no-ledger leaves the ledger alone
    let r = run_status(&["--index", "3", "--at", LATER, "--no-ledger"]);
    assert!(r["ledger_index"].is_null());
    assert_eq!(run_json(&["ledger", "verify", &ledger])["status_lists"], 1);
    // …and `ledger append` logs it afterwards
    let r = run_json(&["ledger", "append", &ledger, &list]);
    assert_eq!(
        (r[0]["kind"].as_str(), r[0]["index"].as_u64()),
        (Some("status_list"), Some(2))
    );
    // a held (locked) ledger stops `status` before the list changes
    let before = std::fs::read(&list).unwrap();
    let held =
        certanchor::ledger::FileLedger::open(&ledger, SigningKey::from_seed(&[0x42; 32])).unwrap();
    let out = ca()
        .args(["--json"])
        .args(status(&["--index", "4", "--at", LATER]))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e: J = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(e["error"]["code"], "locked");
    assert_eq!(std::fs::read(&list).unwrap(), before, "list changed");
    drop(held);
    // a recorded ledger that is gone is an error, not a silent skip
    std::fs::write(o.path().join("batch/ledger-dir"), "/nonexistent/ledger\n").unwrap();
    let out = ca()
        .args(["--json"])
        .args(status(&["--index", "4", "--at", LATER]))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&list).unwrap(), before, "list changed");
}

#[test]
fn keys_and_bad_input() {
    let d = tempfile::tempdir().unwrap();
    let k = d.path().join("k.pem");
    ca().args(["keygen", "--out", s(&k)]).assert().success();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&k).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let out = ca().args(["keygen", "--out", s(&k)]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to overwrite"));
    // an OpenSSL-written key (RFC 8410 §10.3 example, as `openssl genpkey -algorithm ed25519` writes)
    let ossl = d.path().join("openssl.pem");
    std::fs::write(&ossl, "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n").unwrap();
    let out = ca().args(["pubkey", s(&ossl)]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "Gb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE="
    );
    let vk = ca()
        .args(["pubkey", s(&ossl), "--note-name", "example.org/log"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&vk.stdout).starts_with("example.org/log+"));
    // every bad row is reported with its line and nothing is written
    let input = d.path().join("bad.jsonl");
    let mut certs: Vec<_> = (0..4).map(sample::business_license).collect();
    certs[1]
        .fields
        .insert("uscc".into(), certanchor::Value::from("91110105MA00000000"));
    certs[3].fields.remove("name");
    write_jsonl(&input, &certs);
    let mut text = std::fs::read_to_string(&input).unwrap();
    text.push_str("{not json\n");
    std::fs::write(&input, text).unwrap();
    let out_dir = d.path().join("out");
    let issue = |input: &Path| {
        let mut args = vec!["issue", "--key", s(&ossl), "--issuer", "x", "--batch", "b"];
        args.extend(["--kind", "business_license", "--input", s(input)]);
        ca().args(&args)
            .args(["--out", s(&out_dir)])
            .output()
            .unwrap()
    };
    let out = issue(&input);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.jsonl:5"), "{err}");
    assert!(!out_dir.exists());
    // once JSON is fixed, schema problems are reported by line and field
    let fixed = std::fs::read_to_string(&input)
        .unwrap()
        .lines()
        .take(4)
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&input, fixed).unwrap();
    let out = issue(&input);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.jsonl:2: field `uscc`"), "{err}");
    assert!(err.contains("bad.jsonl:4: field `name`"), "{err}");
    assert!(!out_dir.exists());
    // CSV input
    let csv = d.path().join("in.csv");
    std::fs::write(
        &csv,
        "id,valid_from,valid_until,name\nL-1,2024-01-01,,张三\n",
    )
    .unwrap();
    let out = issue(&csv);
    assert!(String::from_utf8_lossy(&out.stderr).contains("in.csv:2: field `uscc`"));
    // usage errors exit 2, unreadable files too
    ca().args(["verify", "--trust", "/nonexistent.json", "x.cab"])
        .assert()
        .code(2);
    ca().arg("frobnicate").assert().code(2);
}

#[test]
fn inspect_and_verify_human_output_snapshots() {
    let o = office();
    ca().args([
        "prove",
        "--batch",
        &o.p("batch"),
        "--index",
        "1",
        "--disclose",
        "location,usage",
        "--out",
        &o.p("b1.cab"),
    ])
    .assert()
    .success();
    let out = ca()
        .args([
            "verify",
            "--trust",
            &o.p("trust.json"),
            "--at",
            LATER,
            &o.p("b1.cab"),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    insta::with_settings!({filters => vec![(r"[0-9a-f]{64}", "[hash]")]}, {
        insta::assert_snapshot!("verify_valid_title", text);
    });
    let out = ca()
        .args(["inspect", &o.p("batch/anchor.cose")])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout)
        .unwrap()
        .replace(o.path().to_str().unwrap(), "[dir]");
    insta::with_settings!({filters => vec![(r"[0-9a-f]{64}", "[hash]")]}, {
        insta::assert_snapshot!("inspect_anchor", text);
    });
    let j = run_json(&["inspect", &o.p("b1.cab")]);
    assert_eq!(j["type"], "bundle");
    assert_eq!(j["value"]["disclosed"][0]["label_zh"], "坐落");
    for f in [
        "trust.json",
        "batch/batch.cbor",
        "batch/status-revocation.cose",
    ] {
        if Path::new(&o.p(f)).exists() {
            ca().args(["inspect", &o.p(f)]).assert().success();
        }
    }
    // QR codes
    ca().args(["qr", &o.p("b1.cab"), "--out", &o.p("b1.svg")])
        .assert()
        .success();
    ca().args(["qr", &o.p("b1.cab"), "--out", &o.p("b1.png")])
        .assert()
        .success();
    assert!(
        std::fs::read(o.p("b1.png"))
            .unwrap()
            .starts_with(b"\x89PNG")
    );
    ca().args(["qr", &o.p("b1.cab")]).assert().success();
}

#[test]
fn demo_runs() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("demo");
    let j = run_json(&["demo", "--out", s(&out)]);
    let cases = j["cases"].as_array().unwrap();
    let verdict = |name: &str| cases.iter().find(|c| c["case"] == name).unwrap()["verdict"].clone();
    assert_eq!(verdict("partial disclosure to a bank"), "valid");
    assert_eq!(verdict("revoked after sale"), "invalid");
    assert_eq!(verdict("tampered name"), "invalid");
    assert_eq!(verdict("stale status list"), "indeterminate");
    // the bank's JSON Lines file: the garbled line and the two titles,
    // each named with the check that decided it
    let bulk = cases.iter().find(|c| c["case"] == "bulk").unwrap();
    let not_valid: Vec<(String, String)> = bulk["not_valid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let place = r["input"].as_str().unwrap();
            let line = place.rsplit(':').next().unwrap().to_owned();
            (line, r["decided_by"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(not_valid.len(), 3, "{not_valid:?}");
    assert_eq!(
        not_valid[0],
        ("4".to_owned(), "format/invalid_text_form".to_owned())
    );
    assert!(
        not_valid[1].1.starts_with("status/suspended (certificate "),
        "{not_valid:?}"
    );
    assert!(
        not_valid[2].1.starts_with("status/revoked (certificate "),
        "{not_valid:?}"
    );
    // and the CLI says the same of that file
    let many = run_json_code(
        &[
            "verify-many",
            "--trust",
            s(&out.join("trust.json")),
            s(&out.join("bank-applications.jsonl")),
        ],
        1,
    );
    assert_eq!(many["verdicts"]["invalid"], 3, "{many}");
    // the files it leaves verify with the CLI
    ca().args([
        "verify",
        "--trust",
        s(&out.join("trust.json")),
        s(&out.join("title-17-for-bank.txt")),
    ])
    .assert()
    .code(0);
    // what a follow-up job needs: the ledger's key and verifier key, the
    // receipts, every bundle
    for f in [
        "ledger.vkey",
        "ledger/ledger-key.pem",
        "licenses/receipt.json",
        "titles/receipt.json",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let vkey = run_json(&["ledger", "vkey", s(&out.join("ledger"))])["vkey"]
        .as_str()
        .unwrap()
        .to_owned();
    let saved = std::fs::read_to_string(out.join("ledger.vkey")).unwrap();
    assert_eq!(saved.trim_end(), vkey);
    let trust = out.join("trust.json");
    for (batch, n, code) in [("licenses", 1000, 0), ("titles", 200, 1)] {
        let dir = out.join(batch).join("bundles");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), n, "{batch}");
        let j = run_json_code(&["verify-many", "--trust", s(&trust), s(&dir)], code);
        if batch == "licenses" {
            assert_eq!(j["verdicts"]["valid"], n, "{j:#}");
        } else {
            // title 42 revoked, title 17 suspended
            assert_eq!(j["verdicts"]["invalid"], 2, "{j:#}");
        }
    }
    // prove puts receipt.json's receipt into the bundle: the ledger check passes
    let b7 = out.join("license-7.cab");
    ca().args(["prove", "--batch", s(&out.join("licenses")), "--index", "7"])
        .args(["--out", s(&b7)])
        .assert()
        .success();
    let r = run_json(&["verify", "--trust", s(&trust), s(&b7)]);
    assert_eq!(r["verdict"], "valid", "{r:#}");
    assert_eq!(common::check(&r, "ledger")["outcome"], "passed", "{r:#}");
}

#[test]
fn bench_json_has_the_documented_keys() {
    let j = run_json(&["bench", "--n", "300"]);
    for k in [
        "n",
        "cores",
        "issue_seconds",
        "issue_per_s",
        "issue_repeat_seconds",
        "verify_warm_per_s_core",
        "verify_cold_per_s_core",
        "verify_many_per_s",
        "peak_rss_bytes",
        "sha256_per_s_core",
        "ed25519_verify_per_s_core",
        "issue_peak_rss_bytes",
        "input_peak_rss_bytes",
        "verify_many_1core_per_s",
        "verify_many_scaling",
        "verify_map_1core_per_s",
        "verify_map_per_s",
        "verify_map_scaling",
        "verify_many_anchors_per_s_core",
        "bundle_bytes",
        "qr_text_chars_6_fields",
        "verify_cold_signatures_per_bundle",
    ] {
        assert!(j[k].is_number(), "{k}: {j:#}");
    }
    assert_eq!(j["n"], 300);
    // the CLI is built with the core's Ed25519 batch verification
    assert_eq!(j["ed25519_batch"], true, "{j:#}");
    // issuer and tax bureau sign the bench's anchor
    assert_eq!(j["verify_cold_signatures_per_bundle"], 2);
    for k in [
        "issue_per_s_over_sha256",
        "issue_repeat_per_s_over_sha256",
        "verify_warm_over_sha256",
        "verify_cold_over_ed25519",
        "verify_cold_signatures_over_ed25519",
        "verify_many_anchors_over_ed25519",
    ] {
        assert!(
            j["ratios"][k].as_f64().is_some_and(|r| r > 0.0),
            "{k}: {j:#}"
        );
    }
}
