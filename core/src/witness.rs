//! A witness for ledgers (SPEC §9.7): it cosigns a ledger's checkpoint only
//! after checking that it extends the last checkpoint of that ledger it
//! cosigned, so that a ledger cannot show different trees to different
//! parties, nor roll its tree back, without a witness refusing.
//!
//! * [`Witness`] is the witness itself: the ledgers it follows (origin and
//!   checkpoint keys), its cosigner key, and its state, the latest cosigned
//!   `(size, root, note)` of each ledger, one file per ledger in a directory,
//!   replaced atomically (temporary file, fsync, rename, fsync of the
//!   directory) while the ledger's lock is held. [`Witness::add_checkpoint`]
//!   is the `add-checkpoint` call; [`Witness::handle`] gives its HTTP status,
//!   content type and body.
//! * The client side: [`AddCheckpointRequest`] writes the request body and
//!   [`parse_add_checkpoint_response`] reads the answer.
//!
//! # The `add-checkpoint` request
//!
//! ```text
//! old <size the client believes the witness has>\n
//! <base64 of a 32-byte consistency-proof hash>\n      (0 to 63 lines)
//! \n
//! <the checkpoint's signed note>
//! ```
//!
//! | outcome | HTTP status | code |
//! |---|---|---|
//! | cosigned: the body is the witness's cosignature line | 200 | — |
//! | malformed body or note | 400 | `malformed_request` |
//! | `old` larger than the checkpoint's size | 400 | `old_size_too_large` |
//! | no valid signature by a key of the ledger | 403 | `bad_log_signature` |
//! | the origin is not a ledger this witness follows | 404 | `unknown_log` |
//! | `old` is not the size the witness recorded (body: that size, `text/x.tlog.size`) | 409 | `old_size_mismatch` |
//! | the consistency proof does not verify, is not empty for `old` 0, or the same size has another root | 422 | `bad_consistency_proof` |
//! | the state could not be written | 500 | `io_error` |
//!
//! ```
//! use certanchor::Hash;
//! use certanchor::keys::SigningKey;
//! use certanchor::note::{self, Checkpoint, CosignatureSigner, NoteVerifier};
//! use certanchor::witness::{AddCheckpointRequest, Witness};
//!
//! let dir = std::env::temp_dir().join(format!("witness-doc-{}", std::process::id()));
//! let log_key = SigningKey::from_seed(&[1; 32]);
//! let log = NoteVerifier::new("ledger.example/x", log_key.public_key()).unwrap();
//! let signer = CosignatureSigner::new("witness.example/w1", SigningKey::from_seed(&[2; 32])).unwrap();
//! let witness = Witness::open(&dir, signer.clone(), vec![log]).unwrap();
//!
//! let cp = Checkpoint { origin: "ledger.example/x".into(), tree_size: 3, root: Hash::digest(b"r"), extensions: vec![] };
//! let signed = note::sign_checkpoint(&cp, &log_key).unwrap();
//! let lines = witness.add_checkpoint(&AddCheckpointRequest::new(0, vec![], &signed)).unwrap();
//! let cosigned = note::merge_signatures(&signed, &lines).unwrap();
//! assert_eq!(note::verify_cosignatures(&cosigned, &[signer.verifier()]).unwrap().len(), 1);
//!
//! // The witness now holds size 3: a request from size 0 again is a conflict.
//! let err = witness.add_checkpoint(&AddCheckpointRequest::new(0, vec![], &signed)).unwrap_err();
//! assert_eq!((err.code(), err.http_status()), ("old_size_mismatch", 409));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::collections::HashMap;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::Hash;
use crate::merkle::verify_consistency;
use crate::note::{self, Checkpoint, CosignatureSigner, NoteError, NoteVerifier};

/// Largest `add-checkpoint` request body accepted, bytes (a note is at most
/// 16 KiB, a proof 63 lines of 45 bytes).
pub const MAX_REQUEST_LEN: usize = 64 * 1024;

/// Most consistency-proof lines in a request.
pub const MAX_PROOF_LINES: usize = 63;

/// Content type of a 409 answer, whose body is the recorded size.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// Version of the state files.
const STATE_VERSION: u64 = 1;

