//! Chain receipts (issue 10): the bundle's `chain` key, the trust store's
//! `chains`, offline verification (indeterminate: "chain receipt not checked
//! offline"; unknown chain: failed) and online verification through a
//! [`ChainOracle`] (here a fake one; `ledger-evm/tests` runs a real chain).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use certanchor::Document;
use std::cell::Cell;

use certanchor::bundle::ChainReceipt;
use certanchor::cbor::Writer;
use certanchor::ledger::{FileLedger, Ledger as _, Receipt};
use certanchor::sample::{self, JAN_1_2024, demo_authorities, demo_trust_doc};
use certanchor::trust::{ChainEntry, TrustStoreDoc};
use certanchor::{
    Bundle, ChainOracle, ChainRecord, CheckCode, DecodeError, Hash, IssueOptions, IssuedBatch,
    Issuer, Outcome, Report, TrustStore, Verdict, Verifier,
};

const ISSUED: u64 = JAN_1_2024 + 86_400 * 150;
const NOW: u64 = ISSUED + 3600;
const CHAIN: u64 = 1337;
const CONTRACT: [u8; 20] = [0xe7; 20];

fn batch(tag: &str) -> IssuedBatch {
    let key = demo_authorities()
        .into_iter()
        .find(|a| a.id == "cn.beijing.scjgj")
        .unwrap()
        .key;
    let tax = demo_authorities()
        .into_iter()
        .find(|a| a.id == "cn.beijing.tax")
        .unwrap()
        .key;
    let certs: Vec<_> = (0..3).map(sample::business_license).collect();
    let mut b = Issuer::new(key, "cn.beijing.scjgj")
        .issue(tag, &certs, &IssueOptions::at(ISSUED))
        .unwrap();
    b.endorse(&tax, b.anchor().body().issued_at).unwrap();
    b
}

fn receipt() -> ChainReceipt {
    ChainReceipt {
        chain_id: CHAIN,
        contract: CONTRACT,
        tx: Hash([0xab; 32]),
        block: 42,
    }
}

fn doc(require_ledger: bool) -> TrustStoreDoc {
    let mut d = demo_trust_doc(None);
    d.chains.push(ChainEntry {
        chain_id: CHAIN,
        contract: format!("0x{}", hex::encode(CONTRACT)),
        rpc_url: None,
        name: Some("city chain".into()),
    });
    for p in &mut d.policies {
        p.require_ledger = require_ledger;
    }
    d
}

fn verifier(require_ledger: bool) -> Verifier {
    Verifier::new(TrustStore::from_doc(doc(require_ledger)).unwrap())
}

#[track_caller]
fn ledger_check(r: &Report, outcome: Outcome, code: &str) {
    let c = r.check(CheckCode::Ledger).unwrap();
    assert_eq!(
        (c.outcome, c.code.as_str()),
        (outcome, code),
        "{}",
        c.reason
    );
}

/// Answers from a fixed record, counting calls.
struct Fake {
    answer: Result<Option<ChainRecord>, String>,
    calls: Cell<u32>,
}

impl ChainOracle for Fake {
    fn anchored(
        &self,
        chain_id: u64,
        contract: &[u8; 20],
        _anchor_id: &Hash,
    ) -> Result<Option<ChainRecord>, String> {
        assert_eq!((chain_id, *contract), (CHAIN, CONTRACT));
        self.calls.set(self.calls.get() + 1);
        self.answer.clone()
    }
}

fn record_of(b: &IssuedBatch) -> ChainRecord {
    let body = b.anchor().body();
    ChainRecord {
        block: 42,
        timestamp: ISSUED + 60,
        issuer: [0x90; 20],
        root: body.root,
        tree_size: body.tree_size,
    }
}

