//! What a bank's data team hit running the CLI and the demo in one job
//! (issue 21, section 8): `prove --all` output, bundles refreshed by
//! `endorse`, a closed stdout, `verify-many` naming what failed, and
//! `trust add-issuer` without `--not-before`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::Stdio;

use certanchor::sample;

mod common;

use common::{
    AT, LAND, LATER, Office, Setup, TAX, ca, check, key_file, run_json, run_json_code, run_stderr,
    s, write_jsonl,
};

/// `prove --all` (binary and text) writes one bundle per certificate, each
/// valid, and leaves no temporary file behind.
#[test]
fn prove_all_writes_every_bundle() {
    let o = Office::with(Setup {
        titles: 12,
        ..Setup::default()
    });
    let trust = o.p("trust.json");
    for (text, ext) in [(false, "cab"), (true, "txt")] {
        let out = o.p(&format!("all-{ext}"));
        let batch = o.p("batch");
        let mut args = vec!["prove", "--batch", &batch, "--all", "--out", &out];
        if text {
            args.push("--text");
        }
        let j = run_json(&args);
        assert_eq!(j["written"], 12);
        let mut names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        let mut want: Vec<String> = (0..12).map(|i| format!("{i}.{ext}")).collect();
        want.sort();
        assert_eq!(names, want, "no temporary files left");
        let r = run_json(&["verify-many", "--trust", &trust, "--at", LATER, &out]);
        assert_eq!(r["verdicts"]["valid"], 12, "{r:#}");
    }
}

/// Bundles `issue` wrote stay valid after `endorse`: it refreshes the
/// bundles in the batch directory, and the endorsement counts.
#[test]
fn endorse_refreshes_the_batch_bundles() {
    let o = Office::new(); // issue, then tax endorses
    let trust = o.p("trust.json");
    let r = run_json(&[
        "verify",
        "--trust",
        &trust,
        "--at",
        LATER,
        &o.p("batch/bundles/1.cab"),
    ]);
    assert_eq!(r["verdict"], "valid", "{r:#}");
    let e = check(&r, "endorsements");
    assert_eq!(e["outcome"], "passed", "{e}");
    // a holder's CA1 text in bundles/ is refreshed in its own form
    let text = o.prove(2, "batch/bundles/2.txt", true);
    let other = key_file(o.path(), "other.pem", 0x21);
    ca().args(["trust", "add-issuer", &trust, "--id", "cn.beijing.zjw"])
        .args(["--key", s(&other)])
        .assert()
        .success();
    ca().args(["trust", "add-policy", &trust, "--kind", "real_estate_title"])
        .args([
            "--endorsers",
            &format!("{TAX},cn.beijing.zjw"),
            "--at-least",
            "2",
        ])
        .assert()
        .success();
    let j = run_json(&[
        "endorse",
        "--key",
        s(&other),
        "--issuer",
        "cn.beijing.zjw",
        "--at",
        AT,
        &o.p("batch/anchor.cose"),
    ]);
    assert_eq!(j["signatures"], 3);
    assert_eq!(j["bundles_refreshed"], 4, "{j:#}");
    let after = std::fs::read_to_string(&text).unwrap();
    assert!(after.starts_with("CA1:"));
    for f in [text.as_str(), &o.p("batch/bundles/0.cab")] {
        let r = run_json(&["verify", "--trust", &trust, "--at", LATER, f]);
        assert_eq!(r["verdict"], "valid", "{f}: {r:#}");
    }
}