/// The `add-checkpoint` call failed, on the witness's side or, for a client,
/// as the witness answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessError {
    /// The request body, or the note in it, does not follow the format.
    #[error("malformed add-checkpoint request: {reason}")]
    Malformed {
        /// What is wrong.
        reason: String,
    },
    /// The checkpoint's origin is not a ledger the witness follows.
    #[error("unknown log {origin:?}")]
    UnknownLog {
        /// The checkpoint's origin (as the witness reported it, for a client).
        origin: String,
    },
    /// The note has no valid signature by a key of its ledger.
    #[error("checkpoint not signed by the log's key: {reason}")]
    BadLogSignature {
        /// Why.
        reason: String,
    },
    /// `old` is larger than the checkpoint's tree size.
    #[error("old size {old_size} is larger than the checkpoint's size {tree_size}")]
    OldSizeTooLarge {
        /// The request's old size.
        old_size: u64,
        /// The checkpoint's size.
        tree_size: u64,
    },
    /// `old` is not the size of the checkpoint the witness last cosigned for
    /// this ledger (a client that guessed wrong retries from `recorded`; a
    /// checkpoint smaller than `recorded` is a rollback and is refused).
    #[error("old size {old_size} is not the witness's recorded size {recorded}")]
    OldSizeMismatch {
        /// The request's old size.
        old_size: u64,
        /// The size the witness recorded.
        recorded: u64,
    },
    /// The consistency proof from the recorded checkpoint does not verify.
    #[error("consistency proof from size {old_size} to {tree_size} does not verify: {reason}")]
    BadConsistencyProof {
        /// The recorded (old) size.
        old_size: u64,
        /// The checkpoint's size.
        tree_size: u64,
        /// Why.
        reason: String,
    },
    /// Reading or writing the witness state failed.
    #[error("cannot {op} {path}: {reason}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file.
        path: String,
        /// The system's error.
        reason: String,
    },
    /// A state file is damaged: the witness refuses to start rather than
    /// forget what it cosigned (which would allow a rollback).
    #[error("witness state {path} is damaged: {reason}")]
    CorruptState {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The witness's configuration is unusable (a log key listed for two
    /// origins' worth of names, a bad name).
    #[error("witness configuration: {reason}")]
    Config {
        /// What is wrong.
        reason: String,
    },
    /// The cosignature could not be made (not expected for a verified note).
    #[error("cannot cosign: {0}")]
    Cosign(NoteError),
    /// A client got an answer that is not a valid `add-checkpoint` answer.
    #[error("unexpected witness answer (HTTP {status}): {reason}")]
    BadResponse {
        /// The HTTP status.
        status: u16,
        /// What is wrong, or the witness's message.
        reason: String,
    },
}

impl WitnessError {
    /// Stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "malformed_request",
            Self::UnknownLog { .. } => "unknown_log",
            Self::BadLogSignature { .. } => "bad_log_signature",
            Self::OldSizeTooLarge { .. } => "old_size_too_large",
            Self::OldSizeMismatch { .. } => "old_size_mismatch",
            Self::BadConsistencyProof { .. } => "bad_consistency_proof",
            Self::Io { .. } => "io_error",
            Self::CorruptState { .. } => "corrupt_state",
            Self::Config { .. } => "invalid_witness_config",
            Self::Cosign(_) => "cosign_failed",
            Self::BadResponse { .. } => "bad_witness_response",
        }
    }

    /// The HTTP status a witness answers with for this error.
    #[must_use]
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Malformed { .. } | Self::OldSizeTooLarge { .. } => 400,
            Self::BadLogSignature { .. } => 403,
            Self::UnknownLog { .. } => 404,
            Self::OldSizeMismatch { .. } => 409,
            Self::BadConsistencyProof { .. } => 422,
            Self::Io { .. }
            | Self::CorruptState { .. }
            | Self::Config { .. }
            | Self::Cosign(_)
            | Self::BadResponse { .. } => 500,
        }
    }
}

fn malformed(reason: impl Into<String>) -> WitnessError {
    WitnessError::Malformed {
        reason: reason.into(),
    }
}

/// Parses a decimal size without leading zeros (`0` itself allowed).
fn parse_size(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// An `add-checkpoint` request: the size the client believes the witness
/// recorded, a consistency proof from that size, and the signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpointRequest {
    /// The witness's recorded size, as the client believes it (0 at first).
    pub old_size: u64,
    /// RFC 9162 consistency proof from `old_size` to the checkpoint's size
    /// (empty when `old_size` is 0 or equals the checkpoint's size).
    pub proof: Vec<Hash>,
    /// The checkpoint's signed note.
    pub note: String,
}

impl AddCheckpointRequest {
    /// A request.
    #[must_use]
    pub fn new(old_size: u64, proof: Vec<Hash>, note: &str) -> Self {
        Self {
            old_size,
            proof,
            note: note.to_owned(),
        }
    }

    /// The request body: `old <size>\n`, one base64 line per proof hash, an
    /// empty line, the note.
    #[must_use]
    pub fn to_body(&self) -> String {
        let mut out = String::with_capacity(self.note.len() + 16 + 45 * self.proof.len());
        out.push_str("old ");
        out.push_str(&self.old_size.to_string());
        out.push('\n');
        for h in &self.proof {
            out.push_str(&B64.encode(h.as_bytes()));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.note);
        out
    }

