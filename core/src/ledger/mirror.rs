//! A verifier's copy of a ledger's index (SPEC §9.8): the newest verified
//! checkpoint, every anchor with its ledger index and time, and every
//! status list, kept in a local directory and brought up to date by
//! [`Mirror::sync`] from a published ledger (a directory, a URL, a
//! snapshot file: any [`TileSource`]).
//!
//! # On disk
//!
//! ```text
//! DIR/
//!   mirror.json   state: origin, verified checkpoint, frontier, log lengths, pending sync
//!   anchors.log   48-byte records: anchor id ‖ index (u64 BE) ‖ ledger time (u64 BE, 0 = unknown)
//!   lists.log     records: len (u32 BE) ‖ index (u64 BE) ‖ status list bytes
//!   LOCK          locked while a process syncs
//! ```
//!
//! Records are appended and made durable before `mirror.json` is replaced
//! (temporary file, fsync, rename, fsync of the directory); on open, bytes
//! past the lengths `mirror.json` names are cut off. A sync therefore either
//! lands whole or leaves the previous state, whatever moment it is killed.
//! A long sync records its progress every [`COMMIT_EVERY`] entry bundles as
//! *pending* (not yet proven, never used to verify). When the source stops
//! answering, or the process is killed, the next sync resumes from there
//! (if the ledger's new checkpoint is at least as large; the final root
//! check proves the resumed entries too). When the source's data is wrong
//! (an altered, cut or reordered bundle, a fork), the pending progress is
//! dropped.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Entry;
pub use super::sync::{AnchorRecord, LedgerView};
use super::sync::{Event, Frontier, SyncError, diagnose, follow};
use super::tiles::{TileSource, read_checkpoint};
use crate::Hash;
use crate::note::{self, NoteError, NoteVerifier};

/// Entry bundles between two recorded (pending) progress points of a sync.
pub const COMMIT_EVERY: u64 = 256;

const STATE: &str = "mirror.json";
const ANCHORS: &str = "anchors.log";
const LISTS: &str = "lists.log";
const LOCK: &str = "LOCK";
const ANCHOR_RECORD: usize = 48;
/// Longest status list record body (an entry is at most 65,535 bytes).
const MAX_LIST_RECORD: usize = u16::MAX as usize;

/// Why a mirror could not be opened or synced. A failed sync leaves the
/// mirror as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MirrorError {
    /// A file system operation failed.
    #[error("{op} {path}: {reason}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file.
        path: String,
        /// The OS error.
        reason: String,
    },
    /// Another process holds the mirror.
    #[error("mirror {path} is locked by another process")]
    Locked {
        /// The directory.
        path: String,
    },
    /// The directory is not a mirror, or a mirror of another ledger.
    #[error("{path}: {reason}")]
    NotAMirror {
        /// The directory.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// The checkpoint read from the source does not verify with the
    /// ledger's key (or is for another origin).
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] NoteError),
    /// Following the ledger failed (rollback, fork, altered or missing
    /// tiles, a source that stalls).
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The trust store has no ledger of the origin asked for, or none at
    /// all ([`pick_ledger`]).
    #[error("{reason}")]
    UnknownLedger {
        /// What is missing.
        reason: String,
    },
    /// The trust store trusts several ledgers and none was chosen
    /// ([`pick_ledger`]).
    #[error("the trust store trusts several ledgers ({}): choose one by its origin", .origins.join(", "))]
    AmbiguousLedger {
        /// The origins it trusts.
        origins: Vec<String>,
    },
}

impl MirrorError {
    /// Stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io { .. } => "io_error",
            Self::Locked { .. } => "locked",
            Self::NotAMirror { .. } => "not_a_mirror",
            Self::Checkpoint(e) => e.code(),
            Self::Sync(e) => e.code(),
            Self::UnknownLedger { .. } => "unknown_ledger",
            Self::AmbiguousLedger { .. } => "ambiguous_ledger",
        }
    }
}

