//! [`FileLedger`]: the embedded, crash-safe default ledger.
//!
//! # On-disk format
//!
//! ```text
//! DIR/
//!   ledger.json          {"version":2,"origin":"…","public_key":"<base64>"}  written once
//!   LOCK                 exclusively locked (flock) while a writer has the ledger open
//!   segment-00000000.log entries
//!   segment-00000001.log …   (a new segment starts when one reaches MAX_SEGMENT_LEN)
//!   checkpoints.log      every signed checkpoint, in tree-size order
//! ```
//!
//! Every `.log` file starts with an 8-byte magic (`CALOG\0\x01\n` for
//! segments, `CACKP\0\x01\n` for checkpoints) followed by records:
//!
//! ```text
//! record = len: u32 LE | crc32c(len bytes): u32 LE | crc32c(payload): u32 LE | payload[len]
//! entry payload      = key (32 bytes) ‖ entry
//!   format 2: entry = type ‖ bytes, key = anchor id or SHA-256(0x02 ‖ bytes)
//!   format 1: entry = anchor bytes (COSE_Sign), key = anchor id
//! checkpoint payload = C2SP signed note text (UTF-8)
//! ```
//!
//! The leaf data of a format-2 entry is `0x01 ‖ anchor id` for an anchor,
//! `0x02 ‖ bytes` for a status list ([`super::Entry`]); of a format-1 entry,
//! the anchor id. Format-1 ledgers open,
//! append anchors and publish as before; they cannot hold status lists.
//!
//! # Durability and recovery
//!
//! An append writes the entry records, fsyncs the segment (and the directory
//! when it created a segment), then signs a checkpoint for the new size,
//! appends it to `checkpoints.log` and fsyncs that file; only then is the
//! append acknowledged. On open:
//!
//! * `checkpoints.log` is scanned; a torn last record is truncated; the newest
//!   checkpoint's tree size *N* is the number of acknowledged entries.
//! * Segments are scanned. A damaged record among the first *N* entries is a
//!   [`LedgerError::Corrupt`] error naming the file and byte offset — never a
//!   silent truncation. Past *N*, the first damaged record in the last segment
//!   is a torn tail of an unacknowledged append and is truncated.
//! * The rebuilt tree's root at size *N* must equal the checkpoint's root.
//!   Intact entries beyond *N* (written but not yet checkpointed when the
//!   process died) are kept and covered by a new checkpoint.
//!
//! # Trust model of checkpoints
//!
//! A checkpoint is the ledger operator's signed statement "the log of size N
//! has root R". Holding two checkpoints, anyone can demand a consistency proof;
//! an operator that rewrote or dropped an anchor cannot produce one, and the
//! two signed notes prove the misbehaviour. Verifiers pin the ledger key in
//! their trust store; witnesses can cosign checkpoints (C2SP signed notes
//! allow several signatures) to stop an operator from showing different
//! views to different verifiers.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use super::tree::LogTree;
use super::{
    Entry, EntryKind, Ledger, LedgerFormat, MAX_ENCODED_ENTRY_LEN, Receipt, StatusReceipt,
    status_list_key, typed_leaf_data,
};
use crate::Hash;
use crate::anchor::{Anchor, MAX_ANCHOR_LEN};
use crate::error::LedgerError;
use crate::keys::{PublicKey, SigningKey};
use crate::merkle::{InclusionProof, leaf_hash};
use crate::note::{self, Checkpoint, MAX_NOTE_LEN, NoteVerifier};
use crate::status::StatusList;

/// Magic at the start of every segment file.
pub const SEGMENT_MAGIC: &[u8; 8] = b"CALOG\x00\x01\n";
/// Magic at the start of the checkpoint file.
pub const CHECKPOINT_MAGIC: &[u8; 8] = b"CACKP\x00\x01\n";
/// A new segment starts when the current one would grow past this.
pub const MAX_SEGMENT_LEN: u64 = 64 * 1024 * 1024;
/// Bytes of a record header.
pub const RECORD_HEADER_LEN: usize = 12;
/// Longest entry payload (key + encoded entry; format 1: anchor id + anchor).
pub const MAX_ENTRY_LEN: usize = 32
    + if MAX_ENCODED_ENTRY_LEN > MAX_ANCHOR_LEN {
        MAX_ENCODED_ENTRY_LEN
    } else {
        MAX_ANCHOR_LEN
    };

