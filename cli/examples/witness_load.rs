//! Load measurement of `certanchor witness serve` (SPEC §9.7.3): starts the
//! server on 127.0.0.1 (a free port), drives `add-checkpoint` requests over
//! loopback with keep-alive connections, prints requests per second, and
//! stops the server. A measurement, not a test: nothing is asserted but
//! that every request got the expected answer.
//!
//! ```sh
//! cargo build --release -p certanchor-cli --bin certanchor --example witness_load
//! target/release/examples/witness_load --requests 4000 --logs 4
//! ```
//!
//! Two phases, each over `--logs` ledgers with one client thread per ledger:
//! * **advance**: every request extends its ledger by one entry (old size,
//!   a consistency proof, the next checkpoint): the witness verifies the
//!   note and the proof, writes its state durably (fsync of the file and
//!   the directory) and cosigns;
//! * **repeat**: the same checkpoint again (old = size): verification and a
//!   cosignature, no state written.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use certanchor::keys::SigningKey;
use certanchor::ledger::LogTree;
use certanchor::merkle::leaf_hash;
use certanchor::note::{self, Checkpoint, NoteVerifier};
use certanchor::witness::AddCheckpointRequest;

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().expect("a number"))
}

fn origin(log: usize) -> String {
    format!("ledger{log}.load.test/certanchor")
}

fn log_key(log: usize) -> SigningKey {
    SigningKey::from_seed(&[0x40 + u8::try_from(log).unwrap(); 32])
}

/// The bodies of `n` requests that advance ledger `log` from size 0 to `n`.
fn advancing(log: usize, n: usize) -> Vec<String> {
    let key = log_key(log);
    let mut tree = LogTree::new();
    let mut bodies = Vec::with_capacity(n);
    for size in 1..=n as u64 {
        tree.push(leaf_hash(&size.to_be_bytes()));
        let cp = Checkpoint {
            origin: origin(log),
            tree_size: size,
            root: tree.root_at(size).unwrap(),
            extensions: vec![],
        };
        let signed = note::sign_checkpoint(&cp, &key).unwrap();
        let old = size - 1;
        let proof = if old == 0 {
            Vec::new()
        } else {
            tree.consistency_proof(old, size).unwrap()
        };
        bodies.push(AddCheckpointRequest::new(old, proof, &signed).to_body());
    }
    bodies
}

/// Sends `bodies` in order on one keep-alive agent; every answer must be 200.
fn drive(url: &str, bodies: &[String]) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into();
    for b in bodies {
        let mut r = agent
            .post(url)
            .content_type("text/plain")
            .send(b.as_str())
            .unwrap();
        let status = r.status().as_u16();
        let body = r.body_mut().read_to_string().unwrap();
        assert_eq!(status, 200, "{body}");
    }
}

fn phase(name: &str, url: &str, work: &[Vec<String>]) {
    let n: usize = work.iter().map(Vec::len).sum();
    let t0 = Instant::now();
    std::thread::scope(|s| {
        for bodies in work {
            s.spawn(move || drive(url, bodies));
        }
    });
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "{name:8} {n:6} requests over {} ledgers in {secs:6.2} s: {:8.0} requests/s",
        work.len(),
        n as f64 / secs
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let requests = arg(&args, "--requests", 2000);
    let logs = arg(&args, "--logs", 4).clamp(1, 64);
    let per_log = requests.div_ceil(logs);
    let exe = std::env::current_exe().unwrap();
    let bin = args
        .iter()
        .position(|a| a == "--bin")
        .and_then(|i| args.get(i + 1))
        .map_or_else(
            || exe.parent().unwrap().parent().unwrap().join("certanchor"),
            std::path::PathBuf::from,
        );
    assert!(
        bin.exists(),
        "{} is missing: build it first (cargo build --release -p certanchor-cli --bin certanchor), or pass --bin",
        bin.display()
    );

    let dir = std::env::temp_dir().join(format!("certanchor-witness-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let wkey = dir.join("witness.pem");
    std::fs::write(
        &wkey,
        SigningKey::from_seed(&[0x77; 32]).to_pkcs8_pem().as_bytes(),
    )
    .unwrap();
    let mut cmd = Command::new(&bin);
    cmd.args(["witness", "serve", "--key"])
        .arg(&wkey)
        .args(["--name", "witness.load.test/w1", "--state"])
        .arg(dir.join("state"))
        .args(["--listen", "127.0.0.1:0"]);
    for log in 0..logs {
        let v = NoteVerifier::new(&origin(log), log_key(log).public_key()).unwrap();
        cmd.arg("--log").arg(v.to_verifier_key());
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let addr = first
        .split(" listening on ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    // Drain the per-request log lines so the server never blocks on stdout.
    std::thread::spawn(move || for _ in out.lines() {});
    let url = format!("http://{addr}/add-checkpoint");

    println!(
        "witness_load: {} ({}), {logs} ledgers, {per_log} requests each",
        bin.display(),
        if cfg!(debug_assertions) {
            "debug build: figures are not representative"
        } else {
            "release"
        }
    );
    let advance: Vec<Vec<String>> = (0..logs).map(|l| advancing(l, per_log)).collect();
    phase("advance", &url, &advance);
    // The last checkpoint of each ledger again, from its own size.
    let repeat: Vec<Vec<String>> = advance
        .iter()
        .map(|bodies| {
            let last = AddCheckpointRequest::from_body(bodies.last().unwrap().as_bytes()).unwrap();
            let again = AddCheckpointRequest::new(per_log as u64, vec![], &last.note).to_body();
            vec![again; per_log]
        })
        .collect();
    phase("repeat", &url, &repeat);

    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
