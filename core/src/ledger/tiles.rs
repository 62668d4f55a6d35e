//! The ledger as C2SP tlog-tiles static files (SPEC §9.6): tile paths, the
//! tiles of a tree, entry bundles, and a reader that rebuilds proofs from
//! tiles.
//!
//! A tiled log serves its RFC 9162 tree as *tiles*: a tile at level `L`,
//! index `N` lists up to 256 consecutive hashes of complete subtrees of
//! `256^L` leaves, hash `i` being `MTH(D[(N·256+i)·256^L : (N·256+i+1)·256^L])`.
//! Level-0 tiles hold the leaf hashes. The rightmost tile of each level is
//! *partial* (1 to 255 hashes) and published under `….p/<W>`. Entries are
//! published in *entry bundles* beside the level-0 tiles, each entry as a
//! big-endian `u16` length and its bytes. Everything here is pure: no I/O
//! except [`DirTileSource`], which reads tiles from a published directory
//! (`super::http::HttpTileSource`, feature `http`, reads them from a web
//! server).
//!
//! ```
//! use certanchor::ledger::tiles::Tile;
//! let t = Tile::new(0, 1_234_067, 256)?;
//! assert_eq!(t.path(), "tile/0/x001/x234/067");
//! assert_eq!(Tile::new(1, 5, 17)?.path(), "tile/1/005.p/17");
//! # Ok::<(), certanchor::ledger::tiles::TileError>(())
//! ```

use std::collections::HashMap;
use std::io::Read as _;
use std::path::PathBuf;

use super::tree::LogTree;
use crate::Hash;
use crate::merkle::{InclusionProof, node_hash, verify_consistency, verify_inclusion};

/// Levels of the tree one tile spans (C2SP tlog-tiles: 8).
pub const TILE_HEIGHT: u32 = 8;
/// Hashes in a full tile.
pub const TILE_WIDTH: u16 = 256;
/// Bytes of a full tile (256 hashes of 32 bytes).
pub const FULL_TILE_LEN: usize = TILE_WIDTH as usize * Hash::LEN;
/// Highest tile level a path may name (C2SP tlog-tiles: 0 to 63).
pub const MAX_LEVEL: u8 = 63;
/// Longest entry an entry bundle holds (its length is a `u16`).
pub const MAX_ENTRY_LEN: usize = u16::MAX as usize;
/// Longest entry bundle: 256 entries of [`MAX_ENTRY_LEN`] bytes with their prefixes.
pub const MAX_BUNDLE_LEN: usize = TILE_WIDTH as usize * (2 + MAX_ENTRY_LEN);

/// Why a tile, a tile path or an entry bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    /// Tile coordinates out of range (level over 63, width not 1 to 256).
    #[error("bad tile coordinates: {reason}")]
    BadTile {
        /// What was wrong.
        reason: String,
    },
    /// A path that is not a tlog-tiles tile or entry-bundle path.
    #[error("bad tile path `{path}`: {reason}")]
    BadPath {
        /// The path (escaped for display by the caller).
        path: String,
        /// What was wrong.
        reason: &'static str,
    },
    /// A tile whose length is not its width times 32 bytes (cut short, too
    /// long, or a tile of another width).
    #[error("tile {path}: {got} bytes, expected {expected}")]
    BadLength {
        /// The tile's path.
        path: String,
        /// Width × 32.
        expected: usize,
        /// What was read.
        got: usize,
    },
    /// An entry too long for a bundle's `u16` length prefix.
    #[error("entry {index} is {len} bytes; an entry bundle holds at most 65535")]
    EntryTooLong {
        /// The entry's index in the log.
        index: u64,
        /// Its length.
        len: usize,
    },
    /// An entry bundle that does not hold exactly its width's entries.
    #[error("entry bundle {path}: {reason}")]
    BadBundle {
        /// The bundle's path.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// A leaf, node or tree size beyond the tree the tiles are for.
    #[error("{what} {index} is beyond a tree of {size}")]
    OutOfRange {
        /// What was asked for ("leaf", "tree size", …).
        what: &'static str,
        /// The index or size.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// The hashes read from tiles do not give the checkpoint's root: a tile
    /// was altered, or belongs to another log.
    #[error("the tiles do not give the root of the tree of size {size}")]
    RootMismatch {
        /// The tree size.
        size: u64,
    },
    /// A snapshot file (SPEC §9.9) that is cut short, altered or malformed,
    /// or lacks a file asked of it.
    #[error("snapshot: {reason}")]
    BadSnapshot {
        /// What was wrong.
        reason: String,
    },
    /// A tile could not be read from its source.
    #[error("cannot read {path}: {reason}")]
    Unavailable {
        /// The tile's path.
        path: String,
        /// The source's error.
        reason: String,
    },
    /// The source has nothing at the path: no such file in a directory, or
    /// HTTP 404 / 410. Every source reports a missing tile with this code.
    #[error("{path} not found")]
    NotFound {
        /// The path asked for.
        path: String,
    },
    /// A fetch over the network sent nothing for longer than its read
    /// timeout, or did not finish within its total timeout.
    #[error("fetching {path} stalled: {reason}")]
    Stalled {
        /// The path asked for.
        path: String,
        /// Which timeout expired.
        reason: String,
    },
    /// A fetch over the network failed: no connection, a broken response,
    /// or an HTTP status other than 200, 404 and 410.
    #[error("cannot fetch {path}: {reason}")]
    FetchFailed {
        /// The path asked for.
        path: String,
        /// What failed.
        reason: String,
    },
    /// A base URL an HTTP source cannot use.
    #[error("bad URL `{url}`: {reason}")]
    BadUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A site's `checkpoint` that is longer than a note may be
    /// ([`crate::note::MAX_NOTE_LEN`]) or is not UTF-8.
    #[error("the site's checkpoint {reason}")]
    BadCheckpoint {
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl TileError {
    /// Stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadTile { .. } => "bad_tile",
            Self::BadPath { .. } => "bad_tile_path",
            Self::BadLength { .. } => "bad_tile_length",
            Self::EntryTooLong { .. } => "entry_too_long",
            Self::BadBundle { .. } => "bad_entry_bundle",
            Self::OutOfRange { .. } => "out_of_range",
            Self::RootMismatch { .. } => "tile_root_mismatch",
            Self::Unavailable { .. } => "tile_unavailable",
            Self::BadSnapshot { .. } => "bad_snapshot",
            Self::NotFound { .. } => "tile_not_found",
            Self::Stalled { .. } => "fetch_stalled",
            Self::FetchFailed { .. } => "fetch_failed",
            Self::BadUrl { .. } => "bad_url",
            Self::BadCheckpoint { .. } => "bad_site_checkpoint",
        }
    }
}

/// The coordinates of a tile: level, index within the level, width in hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    level: u8,
    index: u64,
    width: u16,
}