/// The ledger a mirror follows, of a trust store's `ledgers`
/// ([`crate::TrustStore::ledgers`]): the one whose origin is `origin`, or,
/// with no origin given, the only one.
///
/// # Errors
/// [`MirrorError::UnknownLedger`] when no ledger has that origin, or the
/// store trusts none; [`MirrorError::AmbiguousLedger`] when no origin is
/// given and the store trusts several.
pub fn pick_ledger<'a>(
    ledgers: &'a [NoteVerifier],
    origin: Option<&str>,
) -> Result<&'a NoteVerifier, MirrorError> {
    match (origin, ledgers) {
        (Some(o), _) => {
            ledgers
                .iter()
                .find(|l| l.name == o)
                .ok_or_else(|| MirrorError::UnknownLedger {
                    reason: format!("the trust store has no ledger `{o}`"),
                })
        }
        (None, [one]) => Ok(one),
        (None, []) => Err(MirrorError::UnknownLedger {
            reason: "the trust store trusts no ledger (certanchor trust add-ledger)".into(),
        }),
        (None, several) => Err(MirrorError::AmbiguousLedger {
            origins: several.iter().map(|l| l.name.clone()).collect(),
        }),
    }
}

fn io<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> MirrorError + 'a {
    move |e| MirrorError::Io {
        op,
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct Point {
    /// The checkpoint (signed note) this point was proven against, or for a
    /// pending point the one it is being synced to.
    checkpoint: String,
    size: u64,
    frontier: Vec<String>,
    anchors_len: u64,
    lists_len: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    version: u64,
    origin: String,
    verified: Option<Point>,
    pending: Option<Point>,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSummary {
    /// Size before.
    pub old_size: u64,
    /// Size now.
    pub new_size: u64,
    /// Entries read (including those of a resumed pending sync).
    pub entries_read: u64,
    /// Anchors and status lists among them.
    pub anchors: u64,
    /// Status lists among them.
    pub status_lists: u64,
    /// Whether it went on from an interrupted sync.
    pub resumed: bool,
}

/// A ledger mirror in a local directory; see the [module](self) docs.
#[derive(Debug)]
pub struct Mirror {
    dir: PathBuf,
    commit_every: u64,
    state: State,
    _lock: File,
}

impl Mirror {
    /// Opens the mirror in `dir` for the ledger `origin`, creating it when
    /// `dir` is missing or empty. Cuts off bytes of an interrupted sync.
    ///
    /// # Errors
    /// [`MirrorError::Locked`], [`MirrorError::NotAMirror`] (another
    /// ledger's, or a foreign directory), I/O.
    pub fn open(dir: impl AsRef<Path>, origin: &str) -> Result<Self, MirrorError> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(io("create directory", &dir))?;
        let lock_path = dir.join(LOCK);
        let lock = super::file::take_lock(&lock_path)
            .map_err(io("lock", &lock_path))?
            .ok_or_else(|| MirrorError::Locked {
                path: dir.display().to_string(),
            })?;
        let not = |reason: String| MirrorError::NotAMirror {
            path: dir.display().to_string(),
            reason,
        };
        let state_path = dir.join(STATE);
        let state = match std::fs::read(&state_path) {
            Ok(b) => {
                let s: State =
                    serde_json::from_slice(&b).map_err(|e| not(format!("{STATE}: {e}")))?;
                if s.version != 1 {
                    return Err(not(format!("unsupported mirror version {}", s.version)));
                }
                if s.origin != origin {
                    return Err(not(format!(
                        "a mirror of `{}`, not of `{origin}`",
                        s.origin
                    )));
                }
                s
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let unexpected = std::fs::read_dir(&dir)
                    .map_err(io("list", &dir))?
                    .filter_map(Result::ok)
                    .any(|e| {
                        ![LOCK, ANCHORS, LISTS].contains(&e.file_name().to_str().unwrap_or(""))
                    });
                if unexpected {
                    return Err(not("not empty and not a mirror".into()));
                }
                State {
                    version: 1,
                    origin: origin.to_owned(),
                    verified: None,
                    pending: None,
                }
            }
            Err(e) => return Err(io("read", &state_path)(e)),
        };
        let m = Self {
            dir,
            commit_every: COMMIT_EVERY,
            state,
            _lock: lock,
        };
        let (a, l) = m.lengths(m.state.pending.as_ref().or(m.state.verified.as_ref()));
        m.cut(ANCHORS, a)?;
        m.cut(LISTS, l)?;
        Ok(m)
    }

    fn lengths(&self, p: Option<&Point>) -> (u64, u64) {
        p.map_or((0, 0), |p| (p.anchors_len, p.lists_len))
    }

    /// Truncates `name` to `len` (creating it empty when missing).
    fn cut(&self, name: &str, len: u64) -> Result<(), MirrorError> {
        let path = self.dir.join(name);
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io("open", &path))?;
        let have = f.metadata().map_err(io("stat", &path))?.len();
        if have < len {
            return Err(MirrorError::NotAMirror {
                path: path.display().to_string(),
                reason: format!("{have} bytes, but the state names {len}"),
            });
        }
        if have > len {
            f.set_len(len).map_err(io("truncate", &path))?;
            f.sync_all().map_err(io("fsync", &path))?;
        }
        Ok(())
    }

    fn write_state(&self) -> Result<(), MirrorError> {
        let path = self.dir.join(STATE);
        let tmp = self.dir.join("mirror.json.tmp");
        let json = serde_json::to_vec_pretty(&self.state).map_err(|e| MirrorError::Io {
            op: "encode",
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut f = File::create(&tmp).map_err(io("create", &tmp))?;
        f.write_all(&json).map_err(io("write", &tmp))?;
        f.sync_all().map_err(io("fsync", &tmp))?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(io("rename", &path))?;
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(io("fsync directory", &self.dir))
    }

    /// Records a sync's progress every `n` entry bundles instead of
    /// [`COMMIT_EVERY`] (at least 1).
    pub fn set_commit_every(&mut self, n: u64) {
        self.commit_every = n.max(1);
    }

    /// The verified checkpoint (signed note), `None` before the first sync.
    #[must_use]
    pub fn checkpoint(&self) -> Option<&str> {
        self.state.verified.as_ref().map(|p| p.checkpoint.as_str())
    }

    /// Entries verified.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.state.verified.as_ref().map_or(0, |p| p.size)
    }

    /// Entries read by an interrupted sync, not yet proven.
    #[must_use]
    pub fn pending_size(&self) -> Option<u64> {
        self.state.pending.as_ref().map(|p| p.size)
    }

    /// The origin of the ledger this mirror follows.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.state.origin
    }

    /// The mirror's directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The origin of the ledger the mirror in `dir` follows, read from its
    /// `mirror.json` without taking its lock (to pick the trust store's
    /// ledger for [`Self::read_view`]).
    ///
    /// # Errors
    /// [`MirrorError::NotAMirror`] when `dir` has no readable `mirror.json`;
    /// I/O.
    pub fn origin_of(dir: impl AsRef<Path>) -> Result<String, MirrorError> {
        let dir = dir.as_ref();
        let path = dir.join(STATE);
        let bytes = std::fs::read(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                MirrorError::NotAMirror {
                    path: dir.display().to_string(),
                    reason: "not a mirror: run `certanchor sync` first".into(),
                }
            } else {
                io("read", &path)(e)
            }
        })?;
        let state: State = serde_json::from_slice(&bytes).map_err(|e| MirrorError::NotAMirror {
            path: dir.display().to_string(),
            reason: format!("{STATE}: {e}"),
        })?;
        Ok(state.origin)
    }

    /// Keeps the two signed checkpoints of a refused sync's rollback or
    /// fork as evidence (SPEC §9.8), in
    /// `DIR/evidence/<code>-<unix time>.txt` (written to a temporary file,
    /// made durable and renamed). Returns the file's path; `None` for any
    /// other error, or when the file could not be written.
    #[must_use]
    pub fn keep_evidence(&self, e: &MirrorError) -> Option<PathBuf> {
        let (kind, old, new) = match e {
            MirrorError::Sync(SyncError::Rollback {
                old_note, new_note, ..
            }) => ("rollback", old_note, new_note),
            MirrorError::Sync(SyncError::Fork {
                old_note, new_note, ..
            }) => ("fork", old_note, new_note),
            _ => return None,
        };
        let dir = self.dir.join("evidence");
        let path = dir.join(format!("{kind}-{}.txt", crate::time::now()));
        let tmp = dir.join(format!(".{kind}.tmp"));
        let text = format!(
            "certanchor sync: {kind}\n{e}\n\n--- the checkpoint this mirror had verified ---\n{old}\n--- the checkpoint the source showed ---\n{new}"
        );
        std::fs::create_dir_all(&dir).ok()?;
        let mut f = File::create(&tmp).ok()?;
        f.write_all(text.as_bytes()).ok()?;
        f.sync_all().ok()?;
        drop(f);
        std::fs::rename(&tmp, &path).ok()?;
        Some(path)
    }

    /// Brings the mirror up to `source`'s checkpoint: verifies it with
    /// `ledger` (the trust store's key for this origin), refuses a rollback
    /// or a fork (both notes in the error), reads the new entries and
    /// proves them against it. The checkpoint's ledger time (SPEC §9.7), if
    /// it has one, is recorded with each new anchor. `progress(done,
    /// total)` is called after each entry bundle.
    ///
    /// # Errors
    /// [`MirrorError`]; the mirror is then as it was (a pending sync may
    /// have been recorded, never used to verify).
    pub fn sync<S: TileSource + ?Sized>(
        &mut self,
        source: &S,
        ledger: &NoteVerifier,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<SyncSummary, MirrorError> {
        let note_text = read_checkpoint(source).map_err(SyncError::from)?;
        let timed = note::verify_checkpoint_time(&note_text, ledger)?;
        let cp = timed.checkpoint;
        if cp.origin != self.state.origin {
            return Err(MirrorError::NotAMirror {
                path: self.dir.display().to_string(),
                reason: format!(
                    "the source serves `{}`, this mirror follows `{}`",
                    cp.origin, self.state.origin
                ),
            });
        }
        let time = timed.time;
        let verified = self.state.verified.clone();
        let old_size = verified.as_ref().map_or(0, |p| p.size);
        let old_root = match &verified {
            Some(p) => Some(self.frontier(p)?),
            None => None,
        };
        if let Some(v) = &verified {
            let evidence = |e: SyncError| match e {
                SyncError::Rollback {
                    old_size, new_size, ..
                } => SyncError::Rollback {
                    old_size,
                    new_size,
                    old_note: v.checkpoint.clone(),
                    new_note: note_text.clone(),
                },
                other => other,
            };
            if cp.tree_size < v.size {
                return Err(evidence(SyncError::Rollback {
                    old_size: v.size,
                    new_size: cp.tree_size,
                    old_note: String::new(),
                    new_note: String::new(),
                })
                .into());
            }
            if cp.tree_size == v.size {
                let root = old_root.as_ref().and_then(Frontier::root);
                if root != Some(cp.root) && v.size > 0 {
                    return Err(SyncError::Fork {
                        reason: format!("two roots for size {}", v.size),
                        old_note: v.checkpoint.clone(),
                        new_note: note_text,
                    }
                    .into());
                }
                // The same tree, a newer signature: keep the newer note, so
                // that a ledger that does not grow still gives a fresh view.
                let old_time = note::verify_checkpoint_time(&v.checkpoint, ledger)
                    .ok()
                    .and_then(|t| t.time);
                if time > old_time
                    && let Some(p) = self.state.verified.as_mut()
                {
                    p.checkpoint = note_text;
                    self.write_state()?;
                }
                return Ok(SyncSummary {
                    old_size,
                    new_size: old_size,
                    entries_read: 0,
                    anchors: 0,
                    status_lists: 0,
                    resumed: false,
                });
            }
        }
        // resume a pending sync when the new checkpoint still covers it
        let pending = self
            .state
            .pending
            .clone()
            .filter(|p| p.size <= cp.tree_size && p.size >= old_size);
        let resumed = pending.is_some();
        let start = match &pending {
            Some(p) => p.clone(),
            None => verified.clone().unwrap_or_default(),
        };
        if !resumed && self.state.pending.is_some() {
            self.state.pending = None;
            let (a, l) = self.lengths(verified.as_ref());
            self.cut(ANCHORS, a)?;
            self.cut(LISTS, l)?;
        }
        let frontier = self.frontier(&start)?;
        let mut w = Writer::open(&self.dir, start.anchors_len, start.lists_len)?;
        let total = cp.tree_size - start.size;
        let mut counts = (0u64, 0u64);
        let mut bundles = 0u64;
        let stamp = time.unwrap_or(0);
        let result = follow(source, &frontier, &cp, |event| {
            let f = match event {
                Event::Entry(index, Entry::Anchor(id)) => {
                    counts.0 += 1;
                    return w
                        .anchor(&id, index, stamp)
                        .map_err(|e| SyncError::Handler(e.to_string()));
                }
                Event::Entry(index, Entry::StatusList(l)) => {
                    counts.1 += 1;
                    return w
                        .list(index, l.as_bytes())
                        .map_err(|e| SyncError::Handler(e.to_string()));
                }
                Event::Bundle(f) => f,
            };
            {
                bundles += 1;
                progress(f.size() - start.size, total);
                if bundles.is_multiple_of(self.commit_every) {
                    let (anchors_len, lists_len) =
                        w.flush().map_err(|e| SyncError::Handler(e.to_string()))?;
                    self.state.pending = Some(Point {
                        checkpoint: note_text.clone(),
                        size: f.size(),
                        frontier: f.hashes().iter().map(Hash::to_hex).collect(),
                        anchors_len,
                        lists_len,
                    });
                    self.write_state()
                        .map_err(|e| SyncError::Handler(e.to_string()))?;
                }
                Ok(())
            }
        });
        match result {
            Ok(f) => {
                let (anchors_len, lists_len) = w.flush()?;
                self.state.verified = Some(Point {
                    checkpoint: note_text,
                    size: f.size(),
                    frontier: f.hashes().iter().map(Hash::to_hex).collect(),
                    anchors_len,
                    lists_len,
                });
                self.state.pending = None;
                self.write_state()?;
                Ok(SyncSummary {
                    old_size,
                    new_size: cp.tree_size,
                    entries_read: total,
                    anchors: counts.0,
                    status_lists: counts.1,
                    resumed,
                })
            }
            Err(e) => {
                drop(w);
                // A source that failed to answer keeps the recorded
                // progress for the next sync; anything else (data that is
                // wrong) sends the mirror back to its verified state.
                if !e.is_transient() {
                    self.state.pending = None;
                    self.write_state()?;
                }
                let (a, l) = self.lengths(self.state.pending.as_ref().or(verified.as_ref()));
                self.cut(ANCHORS, a)?;
                self.cut(LISTS, l)?;
                let e = match (e, &verified, old_root.as_ref().and_then(Frontier::root)) {
                    (SyncError::RootMismatch { size }, Some(v), Some(root)) => {
                        match diagnose(source, v.size, &root, &cp) {
                            Some(reason) => SyncError::Fork {
                                reason,
                                old_note: v.checkpoint.clone(),
                                new_note: note_text,
                            },
                            None => SyncError::RootMismatch { size },
                        }
                    }
                    (e, _, _) => e,
                };
                Err(e.into())
            }
        }
    }

    fn frontier(&self, p: &Point) -> Result<Frontier, MirrorError> {
        let hashes: Option<Vec<Hash>> = p.frontier.iter().map(|h| Hash::from_hex(h)).collect();
        hashes
            .and_then(|h| Frontier::from_hashes(p.size, &h))
            .ok_or_else(|| MirrorError::NotAMirror {
                path: self.dir.join(STATE).display().to_string(),
                reason: format!("bad frontier for size {}", p.size),
            })
    }

    /// Loads the verified index for verification: every anchor with its
    /// index and ledger time, and every status list.
    ///
    /// # Errors
    /// [`MirrorError::NotAMirror`] before the first sync; I/O.
    pub fn view(&self, ledger: &NoteVerifier) -> Result<LedgerView, MirrorError> {
        Self::load_view(&self.dir, &self.state, ledger)
    }

    /// Loads the verified view of the mirror in `dir` without taking its
    /// lock, so that verifiers read while a sync runs: a sync only appends
    /// past the verified lengths and replaces `mirror.json` atomically.
    ///
    /// # Errors
    /// [`MirrorError::NotAMirror`] for a directory that is not a mirror of
    /// `ledger`'s origin or was never synced; the note error when its
    /// checkpoint no longer verifies with `ledger`; I/O.
    pub fn read_view(
        dir: impl AsRef<Path>,
        ledger: &NoteVerifier,
    ) -> Result<LedgerView, MirrorError> {
        let origin = ledger.name.as_str();
        let dir = dir.as_ref();
        let path = dir.join(STATE);
        let not = |reason: String| MirrorError::NotAMirror {
            path: dir.display().to_string(),
            reason,
        };
        let bytes = std::fs::read(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                not("not a mirror: run `certanchor sync` first".into())
            } else {
                io("read", &path)(e)
            }
        })?;
        let state: State =
            serde_json::from_slice(&bytes).map_err(|e| not(format!("{STATE}: {e}")))?;
        if state.origin != origin {
            return Err(not(format!(
                "a mirror of `{}`, not of `{origin}`",
                state.origin
            )));
        }
        Self::load_view(dir, &state, ledger)
    }

    fn load_view(
        dir: &Path,
        state: &State,
        ledger: &NoteVerifier,
    ) -> Result<LedgerView, MirrorError> {
        let v = state
            .verified
            .as_ref()
            .ok_or_else(|| MirrorError::NotAMirror {
                path: dir.display().to_string(),
                reason: "never synced: run `certanchor sync` first".into(),
            })?;
        // verified again: a mirror.json edited by hand proves nothing
        let timed = note::verify_checkpoint_time(&v.checkpoint, ledger)?;
        if timed.checkpoint.tree_size != v.size {
            return Err(MirrorError::NotAMirror {
                path: dir.join(STATE).display().to_string(),
                reason: "the verified size is not its checkpoint's".into(),
            });
        }
        let mut view = LedgerView::new(v.checkpoint.clone(), timed.checkpoint, timed.time);
        let path = dir.join(ANCHORS);
        let mut f = File::open(&path).map_err(io("open", &path))?;
        let mut buf = vec![0u8; ANCHOR_RECORD * 4096];
        if !v.anchors_len.is_multiple_of(ANCHOR_RECORD as u64) {
            return Err(MirrorError::NotAMirror {
                path: path.display().to_string(),
                reason: "its verified length is not whole records".into(),
            });
        }
        let mut left = v.anchors_len;
        while left > 0 {
            let n = usize::try_from(left.min(buf.len() as u64)).unwrap_or(0);
            let chunk = buf.get_mut(..n).unwrap_or_default();
            f.read_exact(chunk).map_err(io("read", &path))?;
            for r in chunk.chunks_exact(ANCHOR_RECORD) {
                let (id, rest) = r.split_at(32);
                let (index, time) = rest.split_at(8);
                let num = |b: &[u8]| u64::from_be_bytes(b.try_into().unwrap_or_default());
                let t = num(time);
                view.insert_anchor(
                    Hash::from_slice(id).unwrap_or_default(),
                    AnchorRecord {
                        index: num(index),
                        ledger_time: (t != 0).then_some(t),
                    },
                );
            }
            left -= n as u64;
        }
        // The verified part only, read no further; a file shorter than the
        // state says, or a record cut short, is damage (a status list
        // silently dropped would hide a revocation).
        let path = dir.join(LISTS);
        let damaged = |reason: &str| MirrorError::NotAMirror {
            path: path.display().to_string(),
            reason: reason.to_owned(),
        };
        let mut data = Vec::new();
        File::open(&path)
            .map_err(io("open", &path))?
            .take(v.lists_len)
            .read_to_end(&mut data)
            .map_err(io("read", &path))?;
        if data.len() as u64 != v.lists_len {
            return Err(damaged("shorter than the verified state says"));
        }
        let mut rest = data.as_slice();
        while !rest.is_empty() {
            let (head, tail) = rest
                .split_first_chunk::<12>()
                .ok_or_else(|| damaged("a record cut short"))?;
            let (len, index) = head.split_at(4);
            let len = u32::from_be_bytes(len.try_into().unwrap_or_default()) as usize;
            let index = u64::from_be_bytes(index.try_into().unwrap_or_default());
            let (body, next) = tail
                .split_at_checked(len)
                .ok_or_else(|| damaged("a record cut short"))?;
            view.insert_list(index, body.to_vec());
            rest = next;
        }
        Ok(view)
    }
}

