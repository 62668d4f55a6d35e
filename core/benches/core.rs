//! Criterion benchmarks of the hot paths. Run: `cargo bench -p certanchor`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use certanchor::Document;
use std::hint::black_box;

use certanchor::ledger::{FileLedger, Ledger};
use certanchor::merkle::{MerkleTree, leaf_hash, node_hash};
use certanchor::sample::{self, JAN_1_2024};
use certanchor::{Bundle, Disclosure, Hash, IssueOptions, Issuer, TrustStore, Value, Verifier};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sha2::{Digest as _, Sha256};

fn primitives(c: &mut Criterion) {
    let d = Disclosure::new([7; 16], "registered_capital", Value::from("5000000.00"));
    c.bench_function("field_digest", |b| b.iter(|| black_box(&d).digest()));
    c.bench_function("leaf_hash_300B", |b| {
        b.iter(|| leaf_hash(black_box(&[1u8; 300])))
    });
    let mut g = c.benchmark_group("tree_build_and_all_proofs");
    for n in [1_000u64, 100_000] {
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        g.throughput(Throughput::Elements(n));
        g.bench_with_input(BenchmarkId::from_parameter(n), &leaves, |b, l| {
            b.iter(|| {
                let t = MerkleTree::from_leaf_hashes(l.clone());
                for i in 0..t.size() {
                    black_box(t.inclusion_proof(i).unwrap());
                }
            })
        });
    }
    g.finish();
    tree_levels(c);
}

/// RFC 9162 node hashing for rs_merkle (a last odd node is promoted).
#[derive(Clone)]
struct NodeHasher;

impl rs_merkle::Hasher for NodeHasher {
    type Hash = [u8; 32];
    fn hash(data: &[u8]) -> [u8; 32] {
        leaf_hash(data).0
    }
    fn concat_and_hash(left: &[u8; 32], right: Option<&[u8; 32]>) -> [u8; 32] {
        right.map_or(*left, |r| node_hash(&Hash(*left), &Hash(*r)).0)
    }
}

/// The levels above the leaves, pairing left to right (`merkle.rs`).
fn paired(leaves: &[[u8; 32]]) -> Vec<Vec<[u8; 32]>> {
    let mut levels: Vec<Vec<[u8; 32]>> = Vec::new();
    let mut below = leaves;
    while below.len() > 1 {
        levels.push(
            below
                .chunks(2)
                .map(|p| match p {
                    [l, r] => node_hash(&Hash(*l), &Hash(*r)).0,
                    _ => p[0],
                })
                .collect(),
        );
        below = levels.last().unwrap();
    }
    levels
}

/// Tree levels over one subtree's worth of leaves (one core) two ways, and
/// the limit: SHA-256 of the n - 1 node messages (0x01, left, right) a tree
/// of n leaves hashes. Ratios: `sha256_limit / x`.
fn tree_levels(c: &mut Criterion) {
    let mut g = c.benchmark_group("tree_levels");
    for n in [1_000u64, 16_384] {
        let leaves: Vec<[u8; 32]> = (0..n).map(|i| leaf_hash(&i.to_be_bytes()).0).collect();
        g.throughput(Throughput::Elements(n));
        g.bench_with_input(BenchmarkId::new("paired", n), &leaves, |b, l| {
            b.iter(|| paired(black_box(l)))
        });
        g.bench_with_input(BenchmarkId::new("rs_merkle", n), &leaves, |b, l| {
            b.iter(|| rs_merkle::PartialTree::<NodeHasher>::from_leaves(black_box(l)).unwrap())
        });
        let hashes: Vec<Hash> = leaves.iter().map(|l| Hash(*l)).collect();
        g.bench_with_input(BenchmarkId::new("MerkleTree", n), &hashes, |b, l| {
            b.iter(|| MerkleTree::from_leaf_hashes(black_box(l).clone()))
        });
        let messages: Vec<[u8; 65]> = leaves
            .windows(2)
            .map(|w| {
                let mut m = [1u8; 65];
                m[1..33].copy_from_slice(&w[0]);
                m[33..].copy_from_slice(&w[1]);
                m
            })
            .collect();
        g.bench_with_input(BenchmarkId::new("sha256_limit", n), &messages, |b, m| {
            b.iter(|| {
                black_box(m)
                    .iter()
                    .map(|x| Sha256::digest(x)[0])
                    .fold(0u8, |a, x| a ^ x)
            })
        });
    }
    g.finish();
}