const META: &str = "ledger.json";
const LOCK_RETRIES: u32 = 20;
const LOCK: &str = "LOCK";
const CHECKPOINTS: &str = "checkpoints.log";

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    version: u64,
    origin: String,
    public_key: String,
}

/// Where an entry's payload lives.
#[derive(Debug, Clone, Copy)]
struct Loc {
    segment: u32,
    offset: u64,
    len: u32,
}

/// A ledger in a local directory. One writer at a time (the directory is locked).
#[derive(Debug)]
pub struct FileLedger {
    dir: PathBuf,
    format: LedgerFormat,
    origin: String,
    key: SigningKey,
    _lock: File,
    segment: File,
    segment_no: u32,
    segment_len: u64,
    checkpoints: File,
    checkpoints_len: u64,
    /// (tree size, offset of the record payload, len) of every stored checkpoint.
    history: Vec<(u64, u64, u32)>,
    latest: Option<String>,
    locs: Vec<Loc>,
    ids: HashMap<Hash, u64>,
    tree: LogTree,
    poisoned: bool,
    /// The clock of the checkpoints' timestamp lines (Unix seconds).
    clock: fn() -> u64,
}

fn io<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> LedgerError + 'a {
    move |e| LedgerError::Io {
        op,
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn segment_name(n: u32) -> String {
    format!("segment-{n:08}.log")
}

fn frame(payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len())
        .unwrap_or(u32::MAX)
        .to_le_bytes();
    let mut out = Vec::with_capacity(RECORD_HEADER_LEN + payload.len());
    out.extend_from_slice(&len);
    out.extend_from_slice(&crc32c::crc32c(&len).to_le_bytes());
    out.extend_from_slice(&crc32c::crc32c(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Result of reading one record at `pos` of `buf`.
enum Rec<'a> {
    Ok(&'a [u8], usize),
    /// Damaged at `pos`; `zero_tail` when everything from `pos` is zero bytes.
    Bad {
        reason: String,
        zero_tail: bool,
        ends_at_eof: bool,
    },
}

fn u32_at(buf: &[u8], at: usize) -> Option<u32> {
    buf.get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
}

fn read_record(buf: &[u8], pos: usize, max_len: usize) -> Rec<'_> {
    let rest = buf.get(pos..).unwrap_or_default();
    let zero_tail = rest.iter().all(|b| *b == 0);
    let bad = |reason: &str, ends_at_eof: bool| Rec::Bad {
        reason: reason.to_owned(),
        zero_tail,
        ends_at_eof,
    };
    let (Some(len), Some(hcrc), Some(pcrc)) =
        (u32_at(buf, pos), u32_at(buf, pos + 4), u32_at(buf, pos + 8))
    else {
        return bad("record header cut short", true);
    };
    if crc32c::crc32c(&len.to_le_bytes()) != hcrc {
        return bad("record header checksum mismatch", false);
    }
    let len = len as usize;
    if len > max_len {
        return bad("record length over the limit", false);
    }
    let start = pos + RECORD_HEADER_LEN;
    let Some(payload) = buf.get(start..start + len) else {
        return bad("record payload cut short", true);
    };
    if crc32c::crc32c(payload) != pcrc {
        return bad("record payload checksum mismatch", start + len == buf.len());
    }
    Rec::Ok(payload, start + len)
}

fn read_file(path: &Path) -> Result<Vec<u8>, LedgerError> {
    std::fs::read(path).map_err(io("read", path))
}

fn sync_dir(dir: &Path) -> Result<(), LedgerError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io("fsync directory", dir))
}

fn new_log_file(path: &Path, magic: &[u8; 8]) -> Result<File, LedgerError> {
    let mut f = OpenOptions::new()
        .create_new(true)
        .append(true)
        .open(path)
        .map_err(io("create", path))?;
    f.write_all(magic).map_err(io("write", path))?;
    f.sync_all().map_err(io("fsync", path))?;
    Ok(f)
}

fn open_append(path: &Path) -> Result<File, LedgerError> {
    OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(io("open", path))
}

