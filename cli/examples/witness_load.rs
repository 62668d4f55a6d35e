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
//!
//! Then the limits, measured in the same run once the server has stopped:
//! * **signatures**: what every request costs in Ed25519, on one core: the
//!   ledger's signature on the note verified and the witness's cosignature
//!   made, over the same notes; the repeat phase is given against this
//!   rate times the cores the server can use (`min(logs, cores)`);
//! * **durable writes**: a state file of the same size replaced as the
//!   witness does (temporary file, fsync, rename, fsync of the directory),
//!   one thread, in the same directory; the advance phase is given against
//!   this rate.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use certanchor::keys::SigningKey;
use certanchor::ledger::LogTree;
use certanchor::merkle::leaf_hash;
use certanchor::note::{self, Checkpoint, CosignatureSigner, NoteVerifier};
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

/// Ed25519 work of one request on one core, per second: the note verified
/// with its ledger's key, then cosigned.
fn signature_limit(notes: &[(String, NoteVerifier)], signer: &CosignatureSigner) -> f64 {
    let t0 = Instant::now();
    for (n, v) in notes {
        let cp = note::verify_checkpoint(n, std::slice::from_ref(v)).unwrap();
        std::hint::black_box(signer.cosign_note(n, cp.tree_size).unwrap());
    }
    notes.len() as f64 / t0.elapsed().as_secs_f64()
}

/// Durable replacements of a `len`-byte file in `dir` per second, one
/// thread, as the witness writes its state.
fn durable_write_limit(dir: &std::path::Path, len: usize, n: usize) -> f64 {
    use std::io::Write as _;
    let data = vec![b'x'; len];
    let (path, tmp) = (dir.join("limit.json"), dir.join(".limit.json.tmp"));
    let t0 = Instant::now();
    for _ in 0..n {
        let mut f = std::fs::File::create(&tmp).unwrap();
        f.write_all(&data).unwrap();
        f.sync_all().unwrap();
        drop(f);
        std::fs::rename(&tmp, &path).unwrap();
        std::fs::File::open(dir).unwrap().sync_all().unwrap();
    }
    let rate = n as f64 / t0.elapsed().as_secs_f64();
    std::fs::remove_file(&path).unwrap();
    rate
}

fn phase(name: &str, url: &str, work: &[Vec<String>]) -> f64 {
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
    n as f64 / secs
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
    let advance_rate = phase("advance", &url, &advance);
    // The last checkpoint of each ledger again, from its own size.
    let repeat: Vec<Vec<String>> = advance
        .iter()
        .map(|bodies| {
            let last = AddCheckpointRequest::from_body(bodies.last().unwrap().as_bytes()).unwrap();
            let again = AddCheckpointRequest::new(per_log as u64, vec![], &last.note).to_body();
            vec![again; per_log]
        })
        .collect();
    let repeat_rate = phase("repeat", &url, &repeat);

    let _ = child.kill();
    let _ = child.wait();

    // the limits, in the same run
    let notes: Vec<(String, NoteVerifier)> = advance
        .iter()
        .enumerate()
        .flat_map(|(log, bodies)| {
            let v = NoteVerifier::new(&origin(log), log_key(log).public_key()).unwrap();
            bodies.iter().map(move |b| {
                let req = AddCheckpointRequest::from_body(b.as_bytes()).unwrap();
                (req.note, v.clone())
            })
        })
        .collect();
    let signer =
        CosignatureSigner::new("witness.load.test/w1", SigningKey::from_seed(&[0x77; 32])).unwrap();
    let sig_rate = signature_limit(&notes, &signer);
    let state_len = std::fs::read_dir(dir.join("state"))
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .max()
        .unwrap_or(512);
    let write_rate = durable_write_limit(
        &dir.join("state"),
        usize::try_from(state_len).unwrap(),
        (requests / 4).clamp(100, 2000),
    );
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let usable = cores.min(logs);
    println!(
        "limits (same run): signatures (verify the note, cosign it) {sig_rate:.0}/s on one core; durable state writes {write_rate:.0}/s on one thread"
    );
    println!(
        "advance: {:.2} x durable writes; repeat: {:.2} x signatures on {usable} cores",
        advance_rate / write_rate,
        repeat_rate / (sig_rate * usable as f64)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
