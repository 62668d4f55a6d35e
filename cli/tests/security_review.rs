//! The attacks of the security review, end to end through the `certanchor`
//! binary (SECURITY.md §3): a stripped revocation list, a revoked key's
//! sticky list, a late endorsement by a revoked key, junk lists that used
//! to exhaust memory, and order-dependent bulk verdicts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use certanchor::Document;

use certanchor::keys::SigningKey;
use certanchor::status::{StatusList, StatusListBody, StatusPurpose};
use certanchor::{Bundle, IssuedBatch};
use serde_json::Value as J;

mod common;

use common::{AT, LAND, LATER, Office, Setup, TAX, ca, check, key_file, run_json_code as run, s};

const AT_UNIX: u64 = 1_717_200_000;

fn status_code(report: &J) -> &str {
    check(report, "status")["code"].as_str().unwrap()
}

/// A land registry that requires fresh status lists (both purposes) for
/// titles, a tax bureau that endorses, and six titles issued, endorsed,
/// with both status lists published.
fn office() -> Office {
    let o = Office::with(Setup {
        titles: 6,
        policy: Some(&["--at-least", "1", "--require-status"]),
        ..Setup::default()
    });
    // publish both lists: reinstate on a clear bit publishes the suspension list
    for action in ["revoke", "suspend", "reinstate"] {
        o.status(action, "land.pem", 0, AT);
    }
    o
}

/// Proves title `index` into `out` and reads the bundle.
fn prove(o: &Office, index: usize, out: &str) -> Bundle {
    Bundle::from_slice(&std::fs::read(o.prove(index, out, false)).unwrap()).unwrap()
}

/// Writes `b` to `name`, returns its path.
fn write(o: &Office, name: &str, b: &Bundle) -> String {
    std::fs::write(o.file(name), b.to_vec()).unwrap();
    o.p(name)
}

/// The issued batch as `issue` wrote it.
fn batch(o: &Office) -> IssuedBatch {
    IssuedBatch::from_slice(&std::fs::read(o.file("batch/batch.cbor")).unwrap()).unwrap()
}

fn purpose(list: &[u8]) -> StatusPurpose {
    StatusList::from_slice(list).unwrap().body().purpose
}

/// Defect 1 at the command line: title 4, sold and revoked, with its
/// revocation list cut out of the bundle.
#[test]
fn stripped_revocation_list_is_not_valid() {
    let o = office();
    o.status("revoke", "land.pem", 4, AT);
    let mut b = prove(&o, 4, "t4.cab");
    let full = write(&o, "full.cab", &b);
    b.status.retain(|l| purpose(l) != StatusPurpose::Revocation);
    assert_eq!(b.status.len(), 1);
    let stripped = write(&o, "stripped.cab", &b);
    let trust = o.p("trust.json");
    let r = run(&["verify", "--trust", &trust, "--at", LATER, &stripped], 3);
    assert_eq!(r["verdict"], "indeterminate");
    assert_eq!(status_code(&r), "status_missing");
    let out = ca()
        .args(["verify", "--trust", &trust, "--at", LATER, &stripped])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("INDETERMINATE 待定\n"), "{text}");
    assert!(!text.contains("VALID 有效\n") || text.contains("INVALID"));
    // with its list, or that list passed out of band, it is revoked
    let r = run(&["verify", "--trust", &trust, "--at", LATER, &full], 1);
    assert_eq!(status_code(&r), "revoked");
    let rev = o.p("batch/status-revocation.cose");
    let r = run(
        &[
            "verify", "--trust", &trust, "--at", LATER, "--status", &rev, &stripped,
        ],
        1,
    );
    assert_eq!(status_code(&r), "revoked");
}

/// Defect 3: the land registry's first key, revoked after it leaked, signs
/// a clean list dated before its revocation with the largest epoch and a
/// ttl of 2^40 s. The genuine newer list (second key) wins, out of band and
/// in a bulk run; the forged list alone makes nothing valid.
#[test]
fn a_revoked_keys_backdated_list_does_not_stick() {
    let o = office();
    let trust = o.p("trust.json");
    // rotation: a second key, and the first revoked an hour after issue
    let second = key_file(o.path(), "land2.pem", 0x21);
    ca().args([
        "trust",
        "add-issuer",
        &trust,
        "--id",
        LAND,
        "--key",
        s(&second),
        "--not-before",
        AT,
    ])
    .assert()
    .success();
    let mut doc: J = serde_json::from_str(&std::fs::read_to_string(&trust).unwrap()).unwrap();
    doc["issuers"][0]["keys"][0]["revoked_at"] = J::from("2024-06-01T00:30:00Z");
    std::fs::write(&trust, doc.to_string()).unwrap();
    // the genuine lists, with the second key: title 1 revoked, none suspended
    for action in ["revoke", "reinstate"] {
        o.status(action, "land2.pem", 1, "2024-06-01T00:40:00Z");
    }
    let genuine = o.p("batch/status-revocation.cose");
    let honest = prove(&o, 2, "honest.cab");
    // the forged lists, signed with the leaked first key
    let leaked = SigningKey::from_seed(&[0x11; 32]);
    let a = batch(&o).anchor().body().clone();
    let forged: Vec<Vec<u8>> = [StatusPurpose::Revocation, StatusPurpose::Suspension]
        .into_iter()
        .map(|p| {
            let body = StatusListBody::new(
                &a.issuer,
                &a.batch,
                a.root,
                p,
                u64::MAX,
                AT_UNIX + 600,
                1 << 40,
                a.tree_size,
            );
            StatusList::sign(&body, &leaked)
                .unwrap()
                .as_bytes()
                .to_vec()
        })
        .collect();
    let mut attack = prove(&o, 1, "t1.cab");
    attack.status.clone_from(&forged);
    let attack_path = write(&o, "attack.cab", &attack);
    let r = run(
        &["verify", "--trust", &trust, "--at", LATER, &attack_path],
        3,
    );
    assert_eq!(status_code(&r), "status_key_not_valid");
    let r = run(
        &[
            "verify",
            "--trust",
            &trust,
            "--at",
            LATER,
            "--status",
            &genuine,
            &attack_path,
        ],
        1,
    );
    assert_eq!(status_code(&r), "revoked");
    // bulk: many forged bundles, then the honest one in a later chunk of
    // the run (verify-many verifies 1,024 at a time)
    let dir = o.path().join("bulk");
    std::fs::create_dir(&dir).unwrap();
    for i in 0..1100 {
        std::fs::write(dir.join(format!("a{i:04}.cab")), attack.to_vec()).unwrap();
    }
    std::fs::write(dir.join("z-honest.cab"), honest.to_vec()).unwrap();
    let r = run(
        &["verify-many", "--trust", &trust, "--at", LATER, s(&dir)],
        1,
    );
    assert_eq!(r["verdicts"]["invalid"], 1100, "{}", r["verdicts"]);
    assert_eq!(r["problems"]["status/revoked"], 1100, "{}", r["problems"]);
    assert_eq!(r["verdicts"]["valid"], 1, "{}", r["verdicts"]);
    assert_eq!(
        r["results"][1100]["input"]
            .as_str()
            .map(|n| n.ends_with("z-honest.cab")),
        Some(true)
    );
}

