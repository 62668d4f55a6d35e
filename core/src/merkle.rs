//! Merkle trees, inclusion proofs and consistency proofs as defined in
//! RFC 9162 §2.1 (the hashing of RFC 6962).
//!
//! * leaf hash: `SHA-256(0x00 ‖ data)` ([`leaf_hash`]), node hash:
//!   `SHA-256(0x01 ‖ left ‖ right)` ([`node_hash`]), empty tree:
//!   `SHA-256("")` ([`empty_root`]) — RFC 9162 §2.1.1;
//! * the tree over `n` leaves splits at the largest power of two smaller than
//!   `n` ([`mth`]), which is the same tree as pairing nodes left to right
//!   level by level and promoting a last odd node unchanged: that is how
//!   [`MerkleTree`] builds it (the tests check it against the `rs_merkle`
//!   crate's trees);
//! * inclusion proofs (audit paths) are listed leaf-up, RFC 9162 §2.1.3.1,
//!   and checked by [`verify_inclusion`] with the algorithm of §2.1.3.2;
//! * consistency proofs are the `PROOF(m, D[n])` of §2.1.4.1 and are checked
//!   by [`verify_consistency`] with the algorithm of §2.1.4.2.
//!
//! Leaves are given to [`MerkleTree`] already hashed with [`leaf_hash`]. The
//! verification functions take untrusted input: they never panic, reject
//! paths longer than [`MAX_PATH`], and check the path length required by the
//! tree size before hashing anything.
//!
//! ```
//! use certanchor::merkle::{leaf_hash, verify_consistency, verify_inclusion, MerkleTree};
//!
//! let leaves: Vec<_> = (0u8..5).map(|i| leaf_hash(&[i])).collect();
//! let tree = MerkleTree::from_leaf_hashes(leaves.clone());
//! let proof = tree.inclusion_proof(3)?;
//! verify_inclusion(&leaves[3], &proof, &tree.root())?;
//!
//! let old = MerkleTree::from_leaf_hashes(leaves[..2].to_vec());
//! let consistency = tree.consistency_proof(2)?;
//! verify_consistency(2, 5, &old.root(), &tree.root(), &consistency)?;
//! # Ok::<(), certanchor::merkle::ProofError>(())
//! ```

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::Hash;
use crate::verify::ResultCode;

/// Longest inclusion or consistency path accepted (and the most a tree of up
/// to 2⁶⁴ − 1 leaves needs for an inclusion proof).
pub const MAX_PATH: usize = 64;

/// Domain-separation prefix of leaf hashes (RFC 9162 §2.1.1).
const LEAF_PREFIX: u8 = 0x00;
/// Domain-separation prefix of interior node hashes (RFC 9162 §2.1.1).
const NODE_PREFIX: u8 = 0x01;

/// A Merkle proof could not be produced or did not verify.
///
/// Variants carry the sizes and lengths that were wrong; [`ProofError::code`]
/// gives a stable snake_case code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not below the tree size (this includes every index
    /// of an empty tree).
    #[error("leaf index {index} out of range for a tree of size {tree_size}")]
    IndexOutOfRange {
        /// The leaf index asked for or claimed by the proof.
        index: u64,
        /// The tree size.
        tree_size: u64,
    },
    /// The proof has more hashes than [`MAX_PATH`].
    #[error("proof path of {len} hashes exceeds the maximum of {max}")]
    PathTooLong {
        /// Number of hashes in the proof.
        len: usize,
        /// The limit, [`MAX_PATH`].
        max: usize,
    },
    /// The proof does not have the number of hashes that the leaf index and
    /// tree size (or the two tree sizes) require.
    #[error("proof path has {found} hashes where {expected} are required")]
    WrongPathLength {
        /// Number of hashes required.
        expected: usize,
        /// Number of hashes in the proof.
        found: usize,
    },
    /// The root recomputed from the proof differs from the expected root.
    #[error("recomputed Merkle root does not match the expected root")]
    RootMismatch,
    /// The old tree size is larger than the new tree size.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    InvalidSizes {
        /// The old (first) tree size.
        old_size: u64,
        /// The new (second) tree size.
        new_size: u64,
    },
}

impl ProofError {
    /// The result code a report carries for this error (its `code()` as a
    /// [`ResultCode`]).
    #[must_use]
    pub fn result_code(&self) -> ResultCode {
        match self {
            Self::IndexOutOfRange { .. } => ResultCode::IndexOutOfRange,
            Self::PathTooLong { .. } => ResultCode::PathTooLong,
            Self::WrongPathLength { .. } => ResultCode::WrongPathLength,
            Self::RootMismatch => ResultCode::RootMismatch,
            Self::InvalidSizes { .. } => ResultCode::InvalidSizes,
        }
    }

    /// Stable snake_case code, identical in every binding and the CLI.
    ///
    /// ```
    /// use certanchor::merkle::ProofError;
    /// assert_eq!(ProofError::RootMismatch.code(), "root_mismatch");
    /// ```
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.result_code().as_str()
    }
}

/// Leaf hash `SHA-256(0x00 ‖ data)` (RFC 9162 §2.1.1).
///
/// ```
/// use certanchor::merkle::leaf_hash;
/// assert_eq!(
///     leaf_hash(b"").to_hex(),
///     "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
/// );
/// ```
#[must_use]
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([LEAF_PREFIX]);
    h.update(data);
    Hash(h.finalize().into())
}

/// Interior node hash `SHA-256(0x01 ‖ left ‖ right)` (RFC 9162 §2.1.1).
///
/// ```
/// use certanchor::merkle::{leaf_hash, node_hash, mth};
/// let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
/// assert_eq!(node_hash(&a, &b), mth(&[a, b]));
/// ```
#[must_use]
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Hash(node_bytes(&left.0, &right.0))
}

