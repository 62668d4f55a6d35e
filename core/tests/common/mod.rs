//! Helpers shared by the core's integration tests (`adversarial.rs`,
//! `security_review.rs`, `end_to_end.rs`): demo keys, a verifier for a
//! store, the exact-check assertion, and a COSE_Sign1 status list signed by
//! hand.

#![allow(dead_code, clippy::unwrap_used)]

use certanchor::cbor::Writer;
use certanchor::keys::SigningKey;
use certanchor::sample::demo_authorities;
use certanchor::trust::TrustStoreDoc;
use certanchor::{CheckCode, Issuer, Outcome, Report, TrustStore, Verifier};

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