/// Defect 4: the tax key was revoked a year ago; `endorse` run today with
/// it adds an endorsement that does not count, whatever time it claims.
#[test]
fn a_late_endorsement_by_a_revoked_key_does_not_count() {
    let o = office();
    let trust = o.p("trust.json");
    let mut doc: J = serde_json::from_str(&std::fs::read_to_string(&trust).unwrap()).unwrap();
    let tax = doc["issuers"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|i| i["id"] == TAX)
        .unwrap();
    tax["keys"][0]["revoked_at"] = J::from("2024-07-01T00:00:00Z");
    std::fs::write(&trust, doc.to_string()).unwrap();
    // a fresh anchor of the same batch, endorsed "today" and back-dated
    for (n, at) in ["2025-06-01T00:00:00Z", "2024-06-01T00:10:00Z"]
        .into_iter()
        .enumerate()
    {
        // the anchor as issued, before the tax bureau's timely endorsement
        // (Ed25519 signing is deterministic: the issuer's signature again)
        let land = SigningKey::from_seed(&[0x11; 32]);
        let issued = certanchor::Anchor::sign(batch(&o).anchor().body(), &land).unwrap();
        let anchor = o.path().join(format!("anchor-{n}.cose"));
        std::fs::write(&anchor, issued.as_bytes()).unwrap();
        ca().args([
            "endorse",
            "--key",
            &o.p("tax.pem"),
            "--issuer",
            TAX,
            "--at",
            at,
            s(&anchor),
        ])
        .assert()
        .success();
        let mut b = prove(&o, 3, "t3.cab");
        b.anchor = std::fs::read(&anchor).unwrap();
        let path = write(&o, "late.cab", &b);
        let r = run(
            &[
                "verify",
                "--trust",
                &trust,
                "--at",
                "2025-06-01T00:05:00Z",
                &path,
            ],
            1,
        );
        let e = check(&r, "endorsements");
        assert_eq!(e["code"], "endorsements_missing", "{at}: {e}");
        assert!(e["reason"].as_str().unwrap().contains("revoked"), "{e}");
    }
}

/// Defect 5: 200 bundles of about 12 KB, each with four unsigned lists that
/// would inflate to 2 MiB, drove verify-many to 1.9 GB. Now they cost their
/// bytes.
#[test]
fn junk_lists_do_not_exhaust_memory() {
    let o = office();
    let junk = SigningKey::from_seed(&[0x99; 32]);
    let a = batch(&o).anchor().body().clone();
    let base = prove(&o, 0, "t0.cab");
    let dir = o.path().join("junk");
    std::fs::create_dir(&dir).unwrap();
    let mut body = StatusListBody::new(
        &a.issuer,
        &a.batch,
        a.root,
        StatusPurpose::Revocation,
        0,
        AT_UNIX,
        3600,
        0,
    );
    body.bits = vec![0; certanchor::status::MAX_STATUS_BITS];
    for i in 0..200u64 {
        let mut b = base.clone();
        b.status = (0..4)
            .map(|j| {
                body.epoch = i * 4 + j;
                StatusList::sign(&body, &junk).unwrap().as_bytes().to_vec()
            })
            .collect();
        std::fs::write(dir.join(format!("{i:03}.cab")), b.to_vec()).unwrap();
    }
    let r = run(
        &[
            "verify-many",
            "--trust",
            &o.p("trust.json"),
            "--at",
            LATER,
            s(&dir),
        ],
        1,
    );
    assert_eq!(r["problems"]["status/status_bad_signature"], 200, "{r}");
    let held = r["verifier_memory_bytes"].as_u64().unwrap();
    assert!(held < 16 << 20, "the verifier holds {held} bytes");
    let rss = r["peak_rss_bytes"].as_u64().unwrap();
    assert!(rss < 400 << 20, "peak RSS {rss} bytes");
}
