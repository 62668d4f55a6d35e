//! A small issuing office shared by the command-line tests added after the
//! adversarial review: keys, a trust store, and an endorsed batch of titles.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use certanchor::keys::SigningKey;
use certanchor::sample;
use serde_json::Value as J;

/// When the batch is issued.
pub const AT: &str = "2024-06-01T00:00:00Z";
/// When bundles are verified.
pub const LATER: &str = "2024-06-01T01:00:00Z";
/// The land registry (issues titles).
pub const LAND: &str = "cn.beijing.ghzrzyw";
/// The tax bureau (endorses).
pub const TAX: &str = "cn.beijing.tax";

pub fn ca() -> Command {
    Command::cargo_bin("certanchor").unwrap()
}

/// Runs with `--json`, expects exit `code`, returns stdout as JSON.
pub fn run_json_code(args: &[&str], code: i32) -> J {
    let out = ca().arg("--json").args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs, expects exit `code`, returns stderr.
pub fn run_stderr(args: &[&str], code: i32) -> String {
    let out = ca().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    err
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The `check` entry named `name` of a `verify --json` report.
pub fn check<'a>(report: &'a J, name: &str) -> &'a J {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {report:#}"))
}

pub fn write_jsonl(path: &Path, certs: &[certanchor::Certificate]) {
    let lines: Vec<String> = certs
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.id, "valid_from": "2024-01-01", "valid_until": null,
                "fields": c.fields.iter().map(|(k, v)| (k.clone(), v.to_json())).collect::<serde_json::Map<_, _>>(),
            })
            .to_string()
        })
        .collect();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// Keys `land.pem` and `tax.pem`, `trust.json` (both valid from 2024-01-01,
/// titles endorsed by tax), and `batch/`: three titles issued at [`AT`] and
/// endorsed.
pub struct Office {
    dir: tempfile::TempDir,
}

impl Office {
    pub fn new() -> Self {
        let o = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        let key = |name: &str, seed: u8| {
            let p = o.path().join(name);
            std::fs::write(
                &p,
                SigningKey::from_seed(&[seed; 32]).to_pkcs8_pem().as_str(),
            )
            .unwrap();
            p
        };
        let land = key("land.pem", 0x11);
        let tax = key("tax.pem", 0x13);
        let trust = o.p("trust.json");
        ca().args(["trust", "init", "--out", &trust])
            .assert()
            .success();
        for (id, k, kind) in [(LAND, &land, Some("real_estate_title")), (TAX, &tax, None)] {
            let mut args = vec!["trust", "add-issuer", &trust, "--id", id, "--key", s(k)];
            args.extend(["--not-before", "2024-01-01T00:00:00Z"]);
            if let Some(kind) = kind {
                args.extend(["--kind", kind]);
            }
            ca().args(&args).assert().success();
        }
        ca().args([
            "trust",
            "add-policy",
            &trust,
            "--kind",
            "real_estate_title",
            "--endorsers",
            TAX,
        ])
        .assert()
        .success();
        let input = o.path().join("titles.jsonl");
        write_jsonl(
            &input,
            &(0..3).map(sample::real_estate_title).collect::<Vec<_>>(),
        );
        ca().args([
            "issue",
            "--key",
            s(&land),
            "--issuer",
            LAND,
            "--batch",
            "2024-06-T1",
            "--kind",
            "real_estate_title",
            "--input",
            s(&input),
            "--out",
            &o.p("batch"),
            "--at",
            AT,
        ])
        .assert()
        .success();
        ca().args([
            "endorse",
            "--key",
            s(&tax),
            "--issuer",
            TAX,
            "--at",
            AT,
            &o.p("batch/anchor.cose"),
        ])
        .assert()
        .success();
        o
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn p(&self, rel: &str) -> String {
        self.path().join(rel).to_str().unwrap().to_owned()
    }

    pub fn file(&self, rel: &str) -> PathBuf {
        self.path().join(rel)
    }

    /// Proves leaf `index` into `out` (CA1 text when `text`).
    pub fn prove(&self, index: usize, out: &str, text: bool) -> String {
        let (out, batch, i) = (self.p(out), self.p("batch"), index.to_string());
        let mut args = vec!["prove", "--batch", &batch, "--index", &i, "--out", &out];
        if text {
            args.push("--text");
        }
        ca().args(&args).assert().success();
        out
    }
}
