//! `certanchor sync` and `verify --mirror` (SPEC §9.8–§9.9): the issue's
//! story end to end — a title revoked after its holder saved a bundle is
//! still `valid` at a verifier that only sees the bundle, and `invalid` at
//! one that synced the ledger; snapshots for offline sites; rollback and
//! damaged input refused with the state kept.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value as J;

mod common;

use common::{Office, Setup, ca, check, run_json, run_json_code};

fn office() -> Office {
    Office::with(Setup {
        titles: 6,
        policy: Some(&["--at-least", "1"]),
        ledger: true,
        ..Setup::default()
    })
}

fn error_code(args: &[&str]) -> String {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = ca().args(&all).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    let e: J = serde_json::from_slice(&out.stdout).unwrap();
    e["error"]["code"].as_str().unwrap().to_owned()
}

#[test]
fn a_synced_verifier_refuses_the_old_bundle_of_a_revoked_title() {
    let o = office();
    let (trust, ledger, batch) = (o.p("trust.json"), o.p("ledger"), o.p("batch"));
    let before = o.p("before.cab");
    ca().args(["prove", "--batch", &batch, "--index", "2", "--out", &before])
        .assert()
        .success();
    // an offline site's snapshot from before the revocation
    let old_snap = o.p("old.snapshot");
    ca().args(["ledger", "snapshot", &ledger, "--out", &old_snap])
        .assert()
        .success();
    let land = o.p("land.pem");
    let r = run_json(&[
        "status", "revoke", "--key", &land, "--batch", &batch, "--index", "2",
    ]);
    assert_eq!(r["ledger_index"], 1);

    // the verifier that knows only the bundle
    let r = run_json_code(&["verify", "--trust", &trust, &before], 0);
    assert_eq!(r["verdict"], "valid");

    // publish, sync, verify with the mirror: the ledger's list wins
    let site = o.p("site");
    ca().args(["ledger", "publish", &ledger, "--out", &site])
        .assert()
        .success();
    let m1 = o.p("m1");
    let s = run_json(&["sync", "--trust", &trust, "--state", &m1, "--from", &site]);
    assert_eq!(
        (
            s["new_size"].as_u64(),
            s["anchors"].as_u64(),
            s["status_lists"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    let r = run_json_code(&["verify", "--trust", &trust, "--mirror", &m1, &before], 1);
    assert_eq!(r["verdict"], "invalid");
    assert_eq!(check(&r, "status")["code"], "revoked");
    assert!(
        check(&r, "ledger")["reason"]
            .as_str()
            .unwrap()
            .contains("per checkpoint 2"),
        "{r}"
    );
    // another title of the batch, proven without any receipt: the mirror
    // finds the anchor
    std::fs::remove_file(o.path().join("batch/receipt.json")).unwrap();
    let plain = o.p("plain.cab");
    ca().args(["prove", "--batch", &batch, "--index", "3", "--out", &plain])
        .assert()
        .success();
    let r = run_json_code(&["verify", "--trust", &trust, &plain], 0);
    assert_eq!(check(&r, "ledger")["outcome"], "skipped");
    let r = run_json_code(&["verify", "--trust", &trust, "--mirror", &m1, &plain], 0);
    assert_eq!(check(&r, "ledger")["outcome"], "passed");
    // verify-many with the mirror
    let r = run_json_code(
        &[
            "verify-many",
            "--trust",
            &trust,
            "--mirror",
            &m1,
            &o.p("batch/bundles"),
        ],
        1,
    );
    assert_eq!(r["verdicts"]["invalid"], 1, "{r}");
    assert_eq!(r["problems"]["status/revoked"], 1, "{r}");

    // offline: the snapshot gives the same mirror
    let snap = o.p("new.snapshot");
    ca().args(["ledger", "snapshot", &ledger, "--out", &snap])
        .assert()
        .success();
    let m2 = o.p("m2");
    let s = run_json(&["sync", "--trust", &trust, "--state", &m2, "--from", &snap]);
    assert_eq!(s["new_size"], 2);
    let r = run_json_code(&["verify", "--trust", &trust, "--mirror", &m2, &before], 1);
    assert_eq!(check(&r, "status")["code"], "revoked");

    // a snapshot cut short, a rollback: refused, the mirror unchanged
    let state = std::fs::read(o.path().join("m2/mirror.json")).unwrap();
    let bytes = std::fs::read(&snap).unwrap();
    let cut = o.p("cut.snapshot");
    std::fs::write(&cut, &bytes[..bytes.len() - 40]).unwrap();
    assert_eq!(
        error_code(&["sync", "--trust", &trust, "--state", &m2, "--from", &cut]),
        "bad_snapshot"
    );
    assert_eq!(
        error_code(&[
            "sync", "--trust", &trust, "--state", &m2, "--from", &old_snap
        ]),
        "rollback"
    );
    assert_eq!(
        std::fs::read(o.path().join("m2/mirror.json")).unwrap(),
        state
    );
    let evidence: Vec<_> = std::fs::read_dir(o.path().join("m2/evidence"))
        .unwrap()
        .collect();
    assert_eq!(evidence.len(), 1);
    // a directory that is no mirror
    let empty = o.p("empty");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(o.path().join("empty/mirror.json"), "{}").unwrap();
    assert_eq!(
        error_code(&["verify", "--trust", &trust, "--mirror", &empty, &before]),
        "not_a_mirror"
    );
}

/// Kills the server when the test ends, however it ends.
struct Served(std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn sync_reads_the_trust_stores_url_from_ledger_serve() {
    use std::io::BufRead as _;
    let o = office();
    let (trust, ledger) = (o.p("trust.json"), o.p("ledger"));
    let site = o.p("site");
    ca().args(["ledger", "publish", &ledger, "--out", &site])
        .assert()
        .success();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("certanchor"))
        .args(["ledger", "serve", &site, "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let served = Served(child);
    let mut first = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut first)
        .unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();
    // no url in the trust store and no --from: a usage error naming the fix
    let m = o.p("m");
    let out = ca()
        .args(["sync", "--trust", &trust, "--state", &m])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--url"));
    // the trust store names where the ledger is published
    let vkey = run_json(&["ledger", "vkey", &ledger])["vkey"]
        .as_str()
        .unwrap()
        .to_owned();
    let bad = run_json_code(
        &[
            "trust",
            "add-ledger",
            &trust,
            "--vkey",
            &vkey,
            "--url",
            "ftp://x",
        ],
        2,
    );
    assert_eq!(bad["error"]["code"], "invalid_ledger");
    ca().args([
        "trust",
        "add-ledger",
        &trust,
        "--vkey",
        &vkey,
        "--url",
        &url,
    ])
    .assert()
    .success();
    let s = run_json(&["sync", "--trust", &trust, "--state", &m]);
    assert_eq!(s["new_size"], 1);
    // the server goes away: a transport error, the mirror kept
    drop(served);
    let state = std::fs::read(o.path().join("m/mirror.json")).unwrap();
    let out = ca()
        .args(["--json", "sync", "--trust", &trust, "--state", &m])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e: J = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(e["error"]["code"], "fetch_failed", "{e}");
    assert_eq!(
        std::fs::read(o.path().join("m/mirror.json")).unwrap(),
        state
    );
}
