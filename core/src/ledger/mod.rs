//! The ledger (SPEC §9): an append-only, verifiable log of anchors, the way
//! Certificate Transparency and the Go checksum database work.
//!
//! * Entries are typed ([`Entry`]): an anchor (COSE_Sign) or a status list
//!   (COSE_Sign1), encoded as a type byte and the bytes. The log's tree is
//!   RFC 9162 over the encoded entries as leaf data
//!   (`leaf = SHA-256(0x00 ‖ type ‖ bytes)`), so a leaf commits to both and
//!   proofs verify with [`crate::merkle`]. Ledgers of format 1 (before typed
//!   entries) log anchors only and their leaf data is the anchor id; they
//!   stay readable ([`LedgerFormat`]).
//! * After every append the log signs a C2SP tlog-checkpoint (origin, tree
//!   size, root) as a C2SP signed note ([`crate::note`]). A checkpoint is a
//!   commitment: the log can never later present a tree of that size with
//!   another root, nor a larger tree that does not contain it (consistency
//!   proofs), without the contradiction being provable from two signed notes.
//! * [`FileLedger`] is the embedded default: segment files on local disk with
//!   per-record length and CRC32C, fsync before acknowledging, a writer lock,
//!   and crash recovery (see the [`file`](mod@self::file) module for the on-disk format).
//!
//! * [`tiles`] publishes the tree as C2SP tlog-tiles static files and reads
//!   proofs back from them (SPEC §9.6; `certanchor ledger publish`); with
//!   the `http` feature, [`http::HttpTileSource`] reads them from a web
//!   server (`certanchor ledger serve`).
//!
//! The [`Ledger`] trait lets an embedder anchor elsewhere (for example an
//! EVM-compatible chain, crate `certanchor-ledger-evm`) behind the same
//! interface. Such a ledger fills [`Receipt::chain`] and leaves the
//! checkpoint and path empty; [`Receipt::attach_to`] puts the right form in a
//! bundle.

#[cfg(feature = "ledger")]
pub mod file;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "ledger")]
pub mod mirror;
pub mod snapshot;
pub mod sync;
pub mod tiles;
mod tree;

#[cfg(feature = "ledger")]
pub use file::FileLedger;
pub use tree::LogTree;

use crate::Hash;
use crate::bundle::{Bundle, ChainReceipt, LedgerReceipt};
use crate::error::LedgerError;
use crate::merkle::{InclusionProof, leaf_hash};
use crate::status::StatusList;

/// What a ledger entry holds (SPEC §9.1): the first byte of an encoded entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// An anchor (`COSE_Sign`, SPEC §4), type byte `0x01`.
    Anchor,
    /// A status list epoch (`COSE_Sign1`, SPEC §6), type byte `0x02`.
    StatusList,
}

impl EntryKind {
    /// The type byte.
    #[must_use]
    pub fn byte(self) -> u8 {
        match self {
            Self::Anchor => 0x01,
            Self::StatusList => 0x02,
        }
    }

    /// The kind of a type byte, if it names one.
    #[must_use]
    pub fn from_byte(b: u8) -> Option<Self> {
        match b {
            0x01 => Some(Self::Anchor),
            0x02 => Some(Self::StatusList),
            _ => None,
        }
    }

    /// Stable name (`anchor`, `status_list`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Anchor => "anchor",
            Self::StatusList => "status_list",
        }
    }
}

/// Longest encoded entry: a tlog-tiles entry bundle prefixes each entry
/// with a `u16` length (SPEC §9.6), so a ledger refuses a longer one.
pub const MAX_ENCODED_ENTRY_LEN: usize = u16::MAX as usize;

/// A ledger entry as the log's tree commits to it (SPEC §9.1), decoded
/// from its leaf data (what `ledger publish` puts in entry bundles).
///
/// | leaf data                  | entry                               |
/// |----------------------------|-------------------------------------|
/// | `0x01 ‖ anchor id` (33 B)   | an anchor, by its id                 |
/// | `0x02 ‖ status list bytes` | a status list epoch, byte for byte   |
/// | `anchor id` (32 B)          | an anchor of a format-1 ledger      |
///
/// An anchor is committed to by its id, which covers every byte of its
/// body (issuer, batch, root, size, time, kinds) but not its signatures:
/// endorsements added after an anchor was logged keep its receipt valid,
/// and each signature is verified on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// An anchor, by its id.
    Anchor(Hash),
    /// A status list epoch, byte for byte as logged.
    StatusList(Box<StatusList>),
}