/// Every command stops quietly, with status 141, when its stdout is closed
/// before it writes.
#[test]
fn closed_stdout_is_not_a_panic() {
    let o = Office::new();
    let trust = o.p("trust.json");
    let cab = o.p("batch/bundles/0.cab");
    let batch = o.p("batch");
    let demo = o.p("demo");
    let cases: Vec<Vec<&str>> = vec![
        vec!["inspect", &cab],
        vec!["--json", "inspect", &cab],
        vec!["inspect", &trust],
        vec!["verify", "--trust", &trust, "--at", LATER, &cab],
        vec!["verify-many", "--trust", &trust, "--at", LATER, &batch],
        vec!["trust", "fingerprint", &trust],
        vec!["demo", "--out", &demo],
    ];
    for args in cases {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("certanchor"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader goes away before any output
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: quiet, but: {err}");
        assert_eq!(out.status.code(), Some(141), "{args:?}: {err}");
    }
}

/// `verify-many` names each input that is not valid, with its verdict and
/// the deciding check, in text, for a directory and for JSONL on stdin.
#[test]
fn verify_many_names_failing_inputs() {
    let o = Office::with(Setup {
        titles: 4,
        ..Setup::default()
    });
    let trust = o.p("trust.json");
    let dir = o.p("batch/bundles");
    // 3 is revoked; 1 is broken bytes
    o.status("revoke", "land.pem", 3, AT);
    o.prove(3, "batch/bundles/3.cab", false);
    std::fs::write(o.file("batch/bundles/1.cab"), b"not a bundle").unwrap();
    let out = ca()
        .args(["verify-many", "--trust", &trust, "--at", LATER, &dir])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let line = |name: &str| {
        text.lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name} not named in:\n{text}"))
            .to_owned()
    };
    assert!(line("1.cab").contains("invalid"), "{text}");
    assert!(line("1.cab").contains("invalid format/"), "{text}");
    assert!(line("3.cab").contains("invalid status/revoked"), "{text}");
    assert!(!text.contains("0.cab") && !text.contains("2.cab"), "{text}");
    // JSONL on stdin: named by line
    let good = o.prove(0, "t0.txt", true);
    let bad = o.p("batch/bundles/3.cab");
    // a line that is not JSON and one without a bundle are invalid rows
    // named by line, not the end of the run
    let jsonl = format!(
        "{}\n\n{}\nnot json\n{{\"id\": 7}}\n",
        serde_json::json!(std::fs::read_to_string(good).unwrap()),
        serde_json::json!({"bundle": base64_of(&std::fs::read(bad).unwrap())})
    );
    let out = ca()
        .args(["verify-many", "--trust", &trust, "--at", LATER, "-"])
        .write_stdin(jsonl)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("stdin:3: invalid status/revoked"), "{text}");
    assert!(!text.contains("stdin:1"), "{text}");
    assert!(
        text.contains("stdin:4: invalid format/invalid_text_form"),
        "{text}"
    );
    assert!(
        text.contains("stdin:5: invalid format/unexpected_type"),
        "{text}"
    );
    assert!(text.contains("total                     4"), "{text}");
    let j = run_json_code(&["verify-many", "--trust", &trust, "--at", LATER, &dir], 1);
    let r3 = j["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["input"].as_str().unwrap().ends_with("3.cab"))
        .unwrap();
    assert_eq!(r3["decided_by"], "status/revoked");
}

fn base64_of(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// A department adding the land registry's key today, without
/// `--not-before`, accepts titles issued with it before today.
#[test]
fn add_issuer_without_not_before_accepts_older_titles() {
    let d = tempfile::tempdir().unwrap();
    let land = key_file(d.path(), "land.pem", 0x11);
    let input = d.path().join("titles.jsonl");
    write_jsonl(&input, &[sample::real_estate_title(0)]);
    let batch = d.path().join("batch");
    ca().args(["issue", "--key", s(&land), "--issuer", LAND])
        .args(["--batch", "b", "--kind", "real_estate_title"])
        .args(["--input", s(&input), "--out", s(&batch), "--at", AT])
        .assert()
        .success();
    // added now, years after AT
    let trust = d.path().join("trust.json");
    ca().args(["trust", "init", "--out", s(&trust)])
        .assert()
        .success();
    ca().args(["trust", "add-issuer", s(&trust), "--id", LAND])
        .args(["--kind", "real_estate_title", "--key", s(&land)])
        .assert()
        .success();
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&trust).unwrap()).unwrap();
    assert_eq!(
        doc["issuers"][0]["keys"][0]["not_before"],
        "1970-01-01T00:00:00Z"
    );
    let r = run_json(&[
        "verify",
        "--trust",
        s(&trust),
        "--at",
        LATER,
        s(&batch.join("bundles/0.cab")),
    ]);
    assert_eq!(r["verdict"], "valid", "{r:#}");
    // --not-before still bounds it
    let strict = d.path().join("strict.json");
    ca().args(["trust", "init", "--out", s(&strict)])
        .assert()
        .success();
    ca().args(["trust", "add-issuer", s(&strict), "--id", LAND])
        .args(["--kind", "real_estate_title", "--key", s(&land)])
        .args(["--not-before", "2025-01-01"])
        .assert()
        .success();
    let r = run_json_code(
        &[
            "verify",
            "--trust",
            s(&strict),
            "--at",
            LATER,
            s(&batch.join("bundles/0.cab")),
        ],
        1,
    );
    assert_eq!(r["verdict"], "invalid", "{r:#}");
}

/// A pipe or FIFO cannot be read twice: `verify-many` refuses it (before
/// opening it, so it cannot hang) instead of verifying nothing and
/// reporting all clear; `-` is the way to give standard input.
#[test]
fn verify_many_refuses_a_fifo() {
    let o = Office::with(Setup {
        titles: 1,
        ..Setup::default()
    });
    let fifo = o.file("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let err = run_stderr(
        &[
            "verify-many",
            "--trust",
            &o.p("trust.json"),
            fifo.to_str().unwrap(),
        ],
        2,
    );
    assert!(err.contains("not a directory or a regular file"), "{err}");
    assert!(err.contains("`-` for standard input"), "{err}");
}