fn bundles(c: &mut Criterion) {
    let auths = sample::demo_authorities();
    let certs: Vec<_> = (0..1000).map(sample::business_license).collect();
    let mut batch = Issuer::new(auths[1].key.clone(), auths[1].id)
        .issue("bench", &certs, &IssueOptions::at(JAN_1_2024))
        .unwrap();
    batch
        .endorse(&auths[2].key, batch.anchor().body().issued_at)
        .unwrap();
    c.bench_function("issue_1000_licenses", |b| {
        let issuer = Issuer::new(auths[1].key.clone(), auths[1].id);
        b.iter(|| {
            issuer
                .issue("bench", &certs, &IssueOptions::at(JAN_1_2024))
                .unwrap()
        })
    });
    let bundle = batch.bundle(5, None).unwrap();
    let bytes = bundle.to_vec();
    let text = bundle.to_text();
    c.bench_function("header_encode", |b| {
        let h = bundle.decoded_header().unwrap();
        b.iter(|| black_box(&h).to_vec())
    });
    c.bench_function("bundle_encode", |b| b.iter(|| black_box(&bundle).to_vec()));
    c.bench_function("bundle_decode", |b| {
        b.iter(|| Bundle::from_slice(black_box(&bytes)).unwrap())
    });
    c.bench_function("bundle_to_text", |b| {
        b.iter(|| black_box(&bundle).to_text())
    });
    c.bench_function("bundle_from_text", |b| {
        b.iter(|| Bundle::from_text(black_box(&text)).unwrap())
    });
    // The CA1 zlib stream two ways, and the limit: SHA-256 over the same
    // bytes. Ratios: `sha256_limit / x`.
    let mut g = c.benchmark_group("ca1_zlib");
    g.bench_function("small_encoder", |b| {
        b.iter(|| certanchor::deflate::compress(black_box(&bytes)))
    });
    g.bench_function("miniz_oxide_9", |b| {
        b.iter(|| certanchor::deflate::best(black_box(&bytes)))
    });
    g.bench_function("sha256_limit", |b| {
        b.iter(|| Sha256::digest(black_box(&bytes)))
    });
    g.finish();
    eprintln!(
        "ca1_zlib: {} bundle bytes; small encoder {} B, miniz_oxide level 9 {} B",
        bytes.len(),
        certanchor::deflate::compress(&bytes).len(),
        certanchor::deflate::best(&bytes).len()
    );
    let trust = TrustStore::from_doc(sample::demo_trust_doc(None)).unwrap();
    let now = JAN_1_2024 + 60;
    let warm = Verifier::new(trust.clone());
    c.bench_function("verify_warm", |b| {
        b.iter(|| warm.verify(black_box(&bytes), now))
    });
    c.bench_function("verify_cold", |b| {
        b.iter(|| Verifier::new(trust.clone()).verify(black_box(&bytes), now))
    });
    let all: Vec<Vec<u8>> = (0..batch.len())
        .map(|i| batch.bundle(i, None).unwrap().to_vec())
        .collect();
    let mut g = c.benchmark_group("verify_many");
    g.throughput(Throughput::Elements(all.len() as u64));
    g.bench_function("1000", |b| {
        b.iter(|| warm.verify_many(black_box(&all), now))
    });
    g.finish();
    receipts(c, &batch, &all, now);
    let issuer = Issuer::new(auths[1].key.clone(), auths[1].id);
    issuer
        .update_status(
            &mut batch,
            certanchor::status::StatusPurpose::Revocation,
            &[(3, true)],
            now,
            600,
        )
        .unwrap();
    let list = batch
        .status_list(certanchor::status::StatusPurpose::Revocation)
        .unwrap()
        .body()
        .clone();
    c.bench_function("status_lookup", |b| {
        b.iter(|| black_box(&list).get(black_box(3)))
    });
}

