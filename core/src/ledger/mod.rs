//! The ledger (SPEC §9): an append-only, verifiable log of anchors, the way
//! Certificate Transparency and the Go checksum database work.
//!
//! * Entries are anchor bytes (COSE_Sign). The log's tree is RFC 9162 over
//!   the **anchor ids** as leaf data (`leaf = SHA-256(0x00 ‖ anchor_id)`), so
//!   proofs verify with [`crate::merkle`].
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

pub mod file;
#[cfg(feature = "http")]
pub mod http;
pub mod tiles;
mod tree;

pub use file::FileLedger;
pub use tree::LogTree;

use crate::Hash;
use crate::bundle::{Bundle, ChainReceipt, LedgerReceipt};
use crate::error::LedgerError;
use crate::merkle::InclusionProof;

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

    /// The anchor bytes at `index`.
    ///
    /// # Errors
    /// [`LedgerError::NoSuchEntry`], I/O.
    fn get(&self, index: u64) -> Result<Vec<u8>, LedgerError>;
}
