//! Following a published ledger (SPEC §9.8): read the entries a verifier has
//! not seen from tlog-tiles entry bundles, and prove them, and everything
//! seen before, against a newer signed checkpoint.
//!
//! A follower keeps a [`Frontier`]: the hashes of the complete subtrees
//! that make up the tree of the entries it has read (at most 64 hashes,
//! whatever the log's size). To move to a checkpoint of size *N* it reads the
//! entry bundles from its size to *N*, hashes each entry into the frontier,
//! and compares the frontier's root with the checkpoint's. Equal roots prove
//! at once that every new entry is in the checkpoint's tree **and** that the
//! tree extends the one it followed before (its old subtrees are nodes of
//! the new tree): no separate consistency proof is needed, and memory is
//! one entry bundle plus the frontier, whatever the log's size.
//!
//! Everything here is pure; [`super::mirror`] keeps a follower's state on
//! disk.

use std::collections::HashMap;

use super::Entry;
use super::tiles::{MAX_BUNDLE_LEN, TILE_WIDTH, Tile, TileError, TileReader, TileSource};
use crate::Hash;
use crate::merkle::{leaf_hash, node_hash};
use crate::note::{self, Checkpoint, NoteError, NoteVerifier};

/// The compact form of an RFC 9162 tree: the roots of its maximal complete
/// subtrees, left to right (one per 1 bit of the size).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// (height, hash), heights strictly decreasing.
    peaks: Vec<(u32, Hash)>,
}

impl Frontier {
    /// The frontier of the empty tree.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Adds a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut node = (0u32, leaf);
        while let Some(&(h, left)) = self.peaks.last() {
            if h != node.0 {
                break;
            }
            self.peaks.pop();
            node = (h + 1, node_hash(&left, &node.1));
        }
        self.peaks.push(node);
        self.size += 1;
    }

    /// The tree's root (RFC 9162 MTH), `None` for the empty tree.
    #[must_use]
    pub fn root(&self) -> Option<Hash> {
        let mut it = self.peaks.iter().rev();
        let mut acc = it.next()?.1;
        for (_, left) in it {
            acc = node_hash(left, &acc);
        }
        Some(acc)
    }

    /// The subtree hashes, left to right (what [`Frontier::from_hashes`]
    /// takes back).
    #[must_use]
    pub fn hashes(&self) -> Vec<Hash> {
        self.peaks.iter().map(|p| p.1).collect()
    }

    /// Rebuilds a frontier from a size and its subtree hashes.
    ///
    /// # Errors
    /// `None` unless there is exactly one hash per 1 bit of `size`.
    #[must_use]
    pub fn from_hashes(size: u64, hashes: &[Hash]) -> Option<Self> {
        if hashes.len() != size.count_ones() as usize {
            return None;
        }
        let heights = (0..64u32).rev().filter(|h| size >> h & 1 == 1);
        Some(Self {
            size,
            peaks: heights.zip(hashes.iter().copied()).collect(),
        })
    }
}

/// Why following a ledger stopped. The follower's state is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// The new checkpoint is for a smaller tree than one already verified:
    /// the ledger was rolled back (or the source is stale). Both signed
    /// checkpoints are kept as evidence.
    #[error("rollback: the ledger now shows {new_size} entries, after {old_size} were verified")]
    Rollback {
        /// Size already verified.
        old_size: u64,
        /// Size now shown.
        new_size: u64,
        /// The verified checkpoint (signed note).
        old_note: String,
        /// The new checkpoint (signed note).
        new_note: String,
    },
    /// Two signed checkpoints that no single append-only log can have made:
    /// the same size with different roots, or a larger tree whose tiles
    /// prove its root but not the earlier tree. Both are kept as evidence.
    #[error("fork: {reason}")]
    Fork {
        /// What does not fit.
        reason: String,
        /// The verified checkpoint (signed note).
        old_note: String,
        /// The new checkpoint (signed note).
        new_note: String,
    },
    /// The entries read do not give the checkpoint's root (altered,
    /// missing or reordered entries in the source).
    #[error("the entries read give another root than the checkpoint of size {size}")]
    RootMismatch {
        /// The checkpoint's size.
        size: u64,
    },
    /// An entry that is not a ledger entry (SPEC §9.1).
    #[error("entry {index}: {reason}")]
    BadEntry {
        /// Its index.
        index: u64,
        /// What was wrong.
        reason: String,
    },
    /// A tile or entry bundle could not be read or is malformed.
    #[error(transparent)]
    Tile(#[from] TileError),
    /// What the caller's handler refused.
    #[error("{0}")]
    Handler(String),
}