/// Warm verification of the same bundles without and with a ledger receipt
/// (the batch's anchor appended to a `FileLedger` between two others), by a
/// verifier that trusts the ledger. Ratio: `without / with`.
fn receipts(c: &mut Criterion, batch: &certanchor::IssuedBatch, plain: &[Vec<u8>], now: u64) {
    const ORIGIN: &str = "bench.example/receipts";
    let ledger_key = certanchor::keys::SigningKey::from_seed(&[0x42; 32]);
    let dir =
        std::env::temp_dir().join(format!("certanchor-bench-receipts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut l = FileLedger::create(&dir, ORIGIN, ledger_key.clone()).unwrap();
    let earlier = certanchor::AnchorBody {
        issuer: "cn.beijing.scjgj".into(),
        batch: "earlier".into(),
        tree_size: 1,
        root: Hash::digest(b"earlier"),
        issued_at: JAN_1_2024,
        kinds: vec!["business_license".into()],
    };
    let key = certanchor::keys::SigningKey::from_seed(&[1; 32]);
    l.append(certanchor::Anchor::sign(&earlier, &key).unwrap().as_bytes())
        .unwrap();
    let receipt = l
        .append(batch.anchor().as_bytes())
        .unwrap()
        .to_bundle_receipt();
    drop(l);
    let _ = std::fs::remove_dir_all(&dir);
    let with: Vec<Vec<u8>> = (0..batch.len())
        .map(|i| {
            let mut b = batch.bundle(i, None).unwrap();
            b.receipt = Some(receipt.clone());
            b.to_vec()
        })
        .collect();
    let trust = TrustStore::from_doc(sample::demo_trust_doc(Some((
        ORIGIN,
        &ledger_key.public_key(),
    ))))
    .unwrap();
    let v = Verifier::new(trust);
    assert_eq!(v.verify(&plain[5], now).verdict, certanchor::Verdict::Valid);
    let r = v.verify(&with[5], now);
    assert_eq!(r.verdict, certanchor::Verdict::Valid, "{r}");
    assert!(r.ledger.is_some());
    let mut g = c.benchmark_group("verify_receipt");
    g.bench_function("warm_without", |b| {
        b.iter(|| v.verify(black_box(&plain[5]), now))
    });
    g.bench_function("warm_with", |b| {
        b.iter(|| v.verify(black_box(&with[5]), now))
    });
    g.throughput(Throughput::Elements(plain.len() as u64));
    g.bench_function("many_1000_without", |b| {
        b.iter(|| v.verify_many(black_box(plain), now))
    });
    g.bench_function("many_1000_with", |b| {
        b.iter(|| v.verify_many(black_box(&with), now))
    });
    g.finish();
}

fn ledger(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("certanchor-bench-ledger-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut l = FileLedger::create(
        &dir,
        "bench.example/log",
        certanchor::keys::SigningKey::from_seed(&[9; 32]),
    )
    .unwrap();
    let key = certanchor::keys::SigningKey::from_seed(&[1; 32]);
    let mut counter = 0u64;
    let mut next_group = |n: usize| -> Vec<Vec<u8>> {
        (0..n)
            .map(|_| {
                counter += 1;
                let body = certanchor::AnchorBody {
                    issuer: "cn.beijing.scjgj".into(),
                    batch: format!("b{counter}"),
                    tree_size: 1,
                    root: Hash::digest(&counter.to_be_bytes()),
                    issued_at: JAN_1_2024,
                    kinds: vec!["business_license".into()],
                };
                certanchor::Anchor::sign(&body, &key)
                    .unwrap()
                    .as_bytes()
                    .to_vec()
            })
            .collect()
    };
    let mut g = c.benchmark_group("ledger_append_many");
    g.throughput(Throughput::Elements(1000));
    g.sample_size(10);
    g.bench_function("1000", |b| {
        b.iter_batched(
            || next_group(1000),
            |group| {
                let refs: Vec<&[u8]> = group.iter().map(Vec::as_slice).collect();
                l.append_many(&refs).unwrap()
            },
            criterion::BatchSize::LargeInput,
        )
    });
    g.finish();
    let first = certanchor::Anchor::from_slice(&l.get(0).unwrap())
        .unwrap()
        .id();
    let size = l.size();
    c.bench_function("ledger_inclusion_proof", |b| {
        b.iter(|| l.inclusion_proof(black_box(&first), size).unwrap())
    });
    drop(l);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, primitives, bundles, ledger);
criterion_main!(benches);