impl Entry {
    /// Decodes leaf data, checking that a status list's bytes parse as one
    /// (its signature is not verified here).
    ///
    /// # Errors
    /// [`LedgerError::BadEntry`] naming what was wrong.
    pub fn decode(leaf_data: &[u8]) -> Result<Self, LedgerError> {
        let bad = |reason: String| LedgerError::BadEntry { reason };
        if leaf_data.len() > MAX_ENCODED_ENTRY_LEN {
            return Err(bad(format!(
                "{} bytes; an entry has at most {MAX_ENCODED_ENTRY_LEN}",
                leaf_data.len()
            )));
        }
        if let Some(id) = Hash::from_slice(leaf_data) {
            return Ok(Self::Anchor(id));
        }
        let Some((&t, bytes)) = leaf_data.split_first() else {
            return Err(bad("empty entry".into()));
        };
        match EntryKind::from_byte(t) {
            Some(EntryKind::Anchor) => Hash::from_slice(bytes).map(Self::Anchor).ok_or_else(|| {
                bad(format!(
                    "an anchor entry is its type byte and a 32-byte anchor id, not {} bytes",
                    leaf_data.len()
                ))
            }),
            Some(EntryKind::StatusList) => StatusList::from_slice(bytes)
                .map(|l| Self::StatusList(Box::new(l)))
                .map_err(|e| bad(format!("status list entry: {e}"))),
            None => Err(bad(format!("unknown entry type 0x{t:02x}"))),
        }
    }

    /// The entry's kind.
    #[must_use]
    pub fn kind(&self) -> EntryKind {
        match self {
            Self::Anchor(_) => EntryKind::Anchor,
            Self::StatusList(_) => EntryKind::StatusList,
        }
    }

    /// The key a ledger indexes the entry by: the anchor id for an anchor,
    /// `SHA-256(0x02 ‖ bytes)` for a status list.
    #[must_use]
    pub fn key(&self) -> Hash {
        match self {
            Self::Anchor(id) => *id,
            Self::StatusList(l) => status_list_key(l.as_bytes()),
        }
    }
}

/// The key of a status-list entry: `SHA-256(0x02 ‖ bytes)`.
#[must_use]
pub fn status_list_key(bytes: &[u8]) -> Hash {
    Hash::digest_parts(&[&[EntryKind::StatusList.byte()], bytes])
}

/// The leaf data of a format-2 entry (SPEC §9.1): `0x01 ‖ anchor id` for an
/// anchor, `0x02 ‖ bytes` for a status list.
#[must_use]
pub fn typed_leaf_data(kind: EntryKind, key: &Hash, bytes: &[u8]) -> Vec<u8> {
    let tail = match kind {
        EntryKind::Anchor => key.as_bytes().as_slice(),
        EntryKind::StatusList => bytes,
    };
    let mut v = Vec::with_capacity(1 + tail.len());
    v.push(kind.byte());
    v.extend_from_slice(tail);
    v
}

/// The leaves that prove an anchor is in a ledger: `SHA-256(0x00 ‖ 0x01 ‖
/// id)` for a format-2 ledger, `SHA-256(0x00 ‖ id)` for a format-1 ledger.
/// The two leaf data differ in length (33 and 32 bytes), so neither can
/// stand for the other, nor for a status-list entry.
#[must_use]
pub fn anchor_leaf_hashes(anchor_id: &Hash) -> [Hash; 2] {
    [
        leaf_hash(&typed_leaf_data(EntryKind::Anchor, anchor_id, &[])),
        leaf_hash(anchor_id.as_bytes()),
    ]
}

/// The on-disk and published format of a ledger (SPEC §9.1, §9.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerFormat {
    /// Format 1: anchors only, leaf data = anchor id.
    AnchorIds,
    /// Format 2: typed entries, leaf data = `type ‖ bytes`.
    TypedEntries,
}

impl LedgerFormat {
    /// The version number in `ledger.json`.
    #[must_use]
    pub fn version(self) -> u64 {
        match self {
            Self::AnchorIds => 1,
            Self::TypedEntries => 2,
        }
    }
}