impl SyncError {
    /// Whether the source failed to answer (rather than answered wrongly):
    /// worth retrying, and what was read before stays usable.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Tile(
                TileError::Unavailable { .. }
                    | TileError::NotFound { .. }
                    | TileError::Stalled { .. }
                    | TileError::FetchFailed { .. }
            )
        )
    }

    /// Stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Rollback { .. } => "rollback",
            Self::Fork { .. } => "fork",
            Self::RootMismatch { .. } => "tile_root_mismatch",
            Self::BadEntry { .. } => "bad_entry",
            Self::Tile(e) => e.code(),
            Self::Handler(_) => "sync_refused",
        }
    }
}

/// What [`follow`] hands its caller.
#[derive(Debug)]
pub enum Event<'a> {
    /// Entry `index`, decoded, not yet proven.
    Entry(u64, Entry),
    /// An entry bundle is done; the frontier covers every entry so far.
    Bundle(&'a Frontier),
}

/// Reads entries `frontier.size()..target.tree_size` from `source`'s entry
/// bundles, decodes each ([`Entry::decode`]), pushes its leaf into a copy of
/// `frontier` and hands it to `on_event` ([`Event::Entry`]; after each
/// bundle [`Event::Bundle`]); then checks that the copy's root is
/// `target.root`. Returns the new frontier.
///
/// Entries are handed over before they are proven: a caller stages what it
/// learns and commits it only when this returns `Ok`.
///
/// # Errors
/// [`SyncError::Rollback`] when the target is smaller than the frontier
/// (the caller fills in the notes); [`SyncError::RootMismatch`] when the
/// entries do not give the target's root; tile, bundle and entry errors;
/// what `on_entry` returns.
pub fn follow<S, F>(
    source: &S,
    frontier: &Frontier,
    target: &Checkpoint,
    mut on_event: F,
) -> Result<Frontier, SyncError>
where
    S: TileSource + ?Sized,
    F: FnMut(Event<'_>) -> Result<(), SyncError>,
{
    let (start, end) = (frontier.size(), target.tree_size);
    if end < start {
        return Err(SyncError::Rollback {
            old_size: start,
            new_size: end,
            old_note: String::new(),
            new_note: String::new(),
        });
    }
    let width = u64::from(TILE_WIDTH);
    let mut next = frontier.clone();
    let mut index = start;
    while index < end {
        let t = index / width;
        let tile_end = ((t + 1) * width).min(end);
        let w = u16::try_from(tile_end - t * width).unwrap_or(TILE_WIDTH);
        let tile = Tile::new(0, t, w)?;
        let data = source.read(&tile.entries_path(), MAX_BUNDLE_LEN)?;
        let entries = super::tiles::parse_entry_bundle(tile, &data)?;
        let skip = usize::try_from(index - t * width).unwrap_or(usize::MAX);
        for (k, e) in entries.iter().enumerate().skip(skip) {
            let i = t * width + k as u64;
            next.push(leaf_hash(e));
            let entry = Entry::decode(e).map_err(|err| SyncError::BadEntry {
                index: i,
                reason: match err {
                    crate::error::LedgerError::BadEntry { reason } => reason,
                    other => other.to_string(),
                },
            })?;
            on_event(Event::Entry(i, entry))?;
        }
        index = tile_end;
        on_event(Event::Bundle(&next))?;
    }
    if end == 0 || next.root() == Some(target.root) {
        Ok(next)
    } else {
        Err(SyncError::RootMismatch { size: end })
    }
}

/// After [`follow`] failed with [`SyncError::RootMismatch`]: tells a fork
/// from bad tiles. If the source's tiles prove the target's root but give
/// another root at the old size than `old_root`, the two checkpoints are a
/// fork ([`SyncError::Fork`]); otherwise the source's data is at fault
/// (the `RootMismatch` stands). Returns the fork's description.
#[must_use]
pub fn diagnose<S: TileSource>(
    source: S,
    old_size: u64,
    old_root: &Hash,
    target: &Checkpoint,
) -> Option<String> {
    let mut reader = TileReader::new(source, target.tree_size, target.root);
    if old_size == 0 || reader.verify_root().is_err() {
        return None;
    }
    match reader.root_at(old_size) {
        Ok(r) if r != *old_root => Some(format!(
            "the tree of size {} has root {} at size {old_size}, the verified checkpoint {}",
            target.tree_size, r, old_root
        )),
        _ => None,
    }
}

/// Where an anchor is in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnchorRecord {
    /// Its index in the log.
    pub index: u64,
    /// The time of the first checkpoint seen covering it (Unix seconds; the
    /// anchor was logged by then), `None` when that checkpoint carried no
    /// ledger time.
    pub ledger_time: Option<u64>,
}