#[test]
fn chain_receipt_round_trips_and_old_bundles_are_unchanged() {
    let b = batch("rt");
    let plain = b.bundle(0, None).unwrap();
    let mut with = plain.clone();
    with.chain = Some(receipt());
    let bytes = with.to_vec();
    assert_eq!(Bundle::from_slice(&bytes).unwrap(), with);
    assert_eq!(Bundle::from_text(&with.to_text()).unwrap(), with);
    // no chain receipt: the encoding is what it was (no new key)
    assert!(!plain.to_vec().windows(5).any(|w| w == b"chain"));
    assert_eq!(Bundle::from_slice(&plain.to_vec()).unwrap().chain, None);
    // the JSON view shows it
    let j = with.to_json();
    assert_eq!(j["chain"]["block"], 42);
    assert_eq!(
        j["chain"]["contract"],
        format!("0x{}", hex::encode(CONTRACT))
    );
    // both receipt kinds can be carried together
    let dir = std::env::temp_dir().join(format!("certanchor-chain-rt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut l = FileLedger::create(
        &dir,
        "ledger.example/x",
        certanchor::keys::SigningKey::from_seed(&[7; 32]),
    )
    .unwrap();
    let rc = l.append(b.anchor().as_bytes()).unwrap();
    drop(l);
    std::fs::remove_dir_all(&dir).unwrap();
    let mut both = with.clone();
    rc.attach_to(&mut both);
    assert!(both.receipt.is_some() && both.chain.is_some());
    assert_eq!(Bundle::from_slice(&both.to_vec()).unwrap(), both);
}

#[test]
fn attach_to_picks_the_chain_form() {
    let mut b = batch("attach").bundle(0, None).unwrap();
    let r = Receipt {
        index: 3,
        anchor_id: Hash([1; 32]),
        checkpoint: String::new(),
        tree_size: 4,
        path: vec![],
        chain: Some(receipt()),
    };
    r.attach_to(&mut b);
    assert_eq!((b.chain, b.receipt), (Some(receipt()), None));
}

/// Re-encodes a bundle with a hand-written `chain` map.
fn with_raw_chain(b: &Bundle, write_chain: impl Fn(&mut Writer)) -> Vec<u8> {
    // Bundle::to_vec puts "chain" right after "v" (key order); splice a
    // hand-made value in place of the real one.
    let mut good = b.clone();
    good.chain = Some(receipt());
    let bytes = good.to_vec();
    let mut w = Writer::with_capacity(64);
    receipt_writer(&mut w);
    let real = w.into_bytes();
    let at = bytes
        .windows(real.len())
        .position(|x| x == real.as_slice())
        .unwrap();
    let mut w = Writer::with_capacity(64);
    write_chain(&mut w);
    let mut out = bytes[..at].to_vec();
    out.extend_from_slice(&w.into_bytes());
    out.extend_from_slice(&bytes[at + real.len()..]);
    out
}

fn receipt_writer(w: &mut Writer) {
    let r = receipt();
    w.map(4);
    w.text("tx");
    w.bytes(r.tx.as_bytes());
    w.text("block");
    w.uint(r.block);
    w.text("chain_id");
    w.uint(r.chain_id);
    w.text("contract");
    w.bytes(&r.contract);
}

#[test]
fn chain_receipt_is_decoded_strictly() {
    let b = batch("strict").bundle(0, None).unwrap();
    // the splice helper reproduces the real encoding
    let same = with_raw_chain(&b, receipt_writer);
    assert_eq!(Bundle::from_slice(&same).unwrap().chain, Some(receipt()));
    // a short contract address
    let e = Bundle::from_slice(&with_raw_chain(&b, |w| {
        w.map(4);
        w.text("tx");
        w.bytes(&[0xab; 32]);
        w.text("block");
        w.uint(42);
        w.text("chain_id");
        w.uint(CHAIN);
        w.text("contract");
        w.bytes(&[0xe7; 19]);
    }))
    .unwrap_err();
    assert!(
        matches!(
            e,
            DecodeError::BadLength {
                expected: 20,
                found: 19,
                ..
            }
        ),
        "{e:?}"
    );
    // a missing field
    let e = Bundle::from_slice(&with_raw_chain(&b, |w| {
        w.map(3);
        w.text("tx");
        w.bytes(&[0xab; 32]);
        w.text("block");
        w.uint(42);
        w.text("chain_id");
        w.uint(CHAIN);
    }))
    .unwrap_err();
    assert!(
        matches!(
            e,
            DecodeError::MissingField {
                field: "contract",
                ..
            }
        ),
        "{e:?}"
    );
    // an unknown field
    let e = Bundle::from_slice(&with_raw_chain(&b, |w| {
        w.map(5);
        w.text("tx");
        w.bytes(&[0xab; 32]);
        w.text("gas");
        w.uint(1);
        w.text("block");
        w.uint(42);
        w.text("chain_id");
        w.uint(CHAIN);
        w.text("contract");
        w.bytes(&CONTRACT);
    }))
    .unwrap_err();
    assert_eq!(e.code(), "unknown_field", "{e:?}");
    // keys out of deterministic order
    let e = Bundle::from_slice(&with_raw_chain(&b, |w| {
        w.map(4);
        w.text("block");
        w.uint(42);
        w.text("tx");
        w.bytes(&[0xab; 32]);
        w.text("chain_id");
        w.uint(CHAIN);
        w.text("contract");
        w.bytes(&CONTRACT);
    }))
    .unwrap_err();
    assert_ne!(e.code(), "unknown_field", "{e:?}");
    // not a map
    assert!(Bundle::from_slice(&with_raw_chain(&b, |w| w.uint(1))).is_err());
}

#[test]
fn offline_a_chain_receipt_is_indeterminate() {
    let b = batch("offline");
    let mut bundle = b.bundle(1, None).unwrap();
    bundle.chain = Some(receipt());
    let r = verifier(false).verify(&bundle.to_vec(), NOW);
    ledger_check(&r, Outcome::Indeterminate, "chain_not_checked");
    assert!(
        r.check(CheckCode::Ledger)
            .unwrap()
            .reason
            .starts_with("chain receipt not checked offline"),
    );
    assert_eq!(r.verdict, Verdict::Indeterminate);
    // every other check is untouched
    assert!(
        r.checks
            .iter()
            .filter(|c| c.check != CheckCode::Ledger)
            .all(|c| c.outcome != Outcome::Failed && c.outcome != Outcome::Indeterminate)
    );
    // also when the policy requires a ledger receipt
    let r = verifier(true).verify(&bundle.to_vec(), NOW);
    ledger_check(&r, Outcome::Indeterminate, "chain_not_checked");
}

#[test]
fn a_chain_not_in_the_trust_store_fails() {
    let b = batch("unknown");
    let mut bundle = b.bundle(1, None).unwrap();
    bundle.chain = Some(ChainReceipt {
        chain_id: 1,
        ..receipt()
    });
    let r = verifier(false).verify(&bundle.to_vec(), NOW);
    ledger_check(&r, Outcome::Failed, "unknown_chain");
    assert_eq!(r.verdict, Verdict::Invalid);
    bundle.chain = Some(ChainReceipt {
        contract: [1; 20],
        ..receipt()
    });
    let r = verifier(false).verify(&bundle.to_vec(), NOW);
    ledger_check(&r, Outcome::Failed, "unknown_chain");
    // online too: the oracle is not even asked
    let fake = Fake {
        answer: Ok(None),
        calls: Cell::new(0),
    };
    let r = verifier(false).verify_online(&bundle.to_vec(), NOW, &fake);
    ledger_check(&r, Outcome::Failed, "unknown_chain");
    assert_eq!(fake.calls.get(), 0);
}

#[test]
fn online_verification_asks_the_chain() {
    let b = batch("online");
    let mut bundle = b.bundle(2, None).unwrap();
    bundle.chain = Some(receipt());
    let bytes = bundle.to_vec();
    let v = verifier(true);
    let run = |answer: Result<Option<ChainRecord>, String>| {
        let fake = Fake {
            answer,
            calls: Cell::new(0),
        };
        let r = v.verify_online(&bytes, NOW, &fake);
        assert_eq!(fake.calls.get(), 1);
        r
    };
    let good = record_of(&b);
    let r = run(Ok(Some(good)));
    ledger_check(&r, Outcome::Passed, "ok");
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    assert!(
        r.check(CheckCode::Ledger)
            .unwrap()
            .reason
            .contains("city chain (chain 1337) in block 42")
    );

    let r = run(Ok(None));
    ledger_check(&r, Outcome::Failed, "not_on_chain");
    assert_eq!(r.verdict, Verdict::Invalid);

    let r = run(Ok(Some(ChainRecord {
        root: Hash([9; 32]),
        ..good
    })));
    ledger_check(&r, Outcome::Failed, "chain_mismatch");
    let r = run(Ok(Some(ChainRecord {
        tree_size: good.tree_size + 1,
        ..good
    })));
    ledger_check(&r, Outcome::Failed, "chain_mismatch");
    let r = run(Ok(Some(ChainRecord { block: 41, ..good })));
    ledger_check(&r, Outcome::Failed, "chain_receipt_mismatch");

    let r = run(Err("connection refused".into()));
    ledger_check(&r, Outcome::Indeterminate, "chain_unreachable");
    assert_eq!(r.verdict, Verdict::Indeterminate);

    // a bundle without a chain receipt: the oracle is not asked, same report as offline
    let plain = b.bundle(2, None).unwrap().to_vec();
    let fake = Fake {
        answer: Ok(None),
        calls: Cell::new(0),
    };
    assert_eq!(v.verify_online(&plain, NOW, &fake), v.verify(&plain, NOW));
    assert_eq!(fake.calls.get(), 0);
    // garbage: a format failure, no question asked
    let r = v.verify_online(b"garbage", NOW, &fake);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert_eq!(fake.calls.get(), 0);
}

#[test]
fn chain_and_checkpoint_receipts_combine() {
    let b = batch("both");
    let dir = std::env::temp_dir().join(format!("certanchor-chain-both-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let lkey = certanchor::keys::SigningKey::from_seed(&[0x31; 32]);
    let mut l = FileLedger::create(&dir, "ledger.example.gov.cn/certanchor", lkey.clone()).unwrap();
    let rc = l.append(b.anchor().as_bytes()).unwrap();
    drop(l);
    std::fs::remove_dir_all(&dir).unwrap();
    let mut d = demo_trust_doc(Some((
        "ledger.example.gov.cn/certanchor",
        &lkey.public_key(),
    )));
    d.chains = doc(false).chains;
    let v = Verifier::new(TrustStore::from_doc(d).unwrap());
    let mut bundle = b.bundle(0, None).unwrap();
    bundle.receipt = Some(rc.to_bundle_receipt());
    bundle.chain = Some(receipt());
    // offline: checkpoint passes, chain indeterminate -> indeterminate, both reasons
    let r = v.verify_bundle(&bundle, NOW);
    ledger_check(&r, Outcome::Indeterminate, "chain_not_checked");
    let reason = &r.check(CheckCode::Ledger).unwrap().reason;
    assert!(
        reason.contains("entry 0 of 1") && reason.contains("chain receipt not checked offline"),
        "{reason}"
    );
    // online and confirmed: passed
    let fake = Fake {
        answer: Ok(Some(record_of(&b))),
        calls: Cell::new(0),
    };
    let r = v.verify_bundle_online(&bundle, NOW, &fake);
    ledger_check(&r, Outcome::Passed, "ok");
    assert_eq!(r.verdict, Verdict::Valid);
    // a bad checkpoint receipt still fails even when the chain confirms
    bundle.receipt.as_mut().unwrap().index = 5;
    let r = v.verify_bundle_online(&bundle, NOW, &fake);
    ledger_check(&r, Outcome::Failed, "not_in_ledger");
}
