//! `witness …` (run a witness: its key, and an HTTP server for
//! `add-checkpoint`) and `ledger witness` (ask a witness to cosign the
//! ledger's latest checkpoint). The rules are the core's
//! ([`certanchor::witness`], SPEC §9.7); this file is HTTP and files.
//!
//! The server is a small HTTP/1.1 server over `std::net` with `httparse`
//! reading the request head: one thread per connection, at most
//! [`MAX_CONNECTIONS`] at once (more are answered 503 and closed), a read
//! and write timeout on every socket and a deadline on every request so
//! that a stalled or trickling client holds only its own thread for a
//! bounded time, a bounded head and body, keep-alive.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use certanchor::display::escape_text;
use certanchor::keys::SigningKey;
use certanchor::ledger::{FileLedger, Ledger};
use certanchor::note::{self, CosignatureSigner, CosignatureVerifier, NoteVerifier};
use certanchor::witness::{
    AddCheckpointRequest, AddCheckpointResponse, MAX_REQUEST_LEN, Witness, WitnessError,
    parse_add_checkpoint_response,
};
use clap::Subcommand;
use serde_json::json;

use crate::util::{self, CliError};

/// Where `ledger witness` keeps the latest checkpoint with the witnesses'
/// cosignatures, in the ledger directory.
pub const COSIGNED_CHECKPOINT: &str = "cosigned-checkpoint";

/// Most connections served at once.
pub const MAX_CONNECTIONS: usize = 64;

/// Longest request head (request line and headers), bytes.
const MAX_HEAD_LEN: usize = 8 * 1024;

/// How long a socket read or write may wait before the connection is dropped.
const SOCKET_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one request (head and body) may take to arrive in all.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Largest witness answer `ledger witness` reads, bytes.
const MAX_RESPONSE_LEN: u64 = 64 * 1024;

/// Witness subcommands.
#[derive(Debug, Subcommand)]
pub enum WitnessCommand {
    /// Generate a witness key (PKCS#8 PEM, mode 0600; never overwrites) and
    /// print its cosigner verifier key.
    Init {
        /// The witness's key name, e.g. witness.example.gov.cn/w1.
        #[arg(long)]
        name: String,
        /// Where to write the private key.
        #[arg(long)]
        key_out: PathBuf,
    },
    /// Print a witness key's cosigner verifier key (`name+hash+base64`, type 0x04).
    Vkey {
        /// The witness's private key.
        #[arg(long)]
        key: PathBuf,
        /// The witness's key name.
        #[arg(long)]
        name: String,
    },
    /// Serve `POST /add-checkpoint` over HTTP until killed; one line per request on stdout.
    Serve {
        /// The witness's private key.
        #[arg(long)]
        key: PathBuf,
        /// The witness's key name.
        #[arg(long)]
        name: String,
        /// The state directory (created if missing): the latest cosigned
        /// checkpoint of each ledger.
        #[arg(long)]
        state: PathBuf,
        /// A ledger to follow: its note verifier key (`certanchor ledger vkey
        /// DIR`); repeat for several.
        #[arg(long = "log", required = true)]
        logs: Vec<String>,
        /// Address to listen on (port 0: any free port; the first line
        /// printed says which).
        #[arg(long, default_value = "127.0.0.1:7380")]
        listen: String,
    },
}

fn signer(key: &Path, name: &str) -> Result<CosignatureSigner, CliError> {
    Ok(CosignatureSigner::new(name, util::load_key(key)?)?)
}

