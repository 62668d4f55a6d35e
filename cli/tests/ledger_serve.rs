//! `certanchor ledger serve` and `HttpTileSource` (SPEC §9.6, "Serving"):
//! a published site served on 127.0.0.1 (port 0), its headers, what it
//! refuses, how it copes with stalled clients and signals, and proofs read
//! over HTTP agreeing with proofs read from the directory. Every server is
//! killed when its guard drops, and every wait is bounded.

#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use certanchor::ledger::http::HttpTileSource;
use certanchor::ledger::tiles::{self, DirTileSource, TileReader, TileSource};
use certanchor::note::{self, NoteVerifier};
use common::{append_anchors, key_file, run_json_code, run_stderr, s};

const ORIGIN: &str = "ledger.serve.test/certanchor";

/// A ledger of `sizes.last()` entries published at each of `sizes`; returns
/// (ledger dir, site, verifier key).
fn published(root: &Path, sizes: &[u64]) -> (PathBuf, PathBuf, String) {
    let key = key_file(root, "ledger.pem", 0x42);
    let dir = root.join("ledger");
    let out = run_json_code(
        &[
            "ledger",
            "init",
            s(&dir),
            "--key",
            s(&key),
            "--origin",
            ORIGIN,
        ],
        0,
    );
    let vkey = out["vkey"].as_str().unwrap().to_owned();
    let site = root.join("site");
    let mut size = 0;
    for &n in sizes {
        append_anchors(&dir, "serve", size, n - size);
        size = n;
        run_json_code(&["ledger", "publish", s(&dir), "--out", s(&site)], 0);
    }
    (dir, site, vkey)
}