/// Appends records to the two logs, buffered; `flush` makes them durable
/// and returns the lengths.
struct Writer {
    anchors: (File, PathBuf, Vec<u8>, u64),
    lists: (File, PathBuf, Vec<u8>, u64),
}

impl Writer {
    fn open(dir: &Path, anchors_len: u64, lists_len: u64) -> Result<Self, MirrorError> {
        let open = |name: &str, len: u64| -> Result<(File, PathBuf, Vec<u8>, u64), MirrorError> {
            let p = dir.join(name);
            let f = OpenOptions::new()
                .append(true)
                .open(&p)
                .map_err(io("open", &p))?;
            Ok((f, p, Vec::new(), len))
        };
        Ok(Self {
            anchors: open(ANCHORS, anchors_len)?,
            lists: open(LISTS, lists_len)?,
        })
    }

    fn anchor(&mut self, id: &Hash, index: u64, time: u64) -> Result<(), MirrorError> {
        let b = &mut self.anchors.2;
        b.extend_from_slice(id.as_bytes());
        b.extend_from_slice(&index.to_be_bytes());
        b.extend_from_slice(&time.to_be_bytes());
        if b.len() >= 1 << 20 {
            self.drain()?;
        }
        Ok(())
    }

    fn list(&mut self, index: u64, bytes: &[u8]) -> Result<(), MirrorError> {
        let len = u32::try_from(bytes.len())
            .ok()
            .filter(|l| *l as usize <= MAX_LIST_RECORD)
            .ok_or_else(|| MirrorError::Io {
                op: "record",
                path: self.lists.1.display().to_string(),
                reason: "status list too long".into(),
            })?;
        let b = &mut self.lists.2;
        b.extend_from_slice(&len.to_be_bytes());
        b.extend_from_slice(&index.to_be_bytes());
        b.extend_from_slice(bytes);
        if b.len() >= 1 << 20 {
            self.drain()?;
        }
        Ok(())
    }

    fn drain(&mut self) -> Result<(), MirrorError> {
        for (f, p, buf, len) in [&mut self.anchors, &mut self.lists] {
            if !buf.is_empty() {
                f.write_all(buf).map_err(io("append", p))?;
                *len += buf.len() as u64;
                buf.clear();
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(u64, u64), MirrorError> {
        self.drain()?;
        for (f, p, _, _) in [&self.anchors, &self.lists] {
            f.sync_data().map_err(io("fsync", p))?;
        }
        Ok((self.anchors.3, self.lists.3))
    }
}
