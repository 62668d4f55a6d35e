//! Helpers shared by the core's integration tests (`adversarial.rs`,
//! `security_review.rs`, `end_to_end.rs`): demo keys, a verifier for a
//! store, the exact-check assertion, and a COSE_Sign1 status list signed by
//! hand.

#![allow(dead_code, clippy::unwrap_used)]

use certanchor::cbor::Writer;
use certanchor::keys::SigningKey;
use certanchor::sample::{demo_authorities, demo_trust_doc};
use certanchor::trust::TrustStoreDoc;
use certanchor::{CheckCode, IssuedBatch, Issuer, Outcome, Report, TrustStore, Verifier};

/// The demo authority `id`'s signing key.
pub fn authority(id: &str) -> SigningKey {
    demo_authorities()
        .into_iter()
        .find(|a| a.id == id)
        .unwrap()
        .key
}

/// A verifier for the store `doc`.
pub fn verifier_with(doc: TrustStoreDoc) -> Verifier {
    Verifier::new(TrustStore::from_doc(doc).unwrap())
}

/// The market regulator, issuing business licenses.
pub fn scjgj() -> Issuer {
    Issuer::new(authority("cn.beijing.scjgj"), "cn.beijing.scjgj")
}

/// Asserts check `c` came out `o` with `code`, showing its reason if not.
#[track_caller]
pub fn assert_check(r: &Report, c: CheckCode, o: Outcome, code: &str) {
    let ch = r.check(c).unwrap();
    assert_eq!(
        (ch.outcome, ch.code.as_str()),
        (o, code),
        "{}: {}",
        c.as_str(),
        ch.reason
    );
}

/// Asserts check `c` came out `o` with `code` and a reason containing `part`.
#[track_caller]
pub fn assert_check_reason(r: &Report, c: CheckCode, o: Outcome, code: &str, part: &str) {
    assert_check(r, c, o, code);
    let reason = &r.check(c).unwrap().reason;
    assert!(reason.contains(part), "{}: {reason}", c.as_str());
}

/// Endorses `b` by the demo authority `id` at the anchor's issue time.
pub fn endorse_at_issue(b: &mut IssuedBatch, id: &str) {
    let at = b.anchor().body().issued_at;
    b.endorse(&authority(id), at).unwrap();
}

/// A verifier for the demo store without a ledger.
pub fn demo_verifier() -> Verifier {
    verifier_with(demo_trust_doc(None))
}

/// A COSE_Sign1 status list over `payload` signed by `key`, built by hand
/// (RFC 9052 §4.4), for payloads `StatusList::sign` refuses to produce.
pub fn cose_sign1(payload: &[u8], key: &SigningKey) -> Vec<u8> {
    let mut p = Writer::new();
    p.map(3);
    p.uint(1);
    p.int(-8);
    p.uint(3);
    p.text(certanchor::status::STATUS_CONTENT_TYPE);
    p.uint(4);
    p.bytes(key.public_key().key_id().as_bytes());
    let protected = p.into_bytes();
    let mut tbs = Writer::new();
    tbs.array(4);
    tbs.text("Signature1");
    tbs.bytes(&protected);
    tbs.bytes(&[]);
    tbs.bytes(payload);
    let sig = key.sign(&tbs.into_bytes());
    let mut w = Writer::new();
    w.tag(18);
    w.array(4);
    w.bytes(&protected);
    w.map(0);
    w.bytes(payload);
    w.bytes(&sig);
    w.into_bytes()
}
