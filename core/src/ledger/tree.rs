//! An append-only RFC 9162 tree that answers proofs for any past size.
//!
//! `levels[k][i]` is the hash of the complete, aligned subtree of `2^k`
//! leaves starting at leaf `i·2^k`. Appending a leaf adds at most one node per
//! level; MTH of any range that RFC 9162's recursion asks for is a lookup or a
//! split into `O(log n)` lookups, so inclusion and consistency proofs for any
//! tree size cost `O(log² n)` hashes at most. Memory: about two hashes per leaf.

use crate::Hash;
use crate::merkle::{InclusionProof, empty_root, node_hash};

/// Append-only Merkle tree over leaf hashes.
#[derive(Debug, Clone, Default)]
pub struct LogTree {
    levels: Vec<Vec<Hash>>,
}

/// Largest power of two strictly less than `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    let mut k = 1u64;
    while k.saturating_mul(2) < n {
        k *= 2;
    }
    k
}

impl LogTree {
    /// An empty tree.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut node = leaf;
        let mut k = 0;
        loop {
            if self.levels.len() <= k {
                self.levels.push(Vec::new());
            }
            let Some(level) = self.levels.get_mut(k) else {
                return;
            };
            level.push(node);
            if level.len() % 2 == 1 {
                return;
            }
            let n = level.len();
            match (level.get(n - 2), level.get(n - 1)) {
                (Some(l), Some(r)) => node = node_hash(l, r),
                _ => return,
            }
            k += 1;
        }
    }

    /// The leaf hash at `index`.
    #[must_use]
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels
            .first()?
            .get(usize::try_from(index).ok()?)
            .copied()
    }

    /// Hash of the complete subtree of `2^height` leaves starting at leaf
    /// `index · 2^height` (`height` 0: the leaf hash), if the tree has all of
    /// its leaves.
    #[must_use]
    pub fn node(&self, height: u32, index: u64) -> Option<Hash> {
        self.levels
            .get(usize::try_from(height).ok()?)?
            .get(usize::try_from(index).ok()?)
            .copied()
    }

    /// MTH of leaves `[lo, hi)`; `lo` must be aligned as RFC 9162's recursion makes it.
    fn mth(&self, lo: u64, hi: u64) -> Hash {
        let n = hi - lo;
        if n == 0 {
            return empty_root();
        }
        if n.is_power_of_two() && lo.is_multiple_of(n) {
            let k = n.trailing_zeros() as usize;
            if let Some(h) = self
                .levels
                .get(k)
                .and_then(|l| l.get(usize::try_from(lo >> k).ok()?))
            {
                return *h;
            }
        }
        if n == 1 {
            return self.leaf(lo).unwrap_or_default();
        }
        let k = split(n);
        node_hash(&self.mth(lo, lo + k), &self.mth(lo + k, hi))
    }

    /// Root of the tree of the first `size` leaves (`None` if `size` is beyond the tree).
    #[must_use]
    pub fn root_at(&self, size: u64) -> Option<Hash> {
        (size <= self.size()).then(|| self.mth(0, size))
    }

    /// Inclusion proof of leaf `index` in the tree of `size` leaves.
    #[must_use]
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Option<InclusionProof> {
        if index >= size || size > self.size() {
            return None;
        }
        let mut path = Vec::new();
        self.path(index, 0, size, &mut path);
        Some(InclusionProof {
            tree_size: size,
            leaf_index: index,
            path,
        })
    }

    /// RFC 9162 §2.1.3.1 PATH(m, D[lo:hi]), leaf-up order.
    fn path(&self, m: u64, lo: u64, hi: u64, out: &mut Vec<Hash>) {
        let n = hi - lo;
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            self.path(m, lo, lo + k, out);
            out.push(self.mth(lo + k, hi));
        } else {
            self.path(m - k, lo + k, hi, out);
            out.push(self.mth(lo, lo + k));
        }
    }

    /// RFC 9162 §2.1.4.1 consistency proof between `old` and `new` sizes.
    #[must_use]
    pub fn consistency_proof(&self, old: u64, new: u64) -> Option<Vec<Hash>> {
        if old == 0 || old > new || new > self.size() {
            return None;
        }
        let mut out = Vec::new();
        if old < new {
            self.subproof(old, 0, new, true, &mut out);
        }
        Some(out)
    }

    fn subproof(&self, m: u64, lo: u64, hi: u64, b: bool, out: &mut Vec<Hash>) {
        let n = hi - lo;
        if m == n {
            if !b {
                out.push(self.mth(lo, hi));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, lo, lo + k, b, out);
            out.push(self.mth(lo + k, hi));
        } else {
            self.subproof(m - k, lo + k, hi, false, out);
            out.push(self.mth(lo, lo + k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{self, leaf_hash};

    #[test]
    fn agrees_with_reference_for_all_sizes_and_pairs() {
        let leaves: Vec<Hash> = (0u32..300).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut t = LogTree::new();
        for (i, l) in leaves.iter().enumerate() {
            t.push(*l);
            let n = i as u64 + 1;
            assert_eq!(
                t.root_at(n).unwrap(),
                merkle::mth(&leaves[..=i]),
                "size {n}"
            );
        }
        for n in 1..=300u64 {
            let root = t.root_at(n).unwrap();
            for m in 0..n {
                let p = t.inclusion_proof(m, n).unwrap();
                merkle::verify_inclusion(&leaves[m as usize], &p, &root).unwrap();
            }
            for m in 1..=n {
                let p = t.consistency_proof(m, n).unwrap();
                assert_eq!(
                    p,
                    merkle::consistency_proof_of(&leaves[..n as usize], m).unwrap()
                );
                merkle::verify_consistency(m, n, &t.root_at(m).unwrap(), &root, &p).unwrap();
            }
        }
        assert!(t.inclusion_proof(5, 301).is_none());
        assert!(t.consistency_proof(0, 3).is_none());
    }
}