/// Runs a `witness` subcommand.
pub fn run(cmd: WitnessCommand, json: bool) -> Result<i32, CliError> {
    match cmd {
        WitnessCommand::Init { name, key_out } => {
            if key_out.exists() {
                return Err(CliError::new(
                    "exists",
                    format!(
                        "{} exists; refusing to overwrite a key",
                        util::show_path(&key_out)
                    ),
                ));
            }
            // the name first: no key file for a name that cannot be used
            let key = SigningKey::generate()?;
            let vkey = CosignatureSigner::new(&name, key.clone())?
                .verifier()
                .to_verifier_key();
            util::write_atomic(&key_out, key.to_pkcs8_pem().as_bytes(), true)?;
            if json {
                util::print_json(&json!({"path": key_out, "name": name, "vkey": vkey}));
            } else {
                println!(
                    "wrote {}\ncosigner verifier key: {vkey}",
                    util::show_path(&key_out)
                );
            }
            Ok(0)
        }
        WitnessCommand::Vkey { key, name } => {
            let vkey = signer(&key, &name)?.verifier().to_verifier_key();
            if json {
                util::print_json(&json!({"name": name, "vkey": vkey}));
            } else {
                println!("{vkey}");
            }
            Ok(0)
        }
        WitnessCommand::Serve {
            key,
            name,
            state,
            logs,
            listen,
        } => {
            let logs = logs
                .iter()
                .map(|l| {
                    NoteVerifier::from_verifier_key(l).map_err(|e| CliError::from(e).at("--log"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let witness = Witness::open(&state, signer(&key, &name)?, logs)
                .map_err(|e| CliError::from(e).at(util::show_path(&state)))?;
            let listener = TcpListener::bind(&listen).map_err(|e| {
                CliError::new("io_error", format!("cannot listen on {listen}: {e}"))
            })?;
            let addr = listener
                .local_addr()
                .map_err(|e| CliError::new("io_error", format!("listening socket: {e}")))?;
            if json {
                println!(
                    "{}",
                    json!({"listening": addr.to_string(), "vkey": witness.verifier().to_verifier_key()})
                );
            } else {
                println!(
                    "witness {} listening on {addr} ({})",
                    escape_text(&name),
                    witness.verifier().to_verifier_key()
                );
            }
            serve(&Arc::new(witness), &listener, json);
            Ok(0)
        }
    }
}

// ---------------------------------------------------------------- server

/// Counts a live connection; the count drops with it.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Accepts connections for ever, one thread each.
fn serve(witness: &Arc<Witness>, listener: &TcpListener, json: bool) {
    let live = Arc::new(AtomicUsize::new(0));
    loop {
        let (stream, peer) = match listener.accept() {
            Ok(c) => c,
            Err(e) => {
                // out of descriptors, a connection reset before accept: go on
                eprintln!("accept: {e}");
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let _ = stream.set_read_timeout(Some(SOCKET_TIMEOUT));
        let _ = stream.set_write_timeout(Some(SOCKET_TIMEOUT));
        let _ = stream.set_nodelay(true);
        if live.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            live.fetch_sub(1, Ordering::SeqCst);
            let mut s = stream;
            let _ = write_response(&mut s, 503, "text/plain", b"busy\n", true);
            continue;
        }
        let slot = Slot(Arc::clone(&live));
        let witness = Arc::clone(witness);
        let spawned = std::thread::Builder::new()
            .name("witness-conn".into())
            .spawn(move || {
                let _slot = slot;
                connection(&witness, stream, peer, json);
            });
        if let Err(e) = spawned {
            eprintln!("cannot start a connection thread: {e}");
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

fn write_response(
    s: &mut TcpStream,
    status: u16,
    content_type: &str,
    body: &[u8],
    close: bool,
) -> std::io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n",
        reason(status),
        body.len()
    )
    .into_bytes();
    if close {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    s.write_all(&out)?;
    s.flush()
}

/// One parsed request head.
struct Head {
    method: String,
    path: String,
    content_length: Option<usize>,
    chunked: bool,
    close: bool,
    expect_continue: bool,
    len: usize,
}

/// Parses the head at the start of `buf`: `Ok(None)` when incomplete.
fn parse_head(buf: &[u8]) -> Result<Option<Head>, ()> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    let len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(()),
    };
    let mut head = Head {
        method: req.method.unwrap_or_default().to_owned(),
        path: req.path.unwrap_or_default().to_owned(),
        content_length: None,
        chunked: false,
        close: req.version != Some(1),
        expect_continue: false,
        len,
    };
    for h in req.headers.iter() {
        let value = std::str::from_utf8(h.value).map_err(|_| ())?.trim();
        if h.name.eq_ignore_ascii_case("content-length") {
            let n: usize = value.parse().map_err(|_| ())?;
            if head.content_length.is_some_and(|m| m != n) {
                return Err(());
            }
            head.content_length = Some(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            head.chunked = true;
        } else if h.name.eq_ignore_ascii_case("connection") {
            if value.eq_ignore_ascii_case("close") {
                head.close = true;
            } else if value.eq_ignore_ascii_case("keep-alive") {
                head.close = false;
            }
        } else if h.name.eq_ignore_ascii_case("expect") {
            head.expect_continue = value.eq_ignore_ascii_case("100-continue");
        }
    }
    Ok(Some(head))
}

/// Reads requests from one connection and answers them, until the client
/// closes, asks to close, times out or sends something unreadable.
fn connection(witness: &Witness, mut s: TcpStream, peer: SocketAddr, json: bool) {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    loop {
        // A request has REQUEST_TIMEOUT in all from its first read (or from
        // the end of the previous one), however slowly its bytes trickle in.
        let deadline = Instant::now() + REQUEST_TIMEOUT;
        // the head
        let head = loop {
            match parse_head(&buf) {
                Ok(Some(h)) => break h,
                Ok(None) if buf.len() > MAX_HEAD_LEN => {
                    let _ = write_response(&mut s, 431, "text/plain", b"head too large\n", true);
                    return;
                }
                Ok(None) => {}
                Err(()) => {
                    let _ = write_response(&mut s, 400, "text/plain", b"bad request\n", true);
                    return;
                }
            }
            match read_before(&mut s, &mut chunk, deadline) {
                Ok(0) => return,
                Ok(n) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
                Err(e) => {
                    if !buf.is_empty() && is_timeout(&e) {
                        let _ = write_response(&mut s, 408, "text/plain", b"timeout\n", true);
                    }
                    return;
                }
            }
        };
        let answer = |s: &mut TcpStream, status: u16, body: &str, close: bool| {
            log(peer, &head.method, &head.path, status, None, json);
            write_response(
                s,
                status,
                "text/plain; charset=utf-8",
                body.as_bytes(),
                close,
            )
        };
        if head.chunked {
            let _ = answer(&mut s, 501, "chunked bodies are not supported\n", true);
            return;
        }
        let Some(len) = head.content_length.or((head.method != "POST").then_some(0)) else {
            let _ = answer(&mut s, 411, "Content-Length required\n", true);
            return;
        };
        if len > MAX_REQUEST_LEN {
            let _ = answer(&mut s, 413, "request body too large\n", true);
            return;
        }
        if head.expect_continue && s.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err() {
            return;
        }
        // the body: what came with the head, then the rest
        buf.drain(..head.len);
        while buf.len() < len {
            match read_before(&mut s, &mut chunk, deadline) {
                Ok(0) => return,
                Ok(n) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
                Err(e) => {
                    if is_timeout(&e) {
                        let _ = answer(&mut s, 408, "timeout\n", true);
                    }
                    return;
                }
            }
        }
        let body: Vec<u8> = buf.drain(..len).collect();
        let close = head.close;
        let path = head.path.split('?').next().unwrap_or_default();
        let sent = if path != "/add-checkpoint" {
            answer(&mut s, 404, "not found\n", close)
        } else if head.method != "POST" {
            answer(&mut s, 405, "POST only\n", close)
        } else {
            let a = witness.handle(&body);
            log(peer, &head.method, path, a.status, a.code, json);
            write_response(&mut s, a.status, a.content_type, a.body.as_bytes(), close)
        };
        if sent.is_err() || close {
            return;
        }
    }
}

/// One read, waiting no later than `deadline` (nor longer than
/// [`SOCKET_TIMEOUT`]); a passed deadline is a timeout error.
fn read_before(s: &mut TcpStream, chunk: &mut [u8], deadline: Instant) -> std::io::Result<usize> {
    let left = deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::TimedOut))?;
    s.set_read_timeout(Some(left.min(SOCKET_TIMEOUT)))?;
    s.read(chunk)
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// One line per request.
fn log(peer: SocketAddr, method: &str, path: &str, status: u16, code: Option<&str>, json: bool) {
    let time = certanchor::time::format(certanchor::time::now());
    let code = code.unwrap_or("ok");
    if json {
        println!(
            "{}",
            json!({"time": time, "peer": peer.to_string(), "method": method, "path": path, "status": status, "code": code})
        );
    } else {
        println!(
            "{time} {peer} {} {} {status} {code}",
            escape_text(method),
            escape_text(path)
        );
    }
}

// ---------------------------------------------------------------- client

/// `ledger witness DIR --witness URL --witness-vkey VKEY`: sends the
/// ledger's latest checkpoint to the witness with a consistency proof from
/// the size the witness last cosigned (retrying once from the size a 409
/// reports), checks the returned cosignature, and writes the checkpoint with
/// every cosignature gathered for it to `DIR/cosigned-checkpoint`.
pub fn ledger_witness(
    ledger: &FileLedger,
    url: &str,
    vkey: &str,
    json: bool,
) -> Result<i32, CliError> {
    let w = CosignatureVerifier::from_verifier_key(vkey)
        .map_err(|e| CliError::from(e).at("--witness-vkey"))?;
    let size = ledger.size();
    let latest = ledger.checkpoint_at(size)?.ok_or_else(|| {
        CliError::new(
            "empty",
            format!(
                "{}: no entry yet, nothing to witness",
                util::show_path(ledger.dir())
            ),
        )
    })?;
    let log_key = NoteVerifier::from_verifier_key(&ledger.verifier_key())?;
    let path = ledger.dir().join(COSIGNED_CHECKPOINT);
    let stored = read_cosigned(&path, &log_key)?;
    // Start from the size this witness last cosigned, as far as we know.
    let mut old = stored
        .as_ref()
        .filter(|(_, n, cosigned)| cosigned.iter().any(|c| c == &w.name) && *n <= size)
        .map_or(0, |(_, n, _)| *n);
    let endpoint = format!("{}/add-checkpoint", url.trim_end_matches('/'));
    let agent = agent();
    let mut retried = false;
    let lines = loop {
        let proof = if old == 0 || old == size {
            Vec::new()
        } else {
            ledger.consistency_proof(old, size)?
        };
        let body = AddCheckpointRequest::new(old, proof, &latest).to_body();
        let (status, content_type, answer) = post(&agent, &endpoint, body)?;
        match parse_add_checkpoint_response(status, content_type.as_deref(), &answer)
            .map_err(|e| CliError::from(e).at(&endpoint))?
        {
            AddCheckpointResponse::Cosigned(lines) => break lines,
            AddCheckpointResponse::Conflict { recorded } if recorded > size => {
                return Err(CliError::new(
                    "witness_ahead",
                    format!(
                        "the witness has cosigned size {recorded} of this log, more than its {size} \
                         entries: the ledger was rolled back or replaced; investigate before going on"
                    ),
                ));
            }
            AddCheckpointResponse::Conflict { recorded } if !retried => {
                retried = true;
                old = recorded;
            }
            AddCheckpointResponse::Conflict { recorded } => {
                return Err(CliError::from(WitnessError::OldSizeMismatch {
                    old_size: old,
                    recorded,
                })
                .at(&endpoint));
            }
        }
    };
    // Keep only the witness's own valid lines.
    let text = note::parse_note(&latest)?.text;
    let mine: String = note::parse_signature_lines(&lines)?
        .into_iter()
        .filter(|sig| w.verify(&text, sig).is_some())
        .map(|sig| sig.to_line())
        .collect();
    if mine.is_empty() {
        return Err(CliError::new(
            "bad_witness_response",
            format!(
                "{endpoint}: the answer holds no valid cosignature by {}",
                escape_text(&w.name)
            ),
        ));
    }
    // Gather: the cosignatures already stored for this same checkpoint stay.
    let base = match stored {
        Some((note, n, _)) if n == size && note::parse_note(&note)?.text == text => note,
        _ => latest,
    };
    let cosigned = note::merge_signatures(&base, &mine)?;
    let time = note::verify_cosignatures(&cosigned, std::slice::from_ref(&w))?
        .iter()
        .map(|c| c.time)
        .max()
        .unwrap_or_default();
    util::write_atomic(&path, cosigned.as_bytes(), false)?;
    if json {
        util::print_json(&json!({
            "tree_size": size, "old_size": old, "witness": w.name, "time": time,
            "cosigned_checkpoint": path,
        }));
    } else {
        println!(
            "witness {} cosigned size {size} (from {old}) at {}; wrote {}",
            escape_text(&w.name),
            certanchor::time::format(time),
            util::show_path(&path)
        );
    }
    Ok(0)
}

/// The stored cosigned checkpoint: the note, its size and the names of the
/// cosigners whose lines it holds; `None` when there is none. A file that is
/// not this ledger's checkpoint is an error (never overwritten silently).
/// The checkpoint `publish` and `snapshot` give out for `size`: the
/// ledger's own note, with the witnesses' cosignatures from
/// `DIR/cosigned-checkpoint` when those are for this very checkpoint (a
/// stale or damaged file is ignored: its lines would not verify anyway).
pub fn published_checkpoint(ledger: &FileLedger, size: u64) -> Result<Option<String>, CliError> {
    let Some(own) = ledger.checkpoint_at(size)? else {
        return Ok(None);
    };
    let log_key = NoteVerifier::from_verifier_key(&ledger.verifier_key())?;
    let path = ledger.dir().join(COSIGNED_CHECKPOINT);
    let cosigned = read_cosigned(&path, &log_key).ok().flatten();
    Ok(Some(match cosigned {
        Some((text, n, _))
            if n == size
                && note::parse_note(&text).map(|p| p.text).ok()
                    == note::parse_note(&own).map(|p| p.text).ok() =>
        {
            text
        }
        _ => own,
    }))
}

fn read_cosigned(
    path: &Path,
    log_key: &NoteVerifier,
) -> Result<Option<(String, u64, Vec<String>)>, CliError> {
    let text = match std::fs::read(path) {
        Ok(b) => String::from_utf8(b).map_err(|_| {
            CliError::new(
                "invalid_utf8",
                format!("{} is not UTF-8", util::show_path(path)),
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(util::io_err("read", path)(e)),
    };
    let cp = note::verify_checkpoint(&text, std::slice::from_ref(log_key))
        .map_err(|e| CliError::from(e).at(util::show_path(path)))?;
    let names = note::parse_note(&text)?
        .signatures
        .into_iter()
        .map(|s| s.name)
        .collect();
    Ok(Some((text, cp.tree_size, names)))
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(5)))
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

/// POSTs `body`; returns the status, content type and body (at most
/// [`MAX_RESPONSE_LEN`] bytes).
fn post(
    agent: &ureq::Agent,
    url: &str,
    body: String,
) -> Result<(u16, Option<String>, Vec<u8>), CliError> {
    let unreachable =
        |e: ureq::Error| CliError::new("witness_unreachable", format!("{}: {e}", escape_text(url)));
    let mut resp = agent
        .post(url)
        .content_type("text/plain; charset=utf-8")
        .send(body)
        .map_err(unreachable)?;
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let answer = resp
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE_LEN)
        .read_to_vec()
        .map_err(unreachable)?;
    Ok((status, content_type, answer))
}