    /// Parses a request body. The note is only split off here; the witness
    /// checks it.
    ///
    /// # Errors
    /// [`WitnessError::Malformed`]: larger than [`MAX_REQUEST_LEN`], not
    /// UTF-8, no empty line, an `old` line that is not `old ` and a decimal
    /// size without leading zeros, a proof line that is not strict base64 of
    /// 32 bytes, more than [`MAX_PROOF_LINES`] proof lines, or no note.
    pub fn from_body(body: &[u8]) -> Result<Self, WitnessError> {
        if body.len() > MAX_REQUEST_LEN {
            return Err(malformed(format!(
                "body is {} bytes, more than {MAX_REQUEST_LEN}",
                body.len()
            )));
        }
        let body = std::str::from_utf8(body).map_err(|_| malformed("body is not UTF-8"))?;
        let (head, note) = body
            .split_once("\n\n")
            .ok_or_else(|| malformed("no empty line before the checkpoint"))?;
        let mut lines = head.split('\n');
        let old = lines.next().unwrap_or_default();
        let old_size = old
            .strip_prefix("old ")
            .and_then(parse_size)
            .ok_or_else(|| malformed("first line must be `old <size>`"))?;
        let mut proof = Vec::new();
        for (i, line) in lines.enumerate() {
            if i >= MAX_PROOF_LINES {
                return Err(malformed(format!(
                    "more than {MAX_PROOF_LINES} consistency proof lines"
                )));
            }
            let h = B64
                .decode(line)
                .ok()
                .and_then(|raw| Hash::from_slice(&raw))
                .ok_or_else(|| {
                    malformed(format!(
                        "proof line {} is not base64 of a 32-byte hash",
                        i + 1
                    ))
                })?;
            proof.push(h);
        }
        if note.is_empty() {
            return Err(malformed("no checkpoint after the empty line"));
        }
        Ok(Self {
            old_size,
            proof,
            note: note.to_owned(),
        })
    }
}

/// What a witness answered to `add-checkpoint`, for a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddCheckpointResponse {
    /// 200: the witness's cosignature lines (each ending in a newline;
    /// checked for syntax only: verify them with
    /// [`note::verify_cosignatures`]).
    Cosigned(String),
    /// 409: the witness holds another size for this ledger; retry from it
    /// (when it is not larger than the checkpoint's).
    Conflict {
        /// The witness's recorded size.
        recorded: u64,
    },
}

/// Reads a witness's answer (HTTP status, `Content-Type`, body).
///
/// # Errors
/// For a refusal, the [`WitnessError`] of its status (400 →
/// [`WitnessError::Malformed`], 403 → [`WitnessError::BadLogSignature`], 404
/// → [`WitnessError::UnknownLog`], 422 →
/// [`WitnessError::BadConsistencyProof`]) with the witness's message;
/// [`WitnessError::BadResponse`] for any other status, a 200 body that is not
/// signature lines, or a 409 without a `text/x.tlog.size` size.
pub fn parse_add_checkpoint_response(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<AddCheckpointResponse, WitnessError> {
    let text = String::from_utf8_lossy(body.get(..body.len().min(1024)).unwrap_or_default());
    let message: String = text.trim().chars().take(200).collect();
    let bad = |reason: String| WitnessError::BadResponse { status, reason };
    match status {
        200 => {
            let lines = std::str::from_utf8(body)
                .map_err(|_| bad("cosignature lines are not UTF-8".into()))?;
            note::parse_signature_lines(lines)
                .map_err(|e| bad(format!("not signature lines: {e}")))?;
            Ok(AddCheckpointResponse::Cosigned(lines.to_owned()))
        }
        409 => {
            let media = content_type
                .and_then(|c| c.split(';').next())
                .map(str::trim)
                .unwrap_or_default();
            if !media.eq_ignore_ascii_case(SIZE_CONTENT_TYPE) {
                return Err(bad(format!(
                    "409 without a {SIZE_CONTENT_TYPE} body: {message}"
                )));
            }
            let recorded = std::str::from_utf8(body)
                .ok()
                .and_then(|s| s.strip_suffix('\n'))
                .and_then(parse_size)
                .ok_or_else(|| bad(format!("409 body is not a size line: {message}")))?;
            Ok(AddCheckpointResponse::Conflict { recorded })
        }
        400 => Err(malformed(format!("witness: {message}"))),
        403 => Err(WitnessError::BadLogSignature {
            reason: format!("witness: {message}"),
        }),
        404 => Err(WitnessError::UnknownLog { origin: message }),
        422 => Err(WitnessError::BadConsistencyProof {
            old_size: 0,
            tree_size: 0,
            reason: format!("witness: {message}"),
        }),
        _ => Err(bad(message)),
    }
}

/// What a witness recorded for one ledger: the latest checkpoint it cosigned.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    version: u64,
    origin: String,
    tree_size: u64,
    /// base64 of the root hash.
    root: String,
    /// The signed note as received.
    note: String,
}

