//! `witness …` (run a witness: its key, and an HTTP server for
//! `add-checkpoint`) and `ledger witness` (ask a witness to cosign the
//! ledger's latest checkpoint). The rules are the core's
//! ([`certanchor::witness`], SPEC §9.7); this file is HTTP and files.
//!
//! The server is [`crate::http_server`] (hyper on tokio, shared with
//! `ledger serve`: bounded request heads, a client timeout, a connection
//! limit, shutdown on SIGINT and SIGTERM) with at most [`MAX_CONNECTIONS`]
//! connections; this file answers its requests: `POST /add-checkpoint`
//! with a `Content-Length` of at most [`MAX_REQUEST_LEN`] bytes, a body
//! that arrives whole within [`BODY_TIMEOUT`], handed to
//! [`Witness::handle`] on a blocking thread (it writes the state durably).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use certanchor::display::escape_text;
use certanchor::keys::SigningKey;
use certanchor::ledger::{FileLedger, Ledger};
use certanchor::note::{self, CosignatureSigner, CosignatureVerifier, NoteVerifier};
use certanchor::witness::{
    AddCheckpointRequest, AddCheckpointResponse, MAX_REQUEST_LEN, Witness, WitnessError,
    parse_add_checkpoint_response,
};
use clap::Subcommand;
use http_body::Body as _;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::header;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::json;

use crate::http_server;
use crate::util::{self, CliError};

/// Where `ledger witness` keeps the latest checkpoint with the witnesses'
/// cosignatures, in the ledger directory.
pub const COSIGNED_CHECKPOINT: &str = "cosigned-checkpoint";

/// Most connections served at once (more wait in the listen queue).
pub const MAX_CONNECTIONS: u32 = 64;

/// How long a client may take to send a request head, or stay without
/// reading an answer, before it is disconnected.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a request body may take to arrive whole (408 beyond).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// Worker threads of the server (`Witness::handle` runs on blocking
/// threads, at most one per connection).
const THREADS: u16 = 2;

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
    /// Serve `POST /add-checkpoint` over HTTP until SIGINT or SIGTERM; one line per request on stdout.
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
            let vkey = witness.verifier().to_verifier_key();
            let settings = http_server::Settings {
                name: "witness serve",
                listen,
                client_timeout: CLIENT_TIMEOUT,
                max_connections: MAX_CONNECTIONS,
                threads: THREADS,
                blocking_threads: MAX_CONNECTIONS as usize,
            };
            let announce = |addr: SocketAddr| {
                if json {
                    println!("{}", json!({"listening": addr.to_string(), "vkey": vkey}));
                } else {
                    println!(
                        "witness {} listening on {addr} ({vkey})",
                        escape_text(&name)
                    );
                }
            };
            let witness = Arc::new(witness);
            http_server::serve(&settings, announce, move |peer, req| {
                respond(Arc::clone(&witness), peer, req, json)
            })
        }
    }
}

// ---------------------------------------------------------------- server

/// An answer: status, content type, body; `close` ends the connection
/// after it (the request was not read whole, or cannot be).
fn response(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
    close: bool,
) -> Response<Full<Bytes>> {
    let mut b = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type);
    if status == StatusCode::METHOD_NOT_ALLOWED {
        b = b.header(header::ALLOW, "POST");
    }
    if close {
        b = b.header(header::CONNECTION, "close");
    }
    b.body(Full::new(body.into()))
        .unwrap_or_else(|_| Response::new(Full::default()))
}

/// Answers one request: `POST /add-checkpoint` goes to the witness; the
/// head is checked before the body is read (501 chunked, 411 without a
/// length, 413 over [`MAX_REQUEST_LEN`]), then 404 for another path and
/// 405 for another method. One log line per answer (none when the
/// client left before its body arrived).
async fn respond(
    witness: Arc<Witness>,
    peer: SocketAddr,
    req: Request<Incoming>,
    json: bool,
) -> Response<Full<Bytes>> {
    let method = req.method().clone();
    let target = req.uri().to_string();
    let answer = |status: StatusCode, body: &'static str, close: bool| {
        log(peer, method.as_str(), &target, status.as_u16(), None, json);
        response(status, "text/plain; charset=utf-8", body, close)
    };
    if req.headers().contains_key(header::TRANSFER_ENCODING) {
        return answer(
            StatusCode::NOT_IMPLEMENTED,
            "chunked bodies are not supported\n",
            true,
        );
    }
    if method == Method::POST && !req.headers().contains_key(header::CONTENT_LENGTH) {
        return answer(
            StatusCode::LENGTH_REQUIRED,
            "Content-Length required\n",
            true,
        );
    }
    // hyper has checked the Content-Length (one, a number): the body's exact size
    let len = req.body().size_hint().upper().unwrap_or(u64::MAX);
    if len > MAX_REQUEST_LEN as u64 {
        return answer(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body too large\n",
            true,
        );
    }
    let body = match tokio::time::timeout(BODY_TIMEOUT, req.into_body().collect()).await {
        Ok(Ok(b)) => b.to_bytes(),
        // the client went away, or sent less than it announced and closed
        Ok(Err(_)) => {
            return response(StatusCode::BAD_REQUEST, "text/plain", "bad request\n", true);
        }
        Err(_) => return answer(StatusCode::REQUEST_TIMEOUT, "timeout\n", true),
    };
    let path = target.split('?').next().unwrap_or_default();
    if path != "/add-checkpoint" {
        return answer(StatusCode::NOT_FOUND, "not found\n", false);
    }
    if method != Method::POST {
        return answer(StatusCode::METHOD_NOT_ALLOWED, "POST only\n", false);
    }
    // state writes and fsync: off the workers
    let handled = tokio::task::spawn_blocking(move || {
        let a = witness.handle(&body);
        log(peer, "POST", "/add-checkpoint", a.status, a.code, json);
        a
    })
    .await;
    match handled {
        Ok(a) => response(
            StatusCode::from_u16(a.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            a.content_type,
            a.body,
            false,
        ),
        Err(_) => response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain; charset=utf-8",
            "internal error\n",
            true,
        ),
    }
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

/// The stored cosigned checkpoint: the note, its size and the names of the
/// cosigners whose lines it holds; `None` when there is none. A file that is
/// not this ledger's checkpoint is an error (never overwritten silently).
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