/// What a verifier knows from a ledger it followed (SPEC §9.8): a
/// verified checkpoint, every anchor in it with its index and ledger time,
/// and every status list in it. Built by [`super::mirror::Mirror::view`],
/// or in memory by [`LedgerView::from_source`].
#[derive(Debug, Clone)]
pub struct LedgerView {
    /// The verified checkpoint (signed note).
    pub note: String,
    /// Its parsed text (origin, size, root).
    pub checkpoint: Checkpoint,
    /// Its ledger time, when it carries one.
    pub time: Option<u64>,
    anchors: HashMap<Hash, AnchorRecord>,
    lists: Vec<(u64, Vec<u8>)>,
}

impl LedgerView {
    /// An empty view of a verified checkpoint (entries added with
    /// [`Self::insert_anchor`] and [`Self::insert_list`]).
    #[must_use]
    pub fn new(note: String, checkpoint: Checkpoint, time: Option<u64>) -> Self {
        Self {
            note,
            checkpoint,
            time,
            anchors: HashMap::new(),
            lists: Vec::new(),
        }
    }

    /// Records an anchor (the first record of an id stays).
    pub fn insert_anchor(&mut self, id: Hash, record: AnchorRecord) {
        self.anchors.entry(id).or_insert(record);
    }

    /// Records a status list entry.
    pub fn insert_list(&mut self, index: u64, bytes: Vec<u8>) {
        self.lists.push((index, bytes));
    }

    /// Reads a whole published ledger (a snapshot, a directory, a server)
    /// into a view, without keeping state: verifies its checkpoint with
    /// `ledger`, reads every entry and proves them against it.
    ///
    /// # Errors
    /// [`NoteError`] for a checkpoint that does not verify; [`SyncError`]
    /// for entries that do not.
    pub fn from_source<S: TileSource + ?Sized>(
        source: &S,
        ledger: &NoteVerifier,
    ) -> Result<Self, ViewError> {
        let text = super::tiles::read_checkpoint(source)?;
        let timed = note::verify_checkpoint_time(&text, ledger)?;
        let (cp, time) = (timed.checkpoint, timed.time);
        let mut view = Self::new(text, cp.clone(), time);
        follow(source, &Frontier::new(), &cp, |e| {
            match e {
                Event::Entry(i, Entry::Anchor(id)) => view.insert_anchor(
                    id,
                    AnchorRecord {
                        index: i,
                        ledger_time: time,
                    },
                ),
                Event::Entry(i, Entry::StatusList(l)) => view.insert_list(i, l.as_bytes().to_vec()),
                Event::Bundle(_) => {}
            }
            Ok(())
        })?;
        Ok(view)
    }

    /// The ledger's origin.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.checkpoint.origin
    }

    /// Where an anchor is, if the ledger holds it.
    #[must_use]
    pub fn anchor(&self, id: &Hash) -> Option<AnchorRecord> {
        self.anchors.get(id).copied()
    }

    /// Every anchor in the ledger with where it is, in no particular order
    /// (what [`Self::insert_anchor`] takes back).
    pub fn anchors(&self) -> impl Iterator<Item = (&Hash, &AnchorRecord)> {
        self.anchors.iter()
    }

    /// Number of anchors.
    #[must_use]
    pub fn anchor_count(&self) -> usize {
        self.anchors.len()
    }

    /// Every status list in the ledger, with its index, in log order.
    #[must_use]
    pub fn status_lists(&self) -> &[(u64, Vec<u8>)] {
        &self.lists
    }
}

/// Why [`LedgerView::from_source`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    /// The checkpoint does not verify.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] NoteError),
    /// The entries do not.
    #[error(transparent)]
    Sync(#[from] SyncError),
}

impl From<TileError> for ViewError {
    fn from(e: TileError) -> Self {
        Self::Sync(SyncError::Tile(e))
    }
}

impl ViewError {
    /// Stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Checkpoint(e) => e.code(),
            Self::Sync(e) => e.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle;

    #[test]
    fn frontier_roots_match_the_reference_tree_for_every_size() {
        let leaves: Vec<Hash> = (0u32..600).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut f = Frontier::new();
        assert_eq!(f.root(), None);
        for (n, l) in leaves.iter().enumerate() {
            f.push(*l);
            let size = n as u64 + 1;
            assert_eq!(f.size(), size);
            assert_eq!(f.root(), Some(merkle::mth(&leaves[..=n])), "size {size}");
            assert_eq!(f.hashes().len(), size.count_ones() as usize);
            assert_eq!(Frontier::from_hashes(size, &f.hashes()), Some(f.clone()));
        }
        assert_eq!(Frontier::from_hashes(3, &[Hash::default()]), None);
        assert_eq!(Frontier::from_hashes(0, &[]), Some(Frontier::new()));
    }
}