/// A ledger the witness follows, with its recorded state behind its lock.
#[derive(Debug)]
struct Followed {
    keys: Vec<NoteVerifier>,
    file: PathBuf,
    state: Mutex<Option<(u64, Hash)>>,
}

/// The answer to an HTTP `add-checkpoint` request ([`Witness::handle`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Body.
    pub body: String,
    /// The error's code, `None` on success (for the server's log line).
    pub code: Option<&'static str>,
}

/// A witness: its cosigner key, the ledgers it follows and their state.
#[derive(Debug)]
pub struct Witness {
    signer: CosignatureSigner,
    dir: PathBuf,
    logs: HashMap<String, Followed>,
    clock: fn() -> u64,
}

fn io_err<'a>(
    op: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> WitnessError + 'a {
    move |e| WitnessError::Io {
        op,
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// The state file of a ledger: named by the SHA-256 of its origin, which
/// may hold any character.
fn state_file_name(origin: &str) -> String {
    format!("log-{}.json", Hash::digest(origin.as_bytes()).to_hex())
}

/// Reads a ledger's state file: `None` when there is none.
fn read_record(path: &Path, origin: &str) -> Result<Option<(u64, Hash)>, WitnessError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err("read", path)(e)),
    };
    let corrupt = |reason: String| WitnessError::CorruptState {
        path: path.display().to_string(),
        reason,
    };
    let r: Record = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    if r.version != STATE_VERSION {
        return Err(corrupt(format!("unsupported version {}", r.version)));
    }
    if r.origin != origin {
        return Err(corrupt(format!("holds origin {:?}", r.origin)));
    }
    let root = B64
        .decode(&r.root)
        .ok()
        .and_then(|raw| Hash::from_slice(&raw))
        .ok_or_else(|| corrupt("root is not base64 of 32 bytes".into()))?;
    // The note must be the checkpoint the record names.
    let text = note::parse_note(&r.note)
        .map_err(|e| corrupt(format!("note: {e}")))?
        .text;
    let cp = Checkpoint::from_text(&text).map_err(|e| corrupt(format!("note: {e}")))?;
    if cp.origin != origin || cp.tree_size != r.tree_size || cp.root != root {
        return Err(corrupt("the note is not the recorded checkpoint".into()));
    }
    Ok(Some((r.tree_size, root)))
}

/// Writes `data` to `path` so that a crash at any point leaves the old file
/// or the new one: a temporary file beside it, fsync, rename, fsync of the
/// directory.
fn write_durably(dir: &Path, path: &Path, data: &[u8]) -> Result<(), WitnessError> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("state");
    let tmp = dir.join(format!(".{name}.tmp"));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io_err("write", path))
}

impl Witness {
    /// Opens (creating it if needed) a witness state directory for the
    /// ledgers whose checkpoint keys are `logs` (key name = origin; several
    /// keys of one origin are all accepted). Leftover temporary files of an
    /// interrupted write are removed; the state files of ledgers no longer
    /// followed are left alone.
    ///
    /// # Errors
    /// [`WitnessError::Io`]; [`WitnessError::CorruptState`] for a state file
    /// that does not parse or does not match its note;
    /// [`WitnessError::Config`] when `logs` is empty.
    pub fn open(
        dir: impl AsRef<Path>,
        signer: CosignatureSigner,
        logs: Vec<NoteVerifier>,
    ) -> Result<Self, WitnessError> {
        let dir = dir.as_ref().to_path_buf();
        if logs.is_empty() {
            return Err(WitnessError::Config {
                reason: "no log to follow".into(),
            });
        }
        std::fs::create_dir_all(&dir).map_err(io_err("create directory", &dir))?;
        for entry in std::fs::read_dir(&dir).map_err(io_err("list", &dir))? {
            let entry = entry.map_err(io_err("list", &dir))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.ends_with(".tmp") {
                let path = entry.path();
                std::fs::remove_file(&path).map_err(io_err("remove", &path))?;
            }
        }
        let mut followed: HashMap<String, Followed> = HashMap::new();
        for key in logs {
            if let Some(f) = followed.get_mut(&key.name) {
                if !f.keys.contains(&key) {
                    f.keys.push(key);
                }
                continue;
            }
            let file = dir.join(state_file_name(&key.name));
            let state = read_record(&file, &key.name)?;
            followed.insert(
                key.name.clone(),
                Followed {
                    keys: vec![key],
                    file,
                    state: Mutex::new(state),
                },
            );
        }
        Ok(Self {
            signer,
            dir,
            logs: followed,
            clock: crate::time::now,
        })
    }

    /// Sets the clock whose time cosignatures carry (default
    /// [`crate::time::now`]); for tests.
    pub fn set_clock(&mut self, clock: fn() -> u64) {
        self.clock = clock;
    }

    /// The witness's cosigner key.
    #[must_use]
    pub fn verifier(&self) -> note::CosignatureVerifier {
        self.signer.verifier()
    }

