//! RFC 6962 / RFC 9162 §2.1 reference vectors from `tests/vectors/merkle.json`
//! (the Certificate Transparency test tree of 8 leaves): roots, every
//! inclusion proof and every consistency proof, generated and verified.

// Test code: a panic is a test failure.
#![allow(
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::unwrap_used
)]

use certanchor::Hash;
use certanchor::merkle::{
    InclusionProof, MerkleTree, ProofError, consistency_proof_of, empty_root, leaf_hash, mth,
    root_from_inclusion, verify_consistency, verify_inclusion,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vectors {
    source: Vec<Source>,
    leaves: Vec<String>,
    empty_root: String,
    node_hashes: Vec<Vec<String>>,
    roots: Vec<Root>,
    inclusion: Vec<Inclusion>,
    consistency: Vec<Consistency>,
}

#[derive(Deserialize)]
struct Source {
    repository: String,
    url: String,
}

#[derive(Deserialize)]
struct Root {
    tree_size: u64,
    root: String,
    published: bool,
}

#[derive(Deserialize)]
struct Inclusion {
    leaf_index: u64,
    tree_size: u64,
    path: Vec<String>,
    published: bool,
}

#[derive(Deserialize)]
struct Consistency {
    old_size: u64,
    new_size: u64,
    proof: Vec<String>,
    published: bool,
}

fn load() -> Vectors {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/merkle.json");
    let text = std::fs::read_to_string(path).expect("read tests/vectors/merkle.json");
    serde_json::from_str(&text).expect("parse merkle.json")
}

fn hash(s: &str) -> Hash {
    Hash::from_hex(s).unwrap_or_else(|| panic!("bad hash {s:?}"))
}

fn hashes(v: &[String]) -> Vec<Hash> {
    v.iter().map(|s| hash(s)).collect()
}

fn leaf_hashes(v: &Vectors) -> Vec<Hash> {
    v.leaves
        .iter()
        .map(|d| leaf_hash(&hex::decode(d).expect("leaf hex")))
        .collect()
}

fn tree(leaves: &[Hash], size: u64) -> MerkleTree {
    MerkleTree::from_leaf_hashes(leaves[..size as usize].to_vec())
}

fn root_of(v: &Vectors, size: u64) -> Hash {
    if size == 0 {
        return hash(&v.empty_root);
    }
    let r = v.roots.iter().find(|r| r.tree_size == size).expect("root");
    hash(&r.root)
}

#[test]
fn file_is_complete_and_cites_its_sources() {
    let v = load();
    let repos: Vec<_> = v.source.iter().map(|s| s.repository.as_str()).collect();
    assert!(repos.contains(&"google/certificate-transparency"));
    assert!(repos.contains(&"transparency-dev/merkle"));
    assert!(
        v.source
            .iter()
            .all(|s| s.url.starts_with("https://github.com/"))
    );
    assert_eq!(v.leaves.len(), 8);
    assert_eq!(v.roots.len(), 8);
    assert!(v.roots.iter().all(|r| r.published));
    // Every (index, size) pair with index < size <= 8, and every 1 <= m <= n <= 8.
    assert_eq!(v.inclusion.len(), 36);
    assert_eq!(v.consistency.len(), 36);
    assert_eq!(v.inclusion.iter().filter(|e| e.published).count(), 5);
    assert_eq!(v.consistency.iter().filter(|e| e.published).count(), 5);
    assert_eq!(
        root_of(&v, 8).to_hex(),
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    );
}

#[test]
fn roots_and_subtree_hashes() {
    let v = load();
    let leaves = leaf_hashes(&v);
    assert_eq!(hash(&v.empty_root), empty_root());
    assert_eq!(
        MerkleTree::from_leaf_hashes(Vec::new()).root(),
        empty_root()
    );
    assert_eq!(hashes(&v.node_hashes[0]), leaves);
    for (level, nodes) in v.node_hashes.iter().enumerate() {
        for (k, node) in nodes.iter().enumerate() {
            let range = &leaves[k << level..(k + 1) << level];
            assert_eq!(mth(range), hash(node), "node level {level} index {k}");
        }
    }
    for r in &v.roots {
        let t = tree(&leaves, r.tree_size);
        assert_eq!(t.size(), r.tree_size);
        assert_eq!(t.root(), hash(&r.root), "root of size {}", r.tree_size);
        assert_eq!(mth(&leaves[..r.tree_size as usize]), hash(&r.root));
    }
}

#[test]
fn inclusion_proofs() {
    let v = load();
    let leaves = leaf_hashes(&v);
    for e in &v.inclusion {
        let what = format!("leaf {} of {}", e.leaf_index, e.tree_size);
        let t = tree(&leaves, e.tree_size);
        let root = root_of(&v, e.tree_size);
        let expected = InclusionProof {
            tree_size: e.tree_size,
            leaf_index: e.leaf_index,
            path: hashes(&e.path),
        };
        assert_eq!(
            t.inclusion_proof(e.leaf_index).as_ref(),
            Ok(&expected),
            "{what}"
        );
        let leaf = leaves[e.leaf_index as usize];
        assert_eq!(root_from_inclusion(&leaf, &expected), Ok(root), "{what}");
        assert_eq!(verify_inclusion(&leaf, &expected, &root), Ok(()), "{what}");
        // Another leaf, another root, or a flipped path hash must not verify.
        let other = leaves[(e.leaf_index as usize + 1) % 8];
        assert!(
            verify_inclusion(&other, &expected, &root).is_err(),
            "{what}"
        );
        assert!(
            verify_inclusion(&leaf, &expected, &empty_root()).is_err(),
            "{what}"
        );
        for k in 0..expected.path.len() {
            let mut bad = expected.clone();
            bad.path[k].0[0] ^= 8;
            assert_eq!(
                verify_inclusion(&leaf, &bad, &root),
                Err(ProofError::RootMismatch),
                "{what}, path[{k}]"
            );
        }
    }
}

#[test]
fn consistency_proofs() {
    let v = load();
    let leaves = leaf_hashes(&v);
    for e in &v.consistency {
        let what = format!("{} -> {}", e.old_size, e.new_size);
        let proof = hashes(&e.proof);
        let t = tree(&leaves, e.new_size);
        assert_eq!(
            t.consistency_proof(e.old_size).as_ref(),
            Ok(&proof),
            "{what}"
        );
        let prefix = &leaves[..e.new_size as usize];
        assert_eq!(
            consistency_proof_of(prefix, e.old_size).as_ref(),
            Ok(&proof),
            "{what}"
        );
        let (old_root, new_root) = (root_of(&v, e.old_size), root_of(&v, e.new_size));
        assert_eq!(
            verify_consistency(e.old_size, e.new_size, &old_root, &new_root, &proof),
            Ok(()),
            "{what}"
        );
        for k in 0..proof.len() {
            let mut bad = proof.clone();
            bad[k].0[0] ^= 16;
            assert!(
                verify_consistency(e.old_size, e.new_size, &old_root, &new_root, &bad).is_err(),
                "{what}, proof[{k}]"
            );
        }
        if e.old_size < e.new_size {
            assert!(
                verify_consistency(e.old_size, e.new_size, &new_root, &old_root, &proof).is_err(),
                "{what}, swapped roots"
            );
            assert!(
                verify_consistency(e.old_size, e.new_size, &old_root, &new_root, &[]).is_err(),
                "{what}, empty proof"
            );
        }
    }
    // From the empty tree: empty proof.
    for n in 0..=8 {
        let t = tree(&leaves, n);
        assert_eq!(t.consistency_proof(0), Ok(Vec::new()));
        assert_eq!(
            verify_consistency(0, n, &empty_root(), &root_of(&v, n), &[]),
            Ok(())
        );
    }
}

#[test]
fn published_entries_are_the_reference_values() {
    // Spot-check that the file still holds the values copied from the sources.
    let v = load();
    let e = v
        .inclusion
        .iter()
        .find(|e| (e.leaf_index, e.tree_size) == (5, 8))
        .expect("5 of 8");
    assert!(e.published);
    assert_eq!(
        e.path,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]
    );
    let c = v
        .consistency
        .iter()
        .find(|e| (e.old_size, e.new_size) == (6, 8))
        .expect("6 -> 8");
    assert!(c.published);
    assert_eq!(
        c.proof,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]
    );
}
