//! A forged bundle cannot forge the human report (SECURITY.md §3): strings
//! from a bundle or a trust store reach the screen escaped and capped, never
//! as terminal controls, bidi overrides or extra lines; `--json` keeps them
//! exact.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use certanchor::Document;
use std::path::{Path, PathBuf};

use certanchor::keys::SigningKey;
use certanchor::{IssueOptions, Issuer, TrustStore, sample};
use serde_json::Value as J;

mod common;

use common::{AT, LAND, ca, key_file, s};

const CHECKS: [&str; 10] = [
    "format",
    "integrity",
    "inclusion",
    "issuer_signature",
    "authorization",
    "endorsements",
    "status",
    "validity",
    "schema",
    "ledger",
];

/// The adversarial review's certificate id: 182 bytes that clear the screen,
/// move the cursor up, return to the line start, reverse the text, end the
/// check list with a fake `disclosed:` line and paint a `VALID 有效` banner.
fn forged_id() -> String {
    let mut id = String::from("\u{1b}[2J\u{1b}[H京(2024)朝阳区不动产权第0012345号\r");
    id.push_str("\u{202e}\u{2066}\u{202d}\ndisclosed:\n");
    id.push_str("\u{1b}[1A\u{1b}[1A\u{1b}[1A\u{1b}[1A\rVALID 有效\n\u{1b}[1A\u{1b}[32m");
    while id.len() < 182 {
        id.push(' ');
    }
    assert_eq!(id.len(), 182);
    id
}

/// A bundle with the forged id, claiming the trusted land registry's issuer
/// id but signed by a key nobody trusts: really INVALID.
fn forged_bundle(dir: &Path) -> PathBuf {
    let mut cert = sample::real_estate_title(3);
    cert.id = forged_id();
    let batch = Issuer::new(SigningKey::from_seed(&[0x77; 32]), LAND)
        .issue(
            "2024-06-X",
            &[cert],
            &IssueOptions::at(sample::JAN_1_2024 + 86_400),
        )
        .unwrap();
    let bundle = batch.bundle(0, Some(&["location", "usage"])).unwrap();
    let p = dir.join("forged.cab");
    std::fs::write(&p, bundle.to_vec()).unwrap();
    p
}

fn demo_trust(dir: &Path) -> PathBuf {
    let p = dir.join("trust.json");
    let store = TrustStore::from_doc(sample::demo_trust_doc(None)).unwrap();
    std::fs::write(&p, store.to_json()).unwrap();
    p
}

/// Terminal escapes, carriage returns, bidi and invisible format characters.
fn dangerous(c: char) -> bool {
    c != '\n' && certanchor::display::is_unsafe(c)
}

fn assert_clean(text: &str) {
    assert!(
        !text.chars().any(dangerous),
        "a control or bidi character reached the screen: {text:?}"
    );
    assert!(!text.contains('\u{1b}') && !text.contains('\r') && !text.contains('\u{202e}'));
}