/// Appends `N` as zero-padded 3-digit path elements, all but the last
/// prefixed with `x` (`1234067` → `x001/x234/067`).
fn push_index(out: &mut String, index: u64) {
    let mut groups = Vec::new();
    let mut n = index;
    loop {
        groups.push(n % 1000);
        n /= 1000;
        if n == 0 {
            break;
        }
    }
    let last = groups.len().saturating_sub(1);
    for (i, g) in groups.iter().rev().enumerate() {
        if i < last {
            out.push_str(&format!("x{g:03}/"));
        } else {
            out.push_str(&format!("{g:03}"));
        }
    }
}

impl Tile {
    /// A tile at `level` (0 to 63), `index`, `width` hashes (1 to 256; 256 is full).
    ///
    /// # Errors
    /// [`TileError::BadTile`] for a level or width out of range.
    pub fn new(level: u8, index: u64, width: u16) -> Result<Self, TileError> {
        if level > MAX_LEVEL {
            return Err(TileError::BadTile {
                reason: format!("level {level} over {MAX_LEVEL}"),
            });
        }
        if width == 0 || width > TILE_WIDTH {
            return Err(TileError::BadTile {
                reason: format!("width {width} not in 1..=256"),
            });
        }
        Ok(Self {
            level,
            index,
            width,
        })
    }

    /// The level (0: leaf hashes).
    #[must_use]
    pub fn level(&self) -> u8 {
        self.level
    }

    /// The index within the level.
    #[must_use]
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The width in hashes (256 for a full tile).
    #[must_use]
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether the tile is full (256 hashes); full tiles never change.
    #[must_use]
    pub fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }

    /// Bytes of the tile: width × 32.
    #[must_use]
    pub fn byte_len(&self) -> usize {
        usize::from(self.width) * Hash::LEN
    }

    fn suffix(&self, out: &mut String) {
        push_index(out, self.index);
        if !self.is_full() {
            out.push_str(&format!(".p/{}", self.width));
        }
    }

    /// The tile's path: `tile/<L>/<N>[.p/<W>]`.
    #[must_use]
    pub fn path(&self) -> String {
        let mut out = format!("tile/{}/", self.level);
        self.suffix(&mut out);
        out
    }

    /// The path of the entry bundle beside this level-0 tile:
    /// `tile/entries/<N>[.p/<W>]` (the level is ignored).
    #[must_use]
    pub fn entries_path(&self) -> String {
        let mut out = String::from("tile/entries/");
        self.suffix(&mut out);
        out
    }

    /// Parses a tile path or entry-bundle path; returns the tile and whether
    /// it named an entry bundle (which is given level 0). Strict: exactly the
    /// form [`Tile::path`] / [`Tile::entries_path`] write, no leading zeros in
    /// the level or width, no width 256 in a `.p/` suffix.
    ///
    /// # Errors
    /// [`TileError::BadPath`].
    pub fn parse_path(path: &str) -> Result<(Self, bool), TileError> {
        let bad = |reason: &'static str| TileError::BadPath {
            path: path.to_owned(),
            reason,
        };
        let rest = path
            .strip_prefix("tile/")
            .ok_or_else(|| bad("does not start with tile/"))?;
        let (level_str, rest) = rest.split_once('/').ok_or_else(|| bad("no index"))?;
        let (level, entries) = if level_str == "entries" {
            (0, true)
        } else {
            (
                parse_decimal(level_str, 2).ok_or_else(|| bad("bad level"))?,
                false,
            )
        };
        let level = u8::try_from(level)
            .ok()
            .filter(|l| *l <= MAX_LEVEL)
            .ok_or_else(|| bad("level over 63"))?;
        let (index_str, width) = match rest.split_once(".p/") {
            Some((i, w)) => {
                let w = parse_decimal(w, 3)
                    .and_then(|w| u16::try_from(w).ok())
                    .filter(|w| (1..TILE_WIDTH).contains(w))
                    .ok_or_else(|| bad("partial width not in 1..=255"))?;
                (i, w)
            }
            None => (rest, TILE_WIDTH),
        };
        let parts: Vec<&str> = index_str.split('/').collect();
        let last = parts.len().saturating_sub(1);
        let mut index: u64 = 0;
        for (i, p) in parts.iter().enumerate() {
            let digits = if i < last {
                p.strip_prefix('x')
                    .ok_or_else(|| bad("index element without x"))?
            } else {
                p
            };
            if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("index element is not 3 digits"));
            }
            let g: u64 = digits.parse().map_err(|_| bad("bad index"))?;
            index = index
                .checked_mul(1000)
                .and_then(|n| n.checked_add(g))
                .ok_or_else(|| bad("index over 64 bits"))?;
        }
        if parts.len() > 1 && parts.first() == Some(&"x000") {
            return Err(bad("index with a leading zero element"));
        }
        Self::new(level, index, width).map(|t| (t, entries))
    }
}