    /// The (size, root) recorded for a ledger; `None` when the witness does
    /// not follow it or has cosigned none of its checkpoints.
    #[must_use]
    pub fn recorded(&self, origin: &str) -> Option<(u64, Hash)> {
        let f = self.logs.get(origin)?;
        *f.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The `add-checkpoint` call: checks the request and, when the checkpoint
    /// extends the recorded one, records it durably and returns the
    /// cosignature line (`— name base64(key id ‖ time ‖ signature)\n`).
    /// Requests for one ledger are serialized; the check of `old` and the
    /// write of the new state happen under one lock, so no interleaving can
    /// roll the state back.
    ///
    /// # Errors
    /// As in the [module documentation](self)'s table.
    pub fn add_checkpoint(&self, req: &AddCheckpointRequest) -> Result<String, WitnessError> {
        let parsed = note::parse_note(&req.note).map_err(|e| malformed(format!("note: {e}")))?;
        let origin = parsed.text.split('\n').next().unwrap_or_default();
        let followed = self
            .logs
            .get(origin)
            .ok_or_else(|| WitnessError::UnknownLog {
                origin: origin.to_owned(),
            })?;
        let cp = note::verify_checkpoint(&req.note, &followed.keys).map_err(|e| match e {
            NoteError::UnknownSigner
            | NoteError::BadSignature { .. }
            | NoteError::OriginNotSigned { .. }
            | NoteError::AmbiguousKey { .. } => WitnessError::BadLogSignature {
                reason: e.to_string(),
            },
            other => malformed(format!("note: {other}")),
        })?;
        if req.old_size > cp.tree_size {
            return Err(WitnessError::OldSizeTooLarge {
                old_size: req.old_size,
                tree_size: cp.tree_size,
            });
        }
        let mut state = followed
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (recorded, recorded_root) = match *state {
            Some((size, root)) => (size, Some(root)),
            None => (0, None),
        };
        if req.old_size != recorded {
            return Err(WitnessError::OldSizeMismatch {
                old_size: req.old_size,
                recorded,
            });
        }
        let inconsistent = |reason: String| WitnessError::BadConsistencyProof {
            old_size: recorded,
            tree_size: cp.tree_size,
            reason,
        };
        match recorded_root {
            _ if recorded == 0 => {
                if !req.proof.is_empty() {
                    return Err(inconsistent("the proof must be empty from size 0".into()));
                }
            }
            Some(old_root) => {
                verify_consistency(recorded, cp.tree_size, &old_root, &cp.root, &req.proof)
                    .map_err(|e| inconsistent(e.to_string()))?;
            }
            None => return Err(inconsistent("no recorded root".into())),
        }
        if *state != Some((cp.tree_size, cp.root)) {
            let record = Record {
                version: STATE_VERSION,
                origin: cp.origin.clone(),
                tree_size: cp.tree_size,
                root: B64.encode(cp.root.as_bytes()),
                note: req.note.clone(),
            };
            let json = serde_json::to_vec(&record).map_err(|e| WitnessError::Io {
                op: "encode",
                path: followed.file.display().to_string(),
                reason: e.to_string(),
            })?;
            write_durably(&self.dir, &followed.file, &json)?;
            *state = Some((cp.tree_size, cp.root));
        }
        self.signer
            .cosign(&parsed.text, (self.clock)())
            .map_err(WitnessError::Cosign)
    }

    /// [`Witness::add_checkpoint`] on an HTTP request body, as the HTTP
    /// answer: 200 with the cosignature line (`text/plain; charset=utf-8`),
    /// 409 with the recorded size and a newline (`text/x.tlog.size`), or the
    /// error's status with `<code>: <message>\n`.
    #[must_use]
    pub fn handle(&self, body: &[u8]) -> HttpAnswer {
        const TEXT: &str = "text/plain; charset=utf-8";
        let result =
            AddCheckpointRequest::from_body(body).and_then(|req| self.add_checkpoint(&req));
        match result {
            Ok(lines) => HttpAnswer {
                status: 200,
                content_type: TEXT,
                body: lines,
                code: None,
            },
            Err(WitnessError::OldSizeMismatch { recorded, .. }) => HttpAnswer {
                status: 409,
                content_type: SIZE_CONTENT_TYPE,
                body: format!("{recorded}\n"),
                code: Some("old_size_mismatch"),
            },
            Err(e) => HttpAnswer {
                status: e.http_status(),
                content_type: TEXT,
                body: format!("{}: {e}\n", e.code()),
                code: Some(e.code()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;
    use crate::ledger::LogTree;
    use crate::merkle::leaf_hash;

    const ORIGIN: &str = "ledger.example/witnessed";

    fn key(n: u8) -> SigningKey {
        SigningKey::from_seed(&[n; 32])
    }

    fn signer() -> CosignatureSigner {
        CosignatureSigner::new("witness.example/w1", key(2)).unwrap()
    }

    fn log() -> NoteVerifier {
        NoteVerifier::new(ORIGIN, key(1).public_key()).unwrap()
    }

    struct TempDir(PathBuf);
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    fn temp(name: &str) -> TempDir {
        let p =
            std::env::temp_dir().join(format!("certanchor-witness-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        TempDir(p)
    }

    /// A log of `n` leaves (leaf i = digest of i, from `fork` on digest of i + 1000).
    fn tree(n: u64, fork: u64) -> LogTree {
        let mut t = LogTree::new();
        for i in 0..n {
            let v = if i >= fork { i + 1000 } else { i };
            t.push(leaf_hash(&v.to_be_bytes()));
        }
        t
    }

    fn signed(t: &LogTree, size: u64, k: u8) -> String {
        let cp = Checkpoint {
            origin: ORIGIN.into(),
            tree_size: size,
            root: t.root_at(size).unwrap(),
            extensions: vec![],
        };
        note::sign_checkpoint(&cp, &key(k)).unwrap()
    }

    fn req(t: &LogTree, old: u64, size: u64) -> AddCheckpointRequest {
        let proof = if old == 0 || old >= size {
            vec![]
        } else {
            t.consistency_proof(old, size).unwrap()
        };
        AddCheckpointRequest::new(old, proof, &signed(t, size, 1))
    }

    #[test]
    fn request_body_round_trip_and_parse_errors() {
        let t = tree(10, u64::MAX);
        let r = req(&t, 3, 10);
        assert!(!r.proof.is_empty());
        let body = r.to_body();
        assert!(body.starts_with("old 3\n"));
        assert_eq!(AddCheckpointRequest::from_body(body.as_bytes()).unwrap(), r);
        let r0 = req(&t, 0, 10);
        assert!(r0.to_body().starts_with("old 0\n\n"));
        assert_eq!(
            AddCheckpointRequest::from_body(r0.to_body().as_bytes()).unwrap(),
            r0
        );

        let note = signed(&t, 10, 1);
        let h = B64.encode([7u8; 32]);
        for bad in [
            format!("old 03\n\n{note}"),
            format!("old -1\n\n{note}"),
            format!("old 1 \n\n{note}"),
            format!("Old 1\n\n{note}"),
            format!("old 18446744073709551616\n\n{note}"),
            format!("old 1\n{note}"),
            format!("old 1\nAAAA\n\n{note}"),
            format!("old 1\n{}\n\n{note}", &h[..43]),
            format!("old 1\r\n\n{note}"),
            format!("old 1\n{h}\n{h}\n"),
            "old 1\n\n".to_string(),
            format!("old 1\n{}\n{note}", format!("{h}\n").repeat(64)),
        ] {
            assert_eq!(
                AddCheckpointRequest::from_body(bad.as_bytes())
                    .unwrap_err()
                    .code(),
                "malformed_request",
                "{bad:?}"
            );
        }
        let ok63 = format!("old 1\n{}\n{note}", format!("{h}\n").repeat(63));
        assert_eq!(
            AddCheckpointRequest::from_body(ok63.as_bytes())
                .unwrap()
                .proof
                .len(),
            63
        );
        assert_eq!(
            AddCheckpointRequest::from_body(&[0xff, b'\n', b'\n', b'x'])
                .unwrap_err()
                .code(),
            "malformed_request"
        );
        let huge = vec![b'a'; MAX_REQUEST_LEN + 1];
        assert_eq!(
            AddCheckpointRequest::from_body(&huge).unwrap_err().code(),
            "malformed_request"
        );
    }

    #[test]
    fn cosigns_consistent_checkpoints_and_refuses_the_rest() {
        let d = temp("flow");
        let w = Witness::open(&d.0, signer(), vec![log()]).unwrap();
        let t = tree(20, u64::MAX);
        let status = |r: &AddCheckpointRequest| w.handle(r.to_body().as_bytes()).status;

        // First checkpoint: from 0, no proof.
        let lines = w.add_checkpoint(&req(&t, 0, 5)).unwrap();
        let note5 = signed(&t, 5, 1);
        let cos = note::verify_cosignatures(
            &note::merge_signatures(&note5, &lines).unwrap(),
            &[signer().verifier()],
        )
        .unwrap();
        assert_eq!(cos.len(), 1);
        assert_eq!(w.recorded(ORIGIN), Some((5, t.root_at(5).unwrap())));

        // 409 with the recorded size for a stale `old`, as HTTP.
        let a = w.handle(req(&t, 0, 12).to_body().as_bytes());
        assert_eq!(
            (a.status, a.content_type, a.body.as_str()),
            (409, SIZE_CONTENT_TYPE, "5\n")
        );
        assert_eq!(status(&req(&t, 3, 12)), 409);
        // Rollback: a smaller checkpoint, from its own size or from the recorded one.
        assert_eq!(status(&req(&t, 4, 4)), 409);
        assert_eq!(
            w.add_checkpoint(&req(&t, 5, 4)).unwrap_err().code(),
            "old_size_too_large"
        );
        assert_eq!(status(&req(&t, 5, 4)), 400);

        // Extending with a proof: cosigned.
        w.add_checkpoint(&req(&t, 5, 12)).unwrap();
        assert_eq!(w.recorded(ORIGIN).unwrap().0, 12);
        // The same checkpoint again: cosigned again, state unchanged.
        w.add_checkpoint(&req(&t, 12, 12)).unwrap();

        // A forked tree of size 15 sharing the first 10 leaves: the proof from
        // 12 cannot verify.
        let fork = tree(15, 10);
        let mut r = req(&fork, 12, 15);
        assert_eq!(
            w.add_checkpoint(&r).unwrap_err().code(),
            "bad_consistency_proof"
        );
        assert_eq!(status(&r), 422);
        // The honest proof with the forked root: refused too.
        r.proof = t.consistency_proof(12, 15).unwrap();
        assert_eq!(status(&r), 422);
        // Same size, another root.
        assert_eq!(status(&req(&tree(12, 11), 12, 12)), 422);
        // A proof altered by one bit.
        let mut r = req(&t, 12, 20);
        r.proof[0].0[0] ^= 1;
        assert_eq!(status(&r), 422);
        // Nothing changed.
        assert_eq!(w.recorded(ORIGIN).unwrap().0, 12);
        w.add_checkpoint(&req(&t, 12, 20)).unwrap();

        // Unknown log, bad signature, malformed.
        let mut other =
            Checkpoint::from_text(&note::parse_note(&signed(&t, 3, 1)).unwrap().text).unwrap();
        other.origin = "other.example/log".into();
        let foreign = note::sign_checkpoint(&other, &key(1)).unwrap();
        assert_eq!(
            w.handle(
                AddCheckpointRequest::new(0, vec![], &foreign)
                    .to_body()
                    .as_bytes()
            )
            .status,
            404
        );
        let forged = AddCheckpointRequest::new(20, vec![], &signed(&t, 20, 9));
        let a = w.handle(forged.to_body().as_bytes());
        assert_eq!((a.status, a.code), (403, Some("bad_log_signature")));
        assert_eq!(w.handle(b"old 0\n\nnot a note\n").status, 400);
        assert_eq!(w.handle(b"hello").status, 400);
        // A non-empty proof from 0 on a fresh log: 422.
        let d2 = temp("fresh");
        let w2 = Witness::open(&d2.0, signer(), vec![log()]).unwrap();
        let r = AddCheckpointRequest::new(0, vec![Hash::digest(b"x")], &signed(&t, 5, 1));
        assert_eq!(w2.handle(r.to_body().as_bytes()).status, 422);
        assert_eq!(w2.recorded(ORIGIN), None);
    }

    #[test]
    fn state_survives_reopen_and_torn_temp_files() {
        let d = temp("crash");
        let t = tree(30, u64::MAX);
        {
            let w = Witness::open(&d.0, signer(), vec![log()]).unwrap();
            w.add_checkpoint(&req(&t, 0, 7)).unwrap();
            w.add_checkpoint(&req(&t, 7, 9)).unwrap();
        }
        // A crash while writing the next state: a torn temporary file.
        let file = d.0.join(state_file_name(ORIGIN));
        let tmp = d.0.join(format!(".{}.tmp", state_file_name(ORIGIN)));
        std::fs::write(&tmp, b"{\"version\":1,\"origin\":\"ledg").unwrap();
        let w = Witness::open(&d.0, signer(), vec![log()]).unwrap();
        assert!(!tmp.exists());
        assert_eq!(w.recorded(ORIGIN), Some((9, t.root_at(9).unwrap())));
        // A rollback to what it cosigned before the restart is refused.
        assert_eq!(
            w.add_checkpoint(&req(&t, 7, 7)).unwrap_err().code(),
            "old_size_mismatch"
        );
        w.add_checkpoint(&req(&t, 9, 30)).unwrap();
        drop(w);
        let w = Witness::open(&d.0, signer(), vec![log()]).unwrap();
        assert_eq!(w.recorded(ORIGIN).unwrap().0, 30);
        drop(w);

        // A damaged state file is refused, never read as "nothing cosigned".
        let good = std::fs::read(&file).unwrap();
        for bad in [
            good[..good.len() / 2].to_vec(),
            String::from_utf8(good.clone())
                .unwrap()
                .replace("\"tree_size\":30", "\"tree_size\":3")
                .into_bytes(),
            String::from_utf8(good.clone())
                .unwrap()
                .replace(ORIGIN, "x")
                .into_bytes(),
        ] {
            std::fs::write(&file, &bad).unwrap();
            assert_eq!(
                Witness::open(&d.0, signer(), vec![log()])
                    .unwrap_err()
                    .code(),
                "corrupt_state"
            );
        }
        std::fs::write(&file, &good).unwrap();
        assert!(Witness::open(&d.0, signer(), vec![log()]).is_ok());
        assert_eq!(
            Witness::open(&d.0, signer(), vec![]).unwrap_err().code(),
            "invalid_witness_config"
        );
    }

    #[test]
    fn updates_for_one_log_are_serialized() {
        let d = temp("race");
        let w = Witness::open(&d.0, signer(), vec![log()]).unwrap();
        let t = tree(64, u64::MAX);
        w.add_checkpoint(&req(&t, 0, 1)).unwrap();
        // Many threads race from size 1 to different sizes: exactly one wins,
        // the others get 409 with the winner's size.
        let results: Vec<Result<String, WitnessError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (2..=20u64)
                .map(|n| {
                    let w = &w;
                    let r = req(&t, 1, n);
                    s.spawn(move || w.add_checkpoint(&r))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
        let size = w.recorded(ORIGIN).unwrap().0;
        for r in results.iter().filter_map(|r| r.as_ref().err()) {
            assert_eq!(
                *r,
                WitnessError::OldSizeMismatch {
                    old_size: 1,
                    recorded: size
                }
            );
        }
        drop(w);
        assert_eq!(
            Witness::open(&d.0, signer(), vec![log()])
                .unwrap()
                .recorded(ORIGIN)
                .unwrap()
                .0,
            size
        );
    }

    #[test]
    fn client_reads_answers() {
        let lines = signer().cosign("a\n", 5).unwrap();
        assert_eq!(
            parse_add_checkpoint_response(200, Some("text/plain"), lines.as_bytes()).unwrap(),
            AddCheckpointResponse::Cosigned(lines.clone())
        );
        assert_eq!(
            parse_add_checkpoint_response(409, Some("text/x.tlog.size; charset=utf-8"), b"17\n")
                .unwrap(),
            AddCheckpointResponse::Conflict { recorded: 17 }
        );
        let code = |s: u16, ct: Option<&str>, b: &[u8]| {
            parse_add_checkpoint_response(s, ct, b).unwrap_err().code()
        };
        assert_eq!(
            code(409, Some("text/plain"), b"17\n"),
            "bad_witness_response"
        );
        assert_eq!(
            code(409, Some(SIZE_CONTENT_TYPE), b"017\n"),
            "bad_witness_response"
        );
        assert_eq!(code(409, None, b"17\n"), "bad_witness_response");
        assert_eq!(
            code(200, None, b"not a signature\n"),
            "bad_witness_response"
        );
        assert_eq!(code(200, None, b""), "bad_witness_response");
        assert_eq!(code(400, None, b"x"), "malformed_request");
        assert_eq!(code(403, None, b"x"), "bad_log_signature");
        assert_eq!(code(404, None, b"x"), "unknown_log");
        assert_eq!(code(422, None, b"x"), "bad_consistency_proof");
        assert_eq!(code(500, None, b"x"), "bad_witness_response");
        assert_eq!(code(502, None, &vec![0xff; 5000]), "bad_witness_response");
    }

    #[test]
    fn error_codes_and_statuses_are_stable() {
        let all = [
            (malformed("x"), "malformed_request", 400),
            (
                WitnessError::UnknownLog { origin: "o".into() },
                "unknown_log",
                404,
            ),
            (
                WitnessError::BadLogSignature { reason: "x".into() },
                "bad_log_signature",
                403,
            ),
            (
                WitnessError::OldSizeTooLarge {
                    old_size: 2,
                    tree_size: 1,
                },
                "old_size_too_large",
                400,
            ),
            (
                WitnessError::OldSizeMismatch {
                    old_size: 1,
                    recorded: 2,
                },
                "old_size_mismatch",
                409,
            ),
            (
                WitnessError::BadConsistencyProof {
                    old_size: 1,
                    tree_size: 2,
                    reason: "x".into(),
                },
                "bad_consistency_proof",
                422,
            ),
            (
                WitnessError::Io {
                    op: "write",
                    path: "p".into(),
                    reason: "x".into(),
                },
                "io_error",
                500,
            ),
            (
                WitnessError::CorruptState {
                    path: "p".into(),
                    reason: "x".into(),
                },
                "corrupt_state",
                500,
            ),
            (
                WitnessError::Config { reason: "x".into() },
                "invalid_witness_config",
                500,
            ),
            (
                WitnessError::Cosign(NoteError::UnknownSigner),
                "cosign_failed",
                500,
            ),
            (
                WitnessError::BadResponse {
                    status: 1,
                    reason: "x".into(),
                },
                "bad_witness_response",
                500,
            ),
        ];
        for (e, code, status) in all {
            assert_eq!((e.code(), e.http_status()), (code, status), "{e}");
            assert!(!e.to_string().is_empty());
        }
    }
}