/// SHA-256's initial state (FIPS 180-4 §5.3.3).
const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// `SHA-256(0x01 ‖ left ‖ right)`: the 65-byte message and its padding are
/// exactly two blocks, laid out here and compressed directly (the hasher's
/// buffering was a fifth of the cost of a node on a verification's path).
fn node_bytes(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut first = [0u8; 64];
    let mut second = [0u8; 64];
    first[0] = NODE_PREFIX;
    first[1..33].copy_from_slice(left);
    first[33..64].copy_from_slice(&right[..31]);
    second[0] = right[31];
    second[1] = 0x80; // padding starts
    // the message length in bits, big-endian, ends the second block
    second[56..64].copy_from_slice(&(65u64 * 8).to_be_bytes());
    let blocks = [first, second];
    let mut state = SHA256_IV;
    sha2::compress256(
        &mut state,
        &blocks.map(sha2::digest::generic_array::GenericArray::from),
    );
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// Root of the empty tree, `SHA-256("")` (RFC 9162 §2.1.1).
///
/// ```
/// use certanchor::merkle::empty_root;
/// assert_eq!(
///     empty_root().to_hex(),
///     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// ```
#[must_use]
pub fn empty_root() -> Hash {
    Hash::digest(b"")
}

/// A Merkle tree over leaf hashes, with the RFC 9162 shape and hashing.
///
/// Built by pairing each level left to right and promoting a last odd node.
/// The tree keeps every level, so roots, audit paths and consistency proofs
/// are read off in `O(log n)`. The levels are the ones the `rs_merkle`
/// crate's `PartialTree` builds and the audit paths the ones its
/// `MerkleTree::proof(&[i])` returns, and the RFC 9162 §2.1.3.1 paths: the
/// tests check all three for every index of every size up to 300.
#[derive(Clone)]
pub struct MerkleTree {
    /// `levels[0]` are the leaf hashes, each next level pairs the previous
    /// one; the last level holds the root alone. Empty for an empty tree.
    levels: Vec<Vec<[u8; 32]>>,
    root: Hash,
}

impl std::fmt::Debug for MerkleTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MerkleTree")
            .field("size", &self.size())
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

/// The levels above `leaves` by pairing left to right and promoting a last odd
/// node.
///
/// Our own rather than the `rs_merkle` crate's `PartialTree` (now the tests'
/// reference): over 1,000 and 16,384 leaves on one core it ran at 0.84 and
/// 0.82 of the speed of SHA-256 over the same n - 1 node messages, rs_merkle
/// at 0.70 and 0.71 (criterion `tree_levels`), and it cannot fail.
fn paired_levels(leaves: &[[u8; 32]]) -> Vec<Vec<[u8; 32]>> {
    let mut levels: Vec<Vec<[u8; 32]>> = Vec::new();
    let mut below = leaves;
    while below.len() > 1 {
        let level = below
            .chunks(2)
            .map(|pair| match pair {
                [left, right] => node_bytes(left, right),
                [left] => *left,
                _ => [0; 32], // unreachable: chunks(2) yields 1 or 2 items
            })
            .collect();
        levels.push(level);
        below = levels.last().map_or(&[], Vec::as_slice);
    }
    levels
}

/// Leaves per subtree built on its own (a power of two, so every subtree is
/// exactly a node of the whole tree).
const SUBTREE: usize = 1 << 14;

/// The levels above `leaves`. Large trees are cut into aligned subtrees of
/// [`SUBTREE`] leaves, each built on its own (in parallel with the
/// `parallel` feature); the top is then built over their roots. With
/// left-to-right pairing and a promoted last odd node, level `l ≤ 14` of the
/// whole tree is the concatenation of the subtrees' levels `l`, so the result
/// is the same tree (checked against the one-piece build in the tests).
fn levels_above(leaves: &[[u8; 32]]) -> Vec<Vec<[u8; 32]>> {
    if leaves.len() <= SUBTREE {
        return paired_levels(leaves);
    }
    let build = paired_levels;
    #[cfg(feature = "parallel")]
    let parts: Vec<Vec<Vec<[u8; 32]>>> = {
        use rayon::prelude::*;
        leaves.par_chunks(SUBTREE).map(build).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let parts: Vec<Vec<Vec<[u8; 32]>>> = leaves.chunks(SUBTREE).map(build).collect();
    // Full subtrees have log2(SUBTREE) levels above their leaves; the last
    // (possibly partial) one may have fewer: its top node is promoted.
    let height = SUBTREE.trailing_zeros() as usize;
    let mut levels: Vec<Vec<[u8; 32]>> = (0..height)
        .map(|l| Vec::with_capacity((leaves.len() >> (l + 1)) + 1))
        .collect();
    for part in &parts {
        let mut top = None;
        for (l, level) in levels.iter_mut().enumerate() {
            match part.get(l) {
                Some(nodes) => {
                    level.extend_from_slice(nodes);
                    top = nodes.last().copied();
                }
                // A partial last subtree reached its root early: the root is
                // promoted unchanged through the remaining levels.
                None => level.extend(top.or_else(|| leaves.last().copied())),
            }
        }
    }
    let roots = levels.last().cloned().unwrap_or_default();
    levels.extend(paired_levels(&roots));
    levels
}

impl MerkleTree {
    /// Builds the tree over `leaves`, which are leaf hashes ([`leaf_hash`]).
    ///
    /// ```
    /// use certanchor::merkle::{empty_root, leaf_hash, mth, MerkleTree};
    /// let leaves: Vec<_> = (0u8..7).map(|i| leaf_hash(&[i])).collect();
    /// let tree = MerkleTree::from_leaf_hashes(leaves.clone());
    /// assert_eq!(tree.size(), 7);
    /// assert_eq!(tree.root(), mth(&leaves));
    /// assert_eq!(MerkleTree::from_leaf_hashes(Vec::new()).root(), empty_root());
    /// ```
    #[must_use]
    pub fn from_leaf_hashes(leaves: Vec<Hash>) -> Self {
        let leaves: Vec<[u8; 32]> = leaves.into_iter().map(|h| h.0).collect();
        if leaves.is_empty() {
            return Self {
                levels: Vec::new(),
                root: empty_root(),
            };
        }
        let upper = levels_above(&leaves);
        let mut levels = Vec::with_capacity(upper.len().saturating_add(1));
        levels.push(leaves);
        levels.extend(upper);
        let root = levels
            .last()
            .and_then(|top| top.first())
            .map_or_else(empty_root, |r| Hash(*r));
        Self { levels, root }
    }

    /// Number of leaves.
    #[must_use]
    pub fn size(&self) -> u64 {
        let n = self.levels.first().map_or(0, Vec::len);
        u64::try_from(n).unwrap_or(u64::MAX)
    }

    /// The root hash; [`empty_root`] for a tree without leaves.
    #[must_use]
    pub fn root(&self) -> Hash {
        self.root
    }

    /// The leaf hash at `index`, if `index < size()`.
    #[must_use]
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.node(0, index)
    }

    /// The node `index` of level `level` (0 = leaves).
    fn node(&self, level: usize, index: u64) -> Option<Hash> {
        let i = usize::try_from(index).ok()?;
        self.levels.get(level)?.get(i).map(|h| Hash(*h))
    }

    /// Audit path of node `index` of level `level`, up to the root: at each
    /// level the sibling, when there is one (a last odd node has none and is
    /// promoted unchanged).
    fn path_from(&self, level: usize, index: u64) -> Vec<Hash> {
        let mut path = Vec::with_capacity(self.levels.len().saturating_sub(level));
        let mut i = index;
        for l in level..self.levels.len() {
            if let Some(sibling) = self.node(l, i ^ 1) {
                path.push(sibling);
            }
            i >>= 1;
        }
        path
    }

    /// The inclusion proof (audit path, RFC 9162 §2.1.3.1) of the leaf at
    /// `index` in this tree.
    ///
    /// # Errors
    ///
    /// [`ProofError::IndexOutOfRange`] if `index >= size()`.
    ///
    /// ```
    /// use certanchor::merkle::{leaf_hash, verify_inclusion, MerkleTree};
    /// let leaves: Vec<_> = (0u8..6).map(|i| leaf_hash(&[i])).collect();
    /// let tree = MerkleTree::from_leaf_hashes(leaves.clone());
    /// let proof = tree.inclusion_proof(4)?;
    /// assert_eq!((proof.tree_size, proof.leaf_index, proof.path.len()), (6, 4, 2));
    /// verify_inclusion(&leaves[4], &proof, &tree.root())?;
    /// assert!(tree.inclusion_proof(6).is_err());
    /// # Ok::<(), certanchor::merkle::ProofError>(())
    /// ```
    pub fn inclusion_proof(&self, index: u64) -> Result<InclusionProof, ProofError> {
        let tree_size = self.size();
        if index >= tree_size {
            return Err(ProofError::IndexOutOfRange { index, tree_size });
        }
        Ok(InclusionProof {
            tree_size,
            leaf_index: index,
            path: self.path_from(0, index),
        })
    }

    /// The consistency proof `PROOF(old_size, D[size()])` (RFC 9162 §2.1.4.1)
    /// from the tree of the first `old_size` leaves to this tree. Empty when
    /// `old_size` is 0 or equals `size()`.
    ///
    /// Computed in `O(log n)`: with `k` the number of trailing zero bits of
    /// `old_size`, the last `2^k` leaves of the old tree form one node of
    /// this tree; the proof is that node (omitted when `old_size` is a power
    /// of two: it is then the old root) followed by its audit path.
    ///
    /// # Errors
    ///
    /// [`ProofError::InvalidSizes`] if `old_size > size()`.
    ///
    /// ```
    /// use certanchor::merkle::{consistency_proof_of, leaf_hash, MerkleTree};
    /// let leaves: Vec<_> = (0u8..8).map(|i| leaf_hash(&[i])).collect();
    /// let tree = MerkleTree::from_leaf_hashes(leaves.clone());
    /// assert_eq!(tree.consistency_proof(6)?, consistency_proof_of(&leaves, 6)?);
    /// assert!(tree.consistency_proof(9).is_err());
    /// # Ok::<(), certanchor::merkle::ProofError>(())
    /// ```
    pub fn consistency_proof(&self, old_size: u64) -> Result<Vec<Hash>, ProofError> {
        let new_size = self.size();
        if old_size > new_size {
            return Err(ProofError::InvalidSizes { old_size, new_size });
        }
        if old_size == 0 || old_size == new_size {
            return Ok(Vec::new());
        }
        let zeros = old_size.trailing_zeros();
        let level = usize::try_from(zeros).unwrap_or(usize::MAX);
        let index = (old_size - 1) >> zeros;
        let mut proof = Vec::with_capacity(self.levels.len());
        if !old_size.is_power_of_two() {
            let node = self.node(level, index).ok_or(ProofError::IndexOutOfRange {
                index: old_size - 1,
                tree_size: new_size,
            })?;
            proof.push(node);
        }
        proof.extend(self.path_from(level, index));
        Ok(proof)
    }
}

/// An inclusion proof: the audit path of one leaf in a tree of a given size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// Number of leaves of the tree the proof is for.
    pub tree_size: u64,
    /// Zero-based index of the leaf.
    pub leaf_index: u64,
    /// Sibling hashes from the leaf up to the root, in RFC 9162 §2.1.3.1 order.
    pub path: Vec<Hash>,
}

/// Number of hashes in the audit path of leaf `index` in a tree of `size`
/// leaves; `index < size` is the caller's responsibility.
fn inclusion_path_len(index: u64, size: u64) -> usize {
    let last = size.saturating_sub(1);
    // Levels where the paths to `index` and to the last leaf differ always have
    // a sibling; above them, a sibling exists where `index` is a right child.
    let inner = u64::BITS - (index ^ last).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    usize::try_from(inner + border).unwrap_or(usize::MAX)
}

/// Number of hashes in the consistency proof from `old_size` to `new_size`,
/// for `0 < old_size < new_size`.
fn consistency_path_len(old_size: u64, new_size: u64) -> usize {
    let level = usize::try_from(old_size.trailing_zeros()).unwrap_or(usize::MAX);
    let seed = usize::from(!old_size.is_power_of_two());
    inclusion_path_len(old_size.saturating_sub(1), new_size)
        .saturating_sub(level)
        .saturating_add(seed)
}

fn roots_equal(a: &Hash, b: &Hash) -> bool {
    bool::from(a.as_bytes().as_slice().ct_eq(b.as_bytes().as_slice()))
}

