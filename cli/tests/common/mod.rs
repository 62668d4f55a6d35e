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

/// Writes the Ed25519 key of seed `[seed; 32]` as PKCS#8 PEM to `dir/name`.
pub fn key_file(dir: &Path, name: &str, seed: u8) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(
        &p,
        SigningKey::from_seed(&[seed; 32]).to_pkcs8_pem().as_str(),
    )
    .unwrap();
    p
}

/// Runs with `--json`, expects success, returns stdout as JSON.
pub fn run_json(args: &[&str]) -> J {
    run_json_code(args, 0)
}

/// How an [`Office`] is set up; [`Setup::default`] is what [`Office::new`] does.
#[derive(Clone, Copy, Debug)]
pub struct Setup {
    /// Titles `0..titles` are issued.
    pub titles: u64,
    /// The display names (`--name`) of the land registry and the tax bureau.
    pub names: Option<(&'static str, &'static str)>,
    /// The title policy (tax endorses) with these extra `add-policy` flags;
    /// `None`: no policy.
    pub policy: Option<&'static [&'static str]>,
    /// A file ledger `ledger/` (key `ledger.pem`) in the trust store, the
    /// batch appended to it.
    pub ledger: bool,
    /// The batch name.
    pub batch: &'static str,
    /// The tax bureau endorses the batch at [`AT`].
    pub endorse: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            titles: 3,
            names: None,
            policy: Some(&[]),
            ledger: false,
            batch: "2024-06-T1",
            endorse: true,
        }
    }
}

/// Keys `land.pem` and `tax.pem`, `trust.json` (both valid from 2024-01-01,
/// titles endorsed by tax), and `batch/`: three titles issued at [`AT`] and
/// endorsed; [`Office::with`] varies it.
pub struct Office {
    dir: tempfile::TempDir,
}

impl Office {
    pub fn new() -> Self {
        Self::with(Setup::default())
    }

    pub fn with(setup: Setup) -> Self {
        let o = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        let land = key_file(o.path(), "land.pem", 0x11);
        let tax = key_file(o.path(), "tax.pem", 0x13);
        let trust = o.p("trust.json");
        ca().args(["trust", "init", "--out", &trust])
            .assert()
            .success();
        let (land_name, tax_name) = setup.names.unzip();
        for (id, k, kind, name) in [
            (LAND, &land, Some("real_estate_title"), land_name),
            (TAX, &tax, None, tax_name),
        ] {
            let mut args = vec!["trust", "add-issuer", &trust, "--id", id, "--key", s(k)];
            args.extend(["--not-before", "2024-01-01T00:00:00Z"]);
            if let Some(kind) = kind {
                args.extend(["--kind", kind]);
            }
            if let Some(name) = name {
                args.extend(["--name", name]);
            }
            ca().args(&args).assert().success();
        }
        if let Some(flags) = setup.policy {
            let mut args = vec!["trust", "add-policy", &trust];
            args.extend(["--kind", "real_estate_title", "--endorsers", TAX]);
            args.extend(flags);
            ca().args(&args).assert().success();
        }
        let ledger = o.p("ledger");
        if setup.ledger {
            let ledger_key = key_file(o.path(), "ledger.pem", 0x42);
            ca().args(["ledger", "init", &ledger, "--key", s(&ledger_key)])
                .args(["--origin", "ledger.test/certanchor"])
                .assert()
                .success();
            let vkey = run_json(&["ledger", "vkey", &ledger])["vkey"]
                .as_str()
                .unwrap()
                .to_owned();
            ca().args(["trust", "add-ledger", &trust, "--vkey", &vkey])
                .assert()
                .success();
        }
        let input = o.path().join("titles.jsonl");
        write_jsonl(
            &input,
            &(0..setup.titles)
                .map(sample::real_estate_title)
                .collect::<Vec<_>>(),
        );
        let mut issue = vec!["issue", "--key", s(&land), "--issuer", LAND];
        issue.extend(["--batch", setup.batch, "--kind", "real_estate_title"]);
        let batch = o.p("batch");
        issue.extend(["--input", s(&input), "--out", &batch, "--at", AT]);
        if setup.ledger {
            issue.extend(["--ledger", &ledger]);
        }
        ca().args(&issue).assert().success();
        if setup.endorse {
            ca().args(["endorse", "--key", s(&tax), "--issuer", TAX, "--at", AT])
                .arg(o.p("batch/anchor.cose"))
                .assert()
                .success();
        }
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

    /// `status <action>` of title `index` at `at`, signed with the key file `key`.
    pub fn status(&self, action: &str, key: &str, index: usize, at: &str) {
        let (key, batch) = (self.p(key), self.p("batch"));
        ca().args(["status", action, "--key", &key, "--batch", &batch])
            .args(["--index", &index.to_string(), "--at", at])
            .assert()
            .success();
    }
}

/// Appends anchors `from..from + n` to the file ledger in `ledger_dir`
/// (ledger key seed 0x42): distinct signed anchors whose batch names are
/// `tag-i`.
#[allow(dead_code)]
pub fn append_anchors(ledger_dir: &Path, tag: &str, from: u64, n: u64) {
    use certanchor::ledger::Ledger as _;
    let key = SigningKey::from_seed(&[0x42; 32]);
    let mut ledger = certanchor::ledger::FileLedger::open(ledger_dir, key).unwrap();
    let issuer = SigningKey::from_seed(&[0x12; 32]);
    let anchors: Vec<Vec<u8>> = (from..from + n)
        .map(|i| {
            let body = certanchor::AnchorBody {
                issuer: "cn.beijing.scjgj".into(),
                batch: format!("{tag}-{i}"),
                tree_size: 1,
                root: certanchor::Hash::digest(&i.to_be_bytes()),
                issued_at: 1_704_067_200,
                kinds: vec!["business_license".into()],
            };
            certanchor::Anchor::sign(&body, &issuer)
                .unwrap()
                .as_bytes()
                .to_vec()
        })
        .collect();
    let refs: Vec<&[u8]> = anchors.iter().map(Vec::as_slice).collect();
    ledger.append_many(&refs).unwrap();
}