/// A running `ledger serve`, killed when dropped.
struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT/`
    url: String,
    /// `127.0.0.1:PORT`
    addr: String,
}

impl Server {
    fn start(site: &Path, extra: &[&str]) -> Self {
        let mut child = Process::new(env!("CARGO_BIN_EXE_certanchor"))
            .args(["ledger", "serve", s(site), "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut server = Self {
            child,
            url: String::new(),
            addr: String::new(),
        };
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("no URL printed within 30 s");
        if extra.contains(&"--json") {
            let j: serde_json::Value = serde_json::from_str(&line).unwrap();
            assert_eq!(j["site"], s(site), "{line}");
            server.url = j["url"].as_str().unwrap().to_owned();
        } else {
            let want = format!("serving {} at http://", site.display());
            assert!(line.starts_with(&want), "{line:?}");
            server.url = line.trim_end().rsplit(' ').next().unwrap().to_owned();
        }
        server.addr = server
            .url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        assert!(server.addr.starts_with("127.0.0.1:"), "{line}");
        server
    }

    /// Waits at most `limit` for the process to exit.
    fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .proxy(None)
        .build()
        .new_agent()
}

/// GET (or HEAD): status, the headers asked for, the body.
fn fetch(url: &str, head: bool, names: &[&str]) -> (u16, Vec<Option<String>>, Vec<u8>) {
    let a = agent();
    let mut resp = if head {
        a.head(url).call().unwrap()
    } else {
        a.get(url).call().unwrap()
    };
    let headers = names
        .iter()
        .map(|n| {
            resp.headers()
                .get(*n)
                .map(|v| v.to_str().unwrap().to_owned())
        })
        .collect();
    let mut body = Vec::new();
    resp.body_mut()
        .as_reader()
        .take(1 << 20)
        .read_to_end(&mut body)
        .unwrap();
    (resp.status().as_u16(), headers, body)
}

/// Sends `request` as is on a new connection; returns everything the
/// server sent before closing (at most 10 s).
fn raw(addr: &str, request: &[u8]) -> String {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = c.take(1 << 20).read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn raw_get(addr: &str, target: &str) -> String {
    raw(
        addr,
        format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

fn status_line(response: &str) -> &str {
    response.lines().next().unwrap_or("")
}

#[test]
fn serves_checkpoint_and_tiles_with_their_headers_and_nothing_else() {
    let d = tempfile::tempdir().unwrap();
    // 300 entries: tile/0/000 full, tile/0/001.p/44, tile/1/000.p/1
    let (ledger_dir, site, _) = published(d.path(), &[300]);
    let server = Server::start(&site, &[]);
    let names = [
        "content-type",
        "cache-control",
        "access-control-allow-origin",
        "content-length",
    ];

    let (status, h, body) = fetch(&format!("{}checkpoint", server.url), false, &names);
    assert_eq!(status, 200);
    assert_eq!(body, std::fs::read(site.join("checkpoint")).unwrap());
    assert_eq!(h[0].as_deref(), Some("text/plain; charset=utf-8"));
    assert_eq!(h[1].as_deref(), Some("no-cache"));
    assert_eq!(h[2].as_deref(), Some("*"));
    assert_eq!(h[3], Some(body.len().to_string()));

    for (path, len) in [
        ("tile/0/000", 8192),
        ("tile/0/001.p/44", 44 * 32),
        ("tile/1/000.p/1", 32),
        ("tile/entries/000", 256 * (2 + 33)), // typed anchor entries, SPEC §9.1
        ("tile/entries/001.p/44", 44 * (2 + 33)),
    ] {
        let url = format!("{}{path}", server.url);
        let (status, h, body) = fetch(&url, false, &names);
        assert_eq!(status, 200, "{path}");
        assert_eq!(body.len(), len, "{path}");
        assert_eq!(body, std::fs::read(site.join(path)).unwrap(), "{path}");
        assert_eq!(h[0].as_deref(), Some("application/octet-stream"), "{path}");
        assert_eq!(
            h[1].as_deref(),
            Some("public, max-age=31536000, immutable"),
            "{path}"
        );
        assert_eq!(h[2].as_deref(), Some("*"), "{path}");
        assert_eq!(h[3], Some(len.to_string()), "{path}");
        // HEAD: the same headers, no body
        let (status, h_head, body) = fetch(&url, true, &names);
        assert_eq!(status, 200, "HEAD {path}");
        assert!(body.is_empty(), "HEAD {path}");
        assert_eq!(h_head, h, "HEAD {path}");
    }

    // tiles the site does not have, and paths that are not tiles
    for path in [
        "tile/0/002",
        "tile/0/001",
        "tile/0/001.p/45",
        "tile/2/000.p/1",
        "",
        "index.html",
        "tile/",
        "tile/0/000/",
        "ledger-key.pem",
        "checkpoint/",
        "checkpoint?x=1",
        "tile/0/000?download=1",
    ] {
        let (status, h, body) = fetch(&format!("{}{path}", server.url), false, &names);
        assert_eq!(status, 404, "{path}");
        assert_eq!(body, b"not found\n", "{path}");
        assert_eq!(h[1].as_deref(), Some("no-cache"), "{path}");
        assert_eq!(h[2].as_deref(), Some("*"), "{path}");
    }

    // traversal and encoding games, sent byte for byte: nothing outside
    // SITE is ever read (SITE's sibling is the ledger with its key)
    assert!(ledger_dir.join("ledger-key.pem").is_file());
    for target in [
        "/tile/../ledger/ledger-key.pem",
        "/tile/../checkpoint",
        "/%2e%2e/ledger/ledger-key.pem",
        "/tile/0/x001/../..",
        "/tile/0/%30%30%30",
        "/tile%2f0%2f000",
        "/./checkpoint",
        "//checkpoint",
        "/../../../../etc/passwd",
        &format!("{}/checkpoint", site.display()),
        "*",
    ] {
        let r = raw_get(&server.addr, target);
        assert_eq!(status_line(&r), "HTTP/1.1 404 Not Found", "{target}: {r}");
        assert!(!r.contains("PRIVATE KEY"), "{target}");
    }
    // the absolute form names the same file
    let r = raw_get(&server.addr, &format!("{}checkpoint", server.url));
    assert_eq!(status_line(&r), "HTTP/1.1 200 OK", "{r}");

    // symbolic links (to a file outside, to a directory outside), a
    // directory where a tile would be, a FIFO: not served, never waited on
    let outside = d.path().join("outside");
    std::fs::create_dir_all(outside.join("0")).unwrap();
    std::fs::write(outside.join("0/000"), vec![7u8; 8192]).unwrap();
    std::os::unix::fs::symlink(ledger_dir.join("ledger-key.pem"), site.join("tile/0/005")).unwrap();
    std::os::unix::fs::symlink(outside.join("0"), site.join("tile/9")).unwrap();
    std::os::unix::fs::symlink(&outside, site.join("tile/entries/x001")).unwrap();
    std::fs::create_dir_all(site.join("tile/0/006")).unwrap();
    let fifo = site.join("tile/0/007");
    assert!(
        Process::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for path in [
        "tile/0/005",
        "tile/9/000",
        "tile/entries/x001/000",
        "tile/0/006",
        "tile/0/007",
    ] {
        let start = Instant::now();
        let (status, _, body) = fetch(&format!("{}{path}", server.url), false, &names);
        assert_eq!(status, 404, "{path}");
        assert!(!body.contains(&7u8), "{path}");
        assert!(start.elapsed() < Duration::from_secs(5), "{path}");
    }

    // methods other than GET and HEAD
    for method in ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"] {
        let r = raw(
            &server.addr,
            format!(
                "{method} /checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        );
        assert_eq!(
            status_line(&r),
            "HTTP/1.1 405 Method Not Allowed",
            "{method}: {r}"
        );
        assert!(r.to_ascii_lowercase().contains("allow: get, head"), "{r}");
    }
    let before = std::fs::read(site.join("checkpoint")).unwrap();
    let r = raw(
        &server.addr,
        b"PUT /checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
    );
    assert_eq!(status_line(&r), "HTTP/1.1 405 Method Not Allowed");
    assert_eq!(std::fs::read(site.join("checkpoint")).unwrap(), before);

    // a request head over the bound, or garbage: refused, the server lives on
    let long = format!(
        "GET /{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(20_000)
    );
    assert!(
        status_line(&raw(&server.addr, long.as_bytes())).starts_with("HTTP/1.1 4"),
        "long request line"
    );
    let many: String = (0..100).map(|i| format!("X-H{i}: v\r\n")).collect();
    let r = raw(
        &server.addr,
        format!("GET /checkpoint HTTP/1.1\r\nHost: x\r\n{many}Connection: close\r\n\r\n")
            .as_bytes(),
    );
    assert!(status_line(&r).starts_with("HTTP/1.1 431"), "{r}");
    let r = raw(
        &server.addr,
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    );
    assert!(
        r.is_empty() || status_line(&r).starts_with("HTTP/1.1 400"),
        "{r}"
    );
    let (status, _, _) = fetch(&format!("{}checkpoint", server.url), false, &[]);
    assert_eq!(status, 200);
}

#[test]
fn a_stalled_client_does_not_block_others_and_is_dropped() {
    let d = tempfile::tempdir().unwrap();
    let (_, site, _) = published(d.path(), &[3]);
    let server = Server::start(&site, &["--client-timeout", "2", "--threads", "1"]);
    // connections that send nothing, or half a request head
    let mut idle: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(&server.addr).unwrap())
        .collect();
    let mut half = TcpStream::connect(&server.addr).unwrap();
    half.write_all(b"GET /checkpoint HTTP/1.1\r\nHost:")
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let start = Instant::now();
    for _ in 0..5 {
        let (status, _, body) = fetch(&format!("{}checkpoint", server.url), false, &[]);
        assert_eq!(status, 200);
        assert!(!body.is_empty());
    }
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "took {:?} beside stalled clients",
        start.elapsed()
    );
    // the stalled ones are closed after about --client-timeout (2 s)
    idle.push(half);
    for c in &mut idle {
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = Vec::new();
        let r = c.read_to_end(&mut buf);
        assert!(r.is_ok(), "still open after 10 s: {r:?}");
    }
    let waited = start.elapsed();
    assert!(
        waited > Duration::from_millis(1500) && waited < Duration::from_secs(8),
        "stalled clients closed after {waited:?}"
    );

    // a client that asks for a large file and reads nothing is dropped
    // after --client-timeout without progress (the file is larger than the socket
    // buffers; no tile is, but the server does not look inside files)
    let big = 48 << 20;
    std::fs::write(site.join("tile/0/009"), vec![1u8; big]).unwrap();
    let mut c = TcpStream::connect(&server.addr).unwrap();
    c.write_all(b"GET /tile/0/009 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(3500));
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut got = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match c.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    assert!(
        got < big,
        "the whole file was sent to a client that stalled"
    );
    // and the others are still served
    let (status, _, _) = fetch(&format!("{}checkpoint", server.url), false, &[]);
    assert_eq!(status, 200);
}

#[test]
fn sigterm_and_sigint_stop_it() {
    let d = tempfile::tempdir().unwrap();
    let (_, site, _) = published(d.path(), &[3]);
    for (signal, json) in [("-TERM", false), ("-INT", true)] {
        let mut server = Server::start(&site, if json { &["--json"] } else { &[] });
        // a keep-alive connection left open does not hold the stop up
        let mut idle = TcpStream::connect(&server.addr).unwrap();
        idle.write_all(b"GET /checkpoint HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut first = [0u8; 12];
        idle.read_exact(&mut first).unwrap();
        assert_eq!(&first, b"HTTP/1.1 200");
        let start = Instant::now();
        assert!(
            Process::new("kill")
                .arg(signal)
                .arg(server.child.id().to_string())
                .status()
                .unwrap()
                .success()
        );
        let status = server
            .wait_exit(Duration::from_secs(10))
            .unwrap_or_else(|| panic!("still running 10 s after {signal}"));
        assert_eq!(status.code(), Some(0), "{signal}");
        assert!(start.elapsed() < Duration::from_secs(5), "{signal}");
        let mut err = String::new();
        server
            .child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(err.contains("stopped"), "{err}");
    }
}

#[test]
fn tile_reader_over_http_agrees_with_the_directory() {
    let d = tempfile::tempdir().unwrap();
    let (_, site, vkey) = published(d.path(), &[300, 1000]);
    let server = Server::start(&site, &[]);
    let http = HttpTileSource::new(&server.url).unwrap();
    let dir = DirTileSource::new(&site);
    let v = NoteVerifier::from_verifier_key(&vkey).unwrap();

    let text = http.checkpoint().unwrap();
    assert_eq!(text, tiles::read_checkpoint(&dir).unwrap());
    let cp = note::verify_checkpoint(&text, std::slice::from_ref(&v)).unwrap();
    assert_eq!(cp.tree_size, 1000);

    let mut over_http = TileReader::new(http.clone(), cp.tree_size, cp.root);
    let mut over_dir = TileReader::new(dir.clone(), cp.tree_size, cp.root);
    over_http.verify_root().unwrap();
    for i in [0, 1, 255, 256, 299, 300, 511, 768, 999] {
        let a = over_http.inclusion_proof(i).unwrap();
        assert_eq!(a, over_dir.inclusion_proof(i).unwrap(), "leaf {i}");
        certanchor::merkle::verify_inclusion(&a.0, &a.1, &cp.root).unwrap();
    }
    for old in [1, 2, 255, 256, 300, 999, 1000] {
        assert_eq!(
            over_http.consistency_proof(old).unwrap(),
            over_dir.consistency_proof(old).unwrap(),
            "{old} -> 1000"
        );
    }
    // a reader of the older checkpoint (300) finds its partial tiles
    let mut old = TileReader::new(http.clone(), 300, over_dir.root_at(300).unwrap());
    old.verify_root().unwrap();
    old.inclusion_proof(299).unwrap();

    // a missing tile is the same error from both sources
    for path in ["tile/0/004", "tile/0/003.p/233", "tile/entries/x001/000"] {
        let e = http.read(path, 8192).unwrap_err();
        assert_eq!(e, dir.read(path, 8192).unwrap_err(), "{path}");
        assert_eq!(e.code(), "tile_not_found");
    }
    let mut beyond = TileReader::new(http.clone(), 1001, cp.root);
    assert_eq!(
        beyond.inclusion_proof(1000).unwrap_err().code(),
        "tile_not_found"
    );

    // an altered tile, served as it is, is refused by the reader
    let tile0 = site.join("tile/0/000");
    let mut bytes = std::fs::read(&tile0).unwrap();
    bytes[40] ^= 1;
    std::fs::write(&tile0, &bytes).unwrap();
    let mut altered = TileReader::new(http.clone(), cp.tree_size, cp.root);
    assert_eq!(
        altered.inclusion_proof(1).unwrap_err().code(),
        "tile_root_mismatch"
    );
    assert_eq!(
        altered.consistency_proof(200).unwrap_err().code(),
        "tile_root_mismatch"
    );
    // a longer one is read only one byte past its length
    std::fs::write(&tile0, vec![0u8; 100_000]).unwrap();
    assert_eq!(http.read("tile/0/000", 8192).unwrap().len(), 8193);
    let mut long = TileReader::new(http, cp.tree_size, cp.root);
    assert_eq!(
        long.inclusion_proof(1).unwrap_err().code(),
        "bad_tile_length"
    );
}

/// A raw TCP server for misbehaving responses: each connection gets
/// `reply` and is then held open, unanswered, until the server drops.
struct RawServer {
    addr: String,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RawServer {
    fn start(reply: &'static [u8], then: Option<Vec<u8>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(60);
            while !flag.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((mut c, _)) => {
                        c.set_nonblocking(false).unwrap();
                        c.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
                        let _ = c.write_all(reply);
                        if let Some(more) = &then {
                            let _ = c.write_all(more);
                        }
                        held.push(c);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Self {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn a_server_that_stalls_gives_fetch_stalled_within_the_timeout() {
    let timeout = Duration::from_millis(500);
    for (reply, what) in [
        (&b""[..], "accepts and never answers"),
        (
            &b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"[..],
            "stops inside the headers",
        ),
        (
            &b"HTTP/1.1 200 OK\r\nContent-Length: 8192\r\n\r\n0123456789"[..],
            "stops inside the body",
        ),
    ] {
        let raw = RawServer::start(reply, None);
        let src = HttpTileSource::new(&format!("http://{}/", raw.addr))
            .unwrap()
            .with_read_timeout(timeout);
        let start = Instant::now();
        let e = src.read("tile/0/000", 8192).unwrap_err();
        let took = start.elapsed();
        assert_eq!(e.code(), "fetch_stalled", "{what}: {e}");
        assert!(
            took >= Duration::from_millis(400) && took < Duration::from_secs(3),
            "{what}: after {took:?}"
        );
        let e = src.checkpoint().unwrap_err();
        assert_eq!(e.code(), "fetch_stalled", "{what}: {e}");
    }

    // a body that trickles on for ever is cut by the total timeout
    let raw = RawServer::start(b"HTTP/1.1 200 OK\r\nContent-Length: 8192\r\n\r\n", None);
    let src = HttpTileSource::new(&format!("http://{}/", raw.addr))
        .unwrap()
        .with_read_timeout(Duration::from_secs(5))
        .with_total_timeout(Duration::from_millis(700));
    let start = Instant::now();
    let e = src.read("tile/0/000", 8192).unwrap_err();
    assert_eq!(e.code(), "fetch_stalled", "{e}");
    assert!(start.elapsed() < Duration::from_secs(3));

    // a huge answer is read only to one byte past the limit
    let raw = RawServer::start(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n",
        Some(vec![b'x'; 1 << 20]),
    );
    let src = HttpTileSource::new(&format!("http://{}/", raw.addr))
        .unwrap()
        .with_read_timeout(timeout);
    assert_eq!(src.read("tile/0/000", 8192).unwrap().len(), 8193);
    let e = src.checkpoint().unwrap_err();
    assert_eq!(e.code(), "bad_site_checkpoint", "{e}");

    // statuses other than 200 and 404
    let raw = RawServer::start(
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
        None,
    );
    let src = HttpTileSource::new(&format!("http://{}/", raw.addr))
        .unwrap()
        .with_read_timeout(timeout);
    let e = src.read("tile/0/000", 8192).unwrap_err();
    assert_eq!(e.code(), "fetch_failed", "{e}");
    assert!(e.to_string().contains("503"), "{e}");
}

#[test]
fn refuses_a_missing_site_and_a_taken_port() {
    let d = tempfile::tempdir().unwrap();
    let missing = d.path().join("nothing");
    let err = run_stderr(
        &["ledger", "serve", s(&missing), "--listen", "127.0.0.1:0"],
        2,
    );
    assert!(err.contains("cannot open"), "{err}");
    let file = d.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let err = run_stderr(&["ledger", "serve", s(&file), "--listen", "127.0.0.1:0"], 2);
    assert!(err.contains("is not a directory"), "{err}");
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let err = run_stderr(&["ledger", "serve", s(d.path()), "--listen", &addr], 2);
    assert!(err.contains("cannot listen"), "{err}");
    let out = run_json_code(&["ledger", "serve", s(d.path()), "--listen", &addr], 2);
    assert_eq!(out["error"]["code"], "io_error");
}