/// What an append returns: the entry's index, the signed checkpoint that
/// includes it, and the audit path from the entry to that checkpoint's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Index of the entry in the log.
    pub index: u64,
    /// The anchor id (leaf data).
    pub anchor_id: Hash,
    /// Signed checkpoint (C2SP signed note text) covering the entry.
    pub checkpoint: String,
    /// Tree size of that checkpoint.
    pub tree_size: u64,
    /// RFC 9162 audit path, leaf to root.
    pub path: Vec<Hash>,
    /// Set by a ledger on an EVM chain: where the anchor was recorded. Such a
    /// ledger has no signed checkpoint (`checkpoint` is empty, `path` too);
    /// `index` is the record's index in the registry and `tree_size` the
    /// registry's record count after it.
    pub chain: Option<ChainReceipt>,
}

impl Receipt {
    /// The form carried in a bundle (SPEC §5.4 `receipt`).
    #[must_use]
    pub fn to_bundle_receipt(&self) -> LedgerReceipt {
        LedgerReceipt {
            checkpoint: self.checkpoint.clone(),
            index: self.index,
            path: self.path.clone(),
        }
    }

    /// Puts this receipt into a bundle: the chain receipt when there is one
    /// (bundle key `chain`), else the checkpoint receipt (key `receipt`).
    pub fn attach_to(&self, bundle: &mut Bundle) {
        match self.chain {
            Some(c) => bundle.chain = Some(c),
            None => bundle.receipt = Some(self.to_bundle_receipt()),
        }
    }
}

/// What appending a status list returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReceipt {
    /// Index of the entry in the log.
    pub index: u64,
    /// Signed checkpoint (C2SP signed note text) covering the entry.
    pub checkpoint: String,
    /// Tree size of that checkpoint.
    pub tree_size: u64,
}

/// An append-only log of anchors with signed checkpoints.
pub trait Ledger {
    /// Appends one anchor and returns its receipt once it is durable.
    ///
    /// # Errors
    /// [`LedgerError`]: malformed anchor, anchor already present, I/O.
    fn append(&mut self, anchor: &[u8]) -> Result<Receipt, LedgerError>;

    /// Appends several anchors with one durability barrier (one fsync).
    ///
    /// # Errors
    /// As [`Ledger::append`]; nothing is appended when any anchor is refused.
    fn append_many(&mut self, anchors: &[&[u8]]) -> Result<Vec<Receipt>, LedgerError>;

    /// Appends a status list epoch (SPEC §6) as a ledger entry, so that
    /// verifiers that sync the ledger learn of it. Returns the entry's index
    /// once it is durable.
    ///
    /// # Errors
    /// [`LedgerError::Unsupported`] for a ledger that cannot hold status
    /// lists (format 1, an EVM registry); [`LedgerError::BadEntry`] for
    /// bytes that are not a status list; [`LedgerError::Duplicate`] when the
    /// same list is already an entry; I/O.
    fn append_status_list(&mut self, list: &[u8]) -> Result<StatusReceipt, LedgerError> {
        let _ = list;
        Err(LedgerError::Unsupported {
            op: "status list entries",
        })
    }

    /// Number of entries.
    fn size(&self) -> u64;

    /// The latest signed checkpoint (C2SP signed note).
    ///
    /// # Errors
    /// [`LedgerError::Empty`] before the first append.
    fn checkpoint(&self) -> Result<String, LedgerError>;

    /// Index and inclusion proof of an anchor in the tree of `tree_size` entries.
    ///
    /// # Errors
    /// [`LedgerError::NotFound`], or a size beyond the log.
    fn inclusion_proof(
        &self,
        anchor_id: &Hash,
        tree_size: u64,
    ) -> Result<InclusionProof, LedgerError>;

    /// RFC 9162 consistency proof between two tree sizes.
    ///
    /// # Errors
    /// [`LedgerError::BadRange`] unless `0 < old_size <= new_size <= size`.
    fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<Hash>, LedgerError>;

    /// The bytes of entry `index` without its type byte: the anchor bytes
    /// of an anchor entry, the list of a status-list entry.
    ///
    /// # Errors
    /// [`LedgerError::NoSuchEntry`], I/O.
    fn get(&self, index: u64) -> Result<Vec<u8>, LedgerError>;
}