/// Recomputes the root from a leaf hash and its inclusion proof with the
/// algorithm of RFC 9162 §2.1.3.2. Takes untrusted input.
///
/// # Errors
///
/// * [`ProofError::PathTooLong`] if the path has more than [`MAX_PATH`] hashes;
/// * [`ProofError::IndexOutOfRange`] if `leaf_index >= tree_size` (in
///   particular when `tree_size` is 0);
/// * [`ProofError::WrongPathLength`] if the path length is not the one the
///   index and tree size require.
///
/// ```
/// use certanchor::merkle::{leaf_hash, root_from_inclusion, MerkleTree};
/// let leaves: Vec<_> = (0u8..3).map(|i| leaf_hash(&[i])).collect();
/// let tree = MerkleTree::from_leaf_hashes(leaves.clone());
/// let proof = tree.inclusion_proof(2)?;
/// assert_eq!(root_from_inclusion(&leaves[2], &proof)?, tree.root());
/// # Ok::<(), certanchor::merkle::ProofError>(())
/// ```
pub fn root_from_inclusion(leaf: &Hash, proof: &InclusionProof) -> Result<Hash, ProofError> {
    fold_path(leaf, proof, |step, r, p| step.combine(r, p))
}

/// One turn of the RFC 9162 §2.1.3.2 loop: the node the running hash stands
/// for, after the loop's right shifts, is node `index` of level `level`
/// (leaves are level 0; the node covers leaves `index << level` up to
/// `(index + 1) << level` or the tree's end), and the path's element is its
/// left sibling or its right one.
#[derive(Debug, Clone, Copy)]
struct Step {
    level: u32,
    index: u64,
    sibling_left: bool,
}

impl Step {
    /// The parent's hash from the node's `r` and its sibling `p`.
    fn combine(self, r: &Hash, p: &Hash) -> Hash {
        if self.sibling_left {
            node_hash(p, r)
        } else {
            node_hash(r, p)
        }
    }

    /// Index of the sibling in the same level (a left sibling's node index
    /// is odd, so this never wraps).
    fn sibling(self) -> u64 {
        if self.sibling_left {
            self.index.wrapping_sub(1)
        } else {
            self.index.wrapping_add(1)
        }
    }
}

/// The RFC 9162 §2.1.3.2 loop with its checks; `combine(step, r, p)` gives
/// each parent's hash (the loop only decides which node and which side).
fn fold_path(
    leaf: &Hash,
    proof: &InclusionProof,
    mut combine: impl FnMut(Step, &Hash, &Hash) -> Hash,
) -> Result<Hash, ProofError> {
    let InclusionProof {
        tree_size,
        leaf_index,
        path,
    } = proof;
    let (tree_size, leaf_index) = (*tree_size, *leaf_index);
    if path.len() > MAX_PATH {
        return Err(ProofError::PathTooLong {
            len: path.len(),
            max: MAX_PATH,
        });
    }
    if leaf_index >= tree_size {
        return Err(ProofError::IndexOutOfRange {
            index: leaf_index,
            tree_size,
        });
    }
    let expected = inclusion_path_len(leaf_index, tree_size);
    let wrong_length = ProofError::WrongPathLength {
        expected,
        found: path.len(),
    };
    if path.len() != expected {
        return Err(wrong_length);
    }
    let mut f_n = leaf_index;
    let mut s_n = tree_size - 1;
    let mut level = 0u32;
    let mut r = *leaf;
    for p in path {
        if s_n == 0 {
            return Err(wrong_length);
        }
        let sibling_left = f_n & 1 == 1 || f_n == s_n;
        if sibling_left {
            // the last node of its level has no right sibling: it rises
            // unchanged until it is a right child
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
                level += 1;
            }
        }
        let step = Step {
            level,
            index: f_n,
            sibling_left,
        };
        r = combine(step, &r, p);
        f_n >>= 1;
        s_n >>= 1;
        level += 1;
    }
    if s_n != 0 {
        return Err(wrong_length);
    }
    Ok(r)
}

/// Most levels below the root whose nodes [`VerifiedNodes`] keeps.
pub const VERIFIED_LEVELS: u32 = 16;

/// Levels at the bottom of a tree whose nodes [`VerifiedNodes`] does not
/// keep (nodes over fewer than 16 leaves), so that its table stays near
/// 4.5 bytes per leaf.
pub const UNKEPT_LEVELS: u32 = 4;

/// A table of nodes, one settable slot each.
type Slots = Box<[std::sync::OnceLock<Hash>]>;

/// The upper levels of one tree's nodes, learned from inclusion proofs that
/// verified against its root: a cache that makes checking many proofs of
/// one tree cheaper while giving exactly the results of
/// [`verify_inclusion`].
///
/// Where a proof's running hash and its sibling both equal nodes already
/// verified, their parent is that verified node: the same value hashing
/// them would give, so the hash is skipped. Anything else is hashed as
/// RFC 9162 §2.1.3.2 says. Nodes are learned only from a proof whose root
/// matched, so each is the tree's own node (short of a SHA-256 collision).
///
/// It keeps the nodes over 16 leaves or more ([`UNKEPT_LEVELS`]), at most
/// [`VERIFIED_LEVELS`] levels below the root: at a million leaves a proof
/// has 20 hashes, of which the top 16 are skipped once known, and the table
/// takes about 4.7 MB (4.5 bytes per leaf, at most 2^17 nodes). It is
/// allocated at the second proof checked, so a tree seen once costs
/// nothing. Safe to share across threads: each node is set once.
///
/// ```
/// use certanchor::merkle::{leaf_hash, verify_inclusion, MerkleTree, VerifiedNodes};
/// let leaves: Vec<_> = (0u32..3000).map(|i| leaf_hash(&i.to_be_bytes())).collect();
/// let tree = MerkleTree::from_leaf_hashes(leaves.clone());
/// let nodes = VerifiedNodes::new(tree.root(), tree.size());
/// for (i, leaf) in leaves.iter().enumerate() {
///     let proof = tree.inclusion_proof(i as u64)?;
///     assert_eq!(nodes.verify(leaf, &proof), Ok(()));
///     assert_eq!(nodes.verify(&leaves[0], &proof), verify_inclusion(&leaves[0], &proof, &tree.root()));
/// }
/// # Ok::<(), certanchor::merkle::ProofError>(())
/// ```
#[derive(Debug)]
pub struct VerifiedNodes {
    root: Hash,
    tree_size: u64,
    /// The lowest level kept.
    low: u32,
    /// Where each kept level starts in `slots`, from `low` up to the root.
    starts: Vec<usize>,
    /// Set after the first proof: the nodes are allocated at the second.
    used: std::sync::atomic::AtomicBool,
    /// `None` once allocated if the budget had no room.
    slots: std::sync::OnceLock<Option<Slots>>,
    /// Bytes left for the tables of all trees sharing it, if bounded.
    budget: Option<std::sync::Arc<std::sync::atomic::AtomicUsize>>,
}

impl Drop for VerifiedNodes {
    fn drop(&mut self) {
        if let (Some(budget), Some(Some(table))) = (&self.budget, self.slots.get()) {
            budget.fetch_add(
                std::mem::size_of_val::<[_]>(table),
                std::sync::atomic::Ordering::Relaxed,
            );
        }
    }
}

impl VerifiedNodes {
    /// An empty cache for the tree of `tree_size` leaves with root `root`
    /// (both from a trusted source, as for [`verify_inclusion`]).
    #[must_use]
    pub fn new(root: Hash, tree_size: u64) -> Self {
        Self::build(root, tree_size, VERIFIED_LEVELS, UNKEPT_LEVELS, None)
    }

    /// [`Self::new`] whose table is allocated only if `budget` (bytes left,
    /// shared by many trees) has room for it; the bytes go back when it is
    /// dropped. Without room, proofs are checked by hashing every node.
    pub(crate) fn with_budget(
        root: Hash,
        tree_size: u64,
        budget: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    ) -> Self {
        Self::build(
            root,
            tree_size,
            VERIFIED_LEVELS,
            UNKEPT_LEVELS,
            Some(budget),
        )
    }

    /// Keeps at most `levels` levels below the root, and none of the
    /// `unkept` lowest.
    fn build(
        root: Hash,
        tree_size: u64,
        levels: u32,
        unkept: u32,
        budget: Option<std::sync::Arc<std::sync::atomic::AtomicUsize>>,
    ) -> Self {
        // the root's level: the least k with (tree_size - 1) >> k == 0
        let top = u64::BITS - tree_size.saturating_sub(1).leading_zeros();
        let low = top.saturating_sub(levels).max(unkept.min(top));
        let mut starts = Vec::with_capacity((top - low + 2) as usize);
        let mut total = 0usize;
        for level in low..=top {
            starts.push(total);
            let count = tree_size.saturating_sub(1).checked_shr(level).unwrap_or(0) + 1;
            total = total.saturating_add(usize::try_from(count).unwrap_or(usize::MAX));
        }
        starts.push(total);
        Self {
            root,
            tree_size,
            low,
            starts,
            used: std::sync::atomic::AtomicBool::new(false),
            slots: std::sync::OnceLock::new(),
            budget,
        }
    }

    /// The table, allocated now if the budget allows.
    fn table(&self) -> Option<&[std::sync::OnceLock<Hash>]> {
        self.slots
            .get_or_init(|| {
                let n = self.starts.last().copied().unwrap_or(0);
                let bytes = n.saturating_mul(std::mem::size_of::<std::sync::OnceLock<Hash>>());
                if let Some(budget) = &self.budget {
                    use std::sync::atomic::Ordering::Relaxed;
                    budget
                        .fetch_update(Relaxed, Relaxed, |left| left.checked_sub(bytes))
                        .ok()?;
                }
                Some((0..n).map(|_| std::sync::OnceLock::new()).collect())
            })
            .as_deref()
    }

