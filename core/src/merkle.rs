//! STUB (replaced by the merkle branch)
#![allow(missing_docs, clippy::all, clippy::indexing_slicing, clippy::unwrap_used)]
use crate::Hash;
pub const MAX_PATH: usize = 64;
pub fn leaf_hash(data: &[u8]) -> Hash {
    Hash::digest_parts(&[&[0], data])
}
pub fn node_hash(l: &Hash, r: &Hash) -> Hash {
    Hash::digest_parts(&[&[1], &l.0, &r.0])
}
#[derive(Debug, Clone)]
pub struct MerkleTree {
    leaves: Vec<Hash>,
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    pub tree_size: u64,
    pub leaf_index: u64,
    pub path: Vec<Hash>,
}
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("root mismatch")]
    RootMismatch,
}
impl ProofError {
    pub fn code(&self) -> &'static str {
        "root_mismatch"
    }
}
pub fn mth(l: &[Hash]) -> Hash {
    match l.len() {
        0 => Hash::digest(b""),
        1 => l[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            node_hash(&mth(&l[..k]), &mth(&l[k..]))
        }
    }
}
fn path(l: &[Hash], m: usize) -> Vec<Hash> {
    let n = l.len();
    if n <= 1 {
        return vec![];
    }
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    if m < k {
        let mut p = path(&l[..k], m);
        p.push(mth(&l[k..]));
        p
    } else {
        let mut p = path(&l[k..], m - k);
        p.push(mth(&l[..k]));
        p
    }
}
impl MerkleTree {
    pub fn from_leaf_hashes(leaves: Vec<Hash>) -> Self {
        Self { leaves }
    }
    pub fn size(&self) -> u64 {
        self.leaves.len() as u64
    }
    pub fn root(&self) -> Hash {
        mth(&self.leaves)
    }
    pub fn inclusion_proof(&self, i: u64) -> Result<InclusionProof, ProofError> {
        Ok(InclusionProof {
            tree_size: self.size(),
            leaf_index: i,
            path: path(&self.leaves, i as usize),
        })
    }
}
pub fn root_from_inclusion(leaf: &Hash, p: &InclusionProof) -> Result<Hash, ProofError> {
    if p.leaf_index >= p.tree_size {
        return Err(ProofError::RootMismatch);
    }
    let (mut f, mut sn) = (p.leaf_index, p.tree_size - 1);
    let mut r = *leaf;
    for h in &p.path {
        if sn == 0 {
            return Err(ProofError::RootMismatch);
        }
        if f & 1 == 1 || f == sn {
            r = node_hash(h, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, h);
        }
        f >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::RootMismatch);
    }
    Ok(r)
}
pub fn verify_inclusion(leaf: &Hash, p: &InclusionProof, root: &Hash) -> Result<(), ProofError> {
    if root_from_inclusion(leaf, p)? == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}