/// Decimal without leading zeros, at most `max_digits` digits.
fn parse_decimal(s: &str, max_digits: usize) -> Option<u64> {
    if s.is_empty()
        || s.len() > max_digits
        || !s.bytes().all(|b| b.is_ascii_digit())
        || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// Number of hashes at tile level `level` in a tree of `size` leaves:
/// `floor(size / 256^level)`.
fn level_count(size: u64, level: u8) -> u64 {
    size.checked_shr(TILE_HEIGHT * u32::from(level))
        .unwrap_or(0)
}

/// The tiles a tree of `size` leaves is published as, per level from 0: the
/// full tiles and, where `floor(size / 256^L) mod 256` is not zero, one
/// partial tile.
#[must_use]
pub fn tiles_for_size(size: u64) -> Vec<Tile> {
    new_tiles(0, size)
}

/// The tiles to write when a published tree of `old_size` leaves grows to
/// `new_size`: every tile of `new_size` that `old_size` did not have with the
/// same contents (new full tiles and the changed partial tiles). Empty when
/// `new_size <= old_size`.
#[must_use]
pub fn new_tiles(old_size: u64, new_size: u64) -> Vec<Tile> {
    let mut out = Vec::new();
    if new_size <= old_size {
        return out;
    }
    for level in 0..=MAX_LEVEL {
        let n_new = level_count(new_size, level);
        if n_new == 0 {
            break;
        }
        let n_old = level_count(old_size, level);
        if n_new == n_old {
            continue;
        }
        let w = u64::from(TILE_WIDTH);
        for index in n_old / w..n_new / w {
            out.push(Tile {
                level,
                index,
                width: TILE_WIDTH,
            });
        }
        let partial = n_new % w;
        if partial != 0 {
            out.push(Tile {
                level,
                index: n_new / w,
                width: partial as u16,
            });
        }
    }
    out
}

/// The tile for the tree's `size` that holds hash `pos` of level `level`, if
/// the tree has that hash.
fn tile_holding(size: u64, level: u8, pos: u64) -> Option<Tile> {
    let n = level_count(size, level);
    if pos >= n {
        return None;
    }
    let w = u64::from(TILE_WIDTH);
    let index = pos / w;
    let width = if index < n / w { w } else { n % w };
    Some(Tile {
        level,
        index,
        width: u16::try_from(width).ok()?,
    })
}

/// The bytes of `tile` for `tree`: its hashes concatenated.
///
/// # Errors
/// [`TileError::OutOfRange`] if the tree does not have every hash of the tile
/// (a tile of a larger tree, or a wider partial tile).
pub fn tile_data(tree: &LogTree, tile: Tile) -> Result<Vec<u8>, TileError> {
    let height = TILE_HEIGHT * u32::from(tile.level);
    let first = tile
        .index
        .checked_mul(u64::from(TILE_WIDTH))
        .ok_or(TileError::OutOfRange {
            what: "tile",
            index: tile.index,
            size: tree.size(),
        })?;
    let mut out = Vec::with_capacity(tile.byte_len());
    for i in 0..u64::from(tile.width) {
        let h = first
            .checked_add(i)
            .and_then(|pos| tree.node(height, pos))
            .ok_or(TileError::OutOfRange {
                what: "tile",
                index: tile.index,
                size: tree.size(),
            })?;
        out.extend_from_slice(h.as_bytes());
    }
    Ok(out)
}

/// Splits tile bytes into hashes, checking the length against the tile's width.
///
/// # Errors
/// [`TileError::BadLength`] unless `data` is exactly width × 32 bytes.
pub fn tile_hashes(tile: Tile, data: &[u8]) -> Result<Vec<Hash>, TileError> {
    if data.len() != tile.byte_len() {
        return Err(TileError::BadLength {
            path: tile.path(),
            expected: tile.byte_len(),
            got: data.len(),
        });
    }
    Ok(data
        .chunks_exact(Hash::LEN)
        .filter_map(Hash::from_slice)
        .collect())
}

/// An entry bundle: each entry as a big-endian `u16` length and its bytes.
/// `first_index` is the log index of the first entry (for errors).
///
/// # Errors
/// [`TileError::EntryTooLong`] for an entry over 65535 bytes;
/// [`TileError::BadBundle`] for more than 256 entries.
pub fn entry_bundle<E: AsRef<[u8]>>(first_index: u64, entries: &[E]) -> Result<Vec<u8>, TileError> {
    if entries.len() > usize::from(TILE_WIDTH) {
        return Err(TileError::BadBundle {
            path: String::new(),
            reason: format!("{} entries, at most 256", entries.len()),
        });
    }
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let e = e.as_ref();
        let len = u16::try_from(e.len()).map_err(|_| TileError::EntryTooLong {
            index: first_index.saturating_add(i as u64),
            len: e.len(),
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Parses the entry bundle of `tile` (level 0): exactly `tile.width()`
/// entries, nothing after the last.
///
/// # Errors
/// [`TileError::BadBundle`] for a bundle cut short, with trailing bytes, or
/// with another number of entries.
pub fn parse_entry_bundle(tile: Tile, data: &[u8]) -> Result<Vec<&[u8]>, TileError> {
    let bad = |reason: String| TileError::BadBundle {
        path: tile.entries_path(),
        reason,
    };
    let mut out = Vec::with_capacity(usize::from(tile.width));
    let mut rest = data;
    while !rest.is_empty() {
        if out.len() == usize::from(tile.width) {
            return Err(bad(format!(
                "more than {} entries (trailing {} bytes)",
                tile.width,
                rest.len()
            )));
        }
        let (len, tail) = rest
            .split_first_chunk::<2>()
            .ok_or_else(|| bad("length prefix cut short".into()))?;
        let len = usize::from(u16::from_be_bytes(*len));
        let (entry, tail) = tail
            .split_at_checked(len)
            .ok_or_else(|| bad(format!("entry {} cut short", out.len())))?;
        out.push(entry);
        rest = tail;
    }
    if out.len() != usize::from(tile.width) {
        return Err(bad(format!(
            "{} entries, expected {}",
            out.len(),
            tile.width
        )));
    }
    Ok(out)
}

/// Where a [`TileReader`] gets tile bytes from (a directory, HTTP, memory).
pub trait TileSource {
    /// The bytes at `path` (a [`Tile::path`], an entry-bundle path or
    /// [`CHECKPOINT_PATH`]). An implementation should read at most
    /// `max_len + 1` bytes, so that an oversized file is refused without
    /// being read whole.
    ///
    /// # Errors
    /// [`TileError::NotFound`] when the source has nothing at `path`;
    /// [`TileError::Unavailable`] (or, over a network,
    /// [`TileError::Stalled`] and [`TileError::FetchFailed`]) when it cannot
    /// be read.
    fn read(&self, path: &str, max_len: usize) -> Result<Vec<u8>, TileError>;
}

impl<T: TileSource + ?Sized> TileSource for &T {
    fn read(&self, path: &str, max_len: usize) -> Result<Vec<u8>, TileError> {
        (**self).read(path, max_len)
    }
}

/// The path of a published site's signed checkpoint.
pub const CHECKPOINT_PATH: &str = "checkpoint";

/// Reads a site's `checkpoint` from `source`: at most
/// [`crate::note::MAX_NOTE_LEN`] bytes of UTF-8, to be verified with
/// [`crate::note::verify_checkpoint`] before anything is read by it.
///
/// # Errors
/// [`TileError::BadCheckpoint`] for a longer or non-UTF-8 checkpoint; the
/// source's errors ([`TileError::NotFound`] when there is none).
pub fn read_checkpoint<S: TileSource + ?Sized>(source: &S) -> Result<String, TileError> {
    let bytes = source.read(CHECKPOINT_PATH, crate::note::MAX_NOTE_LEN)?;
    if bytes.len() > crate::note::MAX_NOTE_LEN {
        return Err(TileError::BadCheckpoint {
            reason: "is longer than a signed note may be (16 KiB)",
        });
    }
    String::from_utf8(bytes).map_err(|_| TileError::BadCheckpoint {
        reason: "is not UTF-8",
    })
}

/// Reads tiles from a directory laid out as `ledger publish` writes it.
#[derive(Debug, Clone)]
pub struct DirTileSource {
    root: PathBuf,
}

impl DirTileSource {
    /// A source over the published directory `root`.
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
}

impl TileSource for DirTileSource {
    fn read(&self, path: &str, max_len: usize) -> Result<Vec<u8>, TileError> {
        let full = self.root.join(path);
        let unavailable = |e: std::io::Error| match e.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory => {
                TileError::NotFound {
                    path: path.to_owned(),
                }
            }
            _ => TileError::Unavailable {
                path: path.to_owned(),
                reason: e.to_string(),
            },
        };
        let f = std::fs::File::open(&full).map_err(unavailable)?;
        let mut buf = Vec::new();
        f.take(max_len.saturating_add(1) as u64)
            .read_to_end(&mut buf)
            .map_err(unavailable)?;
        Ok(buf)
    }
}

/// Rebuilds hashes of a tree of a known size and root from its tiles, and
/// answers inclusion and consistency proofs, each checked against the root
/// before it is returned (an altered tile gives
/// [`TileError::RootMismatch`], a truncated one [`TileError::BadLength`]).
/// Reads only the tiles that the tree of that size has; caches them.
#[derive(Debug)]
pub struct TileReader<S> {
    source: S,
    size: u64,
    root: Hash,
    cache: HashMap<Tile, Vec<Hash>>,
}

impl<S: TileSource> TileReader<S> {
    /// A reader for the tree of `size` leaves with root `root` (from a
    /// verified checkpoint).
    pub fn new(source: S, size: u64, root: Hash) -> Self {
        Self {
            source,
            size,
            root,
            cache: HashMap::new(),
        }
    }

    /// The tree size.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    fn tile(&mut self, tile: Tile) -> Result<&[Hash], TileError> {
        if !self.cache.contains_key(&tile) {
            let data = self.source.read(&tile.path(), tile.byte_len())?;
            let hashes = tile_hashes(tile, &data)?;
            self.cache.insert(tile, hashes);
        }
        Ok(self.cache.get(&tile).map(Vec::as_slice).unwrap_or_default())
    }

    /// Hash of the complete subtree of `2^height` leaves starting at leaf
    /// `index · 2^height`, from the one tile that holds it.
    fn node(&mut self, height: u32, index: u64) -> Result<Hash, TileError> {
        let out_of_range = TileError::OutOfRange {
            what: "node",
            index,
            size: self.size,
        };
        let end = (u128::from(index) + 1) << height;
        if height >= 64 || end > u128::from(self.size) {
            return Err(out_of_range);
        }
        let level = u8::try_from(height / TILE_HEIGHT).map_err(|_| out_of_range.clone())?;
        let r = height % TILE_HEIGHT;
        let pos = index << r;
        let span = 1usize << r;
        let tile = tile_holding(self.size, level, pos).ok_or(out_of_range.clone())?;
        let off = usize::try_from(pos % u64::from(TILE_WIDTH)).unwrap_or(usize::MAX);
        let hashes = self.tile(tile)?;
        let mut row: Vec<Hash> = hashes
            .get(off..off.saturating_add(span))
            .ok_or(out_of_range)?
            .to_vec();
        while row.len() > 1 {
            row = row
                .chunks_exact(2)
                .filter_map(|p| match p {
                    [l, r] => Some(node_hash(l, r)),
                    _ => None,
                })
                .collect();
        }
        row.first()
            .copied()
            .ok_or(TileError::RootMismatch { size: self.size })
    }

    /// MTH of leaves `[lo, hi)`, split as RFC 9162's recursion does.
    fn mth(&mut self, lo: u64, hi: u64) -> Result<Hash, TileError> {
        let n = hi - lo;
        if n.is_power_of_two() && lo.is_multiple_of(n) {
            return self.node(n.trailing_zeros(), lo >> n.trailing_zeros());
        }
        let k = split(n);
        let left = self.mth(lo, lo + k)?;
        let right = self.mth(lo + k, hi)?;
        Ok(node_hash(&left, &right))
    }

    /// Root of the first `size` leaves (at most the reader's size), from tiles.
    ///
    /// # Errors
    /// [`TileError::OutOfRange`] for a size of 0 or beyond the tree; errors
    /// reading tiles.
    pub fn root_at(&mut self, size: u64) -> Result<Hash, TileError> {
        if size == 0 || size > self.size {
            return Err(TileError::OutOfRange {
                what: "tree size",
                index: size,
                size: self.size,
            });
        }
        self.mth(0, size)
    }

    /// Checks that the tiles give the reader's root. This reads only the
    /// tiles the root is computed from (the highest ones); the hashes of
    /// lower tiles are authenticated by the proofs that use them.
    ///
    /// # Errors
    /// [`TileError::RootMismatch`], or errors reading tiles.
    pub fn verify_root(&mut self) -> Result<(), TileError> {
        if self.root_at(self.size)? == self.root {
            Ok(())
        } else {
            Err(TileError::RootMismatch { size: self.size })
        }
    }

    /// The leaf hash at `index` (from its level-0 tile; trusted only after a
    /// proof from it verified, as [`TileReader::inclusion_proof`] does).
    ///
    /// # Errors
    /// [`TileError::OutOfRange`], or errors reading tiles.
    pub fn leaf_hash(&mut self, index: u64) -> Result<Hash, TileError> {
        self.node(0, index)
    }

    /// The leaf hash at `index` and its inclusion proof in the reader's tree,
    /// verified against the reader's root.
    ///
    /// # Errors
    /// [`TileError::OutOfRange`], [`TileError::RootMismatch`], or errors
    /// reading tiles.
    pub fn inclusion_proof(&mut self, index: u64) -> Result<(Hash, InclusionProof), TileError> {
        if index >= self.size {
            return Err(TileError::OutOfRange {
                what: "leaf",
                index,
                size: self.size,
            });
        }
        let mut path = Vec::new();
        self.path(index, 0, self.size, &mut path)?;
        let leaf = self.node(0, index)?;
        let proof = InclusionProof {
            tree_size: self.size,
            leaf_index: index,
            path,
        };
        verify_inclusion(&leaf, &proof, &self.root)
            .map_err(|_| TileError::RootMismatch { size: self.size })?;
        Ok((leaf, proof))
    }

    fn path(&mut self, m: u64, lo: u64, hi: u64, out: &mut Vec<Hash>) -> Result<(), TileError> {
        let n = hi - lo;
        if n <= 1 {
            return Ok(());
        }
        let k = split(n);
        if m < k {
            self.path(m, lo, lo + k, out)?;
            out.push(self.mth(lo + k, hi)?);
        } else {
            self.path(m - k, lo + k, hi, out)?;
            out.push(self.mth(lo, lo + k)?);
        }
        Ok(())
    }

    /// The root of the tree of `old_size` leaves and the RFC 9162
    /// consistency proof from it to the reader's tree, verified against the
    /// reader's root. The caller compares the returned root with the older
    /// checkpoint's.
    ///
    /// # Errors
    /// [`TileError::OutOfRange`] unless `0 < old_size <= size`;
    /// [`TileError::RootMismatch`]; errors reading tiles.
    pub fn consistency_proof(&mut self, old_size: u64) -> Result<(Hash, Vec<Hash>), TileError> {
        let old_root = self.root_at(old_size)?;
        let mut out = Vec::new();
        if old_size < self.size {
            self.subproof(old_size, 0, self.size, true, &mut out)?;
        }
        verify_consistency(old_size, self.size, &old_root, &self.root, &out)
            .map_err(|_| TileError::RootMismatch { size: self.size })?;
        Ok((old_root, out))
    }

    fn subproof(
        &mut self,
        m: u64,
        lo: u64,
        hi: u64,
        b: bool,
        out: &mut Vec<Hash>,
    ) -> Result<(), TileError> {
        let n = hi - lo;
        if m == n {
            if !b {
                out.push(self.mth(lo, hi)?);
            }
            return Ok(());
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, lo, lo + k, b, out)?;
            out.push(self.mth(lo + k, hi)?);
        } else {
            self.subproof(m - k, lo + k, hi, false, out)?;
            out.push(self.mth(lo, lo + k)?);
        }
        Ok(())
    }
}

/// Largest power of two strictly less than `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    let mut k = 1u64;
    while k.saturating_mul(2) < n {
        k *= 2;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{self, leaf_hash};

    fn tree(n: u64) -> (LogTree, Vec<Hash>) {
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut t = LogTree::new();
        for l in &leaves {
            t.push(*l);
        }
        (t, leaves)
    }

    /// An in-memory published site.
    #[derive(Default)]
    struct Mem(HashMap<String, Vec<u8>>);

    impl TileSource for &Mem {
        fn read(&self, path: &str, _max: usize) -> Result<Vec<u8>, TileError> {
            self.0.get(path).cloned().ok_or(TileError::Unavailable {
                path: path.into(),
                reason: "absent".into(),
            })
        }
    }

    fn publish(t: &LogTree, old: u64, site: &mut Mem) {
        for tile in new_tiles(old, t.size()) {
            site.0.insert(tile.path(), tile_data(t, tile).unwrap());
        }
    }

    #[test]
    fn paths_as_in_the_spec_and_go() {
        // c2sp.org/tlog-tiles: index 1234067 is x001/x234/067
        let t = Tile::new(0, 1_234_067, 256).unwrap();
        assert_eq!(t.path(), "tile/0/x001/x234/067");
        assert_eq!(t.entries_path(), "tile/entries/x001/x234/067");
        // Go's tlog.Tile{H: 3, L: 4, N: 1234067, W: 1} is tile/3/4/x001/x234/067.p/1;
        // tlog-tiles drops the height
        assert_eq!(
            Tile::new(4, 1_234_067, 1).unwrap().path(),
            "tile/4/x001/x234/067.p/1"
        );
        // Go's doc: 123456789 encodes as x123/x456/789
        assert_eq!(
            Tile::new(2, 123_456_789, 256).unwrap().path(),
            "tile/2/x123/x456/789"
        );
        assert_eq!(Tile::new(0, 0, 256).unwrap().path(), "tile/0/000");
        assert_eq!(Tile::new(1, 1000, 3).unwrap().path(), "tile/1/x001/000.p/3");
        assert_eq!(
            Tile::new(0, 7, 112).unwrap().entries_path(),
            "tile/entries/007.p/112"
        );
        assert_eq!(
            Tile::new(0, u64::MAX, 256).unwrap().path(),
            "tile/0/x018/x446/x744/x073/x709/x551/615"
        );
    }

    #[test]
    fn paths_parse_back_strictly() {
        for (l, n, w) in [
            (0, 0, 256),
            (0, 1_234_067, 1),
            (7, 999, 255),
            (63, 1000, 256),
        ] {
            let t = Tile::new(l, n, w).unwrap();
            assert_eq!(Tile::parse_path(&t.path()).unwrap(), (t, false));
            let e = Tile::new(0, n, w).unwrap();
            assert_eq!(Tile::parse_path(&t.entries_path()).unwrap(), (e, true));
        }
        assert_eq!(
            Tile::parse_path("tile/0/x18446744073709551616").map(|_| ()),
            Err(TileError::BadPath {
                path: "tile/0/x18446744073709551616".into(),
                reason: "index element is not 3 digits"
            })
        );
        for bad in [
            "tile/00/000",
            "tile/64/000",
            "tile/0/00",
            "tile/0/0000",
            "tile/0/001/002",
            "tile/0/x000/001",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/012",
            "tile/0/000.p/",
            "tile/0/x018/x446/x744/x073/x709/x551/616",
            "tile/0/",
            "tile/-1/000",
            "tiles/0/000",
            "tile/0/+01",
            "tile/data/000",
        ] {
            let e = Tile::parse_path(bad).unwrap_err();
            assert_eq!(e.code(), "bad_tile_path", "{bad}");
        }
        assert_eq!(Tile::new(64, 0, 1).unwrap_err().code(), "bad_tile");
        assert_eq!(Tile::new(0, 0, 0).unwrap_err().code(), "bad_tile");
        assert_eq!(Tile::new(0, 0, 257).unwrap_err().code(), "bad_tile");
    }

    #[test]
    fn tiles_of_70000_as_in_the_spec() {
        // "a tree of size 70,000 will be represented by 273 full level 0
        // tiles, one partial level 0 tile of width 112, one full level 1
        // tile, one partial level 1 tile of width 17, and one partial level 2
        // tile of width 1"
        let tiles = tiles_for_size(70_000);
        let count = |l: u8, full: bool| {
            tiles
                .iter()
                .filter(|t| t.level() == l && t.is_full() == full)
                .count()
        };
        assert_eq!(count(0, true), 273);
        assert_eq!(count(1, true), 1);
        assert_eq!(count(2, true), 0);
        let partial: Vec<(u8, u64, u16)> = tiles
            .iter()
            .filter(|t| !t.is_full())
            .map(|t| (t.level(), t.index(), t.width()))
            .collect();
        assert_eq!(partial, vec![(0, 273, 112), (1, 1, 17), (2, 0, 1)]);
        assert_eq!(tiles.len(), 273 + 1 + 1 + 1 + 1);
        // "a tree of size 256 will be represented by a full level 0 tile and a
        // partial level 1 tile of width 1"
        assert_eq!(
            tiles_for_size(256),
            vec![Tile::new(0, 0, 256).unwrap(), Tile::new(1, 0, 1).unwrap()]
        );
        assert!(tiles_for_size(0).is_empty());
        assert_eq!(tiles_for_size(1), vec![Tile::new(0, 0, 1).unwrap()]);
    }

    #[test]
    fn new_tiles_are_the_difference() {
        for (old, new) in [
            (0, 1),
            (1, 2),
            (255, 256),
            (256, 257),
            (300, 70_000),
            (65_535, 65_536),
            (70_000, 70_001),
            (5, 5),
            (9, 3),
        ] {
            let before: std::collections::HashSet<Tile> = tiles_for_size(old).into_iter().collect();
            let mut want: Vec<Tile> = tiles_for_size(new)
                .into_iter()
                .filter(|t| !before.contains(t))
                .collect();
            if new <= old {
                want.clear();
            }
            assert_eq!(new_tiles(old, new), want, "{old} -> {new}");
        }
        // a full tile of the old size is never rewritten
        assert!(
            new_tiles(512, 700)
                .iter()
                .all(|t| !(t.level() == 0 && t.index() < 2))
        );
    }

    #[test]
    fn tile_data_hashes_complete_subtrees() {
        let (t, leaves) = tree(70_000);
        let l0 = tile_data(&t, Tile::new(0, 3, 256).unwrap()).unwrap();
        assert_eq!(l0.len(), FULL_TILE_LEN);
        assert_eq!(&l0[..32], leaves[768].as_bytes());
        let l1 = tile_data(&t, Tile::new(1, 1, 17).unwrap()).unwrap();
        // hash 0 of level-1 tile 1 is MTH of leaves [256·256, 256·257)
        assert_eq!(&l1[..32], merkle::mth(&leaves[65_536..65_792]).as_bytes());
        let l2 = tile_data(&t, Tile::new(2, 0, 1).unwrap()).unwrap();
        assert_eq!(&l2[..], merkle::mth(&leaves[..65_536]).as_bytes());
        // tiles the tree does not have yet
        for bad in [(0, 273, 113), (0, 274, 1), (1, 1, 18), (2, 0, 2), (3, 0, 1)] {
            let e = tile_data(&t, Tile::new(bad.0, bad.1, bad.2).unwrap()).unwrap_err();
            assert_eq!(e.code(), "out_of_range", "{bad:?}");
        }
    }

    #[test]
    fn reader_rebuilds_proofs_for_every_size() {
        let (t, leaves) = tree(600);
        for size in [1u64, 2, 3, 255, 256, 257, 511, 512, 513, 600] {
            let mut sub = LogTree::new();
            for l in &leaves[..size as usize] {
                sub.push(*l);
            }
            let mut site = Mem::default();
            publish(&sub, 0, &mut site);
            let root = t.root_at(size).unwrap();
            let mut r = TileReader::new(&site, size, root);
            r.verify_root().unwrap();
            for i in (0..size).step_by(7).chain([size - 1]) {
                let (leaf, p) = r.inclusion_proof(i).unwrap();
                assert_eq!(leaf, leaves[i as usize]);
                assert_eq!(p, t.inclusion_proof(i, size).unwrap(), "{i}/{size}");
            }
            for old in (1..=size).step_by(13).chain([size]) {
                let (old_root, p) = r.consistency_proof(old).unwrap();
                assert_eq!(old_root, t.root_at(old).unwrap());
                assert_eq!(p, t.consistency_proof(old, size).unwrap(), "{old}->{size}");
            }
            assert_eq!(r.inclusion_proof(size).unwrap_err().code(), "out_of_range");
            assert_eq!(r.consistency_proof(0).unwrap_err().code(), "out_of_range");
            assert_eq!(
                r.consistency_proof(size + 1).unwrap_err().code(),
                "out_of_range"
            );
        }
    }

    #[test]
    fn reader_over_three_levels_and_incremental_publish() {
        let (t, leaves) = tree(70_000);
        let mut first = LogTree::new();
        for l in &leaves[..65_000] {
            first.push(*l);
        }
        let mut site = Mem::default();
        publish(&first, 0, &mut site);
        let old_tiles = site.0.len();
        publish(&t, 65_000, &mut site);
        // only new and changed tiles were added
        assert_eq!(site.0.len(), old_tiles + new_tiles(65_000, 70_000).len());
        // readers of both checkpoints find their tiles
        let mut old = TileReader::new(&site, 65_000, first.root_at(65_000).unwrap());
        old.verify_root().unwrap();
        let mut r = TileReader::new(&site, 70_000, t.root_at(70_000).unwrap());
        r.verify_root().unwrap();
        for i in [0u64, 65_535, 65_536, 69_999] {
            let (_, p) = r.inclusion_proof(i).unwrap();
            merkle::verify_inclusion(&leaves[i as usize], &p, &t.root_at(70_000).unwrap()).unwrap();
        }
        let (root, p) = r.consistency_proof(65_000).unwrap();
        assert_eq!(root, first.root_at(65_000).unwrap());
        assert_eq!(p, t.consistency_proof(65_000, 70_000).unwrap());
    }

    #[test]
    fn altered_truncated_and_wrong_width_tiles_are_refused() {
        let (t, _) = tree(700);
        let root = t.root_at(700).unwrap();
        let mut good = Mem::default();
        publish(&t, 0, &mut good);
        let path0 = Tile::new(0, 1, 256).unwrap().path();
        let partial = Tile::new(0, 2, 188).unwrap().path();

        // one flipped bit in a level-1 tile: the root is not the checkpoint's
        let mut site = Mem(good.0.clone());
        site.0.get_mut("tile/1/000.p/2").unwrap()[40] ^= 1;
        let mut r = TileReader::new(&site, 700, root);
        assert_eq!(r.verify_root().unwrap_err().code(), "tile_root_mismatch");
        assert_eq!(
            r.inclusion_proof(0).unwrap_err().code(),
            "tile_root_mismatch"
        );
        // one flipped bit in a level-0 tile: every proof through it is refused
        let mut site = Mem(good.0.clone());
        site.0.get_mut(&path0).unwrap()[100] ^= 1;
        let mut r = TileReader::new(&site, 700, root);
        assert_eq!(
            r.inclusion_proof(259).unwrap_err().code(),
            "tile_root_mismatch"
        );
        assert_eq!(
            r.inclusion_proof(300).unwrap_err().code(),
            "tile_root_mismatch"
        );
        assert_eq!(
            r.consistency_proof(300).unwrap_err().code(),
            "tile_root_mismatch"
        );

        // cut short, one byte too long, empty
        for len in [0usize, 31, 8191] {
            let mut site = Mem(good.0.clone());
            site.0.get_mut(&path0).unwrap().truncate(len);
            let mut r = TileReader::new(&site, 700, root);
            let e = r.inclusion_proof(300).unwrap_err();
            assert_eq!(
                e,
                TileError::BadLength {
                    path: path0.clone(),
                    expected: 8192,
                    got: len
                }
            );
        }
        let mut site = Mem(good.0.clone());
        site.0.get_mut(&path0).unwrap().push(0);
        let mut r = TileReader::new(&site, 700, root);
        assert_eq!(
            r.inclusion_proof(300).unwrap_err().code(),
            "bad_tile_length"
        );

        // a partial tile of another width under the expected name (a wider one)
        let mut site = Mem(good.0.clone());
        let wider = tile_data(&t, Tile::new(0, 2, 188).unwrap()).unwrap();
        let mut wrong = wider.clone();
        wrong.extend_from_slice(&[0u8; 32]);
        site.0.insert(partial.clone(), wrong);
        let mut r = TileReader::new(&site, 700, root);
        assert_eq!(
            r.inclusion_proof(699).unwrap_err().code(),
            "bad_tile_length"
        );

        // a missing tile
        let mut site = Mem(good.0.clone());
        site.0.remove(&partial);
        let mut r = TileReader::new(&site, 700, root);
        assert_eq!(
            r.inclusion_proof(699).unwrap_err().code(),
            "tile_unavailable"
        );

        // a root of another tree, or a size the tiles do not have
        let mut r = TileReader::new(&good, 700, t.root_at(699).unwrap());
        assert_eq!(r.verify_root().unwrap_err().code(), "tile_root_mismatch");
        let mut r = TileReader::new(&good, 701, root);
        assert!(r.verify_root().is_err());
    }

    #[test]
    fn tile_hashes_checks_length() {
        let t = Tile::new(0, 0, 3).unwrap();
        assert_eq!(tile_hashes(t, &[7u8; 96]).unwrap().len(), 3);
        for len in [0, 95, 97, 128, 8192] {
            assert_eq!(
                tile_hashes(t, &vec![0u8; len]).unwrap_err().code(),
                "bad_tile_length"
            );
        }
    }

    #[test]
    fn entry_bundles_round_trip_and_refuse_damage() {
        let entries: Vec<Vec<u8>> = (0u8..5).map(|i| vec![i; usize::from(i) * 10]).collect();
        let tile = Tile::new(0, 0, 5).unwrap();
        let b = entry_bundle(0, &entries).unwrap();
        assert_eq!(&b[..2], &[0, 0]);
        assert_eq!(&b[2..4], &[0, 10]);
        let parsed = parse_entry_bundle(tile, &b).unwrap();
        assert_eq!(
            parsed,
            entries.iter().map(Vec::as_slice).collect::<Vec<_>>()
        );
        for cut in [1, 3, b.len() - 1] {
            assert_eq!(
                parse_entry_bundle(tile, &b[..cut]).unwrap_err().code(),
                "bad_entry_bundle",
                "{cut}"
            );
        }
        let mut more = b.clone();
        more.extend_from_slice(&[0, 0]);
        assert_eq!(
            parse_entry_bundle(tile, &more).unwrap_err().code(),
            "bad_entry_bundle"
        );
        assert_eq!(
            parse_entry_bundle(Tile::new(0, 0, 6).unwrap(), &b)
                .unwrap_err()
                .code(),
            "bad_entry_bundle"
        );
        assert_eq!(
            parse_entry_bundle(tile, &[]).unwrap_err().code(),
            "bad_entry_bundle"
        );
        let long = vec![vec![0u8; 65_536]];
        assert_eq!(
            entry_bundle(512, &long).unwrap_err(),
            TileError::EntryTooLong {
                index: 512,
                len: 65_536
            }
        );
        let ok = vec![vec![0u8; 65_535]];
        assert_eq!(entry_bundle(0, &ok).unwrap().len(), 65_537);
        let many = vec![vec![1u8]; 257];
        assert_eq!(
            entry_bundle(0, &many).unwrap_err().code(),
            "bad_entry_bundle"
        );
    }

    #[test]
    fn dir_source_reads_at_most_one_byte_over() {
        let dir = std::env::temp_dir().join(format!("certanchor-tiles-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("tile/0/000.p")).unwrap();
        std::fs::write(dir.join("tile/0/000.p/1"), vec![0u8; 100_000]).unwrap();
        let s = DirTileSource::new(&dir);
        assert_eq!(s.read("tile/0/000.p/1", 32).unwrap().len(), 33);
        // a missing tile, or a path through a file, is `tile_not_found`
        assert_eq!(
            s.read("tile/0/001", 32).unwrap_err(),
            TileError::NotFound {
                path: "tile/0/001".into()
            }
        );
        assert_eq!(
            s.read("tile/0/000.p/1/2", 32).unwrap_err().code(),
            "tile_not_found"
        );
        // a directory is not a tile
        assert_eq!(s.read("tile/0", 32).unwrap_err().code(), "tile_unavailable");
        // the checkpoint: bounded, UTF-8
        assert_eq!(read_checkpoint(&s).unwrap_err().code(), "tile_not_found");
        std::fs::write(dir.join(CHECKPOINT_PATH), "origin\n1\n").unwrap();
        assert_eq!(read_checkpoint(&s).unwrap(), "origin\n1\n");
        std::fs::write(dir.join(CHECKPOINT_PATH), [0xff, 0xfe]).unwrap();
        assert_eq!(
            read_checkpoint(&s).unwrap_err().code(),
            "bad_site_checkpoint"
        );
        std::fs::write(
            dir.join(CHECKPOINT_PATH),
            vec![b'a'; crate::note::MAX_NOTE_LEN + 1],
        )
        .unwrap();
        assert_eq!(
            read_checkpoint(&s).unwrap_err().code(),
            "bad_site_checkpoint"
        );
        let mut r = TileReader::new(s, 1, Hash::default());
        assert_eq!(r.verify_root().unwrap_err().code(), "bad_tile_length");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
