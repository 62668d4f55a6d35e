//! `certanchor witness serve` and `certanchor ledger witness` (SPEC §9.7):
//! a witness on 127.0.0.1 (a free port the server reports) cosigns a
//! ledger's checkpoints as it grows, refuses a rollback and a forked copy,
//! keeps its state across a restart, is not held up by a stalled client,
//! and the cosigned checkpoint passes the trust store's freshness rule;
//! SIGTERM and SIGINT stop the server. Every server is killed when its test ends, and every wait is bounded.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use certanchor::Hash;
use certanchor::TrustStore;
use certanchor::keys::SigningKey;
use certanchor::ledger::{FileLedger, Ledger};
use certanchor::note::{self, CosignatureVerifier, NoteVerifier};
use certanchor::witness::AddCheckpointRequest;
use common::{append_anchors, key_file, run_json, run_json_code, s};

const ORIGIN: &str = "ledger.witness.test/certanchor";
const WITNESS: &str = "witness.test/w1";
/// Longest any wait on the server may take.
const WAIT: Duration = Duration::from_secs(60);

/// A running `witness serve`, killed on drop.
struct Server {
    child: Child,
    addr: String,
    lines: mpsc::Receiver<String>,
}

impl Server {
    fn start(root: &Path, key: &Path, log_vkey: &str) -> Self {
        let mut child = Process::new(env!("CARGO_BIN_EXE_certanchor"))
            .args(["witness", "serve", "--key", s(key), "--name", WITNESS])
            .args(["--state", s(&root.join("witness-state"))])
            .args(["--log", log_vkey, "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Self {
            child,
            addr: String::new(),
            lines,
        };
        let first = server.next_line();
        let addr = first
            .split(" listening on ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
        assert!(addr.starts_with("127.0.0.1:"), "{addr}");
        server.addr = addr.to_owned();
        server
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn next_line(&self) -> String {
        self.lines
            .recv_timeout(WAIT)
            .expect("the server printed nothing in time")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw HTTP/1.1 request; returns everything the server sent before closing.
fn raw_text(addr: &str, request: &[u8]) -> String {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(WAIT)).unwrap();
    c.write_all(request).unwrap();
    let mut out = Vec::new();
    c.read_to_end(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// A raw HTTP/1.1 request; returns (status, content type, body).
fn raw(addr: &str, request: &[u8]) -> (u16, String, String) {
    let text = raw_text(addr, request);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    let content_type = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap_or_default()
        .to_owned();
    (status, content_type, body.to_owned())
}

fn post(addr: &str, body: &str) -> (u16, String, String) {
    raw(
        addr,
        format!(
            "POST /add-checkpoint HTTP/1.1\r\nHost: w\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
}

fn witness_ledger(dir: &Path, server: &Server, vkey: &str, code: i32) -> serde_json::Value {
    run_json_code(
        &[
            "ledger",
            "witness",
            s(dir),
            "--witness",
            &server.url(),
            "--witness-vkey",
            vkey,
        ],
        code,
    )
}

fn copy_dir(from: &Path, to: &Path) -> PathBuf {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
    to.to_path_buf()
}

#[test]
fn witness_cosigns_a_growing_ledger_and_refuses_rollbacks_and_forks() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let ledger_key = key_file(root, "ledger.pem", 0x42);
    let dir = root.join("ledger");
    let out = run_json(&[
        "ledger",
        "init",
        s(&dir),
        "--key",
        s(&ledger_key),
        "--origin",
        ORIGIN,
    ]);
    let log_vkey = out["vkey"].as_str().unwrap().to_owned();
    let log = NoteVerifier::from_verifier_key(&log_vkey).unwrap();
    append_anchors(&dir, "a", 0, 3);
    // A copy at size 3, for the rollback and the fork below.
    let at3 = copy_dir(&dir, &root.join("ledger-at-3"));

    // The witness's key: 0600, and `witness vkey` prints the same key.
    let wkey = root.join("witness.pem");
    let out = run_json(&["witness", "init", "--name", WITNESS, "--key-out", s(&wkey)]);
    let wvkey = out["vkey"].as_str().unwrap().to_owned();
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&wkey).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(
        run_json(&["witness", "vkey", "--key", s(&wkey), "--name", WITNESS])["vkey"],
        wvkey.as_str()
    );
    run_json_code(
        &["witness", "init", "--name", WITNESS, "--key-out", s(&wkey)],
        2,
    );
    let w = CosignatureVerifier::from_verifier_key(&wvkey).unwrap();

    let server = Server::start(root, &wkey, &log_vkey);

    // A stalled client (half a request head, then nothing) holds only its
    // own connection.
    let mut stalled = TcpStream::connect(&server.addr).unwrap();
    stalled
        .write_all(b"POST /add-checkpoint HTTP/1.1\r\nContent-Le")
        .unwrap();

    // 1. Size 3, from 0.
    let out = witness_ledger(&dir, &server, &wvkey, 0);
    assert_eq!(
        (out["tree_size"].as_u64(), out["old_size"].as_u64()),
        (Some(3), Some(0))
    );
    let cosigned_path = dir.join("cosigned-checkpoint");
    let cosigned = std::fs::read_to_string(&cosigned_path).unwrap();
    assert_eq!(
        note::verify_checkpoint(&cosigned, std::slice::from_ref(&log))
            .unwrap()
            .tree_size,
        3
    );
    let cos = note::verify_cosignatures(&cosigned, std::slice::from_ref(&w)).unwrap();
    assert_eq!(cos.len(), 1);
    let timed = note::verify_checkpoint_time(&cosigned, &log).unwrap();
    assert!(timed.time.is_some());
    assert!(server.next_line().contains(" POST /add-checkpoint 200 ok"));

    // 2. Size 8: a consistency proof from 3 is needed.
    append_anchors(&dir, "a", 3, 5);
    let out = witness_ledger(&dir, &server, &wvkey, 0);
    assert_eq!(
        (out["tree_size"].as_u64(), out["old_size"].as_u64()),
        (Some(8), Some(3))
    );
    let cosigned = std::fs::read_to_string(&cosigned_path).unwrap();
    assert_eq!(
        note::verify_checkpoint(&cosigned, std::slice::from_ref(&log))
            .unwrap()
            .tree_size,
        8
    );
    assert_eq!(
        note::verify_cosignatures(&cosigned, std::slice::from_ref(&w))
            .unwrap()
            .len(),
        1
    );
    assert!(server.next_line().contains(" 200 ok"));

    // 3. Rollback: the size-3 checkpoint again is refused.
    let ledger3 = FileLedger::open(&at3, SigningKey::from_seed(&[0x42; 32])).unwrap();
    let note3 = ledger3.checkpoint().unwrap();
    drop(ledger3);
    let (status, ct, body) = post(
        &server.addr,
        &AddCheckpointRequest::new(3, vec![], &note3).to_body(),
    );
    assert_eq!(
        (status, ct.as_str(), body.as_str()),
        (409, "text/x.tlog.size", "8\n")
    );
    let (status, _, body) = post(
        &server.addr,
        &AddCheckpointRequest::new(8, vec![], &note3).to_body(),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.starts_with("old_size_too_large"), "{body}");
    // ... and `ledger witness` on the rolled-back copy stops: the witness is ahead.
    let out = witness_ledger(&at3, &server, &wvkey, 2);
    assert_eq!(out["error"]["code"], "witness_ahead");

    // 4. A fork: the copy extended with other entries to size 8.
    let fork = copy_dir(&at3, &root.join("ledger-fork"));
    append_anchors(&fork, "fork", 3, 5);
    let out = witness_ledger(&fork, &server, &wvkey, 2);
    assert_eq!(out["error"]["code"], "bad_consistency_proof", "{out}");
    // ... and to size 9, from 8 with its own (forked) proof.
    append_anchors(&fork, "fork", 8, 1);
    let forked = FileLedger::open(&fork, SigningKey::from_seed(&[0x42; 32])).unwrap();
    let req = AddCheckpointRequest::new(
        8,
        forked.consistency_proof(8, 9).unwrap(),
        &forked.checkpoint().unwrap(),
    );
    drop(forked);
    let (status, _, body) = post(&server.addr, &req.to_body());
    assert_eq!(status, 422, "{body}");

    // Other statuses over HTTP.
    let foreign = {
        let k = SigningKey::from_seed(&[0x77; 32]);
        let cp = note::Checkpoint {
            origin: "other.test/log".into(),
            tree_size: 1,
            root: Hash::digest(b"x"),
            extensions: vec![],
        };
        note::sign_checkpoint(&cp, &k).unwrap()
    };
    assert_eq!(
        post(
            &server.addr,
            &AddCheckpointRequest::new(0, vec![], &foreign).to_body()
        )
        .0,
        404
    );
    let forged = note::sign_note(
        &note::parse_note(&note3).unwrap().text,
        ORIGIN,
        &SigningKey::from_seed(&[0x43; 32]),
    )
    .unwrap();
    assert_eq!(
        post(
            &server.addr,
            &AddCheckpointRequest::new(8, vec![], &forged).to_body()
        )
        .0,
        403
    );
    assert_eq!(post(&server.addr, "old 8\n").0, 400);
    // A body over 64 KiB is refused from its announced length.
    assert_eq!(
        raw(
            &server.addr,
            b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\nContent-Length: 70000\r\n\r\n"
        )
        .0,
        413
    );
    // ... whatever its method, and without waiting for the body
    assert_eq!(
        raw(
            &server.addr,
            b"PUT /add-checkpoint HTTP/1.1\r\nHost: w\r\nContent-Length: 65537\r\n\r\nold 0\n"
        )
        .0,
        413
    );
    let text = raw_text(
        &server.addr,
        b"GET /add-checkpoint HTTP/1.1\r\nHost: w\r\nConnection: close\r\n\r\n",
    );
    assert!(text.starts_with("HTTP/1.1 405 "), "{text}");
    assert!(text.contains("\r\nAllow: POST\r\n"), "{text}");
    assert_eq!(
        raw(
            &server.addr,
            b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        )
        .0,
        501
    );
    assert_eq!(
        raw(
            &server.addr,
            b"GET / HTTP/1.1\r\nHost: w\r\nConnection: close\r\n\r\n"
        )
        .0,
        404
    );
    assert_eq!(
        raw(
            &server.addr,
            b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\nConnection: close\r\n\r\n"
        )
        .0,
        411
    );
    assert_eq!(raw(&server.addr, b"NOT HTTP\r\n\r\n").0, 400);

    // 5. State survives a kill: a new server on the same state knows size 8.
    drop(stalled);
    drop(server);
    let server = Server::start(root, &wkey, &log_vkey);
    let (status, _, body) = post(
        &server.addr,
        &AddCheckpointRequest::new(0, vec![], &note3).to_body(),
    );
    assert_eq!((status, body.as_str()), (409, "8\n"));
    append_anchors(&dir, "a", 8, 2);
    let out = witness_ledger(&dir, &server, &wvkey, 0);
    assert_eq!(
        (out["tree_size"].as_u64(), out["old_size"].as_u64()),
        (Some(10), Some(8))
    );
    // Without the stored file, the client learns the size from a 409 and retries once.
    std::fs::remove_file(&cosigned_path).unwrap();
    let out = witness_ledger(&dir, &server, &wvkey, 0);
    assert_eq!(
        (out["tree_size"].as_u64(), out["old_size"].as_u64()),
        (Some(10), Some(10))
    );
    let cosigned = std::fs::read_to_string(&cosigned_path).unwrap();

    // 6. A verifier's trust store requiring this witness finds it fresh.
    let trust = root.join("trust.json");
    run_json(&["trust", "init", "--out", s(&trust)]);
    run_json(&[
        "trust",
        "add-ledger",
        s(&trust),
        "--vkey",
        &log_vkey,
        "--witness",
        &wvkey,
        "--quorum",
        "1",
        "--max-age",
        "3600",
    ]);
    let store = TrustStore::from_json(&std::fs::read_to_string(&trust).unwrap()).unwrap();
    let fresh = store
        .checkpoint_freshness(&cosigned, certanchor::time::now())
        .unwrap();
    assert_eq!(fresh.checkpoint.tree_size, 10);
    assert_eq!(fresh.witnesses, [WITNESS]);
    // The ledger's plain checkpoint has no witness: no quorum.
    let plain = FileLedger::open(&dir, SigningKey::from_seed(&[0x42; 32]))
        .unwrap()
        .checkpoint()
        .unwrap();
    assert_eq!(
        store
            .checkpoint_freshness(&plain, certanchor::time::now())
            .unwrap_err()
            .code(),
        "no_quorum"
    );
    // `ledger publish` and `ledger snapshot` give out the cosigned note
    let site = root.join("site");
    run_json(&["ledger", "publish", s(&dir), "--out", s(&site)]);
    assert_eq!(
        std::fs::read_to_string(site.join("checkpoint")).unwrap(),
        cosigned
    );
    // …and the ledger's own once it has grown past it
    append_anchors(&dir, "a", 10, 1);
    run_json(&["ledger", "publish", s(&dir), "--out", s(&site)]);
    let published = std::fs::read_to_string(site.join("checkpoint")).unwrap();
    assert_ne!(published, cosigned);
    assert_eq!(
        store
            .checkpoint_freshness(&published, certanchor::time::now())
            .unwrap_err()
            .code(),
        "no_quorum"
    );
    // A quorum above the witnesses listed is refused by `trust add-ledger`.
    let out = run_json_code(
        &[
            "trust",
            "add-ledger",
            s(&trust),
            "--vkey",
            &log_vkey,
            "--witness",
            &wvkey,
            "--quorum",
            "2",
        ],
        2,
    );
    assert_eq!(out["error"]["code"], "invalid_ledger");
    // A note key is not a witness key.
    let out = run_json_code(
        &[
            "trust",
            "add-ledger",
            s(&trust),
            "--vkey",
            &log_vkey,
            "--witness",
            &log_vkey,
        ],
        2,
    );
    assert_eq!(out["error"]["code"], "bad_note_key");
}

#[test]
fn sigterm_and_sigint_stop_the_witness() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let wkey = root.join("witness.pem");
    run_json(&["witness", "init", "--name", WITNESS, "--key-out", s(&wkey)]);
    let log_vkey = NoteVerifier::new(ORIGIN, SigningKey::from_seed(&[0x42; 32]).public_key())
        .unwrap()
        .to_verifier_key();
    for signal in ["-TERM", "-INT"] {
        let mut server = Server::start(root, &wkey, &log_vkey);
        // a keep-alive connection left open does not hold the stop up
        let mut idle = TcpStream::connect(&server.addr).unwrap();
        idle.write_all(b"GET / HTTP/1.1\r\nHost: w\r\n\r\n")
            .unwrap();
        let mut first = [0u8; 12];
        idle.read_exact(&mut first).unwrap();
        assert_eq!(&first, b"HTTP/1.1 404");
        assert!(
            Process::new("kill")
                .arg(signal)
                .arg(server.child.id().to_string())
                .status()
                .unwrap()
                .success()
        );
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                break status;
            }
            assert!(start.elapsed() < WAIT, "still running after {signal}");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.code(), Some(0), "{signal}");
    }
}