/// Opens (creating it) the lock file at `path` and takes it exclusively:
/// `Ok(None)` when another process holds it. A process that forks (spawns a
/// child) while another thread holds the lock shares it until the child
/// execs, so a busy lock is retried for a short moment first.
pub(super) fn take_lock(path: &Path) -> std::io::Result<Option<File>> {
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    for _ in 0..=LOCK_RETRIES {
        match lock.try_lock() {
            Ok(()) => return Ok(Some(lock)),
            Err(std::fs::TryLockError::WouldBlock) => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
    }
    Ok(None)
}

fn truncate(path: &Path, len: u64) -> Result<(), LedgerError> {
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(io("open", path))?;
    f.set_len(len).map_err(io("truncate", path))?;
    f.sync_all().map_err(io("fsync", path))
}

impl FileLedger {
    /// Creates a new ledger in `dir` (created if missing; must be empty) with
    /// checkpoint origin `origin`, signed by `key`.
    ///
    /// # Errors
    /// [`LedgerError::NotALedger`] if `dir` is not empty or `origin` is not a
    /// valid signed-note key name; I/O errors.
    pub fn create(
        dir: impl AsRef<Path>,
        origin: &str,
        key: SigningKey,
    ) -> Result<Self, LedgerError> {
        let dir = dir.as_ref();
        NoteVerifier::new(origin, key.public_key()).map_err(|e| LedgerError::NotALedger {
            path: dir.display().to_string(),
            reason: format!("origin `{origin}` is not a valid key name: {e}"),
        })?;
        std::fs::create_dir_all(dir).map_err(io("create directory", dir))?;
        if std::fs::read_dir(dir)
            .map_err(io("list", dir))?
            .next()
            .is_some()
        {
            return Err(LedgerError::NotALedger {
                path: dir.display().to_string(),
                reason: "directory is not empty".into(),
            });
        }
        let meta = Meta {
            version: LedgerFormat::TypedEntries.version(),
            origin: origin.to_owned(),
            public_key: key.public_key().to_base64(),
        };
        let tmp = dir.join("ledger.json.tmp");
        let json = serde_json::to_vec_pretty(&meta).map_err(|e| LedgerError::NotALedger {
            path: dir.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut f = File::create(&tmp).map_err(io("create", &tmp))?;
        f.write_all(&json).map_err(io("write", &tmp))?;
        f.sync_all().map_err(io("fsync", &tmp))?;
        drop(f);
        new_log_file(&dir.join(segment_name(0)), SEGMENT_MAGIC)?;
        new_log_file(&dir.join(CHECKPOINTS), CHECKPOINT_MAGIC)?;
        let meta_path = dir.join(META);
        std::fs::rename(&tmp, &meta_path).map_err(io("rename", &meta_path))?;
        sync_dir(dir)?;
        Self::open(dir, key)
    }

    /// Opens an existing ledger, takes the writer lock and recovers.
    ///
    /// # Errors
    /// [`LedgerError::Locked`] when another writer has it open;
    /// [`LedgerError::NotALedger`] for a foreign directory or another key;
    /// [`LedgerError::Corrupt`] / [`LedgerError::Inconsistent`] for damage
    /// that recovery must not paper over.
    pub fn open(dir: impl AsRef<Path>, key: SigningKey) -> Result<Self, LedgerError> {
        let dir = dir.as_ref().to_path_buf();
        let not_ledger = |reason: String| LedgerError::NotALedger {
            path: dir.display().to_string(),
            reason,
        };
        let meta_path = dir.join(META);
        let meta: Meta = serde_json::from_slice(&read_file(&meta_path)?)
            .map_err(|e| not_ledger(format!("{META}: {e}")))?;
        let format = match meta.version {
            1 => LedgerFormat::AnchorIds,
            2 => LedgerFormat::TypedEntries,
            v => return Err(not_ledger(format!("unsupported ledger version {v}"))),
        };
        let pk = PublicKey::from_base64(&meta.public_key).map_err(|e| not_ledger(e.to_string()))?;
        if pk != key.public_key() {
            return Err(not_ledger(
                "the signing key is not this ledger's key".into(),
            ));
        }
        let lock_path = dir.join(LOCK);
        let lock = take_lock(&lock_path)
            .map_err(io("lock", &lock_path))?
            .ok_or_else(|| LedgerError::Locked {
                path: dir.display().to_string(),
            })?;
        let verifier =
            NoteVerifier::new(&meta.origin, pk).map_err(|e| not_ledger(format!("origin: {e}")))?;

        // 1. Checkpoints: the acknowledged size.
        let cp_path = dir.join(CHECKPOINTS);
        let buf = read_file(&cp_path)?;
        if buf.get(..8) != Some(CHECKPOINT_MAGIC.as_slice()) {
            return Err(not_ledger(format!("{CHECKPOINTS}: bad magic")));
        }
        let mut pos = 8;
        let mut history: Vec<(u64, u64, u32)> = Vec::new();
        let mut checkpoints: Vec<Checkpoint> = Vec::new();
        let mut latest = None;
        while pos < buf.len() {
            match read_record(&buf, pos, MAX_NOTE_LEN) {
                Rec::Ok(payload, next) => {
                    let corrupt = |reason: String| LedgerError::Corrupt {
                        file: CHECKPOINTS.into(),
                        offset: pos as u64,
                        reason,
                    };
                    let text = std::str::from_utf8(payload).map_err(|e| corrupt(e.to_string()))?;
                    let cp = note::verify_checkpoint(text, std::slice::from_ref(&verifier))
                        .map_err(|e| corrupt(e.to_string()))?;
                    if checkpoints
                        .last()
                        .is_some_and(|p| p.tree_size >= cp.tree_size)
                    {
                        return Err(corrupt("checkpoint sizes do not increase".into()));
                    }
                    history.push((
                        cp.tree_size,
                        (pos + RECORD_HEADER_LEN) as u64,
                        payload.len() as u32,
                    ));
                    latest = Some(text.to_owned());
                    checkpoints.push(cp);
                    pos = next;
                }
                Rec::Bad {
                    reason,
                    zero_tail,
                    ends_at_eof,
                } => {
                    if zero_tail || ends_at_eof {
                        truncate(&cp_path, pos as u64)?;
                        break;
                    }
                    return Err(LedgerError::Corrupt {
                        file: CHECKPOINTS.into(),
                        offset: pos as u64,
                        reason,
                    });
                }
            }
        }
        let acked = checkpoints.last().map_or(0, |c| c.tree_size);

        // 2. Segments: the entries.
        let mut seg_no = 0u32;
        let mut locs = Vec::new();
        let mut ids = HashMap::new();
        let mut tree = LogTree::new();
        let mut segment_len;
        loop {
            let name = segment_name(seg_no);
            let path = dir.join(&name);
            let buf = read_file(&path)?;
            if buf.get(..8) != Some(SEGMENT_MAGIC.as_slice()) {
                return Err(LedgerError::Corrupt {
                    file: name,
                    offset: 0,
                    reason: "bad segment magic".into(),
                });
            }
            let is_last = !dir.join(segment_name(seg_no + 1)).exists();
            let mut pos = 8;
            while pos < buf.len() {
                match read_record(&buf, pos, MAX_ENTRY_LEN) {
                    Rec::Ok(payload, next) => {
                        let corrupt = |reason: String| LedgerError::Corrupt {
                            file: name.clone(),
                            offset: pos as u64,
                            reason,
                        };
                        let (id, entry) = payload.split_at_checked(32).unwrap_or((&[], &[]));
                        let id = Hash::from_slice(id)
                            .ok_or_else(|| corrupt("entry shorter than its key".into()))?;
                        let leaf = match format {
                            LedgerFormat::AnchorIds => leaf_hash(id.as_bytes()),
                            LedgerFormat::TypedEntries => {
                                // The type byte is checked here; the bytes
                                // were parsed when appended (and are again by
                                // `ledger verify` and every syncing reader).
                                match entry.split_first() {
                                    Some((&t, bytes)) => match EntryKind::from_byte(t) {
                                        Some(k) => leaf_hash(&typed_leaf_data(k, &id, bytes)),
                                        None => {
                                            return Err(corrupt(format!(
                                                "unknown entry type 0x{t:02x}"
                                            )));
                                        }
                                    },
                                    None => return Err(corrupt("empty entry".into())),
                                }
                            }
                        };
                        let index = locs.len() as u64;
                        if ids.insert(id, index).is_some() {
                            return Err(corrupt(format!("entry key {id} appears twice")));
                        }
                        locs.push(Loc {
                            segment: seg_no,
                            offset: (pos + RECORD_HEADER_LEN) as u64,
                            len: payload.len() as u32,
                        });
                        tree.push(leaf);
                        pos = next;
                    }
                    Rec::Bad { reason, .. } => {
                        if (locs.len() as u64) < acked || !is_last {
                            return Err(LedgerError::Corrupt {
                                file: name,
                                offset: pos as u64,
                                reason,
                            });
                        }
                        truncate(&path, pos as u64)?;
                        break;
                    }
                }
            }
            segment_len = pos as u64;
            if is_last {
                break;
            }
            seg_no += 1;
        }
        if tree.size() < acked {
            return Err(LedgerError::Corrupt {
                file: segment_name(seg_no),
                offset: segment_len,
                reason: format!(
                    "only {} entries, but a checkpoint covers {acked}",
                    tree.size()
                ),
            });
        }
        for cp in &checkpoints {
            if tree.root_at(cp.tree_size) != Some(cp.root) {
                return Err(LedgerError::Inconsistent {
                    reason: format!(
                        "the entries do not give the signed root of size {}",
                        cp.tree_size
                    ),
                });
            }
        }
        let seg_path = dir.join(segment_name(seg_no));
        let mut ledger = Self {
            segment: open_append(&seg_path)?,
            checkpoints: open_append(&cp_path)?,
            checkpoints_len: read_file(&cp_path)?.len() as u64,
            dir,
            format,
            origin: meta.origin,
            key,
            _lock: lock,
            segment_no: seg_no,
            segment_len,
            history,
            latest,
            locs,
            ids,
            tree,
            poisoned: false,
            clock: crate::time::now,
        };
        if ledger.tree.size() > acked {
            // durable entries whose checkpoint was not written before a crash
            ledger.write_checkpoint()?;
        }
        Ok(ledger)
    }

    /// The ledger's format: 2 (typed entries) for every ledger created now,
    /// 1 for one created before typed entries.
    #[must_use]
    pub fn format(&self) -> LedgerFormat {
        self.format
    }

    /// The checkpoint origin (and signed-note key name).
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The verifier key in signed-note text form (`name+hash+base64`).
    #[must_use]
    pub fn verifier_key(&self) -> String {
        NoteVerifier::new(&self.origin, self.key.public_key())
            .map(|v| v.to_verifier_key())
            .unwrap_or_default()
    }

    /// The ledger directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The signed checkpoint stored for exactly `tree_size`, if one was issued.
    ///
    /// # Errors
    /// I/O errors reading the checkpoint file.
    pub fn checkpoint_at(&self, tree_size: u64) -> Result<Option<String>, LedgerError> {
        let Ok(i) = self.history.binary_search_by_key(&tree_size, |h| h.0) else {
            return Ok(None);
        };
        let Some(&(_, offset, len)) = self.history.get(i) else {
            return Ok(None);
        };
        let path = self.dir.join(CHECKPOINTS);
        let bytes = read_at(&path, offset, len)?;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|e| LedgerError::Corrupt {
                file: CHECKPOINTS.into(),
                offset,
                reason: e.to_string(),
            })
    }

    /// Sizes of all stored checkpoints, ascending.
    pub fn checkpoint_sizes(&self) -> impl Iterator<Item = u64> + '_ {
        self.history.iter().map(|h| h.0)
    }

    /// The log's Merkle tree (for publishing it as tiles, [`super::tiles`]).
    #[must_use]
    pub fn tree(&self) -> &LogTree {
        &self.tree
    }

    /// The leaf data of entries `start..end`, in log order (leaf *k* is
    /// `SHA-256(0x00 ‖ leaf data k)`, SPEC §9.1): `0x01 ‖ anchor id` or
    /// `0x02 ‖ status list` in a format-2 ledger, the anchor id in a
    /// format-1 ledger. These are
    /// the entries `ledger publish` puts in entry bundles. Reads each segment
    /// once.
    ///
    /// # Errors
    /// [`LedgerError::NoSuchEntry`] for a range beyond the log; I/O errors.
    pub fn leaf_data(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, LedgerError> {
        let size = self.tree.size();
        let range = usize::try_from(start)
            .ok()
            .zip(usize::try_from(end).ok())
            .filter(|(s, e)| s <= e)
            .and_then(|(s, e)| self.locs.get(s..e))
            .ok_or(LedgerError::NoSuchEntry { index: end, size })?;
        let mut out = Vec::with_capacity(range.len());
        let typed = self.format == LedgerFormat::TypedEntries;
        let mut open: Option<(u32, File, PathBuf)> = None;
        for loc in range {
            let (f, path) = match &mut open {
                Some((seg, f, path)) if *seg == loc.segment => (f, path),
                slot => {
                    let path = self.dir.join(segment_name(loc.segment));
                    let f = File::open(&path).map_err(io("open", &path))?;
                    let (_, f, path) = slot.insert((loc.segment, f, path));
                    (f, path)
                }
            };
            // the key, then (format 2) the type byte: all an anchor's leaf needs
            let mut head = vec![0u8; if typed { 33 } else { 32 }];
            f.seek(SeekFrom::Start(loc.offset))
                .and_then(|_| f.read_exact(&mut head))
                .map_err(io("read", path))?;
            let data = match head.pop() {
                Some(t) if typed && t == EntryKind::StatusList.byte() => {
                    let mut v = vec![0u8; (loc.len as usize).saturating_sub(32)];
                    if let Some((first, rest)) = v.split_first_mut() {
                        *first = t;
                        f.read_exact(rest).map_err(io("read", path))?;
                    }
                    v
                }
                Some(t) if typed => [&[t], head.as_slice()].concat(),
                Some(t) => {
                    head.push(t);
                    head
                }
                None => head,
            };
            out.push(data);
        }
        Ok(out)
    }

    /// Entry `index`, decoded (a status list's bytes parsed; signatures are
    /// not verified). The anchor bytes of an anchor entry: [`Ledger::get`].
    ///
    /// # Errors
    /// [`LedgerError::NoSuchEntry`]; [`LedgerError::BadEntry`] for stored
    /// bytes that no longer parse; I/O errors.
    pub fn entry(&self, index: u64) -> Result<Entry, LedgerError> {
        let payload = self.payload(index)?;
        let (key, rest) = payload.split_at_checked(32).unwrap_or((&[], &[]));
        let key = Hash::from_slice(key).unwrap_or_default();
        let bad = |e: String| LedgerError::BadEntry {
            reason: format!("entry {index}: {e}"),
        };
        let (kind, bytes) = match self.format {
            LedgerFormat::AnchorIds => (EntryKind::Anchor, rest),
            LedgerFormat::TypedEntries => match rest.split_first() {
                Some((&t, b)) => (
                    EntryKind::from_byte(t).ok_or_else(|| bad(format!("type 0x{t:02x}")))?,
                    b,
                ),
                None => return Err(bad("empty".into())),
            },
        };
        match kind {
            EntryKind::Anchor => {
                let a = Anchor::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
                if a.id() != key {
                    return Err(bad("the anchor's id is not its key".into()));
                }
                Ok(Entry::Anchor(key))
            }
            EntryKind::StatusList => StatusList::from_slice(bytes)
                .map(|l| Entry::StatusList(Box::new(l)))
                .map_err(|e| bad(e.to_string())),
        }
    }

    fn payload(&self, index: u64) -> Result<Vec<u8>, LedgerError> {
        let loc = usize::try_from(index)
            .ok()
            .and_then(|i| self.locs.get(i))
            .ok_or(LedgerError::NoSuchEntry {
                index,
                size: self.tree.size(),
            })?;
        let path = self.dir.join(segment_name(loc.segment));
        read_at(&path, loc.offset, loc.len)
    }

    /// The index of an anchor id.
    #[must_use]
    pub fn index_of(&self, anchor_id: &Hash) -> Option<u64> {
        self.ids.get(anchor_id).copied()
    }

    /// Sets the clock whose time the checkpoints signed from now on carry
    /// in their timestamp line (default [`crate::time::now`]); for tests.
    pub fn set_clock(&mut self, clock: fn() -> u64) {
        self.clock = clock;
    }

    fn write_checkpoint(&mut self) -> Result<String, LedgerError> {
        let size = self.tree.size();
        let cp = Checkpoint {
            origin: self.origin.clone(),
            tree_size: size,
            root: self.tree.root_at(size).unwrap_or_default(),
            extensions: Vec::new(),
        };
        // The note signature, then the ledger's timestamp: a cosignature/v1
        // line by the same key and name (SPEC §9.7).
        let stamp = note::CosignatureSigner {
            name: self.origin.clone(),
            key: self.key.clone(),
        };
        let text = note::sign_checkpoint(&cp, &self.key)
            .and_then(|signed| note::add_cosignature(&signed, &stamp, (self.clock)()))
            .map_err(|e| LedgerError::Checkpoint(e.to_string()))?;
        let rec = frame(text.as_bytes());
        let path = self.dir.join(CHECKPOINTS);
        let res = self
            .checkpoints
            .write_all(&rec)
            .and_then(|()| self.checkpoints.sync_data());
        if let Err(e) = res {
            self.poisoned = true;
            return Err(io("append checkpoint", &path)(e));
        }
        self.history.push((
            size,
            self.checkpoints_len + RECORD_HEADER_LEN as u64,
            text.len() as u32,
        ));
        self.checkpoints_len += rec.len() as u64;
        self.latest = Some(text.clone());
        Ok(text)
    }

    fn roll_segment(&mut self) -> Result<(), LedgerError> {
        let next = self.segment_no + 1;
        let path = self.dir.join(segment_name(next));
        let f = new_log_file(&path, SEGMENT_MAGIC)?;
        sync_dir(&self.dir)?;
        self.segment = f;
        self.segment_no = next;
        self.segment_len = SEGMENT_MAGIC.len() as u64;
        Ok(())
    }

    /// Writes entries given as (key, bytes without type byte, kind).
    fn write_entries(&mut self, entries: &[(Hash, &[u8], EntryKind)]) -> Result<(), LedgerError> {
        let mut buf = Vec::new();
        let mut pending: Vec<Loc> = Vec::with_capacity(entries.len());
        let mut leaves = Vec::with_capacity(entries.len());
        for (id, bytes, kind) in entries {
            let mut payload = Vec::with_capacity(33 + bytes.len());
            payload.extend_from_slice(id.as_bytes());
            match self.format {
                LedgerFormat::AnchorIds => {
                    leaves.push(leaf_hash(id.as_bytes()));
                }
                LedgerFormat::TypedEntries => {
                    leaves.push(leaf_hash(&typed_leaf_data(*kind, id, bytes)));
                    payload.push(kind.byte());
                }
            }
            payload.extend_from_slice(bytes);
            let rec = frame(&payload);
            if self.segment_len + (buf.len() + rec.len()) as u64 > MAX_SEGMENT_LEN
                && self.segment_len > 8
            {
                self.flush(&buf)?;
                buf.clear();
                self.roll_segment()?;
            }
            pending.push(Loc {
                segment: self.segment_no,
                offset: self.segment_len + (buf.len() + RECORD_HEADER_LEN) as u64,
                len: payload.len() as u32,
            });
            buf.extend_from_slice(&rec);
        }
        self.flush(&buf)?;
        for (((id, _, _), loc), leaf) in entries.iter().zip(pending).zip(leaves) {
            self.ids.insert(*id, self.locs.len() as u64);
            self.locs.push(loc);
            self.tree.push(leaf);
        }
        Ok(())
    }

    fn flush(&mut self, buf: &[u8]) -> Result<(), LedgerError> {
        if buf.is_empty() {
            return Ok(());
        }
        let path = self.dir.join(segment_name(self.segment_no));
        let res = self
            .segment
            .write_all(buf)
            .and_then(|()| self.segment.sync_data());
        if let Err(e) = res {
            self.poisoned = true;
            return Err(io("append entry", &path)(e));
        }
        self.segment_len += buf.len() as u64;
        Ok(())
    }
}

fn read_at(path: &Path, offset: u64, len: u32) -> Result<Vec<u8>, LedgerError> {
    let mut f = File::open(path).map_err(io("open", path))?;
    f.seek(SeekFrom::Start(offset)).map_err(io("seek", path))?;
    let mut buf = vec![0u8; len as usize];
    f.read_exact(&mut buf).map_err(io("read", path))?;
    Ok(buf)
}

impl Ledger for FileLedger {
    fn append(&mut self, anchor: &[u8]) -> Result<Receipt, LedgerError> {
        let mut r = self.append_many(&[anchor])?;
        r.pop().ok_or(LedgerError::Empty)
    }

    fn append_many(&mut self, anchors: &[&[u8]]) -> Result<Vec<Receipt>, LedgerError> {
        if self.poisoned {
            return Err(LedgerError::Poisoned);
        }
        let mut entries: Vec<(Hash, &[u8], EntryKind)> = Vec::with_capacity(anchors.len());
        let mut batch_ids: HashMap<Hash, u64> = HashMap::new();
        for a in anchors {
            let id = Anchor::from_slice(a)?.id();
            if let Some(index) = self
                .ids
                .get(&id)
                .copied()
                .or_else(|| batch_ids.get(&id).copied())
            {
                return Err(LedgerError::Duplicate {
                    anchor_id: id.to_hex(),
                    index,
                });
            }
            batch_ids.insert(id, self.tree.size() + entries.len() as u64);
            entries.push((id, a, EntryKind::Anchor));
        }
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let first = self.tree.size();
        self.write_entries(&entries)?;
        let checkpoint = self.write_checkpoint()?;
        let size = self.tree.size();
        Ok(entries
            .iter()
            .enumerate()
            .map(|(i, (id, _, _))| {
                let index = first + i as u64;
                Receipt {
                    index,
                    anchor_id: *id,
                    checkpoint: checkpoint.clone(),
                    tree_size: size,
                    path: self
                        .tree
                        .inclusion_proof(index, size)
                        .map(|p| p.path)
                        .unwrap_or_default(),
                    chain: None,
                }
            })
            .collect())
    }

    fn append_status_list(&mut self, list: &[u8]) -> Result<StatusReceipt, LedgerError> {
        if self.poisoned {
            return Err(LedgerError::Poisoned);
        }
        if self.format == LedgerFormat::AnchorIds {
            return Err(LedgerError::Unsupported {
                op: "status list entries in a format-1 ledger (create a new ledger)",
            });
        }
        let parsed = StatusList::from_slice(list).map_err(|e| LedgerError::BadEntry {
            reason: format!("not a status list: {e}"),
        })?;
        if list.len() + 1 > MAX_ENCODED_ENTRY_LEN {
            return Err(LedgerError::BadEntry {
                reason: format!(
                    "status list of {} bytes; an entry has at most {MAX_ENCODED_ENTRY_LEN}",
                    list.len()
                ),
            });
        }
        drop(parsed);
        let key = status_list_key(list);
        if let Some(index) = self.ids.get(&key).copied() {
            return Err(LedgerError::DuplicateStatusList { index });
        }
        let index = self.tree.size();
        self.write_entries(&[(key, list, EntryKind::StatusList)])?;
        let checkpoint = self.write_checkpoint()?;
        Ok(StatusReceipt {
            index,
            checkpoint,
            tree_size: self.tree.size(),
        })
    }

    fn size(&self) -> u64 {
        self.tree.size()
    }

    fn checkpoint(&self) -> Result<String, LedgerError> {
        self.latest.clone().ok_or(LedgerError::Empty)
    }

    fn inclusion_proof(
        &self,
        anchor_id: &Hash,
        tree_size: u64,
    ) -> Result<InclusionProof, LedgerError> {
        let index = self
            .index_of(anchor_id)
            .ok_or_else(|| LedgerError::NotFound {
                anchor_id: anchor_id.to_hex(),
            })?;
        self.tree
            .inclusion_proof(index, tree_size)
            .ok_or(LedgerError::NoSuchEntry {
                index,
                size: tree_size,
            })
    }

    fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<Hash>, LedgerError> {
        self.tree
            .consistency_proof(old_size, new_size)
            .ok_or(LedgerError::BadRange {
                old_size,
                new_size,
                size: self.tree.size(),
            })
    }

    fn get(&self, index: u64) -> Result<Vec<u8>, LedgerError> {
        let payload = self.payload(index)?;
        let skip = match self.format {
            LedgerFormat::AnchorIds => 32,
            LedgerFormat::TypedEntries => 33,
        };
        Ok(payload.get(skip..).unwrap_or_default().to_vec())
    }
}

/// Base64 of a public key, for `ledger.json` readers.
#[must_use]
pub fn public_key_base64(key: &PublicKey) -> String {
    B64.encode(key.to_bytes())
}