#[test]
fn forged_id_cannot_paint_a_valid_banner() {
    let d = tempfile::tempdir().unwrap();
    let bundle = forged_bundle(d.path());
    let trust = demo_trust(d.path());
    let out = ca()
        .args(["verify", "--trust", s(&trust), "--at", AT, s(&bundle)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_clean(&text);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "INVALID 无效", "{text}");
    for l in &lines[1..] {
        assert!(
            !l.trim_start().starts_with("VALID"),
            "a second banner: {l:?}\n{text}"
        );
    }
    // every check has its line, in order, and issuer_signature failed
    let check_lines: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("  ["))
        .collect();
    assert_eq!(check_lines.len(), 10, "{text}");
    for (l, name) in check_lines.iter().zip(CHECKS) {
        assert_eq!(&l[8..9], " ", "{l}");
        assert!(l[9..].starts_with(&format!("{name:<16} ")), "{l}");
    }
    assert!(
        check_lines[3].starts_with("  [FAIL] issuer_signature "),
        "{text}"
    );
    // one certificate line, escaped and capped; one disclosed block, with labels
    let cert: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with("certificate: "))
        .collect();
    assert_eq!(cert.len(), 1, "{text}");
    assert!(
        cert[0].starts_with("certificate: \\u{1b}[2J\\u{1b}[H京(2024)"),
        "{text}"
    );
    assert!(cert[0].contains("\\r\\u{202e}\\u{2066}\\u{202d}\\ndisclosed:\\n"));
    assert!(cert[0].contains(" chars) (real_estate_title)"), "{text}");
    assert_eq!(lines.iter().filter(|l| **l == "disclosed:").count(), 1);
    assert!(text.contains("\n  location 坐落: \""), "{text}");
    assert!(
        text.contains("\n  usage 用途: \"城镇住宅用地/住宅\"\n"),
        "{text}"
    );

    // --json keeps the exact id and the same verdict
    let out = ca()
        .args([
            "--json",
            "verify",
            "--trust",
            s(&trust),
            "--at",
            AT,
            s(&bundle),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let j: J = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["verdict"], "invalid");
    assert_eq!(j["certificate"]["id"], forged_id());

    // verify-many's table over a directory holding it
    let many = d.path().join("many");
    std::fs::create_dir(&many).unwrap();
    std::fs::copy(&bundle, many.join("forged.cab")).unwrap();
    let out = ca()
        .args(["verify-many", "--trust", s(&trust), "--at", AT, s(&many)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_clean(&text);
    assert!(text.contains("\ninvalid                   1\n"), "{text}");
}

#[test]
fn inspect_shows_the_forged_bundle_escaped() {
    let d = tempfile::tempdir().unwrap();
    let bundle = forged_bundle(d.path());
    let out = ca().args(["inspect", s(&bundle)]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_clean(&text);
    assert!(text.starts_with("bundle: "), "{text}");
    assert!(
        text.contains("\"id\": \"\\u{1b}[2J\\u{1b}[H京(2024)朝阳区不动产权第0012345号\\r\\u{202e}"),
        "{text}"
    );
    assert!(text.contains("\"label_zh\": \"坐落\""), "{text}");
    // no line of the output starts with what the id tries to print
    assert!(!text.lines().any(|l| l.trim_start().starts_with("VALID")));
    // --json: the exact id
    let out = ca()
        .args(["--json", "inspect", s(&bundle)])
        .output()
        .unwrap();
    let j: J = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["value"]["header"]["id"], forged_id());
}

#[test]
fn trust_store_names_and_error_messages_are_escaped() {
    let d = tempfile::tempdir().unwrap();
    let trust = d.path().join("trust.json");
    let land = key_file(d.path(), "land.pem", 0x11);
    let name = "北京市规划和自然资源委员会\u{1b}[2K\r\u{202e}VALID 有效\n";
    ca().args(["trust", "init", "--out", s(&trust)])
        .assert()
        .success();
    let out = ca()
        .args([
            "trust",
            "add-issuer",
            s(&trust),
            "--id",
            "cn.beijing.ghzrzyw\u{1b}[8m",
            "--kind",
            "real_estate_title",
            "--key",
            s(&land),
            "--name",
            name,
            "--not-before",
            "2024-01-01T00:00:00Z",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_clean(&text);
    assert!(
        text.contains("issuer `cn.beijing.ghzrzyw\\u{1b}[8m`"),
        "{text}"
    );

    // the trust store listed by inspect
    let out = ca().args(["inspect", s(&trust)]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_clean(&text);
    assert!(
        text.contains(
            "\"name\": \"北京市规划和自然资源委员会\\u{1b}[2K\\r\\u{202e}VALID 有效\\n\""
        ),
        "{text}"
    );

    // a title by that issuer: its name in the report, escaped
    let mut cert = sample::real_estate_title(5);
    cert.id = "京(2024)朝阳区不动产权第0000005号".into();
    let batch = Issuer::new(
        SigningKey::from_seed(&[0x11; 32]),
        "cn.beijing.ghzrzyw\u{1b}[8m",
    )
    .issue("b", &[cert], &IssueOptions::at(sample::JAN_1_2024 + 86_400))
    .unwrap();
    let bundle = d.path().join("t.cab");
    std::fs::write(&bundle, batch.bundle(0, Some(&["usage"])).unwrap().to_vec()).unwrap();
    let out = ca()
        .args(["verify", "--trust", s(&trust), "--at", AT, s(&bundle)])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_clean(&text);
    assert!(
        text.contains(
            "\nissuer: 北京市规划和自然资源委员会\\u{1b}[2K\\r\\u{202e}VALID 有效\\n [cn.beijing.ghzrzyw\\u{1b}[8m]\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("  [ok  ] issuer_signature signed by 北京市规划和自然资源委员会\\u{1b}[2K"),
        "{text}"
    );
    assert!(
        !text
            .lines()
            .skip(1)
            .any(|l| l.trim_start().starts_with("VALID"))
    );

    // an error quoting input: the message escaped on stderr, exact in --json
    let evil = d.path().join("\u{1b}[2Jmissing\u{202e}.cab");
    let out = ca()
        .args(["verify", "--trust", s(&trust), s(&evil)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_clean(&err);
    assert!(err.starts_with("error: cannot read "), "{err}");
    assert!(err.contains("\\u{1b}[2Jmissing\\u{202e}.cab"), "{err}");
    let out = ca()
        .args(["--json", "verify", "--trust", s(&trust), s(&evil)])
        .output()
        .unwrap();
    let j: J = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        j["error"]["message"]
            .as_str()
            .unwrap()
            .contains("\u{1b}[2Jmissing\u{202e}.cab")
    );
}