    /// The slot of node `index` of `level`, if that level is kept.
    fn slot<'a>(
        &self,
        slots: &'a [std::sync::OnceLock<Hash>],
        level: u32,
        index: u64,
    ) -> Option<&'a std::sync::OnceLock<Hash>> {
        let at = level.checked_sub(self.low)? as usize;
        let (start, end) = (*self.starts.get(at)?, *self.starts.get(at + 1)?);
        let i = start.checked_add(usize::try_from(index).ok()?)?;
        if i < end { slots.get(i) } else { None }
    }

    /// The verified node `index` of `level`, if known.
    fn known<'a>(
        &self,
        slots: &'a [std::sync::OnceLock<Hash>],
        level: u32,
        index: u64,
    ) -> Option<&'a Hash> {
        self.slot(slots, level, index)?.get()
    }

    /// Checks `leaf` at `proof.leaf_index` against this tree: the same result
    /// as [`verify_inclusion`] with this tree's root, for every input.
    ///
    /// # Errors
    /// Those of [`verify_inclusion`], in the same cases.
    pub fn verify(&self, leaf: &Hash, proof: &InclusionProof) -> Result<(), ProofError> {
        use std::sync::atomic::Ordering;
        let slots = if proof.tree_size != self.tree_size {
            None // nodes are keyed by this tree's shape
        } else if self.used.load(Ordering::Relaxed) || self.used.swap(true, Ordering::Relaxed) {
            // (a load first: a write on every proof would bounce this cache
            // line between the threads of `verify_many`)
            self.table()
        } else {
            None
        };
        let Some(slots) = slots else {
            return verify_inclusion(leaf, proof, &self.root);
        };
        // the path's turns in the kept levels, with the node each started from
        let mut seen = [(
            Step {
                level: 0,
                index: 0,
                sibling_left: false,
            },
            Hash([0; 32]),
            Hash([0; 32]),
        ); VERIFIED_LEVELS as usize + 1];
        let mut count = 0usize;
        let mut learned = true;
        let computed = fold_path(leaf, proof, |step, r, p| {
            if step.level < self.low {
                return step.combine(r, p);
            }
            if let Some(turn) = seen.get_mut(count) {
                *turn = (step, *r, *p);
                count += 1;
            } else {
                learned = false; // cannot happen: at most VERIFIED_LEVELS turns
            }
            let parent = self.known(slots, step.level + 1, step.index >> 1);
            match parent {
                Some(parent)
                    if self.known(slots, step.level, step.index) == Some(r)
                        && self.known(slots, step.level, step.sibling()) == Some(p) =>
                {
                    *parent
                }
                _ => step.combine(r, p),
            }
        })?;
        if !roots_equal(&computed, &self.root) {
            return Err(ProofError::RootMismatch);
        }
        if learned {
            for (i, (step, r, p)) in seen.iter().take(count).enumerate() {
                let parent = seen
                    .get(i + 1)
                    .filter(|_| i + 1 < count)
                    .map_or(&self.root, |t| &t.1);
                for (level, index, value) in [
                    (step.level, step.index, r),
                    (step.level, step.sibling(), p),
                    (step.level + 1, step.index >> 1, parent),
                ] {
                    if let Some(slot) = self.slot(slots, level, index)
                        && slot.get().is_none()
                    {
                        let _ = slot.set(*value);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Checks that `leaf` (a leaf hash) is at `proof.leaf_index` in the tree of
/// `proof.tree_size` leaves whose root is `root` (RFC 9162 §2.1.3.2).
///
/// The tree size must come from a trusted source (the signed root): an
/// interior node presented as a leaf of a smaller tree can recompute the
/// same root, so `proof.tree_size` is what rules that out.
///
/// # Errors
///
/// The errors of [`root_from_inclusion`], and [`ProofError::RootMismatch`]
/// if the recomputed root is not `root`.
///
/// ```
/// use certanchor::merkle::{leaf_hash, verify_inclusion, MerkleTree, ProofError};
/// let leaves: Vec<_> = (0u8..5).map(|i| leaf_hash(&[i])).collect();
/// let tree = MerkleTree::from_leaf_hashes(leaves.clone());
/// let proof = tree.inclusion_proof(1)?;
/// verify_inclusion(&leaves[1], &proof, &tree.root())?;
/// assert_eq!(
///     verify_inclusion(&leaves[2], &proof, &tree.root()),
///     Err(ProofError::RootMismatch)
/// );
/// # Ok::<(), ProofError>(())
/// ```
pub fn verify_inclusion(
    leaf: &Hash,
    proof: &InclusionProof,
    root: &Hash,
) -> Result<(), ProofError> {
    let computed = root_from_inclusion(leaf, proof)?;
    if roots_equal(&computed, root) {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// Checks that the tree of `new_size` leaves with root `new_root` extends the
/// tree of `old_size` leaves with root `old_root`, with the algorithm of
/// RFC 9162 §2.1.4.2. Takes untrusted input.
///
/// The trivial cases need an empty proof: `old_size == new_size` (the roots
/// must be equal) and `old_size == 0` (`old_root` must be [`empty_root`]).
///
/// # Errors
///
/// * [`ProofError::PathTooLong`] if the proof has more than [`MAX_PATH`] hashes;
/// * [`ProofError::InvalidSizes`] if `old_size > new_size`;
/// * [`ProofError::WrongPathLength`] if the proof length is not the one the
///   two sizes require (in particular an empty proof for `0 < old_size < new_size`);
/// * [`ProofError::RootMismatch`] if either recomputed root differs.
///
/// ```
/// use certanchor::merkle::{leaf_hash, verify_consistency, MerkleTree, ProofError};
/// let leaves: Vec<_> = (0u8..7).map(|i| leaf_hash(&[i])).collect();
/// let old = MerkleTree::from_leaf_hashes(leaves[..3].to_vec());
/// let new = MerkleTree::from_leaf_hashes(leaves);
/// let proof = new.consistency_proof(3)?;
/// verify_consistency(3, 7, &old.root(), &new.root(), &proof)?;
/// assert_eq!(
///     verify_consistency(3, 7, &new.root(), &old.root(), &proof),
///     Err(ProofError::RootMismatch)
/// );
/// # Ok::<(), ProofError>(())
/// ```
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if proof.len() > MAX_PATH {
        return Err(ProofError::PathTooLong {
            len: proof.len(),
            max: MAX_PATH,
        });
    }
    if old_size > new_size {
        return Err(ProofError::InvalidSizes { old_size, new_size });
    }
    if old_size == 0 || old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongPathLength {
                expected: 0,
                found: proof.len(),
            });
        }
        let consistent = if old_size == 0 {
            roots_equal(old_root, &empty_root())
                && (new_size != 0 || roots_equal(new_root, old_root))
        } else {
            roots_equal(old_root, new_root)
        };
        return if consistent {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    let expected = consistency_path_len(old_size, new_size);
    let wrong_length = ProofError::WrongPathLength {
        expected,
        found: proof.len(),
    };
    if proof.len() != expected {
        return Err(wrong_length);
    }
    // Step 2: a power-of-two old tree is itself a node of the new tree.
    let (seed, rest) = if old_size.is_power_of_two() {
        (*old_root, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (*first, rest),
            None => return Err(wrong_length),
        }
    };
    let mut f_n = old_size - 1;
    let mut s_n = new_size - 1;
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let mut f_r = seed;
    let mut s_r = seed;
    for c in rest {
        if s_n == 0 {
            return Err(wrong_length);
        }
        if f_n & 1 == 1 || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            s_r = node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(wrong_length);
    }
    // Evaluate both comparisons: no early exit on the first.
    let old_ok = roots_equal(&f_r, old_root);
    let new_ok = roots_equal(&s_r, new_root);
    if old_ok & new_ok {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// Largest power of two strictly below `n`, for `n >= 2`.
fn split_point(n: usize) -> usize {
    let bits = usize::BITS - n.saturating_sub(1).leading_zeros();
    1usize << bits.saturating_sub(1)
}

/// Merkle Tree Hash `MTH(D[n])` over leaf hashes, the recursive definition of
/// RFC 9162 §2.1.1: a reference implementation (`O(n)` hashes, recursion
/// depth `log₂ n`). Use [`MerkleTree`] to build a tree once and query it.
///
/// ```
/// use certanchor::merkle::{empty_root, leaf_hash, mth, node_hash};
/// let l: Vec<_> = (0u8..3).map(|i| leaf_hash(&[i])).collect();
/// assert_eq!(mth(&[]), empty_root());
/// assert_eq!(mth(&l[..1]), l[0]);
/// assert_eq!(mth(&l), node_hash(&node_hash(&l[0], &l[1]), &l[2]));
/// ```
#[must_use]
pub fn mth(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => empty_root(),
        [one] => *one,
        _ => match leaves.split_at_checked(split_point(leaves.len())) {
            Some((left, right)) => node_hash(&mth(left), &mth(right)),
            None => empty_root(), // unreachable: the split point is below the length
        },
    }
}

/// The consistency proof `PROOF(old_size, D[n])` over leaf hashes, with the
/// recursive `SUBPROOF` of RFC 9162 §2.1.4.1 (`O(n)` hashes). Empty when
/// `old_size` is 0 or `n`.
///
/// # Errors
///
/// [`ProofError::InvalidSizes`] if `old_size > leaves.len()`.
///
/// ```
/// use certanchor::merkle::{consistency_proof_of, leaf_hash, mth, verify_consistency};
/// let leaves: Vec<_> = (0u8..5).map(|i| leaf_hash(&[i])).collect();
/// let proof = consistency_proof_of(&leaves, 2)?;
/// verify_consistency(2, 5, &mth(&leaves[..2]), &mth(&leaves), &proof)?;
/// # Ok::<(), certanchor::merkle::ProofError>(())
/// ```
pub fn consistency_proof_of(leaves: &[Hash], old_size: u64) -> Result<Vec<Hash>, ProofError> {
    let new_size = u64::try_from(leaves.len()).unwrap_or(u64::MAX);
    let invalid = ProofError::InvalidSizes { old_size, new_size };
    if old_size > new_size {
        return Err(invalid);
    }
    let m = usize::try_from(old_size).map_err(|_| invalid)?;
    let mut proof = Vec::new();
    if m != 0 {
        subproof(m, leaves, true, &mut proof);
    }
    Ok(proof)
}

/// `SUBPROOF(m, D[n], b)` of RFC 9162 §2.1.4.1, for `0 < m <= n`, appended to `out`.
fn subproof(m: usize, leaves: &[Hash], complete: bool, out: &mut Vec<Hash>) {
    let n = leaves.len();
    if m == n {
        if !complete {
            out.push(mth(leaves));
        }
        return;
    }
    let k = split_point(n);
    let Some((left, right)) = leaves.split_at_checked(k) else {
        return; // unreachable: m < n, so n >= 2 and k < n
    };
    if m <= k {
        subproof(m, left, complete, out);
        out.push(mth(right));
    } else {
        subproof(m - k, right, false, out);
        out.push(mth(left));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The `rs_merkle::Hasher` giving RFC 9162 trees (the reference
    /// [`paired_levels`] is checked against).
    ///
    /// rs_merkle pairs the nodes of each level left to right and hands a last odd
    /// node to `concat_and_hash(left, None)`; returning it unchanged (promotion)
    /// gives exactly the RFC 9162 tree shape. Leaves are given pre-hashed.
    #[derive(Clone, Copy, Debug)]
    struct Rfc9162Hasher;

    impl rs_merkle::Hasher for Rfc9162Hasher {
        type Hash = [u8; 32];

        /// RFC 9162 leaf hash; rs_merkle only calls it from the default
        /// `concat_and_hash`, which is overridden below.
        fn hash(data: &[u8]) -> [u8; 32] {
            leaf_hash(data).0
        }

        fn concat_and_hash(left: &[u8; 32], right: Option<&[u8; 32]>) -> [u8; 32] {
            match right {
                Some(right) => node_bytes(left, right),
                None => *left,
            }
        }
    }

    /// The levels above `leaves` from rs_merkle, without the repeated root levels
    /// it adds for power-of-two sizes; `None` if rs_merkle reports an error.
    fn rs_merkle_levels(leaves: &[[u8; 32]]) -> Option<Vec<Vec<[u8; 32]>>> {
        let tree = rs_merkle::PartialTree::<Rfc9162Hasher>::from_leaves(leaves).ok()?;
        let mut levels = Vec::new();
        let mut width = leaves.len();
        for layer in tree.layers().iter().skip(1) {
            if width <= 1 {
                break;
            }
            width = layer.len();
            levels.push(layer.iter().map(|(_, h)| *h).collect());
        }
        Some(levels)
    }

    fn leaves(n: usize, seed: u64) -> Vec<Hash> {
        (0..n as u64)
            .map(|i| leaf_hash(&[seed.to_be_bytes(), i.to_be_bytes()].concat()))
            .collect()
    }

    fn raw(leaves: &[Hash]) -> Vec<[u8; 32]> {
        leaves.iter().map(|h| h.0).collect()
    }

    /// `PATH(m, D[n])` of RFC 9162 §2.1.3.1, recursive as specified, with the
    /// `MTH` of each range memoised (the recursion is unchanged).
    struct RefPaths<'a> {
        d: &'a [Hash],
        memo: std::collections::HashMap<(usize, usize), Hash>,
    }

    impl<'a> RefPaths<'a> {
        fn new(d: &'a [Hash]) -> Self {
            Self {
                d,
                memo: std::collections::HashMap::new(),
            }
        }

        /// `MTH(D[lo:hi])`, RFC 9162 §2.1.1.
        fn mth(&mut self, lo: usize, hi: usize) -> Hash {
            if let Some(h) = self.memo.get(&(lo, hi)) {
                return *h;
            }
            let h = match hi - lo {
                0 => empty_root(),
                1 => self.d[lo],
                n => {
                    let k = split_point(n);
                    let (a, b) = (self.mth(lo, lo + k), self.mth(lo + k, hi));
                    node_hash(&a, &b)
                }
            };
            self.memo.insert((lo, hi), h);
            h
        }

        /// `PATH(m, D[lo:hi])`.
        fn path(&mut self, m: usize, lo: usize, hi: usize) -> Vec<Hash> {
            let n = hi - lo;
            if n <= 1 {
                return Vec::new();
            }
            let k = split_point(n);
            if m < k {
                let mut p = self.path(m, lo, lo + k);
                p.push(self.mth(lo + k, hi));
                p
            } else {
                let mut p = self.path(m - k, lo + k, hi);
                p.push(self.mth(lo, lo + k));
                p
            }
        }
    }

    fn ref_path(m: usize, d: &[Hash]) -> Vec<Hash> {
        RefPaths::new(d).path(m, 0, d.len())
    }

    fn flip(h: &Hash, byte: usize, bit: u8) -> Hash {
        let mut b = h.0;
        b[byte] ^= 1 << bit;
        Hash(b)
    }

    #[test]
    fn hash_functions() {
        assert_eq!(
            empty_root().to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            leaf_hash(b"").to_hex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
        assert_eq!(node_hash(&a, &b), Hash::digest_parts(&[&[1], &a.0, &b.0]));
        assert_eq!(leaf_hash(b"a"), Hash::digest_parts(&[&[0], b"a"]));
        assert_eq!(mth(&[]), empty_root());
    }

    #[test]
    fn split_points() {
        for (n, k) in [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (300, 256)] {
            assert_eq!(split_point(n), k, "n = {n}");
        }
    }

    /// rs_merkle (left-to-right pairing, last odd node promoted) gives the RFC
    /// 9162 MTH for every size 1..=300, both through `MerkleTree` and
    /// `PartialTree`; our pairing builds the same levels.
    #[test]
    fn rs_merkle_shape_is_rfc9162_for_sizes_1_to_300() {
        for n in 1..=300 {
            let l = leaves(n, 1);
            let expected = mth(&l);
            let r = raw(&l);
            let rs = rs_merkle::MerkleTree::<Rfc9162Hasher>::from_leaves(&r);
            assert_eq!(rs.root().map(Hash), Some(expected), "MerkleTree n = {n}");
            let partial = rs_merkle::PartialTree::<Rfc9162Hasher>::from_leaves(&r).unwrap();
            assert_eq!(partial.root().map(|h| Hash(*h)), Some(expected), "n = {n}");
            for layer in partial.layers() {
                for (pos, (index, _)) in layer.iter().enumerate() {
                    assert_eq!(pos, *index, "rs_merkle node index, n = {n}");
                }
            }
            assert_eq!(rs_merkle_levels(&r).unwrap(), paired_levels(&r), "n = {n}");
            let tree = MerkleTree::from_leaf_hashes(l.clone());
            assert_eq!(tree.root(), expected);
            assert_eq!(tree.size(), n as u64);
            assert_eq!(tree.levels.last().unwrap().len(), 1);
        }
    }

    /// Trees built from subtrees (sizes above `SUBTREE`) have exactly the
    /// levels of the one-piece build and the RFC 9162 root, including a last
    /// subtree of 1, 2, an odd number or all but one leaf; proofs from the
    /// seams verify.
    #[test]
    fn subtree_build_equals_one_piece_build() {
        for n in [
            SUBTREE + 1,
            SUBTREE + 2,
            SUBTREE + 5,
            2 * SUBTREE,
            2 * SUBTREE + 1,
            3 * SUBTREE - 1,
            3 * SUBTREE + 777,
        ] {
            let l = leaves(n, 3);
            let r = raw(&l);
            let levels = levels_above(&r);
            assert_eq!(levels, paired_levels(&r), "n = {n}");
            assert_eq!(Some(levels), rs_merkle_levels(&r), "n = {n}");
            let tree = MerkleTree::from_leaf_hashes(l.clone());
            assert_eq!(tree.root(), mth(&l), "n = {n}");
            for i in [0, SUBTREE - 1, SUBTREE, n - 2, n - 1] {
                let proof = tree.inclusion_proof(i as u64).unwrap();
                verify_inclusion(&l[i], &proof, &tree.root()).unwrap();
            }
        }
    }

    /// rs_merkle's single-leaf proofs are the RFC 9162 audit paths (leaf-up)
    /// for every index of every size 1..=300, and so are ours.
    #[test]
    fn rs_merkle_proofs_are_rfc9162_audit_paths_for_sizes_1_to_300() {
        for n in 1..=300 {
            let l = leaves(n, 2);
            let rs = rs_merkle::MerkleTree::<Rfc9162Hasher>::from_leaves(&raw(&l));
            let tree = MerkleTree::from_leaf_hashes(l.clone());
            let mut reference = RefPaths::new(&l);
            assert_eq!(reference.mth(0, n), mth(&l));
            for (i, leaf) in l.iter().enumerate() {
                let expected = reference.path(i, 0, n);
                let rs_path: Vec<Hash> = rs
                    .proof(&[i])
                    .proof_hashes()
                    .iter()
                    .map(|h| Hash(*h))
                    .collect();
                assert_eq!(rs_path, expected, "rs_merkle n = {n}, i = {i}");
                let proof = tree.inclusion_proof(i as u64).unwrap();
                assert_eq!(proof.path, expected, "n = {n}, i = {i}");
                assert_eq!(proof.path.len(), inclusion_path_len(i as u64, n as u64));
                assert_eq!(root_from_inclusion(leaf, &proof), Ok(tree.root()));
                verify_inclusion(leaf, &proof, &tree.root()).unwrap();
            }
        }
    }

    #[test]
    fn consistency_proofs_match_subproof_for_sizes_up_to_100() {
        for n in 0..=100 {
            let l = leaves(n, 3);
            let tree = MerkleTree::from_leaf_hashes(l.clone());
            for m in 0..=n {
                let expected = consistency_proof_of(&l, m as u64).unwrap();
                assert_eq!(
                    tree.consistency_proof(m as u64).unwrap(),
                    expected,
                    "{m} -> {n}"
                );
                if 0 < m && m < n {
                    assert_eq!(expected.len(), consistency_path_len(m as u64, n as u64));
                }
                verify_consistency(m as u64, n as u64, &mth(&l[..m]), &tree.root(), &expected)
                    .unwrap();
            }
        }
    }

    #[test]
    fn builder_and_reference_agree_on_empty_and_single() {
        assert!(paired_levels(&[]).is_empty());
        assert!(paired_levels(&[[7; 32]]).is_empty());
        assert_eq!(
            rs_merkle_levels(&[[7; 32]]).unwrap(),
            Vec::<Vec<[u8; 32]>>::new()
        );
    }

    fn inclusion_probes(
        l: &[Hash],
        tree: &MerkleTree,
        i: usize,
    ) -> Vec<(String, Hash, InclusionProof, Hash)> {
        let n = l.len() as u64;
        let good = tree.inclusion_proof(i as u64).unwrap();
        let root = tree.root();
        let leaf = l[i];
        let mut probes = Vec::new();
        let mut add = |desc: String, leaf: Hash, p: InclusionProof, root: Hash| {
            probes.push((desc, leaf, p, root));
        };
        let with = |f: &dyn Fn(&mut InclusionProof)| {
            let mut p = good.clone();
            f(&mut p);
            p
        };
        for (k, _) in good.path.iter().enumerate() {
            for (byte, bit) in [(0, 0), (0, 7), (17, 3), (31, 7)] {
                add(
                    format!("flip path[{k}] byte {byte} bit {bit}"),
                    leaf,
                    with(&|p| p.path[k] = flip(&p.path[k], byte, bit)),
                    root,
                );
            }
        }
        for idx in [
            (i as u64).wrapping_sub(1),
            i as u64 + 1,
            i as u64 ^ 1,
            i as u64 ^ 2,
            n,
            u64::MAX,
        ] {
            if idx != i as u64 {
                add(
                    format!("index {idx}"),
                    leaf,
                    with(&|p| p.leaf_index = idx),
                    root,
                );
            }
        }
        for size in [n * 2, n / 2, 0, u64::MAX] {
            if size != n {
                add(
                    format!("size {size}"),
                    leaf,
                    with(&|p| p.tree_size = size),
                    root,
                );
            }
        }
        add(
            "wrong leaf".into(),
            leaf_hash(b"WrongLeaf"),
            good.clone(),
            root,
        );
        add(
            "leaf data not hashed".into(),
            Hash::digest(b""),
            good.clone(),
            root,
        );
        add("empty root".into(), leaf, good.clone(), empty_root());
        add("flipped root".into(), leaf, good.clone(), flip(&root, 5, 1));
        if !good.path.is_empty() {
            add(
                "truncated".into(),
                leaf,
                with(&|p| {
                    p.path.pop();
                }),
                root,
            );
            add(
                "first removed".into(),
                leaf,
                with(&|p| {
                    p.path.remove(0);
                }),
                root,
            );
            add(
                "inserted component".into(),
                leaf,
                with(&|p| p.path.insert(1, leaf)),
                root,
            );
        }
        add(
            "trailing root".into(),
            leaf,
            with(&|p| p.path.push(root)),
            root,
        );
        add(
            "trailing zero".into(),
            leaf,
            with(&|p| p.path.push(Hash([0; 32]))),
            root,
        );
        add(
            "preceding root".into(),
            leaf,
            with(&|p| p.path.insert(0, root)),
            root,
        );
        add(
            "preceding leaf".into(),
            leaf,
            with(&|p| p.path.insert(0, leaf)),
            root,
        );
        add(
            "path too long".into(),
            leaf,
            with(&|p| p.path.resize(MAX_PATH + 1, root)),
            root,
        );
        probes
    }

    #[test]
    fn tampered_inclusion_proofs_are_rejected() {
        for n in 1..=64 {
            let l = leaves(n, 4);
            let tree = MerkleTree::from_leaf_hashes(l.clone());
            for i in 0..n {
                for (desc, leaf, proof, root) in inclusion_probes(&l, &tree, i) {
                    assert!(
                        verify_inclusion(&leaf, &proof, &root).is_err(),
                        "n = {n}, i = {i}: {desc} verified"
                    );
                }
            }
        }
    }

    #[test]
    fn inclusion_errors_are_specific() {
        let l = leaves(5, 5);
        let tree = MerkleTree::from_leaf_hashes(l.clone());
        let good = tree.inclusion_proof(2).unwrap();
        let root = tree.root();
        let mut p = good.clone();
        p.path.resize(MAX_PATH + 1, root);
        assert_eq!(
            verify_inclusion(&l[2], &p, &root),
            Err(ProofError::PathTooLong { len: 65, max: 64 })
        );
        let mut p = good.clone();
        p.path.pop();
        assert_eq!(
            verify_inclusion(&l[2], &p, &root),
            Err(ProofError::WrongPathLength {
                expected: 3,
                found: 2
            })
        );
        let mut p = good.clone();
        p.path.push(root);
        assert_eq!(
            verify_inclusion(&l[2], &p, &root),
            Err(ProofError::WrongPathLength {
                expected: 3,
                found: 4
            })
        );
        let mut p = good.clone();
        p.leaf_index = 5;
        assert_eq!(
            verify_inclusion(&l[2], &p, &root),
            Err(ProofError::IndexOutOfRange {
                index: 5,
                tree_size: 5
            })
        );
        assert_eq!(
            verify_inclusion(&l[3], &good, &root),
            Err(ProofError::RootMismatch)
        );
        assert_eq!(
            tree.inclusion_proof(5),
            Err(ProofError::IndexOutOfRange {
                index: 5,
                tree_size: 5
            })
        );
        assert_eq!(
            tree.inclusion_proof(u64::MAX),
            Err(ProofError::IndexOutOfRange {
                index: u64::MAX,
                tree_size: 5
            })
        );
    }

    /// An interior node presented as a leaf: with the path above it, it
    /// recomputes the root of the smaller tree of its level, but never
    /// verifies for the original tree size; nor does its preimage pass as leaf data.
    #[test]
    fn interior_node_is_not_a_leaf() {
        for n in 2..=64usize {
            let l = leaves(n, 6);
            let tree = MerkleTree::from_leaf_hashes(l.clone());
            let root = tree.root();
            for k in 0..n / 2 {
                let node = node_hash(&l[2 * k], &l[2 * k + 1]);
                let upper = tree.inclusion_proof(2 * k as u64).unwrap().path[1..].to_vec();
                let level_size = n.div_ceil(2) as u64;
                let smaller = InclusionProof {
                    tree_size: level_size,
                    leaf_index: k as u64,
                    path: upper.clone(),
                };
                // The attack's premise: the level-1 nodes form a tree with the same root.
                assert_eq!(
                    root_from_inclusion(&node, &smaller),
                    Ok(root),
                    "n = {n}, k = {k}"
                );
                for leaf_index in [k as u64, 2 * k as u64, 2 * k as u64 + 1] {
                    let forged = InclusionProof {
                        tree_size: n as u64,
                        leaf_index,
                        path: upper.clone(),
                    };
                    assert!(
                        verify_inclusion(&node, &forged, &root).is_err(),
                        "n = {n}, k = {k}"
                    );
                }
                // The node's preimage is not the leaf hash of the same bytes.
                let data = [l[2 * k].0, l[2 * k + 1].0].concat();
                assert_ne!(leaf_hash(&data), node);
                let leaf_proof = tree.inclusion_proof(2 * k as u64).unwrap();
                assert!(verify_inclusion(&leaf_hash(&data), &leaf_proof, &root).is_err());
            }
        }
    }

    #[test]
    fn tampered_consistency_proofs_are_rejected() {
        for n in 2..=40usize {
            let l = leaves(n, 7);
            let tree = MerkleTree::from_leaf_hashes(l.clone());
            let r2 = tree.root();
            for m in 1..n {
                let r1 = mth(&l[..m]);
                let proof = tree.consistency_proof(m as u64).unwrap();
                let (m, n64) = (m as u64, n as u64);
                verify_consistency(m, n64, &r1, &r2, &proof).unwrap();
                let mut probes: Vec<(String, u64, u64, Hash, Hash, Vec<Hash>)> = Vec::new();
                for k in 0..proof.len() {
                    for (byte, bit) in [(0, 4), (31, 0)] {
                        let mut p = proof.clone();
                        p[k] = flip(&p[k], byte, bit);
                        probes.push((format!("flip proof[{k}]"), m, n64, r1, r2, p));
                    }
                }
                for m2 in [m - 1, m + 1, m ^ 2, n64 + 1, u64::MAX] {
                    if m2 != m {
                        probes.push((format!("old size {m2}"), m2, n64, r1, r2, proof.clone()));
                    }
                }
                for n2 in [n64 * 2, n64 / 2, m, u64::MAX] {
                    if n2 != n64 {
                        probes.push((format!("new size {n2}"), m, n2, r1, r2, proof.clone()));
                    }
                }
                probes.push((
                    "wrong old root".into(),
                    m,
                    n64,
                    flip(&r1, 0, 0),
                    r2,
                    proof.clone(),
                ));
                probes.push((
                    "wrong new root".into(),
                    m,
                    n64,
                    r1,
                    flip(&r2, 0, 0),
                    proof.clone(),
                ));
                probes.push(("swapped roots".into(), m, n64, r2, r1, proof.clone()));
                probes.push(("empty proof".into(), m, n64, r1, r2, Vec::new()));
                let mut p = proof.clone();
                p.pop();
                probes.push(("truncated".into(), m, n64, r1, r2, p));
                for extra in [r1, r2, proof[0], Hash([0; 32])] {
                    let mut p = proof.clone();
                    p.push(extra);
                    probes.push(("trailing".into(), m, n64, r1, r2, p));
                    let mut p = proof.clone();
                    p.insert(0, extra);
                    probes.push(("preceding".into(), m, n64, r1, r2, p));
                }
                let mut p = proof.clone();
                p.resize(MAX_PATH + 1, r1);
                probes.push(("too long".into(), m, n64, r1, r2, p));
                for (desc, a, b, ra, rb, p) in probes {
                    assert!(
                        verify_consistency(a, b, &ra, &rb, &p).is_err(),
                        "{m} -> {n}: {desc} verified"
                    );
                }
            }
        }
    }

    #[test]
    fn edge_cases() {
        let empty = MerkleTree::from_leaf_hashes(Vec::new());
        assert_eq!(empty.size(), 0);
        assert_eq!(empty.root(), empty_root());
        assert_eq!(empty.leaf(0), None);
        assert_eq!(
            empty.inclusion_proof(0),
            Err(ProofError::IndexOutOfRange {
                index: 0,
                tree_size: 0
            })
        );
        assert_eq!(empty.consistency_proof(0), Ok(Vec::new()));
        assert_eq!(
            empty.consistency_proof(1),
            Err(ProofError::InvalidSizes {
                old_size: 1,
                new_size: 0
            })
        );
        assert_eq!(consistency_proof_of(&[], 0), Ok(Vec::new()));
        let e = empty_root();
        let bogus = InclusionProof {
            tree_size: 0,
            leaf_index: 0,
            path: Vec::new(),
        };
        assert_eq!(
            verify_inclusion(&e, &bogus, &e),
            Err(ProofError::IndexOutOfRange {
                index: 0,
                tree_size: 0
            })
        );

        let l = leaves(5, 8);
        let tree = MerkleTree::from_leaf_hashes(l.clone());
        let r = tree.root();
        assert_eq!(tree.leaf(4), Some(l[4]));
        assert_eq!(tree.leaf(5), None);
        assert_eq!(tree.consistency_proof(5), Ok(Vec::new()));
        assert_eq!(tree.consistency_proof(0), Ok(Vec::new()));
        assert_eq!(
            tree.consistency_proof(6),
            Err(ProofError::InvalidSizes {
                old_size: 6,
                new_size: 5
            })
        );
        assert_eq!(
            consistency_proof_of(&l, 6),
            Err(ProofError::InvalidSizes {
                old_size: 6,
                new_size: 5
            })
        );

        // Equal sizes: empty proof, equal roots.
        verify_consistency(5, 5, &r, &r, &[]).unwrap();
        verify_consistency(0, 0, &e, &e, &[]).unwrap();
        assert_eq!(
            verify_consistency(5, 5, &r, &e, &[]),
            Err(ProofError::RootMismatch)
        );
        assert_eq!(
            verify_consistency(5, 5, &r, &r, &[r]),
            Err(ProofError::WrongPathLength {
                expected: 0,
                found: 1
            })
        );
        assert_eq!(
            verify_consistency(0, 0, &r, &r, &[]),
            Err(ProofError::RootMismatch)
        );
        // Old size 0: empty proof, old root is the empty root.
        verify_consistency(0, 5, &e, &r, &[]).unwrap();
        assert_eq!(
            verify_consistency(0, 5, &r, &r, &[]),
            Err(ProofError::RootMismatch)
        );
        assert_eq!(
            verify_consistency(0, 5, &e, &r, &[e]),
            Err(ProofError::WrongPathLength {
                expected: 0,
                found: 1
            })
        );
        // Time travel and empty proofs.
        assert_eq!(
            verify_consistency(5, 4, &r, &r, &[]),
            Err(ProofError::InvalidSizes {
                old_size: 5,
                new_size: 4
            })
        );
        assert_eq!(
            verify_consistency(1, 5, &l[0], &r, &[]),
            Err(ProofError::WrongPathLength {
                expected: 3,
                found: 0
            })
        );
        // Single leaf: the root is the leaf hash and the path is empty.
        let one = MerkleTree::from_leaf_hashes(vec![l[0]]);
        assert_eq!(one.root(), l[0]);
        let p = one.inclusion_proof(0).unwrap();
        assert!(p.path.is_empty());
        verify_inclusion(&l[0], &p, &l[0]).unwrap();
    }

    #[test]
    fn huge_sizes_do_not_panic() {
        let h = leaf_hash(b"x");
        for (index, size) in [
            (u64::MAX - 1, u64::MAX),
            (0, u64::MAX),
            (u64::MAX, u64::MAX),
            (1 << 63, u64::MAX),
        ] {
            for len in [0, 1, 63, 64, 65] {
                let p = InclusionProof {
                    tree_size: size,
                    leaf_index: index,
                    path: vec![h; len],
                };
                assert!(verify_inclusion(&h, &p, &h).is_err());
            }
        }
        for (a, b) in [
            (1, u64::MAX),
            (u64::MAX - 1, u64::MAX),
            (1 << 63, u64::MAX),
            (u64::MAX, u64::MAX),
        ] {
            for len in [0, 1, 64, 65] {
                assert!(verify_consistency(a, b, &h, &h, &vec![h; len]).is_err() || len == 0);
            }
        }
        assert_eq!(inclusion_path_len(u64::MAX - 1, u64::MAX), 63);
        assert_eq!(inclusion_path_len(0, u64::MAX), 64);
        assert_eq!(inclusion_path_len(0, 1 << 63), 63);
    }

    #[test]
    fn error_codes() {
        let all = [
            ProofError::IndexOutOfRange {
                index: 1,
                tree_size: 1,
            },
            ProofError::PathTooLong { len: 65, max: 64 },
            ProofError::WrongPathLength {
                expected: 1,
                found: 2,
            },
            ProofError::RootMismatch,
            ProofError::InvalidSizes {
                old_size: 2,
                new_size: 1,
            },
        ];
        let codes: Vec<_> = all.iter().map(ProofError::code).collect();
        assert_eq!(
            codes,
            [
                "index_out_of_range",
                "path_too_long",
                "wrong_path_length",
                "root_mismatch",
                "invalid_sizes"
            ]
        );
        for e in &all {
            assert!(!e.to_string().is_empty());
        }
        assert_eq!(
            all[0].to_string(),
            "leaf index 1 out of range for a tree of size 1"
        );
    }

    #[test]
    fn verified_nodes_learn_the_top_and_stay_exact() {
        // 3000 leaves: 12 levels; nodes of 16 leaves or more (levels 4 to
        // 12) kept, the lowest 4 levels always hashed
        let l = leaves(3000, 7);
        let tree = MerkleTree::from_leaf_hashes(l.clone());
        let nodes = VerifiedNodes::new(tree.root(), 3000);
        for round in 0..2 {
            for (i, leaf) in l.iter().enumerate() {
                let proof = tree.inclusion_proof(i as u64).unwrap();
                assert_eq!(
                    nodes.verify(leaf, &proof),
                    Ok(()),
                    "round {round}, leaf {i}"
                );
                // every single-hash change is still caught with the top known
                for k in [0, proof.path.len() / 2, proof.path.len() - 1] {
                    let mut bad = proof.clone();
                    bad.path[k].0[0] ^= 1;
                    assert_eq!(nodes.verify(leaf, &bad), Err(ProofError::RootMismatch));
                }
                let other = &l[(i + 1) % l.len()];
                assert_eq!(nodes.verify(other, &proof), Err(ProofError::RootMismatch));
            }
        }
        // after a whole pass every kept node is known and equals the tree's own
        let slots = nodes.table().expect("allocated");
        assert!(slots.iter().all(|s| s.get().is_some()));
        let kept = (4..=12)
            .map(|level| (tree.size() - 1) / (1 << level) + 1)
            .sum::<u64>();
        assert_eq!(slots.len() as u64, kept);
        assert_eq!(nodes.known(slots, 12, 0), Some(&tree.root()));
        assert_eq!(nodes.known(slots, 11, 0), Some(&mth(&l[..2048])));
        assert_eq!(nodes.known(slots, 11, 1), Some(&mth(&l[2048..])));
        assert_eq!(nodes.known(slots, 4, 187), Some(&mth(&l[2992..3000])));
        assert_eq!(nodes.known(slots, 4, 188), None);
        assert_eq!(nodes.known(slots, 3, 0), None);
    }

    #[test]
    fn verified_nodes_skip_the_hashes_they_know() {
        // Nodes planted where a forged path's top turns look for them stand
        // in for hashing: proof that known nodes are used, not just stored.
        let l = leaves(8, 1);
        let tree = MerkleTree::from_leaf_hashes(l.clone());
        let forged_leaf = leaf_hash(b"forged");
        let forged = InclusionProof {
            path: vec![Hash([1; 32]), Hash([2; 32]), Hash([3; 32])],
            ..tree.inclusion_proof(5).unwrap()
        };
        // every level kept (none unkept), so level 1 and up can be planted
        let planted = VerifiedNodes::build(tree.root(), 8, VERIFIED_LEVELS, 0, None);
        let slots = planted.table().unwrap();
        // leaf 5 of 8: level 0 index 5 (left sibling 4), level 1 index 2
        // (right sibling 3), level 2 index 1 (left sibling 0), root level 3
        let r1 = node_hash(&Hash([1; 32]), &forged_leaf);
        for (level, index, value) in [
            (1, 2, r1),
            (1, 3, Hash([2; 32])),
            (2, 1, Hash([9; 32])),
            (2, 0, Hash([3; 32])),
            (3, 0, tree.root()),
        ] {
            planted
                .slot(slots, level, index)
                .unwrap()
                .set(value)
                .unwrap();
        }
        planted
            .used
            .store(true, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(planted.verify(&forged_leaf, &forged), Ok(()));
        assert_eq!(
            verify_inclusion(&forged_leaf, &forged, &tree.root()),
            Err(ProofError::RootMismatch)
        );
    }

    #[test]
    fn verified_nodes_take_their_table_from_a_budget() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
        let l = leaves(100, 3);
        let tree = MerkleTree::from_leaf_hashes(l.clone());
        let proofs: Vec<_> = (0..100).map(|i| tree.inclusion_proof(i).unwrap()).collect();
        // levels 4 to 7 of a 100-leaf tree: 7 + 4 + 2 + 1 nodes
        let need = 14 * std::mem::size_of::<std::sync::OnceLock<Hash>>();
        let budget = Arc::new(AtomicUsize::new(need + need / 2));
        let first = VerifiedNodes::with_budget(tree.root(), 100, Arc::clone(&budget));
        let second = VerifiedNodes::with_budget(tree.root(), 100, Arc::clone(&budget));
        for nodes in [&first, &second] {
            for (leaf, proof) in l.iter().zip(&proofs) {
                assert_eq!(nodes.verify(leaf, proof), Ok(()));
                assert_eq!(
                    nodes.verify(&l[0], proof),
                    verify_inclusion(&l[0], proof, &tree.root())
                );
            }
        }
        // the first took its table; there was no room left for the second,
        // which hashes every node and gives the same results
        assert!(first.table().is_some());
        assert!(second.table().is_none());
        assert_eq!(budget.load(Relaxed), need / 2);
        drop(first);
        assert_eq!(budget.load(Relaxed), need + need / 2);
        drop(second);
        assert_eq!(budget.load(Relaxed), need + need / 2);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// The two-block compression of a node is SHA-256 of the 65 bytes.
        #[test]
        fn node_bytes_is_sha256_of_the_node(left: [u8; 32], right: [u8; 32]) {
            let mut message = vec![NODE_PREFIX];
            message.extend_from_slice(&left);
            message.extend_from_slice(&right);
            let expected: [u8; 32] = Sha256::digest(&message).into();
            prop_assert_eq!(node_bytes(&left, &right), expected);
        }

        #[test]
        fn random_trees_against_reference(n in 1usize..=300, seed: u64, i in any::<prop::sample::Index>(), m in any::<prop::sample::Index>()) {
            let l = leaves(n, seed);
            let tree = MerkleTree::from_leaf_hashes(l.clone());
            prop_assert_eq!(tree.root(), mth(&l));
            let i = i.index(n);
            let proof = tree.inclusion_proof(i as u64).unwrap();
            prop_assert_eq!(&proof.path, &ref_path(i, &l));
            prop_assert_eq!(verify_inclusion(&l[i], &proof, &tree.root()), Ok(()));
            let m = m.index(n + 1);
            let c = tree.consistency_proof(m as u64).unwrap();
            prop_assert_eq!(&c, &consistency_proof_of(&l, m as u64).unwrap());
            prop_assert_eq!(verify_consistency(m as u64, n as u64, &mth(&l[..m]), &tree.root(), &c), Ok(()));
        }

        #[test]
        fn random_inclusion_input_never_panics(index: u64, size: u64, len in 0usize..70, leaf: [u8; 32], root: [u8; 32], fill: [u8; 32]) {
            let p = InclusionProof { tree_size: size, leaf_index: index, path: vec![Hash(fill); len] };
            let _ = verify_inclusion(&Hash(leaf), &p, &Hash(root));
            let small = InclusionProof { tree_size: size % 1000, leaf_index: index % 1000, path: vec![Hash(fill); len % 12] };
            let _ = verify_inclusion(&Hash(leaf), &small, &Hash(root));
            for nodes in [VerifiedNodes::new(Hash(root), size), VerifiedNodes::new(Hash(root), size % 1000)] {
                for proof in [&p, &small, &p] {
                    prop_assert_eq!(nodes.verify(&Hash(leaf), proof), verify_inclusion(&Hash(leaf), proof, &Hash(root)));
                }
            }
        }

        /// `VerifiedNodes` gives `verify_inclusion`'s result for every proof
        /// of a sequence of valid and tampered ones against one tree, while
        /// it learns the tree's top from the valid ones.
        #[test]
        fn verified_nodes_agree_with_rfc_9162(
            n in 1usize..=2500,
            seed: u64,
            queries in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), 0u8..6, any::<prop::sample::Index>(), any::<[u8; 32]>()), 1..80),
        ) {
            let l = leaves(n, seed);
            let tree = MerkleTree::from_leaf_hashes(l.clone());
            let root = tree.root();
            let nodes = VerifiedNodes::new(root, n as u64);
            let every_level = VerifiedNodes::build(root, n as u64, VERIFIED_LEVELS, 0, None);
            for (i, j, how, k, junk) in queries {
                let (i, j) = (i.index(n), j.index(n));
                let mut proof = tree.inclusion_proof(i as u64).unwrap();
                let mut leaf = l[i];
                match how {
                    // a path hash replaced
                    1 if !proof.path.is_empty() => {
                        let k = k.index(proof.path.len());
                        proof.path[k] = Hash(junk);
                    }
                    // another leaf (or the same) with this proof
                    2 => leaf = l[j],
                    // another index (and so another path shape)
                    3 => proof.leaf_index = j as u64,
                    // another tree size
                    4 => proof.tree_size = (j as u64 + 1) * 2,
                    // a path one hash short or long
                    5 => if k.index(2) == 0 { proof.path.pop(); } else { proof.path.push(Hash(junk)); },
                    _ => {}
                }
                let expected = verify_inclusion(&leaf, &proof, &root);
                prop_assert_eq!(nodes.verify(&leaf, &proof), expected.clone());
                prop_assert_eq!(every_level.verify(&leaf, &proof), expected);
            }
        }

        #[test]
        fn random_consistency_input_never_panics(a: u64, b: u64, len in 0usize..70, r1: [u8; 32], r2: [u8; 32], fill: [u8; 32]) {
            let proof = vec![Hash(fill); len];
            let _ = verify_consistency(a, b, &Hash(r1), &Hash(r2), &proof);
            let _ = verify_consistency(a % 1000, b % 1000, &Hash(r1), &Hash(r2), &proof[..len % 12]);
        }

        /// A random proof over a random tree, with one hash replaced, is rejected.
        #[test]
        fn random_tampering_rejected(n in 2usize..=300, seed: u64, i in any::<prop::sample::Index>(), k in any::<prop::sample::Index>(), junk: [u8; 32]) {
            let l = leaves(n, seed);
            let tree = MerkleTree::from_leaf_hashes(l.clone());
            let i = i.index(n);
            let mut proof = tree.inclusion_proof(i as u64).unwrap();
            let k = k.index(proof.path.len());
            prop_assume!(proof.path[k].0 != junk);
            proof.path[k] = Hash(junk);
            prop_assert_eq!(verify_inclusion(&l[i], &proof, &tree.root()), Err(ProofError::RootMismatch));
        }
    }
}
